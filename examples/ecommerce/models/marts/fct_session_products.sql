{{
  config(
    materialized = 'incremental',
    unique_key = 'session_id',
    incremental_strategy = 'delete+insert',
    pre_hook = ["{{ ensure_watermarks() }}", "{{ reset_watermarks() }}"],
    post_hook = ["delete from {{ this }} where product_id not in (select product_id from {{ ref('dim_products') }})",
                 "{{ save_watermark(ref('stg_events')) }}",
                 "{{ save_watermark(ref('stg_products')) }}"]
  )
}}

-- One row per web session x product whose page it viewed (a 'product' event's
-- uri is /product/<product_id>), with the product's category, department and
-- brand: the bridge that lets the dashboards filter sessions by product
-- attributes ("sessions that viewed a product of that category"; views.yml,
-- `related:` of the sessions view). viewed_at is the session's first view of
-- it, views how many product-page events it had.
--
-- Incremental (delete+insert by session_id): a run writes every row of
-- each session that changed. Two ways, so that a day reads the day's
-- events, not the history's:
--   - added to: a session with product views loaded since the last build
--     (stg_events only grows, appends each event once and keeps its load
--     time; macros/watermarks.sql), however late the event. Its rows are
--     its kept rows with the new views added: per product, views is the
--     kept count plus the new views, viewed_at the earlier of the kept
--     time and the new views' first. A kept row counts every view of its
--     session and product loaded before, so the sum counts them all, as a
--     full rebuild does. (This read every product view of each such
--     session from the 2.3 M events again: session ids are random, so
--     the scan could skip nothing, 0.4-0.6 s of each day at scale 1.)
--   - rebuilt from all of their events, for what a kept row cannot say:
--       - sessions with a product view of a product that has no row here
--         and was loaded since the last build: a product new in
--         dim_products matches views it did not match before (the views
--         of products already here matched them when built; a product
--         that was in dim_products at the last build and has no row has
--         no view older than that, and its newer views are added as
--         above). dim_products has a row for each stg_products row, and a
--         products file is loaded whole, so that is every product on the
--         day the file is replaced and none on the others (this joined
--         every product view of the history with the products never
--         viewed, each day);
--       - sessions with a row whose product's category, department or
--         brand changed in dim_products: they come from the product's
--         stg_products record, so only a product loaded since the last
--         build can have changed (this compared every row with
--         dim_products each day);
--       - every session with new views when this model has no watermark
--         of stg_events yet (built before the watermarks were kept):
--         then every event counts as new, and adding would count the
--         kept ones twice.
-- A product gone from dim_products (the products file is reloaded whole)
-- leaves no row to insert for a session that viewed only it, and a kept
-- row of it may be written again, so the first post-hook deletes the rows
-- of the products that are gone.
-- A time window would miss sessions spanning midnight and late events.
-- Every other built row is what a full rebuild would give. (This compared
-- every session's number of matched views with the built one: a join of
-- every product view of the history with the products, each day.)

with
{% if is_incremental() %}
-- the products loaded since the last build: none on most days, every one
-- on a day the products file is replaced
loaded_products as (
    select product_id from {{ ref('stg_products') }}
    where _ingot_loaded_at > {{ watermark(ref('stg_products')) }}
),

-- the product views loaded since the last build
new_views as (
    select session_id, uri, event_at
    from {{ ref('stg_events') }}
    where event_type = 'product' and session_id is not null
      and _ingot_loaded_at > {{ watermark(ref('stg_events')) }}
),

rebuilt as (
    select e.session_id
    from {{ ref('stg_events') }} e
    join (
        -- (the rows here read only for those products: no scan of this
        -- table when there are none)
        select product_id from loaded_products
        except
        select t.product_id from {{ this }} t
        where t.product_id in (select product_id from loaded_products)
    ) p on e.uri = concat('/product/', p.product_id)
    where e.event_type = 'product' and e.session_id is not null
    union
    select t.session_id
    from {{ this }} t
    join {{ ref('dim_products') }} p on p.product_id = t.product_id
    where t.product_id in (select product_id from loaded_products)
      and (coalesce(p.category, '') <> coalesce(t.category, '')
           or coalesce(p.department, '') <> coalesce(t.department, '')
           or coalesce(p.brand, '') <> coalesce(t.brand, ''))
    union
    select session_id from new_views
    where not exists (select 1 from {{ watermarks_relation() }}
                      where input = '{{ ref('stg_events').identifier }}')
),
{% endif %}

views as (
    select session_id, uri, event_at
    from {{ ref('stg_events') }}
    where event_type = 'product' and session_id is not null
    {% if is_incremental() %}
      and session_id in (select session_id from rebuilt)
    {% endif %}
),

matched as (
    select
        e.session_id,
        p.product_id,
        e.event_at,
        p.category,
        p.department,
        p.brand
    from views e
    join {{ ref('dim_products') }} p on e.uri = concat('/product/', p.product_id)
),

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
    group by session_id, product_id, category, department, brand
)

{% if is_incremental() %}
,

-- the new views of the sessions not rebuilt, per product
added as (
    select
        e.session_id,
        p.product_id,
        min(e.event_at)                 as viewed_at,
        cast(count(*) as bigint)        as views,
        p.category,
        p.department,
        p.brand
    from new_views e
    join {{ ref('dim_products') }} p on e.uri = concat('/product/', p.product_id)
    where e.session_id not in (select session_id from rebuilt)
    group by e.session_id, p.product_id, p.category, p.department, p.brand
),

kept as (
    select * from {{ this }}
    where session_id in (select session_id from added)
),

-- every row of those sessions: the kept ones, with the new views added
merged as (
    select
        coalesce(a.session_id, k.session_id)        as session_id,
        coalesce(a.product_id, k.product_id)        as product_id,
        case
            when k.viewed_at is null then a.viewed_at
            when a.viewed_at is null or k.viewed_at <= a.viewed_at then k.viewed_at
            else a.viewed_at
        end                                         as viewed_at,
        cast(coalesce(k.views, 0) + coalesce(a.views, 0) as bigint) as views,
        coalesce(a.category, k.category)            as category,
        coalesce(a.department, k.department)        as department,
        coalesce(a.brand, k.brand)                  as brand
    from kept k
    full outer join added a
      on a.session_id = k.session_id and a.product_id = k.product_id
)

select * from viewed
union all
select * from merged
{% else %}

select * from viewed
{% endif %}
