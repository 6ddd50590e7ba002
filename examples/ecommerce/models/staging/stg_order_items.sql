{{
  config(
    materialized = 'incremental',
    unique_key = 'order_item_id',
    incremental_strategy = 'delete+insert'
  )
}}

-- One row per order line. The sale price is what the customer paid, exact in
-- cents (DECIMAL(18,2)): sums of it must not depend on the order the engine
-- adds them in. When a re-sent file repeats an id the latest record wins;
-- the remaining columns break ties so the pick does not depend on row order.
-- Incremental (see stg_orders.sql for why this equals a full rebuild).
{% set columns %}
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
    cast(sale_price as decimal(18,2)) as sale_price,
    _ingot_loaded_at
{% endset %}

with
{% if is_incremental() %}
changed as (
    {{ loaded_keys(source('raw', 'order_items')) }}
),
{% endif %}
{{ first_per_key('picked', source('raw', 'order_items'), 'id',
                 order_by='created_at desc, status, shipped_at, delivered_at, returned_at, cast(sale_price as decimal(18,2)), order_id, user_id, product_id, inventory_item_id, _ingot_loaded_at',
                 keys=('select * from changed' if is_incremental() else '')) }}

select
{{ columns }}
from picked
