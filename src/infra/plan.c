/*
 * infra/plan.c — the diff between platform.yml and the world, as ordered
 * actions; its text (Terraform's + ~ - and summary line) and its JSON form.
 *
 * Order of an apply: folders, schemas, roles, users, grants; a resource's
 * destruction comes after the grants that use it are revoked and before
 * nothing else needs it (users before roles, roles before schemas).
 *
 * Grants are compared as sets of entries per (grantee, schema):
 *   "usage on schema", "create on schema"
 *   "select on all tables" — every relation of the schema carries it
 *   "select on future tables of loader" — a default privilege for the
 *                                         tables role loader creates
 * A read role gets usage + select, a write role usage + create + select,
 * insert, update, delete, truncate; each also gets the same on the future
 * tables of the schema's writer roles (login users run as their role:
 * ALTER ROLE .. SET role, so what they create is owned by the role).
 * Entries of a managed grantee that the file does not ask for are revoked:
 * a hand-made GRANT is drift.
 */
#include "infra/infra.h"

#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct strv {
	const char **v;
	size_t n, cap;
};

static void sv_push(struct arena *a, struct strv *s, const char *x)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		const char **nv = arena_alloc(a, nc * sizeof(char *));
		if (s->n)
			memcpy(nv, s->v, s->n * sizeof(char *));
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = x;
}

static bool sv_has(const struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return true;
	return false;
}

struct planb {
	struct arena *a;
	struct infra_plan *p;
	size_t cap;
	struct strv notes, errors;
};

static struct infra_action *act(struct planb *b, enum infra_op op, const char *address,
				const char *summary)
{
	struct infra_plan *p = b->p;
	if (p->nactions == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 32;
		struct infra_action *na = arena_zalloc(b->a, nc * sizeof(*na));
		if (p->nactions)
			memcpy(na, p->actions, p->nactions * sizeof(*na));
		p->actions = na;
		b->cap = nc;
	}
	struct infra_action *x = &p->actions[p->nactions++];
	memset(x, 0, sizeof(*x));
	x->op = op;
	x->address = address;
	x->summary = summary;
	if (op == INFRA_ADD)
		p->nadd++;
	else if (op == INFRA_CHANGE)
		p->nchange++;
	else
		p->ndestroy++;
	return x;
}

static void act_sql(struct planb *b, struct infra_action *x, const char *sql)
{
	struct strv s = {x->sql, x->nsql, x->nsql};
	sv_push(b->a, &s, sql);
	x->sql = s.v;
	x->nsql = s.n;
}

static void act_detail(struct planb *b, struct infra_action *x, const char *d)
{
	struct strv s = {x->details, x->ndetails, x->ndetails};
	sv_push(b->a, &s, d);
	x->details = s.v;
	x->ndetails = s.n;
}

/* Identifiers: platform.yml names are checked ([a-z_][a-z0-9_]*), names
 * from the catalog are quoted here the PostgreSQL way (both engines accept
 * double quotes). */
static const char *quoted(struct arena *a, const char *s, char q)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, q);
	for (const char *p = s; *p; p++) {
		if (*p == q)
			buf_putc(&b, q);
		buf_putc(&b, *p);
	}
	buf_putc(&b, q);
	const char *r = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return r;
}

static const char *qi(struct arena *a, const char *s)
{
	return quoted(a, s, '"');
}

static const char *ql(struct arena *a, const char *s)
{
	return quoted(a, s, '\'');
}

static ssize_t world_schema(const struct infra_world *w, const char *name)
{
	for (size_t i = 0; i < w->nschemas; i++)
		if (!strcmp(w->schemas[i], name))
			return (ssize_t)i;
	return -1;
}

static ssize_t world_role(const struct infra_world *w, const char *name)
{
	for (size_t i = 0; i < w->nroles; i++)
		if (!strcmp(w->roles[i], name))
			return (ssize_t)i;
	return -1;
}

static bool world_folder(const struct infra_world *w, const char *rel)
{
	for (size_t i = 0; i < w->nfolders; i++)
		if (!strcmp(w->folders[i], rel))
			return true;
	return false;
}

static bool is_managed(const struct infra_plan_opts *o, const char *addr)
{
	for (size_t i = 0; i < o->nmanaged; i++)
		if (!strcmp(o->managed[i], addr))
			return true;
	return false;
}

static const struct infra_schema *spec_schema(const struct infra_spec *s, const char *name)
{
	for (size_t i = 0; i < s->nschemas; i++)
		if (!strcmp(s->schemas[i].name, name))
			return &s->schemas[i];
	return NULL;
}

static const struct infra_role *spec_role(const struct infra_spec *s, const char *name)
{
	for (size_t i = 0; i < s->nroles; i++)
		if (!strcmp(s->roles[i].name, name))
			return &s->roles[i];
	return NULL;
}

static bool spec_folder(const struct infra_spec *s, const char *rel)
{
	for (size_t i = 0; i < s->nfolders; i++)
		if (!strcmp(s->folders[i].path, rel))
			return true;
	return false;
}

static bool spec_user(const struct infra_spec *s, const char *name)
{
	for (size_t i = 0; i < s->nusers; i++)
		if (!strcmp(s->users[i].name, name))
			return true;
	return false;
}

/* Files under a folder (0 when empty or unreadable). */
static size_t folder_files(const char *abs)
{
	DIR *d = opendir(abs);
	size_t n = 0;
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
	}
	closedir(d);
	return n;
}

/* ---- grants ---- */

static const char *const write_privs[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE"};

static void lower_into(char *dst, const char *s, size_t cap)
{
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	dst[i] = 0;
}

/* Entries are "S|priv" (schema), "T|priv" (all tables), "D|creator|priv". */
static void desired_entries(const struct infra_spec *s, const char *grantee, const char *schema,
			    struct arena *a, struct strv *out)
{
	const struct infra_role *r = spec_role(s, grantee);
	enum infra_access acc = r ? infra_role_access(r, schema) : INFRA_NONE;
	if (acc == INFRA_NONE)
		return;
	sv_push(a, out, "S|USAGE");
	if (acc == INFRA_WRITE)
		sv_push(a, out, "S|CREATE");
	size_t np = acc == INFRA_WRITE ? 5 : 1;
	for (size_t i = 0; i < np; i++)
		sv_push(a, out, arena_printf(a, "T|%s", write_privs[i]));
	for (size_t k = 0; k < s->nroles; k++) {
		const struct infra_role *w = &s->roles[k];
		if (w == r || infra_role_access(w, schema) != INFRA_WRITE)
			continue;
		for (size_t i = 0; i < np; i++)
			sv_push(a, out, arena_printf(a, "D|%s|%s", w->name, write_privs[i]));
	}
}

static void actual_entries(const struct infra_world *w, const char *grantee, const char *schema,
			   const struct strv *want, struct arena *a, struct strv *out)
{
	ssize_t si = world_schema(w, schema);
	if (si < 0)
		return;
	bool owner = w->owners[si] && !strcmp(w->owners[si], grantee);
	if (owner) { /* an owner holds every privilege on its schema */
		sv_push(a, out, "S|USAGE");
		sv_push(a, out, "S|CREATE");
	}
	for (size_t i = 0; i < w->nschema_acl; i++) {
		const struct infra_acl *x = &w->schema_acl[i];
		if (!strcmp(x->grantee, grantee) && !strcmp(x->schema, schema))
			sv_push(a, out, arena_printf(a, "S|%s", x->priv));
	}
	int64_t owned = 0;
	for (size_t i = 0; i < w->ntable_acl; i++) {
		const struct infra_acl *x = &w->table_acl[i];
		if (!strcmp(x->grantee, grantee) && !strcmp(x->schema, schema) &&
		    !strcmp(x->priv, "*OWN"))
			owned = x->count;
	}
	int64_t rel = w->relations[si];
	/* with no relations, "on all tables" holds once the role may use the
	 * schema (an apply granted it); before that it is still to do */
	bool usable = owned > 0 || owner;
	for (size_t i = 0; i < w->nschema_acl; i++)
		usable |= !strcmp(w->schema_acl[i].grantee, grantee) &&
			  !strcmp(w->schema_acl[i].schema, schema);
	for (size_t p = 0; p < 5; p++) {
		int64_t c = 0;
		for (size_t i = 0; i < w->ntable_acl; i++) {
			const struct infra_acl *x = &w->table_acl[i];
			if (!strcmp(x->grantee, grantee) && !strcmp(x->schema, schema) &&
			    !strcmp(x->priv, write_privs[p]))
				c = x->count;
		}
		const char *ent = arena_printf(a, "T|%s", write_privs[p]);
		if (rel ? c + owned >= rel : usable && sv_has(want, ent))
			sv_push(a, out, ent);
		else if (c > 0 && !sv_has(want, ent)) /* wanted: "on all tables" grants the rest */
			sv_push(a, out, arena_printf(a, "P|%s|%lld|%lld", write_privs[p],
						     (long long)c, (long long)rel));
	}
	/* any other table privilege granted (REFERENCES, TRIGGER, ...) */
	for (size_t i = 0; i < w->ntable_acl; i++) {
		const struct infra_acl *x = &w->table_acl[i];
		bool known = !strcmp(x->priv, "*OWN");
		for (size_t p = 0; p < 5; p++)
			known |= !strcmp(x->priv, write_privs[p]);
		if (!known && !strcmp(x->grantee, grantee) && !strcmp(x->schema, schema))
			sv_push(a, out, arena_printf(a, "T|%s", x->priv));
	}
	for (size_t i = 0; i < w->ndefault_acl; i++) {
		const struct infra_acl *x = &w->default_acl[i];
		if (!strcmp(x->grantee, grantee) && !strcmp(x->schema, schema))
			sv_push(a, out, arena_printf(a, "D|%s|%s", x->creator, x->priv));
	}
}

static const char *entry_text(struct arena *a, const char *e)
{
	char pl[32];
	if (e[0] == 'S') {
		lower_into(pl, e + 2, sizeof(pl));
		return arena_printf(a, "%s on schema", pl);
	}
	if (e[0] == 'T') {
		lower_into(pl, e + 2, sizeof(pl));
		return arena_printf(a, "%s on all tables", pl);
	}
	if (e[0] == 'P') {
		const char *p2 = strchr(e + 2, '|');
		char cnt[64];
		lower_into(pl, arena_strndup(a, e + 2, (size_t)(p2 - e - 2)), sizeof(pl));
		snprintf(cnt, sizeof(cnt), "%s", p2 + 1);
		char *bar = strchr(cnt, '|');
		if (bar)
			*bar = 0;
		return arena_printf(a, "%s on %s of %s tables", pl, cnt, bar ? bar + 1 : "?");
	}
	const char *p2 = strchr(e + 2, '|');
	lower_into(pl, p2 + 1, sizeof(pl));
	return arena_printf(a, "%s on future tables of %.*s", pl, (int)(p2 - e - 2), e + 2);
}

/* Detail lines, one per kind: "+ select, insert on all tables". */
static void group_details(struct planb *b, struct infra_action *x, char sign,
			  const struct strv *ents)
{
	struct arena *a = b->a;
	struct strv done = {0};
	for (size_t i = 0; i < ents->n; i++) {
		const char *t = entry_text(a, ents->v[i]);
		const char *on = strstr(t, " on ");
		if (sv_has(&done, on))
			continue;
		sv_push(a, &done, on);
		struct buf privs = BUF_INIT;
		for (size_t j = i; j < ents->n; j++) {
			const char *t2 = entry_text(a, ents->v[j]);
			const char *on2 = strstr(t2, " on ");
			if (!strcmp(on, on2))
				buf_printf(&privs, "%s%.*s", privs.len ? ", " : "", (int)(on2 - t2), t2);
		}
		act_detail(b, x, arena_printf(a, "%c %s%s", sign, buf_cstr(&privs), on));
		buf_free(&privs);
	}
}

/* GRANT/REVOKE statements for a set of entries, grouped by kind. */
static void grant_sql(struct planb *b, struct infra_action *x, bool grant, const char *grantee,
		      const char *schema, const struct strv *ents)
{
	struct arena *a = b->a;
	const char *g = qi(a, grantee), *s = qi(a, schema);
	const char *verb = grant ? "GRANT" : "REVOKE", *prep = grant ? "TO" : "FROM";
	for (char kind = 'S'; kind; kind = kind == 'S' ? 'T' : 0) {
		struct buf privs = BUF_INIT;
		for (size_t i = 0; i < ents->n; i++) {
			const char *e = ents->v[i];
			if (e[0] != kind && !(kind == 'T' && e[0] == 'P'))
				continue;
			size_t n = strcspn(e + 2, "|");
			buf_printf(&privs, "%s%.*s", privs.len ? ", " : "", (int)n, e + 2);
		}
		if (privs.len)
			act_sql(b, x,
				arena_printf(a, "%s %s ON %s %s %s %s", verb, buf_cstr(&privs),
					     kind == 'S' ? "SCHEMA" : "ALL TABLES IN SCHEMA", s, prep,
					     g));
		buf_free(&privs);
	}
	/* default privileges: one statement per creator */
	for (size_t i = 0; i < ents->n; i++) {
		const char *e = ents->v[i];
		if (e[0] != 'D')
			continue;
		const char *p2 = strchr(e + 2, '|');
		const char *creator = arena_strndup(a, e + 2, (size_t)(p2 - e - 2));
		bool first = true;
		for (size_t j = 0; j < i; j++)
			if (ents->v[j][0] == 'D' && str_startswith(ents->v[j] + 2, creator) &&
			    ents->v[j][2 + strlen(creator)] == '|')
				first = false;
		if (!first)
			continue;
		struct buf privs = BUF_INIT;
		for (size_t j = i; j < ents->n; j++)
			if (ents->v[j][0] == 'D' && str_startswith(ents->v[j] + 2, creator) &&
			    ents->v[j][2 + strlen(creator)] == '|')
				buf_printf(&privs, "%s%s", privs.len ? ", " : "",
					   ents->v[j] + 3 + strlen(creator));
		act_sql(b, x,
			arena_printf(a, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s %s %s ON "
					"TABLES %s %s",
				     qi(a, creator), s, verb, buf_cstr(&privs), prep, g));
		buf_free(&privs);
	}
}

static void plan_grants(struct planb *b, const struct infra_spec *s, const struct infra_world *w,
			const char *grantee, const struct strv *dropped_schemas)
{
	struct arena *a = b->a;
	struct strv schemas = {0};
	for (size_t i = 0; i < s->nschemas; i++)
		sv_push(a, &schemas, s->schemas[i].name);
	const struct infra_acl *acl[3] = {w->schema_acl, w->table_acl, w->default_acl};
	size_t nacl[3] = {w->nschema_acl, w->ntable_acl, w->ndefault_acl};
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < nacl[k]; i++)
			if (!strcmp(acl[k][i].grantee, grantee) && strcmp(acl[k][i].priv, "*OWN") &&
			    !sv_has(&schemas, acl[k][i].schema))
				sv_push(a, &schemas, acl[k][i].schema);
	for (size_t i = 0; i < schemas.n; i++) {
		const char *sc = schemas.v[i];
		if (sv_has(dropped_schemas, sc))
			continue;
		struct strv d = {0}, ac = {0}, add = {0}, del = {0};
		desired_entries(s, grantee, sc, a, &d);
		actual_entries(w, grantee, sc, &d, a, &ac);
		for (size_t j = 0; j < d.n; j++)
			if (!sv_has(&ac, d.v[j]))
				sv_push(a, &add, d.v[j]);
		for (size_t j = 0; j < ac.n; j++)
			if (!sv_has(&d, ac.v[j]))
				sv_push(a, &del, ac.v[j]);
		if (!add.n && !del.n)
			continue;
		enum infra_op op = !ac.n ? INFRA_ADD : !d.n ? INFRA_DESTROY : INFRA_CHANGE;
		const struct infra_role *r = spec_role(s, grantee);
		const char *summary =
			op == INFRA_DESTROY ? "not in platform.yml: revoke"
			: r && infra_role_access(r, sc) == INFRA_WRITE ? "write"
								       : "read";
		struct infra_action *x =
			act(b, op, arena_printf(a, "grant.%s.%s", grantee, sc), summary);
		group_details(b, x, '-', &del);
		group_details(b, x, '+', &add);
		if (del.n)
			grant_sql(b, x, false, grantee, sc, &del);
		if (add.n)
			grant_sql(b, x, true, grantee, sc, &add);
	}
}

/* ---- the plan ---- */

static void plan_destroy_schema(struct planb *b, const struct infra_world *w, const char *name,
				const struct infra_schema *sc, const struct infra_plan_opts *o,
				struct strv *dropped)
{
	struct arena *a = b->a;
	ssize_t wi = world_schema(w, name);
	if (wi < 0)
		return;
	int64_t rel = w->relations[wi];
	if (sc && sc->prevent_destroy && !o->force) {
		sv_push(a, &b->errors,
			arena_printf(a,
				     "schema.%s has prevent_destroy: true (%s:%d:%d); remove it "
				     "there or pass --force",
				     name, sc->node->file, sc->node->line, sc->node->col));
		return;
	}
	if (rel > 0 && !o->force_data) {
		sv_push(a, &b->errors,
			arena_printf(a,
				     "schema.%s holds %lld tables or views: ingot never drops data "
				     "unless told; drop them first or pass --force-data",
				     name, (long long)rel));
		return;
	}
	struct infra_action *x =
		act(b, INFRA_DESTROY, arena_printf(a, "schema.%s", name),
		    rel ? arena_printf(a, "with its %lld tables or views (--force-data)",
				       (long long)rel)
			: "empty");
	act_sql(b, x, arena_printf(a, "DROP SCHEMA %s%s", qi(a, name), rel ? " CASCADE" : ""));
	sv_push(a, dropped, name);
}

static void plan_destroy_folder(struct planb *b, const struct infra_spec *s, const char *rel,
				bool forget_if_full, const struct infra_plan_opts *o)
{
	struct arena *a = b->a;
	char *abs = path_join(s->lake_root, rel);
	size_t n = folder_files(abs);
	if (n && !o->force_data) {
		if (forget_if_full)
			sv_push(a, &b->notes,
				arena_printf(a,
					     "folder.%s is no longer in platform.yml but holds %zu "
					     "entries: it is left in place and no longer managed",
					     rel, n));
		else
			sv_push(a, &b->errors,
				arena_printf(a,
					     "folder.%s holds %zu files or folders: ingot never "
					     "deletes lake files unless told; move them or pass "
					     "--force-data",
					     rel, n));
	} else {
		struct infra_action *x =
			act(b, INFRA_DESTROY, arena_printf(a, "folder.%s", rel),
			    n ? arena_printf(a, "with its %zu entries (--force-data)", n) : "empty");
		x->rmdir = arena_strdup(a, abs);
	}
	free(abs);
}

static void plan_destroy_role(struct planb *b, const char *kind, const char *name)
{
	struct arena *a = b->a;
	struct infra_action *x = act(b, INFRA_DESTROY, arena_printf(a, "%s.%s", kind, name), "");
	act_sql(b, x, arena_printf(a, "REASSIGN OWNED BY %s TO CURRENT_USER", qi(a, name)));
	act_sql(b, x, arena_printf(a, "DROP OWNED BY %s", qi(a, name)));
	act_sql(b, x, arena_printf(a, "DROP ROLE %s", qi(a, name)));
}

static void plan_apply(struct planb *b, const struct infra_spec *s, const struct infra_world *w,
		       const struct infra_plan_opts *o)
{
	struct arena *a = b->a;
	struct strv dropped = {0};
	/* folders */
	for (size_t i = 0; i < s->nfolders; i++) {
		const struct infra_folder *f = &s->folders[i];
		if (world_folder(w, f->path))
			continue;
		struct infra_action *x = act(b, INFRA_ADD, arena_printf(a, "folder.%s", f->path),
					     arena_printf(a, "(%s)", f->why));
		char *abs = path_join(s->lake_root, f->path);
		x->mkdir = arena_strdup(a, abs);
		free(abs);
	}
	for (size_t i = 0; i < o->nmanaged; i++) {
		const char *m = o->managed[i];
		if (str_startswith(m, "folder.") && !spec_folder(s, m + 7) && world_folder(w, m + 7))
			plan_destroy_folder(b, s, m + 7, true, o);
	}
	if (!w->grants) {
		if (s->nroles || s->nusers)
			sv_push(a, &b->notes,
				arena_printf(a,
					     "%s has no roles: the %zu roles and %zu users of "
					     "platform.yml apply to PostgreSQL targets only; on this "
					     "target every connection has every privilege (dashboards read "
					     "in read-only transactions; give readers a target with "
					     "settings: {access_mode: READ_ONLY} to open it read-only)",
					     w->engine ? w->engine : "this engine", s->nroles,
					     s->nusers));
	} else {
		/* roles */
		for (size_t i = 0; i < s->nroles; i++) {
			const char *n = s->roles[i].name;
			ssize_t ri = world_role(w, n);
			if (ri < 0) {
				struct infra_action *x =
					act(b, INFRA_ADD, arena_printf(a, "role.%s", n), "nologin");
				act_sql(b, x, arena_printf(a, "CREATE ROLE %s NOLOGIN", qi(a, n)));
			} else if (w->login[ri]) {
				struct infra_action *x =
					act(b, INFRA_CHANGE, arena_printf(a, "role.%s", n), "");
				act_detail(b, x, "~ login -> nologin (log in through a user)");
				act_sql(b, x, arena_printf(a, "ALTER ROLE %s NOLOGIN", qi(a, n)));
			}
		}
		/* users */
		for (size_t i = 0; i < s->nusers; i++) {
			const struct infra_user *u = &s->users[i];
			ssize_t ri = world_role(w, u->name);
			const char *pw = u->password_env
						 ? arena_printf(a, ", password from $%s", u->password_env)
						 : "";
			if (ri < 0) {
				struct infra_action *x = act(
					b, INFRA_ADD, arena_printf(a, "user.%s", u->name),
					arena_printf(a, "login as role %s%s", u->role, pw));
				act_sql(b, x, arena_printf(a, "CREATE ROLE %s LOGIN IN ROLE %s",
							   qi(a, u->name), qi(a, u->role)));
				act_sql(b, x, arena_printf(a, "ALTER ROLE %s SET role = %s",
							   qi(a, u->name), ql(a, u->role)));
				x->password_env = u->password_env;
				continue;
			}
			struct infra_action *x = NULL;
			const char *mof = w->member_of[ri] ? w->member_of[ri] : "";
			struct strv members = {0};
			for (const char *p = mof; *p;) {
				size_t n = strcspn(p, ",");
				sv_push(a, &members, arena_strndup(a, p, n));
				p += n + (p[n] == ',');
			}
#define CHANGE_USER()                                                                     \
	(x ? x : (x = act(b, INFRA_CHANGE, arena_printf(a, "user.%s", u->name), "")))
			if (!w->login[ri]) {
				act_detail(b, CHANGE_USER(), "~ nologin -> login");
				act_sql(b, x, arena_printf(a, "ALTER ROLE %s LOGIN", qi(a, u->name)));
			}
			if (!sv_has(&members, u->role)) {
				act_detail(b, CHANGE_USER(), arena_printf(a, "+ member of %s", u->role));
				act_sql(b, x, arena_printf(a, "GRANT %s TO %s", qi(a, u->role),
							   qi(a, u->name)));
			}
			for (size_t k = 0; k < members.n; k++)
				if (strcmp(members.v[k], u->role) &&
				    (spec_role(s, members.v[k]) ||
				     is_managed(o, arena_printf(a, "role.%s", members.v[k])))) {
					act_detail(b, CHANGE_USER(),
						   arena_printf(a, "- member of %s", members.v[k]));
					act_sql(b, x, arena_printf(a, "REVOKE %s FROM %s",
								   qi(a, members.v[k]),
								   qi(a, u->name)));
				}
			if (!w->set_role[ri] || strcmp(w->set_role[ri], u->role)) {
				act_detail(b, CHANGE_USER(),
					   arena_printf(a, "~ session role %s -> %s",
							w->set_role[ri] ? w->set_role[ri] : "(none)",
							u->role));
				act_sql(b, x, arena_printf(a, "ALTER ROLE %s SET role = %s",
							   qi(a, u->name), ql(a, u->role)));
			}
			for (size_t k = 0; k < w->nstale_passwords; k++)
				if (!strcmp(w->stale_passwords[k], u->name)) {
					act_detail(b, CHANGE_USER(),
						   arena_printf(a, "~ password differs from $%s",
								u->password_env));
					x->password_env = u->password_env;
				}
#undef CHANGE_USER
		}
	}
	/* schemas */
	for (size_t i = 0; i < s->nschemas; i++) {
		const struct infra_schema *sc = &s->schemas[i];
		ssize_t wi = world_schema(w, sc->name);
		bool own = w->grants && sc->owner;
		if (wi < 0) {
			struct infra_action *x =
				act(b, INFRA_ADD, arena_printf(a, "schema.%s", sc->name),
				    own ? arena_printf(a, "owner %s", sc->owner) : "");
			act_sql(b, x, arena_printf(a, "CREATE SCHEMA IF NOT EXISTS %s",
						   qi(a, sc->name)));
			if (own)
				act_sql(b, x, arena_printf(a, "ALTER SCHEMA %s OWNER TO %s",
							   qi(a, sc->name), qi(a, sc->owner)));
		} else if (own && (!w->owners[wi] || strcmp(w->owners[wi], sc->owner))) {
			struct infra_action *x =
				act(b, INFRA_CHANGE, arena_printf(a, "schema.%s", sc->name), "");
			act_detail(b, x, arena_printf(a, "~ owner %s -> %s",
						      w->owners[wi] ? w->owners[wi] : "?",
						      sc->owner));
			act_sql(b, x, arena_printf(a, "ALTER SCHEMA %s OWNER TO %s",
						   qi(a, sc->name), qi(a, sc->owner)));
		}
	}
	/* things ingot managed that the file no longer declares */
	for (size_t i = 0; i < o->nmanaged; i++) {
		const char *m = o->managed[i];
		if (str_startswith(m, "schema.") && !spec_schema(s, m + 7))
			plan_destroy_schema(b, w, m + 7, NULL, o, &dropped);
	}
	if (w->grants) {
		for (size_t i = 0; i < s->nroles; i++)
			plan_grants(b, s, w, s->roles[i].name, &dropped);
		for (size_t i = 0; i < s->nusers; i++)
			plan_grants(b, s, w, s->users[i].name, &dropped);
		for (size_t i = 0; i < o->nmanaged; i++) {
			const char *m = o->managed[i];
			if (str_startswith(m, "user.") && !spec_user(s, m + 5) &&
			    world_role(w, m + 5) >= 0)
				plan_destroy_role(b, "user", m + 5);
		}
		for (size_t i = 0; i < o->nmanaged; i++) {
			const char *m = o->managed[i];
			if (str_startswith(m, "role.") && !spec_role(s, m + 5) &&
			    world_role(w, m + 5) >= 0)
				plan_destroy_role(b, "role", m + 5);
		}
	}
}

static void plan_destroy(struct planb *b, const struct infra_spec *s, const struct infra_world *w,
			 const struct infra_plan_opts *o)
{
	struct strv dropped = {0};
	if (w->grants) {
		for (size_t i = s->nusers; i-- > 0;)
			if (world_role(w, s->users[i].name) >= 0)
				plan_destroy_role(b, "user", s->users[i].name);
		for (size_t i = s->nroles; i-- > 0;)
			if (world_role(w, s->roles[i].name) >= 0)
				plan_destroy_role(b, "role", s->roles[i].name);
	}
	for (size_t i = s->nschemas; i-- > 0;)
		plan_destroy_schema(b, w, s->schemas[i].name, &s->schemas[i], o, &dropped);
	for (size_t i = s->nfolders; i-- > 0;)
		if (world_folder(w, s->folders[i].path))
			plan_destroy_folder(b, s, s->folders[i].path, false, o);
}

int infra_plan_make(const struct infra_spec *s, const struct infra_world *w,
		    const struct infra_plan_opts *o, struct arena *a, struct infra_plan **out,
		    struct err *e)
{
	struct infra_plan *p = arena_zalloc(a, sizeof(*p));
	struct planb b = {.a = a, .p = p};
	p->env = o->env;
	p->engine = w->engine;
	p->lake_root = s->lake_root;
	memcpy(p->fingerprint, w->fingerprint, sizeof(p->fingerprint));
	if (o->mode == INFRA_PLAN_DESTROY)
		plan_destroy(&b, s, w, o);
	else
		plan_apply(&b, s, w, o);
	p->notes = b.notes.v;
	p->nnotes = b.notes.n;
	p->errors = b.errors.v;
	p->nerrors = b.errors.n;
	*out = p;
	return 0;
}

/* ---- text ---- */

void infra_plan_render(const struct infra_plan *p, bool color, struct buf *out)
{
	const char *reset = color ? "\033[0m" : "";
	for (size_t i = 0; i < p->nnotes; i++)
		buf_printf(out, "note: %s\n", p->notes[i]);
	if (p->nnotes)
		buf_putc(out, '\n');
	int w = 0;
	for (size_t i = 0; i < p->nactions; i++)
		if ((int)strlen(p->actions[i].address) > w)
			w = (int)strlen(p->actions[i].address);
	for (size_t i = 0; i < p->nactions; i++) {
		const struct infra_action *x = &p->actions[i];
		const char *c = !color ? ""
				: x->op == INFRA_ADD ? "\033[32m"
				: x->op == INFRA_CHANGE ? "\033[33m"
							: "\033[31m";
		buf_printf(out, "  %s%c %s%s", c, x->op, x->address, reset);
		if (x->summary && *x->summary)
			buf_printf(out, "%*s  %s", w - (int)strlen(x->address), "", x->summary);
		buf_putc(out, '\n');
		for (size_t j = 0; j < x->ndetails; j++) {
			const char *d = x->details[j];
			const char *dc = !color ? ""
					 : d[0] == '+' ? "\033[32m"
					 : d[0] == '-' ? "\033[31m"
						       : "\033[33m";
			buf_printf(out, "      %s%s%s\n", dc, d, reset);
		}
	}
	if (p->nactions)
		buf_putc(out, '\n');
	for (size_t i = 0; i < p->nerrors; i++)
		buf_printf(out, "error: %s\n", p->errors[i]);
	if (!p->nactions && !p->nerrors)
		return;
	buf_printf(out, "Plan: %zu to add, %zu to change, %zu to destroy.\n", p->nadd, p->nchange,
		   p->ndestroy);
}

/* ---- JSON ---- */

static void jw_strs(struct jw *w, const char *key, const char *const *v, size_t n)
{
	jw_key(w, key);
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_str(w, v[i]);
	jw_arr_end(w);
}

void infra_plan_json(const struct infra_plan *p, struct buf *out)
{
	struct jw w;
	jw_init(&w, out, true);
	jw_obj_begin(&w);
	jw_key(&w, "format");
	jw_str(&w, "ingot-infra-plan/1");
	jw_key(&w, "env");
	jw_str(&w, p->env);
	jw_key(&w, "engine");
	jw_str(&w, p->engine);
	jw_key(&w, "lake_root");
	jw_str(&w, p->lake_root);
	jw_key(&w, "fingerprint");
	jw_str(&w, p->fingerprint);
	jw_strs(&w, "notes", p->notes, p->nnotes);
	jw_key(&w, "actions");
	jw_arr_begin(&w);
	for (size_t i = 0; i < p->nactions; i++) {
		const struct infra_action *x = &p->actions[i];
		char op[2] = {(char)x->op, 0};
		jw_obj_begin(&w);
		jw_key(&w, "op");
		jw_str(&w, op);
		jw_key(&w, "address");
		jw_str(&w, x->address);
		jw_key(&w, "summary");
		jw_str(&w, x->summary);
		jw_strs(&w, "details", x->details, x->ndetails);
		jw_strs(&w, "sql", x->sql, x->nsql);
		jw_key(&w, "password_env");
		jw_str(&w, x->password_env);
		jw_key(&w, "mkdir");
		jw_str(&w, x->mkdir);
		jw_key(&w, "rmdir");
		jw_str(&w, x->rmdir);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	buf_putc(out, '\n');
}

static const char *jstr(struct arena *a, json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? arena_strdup(a, s) : NULL;
}

static const char **jstrs(struct arena *a, json_t *o, const char *k, size_t *n)
{
	json_t *arr = json_object_get(o, k);
	*n = json_is_array(arr) ? json_array_size(arr) : 0;
	const char **v = arena_zalloc(a, (*n + 1) * sizeof(char *));
	for (size_t i = 0; i < *n; i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		v[i] = arena_strdup(a, s ? s : "");
	}
	return v;
}

int infra_plan_parse(const char *text, size_t len, const char *file, struct arena *a,
		     struct infra_plan **out, struct err *e)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je);
	if (!root)
		return err_setloc(e, ING_EPARSE, file, je.line, je.column, "not a plan file: %s",
				  je.text);
	int rc = 0;
	const char *fmt = json_string_value(json_object_get(root, "format"));
	json_t *acts = json_object_get(root, "actions");
	const char *fp = json_string_value(json_object_get(root, "fingerprint"));
	if (!fmt || strcmp(fmt, "ingot-infra-plan/1") || !json_is_array(acts) || !fp ||
	    strlen(fp) != 64) {
		rc = err_set(e, ING_EPARSE,
			     "%s is not a plan file of this ingot (write one with ingot infra plan "
			     "--out FILE)",
			     file);
		goto out;
	}
	struct infra_plan *p = arena_zalloc(a, sizeof(*p));
	p->env = jstr(a, root, "env");
	p->engine = jstr(a, root, "engine");
	p->lake_root = jstr(a, root, "lake_root");
	memcpy(p->fingerprint, fp, 65);
	p->notes = jstrs(a, root, "notes", &p->nnotes);
	p->nactions = json_array_size(acts);
	p->actions = arena_zalloc(a, (p->nactions + 1) * sizeof(*p->actions));
	for (size_t i = 0; i < p->nactions; i++) {
		json_t *o = json_array_get(acts, i);
		struct infra_action *x = &p->actions[i];
		const char *op = json_string_value(json_object_get(o, "op"));
		x->op = op && (*op == '+' || *op == '~' || *op == '-') ? (enum infra_op)*op
								        : INFRA_CHANGE;
		x->address = jstr(a, o, "address");
		x->summary = jstr(a, o, "summary");
		x->details = jstrs(a, o, "details", &x->ndetails);
		x->sql = jstrs(a, o, "sql", &x->nsql);
		x->password_env = jstr(a, o, "password_env");
		x->mkdir = jstr(a, o, "mkdir");
		x->rmdir = jstr(a, o, "rmdir");
		if (!x->address) {
			rc = err_set(e, ING_EPARSE, "%s: action %zu has no address", file, i + 1);
			goto out;
		}
		p->nadd += x->op == INFRA_ADD;
		p->nchange += x->op == INFRA_CHANGE;
		p->ndestroy += x->op == INFRA_DESTROY;
	}
	*out = p;
out:
	json_decref(root);
	return rc;
}
