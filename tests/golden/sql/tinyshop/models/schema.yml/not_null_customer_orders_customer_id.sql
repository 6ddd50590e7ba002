select customer_id
from "tinyshop"."main"."customer_orders"
where customer_id is null