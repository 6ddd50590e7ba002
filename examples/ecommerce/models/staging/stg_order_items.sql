-- One row per order line. The sale price is what the customer paid.
select distinct on (id)
    id                 as order_item_id,
    order_id,
    user_id,
    product_id,
    inventory_item_id,
    trim(status)       as item_status,
    created_at         as item_created_at,
    shipped_at,
    delivered_at,
    returned_at,
    sale_price
from {{ source('raw', 'order_items') }}
where id is not null
order by id, created_at desc
