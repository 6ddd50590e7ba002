{{ config(materialized = 'view') }}

-- One row per customer: who they are, how they came, what they bought,
-- and an RFM segment (recency, frequency, monetary quintiles): the scores
-- of int_customers (incremental: a day replaces only the customers whose
-- row changed), and recency_days, the days from the customer's last order
-- to the newest order date in the data. That as-of date moves with every
-- new day and with it every customer's recency: stored, every row with an
-- order would be rewritten each day; computed on read, it costs a scan of
-- one column of fct_orders.

with as_of as (
    select max(cast(order_created_at as date)) as as_of_date from {{ ref('fct_orders') }}
)

select
    c.user_id,
    c.first_name,
    c.last_name,
    c.email,
    c.age,
    c.age_band,
    c.gender,
    c.city,
    c.state,
    c.country,
    c.region,
    c.acquisition_source,
    c.user_created_at,
    c.acquisition_cohort,
    c.first_order_at,
    c.last_order_at,
    c.order_count,
    c.lifetime_revenue,
    c.lifetime_profit,
    (select as_of_date from as_of) - cast(c.last_order_at as date) as recency_days,
    c.rfm_segment
from {{ ref('int_customers') }} c
