{{ config(severity='warn') }}
-- Prices are never negative: an item sold below zero or a product listed below zero.
select 'order_item' as kind, order_item_id as id, sale_price as price
from {{ ref('stg_order_items') }}
where sale_price < 0
union all
select 'product', product_id, retail_price
from {{ ref('stg_products') }}
where retail_price < 0 or cost < 0
