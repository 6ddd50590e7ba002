-- One row per inventory item (a physical unit stocked at a distribution
-- centre), with its product and centre: the grain the inventory numbers are
-- computed at, per product, per centre or for any filtered set:
--   stock on hand   = count of items with is_on_hand
--   days in stock   = avg(days_in_inventory): stocked -> sold, or -> the data's
--                     as-of date while still on the shelf
--   sell-through    = items sold / items stocked
-- Kept at item grain (not pre-aggregated per product x centre) so that those
-- ratios and averages stay right under every dashboard filter (issue 13).
-- The as-of date is the latest stocking or sale in the data, not today, so
-- two builds of the same lake give the same rows.
-- A table rebuilt on each run, not incremental: a new day moves the as-of
-- date, so days_in_inventory changes for every item still in stock (about
-- two thirds of the items); replacing those rows costs more than writing
-- the table (issue 16). A day without new data reuses it (no upstream
-- change).

with items as (
    select * from {{ ref('stg_inventory_items') }}
),

as_of as (
    select cast(greatest(max(stocked_at), max(sold_at)) as date) as as_of_date from items
)

select
    i.inventory_item_id,
    i.product_id                                             as product_id,
    p.product_name,
    p.category,
    p.department,
    p.brand,
    i.distribution_center_id,
    coalesce(d.distribution_center_name, 'Unknown')                     as distribution_center,
    i.stocked_at,
    i.sold_at,
    i.cost,
    i.is_sold,
    not i.is_sold                                                       as is_on_hand,
    cast(coalesce(cast(i.sold_at as date), (select as_of_date from as_of)) - cast(i.stocked_at as date) as integer)
                                                                        as days_in_inventory
from items i
left join {{ ref('dim_products') }} p on p.product_id = i.product_id
left join {{ ref('stg_distribution_centers') }} d on d.distribution_center_id = i.distribution_center_id
