-- One row per order: how fast it shipped and arrived, and how it ended.
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
