/*
 * dash/query.c — the query compiler: a tile and a request (names and
 * values) to SQL whose identifiers all come from the dashboard file and
 * whose values are all bound parameters ($1..), run read-only, encoded as
 * the contract's JSON or as CSV.
 *
 * SQL shapes (R = the view's relation, W = the filters):
 *   kpi       select M from R W, for the range and the previous period of
 *             equal length; sparkline: M per day (per week past 120 days)
 *   line/area select B(T), M... group by 1 order by 1, B = the first day of
 *             the grain as a date (bucket_sql)
 *   pie/donut one group by ranks the dimension by M (ties by the value)
 *             and gives the top N their M; 'Others' is M over the rows
 *             of every other value (a second scan that skips the top N:
 *             the rows are re-aggregated, never the per-value results
 *             summed, so distinct counts and ratios stay right)
 *   bar       the top N dimension values by the first measure or the
 *             bar's sort (ranked the same way, one group by); with a
 *             breakdown, a second scan joined to those N values
 *   table     group by the dimensions, order by the sort column then every
 *             column, limit/offset bound, with count(*) over () = the
 *             number of groups (asked apart only past the last page);
 *             with compare, the previous period's measures of the page's
 *             groups joined on (build_table)
 *   funnel    one row of measures, turned into one row per step
 *   heatmap   group by x, y
 * date_trunc, extract, cast(... as date) and date - integer are the same
 * on DuckDB and PostgreSQL;
 * dimension filters compare the dimension cast to the engine's string
 * type, so every value is bound as text. Dates are bound as text and cast.
 *
 * Every order is total: ties are broken by the dimension values. A tile's
 * JSON has its main query ("sql", "params") and every query it ran, in
 * order ("queries": the KPI's previous period and sparkline, the table's
 * count), for "View SQL" and bench/serve.sh.
 *
 * Each tile runs in `begin transaction read only` (both engines refuse a
 * write there) and under a statement timeout: the engine's own when it has
 * one (wh_sql_local_timeout: PostgreSQL), else a watchdog thread that
 * cancels the connection's statement at the deadline (wh_conn_set_cancel;
 * DuckDB's interrupt).
 */
#include "dash/query.h"

#include "core/cancel.h"
#include "core/dtime.h"
#include "core/json.h"
#include "core/mem.h"
#include "platform/results.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- request */

static const char *const grains[] = {"day", "week", "month", "quarter", "year", NULL};

static bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	if (!s || !*s || strlen(s) > 12)
		return false;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_day(const char *s, int32_t *out)
{
	return s && strlen(s) == 10 && !date_parse(s, 10, out);
}

static int first_of_month(int32_t day, int months_per_period)
{
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	unsigned m0 = (m - 1) / (unsigned)months_per_period * (unsigned)months_per_period + 1;
	return (int)days_from_civil(y, m0, 1);
}

/* Resolve a preset against today (UTC): [from, to) in days. */
static bool preset_range(const char *name, int32_t today, int32_t *from, int32_t *to)
{
	*to = today; /* last N days: the N whole days before today (Looker Studio) */
	if (!strcmp(name, "last_7_days"))
		*from = today - 7;
	else if (!strcmp(name, "last_30_days"))
		*from = today - 30;
	else if (!strcmp(name, "last_90_days"))
		*from = today - 90;
	else {
		*to = today + 1; /* to date: today included */
		if (!strcmp(name, "mtd"))
			*from = first_of_month(today, 1);
		else if (!strcmp(name, "qtd"))
			*from = first_of_month(today, 3);
		else if (!strcmp(name, "ytd"))
			*from = first_of_month(today, 12);
		else
			return false;
	}
	return true;
}

static bool known_filter(const struct dash_board *b, const struct dash_page *pg, const char *name)
{
	for (size_t i = 0; i < pg->nfilters; i++)
		if (!strcmp(pg->filters[i].name, name))
			return true;
	for (size_t p = 0; p < b->npages; p++)
		for (size_t t = 0; t < b->pages[p].ntiles; t++) {
			const struct dash_view *v = b->pages[p].tiles[t]->view;
			if (v && dash__view_dim(v, name))
				return true;
		}
	return false;
}

/* The label of filter `name`: the page's, else the first dimension of
 * that name in the board's views (a cross-filter from a click). */
static const char *filter_label(const struct dash_board *b, const struct dash_page *pg,
				const char *name)
{
	for (size_t i = 0; i < pg->nfilters; i++)
		if (!strcmp(pg->filters[i].name, name))
			return pg->filters[i].label;
	for (size_t p = 0; p < b->npages; p++)
		for (size_t t = 0; t < b->pages[p].ntiles; t++) {
			const struct dash_view *v = b->pages[p].tiles[t]->view;
			const struct dash_dim *d = v ? dash__view_dim(v, name) : NULL;
			if (d)
				return d->label;
		}
	return name;
}

static int cmp_param(const void *a, const void *b)
{
	const struct dash_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->value, y->value);
}

void dq_req_free(struct dq_req *r)
{
	for (size_t i = 0; i < r->nfilters; i++)
		free(r->filters[i].vals);
	free(r->filters);
	buf_free(&r->norm);
	memset(r, 0, sizeof(*r));
}

int dq_req_parse(const struct dash_board *b, const struct dash_page *pg, const struct dash_tile *t,
		 const struct dash_param *params, size_t n, int32_t today, struct dq_req *r,
		 struct err *e)
{
	memset(r, 0, sizeof(*r));
	r->grain = t->grain;
	r->sort_col = t->sort_col;
	r->sort_desc = t->sort_desc;
	r->limit = t->page_size;
	const char *range = NULL, *from = NULL, *to = NULL;
	/* the normalized request: sorted name=value pairs (the cache key) */
	struct dash_param *sorted = xcalloc(n + 1, sizeof(*sorted));
	for (size_t i = 0; i < n; i++) {
		sorted[i].name = params[i].name ? params[i].name : "";
		sorted[i].value = params[i].value ? params[i].value : "";
	}
	if (n)
		qsort(sorted, n, sizeof(*sorted), cmp_param);
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *k = sorted[i].name, *v = sorted[i].value;
		/* length-prefixed: a value holding "\nf.x=" cannot spell another
		 * request's key (and be served its cached answer) */
		buf_printf(&r->norm, "%zu:%s=%zu:%s\n", strlen(k), k, strlen(v), v);
		int64_t x;
		if (!strncmp(k, "f.", 2)) {
			const char *dim = k + 2;
			if (!known_filter(b, pg, dim)) {
				rc = err_set(e, ING_EINVAL, "unknown filter '%s' on dashboard '%s'", dim, b->name);
				break;
			}
			struct dq_filter *f = NULL;
			for (size_t j = 0; j < r->nfilters; j++)
				if (!strcmp(r->filters[j].name, dim))
					f = &r->filters[j];
			if (!f) {
				r->filters = xrealloc(r->filters, (r->nfilters + 1) * sizeof(*r->filters));
				f = &r->filters[r->nfilters++];
				memset(f, 0, sizeof(*f));
				f->name = dim;
				f->dim = t->view ? dash__view_dim(t->view, dim) : NULL;
				f->label = filter_label(b, pg, dim);
			}
			if (f->nvals >= 1000) {
				rc = err_set(e, ING_EINVAL, "filter '%s': at most 1000 values", dim);
				break;
			}
			f->vals = xrealloc(f->vals, (f->nvals + 1) * sizeof(*f->vals));
			f->vals[f->nvals++] = v;
		} else if (!strcmp(k, "range")) {
			range = v;
		} else if (!strcmp(k, "from")) {
			from = v;
		} else if (!strcmp(k, "to")) {
			to = v;
		} else if (!strcmp(k, "compare")) {
			/* "previous" (the previous period of equal length) is the
			 * one comparison there is; 1/true say the same */
			bool on = !strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "previous");
			if (!on && strcmp(v, "0") && strcmp(v, "false"))
				rc = err_set(e, ING_EINVAL,
					     "compare takes previous (or 1), or 0 to turn it off");
			r->compare = on;
		} else if (!strcmp(k, "grain")) {
			size_t g = 0;
			while (grains[g] && strcmp(grains[g], v))
				g++;
			if (!grains[g])
				rc = err_set(e, ING_EINVAL,
					     "unknown grain '%s': use day, week, month, quarter or year", v);
			else
				r->grain = grains[g];
		} else if (!strcmp(k, "sort")) {
			bool desc = *v == '-';
			const char *col = desc ? v + 1 : v;
			int found = -1;
			for (size_t j = 0; j < t->ndims; j++)
				if (!strcmp(t->dims[j]->name, col))
					found = (int)j;
			for (size_t j = 0; j < t->nmeasures; j++)
				if (!strcmp(t->measures[j]->name, col))
					found = (int)(t->ndims + j);
			if (t->type != T_TABLE || found < 0)
				rc = err_set(e, ING_EINVAL, "tile '%s' cannot be sorted by '%s'", t->name, col);
			r->sort_col = found;
			r->sort_desc = desc;
		} else if (!strcmp(k, "offset")) {
			if (!parse_int(v, 0, 1000000000, &x))
				rc = err_set(e, ING_EINVAL, "offset must be a whole number from 0 to 1000000000");
			r->offset = x;
		} else if (!strcmp(k, "limit")) {
			if (!parse_int(v, 1, 1000, &x))
				rc = err_set(e, ING_EINVAL, "limit must be a whole number from 1 to 1000");
			r->limit = x;
		} else {
			rc = err_set(e, ING_EINVAL,
				     "unknown parameter '%s' (use f.<filter>, from, to, range, compare, grain, "
				     "sort, offset, limit)", k);
		}
	}
	free(sorted);
	if (!rc && range && (from || to))
		rc = err_set(e, ING_EINVAL, "give range or from/to, not both");
	if (!rc && range && strcmp(range, "all")) {
		if (!preset_range(range, today, &r->from, &r->to))
			rc = err_set(e, ING_EINVAL,
				     "unknown range '%s': use last_7_days, last_30_days, last_90_days, mtd, "
				     "qtd, ytd or all", range);
		r->has_range = true;
		/* a relative range moves with the day: part of the cache key */
		char d[16];
		date_format(today, d);
		buf_printf(&r->norm, "today=%s\n", d);
	} else if (!rc && (from || to)) {
		if (!from || !to)
			rc = err_set(e, ING_EINVAL, "from and to go together (YYYY-MM-DD, to inclusive)");
		else if (!parse_day(from, &r->from) || !parse_day(to, &r->to))
			rc = err_set(e, ING_EINVAL, "from and to must be dates YYYY-MM-DD");
		else if (r->to < r->from)
			rc = err_set(e, ING_EINVAL, "to is before from");
		r->to++; /* inclusive as the user sees it */
		r->has_range = true;
	}
	r->date_label = filter_label(b, pg, "date");
	if (!strcmp(r->date_label, "date"))
		r->date_label = "Date";
	if (rc)
		dq_req_free(r);
	return rc;
}

/* ---------------------------------------------------------------- SQL */

struct qb {
	const struct wh_db *db;
	const struct dash_view *v;
	struct buf sql;
	struct wh_value *params;
	size_t np;
};

static void qb_param(struct qb *q, struct wh_value v)
{
	q->params = xrealloc(q->params, (q->np + 1) * sizeof(*q->params));
	q->params[q->np++] = v;
	buf_printf(&q->sql, "$%zu", q->np);
}

static void qb_reset(struct qb *q)
{
	buf_reset(&q->sql);
	free(q->params);
	q->params = NULL;
	q->np = 0;
}

static void ident(struct qb *q, const char *name)
{
	wh_quote_ident(q->db, name, &q->sql);
}

static void dim_sql(struct qb *q, const struct dash_dim *d)
{
	if (d->expr)
		buf_printf(&q->sql, "(%s)", d->expr);
	else
		ident(q, d->name);
}

/* The first day of T's grain g, as a date: date_trunc, except where the
 * same date is cheaper to get (DuckDB's month date_trunc costs about twice
 * the date arithmetic over a scan, measured with EXPLAIN ANALYZE): a day
 * is the cast; a month is the day minus its day of month less one. Both
 * forms mean the same on DuckDB and PostgreSQL (date - integer is a date;
 * extract and the cast use the session time zone, as date_trunc does). */
static void bucket_sql(struct qb *q, const char *g)
{
	if (!strcmp(g, "day")) {
		buf_puts(&q->sql, "cast(");
		ident(q, q->v->time);
		buf_puts(&q->sql, " as date)");
	} else if (!strcmp(g, "month")) {
		buf_puts(&q->sql, "(cast(");
		ident(q, q->v->time);
		buf_puts(&q->sql, " as date) - cast(extract(day from ");
		ident(q, q->v->time);
		buf_puts(&q->sql, ") - 1 as integer))");
	} else {
		buf_printf(&q->sql, "cast(date_trunc('%s', ", g);
		ident(q, q->v->time);
		buf_puts(&q->sql, ") as date)");
	}
}

static void rel(struct qb *q)
{
	wh_relation_sql(q->db, q->v->schema, q->v->alias, &q->sql);
}

/* Day number as a bound text date. */
static void date_param(struct qb *q, int32_t day, char store[16])
{
	date_format(day, store);
	buf_puts(&q->sql, "cast(");
	qb_param(q, wh_text(store));
	buf_puts(&q->sql, " as date)");
}

struct dates {
	char s[4][16];
};

/* " where ..." for the request's filters and the range [from, to). */
static bool where(struct qb *q, const struct dq_req *r, bool range, int32_t from, int32_t to,
		  struct dates *ds, int slot)
{
	const char *kw = " where ";
	if (range && q->v->time) {
		buf_puts(&q->sql, kw);
		ident(q, q->v->time);
		buf_puts(&q->sql, " >= ");
		date_param(q, from, ds->s[slot]);
		buf_puts(&q->sql, " and ");
		ident(q, q->v->time);
		buf_puts(&q->sql, " < ");
		date_param(q, to, ds->s[slot + 1]);
		kw = " and ";
	}
	const char *str = wh_sql_macro_type(wh_db_adapter(q->db), WH_SQLT_STRING);
	for (size_t i = 0; i < r->nfilters; i++) {
		const struct dq_filter *f = &r->filters[i];
		const struct dash_dim *d = dash__view_dim(q->v, f->name);
		if (!d)
			continue; /* the view lacks it: not for this tile */
		buf_puts(&q->sql, kw);
		if (d->rel) { /* a semi-join: the view's rows with a matching related row */
			ident(q, d->rel->key);
			buf_puts(&q->sql, " in (select ");
			ident(q, d->rel->related_key);
			buf_puts(&q->sql, " from ");
			wh_relation_sql(q->db, d->rel->schema, d->rel->alias, &q->sql);
			buf_puts(&q->sql, " where ");
		}
		buf_puts(&q->sql, "cast(");
		dim_sql(q, d);
		buf_printf(&q->sql, " as %s) in (", str);
		for (size_t j = 0; j < f->nvals; j++) {
			if (j)
				buf_puts(&q->sql, ", ");
			qb_param(q, wh_text(f->vals[j]));
		}
		buf_puts(&q->sql, d->rel ? "))" : ")");
		kw = " and ";
	}
	return kw[1] == 'a';
}

static void measures_sql(struct qb *q, const struct dash_tile *t)
{
	for (size_t i = 0; i < t->nmeasures; i++)
		buf_printf(&q->sql, ", (%s)", t->measures[i]->expr);
}

/* ---------------------------------------------------------------- run */

struct run {
	struct wh_conn *conn;
	const struct dq_opts *o;
	bool in_tx;
	/* engines without a statement timeout: a watchdog thread requests a
	 * cancel token tied to the connection at the deadline */
	struct cancel *tok;
	pthread_t th;
	bool watching, done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *watchdog(void *arg)
{
	struct run *rn = arg;
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	int ms = rn->o->statement_timeout_ms;
	dl.tv_sec += ms / 1000;
	dl.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&rn->mu);
	int rc = 0;
	while (!rn->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&rn->cv, &rn->mu, &dl);
	bool fire = !rn->done;
	pthread_mutex_unlock(&rn->mu);
	if (fire) {
		char why[96];
		snprintf(why, sizeof(why), "the dashboard query ran longer than %d ms", ms);
		cancel_request(rn->tok, ING_ETIMEOUT, why);
	}
	return NULL;
}

static int run_begin(struct run *rn, struct err *e)
{
	struct wh_db *db = wh_conn_db(rn->conn);
	struct buf b = BUF_INIT;
	bool server_timeout =
		!wh_sql_local_timeout(wh_db_adapter(db), rn->o->statement_timeout_ms, &b);
	if (!server_timeout && rn->o->statement_timeout_ms > 0 && wh_has(db, WH_CAP_CANCEL)) {
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&rn->cv, &ca);
		pthread_condattr_destroy(&ca);
		pthread_mutex_init(&rn->mu, NULL);
		rn->tok = cancel_new();
		wh_conn_set_cancel(rn->conn, rn->tok);
		rn->watching = !pthread_create(&rn->th, NULL, watchdog, rn);
	}
	int rc = wh_exec(rn->conn, "begin transaction read only", e);
	if (!rc) {
		rn->in_tx = true;
		if (server_timeout)
			rc = wh_exec(rn->conn, buf_cstr(&b), e);
	}
	buf_free(&b);
	return rc;
}

static void run_end(struct run *rn)
{
	if (rn->in_tx) {
		struct err ig = ERR_INIT;
		wh_rollback(rn->conn, &ig); /* read only: nothing to undo */
		err_clear(&ig);
		rn->in_tx = false;
	}
	if (rn->tok) {
		if (rn->watching) {
			pthread_mutex_lock(&rn->mu);
			rn->done = true;
			pthread_cond_signal(&rn->cv);
			pthread_mutex_unlock(&rn->mu);
			pthread_join(rn->th, NULL);
		}
		wh_conn_set_cancel(rn->conn, NULL);
		cancel_free(rn->tok);
		rn->tok = NULL;
		pthread_cond_destroy(&rn->cv);
		pthread_mutex_destroy(&rn->mu);
	}
}

static int query(struct run *rn, struct qb *q, struct wh_result **res, struct err *e)
{
	int rc = wh_query(rn->conn, buf_cstr(&q->sql), q->params, q->np, res, e);
	if (rc && rc != ING_ECONNECT && rc != ING_ECANCELED && rc != ING_ETIMEOUT)
		rc = ING_EDB;
	return rc;
}

/* ---------------------------------------------------------------- JSON */

static void value_json(struct jw *w, const struct wh_value *v, struct buf *tmp)
{
	buf_reset(tmp);
	re_value_json(v, tmp);
	jw_raw(w, buf_cstr(tmp));
}

static void rows_json(struct jw *w, const struct wh_result *r, size_t first, size_t ncols,
		      size_t max)
{
	struct buf tmp = BUF_INIT;
	jw_arr_begin(w);
	for (size_t i = 0; i < r->nrows && i < max; i++) {
		jw_arr_begin(w);
		for (size_t c = first; c < first + ncols; c++)
			value_json(w, wh_cell(r, i, c), &tmp);
		jw_arr_end(w);
	}
	jw_arr_end(w);
	buf_free(&tmp);
}

static void col_json(struct jw *w, const char *name, const char *label, const char *type,
		     const char *format)
{
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "label");
	jw_str(w, label);
	jw_key(w, "type");
	jw_str(w, type);
	if (format) {
		jw_key(w, "format");
		jw_str(w, format);
	}
	jw_obj_end(w);
}

static void sql_json(struct jw *w, const struct qb *q)
{
	jw_key(w, "sql");
	jw_str(w, buf_cstr(&q->sql));
	jw_key(w, "params");
	jw_arr_begin(w);
	struct buf tmp = BUF_INIT;
	for (size_t i = 0; i < q->np; i++)
		value_json(w, &q->params[i], &tmp);
	buf_free(&tmp);
	jw_arr_end(w);
}

static void query_json(struct jw *w, const struct qb *q)
{
	jw_obj_begin(w);
	sql_json(w, q);
	jw_obj_end(w);
}

/* ---------------------------------------------------------------- tiles */

static void unfiltered_item(struct jw *w, const struct dash_view *v, const char *name,
			    const char *label)
{
	const char *why = dash__view_unfiltered(v, name);
	jw_obj_begin(w);
	jw_key(w, "filter");
	jw_str(w, name);
	jw_key(w, "label");
	jw_str(w, label);
	jw_key(w, "reason");
	if (why) {
		jw_str(w, why);
	} else {
		char *s = !strcmp(name, "date")
				  ? xasprintf("%s has no time column", v->label)
				  : xasprintf("%s has no %s", v->label, label);
		jw_str(w, s);
		free(s);
	}
	jw_obj_end(w);
}

/* "not_filtered_by": the request's active filters the tile's view cannot
 * apply (a date range without a time column, a dimension it lacks), each
 * with its label and why (the view's `unfiltered:`, else "V has no D"):
 * the page tells the user the tile ignores them, never silently. */
static void unfiltered_json(struct jw *w, const struct dash_tile *t, const struct dq_req *r)
{
	jw_key(w, "not_filtered_by");
	jw_arr_begin(w);
	if (r->has_range && !t->view->time)
		unfiltered_item(w, t->view, "date", r->date_label ? r->date_label : "Date");
	for (size_t i = 0; i < r->nfilters; i++)
		if (!r->filters[i].dim && r->filters[i].nvals)
			unfiltered_item(w, t->view, r->filters[i].name, r->filters[i].label);
	jw_arr_end(w);
}

/* Build the tile's main query into q (dims/measures in column order).
 * cap: rows to fetch (0 = none). */
static void build_main(struct qb *q, const struct dash_tile *t, const struct dq_req *r,
		       struct dates *ds, size_t cap)
{
	size_t nm = t->nmeasures;
	switch (t->type) {
	case T_KPI:
	case T_FUNNEL:
		buf_puts(&q->sql, "select ");
		for (size_t i = 0; i < nm; i++)
			buf_printf(&q->sql, "%s(%s)", i ? ", " : "", t->measures[i]->expr);
		buf_puts(&q->sql, " from ");
		rel(q);
		where(q, r, r->has_range, r->from, r->to, ds, 0);
		break;
	case T_LINE:
	case T_AREA:
		buf_puts(&q->sql, "select ");
		bucket_sql(q, r->grain);
		measures_sql(q, t);
		buf_puts(&q->sql, " from ");
		rel(q);
		where(q, r, r->has_range, r->from, r->to, ds, 0);
		buf_puts(&q->sql, " group by 1 order by 1");
		break;
	case T_PIE:
	case T_DONUT:
	case T_BAR: {
		const struct dash_dim *d = t->dims[0];
		const struct dash_dim *bd = t->type == T_BAR ? t->breakdown : NULL;
		const char *str = wh_sql_macro_type(wh_db_adapter(q->db), WH_SQLT_STRING);
		bool pie = t->type != T_BAR;
		/* ingot_t: one row per dimension value, from one scan and one
		 * group by, ranked by the sort key (the first measure,
		 * descending, or the bar's sort: its dimension or a measure
		 * of the view); ties by value. With no breakdown it also
		 * carries the measures, so the top N need no second pass. */
		buf_puts(&q->sql, "with ingot_t as (select ingot_g.*, row_number() over (order by "
				  "ingot_s ");
		buf_puts(&q->sql, pie || !t->bar_sort || t->sort_desc ? "desc" : "asc");
		buf_puts(&q->sql, " nulls last, ingot_d nulls last) as ingot_rk from (select ");
		dim_sql(q, d);
		buf_puts(&q->sql, " as ingot_d, ");
		if (!pie && t->bar_sort && !strcmp(t->bar_sort, "ingot_d"))
			dim_sql(q, d);
		else
			buf_printf(&q->sql, "(%s)",
				   !pie && t->bar_sort ? t->bar_sort : t->measures[0]->expr);
		buf_puts(&q->sql, " as ingot_s");
		if (!bd)
			for (size_t i = 0; i < nm; i++)
				buf_printf(&q->sql, ", (%s) as ingot_m%zu", t->measures[i]->expr, i);
		buf_puts(&q->sql, " from ");
		rel(q);
		where(q, r, r->has_range, r->from, r->to, ds, 0);
		buf_puts(&q->sql, " group by 1) ingot_g) ");
		if (bd) {
			/* the rows of the top N values, split by the breakdown:
			 * a second scan, joined to the N ranked values */
			buf_puts(&q->sql, "select ");
			dim_sql(q, d);
			buf_puts(&q->sql, ", ");
			dim_sql(q, bd);
			measures_sql(q, t);
			buf_puts(&q->sql, " from ");
			rel(q);
			buf_puts(&q->sql, " join (select ingot_d, ingot_rk from ingot_t where ingot_rk <= ");
			qb_param(q, wh_int(t->top));
			buf_puts(&q->sql, ") ingot_n on ");
			dim_sql(q, d);
			buf_puts(&q->sql, " is not distinct from ingot_n.ingot_d");
			where(q, r, r->has_range, r->from, r->to, ds, 0);
			buf_puts(&q->sql, " group by 1, 2, ingot_n.ingot_rk order by ingot_n.ingot_rk, 2 "
					  "nulls last");
			break;
		}
		buf_puts(&q->sql, "select ingot_o");
		for (size_t i = 0; i < nm; i++)
			buf_printf(&q->sql, ", ingot_m%zu", i);
		if (!pie) {
			buf_puts(&q->sql, " from (select ingot_d as ingot_o");
			for (size_t i = 0; i < nm; i++)
				buf_printf(&q->sql, ", ingot_m%zu", i);
			buf_puts(&q->sql, ", ingot_rk from ingot_t where ingot_rk <= ");
			qb_param(q, wh_int(t->top));
			buf_puts(&q->sql, ") ingot_u order by ingot_rk");
			break;
		}
		/* Others: the rows of every value past N, aggregated again
		 * (never the per-value results summed, so distinct counts
		 * and ratios stay right); present only when such rows exist.
		 * top comes from the file: a number, written inline. */
		buf_printf(&q->sql, " from (select cast(ingot_d as %s) as ingot_o", str);
		for (size_t i = 0; i < nm; i++)
			buf_printf(&q->sql, ", ingot_m%zu", i);
		buf_printf(&q->sql, ", ingot_rk from ingot_t where ingot_rk <= %d union all select "
				    "'Others'",
			   t->top);
		measures_sql(q, t);
		buf_printf(&q->sql, ", %d from ", t->top + 1);
		rel(q);
		buf_puts(&q->sql, where(q, r, r->has_range, r->from, r->to, ds, 0) ? " and" : " where");
		buf_printf(&q->sql, " not exists (select 1 from ingot_t where ingot_rk <= %d and "
				    "ingot_t.ingot_d is not distinct from ",
			   t->top);
		dim_sql(q, d);
		buf_puts(&q->sql, ") having count(*) > 0) ingot_u order by ingot_rk");
		break;
	}
	case T_TABLE:
		buf_puts(&q->sql, "select ");
		for (size_t i = 0; i < t->ndims; i++) {
			if (i)
				buf_puts(&q->sql, ", ");
			dim_sql(q, t->dims[i]);
		}
		if (!t->ndims)
			buf_printf(&q->sql, "(%s)", t->measures[0]->expr);
		for (size_t i = t->ndims ? 0 : 1; i < nm; i++)
			buf_printf(&q->sql, ", (%s)", t->measures[i]->expr);
		buf_puts(&q->sql, " from ");
		rel(q);
		where(q, r, r->has_range, r->from, r->to, ds, 0);
		if (t->ndims) {
			buf_puts(&q->sql, " group by ");
			for (size_t i = 0; i < t->ndims; i++)
				buf_printf(&q->sql, "%s%zu", i ? ", " : "", i + 1);
			buf_puts(&q->sql, " order by ");
			if (r->sort_col >= 0)
				buf_printf(&q->sql, "%d %s nulls last, ", r->sort_col + 1,
					   r->sort_desc ? "desc" : "asc");
			for (size_t i = 0; i < t->ndims; i++)
				buf_printf(&q->sql, "%s%zu nulls last", i ? ", " : "", i + 1);
		}
		break;
	case T_HEATMAP:
		buf_puts(&q->sql, "select ");
		dim_sql(q, t->x);
		buf_puts(&q->sql, ", ");
		dim_sql(q, t->y);
		measures_sql(q, t);
		buf_puts(&q->sql, " from ");
		rel(q);
		where(q, r, r->has_range, r->from, r->to, ds, 0);
		buf_puts(&q->sql, " group by 1, 2 order by 2 nulls last, 1 nulls last");
		break;
	case T_TEXT:
		break;
	}
	if (cap) {
		buf_puts(&q->sql, " limit ");
		qb_param(q, wh_int((int64_t)cap));
	}
}

/* A table's page for the JSON answer, in one query: the groups of the page
 * (sorted, limit/offset bound) with the number of groups of the whole
 * filtered result beside each row (count(*) over (), computed after the
 * group by and before the limit: no second group by for the pager's total).
 * With compare, the previous period's measures of the page's groups follow
 * (aggregated over the rows of those groups only: the previous period is
 * joined to the page first), NULL where a group has no row then.
 * Columns: dims, measures, total, [previous measures]. */
static void build_table(struct qb *q, const struct dash_tile *t, const struct dq_req *r,
			struct dates *ds, bool prev)
{
	size_t nd = t->ndims, nm = t->nmeasures;
	if (prev)
		buf_puts(&q->sql, "with ingot_c as (");
	buf_puts(&q->sql, "select ");
	for (size_t i = 0; i < nd; i++) {
		if (i)
			buf_puts(&q->sql, ", ");
		dim_sql(q, t->dims[i]);
		if (prev)
			buf_printf(&q->sql, " as ingot_d%zu", i);
	}
	for (size_t i = 0; i < nm; i++) {
		buf_printf(&q->sql, "%s(%s)", i || nd ? ", " : "", t->measures[i]->expr);
		if (prev)
			buf_printf(&q->sql, " as ingot_m%zu", i);
	}
	buf_puts(&q->sql, ", count(*) over () as ingot_n from ");
	rel(q);
	where(q, r, r->has_range, r->from, r->to, ds, 0);
	struct buf order = BUF_INIT;
	if (nd) {
		buf_puts(&q->sql, " group by ");
		for (size_t i = 0; i < nd; i++)
			buf_printf(&q->sql, "%s%zu", i ? ", " : "", i + 1);
		buf_puts(&order, " order by ");
		if (r->sort_col >= 0)
			buf_printf(&order, "%d %s nulls last, ", r->sort_col + 1, r->sort_desc ? "desc" : "asc");
		for (size_t i = 0; i < nd; i++)
			buf_printf(&order, "%s%zu nulls last", i ? ", " : "", i + 1);
		buf_puts(&q->sql, buf_cstr(&order));
	}
	buf_puts(&q->sql, " limit ");
	qb_param(q, wh_int(r->limit));
	buf_puts(&q->sql, " offset ");
	qb_param(q, wh_int(r->offset));
	if (prev) {
		int32_t len = r->to - r->from;
		buf_puts(&q->sql, ") select ingot_c.*");
		for (size_t i = 0; i < nm; i++)
			buf_printf(&q->sql, ", ingot_p.ingot_m%zu", i);
		buf_puts(&q->sql, " from ingot_c left join (select ");
		for (size_t i = 0; i < nd; i++)
			buf_printf(&q->sql, "ingot_k.ingot_d%zu, ", i);
		for (size_t i = 0; i < nm; i++)
			buf_printf(&q->sql, "%s(%s) as ingot_m%zu", i ? ", " : "", t->measures[i]->expr, i);
		buf_puts(&q->sql, " from ");
		rel(q);
		if (nd) {
			buf_puts(&q->sql, " join (select ");
			for (size_t i = 0; i < nd; i++)
				buf_printf(&q->sql, "%singot_d%zu", i ? ", " : "", i);
			buf_puts(&q->sql, " from ingot_c) ingot_k on ");
			for (size_t i = 0; i < nd; i++) {
				if (i)
					buf_puts(&q->sql, " and ");
				dim_sql(q, t->dims[i]);
				buf_printf(&q->sql, " is not distinct from ingot_k.ingot_d%zu", i);
			}
		}
		where(q, r, true, r->from - len, r->from, ds, 2);
		if (nd) {
			buf_puts(&q->sql, " group by ");
			for (size_t i = 0; i < nd; i++)
				buf_printf(&q->sql, "%s%zu", i ? ", " : "", i + 1);
		}
		buf_puts(&q->sql, ") ingot_p on ");
		if (!nd)
			buf_puts(&q->sql, "true");
		for (size_t i = 0; i < nd; i++)
			buf_printf(&q->sql, "%singot_c.ingot_d%zu is not distinct from ingot_p.ingot_d%zu",
				   i ? " and " : "", i, i);
		buf_puts(&q->sql, buf_cstr(&order));
	}
	buf_free(&order);
}

/* The columns of the main query, as JSON. */
static void columns_json(struct jw *w, const struct dash_tile *t)
{
	jw_key(w, "columns");
	jw_arr_begin(w);
	switch (t->type) {
	case T_LINE:
	case T_AREA:
		col_json(w, "t", "Date", "time", NULL);
		break;
	case T_PIE:
	case T_DONUT:
	case T_BAR:
		col_json(w, t->dims[0]->name, t->dims[0]->label, "dimension", NULL);
		if (t->breakdown)
			col_json(w, t->breakdown->name, t->breakdown->label, "dimension", NULL);
		break;
	case T_TABLE:
		for (size_t i = 0; i < t->ndims; i++)
			col_json(w, t->dims[i]->name, t->dims[i]->label, "dimension", NULL);
		break;
	case T_HEATMAP:
		col_json(w, t->x->name, t->x->label, "dimension", NULL);
		col_json(w, t->y->name, t->y->label, "dimension", NULL);
		break;
	case T_FUNNEL:
		col_json(w, "step", "Step", "dimension", NULL);
		col_json(w, "value", "Value", "measure",
			 t->nmeasures ? t->measures[0]->format : NULL);
		jw_arr_end(w);
		return;
	default:
		break;
	}
	for (size_t i = 0; i < t->nmeasures; i++)
		col_json(w, t->measures[i]->name, t->measures[i]->label, "measure",
			 t->measures[i]->format);
	jw_arr_end(w);
}

int dq_tile_json(struct wh_conn *conn, const struct dash_tile *t, const struct dq_req *r,
		 const struct dq_opts *o, struct buf *out, struct err *e)
{
	struct run rn = {.conn = conn, .o = o};
	struct qb q = {.db = conn ? wh_conn_db(conn) : NULL, .v = t->view};
	struct qb q2 = {.db = q.db, .v = t->view};
	struct wh_result *res = NULL, *res2 = NULL;
	struct dates ds;
	struct jw w, qw;
	int rc = 0;
	/* every query the tile ran, in order ("queries": View SQL, bench),
	 * opened below once a query will run */
	struct buf qs = BUF_INIT;
	jw_init(&w, out, false);
	jw_obj_begin(&w);
	jw_key(&w, "tile");
	jw_str(&w, t->name);
	jw_key(&w, "type");
	jw_str(&w, t->type_name);
	if (t->type == T_TEXT) {
		jw_key(&w, "columns");
		jw_arr_begin(&w);
		jw_arr_end(&w);
		jw_key(&w, "rows");
		jw_arr_begin(&w);
		jw_arr_end(&w);
		jw_key(&w, "total");
		jw_int(&w, 0);
		jw_key(&w, "markdown");
		jw_str(&w, t->markdown);
		jw_obj_end(&w);
		return 0;
	}
	if (!t->view->schema)
		return err_set(e, ING_ECONFIG,
			       "tile '%s': the model of view '%s' has no relation (run `ingot dashboards "
			       "check`)",
			       t->name, t->view->name);
	unfiltered_json(&w, t, r);
	jw_init(&qw, &qs, false);
	jw_arr_begin(&qw);
	if ((rc = run_begin(&rn, e)))
		goto done;
	size_t cap = t->type == T_TABLE ? 0 : o->row_cap + 1;
	bool table_prev = t->type == T_TABLE && r->compare && r->has_range && t->view->time;
	if (t->type == T_TABLE)
		build_table(&q, t, r, &ds, table_prev);
	else
		build_main(&q, t, r, &ds, cap);
	if ((rc = query(&rn, &q, &res, e)))
		goto done;
	query_json(&qw, &q);
	columns_json(&w, t);
	jw_key(&w, "rows");
	size_t total = res->nrows;
	bool truncated = false;
	if (t->type == T_FUNNEL) {
		struct buf tmp = BUF_INIT;
		jw_arr_begin(&w);
		for (size_t i = 0; i < t->nmeasures && res->nrows; i++) {
			jw_arr_begin(&w);
			jw_str(&w, t->measures[i]->label);
			value_json(&w, wh_cell(res, 0, i), &tmp);
			jw_arr_end(&w);
		}
		jw_arr_end(&w);
		buf_free(&tmp);
		total = t->nmeasures;
	} else {
		if (cap && res->nrows > o->row_cap) {
			truncated = true;
			total = o->row_cap;
		}
		rows_json(&w, res, 0, t->type == T_TABLE ? t->ndims + t->nmeasures : res->ncols,
			  cap ? o->row_cap : res->nrows);
	}
	if (t->type == T_TABLE && res->nrows) {
		/* the total came with the rows (count(*) over ()) */
		const struct wh_value *n = wh_cell(res, 0, t->ndims + t->nmeasures);
		total = n->type == WH_NULL ? 0 : (size_t)n->v.i;
	} else if (t->type == T_TABLE && r->offset == 0) {
		total = 0; /* no group at all */
	} else if (t->type == T_TABLE) {
		/* past the last page: the total of the groups of the whole
		 * filtered result, asked apart */
		buf_puts(&q2.sql, "select count(*) from (select ");
		for (size_t i = 0; i < t->ndims; i++) {
			if (i)
				buf_puts(&q2.sql, ", ");
			dim_sql(&q2, t->dims[i]);
		}
		if (!t->ndims)
			buf_puts(&q2.sql, "1");
		buf_puts(&q2.sql, " from ");
		rel(&q2);
		where(&q2, r, r->has_range, r->from, r->to, &ds, 0);
		if (t->ndims) {
			buf_puts(&q2.sql, " group by ");
			for (size_t i = 0; i < t->ndims; i++)
				buf_printf(&q2.sql, "%s%zu", i ? ", " : "", i + 1);
		} else {
			buf_puts(&q2.sql, " limit 1");
		}
		buf_puts(&q2.sql, ") as ingot_groups");
		if ((rc = query(&rn, &q2, &res2, e)))
			goto done;
		query_json(&qw, &q2);
		total = res2->nrows ? (size_t)wh_cell(res2, 0, 0)->v.i : 0;
	}
	if (t->type == T_TABLE) {
		if (table_prev) {
			/* the previous period's measures, one row per row above */
			int32_t len = r->to - r->from;
			char d[16];
			jw_key(&w, "previous");
			jw_obj_begin(&w);
			jw_key(&w, "from");
			date_format(r->from - len, d);
			jw_str(&w, d);
			jw_key(&w, "to");
			date_format(r->from - 1, d);
			jw_str(&w, d);
			jw_key(&w, "rows");
			rows_json(&w, res, t->ndims + t->nmeasures + 1, t->nmeasures, res->nrows);
			jw_obj_end(&w);
		}
		jw_key(&w, "offset");
		jw_int(&w, r->offset);
		jw_key(&w, "limit");
		jw_int(&w, r->limit);
		jw_key(&w, "sort");
		if (r->sort_col < 0)
			jw_null(&w);
		else {
			int c = r->sort_col;
			const char *nm = c < (int)t->ndims ? t->dims[c]->name
							   : t->measures[c - (int)t->ndims]->name;
			char *s = xasprintf("%s%s", r->sort_desc ? "-" : "", nm);
			jw_str(&w, s);
			free(s);
		}
	}
	jw_key(&w, "total");
	jw_int(&w, (int64_t)total);
	if (truncated) {
		jw_key(&w, "truncated");
		jw_bool(&w, true);
	}
	if (t->type == T_LINE || t->type == T_AREA) {
		jw_key(&w, "grain");
		jw_str(&w, r->grain);
	}
	if ((t->type == T_KPI && r->has_range) || (r->compare && r->has_range && t->type != T_TABLE)) {
		/* the previous period of equal length, just before */
		int32_t len = r->to - r->from;
		struct dq_req pr = *r;
		pr.from = r->from - len;
		pr.to = r->from;
		qb_reset(&q2);
		struct dates ds2;
		build_main(&q2, t, &pr, &ds2, cap);
		wh_result_free(res2);
		res2 = NULL;
		if ((rc = query(&rn, &q2, &res2, e)))
			goto done;
		query_json(&qw, &q2);
		jw_key(&w, "previous");
		jw_obj_begin(&w);
		jw_key(&w, "from");
		char d[16];
		date_format(pr.from, d);
		jw_str(&w, d);
		jw_key(&w, "to");
		date_format(pr.to - 1, d);
		jw_str(&w, d);
		jw_key(&w, "rows");
		rows_json(&w, res2, 0, res2->ncols, cap ? o->row_cap : res2->nrows);
		jw_obj_end(&w);
	}
	if (t->type == T_KPI) {
		/* the sparkline: the measure per day (per week past 120 days) */
		bool weekly = !r->has_range || r->to - r->from > 120;
		qb_reset(&q2);
		buf_puts(&q2.sql, "select ");
		bucket_sql(&q2, weekly ? "week" : "day");
		buf_printf(&q2.sql, ", (%s) from ", t->measures[0]->expr);
		rel(&q2);
		where(&q2, r, r->has_range, r->from, r->to, &ds, 0);
		buf_puts(&q2.sql, " group by 1 order by 1 limit ");
		qb_param(&q2, wh_int((int64_t)o->row_cap));
		wh_result_free(res2);
		res2 = NULL;
		if ((rc = query(&rn, &q2, &res2, e)))
			goto done;
		query_json(&qw, &q2);
		jw_key(&w, "sparkline");
		rows_json(&w, res2, 0, res2->ncols, res2->nrows);
	}
	if (r->has_range) {
		char d[16];
		jw_key(&w, "from");
		date_format(r->from, d);
		jw_str(&w, d);
		jw_key(&w, "to");
		date_format(r->to - 1, d);
		jw_str(&w, d);
	}
	sql_json(&w, &q);
	jw_arr_end(&qw);
	jw_key(&w, "queries");
	jw_raw(&w, buf_cstr(&qs));
	jw_obj_end(&w);
done:
	buf_free(&qs);
	run_end(&rn);
	wh_result_free(res);
	wh_result_free(res2);
	qb_reset(&q);
	qb_reset(&q2);
	buf_free(&q.sql);
	buf_free(&q2.sql);
	return rc;
}

/* ---------------------------------------------------------------- CSV */

void dash_csv_field(struct buf *out, const char *s, size_t n)
{
	bool lead = n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
			  s[0] == '\r');
	bool quote = lead;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		buf_add(out, s, n);
		return;
	}
	buf_putc(out, '"');
	if (lead)
		buf_putc(out, '\'');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_putc(out, '"');
		buf_putc(out, s[i]);
	}
	buf_putc(out, '"');
}

int dq_tile_csv(struct wh_conn *conn, const struct dash_tile *t, const struct dq_req *r,
		const struct dq_opts *o, int (*write)(void *arg, const char *p, size_t n), void *arg,
		struct err *e)
{
	if (t->type == T_TEXT)
		return err_set(e, ING_EINVAL, "tile '%s' is text: it has no rows to export", t->name);
	if (!t->view->schema)
		return err_set(e, ING_ECONFIG,
			       "tile '%s': the model of view '%s' has no relation (run `ingot dashboards "
			       "check`)",
			       t->name, t->view->name);
	struct run rn = {.conn = conn, .o = o};
	struct qb q = {.db = wh_conn_db(conn), .v = t->view};
	struct wh_result *res = NULL;
	struct dates ds;
	struct buf b = BUF_INIT, cell = BUF_INIT;
	int rc = run_begin(&rn, e);
	if (rc)
		goto done;
	build_main(&q, t, r, &ds, 0);
	if ((rc = query(&rn, &q, &res, e)))
		goto done;
	/* header: the columns' names */
	VEC(const char *) names = VEC_INIT;
	if (t->type == T_LINE || t->type == T_AREA)
		vec_push(&names, "t");
	else if (t->type == T_HEATMAP) {
		vec_push(&names, t->x->name);
		vec_push(&names, t->y->name);
	} else if (t->type != T_KPI && t->type != T_FUNNEL) {
		for (size_t i = 0; i < t->ndims; i++)
			vec_push(&names, t->dims[i]->name);
		if (t->breakdown)
			vec_push(&names, t->breakdown->name);
	}
	for (size_t i = 0; i < t->nmeasures; i++)
		vec_push(&names, t->measures[i]->name);
	for (size_t i = 0; i < names.len; i++) {
		if (i)
			buf_putc(&b, ',');
		dash_csv_field(&b, names.items[i], strlen(names.items[i]));
	}
	buf_putc(&b, '\n');
	vec_free(&names);
	for (size_t i = 0; i < res->nrows && !rc; i++) {
		for (size_t c = 0; c < res->ncols; c++) {
			if (c)
				buf_putc(&b, ',');
			const struct wh_value *v = wh_cell(res, i, c);
			buf_reset(&cell);
			wh_value_text(v, &cell);
			if (v->type == WH_TEXT || v->type == WH_OTHER)
				dash_csv_field(&b, buf_cstr(&cell), cell.len);
			else /* numbers and dates: never formulas ("-3" stays a number) */
				buf_add(&b, buf_cstr(&cell), cell.len);
		}
		buf_putc(&b, '\n');
		if (b.len >= 65536) {
			if (write(arg, b.data, b.len))
				rc = err_set(e, ING_EIO, "the CSV could not be written (the client went away?)");
			buf_reset(&b);
		}
	}
	if (!rc && b.len && write(arg, b.data, b.len))
		rc = err_set(e, ING_EIO, "the CSV could not be written (the client went away?)");
done:
	run_end(&rn);
	wh_result_free(res);
	qb_reset(&q);
	buf_free(&q.sql);
	buf_free(&b);
	buf_free(&cell);
	return rc;
}

int dq_latest_day(struct wh_conn *conn, const struct dash_view *v, const struct dq_opts *o,
		  int32_t *day, bool *found, struct err *e)
{
	struct run rn = {.conn = conn, .o = o};
	struct qb q = {.db = wh_conn_db(conn), .v = v};
	struct wh_result *res = NULL;
	*found = false;
	int rc = run_begin(&rn, e);
	if (rc)
		goto done;
	buf_puts(&q.sql, "select cast(max(");
	ident(&q, v->time);
	buf_puts(&q.sql, ") as date) from ");
	rel(&q);
	if ((rc = query(&rn, &q, &res, e)))
		goto done;
	if (res->nrows == 1 && res->ncols == 1 && wh_cell(res, 0, 0)->type == WH_DATE) {
		*day = wh_cell(res, 0, 0)->v.date;
		*found = true;
	}
done:
	run_end(&rn);
	wh_result_free(res);
	qb_reset(&q);
	buf_free(&q.sql);
	return rc;
}

int dq_filter_values(struct wh_conn *conn, const struct dash_view *v, const struct dash_dim *d,
		     const char *prefix, const struct dq_opts *o, struct buf *out, struct err *e)
{
	struct run rn = {.conn = conn, .o = o};
	struct qb q = {.db = wh_conn_db(conn), .v = v};
	struct wh_result *res = NULL;
	const char *str = wh_sql_macro_type(wh_db_adapter(q.db), WH_SQLT_STRING);
	int rc = run_begin(&rn, e);
	if (rc)
		goto done;
	buf_printf(&q.sql, "select v from (select distinct cast(");
	dim_sql(&q, d);
	buf_printf(&q.sql, " as %s) as v from ", str);
	if (d->rel) /* a related model's dimension: its values are there */
		wh_relation_sql(q.db, d->rel->schema, d->rel->alias, &q.sql);
	else
		rel(&q);
	buf_puts(&q.sql, ") as ingot_v where v is not null");
	if (prefix && *prefix) {
		/* a prefix match without LIKE's wildcards: compare the start */
		buf_printf(&q.sql, " and substr(v, 1, length(cast(");
		qb_param(&q, wh_text(prefix));
		buf_printf(&q.sql, " as %s))) = cast(", str);
		qb_param(&q, wh_text(prefix));
		buf_printf(&q.sql, " as %s)", str);
	}
	buf_puts(&q.sql, " order by 1 limit 200");
	if ((rc = query(&rn, &q, &res, e)))
		goto done;
	struct jw w;
	jw_init(&w, out, false);
	jw_obj_begin(&w);
	jw_key(&w, "values");
	jw_arr_begin(&w);
	for (size_t i = 0; i < res->nrows; i++) {
		const struct wh_value *x = wh_cell(res, i, 0);
		jw_strn(&w, x->v.s.p, x->v.s.n);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
done:
	run_end(&rn);
	wh_result_free(res);
	qb_reset(&q);
	buf_free(&q.sql);
	return rc;
}
