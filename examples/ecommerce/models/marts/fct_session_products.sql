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
-- `related:` of the sessions view). viewed_at is the session's first view of
-- it, views how many product-page events it had.
--
-- Incremental (delete+insert by session_id), as fct_sessions: a run rebuilds
-- whole sessions, every product view of each, for the sessions that changed:
--   - sessions whose number of matched product views differs from the built
--     one (stg_events only grows, so that is every session that received a
--     product view since it was built, however late the event, and a session
--     whose views now match a product that was not there before);
--   - sessions with a row whose product is gone or whose category,
--     department or brand changed in dim_products.
-- A time window would miss sessions spanning midnight and late events.
-- Every other built row is what a full rebuild would give.

with matched as (
    select
        e.session_id,
        p.product_id,
        e.event_at,
        p.category,
        p.department,
        p.brand
    from {{ ref('stg_events') }} e
    join {{ ref('dim_products') }} p on e.uri = concat('/product/', p.product_id)
    where e.event_type = 'product' and e.session_id is not null
),

{% if is_incremental() %}
changed as (
    select session_id from (
        select session_id, cast(count(*) as bigint) as views
        from matched
        group by session_id
        except
        select session_id, cast(sum(views) as bigint) from {{ this }} group by session_id
    ) grown
    union
    select t.session_id
    from {{ this }} t
    left join {{ ref('dim_products') }} p on p.product_id = t.product_id
    where p.product_id is null
       or coalesce(p.category, '') <> coalesce(t.category, '')
       or coalesce(p.department, '') <> coalesce(t.department, '')
       or coalesce(p.brand, '') <> coalesce(t.brand, '')
),
{% endif %}

viewed as (
    select
        session_id,
        product_id,
        min(event_at)                   as viewed_at,
        cast(count(*) as bigint)        as views,
        category,
        department,
        brand
    from matched
    {% if is_incremental() %}
    where session_id in (select session_id from changed)
    {% endif %}
    group by session_id, product_id, category, department, brand
)

select * from viewed
