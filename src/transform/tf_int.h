/*
 * transform/tf_int.h — what the files of transform/ share (internal).
 *
 * The parsed project (struct tf_proj) is a flat array of nodes (models,
 * seeds, snapshots, tests, analyses, sources, exposures) with dependency
 * indices, plus the Jinja environment holding every macro and template.
 * It is built once by tf_parse (parse.c), then read by selection,
 * compilation (context.c), execution (exec.c, materialize.c, seed.c,
 * snapshot.c) and artifacts (artifacts.c).
 *
 * Memory: everything hangs off proj->arena and the env's arena; per-node
 * compile output goes into per-node buffers freed with the project.
 * Threads: parsing is single-threaded. Execution renders on worker threads
 * under proj->render_lock (the Jinja env is one shared object); SQL runs
 * outside the lock on each worker's own connection.
 */
#ifndef INGOT_TRANSFORM_INT_H
#define INGOT_TRANSFORM_INT_H

#include "config/project.h"
#include "config/sources.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/map.h"
#include "core/vec.h"
#include "jinja/jinja.h"
#include "quality/quality.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum tf_rtype {
	TF_MODEL = 0,
	TF_SEED,
	TF_SNAPSHOT,
	TF_TEST,
	TF_ANALYSIS,
	TF_SOURCE,
	TF_EXPOSURE,
	TF_OPERATION,
	TF_UNIT_TEST, /* dbt 1.8 unit tests (unittest.c) */
	TF_SEMANTIC_MODEL, /* dbt's semantic layer (semantic.c): parsed and */
	TF_METRIC,         /* validated into the manifest and graph, never */
	TF_SAVED_QUERY,    /* compiled or run */
	TF_NRTYPES
};
static inline bool tf_is_semantic(enum tf_rtype t)
{
	return t == TF_SEMANTIC_MODEL || t == TF_METRIC || t == TF_SAVED_QUERY;
}
const char *tf_rtype_name(enum tf_rtype t); /* "model", "seed", ... */

enum tf_status {
	TF_ST_NONE = 0,
	TF_ST_SUCCESS, /* models, seeds, snapshots */
	TF_ST_PASS,    /* tests */
	TF_ST_WARN,
	TF_ST_FAIL,    /* test failed */
	TF_ST_ERROR,
	TF_ST_SKIPPED,
};

/* Where a ref()/source() call stands (file NULL: not from a template). */
struct tf_loc {
	const char *file;
	int line, col;
};

struct tf_ref {
	const char *package; /* NULL = any */
	const char *name;
	int version;         /* 0 = latest/none */
	struct tf_loc at;
};

struct tf_node {
	enum tf_rtype rtype;
	int idx;
	const char *unique_id;
	const char *name;
	const char *package;
	const char *path;               /* relative to its resource dir */
	const char *original_file_path; /* relative to the package root */
	const char *abs_path;
	const char *pkg_root;           /* absolute dir of its package */
	const char **fqn;
	size_t nfqn;
	const char *raw_code;
	size_t raw_len;
	const char *checksum;           /* sha256 hex of the file */
	struct jinja_template *tmpl;
	struct jinja_value config;      /* dict of resolved configs */
	struct jinja_value unrendered;  /* in-file config() kwargs */
	const char *materialized;
	bool enabled;
	const char *language;
	/* relation */
	const char *database, *schema, *alias;
	/* dependencies */
	VEC(struct tf_ref) refs;
	VEC(const char *) src_refs;     /* "source\0table" pairs flattened as 2 entries */
	VEC(struct tf_loc) src_at;      /* where each pair of src_refs was called */
	VEC(int) deps;                  /* node indices this node depends on */
	VEC(int) children;
	VEC(const char *) macro_deps;
	/* docs from properties files */
	const char *description;
	const struct ynode *columns;    /* the properties' columns: sequence */
	const struct ynode *props;      /* the properties entry */
	const char *props_file;
	struct jinja_value meta;        /* dict */
	/* tests */
	struct qt_def *test;            /* generic tests */
	int attached;                   /* node the test is on, -1 none */
	const char *column_name;
	const char *test_short;         /* alias/compiled file name */
	/* sources */
	const struct src_table *src;
	/* snapshots (block form) */
	const char *snapshot_body;
	/* exposures */
	const struct ynode *exposure;
	/* semantic models, metrics, saved queries: the properties entry */
	const struct ynode *sem;
	/* model versions (versions: in properties): its v, the model's
	 * latest_version (0 both: unversioned) and the version's entry */
	int model_version, latest_version;
	const struct ynode *vprops;
	/* compile + run state (written by the worker that owns the node) */
	char *compiled;
	bool compiled_ok;
	struct buf run_sql;             /* everything executed, for target/run */
	enum tf_status status;
	char *message;
	int64_t rows_affected;
	int64_t failures;
	int64_t started_us, compiled_us, done_us;
	double exec_time;
	const char *adapter_code;       /* "CREATE VIEW", "SELECT", "INSERT" ... */
	int thread_id;
	bool selected;
	int err_line;
	/* ephemerals referenced (for CTE injection) */
	VEC(int) ephemerals;
	/* state-aware builds (reuse.c), owned by the worker running the node
	 * until it is done, then read by its children */
	char *reuse_fp; /* fingerprint of its inputs; NULL: unknown */
	char *version;  /* data version of its relation; NULL: unknown */
	bool reused;
	/* tests checked on an incremental model's new rows (inctest.c): on
	 * the model, the tests it checks and whether a hook wrote it since;
	 * on a test, the check found nothing (set by the model's worker
	 * before the test can start) and the check's SQL */
	VEC(int) inc_tests;
	bool inc_void;
	bool proved;
	bool proof_later; /* proof_sql runs when the test does (a parent's keys) */
	char *proof_sql;
	/* what this run did to the node's relation, for the relationships
	 * tests that name it as their parent (inctest.c): it was written (a
	 * build was attempted), a hook statement named it, and the columns
	 * whose every value an incremental run kept ("*": all, append; the
	 * unique_key of delete+insert or merge, "\x1f"-separated; NULL:
	 * none known) */
	bool written, hook_named;
	char *kept_keys;
	/* unit tests: the properties entry is props; the tested model is
	 * attached (unittest.c) */
	/* microbatch models: run_results' batch_results ([start, end] pairs
	 * as JSON arrays, malloc'd) and whether some batches succeeded */
	char *batch_ok, *batch_failed;
	bool partial;
};

/* A group (groups: in properties files): owns private models. */
struct tf_group {
	const char *unique_id, *name, *package, *path, *original_file_path, *description;
	const struct ynode *owner; /* mapping: name/email/... */
};

/* A relation of the --state manifest, for --defer. */
struct tf_deferred {
	const char *database, *schema, *alias;
};

struct tf_macro_info {
	const char *unique_id; /* macro.<pkg>.<name> */
	const char *name, *package, *path, *original_file_path;
	const char *raw;
	size_t raw_len;
};

struct tf_doc {
	const char *unique_id, *name, *package, *path, *original_file_path;
	const char *text;
};

struct tf_package {
	const char *name;
	const char *root;   /* absolute */
	const struct ynode *yml;
	bool is_root;
	struct project_paths paths;
};

struct tf_proj {
	struct project *p;
	struct arena *arena;
	struct jinja_env *env;
	const struct target *target;
	const char *engine; /* the target's type: adapter.dispatch prefix; the dialect via wh_adapter_for */
	struct wh_db *db;
	/* compile connects when a render first asks the warehouse something
	 * (is_incremental(), run_query, adapter.get_relation, ...): a
	 * project whose models ask nothing never opens it (do_compile,
	 * render_conn in context.c; under render_lock) */
	bool conn_on_demand, conn_tried;
	struct wh_conn *conn_demanded;
	struct source_set sources;
	VEC(struct tf_node *) nodes;
	struct strmap by_id;       /* unique_id -> node */
	struct strmap model_names; /* name -> node (models, seeds, snapshots) */
	struct strmap latest;      /* "model.<pkg>.<name>" of a versioned model -> its latest version */
	VEC(struct tf_group) groups;
	VEC(struct tf_package) packages;
	VEC(struct tf_macro_info) macros;
	VEC(struct tf_doc) docs;
	struct jinja_value vars;      /* root vars (dict) */
	struct jinja_value cli_vars;  /* --vars (dict) */
	struct jinja_value pkg_vars;  /* package name -> dict */
	const struct ynode *on_run_start, *on_run_end;
	struct jinja_value dispatch;  /* dispatch config: macro_namespace -> list of search packages */
	const char *invocation_id;
	int64_t run_started_us;
	bool full_refresh;
	int threads;                  /* the run's worker threads (microbatch batches share them) */
	bool have_et_start, have_et_end; /* --event-time-start / --event-time-end */
	int64_t et_start, et_end;     /* UTC µs */
	const struct transform_opts *opts;
	pthread_mutex_t render_lock;
	struct arena *render_arena; /* reused by the outermost render (under render_lock) */
	int render_depth;
	/* relation cache: "schema.name" (lower) -> kind+1 */
	pthread_mutex_t rel_lock;
	struct strmap rel_cache;
	struct strmap rel_schemas; /* schemas whose relations are cached */
	struct strmap created_schemas;
	/* statement results by name, per render (see context.c) */
	bool have_generate_schema, have_generate_alias, have_generate_database;
	struct strmap deferred;    /* --defer: unique_id -> struct tf_deferred (from --state) */
	struct tf_writer *writer; /* background writer of compiled/ and run/, or NULL */
	/* where this run's artifacts go (<target>/runs/<id>, runs.c); NULL:
	 * the run writes none (ls, write_artifacts false) */
	const char *art_dir;
	struct err parse_errors; /* first non-fatal parse error */
	int nparse_errors;
	/* dbt's parse warnings (unused config paths, properties of missing
	 * nodes), one line each, malloc'd; transform_invoke prints them */
	VEC(char *) warnings;
	struct strmap cfg_used; /* dbt_project.yml config-tree maps some node's path reached */
	struct tf_reuse *reuse; /* state-aware builds (reuse.c); NULL: every node is built */
	struct strmap render_cache; /* render(): source text -> compiled template (ctxfns.c) */
	/* partial parsing (pparse.c): NULL when off; the parse renders run
	 * and the nodes whose cached parse was reused instead */
	struct tf_pp *pp;
	int pp_rendered, pp_reused;
	/* build, run, test without --no-reuse/--full-refresh: tests of an
	 * incremental model may be checked on its new rows (inctest.c) */
	bool prove_tests;
};

/* What a render is about (the render's user pointer). */
struct tf_render {
	struct tf_proj *tp;
	struct tf_node *node;   /* NULL for hooks/operations */
	bool execute;           /* execute=True: run_query etc. reach the db */
	bool parsing;           /* config()/ref() record into the node */
	struct wh_conn *conn;   /* NULL when not executing */
	struct jinja_value results; /* statement results dict */
	struct jinja_value ctx;     /* the render context */
	struct err *err;
	struct buf *log;        /* SQL executed (for target/run) */
	const struct tf_unit_ovr *unit; /* a unit test's render of its model: fixtures, overrides */
	/* a microbatch batch (materialize.c): ref()/source() of inputs that
	 * declare event_time read [batch_start, batch_end) only */
	bool batch;
	int64_t batch_start, batch_end; /* UTC µs */
	/* rendered only to be looked at (a hook's text for the build state,
	 * reuse.c): a statement that writes is refused, log() is quiet */
	bool pure;
};

/* ---- pparse.c: partial parsing (see there) ---- */
/* Compute the global key and read the cache; sets tp->pp (or leaves it
 * NULL when off). Call after every node, macro and properties file is
 * known, before the parse renders. */
int tf__pp_begin(struct tf_proj *tp);
/* true: n's cached parse was valid and applied (no render needed) */
bool tf__pp_reuse(struct tf_proj *tp, struct tf_node *n);
/* around a parse render of n that tf__pp_reuse declined */
void tf__pp_record_begin(struct tf_proj *tp, struct tf_node *n);
void tf__pp_record_end(struct tf_proj *tp, struct tf_node *n, bool rendered_ok);
/* from the render's natives: an env var read (value NULL: unset), a config() call
 * (op 'u': the in-file config dict made; 'k': a keyword; 'd': a key of a dict argument) */
void tf__pp_note_env(struct tf_proj *tp, const char *name, const char *value);
void tf__pp_note_config(struct tf_proj *tp, char op, const char *key, struct jinja_value v);
/* write the cache (when it changed); tf__pp_free releases it */
void tf__pp_end(struct tf_proj *tp);
void tf__pp_free(struct tf_proj *tp);
/* context.c, for the keys and the replay */
struct jinja_value tf__node_dict(struct tf_proj *tp, struct tf_node *n, struct arena *a);
struct jinja_value tf__target_dict(struct tf_proj *tp, struct arena *a);
void tf__config_apply(struct tf_proj *tp, struct tf_node *n, char op, const char *key,
		      struct jinja_value v);

/* ---- parse.c ---- */
int tf_parse(struct project *p, struct wh_db *db, const struct transform_opts *o,
	     struct tf_proj **out, struct err *e);
void tf_proj_free(struct tf_proj *tp);
struct tf_node *tf_find_ref(struct tf_proj *tp, const struct tf_node *from, const char *pkg,
			    const char *name, int version);
/* The nearest existing model/seed/snapshot name, or source as "src.table",
 * to a name that was not found (for "did you mean"); NULL when none is close. */
const char *tf__nearest_ref(struct tf_proj *tp, const char *name);
const char *tf__nearest_source(struct tf_proj *tp, const char *source, const char *table);
/* a new node appended to tp->nodes (parse.c), not yet registered */
struct tf_node *tf__node_new(struct tf_proj *tp, enum tf_rtype t, const char *pkg,
			     const char *name);
struct tf_node *tf_find_source(struct tf_proj *tp, const char *source, const char *table);
/* YAML → Jinja value (scalars typed as YAML 1.2 core), in arena a. */
struct jinja_value tf_yaml_value(struct arena *a, const struct ynode *n);
/* config lookups */
const char *tf_cfg_str(const struct tf_node *n, const char *key, const char *dflt);
bool tf_cfg_bool(const struct tf_node *n, const char *key, bool dflt);
/* Where a test keeps its failing rows: "table", "view", or NULL (not kept:
 * store_failures false, or store_failures_as ephemeral). */
const char *tf_test_store_as(const struct tf_node *n);
struct jinja_value tf_cfg(const struct tf_node *n, const char *key);

/* ---- context.c ---- */
int tf_context_setup(struct tf_proj *tp, struct err *e);
/* Render a node's template with the full context; result in *out. */
int tf_render_node(struct tf_proj *tp, struct tf_node *n, bool parsing, bool execute,
		   struct wh_conn *conn, struct buf *out, struct err *e);
/* The execution render of one microbatch batch: ref()/source() of inputs
 * whose config has event_time read [start, end) only; model.batch is set. */
int tf_render_batch(struct tf_proj *tp, struct tf_node *n, struct wh_conn *conn, int64_t start,
		    int64_t end, struct buf *out, struct err *e);
/* Render a free-standing string (hooks, --inline) in the context of n. */
int tf_render_string(struct tf_proj *tp, struct tf_node *n, const char *name, const char *src,
		     struct wh_conn *conn, bool execute, struct buf *out, struct err *e);
/* As tf_render_string with execute, but only to see the text a hook will
 * run (reuse.c): a statement that would write (run_query, statement,
 * adapter.drop_relation, ...) fails the render instead of running, and
 * log() prints nothing. Reads run. */
int tf_render_string_pure(struct tf_proj *tp, struct tf_node *n, const char *name,
			  const char *src, struct wh_conn *conn, struct buf *out, struct err *e);
/* Relation text for a node (quoted database.schema.identifier). */
void tf_relation_text(struct tf_proj *tp, const char *database, const char *schema,
		      const char *ident, struct buf *out);
void tf_node_relation(struct tf_proj *tp, const struct tf_node *n, struct buf *out);
/* dbt's CTE injection of ephemeral models into compiled SQL. */
int tf_inject_ctes(struct tf_proj *tp, struct tf_node *n, struct buf *sql, struct err *e);
/* Resolve database/schema/alias with the generate_* macros. */
int tf_resolve_relation(struct tf_proj *tp, struct tf_node *n, struct err *e);
/* Relation kind from the cache (querying the db on a miss). */
enum wh_rel_kind tf_rel_kind(struct tf_proj *tp, struct wh_conn *c, const char *schema,
			     const char *name);
void tf_rel_set(struct tf_proj *tp, const char *schema, const char *name, enum wh_rel_kind k);

/* ---- unittest.c: dbt 1.8 unit tests ---- */
/* What a unit test changes in its model's render (context.c reads it). */
struct tf_unit_ovr {
	struct strmap inputs;      /* unique_id of a ref'd node or source -> CTE name */
	const char *this_cte;      /* `input: this` (incremental models), or NULL */
	struct jinja_value vars;   /* overrides.vars (dict) or none */
	struct jinja_value env;    /* overrides.env_vars (dict) or none */
	struct jinja_value macros; /* overrides.macros (dict) or none */
};
/* The tested model of every unit test (after configs and enabled are known). */
void tf_unit_resolve(struct tf_proj *tp);
/* Run a unit test on c: status PASS or FAIL (message holds the diff). */
int tf_run_unit_test(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e);
/* Render model n with a unit test's fixtures and overrides. */
int tf_render_node_unit(struct tf_proj *tp, struct tf_node *n, const struct tf_unit_ovr *u,
			struct wh_conn *conn, struct buf *out, struct err *e);

/* ---- globalmacros.c: dbt's global macros written in Jinja ---- */
const char *tf_global_macros(void);

/* ---- crossdb.c ---- */
void tf_crossdb_register(struct tf_proj *tp);

/* ---- materialize.c ---- */
int tf_materialize(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e);
int tf_exec_sql(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *sql,
		int64_t *rows, struct err *e);
int tf_ensure_schema(struct tf_proj *tp, struct wh_conn *c, const char *schema, struct err *e);
/* One hook's source: rendered in n's context (n NULL: the run's, for
 * on-run-start/end); when execute (and c), what it renders to is run,
 * unless blank. */
int tf_run_hook(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *key,
		const char *src, bool execute, struct err *e);
/* The SQL of hooks[i] (a string, or a mapping's `sql`) copied into a;
 * NULL when it has none. */
const char *tf_hook_sql(struct jinja_value hooks, size_t i, struct arena *a);
/* The node's hooks under key ("pre-hook", "post-hook") in order. */
int tf_run_hooks(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *key,
		 bool execute, struct err *e);

/* ---- seed.c ---- */
int tf_seed(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e);

/* ---- snapshot.c ---- */
int tf_snapshot(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e);

/* ---- testrun.c ---- */
int tf_run_test(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e);

/* ---- reuse.c: state-aware builds (see the top of reuse.c) ---- */
struct tf_reuse;
/* Read _ingot.build_state and the load versions; sets tp->reuse. */
int tf_reuse_load(struct tf_proj *tp, struct wh_conn *c, struct err *e);
/* After n compiled: its fingerprint; with allow, true when it can be
 * reused (then n->version is its stored version; its relation was checked
 * to exist on c). */
bool tf_reuse_check(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, bool allow);
/* n was run: ok = it succeeded (a test: passed or warned). */
void tf_reuse_done(struct tf_proj *tp, struct tf_node *n, bool ok);
/* Write this run's changes to _ingot.build_state, in one transaction. */
int tf_reuse_save(struct tf_proj *tp, struct wh_conn *c, struct err *e);
/* Free the state and the nodes' fingerprints and versions. */
void tf_reuse_free(struct tf_proj *tp);
/* Whether n has a row in the build state this run read. */
bool tf_reuse_has_state(struct tf_proj *tp, const struct tf_node *n);
/* Whether test t passed on input m (and m2, may be NULL) as they were
 * before this run: t's stored fingerprint is the one it has with their
 * versions before this run. */
bool tf_reuse_passed_before(struct tf_proj *tp, struct tf_node *t, const struct tf_node *m,
			    const struct tf_node *m2, struct wh_conn *c);
/* Delete the build state rows of these nodes now (not at the run's end). */
int tf_reuse_forget_nodes(struct wh_conn *c, struct tf_node *const *nodes, size_t n, struct err *e);

/* ---- inctest.c: tests checked on an incremental model's new rows ---- */
/* Before m's first statement: the tests of m that its run may check on
 * its new rows (their build state rows are deleted: see inctest.c). */
int tf_inctest_begin(struct tf_proj *tp, struct tf_node *m, struct wh_conn *c, struct err *e);
/* A hook statement of m ran (m may be NULL): one that names m's relation
 * other than to delete from it voids the checks. */
void tf_inctest_hook(struct tf_node *m, const char *sql);
/* After m's incremental run committed: which columns kept every value
 * (strategy and unique_key as it ran; overwrite: insert_overwrite). */
void tf_inctest_kept(struct tf_node *m, const char *strategy, const char **keys, size_t nkeys,
		     bool overwrite);
/* Whether m's incremental run should keep its new rows for the checks. */
bool tf_inctest_wanted(const struct tf_node *m);
/* After m's incremental commit: check each test on newrows (a relation);
 * key (may be NULL): a column whose every row the new rows replaced. */
void tf_inctest_prove(struct tf_proj *tp, struct tf_node *m, struct wh_conn *c, const char *newrows,
		      const char *key);
/* Test t: true when it passed by its check (status, message and run/
 * listing set); false: run it. */
bool tf_inctest_passed(struct tf_proj *tp, struct tf_node *t, struct wh_conn *c);

/* ---- artifacts.c ---- */
int tf_write_manifest(struct tf_proj *tp, struct err *e);
int tf_write_run_results(struct tf_proj *tp, const char *verb, double elapsed, struct err *e);
int tf_write_catalog(struct tf_proj *tp, struct wh_conn *c, struct err *e);
struct jw;
void tf_json_value(struct jw *w, struct jinja_value v);
/* A node's config as the manifest writes it (hooks as {sql, transaction,
 * index} objects): state:modified compares the two, so both use this. */
void tf_config_json(struct jw *w, struct jinja_value cfg);
/* The background writer of compiled/ and run/ listings (artifacts.c):
 * start before the workers, finish (drains the queue) after them. */
struct tf_writer *tf_writer_start(void);
int tf_writer_finish(struct tf_writer *w, struct err *e);
int tf_write_node_file(struct tf_proj *tp, struct tf_node *n, const char *tree, const char *sql,
		       struct err *e);

/* ---- runs.c ---- */
/* One run's artifact directory <target>/runs/<id>/ (see runs.c). */
struct tf_run_dir {
	char id[64];
	char *dir;   /* malloc'd; NULL when the run writes no artifacts */
	int lock_fd; /* the flock on <dir>/.running while the run lives, or -1 */
	pthread_t pruner; /* deleting old runs (tf_run_prune_start) when pruning */
	bool pruning;
};
/* Start deleting old run directories (all but the newest
 * TF_RUNS_TO_KEEP - 1 not in progress) on a thread of its own; tf_run_end
 * waits for it. Call before tf_run_begin, when the run will write
 * artifacts. */
void tf_run_prune_start(struct tf_run_dir *rd, const char *target);
/* Create the run id and directory (and hold its in-progress lock). */
int tf_run_begin(struct tf_run_dir *rd, const char *target, struct err *e);
/* Publish the run's artifacts as the latest in target/. */
int tf_run_publish(struct tf_run_dir *rd, const char *target, struct err *e);
/* Wait for the pruner, release the in-progress lock and free (the
 * directory stays). */
void tf_run_end(struct tf_run_dir *rd);


#endif
