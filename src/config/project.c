/*
 * config/project.c — dbt_project.yml and profiles.yml (see project.h).
 *
 * The dbt_project.yml schema is a yfield table; keys dbt defines that are
 * interpreted elsewhere (models:, seeds:, vars:, on-run-start, ...) are
 * accepted here and read from project->yml by the modules that own them.
 */
#include "config/project.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct project_yml {
	const char *name, *version, *profile;
	int config_version;
	struct ystrlist model, seed, test, macro, snapshot, analysis, docs, asset;
	const char *target_path, *packages_install_path, *log_path;
	struct ystrlist clean_targets;
};

#define PF(k, t, f) {k, t, offsetof(struct project_yml, f), false, NULL, 0}
/* dbt requires a list for these (`model-paths: models` is an error there too) */
#define PL(k, f) YF_SHAPED(k, YF_STRLIST, offsetof(struct project_yml, f), YS_SEQ)
static const struct yfield project_fields[] = {
	{"name", YF_STR, offsetof(struct project_yml, name), true, NULL, 0},
	PF("version", YF_STR, version),
	PF("profile", YF_STR, profile),
	PF("config-version", YF_INT, config_version),
	PL("model-paths", model),
	PL("source-paths", model), /* dbt < 1.0 spelling */
	PL("seed-paths", seed),
	PL("data-paths", seed), /* dbt < 1.0 spelling */
	PL("test-paths", test),
	PL("macro-paths", macro),
	PL("snapshot-paths", snapshot),
	PL("analysis-paths", analysis),
	PL("docs-paths", docs),
	PL("asset-paths", asset),
	PF("target-path", YF_STR, target_path),
	PF("packages-install-path", YF_STR, packages_install_path),
	PF("log-path", YF_STR, log_path),
	PL("clean-targets", clean_targets),
	/* read by transform / graph from project->yml */
	YF_IGNORED("models", YS_MAP),
	YF_IGNORED("seeds", YS_MAP),
	YF_IGNORED("snapshots", YS_MAP),
	YF_IGNORED("tests", YS_MAP),
	YF_IGNORED("data_tests", YS_MAP),
	YF_IGNORED("sources", YS_MAP),
	YF_IGNORED("metrics", YS_MAP),
	YF_IGNORED("semantic-models", YS_MAP),
	YF_IGNORED("saved-queries", YS_MAP),
	YF_IGNORED("exposures", YS_MAP),
	YF_IGNORED("unit_tests", YS_MAP),
	YF_IGNORED("vars", YS_MAP),
	YF_IGNORED("on-run-start", YS_TEXT | YS_SEQ),
	YF_IGNORED("on-run-end", YS_TEXT | YS_SEQ),
	YF_IGNORED("dispatch", YS_SEQ),
	YF_IGNORED("require-dbt-version", YS_TEXT | YS_SEQ),
	YF_IGNORED("quoting", YS_MAP),
	YF_IGNORED("query-comment", YS_TEXT | YS_MAP),
	YF_IGNORED("flags", YS_MAP),
	YF_IGNORED("restrict-access", YS_TEXT),
	YF_IGNORED("dbt-cloud", YS_MAP), /* dbt Cloud's project settings */
	YF_IGNORED("analyses", YS_MAP),
	{0},
};

static const char *abs_under(struct arena *a, const char *dir, const char *p)
{
	char *j = path_join(dir, p);
	const char *r = arena_strdup(a, j);
	free(j);
	return r;
}

static void default_list(struct arena *a, struct ystrlist *l, const char *v)
{
	if (l->n)
		return;
	l->items = arena_alloc(a, sizeof(char *));
	l->items[0] = v;
	l->n = 1;
}

/* ---- env_var rendering for profiles ---- */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse a quoted string literal at p; returns end or NULL. */
static const char *parse_lit(const char *p, struct buf *out)
{
	char q = *p;
	if (q != '\'' && q != '"')
		return NULL;
	for (p++; *p && *p != q; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf_putc(out, *p);
	}
	return *p == q ? p + 1 : NULL;
}

/* The environment env_var() reads while this thread resolves a target
 * (target_resolve sets it from project_opts.env; NULL: the process's). */
static _Thread_local char *const *render_env;

const char *config_render_env(struct arena *a, const char *s, const struct ynode *at,
			      struct err *e)
{
	if (!strstr(s, "{{"))
		return s;
	struct buf out = BUF_INIT, name = BUF_INIT, dflt = BUF_INIT;
	const char *p = s, *res = NULL;
	while (*p) {
		const char *o = strstr(p, "{{");
		if (!o) {
			buf_puts(&out, p);
			break;
		}
		buf_add(&out, p, (size_t)(o - p));
		const char *q = skip_ws(o + 2);
		buf_reset(&name);
		buf_reset(&dflt);
		bool has_dflt = false;
		if (strncmp(q, "env_var", 7)) {
			yerr(e, at, ING_ECONFIG, "only {{ env_var('NAME', 'default') }} is supported in profiles: %s", s);
			goto done;
		}
		q = skip_ws(q + 7);
		if (*q != '(' || !(q = parse_lit(skip_ws(q + 1), &name))) {
			yerr(e, at, ING_ECONFIG, "malformed env_var(...) in '%s'", s);
			goto done;
		}
		q = skip_ws(q);
		if (*q == ',') {
			has_dflt = true;
			if (!(q = parse_lit(skip_ws(q + 1), &dflt))) {
				yerr(e, at, ING_ECONFIG, "env_var default must be a quoted string in '%s'", s);
				goto done;
			}
			q = skip_ws(q);
		}
		if (*q != ')') {
			yerr(e, at, ING_ECONFIG, "malformed env_var(...) in '%s'", s);
			goto done;
		}
		q = skip_ws(q + 1);
		/* tolerate a trailing "| int" / "| as_number" filter: value is text anyway */
		while (*q == '|') {
			q = skip_ws(q + 1);
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			q = skip_ws(q);
		}
		if (q[0] != '}' || q[1] != '}') {
			yerr(e, at, ING_ECONFIG, "expected '}}' after env_var(...) in '%s'", s);
			goto done;
		}
		const char *v = env_get(render_env, buf_cstr(&name));
		if (!v && !has_dflt) {
			yerr(e, at, ING_ECONFIG, "environment variable %s is not set and has no default",
			     buf_cstr(&name));
			goto done;
		}
		buf_puts(&out, v ? v : buf_cstr(&dflt));
		p = q + 2;
	}
	res = arena_strdup(a, buf_cstr(&out));
done:
	buf_free(&out);
	buf_free(&name);
	buf_free(&dflt);
	return res;
}

/* ---- profiles ---- */

struct output_yml {
	const char *type, *path, *host, *user, *password, *pass, *dbname, *database, *schema;
	const char *sslmode, *lake_root, *port, *threads, *connect_timeout;
	const char *keepalives_idle, *retries, *statement_timeout, *sslcert, *sslkey, *sslrootcert;
	const char *application_name, *search_path, *role;
};

/* The keys of a target, per adapter type. Keys dbt's adapters define that
 * ingot does not implement are listed too, so that they are refused by
 * name instead of being ignored. */
static const char *const common_keys[] = {"type", "schema", "threads", "lake_root", NULL};
static const char *const postgres_keys[] = {
	"host", "port", "user", "username", "password", "pass", "dbname", "database", "sslmode",
	"sslcert", "sslkey", "sslrootcert", "connect_timeout", "keepalives_idle", "search_path",
	"role", "retries", "application_name", "statement_timeout", NULL};
static const char *const duckdb_keys[] = {"path", "settings", "extensions", "database", NULL};
static const char *const clickhouse_keys[] = {"host", "port", "user", "username", "password",
	"pass", "database", "secure", "cluster", "sharding_key", "shard_http_ports", "mode", "path",
	"connect_timeout", NULL};
/* dbt-duckdb's keys that ingot does not implement (for any type) */
static const char *const unsupported_keys[] = {
	"attach", "plugins", "filesystems", "external_root", "module_paths",
	"use_credential_provider", "disable_transactions", "secrets", "keep_open", "remote",
	"config_options", "sslpassword", NULL};

static bool in_list(const char *const *l, const char *k)
{
	for (; *l; l++)
		if (!strcmp(*l, k))
			return true;
	return false;
}

static int check_target_keys(const struct ynode *out, const char *tname, const char *type,
			     struct err *e)
{
	bool pg = !strcmp(type, "postgres");
	bool ch = !strcmp(type, "clickhouse");
	for (size_t i = 0; i < out->n; i++) {
		const struct ynode *kn = out->keys[i];
		const char *k = kn->str;
		if (in_list(common_keys, k) ||
		    in_list(ch ? clickhouse_keys : pg ? postgres_keys : duckdb_keys, k))
			continue;
		if (ch && (in_list(postgres_keys, k) || in_list(duckdb_keys, k)))
			return yerr(e, kn, ING_ECONFIG,
				    "unsupported profile key '%s' for type clickhouse; remove it from "
				    "target '%s'", k, tname);
		if (in_list(pg ? duckdb_keys : postgres_keys, k))
			return yerr(e, kn, ING_ECONFIG,
				    "unsupported profile key '%s' for type %s (it is a %s key); "
				    "remove it from target '%s'", k, type, pg ? "duckdb" : "postgres",
				    tname);
		if (in_list(unsupported_keys, k))
			return yerr(e, kn, ING_ECONFIG,
				    "unsupported profile key '%s' for type %s: ingot does not implement "
				    "it; remove it from target '%s'", k, type, tname);
		log_warn("%s:%d:%d: unknown profile key '%s' in target '%s' is ignored", kn->file,
			 kn->line, kn->col, k, tname);
	}
	return 0;
}

/* type: clickhouse. mode embedded (chDB in-process, data in `path:`) or
 * http (a server at host:port); the default is embedded when `path:` is
 * given, http otherwise. schema is a ClickHouse database (dbt-clickhouse:
 * `schema:`, or `database:`), default "default". */
static int render_field(struct arena *a, const struct ynode *out, const char *key,
			const char **dst, struct err *e);
static int parse_int_field(const char *s, const struct ynode *out, const char *key, int *dst,
			   struct err *e);

static int clickhouse_target(struct arena *a, const char *project_dir, const struct ynode *out,
			     const char *tname, const struct output_yml *y, const char *user2,
			     struct target *t, struct err *e)
{
	const char *mode = NULL, *secure = NULL, *cluster = NULL;
	int rc;
	if ((rc = render_field(a, out, "mode", &mode, e)) ||
	    (rc = render_field(a, out, "secure", &secure, e)) ||
	    (rc = render_field(a, out, "cluster", &cluster, e)))
		return rc;
	t->type = "clickhouse";
	if (!mode)
		mode = y->path ? "embedded" : "http";
	if (strcmp(mode, "embedded") && strcmp(mode, "http"))
		return yerr(e, ymap_get(out, "mode"), ING_ECONFIG,
			    "'mode' is '%s'; use embedded (chDB, with a 'path:') or http (a server "
			    "at 'host:')", mode);
	t->ch_mode = arena_strdup(a, mode);
	if (!strcmp(mode, "embedded")) {
		if (y->host)
			return yerr(e, ymap_get(out, "host"), ING_ECONFIG,
				    "target '%s' is embedded ClickHouse (chDB); 'host' is for mode "
				    "http: remove it or set 'mode: http'", tname);
		t->path = abs_under(a, project_dir, y->path ? y->path : "warehouse.chdb");
	} else {
		if (y->path)
			return yerr(e, ymap_get(out, "path"), ING_ECONFIG,
				    "target '%s' is ClickHouse over HTTP; 'path' is for mode "
				    "embedded: remove it or set 'mode: embedded'", tname);
		t->host = y->host ? y->host : "localhost";
	}
	if (secure) {
		if (!strcmp(secure, "true") || !strcmp(secure, "True"))
			t->secure = true;
		else if (strcmp(secure, "false") && strcmp(secure, "False"))
			return yerr(e, ymap_get(out, "secure"), ING_ECONFIG,
				    "'secure' is '%s'; use true or false", secure);
	}
	t->port = t->secure ? 8443 : 8123;
	if ((rc = parse_int_field(y->port, out, "port", &t->port, e)))
		return rc;
	t->user = y->user ? y->user : user2 ? user2 : "default";
	t->password = y->password ? y->password : y->pass;
	/* cluster: tables are sharded over the server's cluster of that name
	 * (local MergeTree tables on each shard, a Distributed table over
	 * them); sharding_key is the Distributed tables' default key;
	 * shard_http_ports the HTTP ports of the shards, in shard order, when
	 * they are not `port` (system.clusters names only their TCP ports). */
	const char *key = NULL;
	if ((rc = render_field(a, out, "sharding_key", &key, e)))
		return rc;
	const struct ynode *sp = ymap_get(out, "shard_http_ports");
	if ((cluster && *cluster) || key || (sp && sp->type != Y_NULL)) {
		const char *k = key ? "sharding_key" : "shard_http_ports";
		if (!cluster || !*cluster)
			return yerr(e, ymap_get(out, k), ING_ECONFIG,
				    "'%s' is for sharded tables: add 'cluster: NAME' (a cluster of "
				    "the server's remote_servers) or remove it", k);
		if (strcmp(mode, "http"))
			return yerr(e, ymap_get(out, "cluster"), ING_ECONFIG,
				    "'cluster: %s' needs mode http (a server that is part of the "
				    "cluster); embedded ClickHouse is one node", cluster);
	}
	t->cluster = cluster && *cluster ? arena_strdup(a, cluster) : NULL;
	t->ch_sharding_key = key && *key ? arena_strdup(a, key) : "rand()";
	t->ch_shard_ports = NULL;
	if (sp && sp->type != Y_NULL) {
		struct buf b = BUF_INIT;
		bool ok = true;
		if (sp->type == Y_SEQ) {
			for (size_t i = 0; i < sp->n && ok; i++) {
				ok = sp->items[i]->type == Y_SCALAR && sp->items[i]->str;
				if (ok)
					buf_printf(&b, "%s%s", i ? "," : "", sp->items[i]->str);
			}
		} else {
			ok = sp->type == Y_SCALAR && sp->str;
			if (ok)
				buf_puts(&b, sp->str);
		}
		for (const char *q = buf_cstr(&b); ok && *q; q++)
			ok = (*q >= '0' && *q <= '9') || *q == ',' || *q == ' ';
		if (!ok || !b.len) {
			buf_free(&b);
			return yerr(e, sp, ING_ECONFIG,
				    "'shard_http_ports' must list port numbers, one per shard in "
				    "shard order: [8123, 8124]");
		}
		t->ch_shard_ports = arena_strdup(a, buf_cstr(&b));
		buf_free(&b);
	}
	t->schema = y->schema ? y->schema : y->database ? y->database : "default";
	t->database = t->schema;
	return 0;
}

/* dbt-duckdb's `extensions:`: names, or mappings with a `name:` (and a
 * `repo:` ingot does not use, since nothing is downloaded at run time). */
static int duckdb_extensions(struct arena *a, const struct ynode *out, struct target *t,
			     struct err *e)
{
	const struct ynode *s = ymap_get(out, "extensions");
	if (!s || s->type == Y_NULL)
		return 0;
	if (s->type == Y_SCALAR) {
		t->extensions = arena_alloc(a, sizeof(char *));
		t->extension_nodes = arena_alloc(a, sizeof(struct ynode *));
		t->extensions[0] = s->str;
		t->extension_nodes[0] = s;
		t->nextensions = 1;
		return 0;
	}
	if (s->type != Y_SEQ)
		return yerr(e, s, ING_ECONFIG,
			    "'extensions' must be a list of DuckDB extension names, like [parquet, json]");
	t->extensions = arena_alloc(a, (s->n ? s->n : 1) * sizeof(char *));
	t->extension_nodes = arena_alloc(a, (s->n ? s->n : 1) * sizeof(struct ynode *));
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *v = s->items[i];
		if (v && v->type == Y_MAP)
			v = ymap_get(v, "name");
		if (!v || v->type != Y_SCALAR || !*v->str)
			return yerr(e, s->items[i] ? s->items[i] : s, ING_ECONFIG,
				    "an entry of 'extensions' must be an extension name "
				    "(or a mapping with 'name:')");
		for (const char *c = v->str; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_')
				return yerr(e, v, ING_ECONFIG,
					    "'%s' is not a DuckDB extension name (letters, digits, _)",
					    v->str);
		t->extensions[t->nextensions] = v->str;
		t->extension_nodes[t->nextensions++] = v;
	}
	return 0;
}

/* "30000" (milliseconds, PostgreSQL's own unit for a bare number) or a
 * duration with a unit (core/dtime: 30s, 5min, 1h, ...). */
static int parse_duration_ms(const char *s, const struct ynode *out, const char *key, int *dst,
			     struct err *e)
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	bool bare = n && strspn(s, "0123456789") == n;
	int64_t us = bare ? (n <= 12 ? strtoll(s, NULL, 10) * 1000 : -1) : duration_parse(s);
	if (us < 0 || us / 1000 > INT_MAX)
		return yerr(e, ymap_get(out, key), ING_ECONFIG,
			    "'%s' must be milliseconds or a number with a unit (ms, s, min, h), "
			    "like 30s, not '%s'", key, s);
	*dst = (int)(us / 1000);
	return 0;
}

/* dbt-duckdb's `settings:` mapping: DuckDB configuration options, set
 * when the database is opened. */
static int duckdb_settings(struct arena *a, const struct ynode *out, struct target *t,
			   struct err *e)
{
	const struct ynode *s = ymap_get(out, "settings");
	if (!s || s->type == Y_NULL)
		return 0;
	int rc = yaml_check_shape(s, "settings", YS_MAP, e);
	if (rc)
		return rc;
	t->settings = arena_alloc(a, (s->n ? s->n : 1) * 2 * sizeof(char *));
	for (size_t i = 0; i < s->n; i++) {
		const struct ynode *v = s->items[i];
		if (!v || v->type != Y_SCALAR)
			return yerr(e, v ? v : s->keys[i], ING_ECONFIG,
				    "DuckDB setting '%s' must be a single value", s->keys[i]->str);
		const char *r = config_render_env(a, v->str, v, e);
		if (!r)
			return ING_ECONFIG;
		t->settings[2 * t->nsettings] = s->keys[i]->str;
		t->settings[2 * t->nsettings + 1] = r;
		t->nsettings++;
	}
	t->settings_node = s;
	return 0;
}

/* The shapes of a profile (a target's keys are checked by check_target_keys,
 * their values by render_field). */
static const struct yfield profile_fields[] = {
	YF_IGNORED("target", YS_TEXT),
	YF_IGNORED("outputs", YS_MAP),
	{0},
};

static int render_field(struct arena *a, const struct ynode *out, const char *key,
			const char **dst, struct err *e)
{
	struct ynode *v = ymap_get(out, key);
	*dst = NULL;
	if (!v || v->type == Y_NULL)
		return 0;
	int rc = yaml_check_shape(v, key, YS_TEXT, e);
	if (rc)
		return rc;
	*dst = config_render_env(a, v->str, v, e);
	return *dst ? 0 : ING_ECONFIG;
}

static int parse_int_field(const char *s, const struct ynode *out, const char *key, int *dst,
			   struct err *e)
{
	if (!s)
		return 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 0 || v > 65535)
		return yerr(e, ymap_get(out, key), ING_ECONFIG, "'%s' must be a whole number, not '%s'",
			    key, s);
	*dst = (int)v;
	return 0;
}

static const char *find_profiles(struct arena *a, const char *project_dir,
				 const struct project_opts *o)
{
	char *const *env = o ? o->env : NULL;
	const char *dirs[4] = {o ? o->profiles_dir : NULL, env_get(env, "DBT_PROFILES_DIR"),
			       project_dir, NULL};
	char *home = NULL;
	const char *h = env_get(env, "HOME");
	if (h)
		dirs[3] = home = path_join(h, ".dbt");
	const char *found = NULL;
	for (int i = 0; i < 4 && !found; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		char *f = path_join(dirs[i], "profiles.yml");
		if (fs_exists(f))
			found = arena_strdup(a, f);
		free(f);
		if (i == 0 && !found) /* an explicit --profiles-dir must hold it */
			break;
	}
	free(home);
	return found;
}

static int default_target(struct arena *a, const char *project_dir, const char *profile,
			  const struct project_opts *o, struct target *t)
{
	memset(t, 0, sizeof(*t));
	t->profile_name = profile ? profile : "default";
	t->name = o && o->target ? o->target : "dev";
	t->type = "duckdb";
	t->path = abs_under(a, project_dir, "warehouse.duckdb");
	t->schema = "main";
	t->database = "warehouse";
	t->threads = 4;
	return 0;
}

static int resolve_target(struct arena *a, const char *project_dir, const char *profile,
			  const struct project_opts *o, struct target *t, struct err *e);

int target_resolve(struct arena *a, const char *project_dir, const char *profile,
		   const struct project_opts *o, struct target *t, struct err *e)
{
	char *const *saved = render_env;
	render_env = o ? o->env : NULL;
	int rc = resolve_target(a, project_dir, profile, o, t, e);
	render_env = saved;
	return rc;
}

static int resolve_target(struct arena *a, const char *project_dir, const char *profile,
			  const struct project_opts *o, struct target *t, struct err *e)
{
	const char *pf = find_profiles(a, project_dir, o);
	int rc;
	if (!pf) {
		if (o && o->profiles_dir)
			return err_set(e, ING_ECONFIG, "no profiles.yml in --profiles-dir %s",
				       o->profiles_dir);
		default_target(a, project_dir, profile, o, t);
		goto lake;
	}
	struct ynode *root;
	if ((rc = yaml_load_file(pf, a, &root, e)))
		return rc;
	if (root->type != Y_MAP)
		return yerr(e, root, ING_ECONFIG, "profiles.yml must be a mapping of profile names");
	if (!profile)
		profile = "default";
	struct ynode *prof = ymap_get(root, profile);
	if (!prof) {
		struct buf names = BUF_INIT;
		for (size_t i = 0; i < root->n; i++)
			if (strcmp(root->keys[i]->str, "config"))
				buf_printf(&names, "%s%s", names.len ? ", " : "", root->keys[i]->str);
		rc = err_setloc(e, ING_ECONFIG, pf, 0, 0,
				"profile '%s' not found (profiles here: %s); add it or set "
				"'profile:' in dbt_project.yml", profile, names.len ? names.data : "none");
		buf_free(&names);
		return rc;
	}
	if (prof->type != Y_MAP)
		return yerr(e, prof, ING_ECONFIG, "profile '%s' must be a mapping", profile);
	if ((rc = yaml_decode(prof, profile_fields, NULL, 0, a, e)))
		return rc;
	const char *tname = o && o->target ? o->target : NULL;
	if (!tname) {
		struct ynode *tn = ymap_get(prof, "target");
		if (tn && tn->type == Y_SCALAR) {
			tname = config_render_env(a, tn->str, tn, e);
			if (!tname)
				return ING_ECONFIG;
		}
	}
	if (!tname)
		tname = "dev";
	struct ynode *outs = ymap_get(prof, "outputs");
	if (!outs || outs->type != Y_MAP)
		return yerr(e, outs ? outs : prof, ING_ECONFIG, "profile '%s' has no 'outputs:' mapping",
			    profile);
	struct ynode *out = ymap_get(outs, tname);
	if (!out) {
		struct buf names = BUF_INIT;
		for (size_t i = 0; i < outs->n; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", outs->keys[i]->str);
		rc = yerr(e, outs, ING_ECONFIG, "target '%s' not found in profile '%s' (targets: %s)",
			  tname, profile, names.len ? names.data : "none");
		buf_free(&names);
		return rc;
	}
	if (out->type != Y_MAP)
		return yerr(e, out, ING_ECONFIG, "target '%s' must be a mapping", tname);

	struct output_yml y = {0};
	const char *user2 = NULL;
	if ((rc = render_field(a, out, "type", &y.type, e)))
		return rc;
	if (!y.type)
		return yerr(e, out, ING_ECONFIG, "target '%s' has no 'type:' (duckdb or postgres)", tname);
	if (!strcmp(y.type, "postgresql"))
		y.type = "postgres";
	if (strcmp(y.type, "duckdb") && strcmp(y.type, "postgres") && strcmp(y.type, "clickhouse"))
		return yerr(e, ymap_get(out, "type"), ING_ECONFIG,
			    "unknown adapter type '%s' (ingot supports duckdb, postgres and "
			    "clickhouse)", y.type);
	if ((rc = check_target_keys(out, tname, y.type, e)))
		return rc;
	if ((rc = render_field(a, out, "path", &y.path, e)) ||
	    (rc = render_field(a, out, "host", &y.host, e)) ||
	    (rc = render_field(a, out, "user", &y.user, e)) ||
	    (rc = render_field(a, out, "username", &user2, e)) ||
	    (rc = render_field(a, out, "password", &y.password, e)) ||
	    (rc = render_field(a, out, "pass", &y.pass, e)) ||
	    (rc = render_field(a, out, "dbname", &y.dbname, e)) ||
	    (rc = render_field(a, out, "database", &y.database, e)) ||
	    (rc = render_field(a, out, "schema", &y.schema, e)) ||
	    (rc = render_field(a, out, "sslmode", &y.sslmode, e)) ||
	    (rc = render_field(a, out, "lake_root", &y.lake_root, e)) ||
	    (rc = render_field(a, out, "port", &y.port, e)) ||
	    (rc = render_field(a, out, "threads", &y.threads, e)) ||
	    (rc = render_field(a, out, "connect_timeout", &y.connect_timeout, e)) ||
	    (rc = render_field(a, out, "keepalives_idle", &y.keepalives_idle, e)) ||
	    (rc = render_field(a, out, "retries", &y.retries, e)) ||
	    (rc = render_field(a, out, "statement_timeout", &y.statement_timeout, e)) ||
	    (rc = render_field(a, out, "sslcert", &y.sslcert, e)) ||
	    (rc = render_field(a, out, "sslkey", &y.sslkey, e)) ||
	    (rc = render_field(a, out, "sslrootcert", &y.sslrootcert, e)) ||
	    (rc = render_field(a, out, "application_name", &y.application_name, e)) ||
	    (rc = render_field(a, out, "search_path", &y.search_path, e)) ||
	    (rc = render_field(a, out, "role", &y.role, e)))
		return rc;
	memset(t, 0, sizeof(*t));
	t->profile_name = arena_strdup(a, profile);
	t->name = arena_strdup(a, tname);
	t->profiles_file = pf;
	t->node = out;
	t->threads = 4;
	if ((rc = parse_int_field(y.threads, out, "threads", &t->threads, e)) ||
	    (rc = parse_int_field(y.connect_timeout, out, "connect_timeout", &t->connect_timeout, e)))
		return rc;
	if (t->threads < 1)
		t->threads = 1;
	if (!strcmp(y.type, "duckdb")) {
		t->type = "duckdb";
		const char *path = y.path ? y.path : "warehouse.duckdb";
		t->path = !strcmp(path, ":memory:") ? path : abs_under(a, project_dir, path);
		t->schema = y.schema ? y.schema : "main";
		const char *b = path_basename(t->path);
		const char *dot = strrchr(b, '.');
		t->database = !strcmp(path, ":memory:") ? "memory"
			      : arena_strndup(a, b, dot ? (size_t)(dot - b) : strlen(b));
		if ((rc = duckdb_settings(a, out, t, e)) || (rc = duckdb_extensions(a, out, t, e)))
			return rc;
		/* dbt-duckdb sets database to the file's stem; a different value
		 * would name a catalog that does not exist */
		if (y.database && strcmp(y.database, t->database))
			return yerr(e, ymap_get(out, "database"), ING_ECONFIG,
				    "for type duckdb, 'database' is the name of the file in 'path' "
				    "('%s'), not '%s'; remove it or make it match", t->database,
				    y.database);
	} else if (!strcmp(y.type, "clickhouse")) {
		if ((rc = clickhouse_target(a, project_dir, out, tname, &y, user2, t, e)))
			return rc;
	} else {
		t->type = "postgres";
		t->host = y.host ? y.host : "localhost";
		t->user = y.user ? y.user : user2;
		t->password = y.password ? y.password : y.pass;
		t->dbname = y.dbname ? y.dbname : y.database;
		t->sslmode = y.sslmode;
		t->sslcert = y.sslcert ? abs_under(a, project_dir, y.sslcert) : NULL;
		t->sslkey = y.sslkey ? abs_under(a, project_dir, y.sslkey) : NULL;
		t->sslrootcert = y.sslrootcert ? abs_under(a, project_dir, y.sslrootcert) : NULL;
		t->application_name = y.application_name;
		t->search_path = y.search_path;
		t->role = y.role && *y.role ? y.role : NULL;
		if ((rc = parse_int_field(y.keepalives_idle, out, "keepalives_idle",
					  &t->keepalives_idle, e)) ||
		    (rc = parse_int_field(y.retries, out, "retries", &t->retries, e)) ||
		    (rc = parse_duration_ms(y.statement_timeout, out, "statement_timeout",
					    &t->statement_timeout_ms, e)))
			return rc;
		if (t->retries > 10)
			return yerr(e, ymap_get(out, "retries"), ING_ECONFIG,
				    "'retries' is %d; at most 10 connection retries are allowed",
				    t->retries);
		t->schema = y.schema;
		t->port = 5432;
		if ((rc = parse_int_field(y.port, out, "port", &t->port, e)))
			return rc;
		if (!t->user)
			return yerr(e, out, ING_ECONFIG, "postgres target '%s' needs 'user:'", tname);
		if (!t->dbname)
			return yerr(e, out, ING_ECONFIG, "postgres target '%s' needs 'dbname:'", tname);
		if (!t->schema)
			return yerr(e, out, ING_ECONFIG, "postgres target '%s' needs 'schema:'", tname);
		t->database = t->dbname;
	}
	t->lake_root = y.lake_root ? abs_under(a, project_dir, y.lake_root) : NULL;
lake:
	if (o && o->lake_root)
		t->lake_root = abs_under(a, project_dir, o->lake_root);
	if (!t->lake_root)
		t->lake_root = abs_under(a, project_dir, "lake");
	return 0;
}

static void conn_kv(struct buf *b, const char *k, const char *v)
{
	if (!v)
		return;
	buf_printf(b, "%s%s='", b->len ? " " : "", k);
	for (const char *p = v; *p; p++) {
		if (*p == '\'' || *p == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_putc(b, '\'');
}

char *target_conninfo(const struct target *t)
{
	struct buf b = BUF_INIT;
	char port[16];
	snprintf(port, sizeof(port), "%d", t->port);
	conn_kv(&b, "host", t->host);
	conn_kv(&b, "port", port);
	conn_kv(&b, "user", t->user);
	conn_kv(&b, "password", t->password);
	conn_kv(&b, "dbname", t->dbname);
	conn_kv(&b, "sslmode", t->sslmode);
	if (t->connect_timeout) {
		snprintf(port, sizeof(port), "%d", t->connect_timeout);
		conn_kv(&b, "connect_timeout", port);
	} else {
		conn_kv(&b, "connect_timeout", "10");
	}
	conn_kv(&b, "sslcert", t->sslcert);
	conn_kv(&b, "sslkey", t->sslkey);
	conn_kv(&b, "sslrootcert", t->sslrootcert);
	if (t->keepalives_idle) {
		snprintf(port, sizeof(port), "%d", t->keepalives_idle);
		conn_kv(&b, "keepalives_idle", port);
	}
	conn_kv(&b, "application_name", t->application_name ? t->application_name : "ingot");
	return buf_detach(&b, NULL);
}

int project_load(const struct project_opts *o, struct project **out, struct err *e)
{
	struct arena *a = arena_new(0);
	struct project *p = arena_zalloc(a, sizeof(*p));
	p->arena = a;
	int rc = 0;
	char cwd[PATH_MAX];
	const char *dir = o && o->project_dir ? o->project_dir : NULL;
	p->env = o ? o->env : NULL;
	if (o && o->cwd)
		snprintf(cwd, sizeof(cwd), "%s", o->cwd);
	else if (!getcwd(cwd, sizeof(cwd))) {
		rc = err_set(e, ING_EIO, "cannot read the current directory");
		goto fail;
	}
	{
		char *d = dir ? path_join(cwd, dir) : xstrdup(cwd);
		char *real = realpath(d, NULL);
		p->dir = arena_strdup(a, real ? real : d);
		free(real);
		free(d);
	}
	char *f = path_join(p->dir, "dbt_project.yml");
	p->file = arena_strdup(a, f);
	free(f);
	if (!fs_exists(p->file)) {
		rc = err_set(e, ING_ECONFIG,
			     "no dbt_project.yml in %s: run ingot in a project directory, pass "
			     "--project-dir, or create one with 'ingot init'", p->dir);
		goto fail;
	}
	struct ynode *root;
	if ((rc = yaml_load_file(p->file, a, &root, e)))
		goto fail;
	if (root->type != Y_MAP) {
		rc = yerr(e, root, ING_ECONFIG, "dbt_project.yml must be a mapping");
		goto fail;
	}
	struct project_yml y = {0};
	if ((rc = yaml_decode(root, project_fields, &y, 0, a, e)))
		goto fail;
	p->yml = root;
	p->name = y.name;
	p->version = y.version;
	p->profile = y.profile ? y.profile : y.name;
	p->config_version = y.config_version ? y.config_version : 2;
	default_list(a, &y.model, "models");
	default_list(a, &y.seed, "seeds");
	default_list(a, &y.test, "tests");
	default_list(a, &y.macro, "macros");
	default_list(a, &y.snapshot, "snapshots");
	default_list(a, &y.analysis, "analyses");
	p->paths = (struct project_paths){y.model, y.seed, y.test, y.macro,
					  y.snapshot, y.analysis, y.docs, y.asset};
	p->target_path = abs_under(a, p->dir, y.target_path ? y.target_path : "target");
	p->packages_install_path = abs_under(a, p->dir, y.packages_install_path
							       ? y.packages_install_path : "dbt_packages");
	/* ingot.log goes to log-path; without one, next to the other artifacts */
	p->log_path = y.log_path ? abs_under(a, p->dir, y.log_path) : p->target_path;
	p->clean_targets = y.clean_targets;
	for (const char *c = p->name; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_') {
			rc = yerr(e, ymap_get(root, "name"), ING_ECONFIG,
				  "project name '%s' must be letters, digits and underscores", p->name);
			goto fail;
		}
	if ((rc = target_resolve(a, p->dir, p->profile, o, &p->target, e)))
		goto fail;
	*out = p;
	return 0;
fail:
	arena_free(a);
	*out = NULL;
	return rc;
}

void project_free(struct project *p)
{
	if (p)
		arena_free(p->arena);
}
