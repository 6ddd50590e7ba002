-- One row per customer: who they are, how they came, what they bought,
-- and an RFM segment (recency, frequency, monetary quintiles).
-- Reproducible: every ntile breaks ties by user_id, so customers with equal
-- values do not change segment between builds of the same data; lifetime
-- revenue and profit are exact DECIMAL(38,2) sums.
-- A table rebuilt on each run, not incremental for changed customers: a new
-- day moves the as-of date, so recency_days changes for every customer with
-- an order, and the quintiles rank all customers against each other (one
-- customer's new order can move others across a boundary). Nearly every row
-- with orders differs after a day of data; replacing them costs more than
-- writing the table (issue 16: correctness first). Its readers
-- (fct_order_items, fct_sessions) compare segments and replace only the
-- rows whose segment moved.

with customers as (
    select * from {{ ref('stg_users') }}
),

orders as (
    select
        user_id,
        min(order_created_at)                               as first_order_at,
        max(order_created_at)                               as last_order_at,
        count(distinct order_id)                            as order_count,
        cast(sum(case when is_revenue then sale_price else 0 end) as decimal(38,2))  as lifetime_revenue,
        cast(sum(case when is_revenue then item_profit else 0 end) as decimal(38,2)) as lifetime_profit
    from {{ ref('fct_orders') }}
    group by user_id
),

as_of as (
    select max(cast(order_created_at as date)) as as_of_date from {{ ref('fct_orders') }}
),

scored as (
    select
        o.*,
        (select as_of_date from as_of) - cast(o.last_order_at as date) as recency_days,
        ntile(5) over (order by cast(o.last_order_at as date), o.user_id)       as r_score,
        ntile(5) over (order by o.order_count, o.lifetime_revenue, o.user_id)   as f_score,
        ntile(5) over (order by o.lifetime_revenue, o.user_id)                  as m_score
    from orders o
),

regions as (
    select country, region from {{ ref('country_regions') }}
)

select
    c.user_id,
    c.first_name,
    c.last_name,
    c.email,
    c.age,
    case
        when c.age < 25 then '18-24'
        when c.age < 35 then '25-34'
        when c.age < 45 then '35-44'
        when c.age < 55 then '45-54'
        when c.age < 65 then '55-64'
        else '65+'
    end                                                   as age_band,
    c.gender,
    c.city,
    c.state,
    c.country,
    coalesce(r.region, 'Other')                           as region,
    c.traffic_source                                      as acquisition_source,
    c.user_created_at,
    cast(date_trunc('month', c.user_created_at) as date)  as acquisition_cohort,
    s.first_order_at,
    s.last_order_at,
    coalesce(s.order_count, 0)                            as order_count,
    cast(coalesce(s.lifetime_revenue, 0) as decimal(38,2)) as lifetime_revenue,
    cast(coalesce(s.lifetime_profit, 0) as decimal(38,2))  as lifetime_profit,
    s.recency_days,
    case
        when s.user_id is null then 'No orders'
        when s.r_score >= 4 and s.f_score >= 4 then 'Champions'
        when s.f_score >= 4 then 'Loyal'
        when s.r_score >= 4 and s.f_score <= 2 then 'New'
        when s.r_score <= 2 and s.m_score >= 4 then 'At risk'
        when s.r_score <= 2 then 'Hibernating'
        else 'Needs attention'
    end                                                   as rfm_segment
from customers c
left join scored s on s.user_id = c.user_id
left join regions r on r.country = c.country
