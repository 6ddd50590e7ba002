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
-- Incremental (delete+insert by session_id): a run writes the sessions that
-- changed, reading the day's events, not the history's:
--   - sessions that received an event since the last build: stg_events only
--     grows (an event id is kept once) and keeps each event's load time, so
--     those are the sessions of its rows loaded after the newest time this
--     model has read (macros/watermarks.sql), whatever the time of the
--     event. A time window on event time (the last N days) would be wrong
--     twice: a session spanning midnight gets events on a day after its
--     start, and an event can land days late. Such a session's row is its
--     built row with the new events added: every column is a min, max,
--     count or "any" over the session's events, so the built row (over the
--     events read before) and the new events' aggregate give the whole
--     session's. One exception: a built browser of 'Unknown' is either a
--     session without a browser or the value 'Unknown', and when a new
--     event's browser sorts after it the two differ; such a session is
--     aggregated again from all of its events (none in thelook's data).
--     (This aggregated every event of each such session again, a read of
--     all 23 M events at scale 10: about 1 s of each day.)
--   - sessions of customers whose segment or country changed: dim_customers
--     scores every customer again on each run (RFM quintiles move as orders
--     come in). Their built row with the customer's new values.
-- Every other built row is what a full rebuild would give.

{%- set reached = ['home', 'department', 'product', 'cart', 'purchase'] %}
{#- a session's row from its events (all of them, or the new ones) -#}
{%- set aggregates -%}
session_id,
        min(event_at)                                                   as session_start,
        min(traffic_source)                                             as traffic_source,
        min(browser)                                                    as browser,
        max(user_id)                                                    as user_id,
        count(*)                                                        as events,
        {%- for r in reached %}
        {{ dbt.bool_or("event_type = '" ~ r ~ "'") }}{{ ' ' * (40 - r|length) }}as reached_{{ r }}{{ ',' if not loop.last }}
        {%- endfor %}
{%- endset %}

with
{% if is_incremental() %}
-- the events loaded since the last build, per session
new_events as (
    select
        {{ aggregates }}
    from {{ ref('stg_events') }}
    where session_id is not null
      and _ingot_loaded_at > {{ watermark(ref('stg_events')) }}
    group by session_id
),

-- their built rows
kept as (
    select * from {{ this }}
    where session_id in (select session_id from new_events)
),

-- the sessions whose built browser cannot be merged (see above)
rebuilt as (
    select k.session_id
    from kept k
    join new_events n on n.session_id = k.session_id
    where k.browser = 'Unknown' and n.browser > 'Unknown'
),
{% endif %}

sessions as (
    select
        {{ aggregates }}
    from {{ ref('stg_events') }}
    where session_id is not null
    {% if is_incremental() %}
      and session_id in (select session_id from rebuilt)
    {% endif %}
    group by session_id
    {% if is_incremental() %}
    union all
    -- the built rows with the new events added (a new session: its events)
    select
        n.session_id,
        {{ least_of('k.session_start', 'n.session_start') }} as session_start,
        {{ least_of('k.traffic_source', 'n.traffic_source') }} as traffic_source,
        {{ least_of('k.browser', 'n.browser') }} as browser,
        {{ least_of('k.user_id', 'n.user_id', '>') }} as user_id,
        coalesce(k.events, 0) + n.events                                as events,
        {%- for r in reached %}
        {{ any_of('k.reached_' ~ r, 'n.reached_' ~ r) }} as reached_{{ r }}{{ ',' if not loop.last }}
        {%- endfor %}
    from new_events n
    left join kept k on k.session_id = n.session_id
    where n.session_id not in (select session_id from rebuilt)
    {% endif %}
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
{% if is_incremental() %}
union all
-- the sessions of customers whose segment or country changed, and no new
-- event: the built row with the customer's values
select
    t.session_id,
    t.session_start,
    t.session_date,
    t.traffic_source,
    t.browser,
    t.user_id,
    coalesce(c.rfm_segment, 'Unknown')                                  as customer_segment,
    coalesce(c.country, 'Unknown')                                      as country,
    t.events,
    t.reached_home,
    t.reached_department,
    t.reached_product,
    t.reached_cart,
    t.reached_purchase
from {{ this }} t
left join {{ ref('dim_customers') }} c on c.user_id = t.user_id
where t.user_id is not null
  and (coalesce(c.rfm_segment, 'Unknown') <> t.customer_segment
       or coalesce(c.country, 'Unknown') <> t.country)
  and t.session_id not in (select session_id from new_events)
{% endif %}
