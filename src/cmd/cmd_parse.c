/*
 * cmd/cmd_parse.c — `ingot parse`: parse and validate the project and write
 * target/manifest.json, as `dbt parse` does, without touching the warehouse.
 *
 * Prints how long parsing took and what it found; --write-perf-info also
 * writes target/perf_info.json (dbt's file: path_count and the elapsed
 * seconds; ingot adds rendered_nodes and reused_nodes, the parse renders
 * that ran and those the partial parse cache saved). Exit 0, or 2 when the project has an error (file:line:col).
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"
#include "transform/transform.h"

#include <stdio.h>
#include <stdlib.h>

static const struct opt opts[] = {
	{"write-perf-info", 0, OPT_FLAG, NULL, "also write target/perf_info.json (timings)"},
	{0},
};

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_PARSE;
	o.vars = c->g.vars;
	o.no_partial_parse = c->g.no_partial_parse;
	o.no_version_check = c->g.no_version_check;
	o.console = c->g.quiet ? NULL : c->out;
	o.out = c->out;
	o.color = c->g.color;
	struct transform_report rep = {0};
	if (transform_invoke(p, NULL, &o, &rep, &c->err))
		return 2;
	char *man = path_join(p->target_path, "manifest.json");
	if (!c->g.quiet)
		fprintf(c->out, "Parsed %d nodes in %.2fs; wrote %s\n", rep.no_op, rep.elapsed, man);
	int rc = 0;
	if (cmd_flag(c, "write-perf-info")) {
		struct buf b = BUF_INIT;
		struct jw w;
		jw_init(&w, &b, true);
		jw_obj_begin(&w);
		jw_key(&w, "path_count");
		jw_int(&w, rep.no_op);
		jw_key(&w, "is_partial_parse_enabled");
		jw_bool(&w, rep.partial_parse);
		/* ingot's: how many nodes' parse renders ran, and how many
		 * were taken from the partial parse cache instead */
		jw_key(&w, "rendered_nodes");
		jw_int(&w, rep.parse_rendered);
		jw_key(&w, "reused_nodes");
		jw_int(&w, rep.parse_reused);
		jw_key(&w, "is_static_analysis_enabled");
		jw_bool(&w, false);
		jw_key(&w, "load_all_elapsed");
		jw_double(&w, rep.elapsed);
		jw_key(&w, "parse_project_elapsed");
		jw_double(&w, rep.elapsed);
		jw_obj_end(&w);
		buf_putc(&b, '\n');
		char *pi = path_join(p->target_path, "perf_info.json");
		if (fs_write_atomic(pi, b.data, b.len, &c->err))
			rc = 2;
		else if (!c->g.quiet)
			fprintf(c->out, "Performance info: %s\n", pi);
		free(pi);
		buf_free(&b);
	}
	free(man);
	return rc;
}

const struct cmd_spec cmd_parse_project = {
	.name = "parse",
	.summary = "parse the project and write target/manifest.json (dbt parse)",
	.usage = "ingot parse [--write-perf-info]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run,
};
