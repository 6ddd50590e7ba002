/*
 * cmd/cmd_retry.c — `ingot retry`: run again what failed in the last run,
 * as `dbt retry` does.
 *
 * Reads <target-path>/run_results.json: its args.which is the command
 * (build, run, test, seed, snapshot, or run-operation: its macro is called
 * again with args.args when it failed) and args.full_refresh its flag; the
 * nodes whose status was error, fail or skipped are selected (with the
 * `result:` method over a copy of those results, since the new run
 * replaces them) and run with that command. Nothing to retry: says so and
 * exits 0. No previous run: exit 2. Otherwise the exit code of the run.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"
#include "transform/transform.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt opts[] = {
	{"threads", 0, OPT_INT, "N", "worker threads (default: the target's)"},
	{0},
};

static bool retryable(const char *st)
{
	return st && (!strcmp(st, "error") || !strcmp(st, "fail") || !strcmp(st, "skipped") ||
		      !strcmp(st, "runtime error") || !strcmp(st, "partial success"));
}

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	char *rr = path_join(p->target_path, "run_results.json");
	struct buf b = BUF_INIT, sel = BUF_INIT;
	int rc = 0;
	char *tmp = NULL, *vars_text = NULL;
	json_t *doc = NULL;
	if (!fs_exists(rr)) {
		err_set(&c->err, ING_ENOTFOUND,
			"Could not find previous run in '%s' target directory (no %s): run a build first",
			p->target_path, rr);
		rc = 2;
		goto out;
	}
	json_error_t je;
	if (fs_read_file(rr, &b, 0, &c->err) ||
	    !(doc = json_loadb(buf_cstr(&b), b.len, 0, &je))) {
		if (!c->err.code)
			err_set(&c->err, ING_EINVAL, "%s:%d:%d: not JSON: %s", rr, je.line, je.column, je.text);
		rc = 2;
		goto out;
	}
	json_t *args = json_object_get(doc, "args");
	const char *which = json_string_value(json_object_get(args, "which"));
	if (which && !strcmp(which, "run-operation")) {
		/* a failed operation is called again with its arguments */
		json_t *r0 = json_array_get(json_object_get(doc, "results"), 0);
		const char *macro = json_string_value(json_object_get(args, "macro"));
		if (!r0 || !retryable(json_string_value(json_object_get(r0, "status"))) || !macro) {
			if (!c->g.quiet)
				fprintf(c->out, "Nothing to do. Try checking your model configs and "
						"model specification args\n");
		} else {
			char *m = xstrdup(macro);
			const char *av = json_string_value(json_object_get(args, "args"));
			char *a = av ? xstrdup(av) : NULL;
			rc = cmd__run_operation(c, m, a);
			free(m);
			free(a);
		}
		goto out;
	}
	const char *was = json_string_value(json_object_get(args, "target"));
	if (was && p->target.name && strcmp(was, p->target.name)) {
		err_set(&c->err, ING_EINVAL,
			"%s: the last run used target '%s', this one is '%s': run `ingot retry "
			"--target %s` to retry it where it ran",
			rr, was, p->target.name, was);
		rc = 2;
		goto out;
	}
	int verb = which ? transform_verb_parse(which) : -1;
	if (verb != TF_VERB_BUILD && verb != TF_VERB_RUN && verb != TF_VERB_TEST &&
	    verb != TF_VERB_SEED && verb != TF_VERB_SNAPSHOT) {
		err_set(&c->err, ING_EINVAL, "%s: the last command ('%s') is not one retry runs again",
			rr, which ? which : "?");
		rc = 2;
		goto out;
	}
	/* select by the statuses present (a criterion matching nothing warns) */
	size_t n = 0, i;
	json_t *r;
	bool seen[3] = {false, false, false};
	static const char *const sts[3] = {"error", "fail", "skipped"};
	json_array_foreach(json_object_get(doc, "results"), i, r)
	{
		const char *st = json_string_value(json_object_get(r, "status"));
		if (!retryable(st))
			continue;
		n++;
		for (int k = 0; k < 3; k++)
			if (!strcmp(st, sts[k]))
				seen[k] = true;
	}
	for (int k = 0; k < 3; k++)
		if (seen[k])
			buf_printf(&sel, "%sresult:%s", sel.len ? " " : "", sts[k]);
	if (!n) {
		if (!c->g.quiet)
			fprintf(c->out, "Nothing to do. Try checking your model configs and model "
					"specification args\n");
		goto out;
	}
	/* the run replaces run_results.json: select from a copy */
	tmp = path_join(p->target_path, "retry-state-XXXXXX");
	if (!mkdtemp(tmp)) {
		err_set(&c->err, ING_EIO, "cannot make %s", tmp);
		rc = 2;
		goto out;
	}
	char *copy = path_join(tmp, "run_results.json");
	int wrc = fs_write_atomic(copy, b.data, b.len, &c->err);
	free(copy);
	if (wrc) {
		rc = 2;
		goto out;
	}
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.no_version_check = c->g.no_version_check;
	o.verb = (enum transform_verb)verb;
	o.select = buf_cstr(&sel);
	o.state_dir = tmp;
	o.full_refresh = json_is_true(json_object_get(args, "full_refresh"));
	/* the original invocation's --exclude, --threads and --vars, as dbt
	 * retry reads them from run_results' args (given again, they win) */
	o.exclude = json_string_value(json_object_get(args, "exclude"));
	o.threads = (int)cmd_int(c, "threads", json_integer_value(json_object_get(args, "threads")));
	o.vars = c->g.vars;
	json_t *jv = json_object_get(args, "vars");
	if (!o.vars && json_is_object(jv) && json_object_size(jv))
		o.vars = vars_text = json_dumps(jv, JSON_COMPACT | JSON_SORT_KEYS);
	o.console = c->g.quiet ? NULL : c->out;
	o.out = c->out;
	o.color = c->g.color;
	rc = cmd__transform_exec(c, &o);
out:
	if (tmp) {
		fs_remove_tree(tmp, NULL);
		free(tmp);
	}
	if (doc)
		json_decref(doc);
	buf_free(&sel);
	buf_free(&b);
	free(rr);
	free(vars_text);
	return rc;
}

const struct cmd_spec cmd_retry = {
	.name = "retry",
	.summary = "run again the nodes that failed or were skipped in the last run (dbt retry)",
	.usage = "ingot retry [--threads N]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
