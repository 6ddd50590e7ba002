{{
  config(
    materialized = 'incremental',
    unique_key = 'order_date',
    incremental_strategy = 'delete+insert'
  )
}}

-- Day x category x department: the numbers the sales dashboard shows.
-- Only items that count as revenue (not cancelled, not returned).
-- Money is exact: revenue and profit are DECIMAL(38,2) sums of cents, so they do
-- not depend on the order the engine adds rows in; the average order value is
-- rounded to the cent (DECIMAL(18,2)).
-- Incremental: each run recomputes whole days from a day before fct_orders'
-- own lookback (the items it re-merged) and replaces those days
-- (delete+insert by order_date), so the result equals a full rebuild.
select
    order_date,
    category,
    department,
    cast(sum(sale_price) as decimal(38,2))            as revenue,
    cast(sum(item_profit) as decimal(38,2))           as profit,
    count(distinct order_id)                          as orders,
    count(*)                                          as items,
    count(distinct user_id)                           as customers,
    cast(round(sum(sale_price) / nullif(count(distinct order_id), 0), 2) as decimal(18,2))
                                                      as average_order_value
from {{ ref('fct_orders') }}
where is_revenue
{% if is_incremental() %}
  and order_date >= (
      select max(order_date) - interval '{{ var("incremental_lookback_days") + 1 }} days'
      from {{ this }}
  )
{% endif %}
group by order_date, category, department
