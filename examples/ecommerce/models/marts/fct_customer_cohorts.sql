-- Monthly acquisition cohorts: for each month of first order (cohort_month)
-- and each later month (months_since_first, 0 = the first month), how many of
-- the cohort's customers placed an order, out of how many it has.
-- Pre-aggregated (one row per cohort_month x months_since_first, only months
-- with at least one active customer): customers and cohort_customers add up
-- across cohorts, so a retention rate over several rows is
-- sum(customers) / sum(cohort_customers), never an average of retention_rate.
-- An order counts whatever its status: retention is "came back and ordered".

with activity as (
    select distinct
        user_id,
        cast(date_trunc('month', order_created_at) as date) as activity_month
    from {{ ref('stg_orders') }}
    where user_id is not null
),

cohorts as (
    select user_id, min(activity_month) as cohort_month
    from activity
    group by user_id
),

sizes as (
    select cohort_month, count(*) as cohort_customers
    from cohorts
    group by cohort_month
)

select
    c.cohort_month as cohort_month,
    cast((extract(year from a.activity_month) - extract(year from c.cohort_month)) * 12
         + extract(month from a.activity_month) - extract(month from c.cohort_month) as integer)
                                                                                    as months_since_first,
    count(*)                                                                        as customers,
    s.cohort_customers,
    cast(count(*) as double precision) / s.cohort_customers                        as retention_rate
from activity a
join cohorts c on c.user_id = a.user_id
join sizes s on s.cohort_month = c.cohort_month
group by c.cohort_month, a.activity_month, s.cohort_customers
