/*
 * tests/unit/test_perrun.c — per-run artifacts and reentrant transform_invoke.
 *
 * Two threads run transform_invoke(build) at once on one project and one
 * wh_db (DuckDB; PostgreSQL when tests/run-all.sh started a server), with
 * selections that build different models. Each run must succeed, its run
 * directory must hold its own complete run_results.json (the right node
 * count, every status success/pass), target/ must hold exactly one run's
 * artifacts (the one that published last: its files are hard links of that
 * run's files, the manifest from the same run), the compiled/ tree must
 * carry both runs' listings, and the tables must be right. Several rounds
 * shake out races.
 */
#include "test.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct job {
	struct project *p;
	struct wh_db *db;
	const char *select, *exclude;
	int rc;
	struct transform_report rep;
	char msg[512];
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_BUILD;
	o.select = j->select;
	o.exclude = j->exclude;
	o.threads = 2;
	struct err e = ERR_INIT;
	j->rc = transform_invoke(j->p, j->db, &o, &j->rep, &e);
	snprintf(j->msg, sizeof(j->msg), "%s", e.msg ? e.msg : "");
	err_clear(&e);
	return NULL;
}

/* Check one run's run_results.json: `total` results, all success/pass. */
static void check_results(const char *path, int total, const char *must_have)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root) {
		test_fail(__FILE__, __LINE__, "%s: %s", path, je.text);
		return;
	}
	json_t *res = json_object_get(root, "results");
	CHECK(json_is_array(res));
	CHECK_INT(json_array_size(res), total);
	bool found = false;
	size_t i;
	json_t *r;
	json_array_foreach(res, i, r) {
		const char *st = json_string_value(json_object_get(r, "status"));
		const char *uid = json_string_value(json_object_get(r, "unique_id"));
		if (!st || (strcmp(st, "success") && strcmp(st, "pass")))
			test_fail(__FILE__, __LINE__, "%s: %s has status %s", path, uid ? uid : "?",
				  st ? st : "(none)");
		if (uid && !strcmp(uid, must_have))
			found = true;
	}
	if (!found)
		test_fail(__FILE__, __LINE__, "%s: no result for %s", path, must_have);
	json_decref(root);
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/* The same bytes (a published listing whose bytes did not change stays the
 * file an earlier run published: compare content, not identity). */
static bool same_bytes(const char *a, const char *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	struct err e = ERR_INIT;
	bool same = !fs_read_file(a, &x, 0, &e) && !fs_read_file(b, &y, 0, &e) && x.len == y.len &&
		    (!x.len || !memcmp(x.data, y.data, x.len));
	err_clear(&e);
	buf_free(&x);
	buf_free(&y);
	return same;
}

static int count_runs(const char *target)
{
	char *runs = path_join(target, "runs");
	DIR *d = opendir(runs);
	free(runs);
	int n = 0;
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int64_t count_rows(struct wh_db *db, const char *schema, const char *table)
{
	struct wh_conn *c = NULL;
	struct err e = ERR_INIT;
	int64_t n = -1;
	if (wh_connect(db, &c, &e) == 0) {
		struct wh_result *res = NULL;
		char *q = xasprintf("select count(*) from %s.%s", schema, table);
		if (wh_query(c, q, NULL, 0, &res, &e) == 0 && res)
			n = wh_cell(res, 0, 0)->v.i;
		wh_result_free(res);
		free(q);
		wh_disconnect(c);
	}
	if (e.code)
		test_fail(__FILE__, __LINE__, "count %s.%s: %s", schema, table, e.msg ? e.msg : "");
	err_clear(&e);
	return n;
}

static void concurrent_builds(struct project *p, const char *schema)
{
	struct wh_db *db = NULL;
	struct err e = ERR_INIT;
	REQUIRE(wh_open(&p->target, &db, &e) == 0);
	/* the seeds both selections read */
	struct transform_opts so = TRANSFORM_OPTS_INIT;
	so.verb = TF_VERB_SEED;
	struct transform_report sr = {0};
	CHECK_OK(transform_invoke(p, db, &so, &sr, &e), &e);
	err_clear(&e);
	CHECK_INT(sr.pass, 3);
	const char *target = p->target_path;
	char *tr = path_join(target, "run_results.json");
	char *tm = path_join(target, "manifest.json");
	for (int round = 0; round < 3; round++) {
		/* A: stg_customers (a view) and its 2 tests; B: stg_orders (a
		 * view), order_facts (incremental) and their tests. Neither
		 * reads what the other replaces (the relationships test reads
		 * both: left out), as two builds at once in dbt must not */
		struct job a = {p, db, "stg_customers", "stg_orders+", 0, {0}, ""};
		struct job b = {p, db, "stg_orders order_facts", "stg_customers+", 0, {0}, ""};
		pthread_t ta, tb;
		REQUIRE(pthread_create(&ta, NULL, job_main, &a) == 0);
		REQUIRE(pthread_create(&tb, NULL, job_main, &b) == 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		if (a.rc || b.rc)
			test_fail(__FILE__, __LINE__, "round %d: A rc=%d (%s), B rc=%d (%s)", round, a.rc,
				  a.msg, b.rc, b.msg);
		CHECK_INT(a.rep.error + a.rep.skip, 0);
		CHECK_INT(b.rep.error + b.rep.skip, 0);
		CHECK(a.rep.total == 3);
		CHECK(b.rep.total > 3);
		CHECK(a.rep.run_id[0] && b.rep.run_id[0] && strcmp(a.rep.run_id, b.rep.run_id));
		/* each run's own, complete results */
		char *ar = path_join(a.rep.run_dir, "run_results.json");
		char *br = path_join(b.rep.run_dir, "run_results.json");
		check_results(ar, a.rep.total, "model.tinyshop.stg_customers");
		check_results(br, b.rep.total, "model.tinyshop.order_facts");
		/* target/ holds the run that published last, whole */
		bool is_a = same_file(tr, ar), is_b = same_file(tr, br);
		CHECK(is_a != is_b);
		struct job *last = is_a ? &a : &b;
		char *lm = path_join(last->rep.run_dir, "manifest.json");
		CHECK(same_file(tm, lm));
		struct buf x = BUF_INIT, y = BUF_INIT;
		CHECK_OK(fs_read_file(tr, &x, 0, &e), &e);
		CHECK_OK(fs_read_file(is_a ? ar : br, &y, 0, &e), &e);
		err_clear(&e);
		CHECK(x.len > 0 && x.len == y.len && !memcmp(x.data, y.data, x.len));
		buf_free(&x);
		buf_free(&y);
		/* the compiled tree: both runs' listings, the last run's content */
		char *ca = xasprintf("%s/compiled/tinyshop/models/staging/stg_customers.sql", target);
		char *cb = xasprintf("%s/compiled/tinyshop/models/marts/finance/order_facts.sql", target);
		char *la = xasprintf("%s/compiled/tinyshop/models/staging/stg_customers.sql",
				     a.rep.run_dir);
		char *lb = xasprintf("%s/compiled/tinyshop/models/marts/finance/order_facts.sql",
				     b.rep.run_dir);
		CHECK(fs_exists(ca) && fs_exists(cb));
		CHECK(same_bytes(is_a ? ca : cb, is_a ? la : lb));
		free(ca);
		free(cb);
		free(la);
		free(lb);
		free(lm);
		free(ar);
		free(br);
	}
	/* the tables */
	CHECK_INT(count_rows(db, schema, "stg_customers"), 5);
	CHECK_INT(count_rows(db, schema, "stg_orders"), 7);
	char *fin = xasprintf("%s_finance", schema);
	CHECK_INT(count_rows(db, fin, "order_facts"), 7);
	free(fin);
	/* 1 seed run + 3 rounds of 2 */
	CHECK_INT(count_runs(target), 7);
	free(tr);
	free(tm);
	wh_close(db);
}

TEST(perrun_concurrent_builds_duckdb)
{
	struct project *p = test_load_shop(NULL);
	REQUIRE(p);
	concurrent_builds(p, "main");
	project_free(p);
}

TEST(perrun_concurrent_builds_postgres)
{
	if (!getenv("INGOT_TEST_PGHOST")) {
		fprintf(stderr, "perrun_concurrent_builds_postgres: skipped (INGOT_TEST_PGHOST unset)\n");
		return;
	}
	const struct target *t = test_pg_target();
	REQUIRE(t);
	char *prof = xasprintf("tinyshop:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n"
			       "      host: \"%s\"\n      port: %d\n      user: \"%s\"\n"
			       "      dbname: \"%s\"\n      schema: \"%s\"\n      threads: 3\n",
			       t->host, t->port, t->user, t->dbname, t->schema);
	struct project *p = test_load_shop(prof);
	free(prof);
	REQUIRE(p);
	concurrent_builds(p, t->schema);
	project_free(p);
}

/* A run that writes artifacts keeps the last 10 run directories, leaves a
 * run in progress alone, deletes a crashed one; ls writes none. */
TEST(perrun_prunes_old_runs_and_ls_writes_none)
{
	struct project *p = test_load_shop(NULL);
	REQUIRE(p);
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_COMPILE;
	o.select = "stg_orders";
	struct transform_report r = {0};
	struct err e = ERR_INIT;
	char first[64] = "";
	/* two old runs: one still in progress (its lock held), one crashed */
	char *busy = xasprintf("%s/runs/20000101T000000.000Z-1-1", p->target_path);
	char *dead = xasprintf("%s/runs/20000101T000000.000Z-1-2", p->target_path);
	CHECK_OK(fs_mkdir_p(busy, &e), &e);
	CHECK_OK(fs_mkdir_p(dead, &e), &e);
	char *bl = path_join(busy, ".running"), *dl = path_join(dead, ".running");
	int bfd = fs_lock(bl, true, &e);
	int dfd = fs_lock(dl, true, &e);
	CHECK(bfd >= 0 && dfd >= 0);
	if (dfd >= 0)
		close(dfd); /* its process is gone */
	for (int i = 0; i < 12; i++) {
		CHECK_OK(transform_invoke(p, NULL, &o, &r, &e), &e);
		err_clear(&e);
		if (!i)
			snprintf(first, sizeof(first), "%s", r.run_id);
	}
	CHECK_INT(count_runs(p->target_path), 11);
	CHECK(fs_exists(busy));
	CHECK(!fs_exists(dead));
	if (bfd >= 0)
		close(bfd);
	free(bl);
	free(dl);
	free(busy);
	free(dead);
	char *gone = xasprintf("%s/runs/%s", p->target_path, first);
	CHECK(!fs_exists(gone));
	free(gone);
	CHECK(fs_exists(r.run_dir));
	char *cp = xasprintf("%s/compiled/tinyshop/models/staging/stg_orders.sql", p->target_path);
	CHECK(fs_exists(cp));
	free(cp);
	struct transform_opts l = TRANSFORM_OPTS_INIT;
	l.verb = TF_VERB_LS;
	CHECK_OK(transform_invoke(p, NULL, &l, &r, &e), &e); /* console NULL: silent */
	err_clear(&e);
	CHECK(r.no_op > 0);
	CHECK_STR(r.run_id, "");
	CHECK_INT(count_runs(p->target_path), 11);
	project_free(p);
}
