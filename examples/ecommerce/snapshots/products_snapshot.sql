{% snapshot products_snapshot %}
{{
  config(
    target_schema = 'snapshots',
    unique_key = 'product_id',
    strategy = 'check',
    check_cols = ['retail_price', 'cost', 'brand', 'category', 'product_name'],
  )
}}
-- Price and catalogue history of every product (slowly changing, type 2).
-- The catalogue's columns, not the record's load time (a reload is not a change).
select product_id, product_name, brand, category, department, sku, cost, retail_price,
       unit_margin, margin_pct, distribution_center_id
from {{ ref('stg_products') }}
{% endsnapshot %}
