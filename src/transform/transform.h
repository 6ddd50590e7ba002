/*
 * transform/transform.h — dbt-compatible builds: the public entry point.
 *
 * One call runs one dbt verb (seed, run, test, build, snapshot, compile,
 * ls, docs generate) over a loaded project against an open warehouse, the
 * way `dbt <verb>` would: parse the project (models, seeds, snapshots,
 * tests, macros, analyses, docs, exposures, properties files), select nodes,
 * render them with the dbt Jinja context, materialize them in DAG order on
 * `threads` workers, run tests, and write the artifacts (manifest.json,
 * run_results.json, catalog.json, compiled/, run/, ingot.log) under the
 * run's own directory <target-path>/runs/<run-id>/; when the run ends they
 * are published as the latest in <target-path>/ itself (each file replaced
 * atomically, compiled/ and run/ swapped whole), where dbt users and
 * --state target/ expect them. The last 10 run directories are kept.
 *
 * The CLI commands (src/cmd/cmd_{seed,run,test,build,...}.c) and the
 * orchestrator's build:/run:/test:/seed:/snapshot: tasks both call
 * transform_invoke; the orchestrator passes its own console stream (or
 * NULL for silence) and reads the counts from the report. The library
 * never prints to the process's stdout: NULL streams mean silent.
 *
 * Calling sequence:
 *     struct transform_opts o = TRANSFORM_OPTS_INIT;
 *     o.verb = TF_VERB_BUILD; o.select = "+marts";
 *     struct transform_report r = {0};
 *     int rc = transform_invoke(project, db, &o, &r, &err);
 *     // rc == 0: every selected node passed (warnings allowed)
 *     // rc == ING_EFAIL: some node errored or a test failed (r has counts)
 *     // other rc < 0: the project could not be parsed/selected (err says
 *     //                where: file:line and node)
 *
 * Ownership: the project and db are borrowed and must outlive the call;
 * opts strings are borrowed; the report holds counts and the run's id and
 * directory (copies).
 * Thread-safety: transform_invoke may run on several threads at once with
 * the same project and the same wh_db (each call parses its own copy of
 * the project and opens its own connections; artifacts are per run). For
 * DuckDB those threads must be in the process that owns the file. As with
 * two dbt processes, runs at once should not build (or test) a relation
 * another of them replaces: the warehouse, not ingot, orders those.
 */
#ifndef INGOT_TRANSFORM_H
#define INGOT_TRANSFORM_H

#include "config/project.h"
#include "core/err.h"
#include "warehouse/warehouse.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

enum transform_verb {
	TF_VERB_RUN = 0,
	TF_VERB_TEST,
	TF_VERB_SEED,
	TF_VERB_SNAPSHOT,
	TF_VERB_BUILD,
	TF_VERB_COMPILE,
	TF_VERB_LS,
	TF_VERB_DOCS_GENERATE,
	TF_VERB_PARSE, /* parse and validate, write manifest.json (dbt parse) */
};

enum transform_ls_output { TF_LS_NAME = 0, TF_LS_PATH, TF_LS_JSON, TF_LS_SELECTOR };

struct transform_opts {
	enum transform_verb verb;
	const char *select;    /* dbt selector text ("+a b,tag:x"); NULL = all */
	const char *exclude;   /* NULL = none */
	const char *selector;  /* a name in selectors.yml; NULL = none */
	const char *resource_types; /* ls --resource-type (space separated), NULL = all */
	enum transform_ls_output ls_output;
	int threads;           /* 0 = the target's threads */
	bool full_refresh;
	/* build every selected node, even one whose inputs did not change
	 * since its last success (state-aware builds, transform/reuse.c) */
	bool no_reuse;
	/* render every node's parse afresh and write no parse cache
	 * (dbt's --no-partial-parse; transform/pparse.c) */
	bool no_partial_parse;
	/* skip require-dbt-version checks (dbt's --no-version-check) */
	bool no_version_check;
	/* microbatch models: the batches to run (dbt's --event-time-start/-end,
	 * "YYYY-MM-DD[ HH:MM:SS]", UTC); NULL: from the model's config */
	const char *event_time_start, *event_time_end;
	bool fail_fast;
	const char *vars;      /* --vars YAML/JSON mapping text, NULL = none */
	const char *state_dir; /* --state DIR (state:modified, result:...) */
	bool defer;            /* --defer: unselected refs resolve from --state */
	const char *inline_sql; /* compile --inline */
	bool write_artifacts;  /* default true (see TRANSFORM_OPTS_INIT) */
	FILE *console;         /* progress lines; NULL = silent */
	FILE *out;             /* the verb's result: ls's listing, compile --inline's
				* SQL, Jinja print(); NULL = console (both NULL: silent) */
	bool color;
	/* Cancellation (core/cancel.h), NULL = none. A request interrupts the
	 * running nodes' statements (each rolls back: the model stays as it
	 * was), nodes not started are skipped, on-run-end does not run, and
	 * transform_invoke returns the token's status (ING_ECANCELED /
	 * ING_ETIMEOUT) with its reason, after the summary and artifacts. */
	struct cancel *cancel;
};

#define TRANSFORM_OPTS_INIT                                                   \
	{.verb = TF_VERB_BUILD, .write_artifacts = true, .console = NULL}

struct transform_report {
	int pass, warn, error, skip, total;
	int no_op; /* ls/compile: nodes listed/compiled */
	double elapsed; /* seconds */
	/* parsing: nodes whose parse render ran, and nodes whose cached parse
	 * was reused instead (partial parsing) */
	int parse_rendered, parse_reused;
	bool partial_parse; /* the parse cache was in use */
	/* the run that wrote artifacts (empty strings when none did): its id
	 * ("20261202T150301.123Z-4711-3") and directory <target>/runs/<id> */
	char run_id[64];
	char run_dir[PATH_MAX];
};

/* Run one verb. See the calling sequence above. */
int transform_invoke(struct project *p, struct wh_db *db, const struct transform_opts *o,
		     struct transform_report *out, struct err *e);

/* Compile one node named by `name` (a model, seed, snapshot or analysis
 * name, as ref() takes it) with execute=True against db (may be NULL) and
 * return its SQL in *sql (malloc'd; free it). For `ingot show --select`. */
int transform_compile_node(struct project *p, struct wh_db *db, const char *name,
			   const char *vars, char **sql, struct err *e);

/* Forget every node's build state in the warehouse of c (_ingot.build_state):
 * something wrote to it that ingot cannot attribute (a statement run by
 * `ingot show`, a pipeline's sql task), so the next build builds all. */
int transform_forget_state(struct wh_conn *c, struct err *e);

/* dbt run-operation: call macro ("name" or "package.name") with args (a
 * YAML mapping text, NULL = none) as keyword arguments, execute=True
 * against db (transform/operation.c). o supplies vars and the console.
 * *unique_id: the macro's ("macro.pkg.name"; malloc'd, NULL when the
 * project could not be parsed), for run_results.json.
 * 0; ING_EFAIL when the macro failed or does not exist; other codes for
 * a project or --args error. */
int transform_run_operation(struct project *p, struct wh_db *db, const char *macro,
			    const char *args, const struct transform_opts *o, char **unique_id,
			    struct err *e);

/* Parse a verb name ("build", "run", "test", "seed", "snapshot",
 * "compile", "ls", "list", "docs generate"); -1 when unknown. */
int transform_verb_parse(const char *name);

#endif
