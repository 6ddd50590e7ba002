/*
 * tests/unit/test.h — the unit test harness.
 *
 *     TEST(buf_grows) { struct buf b = BUF_INIT; CHECK(buf_puts(&b, "x") == 0); ... }
 *
 * Each TEST registers itself at load time (a constructor) instead of in one
 * shared list header: modules are developed in parallel and a shared list
 * would be a merge conflict on every change. The runner (runner.c) forks
 * each test with a timeout, so a crash or hang fails that test only, and
 * prints one line per test and a final "N passed, N failed".
 *
 * CHECK records a failure and continues; REQUIRE stops the test.
 * CHECK_STR / CHECK_INT print both sides.
 * Tests that need PostgreSQL call test_pg_target(): it returns NULL (and
 * the test fails) unless tests/run-all.sh started a server.
 */
#ifndef INGOT_TEST_H
#define INGOT_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct target;

typedef void (*test_fn)(void);
void test_register(const char *name, const char *file, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
extern int test_failures;

/* A scratch directory for this test (removed afterwards). */
const char *test_tmpdir(void);
/* The tinyshop fixture copied into the scratch dir and loaded (runner.c). */
struct project;
struct project *test_load_shop(const char *profile_yml);
/* A PostgreSQL target for the server tests/run-all.sh started, in a fresh
 * schema; NULL + failure when there is none. */
const struct target *test_pg_target(void);
/* An embedded DuckDB target in the test's scratch dir. */
const struct target *test_duckdb_target(void);

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	__attribute__((constructor)) static void reg_##name(void)           \
	{                                                                   \
		test_register(#name, __FILE__, test_##name);                \
	}                                                                   \
	static void test_##name(void)

#define CHECK(c)                                                            \
	do {                                                                \
		if (!(c))                                                   \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #c);     \
	} while (0)
#define REQUIRE(c)                                                          \
	do {                                                                \
		if (!(c)) {                                                 \
			test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #c);   \
			return;                                             \
		}                                                           \
	} while (0)
#define CHECK_STR(a, b)                                                     \
	do {                                                                \
		const char *a_ = (a), *b_ = (b);                            \
		if (!a_ || !b_ || strcmp(a_, b_))                           \
			test_fail(__FILE__, __LINE__, "%s == %s: '%s' != '%s'", #a, #b, \
				  a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} while (0)
#define CHECK_INT(a, b)                                                     \
	do {                                                                \
		long long a_ = (long long)(a), b_ = (long long)(b);         \
		if (a_ != b_)                                               \
			test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_); \
	} while (0)
/* Fail with the err's message when rc != 0. */
#define CHECK_OK(rc, errp)                                                  \
	do {                                                                \
		int rc_ = (rc);                                             \
		if (rc_)                                                    \
			test_fail(__FILE__, __LINE__, "%s failed (%d): %s", #rc, rc_, \
				  (errp)->msg ? (errp)->msg : "");          \
	} while (0)

#endif
