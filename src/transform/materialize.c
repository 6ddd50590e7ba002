/*
 * transform/materialize.c — view, table, incremental and ephemeral models,
 * hooks, persist_docs and grants, in C against the adapter interface.
 *
 * dbt writes its materializations as Jinja macros; we write them as C that
 * emits the same statements, so a model costs one render plus the SQL the
 * warehouse has to run anyway. Engine differences are capability bits
 * (MERGE, COMMENT ON, GRANT), not engine names.
 *
 *   view         BEGIN; drop the old relation; CREATE VIEW; COMMIT (a lone
 *                CREATE VIEW when there is nothing to replace)
 *   table        BEGIN; CREATE TABLE <name>__dbt_tmp AS ...; drop the old
 *                relation; rename the new one into place; COMMIT — readers
 *                see the old table or the new one, never neither. With
 *                nothing to replace, a lone CREATE TABLE AS (atomic too).
 *   incremental  first run, --full-refresh, or a view in the way: as table.
 *                Otherwise the new rows go to a temporary table, the target
 *                is reconciled per on_schema_change (ignore, fail,
 *                append_new_columns, sync_all_columns), and applied with the
 *                strategy: append, delete+insert (unique_key: one column or
 *                a list; incremental_predicates) or merge (MERGE INTO when
 *                the engine has it, else delete+insert, which has the same
 *                effect), all inside one transaction.
 *   ephemeral    nothing runs: the model is inlined as a CTE where it is
 *                referenced (context.c, tf_inject_ctes).
 *
 * Custom materializations ({% materialization %} blocks) are not run: a
 * model asking for one fails with a message naming it.
 */
#include "transform/tf_int.h"
#include "core/dtime.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/relver.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tf_exec_sql(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *sql,
		int64_t *rows, struct err *e)
{
	(void)tp;
	if (n) {
		buf_puts(&n->run_sql, sql);
		buf_puts(&n->run_sql, ";\n\n");
	}
	int64_t r = -1;
	int rc = wh_exec_count(c, sql, &r, e);
	if (rows)
		*rows = r;
	return rc;
}

int tf_ensure_schema(struct tf_proj *tp, struct wh_conn *c, const char *schema, struct err *e)
{
	char *key = xasprintf("%s", schema);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	pthread_mutex_lock(&tp->rel_lock);
	bool have = strmap_has(&tp->created_schemas, key);
	pthread_mutex_unlock(&tp->rel_lock);
	int rc = 0;
	if (!have) {
		/* one creator at a time in the process: two threads (or two runs)
		 * creating the same schema at once conflict on DuckDB ("Catalog
		 * write-write conflict on create"), `if not exists` or not; the
		 * second then finds it made */
		static pthread_mutex_t create_mu = PTHREAD_MUTEX_INITIALIZER;
		pthread_mutex_lock(&create_mu);
		rc = wh_create_schema(c, schema, e);
		pthread_mutex_unlock(&create_mu);
		if (!rc) {
			pthread_mutex_lock(&tp->rel_lock);
			strmap_put(&tp->created_schemas, key, (void *)1);
			pthread_mutex_unlock(&tp->rel_lock);
		}
	}
	free(key);
	return rc;
}

/* "schema"."name" (engines resolve the database from the connection) */
static void rel2(struct tf_proj *tp, const char *schema, const char *name, struct buf *out)
{
	wh_relation_sql(tp->db, schema, name, out);
}

static void qid(struct tf_proj *tp, const char *name, struct buf *out)
{
	wh_quote_ident(tp->db, name, out);
}

static const char *kind_word(enum wh_rel_kind k)
{
	return k == WH_REL_VIEW ? "view" : "table";
}

static int drop_rel(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *schema,
		    const char *name, enum wh_rel_kind k, struct err *e)
{
	if (k == WH_REL_NONE)
		return 0;
	struct buf b = BUF_INIT;
	buf_printf(&b, "drop %s if exists ", kind_word(k));
	rel2(tp, schema, name, &b);
	if (wh_has(tp->db, WH_CAP_BOUND_VIEWS)) /* dependents go too, as with dbt-postgres */
		buf_puts(&b, " cascade");
	int rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	buf_free(&b);
	return rc;
}

/* ---- hooks ---- */

int tf_run_hook(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *key,
		const char *src, bool execute, struct err *e)
{
	struct buf sql = BUF_INIT;
	int rc = tf_render_string(tp, n, key, src, c, execute, &sql, e);
	/* a hook that renders to nothing (a {% do %}, blank) runs nothing */
	char *t = str_trim(sql.data ? sql.data : (char *)"");
	if (!rc && *t && execute && c) {
		rc = n ? tf_exec_sql(tp, n, c, t, NULL, e) : wh_exec(c, t, e);
		if (relver_sql_writes(t))
			relver_bump_all(); /* a hook writes what it likes (core/relver.h) */
	}
	buf_free(&sql);
	return rc;
}

int tf_run_hooks(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *key,
		 bool execute, struct err *e)
{
	struct jinja_value hooks = tf_cfg(n, key);
	if (hooks.type != JINJA_LIST && hooks.type != JINJA_TUPLE)
		return 0;
	for (size_t i = 0; i < jinja_list_len(hooks); i++) {
		struct jinja_value h = jinja_list_get(hooks, i), sqlv = h;
		if (h.type == JINJA_DICT)
			jinja_dict_get_str(h, "sql", &sqlv);
		if (sqlv.type != JINJA_STR)
			continue;
		struct arena *a = arena_new(0);
		int rc = tf_run_hook(tp, n, c, key, jinja_str_cstr(a, sqlv), execute, e);
		arena_free(a);
		if (rc) {
			err_prefix(e, "%s", key);
			return rc;
		}
	}
	return 0;
}

/* ---- docs and grants ---- */

static int persist_docs(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			enum wh_rel_kind kind, struct err *e)
{
	struct jinja_value pd = tf_cfg(n, "persist_docs");
	if (pd.type != JINJA_DICT || !wh_has(tp->db, WH_CAP_COMMENTS))
		return 0;
	struct jinja_value v;
	bool rel = jinja_dict_get_str(pd, "relation", &v) && jinja_truthy(v);
	bool cols = jinja_dict_get_str(pd, "columns", &v) && jinja_truthy(v);
	struct buf b = BUF_INIT;
	int rc = 0;
	if (rel && n->description && *n->description) {
		buf_printf(&b, "comment on %s ", kind_word(kind));
		rel2(tp, n->schema, n->alias, &b);
		buf_puts(&b, " is ");
		wh_quote_literal(tp->db, n->description, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	for (size_t i = 0; !rc && cols && n->columns && i < n->columns->n; i++) {
		const char *cn = ymap_str(n->columns->items[i], "name");
		const char *d = ymap_str(n->columns->items[i], "description");
		if (!cn || !d || !*d)
			continue;
		buf_reset(&b);
		buf_puts(&b, "comment on column ");
		rel2(tp, n->schema, n->alias, &b);
		buf_putc(&b, '.');
		qid(tp, cn, &b);
		buf_puts(&b, " is ");
		wh_quote_literal(tp->db, d, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	buf_free(&b);
	return rc;
}

static int apply_grants(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e)
{
	struct jinja_value g = tf_cfg(n, "grants");
	if (g.type != JINJA_DICT || !jinja_dict_len(g) || !wh_has(tp->db, WH_CAP_GRANTS))
		return 0;
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; !rc && i < jinja_dict_len(g); i++) {
		const char *priv = jinja_str_cstr(a, jinja_dict_key(g, i));
		struct jinja_value who = jinja_dict_val(g, i);
		size_t nw = who.type == JINJA_LIST || who.type == JINJA_TUPLE ? jinja_list_len(who) : 1;
		for (size_t j = 0; !rc && j < nw; j++) {
			struct jinja_value w = who.type == JINJA_LIST || who.type == JINJA_TUPLE
						       ? jinja_list_get(who, j) : who;
			if (w.type != JINJA_STR)
				continue;
			buf_reset(&b);
			buf_printf(&b, "grant %s on ", priv);
			rel2(tp, n->schema, n->alias, &b);
			buf_puts(&b, " to ");
			qid(tp, jinja_str_cstr(a, w), &b);
			rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
		}
	}
	buf_free(&b);
	arena_free(a);
	return rc;
}

/* ---- statements ---- */

static void strip_semicolon(struct buf *sql)
{
	while (sql->len && (isspace((unsigned char)sql->data[sql->len - 1]) ||
			    sql->data[sql->len - 1] == ';'))
		sql->data[--sql->len] = 0;
}

static void with_header(struct tf_node *n, struct buf *out)
{
	const char *h = tf_cfg_str(n, "sql_header", NULL);
	if (h && *h)
		buf_printf(out, "%s\n", h);
}

static int create_table_as(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			   const char *schema, const char *name, bool temp, const char *sql,
			   int64_t *rows, struct err *e)
{
	struct buf b = BUF_INIT;
	with_header(n, &b);
	if (temp) {
		buf_puts(&b, "create temporary table ");
		qid(tp, name, &b);
	} else {
		buf_puts(&b, "create table ");
		rel2(tp, schema, name, &b);
		wh_sql_table_clause(wh_adapter_for(tp->engine), tf_cfg_str(n, "engine", NULL),
				    tf_cfg_str(n, "order_by", NULL), tf_cfg_str(n, "partition_by", NULL),
				    &b);
	}
	buf_printf(&b, " as (\n%s\n)", sql);
	int rc = tf_exec_sql(tp, n, c, buf_cstr(&b), rows, e);
	buf_free(&b);
	return rc;
}

static int mat_view(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *sql,
		    struct err *e)
{
	enum wh_rel_kind k = tf_rel_kind(tp, c, n->schema, n->alias);
	struct buf b = BUF_INIT;
	/* nothing to replace: one CREATE is atomic by itself */
	bool txn = k != WH_REL_NONE;
	int rc = txn ? wh_begin(c, e) : 0;
	if (!rc)
		rc = drop_rel(tp, n, c, n->schema, n->alias, k, e);
	if (!rc) {
		with_header(n, &b);
		buf_puts(&b, "create view ");
		rel2(tp, n->schema, n->alias, &b);
		buf_printf(&b, " as (\n%s\n)", sql);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	if (txn) {
		if (!rc)
			rc = wh_commit(c, e);
		else
			wh_rollback(c, NULL);
	}
	buf_free(&b);
	if (!rc) {
		tf_rel_set(tp, n->schema, n->alias, WH_REL_VIEW);
		n->adapter_code = "CREATE VIEW";
	}
	return rc;
}

static int mat_table(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *sql,
		     struct err *e)
{
	enum wh_rel_kind k = tf_rel_kind(tp, c, n->schema, n->alias);
	struct buf tb = BUF_INIT;
	wh_derived_name(tp->db, n->alias, "__dbt_tmp", &tb); /* fits the engine's names */
	char *tmp = buf_detach(&tb, NULL);
	struct buf b = BUF_INIT;
	int64_t rows = -1;
	if (k == WH_REL_NONE) {
		/* nothing to swap out: build in place, one atomic statement */
		int rc = create_table_as(tp, n, c, n->schema, n->alias, false, sql, &rows, e);
		free(tmp);
		if (!rc) {
			tf_rel_set(tp, n->schema, n->alias, WH_REL_TABLE);
			n->rows_affected = rows;
			n->adapter_code = "SELECT";
		}
		return rc;
	}
	int rc = wh_begin(c, e);
	if (!rc) {
		buf_puts(&b, "drop table if exists ");
		rel2(tp, n->schema, tmp, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	if (!rc)
		rc = create_table_as(tp, n, c, n->schema, tmp, false, sql, &rows, e);
	if (!rc)
		rc = drop_rel(tp, n, c, n->schema, n->alias, k, e);
	if (!rc) {
		buf_reset(&b);
		buf_puts(&b, "alter table ");
		rel2(tp, n->schema, tmp, &b);
		buf_puts(&b, " rename to ");
		qid(tp, n->alias, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	if (!rc)
		rc = wh_commit(c, e);
	else
		wh_rollback(c, NULL);
	buf_free(&b);
	free(tmp);
	if (!rc) {
		tf_rel_set(tp, n->schema, n->alias, WH_REL_TABLE);
		n->rows_affected = rows;
		n->adapter_code = "SELECT";
	}
	return rc;
}

/* ---- incremental ---- */

struct colset {
	struct wh_column_info *c;
	size_t n;
};

static bool has_col(const struct colset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!str_casecmp(s->c[i].name, name))
			return true;
	return false;
}

static int temp_columns(struct tf_proj *tp, struct wh_conn *c, const char *tmp, struct arena *a,
			struct colset *out, struct err *e)
{
	/* a temporary table has no schema we can name portably: ask with a
	 * zero-row query */
	struct buf q = BUF_INIT;
	buf_puts(&q, "select * from ");
	qid(tp, tmp, &q);
	buf_puts(&q, " where 1 = 0");
	struct wh_result *r = NULL;
	int rc = wh_query(c, buf_cstr(&q), NULL, 0, &r, e);
	buf_free(&q);
	if (rc)
		return rc;
	out->n = r->ncols;
	out->c = arena_zalloc(a, (r->ncols + 1) * sizeof(*out->c));
	for (size_t i = 0; i < r->ncols; i++) {
		out->c[i].name = arena_strdup(a, r->names[i]);
		out->c[i].data_type = arena_strdup(a, r->type_names && r->type_names[i] ? r->type_names[i]
						   : wh_sql_column_type(wh_db_adapter(tp->db), WH_SQLT_STRING));
	}
	wh_result_free(r);
	return 0;
}

static void key_list(struct jinja_value uk, struct arena *a, const char ***keys, size_t *n)
{
	*n = 0;
	if (uk.type == JINJA_STR) {
		/* "a, b" is accepted as a list too */
		const char *s = jinja_str_cstr(a, uk);
		const char **k = arena_alloc(a, 32 * sizeof(char *));
		while (*s && *n < 32) {
			while (*s == ' ' || *s == ',')
				s++;
			const char *t = s;
			while (*s && *s != ',')
				s++;
			const char *end = s;
			while (end > t && end[-1] == ' ')
				end--;
			if (end > t)
				k[(*n)++] = arena_strndup(a, t, (size_t)(end - t));
		}
		*keys = k;
	} else if (uk.type == JINJA_LIST || uk.type == JINJA_TUPLE) {
		size_t m = jinja_list_len(uk);
		const char **k = arena_alloc(a, (m + 1) * sizeof(char *));
		for (size_t i = 0; i < m; i++) {
			struct jinja_value v = jinja_list_get(uk, i);
			if (v.type == JINJA_STR)
				k[(*n)++] = jinja_str_cstr(a, v);
		}
		*keys = k;
	}
}

static void predicates(struct tf_node *n, struct arena *a, struct buf *out)
{
	struct jinja_value p = tf_cfg(n, "incremental_predicates");
	if (p.type == JINJA_STR) {
		buf_printf(out, " and %s", jinja_str_cstr(a, p));
	} else if (p.type == JINJA_LIST || p.type == JINJA_TUPLE) {
		for (size_t i = 0; i < jinja_list_len(p); i++) {
			struct jinja_value v = jinja_list_get(p, i);
			if (v.type == JINJA_STR)
				buf_printf(out, " and %s", jinja_str_cstr(a, v));
		}
	}
}

static int schema_change(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			 struct colset *src, struct colset *dst, struct arena *a, struct err *e)
{
	const char *osc = tf_cfg_str(n, "on_schema_change", "ignore");
	bool added = false, removed = false;
	for (size_t i = 0; i < src->n; i++)
		added |= !has_col(dst, src->c[i].name);
	for (size_t i = 0; i < dst->n; i++)
		removed |= !has_col(src, dst->c[i].name);
	if (!added && !removed)
		return 0;
	if (!strcmp(osc, "ignore"))
		return 0;
	if (!strcmp(osc, "fail"))
		return err_set(e, ING_EFAIL,
			       "The source and target schemas on this incremental model are out of "
			       "sync! They can be reconciled in several ways: set the "
			       "`on_schema_change` config to either append_new_columns or "
			       "sync_all_columns, or re-run the model with --full-refresh");
	bool sync = !strcmp(osc, "sync_all_columns");
	if (!sync && strcmp(osc, "append_new_columns"))
		return err_set(e, ING_ECONFIG,
			       "on_schema_change must be ignore, fail, append_new_columns or "
			       "sync_all_columns, not '%s'", osc);
	struct buf b = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; !rc && i < src->n; i++) {
		if (has_col(dst, src->c[i].name))
			continue;
		buf_reset(&b);
		buf_puts(&b, "alter table ");
		rel2(tp, n->schema, n->alias, &b);
		buf_puts(&b, " add column ");
		qid(tp, src->c[i].name, &b);
		buf_printf(&b, " %s", src->c[i].data_type);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	for (size_t i = 0; !rc && sync && i < dst->n; i++) {
		if (has_col(src, dst->c[i].name))
			continue;
		buf_reset(&b);
		buf_puts(&b, "alter table ");
		rel2(tp, n->schema, n->alias, &b);
		buf_puts(&b, " drop column ");
		qid(tp, dst->c[i].name, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	buf_free(&b);
	if (!rc) {
		/* the target's columns are now: */
		struct wh_column_info *nc = arena_alloc(a, (src->n + dst->n + 1) * sizeof(*nc));
		size_t k = 0;
		for (size_t i = 0; i < dst->n; i++)
			if (!sync || has_col(src, dst->c[i].name))
				nc[k++] = dst->c[i];
		for (size_t i = 0; i < src->n; i++)
			if (!has_col(dst, src->c[i].name))
				nc[k++] = src->c[i];
		dst->c = nc;
		dst->n = k;
	}
	return rc;
}

static int mat_incremental(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			   const char *sql, struct err *e)
{
	enum wh_rel_kind k = tf_rel_kind(tp, c, n->schema, n->alias);
	struct jinja_value fr = tf_cfg(n, "full_refresh");
	bool full = tp->full_refresh;
	if (fr.type == JINJA_BOOL)
		full = fr.u.b;
	if (k != WH_REL_TABLE || full)
		return mat_table(tp, n, c, sql, e);
	struct arena *a = arena_new(0);
	struct buf tb = BUF_INIT;
	wh_derived_name(tp->db, n->alias, "__dbt_tmp", &tb); /* fits the engine's names */
	const char *tmp = arena_strdup(a, buf_cstr(&tb));
	buf_free(&tb);
	struct buf b = BUF_INIT, cols = BUF_INIT;
	const char **keys = NULL;
	size_t nkeys = 0;
	key_list(tf_cfg(n, "unique_key"), a, &keys, &nkeys);
	const char *strategy = tf_cfg_str(n, "incremental_strategy", NULL);
	if (!strategy)
		strategy = nkeys ? "delete+insert" : "append";
	if (strcmp(strategy, "append") && strcmp(strategy, "delete+insert") && strcmp(strategy, "merge")) {
		int rc = err_set(e, ING_ECONFIG,
				 "incremental_strategy '%s' is not known: use append, delete+insert or merge",
				 strategy);
		arena_free(a);
		return rc;
	}
	int64_t rows = -1;
	struct colset src = {0}, dst = {0};
	int rc = wh_begin(c, e);
	if (!rc)
		rc = create_table_as(tp, n, c, NULL, tmp, true, sql, NULL, e);
	if (!rc)
		rc = temp_columns(tp, c, tmp, a, &src, e);
	if (!rc)
		rc = wh_list_columns(c, n->schema, n->alias, a, &dst.c, &dst.n, e);
	if (!rc)
		rc = schema_change(tp, n, c, &src, &dst, a, e);
	if (rc)
		goto out;
	/* the columns both sides have, in the target's order */
	bool first = true;
	for (size_t i = 0; i < dst.n; i++) {
		if (!has_col(&src, dst.c[i].name))
			continue;
		if (!first)
			buf_puts(&cols, ", ");
		first = false;
		qid(tp, dst.c[i].name, &cols);
	}
	bool use_merge = !strcmp(strategy, "merge") && nkeys && wh_has(tp->db, WH_CAP_MERGE);
	if (nkeys && !use_merge && strcmp(strategy, "append")) {
		buf_reset(&b);
		buf_puts(&b, "delete from ");
		rel2(tp, n->schema, n->alias, &b);
		buf_puts(&b, " as DBT_INTERNAL_DEST where exists (select 1 from ");
		qid(tp, tmp, &b);
		buf_puts(&b, " as DBT_INTERNAL_SOURCE where ");
		for (size_t i = 0; i < nkeys; i++)
			buf_printf(&b, "%sDBT_INTERNAL_SOURCE.%s = DBT_INTERNAL_DEST.%s", i ? " and " : "",
				   keys[i], keys[i]);
		buf_puts(&b, ")");
		predicates(n, a, &b);
		if (!(rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e))) {
			/* fall through to the insert */
		}
	}
	if (!rc && use_merge) {
		buf_reset(&b);
		buf_puts(&b, "merge into ");
		rel2(tp, n->schema, n->alias, &b);
		buf_puts(&b, " as DBT_INTERNAL_DEST using ");
		qid(tp, tmp, &b);
		buf_puts(&b, " as DBT_INTERNAL_SOURCE on (");
		for (size_t i = 0; i < nkeys; i++)
			buf_printf(&b, "%sDBT_INTERNAL_SOURCE.%s = DBT_INTERNAL_DEST.%s", i ? " and " : "",
				   keys[i], keys[i]);
		buf_puts(&b, ")");
		predicates(n, a, &b);
		buf_puts(&b, "\nwhen matched then update set ");
		first = true;
		for (size_t i = 0; i < dst.n; i++) {
			if (!has_col(&src, dst.c[i].name))
				continue;
			if (!first)
				buf_puts(&b, ", ");
			first = false;
			qid(tp, dst.c[i].name, &b);
			buf_puts(&b, " = DBT_INTERNAL_SOURCE.");
			qid(tp, dst.c[i].name, &b);
		}
		buf_printf(&b, "\nwhen not matched then insert (%s) values (", buf_cstr(&cols));
		first = true;
		for (size_t i = 0; i < dst.n; i++) {
			if (!has_col(&src, dst.c[i].name))
				continue;
			if (!first)
				buf_puts(&b, ", ");
			first = false;
			buf_puts(&b, "DBT_INTERNAL_SOURCE.");
			qid(tp, dst.c[i].name, &b);
		}
		buf_puts(&b, ")");
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), &rows, e);
		n->adapter_code = "MERGE";
	} else if (!rc) {
		buf_reset(&b);
		buf_puts(&b, "insert into ");
		rel2(tp, n->schema, n->alias, &b);
		buf_printf(&b, " (%s)\nselect %s from ", buf_cstr(&cols), buf_cstr(&cols));
		qid(tp, tmp, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), &rows, e);
		n->adapter_code = "INSERT";
	}
	if (!rc) {
		buf_reset(&b);
		buf_puts(&b, "drop table if exists ");
		qid(tp, tmp, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
out:
	if (!rc)
		rc = wh_commit(c, e);
	else
		wh_rollback(c, NULL);
	if (rc) {
		/* the temporary table may outlive a failed transaction on engines
		 * without transactional DDL */
		struct err ig = ERR_INIT;
		buf_reset(&b);
		buf_puts(&b, "drop table if exists ");
		qid(tp, tmp, &b);
		wh_exec(c, buf_cstr(&b), &ig);
		err_clear(&ig);
	}
	n->rows_affected = rows;
	buf_free(&b);
	buf_free(&cols);
	arena_free(a);
	return rc;
}

int tf_materialize(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e)
{
	const char *mat = n->materialized ? n->materialized : "view";
	struct buf sql = BUF_INIT;
	buf_puts(&sql, n->compiled ? n->compiled : "");
	strip_semicolon(&sql);
	int rc = tf_ensure_schema(tp, c, n->schema, e);
	if (!rc)
		rc = tf_run_hooks(tp, n, c, "pre-hook", true, e);
	enum wh_rel_kind kind = WH_REL_TABLE;
	if (rc) {
		/* fall through */
	} else if (!strcmp(mat, "view")) {
		rc = mat_view(tp, n, c, buf_cstr(&sql), e);
		kind = WH_REL_VIEW;
	} else if (!strcmp(mat, "table")) {
		rc = mat_table(tp, n, c, buf_cstr(&sql), e);
	} else if (!strcmp(mat, "incremental")) {
		rc = mat_incremental(tp, n, c, buf_cstr(&sql), e);
	} else {
		rc = err_set(e, ING_EUNSUPPORTED,
			     "materialization '%s' is not available (ingot has view, table, "
			     "incremental and ephemeral)", mat);
	}
	if (!rc)
		rc = persist_docs(tp, n, c, kind, e);
	if (!rc)
		rc = apply_grants(tp, n, c, e);
	if (!rc)
		rc = tf_run_hooks(tp, n, c, "post-hook", true, e);
	buf_free(&sql);
	return rc;
}
