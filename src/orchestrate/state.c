/*
 * orchestrate/state.c — the run-history store on SQLite (see state.h).
 *
 * Every write is its own statement in autocommit mode unless the caller
 * brackets several with st_begin/st_commit (run creation does, so a run
 * never appears without its tasks). Statements are prepared per call: the
 * cost (tens of µs) is far below a task's, and it keeps this file free of
 * a statement cache and its invalidation rules.
 *
 * Not here: any decision about states (exec.c makes them); the PostgreSQL
 * history store DESIGN.md mentions for several workers.
 */
#include "orchestrate/state_int.h"
#include "core/arena.h"
#include "core/fs.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *const schema_sql =
	"CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS runs("
	" id INTEGER PRIMARY KEY,"
	" run_key TEXT NOT NULL UNIQUE,"
	" pipeline TEXT NOT NULL,"
	" kind TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" logical_date INTEGER NOT NULL,"
	" interval_start INTEGER NOT NULL,"
	" interval_end INTEGER NOT NULL,"
	" params TEXT NOT NULL,"
	" definition TEXT NOT NULL,"
	" def_file TEXT NOT NULL,"
	" queued_at INTEGER NOT NULL,"
	" started_at INTEGER,"
	" ended_at INTEGER,"
	" owner_pid INTEGER,"
	" owner_host TEXT,"
	" owner_start TEXT,"
	" owner_kind TEXT,"
	" reason TEXT,"
	" cancel_requested_at INTEGER);"
	"CREATE INDEX IF NOT EXISTS runs_pipeline ON runs(pipeline, logical_date);"
	"CREATE INDEX IF NOT EXISTS runs_state ON runs(state);"
	"CREATE TABLE IF NOT EXISTS tasks("
	" run INTEGER NOT NULL REFERENCES runs(id),"
	" task TEXT NOT NULL,"
	" state TEXT NOT NULL,"
	" tries INTEGER NOT NULL DEFAULT 0,"
	" next_try_at INTEGER,"
	" started_at INTEGER,"
	" ended_at INTEGER,"
	" PRIMARY KEY(run, task));"
	"CREATE TABLE IF NOT EXISTS attempts("
	" id INTEGER PRIMARY KEY,"
	" run INTEGER NOT NULL REFERENCES runs(id),"
	" task TEXT NOT NULL,"
	" attempt INTEGER NOT NULL,"
	" state TEXT NOT NULL,"
	" started_at INTEGER NOT NULL,"
	" ended_at INTEGER,"
	" exit_code INTEGER,"
	" error TEXT,"
	" log_path TEXT,"
	" pid INTEGER,"
	" owner_pid INTEGER NOT NULL,"
	" heartbeat_at INTEGER NOT NULL,"
	" lease_until INTEGER NOT NULL,"
	" UNIQUE(run, task, attempt));"
	"CREATE INDEX IF NOT EXISTS attempts_state ON attempts(state);"
	/* operator state and the audit log (the UI's actions): new tables,
	 * created when missing, so older files need no migration step */
	"CREATE TABLE IF NOT EXISTS pipeline_flags("
	" pipeline TEXT PRIMARY KEY,"
	" paused INTEGER NOT NULL DEFAULT 0,"
	" updated_at INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS audit("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" user TEXT NOT NULL,"
	" role TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" target TEXT NOT NULL,"
	" detail TEXT,"
	" outcome TEXT NOT NULL);";

static int dberr(struct st *s, struct err *e, const char *what)
{
	return err_set(e, ING_EDB, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int st_prepare(struct st *s, const char *sql, sqlite3_stmt **out, struct err *e)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK)
		return dberr(s, e, "prepare");
	return 0;
}

int st_exec(struct st *s, const char *sql, struct err *e)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = err_set(e, ING_EDB, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

int st_begin(struct st *s, struct err *e)
{
	return st_exec(s, "BEGIN IMMEDIATE", e);
}

/* A COMMIT that fails (a deferred constraint, SQLITE_BUSY, disk full)
 * leaves the transaction open: the next statement would join it and be
 * committed — or lost — with it. Roll it back so the store is as it was. */
int st_commit(struct st *s, struct err *e)
{
	int rc = st_exec(s, "COMMIT", e);
	if (rc && !sqlite3_get_autocommit(s->db))
		st_rollback(s);
	return rc;
}

void st_rollback(struct st *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Version 1 → 2: the owner and reason columns of runs; 2 → 3: the cancel
 * request. Idempotent, and safe when two processes open an old file at
 * once (the check and the change happen under one write lock). */
static int migrate(struct st *s, struct err *e)
{
	static const char *const cols[] = {"owner_pid INTEGER", "owner_host TEXT",
					   "owner_start TEXT", "owner_kind TEXT", "reason TEXT",
					   "cancel_requested_at INTEGER"};
	int rc = st_begin(s, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]) && !rc; i++) {
		size_t n = strcspn(cols[i], " ");
		sqlite3_stmt *q = NULL;
		if ((rc = st_prepare(s, "SELECT 1 FROM pragma_table_info('runs') WHERE name=?", &q, e)))
			break;
		sqlite3_bind_text(q, 1, cols[i], (int)n, SQLITE_STATIC);
		bool have = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
		if (!have) {
			char *sql = xasprintf("ALTER TABLE runs ADD COLUMN %s", cols[i]);
			rc = st_exec(s, sql, e);
			free(sql);
		}
	}
	if (!rc)
		rc = st_exec(s, "DELETE FROM schema_version; INSERT INTO schema_version VALUES (3)", e);
	if (!rc)
		return st_commit(s, e);
	st_rollback(s);
	return rc;
}

int st_open(const char *path, struct st **out, struct err *e)
{
	struct st *s = xcalloc(1, sizeof(*s));
	s->ops = &hist_sqlite_ops;
	s->path = xstrdup(path);
	char *dir = path_dirname(path);
	int rc = fs_mkdir_p(dir, e);
	free(dir);
	if (rc)
		goto fail;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		rc = dberr(s, e, "open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if ((rc = st_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", e)))
		goto fail;
	sqlite3_stmt *st = NULL;
	if ((rc = st_exec(s, schema_sql, e)))
		goto fail;
	if ((rc = st_prepare(s, "SELECT max(version) FROM schema_version", &st, e)))
		goto fail;
	int have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	if (have > ST_SCHEMA_VERSION) {
		rc = err_set(e, ING_ECONFIG, "%s has schema version %d; this ingot knows up to %d",
			     path, have, ST_SCHEMA_VERSION);
		goto fail;
	}
	if (have < ST_SCHEMA_VERSION && (rc = migrate(s, e)))
		goto fail;
	*out = s;
	return 0;
fail:
	st_close(s);
	return rc;
}

void st_close(struct st *s)
{
	if (!s)
		return;
	if (s->db)
		sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static void bind_opt_i64(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static int step_done(struct st *s, sqlite3_stmt *st, struct err *e, const char *what)
{
	int r = sqlite3_step(st);
	int rc = 0;
	if (r == SQLITE_CONSTRAINT)
		rc = err_set(e, ING_EEXIST, "%s: %s", what, sqlite3_errmsg(s->db));
	else if (r != SQLITE_DONE && r != SQLITE_ROW)
		rc = dberr(s, e, what);
	sqlite3_finalize(st);
	return rc;
}

int st_run_insert(struct st *s, struct st_run *r, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s,
		       "INSERT INTO runs(run_key, pipeline, kind, state, logical_date, interval_start,"
		       " interval_end, params, definition, def_file, queued_at, started_at, ended_at)"
		       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, r->run_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->pipeline, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->logical_date);
	sqlite3_bind_int64(st, 6, r->interval_start);
	sqlite3_bind_int64(st, 7, r->interval_end);
	sqlite3_bind_text(st, 8, r->params ? r->params : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->definition, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->def_file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, r->queued_at);
	bind_opt_i64(st, 12, r->started_at);
	bind_opt_i64(st, 13, r->ended_at);
	int rc = step_done(s, st, e, "insert run");
	if (!rc)
		r->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int st_run_set_state(struct st *s, int64_t run, const char *state, int64_t now, struct err *e)
{
	sqlite3_stmt *st;
	const char *sql =
		!strcmp(state, "running")
			? "UPDATE runs SET state=?1, started_at=coalesce(started_at, ?2), ended_at=NULL WHERE id=?3"
		: !strcmp(state, "queued")
			? "UPDATE runs SET state=?1, ended_at=NULL WHERE id=?3"
			: "UPDATE runs SET state=?1, ended_at=?2 WHERE id=?3";
	if (st_prepare(s, sql, &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, run);
	return step_done(s, st, e, "update run");
}

int st_run_set_owner(struct st *s, int64_t run, int pid, const char *host, const char *start,
		     const char *kind, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s,
		       "UPDATE runs SET owner_pid=?, owner_host=?, owner_start=?, owner_kind=?, reason=NULL"
		       " WHERE id=?",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_int(st, 1, pid);
	sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, run);
	return step_done(s, st, e, "update run owner");
}

int st_task_insert(struct st *s, int64_t run, const char *task, const char *state, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s, "INSERT INTO tasks(run, task, state) VALUES (?,?,?)", &st, e))
		return ING_EDB;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	return step_done(s, st, e, "insert task");
}

int st_task_set(struct st *s, int64_t run, const char *task, const char *state, int tries,
		int64_t next_try_at, int64_t started, int64_t ended, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s,
		       "UPDATE tasks SET state=?1, tries=?2, next_try_at=?3,"
		       " started_at=coalesce(?4, started_at), ended_at=CASE WHEN ?1 IN"
		       " ('queued','scheduled','running','up_for_retry') THEN NULL ELSE coalesce(?5, ended_at) END"
		       " WHERE run=?6 AND task=?7",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, tries);
	bind_opt_i64(st, 3, next_try_at);
	bind_opt_i64(st, 4, started);
	bind_opt_i64(st, 5, ended);
	sqlite3_bind_int64(st, 6, run);
	sqlite3_bind_text(st, 7, task, -1, SQLITE_STATIC);
	return step_done(s, st, e, "update task");
}

int st_attempt_begin(struct st *s, int64_t run, const char *task, int attempt,
		     const char *log_path, int owner_pid, int64_t now, int64_t lease_us,
		     int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s,
		       "INSERT INTO attempts(run, task, attempt, state, started_at, log_path, pid,"
		       " owner_pid, heartbeat_at, lease_until) VALUES (?,?,?,'running',?,?,0,?,?,?)",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, attempt);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, log_path, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, owner_pid);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_int64(st, 8, now + lease_us);
	int rc = step_done(s, st, e, "insert attempt");
	if (!rc)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int st_attempt_set_pid(struct st *s, int64_t id, int pid, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s, "UPDATE attempts SET pid=? WHERE id=?", &st, e))
		return ING_EDB;
	sqlite3_bind_int(st, 1, pid);
	sqlite3_bind_int64(st, 2, id);
	return step_done(s, st, e, "update attempt");
}

int st_attempt_end(struct st *s, int64_t id, const char *state, int exit_code,
		   const char *error, int64_t now, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s, "UPDATE attempts SET state=?, exit_code=?, error=?, ended_at=? WHERE id=?",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (exit_code == INT32_MIN)
		sqlite3_bind_null(st, 2);
	else
		sqlite3_bind_int(st, 2, exit_code);
	if (error)
		sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, id);
	return step_done(s, st, e, "end attempt");
}

int st_heartbeat(struct st *s, int owner_pid, int64_t now, int64_t lease_us, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s,
		       "UPDATE attempts SET heartbeat_at=?, lease_until=? WHERE state='running' AND owner_pid=?",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now + lease_us);
	sqlite3_bind_int(st, 3, owner_pid);
	return step_done(s, st, e, "heartbeat");
}

int st_last_logical(struct st *s, const char *pipeline, const char *kind, int64_t *out,
		    struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s, "SELECT max(logical_date) FROM runs WHERE pipeline=? AND kind=?", &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	*out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return 0;
}

bool st_run_exists(struct st *s, const char *run_key)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM runs WHERE run_key=?", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, run_key, -1, SQLITE_STATIC);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int st_run_set_reason(struct st *s, int64_t run, const char *reason, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s, "UPDATE runs SET reason=? WHERE id=?", &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, run);
	return step_done(s, st, e, "update run reason");
}

int st_run_request_cancel(struct st *s, int64_t run, int64_t now, bool *applied, struct err *e)
{
	sqlite3_stmt *st;
	*applied = false;
	if (st_prepare(s,
		       "UPDATE runs SET cancel_requested_at=coalesce(cancel_requested_at, ?1)"
		       " WHERE id=?2 AND state IN ('queued','running')",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, run);
	int rc = step_done(s, st, e, "request cancel");
	if (rc)
		return rc;
	if (sqlite3_changes(s->db)) {
		*applied = true;
		return 0;
	}
	if (st_prepare(s, "SELECT 1 FROM runs WHERE id=?", &st, e))
		return ING_EDB;
	sqlite3_bind_int64(st, 1, run);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!found)
		return err_set(e, ING_ENOTFOUND, "no run %lld (see 'ingot pipeline status')", (long long)run);
	return 0;
}

int64_t st_run_cancel_requested(struct st *s, int64_t run)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT cancel_requested_at FROM runs WHERE id=?", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, run);
	int64_t at = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return at;
}

/* ---------------------------------------------------------- operator state */

int st_pipeline_set_paused(struct st *s, const char *pipeline, bool paused, int64_t now, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s,
		       "INSERT INTO pipeline_flags(pipeline, paused, updated_at) VALUES (?1, ?2, ?3)"
		       " ON CONFLICT(pipeline) DO UPDATE SET paused=?2, updated_at=?3",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, paused ? 1 : 0);
	sqlite3_bind_int64(st, 3, now);
	return step_done(s, st, e, "set pipeline paused");
}

int st_pipeline_succeeded_between(struct st *s, const char *pipeline, int64_t from_us, int64_t to_us, bool *yes,
				  struct err *e)
{
	sqlite3_stmt *st;
	*yes = false;
	/* runs_state's index narrows to the successes; ended_at bounds them */
	if (st_prepare(s,
		       "SELECT 1 FROM runs WHERE state='success' AND pipeline=? AND ended_at BETWEEN ? AND ? "
		       "LIMIT 1",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_us);
	sqlite3_bind_int64(st, 3, to_us);
	int r = sqlite3_step(st);
	*yes = r == SQLITE_ROW;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return dberr(s, e, "read the run history");
	return 0;
}

int st_pipeline_paused(struct st *s, const char *pipeline, bool *paused, struct err *e)
{
	sqlite3_stmt *st;
	*paused = false;
	if (st_prepare(s, "SELECT paused FROM pipeline_flags WHERE pipeline=?", &st, e))
		return ING_EDB;
	sqlite3_bind_text(st, 1, pipeline, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		*paused = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return dberr(s, e, "read pipeline flags");
	return 0;
}

int st_audit_add(struct st *s, const struct st_audit *a, struct err *e)
{
	sqlite3_stmt *st;
	if (st_prepare(s,
		       "INSERT INTO audit(at, user, role, action, target, detail, outcome)"
		       " VALUES (?, ?, ?, ?, ?, ?, ?)",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_int64(st, 1, a->at);
	sqlite3_bind_text(st, 2, a->user ? a->user : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->role ? a->role : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->target, -1, SQLITE_STATIC);
	if (a->detail)
		sqlite3_bind_text(st, 6, a->detail, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, a->outcome ? a->outcome : "ok", -1, SQLITE_STATIC);
	return step_done(s, st, e, "write the audit log");
}

static const char *col_str(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? arena_strdup(a, (const char *)t) : NULL;
}

int st_audit_list(struct st *s, int64_t limit, int64_t before_id, struct arena *a, struct st_audit **out,
		  size_t *n, struct err *e)
{
	sqlite3_stmt *st;
	*out = NULL;
	*n = 0;
	if (st_prepare(s,
		       "SELECT id, at, user, role, action, target, detail, outcome FROM audit"
		       " WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2",
		       &st, e))
		return ING_EDB;
	sqlite3_bind_int64(st, 1, before_id);
	sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
	size_t cap = 0;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			struct st_audit *nv = arena_alloc(a, nc * sizeof(*nv));
			if (*n)
				memcpy(nv, *out, *n * sizeof(*nv));
			*out = nv;
			cap = nc;
		}
		struct st_audit *x = &(*out)[(*n)++];
		x->id = sqlite3_column_int64(st, 0);
		x->at = sqlite3_column_int64(st, 1);
		x->user = col_str(st, 2, a);
		x->role = col_str(st, 3, a);
		x->action = col_str(st, 4, a);
		x->target = col_str(st, 5, a);
		x->detail = col_str(st, 6, a);
		x->outcome = col_str(st, 7, a);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return dberr(s, e, "read the audit log");
	return 0;
}

int64_t st_data_version(struct st *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	return v;
}
