{{
  config(
    materialized = 'incremental',
    unique_key = 'order_id',
    incremental_strategy = 'delete+insert'
  )
}}

-- One row per order: how fast it shipped and arrived, and how it ended.
-- Incremental (delete+insert by order_id, a merge's effect on every engine,
-- ClickHouse included): each run replaces the rows that differ from the built ones, new orders and orders with a newer record (shipped,
-- delivered, returned, cancelled) however old they are; an order never
-- leaves stg_orders, so the result equals a full rebuild.
with computed as (
select
    order_id,
    user_id,
    order_status,
    order_created_at,
    cast(order_created_at as date)                                  as order_date,
    {{ hours_between('order_created_at', 'shipped_at') }}           as hours_to_ship,
    {{ hours_between('order_created_at', 'delivered_at') }}         as hours_to_deliver,
    is_shipped,
    is_delivered,
    is_returned,
    is_cancelled,
    case
        when shipped_at is null then null
        when {{ hours_between('order_created_at', 'shipped_at') }} <= {{ var('on_time_ship_hours') }} then true
        else false
    end                                                             as shipped_on_time
from {{ ref('stg_orders') }}
)

select * from computed
{% if is_incremental() %}
except
select * from {{ this }}
{% endif %}
