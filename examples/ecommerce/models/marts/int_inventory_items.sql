{{
  config(
    materialized = 'incremental',
    unique_key = 'inventory_item_id',
    incremental_strategy = 'delete+insert',
    on_schema_change = 'append_new_columns'
  )
}}

-- One row per inventory item with its product and distribution centre: what
-- fct_inventory shows, less what depends on the data's as-of date (an item's
-- age while on the shelf), which fct_inventory adds when it is read.
-- Incremental (delete+insert by inventory_item_id; every engine, ClickHouse
-- included): a run replaces the items whose row would differ, found by
-- comparing each input with what the row holds: the item's
-- stg_inventory_items record (new items, a sale), its product's name,
-- category, department and brand in dim_products, its centre's name. An item
-- is never removed from stg_inventory_items, so the kept rows plus the
-- replaced ones are the rows of a full rebuild (t1135/t1136 check it).

with items as (
    select * from {{ ref('stg_inventory_items') }}
),

products as (
    select product_id, product_name, category, department, brand from {{ ref('dim_products') }}
),

centres as (
    select distribution_center_id, distribution_center_name from {{ ref('stg_distribution_centers') }}
)
{% if is_incremental() %},

changed as (
    select inventory_item_id from (
        select inventory_item_id, product_id, distribution_center_id, stocked_at, sold_at, cost, is_sold
        from items
        except
        select inventory_item_id, product_id, distribution_center_id, stocked_at, sold_at, cost, is_sold
        from {{ this }}
    ) new_or_changed_items
    union
    select t.inventory_item_id
    from {{ this }} t
    left join products p on p.product_id = t.product_id
    left join centres d on d.distribution_center_id = t.distribution_center_id
    where {{ differs('p.product_name', 't.product_name') }}
       or {{ differs('p.category', 't.category') }}
       or {{ differs('p.department', 't.department') }}
       or {{ differs('p.brand', 't.brand') }}
       or coalesce(d.distribution_center_name, 'Unknown') <> t.distribution_center
)
{% endif %}

select
    i.inventory_item_id,
    i.product_id                                             as product_id,
    p.product_name,
    p.category,
    p.department,
    p.brand,
    i.distribution_center_id,
    coalesce(d.distribution_center_name, 'Unknown')          as distribution_center,
    i.stocked_at,
    i.sold_at,
    i.cost,
    i.is_sold
from items i
left join products p on p.product_id = i.product_id
left join centres d on d.distribution_center_id = i.distribution_center_id
{% if is_incremental() %}
where i.inventory_item_id in (select inventory_item_id from changed)
{% endif %}
