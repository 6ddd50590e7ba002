/*
 * cmd/cmd_run_operation.c — `ingot run-operation MACRO [--args YAML]`:
 * call a macro of the project or a package (`pkg.macro`) against the
 * target, as `dbt run-operation` does (transform_run_operation). Its log()
 * messages print; target/run_results.json records it (which:
 * run-operation, so `ingot retry` calls a failed one again); exit 0, 1 when
 * the macro fails or does not exist, 2 for a project or --args error.
 */
#include "cmd/cmd_transform.h"
#include "cmd/commands.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/cancel.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/version.h"
#include "transform/transform.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const struct opt opts[] = {
	{"args", 0, OPT_STR, "YAML", "the macro's keyword arguments, e.g. '{table: x, n: 3}'"},
	{0},
};

/* target/run_results.json for the operation, as dbt writes it: one result
 * (the macro's unique id, success or error) and args naming the macro and
 * its arguments, so `ingot retry` can call it again. */
static void write_results(struct cmd_ctx *c, const char *uid, const char *macro, const char *args,
			  bool ok, const char *msg, int64_t t0, int64_t t1)
{
	struct project *p = c->project;
	struct buf b = BUF_INIT;
	struct jw w;
	char ts[48];
	jw_init(&w, &b, true);
	jw_obj_begin(&w);
	jw_key(&w, "metadata");
	jw_obj_begin(&w);
	jw_key(&w, "dbt_schema_version");
	jw_str(&w, "https://schemas.getdbt.com/dbt/run-results/v6.json");
	jw_key(&w, "dbt_version");
	jw_str(&w, INGOT_DBT_VERSION);
	jw_key(&w, "generated_at");
	ts_format_iso(t1, ts);
	jw_str(&w, ts);
	jw_key(&w, "invocation_id");
	char id[64];
	snprintf(id, sizeof id, "%016llx-%d", (unsigned long long)t0, (int)getpid());
	jw_str(&w, id);
	jw_key(&w, "env");
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_key(&w, "results");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_key(&w, "status");
	jw_str(&w, ok ? "success" : "error");
	jw_key(&w, "timing");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_key(&w, "name");
	jw_str(&w, "execute");
	jw_key(&w, "started_at");
	ts_format_iso(t0, ts);
	jw_str(&w, ts);
	jw_key(&w, "completed_at");
	ts_format_iso(t1, ts);
	jw_str(&w, ts);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "thread_id");
	jw_str(&w, "MainThread");
	jw_key(&w, "execution_time");
	jw_double(&w, (double)(t1 - t0) / 1e6);
	jw_key(&w, "adapter_response");
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_key(&w, "message");
	jw_str(&w, ok ? NULL : msg);
	jw_key(&w, "failures");
	jw_int(&w, ok ? 0 : 1);
	jw_key(&w, "unique_id");
	jw_str(&w, uid);
	jw_key(&w, "compiled");
	jw_null(&w);
	jw_key(&w, "compiled_code");
	jw_null(&w);
	jw_key(&w, "relation_name");
	jw_null(&w);
	jw_key(&w, "batch_results");
	jw_null(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "elapsed_time");
	jw_double(&w, (double)(t1 - t0) / 1e6);
	jw_key(&w, "args");
	jw_obj_begin(&w);
	jw_key(&w, "which");
	jw_str(&w, "run-operation");
	jw_key(&w, "macro");
	jw_str(&w, macro);
	jw_key(&w, "args");
	jw_str(&w, args ? args : "{}");
	jw_obj_end(&w);
	jw_obj_end(&w);
	buf_putc(&b, '\n');
	char *path = path_join(p->target_path, "run_results.json");
	struct err we = ERR_INIT;
	if (fs_mkdir_p(p->target_path, &we) || fs_write_atomic(path, b.data, b.len, &we))
		fprintf(stderr, "warning: could not write %s: %s\n", path, we.msg ? we.msg : "");
	err_clear(&we);
	free(path);
	buf_free(&b);
}

int cmd__run_operation(struct cmd_ctx *c, const char *macro, const char *args)
{
	struct project *p = c->project;
	struct wh_db *db = NULL;
	if (wh_open(&p->target, &db, &c->err)) {
		err_prefix(&c->err, "cannot open target '%s' (%s)", p->target.name, p->target.type);
		return 2;
	}
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.no_version_check = c->g.no_version_check;
	o.vars = c->g.vars;
	o.console = c->g.quiet ? NULL : c->out;
	o.out = c->out;
	o.color = c->g.color;
	struct cancel *tok = cancel_new();
	struct cmd_sigcancel *sc = cmd_sigcancel_start(tok);
	o.cancel = tok;
	char *uid = NULL;
	int64_t t0 = now_us();
	int trc = transform_run_operation(p, db, macro, args, &o, &uid, &c->err);
	int64_t t1 = now_us();
	int sigrc = cmd_sigcancel_stop(sc);
	cancel_free(tok);
	wh_close(db);
	if (uid) {
		char *msg = trc ? err_string(&c->err) : NULL;
		write_results(c, uid, macro, args, !trc, msg, t0, t1);
		free(msg);
		free(uid);
	}
	if (sigrc)
		return sigrc;
	return !trc ? 0 : trc == ING_EFAIL ? 1 : 2;
}

static int run(struct cmd_ctx *c)
{
	if (c->pos.len != 1) {
		err_set(&c->err, ING_EINVAL, "usage: %s", c->spec->usage);
		return 2;
	}
	return cmd__run_operation(c, c->pos.items[0], cmd_str(c, "args", NULL));
}

const struct cmd_spec cmd_run_operation = {
	.name = "run-operation",
	.summary = "call a macro against the target (dbt run-operation)",
	.usage = "ingot run-operation MACRO [--args YAML]",
	.opts = opts,
	.flags = CMD_NEEDS_PROJECT | CMD_HANDOFF | CMD_POSITIONAL,
	.run = run,
};
