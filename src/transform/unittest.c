/*
 * transform/unittest.c — dbt 1.8 unit tests (`unit_tests:` in properties
 * files).
 *
 * A unit test renders its model with each `given` input (ref, source, or
 * `this` for an incremental model) replaced by a CTE of fixture rows, then
 * compares what that query returns with the `expect` rows, as a multiset
 * (row order does not matter), on the columns the expected rows name.
 *
 *   given:   [{input: "ref('a')", rows: [...], format: dict|csv|sql,
 *              fixture: <a file under tests/fixtures/, .csv or .sql>}]
 *   expect:  {rows: ..., format: ..., fixture: ...}
 *   overrides: {vars: {...}, env_vars: {...}, macros: {is_incremental: true,
 *               some_macro: value}}
 *
 * Fixture values are cast to the column types of the input relation, which
 * must exist in the warehouse (as in dbt: build the inputs first); a column
 * a row leaves out is NULL. Expected values are cast to the types of the
 * model's output columns. The query that runs is dbt's:
 *
 *   with __dbt__cte__a as (<fixture>), ...,
 *   dbt_internal_unit_test_actual as (select <cols>, 'actual' ... from (<model>)),
 *   dbt_internal_unit_test_expected as (select <cols>, 'expected' ... from (<expect>))
 *   select * from ..._actual union all select * from ..._expected
 *
 * A difference fails the test; its message is the diff as dbt shows it:
 * "actual differs from expected:" and a table whose rows are marked +++
 * (only in actual), --- (only in expected) or blank (in both).
 *
 * In `build`, a model's unit tests run before it (exec.c gives the
 * scheduler a graph where the model waits for them) and a failing one
 * skips the model and what is downstream.
 */
#include "transform/tf_int.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void tf_unit_resolve(struct tf_proj *tp)
{
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		if (n->rtype != TF_UNIT_TEST)
			continue;
		n->materialized = "unit";
		if (!n->refs.len)
			continue;
		const char *model = n->refs.items[0].name;
		struct tf_node *m = tf_find_ref(tp, n, NULL, model, 0);
		if (!m || m->rtype != TF_MODEL) {
			struct err ne = ERR_INIT;
			const char *best = tf__nearest_ref(tp, model);
			err_setloc(&ne, ING_ENOTFOUND, n->original_file_path, n->props->line,
				   n->props->col,
				   "unit test '%s' is on model '%s', which was not found%s%s%s",
				   n->name, model, best ? " (did you mean '" : "", best ? best : "",
				   best ? "'?)" : "");
			n->status = TF_ST_ERROR;
			free(n->message);
			n->message = err_string(&ne);
			if (!tp->parse_errors.code)
				err_move(&tp->parse_errors, &ne);
			tp->nparse_errors++;
			err_clear(&ne);
			n->refs.len = 0; /* link_deps would report it again */
			continue;
		}
		n->attached = m->idx;
		if (!m->enabled)
			n->enabled = false;
	}
}

/* ----------------------------------------------------------- fixtures */

struct ut {
	struct tf_proj *tp;
	struct tf_node *n, *model;
	struct wh_conn *c;
	struct arena *a;
	struct err *e;
};

static int ut_err(struct ut *u, const struct ynode *at, const char *fmt, const char *arg)
{
	const struct ynode *w = at ? at : u->n->props;
	err_setloc(u->e, ING_EINVAL, u->n->original_file_path, w->line, w->col, fmt, arg);
	return ING_EINVAL;
}

/* One table of fixture rows: names (in order) and rows of values (NULL = SQL null). */
struct rows {
	VEC(const char *) cols;
	VEC(const char **) rows; /* each cols.len long, filled when read */
	const char *sql;         /* format sql: the query itself */
};

static int col_index(struct rows *r, const char *name, bool add)
{
	for (size_t i = 0; i < r->cols.len; i++)
		if (!strcasecmp(r->cols.items[i], name))
			return (int)i;
	if (!add)
		return -1;
	vec_push(&r->cols, name);
	return (int)r->cols.len - 1;
}

typedef VEC(const char *) strvec;
typedef VEC(bool) boolvec;

/* Split one CSV line (RFC 4180 quotes) into fields. */
static const char *csv_line(struct arena *a, const char *p, strvec *out, boolvec *quoted)
{
	for (;;) {
		struct buf f = BUF_INIT;
		bool q = false;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			q = true;
			p++;
			while (*p && !(*p == '"' && p[1] != '"')) {
				if (*p == '"')
					p++;
				buf_putc(&f, *p++);
			}
			if (*p == '"')
				p++;
			while (*p && *p != ',' && *p != '\n')
				p++;
		} else {
			while (*p && *p != ',' && *p != '\n' && *p != '\r')
				buf_putc(&f, *p++);
			while (f.len && (f.data[f.len - 1] == ' ' || f.data[f.len - 1] == '\t'))
				f.len--;
		}
		vec_push(out, arena_strndup(a, buf_cstr(&f), f.len));
		vec_push(quoted, q);
		buf_free(&f);
		if (*p == '\r')
			p++;
		if (*p != ',')
			break;
		p++;
	}
	if (*p == '\n')
		p++;
	return p;
}

static void read_csv(struct arena *a, const char *text, struct rows *r)
{
	const char *p = text;
	bool header = true;
	int *map = NULL;
	while (*p) {
		if (*p == '\n' || *p == '\r') {
			p++;
			continue;
		}
		strvec f = VEC_INIT;
		boolvec q = VEC_INIT;
		p = csv_line(a, p, &f, &q);
		if (header) {
			map = arena_alloc(a, (f.len + 1) * sizeof(int));
			for (size_t i = 0; i < f.len; i++)
				map[i] = col_index(r, f.items[i], true);
			header = false;
		} else {
			const char **row = arena_zalloc(a, (r->cols.len + 1) * sizeof(char *));
			for (size_t i = 0; i < f.len && i < r->cols.len; i++)
				/* an empty unquoted field is NULL, as agate reads it */
				row[map[i]] = (!*f.items[i] && !q.items[i]) ? NULL : f.items[i];
			vec_push(&r->rows, row);
		}
		vec_free(&f);
		vec_free(&q);
	}
}

static const char *find_fixture(struct ut *u, const char *name, const char *ext)
{
	char *root = path_join(u->n->pkg_root, "tests/fixtures");
	char **list = NULL;
	size_t nl = 0;
	const char *found = NULL;
	struct err ig = ERR_INIT;
	char *pat = xasprintf("**/%s.%s", name, ext);
	if (fs_is_dir(root) && fs_glob(root, pat, &list, &nl, &ig) == 0 && nl)
		found = arena_strdup(u->a, list[0]);
	err_clear(&ig);
	fs_glob_free(list, nl);
	free(pat);
	if (found && found[0] != '/') {
		char *full = path_join(root, found);
		found = arena_strdup(u->a, full);
		free(full);
	}
	free(root);
	return found;
}

/* The rows of a given/expect entry g into r. */
static int read_rows(struct ut *u, const struct ynode *g, struct rows *r)
{
	const char *format = ymap_str(g, "format");
	if (!format)
		format = "dict";
	const char *fixture = ymap_str(g, "fixture");
	const struct ynode *rows = ymap_get(g, "rows");
	const char *text = NULL;
	if (fixture) {
		if (!strcmp(format, "dict"))
			return ut_err(u, g, "a fixture file needs format csv or sql (fixture '%s')", fixture);
		const char *path = find_fixture(u, fixture, format);
		if (!path)
			return ut_err(u, g, "no fixture file '%s' under tests/fixtures/ (with the format's "
				      "extension, .csv or .sql)", fixture);
		struct buf b = BUF_INIT;
		if (fs_read_file(path, &b, 64u << 20, u->e)) {
			buf_free(&b);
			return ING_EIO;
		}
		text = arena_strdup(u->a, buf_cstr(&b));
		buf_free(&b);
	} else if (rows && rows->type == Y_SCALAR) {
		text = arena_strndup(u->a, rows->str, rows->len);
	}
	if (!strcmp(format, "sql")) {
		if (!text)
			return ut_err(u, g, "format sql needs rows (a query) or a fixture%s", "");
		r->sql = text;
		return 0;
	}
	if (!strcmp(format, "csv")) {
		if (!text)
			return ut_err(u, g, "format csv needs rows (CSV text) or a fixture%s", "");
		read_csv(u->a, text, r);
		return 0;
	}
	if (strcmp(format, "dict"))
		return ut_err(u, g, "unknown fixture format '%s' (dict, csv or sql)", format);
	if (!rows || yscalar_is_null(rows))
		return 0;
	if (rows->type != Y_SEQ)
		return ut_err(u, rows, "rows must be a list of mappings (format dict)%s", "");
	for (size_t i = 0; i < rows->n; i++) {
		const struct ynode *row = rows->items[i];
		if (row->type != Y_MAP)
			return ut_err(u, row, "each row must be a mapping of column: value%s", "");
		for (size_t k = 0; k < row->n; k++)
			col_index(r, arena_strndup(u->a, row->keys[k]->str, row->keys[k]->len), true);
	}
	for (size_t i = 0; i < rows->n; i++) {
		const struct ynode *row = rows->items[i];
		const char **vals = arena_zalloc(u->a, (r->cols.len + 1) * sizeof(char *));
		for (size_t k = 0; k < row->n; k++) {
			const struct ynode *v = row->items[k];
			int ci = col_index(r, arena_strndup(u->a, row->keys[k]->str, row->keys[k]->len), false);
			if (v->type == Y_SCALAR && !v->quoted && yscalar_is_null(v))
				continue;
			if (v->type == Y_SCALAR) {
				vals[ci] = arena_strndup(u->a, v->str, v->len);
			} else {
				struct buf b = BUF_INIT;
				struct jw w;
				jw_init(&w, &b, false);
				tf_json_value(&w, tf_yaml_value(u->a, v));
				vals[ci] = arena_strdup(u->a, buf_cstr(&b));
				buf_free(&b);
			}
		}
		vec_push(&r->rows, vals);
	}
	return 0;
}

/* select cast('v' as type) as "col", ... union all ... for rows r over the
 * columns names/types (a column r lacks is NULL). */
static void rows_sql(struct ut *u, struct rows *r, const char *const *names,
		     const char *const *types, size_t ncols, struct buf *out)
{
	struct wh_db *db = u->tp->db;
	size_t nrows = r->rows.len ? r->rows.len : 1;
	for (size_t i = 0; i < nrows; i++) {
		if (i)
			buf_puts(out, "\nunion all\n");
		buf_puts(out, "select ");
		for (size_t k = 0; k < ncols; k++) {
			int ci = col_index(r, names[k], false);
			const char *v = r->rows.len && ci >= 0 ? r->rows.items[i][ci] : NULL;
			if (k)
				buf_puts(out, ", ");
			bool cast = types[k] && strcmp(types[k], "other") && strcmp(types[k], "unknown");
			if (cast)
				buf_puts(out, "cast(");
			if (v)
				wh_quote_literal(db, v, out);
			else
				buf_puts(out, "null");
			if (cast)
				buf_printf(out, " as %s)", types[k]);
			buf_puts(out, " as ");
			wh_quote_ident(db, names[k], out);
		}
		if (!r->rows.len)
			buf_puts(out, " where 1 = 0"); /* no rows: the columns only */
	}
}

/* "ref('a')", "ref('pkg', 'a')", "source('s', 't')", "this". */
static int parse_input(struct ut *u, const struct ynode *g, const char *in, struct tf_node **out,
		       bool *is_this)
{
	*out = NULL;
	*is_this = false;
	while (isspace((unsigned char)*in))
		in++;
	if (!strcmp(in, "this")) {
		*is_this = true;
		*out = u->model;
		return 0;
	}
	const char *args[3] = {0};
	int na = 0;
	bool ref = str_startswith(in, "ref(");
	if (!ref && !str_startswith(in, "source("))
		return ut_err(u, g, "given input '%s' must be ref('...'), source('...', '...') or this", in);
	const char *p = strchr(in, '(') + 1;
	while (na < 3) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p != '\'' && *p != '"')
			break;
		const char *q = strchr(p + 1, *p);
		if (!q)
			break;
		args[na++] = arena_strndup(u->a, p + 1, (size_t)(q - p - 1));
		p = q + 1;
	}
	if (ref && (na == 1 || na == 2))
		*out = tf_find_ref(u->tp, u->model, na == 2 ? args[0] : NULL, args[na - 1], 0);
	else if (!ref && na == 2)
		*out = tf_find_source(u->tp, args[0], args[1]);
	else
		return ut_err(u, g, "given input '%s' must be ref('...'), source('...', '...') or this", in);
	if (!*out)
		return ut_err(u, g, "given input %s names nothing in the project", in);
	return 0;
}

static void strip_semicolon(struct buf *b)
{
	while (b->len && (isspace((unsigned char)b->data[b->len - 1]) || b->data[b->len - 1] == ';'))
		b->len--;
	if (b->data)
		b->data[b->len] = 0;
}

/* ------------------------------------------------------------- diff */

#define US "\x1f"

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* dbt's "actual differs from expected" table; returns the number of rows
 * that differ. */
static int64_t diff_rows(struct ut *u, const struct wh_result *res, size_t ncols, struct buf *msg)
{
	VEC(const char *) act = VEC_INIT, exp = VEC_INIT;
	for (size_t i = 0; i < res->nrows; i++) {
		struct buf b = BUF_INIT;
		for (size_t k = 0; k < ncols; k++) {
			const struct wh_value *v = wh_cell(res, i, k);
			if (k)
				buf_puts(&b, US);
			if (v->type == WH_NULL)
				buf_puts(&b, "null");
			else
				wh_value_text(v, &b);
		}
		struct buf tag = BUF_INIT;
		wh_value_text(wh_cell(res, i, ncols), &tag);
		const char *s = arena_strdup(u->a, buf_cstr(&b));
		if (!strcmp(buf_cstr(&tag), "expected"))
			vec_push(&exp, s);
		else
			vec_push(&act, s);
		buf_free(&b);
		buf_free(&tag);
	}
	if (act.len)
		qsort(act.items, act.len, sizeof(char *), cmp_str);
	if (exp.len)
		qsort(exp.items, exp.len, sizeof(char *), cmp_str);
	/* merge: mark each row */
	VEC(const char *) lines = VEC_INIT;
	VEC(char) marks = VEC_INIT;
	int64_t ndiff = 0;
	size_t i = 0, j = 0;
	while (i < act.len || j < exp.len) {
		int c = i >= act.len ? 1 : j >= exp.len ? -1 : strcmp(act.items[i], exp.items[j]);
		if (c == 0) {
			vec_push(&lines, act.items[i]);
			vec_push(&marks, ' ');
			i++, j++;
		} else if (c < 0) {
			vec_push(&lines, act.items[i++]);
			vec_push(&marks, '+');
			ndiff++;
		} else {
			vec_push(&lines, exp.items[j++]);
			vec_push(&marks, '-');
			ndiff++;
		}
	}
	if (ndiff) {
		/* column widths over the header and every row */
		size_t *w = xcalloc(ncols + 1, sizeof(size_t));
		for (size_t k = 0; k < ncols; k++)
			w[k] = strlen(res->names[k]);
		for (size_t l = 0; l < lines.len; l++) {
			const char *s = lines.items[l];
			for (size_t k = 0; k < ncols; k++) {
				const char *e = strstr(s, US);
				size_t len = e ? (size_t)(e - s) : strlen(s);
				if (len > w[k])
					w[k] = len;
				s = e ? e + 1 : s + len;
			}
		}
		buf_puts(msg, "actual differs from expected:\n\n@@ ");
		for (size_t k = 0; k < ncols; k++)
			buf_printf(msg, ",%-*s", (int)w[k], res->names[k]);
		for (size_t l = 0; l < lines.len; l++) {
			char m = marks.items[l];
			buf_puts(msg, m == '+' ? "\n+++" : m == '-' ? "\n---" : "\n   ");
			const char *s = lines.items[l];
			for (size_t k = 0; k < ncols; k++) {
				const char *e = strstr(s, US);
				int len = e ? (int)(e - s) : (int)strlen(s);
				buf_printf(msg, ",%-*.*s", (int)w[k], len, s);
				s = e ? e + 1 : s + len;
			}
		}
		free(w);
		/* no trailing blanks on a line */
		struct buf t = BUF_INIT;
		const char *p = buf_cstr(msg);
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			size_t k = len;
			while (k && p[k - 1] == ' ')
				k--;
			buf_add(&t, p, k);
			if (nl)
				buf_putc(&t, '\n');
			p += len + (nl ? 1 : 0);
		}
		buf_free(msg);
		*msg = t;
	}
	vec_free(&act);
	vec_free(&exp);
	vec_free(&lines);
	vec_free(&marks);
	return ndiff;
}

/* ------------------------------------------------------------- run */

static struct jinja_value ovr_dict(struct ut *u, const struct ynode *ov, const char *key)
{
	const struct ynode *m = ov ? ymap_get(ov, key) : NULL;
	return m && m->type == Y_MAP ? tf_yaml_value(u->a, m) : jinja_none();
}

/* The columns of the model's output, from the model rendered as a full
 * build would (is_incremental false) over the fixtures so far: for
 * `input: this` before the model was ever built. */
static int this_columns(struct ut *u, const struct tf_unit_ovr *ov, const struct buf *ctes,
			struct wh_column_info **cols, size_t *nc)
{
	struct tf_unit_ovr o2 = *ov;
	o2.macros = jinja_none();
	o2.this_cte = NULL;
	struct buf model = BUF_INIT, probe = BUF_INIT;
	u->model->ephemerals.len = 0;
	int rc = tf_render_node_unit(u->tp, u->model, &o2, u->c, &model, u->e);
	if (!rc)
		rc = tf_inject_ctes(u->tp, u->model, &model, u->e);
	if (!rc) {
		strip_semicolon(&model);
		if (ctes->len)
			buf_printf(&probe, "with %s\n", buf_cstr(ctes));
		buf_printf(&probe, "select * from (\n%s\n) dbt_internal_unit_test_this where 1 = 0",
			   buf_cstr(&model));
		struct wh_result *pr = NULL;
		rc = wh_query(u->c, buf_cstr(&probe), NULL, 0, &pr, u->e);
		if (!rc) {
			*cols = arena_zalloc(u->a, (pr->ncols + 1) * sizeof(**cols));
			for (size_t k = 0; k < pr->ncols; k++) {
				(*cols)[k].name = arena_strdup(u->a, pr->names[k]);
				(*cols)[k].data_type = arena_strdup(u->a, pr->type_names[k]);
			}
			*nc = pr->ncols;
		}
		wh_result_free(pr);
	}
	buf_free(&model);
	buf_free(&probe);
	return rc;
}

static int run_unit(struct ut *u, struct tf_unit_ovr *ov, struct buf *sql, struct buf *msg,
		    int64_t *ndiff)
{
	struct tf_proj *tp = u->tp;
	struct tf_node *n = u->n, *m = u->model;
	const struct ynode *props = n->props;
	int rc;
	struct buf ctes = BUF_INIT;
	/* given inputs */
	const struct ynode *given = ymap_get(props, "given");
	if (given && given->type != Y_SEQ)
		return ut_err(u, given, "given must be a list of inputs%s", "");
	/* `this` last: when the model's relation does not exist yet, its
	 * columns come from the model rendered with the other fixtures */
	for (size_t pass = 0; pass < 2; pass++)
	for (size_t i = 0; given && i < given->n; i++) {
		const struct ynode *g = given->items[i];
		const char *in = ymap_str(g, "input");
		if (!in)
			return ut_err(u, g, "each given entry needs an input%s", "");
		struct tf_node *src;
		bool is_this;
		if ((rc = parse_input(u, g, in, &src, &is_this)))
			return rc;
		if (is_this != (pass == 1))
			continue;
		struct rows r = {VEC_INIT, VEC_INIT, NULL};
		if ((rc = read_rows(u, g, &r)))
			return rc;
		const char *name = is_this ? arena_printf(u->a, "%s__this", m->name)
				   : src->rtype == TF_SOURCE && src->src
					   ? arena_printf(u->a, "%s__%s", src->src->source->name, src->name)
					   : src->name;
		struct buf body = BUF_INIT;
		if (r.sql) {
			buf_puts(&body, r.sql);
			strip_semicolon(&body);
		} else {
			struct wh_column_info *cols = NULL;
			size_t nc = 0;
			struct err ig = ERR_INIT;
			const char *alias = src->alias ? src->alias : src->name;
			if ((wh_list_columns(u->c, src->schema, alias, u->a, &cols, &nc, &ig) || !nc) &&
			    is_this) {
				err_clear(&ig);
				rc = this_columns(u, ov, &ctes, &cols, &nc);
				if (rc) {
					vec_free(&r.cols);
					vec_free(&r.rows);
					buf_free(&body);
					buf_free(&ctes);
					return rc;
				}
			}
			if (!nc) {
				err_clear(&ig);
				vec_free(&r.cols);
				vec_free(&r.rows);
				buf_free(&body);
				buf_free(&ctes);
				return ut_err(u, g,
					      "Not able to get columns for unit test input %s: its relation "
					      "does not exist in the warehouse; build it first (e.g. "
					      "`ingot run --select +<model>`), as dbt needs too", in);
			}
			const char **names = arena_alloc(u->a, nc * sizeof(char *));
			const char **types = arena_alloc(u->a, nc * sizeof(char *));
			for (size_t k = 0; k < nc; k++) {
				names[k] = cols[k].name;
				types[k] = cols[k].data_type;
			}
			for (size_t k = 0; k < r.cols.len; k++) {
				bool have = false;
				for (size_t j = 0; j < nc; j++)
					have |= !strcasecmp(names[j], r.cols.items[k]);
				if (!have) {
					const char *col = r.cols.items[k];
					vec_free(&r.cols);
					vec_free(&r.rows);
					buf_free(&body);
					buf_free(&ctes);
					return ut_err(u, g, "Invalid column name: '%s' in unit test fixture for "
						      "this input: the relation has no such column", col);
				}
			}
			rows_sql(u, &r, names, types, nc, &body);
		}
		strmap_put(&ov->inputs, src->unique_id, (void *)name);
		if (is_this)
			ov->this_cte = name;
		buf_printf(&ctes, "%s__dbt__cte__%s as (\n%s\n)", ctes.len ? ",\n" : "", name,
			   buf_cstr(&body));
		buf_free(&body);
		vec_free(&r.cols);
		vec_free(&r.rows);
	}
	/* the model, rendered with the fixtures and overrides */
	struct buf model = BUF_INIT;
	m->ephemerals.len = 0;
	rc = tf_render_node_unit(tp, m, ov, u->c, &model, u->e);
	if (!rc)
		rc = tf_inject_ctes(tp, m, &model, u->e);
	if (rc) {
		err_prefix(u->e, "rendering model %s", m->name);
		buf_free(&model);
		buf_free(&ctes);
		return rc;
	}
	strip_semicolon(&model);
	/* the model's output columns and types */
	struct buf probe = BUF_INIT;
	if (ctes.len)
		buf_printf(&probe, "with %s\n", buf_cstr(&ctes));
	buf_printf(&probe, "select * from (\n%s\n) dbt_internal_unit_test_probe where 1 = 0",
		   buf_cstr(&model));
	struct wh_result *pr = NULL;
	rc = wh_query(u->c, buf_cstr(&probe), NULL, 0, &pr, u->e);
	buf_printf(&n->run_sql, "%s;\n", buf_cstr(&probe));
	buf_free(&probe);
	if (rc) {
		buf_free(&model);
		buf_free(&ctes);
		return rc;
	}
	/* expected rows */
	const struct ynode *expect = ymap_get(props, "expect");
	struct rows er = {VEC_INIT, VEC_INIT, NULL};
	if (!expect || expect->type != Y_MAP)
		rc = ut_err(u, expect, "a unit test needs expect: with rows (or a fixture)%s", "");
	else
		rc = read_rows(u, expect, &er);
	/* which columns are compared: those the expected rows name (all
	 * the model's for format sql) */
	VEC(size_t) use = VEC_INIT;
	if (!rc && er.sql) {
		for (size_t k = 0; k < pr->ncols; k++)
			vec_push(&use, k);
	}
	for (size_t c = 0; !rc && !er.sql && c < er.cols.len; c++) {
		size_t k = 0;
		while (k < pr->ncols && strcasecmp(pr->names[k], er.cols.items[c]))
			k++;
		if (k == pr->ncols)
			rc = ut_err(u, expect, "Invalid column name: '%s' in unit test fixture for "
				    "expected output: the model returns no such column",
				    er.cols.items[c]);
		else
			vec_push(&use, k);
	}
	struct buf exp = BUF_INIT;
	if (!rc) {
		const char **names = arena_alloc(u->a, (use.len + 1) * sizeof(char *));
		const char **types = arena_alloc(u->a, (use.len + 1) * sizeof(char *));
		for (size_t k = 0; k < use.len; k++) {
			names[k] = arena_strdup(u->a, pr->names[use.items[k]]);
			types[k] = arena_strdup(u->a, pr->type_names[use.items[k]]);
		}
		if (er.sql) {
			buf_puts(&exp, er.sql);
			strip_semicolon(&exp);
		} else {
			rows_sql(u, &er, names, types, use.len, &exp);
		}
		/* dbt's unit test query */
		struct buf cols = BUF_INIT;
		for (size_t k = 0; k < use.len; k++) {
			if (k)
				buf_puts(&cols, ", ");
			wh_quote_ident(tp->db, names[k], &cols);
		}
		buf_puts(sql, "with ");
		if (ctes.len)
			buf_printf(sql, "%s,\n", buf_cstr(&ctes));
		buf_printf(sql, "dbt_internal_unit_test_actual as (\n  select %s, 'actual' as ",
			   buf_cstr(&cols));
		wh_quote_ident(tp->db, "actual_or_expected", sql);
		buf_printf(sql, "\n  from (\n%s\n  ) _dbt_internal_unit_test_actual\n),\n",
			   buf_cstr(&model));
		buf_printf(sql, "dbt_internal_unit_test_expected as (\n  select %s, 'expected' as ",
			   buf_cstr(&cols));
		wh_quote_ident(tp->db, "actual_or_expected", sql);
		buf_printf(sql, "\n  from (\n%s\n  ) _dbt_internal_unit_test_expected\n)\n",
			   buf_cstr(&exp));
		buf_puts(sql, "select * from dbt_internal_unit_test_actual\nunion all\n"
			      "select * from dbt_internal_unit_test_expected");
		buf_free(&cols);
		struct wh_result *res = NULL;
		rc = wh_query(u->c, buf_cstr(sql), NULL, 0, &res, u->e);
		if (!rc)
			*ndiff = diff_rows(u, res, use.len, msg);
		wh_result_free(res);
	}
	wh_result_free(pr);
	vec_free(&use);
	vec_free(&er.cols);
	vec_free(&er.rows);
	buf_free(&exp);
	buf_free(&model);
	buf_free(&ctes);
	return rc;
}

int tf_run_unit_test(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e)
{
	if (n->attached < 0)
		return err_set(e, ING_EINVAL, "unit test %s has no model", n->unique_id);
	struct ut u = {tp, n, tp->nodes.items[n->attached], c, arena_new(0), e};
	struct tf_unit_ovr ov = {STRMAP_INIT, NULL, jinja_none(), jinja_none(), jinja_none()};
	const struct ynode *o = ymap_get(n->props, "overrides");
	ov.vars = ovr_dict(&u, o, "vars");
	ov.env = ovr_dict(&u, o, "env_vars");
	ov.macros = ovr_dict(&u, o, "macros");
	struct buf sql = BUF_INIT, msg = BUF_INIT;
	int64_t ndiff = 0;
	int rc = run_unit(&u, &ov, &sql, &msg, &ndiff);
	if (sql.len) {
		free(n->compiled);
		n->compiled = xstrdup(buf_cstr(&sql));
		n->compiled_ok = true;
		buf_printf(&n->run_sql, "%s;\n", buf_cstr(&sql));
	}
	if (!rc) {
		n->failures = ndiff;
		n->status = ndiff ? TF_ST_FAIL : TF_ST_PASS;
		free(n->message);
		n->message = ndiff ? xstrdup(buf_cstr(&msg)) : NULL;
	}
	strmap_free(&ov.inputs, NULL);
	buf_free(&sql);
	buf_free(&msg);
	arena_free(u.a);
	return rc;
}
