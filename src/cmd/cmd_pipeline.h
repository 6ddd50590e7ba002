/*
 * cmd/cmd_pipeline.h — what `pipeline ...` and `scheduler` share: the
 * engine's hooks wired to the loader, the transform engine and the
 * warehouse (one host per process, warehouse opened on first use), the
 * project directory, and running queued runs in the foreground.
 */
#ifndef INGOT_CMD_PIPELINE_H
#define INGOT_CMD_PIPELINE_H

#include "cmd/cmd.h"
#include "orchestrate/orchestrate.h"

struct project;

void *pipeline_host_new(struct project *p); /* p may be NULL */
void pipeline_host_free(void *host);
const struct orch_hooks *pipeline_hooks(void);
/* malloc'd: the project's directory, else --project-dir, else cwd. */
char *pipeline_project_dir(struct cmd_ctx *c);
/* Run queued runs here until they end; exit code 0/1/2. On SIGTERM or
 * SIGINT running tasks get grace_s seconds (< 0: the default, 30), then
 * are cancelled. */
int pipeline_foreground(struct cmd_ctx *c, const char *dir, const int64_t *runs, size_t nruns,
			int parallelism, int grace_s);

#endif
