/*
 * config/sources.h — dbt `sources:` from a project's properties files.
 *
 * sources_load reads every *.yml / *.yaml under the project's model paths
 * (project->paths.model, recursively), and decodes the `sources:` key of
 * each into struct source / struct src_table / struct src_column. Other
 * top-level keys of properties files (version:, models:, seeds:,
 * snapshots:, macros:, exposures:, metrics:, ...) belong to other modules
 * and are ignored here; a file that is not a mapping or has no sources: is
 * skipped.
 *
 * What is interpreted (dbt's format, plus dbt-external-tables' `external`
 * property that ingot's loader uses):
 *
 *   sources:
 *     - name: raw                    # required
 *       schema: bronze               # default: the source name
 *       database: ...                # default: NULL (the target's)
 *       loader, description, loaded_at_field, freshness, meta, tags, config
 *       tables:
 *         - name: order_items        # required
 *           identifier: ...          # default: name
 *           description, loaded_at_field, freshness, meta, tags, config,
 *           tests / data_tests       # kept as ynode for the quality module
 *           external:
 *             location: "order_items/x_NNN.csv" # a glob under the lake root
 *             options: {header, skip_leading_rows, delimiter, quote, escape,
 *                       null_marker, timestamp_format, date_format,
 *                       write_disposition, max_bad_records, max_record_bytes,
 *                       max_quoted_lines, max_quoted_bytes, allow_empty,
 *                       require_final_newline, min_file_age,
 *                       loaded_at_column}
 *           columns:
 *             - {name: id, data_type: INT64, description: ..., tests: [...]}
 *
 * Unknown keys inside a source, table, column, external or options mapping
 * are errors with a "did you mean" and the file:line:col (documented dbt
 * keys that ingot does not use are accepted). A (source, table) pair
 * declared twice is an error naming both places.
 *
 * Ownership: everything lives in the arena passed to sources_load (strings,
 * arrays and the YAML trees the ynode pointers point into). Free that arena
 * to free the set. A set is read-only after loading and may be shared by
 * threads.
 *
 * Calling sequence:
 *     struct source_set ss;
 *     if (sources_load(project, arena, &ss, &e)) ...
 *     const struct src_table *t = sources_find(&ss, "raw", "order_items");
 *     for (size_t i = 0; i < ss.n; i++) for (size_t j = 0; j < ss.items[i].ntables; j++) ...
 */
#ifndef INGOT_CONFIG_SOURCES_H
#define INGOT_CONFIG_SOURCES_H

#include "config/project.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct source;

struct src_column {
	const char *name;
	const char *data_type;   /* as written (INT64, numeric(10,2), ...), NULL = undeclared */
	const char *description; /* "" when absent */
	const struct ynode *tests; /* `data_tests:` or `tests:` (a sequence), NULL when absent */
	const struct ynode *meta, *tags, *config; /* NULL when absent */
	const struct ynode *node; /* the column's mapping */
};

enum src_write_disposition {
	SRC_WRITE_TRUNCATE = 0, /* default: the table is replaced by the files' rows */
	SRC_WRITE_APPEND,       /* new files' rows are added; loaded files skipped */
};

#define SRC_DEFAULT_MAX_RECORD_BYTES (16u << 20)

struct src_external_options {
	bool header;           /* default true: the first row names the columns */
	int skip_leading_rows; /* default -1 = unset (header ? 1 : 0) */
	char delimiter;        /* default ',' ("\t" and "tab" accepted) */
	char quote;            /* default '"'; 0 = no quoting */
	char escape;           /* default = quote (RFC 4180 doubling); may be '\\' */
	const char *null_marker; /* default NULL: an empty unquoted field is NULL */
	const char *timestamp_format; /* NULL = ISO-8601 and BigQuery export forms */
	const char *date_format;      /* NULL = YYYY-MM-DD */
	enum src_write_disposition write_disposition;
	int64_t max_bad_records;  /* default 0 */
	int64_t max_record_bytes; /* default SRC_DEFAULT_MAX_RECORD_BYTES */
	int64_t max_quoted_lines; /* default 0 = the reader's (CSV_MAX_QUOTED_LINES) */
	int64_t max_quoted_bytes; /* default 0 = the reader's (CSV_MAX_QUOTED_BYTES) */
	bool allow_empty;           /* default false: truncate mode never loads zero files */
	bool require_final_newline; /* default true: a file not ending in a newline is
				     * still being written and waits for a later run */
	int64_t min_file_age_us;    /* default 0; "30s", "5m", "1h": younger files wait */
	/* default NULL; a name: the loaded table gets one more column of that
	 * name, a TIMESTAMP holding its load's time (load/table.c) */
	const char *loaded_at_column;
};

struct src_external {
	const char *location; /* glob relative to the lake root (required) */
	struct src_external_options options;
	const struct ynode *node;
};

struct src_table {
	const struct source *source;
	const char *name;
	const char *identifier; /* the relation's name; default: name */
	const char *description; /* "" when absent */
	const char *loaded_at_field; /* table's, else the source's, else NULL */
	const struct ynode *freshness; /* table's, else the source's, else NULL */
	const struct ynode *tests;     /* table-level data_tests/tests */
	const struct ynode *meta, *tags, *config;
	struct src_column *columns;
	size_t ncolumns;
	const struct src_external *external; /* NULL: not loaded by ingot */
	const struct ynode *node;
};

struct source {
	const char *name;
	const char *schema;   /* default: name */
	const char *database; /* NULL = the target's */
	const char *loader;   /* "" when absent */
	const char *description;
	const char *loaded_at_field;
	const struct ynode *freshness, *meta, *tags, *config;
	struct src_table *tables;
	size_t ntables;
	const char *file; /* the properties file */
	const struct ynode *node;
};

struct source_set {
	struct source *items;
	size_t n;
};

/* Load every source of the project (see above). On error *out is empty. */
int sources_load(const struct project *p, struct arena *a, struct source_set *out,
		 struct err *e);

/* Decode the `sources:` value of one properties file (a sequence) and add
 * its sources to set (arrays grow in arena a). Used by sources_load and by
 * tests; `root` is a whole properties file's mapping. */
int sources_add_file(struct source_set *set, const struct ynode *root, struct arena *a,
		     struct err *e);

/* Lookup; NULL when absent. */
const struct source *sources_find_source(const struct source_set *s, const char *source);
const struct src_table *sources_find(const struct source_set *s, const char *source,
				     const char *table);

/* Count all tables (for sizing). */
size_t sources_count_tables(const struct source_set *s);

#endif
