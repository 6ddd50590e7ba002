/*
 * cmd/cmd_dashboards.c — `ingot dashboards check` and `ingot dashboards
 * query`: the dashboards/ files of a project without the server.
 *
 * check validates every file against the project and its warehouse
 * (dash_load) and prints each diagnostic as `file:line:col: error: msg`
 * (or `warning:`), or with --json the list the server's API shows. Exit 0
 * when there is no error (warnings alone are fine), 1 on errors, 2 on a
 * usage or project problem: CI runs it as a gate.
 *
 * query answers one tile as the HTTP API does (the same JSON, through the
 * same dash_ctx, cache included), or with --csv the tile's CSV export:
 * tests and example authors check numbers with it. Parameters are
 * name=value words (f.category=Jeans, range=last_30_days, sort=-profit).
 * A bad name or value is exit 2 with the API's 400 message.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "dash/dash.h"
#include "platform/platform.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt check_opts[] = {
	{"json", 0, OPT_FLAG, NULL, "print the diagnostics as JSON ({\"errors\": [...]})"},
	{0},
};

static int check_run(struct cmd_ctx *c)
{
	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	struct dash_set *s = NULL;
	int rc = 2;
	if (wh_open(&c->project->target, &db, &c->err) || wh_connect(db, &conn, &c->err)) {
		err_prefix(&c->err, "dashboards check needs the warehouse to check columns");
		goto done;
	}
	if (dash_load(c->project, conn, &s, &c->err))
		goto done;
	size_t n;
	const struct dash_diag *d = dash_diags(s, &n);
	if (cmd_flag(c, "json")) {
		struct buf b = BUF_INIT;
		struct jw w;
		jw_init(&w, &b, true);
		jw_obj_begin(&w);
		dash_diags_json(s, &w);
		jw_obj_end(&w);
		fprintf(c->out, "%s\n", buf_cstr(&b));
		buf_free(&b);
	} else {
		for (size_t i = 0; i < n; i++)
			fprintf(c->out, "%s:%d:%d: %s: %s\n", d[i].file, d[i].line, d[i].col,
				d[i].warning ? "warning" : "error", d[i].message);
		size_t ne = dash_nerrors(s);
		fprintf(c->out, "dashboards: %zu error%s, %zu warning%s\n", ne, ne == 1 ? "" : "s",
			n - ne, n - ne == 1 ? "" : "s");
	}
	rc = dash_nerrors(s) ? 1 : 0;
done:
	dash_set_free(s);
	wh_disconnect(conn);
	wh_close(db);
	return rc;
}

const struct cmd_spec cmd_dashboards_check = {
	.name = "dashboards check",
	.summary = "validate dashboards/*.yml against the project and the warehouse",
	.usage = "ingot dashboards check [--json]",
	.opts = check_opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = check_run,
};

static const struct opt query_opts[] = {
	{"csv", 0, OPT_FLAG, NULL, "print the tile's CSV export (all rows) instead of its JSON"},
	{0},
};

static int write_file(void *arg, const char *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? 0 : -1;
}

static int query_run(struct cmd_ctx *c)
{
	if (c->pos.len < 2) {
		err_set(&c->err, ING_EINVAL,
			"usage: ingot dashboards query DASHBOARD TILE [name=value ...] [--csv]");
		return 2;
	}
	const char *board = c->pos.items[0], *tile = c->pos.items[1];
	size_t np = c->pos.len - 2;
	struct dash_param *ps = xcalloc(np + 1, sizeof(*ps));
	char **words = xcalloc(np + 1, sizeof(*words));
	int rc = 0;
	for (size_t i = 0; i < np; i++) {
		words[i] = xstrdup(c->pos.items[i + 2]);
		char *eq = strchr(words[i], '=');
		if (!eq) {
			err_set(&c->err, ING_EINVAL, "parameter '%s' is not name=value", words[i]);
			rc = 2;
			goto out;
		}
		*eq = 0;
		ps[i].name = words[i];
		ps[i].value = eq + 1;
	}
	struct platform_opts po = {.project_dir = c->project->dir,
				   .profiles_dir = c->g.profiles_dir,
				   .target = c->g.target,
				   .vars = c->g.vars,
				   .project = c->project};
	struct platform *pl = NULL;
	struct dash_ctx *d = NULL;
	if (platform_open(&po, &pl, &c->err) || dash_ctx_open(pl, &d, &c->err)) {
		rc = 2;
	} else if (cmd_flag(c, "csv")) {
		int r = dash_tile_csv(d, board, tile, ps, np, write_file, c->out, &c->err);
		rc = !r ? 0 : (r == ING_EINVAL || r == ING_ENOTFOUND || r == ING_ECONFIG) ? 2 : 1;
	} else {
		struct buf out = BUF_INIT;
		char etag[72];
		int r = dash_tile_json(d, board, tile, ps, np, &out, etag, &c->err);
		if (!r)
			fprintf(c->out, "%s\n", buf_cstr(&out));
		buf_free(&out);
		rc = !r ? 0 : (r == ING_EINVAL || r == ING_ENOTFOUND || r == ING_ECONFIG) ? 2 : 1;
	}
	if (!rc && d) {
		/* the diagnostics of the files, as the page would show them */
		struct err ig = ERR_INIT;
		struct dash_set *s = dash_ctx_set_acquire(d, &ig);
		if (s && dash_nerrors(s))
			fprintf(stderr, "warning: dashboards/ has %zu error(s): run `ingot dashboards check`\n",
				dash_nerrors(s));
		dash_ctx_set_release(d, s);
		err_clear(&ig);
	}
	dash_ctx_close(d);
	platform_close(pl);
out:
	for (size_t i = 0; i < np; i++)
		free(words[i]);
	free(words);
	free(ps);
	return rc;
}

const struct cmd_spec cmd_dashboards_query = {
	.name = "dashboards query",
	.summary = "answer one dashboard tile as the HTTP API does (JSON, or --csv)",
	.usage = "ingot dashboards query DASHBOARD TILE [name=value ...] [--csv]",
	.opts = query_opts,
	.flags = CMD_NEEDS_PROJECT | CMD_POSITIONAL | CMD_HANDOFF,
	.run = query_run,
};
