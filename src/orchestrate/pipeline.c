/*
 * orchestrate/pipeline.c — decode and validate pipeline files (pipeline.h).
 *
 * The format is data: schema tables (struct yfield) decode the top level,
 * `defaults:` and each task, so unknown keys and type errors come from
 * yaml_decode with their location. Then the cross-field checks: exactly one
 * task kind, unique ids, known dependencies, no cycles (named), a schedule
 * that parses and can fire, a known time zone, pools that exist.
 *
 * Not here: templating ({{ ds }} is rendered when a task runs, so the file
 * keeps its text) and anything about runs or state.
 */
#include "orchestrate/pipeline.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/version.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TASKS 10000

static const char *const kind_names[] = {"empty", "load", "build", "run",   "test",
					 "seed",  "snapshot", "sql", "shell", "sensor"};
static const char *const rule_names[] = {"all_success", "all_failed",  "all_done",
					 "one_success", "one_failed",  "none_failed",
					 "none_failed_min_one_success", "always"};

const char *task_kind_name(enum task_kind k)
{
	return kind_names[k];
}

const char *trigger_rule_name(enum trigger_rule r)
{
	return rule_names[r];
}

/* ---- custom setters ---- */

static int set_duration(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	int64_t d = v->type == Y_SCALAR ? duration_parse(v->str) : -1;
	if (d < 0)
		return yerr(e, v, ING_ECONFIG, "'%s' is not a duration (like 30s, 10m, 2h, 1d)",
			    v->type == Y_SCALAR ? v->str : "");
	*(int64_t *)dst = d;
	return 0;
}

static int set_rule(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	for (size_t i = 0; v->type == Y_SCALAR && i < ARRAY_SIZE(rule_names); i++)
		if (!strcmp(v->str, rule_names[i])) {
			*(enum trigger_rule *)dst = (enum trigger_rule)i;
			return 0;
		}
	return yerr(e, v, ING_ECONFIG,
		    "unknown trigger_rule '%s' (all_success, all_failed, all_done, one_success, "
		    "one_failed, none_failed, none_failed_min_one_success, always)",
		    v->type == Y_SCALAR ? v->str : "");
}

static int set_backoff(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	if (v->type == Y_SCALAR && !strcmp(v->str, "fixed"))
		*(enum backoff *)dst = BACKOFF_FIXED;
	else if (v->type == Y_SCALAR && !strcmp(v->str, "exponential"))
		*(enum backoff *)dst = BACKOFF_EXPONENTIAL;
	else
		return yerr(e, v, ING_ECONFIG, "retry_backoff must be fixed or exponential");
	return 0;
}

static const struct yfield alert_fields[] = {
	{"webhook", YF_STR, offsetof(struct alert, webhook), false, NULL, 0},
	{"command", YF_STR, offsetof(struct alert, command), false, NULL, 0},
	{0},
};

static int set_alert(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	struct alert *al = dst;
	memset(al, 0, sizeof(*al));
	if (yaml_decode(v, alert_fields, al, 0, a, e))
		return ING_ECONFIG;
	if (al->webhook && strncmp(al->webhook, "http://", 7) && strncmp(al->webhook, "https://", 8))
		return yerr(e, ymap_get(v, "webhook"), ING_ECONFIG,
			    "webhook must be an http:// or https:// URL");
	if (!al->webhook && !al->command)
		return yerr(e, v, ING_ECONFIG, "an alert needs webhook: or command:");
	if (al->webhook && !ingot_feature_built("webhooks")) {
		const struct ynode *w = ymap_get(v, "webhook");
		log_warn("%s:%d:%d: this ingot was built without webhooks (WITH_CURL=0): the alert "
			 "webhook will NOT be sent; install libcurl4-openssl-dev and rebuild",
			 w->file ? w->file : "?", w->line, w->col);
	}
	return 0;
}

struct kv {
	const char **keys, **vals;
	size_t n;
};

/* A flat mapping of scalars. */
static int decode_kv(const struct ynode *v, struct kv *out, struct arena *a, struct err *e,
		     const char *what)
{
	if (v->type != Y_MAP)
		return yerr(e, v, ING_ECONFIG, "%s must be a mapping", what);
	out->n = v->n;
	out->keys = arena_alloc(a, (v->n + 1) * sizeof(char *));
	out->vals = arena_alloc(a, (v->n + 1) * sizeof(char *));
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *x = v->items[i];
		if (x->type != Y_SCALAR && x->type != Y_NULL)
			return yerr(e, x, ING_ECONFIG, "%s values must be plain values", what);
		out->keys[i] = v->keys[i]->str;
		out->vals[i] = x->type == Y_SCALAR ? x->str : "";
	}
	return 0;
}

/* start_date / end_date: a date or a timestamp; no zone = the pipeline's. */
static int parse_when(const struct ynode *v, const struct tz *z, int64_t *out, struct err *e)
{
	int64_t us;
	const char *s = v->type == Y_SCALAR ? v->str : "";
	size_t n = strlen(s);
	bool zoned = n > 10 && (s[n - 1] == 'Z' || strstr(s + 10, "+") || strstr(s + 10, "UTC") ||
				(n > 16 && strchr(s + 16, '-')));
	if (ts_parse(s, n, &us))
		return yerr(e, v, ING_ECONFIG, "'%s' is not a date (YYYY-MM-DD[ HH:MM[:SS]])", s);
	int64_t t = us / US_PER_SEC;
	if (!zoned) {
		int64_t u[2], ge = 0;
		int k = tz_resolve(z, t, u, &ge);
		t = k ? u[0] : ge;
	}
	*out = t;
	return 0;
}

/* ---- tables ---- */

enum { K_LOAD, K_BUILD, K_RUN, K_TEST, K_SEED, K_SNAPSHOT, K_SQL, K_SHELL, K_SENSOR, K_EMPTY, K_N };
static const char *const kind_keys[K_N] = {"load", "build", "run",    "test",   "seed",
					   "snapshot", "sql", "shell", "sensor", "empty"};
static const enum task_kind kind_of_key[K_N] = {TK_LOAD, TK_BUILD, TK_RUN,   TK_TEST,   TK_SEED,
						TK_SNAPSHOT, TK_SQL, TK_SHELL, TK_SENSOR, TK_EMPTY};

struct task_dec {
	struct task_def t;
	const struct ynode *kinds[K_N];
	const struct ynode *env;
};

#define POLICY_FIELDS(T, P)                                                                  \
	{"retries", YF_INT, offsetof(T, P.retries), false, NULL, 0},                            \
	{"retry_delay", YF_CUSTOM, offsetof(T, P.retry_delay_us), false, set_duration, YS_TEXT},      \
	{"retry_backoff", YF_CUSTOM, offsetof(T, P.backoff), false, set_backoff, YS_TEXT},            \
	{"retry_jitter", YF_BOOL, offsetof(T, P.jitter), false, NULL, 0},                       \
	{"max_retry_delay", YF_CUSTOM, offsetof(T, P.max_retry_delay_us), false, set_duration, YS_TEXT}, \
	{"timeout", YF_CUSTOM, offsetof(T, P.timeout_us), false, set_duration, YS_TEXT},              \
	{"trigger_rule", YF_CUSTOM, offsetof(T, P.trigger_rule), false, set_rule, YS_TEXT},           \
	{"pool", YF_STR, offsetof(T, P.pool), false, NULL, 0},                                  \
	{"on_failure", YF_CUSTOM, offsetof(T, P.alerts.on_failure), false, set_alert, YS_MAP},       \
	{"on_success", YF_CUSTOM, offsetof(T, P.alerts.on_success), false, set_alert, YS_MAP},       \
	{"on_retry", YF_CUSTOM, offsetof(T, P.alerts.on_retry), false, set_alert, YS_MAP}

static const struct yfield default_fields[] = {
	POLICY_FIELDS(struct task_def, pol),
	{0},
};

static const struct yfield task_fields[] = {
	{"id", YF_STR, offsetof(struct task_dec, t.id), true, NULL, 0},
	{"description", YF_STR, offsetof(struct task_dec, t.description), false, NULL, 0},
	{"depends_on", YF_STRLIST, offsetof(struct task_dec, t.depends_on), false, NULL, 0},
	{"tags", YF_STRLIST, offsetof(struct task_dec, t.tags), false, NULL, 0},
	{"env", YF_NODE, offsetof(struct task_dec, env), false, NULL, YS_MAP},
	{"target", YF_STR, offsetof(struct task_dec, t.target), false, NULL, 0},
	POLICY_FIELDS(struct task_dec, t.pol),
	{"load", YF_NODE, offsetof(struct task_dec, kinds[K_LOAD]), false, NULL, YS_TEXT | YS_SEQ},
	{"build", YF_NODE, offsetof(struct task_dec, kinds[K_BUILD]), false, NULL, YS_TEXT | YS_MAP},
	{"run", YF_NODE, offsetof(struct task_dec, kinds[K_RUN]), false, NULL, YS_TEXT | YS_MAP},
	{"test", YF_NODE, offsetof(struct task_dec, kinds[K_TEST]), false, NULL, YS_TEXT | YS_MAP},
	{"seed", YF_NODE, offsetof(struct task_dec, kinds[K_SEED]), false, NULL, YS_TEXT | YS_MAP},
	{"snapshot", YF_NODE, offsetof(struct task_dec, kinds[K_SNAPSHOT]), false, NULL, YS_TEXT | YS_MAP},
	{"sql", YF_NODE, offsetof(struct task_dec, kinds[K_SQL]), false, NULL, YS_TEXT},
	{"shell", YF_NODE, offsetof(struct task_dec, kinds[K_SHELL]), false, NULL, YS_TEXT},
	{"sensor", YF_NODE, offsetof(struct task_dec, kinds[K_SENSOR]), false, NULL, YS_TEXT | YS_MAP},
	{"empty", YF_NODE, offsetof(struct task_dec, kinds[K_EMPTY]), false, NULL, YS_TEXT},
	{0},
};

struct dbt_dec {
	const char *select, *exclude;
	bool full_refresh;
	bool no_reuse;
};
static const struct yfield dbt_fields[] = {
	{"select", YF_STR, offsetof(struct dbt_dec, select), false, NULL, 0},
	{"exclude", YF_STR, offsetof(struct dbt_dec, exclude), false, NULL, 0},
	{"full_refresh", YF_BOOL, offsetof(struct dbt_dec, full_refresh), false, NULL, 0},
	{"no_reuse", YF_BOOL, offsetof(struct dbt_dec, no_reuse), false, NULL, 0},
	{0},
};

struct sensor_dec {
	const char *glob, *root;
	int64_t poke, timeout;
};
static const struct yfield sensor_fields[] = {
	{"glob", YF_STR, offsetof(struct sensor_dec, glob), true, NULL, 0},
	{"root", YF_STR, offsetof(struct sensor_dec, root), false, NULL, 0},
	{"poke_interval", YF_CUSTOM, offsetof(struct sensor_dec, poke), false, set_duration, YS_TEXT},
	{"timeout", YF_CUSTOM, offsetof(struct sensor_dec, timeout), false, set_duration, YS_TEXT},
	{0},
};

struct top_dec {
	struct pipeline p;
	const struct ynode *schedule, *start, *end, *params, *pools, *defaults, *tasks;
	struct ystrlist tags;
};

static const struct yfield top_fields[] = {
	{"pipeline", YF_STR, offsetof(struct top_dec, p.id), true, NULL, 0},
	{"description", YF_STR, offsetof(struct top_dec, p.description), false, NULL, 0},
	{"schedule", YF_NODE, offsetof(struct top_dec, schedule), false, NULL, YS_TEXT},
	{"timezone", YF_STR, offsetof(struct top_dec, p.timezone), false, NULL, 0},
	{"start_date", YF_NODE, offsetof(struct top_dec, start), false, NULL, YS_TEXT},
	{"end_date", YF_NODE, offsetof(struct top_dec, end), false, NULL, YS_TEXT},
	{"catchup", YF_BOOL, offsetof(struct top_dec, p.catchup), false, NULL, 0},
	{"max_active_runs", YF_INT, offsetof(struct top_dec, p.max_active_runs), false, NULL, 0},
	{"max_active_tasks", YF_INT, offsetof(struct top_dec, p.max_active_tasks), false, NULL, 0},
	{"params", YF_NODE, offsetof(struct top_dec, params), false, NULL, YS_MAP},
	{"pools", YF_NODE, offsetof(struct top_dec, pools), false, NULL, YS_MAP},
	{"defaults", YF_NODE, offsetof(struct top_dec, defaults), false, NULL, YS_MAP},
	{"on_failure", YF_CUSTOM, offsetof(struct top_dec, p.alerts.on_failure), false, set_alert, YS_MAP},
	{"on_success", YF_CUSTOM, offsetof(struct top_dec, p.alerts.on_success), false, set_alert, YS_MAP},
	{"on_retry", YF_CUSTOM, offsetof(struct top_dec, p.alerts.on_retry), false, set_alert, YS_MAP},
	{"sla", YF_STR, offsetof(struct top_dec, p.sla), false, NULL, 0},
	{"on_sla_miss", YF_CUSTOM, offsetof(struct top_dec, p.on_sla_miss), false, set_alert, YS_MAP},
	{"on_test_failure", YF_CUSTOM, offsetof(struct top_dec, p.on_test_failure), false, set_alert, YS_MAP},
	{"tags", YF_STRLIST, offsetof(struct top_dec, p.tags), false, NULL, 0},
	{"tasks", YF_NODE, offsetof(struct top_dec, tasks), true, NULL, YS_SEQ},
	{0},
};

static bool ident_ok(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return false;
	return true;
}

static int decode_kind(struct task_dec *d, int k, struct arena *a, struct err *e)
{
	struct task_def *t = &d->t;
	const struct ynode *v = d->kinds[k];
	t->kind = kind_of_key[k];
	switch (t->kind) {
	case TK_LOAD:
		if (v->type == Y_SCALAR) {
			t->tables.items = arena_alloc(a, sizeof(char *));
			t->tables.items[0] = v->str;
			t->tables.n = 1;
		} else if (v->type == Y_SEQ && v->n) {
			t->tables.items = arena_alloc(a, v->n * sizeof(char *));
			t->tables.n = v->n;
			for (size_t i = 0; i < v->n; i++) {
				if (v->items[i]->type != Y_SCALAR)
					return yerr(e, v->items[i], ING_ECONFIG,
						    "load: lists source tables (source.table)");
				t->tables.items[i] = v->items[i]->str;
			}
		} else {
			return yerr(e, v, ING_ECONFIG,
				    "load: needs a source table (source.table) or a list of them");
		}
		return 0;
	case TK_BUILD:
	case TK_RUN:
	case TK_TEST:
	case TK_SEED:
	case TK_SNAPSHOT:
		if (v->type == Y_SCALAR) {
			t->select = v->str;
		} else if (v->type == Y_MAP || v->type == Y_NULL) {
			struct dbt_dec dd = {0};
			if (yaml_decode(v, dbt_fields, &dd, 0, a, e))
				return ING_ECONFIG;
			t->select = dd.select;
			t->exclude = dd.exclude;
			t->full_refresh = dd.full_refresh;
			t->no_reuse = dd.no_reuse;
		} else {
			return yerr(e, v, ING_ECONFIG,
				    "%s: takes a selector or {select:, exclude:, full_refresh:, no_reuse:}",
				    kind_keys[k]);
		}
		return 0;
	case TK_SQL:
	case TK_SHELL:
		if (v->type != Y_SCALAR || !v->len)
			return yerr(e, v, ING_ECONFIG, "%s: needs %s", kind_keys[k],
				    k == K_SQL ? "a statement" : "a command");
		if (k == K_SQL)
			t->sql = v->str;
		else
			t->command = v->str;
		return 0;
	case TK_SENSOR: {
		struct sensor_dec sd = {NULL, NULL, 30 * US_PER_SEC, 24 * 3600 * US_PER_SEC};
		if (v->type == Y_SCALAR) {
			sd.glob = v->str;
		} else if (yaml_decode(v, sensor_fields, &sd, 0, a, e)) {
			return ING_ECONFIG;
		}
		if (sd.root && strcmp(sd.root, "lake") && strcmp(sd.root, "project"))
			return yerr(e, ymap_get(v, "root"), ING_ECONFIG,
				    "sensor root must be lake or project");
		if (sd.poke <= 0)
			return yerr(e, v, ING_ECONFIG, "poke_interval must be positive");
		t->sensor_glob = sd.glob;
		t->sensor_root = sd.root ? sd.root : "lake";
		t->poke_interval_us = sd.poke;
		t->sensor_timeout_us = sd.timeout;
		return 0;
	}
	case TK_EMPTY: {
		bool b = true;
		if (v->type != Y_NULL && yscalar_bool(v, &b))
			return yerr(e, v, ING_ECONFIG, "empty: takes true");
		return 0;
	}
	}
	return 0;
}

/* Depth-first cycle check; on a cycle, names it "a -> b -> a". */
static int check_cycles(struct pipeline *p, struct arena *a, struct err *e)
{
	size_t n = p->ntasks;
	int *mark = xcalloc(n ? n : 1, sizeof(int)); /* 0 new, 1 on stack, 2 done */
	size_t *stack = xcalloc(n ? n : 1, sizeof(size_t)), *pos = xcalloc(n ? n : 1, sizeof(size_t));
	size_t *order = arena_alloc(a, (n ? n : 1) * sizeof(size_t)), no = 0;
	int rc = 0;
	for (size_t s = 0; s < n && !rc; s++) {
		if (mark[s])
			continue;
		size_t sp = 0;
		stack[sp] = s;
		pos[sp++] = 0;
		mark[s] = 1;
		while (sp && !rc) {
			size_t v = stack[sp - 1];
			struct task_def *t = &p->tasks[v];
			if (pos[sp - 1] < t->nup) {
				size_t w = t->up[pos[sp - 1]++];
				if (mark[w] == 1) {
					struct buf b = BUF_INIT;
					size_t from = 0;
					while (stack[from] != w)
						from++;
					for (size_t i = from; i < sp; i++)
						buf_printf(&b, "%s -> ", p->tasks[stack[i]].id);
					buf_puts(&b, p->tasks[w].id);
					rc = yerr(e, t->node, ING_ECONFIG, "dependency cycle: %s",
						  buf_cstr(&b));
					buf_free(&b);
				} else if (!mark[w]) {
					mark[w] = 1;
					stack[sp] = w;
					pos[sp++] = 0;
				}
			} else {
				mark[v] = 2;
				order[no++] = v;
				sp--;
			}
		}
	}
	p->topo = order;
	free(mark);
	free(stack);
	free(pos);
	return rc;
}

int pipeline_parse(const char *file, const char *text, size_t len, struct arena *a,
		   struct pipeline **out, struct err *e)
{
	struct ynode *root;
	if (yaml_load_string(text, len, file, a, &root, e))
		return ING_ECONFIG;
	if (root->type != Y_MAP)
		return yerr(e, root, ING_ECONFIG, "a pipeline file is a mapping with pipeline: and tasks:");
	struct top_dec d;
	memset(&d, 0, sizeof(d));
	d.p.max_active_runs = 16;
	d.p.max_active_tasks = 16;
	if (yaml_decode(root, top_fields, &d, 0, a, e))
		return ING_ECONFIG;
	struct pipeline *p = arena_zalloc(a, sizeof(*p));
	*p = d.p;
	p->file = arena_strdup(a, file);
	p->source = arena_strndup(a, text, len);
	if (!ident_ok(p->id))
		return yerr(e, ymap_get(root, "pipeline"), ING_ECONFIG,
			    "pipeline id '%s' may hold only letters, digits, '_', '-' and '.'", p->id);
	if (p->max_active_runs < 1)
		return yerr(e, ymap_get(root, "max_active_runs"), ING_ECONFIG,
			    "max_active_runs must be at least 1");
	if (p->max_active_tasks < 1)
		return yerr(e, ymap_get(root, "max_active_tasks"), ING_ECONFIG,
			    "max_active_tasks must be at least 1");
	/* time zone, then schedule and dates in it */
	p->timezone = p->timezone ? p->timezone : "UTC";
	if (tz_get(p->timezone, &p->tz, e)) {
		struct err tmp = ERR_INIT;
		err_move(&tmp, e);
		yerr(e, ymap_get(root, "timezone"), ING_ECONFIG, "%s", tmp.msg);
		err_clear(&tmp);
		return ING_ECONFIG;
	}
	if (p->sla) {
		int hh = -1, mm = -1, used = 0;
		if (sscanf(p->sla, "%2d:%2d%n", &hh, &mm, &used) != 2 || p->sla[used] || hh < 0 || hh > 23 ||
		    mm < 0 || mm > 59 || strlen(p->sla) != 5)
			return yerr(e, ymap_get(root, "sla"), ING_ECONFIG,
				    "sla must be a time of day HH:MM (24 h, in the pipeline's timezone), not '%s'",
				    p->sla);
		p->has_sla = true;
		p->sla_min = hh * 60 + mm;
	}
	if (p->on_sla_miss.webhook || p->on_sla_miss.command) {
		if (!p->has_sla)
			return yerr(e, ymap_get(root, "on_sla_miss"), ING_ECONFIG,
				    "on_sla_miss needs sla: \"HH:MM\" (the time a run must have succeeded by)");
	}
	if (d.schedule && d.schedule->type == Y_SCALAR && strcmp(d.schedule->str, "none")) {
		struct err ce = ERR_INIT;
		if (cron_parse(d.schedule->str, &p->cron, &ce)) {
			/* a quoted scalar's mark is already past its quote */
			int col = d.schedule->col + (ce.col ? ce.col - 1 : 0);
			err_setloc(e, ING_ECONFIG, d.schedule->file, d.schedule->line, col, "schedule: %s",
				   ce.msg);
			err_clear(&ce);
			return ING_ECONFIG;
		}
		p->schedule = d.schedule->str;
	} else if (d.schedule && d.schedule->type != Y_SCALAR && d.schedule->type != Y_NULL) {
		return yerr(e, d.schedule, ING_ECONFIG, "schedule must be a cron expression or none");
	}
	if (d.start && d.start->type != Y_NULL) {
		if (parse_when(d.start, p->tz, &p->start_date, e))
			return ING_ECONFIG;
		p->has_start = true;
	}
	if (d.end && d.end->type != Y_NULL) {
		if (parse_when(d.end, p->tz, &p->end_date, e))
			return ING_ECONFIG;
		p->has_end = true;
	}
	if (p->has_start && p->has_end && p->end_date < p->start_date)
		return yerr(e, d.end, ING_ECONFIG, "end_date is before start_date");
	struct kv kv;
	if (d.params) {
		if (decode_kv(d.params, &kv, a, e, "params"))
			return ING_ECONFIG;
		p->param_keys = kv.keys;
		p->param_vals = kv.vals;
		p->nparams = kv.n;
	}
	if (d.pools) {
		if (decode_kv(d.pools, &kv, a, e, "pools"))
			return ING_ECONFIG;
		p->npools = kv.n;
		p->pool_names = kv.keys;
		p->pool_slots = arena_alloc(a, (kv.n + 1) * sizeof(int));
		for (size_t i = 0; i < kv.n; i++) {
			char *end;
			long v = strtol(kv.vals[i], &end, 10);
			if (*end || end == kv.vals[i] || v < 1 || v > 100000)
				return yerr(e, d.pools->items[i], ING_ECONFIG,
					    "pool '%s' needs a number of slots (1 or more)", kv.keys[i]);
			p->pool_slots[i] = (int)v;
		}
	}
	/* defaults */
	struct task_def proto;
	memset(&proto, 0, sizeof(proto));
	proto.pol.retry_delay_us = 300 * US_PER_SEC;
	proto.pol.max_retry_delay_us = 24 * 3600 * US_PER_SEC;
	proto.pol.jitter = true;
	if (d.defaults && yaml_decode(d.defaults, default_fields, &proto, 0, a, e))
		return ING_ECONFIG;
	/* tasks */
	if (d.tasks->type != Y_SEQ || !d.tasks->n)
		return yerr(e, d.tasks, ING_ECONFIG, "tasks: must be a non-empty list");
	if (d.tasks->n > MAX_TASKS)
		return yerr(e, d.tasks, ING_ELIMIT, "more than %d tasks", MAX_TASKS);
	p->ntasks = d.tasks->n;
	p->tasks = arena_zalloc(a, p->ntasks * sizeof(struct task_def));
	struct strmap ids = STRMAP_INIT;
	int rc = 0;
	for (size_t i = 0; i < p->ntasks && !rc; i++) {
		const struct ynode *tn = d.tasks->items[i];
		struct task_dec td;
		memset(&td, 0, sizeof(td));
		td.t.pol = proto.pol;
		bool jitter_set = ymap_get(tn, "retry_jitter") || (d.defaults && ymap_get(d.defaults, "retry_jitter"));
		if ((rc = yaml_decode(tn, task_fields, &td, 0, a, e)))
			break;
		if (!jitter_set)
			td.t.pol.jitter = td.t.pol.backoff == BACKOFF_EXPONENTIAL;
		td.t.node = tn;
		if (!ident_ok(td.t.id)) {
			rc = yerr(e, ymap_get(tn, "id"), ING_ECONFIG,
				  "task id '%s' may hold only letters, digits, '_', '-' and '.'", td.t.id);
			break;
		}
		if (strmap_has(&ids, td.t.id)) {
			rc = yerr(e, ymap_get(tn, "id"), ING_ECONFIG, "duplicate task id '%s'", td.t.id);
			break;
		}
		strmap_put(&ids, td.t.id, (void *)(uintptr_t)(i + 1));
		int kind = -1;
		for (int k = 0; k < K_N && !rc; k++) {
			if (!td.kinds[k] && !ymap_get(tn, kind_keys[k]))
				continue;
			if (!td.kinds[k])
				td.kinds[k] = ymap_get(tn, kind_keys[k]); /* explicit null */
			if (kind >= 0)
				rc = yerr(e, td.kinds[k], ING_ECONFIG,
					  "task '%s' has two kinds (%s and %s); use one", td.t.id,
					  kind_keys[kind], kind_keys[k]);
			kind = k;
		}
		if (rc)
			break;
		if (kind < 0) {
			rc = yerr(e, tn, ING_ECONFIG,
				  "task '%s' needs a kind: load, build, run, test, seed, snapshot, sql, "
				  "shell, sensor or empty",
				  td.t.id);
			break;
		}
		if ((rc = decode_kind(&td, kind, a, e)))
			break;
		if (td.env) {
			if (td.t.kind != TK_SHELL) {
				rc = yerr(e, td.env, ING_ECONFIG, "env: applies to shell tasks only");
				break;
			}
			if ((rc = decode_kv(td.env, &kv, a, e, "env")))
				break;
			td.t.env_keys = kv.keys;
			td.t.env_vals = kv.vals;
			td.t.nenv = kv.n;
		}
		if (td.t.target && td.t.kind != TK_LOAD && td.t.kind != TK_SQL &&
		    !task_kind_is_dbt(td.t.kind)) {
			rc = yerr(e, ymap_get(tn, "target"), ING_ECONFIG,
				  "target: applies to load, sql and dbt tasks only (the warehouse "
				  "credentials the task runs with)");
			break;
		}
		if (td.t.pol.retries < 0 || td.t.pol.retries > 1000) {
			rc = yerr(e, ymap_get(tn, "retries") ? ymap_get(tn, "retries") : d.defaults,
				  ING_ECONFIG, "retries must be between 0 and 1000");
			break;
		}
		p->tasks[i] = td.t;
	}
	/* dependencies and pools */
	for (size_t i = 0; i < p->ntasks && !rc; i++) {
		struct task_def *t = &p->tasks[i];
		t->up = arena_alloc(a, (t->depends_on.n + 1) * sizeof(size_t));
		const struct ynode *dn = ymap_get(t->node, "depends_on");
		for (size_t j = 0; j < t->depends_on.n && !rc; j++) {
			const char *dep = t->depends_on.items[j];
			uintptr_t k = (uintptr_t)strmap_get(&ids, dep);
			const struct ynode *at = dn && dn->type == Y_SEQ ? dn->items[j] : dn;
			if (!k) {
				const char *best = NULL;
				int bd = 3;
				for (size_t q = 0; q < p->ntasks; q++) {
					int dd = str_edit_distance(dep, p->tasks[q].id);
					if (dd < bd) {
						bd = dd;
						best = p->tasks[q].id;
					}
				}
				rc = yerr(e, at, ING_ECONFIG, "task '%s' depends on unknown task '%s'%s%s%s",
					  t->id, dep, best ? " (did you mean '" : "", best ? best : "",
					  best ? "'?)" : "");
			} else if (k - 1 == i) {
				rc = yerr(e, at, ING_ECONFIG, "task '%s' depends on itself", t->id);
			} else {
				bool dup = false;
				for (size_t q = 0; q < t->nup; q++)
					dup |= t->up[q] == k - 1;
				if (!dup)
					t->up[t->nup++] = k - 1;
			}
		}
		if (!rc && t->pol.pool) {
			bool found = false;
			for (size_t q = 0; q < p->npools; q++)
				found |= !strcmp(p->pool_names[q], t->pol.pool);
			if (!found) {
				const struct ynode *at = ymap_get(t->node, "pool");
				rc = yerr(e, at ? at : ymap_get(d.defaults, "pool"), ING_ECONFIG,
					  "unknown pool '%s' (declare it under pools:)", t->pol.pool);
			}
		}
	}
	strmap_free(&ids, NULL);
	if (!rc)
		rc = check_cycles(p, a, e);
	if (!rc)
		*out = p;
	return rc;
}

int pipeline_load_file(const char *path, struct arena *a, struct pipeline **out, struct err *e)
{
	struct buf b = BUF_INIT;
	int rc = fs_read_file(path, &b, 4 << 20, e);
	if (!rc)
		rc = pipeline_parse(path, buf_cstr(&b), b.len, a, out, e);
	buf_free(&b);
	return rc;
}

/* One catalog answer: located at `at` unless it carries its own place. */
static int check_answer(int rc, struct err *te, const struct task_def *t, const struct ynode *at,
			struct err *e)
{
	if (!rc)
		return 0;
	if (te->file) {
		err_move(e, te);
	} else {
		yerr(e, at, rc, "task '%s': %s", t->id, te->msg ? te->msg : "not found");
		err_clear(te);
	}
	return ING_ECONFIG;
}

int pipeline_check(const struct pipeline *p, const struct pipeline_catalog *c, struct err *e)
{
	for (size_t i = 0; i < p->ntasks; i++) {
		const struct task_def *t = &p->tasks[i];
		struct err te = ERR_INIT;
		if (t->target && c->target &&
		    check_answer(c->target(c->arg, t->target, &te), &te, t,
				 ymap_get(t->node, "target"), e))
			return ING_ECONFIG;
		if (t->kind == TK_LOAD && c->table) {
			const struct ynode *v = ymap_get(t->node, "load");
			for (size_t j = 0; j < t->tables.n; j++) {
				const char *name = t->tables.items[j];
				if (strstr(name, "{{"))
					continue;
				const struct ynode *at = v && v->type == Y_SEQ ? v->items[j] : v;
				if (check_answer(c->table(c->arg, name, &te), &te, t, at, e))
					return ING_ECONFIG;
			}
		} else if ((t->kind == TK_BUILD || t->kind == TK_RUN || t->kind == TK_TEST ||
			    t->kind == TK_SEED || t->kind == TK_SNAPSHOT) && c->select) {
			if ((t->select && strstr(t->select, "{{")) ||
			    (t->exclude && strstr(t->exclude, "{{")))
				continue;
			const struct ynode *v = ymap_get(t->node, kind_names[t->kind]);
			const struct ynode *at = v && v->type == Y_MAP && ymap_get(v, "select")
							 ? ymap_get(v, "select") : v;
			if (check_answer(c->select(c->arg, kind_names[t->kind], t->select, t->exclude, &te),
					 &te, t, at, e))
				return ING_ECONFIG;
		}
	}
	return 0;
}

int pipeline_task_index(const struct pipeline *p, const char *id)
{
	for (size_t i = 0; i < p->ntasks; i++)
		if (!strcmp(p->tasks[i].id, id))
			return (int)i;
	return -1;
}
