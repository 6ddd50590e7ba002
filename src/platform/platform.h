/*
 * platform/platform.h — the long-lived core below cmd/: one project
 * directory, its current project version, the target's warehouse handle
 * and a small pool of its connections, the orchestrator's hooks and the
 * run-history path. `ingot scheduler` and `ingot pipeline run` use it
 * today; `ingot serve` will.
 *
 * Calling sequence:
 *
 *     struct platform_opts po = {.project_dir = dir, .vars = c->g.vars};
 *     struct platform *pl;
 *     if (platform_open(&po, &pl, &e)) ...   // loads the project (if any)
 *     struct orch_opts o = {.project_dir = platform_dir(pl),
 *                           .lake_root = platform_lake_root(pl),
 *                           .hooks = platform_hooks(), .host = pl, ...};
 *     ... orch_open / orch_loop / orch_close ...
 *     platform_close(pl);                    // after every user is gone
 *
 * Project versions. The project is read from disk into a version; a
 * version is immutable and refcounted. Work takes the current one for its
 * whole duration and gives it back:
 *
 *     struct project *p = platform_project_acquire(pl); // NULL: none
 *     ... use p (and platform_db / the pool) ...
 *     platform_project_release(pl, p);
 *
 * Before it hands out a version, acquire checks (at most once a second;
 * platform_project_check does it at once) whether the files the project is
 * made of changed on disk: dbt_project.yml, the profiles.yml in use,
 * selectors.yml, packages.yml, dependencies.yml, every .yml/.yaml under
 * the model, seed, snapshot and analysis paths (sources and properties),
 * the .yml files in pipelines/ and dashboards/. The check is a stat
 * fingerprint (path, size, mtime in ns, inode, device), never a read. When
 * it changed, the project is loaded again and becomes current for new work;
 * work holding the old version keeps it until it releases it, and the last
 * release frees it. A version that fails to load is logged once (with its
 * file:line:col) and the old one stays current until the files change
 * again. SQL model files are not fingerprinted: transform reads them on
 * every invocation anyway.
 *
 * The warehouse. A version's target is opened lazily on first use
 * (platform_db) and shared by every version whose target is the same
 * (type, path, host, port, user, password, database, schema, settings,
 * ...). A reload that changes the target gives new work a new handle; the
 * old one (and its idle pooled connections) is closed when its last user
 * releases its version. The pool (platform_conn_get/put) keeps up to
 * PLATFORM_POOL_IDLE idle connections to the current target.
 *
 * Threads: every function may be called from any thread. The orchestrator
 * hooks run on its worker threads; builds run at once (each writes its own
 * target/runs/<id>/; writers of one relation take turns in transform).
 *
 * Errors name the file and what to do; nothing here exits or prints to
 * stdout (reload failures go to the log).
 */
#ifndef INGOT_PLATFORM_H
#define INGOT_PLATFORM_H

#include "core/err.h"
#include "orchestrate/orchestrate.h"

#include <stdbool.h>
#include <stdint.h>

struct project;
struct wh_db;
struct wh_conn;

#define PLATFORM_POOL_IDLE 4
/* acquire looks at the files at most this often (µs) */
#define PLATFORM_CHECK_INTERVAL_US 1000000

struct platform_opts {
	const char *project_dir;  /* NULL = cwd; made absolute */
	const char *profiles_dir; /* --profiles-dir */
	const char *target;       /* --target */
	const char *vars;         /* --vars text, passed to every dbt task */
	const char *lake_root;    /* --lake; NULL = the target's */
	/* The lake's quarantine folder (absolute; platform.yml's
	 * lake.quarantine) for load tasks (load_opts.quarantine); NULL = none */
	const char *quarantine;
	/* No dbt_project.yml is not an error (shell-only pipelines): the
	 * platform then has no project until one appears. Set to require one. */
	bool require_project;
	/* A project already loaded for this directory with these options
	 * (main.c's): it becomes the first version, borrowed (the caller frees
	 * it after platform_close). NULL = load it here. */
	struct project *project;
	/* For tests: the clock of the 1 s check throttle (µs); NULL = real. */
	int64_t (*now)(void);
};

struct platform;

/* Load the project (a failure to load an existing dbt_project.yml is an
 * error here; later reload failures are not). Strings in opts are copied. */
int platform_open(const struct platform_opts *o, struct platform **out, struct err *e);
/* Frees everything: the caller guarantees no version is still acquired and
 * no pooled connection is out. */
void platform_close(struct platform *pl);

const char *platform_dir(const struct platform *pl);
/* The lake root new work uses (--lake, else the current target's, else
 * <dir>/lake); valid until platform_close. */
const char *platform_lake_root(struct platform *pl);
/* <dir>/.ingot/state.db (orch_state_path). */
const char *platform_state_path(const struct platform *pl);
/* The --vars text (may be NULL). */
const char *platform_vars(const struct platform *pl);

/* The current version (NULL when the directory has no dbt_project.yml);
 * release every acquired one exactly once (NULL is fine). */
struct project *platform_project_acquire(struct platform *pl);
void platform_project_release(struct platform *pl, struct project *p);
/* Look at the files now. 0: the current version is up to date (reloaded
 * when it was not); < 0 with e set: the files changed and the new version
 * does not load (the old one stays current). *reloaded (may be NULL) says
 * whether a new version became current. */
int platform_project_check(struct platform *pl, bool *reloaded, struct err *e);
/* How many versions were loaded so far (1 after open); for logs and tests. */
unsigned platform_project_generation(struct platform *pl);

/* The data version: the clock of core/relver.h, which moves whenever a
 * relation is written — each table a load loads, each node a dbt verb
 * runs (failed or not), and everything at once for a write ingot cannot
 * attribute (a sql task, a hook, a command handed to this process whose
 * writes are not reported: platform_data_changed). Caches of query
 * results (dash/) key on the versions of the relations they read
 * (relver_get); this is for "anything changed". Process-wide. */
uint64_t platform_data_epoch(struct platform *pl);
void platform_data_changed(void);

/* The warehouse handle of the target of p (an acquired version), opened on
 * first use; valid while p is held. ING_ECONFIG when p is NULL. */
int platform_db(struct platform *pl, struct project *p, struct wh_db **db, struct err *e);

/* A connection to the current target from the pool (or a new one). Give it
 * back with platform_conn_put (kept idle when there is room and its target
 * is still current) or platform_conn_discard (closed: after an error or a
 * cancellation, when its session state is unknown). The connection keeps
 * its target's handle alive while it is out. Release any project version
 * you hold first: when a reload changed the target on the same database
 * file, the new handle waits for the old one's users. */
int platform_conn_get(struct platform *pl, struct wh_conn **conn, struct err *e);
void platform_conn_put(struct platform *pl, struct wh_conn *conn);
void platform_conn_discard(struct platform *pl, struct wh_conn *conn);
/* Idle connections in the pool (for tests). */
size_t platform_pool_idle(struct platform *pl);

/* The first failure of a task to reach the warehouse (ING_ECONNECT), moved
 * into e; 0 when there was none. A foreground run ends like any command
 * that cannot connect (exit 2, the same message). */
int platform_take_conn_error(struct platform *pl, struct err *e);

/* The orchestrator's hooks: load, dbt verbs, sql and the pipeline check,
 * with host = the platform. Each task acquires the current version for its
 * duration (checking the files first when it is the first task of a run). */
const struct orch_hooks *platform_hooks(void);

#endif
