/*
 * cmd/cmd_scheduler.c — `ingot scheduler`: the scheduling daemon.
 *
 * Holds .ingot/scheduler.lock, resumes unfinished runs (failing and
 * retrying attempts whose process died with a previous scheduler; runs of
 * a killed foreground `pipeline run` are failed as interrupted), creates
 * runs from schedules (catchup included), runs queued runs (`pipeline
 * trigger`, `pipeline run` while it runs), reloads pipeline files when they
 * change or on SIGHUP, and drains on SIGTERM/SIGINT: no new tasks, running
 * ones get --grace seconds, then are stopped and left to run again on the
 * next start. It sleeps until the next due time or event.
 *
 * The project (dbt_project.yml, profiles, sources, ...) is the platform's:
 * each run's first task looks at its files and a changed project is loaded
 * then, without a restart (platform/platform.h).
 */
#include "cmd/commands.h"
#include "cmd/cmd_pipeline.h"
#include "config/project.h"
#include "core/dtime.h"
#include "core/log.h"
#include "core/mem.h"
#include "platform/control.h"
#include "platform/platform.h"
#include "warehouse/warehouse.h"

#include <stdlib.h>
#include <unistd.h>

static const struct opt opts[] = {
	{"parallelism", 0, OPT_INT, "N", "tasks running at once (default: number of cores)"},
	{"grace", 0, OPT_INT, "SECONDS", "on SIGTERM, how long running tasks may finish (default 30)"},
	{"heartbeat", 0, OPT_INT, "SECONDS", "lease renewal interval (default 10)"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	long long par = cmd_int(c, "parallelism", 0), grace = cmd_int(c, "grace", 30),
		  hb = cmd_int(c, "heartbeat", 10);
	if (par < 0 || par > 1024 || grace < 0 || hb < 1) {
		err_set(&c->err, ING_EINVAL, "--parallelism, --grace and --heartbeat take positive numbers");
		return 2;
	}
	char *dir = pipeline_project_dir(c);
	struct platform *pl;
	if (pipeline_platform(c, dir, &pl, &c->err)) {
		free(dir);
		return 2;
	}
	struct orch_opts o = pipeline_daemon_opts(dir, pl, par, grace, hb);
	struct orch *x;
	int rc = 0;
	/* the warehouse's owner: commands of other processes run in here */
	struct ctl_server *ctl = NULL;
	if (orch_open(&o, &x, &c->err)) {
		rc = 2;
	} else if (c->project && !wh_engine_has(c->project->target.type, WH_CAP_MULTI_PROCESS) &&
		   ctl_server_start(c->project->dir, cmd_serve_request, NULL, &ctl, &c->err)) {
		orch_close(x);
		rc = 2;
	} else {
		log_info("scheduler started for %s (pid %d)", dir, (int)getpid());
		orch_loop(x, 0, &c->err);
		log_info("scheduler stopped");
		orch_close(x);
	}
	ctl_server_stop(ctl);
	platform_close(pl);
	free(dir);
	return rc;
}

const struct cmd_spec cmd_scheduler = {
	.name = "scheduler",
	.summary = "run pipelines on their schedules (the daemon)",
	.usage = "ingot scheduler [--parallelism N] [--grace SECONDS] [--heartbeat SECONDS]",
	.opts = opts,
	.flags = CMD_OPT_PROJECT,
	.run = run,
};
