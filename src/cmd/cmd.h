/*
 * cmd/cmd.h — the command table's vocabulary.
 *
 * Each subcommand lives in src/cmd/cmd_<name>.c and exports one
 * `const struct cmd_spec cmd_<name>`; cmd/dispatch.c lists them in its
 * table. A spec declares its options as data (struct opt), from which one
 * shared parser reads argv and `--help` is generated. Flags in the spec ask
 * the dispatcher for shared setup (load the project, hand the command to
 * the process that owns the warehouse) so commands do not repeat it.
 *
 * run() returns the process exit code: 0 success, 1 a node/task/test or
 * query failed, 2 usage or project error. It may leave detail in ctx->err;
 * the dispatcher prints it. A command may run in another process's thread
 * (handed off): it writes to ctx->out, never stdout, and never exits. Only
 * main.c and src/cmd/ call exit().
 */
#ifndef INGOT_CMD_H
#define INGOT_CMD_H

#include "core/err.h"
#include "core/vec.h"
#include "core/version.h"

#include <stdbool.h>
#include <stdio.h>

enum opt_type {
	OPT_FLAG,  /* --name                       */
	OPT_STR,   /* --name VALUE | --name=VALUE  */
	OPT_INT,   /* --name N                     */
	OPT_LIST,  /* --name V1 V2 ... (until the next option); repeatable */
};

struct opt {
	const char *name; /* long name without "--" */
	char shortc;      /* 0 = none */
	enum opt_type type;
	const char *argname; /* for help: "SQL", "N" */
	const char *help;
};

enum cmd_flags {
	CMD_NEEDS_PROJECT = 1 << 0, /* load dbt_project.yml before run() */
	CMD_OPT_PROJECT = 1 << 1,   /* load it when there is one */
	CMD_POSITIONAL = 1 << 2,    /* accepts positional arguments */
	CMD_HANDOFF = 1 << 3,       /* needs the warehouse: when another process owns
				     * it (DuckDB), run inside that process */
};

struct cmd_ctx;

/* A name may hold a space ("pipeline run"): the table is flat and the
 * dispatcher matches the longest name made of the leading words of argv. */
struct cmd_spec {
	const char *name;
	const char *summary; /* one line for `ingot --help` */
	const char *usage;   /* "ingot show --inline SQL [--limit N]" */
	const struct opt *opts; /* terminated by {0} */
	unsigned flags;
	int (*run)(struct cmd_ctx *ctx);
};

struct opt_value {
	const struct opt *opt;
	bool set;
	const char *str; /* OPT_STR / OPT_INT text */
	long long num;
	VEC(const char *) list;
};

struct global_opts {
	const char *project_dir;
	const char *profiles_dir;
	const char *target;
	const char *log_format; /* text|json */
	const char *vars;       /* --vars YAML/JSON */
	bool quiet, verbose;
	bool no_partial_parse; /* --no-partial-parse */
	bool no_version_check; /* --no-version-check */
	bool color; /* stdout colour */
};

struct project;

struct cmd_ctx {
	const struct cmd_spec *spec;
	struct global_opts g;
	struct opt_value *vals; /* parallel to spec->opts */
	size_t nvals;
	VEC(const char *) pos; /* positional arguments */
	struct project *project; /* with CMD_NEEDS_PROJECT */
	/* Where the command writes its output: stdout for a command run in
	 * this process, the client's stream for one handed to the process
	 * that owns the warehouse. Commands never write to stdout directly. */
	FILE *out;
	struct err err;
};

/* Option access (by long name; BUG() on a name the spec lacks). */
bool cmd_flag(const struct cmd_ctx *c, const char *name);
const char *cmd_str(const struct cmd_ctx *c, const char *name, const char *dflt);
long long cmd_int(const struct cmd_ctx *c, const char *name, long long dflt);
/* NULL-free list; count in *n. */
const char *const *cmd_list(const struct cmd_ctx *c, const char *name, size_t *n);

/* Print the generated help of a command. */
void cmd_print_help(const struct cmd_spec *spec, FILE *out);

/* Parse argv (after the command words) into ctx: options of the spec and
 * the global options, anywhere on the line. 0, or 2 with ctx->err set. */
int cmd_parse(struct cmd_ctx *ctx, const struct cmd_spec *spec, int argc, char **argv);
void cmd_ctx_release(struct cmd_ctx *ctx);

/* Print ingot's version, the DuckDB library's, the engines and the features
 * compiled in and left out (`ingot --version`, `ingot version`). */
void cmd_print_version(FILE *out);

/* ---- dispatch (cmd/dispatch.c) ----
 *
 * How one command line runs: in this process (main.c), or in the process
 * that owns the warehouse for a client that handed it over. */
struct ctl_session;
struct ctl_request;
struct cmd_io {
	FILE *out, *err;        /* the command's stdout and stderr */
	int err_fd;             /* -1: log through the process's stderr; else a
				 * thread-local log sink on this descriptor */
	const char *cwd;        /* NULL: this process's working directory */
	char *const *env;       /* NULL: this process's environment */
	struct ctl_session *session; /* a handed-off command's, else NULL */
	bool may_handoff;       /* hand CMD_HANDOFF commands to the warehouse's owner */
};
/* Run argv (argv[0] is the program name) and return its exit code. */
int cmd_main(int argc, char **argv, const struct cmd_io *io);
/* True when the command line names a command that reads a project
 * (CMD_NEEDS_PROJECT or CMD_OPT_PROJECT): the commands whose heap grows
 * with the project, for main.c's choice of heap (main.c). */
bool cmd_reads_project(int argc, char **argv);
/* The owner's control-server callback (platform/control.h ctl_run_fn):
 * runs a client's command with its streams, cwd and environment. */
int cmd_serve_request(void *ud, const struct ctl_request *req, struct ctl_session *s);
/* The session of the handed-off command this thread runs, or NULL. */
struct ctl_session *cmd_session(void);

/* Ctrl-C (SIGINT) and SIGTERM while a foreground command works: instead of
 * killing the process mid-transaction, the first one requests tok
 * (ING_ECANCELED, "cancelled by Ctrl-C"): the work rolls back and returns.
 * A second one kills at once. Start before the work starts its threads
 * (they inherit the blocked signals); stop after it returned: the result is
 * the exit code the signal asks for (130 for SIGINT, 143 for SIGTERM), or 0
 * when none came. */
struct cancel;
struct cmd_sigcancel;
struct cmd_sigcancel *cmd_sigcancel_start(struct cancel *tok);
int cmd_sigcancel_stop(struct cmd_sigcancel *s);

/* platform.yml's lake.quarantine folder (absolute, under lake_root, else
 * under the file's lake root) for loads of p: malloc'd, or NULL when the
 * project has no platform.yml or it declares no quarantine. A platform.yml
 * that does not read is a warning here (ingot infra plan shows the error):
 * loads then leave refused files where they are. */
struct project;
char *cmd_infra_quarantine(const struct project *p, const char *lake_root);

/* The global options every command takes, for help output. */
extern const struct opt cmd_global_opts[];

#endif
