/*
 * cmd/cmd_infra.c — `ingot infra plan|apply|destroy|drift|show|lake-maintain|
 * export terraform`: the platform of platform.yml (see docs/infra.md).
 *
 * Every command but show and export reads the actual world first: plan and
 * drift print the difference (exit 2 when there is one, as Terraform's
 * -detailed-exitcode), apply and destroy change it under one lock per
 * environment (.ingot/infra-<env>.lock) and record what ingot manages in
 * .ingot/infra-<env>.json.
 *
 * The environment is a profile target: --env, else the global --target,
 * else the profile's default.
 */
#include "cmd/commands.h"
#include "config/project.h"
#include "config/sources.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "infra/infra.h"
#include "warehouse/warehouse.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct infra_cmd {
	struct arena *a;
	const char *env;
	struct target tgt;
	const struct target *t;
	struct source_set src;
	struct infra_spec *spec;
	struct wh_db *db;
	struct wh_conn *conn;
	const char *state_path, *lock_path;
	const char **managed;
	size_t nmanaged;
	struct infra_world *world;
	int lock_fd;
};

static void ic_release(struct infra_cmd *ic)
{
	if (ic->lock_fd >= 0)
		close(ic->lock_fd);
	wh_disconnect(ic->conn);
	wh_close(ic->db);
	arena_free(ic->a);
}

char *cmd_infra_quarantine(const struct project *p, const char *lake_root)
{
	if (!p)
		return NULL;
	char *file = path_join(p->dir, "platform.yml");
	bool exists = fs_exists(file);
	free(file);
	if (!exists)
		return NULL;
	struct arena *a = arena_new(0);
	struct source_set src = {0};
	struct infra_spec *spec = NULL;
	struct err e = ERR_INIT;
	char *q = NULL;
	if (sources_load(p, a, &src, &e) || infra_spec_load(p, &src, &p->target, a, &spec, &e)) {
		char *msg = err_string(&e);
		log_warn("%s; a load refused above max_bad_records leaves its files in the lake "
			 "(no quarantine)",
			 msg ? msg : "platform.yml does not read");
		free(msg);
	} else if (spec->quarantine) {
		q = path_join(lake_root ? lake_root : spec->lake_root, spec->quarantine);
	}
	err_clear(&e);
	arena_free(a);
	return q;
}

/* Load the project's platform.yml for the environment; connect when
 * asked. 0, or the exit code (2) with c->err set. */
static int ic_open(struct cmd_ctx *c, struct infra_cmd *ic, bool connect)
{
	struct project *p = c->project;
	memset(ic, 0, sizeof(*ic));
	ic->lock_fd = -1;
	ic->a = arena_new(0);
	const char *env = cmd_str(c, "env", NULL);
	if (!env)
		env = c->g.target;
	ic->t = &p->target;
	if (env && strcmp(env, p->target.name)) {
		struct project_opts po = {.profiles_dir = c->g.profiles_dir, .target = env};
		if (target_resolve(p->arena, p->dir, p->profile, &po, &ic->tgt, &c->err))
			return 2;
		ic->t = &ic->tgt;
	}
	ic->env = ic->t->name;
	if (sources_load(p, ic->a, &ic->src, &c->err) ||
	    infra_spec_load(p, &ic->src, ic->t, ic->a, &ic->spec, &c->err) ||
	    infra_spec_check_env(ic->spec, ic->env, &c->err))
		return 2;
	char *ingot_dir = path_join(p->dir, ".ingot");
	ic->state_path = arena_printf(ic->a, "%s/infra-%s.json", ingot_dir, ic->env);
	ic->lock_path = arena_printf(ic->a, "%s/infra-%s.lock", ingot_dir, ic->env);
	free(ingot_dir);
	if (infra_state_read(ic->state_path, ic->a, &ic->managed, &ic->nmanaged, &c->err))
		return 2;
	if (!connect)
		return 0;
	if (wh_open(ic->t, &ic->db, &c->err) || wh_connect(ic->db, &ic->conn, &c->err))
		return 2;
	if (infra_world_read(ic->spec, ic->managed, ic->nmanaged, ic->conn, ic->a, &ic->world,
			     &c->err))
		return 2;
	return 0;
}

static int ic_lock(struct cmd_ctx *c, struct infra_cmd *ic)
{
	char *dir = path_dirname(ic->lock_path);
	int rc = fs_mkdir_p(dir, &c->err);
	free(dir);
	if (rc)
		return 2;
	ic->lock_fd = fs_lock(ic->lock_path, false, &c->err);
	if (ic->lock_fd < 0) {
		err_clear(&c->err);
		err_set(&c->err, ING_ECONFLICT,
			"another ingot infra apply or destroy is running for environment '%s' "
			"(it holds %s); wait for it",
			ic->env, ic->lock_path);
		return 2;
	}
	return 0;
}

static void header(struct cmd_ctx *c, const struct infra_cmd *ic, const char *what)
{
	fprintf(c->out, "%s: environment '%s' (%s), lake %s\n\n", what, ic->env,
		ic->world->engine ? ic->world->engine : "no warehouse", ic->spec->lake_root);
}

static int make_plan(struct cmd_ctx *c, struct infra_cmd *ic, enum infra_mode mode,
		     struct infra_plan **plan)
{
	struct infra_plan_opts o = {
		.mode = mode,
		.env = ic->env,
		.managed = ic->managed,
		.nmanaged = ic->nmanaged,
	};
	if (mode == INFRA_PLAN_DESTROY) {
		o.force = cmd_flag(c, "force");
		o.force_data = cmd_flag(c, "force-data");
	}
	return infra_plan_make(ic->spec, ic->world, &o, ic->a, plan, &c->err) ? 2 : 0;
}

static void print_plan(struct cmd_ctx *c, const struct infra_plan *plan)
{
	struct buf b = BUF_INIT;
	infra_plan_render(plan, c->g.color, &b);
	fputs(buf_cstr(&b), c->out);
	buf_free(&b);
}

/* ---- plan ---- */

static const struct opt plan_opts[] = {
	{"env", 'e', OPT_STR, "ENV", "the environment (profile target); default: --target"},
	{"out", 'o', OPT_STR, "FILE", "save the plan for `ingot infra apply FILE`"},
	{0},
};

static int run_plan(struct cmd_ctx *c)
{
	struct infra_cmd ic;
	struct infra_plan *plan = NULL;
	int rc = ic_open(c, &ic, true);
	if (!rc)
		rc = make_plan(c, &ic, INFRA_PLAN_APPLY, &plan);
	if (!rc) {
		header(c, &ic, "ingot infra plan");
		print_plan(c, plan);
		const char *out = cmd_str(c, "out", NULL);
		if (out) {
			struct buf j = BUF_INIT;
			infra_plan_json(plan, &j);
			if (fs_write_atomic(out, j.data, j.len, &c->err))
				rc = 2;
			else
				fprintf(c->out, "\nSaved the plan to %s: apply it with `ingot infra "
						"apply %s`.\n",
					out, out);
			buf_free(&j);
		}
		if (!rc)
			rc = plan->nactions ? 2 : 0;
		if (!plan->nactions)
			fprintf(c->out, "No changes. The platform matches platform.yml.\n");
	}
	ic_release(&ic);
	return rc;
}

/* ---- apply / destroy ---- */

static int confirm(struct cmd_ctx *c, const char *what)
{
	if (cmd_flag(c, "yes"))
		return 0;
	if (!isatty(STDIN_FILENO)) {
		err_set(&c->err, ING_EINVAL,
			"%s needs confirmation and standard input is not a terminal: pass --yes "
			"(CI), or apply a saved plan file",
			what);
		return 2;
	}
	fprintf(c->out, "\nDo you want to perform these actions? Only 'yes' will be accepted: ");
	fflush(c->out);
	char line[64] = "";
	if (!fgets(line, sizeof(line), stdin) || strcmp(str_trim(line), "yes")) {
		err_set(&c->err, ING_ECANCELED, "%s cancelled: nothing was changed", what);
		return 1;
	}
	return 0;
}

static int do_apply(struct cmd_ctx *c, struct infra_cmd *ic, const struct infra_plan *plan,
		    bool destroy)
{
	struct buf prog = BUF_INIT;
	int rc = infra_apply(plan, ic->conn, NULL, &prog, &c->err) ? 1 : 0;
	fputs(buf_cstr(&prog), c->out);
	buf_free(&prog);
	/* the state follows the world, also after a failure midway */
	struct infra_world *after = NULL;
	struct err e2 = ERR_INIT;
	if (destroy && !rc) {
		unlink(ic->state_path);
	} else if (infra_world_read(ic->spec, ic->managed, ic->nmanaged, ic->conn, ic->a, &after,
				    &e2) ||
		   infra_state_write(ic->state_path, ic->spec, after, ic->env, ic->a, &e2)) {
		if (!rc) {
			err_move(&c->err, &e2);
			rc = 2;
		}
	}
	err_clear(&e2);
	if (!rc)
		fprintf(c->out, "\n%s complete! Resources: %zu added, %zu changed, %zu destroyed.\n",
			destroy ? "Destroy" : "Apply", plan->nadd, plan->nchange, plan->ndestroy);
	return rc;
}

static const struct opt apply_opts[] = {
	{"env", 'e', OPT_STR, "ENV", "the environment (profile target); default: --target"},
	{"yes", 'y', OPT_FLAG, NULL, "apply without asking (CI)"},
	{0},
};

static int run_apply(struct cmd_ctx *c)
{
	struct infra_cmd ic;
	struct infra_plan *plan = NULL;
	const char *file = c->pos.len ? c->pos.items[0] : NULL;
	if (c->pos.len > 1) {
		err_set(&c->err, ING_EINVAL, "ingot infra apply takes one plan file");
		return 2;
	}
	int rc = ic_open(c, &ic, true);
	if (!rc)
		rc = ic_lock(c, &ic);
	if (!rc && file) {
		struct buf text = BUF_INIT;
		if (fs_read_file(file, &text, 64u << 20, &c->err) ||
		    infra_plan_parse(buf_cstr(&text), text.len, file, ic.a, &plan, &c->err)) {
			rc = 2;
		} else if (!plan->env || strcmp(plan->env, ic.env)) {
			err_set(&c->err, ING_EINVAL,
				"%s is a plan for environment '%s', not '%s': pass --env %s", file,
				plan->env ? plan->env : "?", ic.env, plan->env ? plan->env : "?");
			rc = 2;
		} else if (strcmp(plan->fingerprint, ic.world->fingerprint)) {
			err_set(&c->err, ING_ECONFLICT,
				"the platform changed since %s was made (its world %.12s, now "
				"%.12s): nothing was applied; run ingot infra plan again",
				file, plan->fingerprint, ic.world->fingerprint);
			rc = 1;
		}
		buf_free(&text);
		if (!rc) {
			fprintf(c->out, "ingot infra apply: the saved plan %s, environment '%s'\n\n",
				file, ic.env);
			print_plan(c, plan);
			fputc('\n', c->out);
		}
	} else if (!rc) {
		rc = make_plan(c, &ic, INFRA_PLAN_APPLY, &plan);
		if (!rc) {
			header(c, &ic, "ingot infra apply");
			print_plan(c, plan);
			if (plan->nactions)
				rc = confirm(c, "ingot infra apply");
			if (!rc)
				fputc('\n', c->out);
		}
	}
	if (!rc) {
		if (!plan->nactions) {
			fprintf(c->out, "No changes. The platform matches platform.yml.\n");
			if (infra_state_write(ic.state_path, ic.spec, ic.world, ic.env, ic.a, &c->err))
				rc = 2;
		} else {
			rc = do_apply(c, &ic, plan, false);
		}
	}
	ic_release(&ic);
	return rc;
}

static const struct opt destroy_opts[] = {
	{"env", 'e', OPT_STR, "ENV", "the environment (profile target); default: --target"},
	{"yes", 'y', OPT_FLAG, NULL, "destroy without asking (CI)"},
	{"force", 0, OPT_FLAG, NULL, "also destroy schemas with prevent_destroy: true"},
	{"force-data", 0, OPT_FLAG, NULL,
	 "also drop schemas that hold tables and delete folders that hold files"},
	{0},
};

static int run_destroy(struct cmd_ctx *c)
{
	struct infra_cmd ic;
	struct infra_plan *plan = NULL;
	int rc = ic_open(c, &ic, true);
	if (!rc)
		rc = ic_lock(c, &ic);
	if (!rc)
		rc = make_plan(c, &ic, INFRA_PLAN_DESTROY, &plan);
	if (!rc) {
		header(c, &ic, "ingot infra destroy");
		print_plan(c, plan);
		if (plan->nerrors) {
			err_set(&c->err, ING_EINVAL,
				"destroy refused (%zu protected resources above): nothing was "
				"changed",
				plan->nerrors);
			rc = 2;
		} else if (!plan->nactions) {
			fprintf(c->out, "\nNothing to destroy.\n");
		} else if (!(rc = confirm(c, "ingot infra destroy"))) {
			fputc('\n', c->out);
			rc = do_apply(c, &ic, plan, true);
		}
	}
	ic_release(&ic);
	return rc;
}

/* ---- drift ---- */

static const struct opt env_opts[] = {
	{"env", 'e', OPT_STR, "ENV", "the environment (profile target); default: --target"},
	{0},
};

static int run_drift(struct cmd_ctx *c)
{
	struct infra_cmd ic;
	struct infra_plan *plan = NULL;
	int rc = ic_open(c, &ic, true);
	if (!rc)
		rc = make_plan(c, &ic, INFRA_PLAN_APPLY, &plan);
	if (!rc && !plan->nactions) {
		fprintf(c->out, "No drift: environment '%s' matches platform.yml.\n", ic.env);
	} else if (!rc) {
		fprintf(c->out,
			"DRIFT: environment '%s' differs from platform.yml in %zu resources "
			"(%zu missing, %zu changed, %zu extra):\n\n",
			ic.env, plan->nactions, plan->nadd, plan->nchange, plan->ndestroy);
		print_plan(c, plan);
		fprintf(c->out, "\nRun `ingot infra apply --env %s` to repair it.\n", ic.env);
		rc = 2;
	}
	ic_release(&ic);
	return rc;
}

/* ---- show ---- */

static int run_show(struct cmd_ctx *c)
{
	struct infra_cmd ic;
	int rc = ic_open(c, &ic, false);
	if (!rc && !fs_exists(ic.state_path)) {
		fprintf(c->out, "No state for environment '%s': run `ingot infra apply`.\n",
			ic.env);
	} else if (!rc) {
		json_error_t je;
		json_t *root = json_load_file(ic.state_path, 0, &je);
		if (!root) {
			err_setloc(&c->err, ING_EPARSE, ic.state_path, je.line, je.column, "%s",
				   je.text);
			rc = 2;
		} else {
			const char *keys[] = {"env", "engine", "lake_root", "applied_at",
					      "fingerprint"};
			fprintf(c->out, "# %s\n", ic.state_path);
			for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
				const char *v = json_string_value(json_object_get(root, keys[i]));
				fprintf(c->out, "%-12s %s\n", keys[i], v ? v : "");
			}
			fprintf(c->out, "\nresources (%zu):\n", ic.nmanaged);
			for (size_t i = 0; i < ic.nmanaged; i++)
				fprintf(c->out, "  %s\n", ic.managed[i]);
			json_decref(root);
		}
	}
	ic_release(&ic);
	return rc;
}

/* ---- lake-maintain ---- */

static const struct opt lake_opts[] = {
	{"env", 'e', OPT_STR, "ENV", "the environment (profile target); default: --target"},
	{"dry-run", 0, OPT_FLAG, NULL, "say what would move and be deleted; change nothing"},
	{0},
};

static int run_lake(struct cmd_ctx *c)
{
	struct infra_cmd ic;
	int rc = ic_open(c, &ic, true);
	struct infra_lake_opts o = {.now_us = now_us(), .dry_run = cmd_flag(c, "dry-run")};
	const char *fake = getenv("INGOT_NOW"); /* tests pin the clock */
	if (!rc && fake && *fake && ts_parse(fake, strlen(fake), &o.now_us)) {
		err_set(&c->err, ING_EINVAL, "INGOT_NOW '%s' is not a timestamp", fake);
		rc = 2;
	}
	if (!rc)
		rc = ic_lock(c, &ic);
	if (!rc) {
		struct buf rep = BUF_INIT;
		int moved = 0, deleted = 0;
		rc = infra_lake_maintain(ic.spec, &ic.src, ic.conn, &o, &rep, &moved, &deleted,
					 &c->err)
			     ? 1
			     : 0;
		fputs(buf_cstr(&rep), c->out);
		if (!rc)
			fprintf(c->out, "%s%d files archived, %d deleted%s.\n", rep.len ? "\n" : "",
				moved, deleted, o.dry_run ? " (dry run: nothing changed)" : "");
		buf_free(&rep);
	}
	ic_release(&ic);
	return rc;
}

/* ---- export terraform ---- */

static const struct opt export_opts[] = {
	{"env", 'e', OPT_STR, "ENV", "the environment (profile target); default: --target"},
	{"provider", 0, OPT_STR, "NAME", "the cloud: google"},
	{"out", 'o', OPT_STR, "DIR", "where to write the .tf files"},
	{0},
};

static int run_export(struct cmd_ctx *c)
{
	const char *prov = cmd_str(c, "provider", NULL), *out = cmd_str(c, "out", NULL);
	if (!prov || strcmp(prov, "google")) {
		err_set(&c->err, ING_EINVAL,
			"--provider %s: the provider ingot exports is google (GCS and BigQuery)",
			prov ? prov : "(missing)");
		return 2;
	}
	if (!out) {
		err_set(&c->err, ING_EINVAL, "--out DIR is required");
		return 2;
	}
	struct infra_cmd ic;
	int rc = ic_open(c, &ic, false);
	if (!rc && infra_export_terraform(ic.spec, &ic.src, c->project->name, out, &c->err))
		rc = 2;
	if (!rc)
		fprintf(c->out, "Wrote %s/main.tf, variables.tf and outputs.tf (provider google).\n",
			out);
	ic_release(&ic);
	return rc;
}

const struct cmd_spec cmd_infra_plan = {
	.name = "infra plan",
	.summary = "compare platform.yml with the warehouse and lake; exit 2 on changes",
	.usage = "ingot infra plan [--env ENV] [--out FILE]",
	.opts = plan_opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run_plan,
};

const struct cmd_spec cmd_infra_apply = {
	.name = "infra apply",
	.summary = "make the platform match platform.yml (or apply a saved plan)",
	.usage = "ingot infra apply [PLANFILE] [--env ENV] [--yes]",
	.opts = apply_opts,
	.flags = CMD_NEEDS_PROJECT | CMD_POSITIONAL,
	.run = run_apply,
};

const struct cmd_spec cmd_infra_destroy = {
	.name = "infra destroy",
	.summary = "remove what platform.yml declares (guarded)",
	.usage = "ingot infra destroy [--env ENV] [--yes] [--force] [--force-data]",
	.opts = destroy_opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run_destroy,
};

const struct cmd_spec cmd_infra_drift = {
	.name = "infra drift",
	.summary = "report where the platform differs from platform.yml; exit 2 on drift",
	.usage = "ingot infra drift [--env ENV]",
	.opts = env_opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run_drift,
};

const struct cmd_spec cmd_infra_show = {
	.name = "infra show",
	.summary = "print the infra state of an environment",
	.usage = "ingot infra show [--env ENV]",
	.opts = env_opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run_show,
};

const struct cmd_spec cmd_infra_lake_maintain = {
	.name = "infra lake-maintain",
	.summary = "archive loaded lake files and delete old archived ones",
	.usage = "ingot infra lake-maintain [--env ENV] [--dry-run]",
	.opts = lake_opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run_lake,
};

const struct cmd_spec cmd_infra_export_terraform = {
	.name = "infra export terraform",
	.summary = "write platform.yml as Terraform for GCP (GCS, BigQuery, IAM)",
	.usage = "ingot infra export terraform --provider google --out DIR",
	.opts = export_opts,
	.flags = CMD_NEEDS_PROJECT,
	.run = run_export,
};
