/*
 * orchestrate/pipeline.h — pipeline files (pipelines/<name>.yml) as structs.
 *
 * A pipeline file declares one pipeline:
 *
 *   pipeline: ecommerce_elt            # id (required)
 *   description: ...
 *   schedule: "0 2 * * *"              # cron, @daily ..., or none/absent
 *   timezone: Europe/London            # IANA name, default UTC
 *   start_date: 2024-01-01             # date or timestamp (in the timezone)
 *   end_date: ...
 *   catchup: false
 *   max_active_runs: 1                 # default 16
 *   max_active_tasks: 8                # per run, default 16
 *   params: {k: v}                     # defaults; --param k=v overrides
 *   pools: {warehouse: 2}              # named slot limits (global by name)
 *   defaults: {retries: 2, retry_delay: 30s, retry_backoff: exponential,
 *              retry_jitter: true, max_retry_delay: 10m, timeout: 30m,
 *              trigger_rule: all_success, pool: warehouse,
 *              on_failure: {...}, on_success: {...}, on_retry: {...}}
 *   on_failure: {webhook: URL, command: "..."}   # run-level alerts
 *   sla: "06:00"                 # a run must have succeeded by then, each day
 *   on_sla_miss: {webhook: URL, command: "..."}
 *   on_test_failure: {webhook: URL, command: "..."}  # a dbt task's tests failed
 *   on_success: ...
 *   on_retry: ...                      # any task of the run retrying
 *   tags: [a, b]
 *   tasks:
 *     - id: load_users
 *       load: raw.users                # or a list of tables
 *       target: loader                 # load/sql/dbt tasks: run with this profile target
 *     - {id: transform, build: {select: "+marts", exclude: "...", full_refresh: false, no_reuse: false},
 *        depends_on: [load_users]}     # build|run|test|seed|snapshot: a map or a selector string
 *     - {id: q, sql: "delete from t where ds = '{{ ds }}'"}
 *     - {id: s, shell: "echo {{ ds }}", env: {K: V}}
 *     - {id: w, sensor: {glob: "orders/<glob>.csv", root: lake, poke_interval: 5s, timeout: 1h}}
 *     - {id: end, empty: true, trigger_rule: all_done}
 *
 * Durations: "500ms", "30s", "10m", "2h", "1d", or a number of seconds.
 * Every error (unknown key, bad type or shape, unknown dependency, cycle,
 * bad cron, unknown time zone or pool) carries file:line:col; what tasks
 * load and select is checked against the project by pipeline_check.
 *
 * Ownership: a struct pipeline and everything it points to live in the
 * arena passed to pipeline_parse; `source` keeps the file's text, which a
 * run stores so it keeps the definition it started with.
 */
#ifndef INGOT_ORCH_PIPELINE_H
#define INGOT_ORCH_PIPELINE_H

#include "config/yaml.h"
#include "core/arena.h"
#include "core/err.h"
#include "orchestrate/cron.h"

#include <stdbool.h>
#include <stdint.h>

enum task_kind {
	TK_EMPTY,
	TK_LOAD,
	TK_BUILD,
	TK_RUN,
	TK_TEST,
	TK_SEED,
	TK_SNAPSHOT,
	TK_SQL,
	TK_SHELL,
	TK_SENSOR,
};
const char *task_kind_name(enum task_kind k);
/* build, run, test, seed, snapshot: the dbt verb. */
static inline bool task_kind_is_dbt(enum task_kind k) { return k >= TK_BUILD && k <= TK_SNAPSHOT; }

enum trigger_rule {
	TR_ALL_SUCCESS,
	TR_ALL_FAILED,
	TR_ALL_DONE,
	TR_ONE_SUCCESS,
	TR_ONE_FAILED,
	TR_NONE_FAILED,
	TR_NONE_FAILED_MIN_ONE_SUCCESS,
	TR_ALWAYS,
};
const char *trigger_rule_name(enum trigger_rule r);

enum backoff { BACKOFF_FIXED, BACKOFF_EXPONENTIAL };

struct alert {
	const char *webhook; /* URL or NULL */
	const char *command; /* shell command or NULL */
};

struct alerts {
	struct alert on_failure, on_success, on_retry;
};

/* Settings a task takes from `defaults:` unless it sets them itself. */
struct task_policy {
	int retries;
	int64_t retry_delay_us;
	enum backoff backoff;
	bool jitter;
	int64_t max_retry_delay_us;
	int64_t timeout_us; /* 0 = none */
	enum trigger_rule trigger_rule;
	const char *pool; /* NULL = no pool */
	struct alerts alerts;
};

struct task_def {
	const char *id;
	const char *description;
	enum task_kind kind;
	struct ystrlist depends_on;
	size_t *up;  /* indexes of upstream tasks */
	size_t nup;
	struct task_policy pol;
	struct ystrlist tags;
	/* load, sql and dbt tasks: the profile target (credentials) the task
	 * runs with, e.g. a least-privilege loader; NULL = the run's target */
	const char *target;
	/* kind-specific (templated when the task runs) */
	struct ystrlist tables;   /* load */
	const char *select;       /* dbt verbs */
	const char *exclude;
	bool full_refresh;
	bool no_reuse;            /* build every selected node (no state-aware reuse) */
	const char *sql;          /* sql */
	const char *command;      /* shell */
	const char **env_keys, **env_vals; /* shell env */
	size_t nenv;
	const char *sensor_glob;  /* sensor */
	const char *sensor_root;  /* "lake" (default) or "project" */
	int64_t poke_interval_us;
	int64_t sensor_timeout_us;
	const struct ynode *node; /* for error locations */
};

struct pipeline {
	const char *id;
	const char *file;   /* path it was read from */
	const char *source; /* the file's text */
	const char *description;
	const char *schedule; /* NULL = manual only */
	struct cron cron;
	const char *timezone;
	const struct tz *tz;
	bool has_start, has_end;
	int64_t start_date, end_date; /* seconds, UTC */
	bool catchup;
	int max_active_runs, max_active_tasks;
	const char **param_keys, **param_vals;
	size_t nparams;
	const char **pool_names;
	int *pool_slots;
	size_t npools;
	struct alerts alerts; /* run-level */
	/* sla: "HH:MM" — by that time of day (the pipeline's zone) a run of
	 * the pipeline must have succeeded that day, else on_sla_miss fires
	 * (once a day) */
	const char *sla;
	bool has_sla;
	int sla_min; /* minutes after local midnight */
	struct alert on_sla_miss;
	/* on_test_failure: a dbt task's data tests failed or errored (whether
	 * or not the task failed: a test of severity warn does not fail it) */
	struct alert on_test_failure;
	struct ystrlist tags;
	struct task_def *tasks;
	size_t ntasks;
	size_t *topo; /* task indexes in dependency order */
};

/* Parse a pipeline from text (file is used for locations and kept). */
int pipeline_parse(const char *file, const char *text, size_t len, struct arena *a,
		   struct pipeline **out, struct err *e);
int pipeline_load_file(const char *path, struct arena *a, struct pipeline **out, struct err *e);

/* What a pipeline's tasks name, checked against the project when a
 * pipeline is loaded, so a typo fails at load with its location instead of
 * after a task's retries. table: a load: entry ("source.table"); select: a
 * build/run/test/seed/snapshot task's selector (verb "build", ...), which
 * must match something. Each returns 0 when fine, else an ING_E* code with
 * e set: a message without a location gets the entry's file:line:col and
 * the task's id; an error that has its own location (a broken project
 * file) is passed on as it is. Names holding Jinja ({{ ... }}) are known
 * only at run time and are not checked. A NULL callback skips its check. */
struct pipeline_catalog {
	void *arg;
	int (*table)(void *arg, const char *name, struct err *e);
	int (*select)(void *arg, const char *verb, const char *select, const char *exclude,
		      struct err *e);
	/* a task's target: must be a target of the project's profile */
	int (*target)(void *arg, const char *name, struct err *e);
};
int pipeline_check(const struct pipeline *p, const struct pipeline_catalog *c, struct err *e);
/* Index of a task by id, or -1. */
int pipeline_task_index(const struct pipeline *p, const char *id);

#endif
