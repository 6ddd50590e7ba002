/*
 * tests/fuzz/fuzz_dbt_context.c — libFuzzer target for the dbt Jinja
 * context (transform/context.c): ref, source, config, var, env_var, this,
 * target, is_incremental, adapter.*, api.Relation, statement/load_result,
 * log, exceptions, modules, graph ... called with arbitrary arguments.
 *
 * A small project (two models, a source, a macro, vars) is written to a
 * scratch directory at start and parsed for every input (tf_parse, no
 * warehouse); the input is then compiled as a template in the project's
 * environment and rendered as a model's body three ways: in the parse pass
 * (config()/ref() record into the node), in the compile pass (execute is
 * False, refs resolve to relations) and as a free-standing string (hooks,
 * compile --inline), then as the model's pre/post hooks and as the
 * run's on-run-start/end hooks (rendered and trimmed as a run does; nothing
 * is executed). Limits keep each render small; errors are expected.
 */
#include "config/project.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "jinja/jinja.h"
#include "transform/tf_int.h"
#include "fuzz_scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_dbt_context_one(const uint8_t *data, size_t size);
void tf__context_finish(struct tf_proj *tp); /* transform/context.c: the graph global */
#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_dbt_context_one(data, size);
}
#endif

static char ctx_dir[256];
static struct project *ctx_project;

static const struct {
	const char *rel, *text;
} ctx_files[] = {
	{"dbt_project.yml", "name: fz\nversion: '1.0'\nprofile: fz\nmodel-paths: [models]\n"
			    "macro-paths: [macros]\nvars: {n: 3, s: abc, l: [1, 2], d: {k: v}}\n"
			    "models:\n  fz:\n    +materialized: view\n"},
	{"profiles.yml", "fz:\n  target: dev\n  outputs:\n"
			 "    dev: {type: duckdb, path: ':memory:', schema: main, threads: 1}\n"},
	{"models/stg.sql", "select 1 as id, 'a' as name\n"},
	{"models/fct.sql", "{{ config(materialized='incremental', unique_key='id', tags=['t']) }}\n"
			   "select * from {{ ref('stg') }} join {{ source('raw', 'orders') }} using (id)\n"},
	{"models/sources.yml", "version: 2\nsources:\n  - name: raw\n    schema: bronze\n"
			       "    tables: [{name: orders, columns: [{name: id, data_type: INT64}]}]\n"
			       "models:\n  - name: stg\n    columns: [{name: id, tests: [unique]}]\n"},
	{"macros/m.sql", "{% macro cents(x, scale=2) %}({{ x }} / 100)::numeric(16, {{ scale }})"
			 "{% endmacro %}\n{% macro ret(v) %}{{ return(v) }}{% endmacro %}\n"},
};

static void ctx_setup(void)
{
	log_setup(LOG_LVL_ERROR, false); /* log() and warnings: noise here */
	fuzz_scratch_dir(ctx_dir, sizeof(ctx_dir), "ctx");
	for (size_t i = 0; i < sizeof(ctx_files) / sizeof(ctx_files[0]); i++)
		fuzz_scratch_write(ctx_dir, ctx_files[i].rel, ctx_files[i].text,
				   strlen(ctx_files[i].text));
	struct err e = ERR_INIT;
	setenv("FUZZ_SET", "value", 1);
	struct project_opts po = {.project_dir = ctx_dir, .profiles_dir = ctx_dir};
	if (project_load(&po, &ctx_project, &e)) {
		fprintf(stderr, "fuzz_dbt_context: %s\n", e.msg ? e.msg : "setup failed");
		abort();
	}
}

static void ctx_limits(struct jinja_env *env)
{
	struct jinja_limits *lim = jinja_env_limits(env);
	lim->max_output = 1 << 16;
	lim->max_range = 1000;
	lim->max_depth = 40;
	lim->max_iterations = 20000;
}

int fuzz_dbt_context_one(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	if (!ctx_project)
		ctx_setup();
	char *src = xmalloc(size + 1);
	memcpy(src, data, size);
	src[size] = 0;
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_COMPILE;
	o.write_artifacts = false;
	struct tf_proj *tp = NULL;
	struct err e = ERR_INIT;
	if (tf_parse(ctx_project, NULL, &o, &tp, &e)) {
		fprintf(stderr, "fuzz_dbt_context: the fixed project does not parse: %s\n", e.msg);
		abort();
	}
	tf__context_finish(tp);
	ctx_limits(tp->env);
	struct tf_node *fct = NULL;
	for (size_t i = 0; i < tp->nodes.len; i++)
		if (!strcmp(tp->nodes.items[i]->unique_id, "model.fz.fct"))
			fct = tp->nodes.items[i];
	if (!fct)
		abort();
	struct jinja_template *t = NULL;
	struct buf out = BUF_INIT;
	if (!jinja_compile(tp->env, "fct", "models/fct.sql", src, size, &t, &e)) {
		struct jinja_template *keep = fct->tmpl;
		fct->tmpl = t;
		tf_render_node(tp, fct, true, false, NULL, &out, &e);
		err_clear(&e);
		buf_reset(&out);
		tf_render_node(tp, fct, false, false, NULL, &out, &e);
		fct->tmpl = keep;
	}
	err_clear(&e);
	buf_reset(&out);
	tf_render_string(tp, NULL, "inline", src, NULL, false, &out, &e);
	err_clear(&e);
	buf_free(&out);
	/* the input as the node's post-hooks (a string and a {sql: ...} dict)
	 * and as on-run-start/end: rendered and trimmed as a run does (no
	 * warehouse here, so nothing is executed) */
	if (fct->config.type == JINJA_DICT) {
		struct jinja_value hooks = jinja_list_new(tp->arena, 2), d = jinja_dict_new(tp->arena);
		jinja_list_push(hooks, jinja_str(tp->arena, src, size));
		jinja_dict_set_str(d, "sql", jinja_str(tp->arena, src, size));
		jinja_list_push(hooks, d);
		jinja_dict_set_str(fct->config, "post-hook", hooks);
		tf_run_hooks(tp, fct, NULL, "post-hook", false, &e);
		err_clear(&e);
		tf_run_hook(tp, fct, NULL, "pre-hook", src, false, &e);
		err_clear(&e);
	}
	tf_run_hook(tp, NULL, NULL, "on-run-start", src, false, &e);
	err_clear(&e);
	tf_run_hook(tp, NULL, NULL, "on-run-end", src, false, &e);
	err_clear(&e);
	tf_proj_free(tp);
	free(src);
	return 0;
}
