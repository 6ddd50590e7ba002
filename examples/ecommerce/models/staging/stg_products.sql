-- One row per product with its margin at list price.
select distinct on (id)
    id                                  as product_id,
    trim(name)                          as product_name,
    trim(brand)                         as brand,
    trim(category)                      as category,
    trim(department)                    as department,
    trim(sku)                           as sku,
    cost,
    retail_price,
    retail_price - cost                 as unit_margin,
    case when retail_price > 0 then (retail_price - cost) / retail_price end as margin_pct,
    distribution_center_id
from {{ source('raw', 'products') }}
where id is not null
order by id, id
