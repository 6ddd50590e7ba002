/*
 * tests/unit/runner.c — runs every registered TEST in a child process with
 * a timeout; prints "ok"/"FAIL" per test and a final "N passed, N failed".
 *
 *     unit-tests              all tests
 *     unit-tests PATTERN...   tests whose name contains a pattern
 */
#include "test.h"
#include "config/project.h"
#include "core/arena.h"
#include "core/fs.h"
#include "core/mem.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

struct test {
	const char *name, *file;
	test_fn fn;
};

static struct test *tests;
static size_t ntests, cap;
int test_failures;
static char tmpdir[256];

void test_register(const char *name, const char *file, test_fn fn)
{
	ALLOC_GROW(tests, ntests + 1, cap);
	tests[ntests++] = (struct test){name, file, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	test_failures++;
}

const char *test_tmpdir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "%s/ingot-unit-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(tmpdir))
			abort();
	}
	return tmpdir;
}

/* A copy of the tinyshop fixture (tests/fixtures/dbt/tinyshop) in the
 * test's scratch dir, loaded: with profile_yml as its profiles.yml, or its
 * own DuckDB profile pointed at <tmpdir>/shop.duckdb when NULL. */
struct project *test_load_shop(const char *profile_yml)
{
	char *cmd = xasprintf("cp -r '%s/tests/fixtures/dbt/tinyshop' '%s/shop'",
			      getenv("INGOT_ROOT") ? getenv("INGOT_ROOT") : ".", test_tmpdir());
	int rc = system(cmd);
	free(cmd);
	if (rc != 0) {
		test_fail(__FILE__, __LINE__, "cannot copy the fixture");
		return NULL;
	}
	char *dir = xasprintf("%s/shop", test_tmpdir());
	if (profile_yml) {
		char *pf = xasprintf("%s/profiles.yml", dir);
		struct err e = ERR_INIT;
		fs_write_atomic(pf, profile_yml, strlen(profile_yml), &e);
		err_clear(&e);
		free(pf);
	} else {
		char *db = xasprintf("%s/shop.duckdb", test_tmpdir());
		setenv("TINYSHOP_DB", db, 1);
		free(db);
	}
	struct project_opts po = {.project_dir = dir, .profiles_dir = dir};
	struct project *p = NULL;
	struct err e = ERR_INIT;
	if (project_load(&po, &p, &e)) {
		test_fail(__FILE__, __LINE__, "project_load: %s", e.msg);
		p = NULL;
	}
	err_clear(&e);
	free(dir);
	return p;
}

static struct arena *targ_arena;

const struct target *test_duckdb_target(void)
{
	if (!targ_arena)
		targ_arena = arena_new(0);
	struct target *t = arena_zalloc(targ_arena, sizeof(*t));
	t->profile_name = "test";
	t->name = "dev";
	t->type = "duckdb";
	t->path = arena_printf(targ_arena, "%s/test.duckdb", test_tmpdir());
	t->schema = "main";
	t->database = "test";
	t->threads = 2;
	t->lake_root = test_tmpdir();
	return t;
}

const struct target *test_pg_target(void)
{
	const char *host = getenv("INGOT_TEST_PGHOST"), *port = getenv("INGOT_TEST_PGPORT");
	if (!host || !port) {
		test_fail(__FILE__, __LINE__,
			  "no PostgreSQL test server (run through tests/run-all.sh, which starts one)");
		return NULL;
	}
	if (!targ_arena)
		targ_arena = arena_new(0);
	struct target *t = arena_zalloc(targ_arena, sizeof(*t));
	t->profile_name = "test";
	t->name = "pg";
	t->type = "postgres";
	t->host = host;
	t->port = atoi(port);
	t->user = getenv("INGOT_TEST_PGUSER") ? getenv("INGOT_TEST_PGUSER") : "postgres";
	t->dbname = getenv("INGOT_TEST_PGDATABASE") ? getenv("INGOT_TEST_PGDATABASE") : "postgres";
	t->schema = arena_printf(targ_arena, "t%ld", (long)getpid());
	t->database = t->dbname;
	t->threads = 2;
	t->lake_root = test_tmpdir();
	return t;
}

static bool wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	unsigned timeout = getenv("INGOT_TEST_TIMEOUT") ? (unsigned)atoi(getenv("INGOT_TEST_TIMEOUT")) : 120;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < ntests; i++) {
		if (!wanted(tests[i].name, argc, argv))
			continue;
		fflush(stdout);
		fflush(stderr);
		pid_t pid = fork();
		if (pid == 0) {
			alarm(timeout);
			tests[i].fn();
			if (tmpdir[0]) {
				struct err e = ERR_INIT;
				fs_remove_tree(tmpdir, &e);
				err_clear(&e);
			}
			arena_free(targ_arena);
#ifdef HAVE_LSAN
			/* _exit skips LeakSanitizer's atexit check: run it here */
			if (__lsan_do_recoverable_leak_check())
				test_failures++;
#endif
			_exit(test_failures ? 1 : 0);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (ok) {
			passed++;
			printf("ok   %s\n", tests[i].name);
		} else {
			failed++;
			if (WIFSIGNALED(st))
				printf("FAIL %s (%s, signal %d%s)\n", tests[i].name, tests[i].file,
				       WTERMSIG(st), WTERMSIG(st) == SIGALRM ? ": timed out" : "");
			else
				printf("FAIL %s (%s)\n", tests[i].name, tests[i].file);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	free(tests);
	return failed ? 1 : 0;
}
