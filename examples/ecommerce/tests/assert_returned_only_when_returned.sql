{{ config(severity='warn') }}
select order_id, order_status, returned_at
from {{ ref('stg_orders') }}
where (returned_at is not null) <> (order_status = 'Returned')
