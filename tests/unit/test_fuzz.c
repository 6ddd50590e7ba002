/*
 * tests/unit/test_fuzz.c — every fuzz target's seeds and regressions, in the
 * normal test run.
 *
 * The targets (tests/fuzz/fuzz_NAME.c) are compiled in here without their
 * libFuzzer entry point (FUZZ_NO_MAIN), and each file of
 * tests/fuzz/corpus/NAME/ and tests/fuzz/regressions/NAME/ is run through
 * the same function the fuzzer calls: an input that once crashed (kept in
 * regressions/) must now pass, here and under `make asan`.
 */
#include "test.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"

#include <stdlib.h>

#define FUZZ_NO_MAIN 1
#include "../fuzz/fuzz_config.c"
#include "../fuzz/fuzz_cron.c"
#include "../fuzz/fuzz_csv.c"
#include "../fuzz/fuzz_dbt_context.c"
#include "../fuzz/fuzz_jinja.c"
#include "../fuzz/fuzz_select.c"

static const struct {
	const char *name;
	int (*one)(const uint8_t *data, size_t size);
} fuzz_targets[] = {
	{"config", fuzz_config_one}, {"cron", fuzz_cron_one},
	{"csv", fuzz_csv_one},       {"dbt_context", fuzz_dbt_context_one},
	{"jinja", fuzz_jinja_one},   {"select", fuzz_select_one},
};

/* Run every file under tests/fuzz/KIND/NAME/; returns how many. */
static size_t replay(const char *kind, const char *name, int (*one)(const uint8_t *, size_t))
{
	const char *root = getenv("INGOT_ROOT");
	char *dir = xasprintf("%s/tests/fuzz/%s/%s", root ? root : ".", kind, name);
	char **files = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	if (fs_glob(dir, "*", &files, &n, &e)) {
		err_clear(&e);
		free(dir);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		struct buf b = BUF_INIT;
		if (fs_read_file(p, &b, 0, &e) == 0)
			one((const uint8_t *)(b.data ? b.data : ""), b.len);
		else
			test_fail(__FILE__, __LINE__, "%s: %s", p, e.msg);
		err_clear(&e);
		buf_free(&b);
		free(p);
	}
	fs_glob_free(files, n);
	free(dir);
	return n;
}

TEST(fuzz_regressions)
{
	/* the targets' scratch projects go under the test's directory */
	setenv("TMPDIR", test_tmpdir(), 1);
	for (size_t i = 0; i < sizeof(fuzz_targets) / sizeof(fuzz_targets[0]); i++) {
		size_t seeds = replay("corpus", fuzz_targets[i].name, fuzz_targets[i].one);
		replay("regressions", fuzz_targets[i].name, fuzz_targets[i].one);
		if (!seeds)
			test_fail(__FILE__, __LINE__, "no seed corpus for fuzz target %s",
				  fuzz_targets[i].name);
	}
}
