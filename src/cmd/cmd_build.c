/*
 * cmd/cmd_build.c — `ingot build`, and the runner the other dbt verbs share.
 *
 * seed, run, test, snapshot, build, compile, ls and docs generate are one
 * call to transform_invoke (transform/transform.h) with a different verb;
 * cmd__transform_run reads the shared options (--select/-s, --exclude,
 * --selector, --threads, --full-refresh, --no-reuse, --fail-fast, --state, --defer and
 * the global --vars/--target), opens the warehouse and maps the outcome
 * to exit codes: 0 all passed (warnings allowed), 1 a node failed, 2 the
 * project could not be parsed or the selection is invalid.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/cancel.h"
#include "core/mem.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Join a list option's words with spaces (dbt accepts both forms). */
static char *joined(struct cmd_ctx *c, const char *name)
{
	size_t n = 0;
	const char *const *l = cmd_list(c, name, &n);
	if (!n)
		return NULL;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", l[i]);
	return buf_detach(&b, NULL);
}

static bool has_opt(struct cmd_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nvals; i++)
		if (!strcmp(c->vals[i].opt->name, name))
			return true;
	return false;
}

int cmd__transform_exec(struct cmd_ctx *c, struct transform_opts *o)
{
	struct project *p = c->project;
	struct wh_db *db = NULL;
	int rc = 0;
	/* the engine opens the file beside the parse; transform_invoke waits
	 * for it (wh_ready) before it needs the warehouse. Compile opens it
	 * when a model first asks it something (is_incremental(), run_query):
	 * a DuckDB file's catalog of 2,000 views took 12% of a compile that
	 * asked nothing (bench/transform.sh) */
	if (o->verb != TF_VERB_LS &&
	    (o->verb == TF_VERB_COMPILE ? wh_open_deferred : wh_open_beside)(&p->target, &db, &c->err)) {
		if (o->verb != TF_VERB_COMPILE) {
			err_prefix(&c->err, "cannot open target '%s' (%s)", p->target.name, p->target.type);
			rc = 2;
			goto out;
		}
		err_clear(&c->err); /* compile can do without a warehouse */
		db = NULL;
	}
	struct transform_report rep = {0};
	/* a unit of work that writes: Ctrl-C cancels it (rolls back) */
	bool work = o->verb != TF_VERB_LS && o->verb != TF_VERB_COMPILE;
	struct cancel *tok = work ? cancel_new() : NULL;
	struct cmd_sigcancel *sc = work ? cmd_sigcancel_start(tok) : NULL;
	o->cancel = tok;
	int trc = transform_invoke(p, db, o, &rep, &c->err);
	int sigrc = cmd_sigcancel_stop(sc);
	cancel_free(tok);
	if (sigrc) {
		rc = sigrc;
	} else if (trc == ING_EFAIL) {
		rc = 1;
		if (c->err.code == ING_EFAIL && !c->err.msg)
			err_clear(&c->err);
	} else if (trc) {
		rc = 2;
	}
out:
	wh_close(db);
	return rc;
}

int cmd__transform_run(struct cmd_ctx *c, enum transform_verb verb)
{
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = verb;
	char *sel = has_opt(c, "select") ? joined(c, "select") : NULL;
	char *exc = has_opt(c, "exclude") ? joined(c, "exclude") : NULL;
	char *rtypes = has_opt(c, "resource-type") ? joined(c, "resource-type") : NULL;
	o.select = sel;
	o.exclude = exc;
	o.resource_types = rtypes;
	o.selector = has_opt(c, "selector") ? cmd_str(c, "selector", NULL) : NULL;
	o.threads = has_opt(c, "threads") ? (int)cmd_int(c, "threads", 0) : 0;
	o.full_refresh = has_opt(c, "full-refresh") && cmd_flag(c, "full-refresh");
	o.no_reuse = has_opt(c, "no-reuse") && cmd_flag(c, "no-reuse");
	o.event_time_start = has_opt(c, "event-time-start") ? cmd_str(c, "event-time-start", NULL) : NULL;
	o.event_time_end = has_opt(c, "event-time-end") ? cmd_str(c, "event-time-end", NULL) : NULL;
	o.fail_fast = has_opt(c, "fail-fast") && cmd_flag(c, "fail-fast");
	o.state_dir = has_opt(c, "state") ? cmd_str(c, "state", NULL) : NULL;
	o.defer = has_opt(c, "defer") && cmd_flag(c, "defer");
	o.inline_sql = has_opt(c, "inline") ? cmd_str(c, "inline", NULL) : NULL;
	o.vars = c->g.vars;
	o.no_partial_parse = c->g.no_partial_parse;
	o.no_version_check = c->g.no_version_check;
	o.console = c->g.quiet && verb != TF_VERB_LS ? NULL : c->out;
	o.out = c->out; /* ls's listing, compile --inline's SQL, print(): shown with -q too */
	o.color = c->g.color;
	if (has_opt(c, "output")) {
		const char *out = cmd_str(c, "output", "selector");
		if (!strcmp(out, "name"))
			o.ls_output = TF_LS_NAME;
		else if (!strcmp(out, "path"))
			o.ls_output = TF_LS_PATH;
		else if (!strcmp(out, "json"))
			o.ls_output = TF_LS_JSON;
		else if (!strcmp(out, "selector"))
			o.ls_output = TF_LS_SELECTOR;
		else {
			err_set(&c->err, ING_EINVAL, "--output must be name, path, json or selector, not '%s'", out);
			free(sel);
			free(exc);
			free(rtypes);
			return 2;
		}
	}
	int rc = cmd__transform_exec(c, &o);
	free(sel);
	free(exc);
	free(rtypes);
	return rc;
}

#define TRANSFORM_COMMON_OPTS                                                                  \
	{"select", 's', OPT_LIST, "SELECTOR", "nodes to include (dbt selector syntax)"},       \
	{"exclude", 0, OPT_LIST, "SELECTOR", "nodes to leave out"},                            \
	{"selector", 0, OPT_STR, "NAME", "a selector from selectors.yml"},                      \
	{"threads", 0, OPT_INT, "N", "worker threads (default: the target's)"},                 \
	{"fail-fast", 'x', OPT_FLAG, NULL, "stop at the first failure"},                       \
	{"no-reuse", 0, OPT_FLAG, NULL,                                                        \
	 "build every selected node, also those whose inputs did not change"},                 \
	{"state", 0, OPT_STR, "DIR", "artifacts of a previous run (state:, result:)"},         \
	{"defer", 0, OPT_FLAG, NULL,                                                           \
	 "refs to unselected nodes missing here resolve to --state's relations"}

const struct opt cmd__transform_opts[] = {
	TRANSFORM_COMMON_OPTS,
	{"full-refresh", 0, OPT_FLAG, NULL, "rebuild incremental models and seeds from scratch"},
	{"event-time-start", 0, OPT_STR, "TIME",
	 "microbatch models: run the batches from this time (YYYY-MM-DD[ HH:MM:SS], UTC)"},
	{"event-time-end", 0, OPT_STR, "TIME",
	 "microbatch models: run the batches up to this time (exclusive)"},
	{0},
};

const struct opt cmd__transform_opts_nofr[] = {
	TRANSFORM_COMMON_OPTS,
	{0},
};

static int run(struct cmd_ctx *c)
{
	return cmd__transform_run(c, TF_VERB_BUILD);
}

const struct cmd_spec cmd_build = {
	.name = "build",
	.summary = "seed, run, snapshot and test the project in DAG order (dbt build)",
	.usage = "ingot build [-s SELECTOR ...] [--exclude ...] [--threads N] [--full-refresh]",
	.opts = cmd__transform_opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
