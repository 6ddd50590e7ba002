-- One row per order, with lifecycle flags derived from its status and times.
-- A repeated order id keeps its latest record (the other columns break ties,
-- so the pick does not depend on row order).
select distinct on (order_id)
    order_id,
    user_id,
    trim(status)                                   as order_status,
    created_at                                     as order_created_at,
    shipped_at,
    delivered_at,
    returned_at,
    num_of_item                                    as item_count,
    shipped_at is not null                         as is_shipped,
    delivered_at is not null                       as is_delivered,
    trim(status) = 'Returned'                      as is_returned,
    trim(status) = 'Cancelled'                     as is_cancelled
from {{ source('raw', 'orders') }}
where order_id is not null
order by order_id, created_at desc, status, shipped_at, delivered_at, returned_at, user_id, num_of_item
