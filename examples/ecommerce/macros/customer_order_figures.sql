{#- int_customer_orders' row of each customer of fct_orders' items (user_id
    not null) that match `where` (a condition, ANDed; every item when
    empty): first and last order, orders, items and lifetime revenue and
    profit (exact DECIMAL(18,2) sums of the items that count as revenue).
    Grouped per order first, then per customer: a count of distinct order
    ids per customer kept a set of ids for each of them (15-40% slower at
    scale 10). -#}
{% macro customer_order_figures(where='') -%}
select
    user_id,
    min(first_at)                                       as first_order_at,
    max(last_at)                                        as last_order_at,
    count(order_id)                                     as order_count,
    cast(sum(items) as bigint)                          as order_items,
    cast(sum(revenue) as decimal(18,2))                 as lifetime_revenue,
    cast(sum(profit) as decimal(18,2))                  as lifetime_profit
from (
    select
        user_id,
        order_id,
        min(order_created_at)                               as first_at,
        max(order_created_at)                               as last_at,
        count(*)                                            as items,
        sum(case when is_revenue then sale_price else 0 end)  as revenue,
        sum(case when is_revenue then item_profit else 0 end) as profit
    from {{ ref('fct_orders') }}
    where user_id is not null{% if where %}
      and {{ where }}{% endif %}
    group by user_id, order_id
) per_order
group by user_id
{%- endmacro %}
