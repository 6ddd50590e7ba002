-- Web events; user_id is null for anonymous visitors. Duplicated ids (a
-- re-sent file) are dropped: the first record of an id wins (the other
-- columns break ties, so the pick does not depend on row order).
select distinct on (id)
    id                                  as event_id,
    user_id,
    sequence_number,
    session_id,
    created_at                          as event_at,
    cast(created_at as date)            as event_date,
    trim(browser)                       as browser,
    coalesce(trim(traffic_source), 'Unknown') as traffic_source,
    uri,
    trim(event_type)                    as event_type
from {{ source('raw', 'events') }}
where id is not null
order by id, created_at, sequence_number, session_id, user_id, event_type, uri, browser, traffic_source
