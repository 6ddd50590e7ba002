-- Day x category x department: the numbers the sales dashboard shows.
-- Only items that count as revenue (not cancelled, not returned).
select
    order_date,
    category,
    department,
    sum(sale_price)                                   as revenue,
    sum(item_profit)                                  as profit,
    count(distinct order_id)                          as orders,
    count(*)                                          as items,
    count(distinct user_id)                           as customers,
    sum(sale_price) / nullif(count(distinct order_id), 0) as average_order_value
from {{ ref('fct_orders') }}
where is_revenue
group by order_date, category, department
