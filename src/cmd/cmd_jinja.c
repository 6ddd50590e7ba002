/*
 * cmd/cmd_jinja.c — `ingot jinja render FILE [--context FILE.json] [--macros DIR]`:
 * render one template with a JSON context and print the text or the error.
 *
 * For macro authors to debug templates, and for the differential tests
 * against Python's Jinja2 (tests/golden/jinja). The output is written
 * byte for byte (no newline added). Macro files under --macros (*.sql,
 * *.j2, *.jinja, recursively) are loaded into one global namespace, as a
 * dbt project's macros are; `return()` is registered as in dbt.
 *
 * `ingot jinja bench DIR` measures the engine for bench/jinja.sh: every
 * *.sql under DIR is compiled once and rendered --rounds times with the
 * same context and macros; it prints the per-template compile and render
 * times (the same work bench/jinja.sh asks of Python's Jinja2).
 *
 * Not here: dbt's context (ref, source, config, ...): that is the
 * transform layer's. Exit 0 rendered, 1 template error, 2 usage/IO error.
 */
#include "cmd/commands.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/mem.h"
#include "jinja/jinja.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt opts[] = {
	{"context", 'c', OPT_STR, "FILE.json", "a JSON object whose keys become template variables"},
	{"macros", 'm', OPT_STR, "DIR", "load every *.sql/*.j2/*.jinja file under DIR as macros"},
	{0},
};

static bool macro_file(const char *p)
{
	return str_endswith(p, ".sql") || str_endswith(p, ".j2") || str_endswith(p, ".jinja");
}

static int load_macros(struct jinja_env *env, const char *dir, struct err *e)
{
	char **files = NULL;
	size_t n = 0;
	int rc = fs_glob(dir, "**/*", &files, &n, e);
	if (rc)
		return rc;
	jinja_env_namespace(env, "macros", JINJA_NS_GLOBAL);
	for (size_t i = 0; i < n && !rc; i++) {
		if (!macro_file(files[i]))
			continue;
		char *path = path_join(dir, files[i]);
		struct buf src = BUF_INIT;
		rc = fs_read_file(path, &src, 0, e);
		if (!rc)
			rc = jinja_env_load_macros(env, "macros", files[i], path, buf_cstr(&src), src.len, NULL, e);
		buf_free(&src);
		free(path);
	}
	fs_glob_free(files, n);
	return rc;
}

static int run(struct cmd_ctx *c)
{
	const char *ctx_file = cmd_str(c, "context", NULL), *macros = cmd_str(c, "macros", NULL);
	if (c->pos.len != 1) {
		err_set(&c->err, ING_EINVAL, "usage: %s", c->spec->usage);
		return 2;
	}
	const char *file = c->pos.items[0];
	struct jinja_env *env = jinja_env_new();
	struct arena *a = arena_new(0);
	struct buf src = BUF_INIT, js = BUF_INIT, out = BUF_INIT;
	struct jinja_value ctx = jinja_undefined();
	struct jinja_template *t = NULL;
	int rc = 2;
	jinja_env_set_global(env, "return", jinja_return_func(env));
	if (fs_read_file(file, &src, 0, &c->err))
		goto out;
	if (ctx_file) {
		if (fs_read_file(ctx_file, &js, 0, &c->err) ||
		    jinja_value_from_json(a, buf_cstr(&js), js.len, &ctx, &c->err)) {
			err_prefix(&c->err, "%s", ctx_file);
			goto out;
		}
		if (ctx.type != JINJA_DICT) {
			err_set(&c->err, ING_EINVAL, "%s: the context must be a JSON object", ctx_file);
			goto out;
		}
	}
	if (macros && load_macros(env, macros, &c->err)) {
		rc = fs_is_dir(macros) ? 1 : 2;
		goto out;
	}
	rc = 1;
	if (jinja_compile(env, file, file, buf_cstr(&src), src.len, &t, &c->err))
		goto out;
	struct jinja_render_opts ro = {.arena = a};
	if (jinja_render(t, ctx.type == JINJA_DICT ? &ctx : NULL, &ro, &out, &c->err))
		goto out;
	fwrite(buf_cstr(&out), 1, out.len, c->out);
	fflush(c->out);
	rc = 0;
out:
	buf_free(&src);
	buf_free(&js);
	buf_free(&out);
	arena_free(a);
	jinja_env_free(env);
	return rc;
}

const struct cmd_spec cmd_jinja_render = {
	.name = "jinja render",
	.summary = "render a Jinja template with a JSON context (for macro authors)",
	.usage = "ingot jinja render FILE [--context FILE.json] [--macros DIR]",
	.opts = opts,
	.flags = CMD_POSITIONAL,
	.run = run,
};

static const struct opt bench_opts[] = {
	{"context", 'c', OPT_STR, "FILE.json", "the context every template is rendered with"},
	{"macros", 'm', OPT_STR, "DIR", "macro files to load first"},
	{"rounds", 'n', OPT_INT, "N", "renders per template (default 10)"},
	{0},
};

static int run_bench(struct cmd_ctx *c)
{
	const char *ctx_file = cmd_str(c, "context", NULL), *macros = cmd_str(c, "macros", NULL);
	long long rounds = cmd_int(c, "rounds", 10);
	if (c->pos.len != 1 || rounds < 1) {
		err_set(&c->err, ING_EINVAL, "usage: %s", c->spec->usage);
		return 2;
	}
	const char *dir = c->pos.items[0];
	struct jinja_env *env = jinja_env_new();
	struct arena *ca = arena_new(0), *ra = arena_new(256 * 1024);
	struct buf js = BUF_INIT, out = BUF_INIT;
	struct jinja_value ctx = jinja_undefined();
	char **files = NULL;
	size_t n = 0, ntpl = 0, bytes = 0;
	VEC(struct jinja_template *) tpls = VEC_INIT;
	int rc = 2;
	jinja_env_set_global(env, "return", jinja_return_func(env));
	if (ctx_file && (fs_read_file(ctx_file, &js, 0, &c->err) ||
			 jinja_value_from_json(ca, buf_cstr(&js), js.len, &ctx, &c->err)))
		goto out;
	if (macros && load_macros(env, macros, &c->err))
		goto out;
	if (fs_glob(dir, "**/*.sql", &files, &n, &c->err))
		goto out;
	rc = 1;
	double t0 = mono_seconds();
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(dir, files[i]);
		struct buf src = BUF_INIT;
		struct jinja_template *t;
		int r = fs_read_file(path, &src, 0, &c->err);
		double s0 = mono_seconds();
		if (!r)
			r = jinja_compile(env, files[i], path, buf_cstr(&src), src.len, &t, &c->err);
		t0 += mono_seconds() - s0; /* count compile time only, not file reads */
		buf_free(&src);
		free(path);
		if (r)
			goto out;
		vec_push(&tpls, t);
	}
	double compile_s = mono_seconds() - t0;
	ntpl = tpls.len;
	double r0 = mono_seconds();
	for (long long k = 0; k < rounds; k++)
		for (size_t i = 0; i < ntpl; i++) {
			struct jinja_render_opts ro = {.arena = ra};
			buf_reset(&out);
			if (jinja_render(tpls.items[i], ctx.type == JINJA_DICT ? &ctx : NULL, &ro, &out, &c->err))
				goto out;
			bytes += out.len;
			arena_reset(ra);
		}
	double render_s = mono_seconds() - r0;
	fprintf(c->out, "templates %zu\nrounds %lld\noutput_bytes %zu\ncompile_us_per_template %.2f\n"
	       "render_us_per_template %.2f\n",
	       ntpl, rounds, bytes / (size_t)rounds, ntpl ? compile_s * 1e6 / (double)ntpl : 0.0,
	       ntpl ? render_s * 1e6 / ((double)ntpl * (double)rounds) : 0.0);
	rc = 0;
out:
	fs_glob_free(files, n);
	vec_free(&tpls);
	buf_free(&js);
	buf_free(&out);
	arena_free(ca);
	arena_free(ra);
	jinja_env_free(env);
	return rc;
}

const struct cmd_spec cmd_jinja_bench = {
	.name = "jinja bench",
	.summary = "time compiling and rendering every *.sql template under DIR",
	.usage = "ingot jinja bench DIR [--context FILE.json] [--macros DIR] [--rounds N]",
	.opts = bench_opts,
	.flags = CMD_POSITIONAL,
	.run = run_bench,
};
