/*
 * tests/unit/test_load.c — load: load_run through its public API on an
 * embedded DuckDB (the CLI tests t04xx cover PostgreSQL and the whole
 * command): reports, reruns, dry runs, failures, selection.
 */
#include "test.h"
#include "config/project.h"
#include "core/fs.h"
#include "core/mem.h"
#include "load/load.h"
#include "warehouse/warehouse.h"

#include <stdlib.h>

static const char *SOURCES =
	"version: 2\n"
	"sources:\n"
	"  - name: raw\n"
	"    schema: bronze\n"
	"    tables:\n"
	"      - name: t\n"
	"        external: {location: \"t/*.csv\", options: {max_bad_records: 5}}\n"
	"        columns: [{name: id, data_type: INT64}, {name: v, data_type: STRING}]\n"
	"      - name: a\n"
	"        tags: [nightly]\n"
	"        external: {location: \"a/*.csv\", options: {write_disposition: append}}\n"
	"        columns: [{name: id, data_type: INT64}, {name: v, data_type: STRING}]\n"
	"      - name: not_loaded\n";

static void put(const char *dir, const char *rel, const char *text)
{
	struct err e = ERR_INIT;
	char *p = path_join(dir, rel);
	char *d = path_dirname(p);
	fs_mkdir_p(d, &e);
	fs_write_atomic(p, text, strlen(text), &e);
	err_clear(&e);
	free(d);
	free(p);
}

struct fixture {
	struct project *p;
	struct wh_db *db;
};

static bool setup(struct fixture *f)
{
	const char *dir = test_tmpdir();
	put(dir, "dbt_project.yml", "name: t\nprofile: t\n");
	put(dir, "models/sources.yml", SOURCES);
	put(dir, "lake/t/1.csv", "id,v\n1,a\n2,b\nx,c\n");
	put(dir, "lake/a/1.csv", "id,v\n10,x\n");
	struct project_opts po = {.project_dir = dir};
	struct err e = ERR_INIT;
	if (project_load(&po, &f->p, &e) || wh_open(&f->p->target, &f->db, &e)) {
		test_fail(__FILE__, __LINE__, "setup: %s", e.msg ? e.msg : "");
		err_clear(&e);
		return false;
	}
	return true;
}

static void teardown(struct fixture *f)
{
	wh_close(f->db);
	project_free(f->p);
}

static long long count(struct wh_db *db, const char *sql)
{
	struct wh_conn *c = NULL;
	struct wh_result *r = NULL;
	struct err e = ERR_INIT;
	long long n = -1;
	if (!wh_connect(db, &c, &e) && !wh_query(c, sql, NULL, 0, &r, &e) && r->nrows)
		n = wh_cell(r, 0, 0)->v.i;
	err_clear(&e);
	wh_result_free(r);
	wh_disconnect(c);
	return n;
}

TEST(load_run_loads_and_reruns_nothing)
{
	struct fixture f;
	REQUIRE(setup(&f));
	struct load_opts o = {0};
	struct load_report r;
	struct err e = ERR_INIT;
	CHECK_OK(load_run(f.p, f.db, &o, &r, &e), &e);
	REQUIRE(r.n == 2);
	CHECK_STR(r.tables[0].relation, "bronze.t");
	CHECK(r.tables[0].status == LOAD_OK);
	CHECK_INT(r.tables[0].rows_read, 3);
	CHECK_INT(r.tables[0].rows_loaded, 2);
	CHECK_INT(r.tables[0].rows_rejected, 1);
	CHECK_INT(r.tables[0].files, 1);
	CHECK(r.load_id && strlen(r.load_id) > 10);
	CHECK_INT(count(f.db, "select count(*) from bronze.t"), 2);
	CHECK_INT(count(f.db, "select count(*) from _ingot.load_rejects where line = 4"), 1);
	load_report_free(&r);

	CHECK_OK(load_run(f.p, f.db, &o, &r, &e), &e);
	CHECK(r.tables[0].status == LOAD_UP_TO_DATE && r.tables[1].status == LOAD_UP_TO_DATE);
	CHECK_INT(r.tables[0].rows_read, 0);
	load_report_free(&r);
	CHECK_INT(count(f.db, "select count(*) from _ingot.loads"), 4);
	teardown(&f);
}

TEST(load_run_dry_run_changes_nothing)
{
	struct fixture f;
	REQUIRE(setup(&f));
	struct load_opts o = {.dry_run = true};
	struct load_report r;
	struct err e = ERR_INIT;
	CHECK_OK(load_run(f.p, f.db, &o, &r, &e), &e);
	REQUIRE(r.n == 2);
	CHECK(r.tables[0].status == LOAD_PLANNED);
	load_report_free(&r);
	CHECK_INT(count(f.db, "select count(*) from information_schema.schemata where schema_name in ('_ingot', 'bronze')"), 0);
	teardown(&f);
}

TEST(load_run_selects_and_refuses_unknown_names)
{
	struct fixture f;
	REQUIRE(setup(&f));
	struct load_report r;
	struct err e = ERR_INIT;
	const char *sel[] = {"tag:nightly"};
	struct load_opts o = {.select = sel, .nselect = 1};
	CHECK_OK(load_run(f.p, f.db, &o, &r, &e), &e);
	REQUIRE(r.n == 1);
	CHECK_STR(r.tables[0].table, "a");
	load_report_free(&r);

	const char *bad[] = {"raw.nope"};
	struct load_opts o2 = {.tables = bad, .ntables = 1};
	CHECK(load_run(f.p, f.db, &o2, &r, &e) == ING_ENOTFOUND);
	CHECK(e.msg && strstr(e.msg, "raw.a") && strstr(e.msg, "raw.t"));
	err_clear(&e);
	load_report_free(&r);

	const char *none[] = {"raw.not_loaded"};
	struct load_opts o3 = {.tables = none, .ntables = 1};
	CHECK(load_run(f.p, f.db, &o3, &r, &e) == ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "no `external` property"));
	err_clear(&e);
	load_report_free(&r);
	teardown(&f);
}

TEST(load_run_failure_rolls_back_one_table)
{
	struct fixture f;
	REQUIRE(setup(&f));
	struct load_report r;
	struct err e = ERR_INIT;
	struct load_opts o = {0};
	CHECK_OK(load_run(f.p, f.db, &o, &r, &e), &e);
	load_report_free(&r);
	/* too many bad rows for t; a bad header for a's new file */
	put(test_tmpdir(), "lake/t/1.csv", "id,v\nx,1\nx,2\nx,3\nx,4\nx,5\nx,6\n7,ok\n");
	put(test_tmpdir(), "lake/a/2.csv", "v,id\nx,1\n");
	CHECK(load_run(f.p, f.db, &o, &r, &e) == ING_EFAIL);
	CHECK_INT(r.failed, 2);
	CHECK(r.tables[0].status == LOAD_FAILED && r.tables[1].status == LOAD_FAILED);
	CHECK(r.tables[0].error && strstr(r.tables[0].error, "6 rows rejected, more than max_bad_records (5)"));
	CHECK_INT(r.tables[0].rows_read, 7);
	CHECK_INT(r.tables[0].rows_rejected, 6);
	CHECK(r.tables[1].error && strstr(r.tables[1].error, "declared: id, v"));
	err_clear(&e);
	load_report_free(&r);
	CHECK_INT(count(f.db, "select count(*) from bronze.t"), 2);
	CHECK_INT(count(f.db, "select count(*) from bronze.a"), 1);
	CHECK_INT(count(f.db, "select count(*) from _ingot.loaded_files"), 2);
	CHECK_INT(count(f.db, "select count(*) from _ingot.loads where status = 'failed'"), 2);
	teardown(&f);
}
