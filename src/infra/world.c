/*
 * infra/world.c — the actual platform: lake folders on disk, the
 * warehouse's schemas, and (engines with roles) its roles, memberships and
 * privileges, read from the catalog.
 *
 * PostgreSQL's privileges are read with aclexplode() over pg_namespace,
 * pg_class and pg_default_acl: the owner's own entries are left out (an
 * owner holds every privilege on what it owns, and the table coverage
 * counts owned tables as covered), so what remains is exactly what GRANT
 * gave. Table privileges are summarised per (schema, grantee, privilege)
 * as a count, compared by the plan with the schema's relation count: "on
 * all tables" holds when every relation carries it.
 *
 * The fingerprint is the SHA-256 of a canonical dump of everything read
 * (sorted by the queries), so a saved plan can tell whether the world it
 * was made against is still the world.
 */
#include "infra/infra.h"

#include "core/digest.h"
#include "core/fs.h"
#include "core/mem.h"
#include "warehouse/warehouse.h"

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

static int read_pg(struct infra_world *w, struct wh_conn *c, struct arena *a, struct err *e)
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
	struct infra_acl **dst[3] = {&w->schema_acl, &w->table_acl, &w->default_acl};
	size_t *ndst[3] = {&w->nschema_acl, &w->ntable_acl, &w->ndefault_acl};
	for (size_t k = 0; k < 3; k++) {
		if ((rc = query(c, acl_sql[k], &r, e)))
			return rc;
		*ndst[k] = r->nrows;
		*dst[k] = arena_zalloc(a, (r->nrows + 1) * sizeof(struct infra_acl));
		for (size_t i = 0; i < r->nrows; i++)
			(*dst[k])[i] = (struct infra_acl){cell(a, r, i, 0), cell(a, r, i, 1),
							  cell(a, r, i, 2), cell(a, r, i, 3),
							  cell_int(r, i, 4)};
		wh_result_free(r);
	}
	return 0;
}

static int read_generic(struct infra_world *w, struct wh_conn *c, struct arena *a, struct err *e)
{
	const char **names = NULL;
	size_t n = 0;
	int rc;
	if ((rc = wh_list_schemas(c, a, &names, &n, e)))
		return rc;
	/* sorted, for a stable fingerprint */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	w->nschemas = n;
	w->schemas = names;
	w->owners = arena_zalloc(a, (n + 1) * sizeof(char *));
	w->relations = arena_zalloc(a, (n + 1) * sizeof(int64_t));
	for (size_t i = 0; i < n; i++) {
		struct wh_relation_info *rels = NULL;
		size_t nr = 0;
		if ((rc = wh_list_relations(c, names[i], a, &rels, &nr, e)))
			return rc;
		w->relations[i] = (int64_t)nr;
	}
	return 0;
}

static void fingerprint(struct infra_world *w)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "engine %s\n", w->engine ? w->engine : "-");
	for (size_t i = 0; i < w->nfolders; i++)
		buf_printf(&b, "folder %s\n", w->folders[i]);
	for (size_t i = 0; i < w->nschemas; i++)
		buf_printf(&b, "schema %s %s %lld\n", w->schemas[i],
			   w->owners[i] ? w->owners[i] : "-", (long long)w->relations[i]);
	for (size_t i = 0; i < w->nroles; i++)
		buf_printf(&b, "role %s %d %s %s\n", w->roles[i], w->login[i], w->member_of[i],
			   w->set_role[i] ? w->set_role[i] : "-");
	const struct infra_acl *acl[3] = {w->schema_acl, w->table_acl, w->default_acl};
	size_t nacl[3] = {w->nschema_acl, w->ntable_acl, w->ndefault_acl};
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < nacl[k]; i++)
			buf_printf(&b, "acl%zu %s %s %s %s %lld\n", k, acl[k][i].schema,
				   acl[k][i].grantee, acl[k][i].priv,
				   acl[k][i].creator ? acl[k][i].creator : "-",
				   (long long)acl[k][i].count);
	digest_sha256_hex(b.data, b.len, w->fingerprint);
	buf_free(&b);
}

int infra_world_read(const struct infra_spec *s, const char *const *managed, size_t nmanaged,
		     struct wh_conn *conn, struct arena *a, struct infra_world **out,
		     struct err *e)
{
	struct infra_world *w = arena_zalloc(a, sizeof(*w));
	int rc = 0;
	/* folders: the declared ones and the managed ones, in that order */
	size_t cap = s->nfolders + nmanaged + 1;
	w->folders = arena_zalloc(a, cap * sizeof(char *));
	for (size_t i = 0; i < s->nfolders + nmanaged; i++) {
		const char *rel;
		if (i < s->nfolders)
			rel = s->folders[i].path;
		else if (str_startswith(managed[i - s->nfolders], "folder."))
			rel = managed[i - s->nfolders] + 7;
		else
			continue;
		char *abs = path_join(s->lake_root, rel);
		bool dup = false;
		for (size_t j = 0; j < w->nfolders; j++)
			dup |= !strcmp(w->folders[j], rel);
		if (!dup && fs_is_dir(abs))
			w->folders[w->nfolders++] = rel;
		free(abs);
	}
	if (conn) {
		struct wh_db *db = wh_conn_db(conn);
		w->engine = wh_engine_name(db);
		w->grants = wh_has(db, WH_CAP_GRANTS);
		rc = w->grants ? read_pg(w, conn, a, e) : read_generic(w, conn, a, e);
	}
	if (!rc) {
		fingerprint(w);
		*out = w;
	}
	return rc;
}
