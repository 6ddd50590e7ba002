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
-- Incremental: each run rebuilds, from all their events, the sessions with an
-- event since the newest view already built (less the lookback), and replaces
-- those sessions' rows (delete+insert by session_id), so the result equals a
-- full rebuild while a daily run reads only the recent sessions' events.

with recent as (
    select session_id, event_at, event_type, uri
    from {{ ref('stg_events') }}
    where session_id is not null
{% if is_incremental() %}
      and session_id in (
          select session_id from {{ ref('stg_events') }}
          where event_at >= (
              select max(viewed_at) - interval '{{ var("incremental_lookback_days") }} days'
              from {{ this }}
          )
      )
{% endif %}
),

views as (
    select session_id, uri, min(event_at) as viewed_at
    from recent
    where event_type = 'product'
    group by session_id, uri
)

select
    v.session_id,
    p.product_id,
    v.viewed_at,
    p.category,
    p.department,
    p.brand
from views v
join {{ ref('dim_products') }} p on v.uri = concat('/product/', p.product_id)
