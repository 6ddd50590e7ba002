/*
 * orchestrate/state.h — run history in SQLite (<project>/.ingot/state.db).
 *
 * Tables (schema_version 3):
 *   runs      one row per pipeline run: run_key (pipeline__kind__logical),
 *             pipeline, kind (scheduled|manual|backfill), state
 *             (queued|running|success|failed), logical date, data interval,
 *             params (JSON), the pipeline definition text it started with,
 *             queued/started/ended times; the owner that set it running
 *             (pid, host, process start token, scheduler|foreground) and
 *             the reason a run was failed from outside (interrupted,
 *             cancelled); when a cancel was asked for (cancel_requested_at).
 *             Version 1 and 2 files gain the missing columns when opened.
 *   tasks     one row per task of a run: state (queued|scheduled|running|
 *             success|failed|up_for_retry|upstream_failed|skipped), tries,
 *             next_try_at, times.
 *   attempts  one row per try: state, times, exit code, error, log path,
 *             pid, owner (scheduler) pid, heartbeat and lease.
 *   schema_version.
 * Times are µs since the epoch, UTC.
 *
 * Durability rule: callers write the state change first and act after
 * (insert the attempt as running, then spawn the process). WAL mode with
 * synchronous=NORMAL: a committed change survives the process being killed
 * (not a power cut); readers (the CLI) never block the writer.
 *
 * One writer: the process holding .ingot/scheduler.lock (the scheduler or a
 * foreground `pipeline run`). Other processes read, and may insert queued
 * runs (`pipeline trigger`) and ask for a run's cancel (`pipeline cancel`,
 * cancel_requested_at), which the writer picks up.
 *
 * Thread use: a struct st is used by one thread at a time.
 *
 * struct st is opaque: only the .c files of src/orchestrate see SQLite
 * (state_int.h).
 * Reads for the CLI and the UI are in history.h.
 */
#ifndef INGOT_ORCH_STATE_H
#define INGOT_ORCH_STATE_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

#define ST_SCHEMA_VERSION 3

struct st;

struct st_run {
	int64_t id;
	const char *run_key, *pipeline, *kind, *state;
	int64_t logical_date, interval_start, interval_end; /* µs */
	const char *params;     /* JSON object text */
	const char *definition; /* pipeline file text */
	const char *def_file;
	int64_t queued_at, started_at, ended_at; /* 0 = not yet */
};

/* Open (creating the file, directory and tables as needed). */
int st_open(const char *path, struct st **out, struct err *e);
void st_close(struct st *s);
int st_exec(struct st *s, const char *sql, struct err *e);
int st_begin(struct st *s, struct err *e);
/* On failure the transaction is rolled back (never left open). */
int st_commit(struct st *s, struct err *e);
void st_rollback(struct st *s);

/* Insert a run (r->id set). ING_EEXIST when run_key is taken. */
int st_run_insert(struct st *s, struct st_run *r, struct err *e);
int st_run_set_state(struct st *s, int64_t run, const char *state, int64_t now, struct err *e);
/* Record who runs a run (see orchestrate.h, struct orch_owner). */
int st_run_set_owner(struct st *s, int64_t run, int pid, const char *host, const char *start,
		     const char *kind, struct err *e);
int st_task_insert(struct st *s, int64_t run, const char *task, const char *state, struct err *e);
/* Update a task instance; next_try_at 0 = NULL; started/ended 0 = keep. */
int st_task_set(struct st *s, int64_t run, const char *task, const char *state, int tries,
		int64_t next_try_at, int64_t started, int64_t ended, struct err *e);
/* Insert an attempt as running; *id set. */
int st_attempt_begin(struct st *s, int64_t run, const char *task, int attempt,
		     const char *log_path, int owner_pid, int64_t now, int64_t lease_us,
		     int64_t *id, struct err *e);
int st_attempt_set_pid(struct st *s, int64_t id, int pid, struct err *e);
int st_attempt_end(struct st *s, int64_t id, const char *state, int exit_code,
		   const char *error, int64_t now, struct err *e);
/* Renew the lease of every running attempt of owner_pid. */
int st_heartbeat(struct st *s, int owner_pid, int64_t now, int64_t lease_us, struct err *e);
/* Latest logical date of a pipeline's runs of a kind (0 when none). */
int st_last_logical(struct st *s, const char *pipeline, const char *kind, int64_t *out,
		    struct err *e);
/* Whether a run with this key exists. */
bool st_run_exists(struct st *s, const char *run_key);

/* Record why a run ended from outside its tasks ("cancelled"). */
int st_run_set_reason(struct st *s, int64_t run, const char *reason, struct err *e);
/* Ask whoever runs a run to cancel it (the engine notices on its next
 * wakeup or heartbeat). *applied is false when the run had already ended
 * (it is left as it is). ING_ENOTFOUND when there is no such run. */
int st_run_request_cancel(struct st *s, int64_t run, int64_t now, bool *applied, struct err *e);
/* When a cancel was asked for (0: never). */
int64_t st_run_cancel_requested(struct st *s, int64_t run);

/* ---- operator state (the UI's actions) ---- */

/* Pause or unpause a pipeline's schedule: a paused pipeline gets no
 * scheduled runs (manual triggers, backfills and clears still run).
 * Tables pipeline_flags and audit are created when missing. */
int st_pipeline_set_paused(struct st *s, const char *pipeline, bool paused, int64_t now, struct err *e);
/* false when never set. */
int st_pipeline_paused(struct st *s, const char *pipeline, bool *paused, struct err *e);
/* Did a run of the pipeline end in success in [from_us, to_us]? (SLAs) */
int st_pipeline_succeeded_between(struct st *s, const char *pipeline, int64_t from_us, int64_t to_us, bool *yes,
				  struct err *e);

/* One operator action: who, what, when, on what, and how it went. */
struct st_audit {
	int64_t id, at;        /* at: µs since the epoch */
	const char *user;      /* "" for an anonymous local user (no --auth) */
	const char *role;
	const char *action;    /* "trigger", "pause", ... */
	const char *target;    /* "pipeline:NAME", "run:ID", "run:ID/task:T" */
	const char *detail;    /* JSON text or NULL */
	const char *outcome;   /* "ok" or the error's first line */
};
int st_audit_add(struct st *s, const struct st_audit *a, struct err *e);
/* Newest first, at most limit (<= 0: all), ids below before_id (0: from
 * the newest); strings in a. */
struct arena;
int st_audit_list(struct st *s, int64_t limit, int64_t before_id, struct arena *a, struct st_audit **out,
		  size_t *n, struct err *e);
/* SQLite's data_version: changes when another connection commits (a
 * cheap "did anything change?" for pollers); -1 on error. */
int64_t st_data_version(struct st *s);

#endif
