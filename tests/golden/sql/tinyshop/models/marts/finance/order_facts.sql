select
    order_id,
    customer_id,
    ordered_at,
    status,
    amount,
    'EUR' as currency
from "tinyshop"."main"."stg_orders"