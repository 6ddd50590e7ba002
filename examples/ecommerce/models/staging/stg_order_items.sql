-- One row per order line. The sale price is what the customer paid.
with ranked as (
    select
        *,
        row_number() over (partition by id order by created_at desc) as rn
    from {{ source('raw', 'order_items') }}
    where id is not null
)

select
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
from ranked
where rn = 1
