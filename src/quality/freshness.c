/*
 * quality/freshness.c — source freshness (see freshness.h).
 */
#include "quality/freshness.h"

#include "core/buf.h"
#include "core/dtime.h"

#include <string.h>

int64_t freshness_threshold_us(const struct ynode *f, const char *key)
{
	const struct ynode *t = ymap_get(f, key);
	if (!t || t->type != Y_MAP)
		return 0;
	int64_t count = 0;
	const struct ynode *c = ymap_get(t, "count");
	if (!c || yscalar_int(c, &count) || count <= 0)
		return 0;
	const char *period = ymap_str(t, "period");
	int64_t unit = 3600LL * 1000000;
	if (period && !strcmp(period, "minute"))
		unit = 60LL * 1000000;
	else if (period && !strcmp(period, "day"))
		unit = 86400LL * 1000000;
	return count * unit;
}

int64_t freshness_value_us(const struct wh_value *v)
{
	switch (v->type) {
	case WH_TIMESTAMP:
	case WH_DATETIME:
		return v->v.ts;
	case WH_DATE:
		return (int64_t)v->v.date * 86400LL * 1000000LL;
	case WH_TEXT: {
		int64_t us;
		if (!ts_parse(v->v.s.p, v->v.s.n, &us))
			return us;
		int32_t d;
		if (!date_parse(v->v.s.p, v->v.s.n, &d))
			return (int64_t)d * 86400LL * 1000000LL;
		return 0;
	}
	default:
		return 0;
	}
}

static void threshold(const struct ynode *f, const char *key, int64_t *count, const char **period)
{
	const struct ynode *t = ymap_get(f, key);
	*count = 0;
	*period = NULL;
	if (!t || t->type != Y_MAP || freshness_threshold_us(f, key) == 0)
		return;
	yscalar_int(ymap_get(t, "count"), count);
	*period = ymap_str(t, "period");
}

int freshness_check(struct wh_conn *c, const struct source *s, const struct src_table *t,
		    bool have_files, int64_t now, struct arena *a, struct freshness_result *x,
		    struct err *e)
{
	memset(x, 0, sizeof(*x));
	const struct ynode *f = t->freshness;
	x->warn_us = f ? freshness_threshold_us(f, "warn_after") : 0;
	x->error_us = f ? freshness_threshold_us(f, "error_after") : 0;
	if (f) {
		threshold(f, "warn_after", &x->warn_count, &x->warn_period);
		threshold(f, "error_after", &x->error_count, &x->error_period);
		x->filter = ymap_str(f, "filter");
	}
	x->checked_us = now;
	struct wh_result *r = NULL;
	int qrc = 0;
	if (t->loaded_at_field) {
		struct buf sql = BUF_INIT;
		buf_puts(&sql, "SELECT max(");
		wh_quote_ident(wh_conn_db(c), t->loaded_at_field, &sql);
		buf_puts(&sql, ") FROM ");
		wh_relation_sql(wh_conn_db(c), s->schema, t->identifier, &sql);
		if (x->filter && *x->filter)
			buf_printf(&sql, " WHERE %s", x->filter);
		qrc = wh_query(c, buf_cstr(&sql), NULL, 0, &r, e);
		buf_free(&sql);
	} else if (have_files) {
		struct wh_value v[2] = {wh_text(s->name), wh_text(t->name)};
		qrc = wh_query(c,
			       "SELECT max(loaded_at) FROM _ingot.loaded_files WHERE source = $1 AND "
			       "table_name = $2",
			       v, 2, &r, e);
	}
	if (qrc) {
		x->error = arena_strdup(a, e->msg ? e->msg : "the query failed");
	} else if (r && r->nrows == 1 && wh_cell(r, 0, 0)->type != WH_NULL) {
		x->newest_us = freshness_value_us(wh_cell(r, 0, 0));
	}
	wh_result_free(r);
	int64_t age = x->newest_us ? now - x->newest_us : 0;
	if (!x->newest_us)
		x->status = x->warn_us || x->error_us ? "error" : "unknown";
	else if (x->error_us && age > x->error_us)
		x->status = "error";
	else if (x->warn_us && age > x->warn_us)
		x->status = "warn";
	else if (x->warn_us || x->error_us)
		x->status = "pass";
	else
		x->status = "none";
	return qrc;
}
