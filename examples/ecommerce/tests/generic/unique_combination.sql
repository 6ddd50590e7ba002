{#- A custom generic test: no two rows share the same values in `columns`
    (nulls compare equal, so a null category is a group like any other). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
