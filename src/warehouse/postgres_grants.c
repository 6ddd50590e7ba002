/*
 * warehouse/postgres_grants.c — PostgreSQL's roles, memberships and
 * privileges (wh_read_grants, contract in warehouse.h), for ingot infra.
 *
 * Privileges are read with aclexplode() over pg_namespace, pg_class and
 * pg_default_acl: the owner's own entries are left out (an owner holds
 * every privilege on what it owns, and the table coverage counts owned
 * tables as covered), so what remains is exactly what GRANT gave. Table
 * privileges are summarised per (schema, grantee, privilege) as a count.
 * Only catalog queries through the adapter's own query: no libpq here.
 */
#include "warehouse/adapter.h"

#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static const char *cell(struct arena *a, const struct wh_result *r, size_t row, size_t col)
{
	const struct wh_value *v = wh_cell(r, row, col);
	if (v->type == WH_NULL)
		return NULL;
	struct buf b = BUF_INIT;
	wh_value_text(v, &b);
	const char *s = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return s;
}

static int64_t cell_int(const struct wh_result *r, size_t row, size_t col)
{
	const struct wh_value *v = wh_cell(r, row, col);
	return v->type == WH_INT64 ? v->v.i : v->type == WH_TEXT ? atoll(v->v.s.p) : 0;
}

static int query(struct wh_conn *c, const char *sql, struct wh_result **res, struct err *e)
{
	int rc = wh_query(c, sql, NULL, 0, res, e);
	if (rc)
		err_prefix(e, "reading the warehouse catalog");
	return rc;
}

#define REL_KINDS "c.relkind in ('r','v','m','p','f')"
#define NOT_SYSTEM(col) col " !~ '^pg_' and " col " <> 'information_schema'"

int wh_pg_read_grants(struct wh_conn *c, struct arena *a, struct wh_grants *w, struct err *e)
{
	struct wh_result *r = NULL;
	int rc;
	if ((rc = query(c,
			"select n.nspname::text, pg_get_userbyid(n.nspowner)::text, (select "
			"count(*) from pg_class c where c.relnamespace = n.oid and " REL_KINDS
			")::bigint from pg_namespace n where " NOT_SYSTEM("n.nspname") " order by 1",
			&r, e)))
		return rc;
	w->nschemas = r->nrows;
	w->schemas = arena_alloc(a, (r->nrows + 1) * sizeof(char *));
	w->owners = arena_alloc(a, (r->nrows + 1) * sizeof(char *));
	w->relations = arena_alloc(a, (r->nrows + 1) * sizeof(int64_t));
	for (size_t i = 0; i < r->nrows; i++) {
		w->schemas[i] = cell(a, r, i, 0);
		w->owners[i] = cell(a, r, i, 1);
		w->relations[i] = cell_int(r, i, 2);
	}
	wh_result_free(r);
	if ((rc = query(c,
			"select r.rolname::text, r.rolcanlogin::text, coalesce((select "
			"string_agg(g.rolname::text, ',' order by g.rolname) from pg_auth_members m "
			"join pg_roles g on g.oid = m.roleid where m.member = r.oid), ''), (select "
			"string_agg(substr(x, 6), ',') from pg_db_role_setting s, unnest(s.setconfig) "
			"x where s.setrole = r.oid and s.setdatabase = 0 and x like 'role=%') from "
			"pg_roles r where r.rolname !~ '^pg_' order by 1",
			&r, e)))
		return rc;
	w->nroles = r->nrows;
	w->roles = arena_alloc(a, (r->nrows + 1) * sizeof(char *));
	w->member_of = arena_alloc(a, (r->nrows + 1) * sizeof(char *));
	w->set_role = arena_alloc(a, (r->nrows + 1) * sizeof(char *));
	w->login = arena_alloc(a, (r->nrows + 1) * sizeof(bool));
	for (size_t i = 0; i < r->nrows; i++) {
		w->roles[i] = cell(a, r, i, 0);
		const char *l = cell(a, r, i, 1);
		w->login[i] = l && (!strcmp(l, "true") || !strcmp(l, "t"));
		w->member_of[i] = cell(a, r, i, 2);
		w->set_role[i] = cell(a, r, i, 3);
	}
	wh_result_free(r);
	static const char *const acl_sql[3] = {
		"select n.nspname::text, g.rolname::text, a.privilege_type::text, null::text, "
		"1::bigint from pg_namespace n cross join lateral aclexplode(n.nspacl) a join pg_roles "
		"g on g.oid = a.grantee where a.grantee <> n.nspowner and " NOT_SYSTEM("n.nspname")
		" order by 1, 2, 3",
		"select s, g, p, null::text, sum(k)::bigint from (select n.nspname::text as s, "
		"g.rolname::text as g, a.privilege_type::text as p, 1 as k from pg_class c join "
		"pg_namespace n on n.oid = c.relnamespace cross join lateral aclexplode(c.relacl) a "
		"join pg_roles g on g.oid = a.grantee where " REL_KINDS " and a.grantee <> c.relowner "
		"and " NOT_SYSTEM("n.nspname") " union all select n.nspname::text, "
		"pg_get_userbyid(c.relowner)::text, '*OWN', 1 from pg_class c join pg_namespace n on "
		"n.oid = c.relnamespace where " REL_KINDS " and " NOT_SYSTEM("n.nspname") ") t "
		"group by 1, 2, 3 order by 1, 2, 3",
		"select n.nspname::text, g.rolname::text, a.privilege_type::text, "
		"pg_get_userbyid(d.defaclrole)::text, 1::bigint from pg_default_acl d join "
		"pg_namespace n on n.oid = d.defaclnamespace cross join lateral "
		"aclexplode(d.defaclacl) a join pg_roles g on g.oid = a.grantee where "
		"d.defaclobjtype = 'r' order by 1, 2, 3, 4",
	};
	struct wh_acl **dst[3] = {&w->schema_acl, &w->table_acl, &w->default_acl};
	size_t *ndst[3] = {&w->nschema_acl, &w->ntable_acl, &w->ndefault_acl};
	for (size_t k = 0; k < 3; k++) {
		if ((rc = query(c, acl_sql[k], &r, e)))
			return rc;
		*ndst[k] = r->nrows;
		*dst[k] = arena_zalloc(a, (r->nrows + 1) * sizeof(struct wh_acl));
		for (size_t i = 0; i < r->nrows; i++)
			(*dst[k])[i] = (struct wh_acl){cell(a, r, i, 0), cell(a, r, i, 1),
							  cell(a, r, i, 2), cell(a, r, i, 3),
							  cell_int(r, i, 4)};
		wh_result_free(r);
	}
	return 0;
}

