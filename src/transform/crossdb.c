/*
 * transform/crossdb.c — dbt's cross-database macros, native per engine.
 *
 * dbt ships type_string, dateadd, datediff, concat, hash, ... as macros in
 * its own package, dispatched per adapter. We register them as C functions
 * in the "dbt" namespace (so both `dbt.dateadd(...)` and the bare
 * `dateadd(...)` resolve, and a project's own macro of the same name still
 * wins, as in dbt). Each function renders SQL text for the engine the
 * project runs on; the SQL is written from the engines' documentation.
 *
 * What they do not do: validate the SQL fragments they are given — like
 * dbt's macros they splice text.
 */
#include "transform/tf_int.h"
#include "core/mem.h"

#include <ctype.h>
#include <string.h>

struct xdb {
	struct tf_proj *tp;
	bool pg;
};

static const char *arg(const struct jinja_call *c, size_t i, const char *name, const char *dflt)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, i, name, &v) || v.type == JINJA_UNDEFINED || v.type == JINJA_NONE)
		return dflt;
	struct buf b = BUF_INIT;
	jinja_value_str(c->rt, v, &b);
	const char *s = arena_strdup(jinja_rt_arena(c->rt), buf_cstr(&b));
	buf_free(&b);
	return s;
}

static bool is_pg(const struct jinja_call *c)
{
	return ((struct xdb *)c->user)->pg;
}

static int ret_str(const struct jinja_call *c, struct jinja_value *ret, const char *s)
{
	*ret = jinja_str(jinja_rt_arena(c->rt), s, (size_t)-1);
	return 0;
}

static int need(const struct jinja_call *c, const char *fn, const char *s)
{
	if (!s)
		return jinja_rt_error(c->rt, ING_EINVAL, "%s(): a required argument is missing", fn);
	return 0;
}

#define A(i, n) arg(c, i, n, NULL)
#define ARENA jinja_rt_arena(c->rt)

static int x_type_string(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, is_pg(c) ? "text" : "VARCHAR");
}
static int x_type_int(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, is_pg(c) ? "integer" : "INTEGER");
}
static int x_type_bigint(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, is_pg(c) ? "bigint" : "BIGINT");
}
static int x_type_float(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, is_pg(c) ? "float" : "DOUBLE");
}
static int x_type_numeric(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, "numeric(28,6)");
}
static int x_type_timestamp(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, is_pg(c) ? "timestamp without time zone" : "TIMESTAMP");
}
static int x_type_boolean(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, "boolean");
}

/* datepart names arrive as bare words or quoted: strip quotes */
static const char *part(struct arena *a, const char *s)
{
	size_t n = strlen(s);
	if (n >= 2 && (s[0] == '\'' || s[0] == '"') && s[n - 1] == s[0])
		return arena_strndup(a, s + 1, n - 2);
	return s;
}

static int x_date_trunc(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *p = A(0, "datepart"), *d = A(1, "date");
	int rc = need(c, "date_trunc", p && d ? p : NULL);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "date_trunc('%s', %s)", part(ARENA, p), d));
}

static int x_dateadd(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *p = A(0, "datepart"), *n = A(1, "interval"), *d = A(2, "from_date_or_timestamp");
	int rc = need(c, "dateadd", p && n && d ? p : NULL);
	if (rc)
		return rc;
	p = part(ARENA, p);
	if (is_pg(c))
		return ret_str(c, ret, arena_printf(ARENA, "%s + ((interval '1 %s') * (%s))", d, p, n));
	return ret_str(c, ret, arena_printf(ARENA, "date_add(%s, interval (%s) %s)", d, n, p));
}

static int x_datediff(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "first_date"), *s = A(1, "second_date"), *p = A(2, "datepart");
	int rc = need(c, "datediff", f && s && p ? p : NULL);
	if (rc)
		return rc;
	p = part(ARENA, p);
	if (!is_pg(c))
		return ret_str(c, ret, arena_printf(ARENA, "date_diff('%s', (%s)::timestamp, (%s)::timestamp)", p, f, s));
	const char *sql;
	if (!strcmp(p, "year"))
		sql = arena_printf(ARENA, "(date_part('year', (%s)::date) - date_part('year', (%s)::date))", s, f);
	else if (!strcmp(p, "quarter"))
		sql = arena_printf(ARENA, "((date_part('year', (%s)::date) - date_part('year', (%s)::date)) * 4 + date_part('quarter', (%s)::date) - date_part('quarter', (%s)::date))", s, f, s, f);
	else if (!strcmp(p, "month"))
		sql = arena_printf(ARENA, "((date_part('year', (%s)::date) - date_part('year', (%s)::date)) * 12 + date_part('month', (%s)::date) - date_part('month', (%s)::date))", s, f, s, f);
	else if (!strcmp(p, "day"))
		sql = arena_printf(ARENA, "((%s)::date - (%s)::date)", s, f);
	else if (!strcmp(p, "week"))
		sql = arena_printf(ARENA, "case when ((%s)::date - (%s)::date) < 0 then ceil(((%s)::date - (%s)::date) / 7.0) else floor(((%s)::date - (%s)::date) / 7.0) end", s, f, s, f, s, f);
	else if (!strcmp(p, "hour"))
		sql = arena_printf(ARENA, "((((%s)::date - (%s)::date) * 24 + date_part('hour', (%s)::timestamp)) - date_part('hour', (%s)::timestamp))", s, f, s, f);
	else if (!strcmp(p, "minute"))
		sql = arena_printf(ARENA, "floor(extract(epoch from (date_trunc('minute', (%s)::timestamp) - date_trunc('minute', (%s)::timestamp))) / 60)", s, f);
	else if (!strcmp(p, "second"))
		sql = arena_printf(ARENA, "floor(extract(epoch from (date_trunc('second', (%s)::timestamp) - date_trunc('second', (%s)::timestamp))))", s, f);
	else
		return jinja_rt_error(c->rt, ING_EINVAL, "datediff(): unsupported datepart '%s'", p);
	return ret_str(c, ret, sql);
}

static int x_last_day(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *d = A(0, "date"), *p = A(1, "datepart");
	int rc = need(c, "last_day", d && p ? d : NULL);
	if (rc)
		return rc;
	p = part(ARENA, p);
	return ret_str(c, ret, arena_printf(ARENA,
		"cast(date_trunc('%s', %s) + interval '1 %s' - interval '1 day' as date)", p, d, p));
}

static int x_concat(const struct jinja_call *c, struct jinja_value *ret)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, 0, "fields", &v) || (v.type != JINJA_LIST && v.type != JINJA_TUPLE))
		return jinja_rt_error(c->rt, ING_EINVAL, "concat() takes a list of fields");
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < jinja_list_len(v); i++) {
		if (i)
			buf_puts(&b, " || ");
		jinja_value_str(c->rt, jinja_list_get(v, i), &b);
	}
	int rc = ret_str(c, ret, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int x_hash(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "field");
	int rc = need(c, "hash", f);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "md5(cast(%s as %s))", f, is_pg(c) ? "text" : "VARCHAR"));
}

static int x_safe_cast(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "field"), *t = A(1, "type");
	int rc = need(c, "safe_cast", f && t ? f : NULL);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "%s(%s as %s)", is_pg(c) ? "cast" : "try_cast", f, t));
}

static int x_cast_bool_to_text(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "field");
	int rc = need(c, "cast_bool_to_text", f);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "cast(%s as %s)", f, is_pg(c) ? "text" : "VARCHAR"));
}

static int x_split_part(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *s = A(0, "string_text"), *d = A(1, "delimiter_text"), *n = A(2, "part_number");
	int rc = need(c, "split_part", s && d && n ? s : NULL);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "split_part(%s, %s, %s)", s, d, n));
}

static int x_listagg(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *m = A(0, "measure"), *d = arg(c, 1, "delimiter_text", "','"),
		   *o = A(2, "order_by_clause"), *l = A(3, "limit_num");
	int rc = need(c, "listagg", m);
	if (rc)
		return rc;
	if (l && is_pg(c))
		return ret_str(c, ret, arena_printf(ARENA,
			"array_to_string((array_agg(%s %s))[1:%s], %s)", m, o ? o : "", l, d));
	if (l)
		return ret_str(c, ret, arena_printf(ARENA,
			"array_to_string(list_slice(array_agg(%s %s), 1, %s), %s)", m, o ? o : "", l, d));
	return ret_str(c, ret, arena_printf(ARENA, "string_agg(%s, %s%s%s)", m, d, o ? " " : "", o ? o : ""));
}

static int x_any_value(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *e = A(0, "expression");
	int rc = need(c, "any_value", e);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "%s(%s)", is_pg(c) ? "min" : "any_value", e));
}

static int x_bool_or(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *e = A(0, "expression");
	int rc = need(c, "bool_or", e);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "bool_or(%s)", e));
}

static int x_current_timestamp(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, is_pg(c) ? "now()" : "current_timestamp");
}

static int x_string_literal(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *v = arg(c, 0, "value", "");
	struct buf b = BUF_INIT;
	buf_putc(&b, '\'');
	buf_puts(&b, v);
	buf_putc(&b, '\'');
	int rc = ret_str(c, ret, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int x_escape_single_quotes(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *v = arg(c, 0, "expression", "");
	struct buf b = BUF_INIT;
	buf_add_quoted(&b, v, strlen(v), '\'');
	int rc = ret_str(c, ret, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int x_right(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *s = A(0, "string_text"), *n = A(1, "length_expression");
	int rc = need(c, "right", s && n ? s : NULL);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "right(%s, %s)", s, n));
}

static int x_length(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *e = A(0, "expression");
	int rc = need(c, "length", e);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "length(%s)", e));
}

static int x_position(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *s = A(0, "substring_text"), *t = A(1, "string_text");
	int rc = need(c, "position", s && t ? s : NULL);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "position(%s in %s)", s, t));
}

static int x_replace(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "field"), *o = A(1, "old_chars"), *n = A(2, "new_chars");
	int rc = need(c, "replace", f && o && n ? f : NULL);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "replace(%s, %s, %s)", f, o, n));
}

static int x_except(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, "except");
}

static int x_intersect(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, "intersect");
}

static int x_cast(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "field"), *t = A(1, "type");
	int rc = need(c, "cast", f && t ? f : NULL);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "cast(%s as %s)", f, t));
}

static const struct {
	const char *name;
	jinja_fn fn;
} xfns[] = {
	{"type_string", x_type_string},
	{"type_int", x_type_int},
	{"type_bigint", x_type_bigint},
	{"type_float", x_type_float},
	{"type_numeric", x_type_numeric},
	{"type_timestamp", x_type_timestamp},
	{"type_boolean", x_type_boolean},
	{"date_trunc", x_date_trunc},
	{"dateadd", x_dateadd},
	{"datediff", x_datediff},
	{"last_day", x_last_day},
	{"concat", x_concat},
	{"hash", x_hash},
	{"safe_cast", x_safe_cast},
	{"cast", x_cast},
	{"cast_bool_to_text", x_cast_bool_to_text},
	{"split_part", x_split_part},
	{"listagg", x_listagg},
	{"any_value", x_any_value},
	{"bool_or", x_bool_or},
	{"current_timestamp", x_current_timestamp},
	{"string_literal", x_string_literal},
	{"escape_single_quotes", x_escape_single_quotes},
	{"right", x_right},
	{"length", x_length},
	{"position", x_position},
	{"replace", x_replace},
	{"except", x_except},
	{"intersect", x_intersect},
};

void tf_crossdb_register(struct tf_proj *tp)
{
	struct arena *a = jinja_env_arena(tp->env);
	struct xdb *x = arena_zalloc(a, sizeof(*x));
	x->tp = tp;
	x->pg = !strcmp(tp->engine ? tp->engine : "", "postgres");
	for (size_t i = 0; i < ARRAY_SIZE(xfns); i++)
		jinja_env_define_macro(tp->env, "dbt", xfns[i].name,
				       jinja_func(a, xfns[i].name, xfns[i].fn, x));
}
