/*
 * cmd/commands.h — every command spec, and the table's order.
 *
 * Add a command: write src/cmd/cmd_<name>.c exporting
 * `const struct cmd_spec cmd_<name>`, declare it here and add it to
 * COMMAND_LIST (the order of `ingot --help`: the platform's flow, from
 * data to warehouse to models to schedules, then tools).
 */
#ifndef INGOT_CMD_COMMANDS_H
#define INGOT_CMD_COMMANDS_H

#include "cmd/cmd.h"

extern const struct cmd_spec cmd_init;
extern const struct cmd_spec cmd_debug;
extern const struct cmd_spec cmd_show;
extern const struct cmd_spec cmd_gen_thelook;
extern const struct cmd_spec cmd_load;
extern const struct cmd_spec cmd_seed;
extern const struct cmd_spec cmd_run;
extern const struct cmd_spec cmd_test;
extern const struct cmd_spec cmd_build;
extern const struct cmd_spec cmd_snapshot;
extern const struct cmd_spec cmd_compile;
extern const struct cmd_spec cmd_parse_project;
extern const struct cmd_spec cmd_retry;
extern const struct cmd_spec cmd_clone;
extern const struct cmd_spec cmd_source_freshness;
extern const struct cmd_spec cmd_run_operation;
extern const struct cmd_spec cmd_ls;
extern const struct cmd_spec cmd_ls_list;
extern const struct cmd_spec cmd_docs_generate;
extern const struct cmd_spec cmd_catalog;
extern const struct cmd_spec cmd_dashboards_check;
extern const struct cmd_spec cmd_dashboards_query;
extern const struct cmd_spec cmd_clean;
extern const struct cmd_spec cmd_deps;
extern const struct cmd_spec cmd_pipeline_list;
extern const struct cmd_spec cmd_pipeline_run;
extern const struct cmd_spec cmd_pipeline_status;
extern const struct cmd_spec cmd_pipeline_logs;
extern const struct cmd_spec cmd_pipeline_backfill;
extern const struct cmd_spec cmd_pipeline_clear;
extern const struct cmd_spec cmd_pipeline_trigger;
extern const struct cmd_spec cmd_pipeline_cancel;
extern const struct cmd_spec cmd_infra_plan;
extern const struct cmd_spec cmd_infra_apply;
extern const struct cmd_spec cmd_infra_destroy;
extern const struct cmd_spec cmd_infra_drift;
extern const struct cmd_spec cmd_infra_show;
extern const struct cmd_spec cmd_infra_lake_maintain;
extern const struct cmd_spec cmd_infra_export_terraform;
extern const struct cmd_spec cmd_scheduler;
extern const struct cmd_spec cmd_serve;
extern const struct cmd_spec cmd_serve_hash_password;
extern const struct cmd_spec cmd_jinja_render;
extern const struct cmd_spec cmd_jinja_bench;
extern const struct cmd_spec cmd_version;

#define COMMAND_LIST                                                               \
	&cmd_init, &cmd_debug, &cmd_show, &cmd_gen_thelook, &cmd_load, &cmd_seed, &cmd_run,   \
	&cmd_test, &cmd_build, &cmd_snapshot, &cmd_retry, &cmd_clone, &cmd_run_operation, &cmd_source_freshness, &cmd_compile, &cmd_parse_project, &cmd_ls, &cmd_ls_list, \
	&cmd_docs_generate, &cmd_catalog, &cmd_clean, &cmd_deps, &cmd_pipeline_list,             \
	&cmd_pipeline_run, &cmd_pipeline_status, &cmd_pipeline_logs,               \
	&cmd_pipeline_backfill, &cmd_pipeline_clear, &cmd_pipeline_trigger,        \
	&cmd_pipeline_cancel,                                                      \
	&cmd_dashboards_check, &cmd_dashboards_query,                              \
	&cmd_infra_plan, &cmd_infra_apply, &cmd_infra_destroy, &cmd_infra_drift,  \
	&cmd_infra_show, &cmd_infra_lake_maintain, &cmd_infra_export_terraform,    \
	&cmd_scheduler, &cmd_serve, &cmd_serve_hash_password,                      \
	&cmd_jinja_render, &cmd_jinja_bench, &cmd_version,

#endif
