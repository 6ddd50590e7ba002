/*
 * cmd/cmd_source.c — `ingot source freshness`: how old each source table's
 * newest data is, against its `freshness:` thresholds, as `dbt source
 * freshness` reports it.
 *
 * Every source table with a freshness: block (warn_after and/or
 * error_after; `freshness: null` turns one off) is measured by
 * quality/freshness.c — the same code the quality page of `ingot serve`
 * uses: max(loaded_at_field) [where filter], or, without loaded_at_field,
 * the newest file ingot loaded into it. Results go to the console and to
 * target/sources.json (dbt's sources v3 schema; -o elsewhere).
 * --select/-s takes source:NAME, source:NAME.TABLE (the `source:` may be
 * left out; * and ? match; a trailing + is accepted and ignored).
 * Exit 0 when all pass or warn, 1 when one is stale past error_after or
 * could not be measured, 2 for a project or selection error.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "config/sources.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/version.h"
#include "quality/freshness.h"
#include "warehouse/warehouse.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct opt opts[] = {
	{"select", 's', OPT_LIST, "SELECTOR", "source:NAME or source:NAME.TABLE (default: all)"},
	{"output", 'o', OPT_STR, "PATH", "where to write the results (default target/sources.json)"},
	{"threads", 0, OPT_INT, "N", "accepted for dbt compatibility (tables are measured in turn)"},
	{0},
};

/* Does selector word w pick table t of source s? -1: not a selector we take. */
static int picks(const char *w, const char *s, const char *t)
{
	char buf[512];
	if (!strncmp(w, "source:", 7))
		w += 7;
	else if (strchr(w, ':'))
		return -1;
	snprintf(buf, sizeof buf, "%s", w);
	size_t n = strlen(buf);
	while (n && buf[n - 1] == '+')
		buf[--n] = 0;
	char *dot = strchr(buf, '.');
	if (dot)
		*dot = 0;
	if (fnmatch(buf, s, 0))
		return 0;
	return !dot || !fnmatch(dot + 1, t, 0);
}

static void threshold_json(struct jw *w, const char *key, int64_t count, const char *period)
{
	jw_key(w, key);
	jw_obj_begin(w);
	if (count) {
		jw_key(w, "count");
		jw_int(w, count);
		jw_key(w, "period");
		jw_str(w, period ? period : "hour");
	}
	jw_obj_end(w);
}

static void iso(struct jw *w, int64_t us)
{
	char b[48];
	ts_format_iso(us, b);
	jw_str(w, b);
}

static int run(struct cmd_ctx *c)
{
	struct project *p = c->project;
	size_t nsel = 0;
	const char *const *sel = cmd_list(c, "select", &nsel);
	for (size_t i = 0; i < nsel; i++)
		if (picks(sel[i], "", "") < 0) {
			err_set(&c->err, ING_EINVAL,
				"invalid selector '%s': source freshness selects with source:NAME or "
				"source:NAME.TABLE",
				sel[i]);
			return 2;
		}
	struct arena *a = arena_new(0);
	struct source_set set = {0};
	struct wh_db *db = NULL;
	struct wh_conn *conn = NULL;
	struct buf js = BUF_INIT;
	int rc = 0;
	if (sources_load(p, a, &set, &c->err)) {
		rc = 2;
		goto out;
	}
	/* the tables to measure */
	size_t total = 0;
	for (size_t i = 0; i < set.n; i++)
		for (size_t j = 0; j < set.items[i].ntables; j++) {
			const struct src_table *t = &set.items[i].tables[j];
			bool any = !nsel;
			for (size_t k = 0; k < nsel && !any; k++)
				any = picks(sel[k], set.items[i].name, t->name) == 1;
			if (any && t->freshness && t->freshness->type == Y_MAP &&
			    (freshness_threshold_us(t->freshness, "warn_after") ||
			     freshness_threshold_us(t->freshness, "error_after")))
				total++;
		}
	if (!total) {
		fprintf(stderr, "warning: no source table with a freshness: threshold was selected; "
				"nothing to do\n");
	}
	if (total && (wh_open(&p->target, &db, &c->err) || wh_connect(db, &conn, &c->err))) {
		err_prefix(&c->err, "cannot open target '%s' (%s)", p->target.name, p->target.type);
		rc = 2;
		goto out;
	}
	bool have_files = false;
	if (conn) {
		enum wh_rel_kind k = WH_REL_NONE;
		struct err ke = ERR_INIT;
		have_files = !wh_relation_kind(conn, "_ingot", "loaded_files", &k, &ke) && k != WH_REL_NONE;
		err_clear(&ke);
	}
	int64_t t0 = now_us();
	double m0 = mono_seconds();
	struct jw w;
	jw_init(&w, &js, true);
	jw_obj_begin(&w);
	jw_key(&w, "metadata");
	jw_obj_begin(&w);
	jw_key(&w, "dbt_schema_version");
	jw_str(&w, "https://schemas.getdbt.com/dbt/sources/v3.json");
	jw_key(&w, "dbt_version");
	jw_str(&w, INGOT_DBT_VERSION);
	jw_key(&w, "generated_at");
	iso(&w, t0);
	jw_key(&w, "invocation_id");
	{
		char id[64];
		snprintf(id, sizeof id, "%016llx-%d", (unsigned long long)t0, (int)getpid());
		jw_str(&w, id);
	}
	jw_key(&w, "env");
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_key(&w, "results");
	jw_arr_begin(&w);
	int npass = 0, nwarn = 0, nerr = 0, idx = 0;
	FILE *out = c->g.quiet ? NULL : c->out;
	for (size_t i = 0; i < set.n; i++)
		for (size_t j = 0; j < set.items[i].ntables; j++) {
			const struct source *s = &set.items[i];
			const struct src_table *t = &s->tables[j];
			bool any = !nsel;
			for (size_t k = 0; k < nsel && !any; k++)
				any = picks(sel[k], s->name, t->name) == 1;
			if (!any || !t->freshness || t->freshness->type != Y_MAP ||
			    !(freshness_threshold_us(t->freshness, "warn_after") ||
			      freshness_threshold_us(t->freshness, "error_after")))
				continue;
			idx++;
			char what[256];
			snprintf(what, sizeof what, "freshness of %s.%s", s->name, t->name);
			if (out)
				fprintf(out, "%d of %zu START %s [RUN]\n", idx, total, what);
			int64_t st = now_us();
			double ms = mono_seconds();
			struct freshness_result fr;
			struct err qe = ERR_INIT;
			int qrc;
			if (!t->loaded_at_field && !have_files) {
				memset(&fr, 0, sizeof fr);
				fr.error = arena_printf(a, "%s has no loaded_at_field and ingot has not "
							   "loaded it: add loaded_at_field: to %s",
							what + 13, s->file ? s->file : "its properties file");
				qrc = -1;
			} else {
				qrc = freshness_check(conn, s, t, have_files, now_us(), a, &fr, &qe);
			}
			double el = mono_seconds() - ms;
			err_clear(&qe);
			if (qrc && conn) { /* PostgreSQL: an aborted transaction ends with the statement */
				wh_disconnect(conn);
				conn = NULL;
				if (wh_connect(db, &conn, &c->err)) {
					rc = 2;
					goto out;
				}
			}
			const char *status = qrc ? "runtime error" : fr.status;
			const char *label = qrc				  ? "ERROR"
					    : !strcmp(status, "pass") ? "PASS"
					    : !strcmp(status, "warn") ? "WARN"
								      : "ERROR STALE";
			if (qrc || !strcmp(status, "error"))
				nerr++;
			else if (!strcmp(status, "warn"))
				nwarn++;
			else
				npass++;
			if (out) {
				fprintf(out, "%d of %zu %s %s [%s in %.2fs]\n", idx, total, label, what, label,
					el);
				if (qrc)
					fprintf(out, "  %s\n", fr.error);
			}
			jw_obj_begin(&w);
			jw_key(&w, "unique_id");
			char uid[512];
			snprintf(uid, sizeof uid, "source.%s.%s.%s", p->name, s->name, t->name);
			jw_str(&w, uid);
			if (qrc) {
				jw_key(&w, "error");
				jw_str(&w, fr.error);
				jw_key(&w, "status");
				jw_str(&w, status);
				jw_obj_end(&w);
				continue;
			}
			jw_key(&w, "max_loaded_at");
			if (fr.newest_us)
				iso(&w, fr.newest_us);
			else
				jw_null(&w);
			jw_key(&w, "snapshotted_at");
			iso(&w, fr.checked_us);
			jw_key(&w, "max_loaded_at_time_ago_in_s");
			if (fr.newest_us)
				jw_double(&w, (double)(fr.checked_us - fr.newest_us) / 1e6);
			else
				jw_null(&w);
			jw_key(&w, "status");
			jw_str(&w, status);
			jw_key(&w, "criteria");
			jw_obj_begin(&w);
			threshold_json(&w, "warn_after", fr.warn_count, fr.warn_period);
			threshold_json(&w, "error_after", fr.error_count, fr.error_period);
			jw_key(&w, "filter");
			jw_str(&w, fr.filter);
			jw_obj_end(&w);
			jw_key(&w, "adapter_response");
			jw_obj_begin(&w);
			jw_obj_end(&w);
			jw_key(&w, "timing");
			jw_arr_begin(&w);
			static const char *const phases[] = {"compile", "execute"};
			for (int ph = 0; ph < 2; ph++) {
				jw_obj_begin(&w);
				jw_key(&w, "name");
				jw_str(&w, phases[ph]);
				jw_key(&w, "started_at");
				iso(&w, st); /* compile takes no time: no SQL to render */
				jw_key(&w, "completed_at");
				iso(&w, ph ? st + (int64_t)(el * 1e6) : st);
				jw_obj_end(&w);
			}
			jw_arr_end(&w);
			jw_key(&w, "thread_id");
			jw_str(&w, "Thread-1");
			jw_key(&w, "execution_time");
			jw_double(&w, el);
			jw_obj_end(&w);
		}
	jw_arr_end(&w);
	jw_key(&w, "elapsed_time");
	jw_double(&w, mono_seconds() - m0);
	jw_obj_end(&w);
	buf_putc(&js, '\n');
	{
		const char *o = cmd_str(c, "output", NULL);
		char *path = o ? (o[0] == '/' ? xstrdup(o) : xasprintf("%s/%s", p->dir, o))
			       : path_join(p->target_path, "sources.json");
		char *dir = path_dirname(path);
		if (fs_mkdir_p(dir, &c->err) || fs_write_atomic(path, js.data, js.len, &c->err))
			rc = 2;
		free(dir);
		free(path);
	}
	if (out && total)
		fprintf(out, "\nFinished running %zu source%s in %.2fs.\nDone. PASS=%d WARN=%d ERROR=%d "
			     "TOTAL=%zu\n",
			total, total == 1 ? "" : "s", mono_seconds() - m0, npass, nwarn, nerr, total);
	if (!rc && nerr)
		rc = 1;
out:
	wh_disconnect(conn);
	wh_close(db);
	buf_free(&js);
	arena_free(a);
	return rc;
}

const struct cmd_spec cmd_source_freshness = {
	.name = "source freshness",
	.summary = "check source freshness, writing target/sources.json (dbt source freshness)",
	.usage = "ingot source freshness [-s source:NAME[.TABLE] ...] [-o PATH]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF,
	.run = run,
};
