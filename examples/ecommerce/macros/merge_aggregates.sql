{#- Merging two aggregates of disjoint sets of rows (a built row and the
    new rows' aggregate, e.g. fct_sessions): least_of is min() over both
    sets (op '>': max()), any_of bool_or() over both, from the two
    aggregates, either of which may be null (a set without a value). -#}
{% macro least_of(a, b, op='<') -%}
case when {{ a }} is null then {{ b }} when {{ b }} is null then {{ a }} when {{ a }} {{ op }} {{ b }} then {{ a }} else {{ b }} end
{%- endmacro %}

{% macro any_of(a, b) -%}
case when {{ a }} is null then {{ b }} when {{ b }} is null then {{ a }} else {{ a }} or {{ b }} end
{%- endmacro %}
