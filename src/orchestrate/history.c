/*
 * orchestrate/history.c — the history reads (history.h): the public
 * functions, which call through the store's ops, and the SQLite
 * implementation of those ops.
 *
 * Rows are copied into the caller's arena as they are stepped, so no
 * statement outlives a call and a reader never holds a read transaction
 * open between calls (WAL readers would pin the log).
 *
 * Not here: writes (state.c), decisions about states (exec.c).
 */
#include "orchestrate/state_int.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- interface */

int st_list_runs(struct st *s, const struct hist_filter *f, struct arena *a,
		 struct hist_run **out, size_t *n, struct err *e)
{
	static const struct hist_filter all;
	return s->ops->list_runs(s, f ? f : &all, a, out, n, e);
}

int st_get_run(struct st *s, int64_t id, struct arena *a, struct hist_run *out, struct err *e)
{
	return s->ops->get_run(s, id, a, out, e);
}

int st_run_tasks(struct st *s, int64_t run, struct arena *a, struct hist_task **out, size_t *n,
		 struct err *e)
{
	return s->ops->run_tasks(s, run, a, out, n, e);
}

int st_task_attempts(struct st *s, int64_t run, const char *task, struct arena *a,
		     struct hist_attempt **out, size_t *n, struct err *e)
{
	return s->ops->task_attempts(s, run, task, a, out, n, e);
}

int st_resolve_run(struct st *s, const char *arg, int64_t *id, struct err *e)
{
	return s->ops->resolve_run(s, arg, id, e);
}

int st_pipeline_summary(struct st *s, int last_n, struct arena *a, struct hist_pipeline **out,
			size_t *n, struct err *e)
{
	return s->ops->pipeline_summary(s, last_n, a, out, n, e);
}

bool hist_run_ended(const char *state)
{
	return state && (!strcmp(state, "success") || !strcmp(state, "failed"));
}

/* ---------------------------------------------------------- SQLite */

static int qerr(struct st *s, struct err *e, const char *what)
{
	return err_set(e, ING_EDB, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static const char *col_str(sqlite3_stmt *q, int i, struct arena *a)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? arena_strdup(a, (const char *)t) : NULL;
}

static int64_t col_i64(sqlite3_stmt *q, int i)
{
	return sqlite3_column_type(q, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, i);
}

/* Grow an arena array by one (doubling; the old copy stays in the arena). */
static void *grow(struct arena *a, void *items, size_t len, size_t *cap, size_t size)
{
	if (len < *cap)
		return items;
	size_t nc = *cap ? *cap * 2 : 8;
	void *n = arena_alloc(a, nc * size);
	if (len)
		memcpy(n, items, len * size);
	*cap = nc;
	return n;
}

#define RUN_COLS                                                                                   \
	"id, run_key, pipeline, kind, state, logical_date, interval_start, interval_end, queued_at," \
	" started_at, ended_at, reason, owner_pid, owner_host, owner_start, owner_kind,"             \
	" cancel_requested_at"

static void read_run(sqlite3_stmt *q, struct arena *a, struct hist_run *r)
{
	r->id = sqlite3_column_int64(q, 0);
	r->run_key = col_str(q, 1, a);
	r->pipeline = col_str(q, 2, a);
	r->kind = col_str(q, 3, a);
	r->state = col_str(q, 4, a);
	r->logical_date = col_i64(q, 5);
	r->interval_start = col_i64(q, 6);
	r->interval_end = col_i64(q, 7);
	r->queued_at = col_i64(q, 8);
	r->started_at = col_i64(q, 9);
	r->ended_at = col_i64(q, 10);
	r->reason = col_str(q, 11, a);
	r->owner_pid = sqlite3_column_type(q, 12) == SQLITE_NULL ? 0 : sqlite3_column_int(q, 12);
	r->owner_host = col_str(q, 13, a);
	r->owner_start = col_str(q, 14, a);
	r->owner_kind = col_str(q, 15, a);
	r->cancel_requested_at = col_i64(q, 16);
}

static int sq_list_runs(struct st *s, const struct hist_filter *f, struct arena *a,
			struct hist_run **out, size_t *n, struct err *e)
{
	sqlite3_stmt *q;
	if (st_prepare(s,
		       "SELECT " RUN_COLS " FROM runs WHERE (?1 IS NULL OR pipeline=?1) AND"
		       " (?2 IS NULL OR state=?2) AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4",
		       &q, e))
		return ING_EDB;
	if (f->pipeline)
		sqlite3_bind_text(q, 1, f->pipeline, -1, SQLITE_STATIC);
	if (f->state)
		sqlite3_bind_text(q, 2, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, f->before_id);
	sqlite3_bind_int64(q, 4, f->limit > 0 ? f->limit : -1);
	struct hist_run *items = NULL;
	size_t len = 0, cap = 0;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		items = grow(a, items, len, &cap, sizeof(*items));
		read_run(q, a, &items[len++]);
	}
	int rc = r == SQLITE_DONE ? 0 : qerr(s, e, "list runs");
	sqlite3_finalize(q);
	*out = items;
	*n = len;
	return rc;
}

static int sq_get_run(struct st *s, int64_t id, struct arena *a, struct hist_run *out, struct err *e)
{
	sqlite3_stmt *q;
	if (st_prepare(s, "SELECT " RUN_COLS " FROM runs WHERE id=?", &q, e))
		return ING_EDB;
	sqlite3_bind_int64(q, 1, id);
	int r = sqlite3_step(q), rc = 0;
	if (r == SQLITE_ROW)
		read_run(q, a, out);
	else if (r == SQLITE_DONE)
		rc = err_set(e, ING_ENOTFOUND, "no run %lld (see 'ingot pipeline status')", (long long)id);
	else
		rc = qerr(s, e, "read run");
	sqlite3_finalize(q);
	return rc;
}

static int sq_run_tasks(struct st *s, int64_t run, struct arena *a, struct hist_task **out,
			size_t *n, struct err *e)
{
	sqlite3_stmt *q;
	if (st_prepare(s,
		       "SELECT task, state, tries, (SELECT count(*) FROM attempts a WHERE a.run=t.run AND"
		       " a.task=t.task), next_try_at, started_at, ended_at FROM tasks t WHERE run=?"
		       " ORDER BY rowid",
		       &q, e))
		return ING_EDB;
	sqlite3_bind_int64(q, 1, run);
	struct hist_task *items = NULL;
	size_t len = 0, cap = 0;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		items = grow(a, items, len, &cap, sizeof(*items));
		struct hist_task *t = &items[len++];
		t->task = col_str(q, 0, a);
		t->state = col_str(q, 1, a);
		t->tries = sqlite3_column_int(q, 2);
		t->attempts = sqlite3_column_int(q, 3);
		t->next_try_at = col_i64(q, 4);
		t->started_at = col_i64(q, 5);
		t->ended_at = col_i64(q, 6);
	}
	int rc = r == SQLITE_DONE ? 0 : qerr(s, e, "list tasks");
	sqlite3_finalize(q);
	*out = items;
	*n = len;
	return rc;
}

static int sq_task_attempts(struct st *s, int64_t run, const char *task, struct arena *a,
			    struct hist_attempt **out, size_t *n, struct err *e)
{
	sqlite3_stmt *q;
	if (st_prepare(s,
		       "SELECT attempt, state, started_at, ended_at, exit_code, error, log_path, pid,"
		       " lease_until FROM attempts WHERE run=? AND task=? ORDER BY attempt",
		       &q, e))
		return ING_EDB;
	sqlite3_bind_int64(q, 1, run);
	sqlite3_bind_text(q, 2, task, -1, SQLITE_STATIC);
	struct hist_attempt *items = NULL;
	size_t len = 0, cap = 0;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		items = grow(a, items, len, &cap, sizeof(*items));
		struct hist_attempt *t = &items[len++];
		t->attempt = sqlite3_column_int(q, 0);
		t->state = col_str(q, 1, a);
		t->started_at = col_i64(q, 2);
		t->ended_at = col_i64(q, 3);
		t->has_exit_code = sqlite3_column_type(q, 4) != SQLITE_NULL;
		t->exit_code = sqlite3_column_int(q, 4);
		t->error = col_str(q, 5, a);
		t->log_path = col_str(q, 6, a);
		t->pid = sqlite3_column_int(q, 7);
		t->lease_until = col_i64(q, 8);
	}
	int rc = r == SQLITE_DONE ? 0 : qerr(s, e, "list attempts");
	sqlite3_finalize(q);
	*out = items;
	*n = len;
	return rc;
}

static int sq_resolve_run(struct st *s, const char *arg, int64_t *id, struct err *e)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	sqlite3_stmt *q;
	if (st_prepare(s, "SELECT id FROM runs WHERE id=? OR run_key=? ORDER BY run_key=? DESC", &q, e))
		return ING_EDB;
	sqlite3_bind_int64(q, 1, *end || !*arg ? -1 : v);
	sqlite3_bind_text(q, 2, arg, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, arg, -1, SQLITE_STATIC);
	int r = sqlite3_step(q), rc = 0;
	if (r == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	else if (r == SQLITE_DONE)
		rc = err_set(e, ING_ENOTFOUND, "no run '%s' (see 'ingot pipeline status')", arg);
	else
		rc = qerr(s, e, "find run");
	sqlite3_finalize(q);
	return rc;
}

static int sq_pipeline_summary(struct st *s, int last_n, struct arena *a,
			       struct hist_pipeline **out, size_t *n, struct err *e)
{
	sqlite3_stmt *q;
	*out = NULL;
	*n = 0;
	if (st_prepare(s, "SELECT pipeline, count(*), max(id) FROM runs GROUP BY pipeline ORDER BY pipeline",
		       &q, e))
		return ING_EDB;
	struct hist_pipeline *items = NULL;
	size_t len = 0, cap = 0;
	int r;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		items = grow(a, items, len, &cap, sizeof(*items));
		struct hist_pipeline *p = &items[len++];
		memset(p, 0, sizeof(*p));
		p->pipeline = col_str(q, 0, a);
		p->runs = sqlite3_column_int64(q, 1);
		p->last.id = sqlite3_column_int64(q, 2);
	}
	int rc = r == SQLITE_DONE ? 0 : qerr(s, e, "summarise pipelines");
	sqlite3_finalize(q);
	for (size_t i = 0; i < len && !rc; i++) {
		struct hist_pipeline *p = &items[i];
		if ((rc = sq_get_run(s, p->last.id, a, &p->last, e)))
			break;
		if (last_n <= 0)
			continue;
		if ((rc = st_prepare(s, "SELECT state FROM runs WHERE pipeline=? ORDER BY id DESC LIMIT ?", &q, e)))
			break;
		sqlite3_bind_text(q, 1, p->pipeline, -1, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, last_n);
		p->recent = arena_alloc(a, (size_t)last_n * sizeof(char *));
		while ((r = sqlite3_step(q)) == SQLITE_ROW && p->nrecent < (size_t)last_n)
			p->recent[p->nrecent++] = col_str(q, 0, a);
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			rc = qerr(s, e, "summarise pipelines");
		sqlite3_finalize(q);
	}
	*out = items;
	*n = len;
	return rc;
}

const struct hist_ops hist_sqlite_ops = {
	.name = "sqlite",
	.list_runs = sq_list_runs,
	.get_run = sq_get_run,
	.run_tasks = sq_run_tasks,
	.task_attempts = sq_task_attempts,
	.resolve_run = sq_resolve_run,
	.pipeline_summary = sq_pipeline_summary,
};
