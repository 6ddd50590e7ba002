/*
 * transform/agate.c — agate's Table as dbt's run_query and
 * load_result(...).table give it.
 *
 *   table.columns      a MappedSequence of Columns keyed by name:
 *                      columns['a'], columns[0], keys(), values(), items(),
 *                      get(), len, iteration (yields the Columns)
 *   table.column_names a tuple of names; table.column_types a tuple of
 *                      agate types (Number, Text, Boolean, Date, DateTime)
 *   table.rows         a sequence of Rows; a Row is a MappedSequence keyed
 *                      by column name: row[0], row['a'], row.a, keys(),
 *                      values(), items(), get(), len, iteration (values)
 *   column.name, column.data_type, column.values(), values_distinct(),
 *   values_without_nulls(), values_sorted(), column[i]
 *   table.print_table() writes agate's Markdown-like table to standard
 *   output (the context's print()), max_rows/max_columns/max_column_width
 *   as agate's defaults (20, 6, 20).
 * Sequences print as agate's do: <agate.Row: (1, 'a')>. Numbers are ints
 * or floats (agate's Decimal prints the same for the values packages read).
 */
#include "transform/objmodel.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

struct ag_table {
	struct jinja_value rows;         /* list of Row objects */
	struct jinja_value names;        /* tuple of str */
	struct jinja_value types;        /* tuple of type objects */
	struct jinja_value columns;      /* the columns MappedSequence */
};

/* A MappedSequence: values with optional keys (Row, the columns). */
struct ag_seq {
	const char *kind;         /* "Row", "MappedSequence" */
	struct jinja_value keys;  /* tuple of str, or undefined */
	struct jinja_value vals;  /* tuple */
};

struct ag_col {
	const char *name;
	struct jinja_value type;   /* agate type object */
	struct jinja_value values; /* tuple */
};

struct ag_type {
	const char *name; /* "Number" */
	const char *module;
};

static const struct jinja_obj_ops seq_ops, col_ops, table_ops, type_ops;

struct jinja_value tf_agate_cell(struct arena *a, const struct wh_value *v)
{
	struct buf b = BUF_INIT;
	struct jinja_value out;
	switch (v->type) {
	case WH_NULL: return jinja_none();
	case WH_BOOL: return jinja_bool(v->v.b);
	case WH_INT64: return jinja_int(v->v.i);
	case WH_DOUBLE: return jinja_float(v->v.d);
	case WH_DECIMAL: {
		char *s = arena_strndup(a, v->v.s.p, v->v.s.n);
		if (!strchr(s, '.') && !strchr(s, 'e') && !strchr(s, 'E'))
			return jinja_int(strtoll(s, NULL, 10));
		return jinja_float(strtod(s, NULL));
	}
	default:
		wh_value_text(v, &b);
		out = jinja_str(a, buf_cstr(&b), b.len);
		buf_free(&b);
		return out;
	}
}

/* ------------------------------------------------------ sequences */

static int seq_index(struct jinja_value vals, int64_t i, struct jinja_value *out)
{
	int64_t n = (int64_t)jinja_list_len(vals);
	if (i < 0)
		i += n;
	if (i < 0 || i >= n)
		return ING_ENOTFOUND;
	*out = jinja_list_get(vals, (size_t)i);
	return 0;
}

static int seq_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
		       struct jinja_value *out)
{
	(void)rt;
	struct ag_seq *s = self;
	if (key.type == JINJA_INT)
		return seq_index(s->vals, key.u.i, out);
	if (s->keys.type == JINJA_UNDEFINED)
		return ING_ENOTFOUND;
	for (size_t i = 0; i < jinja_list_len(s->keys); i++)
		if (jinja_value_eq(jinja_list_get(s->keys, i), key)) {
			*out = jinja_list_get(s->vals, i);
			return 0;
		}
	return ING_ENOTFOUND;
}

static int seq_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	/* Jinja2 falls back from obj.name to obj['name'] */
	return seq_getitem(rt, self, jinja_str_static(name, strlen(name)), out);
}

static int seq_iter(struct jinja_rt *rt, void *self, struct jinja_value *list_out)
{
	(void)rt;
	*list_out = ((struct ag_seq *)self)->vals;
	return 0;
}

static bool seq_truth(void *self)
{
	return jinja_list_len(((struct ag_seq *)self)->vals) > 0;
}

static int seq_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	struct ag_seq *s = self;
	size_t n = jinja_list_len(s->vals);
	buf_printf(out, "<agate.%s: (", s->kind);
	for (size_t i = 0; i < n && i < 5; i++) {
		if (i)
			buf_puts(out, ", ");
		jinja_value_repr(rt, jinja_list_get(s->vals, i), out);
	}
	if (n > 5)
		buf_puts(out, ", ...");
	buf_puts(out, ")>");
	return 0;
}

static int seq_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct ag_seq *s = jinja_obj_user(c->self, &seq_ops);
	struct arena *a = jinja_rt_arena(c->rt);
	if (!s)
		return ING_ENOTFOUND;
	size_t n = jinja_list_len(s->vals);
	if (!strcmp(name, "values")) {
		*ret = s->vals;
		return 0;
	}
	if (!strcmp(name, "keys")) {
		*ret = s->keys.type == JINJA_UNDEFINED ? jinja_none() : s->keys;
		return 0;
	}
	if (!strcmp(name, "items")) {
		if (s->keys.type == JINJA_UNDEFINED)
			return jinja_rt_error(c->rt, ING_EINVAL, "This MappedSequence has no keys.");
		struct jinja_value l = jinja_list_new(a, n);
		for (size_t i = 0; i < n; i++) {
			struct jinja_value t = jinja_tuple_new(a, 2);
			jinja_list_set(t, 0, jinja_list_get(s->keys, i));
			jinja_list_set(t, 1, jinja_list_get(s->vals, i));
			jinja_list_push(l, t);
		}
		*ret = l;
		return 0;
	}
	if (!strcmp(name, "get")) {
		struct jinja_value k, d;
		if (!jinja_call_arg(c, 0, "key", &k))
			return jinja_rt_error(c->rt, ING_EINVAL, "get() takes a key");
		if (!jinja_call_arg(c, 1, "default", &d))
			d = jinja_none();
		if (s->keys.type == JINJA_UNDEFINED)
			return jinja_rt_error(c->rt, ING_EINVAL, "This MappedSequence has no keys.");
		if (k.type == JINJA_INT || seq_getitem(c->rt, s, k, ret)) /* get() is by key only */
			*ret = d;
		return 0;
	}
	if (!strcmp(name, "dict")) {
		if (s->keys.type == JINJA_UNDEFINED)
			return jinja_rt_error(c->rt, ING_EINVAL, "This MappedSequence has no keys.");
		struct jinja_value d = jinja_dict_new(a);
		for (size_t i = 0; i < n; i++)
			jinja_dict_set(d, jinja_list_get(s->keys, i), jinja_list_get(s->vals, i));
		*ret = d;
		return 0;
	}
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops seq_ops = {
	.type_name = "MappedSequence", .getitem = seq_getitem, .getattr = seq_getattr,
	.iter = seq_iter, .str = seq_str, .method = seq_method, .truth = seq_truth,
};

static struct jinja_value seq_new(struct arena *a, const char *kind, struct jinja_value keys,
				  struct jinja_value vals)
{
	struct ag_seq *s = arena_alloc(a, sizeof(*s));
	s->kind = kind;
	s->keys = keys;
	s->vals = vals;
	return jinja_obj(a, &seq_ops, s);
}

/* ------------------------------------------------------------ types */

static int type_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	const struct ag_type *t = self;
	buf_printf(out, "<agate.data_types.%s.%s object>", t->module, t->name);
	return 0;
}

static const struct jinja_obj_ops type_ops = {.type_name = "DataType", .str = type_str};

static const struct ag_type t_number = {"Number", "number"}, t_text = {"Text", "text"},
			    t_bool = {"Boolean", "boolean"}, t_date = {"Date", "date"},
			    t_datetime = {"DateTime", "date_time"};

static const struct ag_type *type_of(enum wh_type t)
{
	switch (t) {
	case WH_INT64: case WH_DOUBLE: case WH_DECIMAL: return &t_number;
	case WH_BOOL: return &t_bool;
	case WH_DATE: return &t_date;
	case WH_TIMESTAMP: case WH_DATETIME: return &t_datetime;
	default: return &t_text;
	}
}

/* ---------------------------------------------------------- columns */

static int col_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	struct ag_col *c = self;
	if (!strcmp(name, "name"))
		*out = jinja_str(jinja_rt_arena(rt), c->name, (size_t)-1);
	else if (!strcmp(name, "data_type"))
		*out = c->type;
	else
		return ING_ENOTFOUND;
	return 0;
}

static int col_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
		       struct jinja_value *out)
{
	(void)rt;
	if (key.type != JINJA_INT)
		return ING_ENOTFOUND;
	return seq_index(((struct ag_col *)self)->values, key.u.i, out);
}

static int col_iter(struct jinja_rt *rt, void *self, struct jinja_value *list_out)
{
	(void)rt;
	*list_out = ((struct ag_col *)self)->values;
	return 0;
}

static int col_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	struct ag_seq s = {"Column", jinja_undefined(), ((struct ag_col *)self)->values};
	return seq_str(rt, &s, out);
}

static int cmp_values(const void *x, const void *y)
{
	int r = 0;
	const struct jinja_value *a = x, *b = y;
	/* None sorts first, as agate's values_sorted (NullOrder) */
	if (a->type == JINJA_NONE || b->type == JINJA_NONE)
		return (a->type != JINJA_NONE) - (b->type != JINJA_NONE);
	struct buf sa = BUF_INIT, sb = BUF_INIT;
	if ((a->type == JINJA_INT || a->type == JINJA_FLOAT) &&
	    (b->type == JINJA_INT || b->type == JINJA_FLOAT)) {
		double da = a->type == JINJA_INT ? (double)a->u.i : a->u.f;
		double db = b->type == JINJA_INT ? (double)b->u.i : b->u.f;
		r = (da > db) - (da < db);
	} else {
		jinja_value_str(NULL, *a, &sa);
		jinja_value_str(NULL, *b, &sb);
		r = strcmp(buf_cstr(&sa), buf_cstr(&sb));
	}
	buf_free(&sa);
	buf_free(&sb);
	return r;
}

static int col_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct ag_col *col = jinja_obj_user(c->self, &col_ops);
	struct arena *a = jinja_rt_arena(c->rt);
	if (!col)
		return ING_ENOTFOUND;
	size_t n = jinja_list_len(col->values);
	if (!strcmp(name, "values")) {
		*ret = col->values;
		return 0;
	}
	if (!strcmp(name, "values_without_nulls") || !strcmp(name, "values_distinct") ||
	    !strcmp(name, "values_sorted")) {
		bool distinct = !strcmp(name, "values_distinct");
		bool sorted = !strcmp(name, "values_sorted");
		bool nonull = !strcmp(name, "values_without_nulls");
		struct jinja_value *tmp = arena_alloc(a, (n + 1) * sizeof(*tmp));
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			struct jinja_value v = jinja_list_get(col->values, i);
			if (nonull && v.type == JINJA_NONE)
				continue;
			bool seen = false;
			for (size_t j = 0; distinct && j < k && !seen; j++)
				seen = jinja_value_eq(tmp[j], v);
			if (!seen)
				tmp[k++] = v;
		}
		if (sorted)
			qsort(tmp, k, sizeof(*tmp), cmp_values);
		struct jinja_value t = jinja_tuple_new(a, k);
		for (size_t i = 0; i < k; i++)
			jinja_list_set(t, i, tmp[i]);
		*ret = t;
		return 0;
	}
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops col_ops = {
	.type_name = "Column", .getattr = col_getattr, .getitem = col_getitem, .iter = col_iter,
	.str = col_str, .method = col_method,
};

/* ------------------------------------------------------------ table */

static int table_getattr(struct jinja_rt *rt, void *self, const char *name,
			 struct jinja_value *out)
{
	(void)rt;
	struct ag_table *t = self;
	if (!strcmp(name, "rows"))
		*out = t->rows;
	else if (!strcmp(name, "columns"))
		*out = t->columns;
	else if (!strcmp(name, "column_names"))
		*out = t->names;
	else if (!strcmp(name, "column_types"))
		*out = t->types;
	else if (!strcmp(name, "row_names"))
		*out = jinja_none();
	else
		return ING_ENOTFOUND;
	return 0;
}

static int table_getitem(struct jinja_rt *rt, void *self, struct jinja_value key,
			 struct jinja_value *out)
{
	(void)rt;
	struct ag_table *t = self;
	if (key.type != JINJA_INT)
		return ING_ENOTFOUND;
	struct ag_seq *rows = jinja_obj_user(t->rows, &seq_ops);
	return seq_index(rows->vals, key.u.i, out);
}

static int table_iter(struct jinja_rt *rt, void *self, struct jinja_value *list_out)
{
	(void)rt;
	*list_out = ((struct ag_seq *)jinja_obj_user(((struct ag_table *)self)->rows, &seq_ops))->vals;
	return 0;
}

static bool table_truth(void *self)
{
	(void)self;
	return true; /* an object without __len__/__bool__ */
}

static int table_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	(void)self;
	buf_puts(out, "<agate.table.Table object>");
	return 0;
}

/* agate's print_table: | a | b |, a separator row of dashes, numbers
 * right-aligned, at most max_rows rows and max_columns columns ("..."
 * after them), cells cut to max_column_width characters. */
static void print_table(struct jinja_rt *rt, struct ag_table *t, int64_t max_rows, int64_t max_cols,
			int64_t max_width, struct buf *out)
{
	struct ag_seq *rows = jinja_obj_user(t->rows, &seq_ops);
	size_t nr = jinja_list_len(rows->vals), nc = jinja_list_len(t->names);
	size_t showr = max_rows >= 0 && (size_t)max_rows < nr ? (size_t)max_rows : nr;
	size_t showc = max_cols >= 0 && (size_t)max_cols < nc ? (size_t)max_cols : nc;
	bool more_c = showc < nc, more_r = showr < nr;
	size_t cols = showc + more_c, lines = showr + 1 + more_r;
	struct buf *cell = calloc(cols * lines, sizeof(*cell));
	size_t *w = calloc(cols ? cols : 1, sizeof(*w));
	bool *num = calloc(cols ? cols : 1, sizeof(*num));
	if (!cell || !w || !num) {
		free(cell);
		free(w);
		free(num);
		return;
	}
	for (size_t c = 0; c < cols; c++) {
		struct buf *h = &cell[c];
		if (c < showc) {
			jinja_value_str(rt, jinja_list_get(t->names, c), h);
			struct ag_type *ty = jinja_obj_user(jinja_list_get(t->types, c), &type_ops);
			num[c] = ty && !strcmp(ty->name, "Number");
		} else {
			buf_puts(h, "...");
		}
		for (size_t r = 0; r < lines - 1; r++) {
			struct buf *b = &cell[(r + 1) * cols + c];
			if (c >= showc || r >= showr) {
				buf_puts(b, "...");
				continue;
			}
			struct ag_seq *row = jinja_obj_user(jinja_list_get(rows->vals, r), &seq_ops);
			struct jinja_value v = jinja_list_get(row->vals, c);
			if (v.type != JINJA_NONE)
				jinja_value_str(rt, v, b);
			if (max_width > 3 && b->len > (size_t)max_width) {
				buf_truncate(b, (size_t)max_width - 3);
				buf_puts(b, "...");
			}
		}
		for (size_t r = 0; r < lines; r++)
			if (cell[r * cols + c].len > w[c])
				w[c] = cell[r * cols + c].len;
	}
	for (size_t r = 0; r < lines; r++) {
		buf_putc(out, '|');
		for (size_t c = 0; c < cols; c++) {
			const struct buf *b = &cell[r * cols + c];
			size_t pad = w[c] - b->len;
			buf_putc(out, ' ');
			if (num[c] && r > 0)
				buf_printf(out, "%*s", (int)pad, "");
			buf_add(out, buf_cstr(b), b->len);
			if (!(num[c] && r > 0))
				buf_printf(out, "%*s", (int)pad, "");
			buf_puts(out, " |");
		}
		buf_putc(out, '\n');
		if (r == 0) {
			buf_putc(out, '|');
			for (size_t c = 0; c < cols; c++) {
				buf_putc(out, ' ');
				for (size_t i = 0; i < w[c]; i++)
					buf_putc(out, '-');
				buf_puts(out, " |");
			}
			buf_putc(out, '\n');
		}
	}
	for (size_t i = 0; i < cols * lines; i++)
		buf_free(&cell[i]);
	free(cell);
	free(w);
	free(num);
}

static int64_t int_arg(const struct jinja_call *c, size_t i, const char *name, int64_t dflt)
{
	struct jinja_value v;
	if (!jinja_call_arg(c, i, name, &v))
		return dflt;
	if (v.type == JINJA_NONE)
		return -1;
	return v.type == JINJA_INT ? v.u.i : dflt;
}

static int table_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct ag_table *t = jinja_obj_user(c->self, &table_ops);
	if (!t)
		return ING_ENOTFOUND;
	if (!strcmp(name, "print_table")) {
		struct buf b = BUF_INIT;
		print_table(c->rt, t, int_arg(c, 0, "max_rows", 20), int_arg(c, 1, "max_columns", 6),
			    int_arg(c, 3, "max_column_width", 20), &b);
		if (b.len && b.data[b.len - 1] == '\n')
			b.len--;
		/* agate writes to standard output: through the context's print()
		 * when there is one (dbt's stdout), else the log */
		struct jinja_value pr, txt = jinja_str(jinja_rt_arena(c->rt), buf_cstr(&b), b.len), ignored;
		int rc = 0;
		if (jinja_rt_lookup(c->rt, "print", &pr) &&
		    (pr.type == JINJA_FUNC || pr.type == JINJA_MACRO))
			rc = jinja_rt_call(c->rt, pr, &txt, 1, NULL, 0, jinja_undefined(), &ignored);
		else
			log_info("%s", buf_cstr(&b));
		buf_free(&b);
		*ret = jinja_none();
		return rc;
	}
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops table_ops = {
	.type_name = "Table", .getattr = table_getattr, .getitem = table_getitem,
	.iter = table_iter, .truth = table_truth, .method = table_method, .str = table_str,
};

struct jinja_value tf_agate_table(struct arena *a, const struct wh_result *res)
{
	struct ag_table *t = arena_zalloc(a, sizeof(*t));
	t->names = jinja_tuple_new(a, res->ncols);
	t->types = jinja_tuple_new(a, res->ncols);
	for (size_t c = 0; c < res->ncols; c++) {
		jinja_list_set(t->names, c, jinja_str(a, res->names[c], (size_t)-1));
		const struct ag_type *ty = type_of(res->types ? res->types[c] : WH_TEXT);
		jinja_list_set(t->types, c, jinja_obj(a, &type_ops, (void *)ty));
	}
	struct jinja_value rows = jinja_tuple_new(a, res->nrows);
	for (size_t r = 0; r < res->nrows; r++) {
		struct jinja_value vals = jinja_tuple_new(a, res->ncols);
		for (size_t c = 0; c < res->ncols; c++)
			jinja_list_set(vals, c, tf_agate_cell(a, wh_cell(res, r, c)));
		jinja_list_set(rows, r, seq_new(a, "Row", t->names, vals));
	}
	t->rows = seq_new(a, "MappedSequence", jinja_undefined(), rows);
	struct jinja_value cols = jinja_tuple_new(a, res->ncols);
	for (size_t c = 0; c < res->ncols; c++) {
		struct ag_col *col = arena_alloc(a, sizeof(*col));
		col->name = arena_strdup(a, res->names[c]);
		col->type = jinja_list_get(t->types, c);
		col->values = jinja_tuple_new(a, res->nrows);
		for (size_t r = 0; r < res->nrows; r++) {
			struct ag_seq *row = jinja_obj_user(jinja_list_get(rows, r), &seq_ops);
			jinja_list_set(col->values, r, jinja_list_get(row->vals, c));
		}
		jinja_list_set(cols, c, jinja_obj(a, &col_ops, col));
	}
	t->columns = seq_new(a, "MappedSequence", t->names, cols);
	return jinja_obj(a, &table_ops, t);
}

struct jinja_value tf_agate_matrix(struct arena *a, struct jinja_value table)
{
	struct ag_table *t = jinja_obj_user(table, &table_ops);
	if (!t)
		return jinja_list_new(a, 0);
	struct ag_seq *rows = jinja_obj_user(t->rows, &seq_ops);
	size_t n = jinja_list_len(rows->vals);
	struct jinja_value l = jinja_list_new(a, n);
	for (size_t i = 0; i < n; i++)
		jinja_list_push(l, ((struct ag_seq *)jinja_obj_user(jinja_list_get(rows->vals, i), &seq_ops))->vals);
	return l;
}
