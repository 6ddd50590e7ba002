select amount
from "tinyshop"."main"."stg_orders"
where amount <= 0