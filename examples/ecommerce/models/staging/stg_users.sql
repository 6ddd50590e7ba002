{{
  config(
    materialized = 'incremental',
    unique_key = 'user_id',
    incremental_strategy = 'delete+insert'
  )
}}

-- One row per customer. Keys renamed, text trimmed, email lower-cased.
-- The raw export can repeat an id (a re-sent file); the latest created_at wins
-- (the other columns break ties, so the pick does not depend on row order).
-- Incremental (see stg_orders.sql for why this equals a full rebuild).
{% set columns %}
    id                                   as user_id,
    trim(first_name)                     as first_name,
    trim(last_name)                      as last_name,
    lower(trim(email))                   as email,
    age,
    case gender when 'M' then 'Male' when 'F' then 'Female' else 'Unknown' end as gender,
    trim(state)                          as state,
    trim(city)                           as city,
    trim(country)                        as country,
    trim(postal_code)                    as postal_code,
    latitude,
    longitude,
    coalesce(trim(traffic_source), 'Unknown') as traffic_source,
    created_at                           as user_created_at,
    _ingot_loaded_at
{% endset %}

{#- the latest record of a repeated id wins; ties broken on the values kept -#}
{% set tie_break %}
    created_at desc, lower(trim(email)), trim(first_name), trim(last_name), age,
    case gender when 'M' then 'Male' when 'F' then 'Female' else 'Unknown' end,
    trim(state), trim(city), trim(country), trim(postal_code),
    coalesce(trim(traffic_source), 'Unknown'), _ingot_loaded_at
{% endset %}

with
{% if is_incremental() %}
changed as (
    {{ loaded_keys(source('raw', 'users')) }}
),
{% endif %}
{{ first_per_key('picked', source('raw', 'users'), 'id', order_by=tie_break,
                 keys=('select * from changed' if is_incremental() else '')) }}

select
{{ columns }}
from picked
