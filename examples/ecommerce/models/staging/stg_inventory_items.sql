-- One row per physical item in stock; sold_at is null while it is on the shelf.
select
    id                              as inventory_item_id,
    product_id,
    created_at                      as stocked_at,
    sold_at,
    cost,
    product_distribution_center_id  as distribution_center_id,
    sold_at is not null             as is_sold
from {{ source('raw', 'inventory_items') }}
where id is not null
