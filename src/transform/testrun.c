/*
 * transform/testrun.c — running one data test (generic or singular).
 *
 * The test's query (compiled by the executor) is wrapped in dbt's
 * failures / should_warn / should_error select (quality_wrap_sql) and run;
 * the status follows severity, warn_if and error_if as dbt decides it.
 * With store_failures the failing rows are also kept in a table named by
 * the test's alias in the audit schema (<target schema>_dbt_test__audit
 * unless the test's schema config says otherwise), replaced on each run;
 * store_failures_as: view keeps a view of the failing rows instead, and
 * ephemeral keeps nothing (dbt's meanings).
 */
#include "transform/tf_int.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool cell_bool(const struct wh_value *v)
{
	switch (v->type) {
	case WH_BOOL: return v->v.b;
	case WH_INT64: return v->v.i != 0;
	case WH_DOUBLE: return v->v.d != 0;
	case WH_TEXT:
	case WH_OTHER: return v->v.s.n && (v->v.s.p[0] == 't' || v->v.s.p[0] == 'T' || v->v.s.p[0] == '1');
	default: return false;
	}
}

static int64_t cell_int(const struct wh_value *v)
{
	switch (v->type) {
	case WH_INT64: return v->v.i;
	case WH_DOUBLE: return (int64_t)v->v.d;
	case WH_BOOL: return v->v.b;
	case WH_DECIMAL:
	case WH_TEXT:
	case WH_OTHER: return strtoll(v->v.s.p, NULL, 10);
	default: return 0;
	}
}

static int store_failures(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			  const char *sql, const char *as, struct err *e)
{
	bool view = !strcmp(as, "view");
	int rc = tf_ensure_schema(tp, c, n->schema, e);
	struct buf b = BUF_INIT;
	if (!rc)
		rc = wh_begin(c, e);
	if (!rc) {
		enum wh_rel_kind k = tf_rel_kind(tp, c, n->schema, n->alias);
		if (k != WH_REL_NONE) {
			buf_printf(&b, "drop %s if exists ", k == WH_REL_VIEW ? "view" : "table");
			wh_relation_sql(tp->db, n->schema, n->alias, &b);
			rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
		}
	}
	if (!rc) {
		buf_reset(&b);
		buf_printf(&b, "create %s ", view ? "view" : "table");
		wh_relation_sql(tp->db, n->schema, n->alias, &b);
		buf_printf(&b, " as (\n%s\n)", sql);
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), NULL, e);
	}
	if (!rc)
		rc = wh_commit(c, e);
	else
		wh_rollback(c, NULL);
	if (!rc)
		tf_rel_set(tp, n->schema, n->alias, view ? WH_REL_VIEW : WH_REL_TABLE);
	buf_free(&b);
	return rc;
}

int tf_run_test(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e)
{
	struct buf sql = BUF_INIT, wrapped = BUF_INIT;
	buf_puts(&sql, n->compiled ? n->compiled : "");
	while (sql.len && (isspace((unsigned char)sql.data[sql.len - 1]) || sql.data[sql.len - 1] == ';'))
		sql.data[--sql.len] = 0;
	struct jinja_value lim = tf_cfg(n, "limit");
	int64_t limit = lim.type == JINJA_INT ? lim.u.i : -1;
	quality_wrap_sql(&wrapped, buf_cstr(&sql), tf_cfg_str(n, "fail_calc", NULL),
			 tf_cfg_str(n, "warn_if", NULL), tf_cfg_str(n, "error_if", NULL), limit);
	buf_puts(&n->run_sql, buf_cstr(&wrapped));
	buf_puts(&n->run_sql, "\n");
	struct wh_result *r = NULL;
	int rc = 0;
	const char *store_as = tf_test_store_as(n);
	if (store_as)
		rc = store_failures(tp, n, c, buf_cstr(&sql), store_as, e);
	if (!rc)
		rc = wh_query(c, buf_cstr(&wrapped), NULL, 0, &r, e);
	if (!rc) {
		if (r->nrows < 1 || r->ncols < 3) {
			rc = err_set(e, ING_EDB, "the test query returned no result row");
		} else {
			n->failures = cell_int(wh_cell(r, 0, 0));
			bool warn = cell_bool(wh_cell(r, 0, 1)), error = cell_bool(wh_cell(r, 0, 2));
			const char *sev = tf_cfg_str(n, "severity", "ERROR");
			enum qt_status st = quality_status(sev, warn, error);
			free(n->message);
			n->message = NULL;
			if (st == QT_FAIL) {
				n->status = TF_ST_FAIL;
				n->message = xasprintf("Got %lld result%s, configured to fail if %s",
						       (long long)n->failures, n->failures == 1 ? "" : "s",
						       tf_cfg_str(n, "error_if", "!= 0"));
			} else if (st == QT_WARN) {
				n->status = TF_ST_WARN;
				n->message = xasprintf("Got %lld result%s, configured to warn if %s",
						       (long long)n->failures, n->failures == 1 ? "" : "s",
						       tf_cfg_str(n, "warn_if", "!= 0"));
			} else {
				n->status = TF_ST_PASS;
			}
		}
	}
	wh_result_free(r);
	buf_free(&sql);
	buf_free(&wrapped);
	return rc;
}
