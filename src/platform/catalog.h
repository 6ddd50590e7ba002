/*
 * platform/catalog.h — the catalog of a parsed dbt project: what a data
 * catalog page shows (nodes, columns, tests and their last status, lineage,
 * last results, row counts), for `ingot catalog` now and the server next.
 *
 * Source of truth: the artifacts transform writes under the project's
 * target/ (the latest run's copies): manifest.json (v12) for the nodes,
 * columns, SQL and edges; run_results.json for the last results;
 * catalog.json (from `docs generate`) for warehouse column types when no
 * warehouse is given. cat_load makes a fresh manifest first when there is
 * none, or when dbt_project.yml, profiles.yml or a file (.sql .yml .yaml
 * .csv .md) under the project's *-paths folders or installed packages is
 * newer than it (the lake's files are not looked at): transform's
 * `compile` verb, run without a warehouse (is_incremental() is false
 * there; nothing in the warehouse is read or written). Its manifest has no compiled code, so
 * compiled SQL then comes from target/compiled/ (compile writes it).
 *
 * With a warehouse (db not NULL), each source, model, seed and snapshot
 * relation is introspected: its kind, its columns' warehouse types (merged
 * with the declared columns by name, case-insensitively; undeclared ones are
 * appended) and, for tables, count(*) as the row count (views are not
 * counted: counting one runs its whole query). A relation that does not
 * exist yet is not an error (exists = false).
 *
 * Last results are those of the latest run_results.json: a node the last
 * command did not select has none (as in dbt docs).
 *
 * Ownership: everything hangs off the catalog (one arena) until cat_free.
 * Hits and lineages are malloc'd by the call that returns them.
 */
#ifndef INGOT_PLATFORM_CATALOG_H
#define INGOT_PLATFORM_CATALOG_H

#include "config/project.h"
#include "core/err.h"
#include "core/json.h"
#include "warehouse/warehouse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Resource types, as bits so a search can ask for several. */
enum cat_type {
	CAT_SOURCE = 1 << 0,
	CAT_MODEL = 1 << 1,
	CAT_SEED = 1 << 2,
	CAT_SNAPSHOT = 1 << 3,
	CAT_TEST = 1 << 4,
	CAT_EXPOSURE = 1 << 5,
	CAT_ANALYSIS = 1 << 6,
	CAT_OTHER = 1 << 7, /* operations and types newer than this reader */
	CAT_ALL = 0xff,
};
const char *cat_type_name(enum cat_type t); /* dbt's resource_type: "model" */
/* A space- or comma-separated list of type names -> bits; 0 + ING_EINVAL
 * naming the choices for an unknown one. */
int cat_types_parse(const char *list, unsigned *out, struct err *e);

struct cat_result {
	bool present;         /* the latest run_results.json has this node */
	const char *status;   /* "success" "error" "pass" "fail" "warn" "skipped" */
	const char *completed_at; /* ISO-8601 UTC, or NULL */
	double execution_time; /* seconds */
	const char *message;  /* or NULL */
	int64_t failures;     /* tests: failing rows; -1 = none reported */
};

struct cat_node;

struct cat_column {
	const char *name;
	const char *description; /* "" when none */
	const char *data_type;   /* declared (properties file), or NULL */
	const char *wh_type;     /* the warehouse's, when introspected, or NULL */
	const struct cat_node **tests; /* tests on this column */
	size_t ntests;
};

struct cat_node {
	const char *unique_id;
	enum cat_type type;
	const char *name;        /* sources: the table name */
	const char *source_name; /* sources only, else NULL */
	const char *label;       /* "source_name.name" for sources, else name */
	const char *package;
	const char *path;        /* original_file_path */
	const char *description; /* "" when none */
	const char *materialized; /* config.materialized, or NULL */
	const char *database, *schema, *alias; /* alias: sources' identifier */
	const char *relation_name; /* quoted "schema"."alias", or NULL */
	const char **tags;
	size_t ntags;
	const char *raw_sql, *compiled_sql; /* NULL when unknown */
	struct cat_column *columns;
	size_t ncolumns;
	/* tests: what is tested (the test's attached node and column) */
	const char *test_name;   /* generic test name ("unique"), NULL = singular */
	const char *column_name; /* NULL = the whole node */
	const struct cat_node *attached;
	/* tests attached to this node (column tests included) */
	const struct cat_node **tests;
	size_t ntests;
	/* lineage: depends_on, both directions */
	const struct cat_node **parents, **children;
	size_t nparents, nchildren;
	struct cat_result last;
	/* warehouse (introspected when cat_load had a db) */
	bool introspected;  /* the relation was looked up */
	bool exists;        /* ... and found */
	const char *relation_kind; /* "table" | "view" | NULL */
	int64_t row_count;  /* -1 = unknown */
};

struct catalog {
	struct arena *arena;
	const char *project_name;
	const char *generated_at;  /* the manifest's */
	const char *results_at;    /* run_results.json's, or NULL */
	struct cat_node **nodes;   /* sorted by unique_id */
	size_t nnodes;
	void *index;               /* private: unique_id -> node */
};

/* Load the catalog of project p (see the header comment). db may be NULL
 * (no introspection). 0, or ING_E* with e saying which artifact failed and
 * what to run. */
int cat_load(struct project *p, struct wh_db *db, struct catalog **out, struct err *e);
void cat_free(struct catalog *cat);

/* By unique_id; NULL when absent. */
const struct cat_node *cat_node(const struct catalog *cat, const char *unique_id);
/* By unique_id, or by name (sources also "source_name.name"): a name
 * several nodes share other than tests wins over tests; still ambiguous
 * is ING_EINVAL listing the unique ids; none is ING_ENOTFOUND. */
int cat_find(const struct catalog *cat, const char *id_or_name, const struct cat_node **out,
	     struct err *e);

/* Search, ranked: exact name (case-insensitive) 0 > name prefix 1 > name
 * substring 2 > description substring 3 (empty text: every node, rank 4);
 * ties by resource type (sources,
 * models, seeds, snapshots, exposures, analyses, tests) then unique_id.
 * types: CAT_* bits, 0 = all. limit 0 = all. *hits is malloc'd. */
struct cat_hit {
	const struct cat_node *node;
	int rank;
};
void cat_search(const struct catalog *cat, const char *text, unsigned types, size_t limit,
		struct cat_hit **hits, size_t *n);

/* The lineage around a node: the node (depth 0), its ancestors up to
 * up_depth steps (depth -1, -2, ...) and descendants up to down_depth steps
 * (1, 2, ...); a negative limit is no limit. Tests are left out (they are
 * listed on their nodes). Edges are (parent, child) pairs between nodes of
 * the walk that the walk followed. Free with cat_lineage_free. */
struct cat_lnode {
	const struct cat_node *node;
	int depth;
};
struct cat_edge {
	const struct cat_node *from, *to;
};
struct cat_lineage {
	struct cat_lnode *nodes; /* by depth, then unique_id */
	size_t nnodes;
	struct cat_edge *edges;
	size_t nedges;
};
int cat_lineage(const struct catalog *cat, const char *unique_id, int up_depth, int down_depth,
		struct cat_lineage *out, struct err *e);
void cat_lineage_free(struct cat_lineage *l);

/* JSON for the API and `ingot catalog -o json` (one object each). */
void cat_node_json(const struct cat_node *n, struct jw *w);
void cat_hits_json(const struct cat_hit *hits, size_t n, struct jw *w);
void cat_lineage_json(const struct cat_lineage *l, struct jw *w);

#endif
