/*
 * transform/exec.c — transform_invoke: parse, select, schedule, run, report.
 *
 * The parsed project becomes a graph (graph/graph.h) with the same node
 * indexes; --select/--exclude/--selector are evaluated there, and the
 * graph's ready queue hands nodes to `threads` workers, each with its own
 * warehouse connection. A worker compiles its node (render with
 * execute=True, inject ephemeral CTEs), writes target/compiled/, then runs
 * it (materialize, seed, snapshot or test) and writes target/run/. A
 * failure skips what is downstream; with `build`, a failing test skips
 * what is downstream of the node it tests (GRAPH_SCHED_BUILD).
 *
 * Console lines follow dbt's ("3 of 28 OK created sql view model
 * main.stg_orders .... [OK in 0.01s]", "Done. PASS=.. WARN=.. ERROR=..
 * SKIP=.. TOTAL=.."), and the same lines go to <log-path>/ingot.log
 * (dbt_project.yml's log-path, default the target path) and to the run's
 * own runs/<id>/ingot.log. The shared log is appended one whole line per
 * write(2) (O_APPEND), so runs at once interleave lines, never characters.
 *
 * Artifacts go to the run's directory <target>/runs/<id>/ and are
 * published as the latest in target/ when the run ends (runs.c), so
 * several transform_invoke calls may run at once on one project and one
 * wh_db. Nothing here prints to the process's stdout: console lines go to
 * opts->console, results (ls, compile's SQL, print()) to opts->out, and
 * NULL means silent.
 */
#include "transform/tf_int.h"
#include "transform/semantic.h"
#include "core/cancel.h"
#include "core/keylock.h"
#include "core/digest.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/relver.h"
#include "core/version.h"
#include "graph/graph.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tf__context_finish(struct tf_proj *tp);

int transform_verb_parse(const char *name)
{
	static const char *const names[] = {"run", "test", "seed", "snapshot", "build", "compile",
					    "ls", "docs generate", "parse"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], name))
			return (int)i;
	if (!strcmp(name, "list"))
		return TF_VERB_LS;
	return -1;
}

static const char *verb_name(enum transform_verb v)
{
	static const char *const names[] = {"run", "test", "seed", "snapshot", "build", "compile",
					    "list", "generate", "parse"};
	return names[v];
}

/* ----------------------------------------------------------- console */

struct console {
	FILE *fp;
	int logfd;    /* <log-path>/ingot.log (O_APPEND), or -1 */
	int runlogfd; /* runs/<id>/ingot.log, or -1 */
	pthread_mutex_t lock;
	bool color;
	/* lines of reused nodes not yet logged (con_write_held), and when the
	 * first of them came */
	struct buf held;
	int64_t held_us;
};

/* One whole line per write(2): with O_APPEND, lines of runs writing the
 * same log at once do not mix. */
static void write_line(int fd, const char *line, size_t len)
{
	while (fd >= 0 && len) {
		ssize_t w = write(fd, line, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		line += w;
		len -= (size_t)w;
	}
}

static void con_line(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "HH:MM:SS" of now (UTC, as dbt's console) into ts[9] */
static void con_ts(char ts[9])
{
	int64_t s = now_us() / 1000000 % 86400;
	int v[3] = {(int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60)};
	for (int k = 0; k < 3; k++) {
		ts[3 * k] = (char)('0' + v[k] / 10 % 10);
		ts[3 * k + 1] = (char)('0' + v[k] % 10);
		ts[3 * k + 2] = k < 2 ? ':' : 0;
	}
}

/* Log the held lines (under the lock). */
static void held_flush(struct console *c)
{
	if (!c->held.len)
		return;
	write_line(c->logfd, c->held.data, c->held.len);
	write_line(c->runlogfd, c->held.data, c->held.len);
	buf_reset(&c->held);
}

/* Lines to the console (NULL: none), under the lock. */
static void con_show(struct console *c, const char *shown)
{
	if (c->fp && shown) {
		fputs(shown, c->fp);
		fflush(c->fp);
	}
}

/* Finished lines (each ending in '\n'): shown (NULL: none) to the console,
 * logged (llen bytes) to both logs, after the lines held before them. */
static void con_write(struct console *c, const char *shown, const char *logged, size_t llen)
{
	pthread_mutex_lock(&c->lock);
	con_show(c, shown);
	if (llen) {
		held_flush(c);
		write_line(c->logfd, logged, llen);
		write_line(c->runlogfd, logged, llen);
	}
	pthread_mutex_unlock(&c->lock);
}

/* As con_write, but the logs get the lines in batches (64 KB, or what
 * came within 200 ms, or before the next line not held): for the lines of
 * nodes that finish in microseconds (reused), which a no-change build of
 * 8,000 nodes wrote in 16,000 writes. A line of a node that runs SQL is
 * never held, so a reader of the log (tail -f) sees what is running and
 * a crash loses no line of it. */
static void con_write_held(struct console *c, const char *shown, const char *logged, size_t llen)
{
	pthread_mutex_lock(&c->lock);
	con_show(c, shown);
	if (c->logfd >= 0 || c->runlogfd >= 0) {
		int64_t now = now_us();
		if (!c->held.len)
			c->held_us = now;
		buf_add(&c->held, logged, llen);
		if (c->held.len >= 64 * 1024 || now - c->held_us >= 200000)
			held_flush(c);
	}
	pthread_mutex_unlock(&c->lock);
}

/* Log the held lines now (before the logs are published or closed). */
static void con_flush(struct console *c)
{
	pthread_mutex_lock(&c->lock);
	held_flush(c);
	pthread_mutex_unlock(&c->lock);
}

/* One finished line (ending in '\n') to the console and both logs. */
static void con_emit(struct console *c, const char *line, size_t ll)
{
	con_write(c, line, line, ll);
}

static void con_line(struct console *c, const char *fmt, ...)
{
	char ts[9];
	con_ts(ts);
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	char *line = NULL;
	int ll = asprintf(&line, "%s  %s\n", ts, msg ? msg : "");
	if (ll > 0) {
		con_emit(c, line, (size_t)ll);
		free(line);
	}
	free(msg);
}

/* "<ts>  <i> of <total> <msg> ....... [<status>]\n" (malloc'd; its length
 * in *out_len): two lines per node, so built with copies rather than four
 * printf calls. */
static char *status_line(int i, int total, const char *msg, const char *status, size_t *out_len)
{
	char ts[9];
	con_ts(ts);
	size_t ml = strlen(msg), sl = strlen(status);
	if (ml > 1000)
		ml = 1000; /* as the 1024-byte line it replaced */
	char *line = xmalloc(ml + sl + 160);
	size_t n = 0;
	memcpy(line, ts, 8);
	n = 8;
	line[n++] = ' ';
	line[n++] = ' ';
	size_t start = n;
	n += (size_t)snprintf(line + n, 40, "%d of %d ", i, total);
	memcpy(line + n, msg, ml);
	n += ml;
	line[n++] = ' ';
	size_t len = n - start;
	size_t nd = len < 80 ? 80 - len : 3;
	memset(line + n, '.', nd);
	n += nd;
	line[n++] = ' ';
	line[n++] = '[';
	memcpy(line + n, status, sl);
	n += sl;
	line[n++] = ']';
	line[n++] = '\n';
	line[n] = 0;
	*out_len = n;
	return line;
}

static void con_status(struct console *c, int i, int total, const char *msg, const char *status)
{
	size_t n;
	char *line = status_line(i, total, msg, status, &n);
	con_emit(c, line, n);
	free(line);
}

/* A node's START line: shown on the console at once, but held for the
 * logs until the node is either reused (then it is logged with the REUSED
 * line in one write per log: a no-change build of 8,000 nodes made 32,000
 * writes, under the console lock, for its logs) or run (then it is logged
 * before the node's first statement). Its time is the node's start either
 * way. */
struct pending_line {
	char *line;
	size_t len;
};

static void pending_start(struct console *c, struct pending_line *p, char *line, size_t len)
{
	p->line = line;
	p->len = len;
	con_write(c, line, NULL, 0);
}

/* Log the held line, followed by `next` (NULL: none), which is also
 * shown; `batched`: the logs may get them later (con_write_held). */
static void pending_flush(struct console *c, struct pending_line *p, const char *next, size_t nlen,
			  bool batched)
{
	if (next) {
		p->line = xrealloc(p->line, p->len + nlen + 1);
		memcpy(p->line + p->len, next, nlen + 1);
		p->len += nlen;
	}
	if (batched)
		con_write_held(c, next, p->line, p->len);
	else
		con_write(c, next, p->line, p->len);
	free(p->line);
	p->line = NULL;
}

/* ----------------------------------------------------------- the run */

struct run {
	struct tf_proj *tp;
	struct graph *g;
	struct graph_sched *sched;
	struct console con;
	enum transform_verb verb;
	int total;
	int counter; /* started */
	pthread_mutex_t lock;
	bool fail_fast_hit;
	struct err conn_err; /* a worker could not (re)connect (under lock) */
	struct tf_run_dir rd; /* this run's artifact directory (runs.c) */
	bool allow_reuse; /* build, run, test without --no-reuse/--full-refresh */
};

static void note_conn_err(struct run *r, struct err *e)
{
	pthread_mutex_lock(&r->lock);
	err_move(&r->conn_err, e);
	pthread_mutex_unlock(&r->lock);
	err_clear(e);
}

static const char *rel_label(struct tf_proj *tp, struct tf_node *n, struct arena *a)
{
	(void)tp;
	return arena_printf(a, "%s.%s", n->schema, n->alias);
}

static bool runnable(const struct tf_node *n, enum transform_verb v)
{
	if (!n->enabled)
		return false;
	bool eph = n->rtype == TF_MODEL && n->materialized && !strcmp(n->materialized, "ephemeral");
	switch (v) {
	case TF_VERB_RUN: return n->rtype == TF_MODEL && !eph;
	case TF_VERB_TEST: return n->rtype == TF_TEST || n->rtype == TF_UNIT_TEST;
	case TF_VERB_SEED: return n->rtype == TF_SEED;
	case TF_VERB_SNAPSHOT: return n->rtype == TF_SNAPSHOT;
	case TF_VERB_BUILD:
		return (n->rtype == TF_MODEL && !eph) || n->rtype == TF_TEST || n->rtype == TF_SEED ||
		       n->rtype == TF_SNAPSHOT || n->rtype == TF_UNIT_TEST;
	case TF_VERB_COMPILE:
		return n->rtype == TF_MODEL || n->rtype == TF_TEST || n->rtype == TF_ANALYSIS ||
		       n->rtype == TF_SNAPSHOT;
	default: return true;
	}
}

static int compile_one(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, bool write,
		       struct err *e)
{
	if (n->compiled)
		return 0;
	struct buf sql = BUF_INIT;
	int rc = 0;
	if (n->rtype == TF_SEED || n->rtype == TF_SOURCE || n->rtype == TF_EXPOSURE ||
	    tf_is_semantic(n->rtype))
		return 0;
	rc = tf_render_node(tp, n, false, true, c, &sql, e);
	if (!rc)
		rc = tf_inject_ctes(tp, n, &sql, e);
	if (rc) {
		buf_free(&sql);
		return rc;
	}
	/* dbt strips surrounding whitespace of the rendered model */
	char *s = str_trim(sql.data ? sql.data : (char *)"");
	n->compiled = xstrdup(s);
	buf_free(&sql);
	n->compiled_ok = true;
	if (write)
		rc = tf_write_node_file(tp, n, "compiled", n->compiled, e);
	return rc;
}

static const char *mat_label(struct tf_node *n)
{
	return n->materialized ? n->materialized : "view";
}

/* Returns the node's status code: ING_ECONNECT says the connection is gone. */
static int run_node(struct run *r, struct tf_node *n, struct wh_conn *c, int idx, int thread)
{
	struct tf_proj *tp = r->tp;
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	n->thread_id = thread;
	n->started_us = now_us();
	double t0 = mono_seconds();
	bool unit = n->rtype == TF_UNIT_TEST;
	const char *label = unit ? arena_printf(a, "%s::%s", n->fqn[n->nfqn - 2], n->name)
			    : n->rtype == TF_TEST ? n->name : rel_label(tp, n, a);
	const char *start_msg = unit ? arena_printf(a, "START unit_test %s", label)
				: n->rtype == TF_TEST ? arena_printf(a, "START test %s", label)
				: n->rtype == TF_SEED ? arena_printf(a, "START seed file %s", label)
				: n->rtype == TF_SNAPSHOT ? arena_printf(a, "START snapshot %s", label)
				: arena_printf(a, "START sql %s model %s", mat_label(n), label);
	struct pending_line start = {0};
	size_t sl;
	char *sline = status_line(idx, r->total, start_msg, "RUN", &sl);
	pending_start(&r->con, &start, sline, sl);
	int rc = 0;
	if (n->status == TF_ST_ERROR && n->message) {
		/* a parse-time error on this node */
		rc = err_set(&e, ING_EINVAL, "%s", n->message);
	}
	if (!rc && n->rtype != TF_SEED && !unit) {
		rc = compile_one(tp, n, c, true, &e);
		if (rc)
			err_prefix(&e, "Compilation Error in %s %s (%s)", tf_rtype_name(n->rtype), n->name,
				   n->original_file_path);
	}
	n->compiled_us = now_us();
	/* state-aware builds (reuse.c): nothing it reads changed since its
	 * last success: not run */
	if (!rc && tp->reuse && !unit && tf_reuse_check(tp, n, c, r->allow_reuse)) {
		n->reused = true;
		n->status = TF_ST_SUCCESS;
		free(n->message);
		n->message = xstrdup("reused: no upstream change");
		n->done_us = now_us();
		n->exec_time = mono_seconds() - t0;
		char st[64];
		snprintf(st, sizeof(st), "REUSED in %.2fs", n->exec_time);
		const char *what = n->rtype == TF_TEST ? arena_printf(a, "test %s", label)
				   : n->rtype == TF_SEED ? arena_printf(a, "seed file %s", label)
				   : n->rtype == TF_SNAPSHOT ? arena_printf(a, "snapshot %s", label)
				   : arena_printf(a, "sql %s model %s", mat_label(n), label);
		size_t rl;
		char *reused = status_line(idx, r->total,
					   arena_printf(a, "REUSED %s (no upstream change)", what), st, &rl);
		pending_flush(&r->con, &start, reused, rl, true);
		free(reused);
		arena_free(a);
		return 0;
	}
	pending_flush(&r->con, &start, NULL, 0, false);
	/* Another unit of work in this process (a scheduler task, a command
	 * handed to the warehouse's owner) may be writing the same relation:
	 * writers of one relation take turns (core/keylock.h). */
	struct keylock *wl = NULL;
	if (!rc && n->rtype != TF_TEST && !unit && strcmp(mat_label(n), "ephemeral")) {
		const struct target *t = &tp->p->target;
		const char *key = arena_printf(a, "relation:%s:%s:%s:%d/%s:%s.%s.%s", tp->engine,
					       t->path ? t->path : "", t->host ? t->host : "", t->port,
					       t->dbname ? t->dbname : "", n->database ? n->database : "",
					       n->schema ? n->schema : "", n->alias ? n->alias : n->name);
		rc = keylock_acquire(key, tp->opts ? tp->opts->cancel : NULL, &wl, NULL, &e);
	}
	if (!rc) {
		n->written = n->rtype != TF_TEST && !unit; /* inctest.c */
		switch (n->rtype) {
		case TF_MODEL: rc = tf_materialize(tp, n, c, &e); break;
		case TF_SEED: rc = tf_seed(tp, n, c, &e); break;
		case TF_SNAPSHOT: rc = tf_snapshot(tp, n, c, &e); break;
		case TF_TEST: rc = tf_inctest_passed(tp, n, c) ? 0 : tf_run_test(tp, n, c, &e); break;
		case TF_UNIT_TEST: rc = tf_run_unit_test(tp, n, c, &e); break;
		default: break;
		}
		/* its relation may have changed, failed or not (core/relver.h);
		 * a test writes one only when it stores its failures */
		if (!unit && (n->rtype != TF_TEST || tf_test_store_as(n)))
			relver_bump(n->schema, n->alias ? n->alias : n->name);
		if (rc && n->rtype != TF_SEED)
			err_prefix(&e, "Database Error in %s %s (%s)", tf_rtype_name(n->rtype), n->name,
				   n->original_file_path);
		if (n->run_sql.len) {
			struct err ig = ERR_INIT;
			tf_write_node_file(tp, n, "run", buf_cstr(&n->run_sql), &ig);
			err_clear(&ig);
		}
	}
	/* recorded while the relation is still ours: the build-end times of
	 * one relation's writers follow the order they wrote in */
	if (tp->reuse && !unit)
		tf_reuse_done(tp, n, !rc && n->status != TF_ST_ERROR && n->status != TF_ST_FAIL);
	keylock_release(wl);
	n->done_us = now_us();
	n->exec_time = mono_seconds() - t0;
	const char *status;
	const char *msg;
	char st[96];
	if (rc) {
		n->status = TF_ST_ERROR;
		free(n->message);
		n->message = err_string(&e);
		snprintf(st, sizeof(st), "ERROR in %.2fs", n->exec_time);
		status = st;
		msg = n->rtype == TF_TEST || unit ? arena_printf(a, "ERROR %s", label)
		      : n->rtype == TF_SEED ? arena_printf(a, "ERROR loading seed file %s", label)
		      : n->rtype == TF_SNAPSHOT ? arena_printf(a, "ERROR snapshotting %s", label)
		      : arena_printf(a, "ERROR creating sql %s model %s", mat_label(n), label);
	} else if (n->rtype == TF_TEST || unit) {
		const char *w = n->status == TF_ST_FAIL ? "FAIL" : n->status == TF_ST_WARN ? "WARN" : "PASS";
		if (n->status == TF_ST_PASS) {
			snprintf(st, sizeof(st), "PASS in %.2fs", n->exec_time);
			msg = arena_printf(a, "PASS %s", label);
		} else {
			snprintf(st, sizeof(st), "%s %lld in %.2fs", w, (long long)n->failures, n->exec_time);
			msg = arena_printf(a, "%s %lld %s", w, (long long)n->failures, label);
		}
		status = st;
	} else {
		n->status = TF_ST_SUCCESS;
		const char *code = n->adapter_code ? n->adapter_code : "OK";
		if (n->rtype == TF_SEED) {
			snprintf(st, sizeof(st), "INSERT %lld in %.2fs", (long long)n->rows_affected, n->exec_time);
		} else {
			struct buf sb = BUF_INIT; /* the engine's status text (dbt's per adapter) */
			wh_sql_status(wh_adapter_for(tp->engine), code, n->rows_affected, &sb);
			snprintf(st, sizeof(st), "%s in %.2fs", buf_cstr(&sb), n->exec_time);
			buf_free(&sb);
		}
		status = st;
		msg = n->rtype == TF_SEED ? arena_printf(a, "OK loaded seed file %s", label)
		      : n->rtype == TF_SNAPSHOT ? arena_printf(a, "OK snapshotted %s", label)
		      : arena_printf(a, "OK created sql %s model %s", mat_label(n), label);
	}
	con_status(&r->con, idx, r->total, msg, status);
	err_clear(&e);
	arena_free(a);
	return rc;
}

struct worker {
	struct run *r;
	int id;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	struct tf_proj *tp = r->tp;
	struct wh_conn *c = NULL;
	struct err e = ERR_INIT;
	struct cancel *tok = tp->opts ? tp->opts->cancel : NULL;
	if (wh_connect(tp->db, &c, &e)) {
		con_line(&r->con, "could not connect: %s", e.msg ? e.msg : "");
		note_conn_err(r, &e);
	} else {
		wh_conn_set_cancel(c, tok);
	}
	struct graph_job job;
	while (graph_sched_take(r->sched, &job)) {
		struct tf_node *n = tp->nodes.items[job.idx];
		pthread_mutex_lock(&r->lock);
		int idx = ++r->counter;
		pthread_mutex_unlock(&r->lock);
		bool cancelled = cancel_requested(tok);
		if (job.skip || !c || cancelled) {
			n->status = c ? TF_ST_SKIPPED : TF_ST_ERROR;
			if (!c)
				n->message = xstrdup("not run: no connection to the warehouse (see the "
						     "connection error)");
			else if (cancelled && !job.skip)
				n->message = xasprintf("not run: %s", cancel_reason(tok));
			struct arena *a = arena_new(0);
			const char *label = n->rtype == TF_TEST ? arena_printf(a, "test %s", n->name)
						: arena_printf(a, "relation %s.%s", n->schema, n->alias);
			con_status(&r->con, idx, r->total, arena_printf(a, "SKIP %s", label), "SKIP");
			arena_free(a);
			graph_sched_done(r->sched, job.idx, c ? GRAPH_RUN_SKIPPED : GRAPH_RUN_FAILED);
			continue;
		}
		if (run_node(r, n, c, idx, w->id) == ING_ECONNECT) {
			/* the session is gone: the node's error names it; the
			 * next nodes get a new connection */
			wh_disconnect(c);
			c = NULL;
			if (wh_connect(tp->db, &c, &e)) {
				con_line(&r->con, "could not reconnect: %s", e.msg ? e.msg : "");
				note_conn_err(r, &e);
				c = NULL;
			} else {
				wh_conn_set_cancel(c, tok);
			}
		}
		bool failed = n->status == TF_ST_ERROR || n->status == TF_ST_FAIL;
		graph_sched_done(r->sched, job.idx, failed ? GRAPH_RUN_FAILED : GRAPH_RUN_OK);
		if (failed && tp->opts && tp->opts->fail_fast) {
			pthread_mutex_lock(&r->lock);
			r->fail_fast_hit = true;
			pthread_mutex_unlock(&r->lock);
			graph_sched_cancel(r->sched);
		}
	}
	wh_disconnect(c);
	return NULL;
}

/* ----------------------------------------------------------- graph */

/* The configs fingerprint: md5 of the config as canonical JSON (sorted
 * keys, compact), so the current project and a manifest compare equal. */
static const char *config_fp(struct arena *a, json_t *cfg)
{
	char *s = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
	if (!s)
		return NULL;
	char md[33];
	digest_md5_hex(s, strlen(s), md);
	free(s);
	return arena_strdup(a, md);
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* --state DIR: the previous manifest's fingerprints (state:) and its
 * relations (--defer). A missing manifest is an error only when asked. */
static int load_state(struct tf_proj *tp, const char *dir, bool defer, struct graph_state **out,
		      struct err *e)
{
	char *path = path_join(dir, "manifest.json");
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		int rc = err_set(e, ING_ENOTFOUND, "--state: cannot read %s: %s", path, je.text);
		free(path);
		return rc;
	}
	free(path);
	struct graph_state *st = graph_state_new();
	struct arena *a = tp->arena;
	const char *groups[] = {"nodes", "sources", "exposures", "semantic_models", "metrics",
				"saved_queries"};
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		json_t *nodes = json_object_get(root, groups[g]);
		const char *uid;
		json_t *nd;
		json_object_foreach(nodes, uid, nd) {
			struct graph_fp fp = {0};
			json_t *ck = json_object_get(nd, "checksum");
			fp.body = ck ? jstr(ck, "checksum") : g >= 3 ? tf__semantic_state_fp(nd, a) : NULL;
			json_t *cfg = json_object_get(nd, "config");
			if (g == 0 && json_is_object(cfg))
				fp.configs = config_fp(a, cfg);
			const char *db = jstr(nd, "database"), *schema = jstr(nd, "schema");
			const char *alias = jstr(nd, "alias") ? jstr(nd, "alias")
				: jstr(nd, "identifier") ? jstr(nd, "identifier") : jstr(nd, "name");
			if (g == 0 && json_is_object(cfg)) {
				const char *cd = jstr(cfg, "database"), *cs = jstr(cfg, "schema"),
					   *ca = jstr(cfg, "alias");
				fp.relation = arena_printf(a, "%s.%s.%s", cd ? cd : "", cs ? cs : "", ca ? ca : "");
			} else {
				fp.relation = "..";
			}
			if (schema && alias) {
				if (defer) {
					struct tf_deferred *d = arena_alloc(a, sizeof(*d));
					d->database = db ? arena_strdup(a, db) : NULL;
					d->schema = arena_strdup(a, schema);
					d->alias = arena_strdup(a, alias);
					strmap_put(&tp->deferred, uid, d);
				}
			}
			graph_state_put(st, uid, &fp);
		}
	}
	json_decref(root);
	*out = st;
	return 0;
}

/* unit_first: the graph `build` schedules on, where a model waits for its
 * unit tests (which wait for the model's inputs), so a failing unit test
 * skips the model as in dbt; selection uses the other, where a unit test
 * is below its model as dbt's graph has it. */
/* Does the selection match on config.KEY? Only then does the graph need
 * every node's configs flattened to strings (9 MB of a 2,000-model
 * compile's peak and 3% of its CPU, for nothing when no selector asks). A
 * named selector (selectors.yml) may, so it gets them. */
static bool selection_reads_config(const struct transform_opts *o)
{
	return o->selector || (o->select && strstr(o->select, "config")) ||
	       (o->exclude && strstr(o->exclude, "config"));
}

static int build_graph(struct tf_proj *tp, bool unit_first, bool configs, struct graph **out,
		       struct err *e)
{
	struct graph *g = graph_new();
	struct arena *a = arena_new(0);
	int rc = 0;
	for (size_t i = 0; i < tp->nodes.len && !rc; i++) {
		struct tf_node *n = tp->nodes.items[i];
		struct graph_node gn = {0};
		static const enum graph_rtype map[TF_NRTYPES] = {
			GRAPH_MODEL, GRAPH_SEED, GRAPH_SNAPSHOT, GRAPH_TEST, GRAPH_ANALYSIS,
			GRAPH_SOURCE, GRAPH_EXPOSURE, GRAPH_OPERATION, GRAPH_UNIT_TEST,
			GRAPH_SEMANTIC_MODEL, GRAPH_METRIC, GRAPH_SAVED_QUERY};
		gn.type = map[n->rtype];
		gn.unique_id = n->unique_id;
		gn.package = n->package;
		gn.name = n->name;
		gn.fqn = n->fqn;
		gn.nfqn = n->nfqn;
		gn.path = n->original_file_path;
		gn.patch_path = n->props_file;
		struct jinja_value tags = tf_cfg(n, "tags");
		size_t nt = tags.type == JINJA_LIST ? jinja_list_len(tags) : 0;
		const char **tv = arena_alloc(a, (nt + 1) * sizeof(char *));
		size_t k = 0;
		for (size_t j = 0; j < nt; j++)
			if (jinja_list_get(tags, j).type == JINJA_STR)
				tv[k++] = jinja_str_cstr(a, jinja_list_get(tags, j));
		gn.tags = tv;
		gn.ntags = k;
		/* flattened configs for config.X: */
		size_t nc = configs && n->config.type == JINJA_DICT ? jinja_dict_len(n->config) : 0;
		struct graph_kv *kv = arena_alloc(a, (nc * 4 + 1) * sizeof(*kv));
		size_t nkv = 0;
		for (size_t j = 0; j < nc; j++) {
			struct jinja_value key = jinja_dict_key(n->config, j), v = jinja_dict_val(n->config, j);
			const char *ks = jinja_str_cstr(a, key);
			if (v.type == JINJA_STR || v.type == JINJA_INT || v.type == JINJA_BOOL ||
			    v.type == JINJA_FLOAT) {
				struct buf b = BUF_INIT;
				if (v.type == JINJA_BOOL)
					buf_puts(&b, v.u.b ? "true" : "false");
				else
					jinja_value_str(NULL, v, &b);
				kv[nkv++] = (struct graph_kv){ks, arena_strdup(a, buf_cstr(&b))};
				buf_free(&b);
			}
		}
		gn.config = kv;
		gn.nconfig = nkv;
		gn.materialized = n->materialized;
		gn.disabled = !n->enabled;
		gn.source_name = n->rtype == TF_SOURCE && n->src ? n->src->source->name : NULL;
		gn.test_kind = n->rtype != TF_TEST ? GRAPH_TEST_NONE
			       : n->test ? GRAPH_TEST_GENERIC : GRAPH_TEST_SINGULAR;
		gn.test_name = n->test ? n->test->name : NULL;
		gn.attached_node = n->attached >= 0 ? tp->nodes.items[n->attached]->unique_id : NULL;
		if (n->rtype == TF_UNIT_TEST)
			gn.attached_node = NULL;
		gn.fp.body = n->test ? "" : n->checksum;
		/* as dbt: the configured (unrendered) database/schema/alias, so
		 * comparing a dev project with prod artifacts is not all-modified */
		gn.fp.relation = arena_printf(a, "%s.%s.%s", tf_cfg_str(n, "database", ""),
					      tf_cfg_str(n, "schema", ""), tf_cfg_str(n, "alias", ""));
		/* only state:modified compares it, and state: needs --state: no
		 * JSON round trip and digest per node on every other run */
		if (tf_is_semantic(n->rtype)) /* the whole entry, config included */
			gn.fp.body = tp->opts && tp->opts->state_dir ? tf__semantic_node_fp(tp, n, a) : NULL;
		else if (n->config.type == JINJA_DICT && tp->opts && tp->opts->state_dir) {
			struct buf b = BUF_INIT;
			struct jw w;
			jw_init(&w, &b, false);
			tf_config_json(&w, n->config);
			json_t *j = json_loads(buf_cstr(&b), 0, NULL);
			gn.fp.configs = j ? config_fp(a, j) : NULL;
			json_decref(j);
			buf_free(&b);
		}
		gn.user = n;
		uint32_t idx;
		rc = graph_add_node(g, &gn, &idx, e);
		if (!rc && idx != (uint32_t)i)
			BUG("graph index %u != node index %zu", idx, i);
	}
	for (size_t i = 0; i < tp->nodes.len && !rc; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (unit_first && n->rtype == TF_UNIT_TEST && n->attached >= 0) {
			struct tf_node *m = tp->nodes.items[n->attached];
			for (size_t j = 0; j < m->deps.len; j++)
				graph_add_edge(g, (uint32_t)i, (uint32_t)m->deps.items[j]);
			graph_add_edge(g, (uint32_t)m->idx, (uint32_t)i);
			continue;
		}
		for (size_t j = 0; j < n->deps.len; j++)
			graph_add_edge(g, (uint32_t)i, (uint32_t)n->deps.items[j]);
	}
	arena_free(a);
	if (!rc)
		rc = graph_check_cycles(g, NULL, NULL, e);
	if (rc) {
		graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

typedef VEC(char *) wordvec;

static void split_words(const char *s, wordvec *out)
{
	if (!s)
		return;
	const char *p = s;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		const char *q = p;
		while (*q && *q != ' ' && *q != '\t' && *q != '\n')
			q++;
		if (q > p)
			vec_push(out, xstrndup(p, (size_t)(q - p)));
		p = q;
	}
}

/* selectors.yml: only the `definition:` forms graph/ takes. */
static int seldef_from_yaml(struct arena *a, const struct ynode *n, const struct ynode *all,
			    const struct graph_seldef **out, int depth, struct err *e);

static int seldef_list(struct arena *a, const struct ynode *seq, const struct ynode *all,
		       struct graph_seldef *d, int depth, struct err *e)
{
	if (!seq || seq->type != Y_SEQ)
		return yerr(e, seq, ING_ECONFIG, "expected a list of selector definitions");
	const struct graph_seldef **items = arena_alloc(a, (seq->n + 1) * sizeof(*items));
	size_t k = 0;
	struct graph_seldef *ex = NULL;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i];
		const struct ynode *exn = ymap_get(it, "exclude");
		if (exn && it->type == Y_MAP && it->n == 1) {
			ex = arena_zalloc(a, sizeof(*ex));
			ex->kind = GRAPH_SELDEF_UNION;
			int rc = seldef_list(a, exn, all, ex, depth + 1, e);
			if (rc)
				return rc;
			continue;
		}
		int rc = seldef_from_yaml(a, it, all, &items[k], depth + 1, e);
		if (rc)
			return rc;
		k++;
	}
	d->items = items;
	d->nitems = k;
	d->exclude = ex;
	return 0;
}

static int seldef_from_yaml(struct arena *a, const struct ynode *n, const struct ynode *all,
			    const struct graph_seldef **out, int depth, struct err *e)
{
	if (depth > 32)
		return yerr(e, n, ING_ECONFIG, "selector definitions nest too deeply");
	struct graph_seldef *d = arena_zalloc(a, sizeof(*d));
	d->indirect = -1;
	d->where = arena_printf(a, "%s:%d:%d", n->file ? n->file : "selectors.yml", n->line, n->col);
	*out = d;
	if (n->type == Y_SCALAR) {
		d->kind = GRAPH_SELDEF_CLI;
		d->text = arena_strndup(a, n->str, n->len);
		return 0;
	}
	if (n->type != Y_MAP)
		return yerr(e, n, ING_ECONFIG, "a selector definition is a string or a mapping");
	const struct ynode *u = ymap_get(n, "union"), *x = ymap_get(n, "intersection");
	if (u || x) {
		d->kind = u ? GRAPH_SELDEF_UNION : GRAPH_SELDEF_INTERSECTION;
		return seldef_list(a, u ? u : x, all, d, depth, e);
	}
	d->kind = GRAPH_SELDEF_METHOD;
	const char *method = ymap_str(n, "method"), *value = ymap_str(n, "value");
	if (!method) {
		/* {tag: nightly} shorthand */
		for (size_t i = 0; i < n->n; i++) {
			const char *k = arena_strndup(a, n->keys[i]->str, n->keys[i]->len);
			if (!strcmp(k, "exclude") || !strcmp(k, "children") || !strcmp(k, "parents") ||
			    !strcmp(k, "indirect_selection") || !strcmp(k, "childrens_parents") ||
			    !strcmp(k, "children_depth") || !strcmp(k, "parents_depth"))
				continue;
			method = k;
			value = n->items[i]->type == Y_SCALAR ? arena_strndup(a, n->items[i]->str, n->items[i]->len) : "";
		}
	}
	if (method && !strcmp(method, "selector") && value) {
		const struct ynode *sels = ymap_get(all, "selectors");
		for (size_t i = 0; sels && sels->type == Y_SEQ && i < sels->n; i++) {
			const char *nm = ymap_str(sels->items[i], "name");
			if (nm && !strcmp(nm, value))
				return seldef_from_yaml(a, ymap_get(sels->items[i], "definition"), all, out,
							depth + 1, e);
		}
		return yerr(e, n, ING_ECONFIG, "no selector named '%s'", value);
	}
	d->method = method ? arena_strdup(a, method) : NULL;
	d->value = value ? arena_strdup(a, value) : "";
	bool b;
	int64_t iv;
	const struct ynode *t;
	if ((t = ymap_get(n, "children")) && !yscalar_bool(t, &b))
		d->children = b;
	if ((t = ymap_get(n, "parents")) && !yscalar_bool(t, &b))
		d->parents = b;
	if ((t = ymap_get(n, "childrens_parents")) && !yscalar_bool(t, &b))
		d->childrens_parents = b;
	if ((t = ymap_get(n, "children_depth")) && !yscalar_int(t, &iv))
		d->children_depth = (int)iv;
	if ((t = ymap_get(n, "parents_depth")) && !yscalar_int(t, &iv))
		d->parents_depth = (int)iv;
	const char *ind = ymap_str(n, "indirect_selection");
	if (ind) {
		enum graph_indirect gi;
		if (graph_indirect_parse(ind, &gi, e))
			return ING_ECONFIG;
		d->indirect = (int)gi;
	}
	const struct ynode *exn = ymap_get(n, "exclude");
	if (exn) {
		struct graph_seldef *ex = arena_zalloc(a, sizeof(*ex));
		ex->kind = GRAPH_SELDEF_UNION;
		ex->indirect = -1;
		int rc = seldef_list(a, exn, all, ex, depth, e);
		if (rc)
			return rc;
		d->exclude = ex;
	}
	return 0;
}

static void on_empty(void *ctx, const char *criterion)
{
	struct run *r = ctx;
	con_line(&r->con, "The selection criterion '%s' does not match any enabled nodes", criterion);
}

/* previous run_results.json → unique_id → status, for result: */
static int load_results(const char *dir, struct strmap *out, struct arena *a, struct err *e);

static int select_nodes(struct run *r, const struct transform_opts *o, struct graph_set *sel,
			struct strmap *results, struct err *e)
{
	struct tf_proj *tp = r->tp;
	wordvec s = VEC_INIT, x = VEC_INIT;
	split_words(o->select, &s);
	split_words(o->exclude, &x);
	struct graph_sel_opts so = {0};
	so.indirect = GRAPH_INDIRECT_EAGER;
	so.root_package = tp->p->name;
	so.on_empty = on_empty;
	so.ctx = r;
	struct arena *a = arena_new(0);
	struct graph_state *st = NULL;
	if (o->state_dir) {
		if (load_results(o->state_dir, results, a, e) == 0)
			so.results = results;
		int src = load_state(tp, o->state_dir, o->defer, &st, e);
		if (src && o->defer) {
			arena_free(a);
			return src;
		}
		err_clear(e);
		so.state = st;
	}
	int rc;
	if (o->selector) {
		char *path = path_join(tp->p->dir, "selectors.yml");
		struct ynode *root = NULL;
		rc = yaml_load_file(path, tp->arena, &root, e);
		free(path);
		const struct graph_seldef *def = NULL;
		if (!rc) {
			const struct ynode *sels = ymap_get(root, "selectors");
			const struct ynode *found = NULL;
			for (size_t i = 0; sels && sels->type == Y_SEQ && i < sels->n; i++) {
				const char *nm = ymap_str(sels->items[i], "name");
				if (nm && !strcmp(nm, o->selector))
					found = ymap_get(sels->items[i], "definition");
			}
			if (!found)
				rc = err_set(e, ING_EINVAL, "no selector named '%s' in selectors.yml", o->selector);
			else
				rc = seldef_from_yaml(a, found, root, &def, 0, e);
		}
		if (!rc)
			rc = graph_select_def(r->g, def, &so, sel, e);
	} else {
		rc = graph_select(r->g, (const char *const *)s.items, s.len,
				  (const char *const *)x.items, x.len, &so, sel, e);
	}
	for (size_t i = 0; i < s.len; i++)
		free(s.items[i]);
	for (size_t i = 0; i < x.len; i++)
		free(x.items[i]);
	vec_free(&s);
	vec_free(&x);
	arena_free(a);
	if (st)
		graph_state_free(st);
	return rc;
}

static int load_results(const char *dir, struct strmap *out, struct arena *a, struct err *e)
{
	char *path = path_join(dir, "run_results.json");
	struct buf b = BUF_INIT;
	int rc = fs_read_file(path, &b, 0, e);
	free(path);
	if (rc) {
		err_clear(e);
		buf_free(&b);
		return rc;
	}
	/* a small scan: "status": "x" ... "unique_id": "y" pairs per result */
	const char *p = buf_cstr(&b);
	while ((p = strstr(p, "\"status\""))) {
		const char *q = strchr(p + 8, '"');
		const char *q2 = q ? strchr(q + 1, '"') : NULL;
		const char *u = q2 ? strstr(q2, "\"unique_id\"") : NULL;
		const char *u1 = u ? strchr(u + 11, '"') : NULL;
		const char *u2 = u1 ? strchr(u1 + 1, '"') : NULL;
		if (!u2)
			break;
		char *uid = arena_strndup(a, u1 + 1, (size_t)(u2 - u1 - 1));
		strmap_put(out, uid, arena_strndup(a, q + 1, (size_t)(q2 - q - 1)));
		p = u2;
	}
	buf_free(&b);
	return 0;
}

/* ----------------------------------------------------------- verbs */

static int node_uid_cmp(const void *x, const void *y)
{
	const struct tf_node *const *a = x, *const *b = y;
	return strcmp((*a)->unique_id, (*b)->unique_id);
}

static void ls_print(struct run *r, const struct graph_set *sel, const struct transform_opts *o,
		     FILE *fp)
{
	struct tf_proj *tp = r->tp;
	uint32_t mask = 0;
	if (o->resource_types && *o->resource_types) {
		wordvec ws = VEC_INIT;
		split_words(o->resource_types, &ws);
		for (size_t i = 0; i < ws.len; i++) {
			for (int t = 0; t < TF_NRTYPES; t++)
				if (!strcmp(ws.items[i], tf_rtype_name((enum tf_rtype)t)))
					mask |= 1u << t;
			if (!strcmp(ws.items[i], "all"))
				mask = ~0u;
			free(ws.items[i]);
		}
		vec_free(&ws);
	}
	/* dbt lists in sorted unique_id order */
	VEC(struct tf_node *) v = VEC_INIT;
	for (uint32_t i = graph_set_next(sel, 0); i != GRAPH_NONE; i = graph_set_next(sel, i + 1)) {
		struct tf_node *n = tp->nodes.items[i];
		if (mask && !(mask & (1u << n->rtype)))
			continue;
		if (n->rtype == TF_OPERATION)
			continue;
		vec_push(&v, n);
	}
	if (v.len)
		qsort(v.items, v.len, sizeof(*v.items), node_uid_cmp);
	for (size_t i = 0; fp && i < v.len; i++) {
		struct tf_node *n = v.items[i];
		if (o->ls_output == TF_LS_NAME) {
			if (n->rtype == TF_SOURCE && n->src)
				fprintf(fp, "%s.%s\n", n->src->source->name, n->name);
			else
				fprintf(fp, "%s\n", n->name);
		} else if (o->ls_output == TF_LS_PATH) {
			fprintf(fp, "%s\n", n->original_file_path);
		} else if (o->ls_output == TF_LS_JSON) {
			struct buf b = BUF_INIT;
			struct jw w;
			jw_init(&w, &b, false);
			jw_obj_begin(&w);
			jw_key(&w, "name");
			jw_str(&w, n->name);
			jw_key(&w, "resource_type");
			jw_str(&w, tf_rtype_name(n->rtype));
			jw_key(&w, "package_name");
			jw_str(&w, n->package);
			jw_key(&w, "original_file_path");
			jw_str(&w, n->original_file_path);
			jw_key(&w, "unique_id");
			jw_str(&w, n->unique_id);
			jw_key(&w, "alias");
			jw_str(&w, n->alias);
			jw_key(&w, "config");
			if (n->config.type == JINJA_DICT)
				tf_config_json(&w, n->config);
			else
				jw_raw(&w, "{}");
			jw_key(&w, "tags");
			jw_arr_begin(&w);
			struct jinja_value tags = tf_cfg(n, "tags");
			for (size_t k = 0; tags.type == JINJA_LIST && k < jinja_list_len(tags); k++) {
				struct jinja_value t = jinja_list_get(tags, k);
				if (t.type == JINJA_STR)
					jw_strn(&w, t.u.s, t.len);
			}
			jw_arr_end(&w);
			jw_key(&w, "depends_on");
			jw_obj_begin(&w);
			jw_key(&w, "nodes");
			jw_arr_begin(&w);
			for (size_t k = 0; k < n->deps.len; k++)
				jw_str(&w, tp->nodes.items[n->deps.items[k]]->unique_id);
			jw_arr_end(&w);
			jw_obj_end(&w);
			jw_obj_end(&w);
			fprintf(fp, "%s\n", buf_cstr(&b));
			buf_free(&b);
		} else {
			/* selector form: fqn joined by dots; sources prefixed */
			struct buf b = BUF_INIT;
			if (n->rtype == TF_SOURCE && n->src)
				buf_printf(&b, "source:%s.%s.%s", n->package, n->src->source->name, n->name);
			else if (n->rtype == TF_EXPOSURE || tf_is_semantic(n->rtype))
				buf_printf(&b, "%s:%s.%s", tf_rtype_name(n->rtype), n->package, n->name);
			else
				for (size_t k = 0; k < n->nfqn; k++)
					buf_printf(&b, "%s%s", k ? "." : "", n->fqn[k]);
			fprintf(fp, "%s\n", buf_cstr(&b));
			buf_free(&b);
		}
	}
	r->counter = (int)v.len;
	vec_free(&v);
}

static int run_hooks_global(struct run *r, const char *key, struct err *e)
{
	struct tf_proj *tp = r->tp;
	const struct ynode *h = ymap_get(tp->p->yml, key);
	if (!h)
		return 0;
	struct wh_conn *c = NULL;
	int rc = wh_connect(tp->db, &c, e);
	if (rc)
		return rc;
	wh_conn_set_cancel(c, tp->opts ? tp->opts->cancel : NULL);
	size_t n = h->type == Y_SEQ ? h->n : 1;
	for (size_t i = 0; i < n && !rc; i++) {
		const struct ynode *it = h->type == Y_SEQ ? h->items[i] : h;
		if (it->type != Y_SCALAR)
			continue;
		char *src = xstrndup(it->str, it->len);
		rc = tf_run_hook(tp, NULL, c, key, src, true, e);
		if (rc)
			err_prefix(e, "%s hook %zu", key, i + 1);
		free(src);
	}
	wh_disconnect(c);
	return rc;
}

/* hook_errs: the failures of on-run-start/end (one message a line), which
 * count as errors as dbt counts its hook operations. */
static void summary(struct run *r, struct transform_report *rep, double elapsed,
		    int nhook_errs, const char *hook_errs)
{
	struct tf_proj *tp = r->tp;
	int counts[8] = {0};
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (!n->selected)
			continue;
		counts[n->status]++;
	}
	rep->pass = counts[TF_ST_SUCCESS] + counts[TF_ST_PASS];
	rep->warn = counts[TF_ST_WARN];
	rep->error = counts[TF_ST_ERROR] + counts[TF_ST_FAIL];
	rep->skip = counts[TF_ST_SKIPPED];
	rep->total = rep->pass + rep->warn + rep->error + rep->skip;
	int nerr = rep->error + nhook_errs;
	rep->elapsed = elapsed;
	con_line(&r->con, " ");
	con_line(&r->con, "Finished running %d node%s in %.2fs.", rep->total, rep->total == 1 ? "" : "s",
		 elapsed);
	con_line(&r->con, " ");
	if (nerr || rep->warn) {
		con_line(&r->con, "Completed with %d error%s and %d warning%s:", nerr,
			 nerr == 1 ? "" : "s", rep->warn, rep->warn == 1 ? "" : "s");
		for (size_t i = 0; i < tp->nodes.len; i++) {
			struct tf_node *n = tp->nodes.items[i];
			if (!n->selected || (n->status != TF_ST_ERROR && n->status != TF_ST_FAIL &&
					     n->status != TF_ST_WARN))
				continue;
			con_line(&r->con, " ");
			if (n->status == TF_ST_ERROR)
				con_line(&r->con, "Error in %s %s (%s)", tf_rtype_name(n->rtype), n->name,
					 n->original_file_path);
			else
				con_line(&r->con, "%s in %s %s (%s)",
					 n->status == TF_ST_FAIL ? "Failure" : "Warning",
					 n->rtype == TF_UNIT_TEST ? "unit_test" : "test", n->name,
					 n->original_file_path);
			con_line(&r->con, "  %s", n->message ? n->message : "");
		}
		for (const char *h = hook_errs; h && *h;) {
			const char *nl = strchr(h, '\n');
			int len = nl ? (int)(nl - h) : (int)strlen(h);
			con_line(&r->con, " ");
			con_line(&r->con, "%.*s", len, h);
			h = nl ? nl + 1 : h + len;
		}
		con_line(&r->con, " ");
	} else {
		con_line(&r->con, "Completed successfully");
		con_line(&r->con, " ");
	}
	int nreused = 0;
	for (size_t i = 0; i < tp->nodes.len; i++)
		nreused += tp->nodes.items[i]->selected && tp->nodes.items[i]->reused;
	if (nreused)
		con_line(&r->con, "Reused %d node%s with no upstream change (--no-reuse builds them)",
			 nreused, nreused == 1 ? "" : "s");
	/* a failed hook is counted as dbt 1.9 counts its hook operations */
	con_line(&r->con, "Done. PASS=%d WARN=%d ERROR=%d SKIP=%d TOTAL=%d", rep->pass, rep->warn,
		 nerr, rep->skip, rep->total + nhook_errs);
}

/* manifest.json now (parse, compile, docs generate); run verbs write it
 * with run_results.json at the end */
static void write_manifest_now(struct run *r)
{
	struct err me = ERR_INIT;
	if (tf_write_manifest(r->tp, &me))
		con_line(&r->con, "could not write manifest.json: %s", me.msg ? me.msg : "");
	err_clear(&me);
}

static int do_compile(struct run *r, const struct graph_set *sel, const struct transform_opts *o,
		      struct err *e)
{
	struct tf_proj *tp = r->tp;
	struct wh_conn *c = NULL;
	int rc = 0;
	if (o->inline_sql) {
		struct err ce = ERR_INIT;
		if (tp->db && wh_connect(tp->db, &c, &ce))
			c = NULL; /* compile works without a warehouse: is_incremental() is false */
		err_clear(&ce);
		struct buf sql = BUF_INIT;
		rc = tf_render_string(tp, NULL, "inline", o->inline_sql, c, c != NULL, &sql, e);
		FILE *fp = o->out ? o->out : o->console;
		if (!rc && fp)
			fprintf(fp, "%s\n", str_trim(sql.data ? sql.data : (char *)""));
		buf_free(&sql);
		wh_disconnect(c);
		if (o->write_artifacts)
			write_manifest_now(r);
		return rc;
	}
	uint32_t *order = NULL;
	size_t n = 0;
	struct graph_set only = GRAPH_SET_INIT;
	graph_set_init(&only, (uint32_t)tp->nodes.len);
	for (uint32_t i = graph_set_next(sel, 0); i != GRAPH_NONE; i = graph_set_next(sel, i + 1))
		if (runnable(tp->nodes.items[i], TF_VERB_COMPILE))
			graph_set_add(&only, i);
	rc = graph_toposort(r->g, &only, &order, &n, e);
	/* the warehouse is connected to (and DuckDB's file opened,
	 * wh_open_deferred) by the first render that asks it something */
	tp->conn_on_demand = tp->db != NULL;
	tp->writer = tf_writer_start();
	int failed = 0, nontest = 0;
	struct tf_node *last = NULL;
	for (size_t i = 0; !rc && i < n; i++) {
		struct tf_node *nd = tp->nodes.items[order[i]];
		nd->selected = true;
		struct err ne = ERR_INIT;
		if (nd->status == TF_ST_ERROR && nd->message) {
			con_line(&r->con, "Error in %s %s (%s): %s", tf_rtype_name(nd->rtype), nd->name,
				 nd->original_file_path, nd->message);
			failed++;
			continue;
		}
		if (compile_one(tp, nd, NULL, true, &ne)) {
			err_prefix(&ne, "Compilation Error in %s %s (%s)", tf_rtype_name(nd->rtype),
				   nd->name, nd->original_file_path);
			char *s = err_string(&ne);
			con_line(&r->con, "%s", s);
			free(nd->message);
			nd->message = s;
			nd->status = TF_ST_ERROR;
			failed++;
		} else {
			nd->status = nd->rtype == TF_TEST ? TF_ST_PASS : TF_ST_SUCCESS;
			if (nd->rtype != TF_TEST) {
				last = nd;
				nontest++;
			}
		}
		err_clear(&ne);
	}
	if (!rc && nontest == 1 && last && o->console) {
		con_line(&r->con, "Compiled node '%s' is:", last->name);
		fprintf(o->console, "%s\n", last->compiled);
	}
	r->counter = (int)n;
	/* the manifest, with each node's compiled code as dbt's compile
	 * writes it, while the writer threads finish the listings: the
	 * 8,000 nodes of bench/transform.sh render in ~40 ms, their listings
	 * (five system calls each) took the writers 70-100 ms more */
	if (o->write_artifacts)
		write_manifest_now(r);
	{
		struct err we = ERR_INIT;
		if (tf_writer_finish(tp->writer, &we))
			con_line(&r->con, "%s", we.msg ? we.msg : "");
		tp->writer = NULL;
		err_clear(&we);
	}
	free(order);
	graph_set_free(&only);
	wh_disconnect(tp->conn_demanded);
	tp->conn_demanded = NULL;
	tp->conn_on_demand = tp->conn_tried = false;
	if (!rc && failed)
		rc = ING_EFAIL;
	return rc;
}

int transform_invoke(struct project *p, struct wh_db *db, const struct transform_opts *o,
		     struct transform_report *out, struct err *e)
{
	struct transform_report rep = {0};
	struct tf_proj *tp = NULL;
	struct run r = {0};
	struct graph_set sel = GRAPH_SET_INIT;
	struct strmap results = STRMAP_INIT;
	double t0 = mono_seconds();
	pthread_mutex_init(&r.lock, NULL);
	pthread_mutex_init(&r.con.lock, NULL);
	r.con.fp = o->console;
	r.con.logfd = r.con.runlogfd = -1;
	r.rd.lock_fd = -1;
	r.verb = o->verb;
	if (o->write_artifacts && o->verb != TF_VERB_LS)
		tf_run_prune_start(&r.rd, p->target_path); /* beside the parse (runs.c) */
	int rc = tf_parse(p, db, o, &tp, e);
	r.tp = tp;
	double tph = mono_seconds(); /* phase timings, logged with -v */
	log_debug("phase parse: %.3fs", tph - t0);
	if (rc)
		goto out;
	/* the warehouse may still be opening (wh_open_beside): from here on
	 * it is needed. Compile connects when a render first asks the
	 * warehouse something (do_compile), and does without one when it
	 * cannot open */
	if (db && o->verb != TF_VERB_COMPILE) { /* compile: when a render asks */
		struct err oe = ERR_INIT;
		if (wh_ready(db, &oe)) {
			err_prefix(&oe, "cannot open target '%s' (%s)", p->target.name, p->target.type);
			rc = oe.code;
			err_move(e, &oe);
			goto out;
		}
		err_clear(&oe);
	}
	tf__context_finish(tp);
	rep.parse_rendered = tp->pp_rendered;
	rep.parse_reused = tp->pp_reused;
	rep.partial_parse = tp->pp != NULL;
	log_debug("partial parse %s: %d node%s rendered, %d reused from the cache",
		  tp->pp ? "on" : "off", tp->pp_rendered, tp->pp_rendered == 1 ? "" : "s",
		  tp->pp_reused);
	/* dbt's parse warnings; ls keeps its output to the names */
	for (size_t i = 0; o->verb != TF_VERB_LS && i < tp->warnings.len; i++)
		con_line(&r.con, "%s", tp->warnings.items[i]);
	if (o->verb != TF_VERB_LS) {
		/* the log is asked for (log-path): failing to write it is an error */
		char *lp = path_join(p->log_path, "ingot.log");
		struct err le = ERR_INIT;
		if (fs_mkdir_p(p->log_path, &le) == 0 &&
		    (r.con.logfd = open(lp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
			err_set(&le, ING_EIO, "cannot open %s: %s", lp, strerror(errno));
		free(lp);
		if (le.code) {
			err_prefix(&le, "log-path in %s", p->file);
			err_move(e, &le);
			rc = ING_EIO;
			goto out;
		}
	}
	if (o->write_artifacts && o->verb != TF_VERB_LS) {
		/* this run's own artifacts (and log), published at the end */
		if ((rc = tf_run_begin(&r.rd, p->target_path, e))) {
			err_prefix(e, "target-path in %s", p->file);
			goto out;
		}
		tp->art_dir = r.rd.dir;
		char *rl = path_join(r.rd.dir, "ingot.log");
		r.con.runlogfd = open(rl, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		free(rl);
	}
	/* --event-time-start/-end (microbatch models, materialize.c) */
	const char *etv[2] = {o->event_time_start, o->event_time_end};
	for (int k = 0; k < 2; k++) {
		if (!etv[k])
			continue;
		int64_t us = 0;
		int32_t days = 0;
		size_t len = strlen(etv[k]);
		if (!ts_parse(etv[k], len, &us)) {
			/* a timestamp (UTC) */
		} else if (!date_parse(etv[k], len, &days)) {
			us = (int64_t)days * 86400 * 1000000;
		} else {
			rc = err_set(e, ING_EINVAL,
				     "--event-time-%s '%s' is not a date or timestamp: write it as "
				     "YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS' (UTC)", k ? "end" : "start", etv[k]);
			goto out;
		}
		if (k) {
			tp->have_et_end = true;
			tp->et_end = us;
		} else {
			tp->have_et_start = true;
			tp->et_start = us;
		}
	}
	if (tp->have_et_start && tp->have_et_end && tp->et_start >= tp->et_end) {
		rc = err_set(e, ING_EINVAL, "--event-time-start must be before --event-time-end");
		goto out;
	}
	if ((rc = build_graph(tp, false, selection_reads_config(o), &r.g, e)))
		goto out;
	if ((rc = select_nodes(&r, o, &sel, &results, e)))
		goto out;
	/* parse and docs generate write the manifest now; compile once its
	 * nodes are rendered (do_compile), run verbs at the end: both with
	 * the compiled code */
	if (o->verb == TF_VERB_PARSE) {
		/* dbt parse: a node that cannot be parsed is a project error */
		rep.no_op = (int)tp->nodes.len;
		for (size_t i = 0; i < tp->nodes.len && !rc; i++) {
			struct tf_node *n = tp->nodes.items[i];
			if (n->status == TF_ST_ERROR && n->message)
				rc = err_set(e, ING_ECONFIG, "%s", n->message);
		}
	}
	if (o->write_artifacts && (o->verb == TF_VERB_DOCS_GENERATE || o->verb == TF_VERB_PARSE))
		write_manifest_now(&r);
	if (o->verb == TF_VERB_PARSE)
		goto out;
	if (o->verb == TF_VERB_LS) {
		ls_print(&r, &sel, o, o->out ? o->out : o->console); /* NULL: count only */
		rep.no_op = r.counter;
		goto out;
	}
	if (o->verb == TF_VERB_COMPILE) {
		rc = do_compile(&r, &sel, o, e);
		rep.no_op = r.counter;
		goto out;
	}
	if (o->verb == TF_VERB_DOCS_GENERATE) {
		struct wh_conn *c = NULL;
		if (!(rc = wh_connect(db, &c, e))) {
			for (uint32_t i = graph_set_next(&sel, 0); i != GRAPH_NONE;
			     i = graph_set_next(&sel, i + 1)) {
				struct tf_node *n = tp->nodes.items[i];
				struct err ne = ERR_INIT;
				if (runnable(n, TF_VERB_COMPILE) && n->status != TF_ST_ERROR)
					compile_one(tp, n, c, true, &ne);
				err_clear(&ne);
			}
			rc = tf_write_catalog(tp, c, e);
			if (!rc) {
				struct err me = ERR_INIT;
				tf_write_manifest(tp, &me);
				err_clear(&me);
				con_line(&r.con, "Catalog written to %s/catalog.json", p->target_path);
			}
			wh_disconnect(c);
		}
		goto out;
	}
	/* the runnable members of the selection */
	struct graph_set run_set = GRAPH_SET_INIT;
	graph_set_init(&run_set, (uint32_t)tp->nodes.len);
	int nmodels = 0, ntests = 0, nseeds = 0, nsnaps = 0, nunits = 0;
	for (uint32_t i = graph_set_next(&sel, 0); i != GRAPH_NONE; i = graph_set_next(&sel, i + 1)) {
		struct tf_node *n = tp->nodes.items[i];
		if (!runnable(n, o->verb))
			continue;
		graph_set_add(&run_set, i);
		n->selected = true;
		nmodels += n->rtype == TF_MODEL;
		ntests += n->rtype == TF_TEST;
		nseeds += n->rtype == TF_SEED;
		nsnaps += n->rtype == TF_SNAPSHOT;
		nunits += n->rtype == TF_UNIT_TEST;
	}
	r.total = (int)graph_set_count(&run_set);
	con_line(&r.con, "Running with ingot=%s (dbt-compatible %s)", INGOT_VERSION, INGOT_DBT_VERSION);
	int nsem[3] = {0, 0, 0}; /* the project's, as dbt counts them: never run */
	for (size_t i = 0; i < tp->nodes.len; i++)
		if (tf_is_semantic(tp->nodes.items[i]->rtype) && tp->nodes.items[i]->enabled)
			nsem[tp->nodes.items[i]->rtype - TF_SEMANTIC_MODEL]++;
	con_line(&r.con, "Found %d models, %d seeds, %d snapshots, %d data tests, %zu sources, %zu macros%s%s%s%s",
		 nmodels, nseeds, nsnaps, ntests, sources_count_tables(&tp->sources), tp->macros.len,
		 nunits ? arena_printf(tp->arena, ", %d unit test%s", nunits, nunits == 1 ? "" : "s")
			: "",
		 nsem[0] ? arena_printf(tp->arena, ", %d semantic model%s", nsem[0], nsem[0] == 1 ? "" : "s") : "",
		 nsem[1] ? arena_printf(tp->arena, ", %d metric%s", nsem[1], nsem[1] == 1 ? "" : "s") : "",
		 nsem[2] ? arena_printf(tp->arena, ", %d saved quer%s", nsem[2], nsem[2] == 1 ? "y" : "ies") : "");
	int threads = o->threads > 0 ? o->threads : (p->target.threads > 0 ? p->target.threads : 1);
	if (threads > 64)
		threads = 64;
	tp->threads = threads;
	con_line(&r.con, " ");
	con_line(&r.con, "Concurrency: %d thread%s (target='%s')", threads, threads == 1 ? "" : "s",
		 p->target.name ? p->target.name : "dev");
	con_line(&r.con, " ");
	if (tp->nparse_errors && tp->parse_errors.msg) {
		/* the first problem found while parsing; the nodes it concerns fail below */
		con_line(&r.con, "%d parse error%s; the first: %s", tp->nparse_errors,
			 tp->nparse_errors == 1 ? "" : "s", tp->parse_errors.msg);
		con_line(&r.con, " ");
	}
	if (r.total == 0) {
		con_line(&r.con, "Nothing to do. Try checking your model configs and model specification args");
		graph_set_free(&run_set);
		goto out;
	}
	/* dbt creates the schemas of the selected nodes before on-run-start */
	{
		struct wh_conn *sc = NULL;
		if (!(rc = wh_connect(db, &sc, e))) {
			wh_conn_set_cancel(sc, o->cancel);
			for (uint32_t i = graph_set_next(&run_set, 0); !rc && i != GRAPH_NONE;
			     i = graph_set_next(&run_set, i + 1)) {
				struct tf_node *n = tp->nodes.items[i];
				if (n->rtype != TF_TEST && n->schema)
					rc = tf_ensure_schema(tp, sc, n->schema, e);
			}
			wh_disconnect(sc);
		}
	}
	if (rc) {
		graph_set_free(&run_set);
		goto out;
	}
	/* A failing on-run-start skips every selected node (dbt's
	 * skip_nodes_if_on_run_start_fails), each carrying the hook's error;
	 * on-run-end still runs and the artifacts are still written. */
	struct buf hook_errs = BUF_INIT;
	int nhook_errs = 0;
	{
		struct err he = ERR_INIT;
		if (run_hooks_global(&r, "on-run-start", &he)) {
			const char *msg = he.msg ? he.msg : "failed";
			con_line(&r.con, "on-run-start failed: %s", msg);
			buf_printf(&hook_errs, "Error in on-run-start: %s\n", msg);
			nhook_errs++;
			for (uint32_t i = graph_set_next(&run_set, 0); i != GRAPH_NONE;
			     i = graph_set_next(&run_set, i + 1)) {
				struct tf_node *n = tp->nodes.items[i];
				if (n->status == TF_ST_ERROR && n->message)
					continue; /* a parse error stays an error */
				n->status = TF_ST_SKIPPED;
				free(n->message);
				n->message = xasprintf("Skipped due to on-run-start failure: %s", msg);
			}
			err_clear(&he);
			graph_set_free(&run_set);
			goto run_end;
		}
		err_clear(&he);
	}
	/* state-aware builds (reuse.c): every verb that runs nodes records
	 * what it built; build, run and test also reuse */
	{
		struct wh_conn *sc = NULL;
		struct err se = ERR_INIT;
		if (wh_connect(db, &sc, &se) || tf_reuse_load(tp, sc, &se)) {
			con_line(&r.con, "warning: every node is built: %s", se.msg ? se.msg : "");
			tf_reuse_free(tp);
		}
		wh_disconnect(sc);
		err_clear(&se);
		r.allow_reuse = !o->no_reuse && !o->full_refresh &&
				(o->verb == TF_VERB_BUILD || o->verb == TF_VERB_RUN || o->verb == TF_VERB_TEST);
		tp->prove_tests = r.allow_reuse && tp->reuse;
	}
	unsigned flags = o->verb == TF_VERB_BUILD ? GRAPH_SCHED_BUILD : 0;
	/* With more than one thread the order of ready nodes is already not
	 * the console's contract: hand out first the node with the longest
	 * chain below it. By level, a long chain's head waited behind short
	 * branches of its level (the reference project's daily run: stg_users,
	 * first of the longest chain, started when a staging model of the
	 * events had finished, 0.1-0.2 s late). One thread keeps dbt's order. */
	if (threads > 1)
		flags |= GRAPH_SCHED_CRITICAL_PATH;
	if (o->verb == TF_VERB_BUILD && nunits) {
		/* a model waits for its unit tests (build_graph) */
		struct graph *sg = NULL;
		if ((rc = build_graph(tp, true, selection_reads_config(o), &sg, e))) {
			graph_set_free(&run_set);
			goto out;
		}
		graph_free(r.g);
		r.g = sg;
	}
	rc = graph_sched_new(r.g, &run_set, flags, &r.sched, e);
	graph_set_free(&run_set);
	if (rc)
		goto out;
	log_debug("phase graph, schemas, state: %.3fs", mono_seconds() - tph);
	tph = mono_seconds();
	tp->writer = tf_writer_start();
	pthread_t *th = xcalloc((size_t)threads, sizeof(pthread_t));
	struct worker *ws = xcalloc((size_t)threads, sizeof(struct worker));
	int started = 0, terr = 0;
	for (int i = 0; i < threads && !terr; i++) {
		ws[i] = (struct worker){&r, i};
		if ((terr = log_thread_create(&th[i], NULL, worker_main, &ws[i])) == 0)
			started++;
	}
	if (terr && started) /* the ones running take every node: fewer, not none */
		con_line(&r.con, "warning: could start only %d of %d threads (%s)", started, threads,
			 strerror(terr));
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
	free(ws);
	if (!started) {
		struct err we = ERR_INIT;
		tf_writer_finish(tp->writer, &we);
		err_clear(&we);
		tp->writer = NULL;
		rc = err_set(e, ING_EFAIL, "cannot start a thread to run the nodes: %s"
			     " (lower threads: in the profile, or raise the process limit)", strerror(terr));
		goto out;
	}
	{
		struct err we = ERR_INIT;
		if (tf_writer_finish(tp->writer, &we))
			con_line(&r.con, "%s", we.msg ? we.msg : "");
		tp->writer = NULL;
		err_clear(&we);
	}
	log_debug("phase nodes: %.3fs", mono_seconds() - tph);
	tph = mono_seconds();
	if (tp->reuse) {
		struct wh_conn *sc = NULL;
		struct err se = ERR_INIT;
		if (wh_connect(db, &sc, &se) || tf_reuse_save(tp, sc, &se))
			con_line(&r.con, "warning: %s", se.msg ? se.msg : "");
		wh_disconnect(sc);
		err_clear(&se);
		log_debug("phase state save: %.3fs", mono_seconds() - tph);
	}
run_end:
	{
		struct err he = ERR_INIT;
		if (!cancel_requested(o->cancel) && run_hooks_global(&r, "on-run-end", &he)) {
			const char *msg = he.msg ? he.msg : "failed";
			con_line(&r.con, "on-run-end failed: %s", msg);
			buf_printf(&hook_errs, "Error in on-run-end: %s\n", msg);
			nhook_errs++;
		}
		err_clear(&he);
	}
	double elapsed = mono_seconds() - t0;
	summary(&r, &rep, elapsed, nhook_errs, buf_cstr(&hook_errs));
	rep.error += nhook_errs;
	buf_free(&hook_errs);
	if (o->write_artifacts) {
		struct err me = ERR_INIT;
		tph = mono_seconds();
		if (tf_write_run_results(tp, verb_name(o->verb), elapsed, &me) || tf_write_manifest(tp, &me))
			con_line(&r.con, "could not write artifacts: %s", me.msg ? me.msg : "");
		err_clear(&me);
		log_debug("phase artifacts: %.3fs", mono_seconds() - tph);
	}
	if (rep.error)
		rc = ING_EFAIL;
	if (cancel_requested(o->cancel)) {
		int st = cancel_status(o->cancel) == ING_ETIMEOUT ? ING_ETIMEOUT : ING_ECANCELED;
		con_line(&r.con, "%s: %s; the nodes not finished were rolled back or skipped",
			 st == ING_ETIMEOUT ? "Timed out" : "Cancelled", cancel_reason(o->cancel));
		rc = err_set(e, st, "%s", *cancel_reason(o->cancel) ? cancel_reason(o->cancel)
				 : st == ING_ETIMEOUT ? "timed out" : "cancelled");
	} else if (r.conn_err.code) { /* as every command that cannot reach the warehouse */
		err_move(e, &r.conn_err);
		rc = ING_ECONNECT;
	}
out:
	if (r.rd.dir) {
		struct err pe = ERR_INIT;
		tph = mono_seconds();
		con_flush(&r.con);
		if (tf_run_publish(&r.rd, p->target_path, &pe))
			con_line(&r.con, "could not publish the artifacts of run %s in %s: %s", r.rd.id,
				 p->target_path, pe.msg ? pe.msg : "");
		err_clear(&pe);
		log_debug("phase publish: %.3fs", mono_seconds() - tph);
		snprintf(rep.run_id, sizeof(rep.run_id), "%s", r.rd.id);
		snprintf(rep.run_dir, sizeof(rep.run_dir), "%s", r.rd.dir);
	}
	tf_run_end(&r.rd);
	rep.elapsed = mono_seconds() - t0;
	if (out)
		*out = rep;
	if (r.sched)
		graph_sched_free(r.sched);
	graph_set_free(&sel);
	if (r.g)
		graph_free(r.g);
	con_flush(&r.con);
	buf_free(&r.con.held);
	if (r.con.logfd >= 0)
		close(r.con.logfd);
	if (r.con.runlogfd >= 0)
		close(r.con.runlogfd);
	strmap_free(&results, NULL);
	err_clear(&r.conn_err);
	pthread_mutex_destroy(&r.lock);
	pthread_mutex_destroy(&r.con.lock);
	if (tp)
		tf_reuse_free(tp);
	tf_proj_free(tp);
	return rc;
}

int transform_compile_node(struct project *p, struct wh_db *db, const char *name,
			   const char *vars, char **sql, struct err *e)
{
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_COMPILE;
	o.vars = vars;
	struct tf_proj *tp = NULL;
	struct wh_conn *c = NULL;
	*sql = NULL;
	int rc = tf_parse(p, db, &o, &tp, e);
	if (!rc) {
		tf__context_finish(tp);
		struct tf_node *n = tf_find_ref(tp, NULL, NULL, name, 0);
		if (!n)
			n = strmap_get(&tp->by_id, name);
		if (!n || !n->enabled) {
			rc = err_set(e, ING_ENOTFOUND, "no enabled model named '%s'", name);
		} else if (n->status == TF_ST_ERROR && n->message) {
			rc = err_set(e, ING_EINVAL, "%s", n->message);
		} else if (n->rtype == TF_SEED) {
			struct buf b = BUF_INIT;
			buf_puts(&b, "select * from ");
			tf_node_relation(tp, n, &b);
			*sql = buf_detach(&b, NULL);
		} else {
			/* a connection error keeps its own code and message */
			if (db && (rc = wh_connect(db, &c, e)))
				goto out;
			if (!(rc = compile_one(tp, n, c, false, e)))
				*sql = xstrdup(n->compiled);
			if (rc)
				err_prefix(e, "Compilation Error in %s %s (%s)", tf_rtype_name(n->rtype),
					   n->name, n->original_file_path);
		}
	}
out:
	wh_disconnect(c);
	tf_proj_free(tp);
	return rc;
}
