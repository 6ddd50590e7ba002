{{
  config(
    materialized = 'incremental',
    unique_key = 'inventory_item_id',
    incremental_strategy = 'delete+insert'
  )
}}

-- One row per physical item in stock; sold_at is null while it is on the shelf.
-- A re-sent file can repeat an id: the latest record wins (the other columns
-- break ties, so the pick does not depend on row order). Cost is money, exact
-- in cents (DECIMAL(18,2)).
-- Incremental (see stg_orders.sql for why this equals a full rebuild).
{% set columns %}
    id                              as inventory_item_id,
    product_id,
    created_at                      as stocked_at,
    sold_at,
    cast(cost as decimal(18,2))     as cost,
    product_distribution_center_id  as distribution_center_id,
    sold_at is not null             as is_sold,
    _ingot_loaded_at
{% endset %}

with
{% if is_incremental() %}
changed as (
    {{ loaded_keys(source('raw', 'inventory_items')) }}
),
{% endif %}
{{ first_per_key('picked', source('raw', 'inventory_items'), 'id',
                 order_by='created_at desc, sold_at desc nulls last, cast(cost as decimal(18,2)), product_id, product_distribution_center_id, _ingot_loaded_at',
                 keys=('select * from changed' if is_incremental() else '')) }}

select
{{ columns }}
from picked
