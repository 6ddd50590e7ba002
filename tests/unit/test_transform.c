/*
 * tests/unit/test_transform.c — quality (test names, ids, wrapper SQL,
 * statuses) and transform (parse, compile, build through
 * transform_invoke on DuckDB and PostgreSQL).
 *
 * The expected ids were computed with dbt's rule (md5 of name + repr of
 * the sorted metadata, last 10 hex digits) by Python as an oracle; two of
 * them are the published ids of dbt's own example project.
 */
#include "test.h"
#include "config/project.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"
#include "quality/quality.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a test entry from YAML text and name it. */
static void name_test(const char *yml, const char *target, const char *column, bool source,
		      const char **sname, const char **fname, char hash[11], struct arena *a)
{
	struct ynode *root = NULL;
	struct err e = ERR_INIT;
	*sname = *fname = "";
	hash[0] = 0;
	if (yaml_load_string(yml, strlen(yml), "t.yml", a, &root, &e)) {
		test_fail(__FILE__, __LINE__, "yaml: %s", e.msg);
		err_clear(&e);
		return;
	}
	struct qt_target t = {0};
	t.name = target;
	t.column = column;
	if (source) {
		t.is_source = true;
		t.source_name = "raw";
		t.table_name = "orders";
	}
	struct qt_def d;
	if (quality_parse_test(root, &t, a, &d, &e)) {
		test_fail(__FILE__, __LINE__, "parse: %s", e.msg);
		err_clear(&e);
		return;
	}
	quality_test_names(&d, &t, a, sname, fname);
	quality_test_hash(&d, *fname, hash);
}

TEST(quality_names_and_ids_match_dbt)
{
	struct arena *a = arena_new(0);
	const char *s, *f;
	char h[11];
	/* dbt's example project publishes these two ids */
	name_test("unique", "customers", "customer_id", false, &s, &f, h, a);
	CHECK_STR(f, "unique_customers_customer_id");
	CHECK_STR(h, "c5af1ff4b1");
	name_test("not_null", "orders", "order_id", false, &s, &f, h, a);
	CHECK_STR(h, "cf6c17daed");
	name_test("accepted_values: {values: [0, 1, 2], quote: false}", "customer_orders",
		  "order_count", false, &s, &f, h, a);
	CHECK_STR(f, "accepted_values_customer_orders_order_count__False__0__1__2");
	CHECK_STR(h, "f1324090de");
	name_test("relationships: {to: \"ref('stg_customers')\", field: customer_id}", "stg_orders",
		  "customer_id", false, &s, &f, h, a);
	CHECK_STR(f, "relationships_stg_orders_customer_id__customer_id__ref_stg_customers_");
	CHECK_STR(h, "430bf21500");
	/* configs are not arguments */
	name_test("unique: {config: {severity: warn, where: \"x > 1\"}}", "t", "id", false, &s, &f, h, a);
	CHECK_STR(f, "unique_t_id");
	/* sources get the source_ prefix and <source>_<table> */
	name_test("not_null", "raw_orders", "id", true, &s, &f, h, a);
	CHECK_STR(f, "source_not_null_raw_orders_id");
	/* namespaced tests */
	name_test("dbt_utils.expression_is_true: {expression: \"a >= b\"}", "m", NULL, false, &s, &f, h, a);
	CHECK_STR(f, "dbt_utils_expression_is_true_m_a_b");
	/* a long name: 30 chars of the identifier + md5 of the full name */
	name_test("accepted_values: {values: [placed, shipped, completed, return_pending, returned]}",
		  "orders", "status", false, &s, &f, h, a);
	CHECK_STR(f, "accepted_values_orders_status__placed__shipped__completed__return_pending__returned");
	CHECK_STR(s, "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758");
	/* a user-given name wins */
	name_test("unique: {name: my_unique_check}", "t", "id", false, &s, &f, h, a);
	CHECK_STR(f, "my_unique_check");
	CHECK_STR(s, "my_unique_check");
	arena_free(a);
}

TEST(quality_parse_rejects_bad_entries)
{
	struct arena *a = arena_new(0);
	struct ynode *root = NULL;
	struct err e = ERR_INIT;
	const char *yml = "{unique: {}, not_null: {}}";
	REQUIRE(yaml_load_string(yml, strlen(yml), "t.yml", a, &root, &e) == 0);
	struct qt_target t = {.name = "m", .column = "c"};
	struct qt_def d;
	CHECK(quality_parse_test(root, &t, a, &d, &e) == ING_ECONFIG);
	CHECK(e.line == 1);
	err_clear(&e);
	yml = "unique: {severity: loud}";
	REQUIRE(yaml_load_string(yml, strlen(yml), "t.yml", a, &root, &e) == 0);
	CHECK(quality_parse_test(root, &t, a, &d, &e) == ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "severity"));
	err_clear(&e);
	yml = "unique: {model: x}";
	REQUIRE(yaml_load_string(yml, strlen(yml), "t.yml", a, &root, &e) == 0);
	CHECK(quality_parse_test(root, &t, a, &d, &e) == ING_ECONFIG);
	err_clear(&e);
	arena_free(a);
}

TEST(quality_py_repr)
{
	struct buf b = BUF_INIT;
	quality_py_repr_str(&b, "a'b");
	CHECK_STR(b.data, "\"a'b\"");
	buf_reset(&b);
	quality_py_repr_str(&b, "a'b\"c");
	CHECK_STR(b.data, "'a\\'b\"c'");
	buf_reset(&b);
	quality_py_repr_str(&b, "x\\y\n");
	CHECK_STR(b.data, "'x\\\\y\\n'");
	buf_free(&b);
}

TEST(quality_wrap_and_status)
{
	struct buf b = BUF_INIT;
	quality_wrap_sql(&b, "select 1", NULL, NULL, "> 10", 5);
	CHECK(strstr(b.data, "count(*) != 0 as should_warn") != NULL);
	CHECK(strstr(b.data, "count(*) > 10 as should_error") != NULL);
	CHECK(strstr(b.data, "limit 5") != NULL);
	CHECK(strstr(b.data, ") dbt_internal_test") != NULL);
	buf_reset(&b);
	quality_where_subquery(&b, "\"s\".\"t\"", "id > 3");
	CHECK_STR(b.data, "(select * from \"s\".\"t\" where id > 3) dbt_subquery");
	buf_free(&b);
	CHECK(quality_status("ERROR", true, true) == QT_FAIL);
	CHECK(quality_status("ERROR", true, false) == QT_WARN);
	CHECK(quality_status("WARN", true, true) == QT_WARN);
	CHECK(quality_status("warn", false, true) == QT_PASS);
	CHECK(quality_status("ERROR", false, false) == QT_PASS);
}

TEST(transform_ls_and_compile)
{
	struct project *p = test_load_shop(NULL);
	REQUIRE(p);
	char *path = xasprintf("%s/out.txt", test_tmpdir());
	FILE *fp = fopen(path, "w+");
	REQUIRE(fp);
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_LS;
	o.ls_output = TF_LS_NAME;
	o.select = "+customer_orders";
	o.resource_types = "model seed";
	o.console = fp;
	struct transform_report r = {0};
	struct err e = ERR_INIT;
	CHECK_OK(transform_invoke(p, NULL, &o, &r, &e), &e);
	fflush(fp);
	rewind(fp);
	char text[4096] = "";
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = 0;
	CHECK_STR(text, "customer_orders\nstg_customers\nstg_orders\nstg_payments\nshop_customers\n"
			"shop_orders\nshop_payments\n");
	fclose(fp);
	/* compile without a warehouse: ephemeral CTEs, vars, macros */
	struct transform_opts c = TRANSFORM_OPTS_INIT;
	c.verb = TF_VERB_COMPILE;
	c.vars = "{min_amount: 300}";
	CHECK_OK(transform_invoke(p, NULL, &c, &r, &e), &e);
	err_clear(&e);
	char *cp = xasprintf("%s/target/compiled/tinyshop/models/staging/stg_orders.sql", p->dir);
	struct buf b = BUF_INIT;
	CHECK_OK(fs_read_file(cp, &b, 0, &e), &e);
	CHECK(strstr(buf_cstr(&b), "where amount_cents >= 300") != NULL);
	CHECK(strstr(buf_cstr(&b), "round(cast(amount_cents as numeric(28,6)) / 100, 2)") != NULL);
	CHECK(strstr(buf_cstr(&b), "from \"shop\".\"main\".\"shop_orders\"") != NULL);
	buf_free(&b);
	free(cp);
	free(path);
	project_free(p);
}

static void build_shop(struct project *p, const char *schema_check)
{
	struct wh_db *db = NULL;
	struct err e = ERR_INIT;
	REQUIRE(wh_open(&p->target, &db, &e) == 0);
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_BUILD;
	struct transform_report r = {0};
	CHECK_OK(transform_invoke(p, db, &o, &r, &e), &e);
	if (r.error) {
		/* show why: the log holds the summary */
		char *cmd = xasprintf("grep -A3 '^.*Error in' '%s/ingot.log' >&2", p->target_path);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
		free(cmd);
	}
	CHECK_INT(r.pass, 20);
	CHECK_INT(r.error, 0);
	CHECK_INT(r.skip, 0);
	struct wh_conn *c = NULL;
	REQUIRE(wh_connect(db, &c, &e) == 0);
	struct wh_result *res = NULL;
	char *q = xasprintf("select count(*) from %s.customer_orders", schema_check);
	CHECK_OK(wh_query(c, q, NULL, 0, &res, &e), &e);
	if (res)
		CHECK_INT(wh_cell(res, 0, 0)->v.i, 5);
	wh_result_free(res);
	free(q);
	/* a failing test skips what is downstream of its model */
	char *bad = xasprintf("%s/seeds/shop_orders.csv", p->dir);
	FILE *f = fopen(bad, "a");
	REQUIRE(f);
	fputs("100,1,2024-03-01 10:00:00,completed,10\n", f); /* duplicate order_id */
	fclose(f);
	free(bad);
	CHECK(transform_invoke(p, db, &o, &r, &e) == ING_EFAIL);
	err_clear(&e);
	CHECK(r.error >= 1);
	CHECK(r.skip >= 2); /* customer_orders, order_facts and their tests */
	wh_disconnect(c);
	wh_close(db);
}

TEST(transform_build_duckdb)
{
	struct project *p = test_load_shop(NULL);
	REQUIRE(p);
	build_shop(p, "main");
	project_free(p);
}

TEST(transform_build_postgres)
{
	const struct target *t = test_pg_target();
	REQUIRE(t);
	char *prof = xasprintf("tinyshop:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n"
			       "      host: \"%s\"\n      port: %d\n      user: \"%s\"\n"
			       "      dbname: \"%s\"\n      schema: \"%s\"\n      threads: 3\n",
			       t->host, t->port, t->user, t->dbname, t->schema);
	struct project *p = test_load_shop(prof);
	free(prof);
	REQUIRE(p);
	build_shop(p, t->schema);
	project_free(p);
}
