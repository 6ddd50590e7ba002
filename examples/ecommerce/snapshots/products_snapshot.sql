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
select * from {{ ref('stg_products') }}
{% endsnapshot %}
