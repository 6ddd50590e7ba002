{#- The keys of an incremental staging table that have something new: the
    raw records (`columns` selected from `relation`, where `raw_key` is set)
    that are not in the table as it is ({{ this }}; an EXCEPT: set semantics,
    NULLs equal) — new ids, or other records of ids already kept (a late
    change, a re-sent row that differs). `key` names the table's key column.
    See stg_orders.sql for why rebuilding only those keys equals a full
    rebuild. -#}
{% macro changed_keys(key, columns, relation, raw_key='id') -%}
    select {{ key }} from (
        select {{ columns }}
        from {{ relation }}
        where {{ raw_key }} is not null
        except
        select * from {{ this }}
    ) records
{%- endmacro %}

{#- True when two values differ, NULLs equal (NULL and a value differ):
    `a is distinct from b`, in a form every engine runs. -#}
{% macro differs(a, b) -%}
    (({{ a }} is null) <> ({{ b }} is null) or coalesce({{ a }} <> {{ b }}, false))
{%- endmacro %}
