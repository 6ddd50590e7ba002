/*
 * quality/builtin.c — the built-in generic tests, as Jinja macro source.
 *
 * dbt ships unique, not_null, accepted_values and relationships as macros
 * in its own package, each dispatching to an adapter-specific or default__
 * implementation; projects override them by defining a macro of the same
 * name. We keep that shape (the text below is parsed into the "dbt"
 * package before the project's macros) so the override rules are the
 * ordinary macro resolution rules. The SQL is the plain relational
 * definition of each test; it is written for both engines.
 */
#include "quality/quality.h"

static const char builtin_macros[] =
	"{% macro test_unique(model, column_name) -%}\n"
	"{{ return(adapter.dispatch('test_unique', 'dbt')(model, column_name)) }}\n"
	"{%- endmacro %}\n"
	"{% macro default__test_unique(model, column_name) %}\n"
	"select\n"
	"    {{ column_name }} as unique_field,\n"
	"    count(*) as n_records\n"
	"from {{ model }}\n"
	"where {{ column_name }} is not null\n"
	"group by {{ column_name }}\n"
	"having count(*) > 1\n"
	"{% endmacro %}\n"
	"{% macro test_not_null(model, column_name) -%}\n"
	"{{ return(adapter.dispatch('test_not_null', 'dbt')(model, column_name)) }}\n"
	"{%- endmacro %}\n"
	"{% macro default__test_not_null(model, column_name) %}\n"
	"select {{ column_name }}\n"
	"from {{ model }}\n"
	"where {{ column_name }} is null\n"
	"{% endmacro %}\n"
	"{% macro test_accepted_values(model, column_name, values, quote=True) -%}\n"
	"{{ return(adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote)) }}\n"
	"{%- endmacro %}\n"
	"{% macro default__test_accepted_values(model, column_name, values, quote=True) %}\n"
	"with all_values as (\n"
	"    select {{ column_name }} as value_field, count(*) as n_records\n"
	"    from {{ model }}\n"
	"    group by {{ column_name }}\n"
	")\n"
	"select *\n"
	"from all_values\n"
	"where value_field not in (\n"
	"    {% for value in values -%}\n"
	"    {% if quote %}'{{ value }}'{% else %}{{ value }}{% endif %}{% if not loop.last %}, {% endif %}\n"
	"    {%- endfor %}\n"
	")\n"
	"{% endmacro %}\n"
	"{% macro test_relationships(model, column_name, to, field) -%}\n"
	"{{ return(adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field)) }}\n"
	"{%- endmacro %}\n"
	"{% macro default__test_relationships(model, column_name, to, field) %}\n"
	"with child as (\n"
	"    select {{ column_name }} as from_field\n"
	"    from {{ model }}\n"
	"    where {{ column_name }} is not null\n"
	"),\n"
	"parent as (\n"
	"    select {{ field }} as to_field\n"
	"    from {{ to }}\n"
	")\n"
	"select from_field\n"
	"from child\n"
	"left join parent on child.from_field = parent.to_field\n"
	"where parent.to_field is null\n"
	"{% endmacro %}\n";

const char *quality_builtin_macros(void)
{
	return builtin_macros;
}
