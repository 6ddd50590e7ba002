with __dbt__cte__stg_payments as (


select
    order_id,
    sum(case when method = 'card' then amount_cents else 0 end) as card_cents,
    sum(case when method = 'voucher' then amount_cents else 0 end) as voucher_cents,
    sum(case when method = 'transfer' then amount_cents else 0 end) as transfer_cents
    
from "tinyshop"."main"."shop_payments"
group by order_id
)
-- every order's payments add up to its amount
select o.order_id
from "tinyshop"."main"."stg_orders" as o
join __dbt__cte__stg_payments as p on p.order_id = o.order_id
where round(o.amount * 100) <> p.card_cents + p.voucher_cents + p.transfer_cents