-- One row per product with its margin at list price. Cost and price are
-- money, exact in cents (DECIMAL(18,2)); margin_pct is a ratio (DOUBLE).
-- A repeated id keeps one record, chosen by every column so that the pick
-- does not depend on row order. _ingot_loaded_at is the picked record's load
-- time (the loader's, sources.yml): the marts that read products find the
-- products that changed since their last build by it (the products table is
-- reloaded whole when its file changes, so a reload dates every product).
with products as (
    select distinct on (id)
        id                                  as product_id,
        trim(name)                          as product_name,
        trim(brand)                         as brand,
        trim(category)                      as category,
        trim(department)                    as department,
        trim(sku)                           as sku,
        cast(cost as decimal(18,2))         as cost,
        cast(retail_price as decimal(18,2)) as retail_price,
        distribution_center_id,
        _ingot_loaded_at
    from {{ source('raw', 'products') }}
    where id is not null
    order by id, name, brand, category, department, sku, cost, retail_price, distribution_center_id,
             _ingot_loaded_at
)

select
    product_id,
    product_name,
    brand,
    category,
    department,
    sku,
    cost,
    retail_price,
    retail_price - cost                 as unit_margin,
    case when retail_price > 0
         then cast(retail_price - cost as double precision) / cast(retail_price as double precision)
    end                                 as margin_pct,
    distribution_center_id,
    _ingot_loaded_at
from products
