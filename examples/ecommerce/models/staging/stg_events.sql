{{
  config(
    materialized = 'incremental',
    unique_key = 'event_id',
    incremental_strategy = 'append'
  )
}}

-- Web events; user_id is null for anonymous visitors. Duplicated ids (a
-- re-sent file) are dropped: the first record of an id wins (the other
-- columns break ties, so the pick does not depend on row order).
-- A table, not a view, and incremental: the events only grow (millions of
-- rows), their tests and every model reading them would otherwise
-- de-duplicate the whole history again on each read. Each run appends the
-- events whose id is not in the table yet, whatever their time (an event
-- landing days late is still new). An id already in the table is not read
-- again: an event is immutable, a re-sent record of it is a copy (as the
-- lake's re-sent files are); a re-sent record that differs needs
-- --full-refresh to be preferred.
-- Only the records loaded since the last build are read (loaded_since,
-- macros/loaded_keys.sql), and of those the ones whose id is not in the
-- table yet: every id of an earlier load is in the table already, so a new
-- id has all its records among them. The day's rows, not the whole history
-- (the EXCEPT of every raw id against the table took most of a day-2
-- build's 0.3-0.9 s; this reads the day's row groups and probes the table).
-- Only the ids that repeat are sorted (first_per_key): a DISTINCT ON over
-- every record ran out of memory at scale 10.
with
{% if is_incremental() %}
loaded as (
    select * from {{ source('raw', 'events') }} r
    where id is not null and {{ loaded_since() }}
      and not exists (select 1 from {{ this }} t where t.event_id = r.id)
),
{% endif %}
{{ first_per_key('picked', 'loaded' if is_incremental() else source('raw', 'events'), 'id',
                 order_by='created_at, sequence_number, session_id, user_id, trim(event_type), uri, trim(browser), coalesce(trim(traffic_source), \'Unknown\'), _ingot_loaded_at') }}

select
    id                                  as event_id,
    user_id,
    sequence_number,
    session_id,
    created_at                          as event_at,
    cast(created_at as date)            as event_date,
    trim(browser)                       as browser,
    coalesce(trim(traffic_source), 'Unknown') as traffic_source,
    uri,
    trim(event_type)                    as event_type,
    _ingot_loaded_at
from picked
