{{
  config(
    materialized = 'incremental',
    unique_key = 'session_id',
    incremental_strategy = 'delete+insert'
  )
}}

-- One row per web session x product whose page it viewed (a 'product' event's
-- uri is /product/<product_id>), with the product's category, department and
-- brand: the bridge that lets the dashboards filter sessions by product
-- attributes ("sessions that viewed a product of that category"; views.yml,
-- `related:` of the sessions view). viewed_at is the session's first view of it.
-- Incremental: the rows depend on product events only; a run replaces the
-- sessions with a product view since the newest one already built (less the
-- lookback), each recomputed from all its product views (delete+insert by
-- session_id), so the result equals a full rebuild. stg_events is read once.

with views as (
    select session_id, uri, min(event_at) as viewed_at, max(event_at) as last_viewed_at
    from {{ ref('stg_events') }}
    where event_type = 'product' and session_id is not null
    group by session_id, uri
),

marked as (
    select session_id, uri, viewed_at,
           max(last_viewed_at) over (partition by session_id) as session_last_view
    from views
)

select
    v.session_id,
    p.product_id,
    v.viewed_at,
    p.category,
    p.department,
    p.brand
from marked v
join {{ ref('dim_products') }} p on v.uri = concat('/product/', p.product_id)
{% if is_incremental() %}
where v.session_last_view >= (
    select max(viewed_at) - interval '{{ var("incremental_lookback_days") }} days'
    from {{ this }}
)
{% endif %}
