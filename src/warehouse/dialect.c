/*
 * warehouse/dialect.c — the SQL dialect of models: defaults and wrappers.
 *
 * The public wh_sql_* functions (warehouse.h, "dialect of models") are the
 * only readers of an adapter's `dialect` member (adapter.h). Each takes the
 * engine's entry when it has one and the default below otherwise, so an
 * engine states only where it differs.
 *
 * The defaults are standard SQL where the standard has the construct
 * (type names, CAST, current_timestamp, interval arithmetic, string_agg)
 * and otherwise what dbt's own default__ / postgres__ macros write (md5,
 * the date_part arithmetic of datediff, array slices for listagg's limit);
 * PostgreSQL uses them as they are. Written by hand: each is a few lines of
 * SQL text from the engines' documentation, and no library renders dbt's
 * macros.
 */
#include "warehouse/adapter.h"
#include "core/mem.h"

#include <string.h>
#include <strings.h>

static const struct wh_dialect *dl(const struct wh_adapter *ad)
{
	static const struct wh_dialect none;
	return ad ? &ad->dialect : &none;
}

static const char *const default_macro_types[WH_SQLT_N] = {
	[WH_SQLT_STRING] = "varchar",
	[WH_SQLT_INT] = "integer",
	[WH_SQLT_BIGINT] = "bigint",
	[WH_SQLT_FLOAT] = "float",
	[WH_SQLT_NUMERIC] = "numeric(28,6)",
	[WH_SQLT_TIMESTAMP] = "timestamp",
	[WH_SQLT_BOOLEAN] = "boolean",
	[WH_SQLT_DATE] = "date",
};

static const char *const default_column_types[WH_SQLT_N] = {
	[WH_SQLT_STRING] = "varchar",
	[WH_SQLT_INT] = "integer",
	[WH_SQLT_BIGINT] = "bigint",
	[WH_SQLT_FLOAT] = "double precision",
	[WH_SQLT_NUMERIC] = "numeric",
	[WH_SQLT_TIMESTAMP] = "timestamp",
	[WH_SQLT_BOOLEAN] = "boolean",
	[WH_SQLT_DATE] = "date",
};

const char *wh_sql_macro_type(const struct wh_adapter *ad, enum wh_sqltype t)
{
	if ((unsigned)t >= WH_SQLT_N)
		BUG("wh_sql_macro_type: type %d", (int)t);
	const char *s = dl(ad)->macro_types[t];
	return s ? s : default_macro_types[t];
}

const char *wh_sql_column_type(const struct wh_adapter *ad, enum wh_sqltype t)
{
	if ((unsigned)t >= WH_SQLT_N)
		BUG("wh_sql_column_type: type %d", (int)t);
	const char *s = dl(ad)->column_types[t];
	return s ? s : default_column_types[t];
}

const char *wh_sql_current_timestamp(const struct wh_adapter *ad)
{
	const char *s = dl(ad)->current_timestamp;
	return s ? s : "current_timestamp";
}

int wh_sql_local_timeout(const struct wh_adapter *ad, int ms, struct buf *out)
{
	const char *f = dl(ad)->local_timeout_fmt;
	if (!f)
		return ING_EUNSUPPORTED;
	buf_printf(out, f, ms);
	return 0;
}

void wh_sql_dateadd(const struct wh_adapter *ad, const char *part, const char *n, const char *d,
		    struct buf *out)
{
	if (dl(ad)->dateadd) {
		dl(ad)->dateadd(part, n, d, out);
		return;
	}
	buf_printf(out, "%s + ((interval '1 %s') * (%s))", d, part, n);
}

/* second - first in whole parts, from date_part and date arithmetic
 * (dbt-postgres's datediff) */
static int default_datediff(const char *f, const char *s, const char *p, struct buf *out,
			    struct err *e)
{
	if (!strcmp(p, "year"))
		buf_printf(out, "(date_part('year', (%s)::date) - date_part('year', (%s)::date))", s, f);
	else if (!strcmp(p, "quarter"))
		buf_printf(out, "((date_part('year', (%s)::date) - date_part('year', (%s)::date)) * 4 + date_part('quarter', (%s)::date) - date_part('quarter', (%s)::date))", s, f, s, f);
	else if (!strcmp(p, "month"))
		buf_printf(out, "((date_part('year', (%s)::date) - date_part('year', (%s)::date)) * 12 + date_part('month', (%s)::date) - date_part('month', (%s)::date))", s, f, s, f);
	else if (!strcmp(p, "day"))
		buf_printf(out, "((%s)::date - (%s)::date)", s, f);
	else if (!strcmp(p, "week"))
		buf_printf(out, "case when ((%s)::date - (%s)::date) < 0 then ceil(((%s)::date - (%s)::date) / 7.0) else floor(((%s)::date - (%s)::date) / 7.0) end", s, f, s, f, s, f);
	else if (!strcmp(p, "hour"))
		buf_printf(out, "((((%s)::date - (%s)::date) * 24 + date_part('hour', (%s)::timestamp)) - date_part('hour', (%s)::timestamp))", s, f, s, f);
	else if (!strcmp(p, "minute"))
		buf_printf(out, "floor(extract(epoch from (date_trunc('minute', (%s)::timestamp) - date_trunc('minute', (%s)::timestamp))) / 60)", s, f);
	else if (!strcmp(p, "second"))
		buf_printf(out, "floor(extract(epoch from (date_trunc('second', (%s)::timestamp) - date_trunc('second', (%s)::timestamp))))", s, f);
	else
		return err_set(e, ING_EINVAL,
			       "datediff(): unsupported datepart '%s': use year, quarter, month, "
			       "week, day, hour, minute or second", p);
	return 0;
}

int wh_sql_datediff(const struct wh_adapter *ad, const char *first, const char *second,
		    const char *part, struct buf *out, struct err *e)
{
	return (dl(ad)->datediff ? dl(ad)->datediff : default_datediff)(first, second, part, out, e);
}

void wh_sql_hash(const struct wh_adapter *ad, const char *field, struct buf *out)
{
	if (dl(ad)->hash) {
		dl(ad)->hash(field, out);
		return;
	}
	buf_printf(out, "md5(cast(%s as %s))", field, wh_sql_macro_type(ad, WH_SQLT_STRING));
}

void wh_sql_safe_cast(const struct wh_adapter *ad, const char *field, const char *type,
		      struct buf *out)
{
	if (dl(ad)->safe_cast) {
		dl(ad)->safe_cast(field, type, out);
		return;
	}
	const char *fn = dl(ad)->safe_cast_fn;
	buf_printf(out, "%s(%s as %s)", fn ? fn : "cast", field, type);
}

void wh_sql_any_value(const struct wh_adapter *ad, const char *expr, struct buf *out)
{
	const char *fn = dl(ad)->any_value_fn;
	buf_printf(out, "%s(%s)", fn ? fn : "min", expr);
}

void wh_sql_bool_or(const struct wh_adapter *ad, const char *expr, struct buf *out)
{
	if (dl(ad)->bool_or)
		dl(ad)->bool_or(expr, out);
	else
		buf_printf(out, "bool_or(%s)", expr);
}

const char *wh_sql_merge_refusal(const struct wh_adapter *ad)
{
	return dl(ad)->merge_refusal;
}

void wh_sql_listagg(const struct wh_adapter *ad, const char *measure, const char *delim,
		    const char *order_by, const char *limit, struct buf *out)
{
	if (dl(ad)->listagg) {
		dl(ad)->listagg(measure, delim, order_by, limit, out);
		return;
	}
	if (limit)
		buf_printf(out, "array_to_string((array_agg(%s %s))[1:%s], %s)", measure,
			   order_by ? order_by : "", limit, delim);
	else
		buf_printf(out, "string_agg(%s, %s%s%s)", measure, delim, order_by ? " " : "",
			   order_by ? order_by : "");
}

void wh_sql_status(const struct wh_adapter *ad, const char *code, int64_t rows, struct buf *out)
{
	if (dl(ad)->status) {
		dl(ad)->status(code, rows, out);
		return;
	}
	if (rows >= 0)
		buf_printf(out, "%s %lld", code, (long long)rows);
	else
		buf_puts(out, code);
}

/* ---- dbt's adapter classes ---- */

const char *wh_dbt_relation_class(const struct wh_adapter *ad)
{
	const char *s = dl(ad)->relation_class;
	return s ? s : "BaseRelation";
}

const char *wh_dbt_column_class(const struct wh_adapter *ad)
{
	const char *s = dl(ad)->column_class;
	return s ? s : "Column";
}

bool wh_dbt_require_alias(const struct wh_adapter *ad)
{
	return !dl(ad)->no_subquery_alias;
}

void wh_sql_table_clause(const struct wh_adapter *ad, const char *engine, const char *order_by,
			 const char *partition_by, struct buf *out)
{
	if (dl(ad)->table_clause)
		dl(ad)->table_clause(engine, order_by, partition_by, out);
}

void wh_sql_sharding_clause(const struct wh_adapter *ad, const char *key, struct buf *out)
{
	if (key && *key && dl(ad)->sharding_clause)
		dl(ad)->sharding_clause(key, out);
}

bool wh_dbt_two_part_names(const struct wh_adapter *ad)
{
	return dl(ad)->two_part_names;
}

bool wh_dbt_sized_strings(const struct wh_adapter *ad)
{
	return dl(ad)->sized_strings;
}

bool wh_dbt_catalog_num_sizes(const struct wh_adapter *ad)
{
	return dl(ad)->catalog_num_sizes;
}

/* dbt's base Column (dbt-adapters base/column.py) */
static const char *const base_string_types[] = {"text", "character varying", "character", "varchar",
						 NULL};
static const char *const base_integer_types[] = {
	"smallint", "integer", "bigint", "smallserial", "serial", "bigserial", "int2", "int4", "int8",
	"serial2",  "serial4", "serial8", NULL};
static const char *const base_float_types[] = {"real",   "float4",           "float",
						"double precision", "float8", "double", NULL};
static const char *const base_numeric_types[] = {"numeric", "decimal", NULL};

bool wh_dbt_type_is(const struct wh_adapter *ad, enum wh_dbt_family f, const char *dtype)
{
	const char *const *set = NULL;
	switch (f) {
	case WH_DBT_STRING: set = base_string_types; break;
	case WH_DBT_INTEGER: set = dl(ad)->integer_types ? dl(ad)->integer_types : base_integer_types; break;
	case WH_DBT_FLOAT: set = dl(ad)->float_types ? dl(ad)->float_types : base_float_types; break;
	case WH_DBT_NUMERIC: set = base_numeric_types; break;
	}
	for (size_t i = 0; set && dtype && set[i]; i++)
		if (!strcasecmp(set[i], dtype))
			return true;
	return false;
}
