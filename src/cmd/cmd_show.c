/*
 * cmd/cmd_show.c — `ingot show --inline SQL`: run a query, print its rows.
 *
 * Like `dbt show --inline`: the query is wrapped in a LIMIT (default 5;
 * --limit -1 for all rows) and printed as a table, CSV or JSON. Works with
 * or without a project: outside one, the target comes from profiles.yml if
 * one is found, else an in-memory DuckDB.
 *
 * With --select NAME (dbt show --select): the model is compiled with the
 * project's context (transform_compile_node) and its rows are shown.
 *
 * The rows are encoded by platform/results (the encoders the server shares)
 * and written to c->out.
 *
 * Exit 1 when the query fails (the engine's message is shown), 2 for
 * usage or connection problems.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/relver.h"
#include "platform/results.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct opt opts[] = {
	{"inline", 0, OPT_STR, "SQL", "the query to run"},
	{"select", 's', OPT_STR, "MODEL", "show the rows of this model's compiled SQL"},
	{"limit", 0, OPT_INT, "N", "rows to show (default 5; -1 = all)"},
	{"output", 'o', OPT_STR, "table|csv|json", "output format (default table)"},
	{0},
};

static char *strip_sql(const char *sql)
{
	char *s = xstrdup(sql);
	size_t n = strlen(s);
	while (n && (s[n - 1] == ';' || s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' ||
		     s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

static int run(struct cmd_ctx *c)
{
	const char *sql = cmd_str(c, "inline", NULL);
	const char *model = cmd_str(c, "select", NULL);
	const char *fmt = cmd_str(c, "output", "table");
	long long limit = cmd_int(c, "limit", 5);
	if (!sql && !model) {
		err_set(&c->err, ING_EINVAL, "ingot show needs --inline \"SQL\" or --select MODEL");
		return 2;
	}
	if (sql && model) {
		err_set(&c->err, ING_EINVAL, "give --inline or --select, not both");
		return 2;
	}
	if (model && !c->project) {
		err_set(&c->err, ING_ECONFIG, "--select needs a dbt project (dbt_project.yml)");
		return 2;
	}
	enum re_format rf;
	if (re_format_parse(fmt, &rf, &c->err))
		return 2;
	struct arena *a = NULL;
	struct target tgt;
	const struct target *t;
	if (c->project) {
		t = &c->project->target;
	} else {
		char cwd[PATH_MAX];
		a = arena_new(0);
		struct project_opts po = {.profiles_dir = c->g.profiles_dir, .target = c->g.target};
		if (!getcwd(cwd, sizeof(cwd)) ||
		    target_resolve(a, cwd, "default", &po, &tgt, &c->err)) {
			arena_free(a);
			return 2;
		}
		if (!tgt.profiles_file)
			tgt.path = ":memory:";
		t = &tgt;
	}
	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	struct wh_result *res = NULL;
	int rc = 0;
	char *body = NULL, *q = NULL, *compiled = NULL;
	if (wh_open(t, &db, &c->err) || wh_connect(db, &conn, &c->err)) {
		rc = 2;
	} else if (model && transform_compile_node(c->project, db, model, c->g.vars, &compiled,
						   &c->err)) {
		rc = c->err.code == ING_ECONNECT ? 2 : 1;
	} else if (!(body = strip_sql(model ? compiled : sql)) ||
		   !(q = limit >= 0 ? xasprintf("select * from (\n%s\n) as ingot_show_query limit %lld",
						body, limit)
				    : xstrdup(body))) {
		rc = 2;
	} else if (wh_query(conn, q, NULL, 0, &res, &c->err)) {
		err_prefix(&c->err, "query failed");
		rc = c->err.code == ING_ECONNECT ? 2 : 1; /* the session was lost */
	} else if (re_encode(rf, res, NULL, re_sink_file(c->out), NULL, &c->err)) {
		rc = 1; /* the output could not be written */
	}
	if (q && relver_sql_writes(q)) {
		relver_bump_all(); /* --limit -1 runs the text as given: caches miss */
		/* and builds cannot reuse what it may have changed
		 * (transform/reuse.c) */
		struct err ig = ERR_INIT;
		if (conn && rc != 2)
			transform_forget_state(conn, &ig);
		err_clear(&ig);
	}
	wh_result_free(res);
	wh_disconnect(conn);
	wh_close(db);
	free(q);
	free(body);
	free(compiled);
	arena_free(a);
	return rc;
}

const struct cmd_spec cmd_show = {
	.name = "show",
	.summary = "run a query against the target and print the rows",
	.usage = "ingot show (--inline \"SQL\" | --select MODEL) [--limit N] [--output table|csv|json]",
	.opts = opts,
	.flags = CMD_OPT_PROJECT | CMD_HANDOFF,
	.run = run,
};
