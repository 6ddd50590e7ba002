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
 *     (no read of the table at all);
 *   - relationships(c, to: P, field: f): a child row without a parent now
 *     is a written row, or one whose parent this run took away. So when
 *     the run leaves P every f it had — P not written by it, or written
 *     only by an incremental run that appends, or replaces rows by a
 *     unique_key that includes f (delete+insert and merge delete or update
 *     only rows whose key a new row has, with the same key), and no hook
 *     statement of P names it — the new rows are checked against P: none
 *     without a parent  =>  the test passes. When P is in the same run
 *     (built after the model, beside it, or before it: it only gains keys
 *     then), the new rows' distinct keys are kept in a table of _ingot
 *     (one per test, dropped by the test), and the test checks them
 *     against P as the run left it: one read of P. Whether P kept its
 *     keys is known when the test runs (kept_covers), after both.
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
 * read (and of P); the test is proved only when that fingerprint equals
 * the one it has with the versions they had before this run. A run that
 * died after rebuilding the model and before recording it would leave the
 * model's old version next to new data, so before the model's first
 * statement (pre-hooks included) the rows of the tests it may prove, and
 * of the relationships tests whose parent it is, are deleted from
 * _ingot.build_state (when that fails, the model is not built); this run
 * records them again. (Two models may delete one test's row at once: the
 * deletes take turns, reuse.c.)
 *
 * Only what is certain is proved; anything else runs the test:
 *   - the test: ingot's own unique, not_null, accepted_values or
 *     relationships (no project or package macro of that name; values a
 *     list of plain scalars, rendered as its macro does; `to` one ref() or
 *     source() of a relation other than the model and not a view, field a
 *     plain column),
 *     on a model, no where, limit, fail_calc, warn_if, error_if or
 *     store_failures;
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
#include "core/digest.h"
#include "core/log.h"
#include "core/relver.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { IT_NONE, IT_UNIQUE, IT_NOT_NULL, IT_ACCEPTED, IT_RELATIONSHIPS };

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
/* A keyword argument's text: a plain scalar without Jinja, or NULL. */
static const char *plain_kw(const struct tf_proj *tp, const struct tf_node *t, const char *key)
{
	for (size_t i = 0; i < t->test->nkw; i++) {
		if (strcmp(t->test->kw[i].key, key))
			continue;
		const char *v = t->test->kw[i].str_val ? t->test->kw[i].str_val
			      : t->test->kw[i].val && t->test->kw[i].val->type == Y_SCALAR
				      ? quality_py_str(t->test->kw[i].val, tp->arena)
				      : NULL;
		if (!v || !*v || strstr(v, "{{") || strstr(v, "{%") || strstr(v, "{#"))
			return NULL;
		return v;
	}
	return NULL;
}

/* `to` is one ref() or source() call of quoted names and nothing more,
 * so it renders as the relation of the test's other input. */
static bool plain_call(const char *to)
{
	while (isspace((unsigned char)*to))
		to++;
	const char *args = !strncmp(to, "ref(", 4) ? to + 4 : !strncmp(to, "source(", 7) ? to + 7 : NULL;
	if (!args)
		return false;
	const char *end = strchr(args, ')');
	if (!end)
		return false;
	for (const char *p = end + 1; *p; p++)
		if (!isspace((unsigned char)*p))
			return false;
	for (const char *p = args; p < end; p++)
		if (strchr("()~+|[]{}%*/", *p))
			return false;
	return true;
}

/* t's parent when t is a relationships test of its attached model that
 * can be proved (the node `to` names, other than the model), and its
 * field; NULL otherwise. */
static struct tf_node *rel_parent(const struct tf_proj *tp, const struct tf_node *t,
				  const char **field)
{
	if (t->rtype != TF_TEST || !t->test || t->test->ns || strcmp(t->test->name, "relationships") ||
	    t->attached < 0 || t->deps.len != 2)
		return NULL;
	int a = t->deps.items[0], b = t->deps.items[1];
	if (a == b || (a != t->attached && b != t->attached))
		return NULL;
	struct tf_node *p = tp->nodes.items[a == t->attached ? b : a];
	const char *to = plain_kw(tp, t, "to"), *f = plain_kw(tp, t, "field");
	if (!to || !f || !plain_call(to))
		return NULL;
	/* a relation whose rows change only when it is written: not a view
	 * (its rows follow its inputs, written or not) */
	bool rel = p->rtype == TF_SEED || p->rtype == TF_SNAPSHOT || p->rtype == TF_SOURCE ||
		   (p->rtype == TF_MODEL && p->materialized &&
		    (!strcmp(p->materialized, "table") || !strcmp(p->materialized, "incremental")));
	/* the check names it by schema and name: the model's database */
	const struct tf_node *m = tp->nodes.items[t->attached];
	if (!rel || ((p->database || m->database) &&
		     (!p->database || !m->database || strcasecmp(p->database, m->database))))
		return NULL;
	*field = f;
	return p;
}

static int test_kind(const struct tf_proj *tp, const struct tf_node *t, const struct tf_node *m,
		     const char **col)
{
	if (t->rtype != TF_TEST || !t->test || t->test->ns || t->attached != m->idx)
		return IT_NONE;
	const char *field;
	int kind = !strcmp(t->test->name, "unique")            ? IT_UNIQUE
		   : !strcmp(t->test->name, "not_null")        ? IT_NOT_NULL
		   : !strcmp(t->test->name, "accepted_values") ? IT_ACCEPTED
		   : rel_parent(tp, t, &field)                 ? IT_RELATIONSHIPS
							       : IT_NONE;
	if (kind == IT_NONE || overridden(tp, t->test->name))
		return IT_NONE;
	if (kind != IT_RELATIONSHIPS && (t->deps.len != 1 || t->deps.items[0] != m->idx))
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
	size_t nown = 0; /* forget's first nown are m's own, the rest name m as parent */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < m->children.len; i++) {
			struct tf_node *t = tp->nodes.items[m->children.items[i]];
			const char *col, *field;
			bool mine = pass == 0 ? test_kind(tp, t, m, &col) != IT_NONE
					      : t->attached != m->idx && rel_parent(tp, t, &field) == m;
			if (!mine || !tf_reuse_has_state(tp, t))
				continue;
			if (pass == 0)
				t->proved = false;
			vec_push(&forget, t);
		}
		if (pass == 0)
			nown = forget.len;
	}
	/* not forgotten, they could pass later on rows never tested: the
	 * model is not built. (A relationships test whose parent m is: a run
	 * that died after writing m and before recording it would leave m's
	 * old version, and the next run could prove the test on keys m no
	 * longer has.) */
	int rc = forget.len ? tf_reuse_forget_nodes(c, forget.items, forget.len, e) : 0;
	if (rc)
		err_prefix(e, "clearing the build state of the tests of %s", m->name);
	for (size_t i = 0; !rc && i < nown; i++)
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
	if (!m || !names(sql, m->alias ? m->alias : m->name))
		return;
	m->hook_named = true; /* it may have lost keys: see kept_covers */
	if (m->inc_tests.len && !one_delete(sql))
		m->inc_void = true;
}

void tf_inctest_kept(struct tf_node *m, const char *strategy, const char **keys, size_t nkeys,
		     bool overwrite)
{
	free(m->kept_keys);
	m->kept_keys = NULL;
	if (overwrite)
		return; /* partitions replaced whole: a key may be gone */
	if (!strcmp(strategy, "append")) {
		m->kept_keys = xstrdup("*"); /* nothing deleted */
		return;
	}
	/* delete+insert and merge replace (or update) only rows whose key
	 * tuple a new row has, so each key column keeps its values (other
	 * columns may change) */
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < nkeys; i++)
		buf_printf(&b, "%s%s", i ? "\x1f" : "", keys[i]);
	m->kept_keys = nkeys ? buf_detach(&b, NULL) : NULL;
	buf_free(&b);
}

/* Does this run leave every value of p's column field that p had before
 * it? p not written, or written only by an incremental run that keeps
 * field's values, with no hook statement naming it. */
static bool kept_covers(const struct tf_node *p, const char *field)
{
	if (!p->written)
		return true;
	if (p->status != TF_ST_SUCCESS || p->hook_named || !p->kept_keys)
		return false;
	if (!strcmp(p->kept_keys, "*"))
		return true;
	size_t fl = strlen(field);
	for (const char *k = p->kept_keys; *k;) {
		const char *e = strchr(k, '\x1f');
		size_t kl = e ? (size_t)(e - k) : strlen(k);
		if (kl == fl && !strncasecmp(k, field, fl))
			return true;
		k += kl + (e ? 1 : 0);
	}
	return false;
}

bool tf_inctest_wanted(const struct tf_node *m)
{
	return m->inc_tests.len && !m->inc_void;
}

/* Does the count query q answer 0? false on an error (logged). */
static bool zero(struct wh_conn *c, const char *q, const char *who, const char *what)
{
	struct wh_result *r = NULL;
	struct err e = ERR_INIT;
	bool z = false;
	if (!wh_query(c, q, NULL, 0, &r, &e) && r->nrows == 1 && r->ncols >= 1) {
		struct buf v = BUF_INIT;
		wh_value_text(wh_cell(r, 0, 0), &v);
		z = !strcmp(buf_cstr(&v), "0");
		buf_free(&v);
	} else if (e.code) {
		log_debug("%s: checking %s: %s", who, what, e.msg ? e.msg : "");
	}
	wh_result_free(r);
	err_clear(&e);
	return z;
}

/* The table in _ingot where a relationships test's child keys wait for
 * its parent's run: one per test (the next run replaces what a run that
 * died left). */
static void pending_rel(const struct tf_proj *tp, const struct tf_node *t, struct buf *out)
{
	char h[DIGEST_SHA256_HEX];
	digest_sha256_hex(t->unique_id, strlen(t->unique_id), h);
	char name[48];
	snprintf(name, sizeof(name), "inctest_%.16s", h);
	wh_relation_sql(tp->db, "_ingot", name, out);
}

/* The relationships query of keys (a relation or subquery with
 * from_field) against t's parent p: the count of unmatched keys. */
static void rel_query(const struct tf_proj *tp, const struct tf_node *p, const char *field,
		      const char *keys, struct buf *q)
{
	buf_printf(q, "select count(*) from %s child left join (select %s as to_field from ",
		   keys, field);
	wh_relation_sql(tp->db, p->schema, p->alias ? p->alias : p->name, q);
	buf_puts(q, ") parent on child.from_field = parent.to_field where parent.to_field is null");
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
		} else if (kind == IT_RELATIONSHIPS) {
			/* the test's own query with the new rows as the child,
			 * against the parent as it is now: this run takes no key
			 * from it (checked when the test runs: kept_covers) */
			const char *field = NULL;
			const struct tf_node *p = rel_parent(tp, t, &field);
			char *child = xasprintf("(select %s as from_field from %s where %s is not null)",
						col, newrows, col);
			if (p->selected) {
				/* the parent is in this run: it may get keys after this
				 * model (it runs later, or beside it). The new rows' keys
				 * are kept for the test, which checks them against the
				 * parent as the run left it: one read of the parent.
				 * (Checking them here first, and keeping the ones it
				 * lacked, read a parent of millions of rows twice more:
				 * 0.4 s of a day at scale 10 for fct_session_products.) */
				struct buf pr = BUF_INIT, ddl = BUF_INIT;
				pending_rel(tp, t, &pr);
				buf_printf(&ddl, "drop table if exists %s", buf_cstr(&pr));
				struct err de = ERR_INIT;
				int drc = wh_exec(c, buf_cstr(&ddl), &de);
				buf_reset(&ddl);
				buf_printf(&ddl, "create table %s as select distinct from_field from %s child",
					   buf_cstr(&pr), child);
				if (!drc)
					drc = wh_exec(c, buf_cstr(&ddl), &de);
				if (!drc) {
					rel_query(tp, p, field, buf_cstr(&pr), &q);
					free(t->proof_sql);
					t->proof_sql = xstrdup(buf_cstr(&q));
					t->proof_later = true;
					t->proved = true;
				} else {
					log_debug("%s: keeping the keys %s checks: %s", m->name, t->name,
						  de.msg ? de.msg : "");
				}
				err_clear(&de);
				buf_free(&ddl);
				buf_free(&pr);
			} else {
				rel_query(tp, p, field, child, &q);
				if (zero(c, buf_cstr(&q), m->name, t->name)) {
					free(t->proof_sql);
					t->proof_sql = xstrdup(buf_cstr(&q));
					t->proved = true;
				}
			}
			free(child);
			buf_free(&q);
			continue; /* decided */
		} else if (kind == IT_UNIQUE) {
			buf_printf(&q, "select count(*) from (select %s from ", col);
			wh_relation_sql(tp->db, m->schema, m->alias, &q);
			buf_printf(&q, " where %s in (select %s from %s) group by %s having count(*) > 1) dups",
				   col, col, newrows, col);
		}
		if (q.len && zero(c, buf_cstr(&q), m->name, t->name)) {
			free(t->proof_sql);
			t->proof_sql = xstrdup(buf_cstr(&q));
			t->proved = true;
		}
		buf_free(&q);
	}
}

bool tf_inctest_passed(struct tf_proj *tp, struct tf_node *t, struct wh_conn *c)
{
	if (!t->proved)
		return false;
	t->proved = false;
	struct tf_node *m = t->attached >= 0 ? tp->nodes.items[t->attached] : NULL;
	const char *field = NULL;
	struct tf_node *p = rel_parent(tp, t, &field);
	bool ok = m && !m->inc_void && m->status == TF_ST_SUCCESS && (!p || kept_covers(p, field)) &&
		  tf_reuse_passed_before(tp, t, m, p, c);
	if (t->proof_later) {
		/* the child's keys the parent lacked then, against the parent
		 * as this run left it */
		t->proof_later = false;
		ok = ok && zero(c, t->proof_sql, t->name, "the keys kept for it");
		struct buf pr = BUF_INIT, ddl = BUF_INIT;
		pending_rel(tp, t, &pr);
		buf_printf(&ddl, "drop table if exists %s", buf_cstr(&pr));
		struct err de = ERR_INIT;
		wh_exec(c, buf_cstr(&ddl), &de);
		err_clear(&de);
		buf_free(&ddl);
		buf_free(&pr);
	}
	if (!ok)
		return false;
	t->status = TF_ST_PASS;
	t->failures = 0;
	free(t->message);
	t->message = xasprintf("checked the rows this run wrote to %s (the test passed on the others "
			       "before)", m->name);
	buf_printf(&t->run_sql,
		   "-- %s passed on %s before this run, which wrote only the rows of its new rows'\n"
		   "-- table: this found no failure among them\n",
		   t->name, m->name);
	if (p)
		buf_printf(&t->run_sql,
			   "-- (%s kept every %s it had: %s)\n", p->name, field,
			   !p->written                   ? "this run did not write it"
			   : !strcmp(p->kept_keys, "*") ? "its incremental run only added rows"
							: "its incremental run replaced rows by their "
							  "unique_key");
	buf_printf(&t->run_sql, "%s\n", t->proof_sql ? t->proof_sql : "");
	return true;
}
