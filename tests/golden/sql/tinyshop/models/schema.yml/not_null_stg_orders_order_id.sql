select order_id
from "tinyshop"."main"."stg_orders"
where order_id is null