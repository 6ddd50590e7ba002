/*
 * main.c — ingot's entry point: the command table, global options, and the
 * only place (with src/cmd/) that exits.
 *
 * A command is found by the longest name in the table matching the leading
 * words of argv ("pipeline run" before "pipeline"); a word that matches
 * nothing gets a "did you mean" from the table and exit 2. Shared setup
 * that commands ask for by flag (loading the project) happens here, so the
 * commands themselves hold only their own logic.
 */
#include "cmd/cmd.h"
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/progress.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_spec *const commands[] = {
	COMMAND_LIST
};

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

static void print_usage(void)
{
	printf("ingot %s — an ELT data platform in one program\n\n"
	       "usage: ingot [global options] COMMAND [options]\n\ncommands:\n",
	       INGOT_VERSION);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-20s %s\n", commands[i]->name, commands[i]->summary);
	printf("\nRun 'ingot help COMMAND' or 'ingot COMMAND --help' for a command's options.\n"
	       "Exit codes: 0 success, 1 a node/task/test failed, 2 usage or project error.\n");
}

static void print_version(void)
{
	cmd_print_version();
}

/* Commands whose first words match `word` (for "ingot pipeline"). */
static bool print_group(const char *word)
{
	bool any = false;
	size_t wl = strlen(word);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *n = commands[i]->name;
		if (!strncmp(n, word, wl) && n[wl] == ' ') {
			if (!any)
				printf("usage: ingot %s SUBCOMMAND [options]\n\nsubcommands:\n", word);
			printf("  %-24s %s\n", n, commands[i]->summary);
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

static void suggest_command(const char *word)
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
	fprintf(stderr, "ingot: '%s' is not an ingot command.", word);
	if (best)
		fprintf(stderr, " Did you mean '%.*s'?", (int)strcspn(best, " "), best);
	fprintf(stderr, " See 'ingot --help'.\n");
}

int main(int argc, char **argv)
{
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
				fprintf(stderr, "ingot: unknown option '%s'. See 'ingot --help'.\n", a);
				free(rest);
				return 2;
			}
			rest[nrest++] = argv[i++];
			if (o->type != OPT_FLAG && !(name && strchr(name, '=')) && i < argc)
				rest[nrest++] = argv[i++];
		}
	}
	if (want_version) {
		print_version();
		free(rest);
		return 0;
	}
	if (i >= argc) {
		print_usage();
		free(rest);
		return want_help ? 0 : 2;
	}
	if (!strcmp(argv[i], "help")) {
		int rc = 0;
		if (i + 1 >= argc) {
			print_usage();
		} else {
			size_t used;
			const struct cmd_spec *s = lookup(argc - i - 1, argv + i + 1, &used);
			if (s)
				cmd_print_help(s);
			else if (!print_group(argv[i + 1])) {
				suggest_command(argv[i + 1]);
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
		if (print_group(argv[i])) {
			if (help_only)
				rc = 0;
			else if (i + 1 < argc)
				fprintf(stderr, "ingot: unknown subcommand '%s %s'\n", argv[i], argv[i + 1]);
		} else {
			suggest_command(argv[i]);
		}
		free(rest);
		return rc;
	}
	for (int j = i + (int)used; j < argc; j++)
		rest[nrest++] = argv[j];

	struct cmd_ctx ctx = {.out = stdout};
	int rc = cmd_parse(&ctx, spec, nrest, rest);
	if (rc) {
		fprintf(stderr, "ingot: %s\n", ctx.err.msg);
		fprintf(stderr, "usage: %s\n", spec->usage ? spec->usage : spec->name);
		cmd_ctx_release(&ctx);
		free(rest);
		return 2;
	}
	for (size_t k = 0; k < ctx.pos.len; k++)
		if (!strcmp(ctx.pos.items[k], "--help"))
			want_help = true;
	if (want_help) {
		cmd_print_help(spec);
		cmd_ctx_release(&ctx);
		free(rest);
		return 0;
	}
	if (ctx.pos.len && !(spec->flags & CMD_POSITIONAL)) {
		fprintf(stderr, "ingot: 'ingot %s' takes no argument '%s'\nusage: %s\n", spec->name,
			ctx.pos.items[0], spec->usage ? spec->usage : spec->name);
		cmd_ctx_release(&ctx);
		free(rest);
		return 2;
	}

	bool json = ctx.g.log_format && !strcmp(ctx.g.log_format, "json");
	log_setup(ctx.g.quiet ? LOG_LVL_ERROR : ctx.g.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO, json);
	ctx.g.color = !json && term_color(1);
	progress_enable(!json && !ctx.g.quiet);

	if (spec->flags & (CMD_NEEDS_PROJECT | CMD_OPT_PROJECT)) {
		struct project_opts po = {ctx.g.project_dir, ctx.g.profiles_dir, ctx.g.target, NULL};
		struct err e = ERR_INIT;
		if (project_load(&po, &ctx.project, &e)) {
			bool missing = !ctx.project && (spec->flags & CMD_OPT_PROJECT) &&
				       e.code == ING_ECONFIG && e.msg && strstr(e.msg, "no dbt_project.yml");
			if (!missing) {
				err_print(&e, stderr);
				err_clear(&e);
				cmd_ctx_release(&ctx);
				free(rest);
				return 2;
			}
		}
		err_clear(&e);
	}

	rc = spec->run(&ctx);
	if (ctx.err.code)
		err_print(&ctx.err, stderr);
	project_free(ctx.project);
	cmd_ctx_release(&ctx);
	free(rest);
	fflush(stdout);
	exit(rc);
}
