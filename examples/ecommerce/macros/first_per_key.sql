{#- One record per `key` of `relation`: a key with one record keeps it; a
    repeated key keeps its first record in `order_by` (raw column names;
    the caller writes any derived value it breaks ties on as an
    expression). With `keys` (a query of key values, e.g. an incremental
    run's changed keys), only the records of those keys are read. Emits
    the CTEs `name`_repeated and `name` (and `name`_landed with `keys`)
    for the caller's WITH.
    The same rows as `select distinct on (key) * ... order by key, order_by`,
    without sorting every record: only the repeated keys (found by a GROUP BY
    of one column) go through DISTINCT ON; the rest pass through a join with
    that short list. A DISTINCT ON over the whole of raw.events at scale 10
    (23 M records) ran DuckDB out of memory with 11 GB; this way the same
    table takes 1.7 GB. The records are read three times, so the `keys`
    filter is a CTE of its own (engines keep such a CTE once; the filter
    repeated in each read made DuckDB's planner hash the whole raw table). -#}
{% macro first_per_key(name, relation, key, order_by, keys='') -%}
{%- if keys %}
{{ name }}_landed as (
    select * from {{ relation }}
    where {{ key }} in ({{ keys }})
),
{%- set relation = name ~ '_landed' %}
{%- endif %}
{{ name }}_repeated as (
    select {{ key }} as repeated_key
    from {{ relation }}
    where {{ key }} is not null
    group by {{ key }}
    having count(*) > 1
),
{{ name }} as (
    select r.*
    from {{ relation }} r
    left join {{ name }}_repeated d on d.repeated_key = r.{{ key }}
    where r.{{ key }} is not null and d.repeated_key is null
    union all
    select * from (
        select distinct on ({{ key }}) *
        from {{ relation }}
        where {{ key }} in (select repeated_key from {{ name }}_repeated)
        order by {{ key }}, {{ order_by }}
    ) repeated
)
{%- endmacro %}
