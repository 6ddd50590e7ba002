/*
 * serve/api_pipelines.c — the pipelines UI's JSON API (issue 14): the
 * pipelines with their schedules and recent runs, a pipeline's task graph,
 * the runs × tasks grid, a run with its attempts (Gantt), attempt logs,
 * two Server-Sent Event streams (state changes; a running attempt's log),
 * the operator actions (trigger, pause/unpause, backfill, clear, cancel,
 * rerun failed) and the audit log. Shapes: docs/openapi-pipelines.json.
 *
 * Reads go through orchestrate/history.h; actions call the same library
 * functions as `ingot pipeline trigger|backfill|clear|cancel`
 * (orch_run_create, orch_run_clear, st_run_request_cancel,
 * orch_run_cancel_unheld) and wake the scheduler (orch_wakeup), which runs
 * in this process. Pipeline files are read from <project>/pipelines on
 * every request (they are small; a changed file shows at once).
 *
 * State store handles: a struct st is used by one thread at a time, so
 * requests take one from a small pool (opened on demand, kept for reuse).
 *
 * Events: one hub thread polls the store's data_version every HUB_TICK_MS
 * (a PRAGMA: no table read when nothing changed). On a change it reads the
 * newest runs and their tasks, diffs them with the previous snapshot and
 * appends an event per changed run or task to a ring. An SSE connection is
 * a content-reader response: a read with nothing to send suspends the
 * connection (MHD_suspend_connection, no thread held); the hub resumes the
 * suspended ones every tick, so a new event reaches a client within one
 * tick, and a client that went away is noticed on the next write. Log
 * streams tail the attempt's file the same way and end when the attempt
 * has ended and its file is read to the end.
 */
#ifdef HAVE_LIBMICROHTTPD
#include "serve/serve_int.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/vec.h"
#include "orchestrate/cron.h"
#include "orchestrate/orchestrate.h"
#include "core/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HUB_TICK_MS 50
#define HUB_RUNS 30      /* newest runs the hub watches */
#define RING_MAX 4096    /* events kept for slow readers */
#define RECENT_RUNS 25   /* squares per pipeline in the list */
#define GRID_MAX 500     /* runs per grid page */
#define LOG_MAX (4 << 20) /* the log endpoint's tail */
#define POOL_MAX 8

struct sse_conn;

struct serve_pl {
	char *dir, *pdir, *state_path;
	int keepalive_ms;
	pthread_mutex_t pool_mu;
	struct st *pool[POOL_MAX];
	int npool;
	/* the hub */
	pthread_mutex_t mu;
	pthread_t thread;
	bool thread_on, closing, stopped;
	char *ring[RING_MAX];
	uint64_t seq; /* events so far; ring[i % RING_MAX] holds event i */
	struct sse_conn *conns;
};

/* ------------------------------------------------------------ the store */

static struct st *st_take(struct serve_pl *pl, struct err *e)
{
	pthread_mutex_lock(&pl->pool_mu);
	struct st *s = pl->npool ? pl->pool[--pl->npool] : NULL;
	pthread_mutex_unlock(&pl->pool_mu);
	if (!s && st_open(pl->state_path, &s, e))
		return NULL;
	return s;
}

static void st_give(struct serve_pl *pl, struct st *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&pl->pool_mu);
	if (pl->npool < POOL_MAX) {
		pl->pool[pl->npool++] = s;
		s = NULL;
	}
	pthread_mutex_unlock(&pl->pool_mu);
	st_close(s);
}

/* ------------------------------------------------------------ pipeline files */

/* Every pipelines/NAME.yml: the parsed ones, and the broken ones with their error. */
struct pfile {
	const char *file;
	struct pipeline *p; /* NULL: a broken file */
	const char *error;
};

static void load_all(struct serve_pl *pl, struct arena *a, struct pfile **out, size_t *n)
{
	char **files = NULL;
	size_t nf = 0;
	struct err ge = ERR_INIT;
	*out = NULL;
	*n = 0;
	if (fs_is_dir(pl->pdir))
		fs_glob(pl->pdir, "*.yml", &files, &nf, &ge);
	err_clear(&ge);
	*out = arena_alloc(a, (nf + 1) * sizeof(**out));
	for (size_t i = 0; i < nf; i++) {
		char *path = path_join(pl->pdir, files[i]);
		struct pfile *f = &(*out)[(*n)++];
		f->file = arena_strdup(a, files[i]);
		f->p = NULL;
		f->error = NULL;
		struct err pe = ERR_INIT;
		if (pipeline_load_file(path, a, &f->p, &pe)) {
			f->p = NULL;
			f->error = arena_strdup(a, pe.msg ? pe.msg : "cannot be read");
		}
		err_clear(&pe);
		free(path);
	}
	fs_glob_free(files, nf);
}

static int find_pipeline(struct serve_pl *pl, const char *id, struct arena *a, struct pipeline **out,
			 struct err *e)
{
	struct pfile *fs;
	size_t n;
	load_all(pl, a, &fs, &n);
	for (size_t i = 0; i < n; i++) {
		if (fs[i].p && !strcmp(fs[i].p->id, id)) {
			*out = fs[i].p;
			return 0;
		}
		if (!fs[i].p && str_startswith(fs[i].file, id) && !strcmp(fs[i].file + strlen(id), ".yml"))
			return err_set(e, ING_ECONFIG, "%s", fs[i].error);
	}
	return err_set(e, ING_ENOTFOUND, "no pipeline '%s' in %s", id, pl->pdir);
}

/* ------------------------------------------------------------ JSON pieces */

static void j_time(struct jw *w, const char *k, int64_t us)
{
	jw_key(w, k);
	if (!us) {
		jw_null(w);
		return;
	}
	char t[48];
	ts_format_iso(us, t);
	jw_str(w, t);
}

static void j_dur(struct jw *w, const char *k, int64_t a, int64_t b)
{
	jw_key(w, k);
	if (a && b && b >= a)
		jw_double(w, (double)(b - a) / 1e6);
	else
		jw_null(w);
}

/* A local time with its offset: "2026-12-04T02:00:00+01:00". */
static void j_local(struct jw *w, const char *k, int64_t s, const struct tz *z)
{
	jw_key(w, k);
	int off = tz_offset(z, s);
	int64_t civ = s + off;
	int64_t days = civ >= 0 ? civ / 86400 : -((-civ + 86399) / 86400);
	int64_t sod = civ - days * 86400;
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int ao = off < 0 ? -off : off;
	char t[64];
	snprintf(t, sizeof(t), "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", y, m, d, (int)(sod / 3600),
		 (int)(sod / 60 % 60), (int)(sod % 60), off < 0 ? '-' : '+', ao / 3600, ao / 60 % 60);
	jw_str(w, t);
}

static void j_run(struct jw *w, const struct hist_run *r)
{
	jw_key(w, "id");
	jw_int(w, r->id);
	jw_key(w, "run_key");
	jw_str(w, r->run_key);
	jw_key(w, "pipeline");
	jw_str(w, r->pipeline);
	jw_key(w, "kind");
	jw_str(w, r->kind);
	jw_key(w, "state");
	jw_str(w, r->state);
	j_time(w, "logical_date", r->logical_date);
	j_time(w, "interval_start", r->interval_start);
	j_time(w, "interval_end", r->interval_end);
	j_time(w, "queued_at", r->queued_at);
	j_time(w, "started_at", r->started_at);
	j_time(w, "ended_at", r->ended_at);
	j_dur(w, "duration_s", r->started_at, r->ended_at);
	jw_key(w, "reason");
	jw_str(w, r->reason);
	jw_key(w, "cancel_requested");
	jw_bool(w, r->cancel_requested_at != 0);
}

/* Schedule, zone, next fire and paused flag of a pipeline. */
static void j_schedule(struct jw *w, struct st *s, const struct pipeline *p, int64_t now)
{
	jw_key(w, "schedule");
	jw_str(w, p->schedule);
	jw_key(w, "timezone");
	jw_str(w, p->timezone ? p->timezone : "UTC");
	int64_t nx = 0;
	bool has = p->schedule && !cron_next(&p->cron, p->tz, now / US_PER_SEC, &nx);
	if (has && p->has_start && nx < p->start_date)
		has = !cron_next(&p->cron, p->tz, p->start_date - 1, &nx);
	if (has && p->has_end && nx > p->end_date)
		has = false;
	j_time(w, "next_run", has ? nx * US_PER_SEC : 0);
	if (has)
		j_local(w, "next_run_local", nx, p->tz);
	else {
		jw_key(w, "next_run_local");
		jw_null(w);
	}
	bool paused = false;
	struct err e = ERR_INIT;
	if (st_pipeline_paused(s, p->id, &paused, &e))
		log_warn("pipelines: %s", e.msg);
	err_clear(&e);
	jw_key(w, "paused");
	jw_bool(w, paused);
}

static int64_t q_int(struct serve_req *r, const char *name, int64_t dflt, int64_t lo, int64_t hi, bool *bad)
{
	const char *v = MHD_lookup_connection_value(serve_req_conn(r), MHD_GET_ARGUMENT_KIND, name);
	if (!v)
		return dflt;
	char *end;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (!*v || *end || errno || x < lo || x > hi) {
		*bad = true;
		return dflt;
	}
	return x;
}

/* ------------------------------------------------------------ reads */

static int api_pipelines(struct serve_req *r, struct st *s, struct arena *a, struct jw *w, struct err *e)
{
	struct pfile *fs;
	size_t n;
	load_all(serve_req_pl(r), a, &fs, &n);
	int64_t now = now_us();
	jw_key(w, "pipelines");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct pipeline *p = fs[i].p;
		jw_obj_begin(w);
		jw_key(w, "id");
		if (!p) {
			size_t l = strlen(fs[i].file);
			jw_strn(w, fs[i].file, l > 4 ? l - 4 : l);
			jw_key(w, "file");
			jw_str(w, fs[i].file);
			jw_key(w, "error");
			jw_str(w, fs[i].error);
			jw_obj_end(w);
			continue;
		}
		jw_str(w, p->id);
		jw_key(w, "file");
		jw_str(w, fs[i].file);
		jw_key(w, "error");
		jw_null(w);
		jw_key(w, "description");
		jw_str(w, p->description);
		j_schedule(w, s, p, now);
		jw_key(w, "tags");
		jw_arr_begin(w);
		for (size_t k = 0; k < p->tags.n; k++)
			jw_str(w, p->tags.items[k]);
		jw_arr_end(w);
		jw_key(w, "ntasks");
		jw_int(w, (int64_t)p->ntasks);
		struct hist_filter f = {.pipeline = p->id, .limit = RECENT_RUNS};
		struct hist_run *runs = NULL;
		size_t nr = 0;
		int rc = st_list_runs(s, &f, a, &runs, &nr, e);
		if (rc)
			return rc;
		jw_key(w, "recent");
		jw_arr_begin(w);
		for (size_t k = 0; k < nr; k++) {
			jw_obj_begin(w);
			j_run(w, &runs[k]);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "scheduler");
	jw_bool(w, orch_scheduler_running(serve_req_pl(r)->dir, NULL));
	return 0;
}

/* Longest path from a root: the graph's columns. */
static void depths(const struct pipeline *p, int *d)
{
	for (size_t i = 0; i < p->ntasks; i++)
		d[i] = 0;
	for (size_t k = 0; k < p->ntasks; k++) {
		size_t i = p->topo[k];
		for (size_t u = 0; u < p->tasks[i].nup; u++) {
			int du = d[p->tasks[i].up[u]] + 1;
			if (du > d[i])
				d[i] = du;
		}
	}
}

static int api_pipeline(struct serve_req *r, struct st *s, struct arena *a, struct jw *w, struct err *e)
{
	struct pipeline *p;
	int rc = find_pipeline(serve_req_pl(r), serve_req_route(r)->board, a, &p, e);
	if (rc)
		return rc;
	int *d = arena_alloc(a, (p->ntasks + 1) * sizeof(int));
	depths(p, d);
	jw_key(w, "id");
	jw_str(w, p->id);
	jw_key(w, "description");
	jw_str(w, p->description);
	j_schedule(w, s, p, now_us());
	jw_key(w, "catchup");
	jw_bool(w, p->catchup);
	jw_key(w, "max_active_runs");
	jw_int(w, p->max_active_runs);
	jw_key(w, "params");
	jw_obj_begin(w);
	for (size_t i = 0; i < p->nparams; i++) {
		jw_key(w, p->param_keys[i]);
		jw_str(w, p->param_vals[i]);
	}
	jw_obj_end(w);
	jw_key(w, "tasks");
	jw_arr_begin(w);
	for (size_t i = 0; i < p->ntasks; i++) {
		const struct task_def *t = &p->tasks[i];
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_str(w, t->id);
		jw_key(w, "kind");
		jw_str(w, task_kind_name(t->kind));
		jw_key(w, "description");
		jw_str(w, t->description);
		jw_key(w, "depends_on");
		jw_arr_begin(w);
		for (size_t u = 0; u < t->nup; u++)
			jw_str(w, p->tasks[t->up[u]].id);
		jw_arr_end(w);
		jw_key(w, "trigger_rule");
		jw_str(w, trigger_rule_name(t->pol.trigger_rule));
		jw_key(w, "retries");
		jw_int(w, t->pol.retries);
		jw_key(w, "depth");
		jw_int(w, d[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "order");
	jw_arr_begin(w);
	for (size_t k = 0; k < p->ntasks; k++)
		jw_str(w, p->tasks[p->topo[k]].id);
	jw_arr_end(w);
	return 0;
}

static int api_pipeline_runs(struct serve_req *r, struct st *s, struct arena *a, struct jw *w, struct err *e)
{
	bool bad = false;
	int64_t limit = q_int(r, "limit", RECENT_RUNS, 1, GRID_MAX, &bad);
	int64_t before = q_int(r, "before", 0, 1, INT64_MAX / 2, &bad);
	if (bad)
		return err_set(e, ING_EINVAL, "limit takes 1 to %d and before a run id", GRID_MAX);
	const char *id = serve_req_route(r)->board;
	struct pipeline *p = NULL;
	struct err pe = ERR_INIT;
	int rc = find_pipeline(serve_req_pl(r), id, a, &p, &pe);
	if (rc == ING_ENOTFOUND) { /* a pipeline whose file is gone still has its history */
		struct hist_filter f = {.pipeline = id, .limit = 1};
		struct hist_run *one;
		size_t n1 = 0;
		if ((rc = st_list_runs(s, &f, a, &one, &n1, e)))
			return rc;
		if (!n1) {
			err_move(e, &pe);
			return ING_ENOTFOUND;
		}
		p = NULL;
	} else if (rc) {
		err_move(e, &pe);
		return rc;
	}
	err_clear(&pe);
	struct hist_filter f = {.pipeline = id, .limit = limit, .before_id = before};
	struct hist_run *runs = NULL;
	size_t nr = 0;
	if ((rc = st_list_runs(s, &f, a, &runs, &nr, e)))
		return rc;
	jw_key(w, "pipeline");
	jw_str(w, id);
	jw_key(w, "tasks");
	jw_arr_begin(w);
	if (p)
		for (size_t k = 0; k < p->ntasks; k++)
			jw_str(w, p->tasks[p->topo[k]].id);
	jw_arr_end(w);
	jw_key(w, "runs");
	jw_arr_begin(w);
	for (size_t i = 0; i < nr; i++) {
		struct hist_task *ts;
		size_t nt;
		if ((rc = st_run_tasks(s, runs[i].id, a, &ts, &nt, e)))
			return rc;
		jw_obj_begin(w);
		j_run(w, &runs[i]);
		jw_key(w, "tasks");
		jw_obj_begin(w);
		for (size_t k = 0; k < nt; k++) {
			jw_key(w, ts[k].task);
			jw_str(w, ts[k].state);
		}
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "next_before");
	if (nr == (size_t)limit)
		jw_int(w, runs[nr - 1].id);
	else
		jw_null(w);
	return 0;
}

static void j_attempt(struct jw *w, const struct hist_attempt *at)
{
	jw_obj_begin(w);
	jw_key(w, "attempt");
	jw_int(w, at->attempt);
	jw_key(w, "state");
	jw_str(w, at->state);
	j_time(w, "started_at", at->started_at);
	j_time(w, "ended_at", at->ended_at);
	j_dur(w, "duration_s", at->started_at, at->ended_at);
	jw_key(w, "exit_code");
	if (at->has_exit_code)
		jw_int(w, at->exit_code);
	else
		jw_null(w);
	jw_key(w, "error");
	jw_str(w, at->error);
	jw_key(w, "has_log");
	jw_bool(w, at->log_path != NULL);
	jw_obj_end(w);
}

static int api_run(struct serve_req *r, struct st *s, struct arena *a, struct jw *w, struct err *e)
{
	int64_t id = serve_req_route(r)->run;
	struct hist_run run;
	int rc = st_get_run(s, id, a, &run, e);
	if (rc)
		return rc;
	struct hist_task *ts;
	size_t nt;
	if ((rc = st_run_tasks(s, id, a, &ts, &nt, e)))
		return rc;
	/* dependencies from the pipeline file when it still names these tasks */
	struct pipeline *p = NULL;
	struct err pe = ERR_INIT;
	if (find_pipeline(serve_req_pl(r), run.pipeline, a, &p, &pe))
		p = NULL;
	err_clear(&pe);
	j_run(w, &run);
	jw_key(w, "tasks");
	jw_arr_begin(w);
	for (size_t i = 0; i < nt; i++) {
		const struct hist_task *t = &ts[i];
		jw_obj_begin(w);
		jw_key(w, "task");
		jw_str(w, t->task);
		jw_key(w, "state");
		jw_str(w, t->state);
		jw_key(w, "tries");
		jw_int(w, t->tries);
		j_time(w, "started_at", t->started_at);
		j_time(w, "ended_at", t->ended_at);
		j_dur(w, "duration_s", t->started_at, t->ended_at);
		j_time(w, "next_try_at", t->next_try_at);
		jw_key(w, "depends_on");
		jw_arr_begin(w);
		int ti = p ? pipeline_task_index(p, t->task) : -1;
		if (ti >= 0)
			for (size_t u = 0; u < p->tasks[ti].nup; u++)
				jw_str(w, p->tasks[p->tasks[ti].up[u]].id);
		jw_arr_end(w);
		struct hist_attempt *ats;
		size_t na;
		if ((rc = st_task_attempts(s, id, t->task, a, &ats, &na, e)))
			return rc;
		jw_key(w, "attempts");
		jw_arr_begin(w);
		for (size_t k = 0; k < na; k++)
			j_attempt(w, &ats[k]);
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	return 0;
}

/* The attempt asked for (?attempt=N; default the last) of a run's task. */
static int pick_attempt(struct serve_req *r, struct st *s, struct arena *a, struct hist_attempt *out,
			struct err *e)
{
	const struct serve_route *rt = serve_req_route(r);
	bool bad = false;
	int64_t want = q_int(r, "attempt", 0, 1, 1000000, &bad);
	if (bad)
		return err_set(e, ING_EINVAL, "attempt takes a positive number");
	struct hist_run run;
	int rc = st_get_run(s, rt->run, a, &run, e);
	if (rc)
		return rc;
	struct hist_attempt *ats;
	size_t na;
	if ((rc = st_task_attempts(s, rt->run, rt->name, a, &ats, &na, e)))
		return rc;
	for (size_t i = na; i-- > 0;)
		if (!want || ats[i].attempt == want) {
			*out = ats[i];
			return 0;
		}
	if (want)
		return err_set(e, ING_ENOTFOUND, "task '%s' of run %lld has no attempt %lld", rt->name,
			       (long long)rt->run, (long long)want);
	return err_set(e, ING_ENOTFOUND, "task '%s' of run %lld has no attempts (yet, or no such task)",
		       rt->name, (long long)rt->run);
}

static int api_task_log(struct serve_req *r, struct st *s, struct arena *a, struct jw *w, struct err *e)
{
	struct hist_attempt at;
	int rc = pick_attempt(r, s, a, &at, e);
	if (rc)
		return rc;
	struct buf log = BUF_INIT;
	bool truncated = false;
	int64_t size = 0;
	if (at.log_path) {
		int fd = open(at.log_path, O_RDONLY | O_CLOEXEC);
		struct stat sb;
		if (fd >= 0 && !fstat(fd, &sb)) {
			size = sb.st_size;
			off_t from = sb.st_size > LOG_MAX ? sb.st_size - LOG_MAX : 0;
			truncated = from > 0;
			buf_grow(&log, (size_t)(sb.st_size - from) + 1);
			char chunk[65536];
			ssize_t k;
			while ((k = pread(fd, chunk, sizeof(chunk), from)) > 0 && log.len < LOG_MAX) {
				buf_add(&log, chunk, (size_t)k);
				from += k;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	const struct serve_route *rt = serve_req_route(r);
	jw_key(w, "run");
	jw_int(w, rt->run);
	jw_key(w, "task");
	jw_str(w, rt->name);
	jw_key(w, "attempt");
	jw_int(w, at.attempt);
	jw_key(w, "state");
	jw_str(w, at.state);
	jw_key(w, "error");
	jw_str(w, at.error);
	jw_key(w, "size");
	jw_int(w, size);
	jw_key(w, "truncated");
	jw_bool(w, truncated);
	jw_key(w, "log");
	jw_strn(w, log.data ? log.data : "", log.len);
	buf_free(&log);
	return 0;
}

static int api_audit(struct serve_req *r, struct st *s, struct arena *a, struct jw *w, struct err *e)
{
	bool bad = false;
	int64_t limit = q_int(r, "limit", 100, 1, 1000, &bad);
	int64_t before = q_int(r, "before", 0, 1, INT64_MAX / 2, &bad);
	if (bad)
		return err_set(e, ING_EINVAL, "limit takes 1 to 1000 and before an entry id");
	struct st_audit *v;
	size_t n;
	int rc = st_audit_list(s, limit, before, a, &v, &n, e);
	if (rc)
		return rc;
	jw_key(w, "entries");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_key(w, "id");
		jw_int(w, v[i].id);
		j_time(w, "at", v[i].at);
		jw_key(w, "user");
		jw_str(w, v[i].user);
		jw_key(w, "role");
		jw_str(w, v[i].role);
		jw_key(w, "action");
		jw_str(w, v[i].action);
		jw_key(w, "target");
		jw_str(w, v[i].target);
		jw_key(w, "detail");
		if (v[i].detail)
			jw_raw(w, v[i].detail);
		else
			jw_null(w);
		jw_key(w, "outcome");
		jw_str(w, v[i].outcome);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "next_before");
	if (n == (size_t)limit)
		jw_int(w, v[n - 1].id);
	else
		jw_null(w);
	return 0;
}

/* ------------------------------------------------------------ actions */

/* {"params": {k: v}} into parallel arrays (in a). */
static int body_params(json_t *body, struct arena *a, const char ***keys, const char ***vals, size_t *n,
		       struct err *e)
{
	*keys = *vals = NULL;
	*n = 0;
	json_t *ps = json_object_get(body, "params");
	if (!ps || json_is_null(ps))
		return 0;
	if (!json_is_object(ps))
		return err_set(e, ING_EINVAL, "params must be an object of names to values");
	size_t m = json_object_size(ps);
	*keys = arena_alloc(a, (m + 1) * sizeof(char *));
	*vals = arena_alloc(a, (m + 1) * sizeof(char *));
	const char *k;
	json_t *v;
	json_object_foreach(ps, k, v)
	{
		char num[64];
		const char *sv = json_string_value(v);
		if (!sv && json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			sv = num;
		} else if (!sv && json_is_real(v)) {
			snprintf(num, sizeof(num), "%.17g", json_real_value(v));
			sv = num;
		} else if (!sv && json_is_boolean(v)) {
			sv = json_is_true(v) ? "true" : "false";
		}
		if (!sv)
			return err_set(e, ING_EINVAL, "param '%s' must be a string, number or boolean", k);
		(*keys)[*n] = arena_strdup(a, k);
		(*vals)[*n] = arena_strdup(a, sv);
		(*n)++;
	}
	return 0;
}

static const char *str_field(json_t *body, const char *k, bool *bad)
{
	json_t *v = json_object_get(body, k);
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		*bad = true;
		return NULL;
	}
	return json_string_value(v);
}

static int act_trigger(struct serve_pl *pl, struct st *s, const char *id, json_t *body, struct arena *a,
		       struct jw *w, struct err *e)
{
	struct pipeline *p;
	int rc = find_pipeline(pl, id, a, &p, e);
	if (rc)
		return rc;
	const char **keys, **vals;
	size_t np;
	if ((rc = body_params(body, a, &keys, &vals, &np, e)))
		return rc;
	bool bad = false;
	const char *ld = str_field(body, "logical_date", &bad);
	if (bad)
		return err_set(e, ING_EINVAL, "logical_date must be a string (YYYY-MM-DD[THH:MM[:SS]][Z])");
	struct orch_run_req req = {.kind = "manual", .param_keys = keys, .param_vals = vals, .nparams = np};
	if (ld && (rc = orch_parse_instant(ld, p, &req.logical_date, e)))
		return rc;
	int64_t run = 0;
	char *key = NULL;
	if ((rc = orch_run_create(s, p, &req, now_us(), &run, &key, e)))
		return rc;
	orch_wakeup(pl->dir);
	jw_key(w, "run");
	jw_int(w, run);
	jw_key(w, "run_key");
	jw_str(w, key);
	jw_key(w, "state");
	jw_str(w, "queued");
	free(key);
	return 0;
}

static int act_pause(struct serve_pl *pl, struct st *s, const char *id, bool paused, struct arena *a,
		     struct jw *w, struct err *e)
{
	struct pipeline *p;
	int rc = find_pipeline(pl, id, a, &p, e);
	if (rc)
		return rc;
	if ((rc = st_pipeline_set_paused(s, p->id, paused, now_us(), e)))
		return rc;
	orch_wakeup(pl->dir);
	jw_key(w, "pipeline");
	jw_str(w, p->id);
	jw_key(w, "paused");
	jw_bool(w, paused);
	return 0;
}

static int act_backfill(struct serve_pl *pl, struct st *s, const char *id, json_t *body, struct arena *a,
			struct jw *w, struct err *e)
{
	struct pipeline *p;
	int rc = find_pipeline(pl, id, a, &p, e);
	if (rc)
		return rc;
	bool bad = false;
	const char *sa = str_field(body, "start", &bad), *ea = str_field(body, "end", &bad);
	if (bad || !sa || !ea)
		return err_set(e, ING_EINVAL, "the body must be JSON {\"start\": DATE, \"end\": DATE, \"params\": {...}}");
	const char **keys, **vals;
	size_t np, nruns;
	int64_t *runs = NULL;
	int existed = 0;
	if ((rc = body_params(body, a, &keys, &vals, &np, e)))
		return rc;
	rc = orch_backfill(s, p, sa, ea, keys, vals, np, now_us(), &runs, &nruns, &existed, e);
	if (nruns)
		orch_wakeup(pl->dir);
	if (rc) {
		free(runs);
		return rc;
	}
	jw_key(w, "pipeline");
	jw_str(w, p->id);
	jw_key(w, "created");
	jw_int(w, (int64_t)nruns);
	jw_key(w, "existing");
	jw_int(w, existed);
	jw_key(w, "runs");
	jw_arr_begin(w);
	for (size_t i = 0; i < nruns; i++)
		jw_int(w, runs[i]);
	jw_arr_end(w);
	free(runs);
	return 0;
}

static int act_cancel(struct serve_pl *pl, struct st *s, int64_t run, struct arena *a, struct jw *w,
		      struct err *e)
{
	bool applied = false;
	struct hist_run r;
	int rc = orch_reap_orphans(s, NULL, e);
	if (!rc)
		rc = st_run_request_cancel(s, run, now_us(), &applied, e);
	if (!rc)
		rc = st_get_run(s, run, a, &r, e);
	if (rc)
		return rc;
	if (!applied)
		return err_set(e, ING_ECONFLICT, "run %lld has already ended (%s): nothing to cancel",
			       (long long)run, r.state);
	orch_wakeup(pl->dir);
	const char *state = r.state;
	if (!strcmp(r.state, "queued") && !orch_scheduler_running(pl->dir, NULL)) {
		bool done = false; /* nobody would run it: cancel it here */
		if ((rc = orch_run_cancel_unheld(pl->dir, s, run, &done, e)))
			return rc;
		if (done)
			state = "failed";
	}
	jw_key(w, "run");
	jw_int(w, run);
	jw_key(w, "state");
	jw_str(w, state);
	jw_key(w, "cancel_requested");
	jw_bool(w, true);
	return 0;
}

static int act_clear(struct serve_pl *pl, struct st *s, int64_t run, const char *task, bool downstream,
		     bool failed_only, struct jw *w, struct err *e)
{
	int n = 0;
	int rc = orch_reap_orphans(s, NULL, e);
	if (!rc)
		rc = orch_run_clear(s, run, task, downstream, failed_only, &n, e);
	if (rc)
		return rc;
	if (n)
		orch_wakeup(pl->dir);
	jw_key(w, "run");
	jw_int(w, run);
	jw_key(w, "cleared");
	jw_int(w, n);
	return 0;
}

/* Mark failed / mark success: an ended run's outcome set by hand. */
static int act_mark(struct serve_pl *pl, struct st *s, int64_t run, bool success, struct jw *w, struct err *e)
{
	const char *was = NULL;
	int rc = orch_run_mark(s, run, success, &was, e);
	if (rc)
		return rc;
	orch_wakeup(pl->dir);
	jw_key(w, "run");
	jw_int(w, run);
	jw_key(w, "state");
	jw_str(w, success ? "success" : "failed");
	jw_key(w, "was");
	jw_str(w, was);
	return 0;
}

static void audit(struct st *s, struct serve_req *r, const char *action, const char *target,
		  const char *detail, const char *outcome)
{
	const char *user, *role;
	serve_req_who(r, &user, &role);
	struct st_audit a = {.at = now_us(), .user = user, .role = role, .action = action,
			     .target = target, .detail = detail, .outcome = outcome};
	struct err e = ERR_INIT;
	if (st_audit_add(s, &a, &e))
		log_error("audit log: %s", e.msg);
	err_clear(&e);
	log_info("audit: %s '%s' (%s) %s %s: %s", action, user, role, target, detail ? detail : "", outcome);
}

static int do_action(struct serve_req *r)
{
	struct serve_pl *pl = serve_req_pl(r);
	const struct serve_route *rt = serve_req_route(r);
	char target[ROUTE_NAME_MAX * 2 + 64];
	if (rt->kind == RT_PIPELINE_ACTION)
		snprintf(target, sizeof(target), "pipeline:%s", rt->board);
	else if (rt->kind == RT_RUN_ACTION)
		snprintf(target, sizeof(target), "run:%lld", (long long)rt->run);
	else
		snprintf(target, sizeof(target), "run:%lld/task:%s", (long long)rt->run, rt->name);
	struct err e = ERR_INIT;
	struct st *s = st_take(pl, &e);
	if (!s)
		return serve_answer_err(r, ING_EDB, &e);
	size_t bl;
	const char *bt = serve_req_body(r, &bl);
	char *detail = NULL;
	json_t *body = NULL;
	int st = serve_require_role(r, SERVE_ROLE_OPERATOR);
	if (st) {
		if (st == 403)
			audit(s, r, rt->action, target, NULL, "denied: the operator role is needed");
		st_give(pl, s);
		return serve_refuse(r, st, "this action needs the operator role");
	}
	json_error_t je;
	body = bl ? json_loadb(bt, bl, JSON_REJECT_DUPLICATES, &je) : json_object();
	int rc = 0;
	if (!body || !json_is_object(body)) {
		rc = err_set(&e, ING_EINVAL, "the body must be a JSON object (or empty)");
	} else {
		detail = json_object_size(body) ? json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	}
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	if (!rc) {
		jw_key(&w, "action");
		jw_str(&w, rt->action);
		if (!strcmp(rt->action, "trigger")) {
			rc = act_trigger(pl, s, rt->board, body, a, &w, &e);
		} else if (!strcmp(rt->action, "pause") || !strcmp(rt->action, "unpause")) {
			rc = act_pause(pl, s, rt->board, !strcmp(rt->action, "pause"), a, &w, &e);
		} else if (!strcmp(rt->action, "backfill")) {
			rc = act_backfill(pl, s, rt->board, body, a, &w, &e);
		} else if (!strcmp(rt->action, "cancel")) {
			rc = act_cancel(pl, s, rt->run, a, &w, &e);
		} else if (!strcmp(rt->action, "rerun_failed")) {
			rc = act_clear(pl, s, rt->run, NULL, false, true, &w, &e);
		} else if (!strcmp(rt->action, "mark_failed") || !strcmp(rt->action, "mark_success")) {
			rc = act_mark(pl, s, rt->run, !strcmp(rt->action, "mark_success"), &w, &e);
		} else { /* clear */
			json_t *ds = json_object_get(body, "downstream");
			if (ds && !json_is_boolean(ds))
				rc = err_set(&e, ING_EINVAL, "downstream must be true or false");
			else
				rc = act_clear(pl, s, rt->run, rt->name, json_is_true(ds), false, &w, &e);
		}
	}
	jw_obj_end(&w);
	char outcome[512];
	if (rc)
		serve_first_line(e.msg ? e.msg : ing_strerror(rc), outcome, sizeof(outcome));
	audit(s, r, rt->action, target, detail, rc ? outcome : "ok");
	free(detail);
	json_decref(body);
	arena_free(a);
	st_give(pl, s);
	if (rc) {
		buf_free(&b);
		return serve_answer_err(r, rc, &e);
	}
	return serve_answer_json(r, 200, &b);
}

/* ------------------------------------------------------------ the hub */

struct sse_conn {
	struct serve_pl *pl;
	struct MHD_Connection *conn;
	bool log;       /* a log tail, else the event stream */
	bool suspended; /* under pl->mu */
	uint64_t cursor;
	struct buf out; /* bytes to send */
	size_t off;
	double last_send;
	bool ended;
	/* log tail */
	char *path;
	int64_t run;
	char task[ROUTE_NAME_MAX];
	int attempt;
	off_t pos;
	double last_check;
	struct sse_conn *next;
};

/* Append one event (an SSE frame) to the ring; under pl->mu. */
static void ring_add(struct serve_pl *pl, const char *type, struct buf *data)
{
	uint64_t id = pl->seq++;
	char **slot = &pl->ring[id % RING_MAX];
	free(*slot);
	*slot = xasprintf("id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)id + 1, type,
			  buf_cstr(data));
}

struct snap {
	struct arena *a;
	struct hist_run *runs;
	size_t nruns;
	struct hist_task **tasks;
	size_t *ntasks;
};

static void snap_free(struct snap *s)
{
	arena_free(s->a);
	memset(s, 0, sizeof(*s));
}

static int snap_take(struct st *s, struct snap *out, struct err *e)
{
	out->a = arena_new(0);
	struct hist_filter f = {.limit = HUB_RUNS};
	int rc = st_list_runs(s, &f, out->a, &out->runs, &out->nruns, e);
	if (rc)
		return rc;
	out->tasks = arena_alloc(out->a, (out->nruns + 1) * sizeof(*out->tasks));
	out->ntasks = arena_alloc(out->a, (out->nruns + 1) * sizeof(*out->ntasks));
	for (size_t i = 0; i < out->nruns; i++)
		if ((rc = st_run_tasks(s, out->runs[i].id, out->a, &out->tasks[i], &out->ntasks[i], e)))
			return rc;
	return 0;
}

static void ev_run(struct serve_pl *pl, const struct hist_run *r, int64_t now)
{
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	jw_key(&w, "run");
	jw_int(&w, r->id);
	jw_key(&w, "pipeline");
	jw_str(&w, r->pipeline);
	jw_key(&w, "run_key");
	jw_str(&w, r->run_key);
	jw_key(&w, "state");
	jw_str(&w, r->state);
	j_time(&w, "at", now);
	jw_obj_end(&w);
	ring_add(pl, "run", &b);
	buf_free(&b);
}

static void ev_task(struct serve_pl *pl, const struct hist_run *r, const struct hist_task *t, int64_t now)
{
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	jw_key(&w, "run");
	jw_int(&w, r->id);
	jw_key(&w, "pipeline");
	jw_str(&w, r->pipeline);
	jw_key(&w, "task");
	jw_str(&w, t->task);
	jw_key(&w, "state");
	jw_str(&w, t->state);
	jw_key(&w, "tries");
	jw_int(&w, t->tries);
	j_time(&w, "at", now);
	jw_obj_end(&w);
	ring_add(pl, "task", &b);
	buf_free(&b);
}

/* Events for what differs between prev and cur; under pl->mu. */
static void diff(struct serve_pl *pl, const struct snap *prev, const struct snap *cur, int64_t now)
{
	for (size_t i = 0; i < cur->nruns; i++) {
		const struct hist_run *r = &cur->runs[i];
		size_t j = 0;
		while (j < prev->nruns && prev->runs[j].id != r->id)
			j++;
		bool known = j < prev->nruns;
		if (!known || strcmp(prev->runs[j].state, r->state))
			ev_run(pl, r, now);
		for (size_t k = 0; k < cur->ntasks[i]; k++) {
			const struct hist_task *t = &cur->tasks[i][k];
			const char *was = NULL;
			for (size_t m = 0; known && m < prev->ntasks[j]; m++)
				if (!strcmp(prev->tasks[j][m].task, t->task)) {
					was = prev->tasks[j][m].state;
					if (strcmp(was, t->state) || prev->tasks[j][m].tries != t->tries)
						was = NULL;
					break;
				}
			if (!was)
				ev_task(pl, r, t, now);
		}
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void *hub_main(void *arg)
{
	struct serve_pl *pl = arg;
	struct st *s = NULL;
	struct snap prev = {0};
	int64_t ver = -2;
	bool primed = false;
	for (;;) {
		pthread_mutex_lock(&pl->mu);
		bool closing = pl->closing;
		pthread_mutex_unlock(&pl->mu);
		if (closing)
			break;
		struct err e = ERR_INIT;
		if (!s && st_open(pl->state_path, &s, &e)) {
			log_warn("pipelines events: %s", e.msg);
			err_clear(&e);
			s = NULL;
		}
		int64_t v = s ? st_data_version(s) : -1;
		if (s && v != ver) {
			struct snap cur = {0};
			if (snap_take(s, &cur, &e)) {
				log_warn("pipelines events: %s", e.msg);
				err_clear(&e);
				snap_free(&cur);
			} else {
				ver = v;
				pthread_mutex_lock(&pl->mu);
				if (primed)
					diff(pl, &prev, &cur, now_us());
				pthread_mutex_unlock(&pl->mu);
				primed = true;
				snap_free(&prev);
				prev = cur;
			}
		}
		/* every suspended stream looks again: new events, new log
		 * bytes, a keepalive due, a client gone */
		pthread_mutex_lock(&pl->mu);
		for (struct sse_conn *c = pl->conns; c; c = c->next)
			if (c->suspended) {
				c->suspended = false;
				MHD_resume_connection(c->conn);
			}
		pthread_mutex_unlock(&pl->mu);
		sleep_ms(HUB_TICK_MS);
	}
	snap_free(&prev);
	st_close(s);
	return NULL;
}

/* ---- SSE responses ---- */

static void sse_event(struct buf *out, const char *type, struct buf *data)
{
	buf_printf(out, "event: %s\ndata: %s\n\n", type, buf_cstr(data));
}

/* A log tail: new bytes of the file, and its end once the attempt ended. */
static void log_fill(struct sse_conn *c)
{
	struct serve_pl *pl = c->pl;
	char chunk[16384];
	ssize_t k = 0;
	if (c->path) {
		int fd = open(c->path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			k = pread(fd, chunk, sizeof(chunk), c->pos);
			close(fd);
		}
	}
	if (k > 0) {
		/* whole UTF-8 sequences only: a cut one waits for the next read */
		size_t n = (size_t)k, cut = n;
		while (cut > 0 && n - cut < 4 && ((unsigned char)chunk[cut - 1] & 0xC0) == 0x80)
			cut--;
		if (cut > 0 && ((unsigned char)chunk[cut - 1] & 0x80)) {
			unsigned char lead = (unsigned char)chunk[cut - 1];
			size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
			if (n - (cut - 1) >= need)
				cut = n;
			else
				cut--;
		} else {
			cut = n;
		}
		if (cut == 0)
			cut = n;
		c->pos += (off_t)cut;
		struct buf d = BUF_INIT;
		struct jw w;
		jw_init(&w, &d, false);
		jw_obj_begin(&w);
		jw_key(&w, "text");
		jw_strn(&w, chunk, cut);
		jw_obj_end(&w);
		sse_event(&c->out, "log", &d);
		buf_free(&d);
		return;
	}
	double now = mono_seconds();
	if (now - c->last_check < 0.2)
		return;
	c->last_check = now;
	/* nothing new: has the attempt ended? */
	struct err e = ERR_INIT;
	struct st *s = st_take(pl, &e);
	if (!s) {
		err_clear(&e);
		return;
	}
	struct arena *a = arena_new(0);
	struct hist_attempt *ats;
	size_t na = 0;
	const char *state = NULL;
	if (!st_task_attempts(s, c->run, c->task, a, &ats, &na, &e))
		for (size_t i = 0; i < na; i++)
			if (ats[i].attempt == c->attempt) {
				state = ats[i].state;
				if (!c->path && ats[i].log_path)
					c->path = xstrdup(ats[i].log_path);
			}
	err_clear(&e);
	if (state && strcmp(state, "running")) {
		/* ended: one last look at the file, then the end event */
		ssize_t more = 0;
		if (c->path) {
			int fd = open(c->path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				more = pread(fd, chunk, 1, c->pos);
				close(fd);
			}
		}
		if (more <= 0) {
			struct buf d = BUF_INIT;
			struct jw w;
			jw_init(&w, &d, false);
			jw_obj_begin(&w);
			jw_key(&w, "attempt");
			jw_int(&w, c->attempt);
			jw_key(&w, "state");
			jw_str(&w, state);
			jw_obj_end(&w);
			sse_event(&c->out, "end", &d);
			buf_free(&d);
			c->ended = true;
		} else {
			c->last_check = 0;
		}
	}
	arena_free(a);
	st_give(pl, s);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *dst, size_t max)
{
	struct sse_conn *c = cls;
	struct serve_pl *pl = c->pl;
	if (c->off == c->out.len) {
		buf_reset(&c->out);
		c->off = 0;
		if (c->ended)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (c->log)
			log_fill(c);
	}
	pthread_mutex_lock(&pl->mu);
	if (pl->closing) {
		pthread_mutex_unlock(&pl->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (!c->log && c->off == c->out.len) {
		uint64_t oldest = pl->seq > RING_MAX ? pl->seq - RING_MAX : 0;
		if (c->cursor < oldest) { /* too slow: events were dropped */
			buf_puts(&c->out, "event: reset\ndata: {}\n\n");
			c->cursor = oldest;
		}
		for (; c->cursor < pl->seq && c->out.len < 256 * 1024; c->cursor++)
			buf_puts(&c->out, pl->ring[c->cursor % RING_MAX]);
	}
	double now = mono_seconds();
	if (c->off == c->out.len && now - c->last_send >= pl->keepalive_ms / 1000.0)
		buf_puts(&c->out, ": keepalive\n\n");
	if (c->off == c->out.len) {
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		pthread_mutex_unlock(&pl->mu);
		return 0;
	}
	pthread_mutex_unlock(&pl->mu);
	size_t n = c->out.len - c->off;
	if (n > max)
		n = max;
	memcpy(dst, c->out.data + c->off, n);
	c->off += n;
	c->last_send = now;
	return (ssize_t)n;
}

static void sse_free(void *cls)
{
	struct sse_conn *c = cls;
	struct serve_pl *pl = c->pl;
	pthread_mutex_lock(&pl->mu);
	for (struct sse_conn **p = &pl->conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	pthread_mutex_unlock(&pl->mu);
	buf_free(&c->out);
	free(c->path);
	free(c);
}

static int sse_answer(struct serve_req *r, struct sse_conn *c)
{
	struct serve_pl *pl = c->pl;
	c->conn = serve_req_conn(r);
	c->last_send = mono_seconds();
	buf_puts(&c->out, "retry: 1000\n\n");
	pthread_mutex_lock(&pl->mu);
	if (!c->log)
		c->cursor = pl->seq; /* from now on: the page fetched the state first */
	c->next = pl->conns;
	pl->conns = c;
	pthread_mutex_unlock(&pl->mu);
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read,
								     c, sse_free);
	if (!resp) {
		sse_free(c);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	return serve_answer_response(r, 200, resp);
}

static int api_events(struct serve_req *r)
{
	struct sse_conn *c = xcalloc(1, sizeof(*c));
	c->pl = serve_req_pl(r);
	return sse_answer(r, c);
}

static int api_log_stream(struct serve_req *r)
{
	struct serve_pl *pl = serve_req_pl(r);
	struct err e = ERR_INIT;
	struct st *s = st_take(pl, &e);
	if (!s)
		return serve_answer_err(r, ING_EDB, &e);
	struct arena *a = arena_new(0);
	struct hist_attempt at;
	int rc = pick_attempt(r, s, a, &at, &e);
	st_give(pl, s);
	if (rc) {
		arena_free(a);
		return serve_answer_err(r, rc, &e);
	}
	bool bad = false;
	int64_t from = q_int(r, "offset", 0, 0, INT64_MAX / 2, &bad);
	if (bad) {
		arena_free(a);
		return serve_answer_error(r, 400, "offset takes a byte offset (0 or more)");
	}
	struct sse_conn *c = xcalloc(1, sizeof(*c));
	c->pl = pl;
	c->log = true;
	c->path = at.log_path ? xstrdup(at.log_path) : NULL;
	c->run = serve_req_route(r)->run;
	snprintf(c->task, sizeof(c->task), "%s", serve_req_route(r)->name);
	c->attempt = at.attempt;
	c->pos = (off_t)from;
	arena_free(a);
	return sse_answer(r, c);
}

/* ------------------------------------------------------------ dispatch */

/* The reads: each writes the members of one JSON object into w. */
typedef int (*read_fn)(struct serve_req *r, struct st *s, struct arena *a, struct jw *w, struct err *e);
static const struct {
	enum route_kind kind;
	read_fn fn;
	enum serve_role role; /* the least role that may read it (with --auth) */
	const char *refusal;
} READS[] = {
	{RT_PIPELINES, api_pipelines, SERVE_ROLE_VIEWER, NULL},
	{RT_PIPELINE, api_pipeline, SERVE_ROLE_VIEWER, NULL},
	{RT_PIPELINE_RUNS, api_pipeline_runs, SERVE_ROLE_VIEWER, NULL},
	{RT_RUN, api_run, SERVE_ROLE_VIEWER, NULL},
	{RT_TASK_LOG, api_task_log, SERVE_ROLE_VIEWER, NULL},
	{RT_AUDIT, api_audit, SERVE_ROLE_ADMIN, "the audit log is for admins"},
};

int serve_pl_dispatch(struct serve_req *r)
{
	struct serve_pl *pl = serve_req_pl(r);
	const struct serve_route *rt = serve_req_route(r);
	switch (rt->kind) {
	case RT_PIPELINE_ACTION:
	case RT_RUN_ACTION:
	case RT_TASK_CLEAR:
		return do_action(r);
	case RT_EVENTS:
		return api_events(r);
	case RT_TASK_LOG_STREAM:
		return api_log_stream(r);
	default:
		break;
	}
	size_t i = 0;
	while (i < ARRAY_SIZE(READS) && READS[i].kind != rt->kind)
		i++;
	if (i == ARRAY_SIZE(READS))
		return serve_answer_error(r, 404, "no such API route");
	if (READS[i].role > SERVE_ROLE_VIEWER) {
		int st = serve_require_role(r, READS[i].role);
		if (st)
			return serve_refuse(r, st, READS[i].refusal);
	}
	struct err e = ERR_INIT;
	struct st *s = st_take(pl, &e);
	if (!s)
		return serve_answer_err(r, ING_EDB, &e);
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	int rc = READS[i].fn(r, s, a, &w, &e);
	jw_obj_end(&w);
	arena_free(a);
	st_give(pl, s);
	if (rc) {
		buf_free(&b);
		return serve_answer_err(r, rc, &e);
	}
	return serve_answer_json(r, 200, &b);
}

/* ------------------------------------------------------------ life cycle */

int serve_pl_open(const char *project_dir, int keepalive_ms, struct serve_pl **out, struct err *e)
{
	struct serve_pl *pl = xcalloc(1, sizeof(*pl));
	pl->dir = xstrdup(project_dir);
	pl->pdir = path_join(project_dir, "pipelines");
	pl->state_path = orch_state_path(project_dir);
	pl->keepalive_ms = keepalive_ms > 100 ? keepalive_ms : 100;
	pthread_mutex_init(&pl->pool_mu, NULL);
	pthread_mutex_init(&pl->mu, NULL);
	/* the store exists (and has the UI's tables) before the first request */
	struct st *s = NULL;
	int rc = st_open(pl->state_path, &s, e);
	if (rc) {
		serve_pl_free(pl);
		return rc;
	}
	st_give(pl, s);
	if (log_thread_create(&pl->thread, NULL, hub_main, pl)) {
		serve_pl_free(pl);
		return err_set(e, ING_EIO, "cannot start the pipelines event thread");
	}
	pl->thread_on = true;
	*out = pl;
	return 0;
}

void serve_pl_shutdown(struct serve_pl *pl)
{
	if (!pl || pl->stopped)
		return;
	pthread_mutex_lock(&pl->mu);
	pl->closing = true;
	for (struct sse_conn *c = pl->conns; c; c = c->next)
		if (c->suspended) {
			c->suspended = false;
			MHD_resume_connection(c->conn);
		}
	pthread_mutex_unlock(&pl->mu);
	if (pl->thread_on)
		pthread_join(pl->thread, NULL);
	pl->thread_on = false;
	pl->stopped = true;
}

void serve_pl_free(struct serve_pl *pl)
{
	if (!pl)
		return;
	serve_pl_shutdown(pl);
	for (int i = 0; i < pl->npool; i++)
		st_close(pl->pool[i]);
	for (size_t i = 0; i < RING_MAX; i++)
		free(pl->ring[i]);
	pthread_mutex_destroy(&pl->pool_mu);
	pthread_mutex_destroy(&pl->mu);
	free(pl->dir);
	free(pl->pdir);
	free(pl->state_path);
	free(pl);
}
#endif /* HAVE_LIBMICROHTTPD */
