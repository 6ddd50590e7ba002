/*
 * transform/column.c — dbt's Column objects (dbt-adapters' base Column
 * with the engine's class: PostgresColumn, DuckDBColumn), as
 * adapter.get_columns_in_relation and api.Column give them.
 *
 * dtype is the engine's type text as information_schema.columns has it
 * ("character varying", "integer" on PostgreSQL; "VARCHAR",
 * "DECIMAL(18,3)" on DuckDB); char_size, numeric_precision and
 * numeric_scale come from the catalog where it has them. The type
 * families (is_string, is_integer, is_float, is_numeric) and data_type
 * follow dbt's rules per engine (warehouse wh_dbt_*): on PostgreSQL text
 * stays text, on DuckDB a VARCHAR's data_type is "character varying(256)"
 * as dbt-duckdb's is.
 */
#include "transform/objmodel.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/map.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct tf_column {
	const char *column, *dtype;
	int64_t char_size, precision, scale; /* -1: None */
	const struct wh_adapter *ad;
};

static const struct jinja_obj_ops col_ops;

static struct jinja_value opt_int(int64_t v)
{
	return v < 0 ? jinja_none() : jinja_int(v);
}

struct jinja_value tf_column_new(struct arena *a, const struct wh_adapter *ad, const char *name,
				 const char *dtype, int64_t char_size, int64_t precision,
				 int64_t scale)
{
	struct tf_column *c = arena_zalloc(a, sizeof(*c));
	c->column = name ? name : "";
	c->dtype = dtype ? dtype : "";
	c->char_size = char_size;
	c->precision = precision;
	c->scale = scale;
	c->ad = ad;
	return jinja_obj(a, &col_ops, c);
}

struct jinja_value tf_column_from_info(struct arena *a, const struct wh_adapter *ad,
				       const struct wh_column_info *ci)
{
	int64_t size = -1, prec = -1, scale = -1;
	/* A type text that carries its sizes ("DECIMAL(10,2)": DuckDB) gives
	 * None for them, as dbt-duckdb's (DESCRIBE) does; PostgreSQL's
	 * catalog has them apart ("numeric", 10, 2; "character varying", 20). */
	bool in_text = ci->data_type && strchr(ci->data_type, '(');
	if (!in_text && ci->ltype.type == WH_TEXT && ci->ltype.length > 0)
		size = ci->ltype.length;
	if (!in_text && ci->ltype.type == WH_DECIMAL && ci->ltype.precision > 0) {
		prec = ci->ltype.precision;
		scale = ci->ltype.scale;
	} else if (!in_text && ci->has_num && ad && wh_dbt_catalog_num_sizes(ad)) {
		/* dbt-postgres reads numeric_precision/scale of every type:
		 * integer 32/0, bigint 64/0, double precision 53/None */
		prec = ci->num_precision;
		scale = ci->num_scale;
	}
	return tf_column_new(a, ad, ci->name, ci->data_type, size, prec, scale);
}

static bool is_string(const struct tf_column *c)
{
	return wh_dbt_type_is(c->ad, WH_DBT_STRING, c->dtype);
}
static bool is_integer(const struct tf_column *c)
{
	return wh_dbt_type_is(c->ad, WH_DBT_INTEGER, c->dtype);
}
static bool is_float(const struct tf_column *c)
{
	return wh_dbt_type_is(c->ad, WH_DBT_FLOAT, c->dtype);
}
static bool is_numeric(const struct tf_column *c)
{
	return wh_dbt_type_is(c->ad, WH_DBT_NUMERIC, c->dtype);
}

static int64_t string_size(const struct tf_column *c)
{
	if (!strcmp(c->dtype, "text") || c->char_size < 0)
		return 256;
	return c->char_size;
}

static void numeric_type(struct buf *out, const char *dtype, struct jinja_value p, struct jinja_value s,
			 struct jinja_rt *rt)
{
	if (p.type == JINJA_NONE || p.type == JINJA_UNDEFINED || s.type == JINJA_NONE ||
	    s.type == JINJA_UNDEFINED) {
		buf_puts(out, dtype);
		return;
	}
	buf_printf(out, "%s(", dtype);
	jinja_value_str(rt, p, out);
	buf_putc(out, ',');
	jinja_value_str(rt, s, out);
	buf_putc(out, ')');
}

static void data_type(struct jinja_rt *rt, const struct tf_column *c, struct buf *out)
{
	if (!wh_dbt_sized_strings(c->ad) &&
	    (!strcasecmp(c->dtype, "text") ||
	     (!strcasecmp(c->dtype, "character varying") && c->char_size < 0))) {
		buf_puts(out, c->dtype); /* PostgresColumn */
		return;
	}
	if (is_string(c))
		buf_printf(out, "character varying(%lld)", (long long)string_size(c));
	else if (is_numeric(c))
		numeric_type(out, c->dtype, opt_int(c->precision), opt_int(c->scale), rt);
	else
		buf_puts(out, c->dtype);
}

static int col_repr(struct jinja_rt *rt, void *self, struct buf *out)
{
	const struct tf_column *c = self;
	buf_printf(out, "%s(column=", wh_dbt_column_class(c->ad));
	jinja_value_repr(rt, jinja_str_static(c->column, strlen(c->column)), out);
	buf_puts(out, ", dtype=");
	jinja_value_repr(rt, jinja_str_static(c->dtype, strlen(c->dtype)), out);
	const int64_t v[3] = {c->char_size, c->precision, c->scale};
	static const char *const names[3] = {"char_size", "numeric_precision", "numeric_scale"};
	for (int i = 0; i < 3; i++) {
		if (v[i] < 0)
			buf_printf(out, ", %s=None", names[i]);
		else
			buf_printf(out, ", %s=%lld", names[i], (long long)v[i]);
	}
	if (!strcmp(wh_dbt_column_class(c->ad), "DuckDBColumn"))
		buf_puts(out, ", fields=[]");
	buf_putc(out, ')');
	return 0;
}

static int col_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	const struct tf_column *c = self;
	struct arena *a = jinja_rt_arena(rt);
	if (!strcmp(name, "name") || !strcmp(name, "column"))
		*out = jinja_str(a, c->column, (size_t)-1);
	else if (!strcmp(name, "dtype"))
		*out = jinja_str(a, c->dtype, (size_t)-1);
	else if (!strcmp(name, "char_size"))
		*out = opt_int(c->char_size);
	else if (!strcmp(name, "numeric_precision"))
		*out = opt_int(c->precision);
	else if (!strcmp(name, "numeric_scale"))
		*out = opt_int(c->scale);
	else if (!strcmp(name, "quoted")) {
		/* dbt wraps the name in double quotes; a quote inside the name
		 * is doubled here, so the SQL stays valid */
		struct buf b = BUF_INIT;
		wh_quote_ident(NULL, c->column, &b);
		*out = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
	}
	else if (!strcmp(name, "data_type") || !strcmp(name, "expanded_data_type")) {
		struct buf b = BUF_INIT;
		data_type(rt, c, &b);
		*out = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
	} else if (!strcmp(name, "fields") && !strcmp(wh_dbt_column_class(c->ad), "DuckDBColumn"))
		*out = jinja_list_new(a, 0);
	else if (!strcmp(name, "TYPE_LABELS")) {
		struct jinja_value d = jinja_dict_new(a);
		jinja_dict_set_str(d, "STRING", jinja_str_static("TEXT", 4));
		*out = d;
	} else
		return ING_ENOTFOUND;
	return 0;
}

/* Kept for templates written against ingot's earlier dict columns
 * (column['name']); dbt's Column is not subscriptable. */
static int col_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
		       struct jinja_value *out)
{
	if (key.type != JINJA_STR)
		return ING_ENOTFOUND;
	return col_getattr(rt, self, jinja_str_cstr(jinja_rt_arena(rt), key), out);
}

/* A dataclass: equal field by field, and (not frozen) unhashable. */
static bool col_eq(void *self, void *other)
{
	const struct tf_column *a = self, *b = other;
	return !strcmp(a->column, b->column) && !strcmp(a->dtype, b->dtype) &&
	       a->char_size == b->char_size && a->precision == b->precision &&
	       a->scale == b->scale;
}

/* The class methods, shared by Column objects and api.Column. */
static int class_method(const struct jinja_call *c, const struct wh_adapter *ad, const char *name,
			struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	if (!strcmp(name, "string_type")) {
		struct jinja_value n;
		struct buf b = BUF_INIT;
		buf_puts(&b, "character varying(");
		if (jinja_call_arg(c, 0, "size", &n))
			jinja_value_str(c->rt, n, &b);
		buf_putc(&b, ')');
		*ret = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		return 0;
	}
	if (!strcmp(name, "numeric_type")) {
		struct jinja_value d, p = jinja_none(), s = jinja_none();
		if (!jinja_call_arg(c, 0, "dtype", &d))
			return jinja_rt_error(c->rt, ING_EINVAL, "numeric_type() takes dtype, precision, scale");
		jinja_call_arg(c, 1, "precision", &p);
		jinja_call_arg(c, 2, "scale", &s);
		struct buf b = BUF_INIT, ds = BUF_INIT;
		jinja_value_str(c->rt, d, &ds);
		numeric_type(&b, buf_cstr(&ds), p, s, c->rt);
		*ret = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		buf_free(&ds);
		return 0;
	}
	if (!strcmp(name, "translate_type")) {
		struct jinja_value d;
		if (!jinja_call_arg(c, 0, "dtype", &d) || d.type != JINJA_STR)
			return jinja_rt_error(c->rt, ING_EINVAL, "translate_type() takes a type name");
		const char *s = jinja_str_cstr(a, d);
		*ret = !strcasecmp(s, "STRING") ? jinja_str_static("TEXT", 4) : d;
		return 0;
	}
	if (!strcmp(name, "create")) {
		struct jinja_value n, d;
		if (!jinja_call_arg(c, 0, "name", &n) || !jinja_call_arg(c, 1, "label_or_dtype", &d) ||
		    d.type != JINJA_STR)
			return jinja_rt_error(c->rt, ING_EINVAL, "Column.create() takes a name and a type");
		struct buf nb = BUF_INIT;
		jinja_value_str(c->rt, n, &nb);
		const char *dt = jinja_str_cstr(a, d);
		if (!strcasecmp(dt, "STRING"))
			dt = "TEXT";
		*ret = tf_column_new(a, ad, arena_strdup(a, buf_cstr(&nb)), dt, -1, -1, -1);
		buf_free(&nb);
		return 0;
	}
	if (!strcmp(name, "from_description")) {
		struct jinja_value n, d;
		if (!jinja_call_arg(c, 0, "name", &n) || !jinja_call_arg(c, 1, "raw_data_type", &d) ||
		    d.type != JINJA_STR)
			return jinja_rt_error(c->rt, ING_EINVAL,
					      "Column.from_description() takes a name and a type");
		const char *raw = jinja_str_cstr(a, d);
		const char *open = strchr(raw, '(');
		if (open == raw || !*raw)
			return jinja_rt_error(c->rt, ING_EINVAL, "Could not interpret data type \"%s\"", raw);
		int64_t size = -1, prec = -1, scale = -1;
		const char *dt = raw;
		const char *close = open ? strchr(open, ')') : NULL;
		if (open && close && close > open + 1) {
			dt = arena_strndup(a, raw, (size_t)(open - raw));
			char *info = arena_strndup(a, open + 1, (size_t)(close - open - 1));
			char *comma = strchr(info, ',');
			if (comma && strchr(comma + 1, ','))
				comma = NULL, info = NULL; /* three parts: dbt ignores the size */
			if (info) {
				char *end;
				if (comma)
					*comma = 0;
				long long v = strtoll(info, &end, 10);
				while (isspace((unsigned char)*end))
					end++;
				if (end == info || *end)
					return jinja_rt_error(c->rt, ING_EINVAL,
							      "Could not interpret data_type \"%s\": could not convert \"%s\" to an integer",
							      raw, info);
				if (comma) {
					prec = v;
					char *s2 = comma + 1;
					v = strtoll(s2, &end, 10);
					while (isspace((unsigned char)*end))
						end++;
					if (end == s2 || *end)
						return jinja_rt_error(c->rt, ING_EINVAL,
								      "Could not interpret data_type \"%s\": could not convert \"%s\" to an integer",
								      raw, s2);
					scale = v;
				} else {
					size = v;
				}
			}
		} else if (open) {
			dt = arena_strndup(a, raw, (size_t)(open - raw));
		}
		struct buf nb = BUF_INIT;
		jinja_value_str(c->rt, n, &nb);
		*ret = tf_column_new(a, ad, arena_strdup(a, buf_cstr(&nb)), dt, size, prec, scale);
		buf_free(&nb);
		return 0;
	}
	return ING_ENOTFOUND;
}

static int col_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	const struct tf_column *col = jinja_obj_user(c->self, &col_ops);
	if (!col)
		return ING_ENOTFOUND;
	struct arena *a = jinja_rt_arena(c->rt);
	if (!strcmp(name, "is_string")) {
		*ret = jinja_bool(is_string(col));
		return 0;
	}
	if (!strcmp(name, "is_integer")) {
		*ret = jinja_bool(is_integer(col));
		return 0;
	}
	if (!strcmp(name, "is_float")) {
		*ret = jinja_bool(is_float(col));
		return 0;
	}
	if (!strcmp(name, "is_numeric")) {
		*ret = jinja_bool(is_numeric(col));
		return 0;
	}
	if (!strcmp(name, "is_number")) {
		*ret = jinja_bool(is_integer(col) || is_numeric(col) || is_float(col));
		return 0;
	}
	if (!strcmp(name, "is_struct") && !strcmp(wh_dbt_column_class(col->ad), "DuckDBColumn")) {
		*ret = jinja_bool(!strncasecmp(col->dtype, "struct", 6));
		return 0;
	}
	if (!strcmp(name, "string_size")) {
		if (!is_string(col))
			return jinja_rt_error(c->rt, ING_EINVAL, "Called string_size() on non-string field!");
		*ret = jinja_int(string_size(col));
		return 0;
	}
	if (!strcmp(name, "can_expand_to")) {
		struct jinja_value o;
		const struct tf_column *other = NULL;
		if (jinja_call_arg(c, 0, "other_column", &o))
			other = jinja_obj_user(o, &col_ops);
		if (!other)
			return jinja_rt_error(c->rt, ING_EINVAL, "can_expand_to() takes a Column");
		*ret = jinja_bool(is_string(col) && is_string(other) &&
				  string_size(other) > string_size(col));
		return 0;
	}
	if (!strcmp(name, "literal")) {
		struct jinja_value v;
		struct buf b = BUF_INIT;
		if (jinja_call_arg(c, 0, "value", &v))
			jinja_value_str(c->rt, v, &b);
		buf_puts(&b, "::");
		data_type(c->rt, col, &b);
		*ret = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		return 0;
	}
	return class_method(c, col->ad, name, ret);
}

static const struct jinja_obj_ops col_ops = {
	.type_name = "Column",
	.getattr = col_getattr,
	.getitem = col_getitem,
	.method = col_method,
	.str = col_repr,
	.eq = col_eq,
};

/* ------------------------------------------------------- api.Column */

static int api_call(const struct jinja_call *c, struct jinja_value *ret)
{
	/* Column(column, dtype, char_size=None, numeric_precision=None, numeric_scale=None) */
	static const char *const names[] = {"column", "dtype", "char_size", "numeric_precision",
					    "numeric_scale"};
	struct arena *a = jinja_rt_arena(c->rt);
	const char *s[2] = {NULL, NULL};
	int64_t n[3] = {-1, -1, -1};
	for (size_t i = 0; i < 5; i++) {
		struct jinja_value v;
		if (!jinja_call_arg(c, i, names[i], &v) || v.type == JINJA_NONE)
			continue;
		if (i < 2) {
			struct buf b = BUF_INIT;
			jinja_value_str(c->rt, v, &b);
			s[i] = arena_strdup(a, buf_cstr(&b));
			buf_free(&b);
		} else if (v.type == JINJA_INT && v.u.i >= 0) {
			n[i - 2] = v.u.i;
		} else if (v.type == JINJA_STR) {
			char *end;
			const char *t = jinja_str_cstr(a, v);
			long long x = strtoll(t, &end, 10);
			if (end == t || *end || x < 0)
				return jinja_rt_error(c->rt, ING_EINVAL, "Column %s must be an integer, got '%s'",
						      names[i], t);
			n[i - 2] = x;
		} else {
			return jinja_rt_error(c->rt, ING_EINVAL, "Column %s must be an integer, got %s",
					      names[i], jinja_type_name(v));
		}
	}
	if (!s[0] || !s[1])
		return jinja_rt_error(c->rt, ING_EINVAL,
				      "Column() takes the column name and its dtype");
	*ret = tf_column_new(a, c->user, s[0], s[1], n[0], n[1], n[2]);
	return 0;
}

static int api_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	return class_method(c, c->user, name, ret);
}

static int api_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	buf_printf(out, "<class '%s'>", wh_dbt_column_class(self));
	return 0;
}

static const struct jinja_obj_ops api_ops = {
	.type_name = "type", .call = api_call, .method = api_method, .str = api_str,
};

struct jinja_value tf_column_api(struct arena *a, const struct wh_adapter *ad)
{
	return jinja_obj(a, &api_ops, (void *)ad);
}
