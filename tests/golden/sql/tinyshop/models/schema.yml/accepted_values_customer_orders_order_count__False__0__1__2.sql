with all_values as (
    select order_count as value_field, count(*) as n_records
    from "tinyshop"."main"."customer_orders"
    group by order_count
)
select *
from all_values
where value_field not in (
    0, 1, 2
)