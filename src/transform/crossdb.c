/*
 * transform/crossdb.c — dbt's cross-database macros, native per engine.
 *
 * dbt ships type_string, dateadd, datediff, concat, hash, ... as macros in
 * its own package, dispatched per adapter. We register them as C functions
 * in the "dbt" namespace (so both `dbt.dateadd(...)` and the bare
 * `dateadd(...)` resolve, and a project's own macro of the same name still
 * wins, as in dbt). Each function renders SQL text for the engine the
 * project runs on: what differs per engine comes from the warehouse
 * adapter (wh_sql_* in warehouse.h), so a new engine needs no edit here;
 * what every engine writes alike (date_trunc, concat, split_part, ...) is
 * here.
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
	const struct wh_adapter *ad; /* the engine's dialect; NULL: standard SQL */
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

static const struct wh_adapter *ad_of(const struct jinja_call *c)
{
	return ((struct xdb *)c->user)->ad;
}

static int ret_str(const struct jinja_call *c, struct jinja_value *ret, const char *s)
{
	*ret = jinja_str(jinja_rt_arena(c->rt), s, (size_t)-1);
	return 0;
}

/* return the text in b, and free b */
static int ret_buf(const struct jinja_call *c, struct jinja_value *ret, struct buf *b)
{
	int rc = ret_str(c, ret, buf_cstr(b));
	buf_free(b);
	return rc;
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
	return ret_str(c, ret, wh_sql_macro_type(ad_of(c), WH_SQLT_STRING));
}
static int x_type_int(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, wh_sql_macro_type(ad_of(c), WH_SQLT_INT));
}
static int x_type_bigint(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, wh_sql_macro_type(ad_of(c), WH_SQLT_BIGINT));
}
static int x_type_float(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, wh_sql_macro_type(ad_of(c), WH_SQLT_FLOAT));
}
static int x_type_numeric(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, wh_sql_macro_type(ad_of(c), WH_SQLT_NUMERIC));
}
static int x_type_timestamp(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, wh_sql_macro_type(ad_of(c), WH_SQLT_TIMESTAMP));
}
static int x_type_boolean(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, wh_sql_macro_type(ad_of(c), WH_SQLT_BOOLEAN));
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
	struct buf b = BUF_INIT;
	wh_sql_dateadd(ad_of(c), part(ARENA, p), n, d, &b);
	return ret_buf(c, ret, &b);
}

static int x_datediff(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "first_date"), *s = A(1, "second_date"), *p = A(2, "datepart");
	int rc = need(c, "datediff", f && s && p ? p : NULL);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	if (wh_sql_datediff(ad_of(c), f, s, part(ARENA, p), &b, &e)) {
		buf_free(&b);
		rc = jinja_rt_error(c->rt, e.code, "%s", e.msg ? e.msg : "datediff()");
		err_clear(&e);
		return rc;
	}
	return ret_buf(c, ret, &b);
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
	struct buf b = BUF_INIT;
	wh_sql_hash(ad_of(c), f, &b);
	return ret_buf(c, ret, &b);
}

static int x_safe_cast(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "field"), *t = A(1, "type");
	int rc = need(c, "safe_cast", f && t ? f : NULL);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	wh_sql_safe_cast(ad_of(c), f, t, &b);
	return ret_buf(c, ret, &b);
}

static int x_cast_bool_to_text(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *f = A(0, "field");
	int rc = need(c, "cast_bool_to_text", f);
	if (rc)
		return rc;
	return ret_str(c, ret, arena_printf(ARENA, "cast(%s as %s)", f,
					   wh_sql_macro_type(ad_of(c), WH_SQLT_STRING)));
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
	struct buf b = BUF_INIT;
	wh_sql_listagg(ad_of(c), m, d, o, l, &b);
	return ret_buf(c, ret, &b);
}

static int x_any_value(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *e = A(0, "expression");
	int rc = need(c, "any_value", e);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	wh_sql_any_value(ad_of(c), e, &b);
	return ret_buf(c, ret, &b);
}

static int x_bool_or(const struct jinja_call *c, struct jinja_value *ret)
{
	const char *e = A(0, "expression");
	int rc = need(c, "bool_or", e);
	if (rc)
		return rc;
	struct buf b = BUF_INIT;
	wh_sql_bool_or(ad_of(c), e, &b);
	return ret_buf(c, ret, &b);
}

static int x_current_timestamp(const struct jinja_call *c, struct jinja_value *ret)
{
	return ret_str(c, ret, wh_sql_current_timestamp(ad_of(c)));
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
	x->ad = wh_adapter_for(tp->engine);
	for (size_t i = 0; i < ARRAY_SIZE(xfns); i++)
		jinja_env_define_macro(tp->env, "dbt", xfns[i].name,
				       jinja_func(a, xfns[i].name, xfns[i].fn, x));
}
