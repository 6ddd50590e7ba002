/*
 * orchestrate/history.h — reading the run history: runs, their tasks and
 * the attempts of each task, and a per-pipeline summary. What `pipeline
 * status|logs` and `pipeline run`'s summary print, and what a UI's
 * pipelines grid, run graph, Gantt chart and log pages need — without SQL
 * or sqlite3.h in the caller.
 *
 * The interface is a struct of operations (struct hist_ops) behind the
 * handle from st_open (state.h); the functions below are its only callers.
 * SQLite (state.c, history.c) is the implementation today; a PostgreSQL
 * history store (DESIGN §7: several workers sharing one queue) would be a
 * second instance of the ops with its own handle.
 *
 * Memory: every string and array returned is allocated in the caller's
 * arena and lives until the arena is freed; nothing here is freed one by
 * one. Times are µs since the epoch, UTC; 0 means "not yet" (NULL).
 * Errors: ING_EDB (the store failed: message names the file), ING_ENOTFOUND
 * (no such run; the message says how to list runs).
 */
#ifndef INGOT_ORCH_HISTORY_H
#define INGOT_ORCH_HISTORY_H

#include "core/arena.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct st;

struct hist_run {
	int64_t id;
	const char *run_key, *pipeline, *kind, *state;
	int64_t logical_date, interval_start, interval_end;
	int64_t queued_at, started_at, ended_at;
	const char *reason; /* why it was failed from outside, or NULL */
	/* who set it running (owner_pid 0: nobody yet) */
	int owner_pid;
	const char *owner_host, *owner_start, *owner_kind;
	int64_t cancel_requested_at;
};

struct hist_task {
	const char *task, *state;
	int tries;    /* tries used of the current retry budget */
	int attempts; /* attempts recorded (over clears too) */
	int64_t next_try_at, started_at, ended_at;
};

struct hist_attempt {
	int attempt;
	const char *state;
	int64_t started_at, ended_at;
	bool has_exit_code;
	int exit_code;
	const char *error, *log_path; /* NULL when none */
	int pid;                      /* the task's process (shell tasks), else 0 */
	int64_t lease_until;          /* renewed while running */
};

/* Runs newest first. Fields left zero/NULL do not filter. */
struct hist_filter {
	const char *pipeline;
	const char *state;
	int64_t limit;     /* at most this many; <= 0: all */
	int64_t before_id; /* only ids below this (paging); 0: from the newest */
};

struct hist_pipeline {
	const char *pipeline;
	int64_t runs;           /* runs of it in the history */
	struct hist_run last;   /* the newest run */
	const char **recent;    /* states of the newest runs, newest first */
	size_t nrecent;
};

struct hist_ops {
	const char *name;
	int (*list_runs)(struct st *s, const struct hist_filter *f, struct arena *a,
			 struct hist_run **out, size_t *n, struct err *e);
	int (*get_run)(struct st *s, int64_t id, struct arena *a, struct hist_run *out,
		       struct err *e);
	int (*run_tasks)(struct st *s, int64_t run, struct arena *a, struct hist_task **out,
			 size_t *n, struct err *e);
	int (*task_attempts)(struct st *s, int64_t run, const char *task, struct arena *a,
			     struct hist_attempt **out, size_t *n, struct err *e);
	int (*resolve_run)(struct st *s, const char *arg, int64_t *id, struct err *e);
	int (*pipeline_summary)(struct st *s, int last_n, struct arena *a,
				struct hist_pipeline **out, size_t *n, struct err *e);
};

/* Runs matching f (NULL: all), newest first. */
int st_list_runs(struct st *s, const struct hist_filter *f, struct arena *a,
		 struct hist_run **out, size_t *n, struct err *e);
/* One run; ING_ENOTFOUND when there is none. */
int st_get_run(struct st *s, int64_t id, struct arena *a, struct hist_run *out, struct err *e);
/* A run's tasks in the pipeline's order. */
int st_run_tasks(struct st *s, int64_t run, struct arena *a, struct hist_task **out, size_t *n,
		 struct err *e);
/* A task's attempts, first to last. */
int st_task_attempts(struct st *s, int64_t run, const char *task, struct arena *a,
		     struct hist_attempt **out, size_t *n, struct err *e);
/* A run by numeric id or run key ("p__manual__2024-01-01T00:00:00"). */
int st_resolve_run(struct st *s, const char *arg, int64_t *id, struct err *e);
/* Per pipeline with runs (by name): its newest run and the states of its
 * last_n newest runs. */
int st_pipeline_summary(struct st *s, int last_n, struct arena *a, struct hist_pipeline **out,
			size_t *n, struct err *e);

/* For metrics (hist_stats.c): runs (tasks when tasks is set) counted by
 * pipeline and state, fn once per pair; and per pipeline, the ended ones'
 * durations as a histogram: le[i] = how many took <= bounds[i] seconds
 * (cumulative), their sum in seconds and their count. SQLite only (not through hist_ops). */
int st_stats_counts(struct st *s, bool tasks,
		    void (*fn)(void *arg, const char *pipeline, const char *state, int64_t n), void *arg,
		    struct err *e);
int st_stats_durations(struct st *s, bool tasks, const double *bounds, size_t nb,
		       void (*fn)(void *arg, const char *pipeline, const int64_t *le, double sum, int64_t count),
		       void *arg, struct err *e);

/* Whether a run state is final (success, failed). */
bool hist_run_ended(const char *state);

#endif
