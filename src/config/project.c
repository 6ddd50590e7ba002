/*
 * config/project.c — dbt_project.yml and profiles.yml (see project.h).
 *
 * The dbt_project.yml schema is a yfield table; keys dbt defines that are
 * interpreted elsewhere (models:, seeds:, vars:, on-run-start, ...) are
 * accepted here and read from project->yml by the modules that own them.
 */
#include "config/project.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"

#include <ctype.h>
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
		const char *v = getenv(buf_cstr(&name));
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
};

/* The shapes of a profile and of one output; values are read (and
 * env_var-rendered) by render_field, the table only checks keys and shapes. */
static const struct yfield profile_fields[] = {
	YF_IGNORED("target", YS_TEXT),
	YF_IGNORED("outputs", YS_MAP),
	{0},
};

static const struct yfield output_fields[] = {
	YF_IGNORED("type", YS_TEXT), YF_IGNORED("path", YS_TEXT),
	YF_IGNORED("host", YS_TEXT), YF_IGNORED("port", YS_TEXT),
	YF_IGNORED("user", YS_TEXT), YF_IGNORED("username", YS_TEXT),
	YF_IGNORED("password", YS_TEXT), YF_IGNORED("pass", YS_TEXT),
	YF_IGNORED("dbname", YS_TEXT), YF_IGNORED("database", YS_TEXT),
	YF_IGNORED("schema", YS_TEXT), YF_IGNORED("threads", YS_TEXT),
	YF_IGNORED("sslmode", YS_TEXT), YF_IGNORED("lake_root", YS_TEXT),
	YF_IGNORED("connect_timeout", YS_TEXT), YF_IGNORED("keepalives_idle", YS_TEXT),
	YF_IGNORED("search_path", YS_TEXT), YF_IGNORED("role", YS_TEXT),
	YF_IGNORED("retries", YS_TEXT), YF_IGNORED("extensions", YS_SEQ),
	YF_IGNORED("settings", YS_MAP), YF_IGNORED("attach", YS_SEQ),
	YF_IGNORED("plugins", YS_SEQ), YF_IGNORED("filesystems", YS_SEQ),
	YF_IGNORED("external_root", YS_TEXT), YF_IGNORED("module_paths", YS_SEQ),
	YF_IGNORED("use_credential_provider", YS_TEXT),
	YF_IGNORED("disable_transactions", YS_TEXT),
	{0},
};

static int render_field(struct arena *a, const struct ynode *out, const char *key,
			const char **dst, struct err *e)
{
	struct ynode *v = ymap_get(out, key);
	*dst = NULL;
	if (!v || v->type == Y_NULL)
		return 0;
	if (v->type != Y_SCALAR)
		return yerr(e, v, ING_ECONFIG, "'%s' must be a value", key);
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
	const char *dirs[4] = {o ? o->profiles_dir : NULL, getenv("DBT_PROFILES_DIR"), project_dir,
			       NULL};
	char *home = NULL;
	const char *h = getenv("HOME");
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

int target_resolve(struct arena *a, const char *project_dir, const char *profile,
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

	if ((rc = yaml_decode(out, output_fields, NULL, 0, a, e)))
		return rc;
	struct output_yml y = {0};
	const char *user2 = NULL;
	if ((rc = render_field(a, out, "type", &y.type, e)) ||
	    (rc = render_field(a, out, "path", &y.path, e)) ||
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
	    (rc = render_field(a, out, "connect_timeout", &y.connect_timeout, e)))
		return rc;
	memset(t, 0, sizeof(*t));
	t->profile_name = arena_strdup(a, profile);
	t->name = arena_strdup(a, tname);
	t->profiles_file = pf;
	t->node = out;
	t->threads = 4;
	if (!y.type)
		return yerr(e, out, ING_ECONFIG, "target '%s' has no 'type:' (duckdb or postgres)", tname);
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
	} else if (!strcmp(y.type, "postgres") || !strcmp(y.type, "postgresql")) {
		t->type = "postgres";
		t->host = y.host ? y.host : "localhost";
		t->user = y.user ? y.user : user2;
		t->password = y.password ? y.password : y.pass;
		t->dbname = y.dbname ? y.dbname : y.database;
		t->sslmode = y.sslmode;
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
	} else {
		return yerr(e, ymap_get(out, "type"), ING_ECONFIG,
			    "unknown adapter type '%s' (ingot supports duckdb and postgres)", y.type);
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
	conn_kv(&b, "application_name", "ingot");
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
	if (!getcwd(cwd, sizeof(cwd))) {
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
	p->log_path = abs_under(a, p->dir, y.log_path ? y.log_path : "logs");
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
