/*
 * cmd/cmd_pipeline.c — `ingot pipeline list|run|status|logs|backfill|clear|
 * trigger`: pipelines by hand, and their history.
 *
 * Runs happen in the foreground when no scheduler holds the project
 * (.ingot/scheduler.lock); when one does, the run is queued in the state db
 * and the scheduler is woken (`--wait` then follows it to the end). The
 * engine's hooks (load/build/.../sql tasks in-process) are the platform's
 * (platform/platform.h): the warehouse is opened on first use, so
 * shell-only pipelines never touch it.
 *
 * `status` and `clear` first fail the runs of a killed foreground `pipeline
 * run` (orch_reap_orphans), so a run never shows "running" with no one
 * running it.
 *
 * Exit codes: 0 success, 1 a run failed, 2 usage or project errors.
 */
#include "cmd/commands.h"
#include "cmd/cmd_pipeline.h"
#include "config/project.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "orchestrate/orchestrate.h"
#include "platform/platform.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------- helpers */

char *pipeline_project_dir(struct cmd_ctx *c)
{
	if (c->project)
		return xstrdup(c->project->dir);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(".");
	if (c->g.project_dir) {
		char *d = c->g.project_dir[0] == '/' ? xstrdup(c->g.project_dir)
						      : path_join(cwd, c->g.project_dir);
		return d;
	}
	return xstrdup(cwd);
}

int pipeline_platform(struct cmd_ctx *c, const char *dir, struct platform **pl, struct err *e)
{
	struct platform_opts po = {.project_dir = dir,
				   .profiles_dir = c->g.profiles_dir,
				   .target = c->g.target,
				   .vars = c->g.vars,
				   .project = c->project};
	return platform_open(&po, pl, e) ? 2 : 0;
}

/* Load one pipeline by id from <dir>/pipelines, checked against the
 * project (what its tasks load and select must exist). */
static int find_pipeline(struct cmd_ctx *c, const char *dir, const char *id, struct arena *a,
			 struct pipeline **out, struct err *e)
{
	char *pdir = path_join(dir, "pipelines");
	char **files = NULL;
	size_t n = 0;
	struct err ge = ERR_INIT;
	if (fs_is_dir(pdir))
		fs_glob(pdir, "*.yml", &files, &n, &ge);
	err_clear(&ge);
	int rc = ING_ENOTFOUND;
	for (size_t i = 0; i < n && rc == ING_ENOTFOUND; i++) {
		char *path = path_join(pdir, files[i]);
		struct pipeline *p;
		struct err pe = ERR_INIT;
		if (!pipeline_load_file(path, a, &p, &pe)) {
			if (!strcmp(p->id, id)) {
				*out = p;
				rc = 0;
			}
		} else {
			/* a broken file that might be the one asked for */
			if (str_startswith(files[i], id) && files[i][strlen(id)] == '.') {
				err_move(e, &pe);
				rc = ING_ECONFIG;
			}
		}
		err_clear(&pe);
		free(path);
	}
	if (rc == ING_ENOTFOUND)
		err_set(e, ING_ENOTFOUND, "no pipeline '%s' in %s", id, pdir);
	struct platform *pl = NULL;
	if (!rc && pipeline_platform(c, dir, &pl, e))
		rc = ING_ECONFIG;
	if (!rc && platform_hooks()->check(pl, *out, e))
		rc = ING_ECONFIG;
	platform_close(pl);
	fs_glob_free(files, n);
	free(pdir);
	return rc;
}

/* A date or timestamp; without a zone it is read in the pipeline's zone. */
static int parse_instant(const char *s, const struct pipeline *p, int64_t *us, struct err *e)
{
	size_t n = strlen(s);
	int64_t v;
	if (ts_parse(s, n, &v))
		return err_set(e, ING_EINVAL, "'%s' is not a date or timestamp (YYYY-MM-DD[THH:MM[:SS]][Z])", s);
	bool zoned = n > 10 && (s[n - 1] == 'Z' || strchr(s + 10, '+') || strstr(s + 10, "UTC") ||
				(n > 16 && strchr(s + 16, '-')));
	if (!zoned && p) {
		int64_t u[2], ge = 0, civil = v / US_PER_SEC;
		int k = tz_resolve(p->tz, civil, u, &ge);
		v = (k ? u[0] : ge) * US_PER_SEC + v % US_PER_SEC;
	}
	*us = v;
	return 0;
}

static int parse_params(struct cmd_ctx *c, const char ***keys, const char ***vals, size_t *n)
{
	size_t np;
	const char *const *raw = cmd_list(c, "param", &np);
	*keys = xcalloc(np + 1, sizeof(char *));
	*vals = xcalloc(np + 1, sizeof(char *));
	*n = np;
	for (size_t i = 0; i < np; i++) {
		const char *eq = strchr(raw[i], '=');
		if (!eq || eq == raw[i]) {
			err_set(&c->err, ING_EINVAL, "--param takes KEY=VALUE, not '%s'", raw[i]);
			return 2;
		}
		(*keys)[i] = xstrndup(raw[i], (size_t)(eq - raw[i]));
		(*vals)[i] = eq + 1;
	}
	return 0;
}

static void free_params(const char **keys, const char **vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)keys[i]);
	free(keys);
	free(vals);
}

static void fmt_time(int64_t us, char *out)
{
	if (!us) {
		strcpy(out, "-");
		return;
	}
	ts_format(us - us % US_PER_SEC, out);
}

static void fmt_dur(int64_t a, int64_t b, char *out)
{
	if (!a || !b) {
		strcpy(out, "-");
		return;
	}
	duration_format(b - a, out);
}

/* Print one run's tasks after it ran (foreground). */
static void print_run_summary(struct st *s, int64_t run)
{
	sqlite3_stmt *q;
	struct err e = ERR_INIT;
	if (st_prepare(s,
		       "SELECT task, state, (SELECT count(*) FROM attempts a WHERE a.run=t.run AND a.task=t.task),"
		       " coalesce(started_at, 0), coalesce(ended_at, 0) FROM tasks t WHERE run=? ORDER BY rowid",
		       &q, &e)) {
		err_clear(&e);
		return;
	}
	sqlite3_bind_int64(q, 1, run);
	printf("%-28s %-16s %8s %10s\n", "task", "state", "attempts", "duration");
	while (sqlite3_step(q) == SQLITE_ROW) {
		char d[32];
		fmt_dur(sqlite3_column_int64(q, 3), sqlite3_column_int64(q, 4), d);
		printf("%-28s %-16s %8d %10s\n", sqlite3_column_text(q, 0), sqlite3_column_text(q, 1),
		       sqlite3_column_int(q, 2), d);
	}
	sqlite3_finalize(q);
}

static const char *db_run_state(struct st *s, int64_t run, char *buf, size_t n)
{
	sqlite3_stmt *q;
	struct err e = ERR_INIT;
	buf[0] = 0;
	if (st_prepare(s, "SELECT state FROM runs WHERE id=?", &q, &e)) {
		err_clear(&e);
		return buf;
	}
	sqlite3_bind_int64(q, 1, run);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(buf, n, "%s", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return buf;
}

/* Run queued runs in this process until they end. */
int pipeline_foreground(struct cmd_ctx *c, const char *dir, const int64_t *runs, size_t nruns,
			int parallelism, int grace_s)
{
	struct platform *pl;
	if (pipeline_platform(c, dir, &pl, &c->err))
		return 2;
	struct orch_opts o = {.project_dir = dir, .lake_root = platform_lake_root(pl),
			      .parallelism = parallelism, .hooks = platform_hooks(), .host = pl,
			      .watch = true};
	if (grace_s >= 0) /* 0 = the default in orch_opts: 1 µs is "none" */
		o.grace_us = grace_s ? (int64_t)grace_s * US_PER_SEC : 1;
	struct orch *x;
	int rc = 0;
	if (orch_open(&o, &x, &c->err)) {
		platform_close(pl);
		return 2;
	}
	for (size_t i = 0; i < nruns && !rc; i++)
		if (orch_adopt_run(x, runs[i], &c->err))
			rc = 2;
	for (size_t i = 0; i < nruns && !rc; i++)
		orch_loop(x, runs[i], &c->err);
	for (size_t i = 0; i < nruns && rc != 2; i++) {
		char st[32];
		db_run_state(orch_state(x), runs[i], st, sizeof(st));
		if (nruns == 1)
			print_run_summary(orch_state(x), runs[i]);
		printf("run %lld: %s\n", (long long)runs[i], st);
		if (strcmp(st, "success"))
			rc = 1;
	}
	if (rc == 1 && platform_take_conn_error(pl, &c->err))
		rc = 2;
	orch_close(x);
	platform_close(pl);
	return rc;
}

/* Wait (reading the db) until the runs end; a scheduler runs them. */
static int follow(const char *dir, const int64_t *runs, size_t n)
{
	char *path = orch_state_path(dir);
	struct st *s;
	struct err e = ERR_INIT;
	int rc = 0;
	if (st_open(path, &s, &e)) {
		err_print(&e, stderr);
		err_clear(&e);
		free(path);
		return 2;
	}
	for (size_t i = 0; i < n; i++) {
		char st[32];
		for (;;) {
			db_run_state(s, runs[i], st, sizeof(st));
			if (!strcmp(st, "success") || !strcmp(st, "failed") || !st[0])
				break;
			usleep(100000);
		}
		if (n == 1)
			print_run_summary(s, runs[i]);
		printf("run %lld: %s\n", (long long)runs[i], st);
		if (strcmp(st, "success"))
			rc = 1;
	}
	st_close(s);
	free(path);
	return rc;
}

static int open_state(const char *dir, struct st **s, struct err *e)
{
	char *path = orch_state_path(dir);
	int rc = st_open(path, s, e);
	free(path);
	return rc;
}

/* Find a run by numeric id or run key. */
static int resolve_run(struct st *s, const char *arg, int64_t *id, struct err *e)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	sqlite3_stmt *q;
	if (st_prepare(s, "SELECT id FROM runs WHERE id=? OR run_key=?", &q, e))
		return ING_EDB;
	sqlite3_bind_int64(q, 1, *end ? -1 : v);
	sqlite3_bind_text(q, 2, arg, -1, SQLITE_STATIC);
	int rc = 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	else
		rc = err_set(e, ING_ENOTFOUND, "no run '%s' (see 'ingot pipeline status')", arg);
	sqlite3_finalize(q);
	return rc;
}

/* ---------------------------------------------------------- list */

static const struct opt list_opts[] = {
	{"output", 'o', OPT_STR, "table|json", "output format (default table)"},
	{0},
};

static int run_list(struct cmd_ctx *c)
{
	const char *fmt = cmd_str(c, "output", "table");
	char *dir = pipeline_project_dir(c), *pdir = path_join(dir, "pipelines");
	char **files = NULL;
	size_t n = 0;
	struct err ge = ERR_INIT;
	if (fs_is_dir(pdir))
		fs_glob(pdir, "*.yml", &files, &n, &ge);
	err_clear(&ge);
	struct arena *a = arena_new(0);
	struct platform *pl;
	if (pipeline_platform(c, dir, &pl, &c->err)) {
		arena_free(a);
		fs_glob_free(files, n);
		free(pdir);
		free(dir);
		return 2;
	}
	int rc = 0;
	struct buf out = BUF_INIT;
	struct jw w;
	bool json = !strcmp(fmt, "json");
	if (json) {
		jw_init(&w, &out, true);
		jw_obj_begin(&w);
		jw_key(&w, "pipelines");
		jw_arr_begin(&w);
	} else {
		printf("%-24s %-16s %-18s %6s  %s\n", "pipeline", "schedule", "timezone", "tasks", "next run");
	}
	int64_t now = now_us() / US_PER_SEC;
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(pdir, files[i]);
		struct pipeline *p;
		struct err pe = ERR_INIT;
		if (pipeline_load_file(path, a, &p, &pe) || platform_hooks()->check(pl, p, &pe)) {
			err_print(&pe, stderr);
			err_clear(&pe);
			rc = 2;
			free(path);
			continue;
		}
		free(path);
		char next[40] = "-";
		int64_t nx;
		if (p->schedule && !cron_next(&p->cron, p->tz, now, &nx))
			ts_format_iso(nx * US_PER_SEC, next);
		if (json) {
			jw_obj_begin(&w);
			jw_key(&w, "pipeline");
			jw_str(&w, p->id);
			jw_key(&w, "file");
			jw_str(&w, p->file);
			jw_key(&w, "schedule");
			jw_str(&w, p->schedule);
			jw_key(&w, "timezone");
			jw_str(&w, p->timezone);
			jw_key(&w, "tasks");
			jw_int(&w, (int64_t)p->ntasks);
			jw_key(&w, "next_run");
			jw_str(&w, p->schedule ? next : NULL);
			jw_key(&w, "description");
			jw_str(&w, p->description);
			jw_obj_end(&w);
		} else {
			printf("%-24s %-16s %-18s %6zu  %s\n", p->id, p->schedule ? p->schedule : "none",
			       p->timezone, p->ntasks, next);
		}
	}
	if (json) {
		jw_arr_end(&w);
		jw_obj_end(&w);
		puts(buf_cstr(&out));
	}
	buf_free(&out);
	fs_glob_free(files, n);
	arena_free(a);
	platform_close(pl);
	free(pdir);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- run / trigger */

static const struct opt run_opts[] = {
	{"param", 0, OPT_LIST, "K=V", "override a param (repeatable)"},
	{"logical-date", 0, OPT_STR, "DATE", "the run's logical date (default: now)"},
	{"wait", 0, OPT_FLAG, NULL, "when a scheduler runs it, wait for the run to end"},
	{"parallelism", 0, OPT_INT, "N", "tasks at once in the foreground (default: cores)"},
	{"grace", 0, OPT_INT, "SECONDS",
	 "on SIGTERM/Ctrl-C, how long running tasks may finish before they are cancelled (default 30)"},
	{0},
};

static const struct opt trigger_opts[] = {
	{"param", 0, OPT_LIST, "K=V", "override a param (repeatable)"},
	{"logical-date", 0, OPT_STR, "DATE", "the run's logical date (default: now)"},
	{0},
};

static int create_from_args(struct cmd_ctx *c, const char *dir, struct arena *a, int64_t *run,
			    char **key)
{
	if (c->pos.len != 1) {
		err_set(&c->err, ING_EINVAL, "name one pipeline");
		return 2;
	}
	struct pipeline *p;
	if (find_pipeline(c, dir, c->pos.items[0], a, &p, &c->err))
		return 2;
	const char **keys = NULL, **vals = NULL;
	size_t np = 0;
	int rc = parse_params(c, &keys, &vals, &np);
	struct orch_run_req req = {.kind = "manual", .param_keys = keys, .param_vals = vals,
				   .nparams = np};
	const char *ld = cmd_str(c, "logical-date", NULL);
	if (!rc && ld && parse_instant(ld, p, &req.logical_date, &c->err))
		rc = 2;
	struct st *s = NULL;
	if (!rc && open_state(dir, &s, &c->err))
		rc = 2;
	if (!rc && orch_run_create(s, p, &req, now_us(), run, key, &c->err))
		rc = 2;
	st_close(s);
	free_params(keys, vals, np);
	return rc;
}

static int run_run(struct cmd_ctx *c)
{
	char *dir = pipeline_project_dir(c), *key = NULL;
	struct arena *a = arena_new(0);
	int64_t run = 0;
	long long par = cmd_int(c, "parallelism", 0), grace = cmd_int(c, "grace", 30);
	if (grace < 0 || grace > 86400) {
		err_set(&c->err, ING_EINVAL, "--grace takes seconds from 0 to 86400");
		arena_free(a);
		free(dir);
		return 2;
	}
	int pid = 0;
	bool sched = orch_scheduler_running(dir, &pid);
	int rc = create_from_args(c, dir, a, &run, &key);
	if (!rc) {
		if (sched) {
			orch_wakeup(dir);
			printf("queued run %lld (%s) for the scheduler (pid %d)\n", (long long)run, key, pid);
			if (cmd_flag(c, "wait"))
				rc = follow(dir, &run, 1);
		} else {
			log_info("run %lld: %s", (long long)run, key);
			rc = pipeline_foreground(c, dir, &run, 1, (int)par, (int)grace);
		}
	}
	free(key);
	arena_free(a);
	free(dir);
	return rc;
}

static int run_trigger(struct cmd_ctx *c)
{
	char *dir = pipeline_project_dir(c), *key = NULL;
	struct arena *a = arena_new(0);
	int64_t run = 0;
	int rc = create_from_args(c, dir, a, &run, &key);
	if (!rc) {
		int pid = 0;
		orch_wakeup(dir);
		if (orch_scheduler_running(dir, &pid))
			printf("queued run %lld (%s) for the scheduler (pid %d)\n", (long long)run, key, pid);
		else
			printf("queued run %lld (%s); no scheduler is running: it runs when 'ingot scheduler' starts\n",
			       (long long)run, key);
	}
	free(key);
	arena_free(a);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- backfill */

static const struct opt backfill_opts[] = {
	{"start", 0, OPT_STR, "DATE", "first logical date (inclusive)"},
	{"end", 0, OPT_STR, "DATE", "last logical date (inclusive; a date means the whole day)"},
	{"param", 0, OPT_LIST, "K=V", "override a param (repeatable)"},
	{"parallelism", 0, OPT_INT, "N", "tasks at once in the foreground (default: cores)"},
	{0},
};

static int run_backfill(struct cmd_ctx *c)
{
	const char *sa = cmd_str(c, "start", NULL), *ea = cmd_str(c, "end", NULL);
	if (c->pos.len != 1 || !sa || !ea) {
		err_set(&c->err, ING_EINVAL, "usage: ingot pipeline backfill NAME --start DATE --end DATE");
		return 2;
	}
	char *dir = pipeline_project_dir(c);
	struct arena *a = arena_new(0);
	struct pipeline *p;
	struct st *s = NULL;
	const char **keys = NULL, **vals = NULL;
	size_t np = 0;
	VEC(int64_t) runs = VEC_INIT;
	int64_t start, end;
	int rc = 0;
	if (find_pipeline(c, dir, c->pos.items[0], a, &p, &c->err) || parse_params(c, &keys, &vals, &np) ||
	    parse_instant(sa, p, &start, &c->err) || parse_instant(ea, p, &end, &c->err) ||
	    open_state(dir, &s, &c->err)) {
		rc = 2;
		goto done;
	}
	if (strlen(ea) == 10)
		end += US_PER_DAY - 1; /* a date: the whole day */
	if (!p->schedule) {
		rc = 2;
		err_set(&c->err, ING_EINVAL, "pipeline '%s' has no schedule: backfill needs intervals", p->id);
		goto done;
	}
	int64_t t = start / US_PER_SEC - 1, f, nx;
	int created = 0, existed = 0;
	while (!cron_next(&p->cron, p->tz, t, &f) && f * US_PER_SEC <= end) {
		if (cron_next(&p->cron, p->tz, f, &nx))
			break;
		struct orch_run_req req = {.kind = "backfill", .logical_date = f * US_PER_SEC,
					   .interval_end = nx * US_PER_SEC, .param_keys = keys,
					   .param_vals = vals, .nparams = np};
		int64_t id;
		struct err e = ERR_INIT;
		int r = orch_run_create(s, p, &req, now_us(), &id, NULL, &e);
		if (r == ING_EEXIST) {
			existed++;
		} else if (r) {
			err_move(&c->err, &e);
			rc = 2;
			goto done;
		} else {
			vec_push(&runs, id);
			created++;
		}
		err_clear(&e);
		t = f;
		if (runs.len > 10000) {
			rc = 2;
			err_set(&c->err, ING_ELIMIT, "more than 10000 intervals; narrow --start/--end");
			goto done;
		}
	}
	printf("backfill %s: %d run(s) created%s\n", p->id, created,
	       existed ? " (some intervals already had a backfill run)" : "");
	st_close(s);
	s = NULL;
	if (runs.len) {
		if (orch_scheduler_running(dir, NULL)) {
			orch_wakeup(dir);
			printf("queued for the scheduler\n");
		} else {
			rc = pipeline_foreground(c, dir, runs.items, runs.len, (int)cmd_int(c, "parallelism", 0), -1);
		}
	}
done:
	st_close(s);
	vec_free(&runs);
	free_params(keys, vals, np);
	arena_free(a);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- clear */

static const struct opt clear_opts[] = {
	{"task", 0, OPT_STR, "TASK", "clear this task only"},
	{"downstream", 0, OPT_FLAG, NULL, "with --task: also the tasks after it"},
	{"failed-only", 0, OPT_FLAG, NULL, "only failed and upstream_failed tasks"},
	{"parallelism", 0, OPT_INT, "N", "tasks at once in the foreground (default: cores)"},
	{0},
};

static int run_clear(struct cmd_ctx *c)
{
	if (c->pos.len != 1) {
		err_set(&c->err, ING_EINVAL, "usage: ingot pipeline clear RUN_ID [--task T] [--downstream] [--failed-only]");
		return 2;
	}
	char *dir = pipeline_project_dir(c);
	struct st *s = NULL;
	int64_t run;
	int n = 0, rc = 0;
	if (open_state(dir, &s, &c->err) || orch_reap_orphans(s, NULL, &c->err) ||
	    resolve_run(s, c->pos.items[0], &run, &c->err) ||
	    orch_run_clear(s, run, cmd_str(c, "task", NULL), cmd_flag(c, "downstream"),
			   cmd_flag(c, "failed-only"), &n, &c->err)) {
		rc = 2;
	} else {
		printf("cleared %d task(s) of run %lld\n", n, (long long)run);
	}
	st_close(s);
	if (!rc) {
		if (orch_scheduler_running(dir, NULL)) {
			orch_wakeup(dir);
			printf("queued for the scheduler\n");
		} else {
			rc = pipeline_foreground(c, dir, &run, 1, (int)cmd_int(c, "parallelism", 0), -1);
		}
	}
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- status */

static const struct opt status_opts[] = {
	{"output", 'o', OPT_STR, "table|json", "output format (default table)"},
	{"limit", 0, OPT_INT, "N", "runs to show (default 20)"},
	{0},
};

static void json_time(struct jw *w, const char *k, sqlite3_stmt *q, int col)
{
	jw_key(w, k);
	if (sqlite3_column_type(q, col) == SQLITE_NULL) {
		jw_null(w);
	} else {
		char b[40];
		ts_format_iso(sqlite3_column_int64(q, col), b);
		jw_str(w, b);
	}
}

static void json_dur(struct jw *w, sqlite3_stmt *q, int a, int b)
{
	jw_key(w, "duration_s");
	if (sqlite3_column_type(q, a) == SQLITE_NULL || sqlite3_column_type(q, b) == SQLITE_NULL)
		jw_null(w);
	else
		jw_double(w, (double)(sqlite3_column_int64(q, b) - sqlite3_column_int64(q, a)) / 1e6);
}

static void status_run_detail(struct st *s, int64_t run, bool json, struct jw *w)
{
	sqlite3_stmt *t, *at;
	struct err e = ERR_INIT;
	if (st_prepare(s, "SELECT task, state, tries, next_try_at, started_at, ended_at FROM tasks WHERE run=? ORDER BY rowid",
		       &t, &e)) {
		err_clear(&e);
		return;
	}
	sqlite3_bind_int64(t, 1, run);
	if (json) {
		jw_key(w, "tasks");
		jw_arr_begin(w);
	} else {
		printf("  %-24s %-16s %-4s %-20s %10s  %s\n", "task", "state", "try", "started", "duration", "error");
	}
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *task = (const char *)sqlite3_column_text(t, 0);
		if (st_prepare(s,
			       "SELECT attempt, state, started_at, ended_at, exit_code, error, log_path, pid,"
			       " lease_until FROM attempts WHERE run=? AND task=? ORDER BY attempt",
			       &at, &e)) {
			err_clear(&e);
			break;
		}
		sqlite3_bind_int64(at, 1, run);
		sqlite3_bind_text(at, 2, task, -1, SQLITE_STATIC);
		if (json) {
			jw_obj_begin(w);
			jw_key(w, "task");
			jw_str(w, task);
			jw_key(w, "state");
			jw_str(w, (const char *)sqlite3_column_text(t, 1));
			jw_key(w, "tries");
			jw_int(w, sqlite3_column_int(t, 2));
			json_time(w, "next_try_at", t, 3);
			json_time(w, "started_at", t, 4);
			json_time(w, "ended_at", t, 5);
			json_dur(w, t, 4, 5);
			jw_key(w, "attempts");
			jw_arr_begin(w);
			while (sqlite3_step(at) == SQLITE_ROW) {
				jw_obj_begin(w);
				jw_key(w, "attempt");
				jw_int(w, sqlite3_column_int(at, 0));
				jw_key(w, "state");
				jw_str(w, (const char *)sqlite3_column_text(at, 1));
				json_time(w, "started_at", at, 2);
				json_time(w, "ended_at", at, 3);
				json_dur(w, at, 2, 3);
				jw_key(w, "exit_code");
				if (sqlite3_column_type(at, 4) == SQLITE_NULL)
					jw_null(w);
				else
					jw_int(w, sqlite3_column_int(at, 4));
				jw_key(w, "error");
				jw_str(w, (const char *)sqlite3_column_text(at, 5));
				jw_key(w, "log");
				jw_str(w, (const char *)sqlite3_column_text(at, 6));
				jw_key(w, "pid");
				jw_int(w, sqlite3_column_int(at, 7));
				jw_key(w, "lease_expired");
				jw_bool(w, !strcmp((const char *)sqlite3_column_text(at, 1), "running") &&
						   sqlite3_column_int64(at, 8) < now_us());
				jw_obj_end(w);
			}
			jw_arr_end(w);
			jw_obj_end(w);
		} else {
			bool any = false;
			while (sqlite3_step(at) == SQLITE_ROW) {
				char st[32], d[32];
				fmt_time(sqlite3_column_int64(at, 2), st);
				fmt_dur(sqlite3_column_int64(at, 2), sqlite3_column_int64(at, 3), d);
				const char *state = (const char *)sqlite3_column_text(at, 1);
				bool stale = !strcmp(state, "running") && sqlite3_column_int64(at, 8) < now_us();
				printf("  %-24s %-16s %-4d %-20s %10s  %s%s\n", any ? "" : task, state,
				       sqlite3_column_int(at, 0), st, d,
				       sqlite3_column_text(at, 5) ? (const char *)sqlite3_column_text(at, 5) : "",
				       stale ? "(lease expired)" : "");
				any = true;
			}
			if (!any)
				printf("  %-24s %-16s\n", task, sqlite3_column_text(t, 1));
			else if (strcmp((const char *)sqlite3_column_text(t, 1), "success") &&
				 strcmp((const char *)sqlite3_column_text(t, 1), "failed"))
				printf("  %-24s -> %s\n", "", sqlite3_column_text(t, 1));
		}
		sqlite3_finalize(at);
	}
	sqlite3_finalize(t);
	if (json)
		jw_arr_end(w);
}

static int run_status(struct cmd_ctx *c)
{
	const char *fmt = cmd_str(c, "output", "table");
	bool json = !strcmp(fmt, "json");
	if (!json && strcmp(fmt, "table")) {
		err_set(&c->err, ING_EINVAL, "--output must be table or json");
		return 2;
	}
	long long limit = cmd_int(c, "limit", 20);
	char *dir = pipeline_project_dir(c);
	char *path = orch_state_path(dir);
	struct st *s = NULL;
	int rc = 0;
	if (!fs_exists(path)) {
		if (json)
			puts("{\"runs\": []}");
		else
			printf("no runs yet\n");
		goto done;
	}
	if (st_open(path, &s, &c->err)) {
		rc = 2;
		goto done;
	}
	/* a run whose `pipeline run` process was killed is not running */
	if (orch_reap_orphans(s, NULL, &c->err)) {
		rc = 2;
		goto done;
	}
	const char *arg = c->pos.len ? c->pos.items[0] : NULL;
	int64_t one = 0;
	bool detail = false;
	if (arg) {
		struct err e = ERR_INIT;
		if (!resolve_run(s, arg, &one, &e))
			detail = true;
		err_clear(&e);
	}
	sqlite3_stmt *q;
	const char *cols = "SELECT id, run_key, pipeline, kind, state, logical_date, started_at, ended_at,"
			   " reason, owner_pid, owner_host, owner_start, owner_kind FROM runs";
	char *sql = detail ? xasprintf("%s WHERE id=?", cols)
		    : arg  ? xasprintf("%s WHERE pipeline=? ORDER BY id DESC LIMIT %lld", cols, limit)
			   : xasprintf("%s ORDER BY id DESC LIMIT %lld", cols, limit);
	if (st_prepare(s, sql, &q, &c->err)) {
		free(sql);
		rc = 2;
		goto done;
	}
	free(sql);
	if (detail)
		sqlite3_bind_int64(q, 1, one);
	else if (arg)
		sqlite3_bind_text(q, 1, arg, -1, SQLITE_STATIC);
	struct buf out = BUF_INIT;
	struct jw w;
	if (json) {
		jw_init(&w, &out, true);
		jw_obj_begin(&w);
		jw_key(&w, "runs");
		jw_arr_begin(&w);
	} else if (!detail) {
		printf("%-5s %-20s %-10s %-8s %-20s %-20s %10s\n", "id", "pipeline", "kind", "state",
		       "logical date", "started", "duration");
	}
	int nrows = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		nrows++;
		int64_t id = sqlite3_column_int64(q, 0);
		if (json) {
			jw_obj_begin(&w);
			jw_key(&w, "id");
			jw_int(&w, id);
			jw_key(&w, "run_id");
			jw_str(&w, (const char *)sqlite3_column_text(q, 1));
			jw_key(&w, "pipeline");
			jw_str(&w, (const char *)sqlite3_column_text(q, 2));
			jw_key(&w, "kind");
			jw_str(&w, (const char *)sqlite3_column_text(q, 3));
			jw_key(&w, "state");
			jw_str(&w, (const char *)sqlite3_column_text(q, 4));
			json_time(&w, "logical_date", q, 5);
			json_time(&w, "started_at", q, 6);
			json_time(&w, "ended_at", q, 7);
			json_dur(&w, q, 6, 7);
			jw_key(&w, "reason");
			jw_str(&w, (const char *)sqlite3_column_text(q, 8));
			jw_key(&w, "owner");
			if (sqlite3_column_type(q, 9) == SQLITE_NULL) {
				jw_null(&w);
			} else {
				jw_obj_begin(&w);
				jw_key(&w, "pid");
				jw_int(&w, sqlite3_column_int(q, 9));
				jw_key(&w, "host");
				jw_str(&w, (const char *)sqlite3_column_text(q, 10));
				jw_key(&w, "kind");
				jw_str(&w, (const char *)sqlite3_column_text(q, 12));
				jw_key(&w, "gone");
				jw_bool(&w, orch_owner_dead(sqlite3_column_int(q, 9),
							    (const char *)sqlite3_column_text(q, 10),
							    (const char *)sqlite3_column_text(q, 11)));
				jw_obj_end(&w);
			}
			if (detail)
				status_run_detail(s, id, true, &w);
			jw_obj_end(&w);
		} else {
			char ld[40], st[40], d[32];
			fmt_time(sqlite3_column_int64(q, 5), ld);
			fmt_time(sqlite3_column_int64(q, 6), st);
			fmt_dur(sqlite3_column_int64(q, 6), sqlite3_column_int64(q, 7), d);
			if (detail) {
				printf("run %lld  %s\n  pipeline %s  kind %s  state %s\n  logical date %s  started %s  duration %s\n",
				       (long long)id, sqlite3_column_text(q, 1), sqlite3_column_text(q, 2),
				       sqlite3_column_text(q, 3), sqlite3_column_text(q, 4), ld, st, d);
				if (sqlite3_column_type(q, 8) != SQLITE_NULL)
					printf("  %s\n", sqlite3_column_text(q, 8));
				if (!strcmp((const char *)sqlite3_column_text(q, 4), "running") &&
				    sqlite3_column_type(q, 9) != SQLITE_NULL &&
				    orch_owner_dead(sqlite3_column_int(q, 9),
						    (const char *)sqlite3_column_text(q, 10),
						    (const char *)sqlite3_column_text(q, 11)))
					printf("  its %s (pid %d) is gone: the next 'ingot scheduler' resumes it\n",
					       sqlite3_column_text(q, 12), sqlite3_column_int(q, 9));
				printf("\n");
				status_run_detail(s, id, false, NULL);
			} else {
				printf("%-5lld %-20s %-10s %-8s %-20s %-20s %10s\n", (long long)id,
				       sqlite3_column_text(q, 2), sqlite3_column_text(q, 3),
				       sqlite3_column_text(q, 4), ld, st, d);
			}
		}
	}
	sqlite3_finalize(q);
	if (json) {
		jw_arr_end(&w);
		jw_obj_end(&w);
		puts(buf_cstr(&out));
	} else if (!nrows) {
		printf(arg ? "no runs of '%s'\n" : "no runs yet\n", arg);
	}
	buf_free(&out);
done:
	st_close(s);
	free(path);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- logs */

static const struct opt logs_opts[] = {
	{"attempt", 0, OPT_INT, "N", "which attempt (default: the latest)"},
	{0},
};

static int run_logs(struct cmd_ctx *c)
{
	if (c->pos.len != 2) {
		err_set(&c->err, ING_EINVAL, "usage: ingot pipeline logs RUN_ID TASK [--attempt N]");
		return 2;
	}
	char *dir = pipeline_project_dir(c);
	struct st *s = NULL;
	int64_t run;
	int rc = 0;
	sqlite3_stmt *q = NULL;
	if (open_state(dir, &s, &c->err) || resolve_run(s, c->pos.items[0], &run, &c->err) ||
	    st_prepare(s,
		       "SELECT log_path, attempt FROM attempts WHERE run=? AND task=? AND (?3 = 0 OR attempt = ?3)"
		       " ORDER BY attempt DESC LIMIT 1",
		       &q, &c->err)) {
		rc = 2;
		goto done;
	}
	sqlite3_bind_int64(q, 1, run);
	sqlite3_bind_text(q, 2, c->pos.items[1], -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, cmd_int(c, "attempt", 0));
	if (sqlite3_step(q) != SQLITE_ROW) {
		err_set(&c->err, ING_ENOTFOUND, "run %lld has no attempt%s of task '%s'", (long long)run,
			cmd_int(c, "attempt", 0) ? " with that number" : "", c->pos.items[1]);
		rc = 2;
		goto done;
	}
	struct buf b = BUF_INIT;
	const char *lp = (const char *)sqlite3_column_text(q, 0);
	if (!lp || fs_read_file(lp, &b, 0, &c->err)) {
		if (!c->err.code)
			err_set(&c->err, ING_ENOTFOUND, "attempt has no log");
		rc = 2;
	} else {
		fwrite(b.data ? b.data : "", 1, b.len, stdout);
	}
	buf_free(&b);
done:
	if (q)
		sqlite3_finalize(q);
	st_close(s);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- specs */

const struct cmd_spec cmd_pipeline_list = {
	.name = "pipeline list",
	.summary = "list the pipelines in pipelines/*.yml",
	.usage = "ingot pipeline list [--output table|json]",
	.opts = list_opts,
	.flags = CMD_OPT_PROJECT,
	.run = run_list,
};

const struct cmd_spec cmd_pipeline_run = {
	.name = "pipeline run",
	.summary = "run a pipeline now (in the foreground when no scheduler runs)",
	.usage = "ingot pipeline run NAME [--param K=V ...] [--logical-date D] [--wait] [--parallelism N] [--grace SECONDS]",
	.opts = run_opts,
	.flags = CMD_OPT_PROJECT | CMD_POSITIONAL,
	.run = run_run,
};

const struct cmd_spec cmd_pipeline_trigger = {
	.name = "pipeline trigger",
	.summary = "queue a run of a pipeline for the scheduler",
	.usage = "ingot pipeline trigger NAME [--param K=V ...] [--logical-date D]",
	.opts = trigger_opts,
	.flags = CMD_OPT_PROJECT | CMD_POSITIONAL,
	.run = run_trigger,
};

const struct cmd_spec cmd_pipeline_status = {
	.name = "pipeline status",
	.summary = "runs, tasks and attempts with their times",
	.usage = "ingot pipeline status [NAME|RUN_ID] [--output table|json] [--limit N]",
	.opts = status_opts,
	.flags = CMD_OPT_PROJECT | CMD_POSITIONAL,
	.run = run_status,
};

const struct cmd_spec cmd_pipeline_logs = {
	.name = "pipeline logs",
	.summary = "print the log of a task's attempt",
	.usage = "ingot pipeline logs RUN_ID TASK [--attempt N]",
	.opts = logs_opts,
	.flags = CMD_OPT_PROJECT | CMD_POSITIONAL,
	.run = run_logs,
};

const struct cmd_spec cmd_pipeline_backfill = {
	.name = "pipeline backfill",
	.summary = "create and run the runs of a date range",
	.usage = "ingot pipeline backfill NAME --start D --end D [--param K=V ...]",
	.opts = backfill_opts,
	.flags = CMD_OPT_PROJECT | CMD_POSITIONAL,
	.run = run_backfill,
};

const struct cmd_spec cmd_pipeline_clear = {
	.name = "pipeline clear",
	.summary = "reset tasks of a finished run and run them again",
	.usage = "ingot pipeline clear RUN_ID [--task T] [--downstream] [--failed-only]",
	.opts = clear_opts,
	.flags = CMD_OPT_PROJECT | CMD_POSITIONAL,
	.run = run_clear,
};
