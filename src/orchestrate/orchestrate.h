/*
 * orchestrate/orchestrate.h — the scheduler and executor of pipeline runs.
 *
 * Calling sequence (a daemon; `ingot scheduler`):
 *
 *     struct orch_opts o = {.project_dir = dir, .schedule = true, .watch = true,
 *                           .hooks = &hooks, .host = host};
 *     struct orch *x;
 *     orch_open(&o, &x, &e);     // takes .ingot/scheduler.lock, opens state.db,
 *                                // reads pipelines/<name>.yml, recovers zombies,
 *                                // resumes unfinished runs
 *     orch_loop(x, 0, &e);       // until SIGTERM/SIGINT (drains) or orch_stop
 *     orch_close(x);
 *
 * A foreground run (`ingot pipeline run NAME` with no scheduler running):
 *
 *     orch_open(&o (schedule=false, resume=false), &x, &e);
 *     orch_run_create(orch_state(x), p, &req, now, &run, &key, &e);
 *     orch_adopt_run(x, run, &e);
 *     orch_loop(x, run, &e);     // returns when that run has finished
 *
 * Tests drive the engine by hand on a controllable clock (opts.now):
 * orch_step(x, &next_due) does everything due at now() and returns; then
 * orch_wait(x, max_us) sleeps at most max_us (real time) for events (a child
 * exiting, an in-process task finishing, a signal, a file change).
 *
 * Threads: the engine (state db, runs, children) belongs to the thread that
 * calls orch_step/orch_wait/orch_loop. In-process tasks (load, dbt verbs,
 * sql) run on worker threads through the host's hooks; shell tasks are
 * child processes in their own process group (not holding a thread);
 * sensors are poked by the engine's timer (holding neither a thread nor a
 * parallelism slot). Alerts are delivered by short-lived threads.
 *
 * Waiting: no polling. The engine sleeps in poll() on pidfds of its
 * children, an eventfd the workers signal, a signalfd (SIGTERM, SIGINT,
 * SIGHUP) and inotify on pipelines/ and .ingot/wakeup, with a timeout equal
 * to the next due time (retry, timeout, sensor poke, cron fire, heartbeat).
 */
#ifndef INGOT_ORCH_ORCHESTRATE_H
#define INGOT_ORCH_ORCHESTRATE_H

#include "core/buf.h"
#include "core/err.h"
#include "orchestrate/history.h"
#include "orchestrate/pipeline.h"
#include "orchestrate/state.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* name → value pairs (borrowed). */
struct orch_vars {
	const char *const *keys;
	const char *const *vals;
	size_t n;
};

/* Render the Jinja template tmpl with the run context (and params as a
 * mapping) onto out; an undefined name is an error (see template.c). */
int orch_render(const char *tmpl, const struct orch_vars *ctx, const struct orch_vars *params,
		struct buf *out, struct err *e);
/* The same for a shell command: each {{ expression }} is shell-quoted
 * unless marked `| safe` (see template.c). */
int orch_render_shell(const char *tmpl, const struct orch_vars *ctx, const struct orch_vars *params,
		      struct buf *out, struct err *e);
/* Append s[0..n) quoted for /bin/sh (bare when it needs no quotes). */
int orch_shell_quote(struct buf *out, const char *s, size_t n);

/* What an in-process task's hook receives. Strings are valid during the
 * call. The hook writes progress to `log` (the attempt's log file) and
 * stops soon after its token is requested: `cancel` is the task's own
 * token (a child of the engine's), requested with ING_ETIMEOUT when the
 * task's timeout passes and with ING_ECANCELED when a shutdown's grace
 * period ends. Hand it to the work (load_opts.cancel,
 * transform_opts.cancel, wh_conn_set_cancel), which then returns the
 * token's status. */
struct orch_task_ctx {
	const char *project_dir;
	const char *pipeline, *run_key, *task;
	const char *target; /* the task's target: (profile target), NULL = the host's */
	int attempt;
	const struct orch_vars *vars;   /* ds, run_id, ... */
	const struct orch_vars *params;
	FILE *log;
	const char *log_path;
	struct cancel *cancel; /* engine-owned */
	/* out, set by the dbt hook when its run wrote artifacts: the path of
	 * that run's run_results.json (malloc'd; the engine frees it). The
	 * engine reads the tests' results from it for on_test_failure. */
	char *results_path;
};
/* cancel_requested(c->cancel) */
bool orch_ctx_cancelled(struct orch_task_ctx *c);

/* The host (src/cmd) fills these in; orchestrate never calls the loader,
 * the transform engine or the warehouse itself. A NULL hook makes tasks of
 * that kind fail with a clear error. Hooks run on worker threads, several
 * at once; each must use its own warehouse connection. Return 0 on success,
 * a negative ING_E* with e set on failure. */
struct orch_hooks {
	int (*load)(void *host, const char *const *tables, size_t ntables, struct orch_task_ctx *c,
		    struct err *e);
	int (*dbt)(void *host, const char *verb, const char *select, const char *exclude,
		   bool full_refresh, bool no_reuse, struct orch_task_ctx *c, struct err *e);
	int (*sql)(void *host, const char *sql, struct orch_task_ctx *c, struct err *e);
	/* Validate a freshly read pipeline against the project (see
	 * pipeline_check); on the engine's thread. Failing = a bad file. */
	int (*check)(void *host, const struct pipeline *p, struct err *e);
};

struct orch_opts {
	const char *project_dir; /* required: pipelines/ and .ingot/ live here */
	const char *lake_root;   /* sensors with root: lake; NULL = <project>/lake */
	int parallelism;         /* running tasks at once; 0 = number of cores */
	int64_t (*now)(void *arg); /* µs since epoch; NULL = the wall clock */
	void *now_arg;
	const struct orch_hooks *hooks;
	void *host;
	bool schedule;  /* create runs from schedules (catchup, cron) */
	bool resume;    /* load unfinished runs from the state db */
	bool watch;     /* signals, inotify on pipelines/ and wakeups */
	int64_t grace_us;      /* drain on SIGTERM: default 30 s */
	int64_t heartbeat_us;  /* lease renewal: default 10 s (lease = 3 x) */
	int64_t kill_grace_us; /* SIGTERM then SIGKILL on a timeout: default 5 s */
};

struct orch;

/* ING_ECONFLICT when another process holds the scheduler lock. Pipeline
 * file errors are logged (a bad file is skipped, the rest run); they do not
 * fail orch_open. */
int orch_open(const struct orch_opts *o, struct orch **out, struct err *e);
void orch_close(struct orch *x);
struct st *orch_state(struct orch *x);
/* Re-read pipelines/<name>.yml. Returns the first file error (others logged). */
int orch_reload(struct orch *x, struct err *e);
const struct pipeline *orch_pipeline(struct orch *x, const char *id);
/* Take a queued run from the state db into this engine. */
int orch_adopt_run(struct orch *x, int64_t run, struct err *e);
int orch_step(struct orch *x, int64_t *next_due, struct err *e);
int orch_wait(struct orch *x, int64_t max_us, struct err *e);
/* Step and wait until stopped (until_run == 0) or until that run ends. */
int orch_loop(struct orch *x, int64_t until_run, struct err *e);
/* Ask the loop to drain and return (async-signal-safe). */
void orch_stop(struct orch *x);
/* When the loop began to drain (its clock, µs), or 0 when it has not. */
int64_t orch_drain_started(const struct orch *x);
/* State of a run known to the engine ("queued", "running", "success",
 * "failed"), or NULL. */
const char *orch_run_state(struct orch *x, int64_t run);
/* Wait for alert deliveries in flight (at most max_us). */
void orch_alerts_flush(struct orch *x, int64_t max_us);

/* ---- runs (usable without an engine: `pipeline trigger`) ---- */

struct orch_run_req {
	const char *kind;        /* "manual" (default), "scheduled", "backfill" */
	int64_t logical_date;    /* µs; 0 = now */
	int64_t interval_end;    /* µs; 0 = the next fire after logical_date (or it) */
	const char *const *param_keys, *const *param_vals; /* overrides */
	size_t nparams;
};

/* Insert a queued run with its tasks and the pipeline's definition text.
 * ING_EEXIST when a run with the same key (pipeline, kind, logical date)
 * exists. *key is malloc'd (may be NULL). Unknown param names are errors. */
int orch_run_create(struct st *s, const struct pipeline *p, const struct orch_run_req *r,
		    int64_t now, int64_t *run, char **key, struct err *e);
/* A date or timestamp (YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM]); without a zone
 * it is read in the pipeline's zone (p may be NULL: UTC). The one parser of
 * `ingot pipeline trigger|backfill` and the server's trigger/backfill. */
int orch_parse_instant(const char *s, const struct pipeline *p, int64_t *us, struct err *e);
/* Backfill runs, one per schedule interval from start to end (dates or
 * timestamps as orch_parse_instant; an end given as a date covers its whole
 * day). Nothing is created when there are more than 10,000 intervals
 * (ING_ELIMIT) or the pipeline has no schedule (ING_EINVAL). Intervals that
 * already have a backfill run are counted in *existed. *ids (malloc'd) gets
 * the created runs. */
int orch_backfill(struct st *s, const struct pipeline *p, const char *start, const char *end,
		  const char *const *keys, const char *const *vals, size_t nparams, int64_t now,
		  int64_t **ids, size_t *nids, int *existed, struct err *e);
/* Tell a running scheduler to look at the state db now. */
void orch_wakeup(const char *project_dir);
/* Reset tasks of a finished run for re-running (`pipeline clear`): the
 * named task (or all when NULL), its downstream tasks when asked, only
 * failed/upstream_failed ones when failed_only. The run goes back to queued.
 * *ncleared gets the count. */
int orch_run_clear(struct st *s, int64_t run, const char *task, bool downstream,
		   bool failed_only, int *ncleared, struct err *e);

/* Mark an ended run failed or successful by hand (Airflow's "Mark
 * failed/success", distinct from cancel, which stops a live run): the
 * run's state becomes `failed` (reason `marked failed`) or `success`
 * (reason `marked success`). Marking success also marks its failed,
 * upstream_failed and skipped tasks success (their attempts and logs stay
 * as they were); marking failed leaves task states alone. A queued or
 * running run is ING_ECONFLICT (cancel it, or wait for it to end).
 * *was gets the state before (static text). */
int orch_run_mark(struct st *s, int64_t run, bool success, const char **was, struct err *e);

/* ---- run owners (owner.c) ---- */

/* The process that runs a run: recorded when an engine sets it running. */
struct orch_owner {
	int pid;
	char host[256];
	char start[96]; /* "<boot id>:<start ticks>": tells a reused pid apart */
	const char *kind; /* "scheduler" or "foreground" */
};
void orch_owner_self(struct orch_owner *o, const char *kind);
/* True only when the owner was on this host and its process is gone (or
 * the pid now belongs to another process). Unknown → false. */
bool orch_owner_dead(int pid, const char *host, const char *start);
/* Mark failed ("interrupted: ...") every running run whose foreground
 * owner is dead; its running attempts fail and their leftover process
 * groups are killed. Runs of a dead scheduler are left for the next
 * scheduler to resume. Safe to call from any process, any number of times.
 * *nreaped (may be NULL) gets the count. */
int orch_reap_orphans(struct st *s, int *nreaped, struct err *e);

/* Cancel a queued run that no engine holds (`pipeline cancel` with no
 * scheduler running): with the project's scheduler lock taken for the
 * moment, so no engine can adopt it meanwhile, its unfinished tasks are
 * skipped and it ends failed, reason "cancelled". *done is false when the
 * lock is held (the engine holding it acts on the cancel request itself)
 * or the run is no longer queued. */
int orch_run_cancel_unheld(const char *project_dir, struct st *s, int64_t run, bool *done,
			   struct err *e);

/* Paths. malloc'd. */
char *orch_state_path(const char *project_dir);
char *orch_lock_path(const char *project_dir);
/* Is a scheduler holding the lock? (pid in *pid when known) */
bool orch_scheduler_running(const char *project_dir, int *pid);

#endif
