/*
 * tests/unit/test_config.c — YAML trees, schema decoding, dbt_project.yml
 * and profiles.yml resolution.
 */
#include "test.h"
#include "config/project.h"
#include "config/yaml.h"
#include "core/fs.h"
#include "core/mem.h"

#include <stdlib.h>

static void write_file(const char *dir, const char *name, const char *text)
{
	struct err e = ERR_INIT;
	char *p = path_join(dir, name);
	char *d = path_dirname(p);
	fs_mkdir_p(d, &e);
	CHECK_OK(fs_write_atomic(p, text, strlen(text), &e), &e);
	err_clear(&e);
	free(d);
	free(p);
}

TEST(yaml_tree_locations)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct ynode *root;
	const char *y = "name: shop\nmodels:\n  shop:\n    +materialized: table\nlist: [1, 'two', yes]\n";
	CHECK_OK(yaml_load_string(y, strlen(y), "p.yml", a, &root, &e), &e);
	REQUIRE(root && root->type == Y_MAP);
	CHECK_STR(ymap_str(root, "name"), "shop");
	struct ynode *m = ymap_get(ymap_get(root, "models"), "shop");
	REQUIRE(m);
	struct ynode *mat = ymap_get(m, "+materialized");
	REQUIRE(mat);
	CHECK_INT(mat->line, 4);
	CHECK_INT(mat->col, 20);
	struct ynode *l = ymap_get(root, "list");
	REQUIRE(l && l->type == Y_SEQ && l->n == 3);
	CHECK(l->items[1]->quoted);
	bool b;
	CHECK(yscalar_bool(l->items[2], &b) == 0 && b);
	int64_t i;
	CHECK(yscalar_int(l->items[0], &i) == 0 && i == 1);
	arena_free(a);
}

TEST(yaml_anchor_merge_and_errors)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct ynode *root;
	const char *y = "base: &b {threads: 4, type: duckdb}\nprod:\n  <<: *b\n  threads: 8\n";
	CHECK_OK(yaml_load_string(y, strlen(y), "m.yml", a, &root, &e), &e);
	struct ynode *prod = ymap_get(root, "prod");
	CHECK_STR(ymap_str(prod, "threads"), "8");
	CHECK_STR(ymap_str(prod, "type"), "duckdb");

	const char *bad = "a: 1\nb: [1, 2\nc: 3\n";
	CHECK(yaml_load_string(bad, strlen(bad), "bad.yml", a, &root, &e) == ING_EPARSE);
	CHECK_STR(e.file, "bad.yml");
	CHECK(e.line >= 2);
	err_clear(&e);

	const char *dup = "a: 1\na: 2\n";
	CHECK(yaml_load_string(dup, strlen(dup), "dup.yml", a, &root, &e) == ING_EPARSE);
	CHECK_INT(e.line, 2);
	CHECK(strstr(e.msg, "duplicate key 'a'") != NULL);
	err_clear(&e);

	const char *empty = "";
	CHECK_OK(yaml_load_string(empty, 0, "e.yml", a, &root, &e), &e);
	CHECK(root->type == Y_NULL);
	arena_free(a);
}

struct demo {
	const char *name;
	int threads;
	bool on;
	struct ystrlist paths;
};

/* Found by fuzz_config: libfyaml loops for ever on some invalid UTF-8
 * (a directive line with a stray byte); invalid UTF-8 is refused first, with
 * its location, in strings and in files. */
TEST(yaml_invalid_utf8_is_a_located_error)
{
	struct arena *a = arena_new(0);
	struct ynode *root = NULL;
	struct err e = ERR_INIT;
	const char hang[] = "%%%%%%%%%%%\xb3\x03\x03";
	CHECK_INT(yaml_load_string(hang, sizeof(hang) - 1, "h.yml", a, &root, &e), ING_EPARSE);
	CHECK_INT(e.line, 1);
	CHECK_INT(e.col, 12);
	CHECK(e.msg && strstr(e.msg, "invalid UTF-8 (byte 0xb3)"));
	err_clear(&e);
	char *path = xasprintf("%s/latin1.yml", test_tmpdir());
	const char latin1[] = "a: 1\nname: caf\xe9\n";
	CHECK_OK(fs_write_atomic(path, latin1, sizeof(latin1) - 1, &e), &e);
	CHECK_INT(yaml_load_file(path, a, &root, &e), ING_EPARSE);
	CHECK_INT(e.line, 2);
	CHECK_INT(e.col, 10);
	err_clear(&e);
	const char ok[] = "name: caf\xc3\xa9\n";
	CHECK_OK(yaml_load_string(ok, sizeof(ok) - 1, "ok.yml", a, &root, &e), &e);
	free(path);
	arena_free(a);
}

TEST(yaml_schema_decode)
{
	static const struct yfield f[] = {
		{"name", YF_STR, offsetof(struct demo, name), true, NULL, 0},
		{"threads", YF_INT, offsetof(struct demo, threads), false, NULL, 0},
		{"on", YF_BOOL, offsetof(struct demo, on), false, NULL, 0},
		{"paths", YF_STRLIST, offsetof(struct demo, paths), false, NULL, 0},
		{0},
	};
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct ynode *root;
	const char *y = "name: x\nthreads: 3\non: true\npaths: [a, b]\n";
	yaml_load_string(y, strlen(y), "d.yml", a, &root, &e);
	struct demo d = {0};
	CHECK_OK(yaml_decode(root, f, &d, 0, a, &e), &e);
	CHECK_STR(d.name, "x");
	CHECK_INT(d.threads, 3);
	CHECK(d.on);
	CHECK_INT(d.paths.n, 2);

	const char *y2 = "name: x\nthreds: 3\n";
	yaml_load_string(y2, strlen(y2), "d2.yml", a, &root, &e);
	CHECK(yaml_decode(root, f, &d, 0, a, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "unknown key 'threds' (did you mean 'threads'?)") != NULL);
	CHECK_INT(e.line, 2);
	CHECK_INT(e.col, 1);
	err_clear(&e);

	const char *y3 = "threads: many\n";
	yaml_load_string(y3, strlen(y3), "d3.yml", a, &root, &e);
	CHECK(yaml_decode(root, f, &d, YDEC_ALLOW_UNKNOWN, a, &e) == ING_ECONFIG);
	err_clear(&e);
	struct demo d2 = {0};
	const char *y4 = "threads: many\nname: n\n";
	yaml_load_string(y4, strlen(y4), "d4.yml", a, &root, &e);
	CHECK(yaml_decode(root, f, &d2, 0, a, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "'threads' must be a whole number") != NULL);
	CHECK_INT(e.line, 1);
	CHECK_INT(e.col, 10);
	err_clear(&e);
	arena_free(a);
}

TEST(yaml_schema_shapes)
{
	struct shaped {
		struct ystrlist paths;
		const struct ynode *cfg;
	};
	static const struct yfield f[] = {
		YF_SHAPED("paths", YF_STRLIST, offsetof(struct shaped, paths), YS_SEQ),
		YF_SHAPED("cfg", YF_NODE, offsetof(struct shaped, cfg), YS_MAP),
		YF_IGNORED("hooks", YS_TEXT | YS_SEQ),
		{"name", YF_STR, 0, false, NULL, 0},
		{0},
	};
	static const struct {
		const char *yaml, *msg;
		int line, col;
	} bad[] = {
		{"paths: 42\n", "'paths' must be a list, not the value '42'", 1, 8},
		{"paths: {a: 1}\n", "'paths' must be a list, not a mapping", 1, 8},
		{"cfg: [a]\n", "'cfg' must be a mapping (key: value lines), not a list", 1, 6},
		{"cfg: table\n", "'cfg' must be a mapping (key: value lines), not the value 'table'", 1, 6},
		{"hooks:\n  a: 1\n", "'hooks' must be a value or a list, not a mapping", 2, 3},
		{"name:\n  - x\n", "'name' must be a single value, not a list", 2, 3},
	};
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct ynode *root;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct shaped d = {0};
		yaml_load_string(bad[i].yaml, strlen(bad[i].yaml), "s.yml", a, &root, &e);
		CHECK(yaml_decode(root, f, &d, 0, a, &e) == ING_ECONFIG);
		CHECK(e.msg && strstr(e.msg, bad[i].msg) != NULL);
		CHECK_INT(e.line, bad[i].line);
		CHECK_INT(e.col, bad[i].col);
		err_clear(&e);
	}
	/* the right shapes, and null (= absent), decode; dst may be NULL for a
	 * table of YF_IGNORE only */
	const char *ok = "paths: [a, b]\ncfg: {x: 1}\nhooks: one\nname: n\n";
	struct shaped d = {0};
	yaml_load_string(ok, strlen(ok), "ok.yml", a, &root, &e);
	CHECK_OK(yaml_decode(root, f, &d, 0, a, &e), &e);
	CHECK_INT(d.paths.n, 2);
	CHECK(d.cfg && d.cfg->type == Y_MAP);
	static const struct yfield only[] = {YF_IGNORED("hooks", YS_SEQ), {0}};
	const char *nul = "hooks: ~\n";
	yaml_load_string(nul, strlen(nul), "n.yml", a, &root, &e);
	CHECK_OK(yaml_decode(root, only, NULL, 0, a, &e), &e);
	arena_free(a);
}

TEST(project_default_embedded_duckdb)
{
	const char *d = test_tmpdir();
	write_file(d, "proj/dbt_project.yml",
		   "name: shop\nversion: '1.0'\nprofile: shop\ndbt-cloud:\n  project-id: 1\n");
	setenv("HOME", d, 1); /* no ~/.dbt/profiles.yml */
	unsetenv("DBT_PROFILES_DIR");
	char *pd = path_join(d, "proj");
	struct project_opts o = {.project_dir = pd};
	struct project *p = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(project_load(&o, &p, &e), &e);
	REQUIRE(p);
	CHECK_STR(p->name, "shop");
	CHECK_STR(p->target.type, "duckdb");
	CHECK(str_endswith(p->target.path, "/proj/warehouse.duckdb"));
	CHECK_STR(p->target.schema, "main");
	CHECK(str_endswith(p->target.lake_root, "/proj/lake"));
	CHECK(str_endswith(p->target_path, "/proj/target"));
	CHECK_INT(p->paths.model.n, 1);
	CHECK_STR(p->paths.model.items[0], "models");
	project_free(p);
	free(pd);
}

TEST(profiles_targets_and_env_var)
{
	const char *d = test_tmpdir();
	write_file(d, "p2/dbt_project.yml", "name: shop\nprofile: shop\nmodel-paths: [m]\n");
	write_file(d, "p2/profiles.yml",
		   "shop:\n  target: \"{{ env_var('SHOP_TARGET', 'dev') }}\"\n  outputs:\n"
		   "    dev:\n      type: duckdb\n      path: dev.duckdb\n      threads: 2\n"
		   "    prod:\n      type: postgres\n      host: db.example\n      port: \"{{ env_var('SHOP_PORT') | int }}\"\n"
		   "      user: etl\n      password: \"{{ env_var('SHOP_PW', 'x') }}\"\n      dbname: wh\n      schema: analytics\n");
	setenv("HOME", d, 1);
	char *pd = path_join(d, "p2");
	struct project_opts o = {.project_dir = pd};
	struct project *p = NULL;
	struct err e = ERR_INIT;
	unsetenv("SHOP_TARGET");
	CHECK_OK(project_load(&o, &p, &e), &e);
	REQUIRE(p);
	CHECK_STR(p->target.name, "dev");
	CHECK_INT(p->target.threads, 2);
	CHECK_STR(p->target.database, "dev");
	CHECK_STR(p->paths.model.items[0], "m");
	project_free(p);

	setenv("SHOP_TARGET", "prod", 1);
	unsetenv("SHOP_PORT");
	CHECK(project_load(&o, &p, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "SHOP_PORT is not set") != NULL);
	CHECK(str_endswith(e.file, "profiles.yml"));
	CHECK_INT(e.line, 11);
	err_clear(&e);

	setenv("SHOP_PORT", "6543", 1);
	setenv("SHOP_PW", "hunter2", 1);
	CHECK_OK(project_load(&o, &p, &e), &e);
	REQUIRE(p);
	CHECK_STR(p->target.type, "postgres");
	CHECK_INT(p->target.port, 6543);
	CHECK_STR(p->target.password, "hunter2");
	CHECK_STR(p->target.schema, "analytics");
	char *ci = target_conninfo(&p->target);
	CHECK(strstr(ci, "port='6543'") && strstr(ci, "dbname='wh'"));
	free(ci);
	project_free(p);

	o.target = "nope";
	CHECK(project_load(&o, &p, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "target 'nope' not found in profile 'shop' (targets: dev, prod)") != NULL);
	err_clear(&e);
	free(pd);
	unsetenv("SHOP_TARGET");
}

TEST(project_errors_have_locations)
{
	const char *d = test_tmpdir();
	write_file(d, "p3/dbt_project.yml", "name: shop\nmodel-path: [m]\n");
	setenv("HOME", d, 1);
	char *pd = path_join(d, "p3");
	struct project_opts o = {.project_dir = pd};
	struct project *p = NULL;
	struct err e = ERR_INIT;
	CHECK(project_load(&o, &p, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "did you mean 'model-paths'") != NULL);
	CHECK_INT(e.line, 2);
	err_clear(&e);

	write_file(d, "p3/dbt_project.yml", "name: shop\nprofile: other\n");
	write_file(d, "p3/profiles.yml", "shop:\n  outputs:\n    dev: {type: duckdb}\n");
	CHECK(project_load(&o, &p, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "profile 'other' not found (profiles here: shop)") != NULL);
	err_clear(&e);

	write_file(d, "p3/profiles.yml", "other:\n  outputs:\n    dev: {type: oracle}\n");
	CHECK(project_load(&o, &p, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "unknown adapter type 'oracle'") != NULL);
	CHECK_INT(e.line, 3);
	err_clear(&e);

	char *none = path_join(d, "nothing-here");
	struct project_opts o2 = {.project_dir = none};
	CHECK(project_load(&o2, &p, &e) == ING_ECONFIG);
	CHECK(strstr(e.msg, "no dbt_project.yml") != NULL);
	err_clear(&e);
	free(none);
	free(pd);
}

/* Every key a target accepts has an effect; keys of dbt adapters that ingot
 * does not implement are refused at their location; unknown keys warn. */
TEST(profile_keys_used_or_refused)
{
	const char *d = test_tmpdir();
	write_file(d, "p4/dbt_project.yml", "name: shop\nprofile: shop\n");
	write_file(d, "p4/profiles.yml",
		   "shop:\n  target: pg\n  outputs:\n"
		   "    pg:\n      type: postgres\n      host: h\n      user: u\n      dbname: wh\n"
		   "      schema: s\n      sslmode: verify-full\n      sslcert: certs/c.pem\n"
		   "      sslkey: /k/c.key\n      sslrootcert: certs/root.pem\n"
		   "      keepalives_idle: 30\n      connect_timeout: 5\n      retries: 2\n"
		   "      search_path: \"s, public\"\n      role: loader\n"
		   "      application_name: nightly\n      statement_timeout: 30s\n"
		   "      frobnicate: 1\n"
		   "    duck:\n      type: duckdb\n      path: w.duckdb\n"
		   "      settings: {threads: 2, memory_limit: 1GB}\n");
	setenv("HOME", d, 1);
	char *pd = path_join(d, "p4");
	struct project_opts o = {.project_dir = pd};
	struct project *p = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(project_load(&o, &p, &e), &e);
	REQUIRE(p);
	const struct target *t = &p->target;
	CHECK_INT(t->keepalives_idle, 30);
	CHECK_INT(t->retries, 2);
	CHECK_INT(t->statement_timeout_ms, 30000);
	CHECK_STR(t->search_path, "s, public");
	CHECK_STR(t->role, "loader");
	CHECK(str_endswith(t->sslcert, "/p4/certs/c.pem"));
	char *ci = target_conninfo(t);
	CHECK(strstr(ci, "keepalives_idle='30'") && strstr(ci, "application_name='nightly'") &&
	      strstr(ci, "sslkey='/k/c.key'") && strstr(ci, "sslrootcert='") &&
	      strstr(ci, "connect_timeout='5'") && strstr(ci, "sslmode='verify-full'"));
	free(ci);
	project_free(p);

	o.target = "duck";
	CHECK_OK(project_load(&o, &p, &e), &e);
	REQUIRE(p);
	REQUIRE(p->target.nsettings == 2);
	CHECK_STR(p->target.settings[2], "memory_limit");
	CHECK_STR(p->target.settings[3], "1GB");
	project_free(p);

	static const struct {
		const char *yml, *msg;
		int line, col;
	} bad[] = {
		{"    duck:\n      type: duckdb\n      attach: [x]\n",
		 "unsupported profile key 'attach' for type duckdb", 6, 7},
		{"    duck:\n      type: duckdb\n      extensions: {a: b}\n",
		 "'extensions' must be a list", 6, 19},
		{"    duck:\n      type: duckdb\n      host: db\n",
		 "unsupported profile key 'host' for type duckdb (it is a postgres key)", 6, 7},
		{"    duck:\n      type: postgres\n      host: h\n      user: u\n      dbname: d\n"
		 "      schema: s\n      path: x.duckdb\n",
		 "unsupported profile key 'path' for type postgres", 10, 7},
		{"    duck:\n      type: postgres\n      user: u\n      dbname: d\n      schema: s\n"
		 "      statement_timeout: 5 parsecs\n",
		 "'statement_timeout' must be milliseconds or a number with a unit", 9, 26},
		{"    duck:\n      type: duckdb\n      settings: [a]\n",
		 "'settings' must be a mapping", 6, 17},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *y = xasprintf("shop:\n  target: duck\n  outputs:\n%s", bad[i].yml);
		write_file(d, "p4/profiles.yml", y);
		free(y);
		CHECK(project_load(&o, &p, &e) == ING_ECONFIG);
		CHECK(e.msg && strstr(e.msg, bad[i].msg));
		if (!e.msg || !strstr(e.msg, bad[i].msg))
			fprintf(stderr, "case %zu: %s\n", i, e.msg ? e.msg : "(none)");
		CHECK(e.file && str_endswith(e.file, "profiles.yml"));
		CHECK_INT(e.line, bad[i].line);
		CHECK_INT(e.col, bad[i].col);
		err_clear(&e);
	}
	free(pd);
}
