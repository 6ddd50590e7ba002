/*
 * transform/snapshot.c — type-2 slowly changing dimensions, as `dbt
 * snapshot` builds them.
 *
 * The snapshot's query is staged in a temporary table; the first run
 * creates the target with dbt's four columns (dbt_scd_id, dbt_updated_at,
 * dbt_valid_from, dbt_valid_to). Later runs, in one transaction:
 *   1. stage the rows to insert: keys not current in the target, and keys
 *      whose row changed — `timestamp` strategy: updated_at is newer than
 *      the current version's; `check` strategy: a check_cols column (or
 *      any column, with 'all') is distinct from the current version's;
 *   2. close the current versions of changed keys (dbt_valid_to = the new
 *      row's updated_at, or the run's start time for `check`);
 *   3. with hard_deletes: invalidate (or invalidate_hard_deletes: true),
 *      close current versions whose key left the source; with
 *      hard_deletes: new_record, also add a current version marked
 *      dbt_is_deleted = 'True' (a key that comes back gets a new version);
 *   4. insert the staged rows as current versions.
 * New source columns are added to the target first, as dbt does.
 *
 * Not implemented: custom snapshot_meta_column_names; dbt_valid_to_current.
 */
#include "transform/tf_int.h"
#include "core/dtime.h"

#include <ctype.h>
#include <string.h>

static void keys_of(struct tf_node *n, struct arena *a, const char ***keys, size_t *nk)
{
	struct jinja_value uk = tf_cfg(n, "unique_key");
	*nk = 0;
	if (uk.type == JINJA_STR) {
		*keys = arena_alloc(a, sizeof(char *));
		(*keys)[0] = jinja_str_cstr(a, uk);
		*nk = 1;
	} else if (uk.type == JINJA_LIST || uk.type == JINJA_TUPLE) {
		size_t m = jinja_list_len(uk);
		*keys = arena_alloc(a, (m + 1) * sizeof(char *));
		for (size_t i = 0; i < m; i++)
			if (jinja_list_get(uk, i).type == JINJA_STR)
				(*keys)[(*nk)++] = jinja_str_cstr(a, jinja_list_get(uk, i));
	}
}

static void key_join(struct buf *b, const char **keys, size_t nk, const char *l, const char *r)
{
	for (size_t i = 0; i < nk; i++)
		buf_printf(b, "%s%s.%s = %s.%s", i ? " and " : "", l, keys[i], r, keys[i]);
}

/* (l.k1, l.k2) [not] in (select r.k1, r.k2 from rel as r): for engines
 * without correlated subqueries in DML (WH_CAP_KEYS_IN) */
static void keys_in(struct buf *b, const char **keys, size_t nk, const char *l, bool not,
		    const char *rel)
{
	buf_putc(b, '(');
	for (size_t i = 0; i < nk; i++)
		buf_printf(b, "%s%s%s%s", i ? ", " : "", l ? l : "", l ? "." : "", keys[i]);
	buf_printf(b, ") %sin (select ", not ? "not " : "");
	for (size_t i = 0; i < nk; i++)
		buf_printf(b, "%sr.%s", i ? ", " : "", keys[i]);
	buf_printf(b, " from %s as r)", rel);
}

static void scd_id(struct buf *b, const char **keys, size_t nk, const char *alias,
		   const char *upd, const char *vtype)
{
	buf_puts(b, "md5(");
	for (size_t i = 0; i < nk; i++)
		buf_printf(b, "coalesce(cast(%s.%s as %s), '') || '|' || ", alias, keys[i], vtype);
	buf_printf(b, "coalesce(cast(%s as %s), ''))", upd, vtype);
}

/* name, quoted for the engine (temporary tables are named after the
 * snapshot's alias, which may hold any character) */
static const char *quoted(struct tf_proj *tp, struct arena *a, const char *name)
{
	struct buf q = BUF_INIT;
	wh_quote_ident(tp->db, name, &q);
	const char *s = arena_strndup(a, buf_cstr(&q), q.len);
	buf_free(&q);
	return s;
}

static int exec(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct buf *b,
		struct err *e)
{
	int rc = tf_exec_sql(tp, n, c, buf_cstr(b), NULL, e);
	buf_reset(b);
	return rc;
}

/* alias + suffix, cut to fit the engine's identifiers (wh_derived_name) */
static const char *derived(struct tf_proj *tp, struct arena *a, const char *alias,
			   const char *suffix)
{
	struct buf b = BUF_INIT;
	wh_derived_name(tp->db, alias, suffix, &b);
	const char *r = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return r;
}

/* a working table's name: alias + suffix, in the snapshot's schema when it
 * is a real table (schema), else alone (a temporary table) */
static const char *work_rel(struct tf_proj *tp, struct arena *a, struct tf_node *n,
			    const char *suffix, bool schema)
{
	const char *name = derived(tp, a, n->alias, suffix);
	if (!schema)
		return quoted(tp, a, name);
	struct buf q = BUF_INIT;
	wh_relation_sql(tp->db, n->schema, name, &q);
	const char *s = arena_strndup(a, buf_cstr(&q), q.len);
	buf_free(&q);
	return s;
}

int tf_snapshot(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, struct err *e)
{
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT, tgt = BUF_INIT, cols = BUF_INIT, scols = BUF_INIT;
	const char *strategy = tf_cfg_str(n, "strategy", NULL);
	const char *updated_at = tf_cfg_str(n, "updated_at", NULL);
	const char *hard = tf_cfg_str(n, "hard_deletes", NULL);
	const char *vtype = wh_sql_column_type(wh_adapter_for(tp->engine), WH_SQLT_STRING);
	const char **keys = NULL;
	size_t nk = 0;
	int rc = 0;
	keys_of(n, a, &keys, &nk);
	if (!hard)
		hard = tf_cfg_bool(n, "invalidate_hard_deletes", false) ? "invalidate" : "ignore";
	if (!strategy || (strcmp(strategy, "timestamp") && strcmp(strategy, "check")))
		rc = err_set(e, ING_ECONFIG, "snapshot %s: strategy must be 'timestamp' or 'check'", n->name);
	else if (!nk)
		rc = err_set(e, ING_ECONFIG, "snapshot %s: unique_key is required", n->name);
	else if (!strcmp(strategy, "timestamp") && !updated_at)
		rc = err_set(e, ING_ECONFIG, "snapshot %s: the timestamp strategy needs updated_at", n->name);
	else if (strcmp(hard, "invalidate") && strcmp(hard, "ignore") && strcmp(hard, "new_record"))
		rc = err_set(e, ING_ECONFIG,
			     "snapshot %s: hard_deletes must be ignore, invalidate or new_record", n->name);
	if (rc)
		goto out;
	bool ts = !strcmp(strategy, "timestamp");
	bool new_record = !strcmp(hard, "new_record");
	/* the working tables: temporary, or where DML subqueries cannot read
	 * one (WH_CAP_KEYS_IN: ClickHouse's mutations run outside the
	 * session) tables in the snapshot's schema */
	bool keys_only = wh_has(tp->db, WH_CAP_KEYS_IN);
	const char *create_tmp = keys_only ? "create table" : "create temporary table";
	const char *del_tmp = work_rel(tp, a, n, "__dbt_del", keys_only);
	char nowtxt[40];
	ts_format(tp->run_started_us, nowtxt);
	const char *now = arena_printf(a, "cast('%s' as timestamp)", nowtxt);
	struct buf sql = BUF_INIT;
	buf_puts(&sql, n->compiled ? n->compiled : "");
	while (sql.len && (isspace((unsigned char)sql.data[sql.len - 1]) || sql.data[sql.len - 1] == ';'))
		sql.data[--sql.len] = 0;
	const char *src_tmp = work_rel(tp, a, n, "__dbt_src", keys_only);
	const char *ins_tmp = work_rel(tp, a, n, "__dbt_ins", keys_only);
	const char *cls_tmp = work_rel(tp, a, n, "__dbt_cls", keys_only);
	wh_relation_sql(tp->db, n->schema, n->alias, &tgt);
	if ((rc = tf_ensure_schema(tp, c, n->schema, e)) || (rc = wh_begin(c, e))) {
		buf_free(&sql);
		goto out;
	}
	buf_printf(&b, "%s %s as (\n%s\n)", create_tmp, src_tmp, buf_cstr(&sql));
	buf_free(&sql);
	if ((rc = exec(tp, n, c, &b, e)))
		goto fail;
	/* the source's columns */
	struct wh_result *res = NULL;
	buf_printf(&b, "select * from %s where 1 = 0", src_tmp);
	if ((rc = wh_query(c, buf_cstr(&b), NULL, 0, &res, e)))
		goto fail;
	buf_reset(&b);
	size_t ncol = res->ncols;
	const char **cn = arena_alloc(a, (ncol + 1) * sizeof(char *));
	const char **ct = arena_alloc(a, (ncol + 1) * sizeof(char *));
	for (size_t i = 0; i < ncol; i++) {
		cn[i] = arena_strdup(a, res->names[i]);
		ct[i] = arena_strdup(a, res->type_names && res->type_names[i] ? res->type_names[i] : vtype);
		if (i) {
			buf_puts(&cols, ", ");
			buf_puts(&scols, ", ");
		}
		wh_quote_ident(tp->db, cn[i], &cols);
		buf_puts(&scols, "s.");
		wh_quote_ident(tp->db, cn[i], &scols);
	}
	wh_result_free(res);
	const char *upd = ts ? arena_printf(a, "s.%s", updated_at) : now;
	const char *vto_null = ts ? arena_printf(a, "nullif(s.%s, s.%s)", updated_at, updated_at)
				  : "cast(null as timestamp)";
	enum wh_rel_kind k = tf_rel_kind(tp, c, n->schema, n->alias);
	if (k == WH_REL_NONE) {
		buf_printf(&b, "create table %s as (\nselect %s,\n  ", buf_cstr(&tgt), buf_cstr(&scols));
		scd_id(&b, keys, nk, "s", upd, vtype);
		buf_printf(&b, " as dbt_scd_id,\n  %s as dbt_updated_at,\n  %s as dbt_valid_from,\n"
			       "  %s as dbt_valid_to%s\nfrom %s as s\n)",
			   upd, upd, vto_null, new_record ? ",\n  'False' as dbt_is_deleted" : "", src_tmp);
		if ((rc = exec(tp, n, c, &b, e)))
			goto fail;
		n->adapter_code = "SELECT";
	} else {
		/* new columns in the source join the target */
		struct wh_column_info *have = NULL;
		size_t nh = 0;
		if ((rc = wh_list_columns(c, n->schema, n->alias, a, &have, &nh, e)))
			goto fail;
		for (size_t i = 0; i < ncol; i++) {
			bool found = false;
			for (size_t j = 0; j < nh; j++)
				found |= !str_casecmp(have[j].name, cn[i]);
			if (found)
				continue;
			buf_printf(&b, "alter table %s add column ", buf_cstr(&tgt));
			wh_quote_ident(tp->db, cn[i], &b);
			buf_printf(&b, " %s", ct[i]);
			if ((rc = exec(tp, n, c, &b, e)))
				goto fail;
		}
		struct buf changed = BUF_INIT;
		if (ts) {
			buf_printf(&changed, "s.%s > t.dbt_updated_at", updated_at);
		} else {
			struct jinja_value cc = tf_cfg(n, "check_cols");
			bool all = cc.type == JINJA_STR && !strcmp(jinja_str_cstr(a, cc), "all");
			size_t m = all ? ncol : (cc.type == JINJA_LIST || cc.type == JINJA_TUPLE ? jinja_list_len(cc) : 0);
			if (!m) {
				buf_free(&changed);
				rc = err_set(e, ING_ECONFIG, "snapshot %s: the check strategy needs check_cols "
					     "('all' or a list)", n->name);
				goto fail;
			}
			buf_putc(&changed, '(');
			for (size_t i = 0; i < m; i++) {
				const char *col = all ? NULL : jinja_str_cstr(a, jinja_list_get(cc, i));
				struct buf q = BUF_INIT;
				if (all)
					wh_quote_ident(tp->db, cn[i], &q);
				else
					buf_puts(&q, col);
				buf_printf(&changed, "%ss.%s is distinct from t.%s", i ? " or " : "", buf_cstr(&q),
					   buf_cstr(&q));
				buf_free(&q);
			}
			buf_putc(&changed, ')');
		}
		if (new_record) {
			/* a key whose current version says deleted comes back as new */
			bool have_flag = false;
			for (size_t j = 0; j < nh; j++)
				have_flag |= !str_casecmp(have[j].name, "dbt_is_deleted");
			if (!have_flag) {
				buf_printf(&b, "alter table %s add column dbt_is_deleted %s", buf_cstr(&tgt), vtype);
				if ((rc = exec(tp, n, c, &b, e))) {
					buf_free(&changed);
					goto fail;
				}
			}
			struct buf ch2 = BUF_INIT;
			buf_printf(&ch2, "(%s or t.dbt_is_deleted = 'True')", buf_cstr(&changed));
			buf_free(&changed);
			changed = ch2;
			/* the current versions whose key left the source */
			buf_printf(&b, "%s %s as (\nselect t.* from %s as t\n"
				       "where t.dbt_valid_to is null and coalesce(t.dbt_is_deleted, 'False') <> 'True'\n"
				       "and ",
				   create_tmp, del_tmp, buf_cstr(&tgt));
			if (keys_only) {
				keys_in(&b, keys, nk, "t", true, src_tmp);
			} else {
				buf_printf(&b, "not exists (select 1 from %s as s where ", src_tmp);
				key_join(&b, keys, nk, "s", "t");
				buf_putc(&b, ')');
			}
			buf_puts(&b, "\n)");
			if ((rc = exec(tp, n, c, &b, e))) {
				buf_free(&changed);
				goto fail;
			}
		}
		/* 1. rows to insert */
		buf_printf(&b, "%s %s as (\nselect s.* from %s as s\n"
			       "left join %s as t on ",
			   create_tmp, ins_tmp, src_tmp, buf_cstr(&tgt));
		key_join(&b, keys, nk, "t", "s");
		buf_printf(&b, " and t.dbt_valid_to is null\nwhere t.dbt_scd_id is null or %s\n)",
			   buf_cstr(&changed));
		if ((rc = exec(tp, n, c, &b, e))) {
			buf_free(&changed);
			goto fail;
		}
		/* 2. close changed current versions */
		if (keys_only) {
			/* no UPDATE ... FROM: the closed versions are staged by a
			 * join, then replace the open ones (by dbt_scd_id) */
			struct buf tc = BUF_INIT;
			for (size_t j = 0; j < nh; j++) {
				if (!str_casecmp(have[j].name, "dbt_valid_to"))
					continue;
				wh_quote_ident(tp->db, have[j].name, &tc);
				buf_puts(&tc, ", ");
			}
			buf_puts(&tc, "dbt_valid_to");
			buf_printf(&b, "%s %s as (\nselect ", create_tmp, cls_tmp);
			for (size_t j = 0; j < nh; j++) {
				if (str_casecmp(have[j].name, "dbt_valid_to")) {
					buf_puts(&b, "t.");
					wh_quote_ident(tp->db, have[j].name, &b);
					buf_puts(&b, " as ");
					wh_quote_ident(tp->db, have[j].name, &b);
					buf_puts(&b, ", ");
				}
			}
			buf_printf(&b, "%s as dbt_valid_to\nfrom %s as t join %s as s on ", upd,
				   buf_cstr(&tgt), src_tmp);
			key_join(&b, keys, nk, "t", "s");
			buf_printf(&b, "\nwhere t.dbt_valid_to is null and %s\n)", buf_cstr(&changed));
			rc = exec(tp, n, c, &b, e);
			if (!rc) {
				buf_printf(&b, "delete from %s where dbt_valid_to is null and dbt_scd_id in "
					       "(select dbt_scd_id from %s)", buf_cstr(&tgt), cls_tmp);
				rc = exec(tp, n, c, &b, e);
			}
			if (!rc) {
				buf_printf(&b, "insert into %s (%s) select %s from %s", buf_cstr(&tgt),
					   buf_cstr(&tc), buf_cstr(&tc), cls_tmp);
				rc = exec(tp, n, c, &b, e);
			}
			if (!rc) {
				buf_printf(&b, "drop table if exists %s", cls_tmp);
				rc = exec(tp, n, c, &b, e);
			}
			buf_free(&tc);
		} else {
			buf_printf(&b, "update %s as t set dbt_valid_to = %s\nfrom %s as s\nwhere ",
				   buf_cstr(&tgt), upd, src_tmp);
			key_join(&b, keys, nk, "t", "s");
			buf_printf(&b, " and t.dbt_valid_to is null and %s", buf_cstr(&changed));
			rc = exec(tp, n, c, &b, e);
		}
		buf_free(&changed);
		if (rc)
			goto fail;
		/* 3. hard deletes */
		if ((!strcmp(hard, "invalidate") || new_record) && keys_only) {
			buf_printf(&b, "update %s set dbt_valid_to = %s\nwhere dbt_valid_to is null %s"
				       "and ",
				   buf_cstr(&tgt), now,
				   new_record ? "and coalesce(dbt_is_deleted, 'False') <> 'True' " : "");
			keys_in(&b, keys, nk, NULL, true, src_tmp);
			if ((rc = exec(tp, n, c, &b, e)))
				goto fail;
		} else if (!strcmp(hard, "invalidate") || new_record) {
			buf_printf(&b, "update %s as t set dbt_valid_to = %s\nwhere t.dbt_valid_to is null %s"
				       "and not exists (select 1 from %s as s where ",
				   buf_cstr(&tgt), now,
				   new_record ? "and coalesce(t.dbt_is_deleted, 'False') <> 'True' " : "", src_tmp);
			key_join(&b, keys, nk, "s", "t");
			buf_putc(&b, ')');
			if ((rc = exec(tp, n, c, &b, e)))
				goto fail;
		}
		/* 4. insert new versions */
		buf_printf(&b, "insert into %s (%s, dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to%s)\n"
			       "select %s,\n  ", buf_cstr(&tgt), buf_cstr(&cols),
			   new_record ? ", dbt_is_deleted" : "", buf_cstr(&scols));
		scd_id(&b, keys, nk, "s", upd, vtype);
		buf_printf(&b, ", %s, %s, %s%s\nfrom %s as s", upd, upd, vto_null,
			   new_record ? ", 'False'" : "", ins_tmp);
		int64_t rows = 0;
		rc = tf_exec_sql(tp, n, c, buf_cstr(&b), &rows, e);
		buf_reset(&b);
		if (rc)
			goto fail;
		n->rows_affected = rows;
		n->adapter_code = "INSERT";
		if (new_record) {
			/* deleted keys: a current version that says so */
			buf_printf(&b, "insert into %s (%s, dbt_scd_id, dbt_updated_at, dbt_valid_from, "
				       "dbt_valid_to, dbt_is_deleted)\nselect %s,\n  ",
				   buf_cstr(&tgt), buf_cstr(&cols), buf_cstr(&scols));
			scd_id(&b, keys, nk, "s", now, vtype);
			buf_printf(&b, ", %s, %s, cast(null as timestamp), 'True'\nfrom %s as s", now, now,
				   del_tmp);
			if ((rc = exec(tp, n, c, &b, e)))
				goto fail;
			buf_printf(&b, "drop table if exists %s", del_tmp);
			if ((rc = exec(tp, n, c, &b, e)))
				goto fail;
		}
		buf_printf(&b, "drop table if exists %s", ins_tmp);
		if ((rc = exec(tp, n, c, &b, e)))
			goto fail;
	}
	buf_printf(&b, "drop table if exists %s", src_tmp);
	if ((rc = exec(tp, n, c, &b, e)))
		goto fail;
	rc = wh_commit(c, e);
	if (!rc)
		tf_rel_set(tp, n->schema, n->alias, WH_REL_TABLE);
	goto out;
fail:
	wh_rollback(c, NULL);
	{
		struct err ig = ERR_INIT;
		const char *tmps[] = {src_tmp, ins_tmp, del_tmp, cls_tmp};
		for (size_t i = 0; i < 4; i++) {
			buf_reset(&b);
			buf_printf(&b, "drop table if exists %s", tmps[i]);
			wh_exec(c, buf_cstr(&b), &ig);
			err_clear(&ig);
		}
	}
out:
	buf_free(&b);
	buf_free(&tgt);
	buf_free(&cols);
	buf_free(&scols);
	arena_free(a);
	return rc;
}
