/*
 * cmd/dispatch.c — the command table and one command line's run: global
 * options, finding the command, loading the project, handing the command
 * to the warehouse's owner, running it.
 *
 * A command is found by the longest name in the table matching the leading
 * words of argv ("pipeline run" before "pipeline"); a word that matches
 * nothing gets a "did you mean" from the table and exit 2. Shared setup
 * that commands ask for by flag (loading the project) happens here, so the
 * commands themselves hold only their own logic.
 *
 * Two callers: main.c for the command line of this process, and the
 * process that owns a DuckDB warehouse (the scheduler) for a command a
 * client handed to it (cmd_serve_request). A handed-off command runs in
 * the owner's connection thread exactly as it would locally: its output
 * goes to the client's stdout, its log records and progress to the
 * client's stderr (a thread-local log sink), its paths resolve against the
 * client's working directory and env_var() reads the client's environment.
 */
#include "cmd/cmd.h"
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/env.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/progress.h"
#include "platform/control.h"
#include "platform/platform.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cmd_spec *const commands[] = {
	COMMAND_LIST
};

static _Thread_local struct ctl_session *cur_session;

struct ctl_session *cmd_session(void)
{
	return cur_session;
}

static size_t name_words(const char *name)
{
	size_t n = 1;
	for (const char *p = name; *p; p++)
		n += *p == ' ';
	return n;
}

/* Does the spec's name equal argv[0..k)? */
static bool name_matches(const char *name, char **argv, int argc, size_t *k)
{
	size_t words = name_words(name);
	if ((size_t)argc < words)
		return false;
	const char *p = name;
	for (size_t i = 0; i < words; i++) {
		size_t len = strcspn(p, " ");
		if (strlen(argv[i]) != len || strncmp(argv[i], p, len))
			return false;
		p += len + (p[len] == ' ');
	}
	*k = words;
	return true;
}

static void print_usage(FILE *out)
{
	fprintf(out, "ingot %s — an ELT data platform in one program\n\n"
		     "usage: ingot [global options] COMMAND [options]\n\ncommands:\n",
		INGOT_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-20s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\nRun 'ingot help COMMAND' or 'ingot COMMAND --help' for a command's options.\n"
		     "Exit codes: 0 success, 1 a node/task/test failed, 2 usage or project error.\n");
}

/* Commands whose first words match `word` (for "ingot pipeline"). */
static bool print_group(const char *word, FILE *out)
{
	bool any = false;
	size_t wl = strlen(word);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *n = commands[i]->name;
		if (!strncmp(n, word, wl) && n[wl] == ' ') {
			if (!any)
				fprintf(out, "usage: ingot %s SUBCOMMAND [options]\n\nsubcommands:\n", word);
			fprintf(out, "  %-24s %s\n", n, commands[i]->summary);
			any = true;
		}
	}
	return any;
}

static const struct cmd_spec *lookup(int argc, char **argv, size_t *used)
{
	const struct cmd_spec *best = NULL;
	size_t bw = 0;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		size_t k;
		if (name_matches(commands[i]->name, argv, argc, &k) && k > bw) {
			best = commands[i];
			bw = k;
		}
	}
	*used = bw;
	return best;
}

static void suggest_command(const char *word, FILE *err)
{
	const char *best = NULL;
	int bd = 3;
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		char first[64];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(commands[i]->name, " "),
			 commands[i]->name);
		int d = str_edit_distance(word, first);
		if (d < bd) {
			bd = d;
			best = commands[i]->name;
		}
	}
	fprintf(err, "ingot: '%s' is not an ingot command.", word);
	if (best)
		fprintf(err, " Did you mean '%.*s'?", (int)strcspn(best, " "), best);
	fprintf(err, " See 'ingot --help'.\n");
}

/* term_color() against the command's environment. */
static bool color_on(int fd, char *const *env)
{
	const char *nc = env_get(env, "NO_COLOR"), *t = env_get(env, "TERM");
	if ((nc && *nc) || (t && !strcmp(t, "dumb")))
		return false;
	return isatty(fd);
}

/* Hand the command line to the process that owns the project's DuckDB
 * warehouse, when one listens: 1 with *rc set when it ran there. */
static int handoff(const struct cmd_spec *spec, struct cmd_ctx *ctx, int argc, char **argv,
		   const struct cmd_io *io, int *rc)
{
	if (!io->may_handoff || !(spec->flags & CMD_HANDOFF) || !ctx->project)
		return 0;
	const struct target *t = &ctx->project->target;
	if (wh_engine_has(t->type, WH_CAP_MULTI_PROCESS) || !t->path || !strcmp(t->path, ":memory:"))
		return 0;
	struct err e = ERR_INIT;
	switch (ctl_try_handoff(ctx->project->dir, argc, argv, rc, &e)) {
	case CTL_NO_OWNER:
		return 0;
	case CTL_HANDED:
		return 1;
	case CTL_ERROR:
		break;
	}
	err_print(&e, io->err);
	err_clear(&e);
	*rc = 2;
	return 1;
}

bool cmd_reads_project(int argc, char **argv)
{
	/* the first word that names a command, past the global options (a
	 * global's value read as a word only changes the choice of heap) */
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		size_t used;
		const struct cmd_spec *s = lookup(argc - i, argv + i, &used);
		if (s)
			return (s->flags & (CMD_NEEDS_PROJECT | CMD_OPT_PROJECT)) != 0;
	}
	return false;
}

int cmd_main(int argc, char **argv, const struct cmd_io *io)
{
	FILE *out = io->out, *errf = io->err;
	/* leading global options before the command words */
	int i = 1;
	char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0;
	bool want_help = false, want_version = false;
	while (i < argc && argv[i][0] == '-') {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			want_help = true;
			i++;
		} else if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			want_version = true;
			i++;
		} else {
			/* keep globals for the command's parser, with their value */
			const struct opt *o = NULL;
			const char *name = a[1] == '-' ? a + 2 : NULL;
			for (const struct opt *g = cmd_global_opts; g->name; g++)
				if (name ? !strncmp(g->name, name, strcspn(name, "=")) &&
						   strlen(g->name) == strcspn(name, "=")
					 : g->shortc == a[1])
					o = g;
			if (!o) {
				fprintf(errf, "ingot: unknown option '%s'. See 'ingot --help'.\n", a);
				free(rest);
				return 2;
			}
			rest[nrest++] = argv[i++];
			if (o->type != OPT_FLAG && !(name && strchr(name, '=')) && i < argc)
				rest[nrest++] = argv[i++];
		}
	}
	if (want_version) {
		cmd_print_version(out);
		free(rest);
		return 0;
	}
	if (i >= argc) {
		print_usage(out);
		free(rest);
		return want_help ? 0 : 2;
	}
	if (!strcmp(argv[i], "help")) {
		int rc = 0;
		if (i + 1 >= argc) {
			print_usage(out);
		} else {
			size_t used;
			const struct cmd_spec *s = lookup(argc - i - 1, argv + i + 1, &used);
			if (s)
				cmd_print_help(s, out);
			else if (!print_group(argv[i + 1], out)) {
				suggest_command(argv[i + 1], errf);
				rc = 2;
			}
		}
		free(rest);
		return rc;
	}
	size_t used;
	const struct cmd_spec *spec = lookup(argc - i, argv + i, &used);
	if (!spec) {
		/* "ingot pipeline" or "ingot pipeline --help": the group's list */
		bool help_only = i + 1 < argc && !strcmp(argv[i + 1], "--help");
		int rc = 2;
		if (print_group(argv[i], out)) {
			if (help_only)
				rc = 0;
			else if (i + 1 < argc)
				fprintf(errf, "ingot: unknown subcommand '%s %s'\n", argv[i], argv[i + 1]);
		} else {
			suggest_command(argv[i], errf);
		}
		free(rest);
		return rc;
	}
	for (int j = i + (int)used; j < argc; j++)
		rest[nrest++] = argv[j];

	struct cmd_ctx ctx = {.out = out};
	int rc = cmd_parse(&ctx, spec, nrest, rest);
	if (rc) {
		fprintf(errf, "ingot: %s\n", ctx.err.msg);
		fprintf(errf, "usage: %s\n", spec->usage ? spec->usage : spec->name);
		cmd_ctx_release(&ctx);
		free(rest);
		return 2;
	}
	for (size_t k = 0; k < ctx.pos.len; k++)
		if (!strcmp(ctx.pos.items[k], "--help"))
			want_help = true;
	if (want_help) {
		cmd_print_help(spec, out);
		cmd_ctx_release(&ctx);
		free(rest);
		return 0;
	}
	if (ctx.pos.len && !(spec->flags & CMD_POSITIONAL)) {
		fprintf(errf, "ingot: 'ingot %s' takes no argument '%s'\nusage: %s\n", spec->name,
			ctx.pos.items[0], spec->usage ? spec->usage : spec->name);
		cmd_ctx_release(&ctx);
		free(rest);
		return 2;
	}

	bool json = ctx.g.log_format && !strcmp(ctx.g.log_format, "json");
	enum log_level lvl = ctx.g.quiet ? LOG_LVL_ERROR : ctx.g.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO;
	struct log_sink sink;
	const struct log_sink *old_sink = log_get_sink();
	if (io->err_fd >= 0) {
		sink = (struct log_sink){
			.fd = io->err_fd,
			.cfg = {lvl, json, !json && color_on(io->err_fd, io->env)},
			.progress = !json && !ctx.g.quiet && isatty(io->err_fd),
		};
		log_set_sink(&sink);
	} else {
		log_setup(lvl, json);
		progress_enable(!json && !ctx.g.quiet);
	}
	ctx.g.color = !json && color_on(fileno(out), io->env);

	/* relative paths on a client's command line are relative to its working
	 * directory: --profiles-dir, and every DIR or FILE option (--state,
	 * --lake) */
	size_t npaths = ctx.nvals;
	char *profiles_abs = NULL, **paths_abs = xcalloc(npaths + 1, sizeof(char *));
	if (io->cwd && ctx.g.profiles_dir && ctx.g.profiles_dir[0] != '/')
		ctx.g.profiles_dir = profiles_abs = path_join(io->cwd, ctx.g.profiles_dir);
	for (size_t k = 0; io->cwd && k < ctx.nvals; k++) {
		struct opt_value *v = &ctx.vals[k];
		const char *an = v->opt->argname;
		if (v->set && v->opt->type == OPT_STR && v->str && v->str[0] != '/' && an &&
		    (!strncmp(an, "DIR", 3) || !strncmp(an, "FILE", 4)))
			v->str = paths_abs[k] = path_join(io->cwd, v->str);
	}
	rc = -1;
	if (spec->flags & (CMD_NEEDS_PROJECT | CMD_OPT_PROJECT)) {
		struct project_opts po = {
			.project_dir = ctx.g.project_dir,
			.profiles_dir = ctx.g.profiles_dir,
			.target = ctx.g.target,
			.cwd = io->cwd,
			.env = io->env,
		};
		struct err e = ERR_INIT;
		if (project_load(&po, &ctx.project, &e)) {
			bool missing = !ctx.project && (spec->flags & CMD_OPT_PROJECT) &&
				       e.code == ING_ECONFIG && e.msg && strstr(e.msg, "no dbt_project.yml");
			if (!missing) {
				err_print(&e, errf);
				rc = 2;
			}
		}
		err_clear(&e);
	}
	if (rc < 0 && !handoff(spec, &ctx, argc, argv, io, &rc)) {
		struct ctl_session *old_session = cur_session;
		cur_session = io->session;
		rc = spec->run(&ctx);
		cur_session = old_session;
		if (ctx.err.code)
			err_print(&ctx.err, errf);
	}
	project_free(ctx.project);
	cmd_ctx_release(&ctx);
	free(profiles_abs);
	for (size_t k = 0; k < npaths; k++)
		free(paths_abs[k]);
	free(paths_abs);
	free(rest);
	fflush(out);
	fflush(errf);
	if (io->err_fd >= 0)
		log_set_sink(old_sink);
	return rc;
}

int cmd_serve_request(void *ud, const struct ctl_request *req, struct ctl_session *s)
{
	(void)ud;
	int ofd = dup(req->out_fd), efd = dup(req->err_fd);
	FILE *out = ofd >= 0 ? fdopen(ofd, "w") : NULL, *errf = efd >= 0 ? fdopen(efd, "w") : NULL;
	if (!out || !errf) {
		if (out)
			fclose(out);
		else if (ofd >= 0)
			close(ofd);
		if (errf)
			fclose(errf);
		else if (efd >= 0)
			close(efd);
		log_error("a handed-off command: cannot open the client's streams");
		return 2;
	}
	/* buffered as this process's own stdout and stderr would be */
	setvbuf(out, NULL, isatty(ofd) ? _IOLBF : _IOFBF, 0);
	setvbuf(errf, NULL, _IONBF, 0);
	struct buf line = BUF_INIT;
	for (int i = 1; i < req->argc && line.len < 200; i++)
		buf_printf(&line, "%s%s", i > 1 ? " " : "", req->argv[i]);
	log_info("running for pid %d: ingot %.200s", req->pid, buf_cstr(&line));
	buf_free(&line);
	struct cmd_io io = {
		.out = out,
		.err = errf,
		.err_fd = req->err_fd,
		.cwd = req->cwd,
		.env = req->env,
		.session = s,
		.may_handoff = false,
	};
	int rc = cmd_main(req->argc, req->argv, &io);
	/* what it wrote moved those relations' versions as it went: loads and
	 * node runs name their relations, anything else moves them all
	 * (core/relver.h) */
	fclose(out);
	fclose(errf);
	return rc;
}
