/*
 * cmd/cmd_run_operation.c — `ingot run-operation MACRO [--args YAML]`:
 * call a macro of the project or a package (`pkg.macro`) against the
 * target, as `dbt run-operation` does (transform_run_operation). Its log()
 * messages print; exit 0, 1 when the macro fails or does not exist, 2 for
 * a project or --args error.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/cancel.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <stdio.h>

static const struct opt opts[] = {
	{"args", 0, OPT_STR, "YAML", "the macro's keyword arguments, e.g. '{table: x, n: 3}'"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	if (c->pos.len != 1) {
		err_set(&c->err, ING_EINVAL, "usage: %s", c->spec->usage);
		return 2;
	}
	struct wh_db *db = NULL;
	if (wh_open(&p->target, &db, &c->err)) {
		err_prefix(&c->err, "cannot open target '%s' (%s)", p->target.name, p->target.type);
		return 2;
	}
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.vars = c->g.vars;
	o.console = c->g.quiet ? NULL : c->out;
	o.out = c->out;
	o.color = c->g.color;
	struct cancel *tok = cancel_new();
	struct cmd_sigcancel *sc = cmd_sigcancel_start(tok);
	o.cancel = tok;
	int trc = transform_run_operation(p, db, c->pos.items[0], cmd_str(c, "args", NULL), &o,
					  &c->err);
	int sigrc = cmd_sigcancel_stop(sc);
	cancel_free(tok);
	wh_close(db);
	if (sigrc)
		return sigrc;
	return !trc ? 0 : trc == ING_EFAIL ? 1 : 2;
}

const struct cmd_spec cmd_run_operation = {
	.name = "run-operation",
	.summary = "call a macro against the target (dbt run-operation)",
	.usage = "ingot run-operation MACRO [--args YAML]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF | CMD_POSITIONAL,
	.run = run,
};
