/*
 * warehouse/adapter.h — what an engine implements (internal to warehouse/).
 *
 * One `const struct wh_adapter` per engine, designated initializers, in the
 * registry (registry.c) by name. The public wh_* wrappers are the only
 * callers of these pointers. Each engine's db/conn/appender structs embed
 * the generic ones below as their FIRST member, so the wrappers can reach
 * `ad` and engines can downcast (checking ad matches, BUG() otherwise).
 *
 * Optional operations may be NULL; the wrapper then returns
 * ING_EUNSUPPORTED or uses the generic path: introspection defaults to
 * information_schema queries through ->query (registry.c), the dialect to
 * standard SQL (dialect.c). A new engine (ClickHouse, BigQuery) writes the
 * required operations plus only what differs; nothing outside warehouse/
 * names an engine.
 *
 * Required: name, db_open, db_close, connect, disconnect, version, exec,
 * query, append_batch/append_close when append_open is set, type_sql.
 */
#ifndef INGOT_WAREHOUSE_ADAPTER_H
#define INGOT_WAREHOUSE_ADAPTER_H

#include "warehouse/warehouse.h"

struct wh_adapter;

struct wh_db {
	const struct wh_adapter *ad;
	const struct target *target;
	unsigned caps; /* ad->caps less ad->caps_lacking(); set by wh_open */
	uint64_t serial; /* this open's number in the process (wh_db_serial); set by wh_open */
};

struct wh_guard;

struct wh_conn {
	const struct wh_adapter *ad;
	struct wh_db *db;
	struct wh_guard *guard; /* wh_conn_set_cancel; NULL = none (registry.c) */
};

struct wh_appender {
	const struct wh_adapter *ad;
	struct wh_conn *conn;
};

/* The engine's SQL dialect for what transform/ writes (warehouse.h,
 * "dialect of models"). Every member is optional: NULL (or a NULL entry)
 * means the standard SQL default in dialect.c. */
struct wh_dialect {
	const char *macro_types[WH_SQLT_N];  /* dbt's type_* macros */
	const char *column_types[WH_SQLT_N]; /* columns ingot declares itself */
	const char *current_timestamp;       /* default "current_timestamp" */
	const char *safe_cast_fn;            /* cast-syntax function returning NULL on
						failure ("try_cast"); default "cast" */
	const char *any_value_fn;            /* aggregate; default "min" (every engine) */
	/* bool_or(expr) when the engine spells it other than bool_or(expr) */
	void (*bool_or)(const char *expr, struct buf *out);
	/* why incremental_strategy 'merge' cannot run here and what to use
	 * instead (wh_sql_merge_refusal); NULL: it can */
	const char *merge_refusal;
	/* SQL naming the current catalog in information_schema filters;
	 * default "current_database()". */
	const char *current_catalog;
	/* printf format (one %d: milliseconds) of a statement that limits how
	 * long each later statement of the current transaction may run; NULL:
	 * the engine has none (wh_sql_local_timeout). */
	const char *local_timeout_fmt;
	void (*dateadd)(const char *part, const char *n, const char *d, struct buf *out);
	int (*datediff)(const char *first, const char *second, const char *part,
			struct buf *out, struct err *e);
	void (*listagg)(const char *measure, const char *delim, const char *order_by,
			const char *limit, struct buf *out);
	void (*status)(const char *code, int64_t rows, struct buf *out);
	/* hash(field) and safe_cast(field, type) when the engine spells them
	 * other than md5(cast(...)) / safe_cast_fn(field as type). */
	void (*hash)(const char *field, struct buf *out);
	void (*safe_cast)(const char *field, const char *type, struct buf *out);
	/* What goes between a new table's name and AS in CREATE TABLE ... AS
	 * (wh_sql_table_clause). */
	void (*table_clause)(const char *engine, const char *order_by, const char *partition_by,
			     struct buf *out);
	/* Optional: a model's sharding key (dbt-clickhouse's `sharding_key`
	 * config), written after table_clause (wh_sql_sharding_clause). */
	void (*sharding_clause)(const char *key, struct buf *out);
	/* dbt's adapter classes (wh_dbt_*): the Relation and Column class
	 * names (default "BaseRelation", "Column"); the Column's integer and
	 * float type names, lower case, NULL-terminated (default dbt's base
	 * Column lists); sized_strings: a string column's data_type is always
	 * "character varying(n)" (base Column) rather than PostgresColumn's
	 * text / unsized character varying as is; no_subquery_alias: the
	 * Relation's require_alias is False. */
	const char *relation_class, *column_class;
	const char *const *integer_types, *const *float_types;
	bool sized_strings, no_subquery_alias;
	/* catalog_num_sizes: a Column's numeric_precision/scale come from the
	 * catalog for every numeric type, as dbt-postgres reads them (integer
	 * 32/0, bigint 64/0, double precision 53/None); else only a
	 * DECIMAL's declared sizes. */
	bool catalog_num_sizes;
	/* relations are named schema.identifier only (the engine has no
	 * catalog level: dbt-clickhouse's include_policy database=False) */
	bool two_part_names;
};

struct wh_adapter {
	const char *name;
	unsigned caps;
	char ident_quote; /* '"' */
	size_t max_ident; /* bytes of an identifier the engine keeps; 0 = no limit */
	/* Optional: capabilities in `caps` the loaded library cannot give
	 * (an optional symbol is missing). Wrappers read wh_db.caps. */
	unsigned (*caps_lacking)(void);

	int (*db_open)(const struct target *t, struct wh_db **out, struct err *e);
	void (*db_close)(struct wh_db *db);
	/* Optional: wait for an open that db_open left running beside the
	 * caller (it may when wh__open_beside is set), or do an open it put
	 * off (wh__open_deferred), and return its error;
	 * every other entry point of the db waits for it too. NULL: db_open
	 * always opens before it returns. */
	int (*db_ready)(struct wh_db *db, struct err *e);
	int (*connect)(struct wh_db *db, struct wh_conn **out, struct err *e);
	void (*disconnect)(struct wh_conn *c);
	int (*version)(struct wh_conn *c, struct buf *out, struct err *e);

	int (*exec)(struct wh_conn *c, const char *sql, int64_t *rows_affected, struct err *e);
	int (*query)(struct wh_conn *c, const char *sql, const struct wh_value *params,
		     size_t nparams, struct wh_result **out, struct err *e);
	int (*cancel)(struct wh_conn *c);
	/* Optional: ROLLBACK that succeeds when no transaction is open (so
	 * wh_rollback is safe after any error). NULL: exec("ROLLBACK"). */
	int (*rollback)(struct wh_conn *c, struct err *e);
	/* Optional: COMMIT that fails when the engine did not commit (e.g. PG
	 * answers COMMIT of an aborted transaction with ROLLBACK). NULL:
	 * exec("COMMIT"). */
	int (*commit)(struct wh_conn *c, struct err *e);
	/* Optional: hold an exclusive lock named key until the current
	 * transaction ends (other sessions taking it wait). NULL: the engine
	 * has one writer per database and needs none. */
	int (*lock_xact)(struct wh_conn *c, const char *key, struct err *e);

	int (*append_open)(struct wh_conn *c, const char *schema, const char *table,
			   const struct wh_coldef *cols, size_t ncols, struct wh_appender **out,
			   struct err *e);
	int (*append_batch)(struct wh_appender *ap, const struct wh_batch *b, struct err *e);
	int (*append_close)(struct wh_appender *ap, bool ok, struct err *e);
	/* Optional (WH_CAP_STREAM_INSERT): see wh_stream_insert. */
	int (*stream_insert)(struct wh_conn *c, const char *schema, const char *table,
			     const struct wh_coldef *cols, size_t ncols,
			     const struct wh_stream_src *src, struct err *e);

	/* DDL type name for a logical type. */
	void (*type_sql)(const struct wh_ltype *t, struct buf *out);
	/* Optional: the same for one open database, when the name depends on
	 * the server behind it (ClickHouse before 22 has no Date32, Bool,
	 * DateTime64). NULL: type_sql. */
	void (*type_sql_db)(const struct wh_db *db, const struct wh_ltype *t, struct buf *out);

	struct wh_dialect dialect;

	/* Optional introspection (contracts in warehouse.h); NULL: the
	 * information_schema default in registry.c. Override only where the
	 * engine lacks information_schema or reports it differently. Output
	 * goes into arena a. */
	int (*list_schemas)(struct wh_conn *c, struct arena *a, const char ***names, size_t *n,
			    struct err *e);
	int (*list_relations)(struct wh_conn *c, const char *schema, struct arena *a,
			      struct wh_relation_info **rels, size_t *n, struct err *e);
	int (*list_columns)(struct wh_conn *c, const char *schema, const char *rel,
			    struct arena *a, struct wh_column_info **cols, size_t *n,
			    struct err *e);
	int (*relation_kind)(struct wh_conn *c, const char *schema, const char *rel,
			     enum wh_rel_kind *kind, struct err *e);
	/* Optional (WH_CAP_PARTITIONS): wh_replace_partitions. */
	int (*replace_partitions)(struct wh_conn *c, const char *schema, const char *table,
				  const char *from, const char *cols, int64_t *rows,
				  struct err *e);
	/* Optional (WH_CAP_GRANTS): wh_read_grants. NULL: ING_EUNSUPPORTED. */
	int (*read_grants)(struct wh_conn *c, struct arena *a, struct wh_grants *out,
			   struct err *e);
	/* Optional (WH_CAP_GRANTS): wh_password_matches. */
	int (*password_matches)(struct wh_conn *c, const char *role, const char *password,
				int *match, struct err *e);
};

/* PostgreSQL's read_grants (postgres_grants.c: catalog queries only). */
int wh_pg_read_grants(struct wh_conn *c, struct arena *a, struct wh_grants *out,
		      struct err *e);
int wh_pg_password_matches(struct wh_conn *c, const char *role, const char *password,
			   int *match, struct err *e);

/* Registry (registry.c). The engines compiled in are found by name; more
 * can be registered at startup, before any wh_open: for tests (an adapter
 * that wraps another engine) and for engines built outside this directory.
 * 0, or ING_EINVAL when the name is taken, a required operation is missing
 * or the registry is full (WH_MAX_REGISTERED). The adapter must outlive
 * the process's use of the warehouse. */
#define WH_MAX_REGISTERED 4
const struct wh_adapter *wh_adapter_find(const char *name);
int wh_adapter_register(const struct wh_adapter *ad, struct err *e);

/* Engines (each file compiled in when its library is present). */
extern const struct wh_adapter wh_duckdb_adapter;
extern const struct wh_adapter wh_clickhouse_adapter; /* libchdb.so / HTTP at run time */
#ifdef HAVE_LIBPQ
extern const struct wh_adapter wh_postgres_adapter;
#else
extern const struct wh_adapter wh_postgres_dialect_only; /* wh_adapter_for only */
#endif

/* Helpers shared by engines (result building). */
struct wh_result *wh__result_new(size_t ncols, size_t nrows_hint);
/* Append a row slot; returns a pointer to ncols values to fill. */
struct wh_value *wh__result_add_row(struct wh_result *r);
/* Append n zeroed row slots at once; returns the first (n * ncols values). */
struct wh_value *wh__result_add_rows(struct wh_result *r, size_t n);

/* Exact decimal text of unscaled * 10^-scale ("-12.340"); out needs 48
 * bytes. Returns the length. */
size_t wh__decimal_format(__int128 unscaled, int scale, char *out);
/* Parse "-12.34" (at most 38 digits, no exponent) into unscaled + scale.
 * 0, or -1 when the text is not such a number. */
int wh__decimal_parse(const char *s, size_t n, __int128 *unscaled, int *scale);
/* Remove every occurrence of secret from msg in place (passwords in
 * driver messages). */
void wh__redact(char *msg, const char *secret);

/* Set by wh_open_loads while it opens a database: the caller only loads
 * (an adapter may then accept a server too old for builds). */
extern _Thread_local bool wh__open_for_loads;
/* Set by wh_open_beside while it opens a database: db_open may leave the
 * slow part of the open running on a thread of its own (db_ready). */
extern _Thread_local bool wh__open_beside;
/* Set by wh_open_deferred while it opens a database: db_open may leave the
 * slow part of the open to the first db_ready or connect, and db_close of
 * a db never used need not do it at all. */
extern _Thread_local bool wh__open_deferred;

#endif
