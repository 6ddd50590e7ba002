/*
 * infra/world.c — the actual platform: lake folders on disk, the
 * warehouse's schemas, and (engines with roles) its roles, memberships and
 * privileges, read from the catalog.
 *
 * Roles, memberships and privileges come from the adapter
 * (wh_read_grants, engines with WH_CAP_GRANTS): what GRANT gave, the
 * owner's own entries left out. Table privileges arrive summarised per
 * (schema, grantee, privilege) as a count, compared by the plan with the
 * schema's relation count: "on all tables" holds when every relation
 * carries it.
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

static int read_grants(struct infra_world *w, struct wh_conn *c, struct arena *a, struct err *e)
{
	struct wh_grants g;
	int rc = wh_read_grants(c, a, &g, e); /* its errors say what it was reading */
	if (rc)
		return rc;
	w->schemas = g.schemas;
	w->owners = g.owners;
	w->relations = g.relations;
	w->nschemas = g.nschemas;
	w->roles = g.roles;
	w->member_of = g.member_of;
	w->set_role = g.set_role;
	w->login = g.login;
	w->nroles = g.nroles;
	const struct wh_acl *src[3] = {g.schema_acl, g.table_acl, g.default_acl};
	size_t nsrc[3] = {g.nschema_acl, g.ntable_acl, g.ndefault_acl};
	struct infra_acl **dst[3] = {&w->schema_acl, &w->table_acl, &w->default_acl};
	size_t *ndst[3] = {&w->nschema_acl, &w->ntable_acl, &w->ndefault_acl};
	for (size_t k = 0; k < 3; k++) {
		*ndst[k] = nsrc[k];
		*dst[k] = arena_zalloc(a, (nsrc[k] + 1) * sizeof(struct infra_acl));
		for (size_t i = 0; i < nsrc[k]; i++)
			(*dst[k])[i] = (struct infra_acl){src[k][i].schema, src[k][i].grantee,
							  src[k][i].priv, src[k][i].creator,
							  src[k][i].count};
	}
	return 0;
}

/* Users whose password no longer matches their variable: drift that
 * apply repairs (ALTER ROLE .. PASSWORD). Only existing users with a set
 * variable are checked; "cannot tell" (not a superuser, another verifier
 * kind) is no drift. */
static int read_passwords(const struct infra_spec *s, struct infra_world *w, struct wh_conn *c,
			  struct arena *a, struct err *e)
{
	w->stale_passwords = arena_zalloc(a, (s->nusers + 1) * sizeof(char *));
	for (size_t i = 0; i < s->nusers; i++) {
		const struct infra_user *u = &s->users[i];
		const char *pw = u->password_env ? getenv(u->password_env) : NULL;
		bool exists = false;
		for (size_t r = 0; r < w->nroles && !exists; r++)
			exists = !strcmp(w->roles[r], u->name);
		if (!pw || !*pw || !exists)
			continue;
		int match = -1;
		int rc = wh_password_matches(c, u->name, pw, &match, e);
		if (rc)
			return rc;
		if (match == 0)
			w->stale_passwords[w->nstale_passwords++] = u->name;
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
	for (size_t i = 0; i < w->nstale_passwords; i++)
		buf_printf(&b, "stale-password %s\n", w->stale_passwords[i]);
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
		rc = w->grants ? read_grants(w, conn, a, e) : read_generic(w, conn, a, e);
		if (!rc && w->grants)
			rc = read_passwords(s, w, conn, a, e);
	}
	if (!rc) {
		fingerprint(w);
		*out = w;
	}
	return rc;
}
