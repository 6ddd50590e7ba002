select
    customer_id,
    first_name || ' ' || last_name as full_name,
    signup_date,
    vip as is_vip
from "tinyshop"."main"."shop_customers"