/*
 * transform/seed.c — loading a seed CSV into a table, as `dbt seed` does.
 *
 * The file is read with the lake's CSV reader (RFC 4180, the `delimiter`
 * config), column types are inferred the way dbt's agate settings infer
 * them (integer, number, date, timestamp, true/false booleans, else text;
 * an empty field is NULL) unless `column_types` names the type. The table
 * is created and filled inside one transaction: a new or --full-refresh
 * load drops and recreates it; a reload of an existing table with the same
 * columns empties it and inserts (so views over it survive), as dbt does.
 * `quote_columns` quotes the column names (the default, as on dbt's
 * postgres and duckdb adapters, is to quote them).
 *
 * Rows go in as multi-row INSERTs with typed literals: seeds are small
 * reference tables, and plain SQL keeps both engines on one path. (Large
 * files belong to `ingot load`, which uses the bulk path.)
 */
#include "transform/tf_int.h"
#include "core/dtime.h"
#include "core/mem.h"
#include "lake/lake.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum scol { SC_INT = 1, SC_BIGINT = 2, SC_NUM = 4, SC_DATE = 8, SC_TS = 16, SC_BOOL = 32 };

struct seed_data {
	size_t ncols, nrows;
	char **names;
	char **cells; /* row-major, NULL = NULL */
	unsigned *ok; /* per column: types every value fits */
};

static unsigned classify(const char *s, size_t n)
{
	unsigned k = 0;
	int64_t i;
	double d;
	int32_t days;
	int64_t us;
	if (!lake_parse_int64(s, n, &i)) {
		k |= SC_BIGINT | SC_NUM;
		if (i >= -2147483648LL && i <= 2147483647LL)
			k |= SC_INT;
	}
	if (!lake_parse_double(s, n, &d))
		k |= SC_NUM;
	if (n == 10 && !date_parse(s, n, &days))
		k |= SC_DATE;
	if (n > 10 && !datetime_parse(s, n, &us))
		k |= SC_TS;
	if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 5 && !strncasecmp(s, "false", 5)))
		k |= SC_BOOL;
	return k;
}

static const char *type_for(struct tf_proj *tp, unsigned ok)
{
	const struct wh_adapter *ad = wh_adapter_for(tp->engine);
	enum wh_sqltype t = ok & SC_INT ? WH_SQLT_INT
			    : ok & SC_BIGINT ? WH_SQLT_BIGINT
			    : ok & SC_NUM ? WH_SQLT_FLOAT
			    : ok & SC_DATE ? WH_SQLT_DATE
			    : ok & SC_TS ? WH_SQLT_TIMESTAMP
			    : ok & SC_BOOL ? WH_SQLT_BOOLEAN : WH_SQLT_STRING;
	return wh_sql_column_type(ad, t);
}

static int read_seed(struct tf_proj *tp, struct tf_node *n, struct arena *a, struct seed_data *sd,
		     struct err *e)
{
	struct csv_opts o = {
		.delimiter = ',', .quote = '"', .escape = '"', .max_record_bytes = 16u << 20};
	const char *delim = tf_cfg_str(n, "delimiter", NULL);
	if (delim && *delim)
		o.delimiter = !strcmp(delim, "\\t") ? '\t' : delim[0];
	struct csv_reader *r = NULL;
	int rc = csv_open(n->abs_path, &o, &r, e);
	if (rc)
		return rc;
	struct csv_record rec;
	VEC(char *) cells = VEC_INIT;
	memset(sd, 0, sizeof(*sd));
	for (;;) {
		int k = csv_next(r, &rec, e);
		if (k < 0) {
			rc = k;
			break;
		}
		if (k == CSV_EOF)
			break;
		if (k == CSV_BAD) {
			rc = err_setloc(e, ING_EPARSE, n->original_file_path, (int)rec.line, 0, "%s",
					rec.reason);
			break;
		}
		if (!sd->names) {
			sd->ncols = rec.nfields;
			sd->names = arena_alloc(a, (rec.nfields + 1) * sizeof(char *));
			sd->ok = arena_alloc(a, (rec.nfields + 1) * sizeof(unsigned));
			for (size_t i = 0; i < rec.nfields; i++) {
				sd->names[i] = str_trim(arena_strndup(a, rec.f[i], rec.len[i]));
				sd->ok[i] = ~0u;
			}
			continue;
		}
		if (rec.nfields == 1 && rec.len[0] == 0)
			continue; /* blank line */
		if (rec.nfields != sd->ncols) {
			rc = err_setloc(e, ING_EPARSE, n->original_file_path, (int)rec.line, 0,
					"row has %zu fields, the header has %zu", rec.nfields, sd->ncols);
			break;
		}
		for (size_t i = 0; i < rec.nfields; i++) {
			if (rec.len[i] == 0) {
				vec_push(&cells, NULL);
				continue;
			}
			char *v = arena_strndup(a, rec.f[i], rec.len[i]);
			sd->ok[i] &= classify(v, rec.len[i]);
			vec_push(&cells, v);
		}
		sd->nrows++;
	}
	csv_close(r);
	if (!rc && !sd->names)
		rc = err_setloc(e, ING_EPARSE, n->original_file_path, 1, 0, "the seed file is empty");
	sd->cells = cells.items; /* freed by the caller (malloc'd) */
	return rc;
}

static const char *col_type(struct tf_proj *tp, struct tf_node *n, struct seed_data *sd, size_t i,
			    struct arena *a)
{
	struct jinja_value ct = tf_cfg(n, "column_types"), v;
	if (ct.type == JINJA_DICT && jinja_dict_get_str(ct, sd->names[i], &v) && v.type == JINJA_STR)
		return jinja_str_cstr(a, v);
	return type_for(tp, sd->ok[i]);
}

int tf_seed(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e)
{
	struct arena *a = arena_new(0);
	struct seed_data sd = {0};
	struct buf b = BUF_INIT, cols = BUF_INIT;
	int rc = read_seed(tp, n, a, &sd, e);
	const char **types = NULL;
	bool quote = tf_cfg_bool(n, "quote_columns", true);
	if (rc)
		goto out;
	types = arena_alloc(a, (sd.ncols + 1) * sizeof(char *));
	for (size_t i = 0; i < sd.ncols; i++) {
		types[i] = col_type(tp, n, &sd, i, a);
		if (i)
			buf_puts(&cols, ", ");
		if (quote)
			wh_quote_ident(tp->db, sd.names[i], &cols);
		else
			buf_puts(&cols, sd.names[i]);
	}
	if ((rc = tf_ensure_schema(tp, c, n->schema, e)))
		goto out;
	enum wh_rel_kind k = tf_rel_kind(tp, c, n->schema, n->alias);
	bool recreate = k != WH_REL_TABLE || tp->full_refresh;
	if (!recreate) {
		/* same columns? else dbt asks for --full-refresh; we recreate */
		struct wh_column_info *have = NULL;
		size_t nh = 0;
		struct err ig = ERR_INIT;
		if (wh_list_columns(c, n->schema, n->alias, a, &have, &nh, &ig) || nh != sd.ncols)
			recreate = true;
		for (size_t i = 0; !recreate && i < nh; i++)
			recreate = str_casecmp(have[i].name, sd.names[i]) != 0;
		err_clear(&ig);
	}
	if ((rc = tf_run_hooks(tp, n, c, "pre-hook", true, e)) || (rc = wh_begin(c, e)))
		goto out;
	if (recreate) {
		if (k != WH_REL_NONE) {
			buf_printf(&b, "drop %s if exists ", k == WH_REL_VIEW ? "view" : "table");
			wh_relation_sql(tp->db, n->schema, n->alias, &b);
			if (wh_has(tp->db, WH_CAP_BOUND_VIEWS))
				buf_puts(&b, " cascade");
			rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
		}
		if (!rc) {
			buf_reset(&b);
			buf_puts(&b, "create table ");
			wh_relation_sql(tp->db, n->schema, n->alias, &b);
			buf_puts(&b, " (");
			for (size_t i = 0; i < sd.ncols; i++) {
				if (i)
					buf_puts(&b, ", ");
				if (quote)
					wh_quote_ident(tp->db, sd.names[i], &b);
				else
					buf_puts(&b, sd.names[i]);
				buf_printf(&b, " %s", types[i]);
			}
			buf_puts(&b, ")");
			rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
		}
	} else {
		buf_puts(&b, "delete from ");
		wh_relation_sql(tp->db, n->schema, n->alias, &b);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	for (size_t r0 = 0; !rc && r0 < sd.nrows; r0 += 500) {
		buf_reset(&b);
		buf_puts(&b, "insert into ");
		wh_relation_sql(tp->db, n->schema, n->alias, &b);
		buf_printf(&b, " (%s) values\n", buf_cstr(&cols));
		size_t end = r0 + 500 < sd.nrows ? r0 + 500 : sd.nrows;
		for (size_t r = r0; r < end; r++) {
			buf_puts(&b, r > r0 ? ",\n(" : "(");
			for (size_t i = 0; i < sd.ncols; i++) {
				const char *v = sd.cells[r * sd.ncols + i];
				if (i)
					buf_puts(&b, ", ");
				if (!v) {
					buf_puts(&b, "null");
					continue;
				}
				buf_puts(&b, "cast(");
				wh_quote_literal(tp->db, v, &b);
				buf_printf(&b, " as %s)", types[i]);
			}
			buf_putc(&b, ')');
		}
		/* the statement text is not kept in run/: it is the data */
		int64_t rows = 0;
		rc = wh_exec_count(c, buf_cstr(&b), &rows, e);
	}
	if (!rc)
		rc = wh_commit(c, e);
	else
		wh_rollback(c, NULL);
	if (!rc) {
		tf_rel_set(tp, n->schema, n->alias, WH_REL_TABLE);
		n->rows_affected = (int64_t)sd.nrows;
		n->adapter_code = "INSERT";
		rc = tf_run_hooks(tp, n, c, "post-hook", true, e);
	}
	if (rc)
		err_prefix(e, "seed %s (%s)", n->name, n->original_file_path);
out:
	free(sd.cells);
	buf_free(&b);
	buf_free(&cols);
	arena_free(a);
	return rc;
}
