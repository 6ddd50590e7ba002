/*
 * cmd/cmd_gen.c — `ingot gen thelook`: write thelook-style e-commerce data.
 *
 * Parses and checks the options, hands them to gen/thelook, and prints one
 * line per table (files, rows, bytes) and the throughput. All generation,
 * layout and determinism rules live in gen/thelook.h; this file only turns
 * argv into a struct gen_opts. Bad input (unknown table, scale <= 0, a bad
 * date, a window outside the range, an unwritable OUT) exits 2 before
 * anything is written.
 */
#include "cmd/commands.h"
#include "core/dtime.h"
#include "gen/thelook.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct opt opts[] = {
	{"out", 'o', OPT_STR, "DIR", "output directory (default: lake)"},
	{"scale", 's', OPT_STR, "N", "size; 1 = 100,000 users (a real number, e.g. 0.01)"},
	{"seed", 0, OPT_INT, "N", "random seed (default 42)"},
	{"files", 0, OPT_INT, "N", "split each table into N files (default 1)"},
	{"threads", 0, OPT_INT, "N", "worker threads (default 2)"},
	{"tables", 0, OPT_STR, "A,B", "only these tables"},
	{"gzip", 0, OPT_FLAG, NULL, "write .csv.gz"},
	{"start", 0, OPT_STR, "DATE", "write only the window from DATE (orders created in it)"},
	{"end", 0, OPT_STR, "DATE", "end of the window, exclusive (default: start + 1 day)"},
	{"from", 0, OPT_STR, "DATE", "first day of the data (default " GEN_DEFAULT_FROM ")"},
	{"to", 0, OPT_STR, "DATE", "last day of the data (default " GEN_DEFAULT_TO ")"},
	{"dirty", 0, OPT_STR, "RATE", "inject defects into this share of rows; list in OUT/_defects.csv"},
	{0},
};

static int parse_real(struct cmd_ctx *c, const char *name, double *out)
{
	const char *s = cmd_str(c, name, NULL);
	if (!s)
		return 0;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v)) {
		err_set(&c->err, ING_EINVAL, "--%s expects a number, got '%s'", name, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_day(struct cmd_ctx *c, const char *name, int32_t *out, bool *set)
{
	const char *s = cmd_str(c, name, NULL);
	if (set)
		*set = s != NULL;
	if (!s)
		return 0;
	if (date_parse(s, strlen(s), out)) {
		err_set(&c->err, ING_EINVAL, "--%s expects a date YYYY-MM-DD, got '%s'", name, s);
		return -1;
	}
	return 0;
}

static void human_bytes(uint64_t b, char *out, size_t n)
{
	if (b >= 1000000000)
		snprintf(out, n, "%.2f GB", b / 1e9);
	else if (b >= 1000000)
		snprintf(out, n, "%.1f MB", b / 1e6);
	else
		snprintf(out, n, "%.1f kB", b / 1e3);
}

static int run(struct cmd_ctx *c)
{
	struct gen_opts o;
	gen_opts_default(&o);
	o.out = cmd_str(c, "out", "lake");
	o.seed = (uint64_t)cmd_int(c, "seed", 42);
	long long files = cmd_int(c, "files", 1), threads = cmd_int(c, "threads", 2);
	if (files < 1 || files > 9999) {
		err_set(&c->err, ING_EINVAL, "--files must be between 1 and 9999");
		return 2;
	}
	if (threads < 1 || threads > 256) {
		err_set(&c->err, ING_EINVAL, "--threads must be between 1 and 256");
		return 2;
	}
	o.files = (unsigned)files;
	o.threads = (unsigned)threads;
	o.gzip = cmd_flag(c, "gzip");
	o.progress = true;
	bool has_start, has_end;
	if (parse_real(c, "scale", &o.scale) || parse_real(c, "dirty", &o.dirty) ||
	    parse_day(c, "from", &o.from, NULL) || parse_day(c, "to", &o.to, NULL) ||
	    parse_day(c, "start", &o.win_start, &has_start) ||
	    parse_day(c, "end", &o.win_end, &has_end))
		return 2;
	if (cmd_flag(c, "dirty") && !(o.dirty > 0)) {
		err_set(&c->err, ING_EINVAL, "--dirty must be a rate above 0 and at most 1");
		return 2;
	}
	if (has_end && !has_start) {
		err_set(&c->err, ING_EINVAL, "--end needs --start");
		return 2;
	}
	if (has_start) {
		o.window = true;
		if (!has_end)
			o.win_end = o.win_start + 1;
	}
	const char *tl = cmd_str(c, "tables", NULL);
	if (tl && gen_tables_parse(tl, &o.tables, &c->err))
		return 2;

	struct gen_stats st;
	if (gen_thelook(&o, &st, &c->err)) {
		err_prefix(&c->err, "gen thelook");
		return 2;
	}
	if (c->g.quiet)
		return 0;
	uint64_t tb = 0, tr = 0;
	for (int t = 0; t < GEN_NTABLES; t++) {
		if (!st.t[t].files)
			continue;
		char hb[32];
		human_bytes(st.t[t].bytes, hb, sizeof(hb));
		fprintf(c->out, "%-22s %4u file%s %12llu rows %12s\n", gen_tables[t].name, st.t[t].files,
		       st.t[t].files == 1 ? " " : "s", (unsigned long long)st.t[t].rows, hb);
		tb += st.t[t].bytes;
		tr += st.t[t].rows;
	}
	char hb[32];
	human_bytes(tb, hb, sizeof(hb));
	double s = st.seconds > 0 ? st.seconds : 1e-9;
	fprintf(c->out, "wrote %llu rows, %s%s to %s in %.2f s (%.0f MB/s)\n", (unsigned long long)tr, hb,
	       o.gzip ? " compressed" : "", o.out, st.seconds, tb / s / 1e6);
	if (o.dirty > 0)
		fprintf(c->out, "%llu defects listed in %s/_defects.csv\n", (unsigned long long)st.defects, o.out);
	return 0;
}

const struct cmd_spec cmd_gen_thelook = {
	.name = "gen thelook",
	.summary = "write deterministic thelook-style e-commerce CSV data",
	.usage = "ingot gen thelook [--scale N] [--out DIR] [--seed N] [--files N] [--threads N] "
		 "[--tables A,B] [--gzip] [--start DATE [--end DATE]] [--dirty RATE]",
	.opts = opts,
	.flags = 0,
	.run = run,
};
