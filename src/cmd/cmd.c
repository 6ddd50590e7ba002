/*
 * cmd/cmd.c — the shared option parser and help generator for commands.
 *
 * Options are data (struct opt tables in each cmd_<name>.c); this file turns
 * argv into values and the same tables into --help text. Global options
 * (--project-dir, --target, ...) are accepted before or after the command
 * words, as dbt accepts them.
 */
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/cancel.h"
#include "core/err.h"
#include "core/mem.h"
#include "platform/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct opt cmd_global_opts[] = {
	{"project-dir", 0, OPT_STR, "DIR", "project directory (default: current)"},
	{"profiles-dir", 0, OPT_STR, "DIR", "where profiles.yml is looked up first"},
	{"target", 't', OPT_STR, "NAME", "profile target to use"},
	{"vars", 0, OPT_STR, "YAML", "variables for templates, as a YAML/JSON mapping"},
	{"no-partial-parse", 0, OPT_FLAG, NULL, "parse every file afresh (ignore target/partial_parse.json)"},
	{"no-version-check", 0, OPT_FLAG, NULL, "do not check require-dbt-version of the project and its packages"},
	{"log-format", 0, OPT_STR, "text|json", "log record format"},
	{"quiet", 'q', OPT_FLAG, NULL, "only errors"},
	{"verbose", 'v', OPT_FLAG, NULL, "debug logging"},
	{"help", 'h', OPT_FLAG, NULL, "show this help"},
	{0},
};

static const struct opt *find_opt(const struct opt *opts, const char *name, size_t n, char s)
{
	for (const struct opt *o = opts; o && o->name; o++) {
		if (s ? o->shortc == s : (strlen(o->name) == n && !strncmp(o->name, name, n)))
			return o;
	}
	return NULL;
}

static struct opt_value *value_of(const struct cmd_ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nvals; i++)
		if (!strcmp(c->vals[i].opt->name, name))
			return &c->vals[i];
	BUG("command '%s' has no option --%s", c->spec->name, name);
}

bool cmd_flag(const struct cmd_ctx *c, const char *name)
{
	return value_of(c, name)->set;
}

const char *cmd_str(const struct cmd_ctx *c, const char *name, const char *dflt)
{
	struct opt_value *v = value_of(c, name);
	return v->set ? v->str : dflt;
}

long long cmd_int(const struct cmd_ctx *c, const char *name, long long dflt)
{
	struct opt_value *v = value_of(c, name);
	return v->set ? v->num : dflt;
}

const char *const *cmd_list(const struct cmd_ctx *c, const char *name, size_t *n)
{
	struct opt_value *v = value_of(c, name);
	*n = v->list.len;
	return v->list.items;
}

static void set_global(struct cmd_ctx *c, const struct opt *o, const char *val)
{
	const char *n = o->name;
	if (!strcmp(n, "project-dir"))
		c->g.project_dir = val;
	else if (!strcmp(n, "profiles-dir"))
		c->g.profiles_dir = val;
	else if (!strcmp(n, "target"))
		c->g.target = val;
	else if (!strcmp(n, "vars"))
		c->g.vars = val;
	else if (!strcmp(n, "no-partial-parse"))
		c->g.no_partial_parse = true;
	else if (!strcmp(n, "no-version-check"))
		c->g.no_version_check = true;
	else if (!strcmp(n, "log-format"))
		c->g.log_format = val;
	else if (!strcmp(n, "quiet"))
		c->g.quiet = true;
	else if (!strcmp(n, "verbose"))
		c->g.verbose = true;
}

static const char *suggest(const struct opt *a, const struct opt *b, const char *name, size_t n)
{
	static char best[64];
	int bd = 3;
	char want[64];
	snprintf(want, sizeof(want), "%.*s", (int)n, name);
	best[0] = 0;
	for (int t = 0; t < 2; t++)
		for (const struct opt *o = t ? b : a; o && o->name; o++) {
			int d = str_edit_distance(want, o->name);
			if (d < bd) {
				bd = d;
				snprintf(best, sizeof(best), "%s", o->name);
			}
		}
	return best[0] ? best : NULL;
}

int cmd_parse(struct cmd_ctx *c, const struct cmd_spec *spec, int argc, char **argv)
{
	c->spec = spec;
	size_t nopts = 0;
	for (const struct opt *o = spec->opts; o && o->name; o++)
		nopts++;
	c->vals = xcalloc(nopts + 1, sizeof(*c->vals));
	c->nvals = nopts;
	for (size_t i = 0; i < nopts; i++)
		c->vals[i].opt = &spec->opts[i];

	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || !a[1]) {
			vec_push(&c->pos, a);
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		const struct opt *o = NULL;
		const char *inl = NULL;
		bool global = false;
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			inl = eq ? eq + 1 : NULL;
			o = find_opt(spec->opts, name, n, 0);
			if (!o && (o = find_opt(cmd_global_opts, name, n, 0)))
				global = true;
			if (!o) {
				const char *s = suggest(spec->opts, cmd_global_opts, name, n);
				return err_set(&c->err, 2, "unknown option '%s' for 'ingot %s'%s%s%s", a,
					       spec->name, s ? " (did you mean --" : "", s ? s : "",
					       s ? "?)" : ""),
				       2;
			}
		} else {
			o = find_opt(spec->opts, NULL, 0, a[1]);
			if (!o && (o = find_opt(cmd_global_opts, NULL, 0, a[1])))
				global = true;
			if (!o || a[2])
				return err_set(&c->err, 2, "unknown option '%s' for 'ingot %s'", a, spec->name), 2;
		}
		if (!strcmp(o->name, "help") && global) {
			c->g.quiet = c->g.quiet;
			vec_push(&c->pos, "--help");
			continue;
		}
		struct opt_value *v = NULL;
		if (!global)
			v = &c->vals[o - spec->opts];
		if (o->type == OPT_FLAG) {
			if (inl)
				return err_set(&c->err, 2, "option --%s takes no value", o->name), 2;
			if (global)
				set_global(c, o, NULL);
			else
				v->set = true;
			continue;
		}
		if (o->type == OPT_LIST) {
			v->set = true;
			if (inl)
				vec_push(&v->list, inl);
			while (!inl && i + 1 < argc && (argv[i + 1][0] != '-' || !argv[i + 1][1]))
				vec_push(&v->list, argv[++i]);
			if (!v->list.len)
				return err_set(&c->err, 2, "option --%s needs a value", o->name), 2;
			continue;
		}
		const char *val = inl;
		if (!val) {
			if (i + 1 >= argc)
				return err_set(&c->err, 2, "option --%s needs a value (%s)", o->name,
					       o->argname ? o->argname : "VALUE"),
				       2;
			val = argv[++i];
		}
		if (global) {
			set_global(c, o, val);
			continue;
		}
		v->set = true;
		v->str = val;
		if (o->type == OPT_INT) {
			char *end;
			v->num = strtoll(val, &end, 10);
			if (!*val || *end)
				return err_set(&c->err, 2, "option --%s expects a whole number, got '%s'",
					       o->name, val),
				       2;
		}
	}
	if (c->g.log_format && strcmp(c->g.log_format, "text") && strcmp(c->g.log_format, "json"))
		return err_set(&c->err, 2, "--log-format must be text or json, not '%s'", c->g.log_format), 2;
	return 0;
}

void cmd_ctx_release(struct cmd_ctx *c)
{
	for (size_t i = 0; i < c->nvals; i++)
		vec_free(&c->vals[i].list);
	free(c->vals);
	vec_free(&c->pos);
	err_clear(&c->err);
}

static void print_opts(const struct opt *opts, FILE *out)
{
	for (const struct opt *o = opts; o && o->name; o++) {
		char left[64];
		const char *arg = o->type == OPT_FLAG ? "" : o->argname ? o->argname : "VALUE";
		if (o->shortc)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shortc, o->name, *arg ? " " : "", arg);
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, *arg ? " " : "", arg);
		fprintf(out, "  %-30s %s\n", left, o->help ? o->help : "");
	}
}

void cmd_print_help(const struct cmd_spec *spec, FILE *out)
{
	fprintf(out, "usage: %s\n\n%s\n", spec->usage ? spec->usage : spec->name, spec->summary);
	if (spec->opts && spec->opts->name) {
		fprintf(out, "\noptions:\n");
		print_opts(spec->opts, out);
	}
	fprintf(out, "\nglobal options:\n");
	print_opts(cmd_global_opts, out);
}

/* ---- Ctrl-C cancels the work ----
 *
 * A handler (not a blocked mask: engines start their own threads, e.g.
 * DuckDB's pool when the warehouse opens, and a signal may land on any of
 * them) writes the signal number to a pipe; a watcher thread turns it into
 * a cancel request, which must not run in a handler (it takes locks and
 * interrupts statements). A signal ignored on entry (`nohup`, a background
 * job of a script) stays ignored. */

struct cmd_sigcancel {
	struct cancel *tok;
	struct ctl_session *session; /* a handed-off command's: its client cancels */
	int pipe[2];
	struct sigaction old_int, old_term;
	bool have_int, have_term;
	pthread_t thr;
	bool started;
	atomic_bool stop;
	atomic_int sig; /* the first signal that came */
};

static int sigcancel_fd = -1; /* one at a time: the command's unit of work */

static void sigcancel_handler(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;
	ssize_t w = write(sigcancel_fd, &b, 1);
	(void)w;
	errno = saved;
}

static void *sigcancel_main(void *arg)
{
	struct cmd_sigcancel *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = {s->pipe[0], POLLIN, 0};
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		unsigned char b;
		if (read(s->pipe[0], &b, 1) != 1 || !b)
			continue; /* a 0 byte: stop (cmd_sigcancel_stop) */
		int sig = b, first = 0;
		if (!atomic_compare_exchange_strong(&s->sig, &first, sig)) {
			/* a second one: the user means it */
			static const char msg[] = "\ningot: killed\n";
			ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
			(void)w;
			_exit(128 + sig);
		}
		static const char msg[] =
			"\ningot: cancelling: rolling back (press Ctrl-C again to kill)\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		cancel_request(s->tok, ING_ECANCELED,
			       sig == SIGINT ? "cancelled by Ctrl-C" : "cancelled by SIGTERM");
	}
	return NULL;
}

static bool sigcancel_install(int sig, struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigcancel_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, NULL, old) || old->sa_handler == SIG_IGN)
		return false;
	return sigaction(sig, &sa, NULL) == 0;
}

struct cmd_sigcancel *cmd_sigcancel_start(struct cancel *tok)
{
	struct cmd_sigcancel *s = xcalloc(1, sizeof(*s));
	s->tok = tok;
	s->pipe[0] = s->pipe[1] = -1;
	/* in the warehouse's owner the signals are the owner's, not this
	 * command's: the client's CANCEL frame requests tok */
	if ((s->session = cmd_session())) {
		ctl_session_bind_cancel(s->session, tok);
		return s;
	}
	atomic_init(&s->stop, false);
	atomic_init(&s->sig, 0);
	if (sigcancel_fd >= 0 || pipe2(s->pipe, O_CLOEXEC | O_NONBLOCK))
		return s; /* no watcher: the signals keep their action */
	s->started = !pthread_create(&s->thr, NULL, sigcancel_main, s);
	if (!s->started) {
		close(s->pipe[0]);
		close(s->pipe[1]);
		s->pipe[0] = s->pipe[1] = -1;
		return s;
	}
	sigcancel_fd = s->pipe[1];
	s->have_int = sigcancel_install(SIGINT, &s->old_int);
	s->have_term = sigcancel_install(SIGTERM, &s->old_term);
	return s;
}

int cmd_sigcancel_stop(struct cmd_sigcancel *s)
{
	if (!s)
		return 0;
	int code = 0;
	if (s->session) {
		ctl_session_bind_cancel(s->session, NULL);
		int sig = ctl_session_signal(s->session);
		code = sig ? 128 + sig : 0;
	} else if (s->started) {
		if (s->have_int)
			sigaction(SIGINT, &s->old_int, NULL);
		if (s->have_term)
			sigaction(SIGTERM, &s->old_term, NULL);
		atomic_store(&s->stop, true);
		/* wake the watcher now rather than at its next poll timeout:
		 * every command would otherwise end up to 100 ms late */
		unsigned char zero = 0;
		ssize_t w = write(s->pipe[1], &zero, 1);
		(void)w;
		pthread_join(s->thr, NULL);
		int sig = atomic_load(&s->sig);
		code = sig ? 128 + sig : 0;
		sigcancel_fd = -1;
		close(s->pipe[0]);
		close(s->pipe[1]);
	}
	free(s);
	return code;
}
