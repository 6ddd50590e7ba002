/*
 * orchestrate/runs.c — creating and clearing runs in the state db, and the
 * small protocol between CLI processes and a running scheduler (lock file
 * with its pid, wakeup file watched with inotify).
 *
 * These work without an engine, so `pipeline trigger` can queue a run while
 * the scheduler (another process) owns execution: the scheduler adopts
 * queued runs when woken.
 */
#include "orchestrate/orchestrate.h"
#include "orchestrate/state_int.h"
#include "core/tz.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

char *orch_state_path(const char *project_dir)
{
	return xasprintf("%s/.ingot/state.db", project_dir);
}

char *orch_lock_path(const char *project_dir)
{
	return xasprintf("%s/.ingot/scheduler.lock", project_dir);
}

bool orch_scheduler_running(const char *project_dir, int *pid)
{
	char *path = orch_lock_path(project_dir);
	bool running = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
			running = true;
			char b[32] = {0};
			ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
			if (pid)
				*pid = n > 0 ? atoi(b) : 0;
		}
		close(fd);
	}
	free(path);
	return running;
}

void orch_wakeup(const char *project_dir)
{
	char *path = xasprintf("%s/.ingot/wakeup", project_dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0) {
			/* nothing to do: the scheduler also rescans on its own timer */
		}
		close(fd);
	}
	free(path);
}

int orch_run_create(struct st *s, const struct pipeline *p, const struct orch_run_req *r,
		    int64_t now, int64_t *run, char **key, struct err *e)
{
	const char *kind = r->kind ? r->kind : "manual";
	int64_t logical = r->logical_date ? r->logical_date : now;
	int64_t iend = r->interval_end;
	if (!iend) {
		int64_t nx;
		iend = logical;
		if (p->schedule && !cron_next(&p->cron, p->tz, logical / US_PER_SEC, &nx))
			iend = nx * US_PER_SEC;
	}
	/* params: defaults, then overrides (which must be declared) */
	for (size_t i = 0; i < r->nparams; i++) {
		bool known = false;
		for (size_t j = 0; j < p->nparams; j++)
			known |= !strcmp(p->param_keys[j], r->param_keys[i]);
		if (!known)
			return err_set(e, ING_EINVAL, "pipeline '%s' has no param '%s' (declare it under params:)",
				       p->id, r->param_keys[i]);
	}
	struct buf pj = BUF_INIT;
	struct jw w;
	jw_init(&w, &pj, false);
	jw_obj_begin(&w);
	for (size_t j = 0; j < p->nparams; j++) {
		const char *v = p->param_vals[j];
		for (size_t i = 0; i < r->nparams; i++)
			if (!strcmp(p->param_keys[j], r->param_keys[i]))
				v = r->param_vals[i];
		jw_key(&w, p->param_keys[j]);
		jw_str(&w, v);
	}
	jw_obj_end(&w);
	char iso[40];
	ts_format_iso(logical, iso);
	char *k = xasprintf("%s__%s__%s", p->id, kind, iso);
	struct st_run sr = {
		.run_key = k,
		.pipeline = p->id,
		.kind = kind,
		.state = "queued",
		.logical_date = logical,
		.interval_start = logical,
		.interval_end = iend,
		.params = buf_cstr(&pj),
		.definition = p->source,
		.def_file = p->file,
		.queued_at = now,
	};
	int rc = st_begin(s, e);
	if (!rc)
		rc = st_run_insert(s, &sr, e);
	for (size_t i = 0; !rc && i < p->ntasks; i++)
		rc = st_task_insert(s, sr.id, p->tasks[i].id, "queued", e);
	if (!rc)
		rc = st_commit(s, e);
	else
		st_rollback(s);
	buf_free(&pj);
	if (rc) {
		if (rc == ING_EEXIST) {
			err_clear(e);
			err_set(e, ING_EEXIST, "a run '%s' already exists", k);
		}
		free(k);
		return rc;
	}
	*run = sr.id;
	if (key)
		*key = k;
	else
		free(k);
	return 0;
}

int orch_parse_instant(const char *s, const struct pipeline *p, int64_t *us, struct err *e)
{
	size_t n = strlen(s);
	int64_t v;
	if (ts_parse(s, n, &v))
		return err_set(e, ING_EINVAL, "'%s' is not a date or timestamp (YYYY-MM-DD[THH:MM[:SS]][Z])", s);
	bool zoned = n > 10 && (s[n - 1] == 'Z' || strchr(s + 10, '+') || strstr(s + 10, "UTC") ||
				(n > 16 && strchr(s + 16, '-')));
	if (!zoned && p) {
		int64_t u[2], ge = 0, civil = v / US_PER_SEC;
		int k = tz_resolve(p->tz, civil, u, &ge);
		v = (k ? u[0] : ge) * US_PER_SEC + v % US_PER_SEC;
	}
	*us = v;
	return 0;
}

#define BACKFILL_MAX 10000

int orch_backfill(struct st *s, const struct pipeline *p, const char *sa, const char *ea,
		  const char *const *keys, const char *const *vals, size_t np, int64_t now,
		  int64_t **ids, size_t *nids, int *existed, struct err *e)
{
	*ids = NULL;
	*nids = 0;
	*existed = 0;
	if (!p->schedule)
		return err_set(e, ING_EINVAL, "pipeline '%s' has no schedule: backfill needs intervals", p->id);
	int64_t start, end;
	int rc = orch_parse_instant(sa, p, &start, e);
	if (!rc)
		rc = orch_parse_instant(ea, p, &end, e);
	if (rc)
		return rc;
	if (strlen(ea) == 10)
		end += US_PER_DAY - 1; /* a date: the whole day */
	if (end < start)
		return err_set(e, ING_EINVAL, "end %s is before start %s", ea, sa);
	/* count first: nothing is created when the range is too long */
	int64_t t = start / US_PER_SEC - 1, f, nx;
	size_t total = 0;
	while (!cron_next(&p->cron, p->tz, t, &f) && f * US_PER_SEC <= end && total <= BACKFILL_MAX) {
		total++;
		t = f;
	}
	if (total > BACKFILL_MAX)
		return err_set(e, ING_ELIMIT, "more than %d intervals from %s to %s; narrow the range",
			       BACKFILL_MAX, sa, ea);
	int64_t *out = xcalloc(total + 1, sizeof(*out));
	size_t n = 0;
	t = start / US_PER_SEC - 1;
	while (!cron_next(&p->cron, p->tz, t, &f) && f * US_PER_SEC <= end && n < total) {
		if (cron_next(&p->cron, p->tz, f, &nx))
			break;
		struct orch_run_req req = {.kind = "backfill", .logical_date = f * US_PER_SEC,
					   .interval_end = nx * US_PER_SEC, .param_keys = keys,
					   .param_vals = vals, .nparams = np};
		struct err ce = ERR_INIT;
		int r2 = orch_run_create(s, p, &req, now, &out[n], NULL, &ce);
		if (r2 == ING_EEXIST) {
			(*existed)++;
		} else if (r2) {
			err_move(e, &ce);
			*ids = out;
			*nids = n;
			return r2;
		} else {
			n++;
		}
		err_clear(&ce);
		t = f;
	}
	*ids = out;
	*nids = n;
	return 0;
}

int orch_run_mark(struct st *s, int64_t run, bool success, const char **was, struct err *e)
{
	static const char *const known[] = {"success", "failed", "queued", "running"};
	*was = NULL;
	sqlite3_stmt *q = NULL;
	int rc = st_begin(s, e);
	if (rc)
		return rc;
	if ((rc = st_prepare(s, "SELECT state FROM runs WHERE id=?", &q, e)))
		goto fail;
	sqlite3_bind_int64(q, 1, run);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		rc = err_set(e, ING_ENOTFOUND, "no run with id %lld", (long long)run);
		goto fail;
	}
	const char *st = (const char *)sqlite3_column_text(q, 0);
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (st && !strcmp(st, known[i]))
			*was = known[i];
	sqlite3_finalize(q);
	if (!*was || !strcmp(*was, "queued") || !strcmp(*was, "running")) {
		rc = err_set(e, ING_ECONFLICT, "run %lld is %s: cancel it (or let it end) before marking it %s",
			     (long long)run, *was ? *was : "in an unknown state", success ? "success" : "failed");
		goto fail;
	}
	sqlite3_stmt *u = NULL;
	if ((rc = st_prepare(s, "UPDATE runs SET state=?, reason=? WHERE id=?", &u, e)))
		goto fail;
	sqlite3_bind_text(u, 1, success ? "success" : "failed", -1, SQLITE_STATIC);
	sqlite3_bind_text(u, 2, success ? "marked success" : "marked failed", -1, SQLITE_STATIC);
	sqlite3_bind_int64(u, 3, run);
	if (sqlite3_step(u) != SQLITE_DONE)
		rc = err_set(e, ING_EDB, "mark run %lld: %s", (long long)run, sqlite3_errmsg(s->db));
	sqlite3_finalize(u);
	if (!rc && success) {
		if ((rc = st_prepare(s,
				     "UPDATE tasks SET state='success' WHERE run=? AND state IN "
				     "('failed','upstream_failed','skipped')",
				     &u, e)))
			goto fail;
		sqlite3_bind_int64(u, 1, run);
		if (sqlite3_step(u) != SQLITE_DONE)
			rc = err_set(e, ING_EDB, "mark run %lld's tasks: %s", (long long)run, sqlite3_errmsg(s->db));
		sqlite3_finalize(u);
	}
	if (rc)
		goto fail;
	return st_commit(s, e);
fail:
	st_rollback(s);
	return rc;
}

int orch_run_clear(struct st *s, int64_t run, const char *task, bool downstream,
		   bool failed_only, int *ncleared, struct err *e)
{
	sqlite3_stmt *q = NULL;
	struct arena *a = arena_new(0);
	struct pipeline *p = NULL;
	bool *sel = NULL;
	int rc = st_prepare(s, "SELECT definition, def_file, state, cancel_requested_at IS NOT NULL FROM runs WHERE id=?", &q, e);
	if (rc)
		goto done;
	sqlite3_bind_int64(q, 1, run);
	if (sqlite3_step(q) != SQLITE_ROW) {
		rc = err_set(e, ING_ENOTFOUND, "no run with id %lld", (long long)run);
		goto done;
	}
	const char *def = (const char *)sqlite3_column_text(q, 0);
	if ((rc = pipeline_parse((const char *)sqlite3_column_text(q, 1), def, strlen(def), a, &p, e)))
		goto done;
	const char *rstate = (const char *)sqlite3_column_text(q, 2);
	if (!strcmp(rstate, "running") || !strcmp(rstate, "queued")) {
		rc = err_set(e, ING_ECONFLICT, "run %lld is %s; clear it when it has finished",
			     (long long)run, rstate);
		goto done;
	}
	/* a cancelled run's tasks that never started were skipped: with
	 * --failed-only they run again too */
	bool cancelled = sqlite3_column_int(q, 3);
	sqlite3_finalize(q);
	q = NULL;
	sel = xcalloc(p->ntasks, sizeof(bool));
	if (task) {
		int ti = pipeline_task_index(p, task);
		if (ti < 0) {
			rc = err_set(e, ING_ENOTFOUND, "run %lld has no task '%s'", (long long)run, task);
			goto done;
		}
		sel[ti] = true;
		if (downstream) /* topo order: upstream before downstream */
			for (size_t k = 0; k < p->ntasks; k++) {
				struct task_def *t = &p->tasks[p->topo[k]];
				for (size_t u = 0; u < t->nup; u++)
					if (sel[t->up[u]])
						sel[p->topo[k]] = true;
			}
	} else {
		for (size_t i = 0; i < p->ntasks; i++)
			sel[i] = true;
	}
	if ((rc = st_begin(s, e)))
		goto done;
	int n = 0;
	for (size_t i = 0; i < p->ntasks && !rc; i++) {
		if (!sel[i])
			continue;
		if (failed_only) {
			sqlite3_stmt *t;
			if ((rc = st_prepare(s, "SELECT state FROM tasks WHERE run=? AND task=?", &t, e)))
				break;
			sqlite3_bind_int64(t, 1, run);
			sqlite3_bind_text(t, 2, p->tasks[i].id, -1, SQLITE_STATIC);
			bool failed = sqlite3_step(t) == SQLITE_ROW &&
				      (!strcmp((const char *)sqlite3_column_text(t, 0), "failed") ||
				       !strcmp((const char *)sqlite3_column_text(t, 0), "upstream_failed") ||
				       (cancelled && !strcmp((const char *)sqlite3_column_text(t, 0), "skipped")));
			sqlite3_finalize(t);
			if (!failed)
				continue;
		}
		sqlite3_stmt *u;
		if ((rc = st_prepare(s,
				     "UPDATE tasks SET state='queued', tries=0, next_try_at=NULL,"
				     " started_at=NULL, ended_at=NULL WHERE run=? AND task=?",
				     &u, e)))
			break;
		sqlite3_bind_int64(u, 1, run);
		sqlite3_bind_text(u, 2, p->tasks[i].id, -1, SQLITE_STATIC);
		if (sqlite3_step(u) != SQLITE_DONE)
			rc = err_set(e, ING_EDB, "clear: %s", sqlite3_errmsg(s->db));
		sqlite3_finalize(u);
		n++;
	}
	if (!rc)
		rc = st_run_set_state(s, run, "queued", 0, e);
	if (!rc) { /* a cleared run starts afresh: no cancel request, no reason */
		sqlite3_stmt *u;
		if (!(rc = st_prepare(s, "UPDATE runs SET cancel_requested_at=NULL, reason=NULL WHERE id=?", &u, e))) {
			sqlite3_bind_int64(u, 1, run);
			if (sqlite3_step(u) != SQLITE_DONE)
				rc = err_set(e, ING_EDB, "clear: %s", sqlite3_errmsg(s->db));
			sqlite3_finalize(u);
		}
	}
	if (!rc)
		rc = st_commit(s, e);
	else
		st_rollback(s);
	if (!rc && ncleared)
		*ncleared = n;
done:
	if (q)
		sqlite3_finalize(q);
	free(sel);
	arena_free(a);
	return rc;
}

int orch_run_cancel_unheld(const char *project_dir, struct st *s, int64_t run, bool *done,
			   struct err *e)
{
	*done = false;
	char *lock = orch_lock_path(project_dir);
	int fd = fs_lock(lock, false, e);
	free(lock);
	if (fd == ING_EAGAIN) { /* an engine runs: it sees the request */
		err_clear(e);
		return 0;
	}
	if (fd < 0)
		return fd;
	int64_t now = now_us();
	static const char *const upd[] = {
		"UPDATE runs SET state='failed', ended_at=?1, reason='cancelled' WHERE id=?2 AND state='queued'",
		"UPDATE tasks SET state='skipped', ended_at=?1 WHERE run=?2 AND"
		" state IN ('queued','scheduled','up_for_retry')",
	};
	int rc = st_begin(s, e);
	for (size_t i = 0; i < 2 && !rc; i++) {
		sqlite3_stmt *q;
		if ((rc = st_prepare(s, upd[i], &q, e)))
			break;
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_int64(q, 2, run);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = err_set(e, ING_EDB, "cancel run %lld: %s", (long long)run, sqlite3_errmsg(s->db));
		bool changed = sqlite3_changes(s->db) > 0;
		sqlite3_finalize(q);
		if (rc || (i == 0 && !changed)) /* not queued (any more): nothing to do */
			break;
		if (i == 0)
			*done = true;
	}
	if (!rc)
		rc = st_commit(s, e);
	else
		st_rollback(s);
	if (rc)
		*done = false;
	close(fd);
	return rc;
}

