-- Day x category x department: the numbers the sales dashboard shows.
-- Only items that count as revenue (not cancelled, not returned).
-- Money is exact: revenue and profit are DECIMAL(38,2) sums of cents, so they do
-- not depend on the order the engine adds rows in; the average order value is
-- rounded to the cent (DECIMAL(18,2)).
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
group by order_date, category, department
