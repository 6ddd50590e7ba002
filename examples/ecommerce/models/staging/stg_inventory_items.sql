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
    sold_at is not null             as is_sold
{% endset %}

{% if is_incremental() %}
with changed as (
    {{ changed_keys('inventory_item_id', columns, source('raw', 'inventory_items')) }}
)
{% endif %}

select distinct on (id)
{{ columns }}
from {{ source('raw', 'inventory_items') }}
where id is not null
{% if is_incremental() %}
  and id in (select inventory_item_id from changed)
{% endif %}
order by id, created_at desc, sold_at desc nulls last, cost, product_id, product_distribution_center_id
