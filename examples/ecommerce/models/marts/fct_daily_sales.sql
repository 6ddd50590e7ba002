{{
  config(
    materialized = 'incremental',
    unique_key = 'order_date',
    incremental_strategy = 'delete+insert',
    post_hook = "delete from {{ this }} where order_date not in (select order_date from {{ ref('fct_orders') }} where is_revenue)"
  )
}}

-- Day x category x department: the numbers the sales dashboard shows.
-- Only items that count as revenue (not cancelled, not returned).
-- Money is exact: revenue and profit are DECIMAL(38,2) sums of cents, so they do
-- not depend on the order the engine adds rows in; the average order value is
-- rounded to the cent (DECIMAL(18,2)).
-- Incremental (delete+insert by order_date): each run replaces the days whose
-- rows differ from the built ones (compared both ways, so a day that lost a
-- category is replaced too), however old the day: fct_orders replaces a late
-- status change of any order. A day whose every item stopped counting as
-- revenue has no row left to insert, so the post-hook deletes the built days
-- that have no revenue item any more. The result equals a full rebuild.
with sales as (
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
)

select * from sales
{% if is_incremental() %}
where order_date in (
    select order_date from (select * from sales except select * from {{ this }}) added
    union
    select order_date from (select * from {{ this }} except select * from sales) removed
)
{% endif %}
