{{ config(severity='warn') }}
select order_id, shipped_at, delivered_at
from {{ ref('stg_orders') }}
where delivered_at < shipped_at
   or (delivered_at is not null and shipped_at is null)
