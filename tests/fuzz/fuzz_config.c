/*
 * tests/fuzz/fuzz_config.c — libFuzzer target for YAML configuration
 * through the real loaders (config/yaml.c on libfyaml, config/project.c,
 * config/sources.c, orchestrate/pipeline.c, transform/parse.c).
 *
 * Input: one mode byte, then a YAML file:
 *   0  dbt_project.yml        project_load (profiles.yml fixed)
 *   1  profiles.yml           project_load (dbt_project.yml fixed), env_var()
 *   2  models/props.yml       project_load + sources_load + the dbt parse of
 *                             properties (models:, seeds:, tests:, ...)
 *   3  pipelines/p.yml        pipeline_parse (from the buffer)
 *   4  any YAML               yaml_load_string alone
 * Files go to one scratch directory made at start. Errors are expected;
 * crashes, leaks, hangs and error messages without a location are not.
 */
#include "config/project.h"
#include "config/sources.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "orchestrate/pipeline.h"
#include "transform/tf_int.h"
#include "fuzz_scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_config_one(const uint8_t *data, size_t size);
#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_config_one(data, size);
}
#endif

static char cfg_dir[256];

static const char cfg_project[] = "name: fz\nversion: '1.0'\nprofile: fz\nmodel-paths: [models]\n";
static const char cfg_profiles[] =
	"fz:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: ':memory:', threads: 1}\n";

static void cfg_write(const char *rel, const void *data, size_t n)
{
	fuzz_scratch_write(cfg_dir, rel, data, n);
}

static void cfg_setup(void)
{
	log_setup(LOG_LVL_ERROR, false); /* log() and warnings: noise here */
	fuzz_scratch_dir(cfg_dir, sizeof(cfg_dir), "config");
	cfg_write("models/m.sql", "select 1 as id\n", 15);
	setenv("FUZZ_SET", "value", 1);
}

int fuzz_config_one(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	if (!cfg_dir[0])
		cfg_setup();
	int mode = data[0] % 5;
	const char *text = (const char *)data + 1;
	size_t n = size - 1;
	struct err e = ERR_INIT;
	struct arena *a = arena_new(0);
	if (mode == 3) {
		struct pipeline *p = NULL;
		pipeline_parse("pipelines/p.yml", text, n, a, &p, &e);
	} else if (mode == 4) {
		struct ynode *root = NULL;
		yaml_load_string(text, n, "f.yml", a, &root, &e);
	} else {
		cfg_write("dbt_project.yml", mode == 0 ? text : cfg_project,
			  mode == 0 ? n : sizeof(cfg_project) - 1);
		cfg_write("profiles.yml", mode == 1 ? text : cfg_profiles,
			  mode == 1 ? n : sizeof(cfg_profiles) - 1);
		cfg_write("models/props.yml", mode == 2 ? text : "version: 2\n", mode == 2 ? n : 11);
		struct project_opts po = {.project_dir = cfg_dir, .profiles_dir = cfg_dir};
		struct project *p = NULL;
		if (!project_load(&po, &p, &e) && mode == 2) {
			struct source_set ss;
			if (!sources_load(p, a, &ss, &e)) {
				struct transform_opts o = TRANSFORM_OPTS_INIT;
				o.verb = TF_VERB_COMPILE;
				o.write_artifacts = false;
				struct tf_proj *tp = NULL;
				tf_parse(p, NULL, &o, &tp, &e);
				tf_proj_free(tp); /* set also on failure */
			}
		}
		project_free(p);
	}
	if (e.code && !e.msg)
		abort(); /* every error says what */
	err_clear(&e);
	arena_free(a);
	return 0;
}
