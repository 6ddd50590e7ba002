/*
 * tests/unit/test_orchestrate.c — pipeline files, templating, and the
 * engine on a controllable clock: trigger rules, retries and backoff,
 * timeouts, pools and limits, sensors, schedules with catchup, zombies.
 *
 * In-process tasks go through fake hooks (load of table "ok" succeeds,
 * "fail" fails, "flakyN" fails N times then succeeds); shell tasks are real
 * child processes. The clock only moves when a test moves it, so retry
 * delays and timeouts are checked exactly without sleeping through them.
 */
#include "test.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "orchestrate/orchestrate.h"
#include "orchestrate/state_int.h" /* white-box: raw SQL on the store */

#include <dirent.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

static int64_t fake_now;
static int64_t clock_now(void *arg)
{
	return fake_now;
}

static atomic_int flaky_calls;

static int fake_load(void *host, const char *const *tables, size_t n, struct orch_task_ctx *c,
		     struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		if (c->log)
			fprintf(c->log, "loading %s\n", tables[i]);
		if (!strcmp(tables[i], "sleepy")) {
			/* runs until cancelled, as a query would */
			while (!orch_ctx_cancelled(c))
				usleep(1000);
			return err_set(e, ING_ECANCELED, "canceled");
		}
		if (!strcmp(tables[i], "fail"))
			return err_set(e, ING_EFAIL, "table %s failed", tables[i]);
		if (!strncmp(tables[i], "flaky", 5)) {
			int k = atomic_fetch_add(&flaky_calls, 1);
			if (k < atoi(tables[i] + 5))
				return err_set(e, ING_EFAIL, "flaky failure %d", k + 1);
		}
	}
	return 0;
}

static const struct orch_hooks hooks = {.load = fake_load};

static struct pipeline *parse(const char *text, struct arena *a, struct err *e)
{
	struct pipeline *p = NULL;
	if (pipeline_parse("p.yml", text, strlen(text), a, &p, e))
		return NULL;
	return p;
}

static void parse_err(const char *text, int line, int col, const char *needle)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	if (parse(text, a, &e)) {
		test_fail(__FILE__, __LINE__, "parsed: %s", text);
	} else {
		if (e.line != line || e.col != col || !strstr(e.msg, needle))
			test_fail(__FILE__, __LINE__, "got %d:%d '%s', want %d:%d '%s'", e.line, e.col,
				  e.msg, line, col, needle);
		CHECK_STR(e.file, "p.yml");
	}
	err_clear(&e);
	arena_free(a);
}

TEST(pipeline_parse_full)
{
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct pipeline *p = parse(
		"pipeline: elt\n"
		"schedule: \"0 2 * * *\"\n"
		"timezone: Europe/London\n"
		"start_date: 2024-01-01\n"
		"catchup: true\n"
		"max_active_runs: 2\n"
		"params: {region: eu}\n"
		"pools: {db: 2}\n"
		"defaults: {retries: 2, retry_delay: 30s, retry_backoff: exponential, max_retry_delay: 10m, timeout: 30m}\n"
		"on_failure: {webhook: \"http://127.0.0.1:9/h\", command: \"echo x\"}\n"
		"tags: [a, b]\n"
		"tasks:\n"
		"  - {id: load_users, load: raw.users, pool: db}\n"
		"  - {id: load_orders, load: [raw.orders, raw.items]}\n"
		"  - {id: transform, build: {select: \"+marts\"}, depends_on: [load_users, load_orders]}\n"
		"  - {id: t2, test: \"tag:x\", depends_on: transform, retries: 0}\n"
		"  - {id: q, sql: \"select 1\", depends_on: [t2]}\n"
		"  - {id: s, sensor: {glob: \"x/*.csv\", poke_interval: 5s, timeout: 1h}}\n"
		"  - {id: notify, shell: \"echo {{ ds }}\", env: {A: b}, depends_on: [q, s], trigger_rule: all_done}\n"
		"  - {id: end, empty: true, depends_on: [notify]}\n",
		a, &e);
	CHECK_OK(p ? 0 : -1, &e);
	REQUIRE(p);
	CHECK_STR(p->id, "elt");
	CHECK_INT(p->ntasks, 8);
	CHECK(p->catchup);
	CHECK_INT(p->max_active_runs, 2);
	CHECK_INT(p->start_date, 1704067200);
	CHECK_INT(p->tasks[0].kind, TK_LOAD);
	CHECK_STR(p->tasks[0].pol.pool, "db");
	CHECK_INT(p->tasks[0].pol.retries, 2);
	CHECK_INT(p->tasks[0].pol.retry_delay_us, 30 * US_PER_SEC);
	CHECK(p->tasks[0].pol.backoff == BACKOFF_EXPONENTIAL && p->tasks[0].pol.jitter);
	CHECK_INT(p->tasks[1].tables.n, 2);
	CHECK_STR(p->tasks[2].select, "+marts");
	CHECK_INT(p->tasks[2].nup, 2);
	CHECK_INT(p->tasks[3].kind, TK_TEST);
	CHECK_INT(p->tasks[3].pol.retries, 0);
	CHECK_INT(p->tasks[5].poke_interval_us, 5 * US_PER_SEC);
	CHECK_INT(p->tasks[6].pol.trigger_rule, TR_ALL_DONE);
	CHECK_INT(p->tasks[6].nenv, 1);
	CHECK_INT(p->tasks[7].kind, TK_EMPTY);
	CHECK_STR(p->alerts.on_failure.webhook, "http://127.0.0.1:9/h");
	/* topo: every task after its upstream */
	int pos[8];
	for (size_t i = 0; i < 8; i++)
		pos[p->topo[i]] = (int)i;
	for (size_t i = 0; i < 8; i++)
		for (size_t k = 0; k < p->tasks[i].nup; k++)
			CHECK(pos[p->tasks[i].up[k]] < pos[i]);
	arena_free(a);
	err_clear(&e);
}

TEST(pipeline_parse_errors)
{
	parse_err("pipeline: x\nschedul: \"@daily\"\ntasks: [{id: a, empty: true}]\n", 2, 1,
		  "unknown key 'schedul' (did you mean 'schedule'?)");
	parse_err("pipeline: x\ntasks:\n  - {id: a, shel: \"x\"}\n", 3, 13, "unknown key 'shel'");
	parse_err("pipeline: x\nmax_active_runs: many\ntasks: [{id: a, empty: true}]\n", 2, 18,
		  "must be a whole number");
	parse_err("pipeline: x\ntasks:\n  - {id: a, empty: true}\n  - {id: b, empty: true, depends_on: [a, c]}\n",
		  4, 42, "unknown task 'c' (did you mean 'a'?)");
	parse_err("pipeline: x\ntasks:\n  - {id: a, empty: true, depends_on: b}\n  - {id: b, empty: true, depends_on: a}\n",
		  4, 5, "dependency cycle: a -> b -> a");
	parse_err("pipeline: x\nschedule: \"0 0 30 2 *\"\ntasks: [{id: a, empty: true}]\n", 2, 16,
		  "can never fire");
	parse_err("pipeline: x\nschedule: 61 * * * *\ntasks: [{id: a, empty: true}]\n", 2, 11,
		  "out of range");
	parse_err("pipeline: x\ntimezone: Mars/Base\ntasks: [{id: a, empty: true}]\n", 2, 11,
		  "unknown time zone");
	parse_err("pipeline: x\ntasks:\n  - {id: a, shell: x, pool: nope}\n", 3, 29, "unknown pool");
	parse_err("pipeline: x\ntasks:\n  - {id: a, shell: x, sql: y}\n", 3, 20, "two kinds");
	parse_err("pipeline: x\ntasks:\n  - {id: a}\n", 3, 5, "needs a kind");
	parse_err("pipeline: x\ntasks:\n  - {id: a, shell: x, retry_delay: soon}\n", 3, 36,
		  "not a duration");
	parse_err("pipeline: x\ntasks:\n  - {id: a, shell: x, trigger_rule: sometimes}\n", 3, 37,
		  "unknown trigger_rule");
	parse_err("pipeline: x\ntasks:\n  - {id: a, shell: x}\n  - {id: a, shell: y}\n", 4, 10,
		  "duplicate task id");
	parse_err("tasks: [{id: a, shell: x}]\n", 1, 1, "missing required key 'pipeline'");
}

TEST(render_context)
{
	const char *k[] = {"ds", "run_id"}, *v[] = {"2024-01-02", "r1"};
	const char *pk[] = {"region"}, *pv[] = {"eu"};
	struct orch_vars ctx = {k, v, 2}, params = {pk, pv, 1};
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK_OK(orch_render("x {{ ds }}/{{run_id}} {{ params.region }} {{ params['region'] }}", &ctx,
			     &params, &b, &e),
		 &e);
	CHECK_STR(buf_cstr(&b), "x 2024-01-02/r1 eu eu");
	buf_reset(&b);
	/* a name the context lacks is an error, never an empty string */
	CHECK(orch_render("echo {{ nope }}", &ctx, &params, &b, &e) < 0);
	CHECK(e.msg && strstr(e.msg, "'nope' is undefined") != NULL);
	err_clear(&e);
	buf_reset(&b);
	/* the full template language: filters, conditions */
	CHECK_OK(orch_render("{{ ds | replace('-', '') }}{% if params.region == 'eu' %} EU{% endif %}",
			     &ctx, &params, &b, &e),
		 &e);
	CHECK_STR(buf_cstr(&b), "20240102 EU");
	buf_reset(&b);
	/* plain text is copied */
	CHECK_OK(orch_render("echo 50% done", &ctx, &params, &b, &e), &e);
	CHECK_STR(buf_cstr(&b), "echo 50% done");
	buf_reset(&b);
	CHECK(orch_render("{% if x %}", &ctx, &params, &b, &e) < 0);
	err_clear(&e);
	buf_free(&b);
}

/* ---- engine helpers ---- */

struct fx {
	char *dir;
	struct orch *x;
	struct pipeline *p;
	struct arena *a;
};

static void fx_write(struct fx *f, const char *name, const char *yml)
{
	char *pd = path_join(f->dir, "pipelines");
	struct err e = ERR_INIT;
	fs_mkdir_p(pd, &e);
	char *path = path_join(pd, name);
	CHECK_OK(fs_write_atomic(path, yml, strlen(yml), &e), &e);
	free(path);
	free(pd);
}

static bool fx_open(struct fx *f, const char *yml, int parallelism, bool schedule)
{
	static int n;
	f->dir = xasprintf("%s/proj%d", test_tmpdir(), n++);
	f->a = arena_new(0);
	fx_write(f, "p.yml", yml);
	log_setup(LOG_LVL_ERROR, false);
	struct orch_opts o = {.project_dir = f->dir, .parallelism = parallelism, .now = clock_now,
			      .hooks = &hooks, .schedule = schedule, .kill_grace_us = US_PER_SEC};
	struct err e = ERR_INIT;
	if (orch_open(&o, &f->x, &e)) {
		test_fail(__FILE__, __LINE__, "orch_open: %s", e.msg);
		err_clear(&e);
		return false;
	}
	f->p = (struct pipeline *)orch_pipeline(f->x, "p");
	if (!f->p)
		test_fail(__FILE__, __LINE__, "pipeline p not loaded");
	return f->p != NULL;
}

static void fx_close(struct fx *f)
{
	orch_close(f->x);
	arena_free(f->a);
	free(f->dir);
}

static int64_t fx_run(struct fx *f)
{
	struct orch_run_req req = {.kind = "manual", .logical_date = fake_now};
	int64_t id = 0;
	struct err e = ERR_INIT;
	static int bump;
	req.logical_date += bump++; /* distinct keys */
	CHECK_OK(orch_run_create(orch_state(f->x), f->p, &req, fake_now, &id, NULL, &e), &e);
	CHECK_OK(orch_adopt_run(f->x, id, &e), &e);
	err_clear(&e);
	return id;
}

/* Step and wait (real time, bounded) until nothing changes for a while or
 * the run ends. The fake clock does not move. */
static void settle(struct fx *f, int64_t run)
{
	struct err e = ERR_INIT;
	for (int i = 0; i < 400; i++) {
		int64_t due;
		orch_step(f->x, &due, &e);
		const char *s = orch_run_state(f->x, run);
		if (s && (!strcmp(s, "success") || !strcmp(s, "failed")))
			break;
		orch_wait(f->x, 20000, &e);
	}
	err_clear(&e);
}

static char *q1(struct fx *f, const char *sql, int64_t run, const char *task)
{
	sqlite3_stmt *st;
	struct err e = ERR_INIT;
	char *out = NULL;
	if (st_prepare(orch_state(f->x), sql, &st, &e)) {
		test_fail(__FILE__, __LINE__, "%s", e.msg);
		err_clear(&e);
		return xstrdup("?");
	}
	sqlite3_bind_int64(st, 1, run);
	if (task)
		sqlite3_bind_text(st, 2, task, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out ? out : xstrdup("(null)");
}

#define CHECK_TASK(f, run, task, want)                                                        \
	do {                                                                                  \
		char *s_ = q1(f, "SELECT state FROM tasks WHERE run=?1 AND task=?2", run, task); \
		CHECK_STR(s_, want);                                                          \
		free(s_);                                                                     \
	} while (0)
#define CHECK_Q(f, sql, run, task, want)                                                      \
	do {                                                                                  \
		char *s_ = q1(f, sql, run, task);                                             \
		CHECK_STR(s_, want);                                                          \
		free(s_);                                                                     \
	} while (0)

TEST(engine_trigger_rules)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: a, load: ok}\n"
			"  - {id: b, load: fail}\n"
			"  - {id: c, empty: true, depends_on: [a, b]}\n"
			"  - {id: d, empty: true, depends_on: [b], trigger_rule: all_failed}\n"
			"  - {id: e, empty: true, depends_on: [a, b], trigger_rule: all_done}\n"
			"  - {id: f, empty: true, depends_on: [a, b], trigger_rule: one_success}\n"
			"  - {id: g, empty: true, depends_on: [a, b], trigger_rule: one_failed}\n"
			"  - {id: h, empty: true, depends_on: [a, b], trigger_rule: none_failed}\n"
			"  - {id: i, empty: true, depends_on: [a, b], trigger_rule: none_failed_min_one_success}\n"
			"  - {id: j, empty: true, depends_on: [c], trigger_rule: always}\n"
			"  - {id: k, empty: true, depends_on: [a], trigger_rule: all_failed}\n"
			"  - {id: l, empty: true, depends_on: [k]}\n"
			"  - {id: m, empty: true, depends_on: [k], trigger_rule: none_failed_min_one_success}\n"
			"  - {id: n, empty: true, depends_on: [k], trigger_rule: none_failed}\n"
			"  - {id: o, empty: true, depends_on: [a], trigger_rule: one_failed}\n"
			"  - {id: q, empty: true, depends_on: [c], trigger_rule: one_success}\n",
			4, false));
	int64_t run = fx_run(&f);
	settle(&f, run);
	CHECK_STR(orch_run_state(f.x, run), "failed");
	CHECK_TASK(&f, run, "a", "success");
	CHECK_TASK(&f, run, "b", "failed");
	CHECK_TASK(&f, run, "c", "upstream_failed");
	CHECK_TASK(&f, run, "d", "success");
	CHECK_TASK(&f, run, "e", "success");
	CHECK_TASK(&f, run, "f", "success");
	CHECK_TASK(&f, run, "g", "success");
	CHECK_TASK(&f, run, "h", "upstream_failed");
	CHECK_TASK(&f, run, "i", "upstream_failed");
	CHECK_TASK(&f, run, "j", "success");
	CHECK_TASK(&f, run, "k", "skipped");
	CHECK_TASK(&f, run, "l", "skipped");
	CHECK_TASK(&f, run, "m", "skipped");
	CHECK_TASK(&f, run, "n", "success");
	CHECK_TASK(&f, run, "o", "skipped");
	CHECK_TASK(&f, run, "q", "upstream_failed");
	CHECK_Q(&f, "SELECT error FROM attempts WHERE run=?1 AND task=?2", run, "b",
		"table fail failed");
	fx_close(&f);
}

TEST(engine_retries_fixed_delay)
{
	fake_now = 1700000000 * US_PER_SEC;
	atomic_store(&flaky_calls, 0);
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: a, load: flaky2, retries: 3, retry_delay: 60s}\n"
			"  - {id: b, load: ok, depends_on: [a]}\n",
			2, false));
	int64_t t0 = fake_now;
	int64_t run = fx_run(&f);
	settle(&f, run);
	CHECK_TASK(&f, run, "a", "up_for_retry");
	CHECK_Q(&f, "SELECT next_try_at - (SELECT ended_at FROM attempts WHERE run=?1 AND task=?2 AND attempt=1)"
		    " FROM tasks WHERE run=?1 AND task=?2", run, "a", "60000000");
	fake_now = t0 + 59 * US_PER_SEC;
	settle(&f, run);
	CHECK_Q(&f, "SELECT count(*) FROM attempts WHERE run=?1 AND task=?2", run, "a", "1");
	fake_now = t0 + 60 * US_PER_SEC;
	settle(&f, run);
	CHECK_Q(&f, "SELECT count(*) FROM attempts WHERE run=?1 AND task=?2", run, "a", "2");
	CHECK_TASK(&f, run, "a", "up_for_retry");
	fake_now = t0 + 120 * US_PER_SEC;
	settle(&f, run);
	CHECK_TASK(&f, run, "a", "success");
	CHECK_TASK(&f, run, "b", "success");
	CHECK_STR(orch_run_state(f.x, run), "success");
	CHECK_Q(&f, "SELECT group_concat(state, ',') FROM (SELECT state FROM attempts WHERE run=?1 AND task=?2 ORDER BY attempt)",
		run, "a", "failed,failed,success");
	fx_close(&f);
}

TEST(engine_retries_exponential_and_cap)
{
	fake_now = 1700000000 * US_PER_SEC;
	atomic_store(&flaky_calls, 0);
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: a, load: flaky9, retries: 3, retry_delay: 10s, retry_backoff: exponential,\n"
			"     retry_jitter: false, max_retry_delay: 30s}\n",
			2, false));
	int64_t run = fx_run(&f);
	int64_t want[] = {10, 20, 30};
	for (int i = 0; i < 3; i++) {
		settle(&f, run);
		CHECK_TASK(&f, run, "a", "up_for_retry");
		char *next = q1(&f, "SELECT next_try_at FROM tasks WHERE run=?1 AND task=?2", run, "a");
		CHECK_INT(strtoll(next, NULL, 10) - fake_now, want[i] * US_PER_SEC);
		fake_now = strtoll(next, NULL, 10);
		free(next);
	}
	settle(&f, run);
	CHECK_TASK(&f, run, "a", "failed");
	CHECK_Q(&f, "SELECT count(*) FROM attempts WHERE run=?1 AND task=?2", run, "a", "4");
	fx_close(&f);
}

TEST(engine_retry_jitter_bounds)
{
	fake_now = 1700000000 * US_PER_SEC;
	atomic_store(&flaky_calls, 0);
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: a, load: flaky9, retries: 4, retry_delay: 100s, retry_backoff: exponential}\n",
			2, false));
	int64_t run = fx_run(&f);
	int64_t base = 100;
	for (int i = 0; i < 4; i++, base *= 2) {
		settle(&f, run);
		char *next = q1(&f, "SELECT next_try_at FROM tasks WHERE run=?1 AND task=?2", run, "a");
		int64_t d = strtoll(next, NULL, 10) - fake_now;
		free(next);
		CHECK(d >= base * US_PER_SEC / 2 && d <= base * US_PER_SEC);
		fake_now += d;
	}
	fx_close(&f);
}

/* Does a live (not zombie) process of group pg exist? */
static bool group_alive(pid_t pg)
{
	DIR *d = opendir("/proc");
	bool alive = false;
	struct dirent *de;
	while (d && !alive && (de = readdir(d))) {
		char path[300], b[512];
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t n = fread(b, 1, sizeof(b) - 1, f);
		fclose(f);
		b[n] = 0;
		char *rp = strrchr(b, ')');
		char state;
		int ppid, pgrp;
		if (rp && sscanf(rp + 2, "%c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pg && state != 'Z')
			alive = true;
	}
	if (d)
		closedir(d);
	return alive;
}

TEST(engine_shell_timeout_kills_group)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: slow, shell: \"sleep 30 & sleep 30; echo never\", timeout: 5s}\n"
			"  - {id: after, shell: \"echo {{ ds }} $INGOT_TASK\", depends_on: [slow], trigger_rule: all_done}\n",
			2, false));
	int64_t run = fx_run(&f);
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	CHECK_TASK(&f, run, "slow", "running");
	CHECK_INT(due, fake_now + 5 * US_PER_SEC);
	char *pid = q1(&f, "SELECT pid FROM attempts WHERE run=?1 AND task=?2", run, "slow");
	pid_t pg = (pid_t)atoi(pid);
	free(pid);
	CHECK(pg > 0 && kill(-pg, 0) == 0);
	fake_now += 6 * US_PER_SEC;
	settle(&f, run);
	CHECK_TASK(&f, run, "slow", "failed");
	CHECK_Q(&f, "SELECT error FROM attempts WHERE run=?1 AND task=?2", run, "slow", "timed out after 5.00s");
	CHECK_TASK(&f, run, "after", "success");
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		gone = !group_alive(pg); /* the background sleep is killed too */
		if (!gone)
			usleep(20000);
	}
	CHECK(gone);
	char *log = q1(&f, "SELECT log_path FROM attempts WHERE run=?1 AND task=?2", run, "after");
	struct buf b = BUF_INIT;
	CHECK_OK(fs_read_file(log, &b, 0, &e), &e);
	CHECK_STR(buf_cstr(&b), "2023-11-14 after\n");
	buf_free(&b);
	free(log);
	fx_close(&f);
}

TEST(engine_inprocess_timeout_cancels)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: q, load: sleepy, timeout: 5s}\n"
			"  - {id: next, load: ok, depends_on: [q]}\n",
			2, false));
	int64_t run = fx_run(&f);
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	orch_wait(f.x, 50000, &e);
	orch_step(f.x, &due, &e);
	CHECK_TASK(&f, run, "q", "running");
	fake_now += 5 * US_PER_SEC;
	settle(&f, run);
	CHECK_TASK(&f, run, "q", "failed");
	CHECK_TASK(&f, run, "next", "upstream_failed");
	CHECK_Q(&f, "SELECT error FROM attempts WHERE run=?1 AND task=?2", run, "q", "timed out after 5.00s");
	fx_close(&f);
}

/* Highest number of attempts running at once, from the history. */
static int max_overlap(struct fx *f, int64_t run)
{
	char *s = q1(f,
		     "SELECT max(c) FROM (SELECT (SELECT count(*) FROM attempts b WHERE b.run=a.run AND"
		     " b.started_at <= a.started_at AND b.ended_at > a.started_at) AS c"
		     " FROM attempts a WHERE a.run=?1)",
		     run, NULL);
	int v = atoi(s);
	free(s);
	return v;
}

static void run_real_clock(struct fx *f, int64_t run)
{
	/* shell tasks end in real time: let the fake clock follow it */
	struct err e = ERR_INIT;
	for (int i = 0; i < 2000; i++) {
		fake_now = now_us();
		int64_t due;
		orch_step(f->x, &due, &e);
		const char *s = orch_run_state(f->x, run);
		if (s && (!strcmp(s, "success") || !strcmp(s, "failed")))
			break;
		orch_wait(f->x, 20000, &e);
	}
	err_clear(&e);
}

TEST(engine_parallelism_pools_limits)
{
	fake_now = now_us();
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"pools: {one: 1}\n"
			"tasks:\n"
			"  - {id: a, shell: \"sleep 0.2\"}\n"
			"  - {id: b, shell: \"sleep 0.2\"}\n"
			"  - {id: c, shell: \"sleep 0.2\"}\n"
			"  - {id: d, shell: \"sleep 0.2\"}\n"
			"  - {id: e, shell: \"sleep 0.2\"}\n",
			2, false));
	int64_t run = fx_run(&f);
	run_real_clock(&f, run);
	CHECK_STR(orch_run_state(f.x, run), "success");
	CHECK_INT(max_overlap(&f, run), 2); /* parallelism 2 */
	fx_close(&f);

	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"pools: {one: 1}\n"
			"tasks:\n"
			"  - {id: a, shell: \"sleep 0.2\", pool: one}\n"
			"  - {id: b, shell: \"sleep 0.2\", pool: one}\n"
			"  - {id: c, shell: \"sleep 0.2\", pool: one}\n",
			4, false));
	run = fx_run(&f);
	run_real_clock(&f, run);
	CHECK_STR(orch_run_state(f.x, run), "success");
	CHECK_INT(max_overlap(&f, run), 1); /* pool of one slot */
	fx_close(&f);

	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"max_active_tasks: 1\n"
			"tasks:\n"
			"  - {id: a, shell: \"sleep 0.2\"}\n"
			"  - {id: b, shell: \"sleep 0.2\"}\n",
			4, false));
	run = fx_run(&f);
	run_real_clock(&f, run);
	CHECK_INT(max_overlap(&f, run), 1);
	fx_close(&f);
}

TEST(engine_max_active_runs)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"max_active_runs: 1\n"
			"tasks:\n"
			"  - {id: a, load: ok, retries: 1, retry_delay: 1h}\n",
			4, false));
	atomic_store(&flaky_calls, 0);
	int64_t r1 = fx_run(&f), r2 = fx_run(&f);
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	CHECK_STR(orch_run_state(f.x, r1), "running");
	CHECK_STR(orch_run_state(f.x, r2), "queued");
	settle(&f, r1);
	CHECK_STR(orch_run_state(f.x, r1), "success");
	settle(&f, r2);
	CHECK_STR(orch_run_state(f.x, r2), "success");
	fx_close(&f);
}

TEST(engine_sensor_waits_for_file)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: s, sensor: {glob: \"in/{{ ds_nodash }}_*.csv\", root: project, poke_interval: 10s, timeout: 1h}}\n"
			"  - {id: after, load: ok, depends_on: [s]}\n",
			1, false));
	int64_t run = fx_run(&f);
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	CHECK_TASK(&f, run, "s", "running");
	CHECK_INT(due, fake_now + 10 * US_PER_SEC);
	fake_now += 10 * US_PER_SEC;
	orch_step(f.x, &due, &e);
	CHECK_TASK(&f, run, "s", "running");
	char *in = xasprintf("%s/in", f.dir);
	fs_mkdir_p(in, &e);
	char *file = xasprintf("%s/20231114_a.csv", in);
	CHECK_OK(fs_write_atomic(file, "x\n", 2, &e), &e);
	fake_now += 10 * US_PER_SEC;
	settle(&f, run);
	CHECK_TASK(&f, run, "s", "success");
	CHECK_TASK(&f, run, "after", "success");
	free(in);
	free(file);
	fx_close(&f);
}

TEST(engine_sensor_timeout)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: s, sensor: {glob: \"never/*\", poke_interval: 10s, timeout: 30s}}\n",
			1, false));
	int64_t run = fx_run(&f);
	for (int i = 0; i < 5; i++) {
		settle(&f, run);
		fake_now += 10 * US_PER_SEC;
	}
	settle(&f, run);
	CHECK_TASK(&f, run, "s", "failed");
	CHECK_Q(&f, "SELECT error FROM attempts WHERE run=?1 AND task=?2", run, "s", "sensor timed out after 30.00s");
	fx_close(&f);
}

TEST(engine_schedule_catchup)
{
	fake_now = 1704067200 * US_PER_SEC + 3 * 3600 * US_PER_SEC + 1800 * US_PER_SEC; /* 2024-01-01 03:30Z */
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"schedule: \"0 * * * *\"\n"
			"start_date: 2024-01-01\n"
			"catchup: true\n"
			"max_active_runs: 1\n"
			"tasks: [{id: a, load: ok}]\n",
			1, true));
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	CHECK_Q(&f, "SELECT count(*) FROM runs WHERE ?1 = ?1 AND kind='scheduled'", 0, NULL, "3");
	CHECK_Q(&f, "SELECT group_concat(state, ',') FROM (SELECT state FROM runs WHERE ?1=?1 ORDER BY logical_date)",
		0, NULL, "running,queued,queued");
	for (int i = 0; i < 50; i++) {
		orch_step(f.x, &due, &e);
		orch_wait(f.x, 10000, &e);
	}
	orch_step(f.x, &due, &e);
	CHECK_INT(due, 1704067200 * US_PER_SEC + 4 * 3600 * US_PER_SEC); /* sleeps till then */
	CHECK_Q(&f, "SELECT group_concat(state, ',') FROM (SELECT state FROM runs WHERE ?1=?1 ORDER BY logical_date)",
		0, NULL, "success,success,success");
	CHECK_Q(&f, "SELECT min(interval_start) || '-' || max(interval_end) FROM runs WHERE ?1=?1", 0, NULL,
		"1704067200000000-1704078000000000");
	/* the next hour's run appears when its interval ends */
	fake_now = 1704067200 * US_PER_SEC + 4 * 3600 * US_PER_SEC;
	orch_step(f.x, &due, &e);
	CHECK_Q(&f, "SELECT count(*) FROM runs WHERE ?1 = ?1", 0, NULL, "4");
	fx_close(&f);
}

TEST(engine_schedule_no_catchup)
{
	fake_now = 1704067200 * US_PER_SEC + 5 * 3600 * US_PER_SEC + 60 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"schedule: \"@hourly\"\n"
			"start_date: 2024-01-01\n"
			"tasks: [{id: a, load: ok}]\n",
			1, true));
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	CHECK_Q(&f, "SELECT count(*) || ' ' || min(logical_date) FROM runs WHERE ?1 = ?1", 0, NULL,
		"1 1704081600000000"); /* only 04:00-05:00 */
	fx_close(&f);
}

TEST(engine_zombie_recovery)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: a, load: ok, retries: 1, retry_delay: 1s}\n"
			"  - {id: b, load: ok, retries: 0}\n",
			1, false));
	int64_t run = fx_run(&f);
	/* pretend a dead scheduler was running both tasks */
	struct st *s = orch_state(f.x);
	struct err e = ERR_INIT;
	int64_t aid;
	CHECK_OK(st_run_set_state(s, run, "running", fake_now, &e), &e);
	CHECK_OK(st_attempt_begin(s, run, "a", 1, "/nonexistent", 999999, fake_now, 1, &aid, &e), &e);
	CHECK_OK(st_task_set(s, run, "a", "running", 1, 0, fake_now, 0, &e), &e);
	CHECK_OK(st_attempt_begin(s, run, "b", 1, "/nonexistent", 999999, fake_now, 1, &aid, &e), &e);
	CHECK_OK(st_task_set(s, run, "b", "running", 1, 0, fake_now, 0, &e), &e);
	char *dir = xstrdup(f.dir);
	orch_close(f.x);
	struct orch_opts o = {.project_dir = dir, .parallelism = 1, .now = clock_now, .hooks = &hooks,
			      .resume = true};
	REQUIRE(orch_open(&o, &f.x, &e) == 0);
	CHECK_Q(&f, "SELECT state || ': ' || error FROM attempts WHERE run=?1 AND task=?2 AND attempt=1", run, "a",
		"failed: zombie: the process running this attempt is gone (scheduler pid 999999 died)");
	CHECK_TASK(&f, run, "a", "up_for_retry");
	CHECK_TASK(&f, run, "b", "failed");
	fake_now += 2 * US_PER_SEC;
	settle(&f, run);
	CHECK_TASK(&f, run, "a", "success");
	CHECK_Q(&f, "SELECT count(*) FROM attempts WHERE run=?1 AND task=?2", run, "a", "2");
	CHECK_STR(orch_run_state(f.x, run), "failed");
	free(dir);
	fx_close(&f);
}

TEST(engine_lock_is_exclusive)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f, "pipeline: p\ntasks: [{id: a, empty: true}]\n", 1, false));
	CHECK(orch_scheduler_running(f.dir, NULL));
	struct orch_opts o = {.project_dir = f.dir, .now = clock_now};
	struct orch *y = NULL;
	struct err e = ERR_INIT;
	CHECK(orch_open(&o, &y, &e) == ING_ECONFLICT);
	CHECK(e.msg && strstr(e.msg, "a scheduler"));
	err_clear(&e);
	fx_close(&f);
}

TEST(engine_clear_reruns_failed)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: a, load: ok}\n"
			"  - {id: b, load: flaky1, depends_on: [a]}\n"
			"  - {id: c, load: ok, depends_on: [b]}\n",
			1, false));
	atomic_store(&flaky_calls, 0);
	int64_t run = fx_run(&f);
	settle(&f, run);
	CHECK_STR(orch_run_state(f.x, run), "failed");
	CHECK_TASK(&f, run, "c", "upstream_failed");
	int n = 0;
	struct err e = ERR_INIT;
	CHECK_OK(orch_run_clear(orch_state(f.x), run, "b", true, false, &n, &e), &e);
	CHECK_INT(n, 2);
	CHECK_TASK(&f, run, "a", "success");
	CHECK_TASK(&f, run, "b", "queued");
	char *dir = xstrdup(f.dir);
	orch_close(f.x);
	struct orch_opts o = {.project_dir = dir, .parallelism = 1, .now = clock_now, .hooks = &hooks,
			      .resume = true};
	REQUIRE(orch_open(&o, &f.x, &e) == 0);
	settle(&f, run);
	CHECK_STR(orch_run_state(f.x, run), "success");
	CHECK_Q(&f, "SELECT max(attempt) FROM attempts WHERE run=?1 AND task=?2", run, "b", "2");
	free(dir);
	fx_close(&f);
}

/* A COMMIT that fails must not leave its transaction open for the next
 * statement (which would then be committed or lost with it). The failure
 * is forced with a foreign key checked only at COMMIT. */
TEST(state_failed_commit_rolls_back)
{
	char *path = xasprintf("%s/commit/state.db", test_tmpdir());
	struct st *s = NULL;
	struct err e = ERR_INIT;
	REQUIRE(st_open(path, &s, &e) == 0);
	CHECK_OK(st_exec(s, "PRAGMA defer_foreign_keys=ON", &e), &e);
	CHECK_OK(st_begin(s, &e), &e);
	CHECK_OK(st_task_insert(s, 424242, "orphan", "queued", &e), &e); /* no such run */
	CHECK(st_commit(s, &e) < 0);
	CHECK(e.msg && strstr(e.msg, "FOREIGN KEY"));
	err_clear(&e);
	/* no transaction is left open: a new one starts, and the bad row is gone */
	CHECK(sqlite3_get_autocommit(s->db));
	CHECK_OK(st_begin(s, &e), &e);
	CHECK_OK(st_commit(s, &e), &e);
	sqlite3_stmt *q = NULL;
	REQUIRE(st_prepare(s, "SELECT count(*) FROM tasks WHERE task='orphan'", &q, &e) == 0);
	CHECK(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 0);
	sqlite3_finalize(q);
	st_close(s);
	free(path);
}

TEST(render_shell_quotes_values)
{
	const char *k[] = {"ds"}, *v[] = {"2024-01-02"};
	const char *pk[] = {"name", "empty", "q"}, *pv[] = {"a b; rm -rf x", "", "it's"};
	struct orch_vars ctx = {k, v, 1}, params = {pk, pv, 3};
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK_OK(orch_render_shell("echo {{ ds }} {{ params.name }} {{ params.empty }} {{ params.q }}"
				   " {{ params.name | safe }} {{ params.q | shell_quote }} '{{ 1 }}'",
				   &ctx, &params, &b, &e),
		 &e);
	CHECK_STR(buf_cstr(&b), "echo 2024-01-02 'a b; rm -rf x' '' 'it'\"'\"'s' a b; rm -rf x "
				"'it'\"'\"'s' '1'");
	buf_reset(&b);
	/* other fields are not quoted; shell_quote works there too */
	CHECK_OK(orch_render("{{ params.name }}|{{ params.name | shell_quote }}", &ctx, &params, &b, &e), &e);
	CHECK_STR(buf_cstr(&b), "a b; rm -rf x|'a b; rm -rf x'");
	buf_reset(&b);
	CHECK(orch_render_shell("echo {{ nope | shell_quote }}", &ctx, &params, &b, &e) < 0);
	CHECK(e.msg && strstr(e.msg, "'nope' is undefined"));
	err_clear(&e);
	buf_free(&b);
}

/* A version-1 history (no owner columns) is migrated when opened, keeping
 * its runs; opening again changes nothing. */
TEST(state_migrates_v1)
{
	char *path = xasprintf("%s/v1/state.db", test_tmpdir());
	struct st *s = NULL;
	struct err e = ERR_INIT;
	REQUIRE(st_open(path, &s, &e) == 0);
	struct st_run r = {.run_key = "k", .pipeline = "p", .kind = "manual", .state = "running",
			   .definition = "pipeline: p", .def_file = "p.yml", .queued_at = 1};
	CHECK_OK(st_run_insert(s, &r, &e), &e);
	/* back to the version 1 layout */
	CHECK_OK(st_exec(s,
			 "ALTER TABLE runs DROP COLUMN owner_pid; ALTER TABLE runs DROP COLUMN owner_host;"
			 " ALTER TABLE runs DROP COLUMN owner_start; ALTER TABLE runs DROP COLUMN owner_kind;"
			 " ALTER TABLE runs DROP COLUMN reason; UPDATE schema_version SET version=1",
			 &e),
		 &e);
	st_close(s);
	for (int pass = 0; pass < 2; pass++) {
		REQUIRE(st_open(path, &s, &e) == 0);
		sqlite3_stmt *q = NULL;
		REQUIRE(st_prepare(s, "SELECT (SELECT group_concat(version) FROM schema_version),"
				      " run_key, state, owner_pid IS NULL, reason IS NULL FROM runs", &q, &e) == 0);
		REQUIRE(sqlite3_step(q) == SQLITE_ROW);
		CHECK_STR((const char *)sqlite3_column_text(q, 0), "3");
		CHECK_STR((const char *)sqlite3_column_text(q, 1), "k");
		CHECK_STR((const char *)sqlite3_column_text(q, 2), "running");
		CHECK(sqlite3_column_int(q, 3) == !pass && sqlite3_column_int(q, 4) == 1);
		sqlite3_finalize(q);
		CHECK_OK(st_run_set_owner(s, r.id, 1, "h", "b:1", "foreground", &e), &e);
		st_close(s);
	}
	free(path);
}

/* A version-2 history (no cancel request column) gains it when opened. */
TEST(state_migrates_v2)
{
	char *path = xasprintf("%s/v2/state.db", test_tmpdir());
	struct st *s = NULL;
	struct err e = ERR_INIT;
	REQUIRE(st_open(path, &s, &e) == 0);
	struct st_run r = {.run_key = "k", .pipeline = "p", .kind = "manual", .state = "queued",
			   .definition = "pipeline: p", .def_file = "p.yml", .queued_at = 1};
	CHECK_OK(st_run_insert(s, &r, &e), &e);
	CHECK_OK(st_exec(s, "ALTER TABLE runs DROP COLUMN cancel_requested_at; UPDATE schema_version SET version=2",
			 &e),
		 &e);
	st_close(s);
	REQUIRE(st_open(path, &s, &e) == 0);
	CHECK_INT(st_run_cancel_requested(s, r.id), 0);
	bool applied = false;
	CHECK_OK(st_run_request_cancel(s, r.id, 42, &applied, &e), &e);
	CHECK(applied);
	CHECK_INT(st_run_cancel_requested(s, r.id), 42);
	sqlite3_stmt *q = NULL;
	REQUIRE(st_prepare(s, "SELECT group_concat(version) FROM schema_version", &q, &e) == 0);
	REQUIRE(sqlite3_step(q) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(q, 0), "3");
	sqlite3_finalize(q);
	st_close(s);
	free(path);
}

/* The history reads return what the engine wrote: runs (filtered, newest
 * first, paged), tasks in pipeline order with their attempt counts,
 * attempts with exit codes, errors and logs, run lookup by id or key, and
 * the per-pipeline summary. */
TEST(history_reads)
{
	fake_now = 1700000000 * US_PER_SEC;
	atomic_store(&flaky_calls, 0);
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: a, load: ok}\n"
			"  - {id: b, load: flaky1, retries: 1, retry_delay: 10s}\n"
			"  - {id: c, load: fail, depends_on: [a]}\n"
			"  - {id: d, empty: true, depends_on: [c]}\n",
			2, false));
	int64_t r1 = fx_run(&f);
	settle(&f, r1);
	fake_now += 11 * US_PER_SEC;
	settle(&f, r1);
	REQUIRE(!strcmp(orch_run_state(f.x, r1), "failed"));
	struct st *s = orch_state(f.x);
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;

	struct hist_run run;
	CHECK_OK(st_get_run(s, r1, a, &run, &e), &e);
	CHECK_INT(run.id, r1);
	CHECK_STR(run.pipeline, "p");
	CHECK_STR(run.kind, "manual");
	CHECK_STR(run.state, "failed");
	CHECK(run.started_at > 0 && run.ended_at >= run.started_at && run.queued_at > 0);
	CHECK_INT(run.owner_pid, getpid());
	CHECK_STR(run.owner_kind, "foreground");
	CHECK(run.reason == NULL && run.cancel_requested_at == 0);
	CHECK(st_get_run(s, 9999, a, &run, &e) == ING_ENOTFOUND);
	CHECK(e.msg && strstr(e.msg, "no run 9999"));
	err_clear(&e);

	struct hist_task *t;
	size_t nt;
	CHECK_OK(st_run_tasks(s, r1, a, &t, &nt, &e), &e);
	REQUIRE(nt == 4);
	CHECK_STR(t[0].task, "a");
	CHECK_STR(t[0].state, "success");
	CHECK_INT(t[0].attempts, 1);
	CHECK_STR(t[1].task, "b");
	CHECK_STR(t[1].state, "success");
	CHECK_INT(t[1].attempts, 2);
	CHECK_INT(t[1].tries, 2);
	CHECK_STR(t[2].state, "failed");
	CHECK_STR(t[3].task, "d");
	CHECK_STR(t[3].state, "upstream_failed");
	CHECK_INT(t[3].attempts, 0);
	CHECK(t[0].started_at > 0 && t[0].ended_at >= t[0].started_at);

	struct hist_attempt *at;
	size_t na;
	CHECK_OK(st_task_attempts(s, r1, "b", a, &at, &na, &e), &e);
	REQUIRE(na == 2);
	CHECK_INT(at[0].attempt, 1);
	CHECK_STR(at[0].state, "failed");
	CHECK_STR(at[0].error, "flaky failure 1");
	CHECK(at[0].has_exit_code && at[0].exit_code == 1);
	CHECK(at[0].log_path && strstr(at[0].log_path, ".log"));
	CHECK_INT(at[1].attempt, 2);
	CHECK_STR(at[1].state, "success");
	CHECK(at[1].error == NULL);
	CHECK(at[1].started_at >= at[0].ended_at);
	CHECK_OK(st_task_attempts(s, r1, "nope", a, &at, &na, &e), &e);
	CHECK_INT(na, 0);

	int64_t id = 0;
	char num[24];
	snprintf(num, sizeof(num), "%lld", (long long)r1);
	CHECK_OK(st_resolve_run(s, num, &id, &e), &e);
	CHECK_INT(id, r1);
	CHECK_OK(st_get_run(s, r1, a, &run, &e), &e);
	id = 0;
	CHECK_OK(st_resolve_run(s, run.run_key, &id, &e), &e);
	CHECK_INT(id, r1);
	CHECK(st_resolve_run(s, "p__manual__nope", &id, &e) == ING_ENOTFOUND);
	CHECK(e.msg && strstr(e.msg, "'p__manual__nope'") && strstr(e.msg, "pipeline status"));
	err_clear(&e);

	int64_t r2 = fx_run(&f);
	settle(&f, r2);
	struct hist_run *runs;
	size_t n;
	CHECK_OK(st_list_runs(s, NULL, a, &runs, &n, &e), &e);
	REQUIRE(n == 2);
	CHECK_INT(runs[0].id, r2);
	CHECK_INT(runs[1].id, r1);
	struct hist_filter fl = {.limit = 1};
	CHECK_OK(st_list_runs(s, &fl, a, &runs, &n, &e), &e);
	CHECK(n == 1 && runs[0].id == r2);
	fl = (struct hist_filter){.before_id = r2};
	CHECK_OK(st_list_runs(s, &fl, a, &runs, &n, &e), &e);
	CHECK(n == 1 && runs[0].id == r1);
	fl = (struct hist_filter){.pipeline = "other"};
	CHECK_OK(st_list_runs(s, &fl, a, &runs, &n, &e), &e);
	CHECK_INT(n, 0);
	fl = (struct hist_filter){.pipeline = "p", .state = "queued"};
	CHECK_OK(st_list_runs(s, &fl, a, &runs, &n, &e), &e);
	CHECK_INT(n, 0);

	struct hist_pipeline *ps;
	CHECK_OK(st_pipeline_summary(s, 5, a, &ps, &n, &e), &e);
	REQUIRE(n == 1);
	CHECK_STR(ps[0].pipeline, "p");
	CHECK_INT(ps[0].runs, 2);
	CHECK_INT(ps[0].last.id, r2);
	REQUIRE(ps[0].nrecent == 2);
	CHECK_STR(ps[0].recent[0], ps[0].last.state);
	CHECK_STR(ps[0].recent[1], "failed");
	CHECK(hist_run_ended("failed") && hist_run_ended("success") && !hist_run_ended("running"));
	arena_free(a);
	fx_close(&f);
}

/* A cancel request through the history: the running shell task is stopped
 * (its process group gone), tasks not started are skipped, the run fails
 * with reason "cancelled"; a queued run fails at once; an ended run is left
 * alone; clear starts afresh. */
TEST(engine_cancel_run)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"max_active_runs: 1\n"
			"tasks:\n"
			"  - {id: slow, shell: \"sleep 30\", retries: 3}\n"
			"  - {id: after, load: ok, depends_on: [slow], trigger_rule: all_done}\n",
			2, false));
	int64_t run = fx_run(&f), queued = fx_run(&f);
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	CHECK_TASK(&f, run, "slow", "running");
	CHECK_STR(orch_run_state(f.x, queued), "queued");
	char *pid = q1(&f, "SELECT pid FROM attempts WHERE run=?1 AND task=?2", run, "slow");
	pid_t pg = (pid_t)atoi(pid);
	free(pid);
	CHECK(pg > 0 && group_alive(pg));
	struct st *s = orch_state(f.x);
	bool applied = false;
	CHECK_OK(st_run_request_cancel(s, run, fake_now, &applied, &e), &e);
	CHECK(applied);
	CHECK_OK(st_run_request_cancel(s, queued, fake_now, &applied, &e), &e);
	CHECK(applied);
	CHECK(st_run_request_cancel(s, 9999, fake_now, &applied, &e) == ING_ENOTFOUND);
	err_clear(&e);
	/* noticed on the next heartbeat (no wakeup file watch in this test) */
	fake_now += 11 * US_PER_SEC;
	settle(&f, run);
	CHECK_STR(orch_run_state(f.x, run), "failed");
	CHECK_TASK(&f, run, "slow", "failed");
	CHECK_TASK(&f, run, "after", "skipped");
	CHECK_Q(&f, "SELECT error FROM attempts WHERE run=?1 AND task=?2", run, "slow", "cancelled");
	CHECK_Q(&f, "SELECT count(*) FROM attempts WHERE run=?1 AND task=?2", run, "slow", "1");
	CHECK_Q(&f, "SELECT reason FROM runs WHERE id=?1", run, NULL, "cancelled");
	bool gone = false;
	for (int i = 0; i < 100 && !gone; i++) {
		gone = !group_alive(pg);
		if (!gone)
			usleep(20000);
	}
	CHECK(gone);
	settle(&f, queued);
	CHECK_STR(orch_run_state(f.x, queued), "failed");
	CHECK_TASK(&f, queued, "slow", "skipped");
	CHECK_Q(&f, "SELECT reason FROM runs WHERE id=?1", queued, NULL, "cancelled");
	CHECK_Q(&f, "SELECT count(*) FROM attempts WHERE run=?1", queued, NULL, "0");
	/* an ended run: nothing to cancel */
	CHECK_OK(st_run_request_cancel(s, run, fake_now, &applied, &e), &e);
	CHECK(!applied);
	/* clear: the request and the reason go, the skipped task runs again */
	int n = 0;
	CHECK_OK(orch_run_clear(s, queued, NULL, false, true, &n, &e), &e);
	CHECK_INT(n, 2); /* both were skipped by the cancel */
	CHECK_Q(&f, "SELECT coalesce(cancel_requested_at, 0) || coalesce(reason, '-') FROM runs WHERE id=?1",
		queued, NULL, "0-");
	fx_close(&f);
}

/* An in-process task (a load here) is cancelled through its token, as a
 * timeout cancels it; it is not retried. */
TEST(engine_cancel_inprocess)
{
	fake_now = 1700000000 * US_PER_SEC;
	struct fx f;
	REQUIRE(fx_open(&f,
			"pipeline: p\n"
			"tasks:\n"
			"  - {id: q, load: sleepy, retries: 2}\n"
			"  - {id: next, load: ok, depends_on: [q]}\n",
			2, false));
	int64_t run = fx_run(&f);
	struct err e = ERR_INIT;
	int64_t due;
	orch_step(f.x, &due, &e);
	orch_wait(f.x, 50000, &e);
	orch_step(f.x, &due, &e);
	CHECK_TASK(&f, run, "q", "running");
	bool applied = false;
	CHECK_OK(st_run_request_cancel(orch_state(f.x), run, fake_now, &applied, &e), &e);
	CHECK(applied);
	fake_now += 11 * US_PER_SEC; /* the next heartbeat looks */
	settle(&f, run);
	CHECK_STR(orch_run_state(f.x, run), "failed");
	CHECK_TASK(&f, run, "q", "failed");
	CHECK_TASK(&f, run, "next", "skipped");
	CHECK_Q(&f, "SELECT group_concat(error) FROM attempts WHERE run=?1 AND task=?2", run, "q", "cancelled");
	CHECK_Q(&f, "SELECT reason FROM runs WHERE id=?1", run, NULL, "cancelled");
	fx_close(&f);
}

/* A queued run no engine holds is cancelled at once by the caller (tasks
 * skipped, run failed "cancelled"); while an engine holds the project's
 * lock, it is left to that engine. */
TEST(run_cancel_unheld)
{
	char *dir = xasprintf("%s/unheld", test_tmpdir());
	char *path = orch_state_path(dir);
	struct arena *a = arena_new(0);
	struct err e = ERR_INIT;
	struct st *s = NULL;
	REQUIRE(st_open(path, &s, &e) == 0);
	struct pipeline *p = parse("pipeline: p\ntasks:\n  - {id: a, shell: \"true\"}\n"
				   "  - {id: b, shell: \"true\", depends_on: [a]}\n", a, &e);
	REQUIRE(p != NULL);
	struct orch_run_req req = {.kind = "manual", .logical_date = 1};
	int64_t run = 0;
	CHECK_OK(orch_run_create(s, p, &req, 5, &run, NULL, &e), &e);
	/* an engine holds the project: not done here */
	char *lock = orch_lock_path(dir);
	int fd = fs_lock(lock, false, &e);
	REQUIRE(fd >= 0);
	bool done = true;
	CHECK_OK(orch_run_cancel_unheld(dir, s, run, &done, &e), &e);
	CHECK(!done);
	close(fd);
	CHECK_OK(orch_run_cancel_unheld(dir, s, run, &done, &e), &e);
	CHECK(done);
	struct hist_run r;
	CHECK_OK(st_get_run(s, run, a, &r, &e), &e);
	CHECK_STR(r.state, "failed");
	CHECK_STR(r.reason, "cancelled");
	CHECK(r.ended_at > 0);
	struct hist_task *t;
	size_t n;
	CHECK_OK(st_run_tasks(s, run, a, &t, &n, &e), &e);
	REQUIRE(n == 2);
	CHECK_STR(t[0].state, "skipped");
	CHECK_STR(t[1].state, "skipped");
	/* once ended, nothing more happens */
	CHECK_OK(orch_run_cancel_unheld(dir, s, run, &done, &e), &e);
	CHECK(!done);
	st_close(s);
	free(lock);
	arena_free(a);
	free(path);
	free(dir);
}

