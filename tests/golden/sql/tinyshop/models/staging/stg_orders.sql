select
    order_id,
    customer_id,
    cast(ordered_at as timestamp) as ordered_at,
    status,
    round(cast(amount_cents as numeric(28,6)) / 100, 2) as amount
from "tinyshop"."main"."shop_orders"
where amount_cents >= 0