{{
  config(
    materialized = 'incremental',
    unique_key = 'order_id',
    incremental_strategy = 'delete+insert'
  )
}}

-- One row per order, with lifecycle flags derived from its status and times.
-- A repeated order id keeps its latest record (the other columns break ties,
-- so the pick does not depend on row order).
-- Incremental (delete+insert by order_id), equal to a full rebuild without
-- reading the whole history again in order: the ids with a raw record
-- loaded since the table was last built (macros/loaded_keys.sql: the
-- loader's load time on each row, later than any the table kept) are new
-- ids, or ids already kept with another record (a late status change, a
-- re-sent row); only those ids are de-duplicated again, over all their raw
-- records, and replaced. An id with no new record has nothing new: its
-- records and so its pick are the ones of the last build. The other
-- staging tables do the same. _ingot_loaded_at is the picked record's load
-- time (the last tie-break: re-sent equal records pick the same row).
-- The pick (first_per_key) sorts only the records of ids that repeat: a
-- DISTINCT ON over every record ran DuckDB out of memory at scale 10.
{% set columns %}
    order_id,
    user_id,
    trim(status)                                   as order_status,
    created_at                                     as order_created_at,
    shipped_at,
    delivered_at,
    returned_at,
    num_of_item                                    as item_count,
    shipped_at is not null                         as is_shipped,
    delivered_at is not null                       as is_delivered,
    trim(status) = 'Returned'                      as is_returned,
    trim(status) = 'Cancelled'                     as is_cancelled,
    _ingot_loaded_at
{% endset %}

with
{% if is_incremental() %}
changed as (
    {{ loaded_keys(source('raw', 'orders'), raw_key='order_id') }}
),
{% endif %}
{{ first_per_key('picked', source('raw', 'orders'), 'order_id',
                 order_by='created_at desc, status, shipped_at, delivered_at, returned_at, user_id, num_of_item, _ingot_loaded_at',
                 keys=('select * from changed' if is_incremental() else '')) }}

select
{{ columns }}
from picked
