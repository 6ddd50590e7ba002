/*
 * tests/fuzz/fuzz_scratch.h — the scratch project directory of the fuzz
 * targets that go through the real file loaders (fuzz_config,
 * fuzz_dbt_context): made once per process under $TMPDIR, removed at
 * exit, with files written below it (parent folders made as needed).
 *
 *   char dir[256];
 *   fuzz_scratch_dir(dir, sizeof(dir), "config");
 *   fuzz_scratch_write(dir, "models/m.sql", "select 1", 8);
 *
 * Header-only: tests/unit/test_fuzz.c compiles every target into one
 * translation unit, and each target is also built on its own.
 */
#ifndef INGOT_FUZZ_SCRATCH_H
#define INGOT_FUZZ_SCRATCH_H

#include "core/fs.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_SCRATCH_MAX 8
static char *fuzz_scratch_dirs[FUZZ_SCRATCH_MAX];
static int fuzz_scratch_n;

static void fuzz_scratch_cleanup(void)
{
	for (int i = 0; i < fuzz_scratch_n; i++) {
		struct err e = ERR_INIT;
		fs_remove_tree(fuzz_scratch_dirs[i], &e);
		err_clear(&e);
		free(fuzz_scratch_dirs[i]);
	}
	fuzz_scratch_n = 0;
}

/* Make $TMPDIR/ingot-fuzz-NAME-<random> into dir (aborts on failure: a
 * harness without its directory finds nothing). */
static void fuzz_scratch_dir(char *dir, size_t cap, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, cap, "%s/ingot-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (!mkdtemp(dir) || fuzz_scratch_n == FUZZ_SCRATCH_MAX)
		abort();
	if (!fuzz_scratch_n)
		atexit(fuzz_scratch_cleanup);
	fuzz_scratch_dirs[fuzz_scratch_n++] = xstrdup(dir);
}

static void fuzz_scratch_write(const char *dir, const char *rel, const void *data, size_t n)
{
	char *p = xasprintf("%s/%s", dir, rel);
	char *parent = path_dirname(p);
	struct err e = ERR_INIT;
	if (fs_mkdir_p(parent, &e) || fs_write_atomic(p, data, n, &e)) {
		fprintf(stderr, "fuzz: cannot write %s: %s\n", p, e.msg ? e.msg : "?");
		abort();
	}
	free(parent);
	free(p);
}

#endif
