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
 *
 * A password is checked against the role's SCRAM-SHA-256 verifier
 * (pg_authid.rolpassword, "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:
 * <ServerKey>", RFC 5802/7677): StoredKey = SHA-256(HMAC(SaltedPassword,
 * "Client Key")), SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt,
 * iterations). Only a superuser reads pg_authid; otherwise: cannot tell.
 */
#include "warehouse/adapter.h"

#include "core/mem.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
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


/* Standard base64 into out (at most cap bytes); the length, or -1. */
static int b64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
	if (n % 4 || (n / 4) * 3 > cap)
		return -1;
	int len = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (len < 0)
		return -1;
	for (size_t i = n; i > 0 && in[i - 1] == '='; i--)
		len--;
	return len;
}

int wh_pg_password_matches(struct wh_conn *c, const char *role, const char *password,
			   int *match, struct err *e)
{
	*match = -1;
	struct wh_result *r = NULL;
	struct wh_value v = wh_text(role);
	struct err qe = ERR_INIT;
	/* a non-superuser may not read pg_authid: that is "cannot tell" */
	if (wh_query(c,
		     "select rolpassword from pg_authid where rolname = $1 and "
		     "(select rolsuper from pg_roles where rolname = current_user)",
		     &v, 1, &r, &qe)) {
		err_clear(&qe);
		struct err ig = ERR_INIT;
		wh_rollback(c, &ig);
		err_clear(&ig);
		return 0;
	}
	const struct wh_value *cv = r->nrows ? wh_cell(r, 0, 0) : NULL;
	char *ver = cv && cv->type == WH_TEXT ? xstrndup(cv->v.s.p, cv->v.s.n) : NULL;
	wh_result_free(r);
	int iter = 0;
	char salt64[128], stored64[128], server64[128];
	if (ver && sscanf(ver, "SCRAM-SHA-256$%d:%127[^$]$%127[^:]:%127s", &iter, salt64,
			  stored64, server64) == 4 && iter > 0) {
		unsigned char salt[96], stored[96], salted[SHA256_DIGEST_LENGTH],
			client[SHA256_DIGEST_LENGTH], key[SHA256_DIGEST_LENGTH];
		unsigned int clen = 0;
		int sl = b64_decode(salt64, strlen(salt64), salt, sizeof(salt));
		int kl = b64_decode(stored64, strlen(stored64), stored, sizeof(stored));
		if (sl > 0 && kl == SHA256_DIGEST_LENGTH &&
		    PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sl, iter, EVP_sha256(),
				      sizeof(salted), salted) == 1 &&
		    HMAC(EVP_sha256(), salted, sizeof(salted), (const unsigned char *)"Client Key", 10,
			 client, &clen)) {
			SHA256(client, sizeof(client), key);
			*match = !memcmp(key, stored, sizeof(key));
		}
		memset(salted, 0, sizeof(salted));
		memset(client, 0, sizeof(client));
	}
	free(ver);
	(void)e;
	return 0;
}
