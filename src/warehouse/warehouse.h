/*
 * warehouse/warehouse.h — the adapter interface: one API, many engines.
 *
 * Callers use only the wh_* functions below; each engine (duckdb.c,
 * postgres.c) is a `const struct wh_adapter` reached through them
 * (see adapter.h). Differences between engines are capability bits
 * (wh_has) and the dialect functions (wh_sql_*), never `if duckdb` checks
 * in callers: a new engine is a new adapter, with no edit outside
 * warehouse/ (the profile validation in config/ aside).
 *
 * Objects and their lifetimes:
 *   struct wh_db    one per process per target. DuckDB: the open database
 *                   file (one process may hold it for writing). PostgreSQL:
 *                   the connection parameters. Thread-safe.
 *   struct wh_conn  one per thread. Statements on one conn are sequential.
 *                   wh_cancel(conn) may be called from another thread.
 *   struct wh_result  a fully materialized query result; owns its memory
 *                   (one arena); free with wh_result_free.
 *   struct wh_appender  a bulk load into one table on one conn.
 *
 * Types. Values cross the interface in these representations:
 *   WH_BOOL bool, WH_INT64 int64, WH_DOUBLE double,
 *   WH_DECIMAL __int128 unscaled with (precision, scale) on the column,
 *              in results also as text,
 *   WH_TEXT UTF-8 bytes + length, WH_DATE int32 days since 1970-01-01,
 *   WH_TIMESTAMP int64 µs since epoch, an instant in UTC
 *              (DuckDB TIMESTAMP; PostgreSQL timestamptz, session TZ = UTC),
 *   WH_DATETIME int64 µs, civil time without zone (timestamp on both),
 *   WH_OTHER   anything else (lists, intervals, json...), as text.
 * Logical type names from BigQuery (INT64, FLOAT64, STRING, BOOL, NUMERIC,
 * BIGNUMERIC, TIMESTAMP, DATETIME, DATE), standard SQL and the engines are
 * parsed by wh_type_parse and rendered per engine by wh_type_sql.
 *
 * Errors: every function returns 0 or a negative ING_E* code and fills the
 * caller's struct err with the engine's message (ING_EDB for SQL errors).
 * Passwords never appear in messages.
 */
#ifndef INGOT_WAREHOUSE_H
#define INGOT_WAREHOUSE_H

#include "config/project.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

struct cancel;

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum wh_type {
	WH_NULL = 0,
	WH_BOOL,
	WH_INT64,
	WH_DOUBLE,
	WH_DECIMAL,
	WH_TEXT,
	WH_DATE,
	WH_TIMESTAMP,
	WH_DATETIME,
	WH_OTHER,
};

const char *wh_type_name(enum wh_type t); /* "int64", "timestamp", ... */

/* A logical column type (DDL). */
struct wh_ltype {
	enum wh_type type;
	int precision, scale; /* WH_DECIMAL; 0 = engine default */
	int length;           /* WH_TEXT with VARCHAR(n); 0 = unbounded */
};

/* Parse "INT64", "numeric(10,2)", "varchar(20)", "timestamp with time zone",
 * "TIMESTAMPTZ", "bool", ... Unknown names are ING_EINVAL with a message
 * listing the families accepted. */
int wh_type_parse(const char *name, struct wh_ltype *out, struct err *e);

struct wh_value {
	enum wh_type type; /* WH_NULL for NULL */
	union {
		bool b;
		int64_t i;
		double d;
		int32_t date;
		int64_t ts; /* WH_TIMESTAMP / WH_DATETIME */
		struct {
			const char *p;
			size_t n;
		} s; /* WH_TEXT, WH_OTHER, and WH_DECIMAL in results */
	} v;
};

/* Convenience constructors for parameters. */
static inline struct wh_value wh_null(void) { struct wh_value x = {WH_NULL, {0}}; return x; }
static inline struct wh_value wh_int(int64_t i) { struct wh_value x = {WH_INT64, {.i = i}}; return x; }
static inline struct wh_value wh_dbl(double d) { struct wh_value x = {WH_DOUBLE, {.d = d}}; return x; }
static inline struct wh_value wh_bool(bool b) { struct wh_value x = {WH_BOOL, {.b = b}}; return x; }
struct wh_value wh_text(const char *s); /* borrowed */
static inline struct wh_value wh_ts(int64_t us) { struct wh_value x = {WH_TIMESTAMP, {.ts = us}}; return x; }

struct wh_result {
	size_t ncols, nrows;
	const char **names;
	enum wh_type *types;
	const char **type_names; /* the engine's own type names */
	struct wh_value *cells;  /* row-major, nrows * ncols */
	int64_t rows_affected;   /* DML: rows changed; -1 unknown */
	struct arena *arena;     /* owns all of the above */
};

static inline const struct wh_value *wh_cell(const struct wh_result *r, size_t row, size_t col)
{
	return &r->cells[row * r->ncols + col];
}
void wh_result_free(struct wh_result *r);
/* Render a value as text the way `ingot show` prints it (NULL -> ""),
 * timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]", doubles shortest round-trip. */
void wh_value_text(const struct wh_value *v, struct buf *out);

/* ---- capabilities ----
 * What an engine can do that another cannot; callers ask wh_has instead of
 * comparing engine names. Every bit has a reader: the comment names it. A
 * bit nobody reads is removed rather than kept "for later" (TRANSACTIONAL_DDL,
 * SCHEMAS, CREATE_OR_REPLACE_TABLE and DELETE_USING went that way: every
 * engine so far has the first two, and transform writes neither of the
 * last two); an engine that lacks something callers rely on adds its bit
 * together with the caller that reads it. Values are stable. */
enum wh_caps {
	WH_CAP_MERGE = 1 << 0,             /* MERGE INTO (incremental merge strategy) */
	WH_CAP_BULK_APPEND = 1 << 2,       /* native bulk path (appender / COPY): wh_append_* */
	WH_CAP_MULTI_PROCESS = 1 << 4,     /* several processes may write at once (else one
					      process owns the database: the warehouse hand-off) */
	WH_CAP_COMMENTS = 1 << 5,          /* COMMENT ON (persist_docs) */
	WH_CAP_GRANTS = 1 << 6,            /* GRANT/REVOKE, roles (grants config) */
	WH_CAP_CANCEL = 1 << 7,            /* wh_cancel interrupts a running statement */
	WH_CAP_BOUND_VIEWS = 1 << 10,      /* views bind to the tables they read: such a
					      table cannot be dropped or swapped under them
					      (loads and seeds drop dependents ... cascade) */
	WH_CAP_STREAM_INSERT = 1 << 11,    /* wh_stream_insert: one INSERT fed by batches,
					      the engine's storage work on its own threads */
	WH_CAP_ANALYZE = 1 << 12,          /* ANALYZE <table> gathers the planner's statistics
					      (loads run it on what they loaded; an engine
					      that samples on its own leaves the bit off) */
	WH_CAP_KEYS_IN = 1 << 13,          /* DELETE/UPDATE take no alias and no correlated
					      subquery: transform writes `(keys) in (select
					      keys ...)` and stages joined updates (ClickHouse) */
	WH_CAP_EXCHANGE = 1 << 14,         /* EXCHANGE TABLES a AND b swaps two tables
					      atomically: table rebuilds use it instead of
					      drop-and-rename */
	WH_CAP_PARTITIONS = 1 << 15,       /* tables have partitions that a statement can
					      replace whole (incremental insert_overwrite:
					      wh_sql_replace_partitions) */
	WH_CAP_NO_ROLLBACK = 1 << 16,      /* writes are not transactional: wh_rollback
					      undoes nothing, so a microbatch batch is
					      computed into a table before its window is
					      deleted (a failing batch query then leaves
					      the target as it was) (ClickHouse) */
};

struct wh_db;
struct wh_conn;
struct wh_appender;

/* Open the target's engine (selected by target->type). The target must
 * outlive the db. */
int wh_open(const struct target *t, struct wh_db **out, struct err *e);
/* wh_open for a caller that only loads files (ingot load): an engine may
 * then accept a server whose SQL is too old for builds (ClickHouse < 22);
 * builds still open with wh_open and are refused there. */
int wh_open_loads(const struct target *t, struct wh_db **out, struct err *e);
/* wh_open for a caller with work of its own to do before it needs the
 * database (`ingot build` parses the project): the engine may go on
 * opening on a thread of its own (DuckDB reads the file's catalog) while
 * the caller works. wh_ready waits for that open and returns its error,
 * as wh_open would have; the db's other functions wait for it too, and a
 * connect returns the same error. Names, quoting and capabilities are
 * known at once. */
int wh_open_beside(const struct target *t, struct wh_db **out, struct err *e);
/* wh_open for a caller that may never need the database (`ingot compile`
 * of models that ask nothing of it): the engine may put the slow part of
 * the open off until the first wh_ready or connect (DuckDB reads the
 * file's catalog then), and wh_close of a db never used opens nothing.
 * Names, quoting and capabilities are known at once. */
int wh_open_deferred(const struct target *t, struct wh_db **out, struct err *e);
int wh_ready(struct wh_db *db, struct err *e);
void wh_close(struct wh_db *db);
const char *wh_engine_name(const struct wh_db *db); /* the adapter's name: the profile type ("duckdb") */
/* The linked DuckDB library's version ("v1.4.4"), without opening anything. */
const char *wh_duckdb_library_version(void);
/* Names of the engines compiled in, comma-separated ("duckdb, postgres"). */
const char *wh_engines_available(void);
/* Has the engine named type ("duckdb", "postgres") all of caps, without
 * opening anything? false for an engine not compiled in. */
bool wh_engine_has(const char *type, unsigned caps);
bool wh_has(const struct wh_db *db, unsigned caps);
const struct target *wh_target(const struct wh_db *db);
/* This open of a warehouse, unique within the process (1, 2, ...; never
 * reused, unlike its address): what a caller remembers about one open
 * warehouse is keyed by it. */
uint64_t wh_db_serial(const struct wh_db *db);

int wh_connect(struct wh_db *db, struct wh_conn **out, struct err *e);
void wh_disconnect(struct wh_conn *c);
struct wh_db *wh_conn_db(const struct wh_conn *c);

/* Engine version text, e.g. "v1.4.4" or "PostgreSQL 15.18". */
int wh_version(struct wh_conn *c, struct buf *out, struct err *e);

/* Run one or more statements; no result rows. rows_affected may be NULL. */
int wh_exec(struct wh_conn *c, const char *sql, struct err *e);
int wh_exec_count(struct wh_conn *c, const char *sql, int64_t *rows_affected, struct err *e);
/* Run one statement with $1..$n parameters; materialize the result. */
int wh_query(struct wh_conn *c, const char *sql, const struct wh_value *params, size_t nparams,
	     struct wh_result **out, struct err *e);
int wh_begin(struct wh_conn *c, struct err *e);
/* COMMIT; on failure the transaction is rolled back (the connection is
 * then outside any transaction and reusable) and the error returned. A
 * COMMIT the engine turned into a ROLLBACK is an error. Test hook: with
 * INGOT_TEST_FAIL_COMMIT set, every COMMIT fails as a full disk would. */
int wh_commit(struct wh_conn *c, struct err *e);
/* Serialize writers of one relation across processes and hosts: an
 * exclusive lock on (schema, name) held until the current transaction
 * ends. PostgreSQL: pg_advisory_xact_lock on a hash of the relation;
 * engines with a single writer per database: nothing to do. */
int wh_lock_relation(struct wh_conn *c, const char *schema, const char *name, struct err *e);
int wh_rollback(struct wh_conn *c, struct err *e); /* never fails silently; safe to call after an error */
/* Interrupt what is running on c (from another thread). */
int wh_cancel(struct wh_conn *c);
/* Tie c to a cancel token (core/cancel.h), or untie it (tok NULL). While
 * tied, a request on tok interrupts the statement running on c (wh_cancel),
 * and keeps re-sending the interrupt every 100 ms while that statement
 * runs, so a request that lands just before the engine starts a statement
 * is not lost. Every later statement, append batch or stream insert on c
 * fails at once; a statement that fails after the request returns the
 * token's status (ING_ECANCELED / ING_ETIMEOUT) with its reason. Only
 * wh_rollback still runs: a cancelled unit of work rolls back and stops.
 * The token must outlive the tie; wh_disconnect unties. */
void wh_conn_set_cancel(struct wh_conn *c, struct cancel *tok);

/* ---- dialect ---- */
void wh_quote_ident(const struct wh_db *db, const char *ident, struct buf *out);
void wh_quote_literal(const struct wh_db *db, const char *s, struct buf *out);
/* "schema"."name" (schema may be NULL). */
/* The longest identifier (bytes) the engine keeps, 0 = no limit.
 * PostgreSQL cuts longer names silently, so that two long names can name
 * one relation: callers refuse names longer than this. */
size_t wh_max_ident(const struct wh_db *db);
/* A relation name derived from base, as base + suffix ("orders" +
 * "__dbt_tmp"), that fits the engine: when it would be too long, base is
 * cut and "_" + 8 hex digits of a hash of the whole base are put before
 * the suffix, so different bases still give different names. */
void wh_derived_name(const struct wh_db *db, const char *base, const char *suffix,
		     struct buf *out);
/* 0, or ING_ECONFIG with "<what> '<name>' is N bytes; PostgreSQL keeps at
 * most 63 ..." when name is longer than wh_max_ident (callers add where). */
int wh_check_ident(const struct wh_db *db, const char *what, const char *name, struct err *e);
void wh_relation_sql(const struct wh_db *db, const char *schema, const char *name, struct buf *out);
void wh_type_sql(const struct wh_db *db, const struct wh_ltype *t, struct buf *out);

/* ---- dialect of models (dialect.c) ----
 *
 * The SQL text that differs per engine in what transform/ writes: dbt's
 * cross-database macros (type_string, dateadd, datediff, hash, safe_cast,
 * listagg, any_value, current_timestamp), the column types ingot declares
 * itself (seed columns inferred from CSV, snapshot metadata), and the
 * status text of a finished statement. transform/ renders SQL before or
 * without opening the warehouse (`ingot compile`), so these take the
 * engine (`struct wh_adapter`, opaque outside warehouse/) rather than a db:
 * wh_adapter_for(target->type) or wh_db_adapter(db). Each engine writes
 * only what differs from the standard SQL defaults in dialect.c; a NULL
 * adapter (an unknown type) gets the defaults. PostgreSQL's dialect is
 * known even in an ingot built without libpq. The returned strings are
 * static; the rendering functions append to out.
 */
struct wh_adapter;
/* The engine of a profile type ("duckdb"), or NULL when no such engine is
 * compiled in or registered (adapter.h). */
const struct wh_adapter *wh_adapter_for(const char *type);
const struct wh_adapter *wh_db_adapter(const struct wh_db *db);
/* The profile type an adapter answers to ("duckdb"); "" for NULL. */
const char *wh_adapter_name(const struct wh_adapter *ad);

enum wh_sqltype {
	WH_SQLT_STRING,
	WH_SQLT_INT,
	WH_SQLT_BIGINT,
	WH_SQLT_FLOAT,
	WH_SQLT_NUMERIC,
	WH_SQLT_TIMESTAMP, /* without time zone */
	WH_SQLT_BOOLEAN,
	WH_SQLT_DATE,
	WH_SQLT_N
};
/* What dbt's type_string(), type_int(), ... macros return ("VARCHAR"). */
const char *wh_sql_macro_type(const struct wh_adapter *ad, enum wh_sqltype t);
/* The type of a column ingot creates itself (dbt's adapter.convert_*_type:
 * seed columns inferred from CSV, snapshot metadata). */
const char *wh_sql_column_type(const struct wh_adapter *ad, enum wh_sqltype t);
/* current_timestamp(): an expression for "now". */
const char *wh_sql_current_timestamp(const struct wh_adapter *ad);
/* A statement limiting each later statement of the current transaction
 * to ms milliseconds (PostgreSQL: SET LOCAL statement_timeout), appended
 * to out; ING_EUNSUPPORTED (out untouched) when the engine has none. Read
 * by dash/ (dashboard queries). */
int wh_sql_local_timeout(const struct wh_adapter *ad, int ms, struct buf *out);
/* dateadd(datepart, interval, from): part is a bare word ("day"), n and d
 * SQL expressions. */
void wh_sql_dateadd(const struct wh_adapter *ad, const char *part, const char *n, const char *d,
		    struct buf *out);
/* datediff(first, second, datepart): second - first in whole parts.
 * ING_EINVAL (naming the part) when the engine cannot express the part. */
int wh_sql_datediff(const struct wh_adapter *ad, const char *first, const char *second,
		    const char *part, struct buf *out, struct err *e);
/* hash(field): md5 hex text of the field cast to the string type. */
void wh_sql_hash(const struct wh_adapter *ad, const char *field, struct buf *out);
/* safe_cast(field, type): NULL instead of an error where the engine can. */
void wh_sql_safe_cast(const struct wh_adapter *ad, const char *field, const char *type,
		      struct buf *out);
/* any_value(expr): one value of the group. */
void wh_sql_any_value(const struct wh_adapter *ad, const char *expr, struct buf *out);
/* bool_or(expr): true when expr is true on some row of the group. */
void wh_sql_bool_or(const struct wh_adapter *ad, const char *expr, struct buf *out);
/* Why the engine cannot run incremental_strategy 'merge' and what to use
 * instead, or NULL when it can (MERGE INTO, or delete+insert to the same
 * effect). */
const char *wh_sql_merge_refusal(const struct wh_adapter *ad);
/* listagg(measure, delimiter, order_by_clause, limit_num); order_by and
 * limit may be NULL. */
void wh_sql_listagg(const struct wh_adapter *ad, const char *measure, const char *delim,
		    const char *order_by, const char *limit, struct buf *out);
/* The storage clause of CREATE TABLE name <clause> AS (...) from the
 * model's configs as dbt-clickhouse names them (engine, order_by,
 * partition_by; each may be NULL), appended to out with a leading space;
 * nothing for engines that have no such clause. */
void wh_sql_table_clause(const struct wh_adapter *ad, const char *engine, const char *order_by,
			 const char *partition_by, struct buf *out);
/* After wh_sql_table_clause: the model's sharding key for engines that
 * shard tables (ClickHouse with `cluster:`); nothing when key is NULL or
 * the engine does not shard. */
void wh_sql_sharding_clause(const struct wh_adapter *ad, const char *key, struct buf *out);
/* The status of a finished statement as dbt prints it per adapter after
 * "OK created ..." (adapter_response._message): code is "SELECT",
 * "INSERT", "CREATE VIEW", ... and rows the rows affected (-1 unknown).
 * Default "SELECT 3" / "CREATE VIEW"; DuckDB says "OK". */
void wh_sql_status(const struct wh_adapter *ad, const char *code, int64_t rows, struct buf *out);

/* dbt's adapter classes of the engine, for the object model transform/
 * gives templates (relations and columns as dbt-postgres / dbt-duckdb
 * have them): the Relation class name ("PostgresRelation": dbt_utils
 * checks that it ends in "Relation"), the Column class name, whether
 * relations want a subquery alias (require_alias), and the Column's
 * type families. */
const char *wh_dbt_relation_class(const struct wh_adapter *ad);
const char *wh_dbt_column_class(const struct wh_adapter *ad);
bool wh_dbt_require_alias(const struct wh_adapter *ad);
/* Relations render without their database part (include_policy
 * database=False): the engine has databases where others have schemas. */
bool wh_dbt_two_part_names(const struct wh_adapter *ad);
enum wh_dbt_family { WH_DBT_STRING, WH_DBT_INTEGER, WH_DBT_FLOAT, WH_DBT_NUMERIC };
/* Column.is_string() / is_integer() / is_float() / is_numeric() of a
 * column whose dtype is the engine's type text (case-insensitive). */
bool wh_dbt_type_is(const struct wh_adapter *ad, enum wh_dbt_family f, const char *dtype);
/* Whether Column.data_type of a string column is always sized
 * ("character varying(256)", base Column) instead of PostgresColumn's
 * rule (text and unsized character varying stay as they are). */
bool wh_dbt_sized_strings(const struct wh_adapter *ad);
/* Whether Column.numeric_precision/scale of every numeric type come from
 * the catalog (dbt-postgres: integer 32/0, double precision 53/None) rather
 * than only a DECIMAL's declared sizes. */
bool wh_dbt_catalog_num_sizes(const struct wh_adapter *ad);

/* ---- introspection ----
 * Each is an optional engine operation (adapter.h); an engine without it
 * gets the default: a standard information_schema query with bound
 * parameters, filtered to the current catalog. DuckDB and PostgreSQL use
 * the default. Kinds: "VIEW" is WH_REL_VIEW, any other table_type (BASE
 * TABLE, LOCAL TEMPORARY) WH_REL_TABLE. Schemas omit information_schema
 * and pg_*. Columns come in ordinal order with ltype parsed from the
 * engine's type text (WH_OTHER when unknown). */
enum wh_rel_kind { WH_REL_NONE = 0, WH_REL_TABLE, WH_REL_VIEW };

struct wh_column_info {
	const char *name;
	const char *data_type; /* engine's type text */
	struct wh_ltype ltype;
	bool nullable;
	/* information_schema's numeric_precision / numeric_scale, kept for
	 * every type (integer 32, double precision 53 on PostgreSQL);
	 * has_num false when the catalog gave none; num_scale -1 = NULL */
	bool has_num;
	int num_precision, num_scale;
};

struct wh_relation_info {
	const char *schema, *name;
	enum wh_rel_kind kind;
};

/* All of these allocate their output in arena a. */
int wh_list_schemas(struct wh_conn *c, struct arena *a, const char ***names, size_t *n,
		    struct err *e);
int wh_list_relations(struct wh_conn *c, const char *schema, struct arena *a,
		      struct wh_relation_info **rels, size_t *n, struct err *e);
int wh_list_columns(struct wh_conn *c, const char *schema, const char *rel, struct arena *a,
		    struct wh_column_info **cols, size_t *n, struct err *e);
/* Incremental insert_overwrite (engines with WH_CAP_PARTITIONS): the rows
 * of relation `from` (SQL text: a temporary table) replace, whole, the
 * partitions of schema.table they fall in; the other partitions are kept.
 * cols: the columns to copy (quoted, comma-separated). Each partition is
 * swapped in at once: a reader sees its old rows or its new ones. *rows:
 * rows written. */
int wh_replace_partitions(struct wh_conn *c, const char *schema, const char *table,
			  const char *from, const char *cols, int64_t *rows, struct err *e);
int wh_relation_kind(struct wh_conn *c, const char *schema, const char *rel,
		     enum wh_rel_kind *kind, struct err *e);
int wh_create_schema(struct wh_conn *c, const char *schema, struct err *e); /* if not exists */

/* Who may do what (engines with WH_CAP_GRANTS; others: ING_EUNSUPPORTED).
 * Read from the engine's catalog, every list sorted, system schemas and
 * roles left out. An owner's own privileges are not listed (an owner holds
 * every privilege on what it owns), so what is listed is what GRANT gave.
 * Table privileges are summed per (schema, grantee, privilege) as a count
 * of relations carrying it; the owner of relations appears with privilege
 * "*OWN" and the count it owns (owned relations count as covered). Default
 * privileges (for tables a creator role makes) carry that creator. */
struct wh_acl {
	const char *schema;
	const char *grantee;
	const char *priv;    /* "USAGE", "CREATE", "SELECT", ... */
	const char *creator; /* default privileges: the creating role; else NULL */
	int64_t count;       /* table privileges: how many relations carry it */
};
struct wh_grants {
	/* schemas with their owner and how many relations they hold */
	const char **schemas, **owners;
	int64_t *relations;
	size_t nschemas;
	/* roles: can log in, the roles it is a member of (comma list, sorted),
	 * its default role (ALTER ROLE .. SET role) or NULL */
	const char **roles, **member_of, **set_role;
	bool *login;
	size_t nroles;
	struct wh_acl *schema_acl, *table_acl, *default_acl;
	size_t nschema_acl, ntable_acl, ndefault_acl;
};
int wh_read_grants(struct wh_conn *c, struct arena *a, struct wh_grants *out, struct err *e);
/* Does role's stored password verifier match password? *match: 1 yes, 0
 * no, -1 cannot tell (no password set, a verifier this build cannot check,
 * or the catalog that holds it is not readable by this user). The password
 * is never sent to the engine nor kept. ING_EUNSUPPORTED without roles. */
int wh_password_matches(struct wh_conn *c, const char *role, const char *password, int *match,
			struct err *e);

/* ---- bulk append ---- */

struct wh_str {
	const char *p;
	uint32_t n;
};

/* One column of a batch. data points to nrows elements of the type's
 * representation: bool, int64_t, double, __int128 (WH_DECIMAL, unscaled),
 * struct wh_str (WH_TEXT), int32_t (WH_DATE), int64_t (timestamps).
 * valid[i] == 0 marks NULL (valid == NULL: no NULLs). */
struct wh_colbuf {
	struct wh_ltype type;
	void *data;
	uint8_t *valid;
};

struct wh_batch {
	size_t ncols, nrows;
	struct wh_colbuf *cols;
};

struct wh_coldef {
	const char *name;
	struct wh_ltype type;
};

/* Start a bulk load into an existing table whose columns are cols (in
 * order). Rows become visible with the surrounding transaction (the caller
 * owns BEGIN/COMMIT); append_close flushes. Text in a batch is copied
 * before wh_append_batch returns. */
int wh_append_open(struct wh_conn *c, const char *schema, const char *table,
		   const struct wh_coldef *cols, size_t ncols, struct wh_appender **out,
		   struct err *e);
int wh_append_batch(struct wh_appender *ap, const struct wh_batch *b, struct err *e);
/* Flush and release. After an error, call with ok=false to discard. */
int wh_append_close(struct wh_appender *ap, bool ok, struct err *e);

/* ---- bulk insert from a stream of batches (WH_CAP_STREAM_INSERT) ----
 *
 * One INSERT into an existing table (columns cols, by name) whose rows are
 * the batches src yields, in the order it yields them. The engine calls
 * next and release from its own worker threads (never two next calls at
 * once; release at any time, concurrently with next) so that its storage
 * work runs on all of its threads while the caller's thread waits in
 * wh_stream_insert. next returns 1 with *b and *token set, or 0 at the end
 * of the stream; the batch must stay valid until release(ctx, token). Every
 * token handed out has been released when wh_stream_insert returns.
 * Rows become visible with the caller's transaction, as with the appender.
 * Text must be valid UTF-8 without NUL bytes: unlike the appender, the
 * stream does not check it (the loader's CSV reader refuses such records).
 *
 * ING_EUNSUPPORTED (before next is ever called) when the engine lacks the
 * operation or the table's column types would need conversions that only
 * the appender does (e.g. INT64 into an INTEGER column): use wh_append_*.
 */
struct wh_stream_src {
	void *ctx;
	int (*next)(void *ctx, const struct wh_batch **b, void **token);
	void (*release)(void *ctx, void *token);
};
int wh_stream_insert(struct wh_conn *c, const char *schema, const char *table,
		     const struct wh_coldef *cols, size_t ncols, const struct wh_stream_src *src,
		     struct err *e);

#endif
