/*
 * cmd/cmd_transform.h — what the dbt verbs' command files share
 * (defined in cmd_build.c): one option table and one runner.
 */
#ifndef INGOT_CMD_TRANSFORM_H
#define INGOT_CMD_TRANSFORM_H

#include "cmd/cmd.h"
#include "transform/transform.h"

/* build, run, seed: selection, threads, state, and --full-refresh */
extern const struct opt cmd__transform_opts[];
/* test, snapshot: the same without --full-refresh (dbt has none there) */
extern const struct opt cmd__transform_opts_nofr[];

/* Read the shared options, open the warehouse, call transform_invoke
 * with verb; returns the exit code. */
int cmd__transform_run(struct cmd_ctx *c, enum transform_verb verb);
/* Open the warehouse and run o (its cancel token is set here); the exit code. */
int cmd__transform_exec(struct cmd_ctx *c, struct transform_opts *o);
/* run-operation's work (cmd_run_operation.c), also for retry. */
int cmd__run_operation(struct cmd_ctx *c, const char *macro, const char *args);

#endif
