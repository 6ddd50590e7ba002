/*
 * dash/ctx.c — the long-lived dashboards context of a platform: the
 * current dash_set, the tile cache, and the JSON of the list and spec.
 *
 * Reload. Each call looks at the platform's project (acquire checks the
 * files at most once a second; dashboards/ is among them): when its
 * generation or the data epoch changed (a build may have made a model the
 * set could not check yet), dashboards/ is loaded and checked again
 * (columns and expressions through a connection of its own) and the new
 * set becomes current; callers holding the old one keep it until they release
 * it. A file with errors stays current too: its errors are in the list
 * and spec JSON ("errors"), and the tiles that did check still answer.
 *
 * Cache. A tile's JSON is kept under the sha256 of (dashboard, tile, the
 * normalized request, the set's generation, and the data versions of the
 * relations its view reads — the model's and, through views and ephemeral
 * models, what they read (dash_view.reads): core/relver.h). Each load bumps the versions
 * of the tables it loaded and each dbt node run its relation; a write
 * ingot cannot attribute (a hook, a run_query that is not a plain read, a
 * sql task) bumps them all. A build by another process rewrites
 * target/run_results.json: the relations it names are bumped when this
 * process sees the file change (rr_sync). So a load or build invalidates
 * exactly the tiles over the relations it wrote. The hash is also the
 * strong ETag. Entries are evicted least recently used first when the
 * bytes exceed the budget.
 *
 * Threads: one mutex for the set and the cache; queries run outside it,
 * each on its own pooled connection.
 */
#include "dash/dash.h"
#include "dash/dash_int.h"
#include "dash/query.h"

#include "config/project.h"
#include "core/digest.h"
#include "core/dtime.h"
#include "core/json.h"
#include "core/log.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/relver.h"
#include "platform/platform.h"
#include "warehouse/warehouse.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct centry {
	char *key;
	char *json;
	size_t len;
	struct centry *prev, *next; /* most recent first */
};

struct dash_ctx {
	struct platform *pl;
	struct dq_opts qo;
	size_t cache_max;
	pthread_mutex_t mu;
	struct dash_set *cur;
	unsigned gen;      /* the platform generation cur was loaded from */
	uint64_t epoch;    /* ... and the data epoch */
	bool loaded;
	/* target/run_results.json as last seen (another process's build
	 * rewrites it: the relations it names have moved) */
	long long rr_size, rr_sec;
	long rr_nsec;
	bool rr_seen;
	/* engines several processes write (PostgreSQL): what _ingot.loads and
	 * _ingot.build_state said at the last poll, relation -> signature */
	json_t *wv_seen;
	double wv_last; /* mono_seconds of the last poll */
	bool wv_busy;
	struct strmap cache; /* key -> struct centry * */
	struct centry *head, *tail;
	size_t bytes;
	/* tile answers from the cache / queried (for /metrics) */
	atomic_ullong hits, misses;
};

int dash_ctx_open(struct platform *pl, struct dash_ctx **out, struct err *e)
{
	return dash_ctx_open_opts(pl, NULL, out, e);
}

int dash_ctx_open_opts(struct platform *pl, const struct dash_ctx_opts *o, struct dash_ctx **out,
		       struct err *e)
{
	(void)e;
	struct dash_ctx *d = xcalloc(1, sizeof(*d));
	d->pl = pl;
	d->cache_max = o && o->cache_bytes ? o->cache_bytes : (size_t)64 << 20;
	d->qo.row_cap = o && o->row_cap ? o->row_cap : 100000;
	d->qo.statement_timeout_ms = o && o->statement_timeout_ms ? o->statement_timeout_ms : 30000;
	pthread_mutex_init(&d->mu, NULL);
	*out = d;
	return 0;
}

static void centry_free(void *p)
{
	struct centry *c = p;
	free(c->key);
	free(c->json);
	free(c);
}

void dash_ctx_close(struct dash_ctx *d)
{
	if (!d)
		return;
	if (d->cur && --d->cur->refs == 0)
		dash_set_free(d->cur);
	strmap_free(&d->cache, centry_free);
	json_decref(d->wv_seen);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

/* Load the set of the current project version (outside the mutex). */
static struct dash_set *load_set(struct dash_ctx *d, unsigned *gen, struct err *e)
{
	struct project *p = platform_project_acquire(d->pl);
	*gen = platform_project_generation(d->pl);
	if (!p) {
		err_set(e, ING_ECONFIG, "no dbt project in %s: dashboards need one (dbt_project.yml)",
			platform_dir(d->pl));
		return NULL;
	}
	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	struct err we = ERR_INIT;
	if (platform_db(d->pl, p, &db, &we) || wh_connect(db, &conn, &we)) {
		log_warn("dashboards: checked without the warehouse: %s", we.msg ? we.msg : "");
		conn = NULL;
	}
	err_clear(&we);
	struct dash_set *s = NULL;
	if (dash_load(p, conn, &s, e))
		s = NULL;
	if (conn)
		wh_disconnect(conn);
	platform_project_release(d->pl, p);
	return s;
}

struct dash_set *dash_ctx_set_acquire(struct dash_ctx *d, struct err *e)
{
	/* let the platform look at the files (throttled), then compare */
	platform_project_release(d->pl, platform_project_acquire(d->pl));
	unsigned g = platform_project_generation(d->pl);
	uint64_t ep = platform_data_epoch(d->pl);
	pthread_mutex_lock(&d->mu);
	if (d->loaded && d->gen == g && d->epoch == ep && d->cur) {
		struct dash_set *s = d->cur;
		s->refs++;
		pthread_mutex_unlock(&d->mu);
		return s;
	}
	pthread_mutex_unlock(&d->mu);
	unsigned lg = 0;
	struct dash_set *s = load_set(d, &lg, e);
	if (!s)
		return NULL;
	pthread_mutex_lock(&d->mu);
	if (!d->loaded || d->gen != lg || d->epoch != ep || !d->cur) {
		if (d->cur && --d->cur->refs == 0)
			dash_set_free(d->cur);
		s->refs = 1; /* the context's */
		d->cur = s;
		d->gen = lg;
		d->epoch = ep;
		d->loaded = true;
		size_t nd;
		const struct dash_diag *dg = dash_diags(s, &nd);
		for (size_t i = 0; i < nd; i++) {
			if (dg[i].warning)
				log_warn("%s:%d:%d: %s", dg[i].file, dg[i].line, dg[i].col, dg[i].message);
			else
				log_error("%s:%d:%d: %s", dg[i].file, dg[i].line, dg[i].col, dg[i].message);
		}
	} else {
		dash_set_free(s); /* another thread loaded it first */
	}
	s = d->cur;
	s->refs++;
	pthread_mutex_unlock(&d->mu);
	return s;
}

void dash_ctx_set_release(struct dash_ctx *d, struct dash_set *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&d->mu);
	if (--s->refs == 0)
		dash_set_free(s);
	pthread_mutex_unlock(&d->mu);
}

/* ---------------------------------------------------------------- JSON */

int dash_list_json(struct dash_ctx *d, struct buf *out, struct err *e)
{
	struct dash_set *s = dash_ctx_set_acquire(d, e);
	if (!s)
		return e->code ? e->code : ING_EFAIL;
	struct jw w;
	jw_init(&w, out, false);
	jw_obj_begin(&w);
	jw_key(&w, "dashboards");
	jw_arr_begin(&w);
	for (size_t i = 0; i < s->boards.len; i++) {
		const struct dash_board *b = s->boards.items[i];
		jw_obj_begin(&w);
		jw_key(&w, "name");
		jw_str(&w, b->name);
		jw_key(&w, "title");
		jw_str(&w, b->title);
		jw_key(&w, "pages");
		jw_arr_begin(&w);
		for (size_t p = 0; p < b->npages; p++) {
			jw_obj_begin(&w);
			jw_key(&w, "name");
			jw_str(&w, b->pages[p].name);
			jw_key(&w, "title");
			jw_str(&w, b->pages[p].title);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	dash_diags_json(s, &w);
	jw_obj_end(&w);
	dash_ctx_set_release(d, s);
	return 0;
}

static void names_json(struct jw *w, const char *key, const struct dash_dim *const *dims, size_t n)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, dims[i]->name);
		jw_key(w, "label");
		jw_str(w, dims[i]->label);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void tile_spec(struct jw *w, const struct dash_tile *t)
{
	jw_obj_begin(w);
	jw_key(w, "name");
	jw_str(w, t->name);
	jw_key(w, "type");
	jw_str(w, t->type_name);
	jw_key(w, "title");
	jw_str(w, t->title);
	jw_key(w, "width");
	jw_int(w, t->width);
	jw_key(w, "view");
	jw_str(w, t->view ? t->view->name : NULL);
	jw_key(w, "measures");
	jw_arr_begin(w);
	for (size_t i = 0; i < t->nmeasures; i++) {
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, t->measures[i]->name);
		jw_key(w, "label");
		jw_str(w, t->measures[i]->label);
		jw_key(w, "format");
		jw_str(w, t->measures[i]->format);
		if (t->measures[i]->ok_reason) {
			/* the acknowledged check warning, and why */
			jw_key(w, "pre_aggregated_ok");
			jw_str(w, t->measures[i]->ok_reason);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	names_json(w, "dimensions", t->dims, t->ndims);
	bool timed = t->type == T_LINE || t->type == T_AREA;
	jw_key(w, "grain");
	jw_str(w, timed ? t->grain : NULL);
	jw_key(w, "top");
	if (t->type == T_PIE || t->type == T_DONUT || t->type == T_BAR)
		jw_int(w, t->top);
	else
		jw_null(w);
	jw_key(w, "orientation");
	jw_str(w, t->orientation);
	jw_key(w, "breakdown");
	jw_str(w, t->breakdown ? t->breakdown->name : NULL);
	jw_key(w, "page_size");
	if (t->type == T_TABLE)
		jw_int(w, t->page_size);
	else
		jw_null(w);
	jw_key(w, "sort");
	if (t->sort_col >= 0) {
		int c = t->sort_col;
		const char *nm = c < (int)t->ndims ? t->dims[c]->name : t->measures[c - (int)t->ndims]->name;
		char *s = xasprintf("%s%s", t->sort_desc ? "-" : "", nm);
		jw_str(w, s);
		free(s);
	} else {
		jw_null(w);
	}
	jw_key(w, "x");
	jw_str(w, t->x ? t->x->name : NULL);
	jw_key(w, "y");
	jw_str(w, t->y ? t->y->name : NULL);
	jw_key(w, "markdown");
	jw_str(w, t->markdown);
	jw_key(w, "description");
	jw_str(w, t->description);
	jw_obj_end(w);
}

int dash_spec_json(struct dash_ctx *d, const char *dashboard, struct buf *out, struct err *e)
{
	struct dash_set *s = dash_ctx_set_acquire(d, e);
	if (!s)
		return e->code ? e->code : ING_EFAIL;
	const struct dash_board *b = dash__board(s, dashboard);
	if (!b) {
		dash_ctx_set_release(d, s);
		return err_set(e, ING_ENOTFOUND, "no dashboard named '%s'", dashboard);
	}
	struct jw w;
	jw_init(&w, out, false);
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, b->name);
	jw_key(&w, "title");
	jw_str(&w, b->title);
	jw_key(&w, "pages");
	jw_arr_begin(&w);
	for (size_t i = 0; i < b->npages; i++) {
		const struct dash_page *p = &b->pages[i];
		jw_obj_begin(&w);
		jw_key(&w, "name");
		jw_str(&w, p->name);
		jw_key(&w, "title");
		jw_str(&w, p->title);
		jw_key(&w, "anchor");
		jw_str(&w, b->anchor_latest ? "latest" : "today");
		jw_key(&w, "default_range");
		jw_str(&w, p->default_range);
		jw_key(&w, "filters");
		jw_arr_begin(&w);
		for (size_t f = 0; f < p->nfilters; f++) {
			jw_obj_begin(&w);
			jw_key(&w, "name");
			jw_str(&w, p->filters[f].name);
			jw_key(&w, "label");
			jw_str(&w, p->filters[f].label);
			jw_key(&w, "kind");
			jw_str(&w, p->filters[f].is_date ? "date" : "dimension");
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "tiles");
		jw_arr_begin(&w);
		for (size_t t = 0; t < p->ntiles; t++)
			tile_spec(&w, p->tiles[t]);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	dash_diags_json(s, &w);
	jw_obj_end(&w);
	dash_ctx_set_release(d, s);
	return 0;
}

/* ---------------------------------------------------------------- tiles */

static int32_t today_utc(void)
{
	const char *t = getenv("INGOT_TEST_TODAY"); /* tests pin the day presets resolve against */
	int32_t d;
	if (t && strlen(t) == 10 && !date_parse(t, 10, &d))
		return d;
	int64_t us = now_us();
	return (int32_t)(us / 86400000000LL - (us < 0 && us % 86400000000LL ? 1 : 0));
}

static int latest_day(struct dash_ctx *d, const struct dash_set *s, const struct dash_board *b,
		      const struct dash_page *pg, int32_t *day, struct err *e);

/* Does the request ask for a date preset (a range other than all)? */
static bool wants_preset(const struct dash_param *params, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (params[i].name && !strcmp(params[i].name, "range") && params[i].value &&
		    strcmp(params[i].value, "all"))
			return true;
	return false;
}

/* Find the tile and parse the request. */
static int prepare(struct dash_ctx *d, const char *dashboard, const char *tile,
		   const struct dash_param *params, size_t n, struct dash_set **sp,
		   const struct dash_tile **tp, struct dq_req *r, struct err *e)
{
	struct dash_set *s = dash_ctx_set_acquire(d, e);
	if (!s)
		return e->code ? e->code : ING_EFAIL;
	const struct dash_board *b = dash__board(s, dashboard);
	const struct dash_page *pg = NULL;
	const struct dash_tile *t = b ? dash__tile(b, tile, &pg) : NULL;
	int rc = 0;
	if (!b)
		rc = err_set(e, ING_ENOTFOUND, "no dashboard named '%s'", dashboard);
	else if (!t)
		rc = err_set(e, ING_ENOTFOUND, "dashboard '%s' has no tile named '%s'", dashboard, tile);
	int32_t today = today_utc();
	if (!rc && b->anchor_latest && wants_preset(params, n)) {
		int32_t last;
		rc = latest_day(d, s, b, pg, &last, e);
		if (!rc)
			today = last + 1; /* "last 7 days" = the 7 days up to the last day with data */
	}
	if (!rc)
		rc = dq_req_parse(b, pg, t, params, n, today, r, e);
	if (rc) {
		dash_ctx_set_release(d, s);
		return rc;
	}
	*sp = s;
	*tp = t;
	return 0;
}

/* A build by another process (PostgreSQL: builds need no owner) rewrites
 * target/run_results.json: bump the version of every relation it names,
 * so the tiles over them miss (core/relver.h). Unreadable: bump all. The
 * first look only records the stamp: what was there before this process
 * started is what its first queries read. A build in this process also
 * rewrites it and bumps the same relations again: a needless miss, no
 * wrong hit. */
static void rr_sync(struct dash_ctx *d)
{
	struct project *p = platform_project_acquire(d->pl);
	if (!p)
		return;
	char *rr = xasprintf("%s/run_results.json", p->target_path);
	platform_project_release(d->pl, p);
	struct stat st;
	bool have = !stat(rr, &st);
	long long size = have ? (long long)st.st_size : -1, sec = have ? (long long)st.st_mtim.tv_sec : 0;
	long nsec = have ? (long)st.st_mtim.tv_nsec : 0;
	pthread_mutex_lock(&d->mu);
	bool changed = d->rr_seen && (size != d->rr_size || sec != d->rr_sec || nsec != d->rr_nsec);
	bool first = !d->rr_seen;
	d->rr_seen = true;
	d->rr_size = size;
	d->rr_sec = sec;
	d->rr_nsec = nsec;
	pthread_mutex_unlock(&d->mu);
	if (first || !changed || !have) {
		free(rr);
		return;
	}
	json_t *j = json_load_file(rr, 0, NULL);
	json_t *res = j ? json_object_get(j, "results") : NULL;
	if (!json_is_array(res)) {
		relver_bump_all();
	} else {
		size_t i;
		json_t *it;
		json_array_foreach (res, i, it) {
			const char *rel = json_string_value(json_object_get(it, "relation_name"));
			if (rel)
				relver_bump_text(rel);
		}
	}
	json_decref(j);
	free(rr);
}

/* Writes by other processes that leave no file here (PostgreSQL: a load or
 * a build on another machine, into the same warehouse): every load adds a
 * row to _ingot.loads and every build that runs a node rewrites its row of
 * _ingot.build_state (version, built_at), whoever ran it. At most once per
 * WV_POLL_S, one small grouped query over each: a relation whose signature
 * (its loads counted; its latest version and build time) changed since the
 * last poll is bumped (core/relver.h), so its tiles miss. The first poll
 * only records; a table not there yet (nothing loaded or built) says
 * nothing. Engines one process writes (DuckDB: the others hand their work
 * to this one) skip it. */
#define WV_POLL_S 1.0

static const char *const wv_sql[] = {
	"select relation, cast(count(*) as varchar) from _ingot.loads where relation is not null "
	"group by relation",
	"select relation, max(cast(version as varchar) || '@' || cast(built_at as varchar)) || '/' || "
	"cast(count(*) as varchar) from _ingot.build_state where relation is not null group by relation",
};

static void wv_sync(struct dash_ctx *d)
{
	struct project *p = platform_project_acquire(d->pl);
	if (!p)
		return;
	bool multi = p->target.type && wh_engine_has(p->target.type, WH_CAP_MULTI_PROCESS);
	platform_project_release(d->pl, p);
	if (!multi)
		return;
	double now = mono_seconds();
	pthread_mutex_lock(&d->mu);
	bool go = !d->wv_busy && now - d->wv_last >= WV_POLL_S;
	if (go) {
		d->wv_busy = true;
		d->wv_last = now;
	}
	pthread_mutex_unlock(&d->mu);
	if (!go)
		return;
	json_t *seen = json_object();
	struct wh_conn *c = NULL;
	struct err e = ERR_INIT;
	bool ok = !platform_conn_get(d->pl, &c, &e);
	for (size_t q = 0; ok && q < sizeof(wv_sql) / sizeof(*wv_sql); q++) {
		struct wh_result *res = NULL;
		if (wh_query(c, wv_sql[q], NULL, 0, &res, &e)) {
			err_clear(&e); /* not there yet: nothing loaded or built */
			continue;
		}
		struct buf key = BUF_INIT, val = BUF_INIT;
		for (size_t i = 0; i < res->nrows; i++) {
			buf_reset(&key);
			buf_reset(&val);
			wh_value_text(wh_cell(res, i, 0), &key);
			wh_value_text(wh_cell(res, i, 1), &val);
			buf_printf(&key, "%c%zu", 0x1f, q);
			json_object_set_new(seen, buf_cstr(&key), json_string(buf_cstr(&val)));
		}
		buf_free(&key);
		buf_free(&val);
		wh_result_free(res);
	}
	if (c)
		platform_conn_put(d->pl, c);
	if (!ok) {
		log_warn("dashboards: cannot look at the warehouse's load and build records: %s",
			 e.msg ? e.msg : "");
		err_clear(&e);
		json_decref(seen);
		pthread_mutex_lock(&d->mu);
		d->wv_busy = false;
		pthread_mutex_unlock(&d->mu);
		return;
	}
	pthread_mutex_lock(&d->mu);
	json_t *old = d->wv_seen;
	d->wv_seen = seen;
	d->wv_busy = false;
	pthread_mutex_unlock(&d->mu);
	if (old) {
		const char *k;
		json_t *v;
		json_object_foreach (seen, k, v) {
			const char *was = json_string_value(json_object_get(old, k));
			if (was && !strcmp(was, json_string_value(v)))
				continue;
			char *rel = xstrdup(k);
			char *sep = strchr(rel, 0x1f);
			if (sep)
				*sep = 0;
			log_info("dashboards: %s was written by another process: its tiles refresh", rel);
			relver_bump_text(rel);
			free(rel);
		}
		json_decref(old);
	}
}

/* The key of a cached answer: what was asked, of which set, and the data
 * versions of the relations of the views it reads (nv of them). */
static void cache_key(struct dash_ctx *d, const char *dashboard, const char *tile,
		      const struct dq_req *r, const struct dash_view *const *views, size_t nv,
		      char hex[DIGEST_SHA256_HEX])
{
	rr_sync(d);
	wv_sync(d);
	struct buf k = BUF_INIT;
	pthread_mutex_lock(&d->mu);
	unsigned gen = d->gen;
	pthread_mutex_unlock(&d->mu);
	buf_printf(&k, "%s%c%s%c%s%cgen=%u", dashboard, 0, tile, 0, buf_cstr(&r->norm), 0, gen);
	for (size_t i = 0; i < nv; i++) {
		if (!views[i])
			continue;
		buf_printf(&k, " %s.%s=%llu", views[i]->schema ? views[i]->schema : "",
			   views[i]->alias ? views[i]->alias : "",
			   (unsigned long long)relver_get(views[i]->schema, views[i]->alias));
		/* and what it shows through views, and its related models
		 * (filters read them): a load into a source under a view
		 * model moves the view's tiles */
		for (size_t j = 1; j < views[i]->nreads; j++) {
			const char *sc = views[i]->reads[2 * j], *al = views[i]->reads[2 * j + 1];
			buf_printf(&k, " %s.%s=%llu", sc, al, (unsigned long long)relver_get(sc, al));
		}
	}
	digest_sha256_hex(k.data, k.len, hex);
	buf_free(&k);
}

static void lru_unlink(struct dash_ctx *d, struct centry *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		d->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		d->tail = c->prev;
	c->prev = c->next = NULL;
}

static void lru_front(struct dash_ctx *d, struct centry *c)
{
	c->next = d->head;
	c->prev = NULL;
	if (d->head)
		d->head->prev = c;
	d->head = c;
	if (!d->tail)
		d->tail = c;
}

/* The last day with data over the page's views (max of their time
 * columns), cached like a tile: under the same generation, epoch and
 * run_results stamp. A page whose views are all empty anchors at today. */
static int latest_day(struct dash_ctx *d, const struct dash_set *s, const struct dash_board *b,
		      const struct dash_page *pg, int32_t *day, struct err *e)
{
	struct dq_req none;
	memset(&none, 0, sizeof(none));
	buf_printf(&none.norm, "latest-day of page %s", pg->name);
	char key[DIGEST_SHA256_HEX];
	const struct dash_view **vs = xcalloc(pg->ntiles + 1, sizeof(*vs));
	for (size_t i = 0; i < pg->ntiles; i++)
		vs[i] = pg->tiles[i]->view;
	cache_key(d, b->name, "", &none, vs, pg->ntiles, key);
	free(vs);
	buf_free(&none.norm);
	pthread_mutex_lock(&d->mu);
	struct centry *c = strmap_get(&d->cache, key);
	if (c) {
		*day = (int32_t)strtol(c->json, NULL, 10);
		pthread_mutex_unlock(&d->mu);
		return 0;
	}
	pthread_mutex_unlock(&d->mu);
	bool any = false;
	int32_t best = 0;
	struct wh_conn *conn = NULL;
	int rc = platform_conn_get(d->pl, &conn, e);
	for (size_t i = 0; !rc && i < pg->ntiles; i++) {
		const struct dash_view *v = pg->tiles[i]->view;
		bool seen = false;
		for (size_t j = 0; v && j < i; j++)
			seen |= pg->tiles[j]->view == v;
		if (!v || seen || !v->time || !v->schema)
			continue;
		int32_t x;
		bool found;
		rc = dq_latest_day(conn, v, &d->qo, &x, &found, e);
		if (!rc && found && (!any || x > best)) {
			best = x;
			any = true;
		}
	}
	if (conn) {
		if (rc)
			platform_conn_discard(d->pl, conn);
		else
			platform_conn_put(d->pl, conn);
	}
	if (rc)
		return rc;
	*day = any ? best : today_utc() - 1;
	pthread_mutex_lock(&d->mu);
	if (!strmap_has(&d->cache, key)) {
		c = xcalloc(1, sizeof(*c));
		c->key = xstrdup(key);
		c->json = xasprintf("%ld", (long)*day);
		c->len = strlen(c->json);
		strmap_put(&d->cache, key, c);
		lru_front(d, c);
		d->bytes += c->len + sizeof(*c) + 2 * DIGEST_SHA256_HEX;
	}
	pthread_mutex_unlock(&d->mu);
	return 0;
}

static void finish_json(struct buf *out, const char *json, size_t len, bool cached, double ms)
{
	/* json is an object: put "cached" and "ms" before its closing brace */
	buf_add(out, json, len - 1);
	char num[64];
	snprintf(num, sizeof(num), "%.3f", ms);
	buf_printf(out, ",\"cached\":%s,\"ms\":%s}", cached ? "true" : "false", num);
}

int dash_tile_json(struct dash_ctx *d, const char *dashboard, const char *tile,
		   const struct dash_param *params, size_t n, struct buf *out, char etag[72],
		   struct err *e)
{
	double t0 = mono_seconds();
	struct dash_set *s = NULL;
	const struct dash_tile *t = NULL;
	struct dq_req r;
	int rc = prepare(d, dashboard, tile, params, n, &s, &t, &r, e);
	if (rc)
		return rc;
	char key[DIGEST_SHA256_HEX];
	cache_key(d, dashboard, tile, &r, &t->view, 1, key);
	snprintf(etag, 72, "\"%.40s\"", key);
	pthread_mutex_lock(&d->mu);
	struct centry *c = strmap_get(&d->cache, key);
	if (c) {
		lru_unlink(d, c);
		lru_front(d, c);
		finish_json(out, c->json, c->len, true, (mono_seconds() - t0) * 1000);
		pthread_mutex_unlock(&d->mu);
		atomic_fetch_add(&d->hits, 1);
		goto done;
	}
	pthread_mutex_unlock(&d->mu);
	atomic_fetch_add(&d->misses, 1);
	struct wh_conn *conn = NULL;
	struct buf js = BUF_INIT;
	if (t->type == T_TEXT) { /* no query: no connection either */
		rc = dq_tile_json(NULL, t, &r, &d->qo, &js, e);
	} else {
		if ((rc = platform_conn_get(d->pl, &conn, e)))
			goto done;
		rc = dq_tile_json(conn, t, &r, &d->qo, &js, e);
		if (rc)
			platform_conn_discard(d->pl, conn);
		else
			platform_conn_put(d->pl, conn);
	}
	if (rc) {
		buf_free(&js);
		goto done;
	}
	finish_json(out, js.data, js.len, false, (mono_seconds() - t0) * 1000);
	if (js.len <= d->cache_max / 4) {
		pthread_mutex_lock(&d->mu);
		if (!strmap_has(&d->cache, key)) {
			c = xcalloc(1, sizeof(*c));
			c->key = xstrdup(key);
			c->json = buf_detach(&js, &c->len);
			strmap_put(&d->cache, key, c);
			lru_front(d, c);
			d->bytes += c->len + sizeof(*c) + 2 * DIGEST_SHA256_HEX;
			while (d->bytes > d->cache_max && d->tail) {
				struct centry *old = d->tail;
				lru_unlink(d, old);
				strmap_del(&d->cache, old->key);
				d->bytes -= old->len + sizeof(*old) + 2 * DIGEST_SHA256_HEX;
				centry_free(old);
			}
		}
		pthread_mutex_unlock(&d->mu);
	}
	buf_free(&js);
done:
	dq_req_free(&r);
	dash_ctx_set_release(d, s);
	return rc;
}

int dash_tile_csv(struct dash_ctx *d, const char *dashboard, const char *tile,
		  const struct dash_param *params, size_t n,
		  int (*write)(void *arg, const char *p, size_t n), void *arg, struct err *e)
{
	struct dash_set *s = NULL;
	const struct dash_tile *t = NULL;
	struct dq_req r;
	int rc = prepare(d, dashboard, tile, params, n, &s, &t, &r, e);
	if (rc)
		return rc;
	struct wh_conn *conn = NULL;
	if (!(rc = platform_conn_get(d->pl, &conn, e))) {
		rc = dq_tile_csv(conn, t, &r, &d->qo, write, arg, e);
		if (rc)
			platform_conn_discard(d->pl, conn);
		else
			platform_conn_put(d->pl, conn);
	}
	dq_req_free(&r);
	dash_ctx_set_release(d, s);
	return rc;
}

int dash_filter_values_json(struct dash_ctx *d, const char *dashboard, const char *filter,
			    const char *q, struct buf *out, struct err *e)
{
	struct dash_set *s = dash_ctx_set_acquire(d, e);
	if (!s)
		return e->code ? e->code : ING_EFAIL;
	const struct dash_board *b = dash__board(s, dashboard);
	const struct dash_view *v = NULL;
	const struct dash_dim *dim = NULL;
	int rc = 0;
	/* the first view (in tile order) that has the dimension */
	for (size_t p = 0; b && p < b->npages && !dim; p++)
		for (size_t i = 0; i < b->pages[p].ntiles && !dim; i++) {
			v = b->pages[p].tiles[i]->view;
			dim = v && v->schema ? dash__view_dim(v, filter) : NULL;
		}
	if (!b)
		rc = err_set(e, ING_ENOTFOUND, "no dashboard named '%s'", dashboard);
	else if (!dim)
		rc = err_set(e, ING_ENOTFOUND, "dashboard '%s' has no filter '%s'", dashboard, filter);
	else if (q && strlen(q) > 200)
		rc = err_set(e, ING_EINVAL, "q: at most 200 bytes");
	struct wh_conn *conn = NULL;
	if (!rc && !(rc = platform_conn_get(d->pl, &conn, e))) {
		rc = dq_filter_values(conn, v, dim, q, &d->qo, out, e);
		if (rc)
			platform_conn_discard(d->pl, conn);
		else
			platform_conn_put(d->pl, conn);
	}
	dash_ctx_set_release(d, s);
	return rc;
}

struct platform *dash_ctx_platform(struct dash_ctx *d)
{
	return d->pl;
}

void dash_ctx_cache_stats(struct dash_ctx *d, uint64_t *hits, uint64_t *misses)
{
	*hits = atomic_load(&d->hits);
	*misses = atomic_load(&d->misses);
}

int dash_tile_refs(struct dash_ctx *d, void (*fn)(void *arg, const struct dash_tile_ref *t), void *arg,
		   struct err *e)
{
	struct dash_set *s = dash_ctx_set_acquire(d, e);
	if (!s)
		return e->code ? e->code : ING_EFAIL;
	for (size_t i = 0; i < s->boards.len; i++) {
		const struct dash_board *b = s->boards.items[i];
		for (size_t p = 0; p < b->npages; p++)
			for (size_t t = 0; t < b->pages[p].ntiles; t++) {
				const struct dash_tile *tl = b->pages[p].tiles[t];
				if (!tl->view || !tl->view->model)
					continue;
				struct dash_tile_ref r = {b->name, b->title, b->pages[p].name, b->pages[p].title,
							  tl->name, tl->title, tl->view->model, NULL};
				fn(arg, &r);
				/* the related models it filters through */
				const struct dash_view *v = tl->view;
				for (size_t k = 0; k < v->nrelated; k++) {
					const struct dash_related *rl = &v->related[k];
					if (!rl->model || !strcmp(rl->model, v->model))
						continue;
					struct buf fb = BUF_INIT;
					for (size_t m = 0; m < v->ndims; m++)
						if (v->dims[m].rel == rl)
							buf_printf(&fb, "%s%s", fb.len ? ", " : "",
								   v->dims[m].name);
					struct dash_tile_ref fr = r;
					fr.model = rl->model;
					fr.filters = buf_cstr(&fb);
					fn(arg, &fr);
					buf_free(&fb);
				}
			}
	}
	dash_ctx_set_release(d, s);
	return 0;
}
