/*
 * bench/graph_bench.c — times graph/ on a dbt-shaped project: 2,000 models
 * in 20 folders, each ref'ing up to three earlier models (model i refs
 * i-7, i-14, i-21; the first twenty read a source each), 3 tests per model.
 * Prints one "phase seconds" line per phase for bench/graph.sh, which also
 * runs the same work in Python on networkx (bench/graph_ref.py).
 *
 *     graph_bench [REPEAT]
 */
#include "core/err.h"
#include "graph/graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { M = 2000, SOURCES = 20 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct graph *build(void)
{
	struct graph *g = graph_new();
	struct err e = ERR_INIT;
	char uid[96], name[32], folder[16], path[96], puid[96];
	for (int s = 0; s < SOURCES; s++) {
		snprintf(name, sizeof(name), "t%02d", s);
		snprintf(uid, sizeof(uid), "source.big.raw.%s", name);
		const char *fqn[] = {"big", "raw", name};
		struct graph_node n = {.type = GRAPH_SOURCE, .unique_id = uid, .package = "big",
				       .name = name, .source_name = "raw", .fqn = fqn, .nfqn = 3,
				       .path = "models/sources.yml"};
		graph_add_node(g, &n, NULL, &e);
	}
	for (int i = 0; i < M; i++) {
		snprintf(name, sizeof(name), "m%04d", i);
		snprintf(uid, sizeof(uid), "model.big.%s", name);
		snprintf(folder, sizeof(folder), "f%02d", i % 20);
		snprintf(path, sizeof(path), "models/%s/%s.sql", folder, name);
		const char *fqn[] = {"big", folder, name};
		const char *tags[] = {i % 2 ? "odd" : "even"};
		struct graph_node n = {.type = GRAPH_MODEL, .unique_id = uid, .package = "big",
				       .name = name, .fqn = fqn, .nfqn = 3, .path = path,
				       .tags = tags, .ntags = 1, .materialized = "view"};
		uint32_t mi;
		graph_add_node(g, &n, &mi, &e);
		if (i < SOURCES) {
			snprintf(puid, sizeof(puid), "source.big.raw.t%02d", i);
			graph_add_dep(g, uid, puid, &e);
		}
		for (int k = 1; k <= 3 && i - 7 * k >= 0; k++) {
			snprintf(puid, sizeof(puid), "model.big.m%04d", i - 7 * k);
			graph_add_dep(g, uid, puid, &e);
		}
		for (int t = 0; t < 3; t++) {
			char tuid[128], tname[48], tpath[64];
			snprintf(tname, sizeof(tname), "t%d_%s", t, name);
			snprintf(tuid, sizeof(tuid), "test.big.%s.%010d", tname, i * 3 + t);
			snprintf(tpath, sizeof(tpath), "models/%s/schema.yml", folder);
			const char *tf[] = {"big", folder, tname};
			struct graph_node tn = {.type = GRAPH_TEST, .unique_id = tuid, .package = "big",
						.name = tname, .fqn = tf, .nfqn = 3, .path = tpath,
						.test_kind = GRAPH_TEST_GENERIC, .test_name = "not_null"};
			uint32_t ti;
			graph_add_node(g, &tn, &ti, &e);
			graph_add_edge(g, ti, mi);
		}
	}
	err_clear(&e);
	graph_seal(g);
	return g;
}

static const char *selects[][2] = {
	{"+m1999", NULL},
	{"tag:odd,path:models/f03", NULL},
	{"f07.*", NULL},
	{"@m0500", NULL},
	{"m0100+", "tag:even"},
	{"source:raw+1 m1500+2", NULL},
};

int main(int argc, char **argv)
{
	int repeat = argc > 1 ? atoi(argv[1]) : 5;
	double t_build = 0, t_select = 0, t_sched = 0, t_build_sched = 0;
	size_t nodes = 0, picked = 0, scheduled = 0;
	for (int r = 0; r < repeat; r++) {
		double t0 = now();
		struct graph *g = build();
		double t1 = now();
		struct err e = ERR_INIT;
		if (graph_check_cycles(g, NULL, NULL, &e)) {
			fprintf(stderr, "cycle: %s\n", e.msg);
			return 1;
		}
		picked = 0;
		for (size_t k = 0; k < sizeof(selects) / sizeof(selects[0]); k++) {
			struct graph_set s;
			const char *sv[] = {selects[k][0]}, *ev[] = {selects[k][1]};
			if (graph_select(g, sv, 1, ev, ev[0] ? 1 : 0, NULL, &s, &e)) {
				fprintf(stderr, "select: %s\n", e.msg);
				return 1;
			}
			picked += graph_set_count(&s);
			graph_set_free(&s);
		}
		double t2 = now();
		/* dbt run: models only, ready queue drained by one worker */
		struct graph_set all;
		struct graph_sel_opts o = {.types = GRAPH_TYPE_BIT(GRAPH_MODEL)};
		graph_select(g, NULL, 0, NULL, 0, &o, &all, &e);
		struct graph_sched *s;
		if (graph_sched_new(g, &all, 0, &s, &e))
			return 1;
		struct graph_job j;
		scheduled = 0;
		while (graph_sched_try_take(s, &j) == 1) {
			graph_sched_done(s, j.idx, GRAPH_RUN_OK);
			scheduled++;
		}
		graph_sched_free(s);
		graph_set_free(&all);
		double t3 = now();
		/* dbt build: models and tests with the test edges */
		struct graph_sel_opts ob = {.types = GRAPH_TYPE_BIT(GRAPH_MODEL) | GRAPH_TYPE_BIT(GRAPH_TEST)};
		graph_select(g, NULL, 0, NULL, 0, &ob, &all, &e);
		if (graph_sched_new(g, &all, GRAPH_SCHED_BUILD, &s, &e))
			return 1;
		while (graph_sched_try_take(s, &j) == 1)
			graph_sched_done(s, j.idx, GRAPH_RUN_OK);
		graph_sched_free(s);
		graph_set_free(&all);
		double t4 = now();
		nodes = graph_count(g);
		graph_free(g);
		t_build += t1 - t0;
		t_select += t2 - t1;
		t_sched += t3 - t2;
		t_build_sched += t4 - t3;
	}
	printf("nodes %zu\n", nodes);
	printf("selected %zu\n", picked);
	printf("scheduled %zu\n", scheduled);
	printf("build %.6f\n", t_build / repeat);
	printf("select %.6f\n", t_select / repeat);
	printf("schedule %.6f\n", t_sched / repeat);
	printf("schedule_build %.6f\n", t_build_sched / repeat);
	return 0;
}
