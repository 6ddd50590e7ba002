{#- The RFM segment of a customer scored by int_customers (its `scored`
    CTE: r_score, f_score and m_score, quintiles 1-5), as the alias `s` of
    a row of it; 'No orders' for a customer without one (s.user_id null
    after a left join). -#}
{% macro rfm_segment(s) -%}
    case
        when {{ s }}.user_id is null then 'No orders'
        when {{ s }}.r_score >= 4 and {{ s }}.f_score >= 4 then 'Champions'
        when {{ s }}.f_score >= 4 then 'Loyal'
        when {{ s }}.r_score >= 4 and {{ s }}.f_score <= 2 then 'New'
        when {{ s }}.r_score <= 2 and {{ s }}.m_score >= 4 then 'At risk'
        when {{ s }}.r_score <= 2 then 'Hibernating'
        else 'Needs attention'
    end
{%- endmacro %}
