-- One row per order line. The sale price is what the customer paid, exact in
-- cents (DECIMAL(18,2)): sums of it must not depend on the order the engine
-- adds them in. When a re-sent file repeats an id the latest record wins;
-- the remaining columns break ties so the pick does not depend on row order.
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
    cast(sale_price as decimal(18,2)) as sale_price
from {{ source('raw', 'order_items') }}
where id is not null
order by id, created_at desc, status, shipped_at, delivered_at, returned_at, sale_price,
         order_id, user_id, product_id, inventory_item_id
