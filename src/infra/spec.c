/*
 * infra/spec.c — platform.yml into struct infra_spec, checked.
 *
 * Schema tables (yaml_decode) give unknown keys their "did you mean" and
 * every error its file:line:col. Cross-references are checked here: a role
 * granted a schema the file does not declare, a user bound to a missing
 * role, an owner that is not a role, an archive folder that a source's
 * location would match (its files would be loaded again).
 *
 * Passwords never appear in the file: a `password:` key is an error that
 * points to `password_env:`.
 */
#include "infra/infra.h"

#include "core/fs.h"
#include "core/mem.h"

#include <fnmatch.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct lake_raw {
	const char *root;
	struct ystrlist folders;
	const struct ynode *archive;
	const char *quarantine;
};

struct archive_raw {
	const char *path;
	int move_after_days, delete_after_days;
};

struct wh_raw {
	struct ystrlist environments;
	const struct ynode *schemas;
};

struct top_raw {
	const struct ynode *lake, *warehouse, *roles, *users;
	int version;
};

static int no_password(const struct ynode *val, void *dst, struct arena *a, struct err *e)
{
	return yerr(e, val, ING_ECONFIG,
		    "passwords are never written in platform.yml: name an environment "
		    "variable with password_env: instead");
}

static const struct yfield top_fields[] = {
	{"version", YF_INT, offsetof(struct top_raw, version), false, NULL, 0},
	YF_SHAPED("lake", YF_NODE, offsetof(struct top_raw, lake), YS_MAP),
	YF_SHAPED("warehouse", YF_NODE, offsetof(struct top_raw, warehouse), YS_MAP),
	YF_SHAPED("roles", YF_NODE, offsetof(struct top_raw, roles), YS_MAP),
	YF_SHAPED("users", YF_NODE, offsetof(struct top_raw, users), YS_MAP),
	{0},
};

static const struct yfield lake_fields[] = {
	{"root", YF_STR, offsetof(struct lake_raw, root), false, NULL, 0},
	{"folders", YF_STRLIST, offsetof(struct lake_raw, folders), false, NULL, 0},
	YF_SHAPED("archive", YF_NODE, offsetof(struct lake_raw, archive), YS_MAP),
	{"quarantine", YF_STR, offsetof(struct lake_raw, quarantine), false, NULL, 0},
	{0},
};

static const struct yfield archive_fields[] = {
	{"path", YF_STR, offsetof(struct archive_raw, path), true, NULL, 0},
	{"move_after_days", YF_INT, offsetof(struct archive_raw, move_after_days), false, NULL, 0},
	{"delete_after_days", YF_INT, offsetof(struct archive_raw, delete_after_days), false, NULL,
	 0},
	{0},
};

static const struct yfield wh_fields[] = {
	{"environments", YF_STRLIST, offsetof(struct wh_raw, environments), false, NULL, 0},
	YF_SHAPED("schemas", YF_NODE, offsetof(struct wh_raw, schemas), YS_MAP),
	{0},
};

static const struct yfield schema_fields[] = {
	{"owner", YF_STR, offsetof(struct infra_schema, owner), false, NULL, 0},
	{"prevent_destroy", YF_BOOL, offsetof(struct infra_schema, prevent_destroy), false, NULL,
	 0},
	YF_IGNORED("description", YS_TEXT),
	{0},
};

static const struct yfield role_fields[] = {
	{"read", YF_STRLIST, offsetof(struct infra_role, read), false, NULL, 0},
	{"write", YF_STRLIST, offsetof(struct infra_role, write), false, NULL, 0},
	{"admin", YF_BOOL, offsetof(struct infra_role, admin), false, NULL, 0},
	YF_IGNORED("description", YS_TEXT),
	{0},
};

static const struct yfield user_fields[] = {
	{"role", YF_STR, offsetof(struct infra_user, role), true, NULL, 0},
	{"password_env", YF_STR, offsetof(struct infra_user, password_env), false, NULL, 0},
	{"password", YF_CUSTOM, 0, false, no_password, YS_ANY},
	{0},
};

/* A name ingot creates in the warehouse: letters, digits, underscores. */
static int check_name(const struct ynode *at, const char *what, const char *s, struct err *e)
{
	bool ok = *s && strlen(s) <= 63 && !(*s >= '0' && *s <= '9');
	for (const char *p = s; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (!ok)
		return yerr(e, at, ING_ECONFIG,
			    "%s name '%s': use lower-case letters, digits and underscores "
			    "(at most 63, not starting with a digit)",
			    what, s);
	return 0;
}

/* A folder under the lake root: relative, no "..", no empty component. */
static int check_folder(const struct ynode *at, const char *s, struct err *e)
{
	bool ok = *s && *s != '/' && !strstr(s, "//");
	for (const char *p = s; ok && *p;) {
		size_t n = strcspn(p, "/");
		ok = !(n == 2 && !strncmp(p, "..", 2)) && !(n == 1 && *p == '.');
		p += n + (p[n] == '/');
	}
	if (!ok)
		return yerr(e, at, ING_ECONFIG,
			    "folder '%s' must be a relative path under the lake root (no '..')", s);
	return 0;
}

static const char *closest(const char *name, const char *const *cands, size_t n)
{
	const char *best = NULL;
	int bd = 3;
	for (size_t i = 0; i < n; i++) {
		int d = str_edit_distance(name, cands[i]);
		if (d < bd) {
			bd = d;
			best = cands[i];
		}
	}
	return best;
}

static void add_folder(struct infra_spec *s, size_t *cap, struct arena *a, const char *path,
		       const char *why, const struct ynode *node)
{
	for (size_t i = 0; i < s->nfolders; i++)
		if (!strcmp(s->folders[i].path, path))
			return;
	if (s->nfolders == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct infra_folder *nf = arena_alloc(a, nc * sizeof(*nf));
		if (s->nfolders)
			memcpy(nf, s->folders, s->nfolders * sizeof(*nf));
		s->folders = nf;
		*cap = nc;
	}
	s->folders[s->nfolders++] = (struct infra_folder){path, why, node};
}

/* The fixed folder part of a location glob: "users/users_*.csv" -> "users". */
static const char *location_folder(struct arena *a, const char *loc)
{
	const char *end = loc, *p = loc;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (!p[n])
			break; /* the last component names files */
		if (strcspn(p, "*?[") < n)
			break;
		p += n + 1;
		end = p - 1;
	}
	return arena_strndup(a, loc, (size_t)(end - loc));
}

/* Could location loc match a file under folder f? A location of one
 * component names files at the root only; otherwise its first component
 * (or a leading "**") decides. */
static bool location_reaches(struct arena *a, const char *loc, const char *f)
{
	size_t n = strcspn(loc, "/");
	if (!loc[n])
		return false;
	const char *first = arena_strndup(a, loc, n);
	const char *ffirst = arena_strndup(a, f, strcspn(f, "/"));
	return strstr(first, "**") || fnmatch(first, ffirst, FNM_PERIOD) == 0;
}

static int check_schema_ref(const struct infra_spec *s, const char **names, const struct ynode *at,
			    const char *role, const char *schema, struct err *e)
{
	for (size_t i = 0; i < s->nschemas; i++)
		if (!strcmp(s->schemas[i].name, schema))
			return 0;
	const char *best = closest(schema, names, s->nschemas);
	return yerr(e, at, ING_ECONFIG,
		    "role '%s' is granted schema '%s', which warehouse.schemas does not declare%s%s%s",
		    role, schema, best ? " (did you mean '" : "; declare it under warehouse.schemas",
		    best ? best : "", best ? "'?)" : "");
}

/* The node of the i-th item of a list value (for error locations). */
static const struct ynode *item_node(const struct ynode *map, const char *key, size_t i)
{
	const struct ynode *v = ymap_get(map, key);
	if (v && v->type == Y_SEQ && i < v->n)
		return v->items[i];
	return v ? v : map;
}

static int role_check(const struct infra_spec *s, const char **snames, const struct infra_role *r,
		      struct err *e)
{
	for (size_t k = 0; k < 2; k++) {
		const struct ystrlist *l = k ? &r->write : &r->read;
		for (size_t i = 0; i < l->n; i++)
			if (check_schema_ref(s, snames, item_node(r->node, k ? "write" : "read", i),
					     r->name, l->items[i], e))
				return ING_ECONFIG;
	}
	for (size_t i = 0; i < r->read.n; i++)
		for (size_t j = 0; j < r->write.n; j++)
			if (!strcmp(r->read.items[i], r->write.items[j]))
				return yerr(e, item_node(r->node, "read", i), ING_ECONFIG,
					    "role '%s' lists schema '%s' under both read and "
					    "write: write includes read, keep it there",
					    r->name, r->read.items[i]);
	return 0;
}

enum infra_access infra_role_access(const struct infra_role *r, const char *schema)
{
	if (r->admin)
		return INFRA_WRITE;
	for (size_t i = 0; i < r->write.n; i++)
		if (!strcmp(r->write.items[i], schema))
			return INFRA_WRITE;
	for (size_t i = 0; i < r->read.n; i++)
		if (!strcmp(r->read.items[i], schema))
			return INFRA_READ;
	return INFRA_NONE;
}

int infra_spec_check_env(const struct infra_spec *s, const char *env, struct err *e)
{
	if (!s->environments.n)
		return 0;
	for (size_t i = 0; i < s->environments.n; i++)
		if (!strcmp(s->environments.items[i], env))
			return 0;
	const char *best = closest(env, s->environments.items, s->environments.n);
	return yerr(e, s->environments_node, ING_ECONFIG,
		    "environment '%s' is not one of warehouse.environments%s%s%s", env,
		    best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
}

static int decode_lake(struct infra_spec *s, const struct project *p, const struct source_set *src,
		       const struct ynode *n, const char *lake_root, struct arena *a, struct err *e)
{
	struct lake_raw lr = {0};
	struct archive_raw ar = {0};
	size_t cap = 0;
	int rc;
	if ((rc = yaml_decode(n, lake_fields, &lr, 0, a, e)))
		return rc;
	if (lr.root) {
		char *r = lr.root[0] == '/' ? xstrdup(lr.root) : path_join(p->dir, lr.root);
		s->lake_root = arena_strdup(a, r);
		free(r);
	} else {
		s->lake_root = lake_root;
	}
	for (size_t i = 0; i < src->n; i++)
		for (size_t j = 0; j < src->items[i].ntables; j++) {
			const struct src_table *t = &src->items[i].tables[j];
			if (!t->external)
				continue;
			const char *f = location_folder(a, t->external->location);
			if (*f)
				add_folder(s, &cap, a, f,
					   arena_printf(a, "source %s.%s", src->items[i].name, t->name),
					   t->external->node);
		}
	for (size_t i = 0; i < lr.folders.n; i++) {
		const struct ynode *at = item_node(n, "folders", i);
		if ((rc = check_folder(at, lr.folders.items[i], e)))
			return rc;
		add_folder(s, &cap, a, lr.folders.items[i], "declared", at);
	}
	if (lr.archive) {
		if ((rc = yaml_decode(lr.archive, archive_fields, &ar, 0, a, e)))
			return rc;
		const struct ynode *at = ymap_get(lr.archive, "path");
		if ((rc = check_folder(at, ar.path, e)))
			return rc;
		if (ar.move_after_days < 0 || ar.delete_after_days < 0)
			return yerr(e, lr.archive, ING_ECONFIG, "days must be 0 (never) or more");
		if (ar.delete_after_days && ar.delete_after_days < ar.move_after_days)
			return yerr(e, ymap_get(lr.archive, "delete_after_days"), ING_ECONFIG,
				    "delete_after_days (%d) is less than move_after_days (%d): a "
				    "file would be deleted before it is archived",
				    ar.delete_after_days, ar.move_after_days);
		s->archive = ar.path;
		s->archive_after_days = ar.move_after_days;
		s->delete_after_days = ar.delete_after_days;
		add_folder(s, &cap, a, ar.path, "archive", at);
	}
	if (lr.quarantine) {
		const struct ynode *at = ymap_get(n, "quarantine");
		if ((rc = check_folder(at, lr.quarantine, e)))
			return rc;
		s->quarantine = lr.quarantine;
		add_folder(s, &cap, a, lr.quarantine, "quarantine", at);
	}
	/* files moved to the archive or the quarantine must not be loaded again */
	for (size_t k = 0; k < 2; k++) {
		const char *f = k ? s->quarantine : s->archive;
		if (!f)
			continue;
		for (size_t i = 0; i < src->n; i++)
			for (size_t j = 0; j < src->items[i].ntables; j++) {
				const struct src_table *t = &src->items[i].tables[j];
				if (t->external && location_reaches(a, t->external->location, f))
					return yerr(e,
						    k ? ymap_get(n, "quarantine")
						      : ymap_get(lr.archive, "path"),
						    ING_ECONFIG,
						    "the %s folder '%s' is matched by the location "
						    "'%s' of source %s.%s: its files would be loaded "
						    "again; choose a folder that no location matches",
						    k ? "quarantine" : "archive", f,
						    t->external->location, src->items[i].name, t->name);
			}
	}
	return 0;
}

/* Expand {{ target.schema }} and {{ target.name }} in a schema name. */
static int render_name(const struct ynode *at, const struct target *t, struct arena *a,
		       const char **s, struct err *e)
{
	if (!strstr(*s, "{{"))
		return 0;
	struct buf b = BUF_INIT;
	int rc = 0;
	for (const char *p = *s; *p && !rc;) {
		const char *o = strstr(p, "{{");
		if (!o) {
			buf_puts(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(o - p));
		const char *c = strstr(o, "}}");
		char *inner = c ? xstrndup(o + 2, (size_t)(c - o - 2)) : NULL;
		const char *v = NULL;
		if (inner) {
			str_trim(inner);
			v = !strcmp(inner, "target.schema") ? t->schema
			    : !strcmp(inner, "target.name") ? t->name
							    : NULL;
		}
		if (!v)
			rc = yerr(e, at, ING_ECONFIG,
				  "'%s': platform.yml expands only {{ target.schema }} and "
				  "{{ target.name }} in schema names",
				  *s);
		else
			buf_puts(&b, v);
		free(inner);
		p = c ? c + 2 : p + strlen(p);
	}
	if (!rc)
		*s = arena_strdup(a, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

int infra_spec_load(const struct project *p, const struct source_set *src,
		    const struct target *tgt, struct arena *a, struct infra_spec **out,
		    struct err *e)
{
	const char *lake_root = tgt->lake_root;
	struct infra_spec *s = arena_zalloc(a, sizeof(*s));
	struct top_raw top = {0};
	struct wh_raw wr = {0};
	struct ynode *root = NULL;
	char *file = path_join(p->dir, "platform.yml");
	int rc;
	s->file = arena_strdup(a, file);
	free(file);
	if (!fs_exists(s->file))
		return err_set(e, ING_ENOTFOUND,
			       "%s does not exist: declare the platform there (see docs/infra.md)",
			       s->file);
	if ((rc = yaml_load_file(s->file, a, &root, e)))
		return rc;
	if (root->type == Y_NULL)
		return yerr(e, root, ING_ECONFIG, "platform.yml is empty");
	if ((rc = yaml_decode(root, top_fields, &top, 0, a, e)))
		return rc;
	if (top.version > 1)
		return yerr(e, ymap_get(root, "version"), ING_ECONFIG,
			    "platform.yml version %d is newer than this ingot understands (1)",
			    top.version);
	s->lake_root = lake_root;
	if (top.lake && (rc = decode_lake(s, p, src, top.lake, lake_root, a, e)))
		return rc;
	if (top.warehouse && (rc = yaml_decode(top.warehouse, wh_fields, &wr, 0, a, e)))
		return rc;
	s->environments = wr.environments;
	s->environments_node = top.warehouse ? ymap_get(top.warehouse, "environments") : root;
	const struct ynode *sm = wr.schemas;
	s->nschemas = sm ? sm->n : 0;
	s->schemas = arena_zalloc(a, (s->nschemas + 1) * sizeof(*s->schemas));
	const char **snames = arena_zalloc(a, (s->nschemas + 1) * sizeof(char *));
	for (size_t i = 0; i < s->nschemas; i++) {
		struct infra_schema *sc = &s->schemas[i];
		sc->name = sm->keys[i]->str;
		sc->node = sm->keys[i];
		if ((rc = render_name(sm->keys[i], tgt, a, &sc->name, e)))
			return rc;
		snames[i] = sc->name;
		if ((rc = check_name(sm->keys[i], "schema", sc->name, e)) ||
		    (rc = yaml_decode(sm->items[i], schema_fields, sc, 0, a, e)))
			return rc;
	}
	const struct ynode *rm = top.roles;
	s->nroles = rm ? rm->n : 0;
	s->roles = arena_zalloc(a, (s->nroles + 1) * sizeof(*s->roles));
	const char **rnames = arena_zalloc(a, (s->nroles + 1) * sizeof(char *));
	for (size_t i = 0; i < s->nroles; i++) {
		struct infra_role *r = &s->roles[i];
		r->name = rm->keys[i]->str;
		r->node = rm->items[i]->type == Y_MAP ? rm->items[i] : rm->keys[i];
		rnames[i] = r->name;
		if ((rc = check_name(rm->keys[i], "role", r->name, e)) ||
		    (rc = yaml_decode(rm->items[i], role_fields, r, 0, a, e)))
			return rc;
		for (size_t k = 0; k < 2; k++) {
			struct ystrlist *l = k ? &r->write : &r->read;
			for (size_t j = 0; j < l->n; j++)
				if ((rc = render_name(item_node(r->node, k ? "write" : "read", j), tgt,
						      a, &l->items[j], e)))
					return rc;
		}
		if ((rc = role_check(s, snames, r, e)))
			return rc;
	}
	for (size_t i = 0; i < s->nschemas; i++) {
		const char *o = s->schemas[i].owner;
		size_t j = 0;
		while (o && j < s->nroles && strcmp(s->roles[j].name, o))
			j++;
		if (o && j == s->nroles) {
			const char *best = closest(o, rnames, s->nroles);
			return yerr(e, ymap_get(sm->items[i], "owner"), ING_ECONFIG,
				    "owner '%s' of schema '%s' is not a role of platform.yml%s%s%s", o,
				    s->schemas[i].name, best ? " (did you mean '" : "",
				    best ? best : "", best ? "'?)" : "");
		}
	}
	const struct ynode *um = top.users;
	s->nusers = um ? um->n : 0;
	s->users = arena_zalloc(a, (s->nusers + 1) * sizeof(*s->users));
	for (size_t i = 0; i < s->nusers; i++) {
		struct infra_user *u = &s->users[i];
		u->name = um->keys[i]->str;
		u->node = um->keys[i];
		if ((rc = check_name(um->keys[i], "user", u->name, e)) ||
		    (rc = yaml_decode(um->items[i], user_fields, u, 0, a, e)))
			return rc;
		for (size_t j = 0; j < s->nroles; j++)
			if (!strcmp(s->roles[j].name, u->name))
				return yerr(e, um->keys[i], ING_ECONFIG,
					    "user '%s' has the name of a role", u->name);
		size_t j = 0;
		while (j < s->nroles && strcmp(s->roles[j].name, u->role))
			j++;
		if (j == s->nroles) {
			const char *best = closest(u->role, rnames, s->nroles);
			return yerr(e, ymap_get(um->items[i], "role"), ING_ECONFIG,
				    "user '%s' is bound to role '%s', which roles: does not declare%s%s%s",
				    u->name, u->role, best ? " (did you mean '" : "",
				    best ? best : "", best ? "'?)" : "");
		}
		const char *pe = u->password_env;
		bool ok = !pe || (*pe && !(*pe >= '0' && *pe <= '9'));
		for (const char *q = pe; ok && q && *q; q++)
			ok = (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
			     (*q >= '0' && *q <= '9') || *q == '_';
		if (!ok)
			return yerr(e, ymap_get(um->items[i], "password_env"), ING_ECONFIG,
				    "password_env '%s' is not an environment variable name", pe);
	}
	*out = s;
	return 0;
}

static void push_addr(struct arena *a, const char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		const char **nv = arena_alloc(a, nc * sizeof(char *));
		if (*n)
			memcpy(nv, *v, *n * sizeof(char *));
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = s;
}

void infra_spec_addresses(const struct infra_spec *s, bool grants, struct arena *a,
			  const char ***out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < s->nfolders; i++)
		push_addr(a, out, n, &cap, arena_printf(a, "folder.%s", s->folders[i].path));
	for (size_t i = 0; i < s->nschemas; i++)
		push_addr(a, out, n, &cap, arena_printf(a, "schema.%s", s->schemas[i].name));
	if (!grants)
		return;
	for (size_t i = 0; i < s->nroles; i++)
		push_addr(a, out, n, &cap, arena_printf(a, "role.%s", s->roles[i].name));
	for (size_t i = 0; i < s->nusers; i++)
		push_addr(a, out, n, &cap, arena_printf(a, "user.%s", s->users[i].name));
}
