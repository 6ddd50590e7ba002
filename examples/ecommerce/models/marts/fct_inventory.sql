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
-- A view over int_inventory_items (incremental: a day's new and sold items,
-- renamed products or centres), adding what moves with every new day: the
-- as-of date, and with it days_in_inventory of every item still in stock
-- (about two thirds of the items). Stored, those rows would all be rewritten
-- each day; computed on read, a day costs only what changed (issue 16).

{{ config(materialized = 'view') }}

with items as (
    select * from {{ ref('int_inventory_items') }}
),

as_of as (
    select cast(greatest(max(stocked_at), max(sold_at)) as date) as as_of_date from items
)

select
    i.inventory_item_id,
    i.product_id                                             as product_id,
    i.product_name,
    i.category,
    i.department,
    i.brand,
    i.distribution_center_id,
    i.distribution_center,
    i.stocked_at,
    i.sold_at,
    i.cost,
    i.is_sold,
    not i.is_sold                                                       as is_on_hand,
    cast(coalesce(cast(i.sold_at as date), (select as_of_date from as_of)) - cast(i.stocked_at as date) as integer)
                                                                        as days_in_inventory
from items i
