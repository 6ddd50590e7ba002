/*
 * transform/inctest.c — tests of an incremental model that check only the
 * rows its run wrote, when that proves the whole table's result.
 *
 * A daily build appends a day to tables of years; a `unique` test of such a
 * table grouped every row each day (stg_events: 2.3 M rows at scale 1, a
 * tenth of the day's build, growing with the history). Yet an incremental
 * run (append, delete+insert, merge, insert_overwrite) leaves every row it
 * did not write as it was or deletes it, and writes only rows of its new
 * rows' table (<model>__dbt_tmp). So when the test passed on the table as
 * it was before this run:
 *   - not_null(c): a null now is in a written row: none of the new rows
 *     has c null  =>  the test passes;
 *   - accepted_values(c, values): a value not in values now is in a
 *     written row: none of the new rows has one  =>  the test passes;
 *   - unique(c): a duplicate now has a written row in its group (a group
 *     of kept rows only was a duplicate before): no value of c among the
 *     new rows occurs more than once in the table  =>  the test passes.
 *     When c is the unique_key of a delete+insert or merge without
 *     incremental_predicates, the table's rows of those values were all
 *     replaced: no value occurring twice among the new rows is enough
 *     (no read of the table at all).
 * The model's node runs that check (mat_incremental, after its commit and
 * before the new rows' table is dropped) for each such test of it; the
 * test node then passes without scanning the table (tf_inctest_passed), and
 * its run/ listing holds the check. A check that finds anything proves
 * nothing: the test runs as always, so a failure is reported with dbt's
 * counts and messages. Nothing else changes: the test is recorded as
 * passed, so the next run reuses it when nothing changed.
 *
 * "Passed before" is the build state (reuse.c): a test's row is kept only
 * after a pass, and its fingerprint names the data version of the model it
 * read; the test is proved only when that fingerprint equals the one it
 * has with the version the model had before this run. A run that died
 * after rebuilding the model and before recording it would leave the
 * model's old version next to new data, so before the model's first
 * statement (pre-hooks included) the rows of the tests it may prove are
 * deleted from _ingot.build_state (when that fails, the model is not
 * built); this run records them again.
 *
 * Only what is certain is proved; anything else runs the test:
 *   - the test: ingot's own unique, not_null or accepted_values (no
 *     project or package macro of that name; values a list of plain
 *     scalars, rendered as its macro does), on a model, no where, limit,
 *     fail_calc, warn_if, error_if or store_failures;
 *   - the model: incremental, run incrementally (not its first build, not
 *     --full-refresh, not microbatch) on an engine whose new rows are a
 *     session's temporary table (not ClickHouse), its columns the same as
 *     the table's (no on_schema_change at work), hooks rendered without
 *     writing (the fingerprint could be known), and every hook statement
 *     that names the model a DELETE (deleting makes no null and no
 *     duplicate);
 *   - --no-reuse and --full-refresh check whole tables.
 * What ingot cannot see, it assumes, as state-aware reuse does: only
 * statements that name a table write it (not another model's hook through
 * a view, not a trigger).
 */
#include "transform/tf_int.h"
#include "core/log.h"
#include "core/relver.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { IT_NONE, IT_UNIQUE, IT_NOT_NULL, IT_ACCEPTED };

/* A project or package macro that would render the test instead of
 * ingot's own (quality/builtin.c). */
static bool overridden(const struct tf_proj *tp, const char *test)
{
	size_t tl = strlen(test);
	for (size_t i = 0; i < tp->macros.len; i++) {
		const char *nm = tp->macros.items[i].name;
		size_t nl = nm ? strlen(nm) : 0;
		/* test_<t>, default__test_<t>, <adapter>__test_<t> */
		if (nl >= tl + 5 && !strcmp(nm + nl - tl, test) &&
		    !strncmp(nm + nl - tl - 5, "test_", 5) &&
		    (nl == tl + 5 || (nl >= tl + 7 && !strncmp(nm + nl - tl - 7, "__", 2))))
			return true;
	}
	return false;
}

static bool cfg_default(const struct tf_node *t, const char *key, const char *dflt)
{
	const char *v = tf_cfg_str(t, key, NULL);
	return !v || (dflt && !strcmp(v, dflt));
}

/* accepted_values' list as ingot's macro renders it (quality/builtin.c):
 * each value's Python str, in quotes unless quote is false, onto out (when
 * not NULL). False when the list is not plain YAML scalars (a template, a
 * mapping) or quote is not a boolean: the test then runs whole. */
static bool accepted_list(const struct tf_proj *tp, const struct tf_node *t, struct buf *out)
{
	const struct ynode *vals = NULL;
	bool quote = true, seen = false;
	for (size_t i = 0; i < t->test->nkw; i++) {
		const struct qt_kwarg *k = &t->test->kw[i];
		if (!strcmp(k->key, "values")) {
			vals = k->val;
		} else if (!strcmp(k->key, "quote")) {
			const char *q = k->val ? quality_py_str(k->val, tp->arena) : k->str_val;
			if (!q || (strcmp(q, "True") && strcmp(q, "False")))
				return false;
			quote = !strcmp(q, "True");
		} else if (strcmp(k->key, "column_name") && strcmp(k->key, "model")) {
			return false;
		}
	}
	if (!vals || vals->type != Y_SEQ || !vals->n)
		return false;
	for (size_t i = 0; i < vals->n; i++) {
		const struct ynode *v = vals->items[i];
		if (!v || v->type != Y_SCALAR)
			return false;
		const char *txt = quality_py_str(v, tp->arena);
		if (strstr(txt, "{{") || strstr(txt, "{%") || strstr(txt, "{#"))
			return false;
		if (out)
			buf_printf(out, "%s%s%s%s", seen ? ", " : "", quote ? "'" : "", txt,
				   quote ? "'" : "");
		seen = true;
	}
	return true;
}

/* The kind of t when it can be proved from m's new rows, and its column
 * expression. */
static int test_kind(const struct tf_proj *tp, const struct tf_node *t, const struct tf_node *m,
		     const char **col)
{
	if (t->rtype != TF_TEST || !t->test || t->test->ns || t->attached != m->idx ||
	    t->deps.len != 1 || t->deps.items[0] != m->idx)
		return IT_NONE;
	int kind = !strcmp(t->test->name, "unique")            ? IT_UNIQUE
		   : !strcmp(t->test->name, "not_null")        ? IT_NOT_NULL
		   : !strcmp(t->test->name, "accepted_values") ? IT_ACCEPTED
							       : IT_NONE;
	if (kind == IT_NONE || overridden(tp, t->test->name))
		return IT_NONE;
	const char *where = tf_cfg_str(t, "where", NULL);
	struct jinja_value lim = tf_cfg(t, "limit");
	if ((where && *where) || lim.type == JINJA_INT || tf_test_store_as(t) ||
	    !cfg_default(t, "fail_calc", "count(*)") || !cfg_default(t, "warn_if", "!= 0") ||
	    !cfg_default(t, "error_if", "!= 0"))
		return IT_NONE;
	const char *c = NULL;
	for (size_t i = 0; i < t->test->nkw; i++)
		if (!strcmp(t->test->kw[i].key, "column_name"))
			c = t->test->kw[i].str_val
				? t->test->kw[i].str_val
				: quality_py_str(t->test->kw[i].val, tp->arena);
	if (!c || !*c || strstr(c, "{{") || strstr(c, "{%"))
		return IT_NONE;
	if (kind == IT_ACCEPTED && !accepted_list(tp, t, NULL))
		return IT_NONE;
	*col = c;
	return kind;
}

int tf_inctest_begin(struct tf_proj *tp, struct tf_node *m, struct wh_conn *c, struct err *e)
{
	m->inc_tests.len = 0;
	m->inc_void = false;
	/* no check runs on an engine without the new rows in a temporary
	 * table: nothing to guard there */
	if (!tp->reuse || !m->materialized || strcmp(m->materialized, "incremental") ||
	    wh_has(tp->db, WH_CAP_KEYS_IN))
		return 0;
	const char *strat = tf_cfg_str(m, "incremental_strategy", NULL);
	bool prove = tp->prove_tests && m->reuse_fp && !(strat && !strcmp(strat, "microbatch"));
	/* every such test, selected or not, also when this run checks none
	 * (--full-refresh, --no-reuse): a run that dies before recording the
	 * model must not leave them */
	VEC(struct tf_node *) forget = VEC_INIT;
	for (size_t i = 0; i < m->children.len; i++) {
		struct tf_node *t = tp->nodes.items[m->children.items[i]];
		const char *col;
		if (test_kind(tp, t, m, &col) == IT_NONE || !tf_reuse_has_state(tp, t))
			continue;
		t->proved = false;
		vec_push(&forget, t);
	}
	/* not forgotten, they could pass later on rows never tested: the
	 * model is not built */
	int rc = forget.len ? tf_reuse_forget_nodes(c, forget.items, forget.len, e) : 0;
	if (rc)
		err_prefix(e, "clearing the build state of the tests of %s", m->name);
	for (size_t i = 0; !rc && i < forget.len; i++)
		if (prove && forget.items[i]->selected)
			vec_push(&m->inc_tests, forget.items[i]->idx);
	vec_free(&forget);
	return rc;
}

/* Does a word of sql (case-insensitive) equal ident? */
static bool names(const char *sql, const char *ident)
{
	size_t n = strlen(ident);
	if (!n)
		return false;
	for (const char *p = sql; *p; p++) {
		if (strncasecmp(p, ident, n))
			continue;
		unsigned char b = p > sql ? (unsigned char)p[-1] : ' ', a = (unsigned char)p[n];
		if (!(isalnum(b) || b == '_' || b == '$') && !(isalnum(a) || a == '_' || a == '$'))
			return true;
	}
	return false;
}

/* One DELETE statement (a trailing ';' at most). */
static bool one_delete(const char *sql)
{
	const char *p = relver_sql_start(sql);
	if (strncasecmp(p, "delete", 6) || !isspace((unsigned char)p[6]))
		return false;
	const char *semi = strchr(p, ';');
	if (semi)
		for (semi++; *semi; semi++)
			if (!isspace((unsigned char)*semi))
				return false;
	return true;
}

void tf_inctest_hook(struct tf_node *m, const char *sql)
{
	if (!m || !m->inc_tests.len || m->inc_void)
		return;
	if (names(sql, m->alias ? m->alias : m->name) && !one_delete(sql))
		m->inc_void = true;
}

bool tf_inctest_wanted(const struct tf_node *m)
{
	return m->inc_tests.len && !m->inc_void;
}

void tf_inctest_prove(struct tf_proj *tp, struct tf_node *m, struct wh_conn *c, const char *newrows,
		      const char *key)
{
	for (size_t i = 0; i < m->inc_tests.len; i++) {
		struct tf_node *t = tp->nodes.items[m->inc_tests.items[i]];
		const char *col = NULL;
		int kind = test_kind(tp, t, m, &col);
		struct buf q = BUF_INIT;
		if (kind == IT_NOT_NULL) {
			buf_printf(&q, "select count(*) from %s where %s is null", newrows, col);
		} else if (kind == IT_ACCEPTED) {
			/* the test's own predicate (value_field not in (...)), on
			 * the new rows: a null is no failure there either */
			buf_printf(&q, "select count(*) from %s where (%s) not in (", newrows, col);
			accepted_list(tp, t, &q);
			buf_puts(&q, ")");
		} else if (kind == IT_UNIQUE && key && !str_casecmp(col, key)) {
			/* the table's rows of those values were replaced by the
			 * new rows: a duplicate is two of them */
			buf_printf(&q, "select count(*) from (select %s from %s where %s is not null "
				   "group by %s having count(*) > 1) dups", col, newrows, col, col);
		} else if (kind == IT_UNIQUE) {
			buf_printf(&q, "select count(*) from (select %s from ", col);
			wh_relation_sql(tp->db, m->schema, m->alias, &q);
			buf_printf(&q, " where %s in (select %s from %s) group by %s having count(*) > 1) dups",
				   col, col, newrows, col);
		}
		struct wh_result *r = NULL;
		struct err e = ERR_INIT;
		if (q.len && !wh_query(c, buf_cstr(&q), NULL, 0, &r, &e) && r->nrows == 1 && r->ncols >= 1) {
			struct buf v = BUF_INIT;
			wh_value_text(wh_cell(r, 0, 0), &v);
			if (!strcmp(buf_cstr(&v), "0")) {
				free(t->proof_sql);
				t->proof_sql = xstrdup(buf_cstr(&q));
				t->proved = true;
			}
			buf_free(&v);
		} else if (e.code) {
			log_debug("%s: checking %s on the new rows: %s", m->name, t->name, e.msg ? e.msg : "");
		}
		wh_result_free(r);
		err_clear(&e);
		buf_free(&q);
	}
}

bool tf_inctest_passed(struct tf_proj *tp, struct tf_node *t, struct wh_conn *c)
{
	if (!t->proved)
		return false;
	t->proved = false;
	struct tf_node *m = t->attached >= 0 ? tp->nodes.items[t->attached] : NULL;
	if (!m || m->inc_void || m->status != TF_ST_SUCCESS || !tf_reuse_passed_before(tp, t, m, c))
		return false;
	t->status = TF_ST_PASS;
	t->failures = 0;
	free(t->message);
	t->message = xasprintf("checked the rows this run wrote to %s (the test passed on the others "
			       "before)", m->name);
	buf_printf(&t->run_sql,
		   "-- %s passed on %s before this run, which wrote only the rows of its new rows'\n"
		   "-- table: this found no failure among them\n%s\n",
		   t->name, m->name, t->proof_sql ? t->proof_sql : "");
	return true;
}
