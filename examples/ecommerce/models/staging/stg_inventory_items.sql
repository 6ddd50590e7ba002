-- One row per physical item in stock; sold_at is null while it is on the shelf.
-- A re-sent file can repeat an id: the latest record wins.
with ranked as (
    select
        *,
        row_number() over (partition by id order by created_at desc, sold_at desc nulls last) as rn
    from {{ source('raw', 'inventory_items') }}
    where id is not null
)

select
    id                              as inventory_item_id,
    product_id,
    created_at                      as stocked_at,
    sold_at,
    cost,
    product_distribution_center_id  as distribution_center_id,
    sold_at is not null             as is_sold
from ranked
where rn = 1
