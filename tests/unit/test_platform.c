/*
 * tests/unit/test_platform.c — the platform's project versions (a stat
 * fingerprint, a 1 s throttle, old versions kept while held, a broken
 * version refused with its location), the warehouse handle shared across
 * versions with the same target and replaced when the target changes, and
 * the connection pool.
 */
#include "test.h"
#include "config/project.h"
#include "core/err.h"
#include "core/fs.h"
#include "core/mem.h"
#include "platform/platform.h"
#include "warehouse/warehouse.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int64_t fake_now = 1000000000;
static int64_t fake_clock(void)
{
	return fake_now;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = path_join(dir, name);
	struct err e = ERR_INIT;
	CHECK_OK(fs_write_atomic(path, text, strlen(text), &e), &e);
	err_clear(&e);
	free(path);
}

static void write_project(const char *dir, const char *name)
{
	char *text = xasprintf("name: %s\nprofile: plat\nvars: {x: 1}\n", name);
	write_file(dir, "dbt_project.yml", text);
	free(text);
}

static void write_profile(const char *dir, const char *db)
{
	char *text = xasprintf("plat:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
			       "      path: \"%s/%s\"\n      threads: 1\n", dir, db);
	write_file(dir, "profiles.yml", text);
	free(text);
}

static struct platform *open_platform(const char *dir)
{
	struct platform_opts o = {.project_dir = dir, .profiles_dir = dir, .now = fake_clock,
				  .require_project = true};
	struct platform *pl = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(platform_open(&o, &pl, &e), &e);
	err_clear(&e);
	return pl;
}

TEST(platform_reload_keeps_old_version_while_held)
{
	const char *dir = test_tmpdir();
	write_project(dir, "first");
	write_profile(dir, "w.duckdb");
	struct platform *pl = open_platform(dir);
	REQUIRE(pl);
	CHECK_INT(platform_project_generation(pl), 1);
	struct project *p1 = platform_project_acquire(pl);
	REQUIRE(p1);
	CHECK_STR(p1->name, "first");

	/* a changed file is not looked at before the throttle's second */
	write_project(dir, "second");
	struct project *q = platform_project_acquire(pl);
	CHECK(q == p1);
	platform_project_release(pl, q);

	fake_now += PLATFORM_CHECK_INTERVAL_US;
	struct project *p2 = platform_project_acquire(pl);
	REQUIRE(p2);
	CHECK(p2 != p1);
	CHECK_STR(p2->name, "second");
	CHECK_INT(platform_project_generation(pl), 2);
	/* the old version is intact while held */
	CHECK_STR(p1->name, "first");
	platform_project_release(pl, p1);

	/* no change: no reload */
	bool reloaded = true;
	struct err e = ERR_INIT;
	CHECK_OK(platform_project_check(pl, &reloaded, &e), &e);
	CHECK(!reloaded);
	CHECK_INT(platform_project_generation(pl), 2);

	/* a properties file under the model path is part of the project */
	char *models = path_join(dir, "models");
	CHECK_OK(fs_mkdir_p(models, &e), &e);
	write_file(models, "schema.yml", "version: 2\nmodels: []\n");
	free(models);
	CHECK_OK(platform_project_check(pl, &reloaded, &e), &e);
	CHECK(reloaded);
	CHECK_INT(platform_project_generation(pl), 3);
	/* so is a pipeline file */
	char *pipes = path_join(dir, "pipelines");
	CHECK_OK(fs_mkdir_p(pipes, &e), &e);
	write_file(pipes, "p.yml", "pipeline: p\ntasks: [{id: a, shell: 'true'}]\n");
	free(pipes);
	CHECK_OK(platform_project_check(pl, &reloaded, &e), &e);
	CHECK(reloaded);
	CHECK_INT(platform_project_generation(pl), 4);

	platform_project_release(pl, p2);
	err_clear(&e);
	platform_close(pl);
}

TEST(platform_broken_version_is_refused_once_with_its_location)
{
	const char *dir = test_tmpdir();
	write_project(dir, "good");
	write_profile(dir, "w.duckdb");
	struct platform *pl = open_platform(dir);
	REQUIRE(pl);
	write_file(dir, "dbt_project.yml", "name: bad\nprofile: plat\nvars: {x: [1\n");
	struct err e = ERR_INIT;
	bool reloaded = true;
	CHECK(platform_project_check(pl, &reloaded, &e) < 0);
	CHECK(!reloaded);
	CHECK(e.file && strstr(e.file, "dbt_project.yml"));
	CHECK(e.line > 0 && e.col > 0);
	err_clear(&e);
	/* the old version stays current */
	struct project *p = platform_project_acquire(pl);
	REQUIRE(p);
	CHECK_STR(p->name, "good");
	platform_project_release(pl, p);
	/* the same broken files are not reported again */
	CHECK_OK(platform_project_check(pl, &reloaded, &e), &e);
	CHECK(!reloaded);
	/* fixed: picked up */
	write_project(dir, "fixed");
	CHECK_OK(platform_project_check(pl, &reloaded, &e), &e);
	CHECK(reloaded);
	p = platform_project_acquire(pl);
	REQUIRE(p);
	CHECK_STR(p->name, "fixed");
	platform_project_release(pl, p);
	err_clear(&e);
	platform_close(pl);
}

/* Does this process hold DuckDB's lock on the file at path? Asked from a
 * child: fcntl locks are per process, and closing any descriptor of the
 * file in this process would drop them. The answer comes through a pipe
 * (under valgrind a child's exit status reports leaks). */
static bool file_locked(const char *path)
{
	int fds[2];
	if (pipe(fds)) {
		test_fail(__FILE__, __LINE__, "pipe failed");
		return false;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		int fd = open(path, O_RDONLY);
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		char answer = fd < 0 || fcntl(fd, F_GETLK, &fl) ? '?' : fl.l_type == F_UNLCK ? 'n' : 'y';
		if (write(fds[1], &answer, 1) != 1)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	char answer = '?';
	if (pid < 0 || read(fds[0], &answer, 1) != 1)
		answer = '?';
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (answer == '?')
		test_fail(__FILE__, __LINE__, "cannot test the lock on %s", path);
	return answer == 'y';
}

static int64_t count_rows(struct wh_db *db, const char *sql)
{
	struct wh_conn *c = NULL;
	struct wh_result *r = NULL;
	struct err e = ERR_INIT;
	int64_t n = -1;
	if (!wh_connect(db, &c, &e) && !wh_query(c, sql, NULL, 0, &r, &e) && r->nrows == 1)
		n = wh_cell(r, 0, 0)->v.i;
	CHECK_OK(e.code, &e);
	wh_result_free(r);
	wh_disconnect(c);
	err_clear(&e);
	return n;
}

TEST(platform_warehouse_shared_across_versions_and_replaced_with_the_target)
{
	const char *dir = test_tmpdir();
	write_project(dir, "a");
	write_profile(dir, "one.duckdb");
	struct platform *pl = open_platform(dir);
	REQUIRE(pl);
	struct err e = ERR_INIT;
	struct project *p1 = platform_project_acquire(pl);
	struct wh_db *db1 = NULL, *db = NULL;
	CHECK_OK(platform_db(pl, p1, &db1, &e), &e);
	REQUIRE(db1);
	CHECK_OK(platform_db(pl, p1, &db, &e), &e);
	CHECK(db == db1);

	/* a var changed, the target did not: the same handle */
	write_project(dir, "b");
	CHECK_OK(platform_project_check(pl, NULL, &e), &e);
	struct project *p2 = platform_project_acquire(pl);
	CHECK(p2 != p1);
	CHECK_OK(platform_db(pl, p2, &db, &e), &e);
	CHECK(db == db1);
	platform_project_release(pl, p1);

	/* the pool hands out connections to the current target and keeps them */
	struct wh_conn *c1 = NULL, *c2 = NULL;
	CHECK_OK(platform_conn_get(pl, &c1, &e), &e);
	CHECK_OK(platform_conn_get(pl, &c2, &e), &e);
	REQUIRE(c1 && c2 && c1 != c2);
	CHECK(wh_conn_db(c1) == db1);
	CHECK_OK(wh_exec(c1, "create table t as select 42 as v", &e), &e);
	platform_conn_put(pl, c1);
	CHECK_INT(platform_pool_idle(pl), 1);
	struct wh_conn *c3 = NULL;
	CHECK_OK(platform_conn_get(pl, &c3, &e), &e);
	CHECK(c3 == c1); /* reused */
	CHECK_INT(platform_pool_idle(pl), 0);
	platform_conn_discard(pl, c3);
	CHECK_INT(platform_pool_idle(pl), 0);

	/* the target changed: new work gets a new handle on the other file;
	 * the old one stays usable for who holds it (p2, c2) */
	write_profile(dir, "two.duckdb");
	CHECK_OK(platform_project_check(pl, NULL, &e), &e);
	struct project *p3 = platform_project_acquire(pl);
	struct wh_db *db3 = NULL;
	CHECK_OK(platform_db(pl, p3, &db3, &e), &e);
	REQUIRE(db3);
	CHECK(db3 != db1);
	CHECK_INT(count_rows(db1, "select count(*) from t"), 1);
	CHECK_INT(count_rows(db3, "select count(*) from information_schema.tables where table_name = 't'"),
		  0);
	char *one = path_join(dir, "one.duckdb");
	platform_project_release(pl, p2);
	CHECK(file_locked(one)); /* c2 still holds it */
	/* a connection of the old target is not kept in the pool */
	CHECK_OK(wh_exec(c2, "select 1", &e), &e);
	platform_conn_put(pl, c2);
	CHECK_INT(platform_pool_idle(pl), 0);
	/* the old handle was closed with its last user */
	CHECK(!file_locked(one));
	free(one);
	platform_project_release(pl, p3);
	err_clear(&e);
	platform_close(pl);
}

TEST(platform_without_a_project)
{
	const char *dir = test_tmpdir();
	struct platform_opts o = {.project_dir = dir, .now = fake_clock};
	struct platform *pl = NULL;
	struct err e = ERR_INIT;
	CHECK_OK(platform_open(&o, &pl, &e), &e);
	REQUIRE(pl);
	CHECK(platform_project_acquire(pl) == NULL);
	struct wh_conn *c = NULL;
	CHECK_INT(platform_conn_get(pl, &c, &e), ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "dbt_project.yml"));
	err_clear(&e);
	char *state = path_join(dir, ".ingot/state.db");
	CHECK_STR(platform_state_path(pl), state);
	free(state);
	/* a project that appears is picked up */
	write_project(dir, "late");
	bool reloaded = false;
	CHECK_OK(platform_project_check(pl, &reloaded, &e), &e);
	CHECK(reloaded);
	struct project *p = platform_project_acquire(pl);
	REQUIRE(p);
	CHECK_STR(p->name, "late");
	platform_project_release(pl, p);
	platform_close(pl);

	/* required: refused with what to do */
	struct platform_opts r = {.project_dir = "/nonexistent-ingot-dir", .require_project = true};
	CHECK(platform_open(&r, &pl, &e) == ING_ECONFIG);
	CHECK(e.msg && strstr(e.msg, "ingot init"));
	err_clear(&e);
}
