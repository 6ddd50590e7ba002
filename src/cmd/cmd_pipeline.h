/*
 * cmd/cmd_pipeline.h — what `pipeline ...` and `scheduler` share: the
 * platform (platform/platform.h: the project, the warehouse and the
 * engine's hooks) opened from the command line, the project directory, and
 * running queued runs in the foreground.
 */
#ifndef INGOT_CMD_PIPELINE_H
#define INGOT_CMD_PIPELINE_H

#include "cmd/cmd.h"
#include "orchestrate/orchestrate.h"

struct platform;

/* Open the platform for dir with the command's options (--profiles-dir,
 * --target, --vars; the project main.c loaded is its first version).
 * 0, or 2 with e set. */
int pipeline_platform(struct cmd_ctx *c, const char *dir, struct platform **pl, struct err *e);
/* malloc'd: the project's directory, else --project-dir, else cwd. */
char *pipeline_project_dir(struct cmd_ctx *c);
/* The options of a long-running owner of the schedules (`ingot scheduler`,
 * `ingot serve`): schedules, resume and file watching on, the platform's
 * hooks; grace_s 0 means stop running tasks at once. */
struct orch_opts pipeline_daemon_opts(const char *dir, struct platform *pl, long long parallelism,
				      long long grace_s, long long heartbeat_s);
/* Run queued runs here until they end; exit code 0/1/2. On SIGTERM or
 * SIGINT running tasks get grace_s seconds (< 0: the default, 30), then
 * are cancelled. */
int pipeline_foreground(struct cmd_ctx *c, const char *dir, const int64_t *runs, size_t nruns,
			int parallelism, int grace_s);

#endif
