{#- Load-time watermarks of the incremental marts. A mart that finds its
    changed keys from an input's rows loaded since its last build (the
    staging tables keep each row's raw load time in _ingot_loaded_at,
    macros/loaded_keys.sql) needs the newest time of that input it has
    read. It is kept per input in a small table of the mart's own beside it
    (<mart>__watermarks: models built at the same time never create or
    write one table together), not as a column of the mart: a mart is the
    same rows in every warehouse built from the same lake (t0980, t1130),
    and load times are not. Not one time for all inputs either: loads of
    different raw tables take their times under different locks, so an
    orders load can commit after an order-items load with a later time has
    been built from.

    Each such mart: pre_hooks ensure_watermarks() (the table must exist
    before the model's SQL reads it) and reset_watermarks(); its
    incremental SQL reads `_ingot_loaded_at > {{ watermark(input) }}`;
    post_hook save_watermark(input), which records the input's newest time
    as the node's last statement (its inputs are upstream: within a build
    they do not change between the model's statement and its post_hook;
    two builds of one delete+insert model at once are not safe with or
    without this). A post_hook that fails leaves the older time, and
    the next run reads that input's rows since then again, which rebuilds
    the same keys. No row (the first incremental run after a full build
    made before this table existed): every row of the input counts. -#}

{#- {{ this }} renamed: the same database and schema, rendered as the
    engine names relations (ClickHouse: schema.identifier). -#}
{% macro watermarks_relation() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__watermarks'})) }}
{%- endmacro %}

{% macro ensure_watermarks() -%}
    {%- if target.type == 'clickhouse' -%}
    create table if not exists {{ watermarks_relation() }}
        (input String, loaded_at DateTime64(6))
        engine = MergeTree order by tuple()
    {%- else -%}
    create table if not exists {{ watermarks_relation() }}
        (input varchar,
         loaded_at {{ 'timestamptz' if target.type == 'postgres' else 'timestamp' }})
    {%- endif -%}
{%- endmacro %}

{#- The newest _ingot_loaded_at of `input` the last build of {{ this }}
    read, as a scalar subquery (a time before any load when none). -#}
{% macro watermark(input) -%}
    (select coalesce(max(loaded_at), cast('1970-01-01 00:00:00' as timestamp))
     from {{ watermarks_relation() }}
     where input = '{{ input.identifier }}')
{%- endmacro %}

{#- A post_hook: the newest time of `input` now, which is what the model's
    statement read. Rows are only added; watermark() takes the newest. -#}
{% macro save_watermark(input) -%}
    insert into {{ watermarks_relation() }} (input, loaded_at)
    select '{{ input.identifier }}', max(_ingot_loaded_at) from {{ input }}
{%- endmacro %}

{#- A pre_hook: a build of the whole model records its times afresh. -#}
{% macro reset_watermarks() -%}
    {%- if not is_incremental() -%}
    delete from {{ watermarks_relation() }} where input is not null
    {%- endif -%}
{%- endmacro %}
