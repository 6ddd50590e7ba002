with __dbt__cte__stg_payments as (


select
    order_id,
    sum(case when method = 'card' then amount_cents else 0 end) as card_cents,
    sum(case when method = 'voucher' then amount_cents else 0 end) as voucher_cents,
    sum(case when method = 'transfer' then amount_cents else 0 end) as transfer_cents
    
from "tinyshop"."main"."shop_payments"
group by order_id
), orders as (
    select * from "tinyshop"."main"."stg_orders"
),
payments as (
    select * from __dbt__cte__stg_payments
)
select
    c.customer_id,
    c.full_name,
    count(o.order_id) as order_count,
    coalesce(sum(o.amount), 0) as lifetime_value,
    coalesce(sum(p.card_cents), 0) as card_cents
from "tinyshop"."main"."stg_customers" as c
left join orders as o on o.customer_id = c.customer_id
left join payments as p on p.order_id = o.order_id
group by c.customer_id, c.full_name