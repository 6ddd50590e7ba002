/*
 * dash/load.c — read and check dashboards/<name>.yml (format v1, the issue-13
 * contract; documented in the README).
 *
 * Every problem is a diagnostic at the node's file:line:col and loading
 * goes on, so one run of `ingot dashboards check` shows them all: unknown
 * keys, names, types, formats, grains and sort keys get a "did you mean"
 * from the names that were possible there (edit distance, as yaml.c's
 * unknown keys). A tile whose view is unknown is not checked further (its
 * measures would only repeat the error).
 *
 * Against the project: a view's model is a ref name (a model, seed or
 * snapshot) looked up in the project's nodes through platform/catalog
 * (the manifest, made fresh when stale), which gives its relation
 * (schema, alias) as transform builds it. Against the warehouse (when a
 * connection is given): the relation's columns (wh_list_columns) check the
 * time column and the dimensions without an expression; every expression
 * of a view is prepared in one `select ... where false`, and only when that
 * fails each one alone, to point at the bad one with the engine's message.
 * A relation that is not built yet is a warning, not an error.
 *
 * Not done here: YAML itself (config/yaml.c), queries (query.c).
 */
#include "dash/dash_int.h"

#include "config/project.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"
#include "platform/catalog.h"
#include "warehouse/warehouse.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct ld {
	struct dash_set *s;
	struct arena *a;
	struct strmap views;  /* name -> struct dash_view * */
	struct strmap boards; /* name -> struct dash_board * */
	struct catalog *cat;
	struct wh_conn *conn;
};

static void diag(struct ld *l, const struct ynode *at, bool warning, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void diag(struct ld *l, const struct ynode *at, bool warning, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	struct dash_diag d = {
		.file = at && at->file ? at->file : "",
		.line = at ? at->line : 0,
		.col = at ? at->col : 0,
		.message = arena_strdup(l->a, buf_cstr(&b)),
		.warning = warning,
	};
	buf_free(&b);
	vec_push(&l->s->diags, d);
	if (!warning)
		l->s->nerrors++;
}

/* " (did you mean 'x'?)" for the closest of names, or "". */
static const char *suggest(struct arena *a, const char *got, const char *const *names, size_t n)
{
	const char *best = NULL;
	int bd = 3;
	for (size_t i = 0; i < n; i++) {
		int d = str_edit_distance(got, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	return best ? arena_printf(a, " (did you mean '%s'?)", best) : "";
}

/* Keys of map not in allowed (NULL-terminated) are errors. */
static void check_keys(struct ld *l, const struct ynode *map, const char *what,
		       const char *const *allowed)
{
	size_t na = 0;
	while (allowed[na])
		na++;
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->str ? map->keys[i]->str : "";
		size_t j = 0;
		while (j < na && strcmp(allowed[j], k))
			j++;
		if (j == na && !strcmp(k, "pre_aggregated_ok"))
			diag(l, map->keys[i], false,
			     "unknown key '%s' in %s: it acknowledges one measure, so it goes on "
			     "that measure",
			     k, what);
		else if (j == na)
			diag(l, map->keys[i], false, "unknown key '%s' in %s%s", k, what,
			     suggest(l->a, k, allowed, na));
	}
}

/* A scalar value of key (NULL when absent); a non-scalar is an error. */
static const char *get_str(struct ld *l, const struct ynode *map, const char *key, bool required,
			   const char *what)
{
	struct ynode *v = ymap_get(map, key);
	if (!v || v->type == Y_NULL) {
		if (required)
			diag(l, map, false, "%s: missing required key '%s'", what, key);
		return NULL;
	}
	if (v->type != Y_SCALAR) {
		diag(l, v, false, "%s: '%s' must be a single value", what, key);
		return NULL;
	}
	return arena_strndup(l->a, v->str, v->len);
}

static bool get_int(struct ld *l, const struct ynode *map, const char *key, int lo, int hi, int *out)
{
	struct ynode *v = ymap_get(map, key);
	if (!v || v->type == Y_NULL)
		return false;
	int64_t x;
	if (v->type != Y_SCALAR || yscalar_int(v, &x) || x < lo || x > hi) {
		diag(l, v, false, "'%s' must be a whole number from %d to %d", key, lo, hi);
		return false;
	}
	*out = (int)x;
	return true;
}

static bool valid_name(const char *s)
{
	if (!s || !*s || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* The name of an item (checked); NULL when missing or bad. */
static const char *item_name(struct ld *l, const struct ynode *map, const char *what)
{
	const char *n = get_str(l, map, "name", true, what);
	if (n && !valid_name(n)) {
		diag(l, ymap_get(map, "name"), false,
		     "%s name '%s' must be lower case letters, digits and _ (not starting with a digit)",
		     what, n);
		return NULL;
	}
	return n;
}

static const struct ynode *seq_of(struct ld *l, const struct ynode *map, const char *key)
{
	struct ynode *v = ymap_get(map, key);
	if (!v || v->type == Y_NULL)
		return NULL;
	if (v->type != Y_SEQ) {
		diag(l, v, false, "'%s' must be a list", key);
		return NULL;
	}
	return v;
}

static const char *label_of(struct ld *l, const char *name)
{
	char *s = arena_strdup(l->a, name);
	for (char *p = s; *p; p++)
		if (*p == '_')
			*p = ' ';
	if (*s >= 'a' && *s <= 'z')
		*s = (char)(*s - 'a' + 'A');
	return s;
}

/* ---------------------------------------------------------------- views */

static const char *const view_keys[] = {"name", "model", "time", "label", "grain", "pre_aggregated",
					"dimensions", "measures", "description", "related", "unfiltered",
					NULL};
static const char *const related_keys[] = {"model", "on", "related_on", "dimensions", "description",
					   NULL};
static const char *const dim_keys[] = {"name", "expr", "label", "description", NULL};
static const char *const measure_keys[] = {"name",	 "expr",	"label", "format",
					   "description", "pre_aggregated_ok", NULL};
static const char *const formats[] = {"currency", "percent", "integer", "number", "compact", NULL};

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static size_t list_len(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

/* A view or an ephemeral model shows its parents' rows as they are now; a
 * table (incremental, snapshot, seed, source, materialized view) holds rows
 * that change only when it is itself written. */
static bool reads_through(const struct cat_node *n)
{
	return n->type == CAT_MODEL && n->materialized &&
	       (!strcmp(n->materialized, "view") || !strcmp(n->materialized, "ephemeral"));
}

struct reads {
	VEC(const char *) rel; /* schema, alias pairs */
};

static void add_reads(struct reads *rd, const struct cat_node *n, size_t depth)
{
	if (depth > 64) /* the manifest's graph is a DAG; a guard all the same */
		return;
	bool ephemeral = n->materialized && !strcmp(n->materialized, "ephemeral");
	if (n->schema && n->alias && !ephemeral) {
		for (size_t i = 0; i + 1 < rd->rel.len; i += 2)
			if (!strcmp(rd->rel.items[i], n->schema) && !strcmp(rd->rel.items[i + 1], n->alias))
				return; /* seen: its parents too */
		vec_push(&rd->rel, n->schema);
		vec_push(&rd->rel, n->alias);
	}
	if (reads_through(n))
		for (size_t i = 0; i < n->nparents; i++)
			add_reads(rd, n->parents[i], depth + 1);
}

/* The model of ref name `model` (for view `vname`; at: its model: key),
 * with its relation in schema and alias; NULL and a diagnostic when there
 * is none. */
static const struct cat_node *resolve_ref(struct ld *l, const char *vname, const char *model,
					  const struct ynode *at, const char **schema, const char **alias)
{
	if (!l->cat || !model)
		return NULL;
	const struct cat_node *best = NULL, *ok = NULL;
	VEC(const char *) names = VEC_INIT;
	for (size_t i = 0; i < l->cat->nnodes; i++) {
		const struct cat_node *n = l->cat->nodes[i];
		if (n->type != CAT_MODEL && n->type != CAT_SEED && n->type != CAT_SNAPSHOT)
			continue;
		vec_push(&names, n->name);
		if (!strcmp(n->name, model) && (!best || n->type == CAT_MODEL))
			best = n;
	}
	if (!best)
		diag(l, at, false, "view '%s': unknown model '%s'%s", vname, model,
		     suggest(l->a, model, names.items, names.len));
	else if (!best->schema || !best->alias ||
		 (best->materialized && !strcmp(best->materialized, "ephemeral")))
		diag(l, at, false, "view '%s': model '%s' is ephemeral: it has no relation to query",
		     vname, model);
	else {
		*schema = arena_strdup(l->a, best->schema);
		*alias = arena_strdup(l->a, best->alias);
		ok = best;
	}
	vec_free(&names);
	return ok;
}

/* The view's relation and its related models' relations, and what each
 * reads through views (v->reads: its own relation first). */
static void resolve_model(struct ld *l, struct dash_view *v)
{
	struct reads rd = {VEC_INIT};
	const struct cat_node *n =
		resolve_ref(l, v->name, v->model, ymap_get(v->at, "model"), &v->schema, &v->alias);
	if (n)
		add_reads(&rd, n, 0);
	for (size_t i = 0; i < v->nrelated; i++) {
		struct dash_related *r = &v->related[i];
		n = resolve_ref(l, v->name, r->model, ymap_get(r->at, "model"), &r->schema, &r->alias);
		if (n && rd.rel.len) /* filters read it too */
			add_reads(&rd, n, 0);
	}
	if (rd.rel.len) {
		v->nreads = rd.rel.len / 2;
		v->reads = arena_alloc(l->a, (rd.rel.len + 1) * sizeof(*v->reads));
		for (size_t i = 0; i < rd.rel.len; i++)
			v->reads[i] = arena_strdup(l->a, rd.rel.items[i]);
	}
	vec_free(&rd.rel);
}

static void add_expr(struct ld *l, const struct dash_view *v, struct buf *sql, const char *expr)
{
	(void)l;
	(void)v;
	if (sql->len)
		buf_puts(sql, ", ");
	buf_printf(sql, "(%s)", expr);
}

/* The engine's message on one line, without the echo of our query (the
 * file's line:col points at the expression already); a hint after the
 * echo (PostgreSQL's "HINT: Perhaps you meant ...") is kept. */
static const char *engine_msg(struct arena *a, const char *m)
{
	if (!m)
		return "invalid expression";
	struct buf b = BUF_INIT;
	const char *echo = strstr(m, "LINE 1: ");
	if (echo && echo > m && (echo[-1] == '\n' || echo[-1] == ' ')) {
		buf_add(&b, m, (size_t)(echo - m));
		const char *hint = strstr(echo, "HINT:");
		if (hint)
			buf_printf(&b, " %s", hint);
	} else {
		buf_puts(&b, m);
	}
	/* one line, single spaces */
	char *s = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	char *w = s;
	for (char *p = s; *p; p++) {
		bool sp = *p == '\n' || *p == ' ' || *p == '\t';
		if (sp && (w == s || w[-1] == ' '))
			continue;
		*w++ = sp ? ' ' : *p;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = 0;
	return s;
}

/* Run sql in a read-only transaction of its own (as the tiles' queries
 * run: checking runs nothing that writes; and a failure leaves no aborted
 * transaction behind for the next check). */
static int try_sql(struct wh_conn *c, const char *sql, struct err *e)
{
	int rc = wh_exec(c, "begin transaction read only", e);
	struct wh_result *r = NULL;
	if (!rc)
		rc = wh_query(c, sql, NULL, 0, &r, e);
	wh_result_free(r);
	struct err ig = ERR_INIT;
	wh_rollback(c, &ig);
	err_clear(&ig);
	return rc;
}

static bool has_col(const char **cn, size_t nc, const char *name)
{
	for (size_t i = 0; i < nc; i++)
		if (!strcmp(cn[i], name))
			return true;
	return false;
}

/* Check a related model of view v: its relation exists, the view has the
 * key (cn: the view's columns) and the related model has its key, its
 * dimensions' columns, and takes their expressions. */
static void check_related(struct ld *l, const struct dash_view *v, const struct dash_related *r,
			  const char **cn, size_t nc)
{
	if (!r->schema)
		return;
	const struct ynode *on = ymap_get(r->at, "on");
	if (!has_col(cn, nc, r->key))
		diag(l, on, false, "view '%s': model '%s' has no column '%s' (the key of related model '%s')%s",
		     v->name, v->model, r->key, r->model, suggest(l->a, r->key, cn, nc));
	struct wh_db *db = wh_conn_db(l->conn);
	struct arena *a = arena_new(0);
	struct wh_column_info *cols = NULL;
	size_t rn = 0;
	struct err e = ERR_INIT;
	if (wh_list_columns(l->conn, r->schema, r->alias, a, &cols, &rn, &e) || rn == 0) {
		diag(l, ymap_get(r->at, "model"), true,
		     "view '%s': the relation of related model '%s' (%s.%s) is not in the warehouse yet: "
		     "its columns are not checked (build the model, then check again)",
		     v->name, r->model, r->schema, r->alias);
		err_clear(&e);
		arena_free(a);
		return;
	}
	const char **rc = arena_alloc(a, rn * sizeof(*rc));
	for (size_t i = 0; i < rn; i++)
		rc[i] = cols[i].name;
	if (!has_col(rc, rn, r->related_key)) {
		const struct ynode *ro = ymap_get(r->at, "related_on");
		diag(l, ro ? ro : on, false, "view '%s': related model '%s' has no column '%s'%s", v->name,
		     r->model, r->related_key, suggest(l->a, r->related_key, rc, rn));
	}
	struct buf rel = BUF_INIT, q = BUF_INIT;
	wh_relation_sql(db, r->schema, r->alias, &rel);
	for (size_t i = 0; i < v->ndims; i++) {
		const struct dash_dim *d = &v->dims[i];
		if (d->rel != r)
			continue;
		if (!d->expr) {
			if (!has_col(rc, rn, d->name)) {
				const struct ynode *at = d->at->type == Y_MAP ? ymap_get(d->at, "name") : d->at;
				diag(l, at, false,
				     "view '%s': related model '%s' has no column '%s'%s (or give the "
				     "dimension an expr:)",
				     v->name, r->model, d->name, suggest(l->a, d->name, rc, rn));
			}
			continue;
		}
		buf_reset(&q);
		buf_printf(&q, "select (%s) from %s where false", d->expr, buf_cstr(&rel));
		if (try_sql(l->conn, buf_cstr(&q), &e)) {
			const struct ynode *en = ymap_get(d->at, "expr");
			diag(l, en ? en : d->at, false, "view '%s': dimension '%s' (related model '%s'): %s",
			     v->name, d->name, r->model, engine_msg(l->a, e.msg));
			err_clear(&e);
		}
	}
	buf_free(&rel);
	buf_free(&q);
	arena_free(a);
}

/* Check the view against its relation in the warehouse. */
static void check_warehouse(struct ld *l, struct dash_view *v)
{
	if (!l->conn || !v->schema)
		return;
	struct wh_db *db = wh_conn_db(l->conn);
	struct arena *a = arena_new(0);
	struct wh_column_info *cols = NULL;
	size_t nc = 0;
	struct err e = ERR_INIT;
	if (wh_list_columns(l->conn, v->schema, v->alias, a, &cols, &nc, &e) || nc == 0) {
		diag(l, ymap_get(v->at, "model"), true,
		     "view '%s': the relation of model '%s' (%s.%s) is not in the warehouse yet: its "
		     "columns and expressions are not checked (build the model, then check again)",
		     v->name, v->model, v->schema, v->alias);
		err_clear(&e);
		arena_free(a);
		return;
	}
	const char **cn = arena_alloc(a, nc * sizeof(*cn));
	for (size_t i = 0; i < nc; i++)
		cn[i] = cols[i].name;
	bool time_ok = true;
	if (v->time && !has_col(cn, nc, v->time)) {
		time_ok = false;
		diag(l, ymap_get(v->at, "time"), false, "view '%s': model '%s' has no column '%s'%s",
		     v->name, v->model, v->time, suggest(l->a, v->time, cn, nc));
	}
	bool cols_ok = true;
	for (size_t i = 0; i < v->ndims; i++) {
		const struct dash_dim *d = &v->dims[i];
		if (!d->rel && !d->expr && !has_col(cn, nc, d->name)) {
			cols_ok = false;
			const struct ynode *at = d->at->type == Y_MAP ? ymap_get(d->at, "name") : d->at;
			diag(l, at, false,
			     "view '%s': model '%s' has no column '%s'%s (or give the dimension an expr:)",
			     v->name, v->model, d->name, suggest(l->a, d->name, cn, nc));
		}
	}
	/* every expression in one query; each alone only when that fails */
	struct buf rel = BUF_INIT, sql = BUF_INIT, q = BUF_INIT;
	wh_relation_sql(db, v->schema, v->alias, &rel);
	if (time_ok && v->time) {
		buf_reset(&q);
		wh_quote_ident(db, v->time, &q);
		add_expr(l, v, &sql, buf_cstr(&q));
	}
	for (size_t i = 0; i < v->ndims; i++)
		if (v->dims[i].expr && !v->dims[i].rel)
			add_expr(l, v, &sql, v->dims[i].expr);
	for (size_t i = 0; i < v->nmeasures; i++)
		add_expr(l, v, &sql, v->measures[i].expr);
	(void)cols_ok;
	for (size_t i = 0; i < v->nrelated; i++)
		check_related(l, v, &v->related[i], cn, nc);
	if (sql.len) {
		buf_reset(&q);
		buf_printf(&q, "select %s from %s where false", buf_cstr(&sql), buf_cstr(&rel));
		if (try_sql(l->conn, buf_cstr(&q), &e)) {
			err_clear(&e);
			for (size_t pass = 0; pass < 2; pass++) {
				size_t n = pass ? v->nmeasures : v->ndims;
				for (size_t i = 0; i < n; i++) {
					if (!pass && v->dims[i].rel)
						continue; /* checked against its own model */
					const char *ex = pass ? v->measures[i].expr : v->dims[i].expr;
					const struct ynode *at = pass ? v->measures[i].at : v->dims[i].at;
					const char *nm = pass ? v->measures[i].name : v->dims[i].name;
					if (!ex)
						continue;
					buf_reset(&q);
					buf_printf(&q, "select (%s) from %s where false", ex, buf_cstr(&rel));
					if (try_sql(l->conn, buf_cstr(&q), &e)) {
						const struct ynode *en = ymap_get(at, "expr");
						diag(l, en ? en : at, false, "view '%s': %s '%s': %s",
						     v->name, pass ? "measure" : "dimension", nm,
						     engine_msg(l->a, e.msg));
						err_clear(&e);
					}
				}
			}
		}
	}
	buf_free(&rel);
	buf_free(&sql);
	buf_free(&q);
	arena_free(a);
}

static bool non_additive(const char *expr)
{
	struct buf b = BUF_INIT;
	for (const char *p = expr; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n')
			buf_putc(&b, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
	const char *s = buf_cstr(&b);
	bool r = strstr(s, "count(distinct") || strstr(s, "avg(") || strchr(s, '/') ||
		 strstr(s, "median(") || strstr(s, "quantile") || strstr(s, "percentile");
	buf_free(&b);
	return r;
}

/* One dimension of view v (rel: of that related model, else NULL). */
static void add_dim(struct ld *l, struct dash_view *v, const struct ynode *d,
		    const struct dash_related *rel)
{
	struct dash_dim dd = {.at = d, .rel = rel};
	if (d->type == Y_SCALAR) { /* the short form: a column name */
		dd.name = arena_strndup(l->a, d->str, d->len);
		if (!valid_name(dd.name)) {
			diag(l, d, false, "dimension name '%s' must be lower case letters, digits and _",
			     dd.name);
			return;
		}
	} else if (d->type == Y_MAP) {
		check_keys(l, d, "a dimension", dim_keys);
		if (!(dd.name = item_name(l, d, "dimension")))
			return;
		dd.expr = get_str(l, d, "expr", false, "dimension");
		dd.label = get_str(l, d, "label", false, "dimension");
	} else {
		diag(l, d, false, "a dimension must be a name or a mapping (name:, expr:, label:)");
		return;
	}
	if (dash__view_dim(v, dd.name)) {
		diag(l, d, false, "view '%s': duplicate dimension '%s'", v->name, dd.name);
		return;
	}
	if (!dd.label)
		dd.label = label_of(l, dd.name);
	v->dims[v->ndims++] = dd;
}

static void load_view(struct ld *l, const struct ynode *m)
{
	if (m->type != Y_MAP) {
		diag(l, m, false, "a view must be a mapping (name:, model:, time:, dimensions:, measures:)");
		return;
	}
	check_keys(l, m, "a view", view_keys);
	const char *name = item_name(l, m, "view");
	if (!name)
		return;
	if (strmap_has(&l->views, name)) {
		diag(l, ymap_get(m, "name"), false, "duplicate view name '%s'", name);
		return;
	}
	struct dash_view *v = arena_zalloc(l->a, sizeof(*v));
	v->name = name;
	v->at = m;
	v->model = get_str(l, m, "model", true, arena_printf(l->a, "view '%s'", name));
	v->time = get_str(l, m, "time", false, "view");
	const char *lab = get_str(l, m, "label", false, "view");
	v->label = lab ? lab : label_of(l, name);
	struct ynode *pa = ymap_get(m, "pre_aggregated");
	if (pa && pa->type != Y_NULL && (pa->type != Y_SCALAR || yscalar_bool(pa, &v->pre_aggregated)))
		diag(l, pa, false, "'pre_aggregated' must be true or false");
	const struct ynode *ds = seq_of(l, m, "dimensions"), *ms = seq_of(l, m, "measures");
	const struct ynode *rs = seq_of(l, m, "related");
	size_t ndim = ds ? ds->n : 0;
	for (size_t i = 0; rs && i < rs->n; i++) {
		const struct ynode *ri = rs->items[i];
		const struct ynode *rd = ri->type == Y_MAP ? ymap_get(ri, "dimensions") : NULL;
		if (rd && rd->type == Y_SEQ)
			ndim += rd->n;
	}
	v->dims = arena_zalloc(l->a, ndim * sizeof(*v->dims) + 1);
	v->related = arena_zalloc(l->a, (rs ? rs->n : 0) * sizeof(*v->related) + 1);
	v->measures = arena_zalloc(l->a, (ms ? ms->n : 0) * sizeof(*v->measures) + 1);
	for (size_t i = 0; ds && i < ds->n; i++)
		add_dim(l, v, ds->items[i], NULL);
	for (size_t i = 0; rs && i < rs->n; i++) {
		const struct ynode *r = rs->items[i];
		if (r->type != Y_MAP) {
			diag(l, r, false, "a related model must be a mapping (model:, on:, dimensions:)");
			continue;
		}
		check_keys(l, r, "a related model", related_keys);
		struct dash_related *rr = &v->related[v->nrelated];
		rr->at = r;
		const char *what = arena_printf(l->a, "view '%s': related model", name);
		rr->model = get_str(l, r, "model", true, what);
		rr->key = get_str(l, r, "on", true, what);
		rr->related_key = get_str(l, r, "related_on", false, what);
		if (!rr->related_key)
			rr->related_key = rr->key;
		const struct ynode *rd = seq_of(l, r, "dimensions");
		if (!rd)
			diag(l, r, false,
			     "%s '%s': missing required key 'dimensions' (the columns it filters by)", what,
			     rr->model ? rr->model : "");
		if (!rr->model || !rr->key || !rd)
			continue;
		if (!valid_name(rr->key) || !valid_name(rr->related_key)) {
			diag(l, ymap_get(r, valid_name(rr->key) ? "related_on" : "on"), false,
			     "%s '%s': a key must be a column name (lower case letters, digits and _)", what,
			     rr->model);
			continue;
		}
		v->nrelated++;
		for (size_t j = 0; j < rd->n; j++)
			add_dim(l, v, rd->items[j], rr);
	}
	for (size_t i = 0; ms && i < ms->n; i++) {
		const struct ynode *d = ms->items[i];
		if (d->type != Y_MAP) {
			diag(l, d, false, "a measure must be a mapping (name:, expr:, format:, label:)");
			continue;
		}
		check_keys(l, d, "a measure", measure_keys);
		struct dash_measure mm = {.at = d};
		if (!(mm.name = item_name(l, d, "measure")))
			continue;
		mm.expr = get_str(l, d, "expr", true, arena_printf(l->a, "measure '%s'", mm.name));
		mm.label = get_str(l, d, "label", false, "measure");
		mm.format = get_str(l, d, "format", false, "measure");
		if (!mm.expr)
			continue;
		if (mm.format && !in_list(mm.format, formats)) {
			diag(l, ymap_get(d, "format"), false, "measure '%s': unknown format '%s'%s",
			     mm.name, mm.format, suggest(l->a, mm.format, formats, list_len(formats)));
			mm.format = NULL;
		}
		if (!mm.format)
			mm.format = "number";
		if (!mm.label)
			mm.label = label_of(l, mm.name);
		if (dash__view_measure(v, mm.name) || dash__view_dim(v, mm.name)) {
			diag(l, ymap_get(d, "name"), false, "view '%s': duplicate name '%s'", name, mm.name);
			continue;
		}
		/* pre_aggregated_ok: "why it is right" acknowledges the
		 * warning below for this measure only; the reason is kept
		 * (in the spec's views) for whoever reviews the file. It must
		 * acknowledge something: on a measure the check has nothing
		 * to say about it is an error, so a stale one cannot linger. */
		const struct ynode *ok = ymap_get(d, "pre_aggregated_ok");
		bool warned = v->pre_aggregated && non_additive(mm.expr);
		if (ok) {
			if (ok->type == Y_SCALAR)
				mm.ok_reason = arena_strndup(l->a, ok->str, ok->len);
			if (!mm.ok_reason || !*mm.ok_reason || !strcmp(mm.ok_reason, "true") ||
			    !strcmp(mm.ok_reason, "false")) {
				diag(l, ok, false,
				     "measure '%s': 'pre_aggregated_ok' takes the reason the measure is "
				     "right over pre-aggregated rows, as text (e.g. \"a ratio of sums of "
				     "disjoint counts\")",
				     mm.name);
				mm.ok_reason = NULL;
			} else if (!warned) {
				diag(l, ok, false,
				     "view '%s': measure '%s': 'pre_aggregated_ok' acknowledges nothing: %s; "
				     "remove it",
				     name, mm.name,
				     v->pre_aggregated ? "the measure is additive"
						       : "the view is not pre_aggregated");
				mm.ok_reason = NULL;
			}
		}
		if (warned && !mm.ok_reason && !ok)
			diag(l, ymap_get(d, "expr"), true,
			     "view '%s': measure '%s': non-additive measure over a pre-aggregated model: "
			     "computed from rows that are already aggregates; point the view at the model "
			     "at the measure's grain, or, when it is right at any grain, say why with "
			     "pre_aggregated_ok: \"reason\"",
			     name, mm.name);
		v->measures[v->nmeasures++] = mm;
	}
	/* unfiltered: {filter: why}: the page filters this view cannot apply,
	 * each with the reason the tile shows ("stock has no customer"). It
	 * must name a filter the view lacks, so a stale one cannot linger. */
	const struct ynode *uf = ymap_get(m, "unfiltered");
	if (uf && uf->type != Y_NULL && uf->type != Y_MAP)
		diag(l, uf, false,
		     "view '%s': 'unfiltered' must be a mapping of filter names to the reason the "
		     "view cannot apply it (segment: stock has no customer)",
		     name);
	else if (uf && uf->type == Y_MAP) {
		v->unfiltered = arena_zalloc(l->a, (uf->n + 1) * sizeof(*v->unfiltered));
		for (size_t i = 0; i < uf->n; i++) {
			const struct ynode *k = uf->keys[i], *val = uf->items[i];
			const char *fname = arena_strndup(l->a, k->str, k->len);
			if (val->type != Y_SCALAR || !val->len) {
				diag(l, val, false,
				     "view '%s': unfiltered '%s' takes the reason the view cannot apply "
				     "that filter, as text",
				     name, fname);
				continue;
			}
			if (dash__view_applies(v, fname)) {
				diag(l, k, false,
				     "view '%s': unfiltered '%s': the view applies that filter (%s); remove "
				     "it",
				     name, fname,
				     strcmp(fname, "date") ? "it has a dimension of that name"
							   : "it has a time column");
				continue;
			}
			v->unfiltered[v->nunfiltered++] = (struct dash_unfiltered){
				.filter = fname, .reason = arena_strndup(l->a, val->str, val->len), .at = k};
		}
	}
	strmap_put(&l->views, name, v);
	vec_push(&l->s->views, v);
	resolve_model(l, v);
	check_warehouse(l, v);
	for (size_t i = 0; l->cat && i < v->nrelated; i++)
		if (!v->related[i].schema) /* its filters could not apply: the view answers nothing */
			v->schema = v->alias = NULL;
}

/* ---------------------------------------------------------------- tiles */

static const char *const type_names[] = {"kpi", "line", "area", "bar", "pie", "donut",
					 "table", "funnel", "heatmap", "text", NULL};
static const char *const grains[] = {"day", "week", "month", "quarter", "year", NULL};
static const char *const ranges[] = {"last_7_days", "last_30_days", "last_90_days", "mtd", "qtd",
				     "ytd", "all", NULL};
static const char *const tile_keys[] = {
	"name", "type", "view", "title", "description", "width", "measure", "measures", "dimension",
	"dimensions", "grain", "top", "orientation", "breakdown", "sort", "page_size", "x", "y",
	"markdown", NULL};

const char *dash__tile_type_name(enum dash_tile_type t)
{
	return type_names[t];
}

static const struct dash_measure *want_measure(struct ld *l, const struct dash_view *v,
					       const struct ynode *at, const char *name,
					       const char *tile)
{
	const struct dash_measure *m = dash__view_measure(v, name);
	if (!m) {
		const char **nm = arena_alloc(l->a, (v->nmeasures + 1) * sizeof(*nm));
		for (size_t i = 0; i < v->nmeasures; i++)
			nm[i] = v->measures[i].name;
		diag(l, at, false, "tile '%s': view '%s' has no measure '%s'%s", tile, v->name, name,
		     suggest(l->a, name, nm, v->nmeasures));
	}
	return m;
}

static const struct dash_dim *want_dim(struct ld *l, const struct dash_view *v,
				       const struct ynode *at, const char *name, const char *tile)
{
	const struct dash_dim *d = dash__view_dim(v, name);
	if (!d) {
		const char **nm = arena_alloc(l->a, (v->ndims + 1) * sizeof(*nm));
		for (size_t i = 0; i < v->ndims; i++)
			nm[i] = v->dims[i].name;
		diag(l, at, false, "tile '%s': view '%s' has no dimension '%s'%s", tile, v->name, name,
		     suggest(l->a, name, nm, v->ndims));
	} else if (d->rel) {
		diag(l, at, false,
		     "tile '%s': dimension '%s' of view '%s' comes from related model '%s': it filters "
		     "the view's rows but cannot group them (a row matches many related rows); give "
		     "the tile a view over '%s' to group by it",
		     tile, name, v->name, d->rel->model, d->rel->model);
		return NULL;
	}
	return d;
}

/* A list of names from key (a scalar or a sequence of scalars). */
static size_t name_list(struct ld *l, const struct ynode *m, const char *key,
			const struct ynode ***nodes)
{
	struct ynode *v = ymap_get(m, key);
	*nodes = NULL;
	if (!v || v->type == Y_NULL)
		return 0;
	if (v->type == Y_SCALAR) {
		*nodes = arena_alloc(l->a, sizeof(**nodes));
		(*nodes)[0] = v;
		return 1;
	}
	if (v->type != Y_SEQ) {
		diag(l, v, false, "'%s' must be a name or a list of names", key);
		return 0;
	}
	for (size_t i = 0; i < v->n; i++)
		if (v->items[i]->type != Y_SCALAR) {
			diag(l, v->items[i], false, "'%s' must be a list of names", key);
			return 0;
		}
	*nodes = (const struct ynode **)v->items;
	return v->n;
}

static const char *nstr(struct ld *l, const struct ynode *n)
{
	return arena_strndup(l->a, n->str, n->len);
}

static bool type_needs(enum dash_tile_type t, const char *key)
{
	switch (t) {
	case T_KPI: return !strcmp(key, "measure");
	case T_LINE: case T_AREA: return !strcmp(key, "measures");
	case T_BAR: return !strcmp(key, "dimension") || !strcmp(key, "measures");
	case T_PIE: case T_DONUT: return !strcmp(key, "dimension") || !strcmp(key, "measure");
	case T_TABLE: return !strcmp(key, "dimensions") || !strcmp(key, "measures");
	case T_FUNNEL: return !strcmp(key, "measures");
	case T_HEATMAP: return !strcmp(key, "x") || !strcmp(key, "y") || !strcmp(key, "measure");
	case T_TEXT: return !strcmp(key, "markdown");
	}
	return false;
}

/* Keys a tile type takes besides the common ones. */
static bool type_takes(enum dash_tile_type t, const char *key)
{
	static const char *const common[] = {"name", "type", "view", "title", "description", "width", NULL};
	if (in_list(key, common) || type_needs(t, key))
		return true;
	switch (t) {
	case T_LINE: case T_AREA: return !strcmp(key, "grain");
	case T_BAR:
		return !strcmp(key, "orientation") || !strcmp(key, "breakdown") || !strcmp(key, "top") ||
		       !strcmp(key, "sort");
	case T_PIE: case T_DONUT: return !strcmp(key, "top");
	case T_TABLE: return !strcmp(key, "sort") || !strcmp(key, "page_size");
	default: return false;
	}
}

static struct dash_tile *load_tile(struct ld *l, const struct ynode *m, struct strmap *names)
{
	if (m->type != Y_MAP) {
		diag(l, m, false, "a tile must be a mapping (name:, type:, view:, ...)");
		return NULL;
	}
	check_keys(l, m, "a tile", tile_keys);
	const char *name = item_name(l, m, "tile");
	if (!name)
		return NULL;
	if (strmap_has(names, name)) {
		diag(l, ymap_get(m, "name"), false, "duplicate tile name '%s' in this dashboard", name);
		return NULL;
	}
	strmap_put(names, name, (void *)1);
	const char *what = arena_printf(l->a, "tile '%s'", name);
	const char *ty = get_str(l, m, "type", true, what);
	if (!ty)
		return NULL;
	size_t ti = 0;
	while (type_names[ti] && strcmp(type_names[ti], ty))
		ti++;
	if (!type_names[ti]) {
		diag(l, ymap_get(m, "type"), false, "tile '%s': unknown tile type '%s'%s", name, ty,
		     suggest(l->a, ty, type_names, list_len(type_names)));
		return NULL;
	}
	struct dash_tile *t = arena_zalloc(l->a, sizeof(*t));
	t->name = name;
	t->at = m;
	t->type = (enum dash_tile_type)ti;
	t->type_name = type_names[ti];
	t->sort_col = -1;
	t->title = get_str(l, m, "title", false, what);
	t->description = get_str(l, m, "description", false, what);
	t->width = t->type == T_KPI ? 3 : (t->type == T_TEXT || t->type == T_TABLE) ? 12 : 6;
	get_int(l, m, "width", 1, 12, &t->width);
	bool ok = true;
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->keys[i]->str;
		if (in_list(k, tile_keys) && !type_takes(t->type, k)) {
			diag(l, m->keys[i], false, "tile '%s': a %s tile has no '%s'", name, ty, k);
			ok = false;
		}
	}
	for (const char *const *k = tile_keys; *k; k++)
		if (type_needs(t->type, *k) && !ymap_get(m, *k)) {
			diag(l, m, false, "tile '%s': a %s tile needs '%s'", name, ty, *k);
			ok = false;
		}
	if (t->type == T_TEXT) {
		t->markdown = get_str(l, m, "markdown", true, what);
		return ok && t->markdown ? t : NULL;
	}
	const char *vn = get_str(l, m, "view", true, what);
	if (!vn)
		return NULL;
	t->view = strmap_get(&l->views, vn);
	if (!t->view) {
		const char **nm = arena_alloc(l->a, (l->s->views.len + 1) * sizeof(*nm));
		for (size_t i = 0; i < l->s->views.len; i++)
			nm[i] = l->s->views.items[i]->name;
		diag(l, ymap_get(m, "view"), false, "tile '%s': unknown view '%s'%s", name, vn,
		     suggest(l->a, vn, nm, l->s->views.len));
		return NULL;
	}
	const struct dash_view *v = t->view;
	const struct ynode **ns;
	size_t nn;
	const char *mkey = ymap_get(m, "measure") ? "measure" : "measures";
	nn = name_list(l, m, mkey, &ns);
	t->measures = arena_zalloc(l->a, (nn + 1) * sizeof(*t->measures));
	for (size_t i = 0; i < nn; i++) {
		const struct dash_measure *x = want_measure(l, v, ns[i], nstr(l, ns[i]), name);
		if (x)
			t->measures[t->nmeasures++] = x;
		else
			ok = false;
	}
	if (!strcmp(mkey, "measure") && nn > 1) {
		diag(l, ymap_get(m, "measure"), false, "tile '%s': 'measure' takes one name", name);
		ok = false;
	}
	const char *dkey = ymap_get(m, "dimension") ? "dimension" : "dimensions";
	nn = name_list(l, m, dkey, &ns);
	t->dims = arena_zalloc(l->a, (nn + 1) * sizeof(*t->dims));
	for (size_t i = 0; i < nn; i++) {
		const struct dash_dim *x = want_dim(l, v, ns[i], nstr(l, ns[i]), name);
		if (x)
			t->dims[t->ndims++] = x;
		else
			ok = false;
	}
	if (!strcmp(dkey, "dimension") && nn > 1) {
		diag(l, ymap_get(m, "dimension"), false, "tile '%s': 'dimension' takes one name", name);
		ok = false;
	}
	const char *s;
	if ((s = get_str(l, m, "breakdown", false, what)) &&
	    !(t->breakdown = want_dim(l, v, ymap_get(m, "breakdown"), s, name)))
		ok = false;
	if ((s = get_str(l, m, "x", false, what)) && !(t->x = want_dim(l, v, ymap_get(m, "x"), s, name)))
		ok = false;
	if ((s = get_str(l, m, "y", false, what)) && !(t->y = want_dim(l, v, ymap_get(m, "y"), s, name)))
		ok = false;
	t->grain = get_str(l, m, "grain", false, what);
	if (t->grain && !in_list(t->grain, grains)) {
		diag(l, ymap_get(m, "grain"), false, "tile '%s': unknown grain '%s'%s", name, t->grain,
		     suggest(l->a, t->grain, grains, list_len(grains)));
		ok = false;
	}
	if (!t->grain)
		t->grain = "day";
	if ((t->type == T_KPI || t->type == T_LINE || t->type == T_AREA) && !v->time) {
		diag(l, ymap_get(m, "view"), false, "tile '%s': a %s tile needs a view with a time column",
		     name, ty);
		ok = false;
	}
	t->orientation = get_str(l, m, "orientation", false, what);
	if (t->orientation && strcmp(t->orientation, "vertical") && strcmp(t->orientation, "horizontal")) {
		diag(l, ymap_get(m, "orientation"), false,
		     "tile '%s': orientation must be vertical or horizontal", name);
		ok = false;
	}
	if (!t->orientation && t->type == T_BAR)
		t->orientation = "vertical";
	t->top = t->type == T_BAR ? 50 : 10;
	get_int(l, m, "top", 1, 1000, &t->top);
	t->page_size = 100;
	get_int(l, m, "page_size", 1, 1000, &t->page_size);
	if (t->type == T_BAR && (s = get_str(l, m, "sort", false, what))) {
		/* the dimension (its values' order: buckets, months) or any
		 * measure of the view, shown or not (`sort: lowest_revenue` with
		 * min(x) orders buckets of x) */
		bool desc = *s == '-';
		const char *col = desc ? s + 1 : s;
		const struct dash_view *tv = t->view;
		if (t->ndims && !strcmp(t->dims[0]->name, col))
			t->bar_sort = "ingot_d";
		for (size_t i = 0; tv && !t->bar_sort && i < tv->nmeasures; i++)
			if (!strcmp(tv->measures[i].name, col))
				t->bar_sort = tv->measures[i].expr;
		if (!t->bar_sort && tv) {
			const char **nm = arena_alloc(l->a, (tv->nmeasures + 2) * sizeof(*nm));
			size_t k = 0;
			if (t->ndims)
				nm[k++] = t->dims[0]->name;
			for (size_t i = 0; i < tv->nmeasures; i++)
				nm[k++] = tv->measures[i].name;
			diag(l, ymap_get(m, "sort"), false,
			     "tile '%s': sort '%s' is neither the tile's dimension nor a measure of view "
			     "'%s'%s",
			     name, col, tv->name, suggest(l->a, col, nm, k));
			ok = false;
		}
		t->sort_desc = desc;
	} else if ((s = get_str(l, m, "sort", false, what))) {
		bool desc = *s == '-';
		const char *col = desc ? s + 1 : s;
		for (size_t i = 0; i < t->ndims; i++)
			if (!strcmp(t->dims[i]->name, col))
				t->sort_col = (int)i;
		for (size_t i = 0; i < t->nmeasures; i++)
			if (!strcmp(t->measures[i]->name, col))
				t->sort_col = (int)(t->ndims + i);
		if (t->sort_col < 0) {
			const char **nm = arena_alloc(l->a, (t->ndims + t->nmeasures + 1) * sizeof(*nm));
			for (size_t i = 0; i < t->ndims; i++)
				nm[i] = t->dims[i]->name;
			for (size_t i = 0; i < t->nmeasures; i++)
				nm[t->ndims + i] = t->measures[i]->name;
			diag(l, ymap_get(m, "sort"), false,
			     "tile '%s': sort '%s' is not a column of the tile%s", name, col,
			     suggest(l->a, col, nm, t->ndims + t->nmeasures));
			ok = false;
		}
		t->sort_desc = desc;
	}
	if (!t->title) {
		const char *base = t->nmeasures ? t->measures[0]->label : t->ndims ? t->dims[0]->label : name;
		t->title = t->type == T_PIE || t->type == T_DONUT || t->type == T_BAR
				   ? arena_printf(l->a, "%s by %s", base,
						  t->ndims ? t->dims[0]->label : "")
				   : base;
	}
	return ok ? t : NULL;
}

static const char *const board_keys[] = {"name", "title", "pages", "description", "anchor", NULL};
static const char *const anchors[] = {"today", "latest", NULL};
static const char *const page_keys[] = {"name", "title", "filters", "default_range", "tiles",
					"description", NULL};
static const char *const filter_keys[] = {"name", "label", NULL};

static bool any_view_has(struct ld *l, const char *dim)
{
	for (size_t i = 0; i < l->s->views.len; i++)
		if (dash__view_dim(l->s->views.items[i], dim))
			return true;
	return false;
}

/* A page filter tile t's view cannot apply is ignored there: the tile
 * says so ("not filtered by") and, unless the view says why
 * (`unfiltered:`), the check warns, one warning per tile. */
static void check_unfiltered(struct ld *l, const struct dash_page *p, const struct dash_tile *t)
{
	if (!t->view)
		return;
	struct buf b = BUF_INIT;
	size_t n = 0;
	const char *first = NULL;
	for (size_t i = 0; i < p->nfilters; i++) {
		const char *f = p->filters[i].name;
		if (dash__view_applies(t->view, f) || dash__view_unfiltered(t->view, f))
			continue;
		buf_printf(&b, "%s'%s'", n++ ? ", " : "", f);
		if (!first)
			first = f;
	}
	if (n) {
		const struct ynode *at = ymap_get(t->at, "view");
		diag(l, at ? at : t->at, true,
		     "page '%s': tile '%s' is not filtered by %s: view '%s' has no dimension (or, for "
		     "date, time column) to apply %s to; the tile says so on the page; say why on "
		     "the view with unfiltered: {%s: \"the reason\"}",
		     p->name, t->name, buf_cstr(&b), t->view->name, n == 1 ? "it" : "them", first);
	}
	buf_free(&b);
}

static void load_board(struct ld *l, const struct ynode *m)
{
	if (m->type != Y_MAP) {
		diag(l, m, false, "a dashboard must be a mapping (name:, title:, pages:)");
		return;
	}
	check_keys(l, m, "a dashboard", board_keys);
	const char *name = item_name(l, m, "dashboard");
	if (!name)
		return;
	if (strmap_has(&l->boards, name)) {
		diag(l, ymap_get(m, "name"), false, "duplicate dashboard name '%s'", name);
		return;
	}
	struct dash_board *b = arena_zalloc(l->a, sizeof(*b));
	b->name = name;
	b->at = m;
	const char *t = get_str(l, m, "title", false, "dashboard");
	b->title = t ? t : label_of(l, name);
	/* where date presets end: today (UTC, as Looker Studio) or the last
	 * day with data in the page's views (as Rill: a lake that stopped
	 * yesterday still has a "last 7 days") */
	const char *an = get_str(l, m, "anchor", false, "dashboard");
	if (an && !in_list(an, anchors))
		diag(l, ymap_get(m, "anchor"), false, "dashboard '%s': unknown anchor '%s'%s", name, an,
		     suggest(l->a, an, anchors, list_len(anchors)));
	b->anchor_latest = an && !strcmp(an, "latest");
	const struct ynode *ps = seq_of(l, m, "pages");
	if (!ps) {
		if (!ymap_get(m, "pages"))
			diag(l, m, false, "dashboard '%s': missing required key 'pages'", name);
		return;
	}
	b->pages = arena_zalloc(l->a, (ps->n + 1) * sizeof(*b->pages));
	struct strmap tiles = STRMAP_INIT, pnames = STRMAP_INIT;
	for (size_t i = 0; i < ps->n; i++) {
		const struct ynode *pm = ps->items[i];
		if (pm->type != Y_MAP) {
			diag(l, pm, false, "a page must be a mapping (name:, title:, filters:, tiles:)");
			continue;
		}
		check_keys(l, pm, "a page", page_keys);
		struct dash_page *p = &b->pages[b->npages];
		if (!(p->name = item_name(l, pm, "page")))
			continue;
		if (strmap_has(&pnames, p->name)) {
			diag(l, ymap_get(pm, "name"), false, "duplicate page name '%s'", p->name);
			continue;
		}
		strmap_put(&pnames, p->name, (void *)1);
		t = get_str(l, pm, "title", false, "page");
		p->title = t ? t : label_of(l, p->name);
		p->default_range = get_str(l, pm, "default_range", false, "page");
		if (p->default_range && !in_list(p->default_range, ranges)) {
			diag(l, ymap_get(pm, "default_range"), false, "page '%s': unknown range '%s'%s",
			     p->name, p->default_range,
			     suggest(l->a, p->default_range, ranges, list_len(ranges)));
			p->default_range = NULL;
		}
		if (!p->default_range)
			p->default_range = "all";
		const struct ynode *fs = seq_of(l, pm, "filters");
		p->filters = arena_zalloc(l->a, ((fs ? fs->n : 0) + 1) * sizeof(*p->filters));
		for (size_t j = 0; fs && j < fs->n; j++) {
			const struct ynode *f = fs->items[j];
			struct dash_filter df = {0};
			const struct ynode *at = f;
			if (f->type == Y_SCALAR) {
				df.name = nstr(l, f);
			} else if (f->type == Y_MAP) {
				check_keys(l, f, "a filter", filter_keys);
				if (!(df.name = get_str(l, f, "name", true, "filter")))
					continue;
				df.label = get_str(l, f, "label", false, "filter");
				at = ymap_get(f, "name");
			} else {
				diag(l, f, false, "a filter must be a name or a mapping (name:, label:)");
				continue;
			}
			df.is_date = !strcmp(df.name, "date");
			if (!df.is_date && !any_view_has(l, df.name)) {
				VEC(const char *) nm = VEC_INIT;
				vec_push(&nm, "date");
				for (size_t k = 0; k < l->s->views.len; k++)
					for (size_t d = 0; d < l->s->views.items[k]->ndims; d++)
						vec_push(&nm, l->s->views.items[k]->dims[d].name);
				diag(l, at, false,
				     "page '%s': filter '%s' is not a dimension of any view%s", p->name,
				     df.name, suggest(l->a, df.name, nm.items, nm.len));
				vec_free(&nm);
				continue;
			}
			if (!df.label) {
				df.label = df.is_date ? "Date" : df.name;
				for (size_t k = 0; k < l->s->views.len && !df.is_date; k++) {
					const struct dash_dim *d = dash__view_dim(l->s->views.items[k], df.name);
					if (d) {
						df.label = d->label;
						break;
					}
				}
			}
			p->filters[p->nfilters++] = df;
		}
		const struct ynode *ts = seq_of(l, pm, "tiles");
		p->tiles = arena_zalloc(l->a, ((ts ? ts->n : 0) + 1) * sizeof(*p->tiles));
		for (size_t j = 0; ts && j < ts->n; j++) {
			struct dash_tile *tl = load_tile(l, ts->items[j], &tiles);
			if (tl) {
				p->tiles[p->ntiles++] = tl;
				check_unfiltered(l, p, tl);
			}
		}
		b->npages++;
	}
	strmap_free(&tiles, NULL);
	strmap_free(&pnames, NULL);
	strmap_put(&l->boards, name, b);
	vec_push(&l->s->boards, b);
}

static void load_file(struct ld *l, const char *rel, const char *abs, bool views_pass)
{
	struct buf text = BUF_INIT;
	struct err e = ERR_INIT;
	struct ynode *root = NULL;
	if (fs_read_file(abs, &text, 16u << 20, &e) ||
	    yaml_load_string(buf_cstr(&text), text.len, rel, l->a, &root, &e)) {
		if (views_pass) {
			struct ynode at = {.file = arena_strdup(l->a, e.file ? e.file : rel),
					   .line = e.line, .col = e.col};
			diag(l, &at, false, "%s", e.msg ? e.msg : "cannot read the file");
		}
		err_clear(&e);
		buf_free(&text);
		return;
	}
	buf_free(&text);
	if (root->type == Y_NULL)
		return;
	if (root->type != Y_MAP) {
		if (views_pass)
			diag(l, root, false, "a dashboards file is a mapping with views: and/or dashboards:");
		return;
	}
	static const char *const top_keys[] = {"views", "dashboards", "version", NULL};
	if (views_pass) {
		check_keys(l, root, "a dashboards file", top_keys);
		const struct ynode *vs = seq_of(l, root, "views");
		for (size_t i = 0; vs && i < vs->n; i++)
			load_view(l, vs->items[i]);
	} else {
		struct ynode *bs = ymap_get(root, "dashboards");
		if (bs && bs->type == Y_SEQ)
			for (size_t i = 0; i < bs->n; i++)
				load_board(l, bs->items[i]);
		else if (bs && bs->type != Y_NULL)
			diag(l, bs, false, "'dashboards' must be a list");
	}
}

static int diag_cmp(const struct dash_diag *a, const struct dash_diag *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->col < b->col ? -1 : a->col > b->col;
}

int dash_load(const struct project *p, struct wh_conn *conn, struct dash_set **out, struct err *e)
{
	struct dash_set *s = xcalloc(1, sizeof(*s));
	s->a = arena_new(0);
	struct ld l = {.s = s, .a = s->a, .views = STRMAP_INIT, .boards = STRMAP_INIT, .conn = conn};
	char *dir = path_join(p->dir, "dashboards");
	char **files = NULL;
	size_t nf = 0;
	int rc = 0;
	if (fs_is_dir(dir)) {
		char **y1 = NULL, **y2 = NULL;
		size_t n1 = 0, n2 = 0;
		fs_glob(dir, "*.yml", &y1, &n1, e);
		fs_glob(dir, "*.yaml", &y2, &n2, e);
		files = xcalloc(n1 + n2 + 1, sizeof(*files));
		for (size_t i = 0; i < n1; i++)
			files[nf++] = y1[i];
		for (size_t i = 0; i < n2; i++)
			files[nf++] = y2[i];
		free(y1);
		free(y2);
	}
	if (nf) {
		/* the project's nodes, for the views' models (the manifest) */
		if ((rc = cat_load((struct project *)p, NULL, &l.cat, e))) {
			err_prefix(e, "dashboards: cannot list the project's models");
			goto done;
		}
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < nf; i++) {
				char *rel = xasprintf("dashboards/%s", files[i]);
				char *abs = path_join(dir, files[i]);
				load_file(&l, arena_strdup(s->a, rel), abs, pass == 0);
				free(rel);
				free(abs);
			}
	}
done:
	/* in file order, as a reader goes through them (stable: a node with
	 * two problems keeps their order) */
	for (size_t i = 1; i < s->diags.len; i++) {
		struct dash_diag x = s->diags.items[i];
		size_t j = i;
		while (j > 0 && diag_cmp(&s->diags.items[j - 1], &x) > 0) {
			s->diags.items[j] = s->diags.items[j - 1];
			j--;
		}
		s->diags.items[j] = x;
	}
	fs_glob_free(files, nf);
	free(dir);
	cat_free(l.cat);
	strmap_free(&l.views, NULL);
	strmap_free(&l.boards, NULL);
	if (rc) {
		dash_set_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void dash_set_free(struct dash_set *s)
{
	if (!s)
		return;
	vec_free(&s->views);
	vec_free(&s->boards);
	vec_free(&s->diags);
	arena_free(s->a);
	free(s);
}

const struct dash_diag *dash_diags(const struct dash_set *s, size_t *n)
{
	*n = s->diags.len;
	return s->diags.items;
}

size_t dash_nerrors(const struct dash_set *s)
{
	return s->nerrors;
}

void dash_diags_json(const struct dash_set *s, struct jw *w)
{
	jw_key(w, "errors");
	jw_arr_begin(w);
	for (size_t i = 0; s && i < s->diags.len; i++) {
		const struct dash_diag *d = &s->diags.items[i];
		jw_obj_begin(w);
		jw_key(w, "file");
		jw_str(w, d->file);
		jw_key(w, "line");
		jw_int(w, d->line);
		jw_key(w, "column");
		jw_int(w, d->col);
		jw_key(w, "message");
		jw_str(w, d->message);
		jw_key(w, "severity");
		jw_str(w, d->warning ? "warning" : "error");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

const struct dash_board *dash__board(const struct dash_set *s, const char *name)
{
	for (size_t i = 0; i < s->boards.len; i++)
		if (!strcmp(s->boards.items[i]->name, name))
			return s->boards.items[i];
	return NULL;
}

const struct dash_tile *dash__tile(const struct dash_board *b, const char *name,
				   const struct dash_page **page)
{
	for (size_t i = 0; i < b->npages; i++)
		for (size_t j = 0; j < b->pages[i].ntiles; j++)
			if (!strcmp(b->pages[i].tiles[j]->name, name)) {
				if (page)
					*page = &b->pages[i];
				return b->pages[i].tiles[j];
			}
	return NULL;
}

const struct dash_dim *dash__view_dim(const struct dash_view *v, const char *name)
{
	for (size_t i = 0; i < v->ndims; i++)
		if (!strcmp(v->dims[i].name, name))
			return &v->dims[i];
	return NULL;
}

const char *dash__view_unfiltered(const struct dash_view *v, const char *filter)
{
	for (size_t i = 0; i < v->nunfiltered; i++)
		if (!strcmp(v->unfiltered[i].filter, filter))
			return v->unfiltered[i].reason;
	return NULL;
}

bool dash__view_applies(const struct dash_view *v, const char *filter)
{
	return !strcmp(filter, "date") ? v->time != NULL : dash__view_dim(v, filter) != NULL;
}

const struct dash_measure *dash__view_measure(const struct dash_view *v, const char *name)
{
	for (size_t i = 0; i < v->nmeasures; i++)
		if (!strcmp(v->measures[i].name, name))
			return &v->measures[i];
	return NULL;
}
