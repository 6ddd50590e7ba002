-- The facts hold exactly the sales that were loaded: total sale price in
-- fct_orders equals the bronze table's (one row per item id).
with bronze as (
    select sum(sale_price) as total
    from (
        select id, max(sale_price) as sale_price
        from {{ source('raw', 'order_items') }}
        where id is not null
        group by id
    ) b
),
facts as (
    select sum(sale_price) as total from {{ ref('fct_orders') }}
)
select bronze.total as bronze_total, facts.total as facts_total
from bronze, facts
where abs(coalesce(bronze.total, 0) - coalesce(facts.total, 0)) > 0.01
