/*
 * serve/api_data.c — the data pages' JSON API (issue 14): loads per source
 * table and their file manifest, the rejects browser (filters, paging,
 * CSV), data quality (tests with their history, source freshness, a
 * red/amber/green summary) and the catalog (search, a node, lineage from
 * lake files to dashboard tiles).
 *
 * Sources of truth, read here and nowhere else:
 *   - the warehouse's _ingot schema (src/load: loads, loaded_files,
 *     load_rejects) through the platform's connection pool;
 *   - the catalog (platform/catalog: target/manifest.json and
 *     run_results.json, introspected), cached until the project, the data
 *     version or those two files change;
 *   - the test history: the run_results.json of each run directory the
 *     transform keeps under target/runs/ (the last builds), oldest first;
 *   - the sources' `freshness:` and `loaded_at_field:` (config/sources);
 *   - the dashboards' tiles and the models they read (dash_tile_refs).
 *
 * Every value from the warehouse is bound ($1..) or a number checked here;
 * identifiers come from the project (quoted by the engine's rules).
 * JSON goes through core/json's writer (invalid UTF-8 in a rejected raw
 * record becomes U+FFFD), CSV through dash_csv_field (formula-neutralized).
 */
#include "serve/serve_int.h"
#include "config/project.h"
#include "config/sources.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/dtime.h"
#include "core/map.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "dash/dash.h"
#include "platform/catalog.h"
#include "platform/platform.h"
#include "platform/results.h"
#include "quality/freshness.h"
#include "warehouse/warehouse.h"

#include <dirent.h>
#include <stddef.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REJECTS_PAGE_MAX 1000
#define REJECTS_CSV_MAX 1000000
#define TABLE_LOADS_MAX 200
#define TABLE_FILES_MAX 5000
#define LINEAGE_FILES_MAX 25

struct catref {
	struct catalog *cat;
	int refs;
};

/* The project's parsed sources (its *.yml), shared by the loads, freshness
 * and /metrics answers: parsed once per project version (the platform's
 * generation moves when a file of the project changes). */
struct srcref {
	struct arena *a;
	struct source_set set;
	unsigned gen;
	int refs;
};

/* The test results of one kept run directory. */
struct hrun {
	char *id;          /* the run directory's name (sorts by time) */
	char *generated_at;
	json_t *results;   /* unique_id -> status string */
};

/* Answers kept for a few seconds, keyed on the request and on every
 * version its data has (project generation, data epoch, the artifacts'
 * stamps): a page's repeated calls cost a lookup. The TTL bounds what a
 * writer this process does not hear about can leave stale (another
 * process's load on PostgreSQL, the clock in freshness ages). */
#define RCACHE_MAX 128
#define RCACHE_TTL_US (5LL * 1000000)
struct rentry {
	char *key;
	char *body;
	size_t len;
	const char *type;
	char disposition[160];
	int64_t at;
};

struct serve_data {
	pthread_mutex_t rc_mu;
	struct rentry rc[RCACHE_MAX];
	size_t rc_next;
	atomic_uint meta_seen; /* _ingot tables found: 1 loads, 2 loaded_files, 4 load_rejects */
	bool rc_off; /* INGOT_SERVE_DATA_CACHE=0: every call computed (bench/ui.sh's cold numbers) */
	struct dash_ctx *dash;
	struct platform *pl;
	pthread_mutex_t mu;
	struct catref *cur;
	char key[256]; /* what cur was loaded from */
	struct srcref *src; /* the sources of the current project version */
	/* the test history */
	char *hist_key;
	struct hrun *hist;
	size_t nhist;
};

struct serve_data *serve_data_new(struct dash_ctx *d)
{
	struct serve_data *sd = xcalloc(1, sizeof(*sd));
	sd->dash = d;
	sd->pl = dash_ctx_platform(d);
	pthread_mutex_init(&sd->mu, NULL);
	pthread_mutex_init(&sd->rc_mu, NULL);
	const char *c = getenv("INGOT_SERVE_DATA_CACHE");
	sd->rc_off = c && !strcmp(c, "0");
	return sd;
}

static void hist_clear(struct serve_data *sd)
{
	for (size_t i = 0; i < sd->nhist; i++) {
		free(sd->hist[i].id);
		free(sd->hist[i].generated_at);
		json_decref(sd->hist[i].results);
	}
	free(sd->hist);
	sd->hist = NULL;
	sd->nhist = 0;
	free(sd->hist_key);
	sd->hist_key = NULL;
}

void serve_data_free(struct serve_data *sd)
{
	if (!sd)
		return;
	if (sd->cur)
		cat_free(sd->cur->cat);
	free(sd->cur);
	if (sd->src)
		arena_free(sd->src->a);
	free(sd->src);
	hist_clear(sd);
	for (size_t i = 0; i < RCACHE_MAX; i++) {
		free(sd->rc[i].key);
		free(sd->rc[i].body);
	}
	pthread_mutex_destroy(&sd->rc_mu);
	pthread_mutex_destroy(&sd->mu);
	free(sd);
}

/* ------------------------------------------------------------ helpers */

static const char *param(const struct dash_param *p, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].name, name))
			return p[i].value;
	return NULL;
}

/* A non-negative integer parameter: def when absent; ING_EINVAL when not a number or past max. */
static int int_param(const struct dash_param *p, size_t n, const char *name, long long def, long long min,
		     long long max, long long *out, struct err *e)
{
	const char *v = param(p, n, name);
	*out = def;
	if (!v || !*v)
		return 0;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (*end || x < min || x > max)
		return err_set(e, ING_EINVAL, "%s=%s: give a whole number from %lld to %lld", name, v, min, max);
	*out = x;
	return 0;
}

static void file_stamp(const char *path, struct buf *b)
{
	struct stat st;
	if (stat(path, &st))
		buf_puts(b, "-;");
	else
		buf_printf(b, "%lld.%ld:%lld;", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			   (long long)st.st_size);
}

static int64_t value_us(const struct wh_value *v)
{
	return freshness_value_us(v);
}

static int64_t value_int(const struct wh_value *v)
{
	switch (v->type) {
	case WH_INT64:
		return v->v.i;
	case WH_DOUBLE:
		return (int64_t)v->v.d;
	case WH_BOOL:
		return v->v.b;
	case WH_DECIMAL:
	case WH_TEXT:
	case WH_OTHER: {
		char tmp[64];
		size_t n = v->v.s.n < sizeof(tmp) - 1 ? v->v.s.n : sizeof(tmp) - 1;
		memcpy(tmp, v->v.s.p, n);
		tmp[n] = 0;
		return strtoll(tmp, NULL, 10);
	}
	default:
		return 0;
	}
}

static double value_double(const struct wh_value *v)
{
	if (v->type == WH_DOUBLE)
		return v->v.d;
	if (v->type == WH_DECIMAL || v->type == WH_TEXT) {
		char tmp[64];
		size_t n = v->v.s.n < sizeof(tmp) - 1 ? v->v.s.n : sizeof(tmp) - 1;
		memcpy(tmp, v->v.s.p, n);
		tmp[n] = 0;
		return strtod(tmp, NULL);
	}
	return (double)value_int(v);
}

/* A cell as JSON: text (NULL: null), integers, timestamps ISO-8601 UTC. */
static void jw_cell_text(struct jw *w, const struct wh_value *v)
{
	if (v->type == WH_NULL)
		jw_null(w);
	else if (v->type == WH_TEXT || v->type == WH_OTHER)
		jw_strn(w, v->v.s.p, v->v.s.n);
	else {
		struct buf b = BUF_INIT;
		wh_value_text(v, &b);
		jw_strn(w, b.data ? b.data : "", b.len);
		buf_free(&b);
	}
}

static void jw_cell_int(struct jw *w, const struct wh_value *v)
{
	if (v->type == WH_NULL)
		jw_null(w);
	else
		jw_int(w, value_int(v));
}

static void jw_time(struct jw *w, int64_t us)
{
	if (!us) {
		jw_null(w);
		return;
	}
	char t[40];
	ts_format_iso(us, t);
	jw_str(w, t);
}

static void jw_cell_time(struct jw *w, const struct wh_value *v)
{
	jw_time(w, v->type == WH_NULL ? 0 : value_us(v));
}

/* Does _ingot.<name> exist (no load ever ran: empty answers)? Once seen
 * it is remembered (loads never drop it). */
static bool meta_exists(struct serve_data *sd, struct wh_conn *c, const char *name)
{
	unsigned bit = !strcmp(name, "loads") ? 1u : !strcmp(name, "loaded_files") ? 2u : 4u;
	if (atomic_load(&sd->meta_seen) & bit)
		return true;
	enum wh_rel_kind k = WH_REL_NONE;
	struct err e = ERR_INIT;
	int rc = wh_relation_kind(c, "_ingot", name, &k, &e);
	err_clear(&e);
	if (!rc && k != WH_REL_NONE) {
		atomic_fetch_or(&sd->meta_seen, bit);
		return true;
	}
	return false;
}

static int conn_get(struct serve_data *sd, struct wh_conn **c, struct err *e)
{
	return platform_conn_get(sd->pl, c, e);
}

static void conn_done(struct serve_data *sd, struct wh_conn *c, int rc)
{
	if (!c)
		return;
	if (rc)
		platform_conn_discard(sd->pl, c);
	else
		platform_conn_put(sd->pl, c);
}

/* ------------------------------------------------------------ catalog cache */

static struct catref *cat_acquire(struct serve_data *sd, struct err *e)
{
	struct project *p = platform_project_acquire(sd->pl);
	if (!p) {
		err_set(e, ING_ECONFIG, "no dbt_project.yml in %s: the catalog needs a project", platform_dir(sd->pl));
		return NULL;
	}
	struct buf key = BUF_INIT;
	buf_printf(&key, "%u;%llu;", platform_project_generation(sd->pl),
		   (unsigned long long)platform_data_epoch(sd->pl));
	char *mf = path_join(p->target_path, "manifest.json");
	char *rr = path_join(p->target_path, "run_results.json");
	file_stamp(mf, &key);
	file_stamp(rr, &key);
	free(mf);
	free(rr);
	pthread_mutex_lock(&sd->mu);
	if (sd->cur && !strcmp(sd->key, buf_cstr(&key))) {
		struct catref *c = sd->cur;
		c->refs++;
		pthread_mutex_unlock(&sd->mu);
		platform_project_release(sd->pl, p);
		buf_free(&key);
		return c;
	}
	pthread_mutex_unlock(&sd->mu);
	struct wh_db *db = NULL;
	struct err we = ERR_INIT;
	if (platform_db(sd->pl, p, &db, &we)) { /* no warehouse: the catalog without row counts */
		log_info("catalog: no warehouse (%s): columns and row counts come from the artifacts",
			 we.msg ? we.msg : "?");
		db = NULL;
	}
	err_clear(&we);
	struct catalog *cat = NULL;
	int rc = cat_load(p, db, &cat, e);
	platform_project_release(sd->pl, p);
	if (rc) {
		buf_free(&key);
		return NULL;
	}
	struct catref *c = xcalloc(1, sizeof(*c));
	c->cat = cat;
	c->refs = 2; /* the cache's and the caller's */
	pthread_mutex_lock(&sd->mu);
	struct catref *old = sd->cur;
	sd->cur = c;
	snprintf(sd->key, sizeof(sd->key), "%s", buf_cstr(&key));
	if (old && --old->refs == 0) {
		cat_free(old->cat);
		free(old);
	}
	pthread_mutex_unlock(&sd->mu);
	buf_free(&key);
	return c;
}

/* Drop one reference of a cached entry (catalog or sources); true when it
 * was the last, so the caller frees the entry. */
static bool ref_drop(struct serve_data *sd, int *refs)
{
	pthread_mutex_lock(&sd->mu);
	bool last = --*refs == 0;
	pthread_mutex_unlock(&sd->mu);
	return last;
}

static void cat_release(struct serve_data *sd, struct catref *c)
{
	if (c && ref_drop(sd, &c->refs)) {
		cat_free(c->cat);
		free(c);
	}
}

/* ------------------------------------------------------------ sources cache */

static void src_release(struct serve_data *sd, struct srcref *r)
{
	if (r && ref_drop(sd, &r->refs)) {
		arena_free(r->a);
		free(r);
	}
}

/* The sources of project version p (acquired by the caller): the cached
 * parse when it is of p's generation, else parsed now and cached. */
static struct srcref *src_acquire(struct serve_data *sd, const struct project *p, struct err *e)
{
	unsigned gen = platform_project_generation(sd->pl);
	pthread_mutex_lock(&sd->mu);
	if (sd->src && sd->src->gen == gen) {
		struct srcref *r = sd->src;
		r->refs++;
		pthread_mutex_unlock(&sd->mu);
		return r;
	}
	pthread_mutex_unlock(&sd->mu);
	struct srcref *r = xcalloc(1, sizeof(*r));
	r->a = arena_new(0);
	r->gen = gen;
	if (sources_load(p, r->a, &r->set, e)) {
		arena_free(r->a);
		free(r);
		return NULL;
	}
	r->refs = 2; /* the cache's and the caller's */
	pthread_mutex_lock(&sd->mu);
	struct srcref *old = sd->src;
	sd->src = r;
	bool drop = old && --old->refs == 0;
	pthread_mutex_unlock(&sd->mu);
	if (drop) {
		arena_free(old->a);
		free(old);
	}
	return r;
}

/* ------------------------------------------------------------ loads */

/* GET /api/v1/loads: one entry per source table that has an `external:`
 * (loaded by ingot) or any load recorded. */
struct tload {
	const char *source, *table, *relation;
	bool declared;
	int64_t loads, files, bytes, rows_read, rows_loaded, rows_rejected;
	double duration_s;
	int64_t last_at;
	const char *last_status, *last_error;
	int64_t manifest_files, manifest_bytes;
};

struct loadset {
	struct arena *a;
	struct tload *t;
	size_t n, cap;
	struct wh_result *r[3];
};

static struct tload *tload_get(struct loadset *ls, const char *source, const char *table)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->t[i].source, source) && !strcmp(ls->t[i].table, table))
			return &ls->t[i];
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 16;
		ls->t = xrealloc(ls->t, ls->cap * sizeof(*ls->t));
	}
	struct tload *t = &ls->t[ls->n++];
	memset(t, 0, sizeof(*t));
	t->source = arena_strdup(ls->a, source);
	t->table = arena_strdup(ls->a, table);
	return t;
}

static void loadset_free(struct loadset *ls)
{
	for (size_t i = 0; i < 3; i++)
		wh_result_free(ls->r[i]);
	free(ls->t);
	arena_free(ls->a);
}

static int cmp_tload(const void *a, const void *b)
{
	const struct tload *x = a, *y = b;
	int c = strcmp(x->source, y->source);
	return c ? c : strcmp(x->table, y->table);
}

static char *cell_dup(struct arena *a, const struct wh_value *v)
{
	if (v->type == WH_NULL)
		return NULL;
	if (v->type == WH_TEXT || v->type == WH_OTHER)
		return arena_strndup(a, v->v.s.p, v->v.s.n);
	struct buf b = BUF_INIT;
	wh_value_text(v, &b);
	char *s = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* The declared source tables (with external:) of the current project. */
static void declared_tables(struct serve_data *sd, struct loadset *ls)
{
	struct project *p = platform_project_acquire(sd->pl);
	if (!p)
		return;
	struct err e = ERR_INIT;
	struct srcref *sr = src_acquire(sd, p, &e);
	if (sr) {
		const struct source_set set = sr->set;
		for (size_t i = 0; i < set.n; i++)
			for (size_t j = 0; j < set.items[i].ntables; j++) {
				const struct src_table *t = &set.items[i].tables[j];
				if (!t->external)
					continue;
				struct tload *tl = tload_get(ls, set.items[i].name, t->name);
				tl->declared = true;
				if (!tl->relation)
					tl->relation = arena_printf(ls->a, "%s.%s", set.items[i].schema, t->identifier);
			}
	}
	err_clear(&e);
	src_release(sd, sr);
	platform_project_release(sd->pl, p);
}

/* The loads summary of every source table, or of one (src/tab not NULL:
 * the queries filter on it, so a table's page does not sum them all). */
static int loads_collect(struct serve_data *sd, struct loadset *ls, const char *src1, const char *tab1,
			 struct err *e)
{
	bool one = src1 && tab1;
	struct wh_value fv[2] = {wh_text(one ? src1 : ""), wh_text(one ? tab1 : "")};
	size_t nfv = one ? 2 : 0;
	memset(ls, 0, sizeof(*ls));
	ls->a = arena_new(0);
	declared_tables(sd, ls);
	struct wh_conn *c = NULL;
	int rc = conn_get(sd, &c, e);
	if (rc)
		return rc;
	if (meta_exists(sd, c, "loads")) {
		char sql[600];
		snprintf(sql, sizeof(sql),
			 "SELECT source, table_name, max(relation), count(*), CAST(sum(files) AS BIGINT), "
			 "CAST(sum(bytes) AS BIGINT), CAST(sum(rows_read) AS BIGINT), "
			 "CAST(sum(rows_loaded) AS BIGINT), CAST(sum(rows_rejected) AS BIGINT), "
			 "CAST(sum(duration_s) AS DOUBLE PRECISION), max(started_at) FROM _ingot.loads %s"
			 "GROUP BY source, table_name",
			 one ? "WHERE source = $1 AND table_name = $2 " : "");
		rc = wh_query(c, sql, fv, nfv, &ls->r[0], e);
		for (size_t i = 0; !rc && i < ls->r[0]->nrows; i++) {
			const struct wh_result *r = ls->r[0];
			char *src = cell_dup(ls->a, wh_cell(r, i, 0)), *tab = cell_dup(ls->a, wh_cell(r, i, 1));
			if (!src || !tab)
				continue;
			struct tload *t = tload_get(ls, src, tab);
			if (wh_cell(r, i, 2)->type != WH_NULL)
				t->relation = cell_dup(ls->a, wh_cell(r, i, 2));
			t->loads = value_int(wh_cell(r, i, 3));
			t->files = value_int(wh_cell(r, i, 4));
			t->bytes = value_int(wh_cell(r, i, 5));
			t->rows_read = value_int(wh_cell(r, i, 6));
			t->rows_loaded = value_int(wh_cell(r, i, 7));
			t->rows_rejected = value_int(wh_cell(r, i, 8));
			t->duration_s = value_double(wh_cell(r, i, 9));
			t->last_at = value_us(wh_cell(r, i, 10));
		}
		if (!rc)
			rc = wh_query(c,
				      one ? "SELECT l.source, l.table_name, l.status, l.error FROM _ingot.loads l JOIN "
					    "(SELECT source, table_name, max(started_at) AS m FROM _ingot.loads WHERE "
					    "source = $1 AND table_name = $2 GROUP BY source, table_name) x ON l.source "
					    "= x.source AND l.table_name = x.table_name AND l.started_at = x.m"
					  : "SELECT l.source, l.table_name, l.status, l.error FROM _ingot.loads l JOIN "
					    "(SELECT source, table_name, max(started_at) AS m FROM _ingot.loads GROUP BY "
					    "source, table_name) x ON l.source = x.source AND l.table_name = x.table_name "
					    "AND l.started_at = x.m",
				      fv, nfv, &ls->r[1], e);
		for (size_t i = 0; !rc && i < ls->r[1]->nrows; i++) {
			const struct wh_result *r = ls->r[1];
			char *src = cell_dup(ls->a, wh_cell(r, i, 0)), *tab = cell_dup(ls->a, wh_cell(r, i, 1));
			if (!src || !tab)
				continue;
			struct tload *t = tload_get(ls, src, tab);
			const char *st = cell_dup(ls->a, wh_cell(r, i, 2));
			/* several tables' rows of one start time: a failure wins */
			if (!t->last_status || (st && strcmp(st, "ok") && strcmp(st, "up_to_date"))) {
				t->last_status = st;
				t->last_error = cell_dup(ls->a, wh_cell(r, i, 3));
			}
		}
	}
	if (!rc && meta_exists(sd, c, "loaded_files")) {
		rc = wh_query(c,
			      one ? "SELECT source, table_name, count(*), CAST(sum(size) AS BIGINT) FROM "
				    "_ingot.loaded_files WHERE duplicate_of IS NULL AND source = $1 AND table_name = $2 "
				    "GROUP BY source, table_name"
				  : "SELECT source, table_name, count(*), CAST(sum(size) AS BIGINT) FROM "
				    "_ingot.loaded_files WHERE duplicate_of IS NULL GROUP BY source, table_name",
			      fv, nfv, &ls->r[2], e);
		for (size_t i = 0; !rc && i < ls->r[2]->nrows; i++) {
			const struct wh_result *r = ls->r[2];
			char *src = cell_dup(ls->a, wh_cell(r, i, 0)), *tab = cell_dup(ls->a, wh_cell(r, i, 1));
			if (!src || !tab)
				continue;
			struct tload *t = tload_get(ls, src, tab);
			t->manifest_files = value_int(wh_cell(r, i, 2));
			t->manifest_bytes = value_int(wh_cell(r, i, 3));
		}
	}
	conn_done(sd, c, rc);
	if (!rc && ls->n)
		qsort(ls->t, ls->n, sizeof(*ls->t), cmp_tload);
	return rc;
}

static void tload_json(struct jw *w, const struct tload *t)
{
	jw_obj_begin(w);
	jw_key(w, "source");
	jw_str(w, t->source);
	jw_key(w, "table");
	jw_str(w, t->table);
	jw_key(w, "relation");
	jw_str(w, t->relation);
	jw_key(w, "declared");
	jw_bool(w, t->declared);
	jw_key(w, "loads");
	jw_int(w, t->loads);
	jw_key(w, "files");
	jw_int(w, t->files);
	jw_key(w, "bytes");
	jw_int(w, t->bytes);
	jw_key(w, "rows_read");
	jw_int(w, t->rows_read);
	jw_key(w, "rows_loaded");
	jw_int(w, t->rows_loaded);
	jw_key(w, "rows_rejected");
	jw_int(w, t->rows_rejected);
	jw_key(w, "duration_s");
	jw_double(w, t->duration_s);
	jw_key(w, "last_load_at");
	jw_time(w, t->last_at);
	jw_key(w, "last_status");
	jw_str(w, t->last_status);
	jw_key(w, "last_error");
	jw_str(w, t->last_error);
	jw_key(w, "manifest_files");
	jw_int(w, t->manifest_files);
	jw_key(w, "manifest_bytes");
	jw_int(w, t->manifest_bytes);
	jw_obj_end(w);
}

static int api_loads(struct serve_data *sd, struct serve_out *out, struct err *e)
{
	struct loadset ls;
	int rc = loads_collect(sd, &ls, NULL, NULL, e);
	if (!rc) {
		struct jw w;
		jw_init(&w, &out->body, false);
		jw_obj_begin(&w);
		jw_key(&w, "tables");
		jw_arr_begin(&w);
		for (size_t i = 0; i < ls.n; i++)
			tload_json(&w, &ls.t[i]);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	loadset_free(&ls);
	return rc;
}

/* GET /api/v1/loads/{source}/{table}: its loads, newest first, and its manifest. */
static int api_load_table(struct serve_data *sd, const struct serve_route *rt, struct serve_out *out,
			  struct err *e)
{
	struct loadset ls;
	int rc = loads_collect(sd, &ls, rt->board, rt->name, e);
	if (rc) {
		loadset_free(&ls);
		return rc;
	}
	const struct tload *t = NULL;
	for (size_t i = 0; i < ls.n && !t; i++)
		if (!strcmp(ls.t[i].source, rt->board) && !strcmp(ls.t[i].table, rt->name))
			t = &ls.t[i];
	if (!t) {
		loadset_free(&ls);
		return err_set(e, ING_ENOTFOUND,
			       "no source table %s.%s: it is not declared with external: and was never loaded "
			       "(GET /api/v1/loads lists them)",
			       rt->board, rt->name);
	}
	struct wh_conn *c = NULL;
	struct wh_result *lr = NULL, *fr = NULL;
	rc = conn_get(sd, &c, e);
	struct wh_value v[2] = {wh_text(rt->board), wh_text(rt->name)};
	if (!rc && meta_exists(sd, c, "loads")) {
		char sql[512];
		snprintf(sql, sizeof(sql),
			 "SELECT load_id, started_at, files, bytes, rows_read, rows_loaded, rows_rejected, "
			 "duration_s, status, error, note FROM _ingot.loads WHERE source = $1 AND table_name = $2 "
			 "ORDER BY started_at DESC, load_id DESC LIMIT %d",
			 TABLE_LOADS_MAX);
		rc = wh_query(c, sql, v, 2, &lr, e);
	}
	if (!rc && meta_exists(sd, c, "loaded_files")) {
		char sql[512];
		snprintf(sql, sizeof(sql),
			 "SELECT path, size, sha256, rows_read, load_id, loaded_at, duplicate_of FROM "
			 "_ingot.loaded_files WHERE source = $1 AND table_name = $2 ORDER BY path LIMIT %d",
			 TABLE_FILES_MAX + 1);
		rc = wh_query(c, sql, v, 2, &fr, e);
	}
	conn_done(sd, c, rc);
	if (!rc) {
		struct jw w;
		jw_init(&w, &out->body, false);
		jw_obj_begin(&w);
		jw_key(&w, "table");
		tload_json(&w, t);
		jw_key(&w, "loads");
		jw_arr_begin(&w);
		for (size_t i = 0; lr && i < lr->nrows; i++) {
			static const char *const k[] = {"load_id", "started_at", "files", "bytes", "rows_read",
							 "rows_loaded", "rows_rejected", "duration_s", "status",
							 "error", "note"};
			jw_obj_begin(&w);
			for (size_t j = 0; j < 11; j++) {
				jw_key(&w, k[j]);
				const struct wh_value *x = wh_cell(lr, i, j);
				if (j == 1)
					jw_cell_time(&w, x);
				else if (j >= 2 && j <= 6)
					jw_cell_int(&w, x);
				else if (j == 7)
					x->type == WH_NULL ? jw_null(&w) : jw_double(&w, value_double(x));
				else
					jw_cell_text(&w, x);
			}
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "files");
		jw_arr_begin(&w);
		size_t nf = fr ? fr->nrows : 0;
		for (size_t i = 0; i < nf && i < TABLE_FILES_MAX; i++) {
			static const char *const k[] = {"path", "size", "sha256", "rows_read", "load_id",
							 "loaded_at", "duplicate_of"};
			jw_obj_begin(&w);
			for (size_t j = 0; j < 7; j++) {
				jw_key(&w, k[j]);
				const struct wh_value *x = wh_cell(fr, i, j);
				if (j == 1 || j == 3)
					jw_cell_int(&w, x);
				else if (j == 5)
					jw_cell_time(&w, x);
				else
					jw_cell_text(&w, x);
			}
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_key(&w, "files_truncated");
		jw_bool(&w, nf > TABLE_FILES_MAX);
		jw_obj_end(&w);
	}
	wh_result_free(lr);
	wh_result_free(fr);
	loadset_free(&ls);
	return rc;
}

/* ------------------------------------------------------------ rejects */

/* The WHERE clause of the rejects filters: table=SOURCE.TABLE (or TABLE),
 * file and reason (substrings, the reason case-insensitive), load_id. */
static int rejects_where(const struct dash_param *p, size_t np, struct buf *sql, struct wh_value *v, size_t *nv,
			 char **owned, struct err *e)
{
	*nv = 0;
	buf_puts(sql, " WHERE 1 = 1");
	const char *table = param(p, np, "table");
	if (table && *table) {
		const char *dot = strchr(table, '.');
		if (dot) {
			*owned = xstrndup(table, (size_t)(dot - table));
			v[(*nv)++] = wh_text(*owned);
			buf_printf(sql, " AND source = $%zu", *nv);
			v[(*nv)++] = wh_text(dot + 1);
			buf_printf(sql, " AND table_name = $%zu", *nv);
		} else {
			v[(*nv)++] = wh_text(table);
			buf_printf(sql, " AND table_name = $%zu", *nv);
		}
	}
	const char *file = param(p, np, "file");
	if (file && *file) {
		v[(*nv)++] = wh_text(file);
		buf_printf(sql, " AND strpos(file, $%zu) > 0", *nv);
	}
	const char *reason = param(p, np, "reason");
	if (reason && *reason) {
		v[(*nv)++] = wh_text(reason);
		buf_printf(sql, " AND strpos(lower(reason), lower($%zu)) > 0", *nv);
	}
	const char *load = param(p, np, "load_id");
	if (load && *load) {
		v[(*nv)++] = wh_text(load);
		buf_printf(sql, " AND load_id = $%zu", *nv);
	}
	for (size_t i = 0; i < np; i++) {
		static const char *const known[] = {"table", "file", "reason", "load_id", "offset", "limit"};
		bool ok = false;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok |= !strcmp(p[i].name, known[k]);
		if (!ok)
			return err_set(e, ING_EINVAL,
				       "unknown parameter %s: the rejects take table, file, reason, load_id, "
				       "offset and limit",
				       p[i].name);
	}
	return 0;
}

static const char REJ_COLS[] = "SELECT load_id, source, table_name, file, line, column_name, reason, raw "
			       "FROM _ingot.load_rejects";
static const char REJ_ORDER[] = " ORDER BY source, table_name, file, line, load_id";

static int api_rejects(struct serve_data *sd, const struct dash_param *p, size_t np, bool csv,
		       struct serve_out *out, struct err *e)
{
	long long offset, limit;
	int rc = int_param(p, np, "offset", 0, 0, 1LL << 40, &offset, e);
	if (!rc)
		rc = int_param(p, np, "limit", 100, 1, csv ? REJECTS_CSV_MAX : REJECTS_PAGE_MAX, &limit, e);
	if (csv && !param(p, np, "limit"))
		limit = REJECTS_CSV_MAX;
	struct buf where = BUF_INIT, sql = BUF_INIT;
	struct wh_value v[6];
	size_t nv = 0;
	char *owned = NULL;
	if (!rc)
		rc = rejects_where(p, np, &where, v, &nv, &owned, e);
	struct wh_conn *c = NULL;
	struct wh_result *cr = NULL, *rr = NULL;
	if (!rc)
		rc = conn_get(sd, &c, e);
	bool have = !rc && meta_exists(sd, c, "load_rejects");
	int64_t total = 0;
	if (have && !csv) {
		buf_printf(&sql, "SELECT count(*) FROM _ingot.load_rejects%s", buf_cstr(&where));
		rc = wh_query(c, buf_cstr(&sql), v, nv, &cr, e);
		if (!rc && cr->nrows == 1)
			total = value_int(wh_cell(cr, 0, 0));
		buf_truncate(&sql, 0);
	}
	if (have && !rc) {
		buf_printf(&sql, "%s%s%s LIMIT %lld OFFSET %lld", REJ_COLS, buf_cstr(&where), REJ_ORDER, limit,
			   offset);
		rc = wh_query(c, buf_cstr(&sql), v, nv, &rr, e);
	}
	conn_done(sd, c, rc);
	static const char *const k[] = {"load_id", "source", "table", "file", "line", "column", "reason", "raw"};
	if (!rc && csv) {
		out->type = "text/csv; charset=utf-8";
		snprintf(out->disposition, sizeof(out->disposition), "attachment; filename=\"rejects.csv\"");
		for (size_t j = 0; j < 8; j++) {
			if (j)
				buf_putc(&out->body, ',');
			dash_csv_field(&out->body, k[j], strlen(k[j]));
		}
		buf_putc(&out->body, '\n');
		struct buf t = BUF_INIT;
		for (size_t i = 0; rr && i < rr->nrows; i++) {
			for (size_t j = 0; j < 8; j++) {
				if (j)
					buf_putc(&out->body, ',');
				buf_truncate(&t, 0);
				wh_value_text(wh_cell(rr, i, j), &t);
				dash_csv_field(&out->body, t.data ? t.data : "", t.len);
			}
			buf_putc(&out->body, '\n');
		}
		buf_free(&t);
	} else if (!rc) {
		struct jw w;
		jw_init(&w, &out->body, false);
		jw_obj_begin(&w);
		jw_key(&w, "total");
		jw_int(&w, total);
		jw_key(&w, "offset");
		jw_int(&w, offset);
		jw_key(&w, "limit");
		jw_int(&w, limit);
		jw_key(&w, "rows");
		jw_arr_begin(&w);
		for (size_t i = 0; rr && i < rr->nrows; i++) {
			jw_obj_begin(&w);
			for (size_t j = 0; j < 8; j++) {
				jw_key(&w, k[j]);
				if (j == 4)
					jw_cell_int(&w, wh_cell(rr, i, j));
				else
					jw_cell_text(&w, wh_cell(rr, i, j));
			}
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	wh_result_free(cr);
	wh_result_free(rr);
	free(owned);
	buf_free(&where);
	buf_free(&sql);
	return rc;
}

/* ------------------------------------------------------------ quality */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The test results of the kept runs (target/runs/<id>/run_results.json),
 * reread when the listing changes. Called with sd->mu held. */
static void hist_refresh(struct serve_data *sd, const char *target)
{
	char *runs = path_join(target, "runs");
	DIR *d = opendir(runs);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	struct buf key = BUF_INIT;
	buf_puts(&key, target);
	for (size_t i = 0; i < n; i++) {
		char *rr = xasprintf("%s/%s/run_results.json", runs, names[i]);
		buf_printf(&key, "|%s:", names[i]);
		file_stamp(rr, &key);
		free(rr);
	}
	if (sd->hist_key && !strcmp(sd->hist_key, buf_cstr(&key))) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		free(runs);
		buf_free(&key);
		return;
	}
	hist_clear(sd);
	sd->hist_key = buf_detach(&key, NULL);
	sd->hist = xcalloc(n + 1, sizeof(*sd->hist));
	for (size_t i = 0; i < n; i++) {
		char *rr = xasprintf("%s/%s/run_results.json", runs, names[i]);
		json_error_t je;
		json_t *j = json_load_file(rr, 0, &je);
		free(rr);
		json_t *res = json_object_get(j, "results");
		if (!json_is_array(res)) {
			json_decref(j);
			free(names[i]);
			continue;
		}
		struct hrun *h = &sd->hist[sd->nhist++];
		h->id = names[i];
		const char *ga = json_string_value(json_object_get(json_object_get(j, "metadata"), "generated_at"));
		h->generated_at = ga ? xstrdup(ga) : NULL;
		h->results = json_object();
		size_t k;
		json_t *r;
		json_array_foreach(res, k, r) {
			const char *id = json_string_value(json_object_get(r, "unique_id"));
			json_t *st = json_object_get(r, "status");
			if (id && str_startswith(id, "test.") && json_is_string(st))
				json_object_set(h->results, id, st);
		}
		json_decref(j);
	}
	free(names);
	free(runs);
}

struct fresh {
	const char *source, *table, *relation, *loaded_at_field;
	int64_t warn_us, error_us; /* 0: none */
	int64_t newest_us;         /* 0: no data */
	const char *status;        /* pass warn error none(no threshold) unknown(no data) */
	const char *error;         /* why the newest could not be read */
};

/* Source freshness: the newest max(loaded_at_field) of the relation when
 * declared (dbt's semantics), else the newest file loaded into it. */
static int freshness_collect(struct serve_data *sd, struct arena *a, struct fresh **out, size_t *nout,
			     struct err *e)
{
	*out = NULL;
	*nout = 0;
	struct project *p = platform_project_acquire(sd->pl);
	if (!p)
		return 0;
	struct srcref *sr = src_acquire(sd, p, e);
	if (!sr) {
		platform_project_release(sd->pl, p);
		return e->code ? e->code : ING_EFAIL;
	}
	const struct source_set set = sr->set;
	int rc = 0;
	size_t n = 0;
	for (size_t i = 0; i < set.n; i++)
		n += set.items[i].ntables;
	struct fresh *f = arena_zalloc(a, (n + 1) * sizeof(*f));
	struct wh_conn *c = NULL;
	rc = conn_get(sd, &c, e);
	bool have_files = !rc && meta_exists(sd, c, "loaded_files");
	size_t k = 0;
	int64_t now = now_us();
	for (size_t i = 0; !rc && i < set.n; i++)
		for (size_t j = 0; j < set.items[i].ntables; j++) {
			const struct src_table *t = &set.items[i].tables[j];
			if (!t->external && !t->freshness)
				continue;
			struct fresh *x = &f[k++];
			x->source = arena_strdup(a, set.items[i].name); /* the sources cache may go */
			x->table = arena_strdup(a, t->name);
			x->relation = arena_printf(a, "%s.%s", set.items[i].schema, t->identifier);
			x->loaded_at_field = t->loaded_at_field ? arena_strdup(a, t->loaded_at_field) : NULL;
			struct freshness_result fr;
			struct err qe = ERR_INIT;
			int qrc = freshness_check(c, &set.items[i], t, have_files, now, a, &fr, &qe);
			x->warn_us = fr.warn_us;
			x->error_us = fr.error_us;
			x->newest_us = fr.newest_us;
			x->status = fr.status;
			x->error = fr.error;
			err_clear(&qe);
			if (qrc) {
				/* a failed statement may leave a PostgreSQL transaction aborted */
				platform_conn_discard(sd->pl, c);
				c = NULL;
				rc = conn_get(sd, &c, e);
				if (rc)
					break;
				have_files = meta_exists(sd, c, "loaded_files");
			}
		}
	conn_done(sd, c, rc);
	src_release(sd, sr);
	platform_project_release(sd->pl, p);
	*out = f;
	*nout = k;
	return rc;
}

/* The quality state, for the API and /metrics. */
struct qtest {
	const struct cat_node *node;
	const char *status; /* the last result's, or NULL */
};
struct quality {
	struct arena *a;
	struct catref *cr;
	struct qtest *tests;
	size_t ntests;
	struct fresh *fresh;
	size_t nfresh;
	int64_t by_status[6]; /* pass warn fail error skipped none */
	const char *rag;
};

static const char *const QSTATUS[] = {"pass", "warn", "fail", "error", "skipped", "none"};

static int status_index(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (s && !strcmp(s, QSTATUS[i]))
			return i;
	/* a test reused by a state-aware build (status "success", "reused: no
	 * upstream change") holds on data that did not change since it passed */
	if (s && !strcmp(s, "success"))
		return 0;
	return s ? 3 : 5; /* "runtime error" and others count as errors */
}

static void quality_free(struct serve_data *sd, struct quality *q)
{
	cat_release(sd, q->cr);
	free(q->tests);
	arena_free(q->a);
}

static int quality_collect(struct serve_data *sd, struct quality *q, struct err *e)
{
	memset(q, 0, sizeof(*q));
	q->a = arena_new(0);
	q->cr = cat_acquire(sd, e);
	if (!q->cr)
		return e->code ? e->code : ING_EFAIL;
	const struct catalog *cat = q->cr->cat;
	q->tests = xcalloc(cat->nnodes + 1, sizeof(*q->tests));
	for (size_t i = 0; i < cat->nnodes; i++) {
		const struct cat_node *n = cat->nodes[i];
		if (n->type != CAT_TEST)
			continue;
		struct qtest *t = &q->tests[q->ntests++];
		t->node = n;
		t->status = n->last.present ? n->last.status : NULL;
		q->by_status[status_index(t->status)]++;
	}
	int rc = freshness_collect(sd, q->a, &q->fresh, &q->nfresh, e);
	if (rc)
		return rc;
	bool red = q->by_status[2] || q->by_status[3], amber = q->by_status[1] > 0;
	for (size_t i = 0; i < q->nfresh; i++) {
		red |= !strcmp(q->fresh[i].status, "error");
		amber |= !strcmp(q->fresh[i].status, "warn");
	}
	q->rag = red ? "red" : amber ? "amber" : "green";
	return 0;
}

static int api_quality(struct serve_data *sd, struct serve_out *out, struct err *e)
{
	struct quality q;
	int rc = quality_collect(sd, &q, e);
	if (rc) {
		quality_free(sd, &q);
		return rc;
	}
	struct project *p = platform_project_acquire(sd->pl);
	pthread_mutex_lock(&sd->mu);
	if (p)
		hist_refresh(sd, p->target_path);
	platform_project_release(sd->pl, p);
	struct jw w;
	jw_init(&w, &out->body, false);
	jw_obj_begin(&w);
	jw_key(&w, "summary");
	jw_obj_begin(&w);
	jw_key(&w, "status");
	jw_str(&w, q.rag);
	jw_key(&w, "tests");
	jw_int(&w, (int64_t)q.ntests);
	for (int i = 0; i < 6; i++) {
		jw_key(&w, QSTATUS[i]);
		jw_int(&w, q.by_status[i]);
	}
	int64_t fr[3] = {0, 0, 0};
	for (size_t i = 0; i < q.nfresh; i++)
		fr[!strcmp(q.fresh[i].status, "pass") ? 0 : !strcmp(q.fresh[i].status, "warn") ? 1
						       : !strcmp(q.fresh[i].status, "error") ? 2 : 0] +=
			strcmp(q.fresh[i].status, "none") && strcmp(q.fresh[i].status, "unknown");
	jw_key(&w, "freshness_pass");
	jw_int(&w, fr[0]);
	jw_key(&w, "freshness_warn");
	jw_int(&w, fr[1]);
	jw_key(&w, "freshness_error");
	jw_int(&w, fr[2]);
	jw_key(&w, "results_at");
	jw_str(&w, q.cr->cat->results_at);
	jw_obj_end(&w);
	jw_key(&w, "runs");
	jw_arr_begin(&w);
	for (size_t i = 0; i < sd->nhist; i++) {
		jw_obj_begin(&w);
		jw_key(&w, "id");
		jw_str(&w, sd->hist[i].id);
		jw_key(&w, "generated_at");
		jw_str(&w, sd->hist[i].generated_at);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "tests");
	jw_arr_begin(&w);
	for (size_t i = 0; i < q.ntests; i++) {
		const struct cat_node *n = q.tests[i].node;
		jw_obj_begin(&w);
		jw_key(&w, "unique_id");
		jw_str(&w, n->unique_id);
		jw_key(&w, "name");
		jw_str(&w, n->name);
		jw_key(&w, "test");
		jw_str(&w, n->test_name);
		jw_key(&w, "attached");
		jw_str(&w, n->attached ? n->attached->unique_id : NULL);
		jw_key(&w, "attached_name");
		jw_str(&w, n->attached ? n->attached->label : NULL);
		jw_key(&w, "column");
		jw_str(&w, n->column_name);
		jw_key(&w, "status");
		jw_str(&w, q.tests[i].status);
		jw_key(&w, "failures");
		if (n->last.present && n->last.failures >= 0)
			jw_int(&w, n->last.failures);
		else
			jw_null(&w);
		jw_key(&w, "message");
		jw_str(&w, n->last.present ? n->last.message : NULL);
		jw_key(&w, "completed_at");
		jw_str(&w, n->last.present ? n->last.completed_at : NULL);
		jw_key(&w, "failures_relation"); /* store_failures: the failing rows' table */
		jw_str(&w, n->relation_name);
		jw_key(&w, "history"); /* one entry per kept run, oldest first; null: not run there */
		jw_arr_begin(&w);
		for (size_t h = 0; h < sd->nhist; h++)
			jw_str(&w, json_string_value(json_object_get(sd->hist[h].results, n->unique_id)));
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	pthread_mutex_unlock(&sd->mu);
	jw_key(&w, "freshness");
	jw_arr_begin(&w);
	int64_t now = now_us();
	for (size_t i = 0; i < q.nfresh; i++) {
		const struct fresh *f = &q.fresh[i];
		jw_obj_begin(&w);
		jw_key(&w, "source");
		jw_str(&w, f->source);
		jw_key(&w, "table");
		jw_str(&w, f->table);
		jw_key(&w, "relation");
		jw_str(&w, f->relation);
		jw_key(&w, "loaded_at_field");
		jw_str(&w, f->loaded_at_field);
		jw_key(&w, "newest_at");
		jw_time(&w, f->newest_us);
		jw_key(&w, "age_s");
		if (f->newest_us)
			jw_double(&w, (double)(now - f->newest_us) / 1e6);
		else
			jw_null(&w);
		jw_key(&w, "warn_after_s");
		f->warn_us ? jw_double(&w, (double)f->warn_us / 1e6) : jw_null(&w);
		jw_key(&w, "error_after_s");
		f->error_us ? jw_double(&w, (double)f->error_us / 1e6) : jw_null(&w);
		jw_key(&w, "status");
		jw_str(&w, f->status);
		jw_key(&w, "error");
		jw_str(&w, f->error);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	quality_free(sd, &q);
	return 0;
}

/* GET /api/v1/quality/tests/{id}/failures: the failing rows a test with
 * store_failures kept (its relation in the audit schema), 100 at most. The
 * relation comes from the manifest, never from the URL. */
static int api_test_failures(struct serve_data *sd, const struct serve_route *rt, struct serve_out *out,
			     struct err *e)
{
	struct catref *cr = cat_acquire(sd, e);
	if (!cr)
		return e->code ? e->code : ING_EFAIL;
	const struct cat_node *n = NULL;
	int rc = cat_find(cr->cat, rt->name, &n, e);
	if (!rc && n->type != CAT_TEST)
		rc = err_set(e, ING_EINVAL, "%s is a %s, not a test", n->unique_id, cat_type_name(n->type));
	if (!rc && !n->relation_name)
		rc = err_set(e, ING_ENOTFOUND,
			     "%s does not keep its failing rows: give it (or the project's data_tests) "
			     "store_failures: true and build again",
			     n->unique_id);
	struct wh_conn *c = NULL;
	struct wh_result *r = NULL;
	if (!rc)
		rc = conn_get(sd, &c, e);
	if (!rc) {
		char *sql = xasprintf("SELECT * FROM %s LIMIT 101", n->relation_name);
		rc = wh_query(c, sql, NULL, 0, &r, e);
		free(sql);
		conn_done(sd, c, rc);
		if (rc)
			err_prefix(e, "%s: reading its failing rows (build it again to store them)", n->unique_id);
	}
	if (!rc)
		rc = re_encode(RE_JSON, r, &(struct re_opts){.max_rows = 100, .json_key = "rows"},
			       re_sink_buf(&out->body), NULL, e);
	wh_result_free(r);
	cat_release(sd, cr);
	return rc;
}

/* ------------------------------------------------------------ catalog */

static int api_search(struct serve_data *sd, const struct dash_param *p, size_t np, struct serve_out *out,
		      struct err *e)
{
	const char *q = param(p, np, "q");
	const char *types = param(p, np, "types");
	unsigned bits = 0;
	bool dashboards = true;
	long long limit;
	int rc = int_param(p, np, "limit", 50, 1, 1000, &limit, e);
	if (rc)
		return rc;
	if (types && *types) {
		char *t = xstrdup(types);
		/* "dashboard" is the server's own type; the rest are the catalog's */
		dashboards = false;
		struct buf rest = BUF_INIT;
		for (char *s = strtok(t, " ,"); s; s = strtok(NULL, " ,")) {
			if (!strcmp(s, "dashboard"))
				dashboards = true;
			else
				buf_printf(&rest, "%s ", s);
		}
		free(t);
		if (rest.len)
			rc = cat_types_parse(buf_cstr(&rest), &bits, e);
		else
			bits = 0x100; /* dashboards only: no catalog type */
		buf_free(&rest);
		if (rc) {
			err_prefix(e, "types=%s (or dashboard)", types);
			return rc;
		}
	}
	struct catref *cr = cat_acquire(sd, e);
	if (!cr)
		return e->code ? e->code : ING_EFAIL;
	struct cat_hit *hits = NULL;
	size_t n = 0;
	if (bits != 0x100)
		cat_search(cr->cat, q ? q : "", bits, (size_t)limit, &hits, &n);
	struct jw w;
	jw_init(&w, &out->body, false);
	jw_obj_begin(&w);
	jw_key(&w, "hits");
	cat_hits_json(hits, n, &w);
	jw_key(&w, "dashboards");
	jw_arr_begin(&w);
	if (dashboards) {
		struct buf lb = BUF_INIT;
		struct err de = ERR_INIT;
		if (!dash_list_json(sd->dash, &lb, &de)) {
			json_t *j = json_loadb(lb.data ? lb.data : "", lb.len, 0, NULL);
			size_t i;
			json_t *d;
			json_array_foreach(json_object_get(j, "dashboards"), i, d) {
				const char *name = json_string_value(json_object_get(d, "name"));
				const char *title = json_string_value(json_object_get(d, "title"));
				if (!name)
					continue;
				bool hit = !q || !*q || strcasestr(name, q) || (title && strcasestr(title, q));
				size_t pi;
				json_t *pg;
				json_array_foreach(json_object_get(d, "pages"), pi, pg) {
					const char *pt = json_string_value(json_object_get(pg, "title"));
					hit |= pt && q && strcasestr(pt, q);
				}
				if (!hit)
					continue;
				jw_obj_begin(&w);
				jw_key(&w, "unique_id");
				char id[300];
				snprintf(id, sizeof(id), "dashboard.%s", name);
				jw_str(&w, id);
				jw_key(&w, "resource_type");
				jw_str(&w, "dashboard");
				jw_key(&w, "name");
				jw_str(&w, name);
				jw_key(&w, "title");
				jw_str(&w, title);
				jw_obj_end(&w);
			}
			json_decref(j);
		}
		err_clear(&de);
		buf_free(&lb);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	free(hits);
	cat_release(sd, cr);
	return 0;
}

/* The tiles reading a model (by ref name). */
struct tiles {
	struct arena *a;
	struct dash_tile_ref *t;
	size_t n, cap;
};

static void tile_add(void *arg, const struct dash_tile_ref *r)
{
	struct tiles *ts = arg;
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? 2 * ts->cap : 64;
		ts->t = xrealloc(ts->t, ts->cap * sizeof(*ts->t));
	}
	struct dash_tile_ref *x = &ts->t[ts->n++];
	x->dashboard = arena_strdup(ts->a, r->dashboard);
	x->dashboard_title = arena_strdup(ts->a, r->dashboard_title ? r->dashboard_title : r->dashboard);
	x->page = arena_strdup(ts->a, r->page);
	x->page_title = arena_strdup(ts->a, r->page_title ? r->page_title : r->page);
	x->tile = arena_strdup(ts->a, r->tile);
	x->title = arena_strdup(ts->a, r->title ? r->title : r->tile);
	x->model = arena_strdup(ts->a, r->model);
	x->filters = r->filters ? arena_strdup(ts->a, r->filters) : NULL;
}

static void tiles_load(struct serve_data *sd, struct tiles *ts)
{
	memset(ts, 0, sizeof(*ts));
	ts->a = arena_new(0);
	struct err e = ERR_INIT;
	if (dash_tile_refs(sd->dash, tile_add, ts, &e))
		log_info("lineage: no dashboard tiles (%s)", e.msg ? e.msg : "?");
	err_clear(&e);
}

static void tiles_free(struct tiles *ts)
{
	free(ts->t);
	arena_free(ts->a);
}

static void tile_json(struct jw *w, const struct dash_tile_ref *t)
{
	jw_key(w, "dashboard");
	jw_str(w, t->dashboard);
	jw_key(w, "page");
	jw_str(w, t->page);
	jw_key(w, "page_title");
	jw_str(w, t->page_title);
	jw_key(w, "tile");
	jw_str(w, t->tile);
	jw_key(w, "title");
	jw_str(w, t->title);
}

/* The label of a tile that reaches a model only through its view's
 * related: (it reads the model when one of those filters is active). */
static char *filters_label(const struct dash_tile_ref *t)
{
	return xasprintf("filters through: %s", t->filters);
}

static int api_node(struct serve_data *sd, const struct serve_route *rt, struct serve_out *out, struct err *e)
{
	struct catref *cr = cat_acquire(sd, e);
	if (!cr)
		return e->code ? e->code : ING_EFAIL;
	const struct cat_node *n = NULL;
	int rc = cat_find(cr->cat, rt->name, &n, e);
	if (rc) {
		cat_release(sd, cr);
		return rc;
	}
	struct buf nb = BUF_INIT;
	struct jw w;
	jw_init(&w, &nb, false);
	cat_node_json(n, &w);
	/* the server's additions: the last build's time and duration (its
	 * last result), and the dashboard tiles reading it */
	json_t *j = json_loadb(nb.data ? nb.data : "{}", nb.len, 0, NULL);
	buf_free(&nb);
	if (!j) {
		cat_release(sd, cr);
		return err_set(e, ING_EFAIL, "the catalog's JSON of %s does not parse", n->unique_id);
	}
	json_object_set_new(j, "last_build_at",
			    n->last.present && n->last.completed_at ? json_string(n->last.completed_at) : json_null());
	json_object_set_new(j, "last_build_s", n->last.present ? json_real(n->last.execution_time) : json_null());
	json_t *tl = json_array();
	if (n->type == CAT_MODEL) {
		struct tiles ts;
		tiles_load(sd, &ts);
		for (size_t i = 0; i < ts.n; i++)
			if (!strcmp(ts.t[i].model, n->name)) {
				/* reads: "rows" (the view's model) or "filters" (a
				 * related model, read when its filters are active) */
				json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "dashboard",
						      ts.t[i].dashboard, "page", ts.t[i].page, "page_title",
						      ts.t[i].page_title, "tile", ts.t[i].tile, "title",
						      ts.t[i].title, "reads", ts.t[i].filters ? "filters" : "rows");
				if (ts.t[i].filters) {
					char *lab = filters_label(&ts.t[i]);
					json_object_set_new(o, "filters", json_string(ts.t[i].filters));
					json_object_set_new(o, "label", json_string(lab));
					free(lab);
				}
				json_array_append_new(tl, o);
			}
		tiles_free(&ts);
	}
	json_object_set_new(j, "tiles", tl);
	char *txt = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	buf_puts(&out->body, txt ? txt : "{}");
	free(txt);
	cat_release(sd, cr);
	return 0;
}

/* The lineage of a node, with the lake files of the sources it reaches
 * (upstream, one step past them) and the dashboard tiles of the models it
 * reaches (downstream, one step past them). A node:
 *   {"id", "kind": "lake_file|source|model|seed|snapshot|exposure|tile|...",
 *    "name", "depth", "status"}
 * edges {"from", "to"}. */
static int api_lineage(struct serve_data *sd, const struct serve_route *rt, const struct dash_param *p,
		       size_t np, struct serve_out *out, struct err *e)
{
	long long up, down;
	int rc = int_param(p, np, "up", 3, -1, 100, &up, e);
	if (!rc)
		rc = int_param(p, np, "down", 3, -1, 100, &down, e);
	if (rc)
		return rc;
	struct catref *cr = cat_acquire(sd, e);
	if (!cr)
		return e->code ? e->code : ING_EFAIL;
	const struct cat_node *root = NULL;
	rc = cat_find(cr->cat, rt->name, &root, e);
	struct cat_lineage l = {0};
	if (!rc)
		rc = cat_lineage(cr->cat, root->unique_id, (int)up, (int)down, &l, e);
	if (rc) {
		cat_release(sd, cr);
		return rc;
	}
	struct tiles ts;
	tiles_load(sd, &ts);
	struct strmap tile_ids = STRMAP_INIT;
	/* the tiles of the walk that read a model of it directly (its view's) */
	struct strmap direct = STRMAP_INIT;
	for (size_t i = 0; i < l.nnodes; i++) {
		const struct cat_node *n = l.nodes[i].node;
		if (n->type != CAT_MODEL || !(down < 0 || l.nodes[i].depth + 1 <= down))
			continue;
		for (size_t t = 0; t < ts.n; t++)
			if (!ts.t[t].filters && !strcmp(ts.t[t].model, n->name)) {
				char id[600];
				snprintf(id, sizeof(id), "tile:%s/%s/%s", ts.t[t].dashboard, ts.t[t].page,
					 ts.t[t].tile);
				strmap_put(&direct, id, NULL);
			}
	}
	/* lake files of the sources in the walk */
	struct wh_conn *c = NULL;
	struct frange {
		size_t from, n; /* rows of `all` */
	} *files = xcalloc(l.nnodes + 1, sizeof(*files));
	struct wh_result *all = NULL;
	struct err ce = ERR_INIT;
	bool any_source = false;
	for (size_t i = 0; i < l.nnodes; i++)
		any_source |= l.nodes[i].node->type == CAT_SOURCE;
	/* one query for every source of the walk: the first files of each
	 * (by path), LINEAGE_FILES_MAX + 1 to tell there are more */
	if (any_source && !conn_get(sd, &c, &ce)) {
		bool have = meta_exists(sd, c, "loaded_files");
		struct buf sql = BUF_INIT;
		struct wh_value *v = xcalloc(2 * l.nnodes + 1, sizeof(*v));
		size_t nv = 0;
		for (size_t i = 0; have && i < l.nnodes; i++) {
			const struct cat_node *n = l.nodes[i].node;
			if (n->type != CAT_SOURCE || !n->source_name || (up >= 0 && -l.nodes[i].depth + 1 > up))
				continue;
			buf_printf(&sql, "%s(source = $%zu AND table_name = $%zu)", nv ? " OR " : "", nv + 1, nv + 2);
			v[nv++] = wh_text(n->source_name);
			v[nv++] = wh_text(n->name);
		}
		int qrc = 0;
		if (nv) {
			struct buf q = BUF_INIT;
			buf_printf(&q,
				   "SELECT source, table_name, path, rows_read FROM (SELECT source, table_name, path, "
				   "rows_read, row_number() OVER (PARTITION BY source, table_name ORDER BY path) AS rn "
				   "FROM _ingot.loaded_files WHERE duplicate_of IS NULL AND (%s)) x WHERE rn <= %d "
				   "ORDER BY source, table_name, path",
				   buf_cstr(&sql), LINEAGE_FILES_MAX + 1);
			qrc = wh_query(c, buf_cstr(&q), v, nv, &all, &ce);
			buf_free(&q);
		}
		conn_done(sd, c, qrc);
		buf_free(&sql);
		free(v);
		/* each source node's rows: a range of `all` (ordered by source, table) */
		for (size_t i = 0; all && i < l.nnodes; i++) {
			const struct cat_node *n = l.nodes[i].node;
			if (n->type != CAT_SOURCE || !n->source_name || (up >= 0 && -l.nodes[i].depth + 1 > up))
				continue;
			for (size_t k = 0; k < all->nrows; k++) {
				const struct wh_value *a0 = wh_cell(all, k, 0), *a1 = wh_cell(all, k, 1);
				if ((a0->type != WH_TEXT && a0->type != WH_OTHER) || (a1->type != WH_TEXT && a1->type != WH_OTHER) ||
				    a0->v.s.n != strlen(n->source_name) ||
				    a1->v.s.n != strlen(n->name) || memcmp(a0->v.s.p, n->source_name, a0->v.s.n) ||
				    memcmp(a1->v.s.p, n->name, a1->v.s.n))
					continue;
				if (!files[i].n)
					files[i].from = k;
				files[i].n++;
			}
		}
	}
	err_clear(&ce);
	struct jw w;
	jw_init(&w, &out->body, false);
	jw_obj_begin(&w);
	jw_key(&w, "root");
	jw_str(&w, root->unique_id);
	jw_key(&w, "up");
	jw_int(&w, up);
	jw_key(&w, "down");
	jw_int(&w, down);
	jw_key(&w, "nodes");
	jw_arr_begin(&w);
	for (size_t i = 0; i < l.nnodes; i++) {
		const struct cat_node *n = l.nodes[i].node;
		jw_obj_begin(&w);
		jw_key(&w, "id");
		jw_str(&w, n->unique_id);
		jw_key(&w, "kind");
		jw_str(&w, cat_type_name(n->type));
		jw_key(&w, "name");
		jw_str(&w, n->label);
		jw_key(&w, "depth");
		jw_int(&w, l.nodes[i].depth);
		jw_key(&w, "materialized");
		jw_str(&w, n->materialized);
		jw_key(&w, "status");
		jw_str(&w, n->last.present ? n->last.status : NULL);
		jw_obj_end(&w);
		for (size_t f = 0; f < files[i].n && f < LINEAGE_FILES_MAX; f++) {
			struct buf id = BUF_INIT;
			buf_puts(&id, "file:");
			wh_value_text(wh_cell(all, files[i].from + f, 2), &id);
			jw_obj_begin(&w);
			jw_key(&w, "id");
			jw_str(&w, buf_cstr(&id));
			jw_key(&w, "kind");
			jw_str(&w, "lake_file");
			jw_key(&w, "name");
			jw_cell_text(&w, wh_cell(all, files[i].from + f, 2));
			jw_key(&w, "depth");
			jw_int(&w, l.nodes[i].depth - 1);
			jw_key(&w, "rows");
			jw_cell_int(&w, wh_cell(all, files[i].from + f, 3));
			jw_obj_end(&w);
			buf_free(&id);
		}
		if (files[i].n > LINEAGE_FILES_MAX) {
			jw_obj_begin(&w);
			jw_key(&w, "id");
			char id[400];
			snprintf(id, sizeof(id), "files:%s", n->unique_id);
			jw_str(&w, id);
			jw_key(&w, "kind");
			jw_str(&w, "lake_files_more");
			jw_key(&w, "name");
			jw_str(&w, "more files (see Loads)");
			jw_key(&w, "depth");
			jw_int(&w, l.nodes[i].depth - 1);
			jw_obj_end(&w);
		}
		if (n->type == CAT_MODEL && (down < 0 || l.nodes[i].depth + 1 <= down))
			for (size_t t = 0; t < ts.n; t++) {
				if (strcmp(ts.t[t].model, n->name))
					continue;
				char id[600];
				snprintf(id, sizeof(id), "tile:%s/%s/%s", ts.t[t].dashboard, ts.t[t].page, ts.t[t].tile);
				/* a tile reaches several models of the walk (its
				 * view's and the related ones it filters through):
				 * one node, an edge from each */
				if (strmap_has(&tile_ids, id))
					continue;
				strmap_put(&tile_ids, id, NULL);
				jw_obj_begin(&w);
				jw_key(&w, "id");
				jw_str(&w, id);
				jw_key(&w, "kind");
				jw_str(&w, "tile");
				jw_key(&w, "name");
				/* reached only through related models: it reads them
				 * when their filters are active, and says so */
				bool via = ts.t[t].filters && !strmap_has(&direct, id);
				char *lab = via ? filters_label(&ts.t[t]) : NULL;
				char nm[800];
				snprintf(nm, sizeof(nm), "%s / %s%s%s%s", ts.t[t].page_title, ts.t[t].title,
					 via ? " (" : "", via ? lab : "", via ? ")" : "");
				jw_str(&w, nm);
				jw_key(&w, "depth");
				jw_int(&w, l.nodes[i].depth + 1);
				tile_json(&w, &ts.t[t]);
				jw_key(&w, "reads");
				jw_str(&w, via ? "filters" : "rows");
				if (via) {
					jw_key(&w, "label");
					jw_str(&w, lab);
				}
				free(lab);
				jw_obj_end(&w);
			}
	}
	jw_arr_end(&w);
	jw_key(&w, "edges");
	jw_arr_begin(&w);
	for (size_t i = 0; i < l.nedges; i++) {
		jw_obj_begin(&w);
		jw_key(&w, "from");
		jw_str(&w, l.edges[i].from->unique_id);
		jw_key(&w, "to");
		jw_str(&w, l.edges[i].to->unique_id);
		jw_obj_end(&w);
	}
	for (size_t i = 0; i < l.nnodes; i++) {
		const struct cat_node *n = l.nodes[i].node;
		for (size_t f = 0; f < files[i].n && f < LINEAGE_FILES_MAX + 1; f++) {
			struct buf id = BUF_INIT;
			if (f == LINEAGE_FILES_MAX)
				buf_printf(&id, "files:%s", n->unique_id);
			else {
				buf_puts(&id, "file:");
				wh_value_text(wh_cell(all, files[i].from + f, 2), &id);
			}
			jw_obj_begin(&w);
			jw_key(&w, "from");
			jw_str(&w, buf_cstr(&id));
			jw_key(&w, "to");
			jw_str(&w, n->unique_id);
			jw_obj_end(&w);
			buf_free(&id);
		}
		if (n->type == CAT_MODEL && (down < 0 || l.nodes[i].depth + 1 <= down))
			for (size_t t = 0; t < ts.n; t++) {
				if (strcmp(ts.t[t].model, n->name))
					continue;
				char id[600];
				snprintf(id, sizeof(id), "tile:%s/%s/%s", ts.t[t].dashboard, ts.t[t].page, ts.t[t].tile);
				jw_obj_begin(&w);
				jw_key(&w, "from");
				jw_str(&w, n->unique_id);
				jw_key(&w, "to");
				jw_str(&w, id);
				if (ts.t[t].filters) { /* read when its filters are active */
					char *lab = filters_label(&ts.t[t]);
					jw_key(&w, "kind");
					jw_str(&w, "filters");
					jw_key(&w, "label");
					jw_str(&w, lab);
					free(lab);
				}
				jw_obj_end(&w);
			}
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	wh_result_free(all);
	free(files);
	tiles_free(&ts);
	strmap_free(&tile_ids, NULL);
	strmap_free(&direct, NULL);
	cat_lineage_free(&l);
	cat_release(sd, cr);
	return 0;
}

/* ------------------------------------------------------------ dispatch */

static int answer(struct serve_data *sd, const struct serve_route *rt, const struct dash_param *p, size_t np,
		  struct serve_out *out, struct err *e)
{
	switch (rt->kind) {
	case RT_LOADS:
		return api_loads(sd, out, e);
	case RT_LOAD_TABLE:
		return api_load_table(sd, rt, out, e);
	case RT_REJECTS:
		return api_rejects(sd, p, np, false, out, e);
	case RT_REJECTS_CSV:
		return api_rejects(sd, p, np, true, out, e);
	case RT_QUALITY:
		return api_quality(sd, out, e);
	case RT_CATALOG_SEARCH:
		return api_search(sd, p, np, out, e);
	case RT_CATALOG_NODE:
		return api_node(sd, rt, out, e);
	case RT_CATALOG_LINEAGE:
		return api_lineage(sd, rt, p, np, out, e);
	case RT_TEST_FAILURES:
		return api_test_failures(sd, rt, out, e);
	default:
		return err_set(e, ING_ENOTFOUND, "no such API route");
	}
}

static void cache_key(struct serve_data *sd, const struct serve_route *rt, const struct dash_param *p, size_t np,
		      struct buf *key)
{
	buf_printf(key, "%d|%s|%s|%u|%llu|", (int)rt->kind, rt->board, rt->name,
		   platform_project_generation(sd->pl), (unsigned long long)platform_data_epoch(sd->pl));
	struct project *pr = platform_project_acquire(sd->pl);
	if (pr) {
		char *mf = path_join(pr->target_path, "manifest.json");
		char *rr = path_join(pr->target_path, "run_results.json");
		file_stamp(mf, key);
		file_stamp(rr, key);
		free(mf);
		free(rr);
	}
	platform_project_release(sd->pl, pr);
	for (size_t i = 0; i < np; i++) { /* in the order given: a reordered query is another key */
		buf_puts(key, "&");
		buf_puts(key, p[i].name);
		buf_puts(key, "=");
		buf_puts(key, p[i].value);
	}
}

int serve_data_answer(struct serve_data *sd, const struct serve_route *rt, const struct dash_param *p,
		      size_t np, struct serve_out *out, struct err *e)
{
	out->type = "application/json; charset=utf-8";
	bool cacheable = rt->kind != RT_REJECTS_CSV && !sd->rc_off; /* exports are one-off and big */
	if (!cacheable)
		return answer(sd, rt, p, np, out, e);
	struct buf key = BUF_INIT;
	cache_key(sd, rt, p, np, &key);
	int64_t now = now_us();
	pthread_mutex_lock(&sd->rc_mu);
	for (size_t i = 0; i < RCACHE_MAX; i++) {
		struct rentry *x = &sd->rc[i];
		if (x->key && now - x->at < RCACHE_TTL_US && !strcmp(x->key, buf_cstr(&key))) {
			buf_add(&out->body, x->body, x->len);
			out->type = x->type;
			memcpy(out->disposition, x->disposition, sizeof(out->disposition));
			pthread_mutex_unlock(&sd->rc_mu);
			buf_free(&key);
			return 0;
		}
	}
	pthread_mutex_unlock(&sd->rc_mu);
	int rc = answer(sd, rt, p, np, out, e);
	if (!rc) {
		pthread_mutex_lock(&sd->rc_mu);
		struct rentry *x = &sd->rc[sd->rc_next];
		sd->rc_next = (sd->rc_next + 1) % RCACHE_MAX;
		free(x->key);
		free(x->body);
		x->key = buf_detach(&key, NULL);
		x->body = xmalloc(out->body.len + 1);
		memcpy(x->body, out->body.data ? out->body.data : "", out->body.len);
		x->len = out->body.len;
		x->type = out->type;
		memcpy(x->disposition, out->disposition, sizeof(x->disposition));
		x->at = now;
		pthread_mutex_unlock(&sd->rc_mu);
	}
	buf_free(&key);
	return rc;
}

/* ------------------------------------------------------------ for /metrics */

/* {source="...",table="..."} with the label values escaped (\\, \", \n). */
static void labels(struct buf *out, const char *source, const char *table)
{
	const char *v[2] = {source, table}, *k[2] = {"source", "table"};
	buf_putc(out, '{');
	for (int i = 0; i < 2; i++) {
		buf_printf(out, "%s%s=\"", i ? "," : "", k[i]);
		for (const char *p = v[i] ? v[i] : ""; *p; p++) {
			if (*p == '\\' || *p == '"')
				buf_putc(out, '\\');
			if (*p == '\n')
				buf_puts(out, "\\n");
			else
				buf_putc(out, *p);
		}
		buf_putc(out, '"');
	}
	buf_putc(out, '}');
}

int serve_data_metrics(struct serve_data *sd, struct buf *out, struct err *e)
{
	struct loadset ls;
	int rc = loads_collect(sd, &ls, NULL, NULL, e);
	if (!rc) {
		static const struct {
			const char *name, *help;
			size_t off;
		} m[] = {
			{"ingot_load_files_total", "Files loaded into a source table (all loads).",
			 offsetof(struct tload, files)},
			{"ingot_load_bytes_total", "Bytes loaded into a source table.", offsetof(struct tload, bytes)},
			{"ingot_load_rows_read_total", "CSV rows read for a source table.",
			 offsetof(struct tload, rows_read)},
			{"ingot_load_rows_loaded_total", "Rows loaded into a source table.",
			 offsetof(struct tload, rows_loaded)},
			{"ingot_load_rows_rejected_total", "Rows rejected (in _ingot.load_rejects).",
			 offsetof(struct tload, rows_rejected)},
			{"ingot_loads_total", "Loads recorded in _ingot.loads.", offsetof(struct tload, loads)},
		};
		for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
			buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", m[k].name, m[k].help, m[k].name);
			for (size_t i = 0; i < ls.n; i++) {
				buf_puts(out, m[k].name);
				labels(out, ls.t[i].source, ls.t[i].table);
				buf_printf(out, " %lld\n", (long long)*(int64_t *)((char *)&ls.t[i] + m[k].off));
			}
		}
	}
	loadset_free(&ls);
	if (rc)
		return rc;
	struct quality q;
	rc = quality_collect(sd, &q, e);
	if (!rc) {
		buf_puts(out, "# HELP ingot_test_results Data tests by the status of their last result (none: not run).\n"
			      "# TYPE ingot_test_results gauge\n");
		for (int i = 0; i < 6; i++)
			buf_printf(out, "ingot_test_results{status=\"%s\"} %lld\n", QSTATUS[i],
				   (long long)q.by_status[i]);
		buf_puts(out, "# HELP ingot_source_freshness_age_seconds Age of the newest data of a source table.\n"
			      "# TYPE ingot_source_freshness_age_seconds gauge\n");
		int64_t now = now_us();
		for (size_t i = 0; i < q.nfresh; i++)
			if (q.fresh[i].newest_us) {
				buf_puts(out, "ingot_source_freshness_age_seconds");
				labels(out, q.fresh[i].source, q.fresh[i].table);
				buf_printf(out, " %.3f\n", (double)(now - q.fresh[i].newest_us) / 1e6);
			}
		buf_puts(out, "# HELP ingot_data_quality_status 0 green, 1 amber, 2 red.\n"
			      "# TYPE ingot_data_quality_status gauge\n");
		buf_printf(out, "ingot_data_quality_status %d\n", !strcmp(q.rag, "red") ? 2 : !strcmp(q.rag, "amber"));
	}
	quality_free(sd, &q);
	return rc;
}
