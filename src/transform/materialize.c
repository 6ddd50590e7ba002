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
#include "core/cancel.h"

#include <pthread.h>

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
		tf_inctest_hook(n, t);
		rc = n ? tf_exec_sql(tp, n, c, t, NULL, e) : wh_exec(c, t, e);
		if (relver_sql_writes(t))
			relver_bump_all(); /* a hook writes what it likes (core/relver.h) */
	}
	buf_free(&sql);
	return rc;
}

const char *tf_hook_sql(struct jinja_value hooks, size_t i, struct arena *a)
{
	struct jinja_value h = jinja_list_get(hooks, i), sqlv = h;
	if (h.type == JINJA_DICT)
		jinja_dict_get_str(h, "sql", &sqlv);
	return sqlv.type == JINJA_STR ? jinja_str_cstr(a, sqlv) : NULL;
}

int tf_run_hooks(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, const char *key,
		 bool execute, struct err *e)
{
	struct jinja_value hooks = tf_cfg(n, key);
	if (hooks.type != JINJA_LIST && hooks.type != JINJA_TUPLE)
		return 0;
	for (size_t i = 0; i < jinja_list_len(hooks); i++) {
		struct arena *a = arena_new(0);
		const char *src = tf_hook_sql(hooks, i, a);
		int rc = src ? tf_run_hook(tp, n, c, key, src, execute, e) : 0;
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
		wh_sql_sharding_clause(wh_adapter_for(tp->engine),
				       tf_cfg_str(n, "sharding_key", NULL), &b);
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
	if (!rc && k == WH_REL_TABLE && wh_has(tp->db, WH_CAP_EXCHANGE)) {
		/* no transactions, but one atomic swap: readers see the old
		 * table or the new one; the old one then goes */
		buf_reset(&b);
		buf_puts(&b, "exchange tables ");
		rel2(tp, n->schema, tmp, &b);
		buf_puts(&b, " and ");
		rel2(tp, n->schema, n->alias, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
		if (!rc) {
			buf_reset(&b);
			buf_puts(&b, "drop table if exists ");
			rel2(tp, n->schema, tmp, &b);
			rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
		}
	} else {
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

static int temp_columns(struct tf_proj *tp, struct wh_conn *c, const char *tmprel, struct arena *a,
			struct colset *out, struct err *e)
{
	/* a temporary table has no schema we can name portably: ask with a
	 * zero-row query */
	struct buf q = BUF_INIT;
	buf_puts(&q, "select * from ");
	buf_puts(&q, tmprel);
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

/* One predicate; unaliased: the target has no alias (ClickHouse's DELETE
 * takes none), so DBT_INTERNAL_DEST.col, as dbt's docs write predicates,
 * is the target's own column: the qualifier is dropped outside quotes. */
static void predicate(const char *p, bool unaliased, struct buf *out)
{
	static const char dest[] = "DBT_INTERNAL_DEST.";
	const size_t dl = sizeof(dest) - 1;
	buf_puts(out, " and ");
	if (!unaliased) {
		buf_puts(out, p);
		return;
	}
	char quote = 0;
	for (const char *c = p; *c;) {
		if (quote) {
			if (*c == quote)
				quote = 0;
			buf_putc(out, *c++);
		} else if (*c == '\'' || *c == '"' || *c == '`') {
			quote = *c;
			buf_putc(out, *c++);
		} else if (!strncasecmp(c, dest, dl) &&
			   (c == p || !(isalnum((unsigned char)c[-1]) || c[-1] == '_'))) {
			c += dl;
		} else {
			buf_putc(out, *c++);
		}
	}
}

static void predicates(struct tf_node *n, struct arena *a, bool unaliased, struct buf *out)
{
	struct jinja_value p = tf_cfg(n, "incremental_predicates");
	if (p.type == JINJA_STR) {
		predicate(jinja_str_cstr(a, p), unaliased, out);
	} else if (p.type == JINJA_LIST || p.type == JINJA_TUPLE) {
		for (size_t i = 0; i < jinja_list_len(p); i++) {
			struct jinja_value v = jinja_list_get(p, i);
			if (v.type == JINJA_STR)
				predicate(jinja_str_cstr(a, v), unaliased, out);
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


/* ---- microbatch (dbt 1.9) ----
 *
 * The model's SQL is run once per batch of batch_size (hour, day, month,
 * year) with ref()/source() of inputs that declare event_time filtered to
 * the batch (context.c). The batches: --event-time-start/-end when given;
 * else from `begin` on the first run (or --full-refresh), and from
 * `lookback` batches before the current one up to now afterwards. Each
 * batch replaces its window in one transaction (delete rows whose
 * event_time is in it, insert the batch's rows). The first batch of a new
 * table creates it alone; the others run in parallel on up to `threads`
 * connections (unless concurrent_batches is false); a failed batch is
 * retried once on its own. run_results records batch_results. */

#define US_HOUR (3600LL * 1000000)
#define US_DAY (86400LL * 1000000)

enum batch_size { BS_HOUR, BS_DAY, BS_MONTH, BS_YEAR };

static int64_t bs_trunc(int64_t us, enum batch_size bs)
{
	int64_t day = us >= 0 ? us / US_DAY : -((-us + US_DAY - 1) / US_DAY);
	if (bs == BS_HOUR)
		return us >= 0 ? us / US_HOUR * US_HOUR : -((-us + US_HOUR - 1) / US_HOUR) * US_HOUR;
	if (bs == BS_DAY)
		return day * US_DAY;
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	return days_from_civil(y, bs == BS_YEAR ? 1 : m, 1) * US_DAY;
}

static int64_t bs_add(int64_t us, enum batch_size bs, int64_t k)
{
	if (bs == BS_HOUR)
		return us + k * US_HOUR;
	if (bs == BS_DAY)
		return us + k * US_DAY;
	int64_t day = us / US_DAY; /* us is truncated: a whole day */
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	int64_t months = (int64_t)y * 12 + (m - 1) + (bs == BS_YEAR ? 12 * k : k);
	return days_from_civil((int)(months / 12), (unsigned)(months % 12) + 1, 1) * US_DAY;
}

struct mb_batch {
	int64_t start, end;
	int rc;
	char *msg;
	int64_t rows;
};

struct mb_run {
	struct tf_proj *tp;
	struct tf_node *n;
	const char *et;
	struct mb_batch *b;
	size_t nb, next;
	pthread_mutex_t lock;
};

static void mb_log(struct mb_run *m, const char *sql)
{
	pthread_mutex_lock(&m->lock);
	buf_puts(&m->n->run_sql, sql);
	buf_puts(&m->n->run_sql, ";\n\n");
	pthread_mutex_unlock(&m->lock);
}

/* One batch into the existing table: delete its window, insert its rows,
 * one transaction. Where writes cannot be rolled back (WH_CAP_NO_ROLLBACK)
 * the batch's rows go to a table of their own first, so a batch query that
 * fails has deleted nothing; the window is then replaced from that table. */
static int mb_insert(struct mb_run *m, struct wh_conn *c, struct mb_batch *b, struct err *e)
{
	struct tf_proj *tp = m->tp;
	struct tf_node *n = m->n;
	struct buf sql = BUF_INIT, q = BUF_INIT;
	int rc = tf_render_batch(tp, n, c, b->start, b->end, &sql, e);
	if (rc) {
		buf_free(&sql);
		return rc;
	}
	strip_semicolon(&sql);
	char s1[40], s2[40];
	ts_format(b->start, s1);
	ts_format(b->end, s2);
	char *stage = NULL;
	if (wh_has(tp->db, WH_CAP_NO_ROLLBACK)) {
		stage = xasprintf("%s__dbt_mb_%zu", n->alias, (size_t)(b - m->b));
		struct buf st = BUF_INIT;
		buf_puts(&q, "drop table if exists ");
		rel2(tp, n->schema, stage, &q);
		rc = wh_exec_count(c, buf_cstr(&q), NULL, e);
		if (!rc)
			rc = create_table_as(tp, n, c, n->schema, stage, false, buf_cstr(&sql), NULL, e);
		rel2(tp, n->schema, stage, &st);
		buf_reset(&sql);
		buf_printf(&sql, "select * from %s", buf_cstr(&st));
		buf_free(&st);
		buf_reset(&q);
		if (rc) {
			buf_free(&sql);
			buf_free(&q);
			free(stage);
			return rc;
		}
	}
	rc = wh_begin(c, e);
	if (!rc) {
		buf_puts(&q, "delete from ");
		rel2(tp, n->schema, n->alias, &q);
		buf_printf(&q, " where %s >= cast('%s' as timestamp) and %s < cast('%s' as timestamp)",
			   m->et, s1, m->et, s2);
		mb_log(m, buf_cstr(&q));
		rc = wh_exec_count(c, buf_cstr(&q), NULL, e);
	}
	if (!rc) {
		buf_reset(&q);
		buf_puts(&q, "insert into ");
		rel2(tp, n->schema, n->alias, &q);
		buf_printf(&q, "\nselect * from (\n%s\n) as dbt_microbatch_src", buf_cstr(&sql));
		mb_log(m, buf_cstr(&q));
		int64_t rows = -1;
		rc = wh_exec_count(c, buf_cstr(&q), &rows, e);
		b->rows = rows;
	}
	if (!rc)
		rc = wh_commit(c, e);
	else
		wh_rollback(c, NULL);
	if (stage) {
		buf_reset(&q);
		buf_puts(&q, "drop table if exists ");
		rel2(tp, n->schema, stage, &q);
		struct err de = ERR_INIT; /* a leftover is dropped by the next run */
		wh_exec_count(c, buf_cstr(&q), NULL, &de);
		err_clear(&de);
		free(stage);
	}
	buf_free(&sql);
	buf_free(&q);
	return rc;
}

static void mb_one(struct mb_run *m, struct wh_conn *c, struct mb_batch *b)
{
	struct err e = ERR_INIT;
	int rc = mb_insert(m, c, b, &e);
	if (rc && rc != ING_ECANCELED && rc != ING_ETIMEOUT && rc != ING_ECONNECT &&
	    !cancel_requested(m->tp->opts ? m->tp->opts->cancel : NULL)) {
		/* retried once, on its own (a conflict with a concurrent batch,
		 * a transient error) */
		err_clear(&e);
		rc = mb_insert(m, c, b, &e);
	}
	b->rc = rc;
	if (rc)
		b->msg = err_string(&e);
	err_clear(&e);
}

struct mb_worker {
	struct mb_run *m;
	struct wh_conn *c; /* NULL: connect */
};

static void *mb_worker_main(void *arg)
{
	struct mb_worker *w = arg;
	struct mb_run *m = w->m;
	struct wh_conn *c = w->c;
	struct err e = ERR_INIT;
	bool own = !c;
	if (own && wh_connect(m->tp->db, &c, &e))
		c = NULL;
	if (own && c)
		wh_conn_set_cancel(c, m->tp->opts ? m->tp->opts->cancel : NULL);
	for (;;) {
		pthread_mutex_lock(&m->lock);
		size_t i = m->next < m->nb ? m->next++ : m->nb;
		pthread_mutex_unlock(&m->lock);
		if (i >= m->nb)
			break;
		if (!c) {
			m->b[i].rc = e.code ? e.code : ING_ECONNECT;
			m->b[i].msg = xasprintf("could not connect: %s", e.msg ? e.msg : "");
			continue;
		}
		mb_one(m, c, &m->b[i]);
	}
	if (own)
		wh_disconnect(c);
	err_clear(&e);
	return NULL;
}

static void batch_json(struct buf *out, const struct mb_batch *b, size_t nb, bool ok)
{
	buf_putc(out, '[');
	bool first = true;
	for (size_t i = 0; i < nb; i++) {
		if ((b[i].rc == 0) != ok)
			continue;
		char s1[40], s2[40];
		ts_format_iso(b[i].start, s1);
		ts_format_iso(b[i].end, s2);
		buf_printf(out, "%s[\"%s\", \"%s\"]", first ? "" : ", ", s1, s2);
		first = false;
	}
	buf_putc(out, ']');
}

static int mat_microbatch(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e)
{
	const char *et = tf_cfg_str(n, "event_time", NULL);
	const char *bss = tf_cfg_str(n, "batch_size", NULL);
	const char *begin = tf_cfg_str(n, "begin", NULL);
	if (!et || !*et)
		return err_set(e, ING_ECONFIG,
			       "microbatch model %s needs config event_time: the column of the model's "
			       "rows that places each in a batch", n->name);
	enum batch_size bs;
	if (bss && !strcmp(bss, "hour"))
		bs = BS_HOUR;
	else if (bss && !strcmp(bss, "day"))
		bs = BS_DAY;
	else if (bss && !strcmp(bss, "month"))
		bs = BS_MONTH;
	else if (bss && !strcmp(bss, "year"))
		bs = BS_YEAR;
	else
		return err_set(e, ING_ECONFIG,
			       "microbatch model %s: batch_size must be hour, day, month or year, not '%s'",
			       n->name, bss ? bss : "(unset)");
	int64_t lookback = 1;
	struct jinja_value lb = tf_cfg(n, "lookback");
	if (lb.type == JINJA_INT && lb.u.i >= 0)
		lookback = lb.u.i;
	else if (lb.type != JINJA_UNDEFINED && lb.type != JINJA_NONE)
		return err_set(e, ING_ECONFIG, "microbatch model %s: lookback must be a whole number >= 0",
			       n->name);
	int64_t begin_us = 0;
	if (begin) {
		int32_t days;
		if (!ts_parse(begin, strlen(begin), &begin_us)) {
		} else if (!date_parse(begin, strlen(begin), &days)) {
			begin_us = (int64_t)days * US_DAY;
		} else {
			return err_set(e, ING_ECONFIG,
				       "microbatch model %s: begin '%s' is not a date or timestamp "
				       "(write YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS')", n->name, begin);
		}
	}
	struct jinja_value fr = tf_cfg(n, "full_refresh");
	bool full = tp->full_refresh;
	if (fr.type == JINJA_BOOL)
		full = fr.u.b;
	bool exists = tf_rel_kind(tp, c, n->schema, n->alias) == WH_REL_TABLE && !full;
	if (!exists && !begin && !tp->have_et_start)
		return err_set(e, ING_ECONFIG,
			       "microbatch model %s needs config begin (the time its first batch "
			       "starts) to build from scratch, or --event-time-start", n->name);
	int64_t now = now_us();
	int64_t end = tp->have_et_end ? tp->et_end : now;
	int64_t start = tp->have_et_start ? tp->et_start
			: exists ? bs_add(bs_trunc(now, bs), bs, -lookback)
			: begin_us;
	start = bs_trunc(start, bs);
	size_t nb = 0, cap = 16;
	struct mb_batch *b = xcalloc(cap, sizeof(*b));
	for (int64_t t = start; t < end; t = bs_add(t, bs, 1)) {
		if (nb == cap) {
			if (cap >= 1000000) {
				free(b);
				return err_set(e, ING_ELIMIT,
					       "microbatch model %s would run more than a million batches: "
					       "raise batch_size or narrow begin/--event-time-start", n->name);
			}
			cap *= 2;
			b = xrealloc(b, cap * sizeof(*b));
		}
		b[nb++] = (struct mb_batch){.start = t, .end = bs_add(t, bs, 1), .rows = -1};
	}
	struct mb_run m = {.tp = tp, .n = n, .et = et, .b = b, .nb = nb};
	pthread_mutex_init(&m.lock, NULL);
	int rc = 0;
	size_t first = 0;
	if (nb && !exists) {
		/* the first batch makes the table (replacing what is there) */
		struct buf sql = BUF_INIT;
		rc = tf_render_batch(tp, n, c, b[0].start, b[0].end, &sql, e);
		if (!rc) {
			strip_semicolon(&sql);
			rc = mat_table(tp, n, c, buf_cstr(&sql), e);
			b[0].rows = n->rows_affected;
		}
		buf_free(&sql);
		if (rc) {
			/* nothing to insert into */
			b[0].rc = rc;
			for (size_t i = 1; i < nb; i++) {
				b[i].rc = ING_EFAIL;
				b[i].msg = xstrdup("not run: the first batch, which creates the table, failed");
			}
			first = nb;
		} else {
			first = 1;
		}
	} else if (!nb && !exists) {
		/* no batch (begin is in the future): an empty table all the same */
		struct buf sql = BUF_INIT;
		rc = tf_render_batch(tp, n, c, begin_us, begin_us, &sql, e);
		if (!rc) {
			strip_semicolon(&sql);
			rc = mat_table(tp, n, c, buf_cstr(&sql), e);
		}
		buf_free(&sql);
	}
	if (first < nb) {
		m.next = first;
		bool conc = tf_cfg_bool(n, "concurrent_batches", true);
		size_t k = conc && tp->threads > 1 ? (size_t)tp->threads : 1;
		if (k > nb - first)
			k = nb - first;
		struct mb_worker *ws = xcalloc(k, sizeof(*ws));
		pthread_t *th = xcalloc(k, sizeof(*th));
		bool *started = xcalloc(k, sizeof(*started));
		for (size_t i = 1; i < k; i++) {
			ws[i] = (struct mb_worker){&m, NULL};
			started[i] = pthread_create(&th[i], NULL, mb_worker_main, &ws[i]) == 0;
		}
		ws[0] = (struct mb_worker){&m, c};
		mb_worker_main(&ws[0]);
		for (size_t i = 1; i < k; i++)
			if (started[i])
				pthread_join(th[i], NULL);
		free(ws);
		free(th);
		free(started);
	}
	size_t nfail = 0, fi = nb;
	int64_t rows = 0;
	for (size_t i = 0; i < nb; i++) {
		if (b[i].rc) {
			nfail++;
			if (fi == nb)
				fi = i;
		} else if (b[i].rows > 0) {
			rows += b[i].rows;
		}
	}
	struct buf j = BUF_INIT;
	batch_json(&j, b, nb, true);
	free(n->batch_ok);
	n->batch_ok = buf_detach(&j, NULL);
	batch_json(&j, b, nb, false);
	free(n->batch_failed);
	n->batch_failed = buf_detach(&j, NULL);
	n->partial = nfail && nfail < nb;
	if (nfail && !rc) {
		char s1[40];
		ts_format(b[fi].start, s1);
		rc = err_set(e, b[fi].rc ? b[fi].rc : ING_EFAIL,
			     "%zu of %zu batches failed (retried once each; the others are in place; "
			     "rerun to retry them); first, the batch from %s: %s",
			     nfail, nb, s1, b[fi].msg ? b[fi].msg : "");
	}
	if (rc && rc == ING_ECONNECT)
		rc = ING_EFAIL; /* the worker's own connection is fine */
	n->rows_affected = rows;
	n->adapter_code = "INSERT";
	if (!rc)
		tf_rel_set(tp, n->schema, n->alias, WH_REL_TABLE);
	for (size_t i = 0; i < nb; i++)
		free(b[i].msg);
	free(b);
	pthread_mutex_destroy(&m.lock);
	return rc;
}

static int mat_incremental(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			   const char *sql, struct err *e)
{
	const char *strat = tf_cfg_str(n, "incremental_strategy", NULL);
	if (strat && !strcmp(strat, "microbatch"))
		return mat_microbatch(tp, n, c, e);
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
	if (strcmp(strategy, "append") && strcmp(strategy, "delete+insert") && strcmp(strategy, "merge") &&
	    strcmp(strategy, "insert_overwrite")) {
		int rc = err_set(e, ING_ECONFIG,
				 "incremental_strategy '%s' is not known: use append, delete+insert, merge, "
				 "insert_overwrite or microbatch",
				 strategy);
		arena_free(a);
		return rc;
	}
	/* refused at parse time already (check_strategy); a model whose
	 * config changed since is refused here the same way */
	if (!strcmp(strategy, "merge") && wh_sql_merge_refusal(wh_adapter_for(tp->engine))) {
		int rc = err_setloc(e, ING_ECONFIG, n->original_file_path, 1, 1,
				    "model %s: incremental_strategy 'merge': %s", n->name,
				    wh_sql_merge_refusal(wh_adapter_for(tp->engine)));
		arena_free(a);
		return rc;
	}
	bool overwrite = !strcmp(strategy, "insert_overwrite");
	int64_t rows = -1;
	struct colset src = {0}, dst = {0};
	bool keep = false; /* the new rows stay after the commit (inctest.c) */
	/* the new rows: a temporary table, or where DML subqueries cannot
	 * read one (WH_CAP_KEYS_IN: ClickHouse's mutations run outside the
	 * session) a table next to the target */
	bool staged = wh_has(tp->db, WH_CAP_KEYS_IN);
	struct buf trb = BUF_INIT;
	if (staged)
		rel2(tp, n->schema, tmp, &trb);
	else
		qid(tp, tmp, &trb);
	const char *tmprel = arena_strdup(a, buf_cstr(&trb));
	buf_free(&trb);
	int rc = wh_begin(c, e);
	if (!rc && staged) {
		buf_printf(&b, "drop table if exists %s", tmprel);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
		buf_reset(&b);
	}
	if (!rc)
		rc = create_table_as(tp, n, c, staged ? n->schema : NULL, tmp, !staged, sql, NULL, e);
	if (!rc)
		rc = temp_columns(tp, c, tmprel, a, &src, e);
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
	if (nkeys && !use_merge && !overwrite && strcmp(strategy, "append")) {
		buf_reset(&b);
		buf_puts(&b, "delete from ");
		rel2(tp, n->schema, n->alias, &b);
		if (wh_has(tp->db, WH_CAP_KEYS_IN)) {
			/* no alias, no correlated subquery: the keys as a tuple */
			buf_puts(&b, " where (");
			for (size_t i = 0; i < nkeys; i++)
				buf_printf(&b, "%s%s", i ? ", " : "", keys[i]);
			buf_puts(&b, ") in (select ");
			for (size_t i = 0; i < nkeys; i++)
				buf_printf(&b, "%s%s", i ? ", " : "", keys[i]);
			buf_puts(&b, " from ");
			buf_puts(&b, tmprel);
			buf_puts(&b, ")");
		} else {
			buf_puts(&b, " as DBT_INTERNAL_DEST where exists (select 1 from ");
			buf_puts(&b, tmprel);
			buf_puts(&b, " as DBT_INTERNAL_SOURCE where ");
			for (size_t i = 0; i < nkeys; i++)
				buf_printf(&b, "%sDBT_INTERNAL_SOURCE.%s = DBT_INTERNAL_DEST.%s",
					   i ? " and " : "", keys[i], keys[i]);
			buf_puts(&b, ")");
		}
		predicates(n, a, wh_has(tp->db, WH_CAP_KEYS_IN), &b);
		if (!(rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e))) {
			/* fall through to the insert */
		}
	}
	if (!rc && use_merge) {
		buf_reset(&b);
		buf_puts(&b, "merge into ");
		rel2(tp, n->schema, n->alias, &b);
		buf_puts(&b, " as DBT_INTERNAL_DEST using ");
		buf_puts(&b, tmprel);
		buf_puts(&b, " as DBT_INTERNAL_SOURCE on (");
		for (size_t i = 0; i < nkeys; i++)
			buf_printf(&b, "%sDBT_INTERNAL_SOURCE.%s = DBT_INTERNAL_DEST.%s", i ? " and " : "",
				   keys[i], keys[i]);
		buf_puts(&b, ")");
		predicates(n, a, false, &b);
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
	} else if (!rc && overwrite) {
		rc = wh_replace_partitions(c, n->schema, n->alias, tmprel, buf_cstr(&cols), &rows, e);
		n->adapter_code = "INSERT";
	} else if (!rc) {
		buf_reset(&b);
		buf_puts(&b, "insert into ");
		rel2(tp, n->schema, n->alias, &b);
		buf_printf(&b, " (%s)\nselect %s from ", buf_cstr(&cols), buf_cstr(&cols));
		buf_puts(&b, tmprel);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), &rows, e);
		n->adapter_code = "INSERT";
	}
	/* the tests that may be checked on the new rows alone (inctest.c)
	 * need them after the commit; the columns must be the table's: a
	 * column only the table has is null in every new row */
	bool same = true;
	for (size_t i = 0; i < src.n; i++)
		same &= has_col(&dst, src.c[i].name);
	for (size_t i = 0; i < dst.n; i++)
		same &= has_col(&src, dst.c[i].name);
	keep = !rc && !staged && same && tf_inctest_wanted(n);
	if (!rc && !keep) {
		buf_reset(&b);
		buf_puts(&b, "drop table if exists ");
		buf_puts(&b, tmprel);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
out:
	if (!rc)
		rc = wh_commit(c, e);
	else
		wh_rollback(c, NULL);
	if (!rc)
		tf_inctest_kept(n, strategy, keys, nkeys, overwrite);
	if (keep) {
		/* one key, every row of which the new rows hold replaced (delete+
		 * insert or merge without incremental_predicates, which would
		 * keep some): a duplicate of it can only be among the new rows */
		struct jinja_value ip = tf_cfg(n, "incremental_predicates");
		bool replaced = nkeys == 1 && !overwrite && strcmp(strategy, "append") &&
				!(ip.type == JINJA_STR && *ip.u.s) &&
				!((ip.type == JINJA_LIST || ip.type == JINJA_TUPLE) && jinja_list_len(ip));
		if (!rc)
			tf_inctest_prove(tp, n, c, tmprel, replaced ? keys[0] : NULL);
		buf_reset(&b);
		buf_puts(&b, "drop table if exists ");
		buf_puts(&b, tmprel);
		struct err de = ERR_INIT;
		int drc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, rc ? &de : e);
		err_clear(&de);
		if (!rc)
			rc = drc;
	}
	if (rc) {
		/* the temporary table may outlive a failed transaction on engines
		 * without transactional DDL */
		struct err ig = ERR_INIT;
		buf_reset(&b);
		buf_puts(&b, "drop table if exists ");
		buf_puts(&b, tmprel);
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
		rc = tf_inctest_begin(tp, n, c, e); /* before anything writes the relation */
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
