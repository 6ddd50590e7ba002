{{
  config(
    materialized = 'incremental',
    unique_key = 'session_id',
    incremental_strategy = 'delete+insert',
    pre_hook = ["{{ ensure_watermarks() }}", "{{ reset_watermarks() }}"],
    post_hook = "{{ save_watermark(ref('stg_events')) }}"
  )
}}

-- One row per web session: when it started, where it came from, on which
-- browser, and how far down the funnel it went (home -> department ->
-- product -> cart -> purchase; each reached_* is true when the session had an
-- event of that type). Sessions of signed-in customers carry the customer's
-- RFM segment and country; anonymous ones are 'Anonymous' / 'Unknown'.
-- Counts and conversion rates are sums and ratios of sums over these rows,
-- right for any filter (the daily fct_marketing_funnel is for analysts).
-- A session's source and browser are the smallest of its events' values, so
-- the pick does not depend on row order.
--
-- Incremental (delete+insert by session_id): a run rebuilds whole sessions,
-- every event of each, for the sessions that changed:
--   - sessions that received an event since the last build: stg_events only
--     grows (an event id is kept once) and keeps each event's load time, so
--     those are the sessions of its rows loaded after the newest time this
--     model has read (macros/watermarks.sql), whatever the time of the
--     event. A time window on event time (the last N days) would be wrong
--     twice: a session spanning midnight gets events on a day after its
--     start, and an event can land days late. (This compared every
--     session's event count with the built one: an aggregate over the
--     whole history, each day.)
--   - sessions of customers whose segment or country changed: dim_customers
--     scores every customer again on each run (RFM quintiles move as orders
--     come in).
-- Every other built row is what a full rebuild would give.

with
{% if is_incremental() %}
changed as (
    select session_id
    from {{ ref('stg_events') }}
    where session_id is not null
      and _ingot_loaded_at > {{ watermark(ref('stg_events')) }}
    union
    select t.session_id
    from {{ this }} t
    left join {{ ref('dim_customers') }} c on c.user_id = t.user_id
    where t.user_id is not null
      and (coalesce(c.rfm_segment, 'Unknown') <> t.customer_segment
           or coalesce(c.country, 'Unknown') <> t.country)
),
{% endif %}

sessions as (
    select
        session_id,
        min(event_at)                                                   as session_start,
        min(traffic_source)                                             as traffic_source,
        min(browser)                                                    as browser,
        max(user_id)                                                    as user_id,
        count(*)                                                        as events,
        {{ dbt.bool_or("event_type = 'home'") }}                        as reached_home,
        {{ dbt.bool_or("event_type = 'department'") }}                  as reached_department,
        {{ dbt.bool_or("event_type = 'product'") }}                     as reached_product,
        {{ dbt.bool_or("event_type = 'cart'") }}                        as reached_cart,
        {{ dbt.bool_or("event_type = 'purchase'") }}                    as reached_purchase
    from {{ ref('stg_events') }}
    where session_id is not null
    {% if is_incremental() %}
      and session_id in (select session_id from changed)
    {% endif %}
    group by session_id
)

select
    s.session_id,
    s.session_start,
    cast(s.session_start as date)                                       as session_date,
    s.traffic_source,
    coalesce(s.browser, 'Unknown')                                      as browser,
    s.user_id,
    case when s.user_id is null then 'Anonymous' else coalesce(c.rfm_segment, 'Unknown') end as customer_segment,
    case when s.user_id is null then 'Unknown' else coalesce(c.country, 'Unknown') end       as country,
    s.events,
    s.reached_home,
    s.reached_department,
    s.reached_product,
    s.reached_cart,
    s.reached_purchase
from sessions s
left join {{ ref('dim_customers') }} c on c.user_id = s.user_id
