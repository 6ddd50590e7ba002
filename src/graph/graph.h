/*
 * graph/graph.h — the dependency graph of a project, its scheduler, and
 * dbt's node selector language.
 *
 * A graph holds nodes (models, seeds, snapshots, tests, sources, exposures,
 * analyses, pipeline tasks ...) identified by dbt unique_ids
 * ("model.shop.stg_orders", "test.shop.not_null_orders_id.1a2b3c4d5e") and
 * edges "child depends on parent". On top of it:
 *
 *   - cycle detection that names the cycle in order;
 *   - a topological order and a thread-safe ready queue for N workers, with
 *     dbt's failure semantics (a failed node skips its descendants; with
 *     GRAPH_SCHED_BUILD a failing test skips what is downstream of the node
 *     it tests) and dbt's tie-break (shallowest level first, then unique_id);
 *   - dbt's selector language: `--select/--exclude` strings (space = union,
 *     comma = intersection, `+m`, `m+`, `2+m`, `m+3`, `@m`, globs, methods
 *     tag: path: file: fqn: package: source: exposure: metric: semantic_model:
 *     saved_query: config.X:
 *     resource_type: test_name: test_type: group: access: state: result:)
 *     with indirect test selection (eager, cautious, buildable, empty), and
 *     YAML selectors (selectors.yml) that the host parses into a small tree.
 *
 * This module knows nothing of YAML, Jinja or warehouses (it uses core
 * only): the host (transform/, orchestrate/) parses the project and adds
 * nodes and edges; graph answers questions about them.
 *
 * Calling sequence:
 *
 *     struct graph *g = graph_new();
 *     struct graph_node n = {.type = GRAPH_MODEL, .unique_id = "model.shop.orders",
 *                            .package = "shop", .name = "orders", .fqn = fqn, .nfqn = 3,
 *                            .path = "models/marts/orders.sql", .user = my_model};
 *     graph_add_node(g, &n, &idx, &err);            ... every node
 *     graph_add_dep(g, "model.shop.orders", "model.shop.stg_orders", &err);   ... every edge
 *     graph_check_cycles(g, NULL, NULL, &err);      -> "Found a cycle: a --> b --> a"
 *     struct graph_set sel;
 *     graph_select(g, sel_argv, nsel, excl_argv, nexcl, &opts, &sel, &err);
 *     struct graph_sched *s;
 *     graph_sched_new(g, &sel, GRAPH_SCHED_BUILD, &s, &err);
 *     worker threads: while (graph_sched_take(s, &job)) { run or skip job.idx;
 *                                                         graph_sched_done(s, job.idx, r); }
 *     graph_sched_free(s); graph_set_free(&sel); graph_free(g);
 *
 * Ownership: graph_add_node copies every string and array of the node it is
 * given into the graph (the caller may free its own copy); `user` is kept as
 * is and never freed. Pointers returned by graph_node() and the adjacency
 * queries live as long as the graph (adding nodes may move them: take them
 * again after adding).
 *
 * Threads: building (add_node/add_edge) is single-threaded. After
 * graph_seal() (or the first query, which seals implicitly), every read-only
 * query and graph_select may run from several threads at once. A scheduler
 * is fully thread-safe. Adding to a sealed graph unseals it.
 *
 * Node indexes (uint32_t) are dense, 0..graph_count()-1, in insertion order;
 * they index graph_set bitsets. GRAPH_NONE means "no node".
 */
#ifndef INGOT_GRAPH_GRAPH_H
#define INGOT_GRAPH_GRAPH_H

#include "core/err.h"
#include "core/map.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRAPH_NONE UINT32_MAX

/* ---------------------------------------------------------------- nodes */

/* Resource types, named as dbt names them (graph_rtype_name). */
enum graph_rtype {
	GRAPH_MODEL,
	GRAPH_SEED,
	GRAPH_SNAPSHOT,
	GRAPH_TEST,      /* data tests: generic and singular */
	GRAPH_UNIT_TEST, /* dbt 1.8 unit tests */
	GRAPH_SOURCE,
	GRAPH_EXPOSURE,
	GRAPH_METRIC,
	GRAPH_ANALYSIS,
	GRAPH_OPERATION, /* hooks (on-run-start/end) */
	GRAPH_TASK,      /* a pipeline task (orchestrate/) */
	GRAPH_SEMANTIC_MODEL, /* dbt's semantic layer: parsed, never run */
	GRAPH_SAVED_QUERY,
	GRAPH_NTYPES
};
#define GRAPH_TYPE_BIT(t) (1u << (t))

/* "model", "seed", "snapshot", "test", "unit_test", "source", "exposure",
 * "metric", "analysis", "operation", "task", "semantic_model", "saved_query". */
const char *graph_rtype_name(enum graph_rtype t);
/* Inverse of graph_rtype_name; ING_ENOTFOUND for an unknown name. */
int graph_rtype_parse(const char *name, enum graph_rtype *out);

enum graph_test_kind {
	GRAPH_TEST_NONE,     /* not a data test */
	GRAPH_TEST_GENERIC,  /* unique, not_null, ... from a properties file */
	GRAPH_TEST_SINGULAR, /* a .sql file under tests/ */
};

/* One config attribute, flattened: "materialized" -> "table",
 * "meta.owner" -> "ana". A list value is one entry per item under the same
 * key; booleans are "true"/"false". Matched by `config.KEY:VALUE`. */
struct graph_kv {
	const char *key, *val;
};

/*
 * Fingerprints of a node for `state:` selection, computed by the host in the
 * same way for the current project and for the previous manifest (--state).
 * A NULL field compares equal only to NULL.
 */
struct graph_fp {
	const char *body;         /* checksum of the file/definition: modified.body */
	const char *configs;      /* hash of the resolved config: modified.configs */
	const char *relation;     /* "database.schema.identifier": modified.relation */
	const char *descriptions; /* persisted docs: modified.persisted_descriptions */
	const char *contract;     /* enforced contract: modified.contract */
};

struct graph_node {
	uint32_t idx; /* set by graph_add_node; ignored on input */
	enum graph_rtype type;
	const char *unique_id; /* required, unique */
	const char *package;   /* package_name; required */
	const char *name;      /* required; for sources the table name */
	const char *const *fqn;
	size_t nfqn;            /* dbt fqn: [package, folders..., name] */
	const char *path;       /* original_file_path relative to the project root */
	const char *patch_path; /* yml file that describes the node (relative), or NULL */
	const char *const *tags;
	size_t ntags;
	const struct graph_kv *config;
	size_t nconfig;
	const char *materialized; /* also matches config.materialized: when not in config */
	bool disabled;            /* enabled: false; never selected */
	const char *source_name;  /* sources: the source's name ("raw" of raw.orders) */
	enum graph_test_kind test_kind;
	const char *test_name;     /* generic tests: "unique", "accepted_values", ... */
	const char *attached_node; /* tests: unique_id of the node the test is defined on */
	const char *access;        /* models: "private", "protected", "public" or NULL */
	const char *group;         /* config group, or NULL */
	struct graph_fp fp;        /* for state: selection */
	bool macros_modified;      /* host: a macro this node calls changed vs --state */
	void *user;                /* the host's object; never touched */
};

struct graph;

struct graph *graph_new(void);
void graph_free(struct graph *g);

/* Add a node (copied). ING_EINVAL when unique_id/name/package is missing,
 * ING_EEXIST when the unique_id is taken. *idx (may be NULL) gets its index. */
int graph_add_node(struct graph *g, const struct graph_node *n, uint32_t *idx,
		   struct err *e);
size_t graph_count(const struct graph *g);
const struct graph_node *graph_node(const struct graph *g, uint32_t idx);
/* Index of a unique_id, or GRAPH_NONE. */
uint32_t graph_find(const struct graph *g, const char *unique_id);

/* ---------------------------------------------------------------- edges */

/* child depends on parent. Repeated edges are kept once. A self edge is
 * kept (it is a cycle and graph_check_cycles reports it). */
void graph_add_edge(struct graph *g, uint32_t child, uint32_t parent);
/* The same by unique_id; ING_ENOTFOUND names the id that is missing. */
int graph_add_dep(struct graph *g, const char *child_uid, const char *parent_uid,
		  struct err *e);
/* Sort adjacency lists (by unique_id, like dbt's parent_map/child_map) so
 * the graph can be read from several threads. Idempotent. */
void graph_seal(struct graph *g);
/* Direct parents / children of a node, sorted by unique_id, no repeats.
 * Returns the count; *out points into the graph. Seals the graph. */
size_t graph_parents(struct graph *g, uint32_t idx, const uint32_t **out);
size_t graph_children(struct graph *g, uint32_t idx, const uint32_t **out);

/*
 * Find a cycle. 0 when the graph is acyclic. Otherwise ING_EINVAL with
 * "Found a cycle: model.p.a --> model.p.b --> model.p.a" in e (data-flow
 * order, as dbt prints it: each node is a parent of the next, the last a
 * parent of the first) and, when cycle is non-NULL, a malloc'd array of the
 * node indexes in that order (the first not repeated) in *cycle / *n. The
 * cycle reported is the same on every run.
 */
int graph_check_cycles(struct graph *g, uint32_t **cycle, size_t *n, struct err *e);

/* ---------------------------------------------------------------- sets */

/* A set of node indexes (a bitset). A zeroed struct is a valid empty set of
 * capacity 0; graph_set_init sizes it for a graph. Caller-owned. */
struct graph_set {
	uint64_t *w;
	uint32_t n; /* capacity in bits (= graph_count when sized) */
};
#define GRAPH_SET_INIT {NULL, 0}

void graph_set_init(struct graph_set *s, uint32_t n);
void graph_set_free(struct graph_set *s);
void graph_set_clear(struct graph_set *s);
void graph_set_fill(struct graph_set *s); /* every index < n */
void graph_set_copy(struct graph_set *dst, const struct graph_set *src);
static inline bool graph_set_has(const struct graph_set *s, uint32_t i)
{
	return i < s->n && (s->w[i >> 6] >> (i & 63)) & 1;
}
static inline void graph_set_add(struct graph_set *s, uint32_t i)
{
	s->w[i >> 6] |= (uint64_t)1 << (i & 63);
}
static inline void graph_set_del(struct graph_set *s, uint32_t i)
{
	s->w[i >> 6] &= ~((uint64_t)1 << (i & 63));
}
/* dst op= src; both sized for the same graph. */
void graph_set_union(struct graph_set *dst, const struct graph_set *src);
void graph_set_intersect(struct graph_set *dst, const struct graph_set *src);
void graph_set_subtract(struct graph_set *dst, const struct graph_set *src);
bool graph_set_equal(const struct graph_set *a, const struct graph_set *b);
size_t graph_set_count(const struct graph_set *s);
/* Smallest member >= from, or GRAPH_NONE:
 *     for (uint32_t i = graph_set_next(s, 0); i != GRAPH_NONE; i = graph_set_next(s, i + 1)) */
uint32_t graph_set_next(const struct graph_set *s, uint32_t from);
/* out = the nodes whose type bit is in mask (GRAPH_TYPE_BIT(...) | ...). */
void graph_set_of_types(const struct graph *g, uint32_t mask, struct graph_set *out);
/* Add to out the ancestors (descendants) of the members of from, up to
 * depth edges away (depth < 0: unlimited). Members of from are added only
 * when they are themselves reachable. out must be sized; may not be from. */
void graph_ancestors(struct graph *g, const struct graph_set *from, int depth,
		     struct graph_set *out);
void graph_descendants(struct graph *g, const struct graph_set *from, int depth,
		       struct graph_set *out);

/*
 * Topological order of the members of `only` (NULL: every node), in the
 * order a one-thread scheduler runs them: by level (longest path from a
 * root, through unselected nodes too), then by unique_id — dbt's order.
 * *order is malloc'd. ING_EINVAL with the cycle named when there is one.
 */
int graph_toposort(struct graph *g, const struct graph_set *only, uint32_t **order,
		   size_t *n, struct err *e);

/* ---------------------------------------------------------------- selection */

enum graph_indirect {
	GRAPH_INDIRECT_EAGER,     /* a test is selected when ANY parent is (default) */
	GRAPH_INDIRECT_CAUTIOUS,  /* ... when ALL its parents are */
	GRAPH_INDIRECT_BUILDABLE, /* ... when all parents are selected or upstream of the selection */
	GRAPH_INDIRECT_EMPTY,     /* only tests selected directly */
};
/* "eager" | "cautious" | "buildable" | "empty"; ING_EINVAL otherwise. */
int graph_indirect_parse(const char *s, enum graph_indirect *out, struct err *e);

/* The previous manifest for state: (unique_id -> fingerprints). */
struct graph_state;
struct graph_state *graph_state_new(void);
/* Record a node of the previous manifest (strings copied). */
void graph_state_put(struct graph_state *st, const char *unique_id, const struct graph_fp *fp);
void graph_state_free(struct graph_state *st);

struct graph_sel_opts {
	enum graph_indirect indirect; /* for --select; --exclude is always eager, as in dbt */
	uint32_t types;               /* keep only these types (GRAPH_TYPE_BIT); 0 = all */
	const char *root_package;     /* what `package:this` means; NULL: no `this` */
	const struct graph_state *state; /* NULL: state: selectors are an error */
	/* unique_id -> status string of the previous run_results.json ("success",
	 * "error", "fail", "warn", "skipped", "pass"), values are const char *.
	 * NULL: result: selectors are an error. */
	const struct strmap *results;
	/* Called for each space-separated criterion (of --select and --exclude)
	 * that matched no enabled node, so the host can warn as dbt does. */
	void (*on_empty)(void *ctx, const char *criterion);
	void *ctx;
};

/*
 * Evaluate dbt's --select/--exclude. select/exclude are the argument values
 * as given (each may hold several space-separated criteria). nselect == 0
 * selects every node (dbt's default). The result is written to *out, which
 * the call initialises (free it with graph_set_free, also after a failure).
 * Disabled nodes are never selected.
 *
 * Errors (ING_EINVAL, message naming the criterion): unknown method, bad
 * graph operator, invalid test_type/resource_type/state value, a state: or
 * result: selector without state/results. ING_EUNSUPPORTED for dbt methods
 * ingot does not implement (version, source_status, semantic_model,
 * saved_query, unit_test, wildcard). A criterion that matches nothing is not
 * an error (on_empty is called).
 */
int graph_select(struct graph *g, const char *const *select, size_t nselect,
		 const char *const *exclude, size_t nexclude, const struct graph_sel_opts *o,
		 struct graph_set *out, struct err *e);

/*
 * A YAML selector definition (selectors.yml), built by the host from YAML:
 *
 *   "tag:nightly+"                         -> {.kind = GRAPH_SELDEF_CLI, .text = ...}
 *   {tag: nightly} / {method: tag, value: nightly, children: true,
 *    children_depth: 2, indirect_selection: cautious}
 *                                          -> {.kind = GRAPH_SELDEF_METHOD, ...}
 *   {union: [a, b, {exclude: [c, d]}]}     -> {.kind = GRAPH_SELDEF_UNION,
 *                                              .items = {a, b}, .exclude = UNION{c, d}}
 *   {intersection: [...]}                  -> GRAPH_SELDEF_INTERSECTION
 *   {method: ..., value: ..., exclude: [...]} -> METHOD with .exclude
 *
 * A CLI string is one criterion (no space/comma splitting), as in dbt.
 * `method: selector, value: other` is resolved by the host (it inlines the
 * other selector's tree). Depths: 0 = unlimited. `where` ("selectors.yml:12:7")
 * prefixes error messages when set.
 */
enum graph_seldef_kind {
	GRAPH_SELDEF_CLI,
	GRAPH_SELDEF_METHOD,
	GRAPH_SELDEF_UNION,
	GRAPH_SELDEF_INTERSECTION,
};

struct graph_seldef {
	enum graph_seldef_kind kind;
	const char *text;   /* CLI */
	const char *method; /* METHOD: "tag", "config.materialized", ...; NULL = default rules */
	const char *value;  /* METHOD */
	bool parents, children, childrens_parents;
	int parents_depth, children_depth; /* 0 = unlimited */
	bool indirect_set;                 /* indirect_selection: given (else from the options) */
	enum graph_indirect indirect;
	const struct graph_seldef *const *items; /* UNION / INTERSECTION */
	size_t nitems;
	const struct graph_seldef *exclude; /* optional: subtracted from this definition */
	const char *where;
};

/* Evaluate a YAML selector definition; out as for graph_select. */
int graph_select_def(struct graph *g, const struct graph_seldef *def,
		     const struct graph_sel_opts *o, struct graph_set *out, struct err *e);

/* ---------------------------------------------------------------- scheduling */

enum graph_sched_flags {
	/* dbt build: a test runs before the nodes downstream of all the nodes
	 * it tests, and a failing test skips them. */
	GRAPH_SCHED_BUILD = 1 << 0,
	/* Among ready nodes prefer the one with the longest path to the end
	 * (then dbt's order); default is dbt's order (level, unique_id). */
	GRAPH_SCHED_CRITICAL_PATH = 1 << 1,
	/* Do not skip descendants of failures: every node is handed out when
	 * its parents are finished, whatever their outcome; the caller decides
	 * (pipeline trigger rules) with graph_sched_status on the parents. */
	GRAPH_SCHED_NO_SKIP = 1 << 2,
};

enum graph_run {
	GRAPH_RUN_PENDING,
	GRAPH_RUN_RUNNING, /* handed out, not done */
	GRAPH_RUN_OK,
	GRAPH_RUN_FAILED,
	GRAPH_RUN_SKIPPED,
};

struct graph_job {
	uint32_t idx;
	bool skip;      /* an upstream node failed: report a skip, do not run */
	uint32_t cause; /* skip: the failed node that caused it */
};

struct graph_sched;

/*
 * A scheduler over the members of `nodes` (NULL: every node; normally the
 * selection restricted to the types the command runs, via opts.types). Dependencies through
 * nodes outside the set still order the members (a -> x -> c with x not in
 * the set: c waits for a), as in dbt. ING_EINVAL (cycle named) when the
 * members cannot be ordered. Seals the graph.
 */
int graph_sched_new(struct graph *g, const struct graph_set *nodes, unsigned flags,
		    struct graph_sched **out, struct err *e);
/*
 * Take the next ready node, blocking while none is ready and some are
 * running. false when every node has been handed out (or after cancel).
 * Ready nodes come out by the scheduler's priority, so with one thread the
 * order is graph_toposort's. A job with skip set must still be passed to
 * graph_sched_done (any result; it is recorded as skipped).
 */
bool graph_sched_take(struct graph_sched *s, struct graph_job *job);
/* Non-blocking: 1 = got a job, 0 = none ready now, -1 = nothing left. */
int graph_sched_try_take(struct graph_sched *s, struct graph_job *job);
/* Report a finished node: GRAPH_RUN_OK, GRAPH_RUN_FAILED (descendants are
 * skipped unless NO_SKIP) or GRAPH_RUN_SKIPPED (so are they). */
void graph_sched_done(struct graph_sched *s, uint32_t idx, enum graph_run result);
/* Fail fast: hand out nothing more; waiting takers return false. */
void graph_sched_cancel(struct graph_sched *s);
enum graph_run graph_sched_status(struct graph_sched *s, uint32_t idx);
size_t graph_sched_total(const struct graph_sched *s);
/* Nodes never handed out because of a cancel. */
size_t graph_sched_unstarted(struct graph_sched *s);
/* The scheduler's parents of a member (direct members upstream, after
 * collapsing non-members and adding build test edges), sorted by index. */
size_t graph_sched_parents(const struct graph_sched *s, uint32_t idx, const uint32_t **out);
void graph_sched_free(struct graph_sched *s);

#endif
