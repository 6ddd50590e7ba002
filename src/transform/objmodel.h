/*
 * transform/objmodel.h — dbt's object model for templates (internal to
 * transform/): Relation (relation.c), Column (column.c) and agate's Table
 * (agate.c), as dbt-core 1.10 with dbt-adapters gives them to macros.
 *
 * All are Jinja host objects living in the render's arena. They read the
 * engine's facts (class names, type families) through wh_dbt_* of the
 * adapter they were made for.
 */
#ifndef INGOT_TRANSFORM_OBJMODEL_H
#define INGOT_TRANSFORM_OBJMODEL_H

#include "jinja/jinja.h"
#include "warehouse/warehouse.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- relation.c: BaseRelation ---- */

struct tf_rel {
	const char *database, *schema, *identifier; /* the path; NULL = None */
	const char *type;                          /* "table", "view", "cte", ... or NULL */
	bool inc_db, inc_schema, inc_ident;        /* include_policy */
	bool q_db, q_schema, q_ident;              /* quote_policy */
	bool info;                                 /* an InformationSchema */
	const char *info_view;                     /* its information_schema_view */
	const struct wh_adapter *ad;               /* the engine (class name, require_alias) */
	/* a microbatch input: renders as (select * from <rel> where <et_col>
	 * >= start and < end) _dbt_et_filter_subq_<identifier>; NULL: none */
	const char *et_col, *et_start, *et_end;
};

extern const struct jinja_obj_ops tf_rel_ops;
/* A relation as dbt's Relation.create(database=, schema=, identifier=,
 * type=): every part included and quoted. Strings are borrowed. */
struct jinja_value tf_rel_new(struct arena *a, const struct wh_adapter *ad, const char *database,
			      const char *schema, const char *identifier, const char *type);
/* An ephemeral model's CTE relation (__dbt__cte__<name>, unquoted). */
struct jinja_value tf_rel_cte(struct arena *a, const struct wh_adapter *ad, const char *name);
/* The relation behind v, or NULL when v is not a relation. */
struct tf_rel *tf_rel_of(struct jinja_value v);
/* Relation.render(): the included parts, quoted as the policy says. */
void tf_rel_render(const struct tf_rel *r, struct buf *out);
/* The `api.Relation` class object (create, add_ephemeral_prefix, Table, ...). */
struct jinja_value tf_relation_api(struct arena *a, const struct wh_adapter *ad);

/* ---- column.c: Column (PostgresColumn, DuckDBColumn) ---- */

/* -1 in char_size/precision/scale is None. */
struct jinja_value tf_column_new(struct arena *a, const struct wh_adapter *ad, const char *name,
				 const char *dtype, int64_t char_size, int64_t precision,
				 int64_t scale);
/* A column from the warehouse's catalog, as dbt's get_columns_in_relation
 * makes it from information_schema.columns. */
struct jinja_value tf_column_from_info(struct arena *a, const struct wh_adapter *ad,
				       const struct wh_column_info *ci);
/* The `api.Column` class object (Column(...), create, from_description,
 * string_type, numeric_type, translate_type). */
struct jinja_value tf_column_api(struct arena *a, const struct wh_adapter *ad);

/* ---- agate.c: agate.Table from a query result ---- */

/* run_query's / load_result(...).table's value. */
struct jinja_value tf_agate_table(struct arena *a, const struct wh_result *res);
/* load_result(...)['data']: the rows as tuples of values. */
struct jinja_value tf_agate_matrix(struct arena *a, struct jinja_value table);
/* A cell as agate gives it (numbers, strings, booleans, None). */
struct jinja_value tf_agate_cell(struct arena *a, const struct wh_value *v);

/* ---- dtmod.c: modules.datetime, modules.itertools ---- */

/* A datetime (aware: in UTC, prints +00:00) at us µs since the epoch. */
struct jinja_value tf_datetime_value(struct arena *a, int64_t us, bool aware);
struct jinja_value tf_datetime_module(struct arena *a);
struct jinja_value tf_pytz_module(struct arena *a); /* modules.pytz (dtmod.c) */
struct jinja_value tf_itertools_module(struct arena *a);

/* ---- pyre.c: modules.re ---- */

struct jinja_value tf_re_module(struct arena *a);

/* ---- ctxfns.c: set, zip, fromyaml, toyaml, dbt_version, context ... ---- */

struct tf_proj;
/* builtins: the {ref, source, config} dict the context keeps for macros
 * that override them. */
void tf_ctxfns_register(struct tf_proj *tp, struct jinja_value builtins);

#endif
