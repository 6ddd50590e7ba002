{#- The statuses whose sales count as revenue: a cancelled or returned item was not sold. -#}
{% macro is_revenue_status(column) -%}
  {{ column }} not in ('Cancelled', 'Returned')
{%- endmacro %}
