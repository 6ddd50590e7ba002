-- One row per product with its group, margin and distribution centre.
select
    p.product_id,
    p.product_name,
    p.brand,
    p.category,
    coalesce(g.category_group, 'Other')     as category_group,
    p.department,
    p.sku,
    p.cost,
    p.retail_price,
    p.unit_margin,
    p.margin_pct,
    p.distribution_center_id,
    d.distribution_center_name
from {{ ref('stg_products') }} p
left join {{ ref('category_groups') }} g on g.category = p.category
left join {{ ref('stg_distribution_centers') }} d on d.distribution_center_id = p.distribution_center_id
