/*
 * quality/quality.h — data tests the way dbt defines them: names, ids and
 * the SQL that runs them.
 *
 * Three pieces, each usable alone:
 *
 *  1. Names. A generic test declared in a properties file (`- unique` under
 *     a column, `- relationships: {to: ref('x'), field: id}`) gets dbt's
 *     names: the full name "<type>_<target>_<flattened args>" (type is the
 *     test name, prefixed "source_" for source tests and "<ns>_" for a
 *     namespaced test), a short name (first 30 chars of "<type>_<target>"
 *     + "_" + md5(full)) when the full name has 64 characters or more, and
 *     the unique id "test.<package>.<full>.<hash10>" where hash10 is the
 *     last ten hex digits of md5(full + repr(metadata)) with metadata the
 *     {namespace, name, kwargs} mapping rendered as Python's repr of a dict
 *     with sorted keys and every scalar turned to str (dbt's rule, so ids in
 *     our manifest equal dbt's).
 *
 *  2. Arguments. quality_parse_test reads one entry of a `tests:` /
 *     `data_tests:` list (a string, a one-key mapping, the `test_name:`
 *     form, and the `arguments:` form), splits the config keys (severity,
 *     where, limit, warn_if, error_if, store_failures, tags, enabled, meta,
 *     alias, schema, database, fail_calc, and the nested `config:`) from
 *     the macro's keyword arguments, and adds `column_name` and `model`.
 *
 *  3. SQL. quality_wrap_sql wraps a test's compiled query in dbt's
 *     failures / should_warn / should_error select; quality_where_subquery
 *     renders get_where_subquery's `(select * from R where W) dbt_subquery`.
 *     The generic tests themselves are Jinja macros (quality_builtin_macros
 *     returns their source) so that projects can override them the way
 *     they override dbt's (`test_unique`, `default__test_unique`, ...).
 *
 * Ownership: everything is allocated in the caller's arena.
 */
#ifndef INGOT_QUALITY_H
#define INGOT_QUALITY_H

#include "config/yaml.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One keyword argument of a generic test: the YAML value as written
 * (str_val set instead for the synthesized column_name / model). */
struct qt_kwarg {
	const char *key;
	const struct ynode *val; /* NULL when str_val is used */
	const char *str_val;
};

/* A parsed test entry. */
struct qt_def {
	const char *name;      /* "unique", "accepted_values", "expression_is_true" */
	const char *ns;        /* "dbt_utils" for dbt_utils.x, else NULL */
	const char *user_name; /* `name:` given by the user, else NULL */
	struct qt_kwarg *kw;   /* keyword args incl. column_name and model */
	size_t nkw;
	/* configs (NULL / -1 when not given) */
	const char *severity;  /* upper-cased: "ERROR" | "WARN" */
	const char *where, *warn_if, *error_if, *fail_calc, *alias, *schema, *database;
	const char *store_failures_as; /* "table" | "view" | "ephemeral" (unchecked) */
	const struct ynode *store_failures_as_node;
	int64_t limit;         /* -1 = none */
	int store_failures;    /* -1 unset, 0, 1 */
	int enabled;           /* -1 unset, 0, 1 */
	const struct ynode *tags, *meta;
	const struct ynode *node; /* the entry, for error locations */
	/* configs whose value holds Jinja (`enabled: "{{ target.type != 'x' }}"`):
	 * rendered by the host, as dbt renders them at parse time, then checked */
	struct {
		const char *key;
		const struct ynode *val;
	} jinja_cfg[8];
	size_t njinja_cfg;
};

/* What the test is attached to. */
struct qt_target {
	const char *name;     /* model/seed/snapshot name; for sources "<source>_<table>" */
	bool is_source;
	const char *source_name, *table_name; /* sources */
	int version;          /* model version, 0 = none */
	const char *column;   /* column test: its name; NULL for a model-level test */
};

/* Parse one entry of a tests list (see above). */
int quality_parse_test(const struct ynode *entry, const struct qt_target *t, struct arena *a,
		       struct qt_def *out, struct err *e);

/* Names: *short_name (alias, <64 chars) and *full_name (fqn/unique id). */
void quality_test_names(const struct qt_def *d, const struct qt_target *t, struct arena *a,
			const char **short_name, const char **full_name);
/* The 10-hex-digit suffix of the test's unique id. out needs 11 bytes. */
void quality_test_hash(const struct qt_def *d, const char *full_name, char out[11]);

/* Python repr of a str (the quoting dbt's hash sees). */
void quality_py_repr_str(struct buf *b, const char *s);
/* Python str() of a YAML scalar as PyYAML would type it ("True", "None",
 * "12", "1.5", text). */
const char *quality_py_str(const struct ynode *n, struct arena *a);

/* Jinja text of the keyword argument value as the macro receives it:
 * strings keep Jinja in them (rendered later), lists/maps as Jinja
 * literals. Used to build the test's raw_code call. */
void quality_kwarg_jinja(const struct qt_kwarg *k, struct buf *out);

/* dbt's test wrapper around a compiled test query. warn_if/error_if
 * default "!= 0"; limit < 0 = none; fail_calc default "count(*)". */
void quality_wrap_sql(struct buf *out, const char *main_sql, const char *fail_calc,
		      const char *warn_if, const char *error_if, int64_t limit);
/* get_where_subquery: relation text when where is NULL/empty, else
 * "(select * from REL where W) dbt_subquery". */
void quality_where_subquery(struct buf *out, const char *relation, const char *where);

/* Decide a test's status from failures/should_warn/should_error. */
enum qt_status { QT_PASS = 0, QT_WARN, QT_FAIL };
enum qt_status quality_status(const char *severity, bool should_warn, bool should_error);

/* Jinja source of the built-in generic tests (macros test_unique,
 * test_not_null, test_accepted_values, test_relationships and their
 * default__ implementations, plus get_where_subquery's helpers), parsed
 * into the "dbt" package. Static text. */
const char *quality_builtin_macros(void);

#endif
