/*
 * tests/fuzz/fuzz_jinja.c — libFuzzer target for the template engine:
 * template text → compile → render, under tight limits (output, range,
 * recursion, iterations), with a small context so attribute, item and
 * method paths are reached. Any crash, leak or sanitizer report is a bug;
 * a crashing input is kept in tests/fuzz/regressions/jinja/ (replayed by
 * the unit tests fuzz_regressions and jinja_fuzz_regressions) and, when
 * Jinja2 can read it, also becomes a golden case.
 *
 * Build and run: make fuzz-jinja (clang -fsanitize=fuzzer,address,undefined),
 * seeded from tests/fuzz/corpus/jinja/.
 */
#include "core/arena.h"
#include "core/buf.h"
#include "jinja/jinja.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int fuzz_jinja_one(const uint8_t *data, size_t size);
#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_jinja_one(data, size);
}
#endif

static const char ctx_json[] =
	"{\"x\": 1, \"f\": 2.5, \"s\": \"str\", \"l\": [1, \"a\", null, true], "
	"\"d\": {\"a\": {\"b\": [1, 2]}, \"k\": \"v\"}, \"cols\": [{\"name\": \"id\"}, {\"name\": \"ts\"}]}";

int fuzz_jinja_one(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	struct jinja_env *env = jinja_env_new();
	struct jinja_limits *lim = jinja_env_limits(env);
	lim->max_output = 1 << 16;
	lim->max_range = 1000;
	lim->max_depth = 40;
	lim->max_iterations = 20000;
	jinja_env_set_global(env, "return", jinja_return_func(env));
	jinja_env_add_block_tag(env, "test", JINJA_TAG_MACRO);
	jinja_env_add_block_tag(env, "docs", JINJA_TAG_NAMED);
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct jinja_value ctx;
	struct jinja_template *t;
	struct buf out = BUF_INIT;
	if (!jinja_value_from_json(a, ctx_json, sizeof(ctx_json) - 1, &ctx, &e) &&
	    !jinja_compile(env, "fuzz", "fuzz.j2", (const char *)data, size, &t, &e)) {
		struct jinja_render_opts ro = {.arena = a};
		jinja_render(t, &ctx, &ro, &out, &e);
	}
	buf_free(&out);
	err_clear(&e);
	arena_free(a);
	jinja_env_free(env);
	return 0;
}
