/*
 * tests/fuzz/fuzz_select.c — libFuzzer target for dbt's node selector
 * language (graph/select.c).
 *
 * Input: lines "SELECT", "EXCLUDE", "INDIRECT" (later lines optional),
 * evaluated against a small project graph (sources, seed, models in
 * folders, tests, a snapshot, an exposure, a disabled model, configs, tags,
 * fingerprints) with a previous state and run results, so every method
 * (tag:, path:, config.X:, state:, result:, +/@/N+ operators ...) is
 * reachable. The result must only hold nodes of the graph.
 */
#include "core/map.h"
#include "graph/graph.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fuzz_select_one(const uint8_t *data, size_t size);
#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_select_one(data, size);
}
#endif

struct sel_spec {
	enum graph_rtype type;
	const char *uid, *name, *path, *deps, *tag, *mat, *body;
	bool disabled;
};

static const struct sel_spec sel_project[] = {
	{GRAPH_SOURCE, "source.shop.raw.orders", "orders", "models/staging/sources.yml", NULL, "raw", NULL, "s1", false},
	{GRAPH_SEED, "seed.shop.codes", "codes", "seeds/codes.csv", NULL, NULL, "seed", "c1", false},
	{GRAPH_MODEL, "model.shop.stg_orders", "stg_orders", "models/staging/stg_orders.sql", "source.shop.raw.orders", "staging", "view", "m1", false},
	{GRAPH_MODEL, "model.shop.fct_orders", "fct_orders", "models/marts/fct_orders.sql", "model.shop.stg_orders seed.shop.codes", "nightly", "table", "m2", false},
	{GRAPH_MODEL, "model.shop.rpt", "rpt", "models/marts/rep/rpt.sql", "model.shop.fct_orders", NULL, "incremental", "m3x", false},
	{GRAPH_MODEL, "model.utils.cal", "cal", "models/cal.sql", NULL, NULL, "table", "u1", false},
	{GRAPH_MODEL, "model.shop.old", "old", "models/old.sql", "model.shop.stg_orders", NULL, "view", NULL, true},
	{GRAPH_SNAPSHOT, "snapshot.shop.snap", "snap", "snapshots/snap.sql", "model.shop.stg_orders", NULL, "snapshot", "n1", false},
	{GRAPH_TEST, "test.shop.not_null_stg_orders_id.1", "not_null_stg_orders_id", "models/staging/schema.yml", "model.shop.stg_orders", NULL, "test", "t1", false},
	{GRAPH_TEST, "test.shop.rel_fct.2", "rel_fct", "models/marts/schema.yml", "model.shop.fct_orders seed.shop.codes", "finance", "test", "t2", false},
	{GRAPH_TEST, "test.shop.assert_pos", "assert_pos", "tests/assert_pos.sql", "model.shop.fct_orders", NULL, "test", "t3", false},
	{GRAPH_EXPOSURE, "exposure.shop.dash", "dash", "models/exposures.yml", "model.shop.rpt", NULL, NULL, "e1", false},
};

static struct graph *sel_g;
static struct graph_state *sel_state;
static struct strmap sel_results = STRMAP_INIT;

static void sel_build(void)
{
	struct err e = ERR_INIT;
	sel_g = graph_new();
	sel_state = graph_state_new();
	static const struct graph_kv cfg[] = {{"materialized", "table"}, {"meta.owner", "ana"},
					      {"severity", "warn"}};
	size_t n = sizeof(sel_project) / sizeof(sel_project[0]);
	for (size_t i = 0; i < n; i++) {
		const struct sel_spec *s = &sel_project[i];
		const char *pkg = strstr(s->uid, ".utils.") ? "utils" : "shop";
		const char *fqn[] = {pkg, "marts", s->name};
		const char *tags[] = {s->tag};
		struct graph_node nd = {
			.type = s->type,
			.unique_id = s->uid,
			.package = pkg,
			.name = s->name,
			.fqn = fqn,
			.nfqn = 3,
			.path = s->path,
			.tags = tags,
			.ntags = s->tag ? 1 : 0,
			.config = cfg,
			.nconfig = i % 3 + 1,
			.materialized = s->mat,
			.disabled = s->disabled,
			.source_name = s->type == GRAPH_SOURCE ? "raw" : NULL,
			.test_kind = s->type != GRAPH_TEST      ? GRAPH_TEST_NONE
				     : strstr(s->path, "tests/") ? GRAPH_TEST_SINGULAR
								 : GRAPH_TEST_GENERIC,
			.test_name = s->type == GRAPH_TEST ? "not_null" : NULL,
			.access = s->type == GRAPH_MODEL ? "public" : NULL,
			.group = i & 1 ? "finance" : NULL,
			.fp = {.body = s->body, .configs = "c"},
		};
		graph_add_node(sel_g, &nd, NULL, &e);
		err_clear(&e);
		if (i % 4 != 3) {
			struct graph_fp old = {.body = i % 2 ? s->body : "old", .configs = "c"};
			graph_state_put(sel_state, s->uid, &old);
		}
		strmap_put(&sel_results, s->uid, (void *)(i % 3 ? "success" : "error"));
	}
	for (size_t i = 0; i < n; i++) {
		if (!sel_project[i].deps)
			continue;
		const char *d = sel_project[i].deps;
		while (*d) {
			size_t k = strcspn(d, " ");
			char tmp[128];
			snprintf(tmp, sizeof(tmp), "%.*s", (int)k, d);
			graph_add_dep(sel_g, sel_project[i].uid, tmp, &e);
			err_clear(&e);
			d += k + (d[k] == ' ');
		}
	}
	graph_seal(sel_g);
}

int fuzz_select_one(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	if (!sel_g)
		sel_build();
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	const char *line[3] = {text, NULL, NULL};
	for (int i = 1; i < 3; i++) {
		char *nl = line[i - 1] ? strchr(line[i - 1], '\n') : NULL;
		if (!nl)
			break;
		*nl = 0;
		line[i] = nl + 1;
	}
	struct graph_sel_opts o = {.root_package = "shop", .state = sel_state,
				   .results = &sel_results};
	struct err e = ERR_INIT;
	if (line[2] && graph_indirect_parse(line[2], &o.indirect, &e))
		o.indirect = GRAPH_INDIRECT_EAGER;
	err_clear(&e);
	o.types = size && (data[0] & 1) ? GRAPH_TYPE_BIT(GRAPH_MODEL) | GRAPH_TYPE_BIT(GRAPH_TEST) : 0;
	const char *sel[1] = {line[0]}, *exc[1] = {line[1]};
	struct graph_set out = GRAPH_SET_INIT;
	if (!graph_select(sel_g, sel, 1, exc, line[1] ? 1 : 0, &o, &out, &e)) {
		for (uint32_t i = graph_set_next(&out, 0); i != GRAPH_NONE; i = graph_set_next(&out, i + 1))
			if (i >= graph_count(sel_g))
				abort();
		uint32_t *order = NULL;
		size_t n = 0;
		if (!graph_toposort(sel_g, &out, &order, &n, &e) && n != graph_set_count(&out))
			abort();
		free(order);
	}
	err_clear(&e);
	graph_set_free(&out);
	free(text);
	return 0;
}
