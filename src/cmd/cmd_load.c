/*
 * cmd/cmd_load.c — `ingot load`: lake files into bronze tables.
 *
 * A thin shell over load_run (load/load.h): options to struct load_opts,
 * the summary table on the command's output, exit 0 when every table loaded or had
 * nothing new, 1 when a table failed (its load rolled back), 2 for usage,
 * project or connection errors.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/cancel.h"
#include "core/fs.h"
#include "core/mem.h"
#include "load/load.h"
#include "warehouse/warehouse.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const struct opt opts[] = {
	{"select", 's', OPT_LIST, "SEL", "source tables: raw.orders, source:raw, tag:x"},
	{"full-refresh", 0, OPT_FLAG, NULL, "reload every file and rebuild the tables"},
	{"dry-run", 0, OPT_FLAG, NULL, "show per table the files that are new, loaded or changed"},
	{"allow-empty", 0, OPT_FLAG, NULL,
	 "let a truncate-mode table be replaced by an empty one when no files match"},
	{"threads", 0, OPT_INT, "N", "tables loaded in parallel (default: the target's threads)"},
	{"lake", 0, OPT_STR, "DIR", "lake root (default: the target's lake_root or ./lake)"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	struct load_opts o = {0};
	size_t nsel = 0;
	o.tables = (const char *const *)c->pos.items;
	o.ntables = c->pos.len;
	o.select = cmd_list(c, "select", &nsel);
	o.nselect = nsel;
	o.full_refresh = cmd_flag(c, "full-refresh");
	o.dry_run = cmd_flag(c, "dry-run");
	o.allow_empty = cmd_flag(c, "allow-empty");
	long long th = cmd_int(c, "threads", 0);
	if (th < 0 || th > 64) {
		err_set(&c->err, ING_EINVAL, "--threads must be between 1 and 64");
		return 2;
	}
	o.threads = (int)th;
	o.out = c->g.quiet && !o.dry_run ? NULL : c->out; /* -q: nothing on success */
	o.color = c->g.color;
	o.progress = !c->g.quiet;
	char *lake = NULL;
	const char *l = cmd_str(c, "lake", NULL);
	if (l) {
		char cwd[PATH_MAX];
		lake = l[0] == '/' || !getcwd(cwd, sizeof(cwd)) ? xstrdup(l) : path_join(cwd, l);
		o.lake_root = lake;
	}
	char *quarantine = o.dry_run ? NULL : cmd_infra_quarantine(c->project, lake);
	o.quarantine = quarantine;
	struct wh_db *db = NULL;
	struct load_report rep;
	int rc;
	if (wh_open_loads(&c->project->target, &db, &c->err)) {
		free(lake);
		free(quarantine);
		return 2;
	}
	struct cancel *tok = o.dry_run ? NULL : cancel_new();
	struct cmd_sigcancel *sc = tok ? cmd_sigcancel_start(tok) : NULL;
	o.cancel = tok; /* Ctrl-C rolls the tables being loaded back */
	int lr = load_run(c->project, db, &o, &rep, &c->err);
	int sigrc = cmd_sigcancel_stop(sc);
	cancel_free(tok);
	if (sigrc)
		rc = sigrc;
	else if (!lr)
		rc = 0;
	else if (lr == ING_ECONNECT) /* as every command that cannot reach the warehouse */
		rc = 2;
	else if (lr == ING_EFAIL && rep.n)
		rc = 1;
	else
		rc = lr == ING_EDB || lr == ING_EIO || lr == ING_EFAIL ? 1 : 2;
	load_report_free(&rep);
	wh_close(db);
	free(lake);
	free(quarantine);
	return rc;
}

const struct cmd_spec cmd_load = {
	.name = "load",
	.summary = "load lake files into the sources' tables, exactly once",
	.usage = "ingot load [SOURCE.TABLE ...] [--select SEL ...] [--full-refresh] [--dry-run] "
		 "[--threads N] [--lake DIR]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_POSITIONAL | CMD_HANDOFF,
	.run = run,
};
