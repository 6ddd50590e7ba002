{{ config(severity='warn') }}
select order_id, order_created_at, shipped_at
from {{ ref('stg_orders') }}
where shipped_at < order_created_at
