select customer_id
from "tinyshop"."main"."stg_customers"
where customer_id is null