/*
 * tests/unit/test_infra.c — infra/: platform.yml decoding and the plan's
 * grant diff against a world built by hand (what the PostgreSQL catalog
 * would say), and the plan file's round trip.
 */
#include "test.h"
#include "config/project.h"
#include "core/fs.h"
#include "core/mem.h"
#include "infra/infra.h"

#include <stdlib.h>
#include <string.h>

static const char *platform_yml =
	"lake:\n"
	"  folders: [exports]\n"
	"warehouse:\n"
	"  schemas:\n"
	"    bronze: {owner: admin}\n"
	"    gold: {owner: admin}\n"
	"roles:\n"
	"  loader: {write: [bronze]}\n"
	"  reader: {read: [gold]}\n"
	"  admin: {admin: true}\n"
	"users:\n"
	"  dash: {role: reader, password_env: DASH_PW}\n";

static struct infra_spec *load_spec(struct arena *a, const char *yml, struct err *e)
{
	struct project p;
	memset(&p, 0, sizeof(p));
	p.dir = test_tmpdir();
	char *f = path_join(p.dir, "platform.yml");
	if (fs_write_atomic(f, yml, strlen(yml), e)) {
		free(f);
		return NULL;
	}
	free(f);
	struct source_set src = {0};
	struct infra_spec *s = NULL;
	char *lake = path_join(p.dir, "lake");
	struct target t;
	memset(&t, 0, sizeof(t));
	t.name = "pg";
	t.schema = "shop";
	t.lake_root = arena_strdup(a, lake);
	int rc = infra_spec_load(&p, &src, &t, a, &s, e);
	free(lake);
	return rc ? NULL : s;
}

static const struct infra_action *find(const struct infra_plan *p, const char *addr)
{
	for (size_t i = 0; i < p->nactions; i++)
		if (!strcmp(p->actions[i].address, addr))
			return &p->actions[i];
	return NULL;
}

static bool has_sql(const struct infra_action *x, const char *sql)
{
	for (size_t i = 0; x && i < x->nsql; i++)
		if (!strcmp(x->sql[i], sql))
			return true;
	return false;
}

TEST(infra_spec_errors_point_at_the_key)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	CHECK(!load_spec(a, "roles:\n  r: {raed: [x]}\n", &e));
	CHECK(e.msg && strstr(e.msg, "unknown key 'raed' (did you mean 'read'?)"));
	CHECK(e.file && str_endswith(e.file, "platform.yml") && e.line == 2 && e.col == 7);
	err_clear(&e);
	CHECK(!load_spec(a, "warehouse: {schemas: {gold: {}}}\nroles:\n  r: {read: [glod]}\n", &e));
	CHECK(e.msg && strstr(e.msg, "schema 'glod', which warehouse.schemas does not declare "
				     "(did you mean 'gold'?)"));
	err_clear(&e);
	CHECK(!load_spec(a, "warehouse: {schemas: {\"{{ target.database }}_x\": {}}}\n", &e));
	CHECK(e.msg && strstr(e.msg, "expands only {{ target.schema }}"));
	err_clear(&e);
	struct infra_spec *t = load_spec(a,
					 "warehouse: {schemas: {\"{{ target.schema }}_silver\": {}}}\n"
					 "roles: {r: {read: [\"{{target.schema}}_silver\"]}}\n",
					 &e);
	REQUIRE(t);
	CHECK_STR(t->schemas[0].name, "shop_silver");
	CHECK_STR(t->roles[0].read.items[0], "shop_silver");
	struct infra_spec *s = load_spec(a, platform_yml, &e);
	REQUIRE(s);
	CHECK_INT(s->nschemas, 2);
	CHECK_INT(s->nroles, 3);
	CHECK_INT(infra_role_access(&s->roles[1], "gold"), INFRA_READ);
	CHECK_INT(infra_role_access(&s->roles[1], "bronze"), INFRA_NONE);
	CHECK_INT(infra_role_access(&s->roles[2], "bronze"), INFRA_WRITE);
	arena_free(a);
}

/* The world after an apply, with three hand-made changes: the reader
 * holds SELECT on 2 of the 3 gold tables (a new table came without the
 * default privilege), INSERT on one of them, and a default privilege on
 * the loader's future bronze tables. */
TEST(infra_plan_grants_diff)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct infra_spec *s = load_spec(a, platform_yml, &e);
	REQUIRE(s);
	static const char *schemas[] = {"bronze", "gold"}, *owners[] = {"admin", "admin"};
	static int64_t rels[] = {0, 3};
	static const char *roles[] = {"admin", "dash", "loader", "reader"};
	static const char *member_of[] = {"", "reader", "", ""};
	static const char *set_role[] = {NULL, "reader", NULL, NULL};
	static bool login[] = {false, true, false, false};
	static const char *folders[] = {"exports"};
	struct infra_acl sacl[] = {
		{"bronze", "loader", "USAGE", NULL, 1}, {"bronze", "loader", "CREATE", NULL, 1},
		{"gold", "reader", "USAGE", NULL, 1},
	};
	struct infra_acl tacl[] = {
		{"gold", "admin", "*OWN", NULL, 3},
		{"gold", "reader", "INSERT", NULL, 1},
		{"gold", "reader", "SELECT", NULL, 2},
	};
	struct infra_acl dacl[] = {
		{"bronze", "admin", "DELETE", "loader", 1}, {"bronze", "admin", "INSERT", "loader", 1},
		{"bronze", "admin", "SELECT", "loader", 1}, {"bronze", "admin", "TRUNCATE", "loader", 1},
		{"bronze", "admin", "UPDATE", "loader", 1}, {"bronze", "loader", "DELETE", "admin", 1},
		{"bronze", "loader", "INSERT", "admin", 1}, {"bronze", "loader", "SELECT", "admin", 1},
		{"bronze", "loader", "TRUNCATE", "admin", 1}, {"bronze", "loader", "UPDATE", "admin", 1},
		{"bronze", "reader", "SELECT", "loader", 1},
		{"gold", "reader", "SELECT", "admin", 1},
	};
	struct infra_world w = {
		.grants = true, .engine = "postgres",
		.folders = folders, .nfolders = 1,
		.schemas = schemas, .owners = owners, .relations = rels, .nschemas = 2,
		.roles = roles, .member_of = member_of, .set_role = set_role, .login = login,
		.nroles = 4,
		.schema_acl = sacl, .nschema_acl = 3, .table_acl = tacl, .ntable_acl = 3,
		.default_acl = dacl, .ndefault_acl = 12,
	};
	memset(w.fingerprint, 'a', 64);
	struct infra_plan_opts o = {.mode = INFRA_PLAN_APPLY, .env = "pg"};
	struct infra_plan *p = NULL;
	CHECK_OK(infra_plan_make(s, &w, &o, a, &p, &e), &e);
	REQUIRE(p);
	/* admin owns gold and bronze and has its grants; loader is complete */
	CHECK(!find(p, "grant.admin.gold"));
	CHECK(!find(p, "grant.loader.bronze"));
	CHECK(!find(p, "schema.gold"));
	CHECK(!find(p, "user.dash"));
	const struct infra_action *g = find(p, "grant.reader.gold");
	REQUIRE(g);
	CHECK_INT(g->op, INFRA_CHANGE);
	CHECK(has_sql(g, "REVOKE INSERT ON ALL TABLES IN SCHEMA \"gold\" FROM \"reader\""));
	CHECK(has_sql(g, "GRANT SELECT ON ALL TABLES IN SCHEMA \"gold\" TO \"reader\""));
	CHECK_INT(g->ndetails, 2);
	CHECK_STR(g->details[0], "- insert on 1 of 3 tables");
	CHECK_STR(g->details[1], "+ select on all tables");
	const struct infra_action *b = find(p, "grant.reader.bronze");
	REQUIRE(b);
	CHECK_INT(b->op, INFRA_DESTROY);
	CHECK(has_sql(b, "ALTER DEFAULT PRIVILEGES FOR ROLE \"loader\" IN SCHEMA \"bronze\" REVOKE "
			 "SELECT ON TABLES FROM \"reader\""));
	CHECK_INT(p->nactions, 2); /* nothing else differs */
	arena_free(a);
}

/* A saved plan reads back as it was written, with the password's variable
 * name and never a value; a file that is not a plan is refused. */
TEST(infra_plan_file_round_trip)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct infra_spec *s = load_spec(a, platform_yml, &e);
	REQUIRE(s);
	struct infra_world w = {.grants = true, .engine = "postgres"};
	memset(w.fingerprint, 'b', 64);
	struct infra_plan_opts o = {.mode = INFRA_PLAN_APPLY, .env = "pg"};
	struct infra_plan *p = NULL, *q = NULL;
	CHECK_OK(infra_plan_make(s, &w, &o, a, &p, &e), &e);
	REQUIRE(p && p->nactions > 5);
	struct buf j = BUF_INIT, r1 = BUF_INIT, r2 = BUF_INIT;
	infra_plan_json(p, &j);
	CHECK(strstr(j.data, "\"password_env\": \"DASH_PW\"") || strstr(j.data, "\"password_env\":\"DASH_PW\""));
	CHECK_OK(infra_plan_parse(j.data, j.len, "plan.json", a, &q, &e), &e);
	REQUIRE(q);
	CHECK_STR(q->fingerprint, p->fingerprint);
	CHECK_STR(q->env, "pg");
	CHECK_INT(q->nactions, p->nactions);
	infra_plan_render(p, false, &r1);
	infra_plan_render(q, false, &r2);
	CHECK_STR(buf_cstr(&r2), buf_cstr(&r1));
	for (size_t i = 0; i < p->nactions; i++) {
		CHECK_INT(q->actions[i].nsql, p->actions[i].nsql);
		for (size_t k = 0; k < p->actions[i].nsql && k < q->actions[i].nsql; k++)
			CHECK_STR(q->actions[i].sql[k], p->actions[i].sql[k]);
	}
	CHECK(infra_plan_parse("{\"format\": \"x\"}", 15, "bad.json", a, &q, &e) != 0);
	CHECK(e.msg && strstr(e.msg, "bad.json is not a plan file"));
	err_clear(&e);
	CHECK(infra_plan_parse("{", 1, "cut.json", a, &q, &e) != 0);
	err_clear(&e);
	buf_free(&j);
	buf_free(&r1);
	buf_free(&r2);
	arena_free(a);
}
