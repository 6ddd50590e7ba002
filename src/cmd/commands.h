/*
 * cmd/commands.h — every command spec, and the table's order.
 *
 * Add a command: write src/cmd/cmd_<name>.c exporting
 * `const struct cmd_spec cmd_<name>`, declare it here and add it to
 * COMMAND_LIST (the order of `ingot --help`).
 */
#ifndef INGOT_CMD_COMMANDS_H
#define INGOT_CMD_COMMANDS_H

#include "cmd/cmd.h"

extern const struct cmd_spec cmd_debug;
extern const struct cmd_spec cmd_gen_thelook;
extern const struct cmd_spec cmd_jinja_bench;
extern const struct cmd_spec cmd_jinja_render;
extern const struct cmd_spec cmd_load;
extern const struct cmd_spec cmd_show;
extern const struct cmd_spec cmd_version;

#define COMMAND_LIST &cmd_debug, &cmd_gen_thelook, &cmd_jinja_bench, &cmd_jinja_render, &cmd_load, &cmd_show, &cmd_version,

#endif
