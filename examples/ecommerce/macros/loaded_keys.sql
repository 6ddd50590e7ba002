{#- The keys of an incremental staging table that have records loaded since
    the table was last built: the keys (`raw_key`, where set) of the raw
    records of `relation` whose load time is later than the newest load
    time the table ({{ this }}) holds — new ids, late changes of ids already
    kept, re-sent rows. See stg_orders.sql for why re-picking only those
    keys, over all their records, equals a full rebuild. -#}
{% macro loaded_keys(relation, raw_key='id') -%}
    select distinct {{ raw_key }}
    from {{ relation }}
    where {{ raw_key }} is not null and {{ loaded_since() }}
{%- endmacro %}

{#- True for a raw record loaded after every record {{ this }} was built
    from. The loader stamps each row with its load's time (sources.yml:
    `loaded_at_column: _ingot_loaded_at`), taken under the table's lock and
    later than every earlier load of it, so the loads of a raw table commit
    in the order of their times: the records a build has not seen are
    exactly those later than the newest it kept. (The table keeps the time
    of the record it picked for each key; when an older record wins, the
    newest kept is earlier than the newest seen and a later run looks at
    that load's keys again, which picks the same rows.) On an empty table
    every record counts (a time before any load). A plain comparison with
    the subquery, no coalesce around it: DuckDB then skips the row groups of
    earlier loads by their min/max (a day's events at scale 1: 20 ms where
    the EXCEPT of every raw id against the table took 0.3-0.9 s). -#}
{% macro loaded_since() -%}
    _ingot_loaded_at > (select coalesce(max(_ingot_loaded_at), cast('1970-01-01 00:00:00' as timestamp)) from {{ this }})
{%- endmacro %}

{#- True when two values differ, NULLs equal (NULL and a value differ):
    `a is distinct from b`, in a form every engine runs. -#}
{% macro differs(a, b) -%}
    (({{ a }} is null) <> ({{ b }} is null) or coalesce({{ a }} <> {{ b }}, false))
{%- endmacro %}
