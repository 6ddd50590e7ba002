/*
 * serve/metrics.c — GET /metrics: the Prometheus text format (0.0.4).
 *
 *   ingot_runs{pipeline,state}               runs in the history by state (gauge)
 *   ingot_tasks{pipeline,state}              task instances by state (gauge)
 *   ingot_run_duration_seconds{pipeline}     histogram of ended runs
 *   ingot_task_duration_seconds{pipeline}    histogram of ended task instances
 *   ingot_load_*_total{source,table}         files, bytes, rows read/loaded/rejected, loads
 *   ingot_test_results{status}               data tests by their last status
 *   ingot_source_freshness_age_seconds{source,table}
 *   ingot_data_quality_status                0 green, 1 amber, 2 red
 *   ingot_http_request_duration_seconds{route} histogram, since start
 *   ingot_dashboard_cache_hits_total / _misses_total
 *
 * The history numbers are read from the run-history store at each scrape
 * (aggregate queries); the loads from the warehouse's _ingot tables; the
 * quality numbers from the catalog (api_data.c). A part that cannot be
 * read is left out with a comment line saying why, so one broken source
 * does not hide the others; the scrape is still 200.
 */
#include "serve/serve_int.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "dash/dash.h"
#include "orchestrate/history.h"
#include "orchestrate/state.h"
#include "platform/platform.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const double BOUNDS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NB (sizeof(BOUNDS) / sizeof(BOUNDS[0]))
static const double DBOUNDS[] = {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400};
#define NDB (sizeof(DBOUNDS) / sizeof(DBOUNDS[0]))

struct rhist {
	atomic_ullong bucket[NB + 1]; /* per bucket (not cumulative); the last: +Inf */
	atomic_ullong count, sum_ns;
};

/* The run-history part of the text, kept with the store's data_version
 * it was read at: a scrape after nothing was committed to the store (no
 * task or run changed state) costs a PRAGMA instead of aggregates over the
 * whole tasks table. One store handle is kept open (a struct st is
 * single-thread: the mutex), so a scrape does not reopen the store. */
struct serve_metrics {
	struct rhist h[RT__COUNT];
	pthread_mutex_t hmu;
	struct st *hs;
	int64_t hver;
	struct buf htext;
	bool hvalid;
};

struct serve_metrics *serve_metrics_new(void)
{
	struct serve_metrics *m = xcalloc(1, sizeof(struct serve_metrics));
	pthread_mutex_init(&m->hmu, NULL);
	m->htext = (struct buf)BUF_INIT;
	return m;
}

void serve_metrics_free(struct serve_metrics *m)
{
	if (!m)
		return;
	st_close(m->hs);
	buf_free(&m->htext);
	pthread_mutex_destroy(&m->hmu);
	free(m);
}

void serve_metrics_observe(struct serve_metrics *m, enum route_kind k, double seconds)
{
	if (!m || (int)k < 0 || k >= RT__COUNT)
		return;
	struct rhist *h = &m->h[k];
	size_t b = 0;
	while (b < NB && seconds > BOUNDS[b])
		b++;
	atomic_fetch_add(&h->bucket[b], 1);
	atomic_fetch_add(&h->count, 1);
	atomic_fetch_add(&h->sum_ns, (unsigned long long)(seconds * 1e9));
}

/* A label value: backslash, quote and newline escaped. */
static void label(struct buf *out, const char *s)
{
	buf_putc(out, '"');
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_putc(out, '\\');
		if (*s == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

static void num(struct buf *out, double v)
{
	char t[64];
	snprintf(t, sizeof(t), "%.17g", v);
	buf_puts(out, t);
}

/* ---- the run history ---- */

struct counts_ctx {
	struct buf *out;
	const char *name;
};

static void on_count(void *arg, const char *pipeline, const char *state, int64_t n)
{
	struct counts_ctx *c = arg;
	buf_printf(c->out, "%s{pipeline=", c->name);
	label(c->out, pipeline);
	buf_puts(c->out, ",state=");
	label(c->out, state);
	buf_printf(c->out, "} %lld\n", (long long)n);
}

struct dur_ctx {
	struct buf *out;
	const char *name;
};

static void on_duration(void *arg, const char *pipeline, const int64_t *le, double sum, int64_t count)
{
	struct dur_ctx *c = arg;
	for (size_t b = 0; b <= NDB; b++) {
		buf_printf(c->out, "%s_bucket{pipeline=", c->name);
		label(c->out, pipeline);
		buf_puts(c->out, ",le=\"");
		if (b == NDB)
			buf_puts(c->out, "+Inf");
		else
			num(c->out, DBOUNDS[b]);
		buf_printf(c->out, "\"} %lld\n", (long long)(b == NDB ? count : le[b]));
	}
	buf_printf(c->out, "%s_sum{pipeline=", c->name);
	label(c->out, pipeline);
	buf_puts(c->out, "} ");
	num(c->out, sum);
	buf_printf(c->out, "\n%s_count{pipeline=", c->name);
	label(c->out, pipeline);
	buf_printf(c->out, "} %lld\n", (long long)count);
}

static void durations(struct buf *out, struct st *s, bool tasks)
{
	const char *name = tasks ? "ingot_task_duration_seconds" : "ingot_run_duration_seconds";
	buf_printf(out, "# HELP %s Duration of ended %s, from the run history.\n# TYPE %s histogram\n", name,
		   tasks ? "task instances" : "pipeline runs", name);
	struct dur_ctx c = {out, name};
	struct err e = ERR_INIT;
	if (st_stats_durations(s, tasks, DBOUNDS, NDB, on_duration, &c, &e)) {
		buf_printf(out, "# %s: the history could not be read\n", name);
		log_warn("/metrics: %s", e.msg ? e.msg : "?");
	}
	err_clear(&e);
}

static void history_read(struct buf *out, struct st *s)
{
	struct err e = ERR_INIT;
	static const struct {
		const char *name, *help;
		bool tasks;
	} g[] = {
		{"ingot_runs", "Pipeline runs in the history, by state.", false},
		{"ingot_tasks", "Task instances in the history, by the state of their run's task.", true},
	};
	for (size_t i = 0; i < 2; i++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", g[i].name, g[i].help, g[i].name);
		struct counts_ctx c = {out, g[i].name};
		if (st_stats_counts(s, g[i].tasks, on_count, &c, &e)) {
			buf_printf(out, "# %s: the history could not be read\n", g[i].name);
			log_warn("/metrics: %s", e.msg ? e.msg : "?");
			err_clear(&e);
		}
	}
	durations(out, s, false);
	durations(out, s, true);
}

static void history(struct serve_metrics *m, struct buf *out, struct platform *pl)
{
	pthread_mutex_lock(&m->hmu);
	struct err e = ERR_INIT;
	if (!m->hs && st_open(platform_state_path(pl), &m->hs, &e)) {
		pthread_mutex_unlock(&m->hmu);
		buf_puts(out, "# the run history could not be opened (see the server log)\n");
		log_warn("/metrics: %s", e.msg ? e.msg : "?");
		err_clear(&e);
		return;
	}
	int64_t v = st_data_version(m->hs);
	if (!m->hvalid || v < 0 || v != m->hver) {
		buf_reset(&m->htext);
		history_read(&m->htext, m->hs);
		m->hver = v;
		m->hvalid = v >= 0 && !strstr(buf_cstr(&m->htext), "could not be read");
	}
	buf_add(out, m->htext.data ? m->htext.data : "", m->htext.len);
	pthread_mutex_unlock(&m->hmu);
}

/* ---- HTTP ---- */

static void http(struct buf *out, struct serve_metrics *m)
{
	const char *name = "ingot_http_request_duration_seconds";
	buf_printf(out, "# HELP %s Time to answer a request, by route, since the server started.\n"
			"# TYPE %s histogram\n",
		   name, name);
	/* routes without a template ("other": pages, files, 404s) are summed */
	for (int pass = 0; pass < 2; pass++) {
		uint64_t bucket[NB + 1] = {0}, count = 0, sum_ns = 0;
		bool any = false;
		for (int k = 0; k < RT__COUNT; k++) {
			const char *method;
			const char *tpl = serve_route_template((enum route_kind)k, &method);
			if ((pass == 0) != (tpl != NULL))
				continue;
			struct rhist *h = &m->h[k];
			uint64_t n = atomic_load(&h->count);
			if (pass == 0 && !n)
				continue;
			for (size_t b = 0; b <= NB; b++)
				bucket[b] += atomic_load(&h->bucket[b]);
			count += n;
			sum_ns += atomic_load(&h->sum_ns);
			any = true;
			if (pass == 1)
				continue;
			uint64_t cum = 0;
			for (size_t b = 0; b <= NB; b++) {
				cum += bucket[b];
				buf_printf(out, "%s_bucket{route=", name);
				label(out, tpl);
				buf_puts(out, ",le=\"");
				if (b == NB)
					buf_puts(out, "+Inf");
				else
					num(out, BOUNDS[b]);
				buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
			}
			buf_printf(out, "%s_sum{route=", name);
			label(out, tpl);
			buf_puts(out, "} ");
			num(out, (double)sum_ns / 1e9);
			buf_printf(out, "\n%s_count{route=", name);
			label(out, tpl);
			buf_printf(out, "} %llu\n", (unsigned long long)count);
			memset(bucket, 0, sizeof(bucket));
			count = sum_ns = 0;
		}
		if (pass == 1 && any && count) {
			uint64_t cum = 0;
			for (size_t b = 0; b <= NB; b++) {
				cum += bucket[b];
				buf_printf(out, "%s_bucket{route=\"other\",le=\"", name);
				if (b == NB)
					buf_puts(out, "+Inf");
				else
					num(out, BOUNDS[b]);
				buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
			}
			buf_printf(out, "%s_sum{route=\"other\"} ", name);
			num(out, (double)sum_ns / 1e9);
			buf_printf(out, "\n%s_count{route=\"other\"} %llu\n", name, (unsigned long long)count);
		}
	}
}

int serve_metrics_text(struct serve_metrics *m, struct serve_data *sd, struct dash_ctx *d, struct buf *out,
		       struct err *e)
{
	(void)e;
	struct platform *pl = dash_ctx_platform(d);
	history(m, out, pl);
	struct err de = ERR_INIT;
	struct buf part = BUF_INIT;
	if (serve_data_metrics(sd, &part, &de)) {
		buf_puts(out, "# the loads or the data quality could not be read (see the server log)\n");
		log_warn("/metrics: %s", de.msg ? de.msg : "?");
	}
	err_clear(&de);
	buf_add(out, part.data ? part.data : "", part.len);
	buf_free(&part);
	uint64_t hits = 0, misses = 0;
	dash_ctx_cache_stats(d, &hits, &misses);
	buf_printf(out, "# HELP ingot_dashboard_cache_hits_total Tile answers served from the cache.\n"
			"# TYPE ingot_dashboard_cache_hits_total counter\n"
			"ingot_dashboard_cache_hits_total %llu\n"
			"# HELP ingot_dashboard_cache_misses_total Tile answers queried from the warehouse.\n"
			"# TYPE ingot_dashboard_cache_misses_total counter\n"
			"ingot_dashboard_cache_misses_total %llu\n",
		   (unsigned long long)hits, (unsigned long long)misses);
	http(out, m);
	return 0;
}
