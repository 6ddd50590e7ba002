{#- Fractional hours from `start` to `stop`. Dispatched so an adapter-specific
    version can override it (e.g. postgres__hours_between); the default works
    on DuckDB and PostgreSQL alike. -#}
{% macro hours_between(start, stop) -%}
  {{ return(adapter.dispatch('hours_between')(start, stop)) }}
{%- endmacro %}

{% macro default__hours_between(start, stop) -%}
  extract(epoch from ({{ stop }} - {{ start }})) / 3600.0
{%- endmacro %}

{#- ClickHouse: subtracting two DateTime64 values gives an integer, not an interval -#}
{% macro clickhouse__hours_between(start, stop) -%}
  dateDiff('microsecond', {{ start }}, {{ stop }}) / 3600000000.0
{%- endmacro %}
