-- One row per product with its margin at list price.
with ranked as (
    select
        *,
        row_number() over (partition by id order by id) as rn
    from {{ source('raw', 'products') }}
    where id is not null
)

select
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
from ranked
where rn = 1
