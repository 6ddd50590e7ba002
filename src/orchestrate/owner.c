/*
 * orchestrate/owner.c — who owns a running run, and whether it still lives.
 *
 * An engine records itself as the owner of each run it sets running: pid,
 * host name, a start token (the kernel's boot id and the process's start
 * time in clock ticks, /proc/<pid>/stat field 22, so a reused pid or a
 * reboot is not mistaken for the owner) and a kind ("scheduler" or
 * "foreground"). A reader that finds a run "running" can then tell whether
 * anyone is still running it.
 *
 * What happens to an orphan depends on its kind. A scheduler's runs are
 * resumed by the next scheduler (zombie attempts failed and retried, see
 * exec.c): that is the daemon's contract, so readers leave them. A
 * foreground `ingot pipeline run` has no one to come back for it: any
 * reader (`pipeline status`, `pipeline clear`, the next engine) marks its
 * run failed with the reason, fails its running attempts and kills what is
 * left of their process groups, so nothing keeps writing for a run the
 * history calls finished. Tasks that had not started keep their state:
 * `pipeline clear RUN --failed-only` runs the interrupted ones and them.
 *
 * Only owners on this host can be judged; a run owned elsewhere (a shared
 * project directory) is left alone. Without /proc nothing is judged dead.
 * Runs from before owners were recorded have none and are left alone.
 */
#include "orchestrate/orch_int.h"
#include "orchestrate/state_int.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/vec.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Start token of pid ("bootid:ticks"), or false when it is not running
 * (absent, or a zombie waiting to be reaped) or /proc is unreadable
 * (*known false then). */
static bool proc_start_token(int pid, char *out, size_t n, bool *known)
{
	char path[64], stat[1024], boot[64] = "";
	*known = false;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f)
		return false;
	if (!fgets(boot, sizeof(boot), f))
		boot[0] = 0;
	fclose(f);
	boot[strcspn(boot, "\n")] = 0;
	if (!boot[0])
		return false;
	*known = true;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	size_t len = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[len] = 0;
	/* "pid (comm) S ppid ..." — comm may hold spaces and ')' */
	char *p = strrchr(stat, ')');
	if (!p || p[1] != ' ')
		return false;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return false;
	p += 2;
	/* field 3 is the state; the start time is field 22 */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return false;
	unsigned long long ticks = strtoull(p, NULL, 10);
	snprintf(out, n, "%s:%llu", boot, ticks);
	return true;
}

void orch_owner_self(struct orch_owner *o, const char *kind)
{
	memset(o, 0, sizeof(*o));
	o->pid = (int)getpid();
	if (gethostname(o->host, sizeof(o->host) - 1))
		snprintf(o->host, sizeof(o->host), "localhost");
	bool known;
	if (!proc_start_token(o->pid, o->start, sizeof(o->start), &known))
		o->start[0] = 0;
	o->kind = kind;
}

bool orch_owner_dead(int pid, const char *host, const char *start)
{
	char me[256] = "", now[96];
	if (pid <= 0 || !host || !start || !start[0])
		return false;
	if (gethostname(me, sizeof(me) - 1) || strcmp(me, host))
		return false; /* another host: cannot tell */
	bool known;
	if (proc_start_token(pid, now, sizeof(now), &known))
		return strcmp(now, start) != 0; /* a reused pid is not the owner */
	return known;
}

bool orch_proc_has_marker(int pid, int64_t attempt)
{
	char path[64], want[48];
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	snprintf(want, sizeof(want), "INGOT_ATTEMPT_ID=%lld", (long long)attempt);
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	bool found = false;
	if (!fs_read_file(path, &b, 1 << 20, &e)) {
		size_t wl = strlen(want);
		for (size_t i = 0; i + wl <= b.len; i += strlen(b.data + i) + 1)
			if (!memcmp(b.data + i, want, wl) && b.data[i + wl] == 0) {
				found = true;
				break;
			}
	}
	err_clear(&e);
	buf_free(&b);
	return found;
}

/* Fail one orphaned run; false when someone else changed it first. */
static int reap_one(struct st *s, int64_t run, int pid, const char *start, const char *reason,
		    int64_t now, bool *done, struct err *e)
{
	sqlite3_stmt *q = NULL;
	*done = false;
	int rc = st_begin(s, e);
	if (rc)
		return rc;
	/* kill what is left of its shell tasks (their own process groups) */
	if ((rc = st_prepare(s, "SELECT id, coalesce(pid, 0) FROM attempts WHERE run=? AND state='running'",
			     &q, e)))
		goto fail;
	sqlite3_bind_int64(q, 1, run);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t aid = sqlite3_column_int64(q, 0);
		int apid = sqlite3_column_int(q, 1);
		if (apid > 0 && kill(apid, 0) == 0 && orch_proc_has_marker(apid, aid)) {
			kill(-apid, SIGKILL);
			log_warn("killed the leftover process group %d of attempt %lld", apid, (long long)aid);
		}
	}
	sqlite3_finalize(q);
	q = NULL;
	if ((rc = st_prepare(s,
			     "UPDATE runs SET state='failed', ended_at=?1, reason=?2 WHERE id=?3"
			     " AND state='running' AND owner_pid=?4 AND owner_start=?5",
			     &q, e)))
		goto fail;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, run);
	sqlite3_bind_int(q, 4, pid);
	sqlite3_bind_text(q, 5, start, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		rc = err_set(e, ING_EDB, "%s: %s", s->path, sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_changes(s->db) == 0) { /* reaped or taken over meanwhile */
		st_rollback(s);
		return 0;
	}
	const char *const upd[] = {
		"UPDATE attempts SET state='failed', error=?2, ended_at=?1 WHERE run=?3 AND state='running'",
		"UPDATE tasks SET state='failed', ended_at=?1 WHERE run=?3 AND state='running'",
	};
	for (size_t i = 0; i < 2; i++) {
		if ((rc = st_prepare(s, upd[i], &q, e)))
			goto fail;
		sqlite3_bind_int64(q, 1, now);
		sqlite3_bind_text(q, 2, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, run);
		if (sqlite3_step(q) != SQLITE_DONE) {
			rc = err_set(e, ING_EDB, "%s: %s", s->path, sqlite3_errmsg(s->db));
			goto fail;
		}
		sqlite3_finalize(q);
		q = NULL;
	}
	if ((rc = st_commit(s, e)))
		return rc;
	*done = true;
	return 0;
fail:
	if (q)
		sqlite3_finalize(q);
	st_rollback(s);
	return rc;
}

int orch_reap_orphans(struct st *s, int *nreaped, struct err *e)
{
	sqlite3_stmt *q = NULL;
	int rc = st_prepare(s,
			    "SELECT id, run_key, owner_pid, owner_host, owner_start FROM runs"
			    " WHERE state='running' AND owner_kind='foreground' AND owner_pid IS NOT NULL",
			    &q, e);
	if (nreaped)
		*nreaped = 0;
	if (rc)
		return rc;
	struct orphan {
		int64_t id;
		int pid;
		char *key, *host, *start;
	};
	VEC(struct orphan) dead = VEC_INIT;
	while (sqlite3_step(q) == SQLITE_ROW) {
		int pid = sqlite3_column_int(q, 2);
		const char *host = (const char *)sqlite3_column_text(q, 3);
		const char *start = (const char *)sqlite3_column_text(q, 4);
		if (!orch_owner_dead(pid, host, start))
			continue;
		struct orphan o = {sqlite3_column_int64(q, 0), pid,
				   xstrdup((const char *)sqlite3_column_text(q, 1)), xstrdup(host),
				   xstrdup(start)};
		vec_push(&dead, o);
	}
	sqlite3_finalize(q);
	int64_t now = now_us();
	for (size_t i = 0; i < dead.len; i++) {
		struct orphan *o = &dead.items[i];
		char *reason = xasprintf("interrupted: the 'ingot pipeline run' process running it"
					 " (pid %d on %s) is gone; 'ingot pipeline clear %lld' runs it again",
					 o->pid, o->host, (long long)o->id);
		bool done = false;
		if (!rc)
			rc = reap_one(s, o->id, o->pid, o->start, reason, now, &done, e);
		if (done) {
			log_warn("run %s: %s", o->key, reason);
			if (nreaped)
				(*nreaped)++;
		}
		free(reason);
		free(o->key);
		free(o->host);
		free(o->start);
	}
	vec_free(&dead);
	return rc;
}
