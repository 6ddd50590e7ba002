/*
 * cmd/cmd_pipeline.c — `ingot pipeline list|run|status|logs|backfill|clear|
 * trigger|cancel`: pipelines by hand, and their history.
 *
 * Runs happen in the foreground when no scheduler holds the project
 * (.ingot/scheduler.lock); when one does, `pipeline run` queues the run in
 * the state db, wakes the scheduler and follows the run to its end, then
 * prints what a foreground run prints and exits with its code (--no-wait
 * returns at once). Ctrl-C while following, and `pipeline cancel`, ask the
 * engine running the run to cancel it through the history (a cancel
 * request it notices on its wakeup). History is read through
 * orchestrate/history.h only: no SQL here. The engine's hooks
 * (load/build/.../sql tasks in-process) are the platform's
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
#include "core/cancel.h"
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

struct orch_opts pipeline_daemon_opts(const char *dir, struct platform *pl, long long parallelism,
				      long long grace_s, long long heartbeat_s)
{
	return (struct orch_opts){
		.project_dir = dir,
		.lake_root = platform_lake_root(pl),
		.parallelism = (int)parallelism,
		.hooks = platform_hooks(),
		.host = pl,
		.schedule = true,
		.resume = true,
		.watch = true,
		.grace_us = grace_s ? grace_s * US_PER_SEC : 1,
		.heartbeat_us = heartbeat_s * US_PER_SEC,
	};
}

int pipeline_platform(struct cmd_ctx *c, const char *dir, struct platform **pl, struct err *e)
{
	/* load tasks quarantine refused files as `ingot load` does */
	char *quarantine = cmd_infra_quarantine(c->project, NULL);
	struct platform_opts po = {.project_dir = dir,
				   .profiles_dir = c->g.profiles_dir,
				   .target = c->g.target,
				   .vars = c->g.vars,
				   .quarantine = quarantine,
				   .project = c->project};
	int rc = platform_open(&po, pl, e) ? 2 : 0;
	free(quarantine);
	return rc;
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

/* Print one run's tasks after it ran (foreground, or followed in the
 * scheduler): the same table either way. */
static void print_run_summary(FILE *out, struct st *s, int64_t run)
{
	struct arena *a = arena_new(0);
	struct hist_task *t;
	size_t n;
	struct err e = ERR_INIT;
	if (st_run_tasks(s, run, a, &t, &n, &e)) {
		err_print(&e, stderr);
		err_clear(&e);
		arena_free(a);
		return;
	}
	fprintf(out, "%-28s %-16s %8s %10s\n", "task", "state", "attempts", "duration");
	for (size_t i = 0; i < n; i++) {
		char d[32];
		fmt_dur(t[i].started_at, t[i].ended_at, d);
		fprintf(out, "%-28s %-16s %8d %10s\n", t[i].task, t[i].state, t[i].attempts, d);
	}
	arena_free(a);
}

/* A run's state, "" when it cannot be read. */
static const char *db_run_state(struct st *s, int64_t run, char *buf, size_t n)
{
	struct arena *a = arena_new(0);
	struct hist_run r;
	struct err e = ERR_INIT;
	buf[0] = 0;
	if (!st_get_run(s, run, a, &r, &e))
		snprintf(buf, n, "%s", r.state);
	err_clear(&e);
	arena_free(a);
	return buf;
}

/* The last line of a finished run: "run 7: failed (cancelled)". */
static void print_run_end(FILE *out, struct st *s, int64_t run, const char *state)
{
	struct arena *a = arena_new(0);
	struct hist_run r;
	struct err e = ERR_INIT;
	if (!st_get_run(s, run, a, &r, &e) && r.reason && !strcmp(r.reason, "cancelled"))
		fprintf(out, "run %lld: %s (cancelled)\n", (long long)run, state);
	else
		fprintf(out, "run %lld: %s\n", (long long)run, state);
	err_clear(&e);
	arena_free(a);
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
			print_run_summary(c->out, orch_state(x), runs[i]);
		print_run_end(c->out, orch_state(x), runs[i], st);
		if (strcmp(st, "success"))
			rc = 1;
	}
	if (rc == 1 && platform_take_conn_error(pl, &c->err))
		rc = 2;
	orch_close(x);
	platform_close(pl);
	return rc;
}

static int open_state(const char *dir, struct st **s, struct err *e)
{
	char *path = orch_state_path(dir);
	int rc = st_open(path, s, e);
	free(path);
	return rc;
}

/* Ask the engine running these runs to cancel them, and wake it. */
static void request_cancel(const char *dir, struct st *s, const int64_t *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct err e = ERR_INIT;
		bool applied;
		if (st_run_request_cancel(s, runs[i], now_us(), &applied, &e)) {
			err_print(&e, stderr);
			err_clear(&e);
		} else if (applied) {
			log_info("run %lld: cancel requested", (long long)runs[i]);
		}
	}
	orch_wakeup(dir);
}

/* Is someone running (or about to run) this run? A queued run waits for a
 * scheduler; a running one for the process recorded as its owner. */
static bool run_has_engine(const char *dir, const struct hist_run *r)
{
	if (!strcmp(r->state, "queued"))
		return orch_scheduler_running(dir, NULL);
	return r->owner_pid && !orch_owner_dead(r->owner_pid, r->owner_host, r->owner_start);
}

/* Follow runs that another process (the scheduler) runs, reading the
 * history, until they end; then print what a foreground run prints and
 * return its exit code. When tok is given, a Ctrl-C (tok requested by
 * cmd_sigcancel) asks the owner to cancel the runs, and following goes on
 * until they end. Without an engine to run them it stops (2). */
static int follow(struct cmd_ctx *c, const char *dir, const int64_t *runs, size_t n,
		  struct cancel *tok)
{
	struct st *s;
	if (open_state(dir, &s, &c->err))
		return 2;
	int rc = 0;
	bool asked = false;
	struct arena *a = arena_new(0);
	for (size_t i = 0; i < n && rc != 2; i++) {
		struct hist_run r;
		for (int tick = 0;; tick++) {
			if (tok && cancel_requested(tok) && !asked) {
				asked = true;
				request_cancel(dir, s, runs + i, n - i);
			}
			arena_reset(a);
			if (st_get_run(s, runs[i], a, &r, &c->err)) {
				rc = 2;
				break;
			}
			if (hist_run_ended(r.state))
				break;
			/* every 2 s: is anyone still going to run it? */
			if (tick % 20 == 19 && !run_has_engine(dir, &r)) {
				err_set(&c->err, ING_ECONFLICT,
					"run %lld is %s but no scheduler runs it any more; it goes on when"
					" 'ingot scheduler' starts (see 'ingot pipeline status %lld')",
					(long long)runs[i], r.state, (long long)runs[i]);
				rc = 2;
				break;
			}
			usleep(100000);
		}
		if (rc == 2)
			break;
		if (n == 1)
			print_run_summary(c->out, s, runs[i]);
		print_run_end(c->out, s, runs[i], r.state);
		if (strcmp(r.state, "success"))
			rc = 1;
	}
	arena_free(a);
	st_close(s);
	return rc;
}

/* ---------------------------------------------------------- list */

static const struct opt list_opts[] = {
	{"output", 'o', OPT_STR, "table|json", "output format (default table)"},
	{0},
};

/* The history's summary of each pipeline (none when there is no history
 * yet: listing never creates it). */
static int list_history(const char *dir, struct arena *a, struct hist_pipeline **ps, size_t *n,
			struct err *e)
{
	char *path = orch_state_path(dir);
	struct st *s = NULL;
	int rc = 0;
	*ps = NULL;
	*n = 0;
	if (fs_exists(path)) {
		rc = st_open(path, &s, e);
		/* a run whose `pipeline run` process was killed is not running */
		if (!rc)
			rc = orch_reap_orphans(s, NULL, e);
		if (!rc)
			rc = st_pipeline_summary(s, 5, a, ps, n, e);
	}
	st_close(s);
	free(path);
	return rc;
}

static const struct hist_pipeline *find_summary(const struct hist_pipeline *ps, size_t n,
						const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ps[i].pipeline, id))
			return &ps[i];
	return NULL;
}

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
	struct hist_pipeline *hs;
	size_t nh;
	if (list_history(dir, a, &hs, &nh, &c->err)) {
		rc = 2;
		goto done;
	}
	if (json) {
		jw_init(&w, &out, true);
		jw_obj_begin(&w);
		jw_key(&w, "pipelines");
		jw_arr_begin(&w);
	} else {
		fprintf(c->out, "%-24s %-16s %-18s %6s  %-20s  %s\n", "pipeline", "schedule", "timezone", "tasks",
			"next run", "last run");
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
			const struct hist_pipeline *h = find_summary(hs, nh, p->id);
			jw_key(&w, "last_run");
			if (!h) {
				jw_null(&w);
			} else {
				jw_obj_begin(&w);
				jw_key(&w, "id");
				jw_int(&w, h->last.id);
				jw_key(&w, "state");
				jw_str(&w, h->last.state);
				char ld[40];
				ts_format_iso(h->last.logical_date, ld);
				jw_key(&w, "logical_date");
				jw_str(&w, ld);
				jw_obj_end(&w);
			}
			jw_key(&w, "recent_states"); /* newest first */
			jw_arr_begin(&w);
			for (size_t k = 0; h && k < h->nrecent; k++)
				jw_str(&w, h->recent[k]);
			jw_arr_end(&w);
			jw_obj_end(&w);
		} else {
			const struct hist_pipeline *h = find_summary(hs, nh, p->id);
			char last[48] = "-";
			if (h)
				snprintf(last, sizeof(last), "%lld %s", (long long)h->last.id, h->last.state);
			fprintf(c->out, "%-24s %-16s %-18s %6zu  %-20s  %s\n", p->id,
				p->schedule ? p->schedule : "none", p->timezone, p->ntasks, next, last);
		}
	}
	if (json) {
		jw_arr_end(&w);
		jw_obj_end(&w);
		fprintf(c->out, "%s\n", buf_cstr(&out));
	}
done:
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
	{"no-wait", 0, OPT_FLAG, NULL,
	 "when a scheduler runs it, queue it and return (default: follow it to its end)"},
	{"wait", 0, OPT_FLAG, NULL, "follow a run the scheduler runs to its end (the default)"},
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
	if (!rc && ld && orch_parse_instant(ld, p, &req.logical_date, &c->err))
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
	if (cmd_flag(c, "no-wait") && cmd_flag(c, "wait")) {
		err_set(&c->err, ING_EINVAL, "--wait and --no-wait contradict each other; give one");
		arena_free(a);
		free(dir);
		return 2;
	}
	int pid = 0;
	bool sched = orch_scheduler_running(dir, &pid);
	int rc = create_from_args(c, dir, a, &run, &key);
	if (!rc) {
		if (sched && cmd_flag(c, "no-wait")) {
			orch_wakeup(dir);
			fprintf(c->out, "queued run %lld (%s) for the scheduler (pid %d)\n", (long long)run, key, pid);
		} else if (sched) {
			/* the same output and exit code as a foreground run; Ctrl-C
			 * cancels the run in the scheduler */
			orch_wakeup(dir);
			log_info("run %lld: %s (in the scheduler, pid %d)", (long long)run, key, pid);
			struct cancel *tok = cancel_new();
			struct cmd_sigcancel *sc = cmd_sigcancel_start(tok);
			rc = follow(c, dir, &run, 1, tok);
			int sig = cmd_sigcancel_stop(sc);
			cancel_free(tok);
			if (sig)
				rc = sig;
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
			fprintf(c->out, "queued run %lld (%s) for the scheduler (pid %d)\n", (long long)run, key, pid);
		else
			fprintf(c->out, "queued run %lld (%s); no scheduler is running: it runs when 'ingot scheduler' starts\n",
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
	int64_t *runs = NULL;
	size_t nruns = 0;
	int existed = 0;
	int rc = 0;
	if (find_pipeline(c, dir, c->pos.items[0], a, &p, &c->err) || parse_params(c, &keys, &vals, &np) ||
	    open_state(dir, &s, &c->err) ||
	    orch_backfill(s, p, sa, ea, keys, vals, np, now_us(), &runs, &nruns, &existed, &c->err)) {
		rc = 2;
		goto done;
	}
	int created = (int)nruns;
	fprintf(c->out, "backfill %s: %d run(s) created%s\n", p->id, created,
	       existed ? " (some intervals already had a backfill run)" : "");
	st_close(s);
	s = NULL;
	if (nruns) {
		if (orch_scheduler_running(dir, NULL)) {
			orch_wakeup(dir);
			fprintf(c->out, "queued for the scheduler\n");
		} else {
			rc = pipeline_foreground(c, dir, runs, nruns, (int)cmd_int(c, "parallelism", 0), -1);
		}
	}
done:
	st_close(s);
	free(runs);
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
	    st_resolve_run(s, c->pos.items[0], &run, &c->err) ||
	    orch_run_clear(s, run, cmd_str(c, "task", NULL), cmd_flag(c, "downstream"),
			   cmd_flag(c, "failed-only"), &n, &c->err)) {
		rc = 2;
	} else {
		fprintf(c->out, "cleared %d task(s) of run %lld\n", n, (long long)run);
	}
	st_close(s);
	if (!rc) {
		if (orch_scheduler_running(dir, NULL)) {
			orch_wakeup(dir);
			fprintf(c->out, "queued for the scheduler\n");
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

/* A time field: ISO text, or null when not yet. */
static void json_time(struct jw *w, const char *k, int64_t us)
{
	jw_key(w, k);
	if (!us) {
		jw_null(w);
	} else {
		char b[40];
		ts_format_iso(us, b);
		jw_str(w, b);
	}
}

static void json_dur(struct jw *w, int64_t a, int64_t b)
{
	jw_key(w, "duration_s");
	if (!a || !b)
		jw_null(w);
	else
		jw_double(w, (double)(b - a) / 1e6);
}

static void json_attempt(struct jw *w, const struct hist_attempt *at, int64_t now)
{
	jw_obj_begin(w);
	jw_key(w, "attempt");
	jw_int(w, at->attempt);
	jw_key(w, "state");
	jw_str(w, at->state);
	json_time(w, "started_at", at->started_at);
	json_time(w, "ended_at", at->ended_at);
	json_dur(w, at->started_at, at->ended_at);
	jw_key(w, "exit_code");
	if (!at->has_exit_code)
		jw_null(w);
	else
		jw_int(w, at->exit_code);
	jw_key(w, "error");
	jw_str(w, at->error);
	jw_key(w, "log");
	jw_str(w, at->log_path);
	jw_key(w, "pid");
	jw_int(w, at->pid);
	jw_key(w, "lease_expired");
	jw_bool(w, !strcmp(at->state, "running") && at->lease_until < now);
	jw_obj_end(w);
}

static int status_run_detail(FILE *out, struct st *s, int64_t run, struct jw *w, struct err *e)
{
	struct arena *a = arena_new(0);
	struct hist_task *tasks;
	size_t nt;
	int rc = st_run_tasks(s, run, a, &tasks, &nt, e);
	if (rc)
		goto done;
	if (w) {
		jw_key(w, "tasks");
		jw_arr_begin(w);
	} else {
		fprintf(out, "  %-24s %-16s %-4s %-20s %10s  %s\n", "task", "state", "try", "started",
			"duration", "error");
	}
	for (size_t i = 0; i < nt && !rc; i++) {
		const struct hist_task *t = &tasks[i];
		struct hist_attempt *at;
		size_t na;
		if ((rc = st_task_attempts(s, run, t->task, a, &at, &na, e)))
			break;
		int64_t now = now_us();
		if (w) {
			jw_obj_begin(w);
			jw_key(w, "task");
			jw_str(w, t->task);
			jw_key(w, "state");
			jw_str(w, t->state);
			jw_key(w, "tries");
			jw_int(w, t->tries);
			json_time(w, "next_try_at", t->next_try_at);
			json_time(w, "started_at", t->started_at);
			json_time(w, "ended_at", t->ended_at);
			json_dur(w, t->started_at, t->ended_at);
			jw_key(w, "attempts");
			jw_arr_begin(w);
			for (size_t k = 0; k < na; k++)
				json_attempt(w, &at[k], now);
			jw_arr_end(w);
			jw_obj_end(w);
			continue;
		}
		for (size_t k = 0; k < na; k++) {
			char st[32], d[32];
			fmt_time(at[k].started_at, st);
			fmt_dur(at[k].started_at, at[k].ended_at, d);
			bool stale = !strcmp(at[k].state, "running") && at[k].lease_until < now;
			fprintf(out, "  %-24s %-16s %-4d %-20s %10s  %s%s\n", k ? "" : t->task, at[k].state,
				at[k].attempt, st, d, at[k].error ? at[k].error : "",
				stale ? "(lease expired)" : "");
		}
		if (!na)
			fprintf(out, "  %-24s %-16s\n", t->task, t->state);
		else if (strcmp(t->state, "success") && strcmp(t->state, "failed"))
			fprintf(out, "  %-24s -> %s\n", "", t->state);
	}
	if (w)
		jw_arr_end(w);
done:
	arena_free(a);
	return rc;
}

static void json_run(struct jw *w, const struct hist_run *r)
{
	jw_key(w, "id");
	jw_int(w, r->id);
	jw_key(w, "run_id");
	jw_str(w, r->run_key);
	jw_key(w, "pipeline");
	jw_str(w, r->pipeline);
	jw_key(w, "kind");
	jw_str(w, r->kind);
	jw_key(w, "state");
	jw_str(w, r->state);
	char b[40];
	ts_format_iso(r->logical_date, b);
	jw_key(w, "logical_date");
	jw_str(w, b);
	json_time(w, "started_at", r->started_at);
	json_time(w, "ended_at", r->ended_at);
	json_dur(w, r->started_at, r->ended_at);
	jw_key(w, "reason");
	jw_str(w, r->reason);
	jw_key(w, "owner");
	if (!r->owner_pid) {
		jw_null(w);
	} else {
		jw_obj_begin(w);
		jw_key(w, "pid");
		jw_int(w, r->owner_pid);
		jw_key(w, "host");
		jw_str(w, r->owner_host);
		jw_key(w, "kind");
		jw_str(w, r->owner_kind);
		jw_key(w, "gone");
		jw_bool(w, orch_owner_dead(r->owner_pid, r->owner_host, r->owner_start));
		jw_obj_end(w);
	}
}

static void text_run(FILE *out, const struct hist_run *r, bool detail)
{
	char ld[40], st[40], d[32];
	fmt_time(r->logical_date, ld);
	fmt_time(r->started_at, st);
	fmt_dur(r->started_at, r->ended_at, d);
	if (!detail) {
		fprintf(out, "%-5lld %-20s %-10s %-8s %-20s %-20s %10s\n", (long long)r->id, r->pipeline,
			r->kind, r->state, ld, st, d);
		return;
	}
	fprintf(out, "run %lld  %s\n  pipeline %s  kind %s  state %s\n  logical date %s  started %s  duration %s\n",
		(long long)r->id, r->run_key, r->pipeline, r->kind, r->state, ld, st, d);
	if (r->reason)
		fprintf(out, "  %s\n", r->reason);
	if (!strcmp(r->state, "running") && r->owner_pid &&
	    orch_owner_dead(r->owner_pid, r->owner_host, r->owner_start))
		fprintf(out, "  its %s (pid %d) is gone: the next 'ingot scheduler' resumes it\n",
			r->owner_kind, r->owner_pid);
	else if (!hist_run_ended(r->state) && r->cancel_requested_at)
		fprintf(out, "  cancel requested\n");
	fprintf(out, "\n");
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
	struct arena *a = arena_new(0);
	struct buf out = BUF_INIT;
	int rc = 0;
	if (!fs_exists(path)) {
		fprintf(c->out, json ? "{\"runs\": []}\n" : "no runs yet\n");
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
		if (!st_resolve_run(s, arg, &one, &e))
			detail = true;
		err_clear(&e);
	}
	struct hist_run *runs = NULL;
	size_t nruns = 0;
	if (detail) {
		runs = arena_alloc(a, sizeof(*runs));
		nruns = 1;
		rc = st_get_run(s, one, a, runs, &c->err);
	} else {
		struct hist_filter f = {.pipeline = arg, .limit = limit > 0 ? limit : -1};
		if (limit == 0)
			nruns = 0; /* --limit 0: none, as asked */
		else
			rc = st_list_runs(s, &f, a, &runs, &nruns, &c->err);
	}
	if (rc) {
		rc = 2;
		goto done;
	}
	struct jw w;
	if (json) {
		jw_init(&w, &out, true);
		jw_obj_begin(&w);
		jw_key(&w, "runs");
		jw_arr_begin(&w);
	} else if (!detail) {
		fprintf(c->out, "%-5s %-20s %-10s %-8s %-20s %-20s %10s\n", "id", "pipeline", "kind", "state",
			"logical date", "started", "duration");
	}
	for (size_t i = 0; i < nruns && !rc; i++) {
		if (json) {
			jw_obj_begin(&w);
			json_run(&w, &runs[i]);
			if (detail)
				rc = status_run_detail(c->out, s, runs[i].id, &w, &c->err);
			jw_obj_end(&w);
		} else {
			text_run(c->out, &runs[i], detail);
			if (detail)
				rc = status_run_detail(c->out, s, runs[i].id, NULL, &c->err);
		}
	}
	if (rc) {
		rc = 2;
		goto done;
	}
	if (json) {
		jw_arr_end(&w);
		jw_obj_end(&w);
		fprintf(c->out, "%s\n", buf_cstr(&out));
	} else if (!nruns) {
		if (arg)
			fprintf(c->out, "no runs of '%s'\n", arg);
		else
			fprintf(c->out, "no runs yet\n");
	}
done:
	buf_free(&out);
	arena_free(a);
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
	struct arena *a = arena_new(0);
	struct buf b = BUF_INIT;
	struct hist_attempt *at = NULL;
	size_t na = 0;
	int64_t run;
	long long want = cmd_int(c, "attempt", 0);
	int rc = 0;
	if (open_state(dir, &s, &c->err) || st_resolve_run(s, c->pos.items[0], &run, &c->err) ||
	    st_task_attempts(s, run, c->pos.items[1], a, &at, &na, &c->err)) {
		rc = 2;
		goto done;
	}
	const struct hist_attempt *pick = NULL;
	for (size_t i = 0; i < na; i++) /* first to last: the latest, or the one asked for */
		if (!want || at[i].attempt == want)
			pick = &at[i];
	if (!pick) {
		err_set(&c->err, ING_ENOTFOUND, "run %lld has no attempt%s of task '%s'", (long long)run,
			want ? " with that number" : "", c->pos.items[1]);
		rc = 2;
		goto done;
	}
	if (!pick->log_path || fs_read_file(pick->log_path, &b, 0, &c->err)) {
		if (!c->err.code)
			err_set(&c->err, ING_ENOTFOUND, "attempt has no log");
		rc = 2;
	} else {
		fwrite(b.data ? b.data : "", 1, b.len, c->out);
	}
done:
	buf_free(&b);
	arena_free(a);
	st_close(s);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- cancel */

static const struct opt cancel_opts[] = {
	{"no-wait", 0, OPT_FLAG, NULL, "ask for the cancel and return (default: wait for the run to end)"},
	{0},
};

/* Cancel through the history: the engine that runs the run (a scheduler,
 * or a foreground `pipeline run`) notices the request on its next wakeup,
 * stops running tasks, skips the rest and fails the run ("cancelled"). */
static int run_cancel(struct cmd_ctx *c)
{
	if (c->pos.len != 1) {
		err_set(&c->err, ING_EINVAL, "usage: ingot pipeline cancel RUN_ID [--no-wait]");
		return 2;
	}
	char *dir = pipeline_project_dir(c);
	struct st *s = NULL;
	struct arena *a = arena_new(0);
	struct hist_run r;
	int64_t run;
	bool applied = false;
	int rc = 0;
	if (open_state(dir, &s, &c->err) || orch_reap_orphans(s, NULL, &c->err) ||
	    st_resolve_run(s, c->pos.items[0], &run, &c->err) ||
	    st_run_request_cancel(s, run, now_us(), &applied, &c->err) || st_get_run(s, run, a, &r, &c->err)) {
		rc = 2;
		goto done;
	}
	if (!applied) {
		err_set(&c->err, ING_ECONFLICT, "run %lld has already ended (%s): nothing to cancel",
			(long long)run, r.state);
		rc = 2;
		goto done;
	}
	orch_wakeup(dir);
	if (!strcmp(r.state, "queued") && !orch_scheduler_running(dir, NULL)) {
		/* nobody would run it: cancel it here */
		bool now_done = false;
		if (orch_run_cancel_unheld(dir, s, run, &now_done, &c->err)) {
			rc = 2;
			goto done;
		}
		if (now_done) {
			fprintf(c->out, "run %lld: failed (cancelled)\n", (long long)run);
			goto done;
		}
	}
	if (!run_has_engine(dir, &r)) {
		fprintf(c->out, "run %lld: cancel requested; no scheduler is running: it is cancelled when"
			" 'ingot scheduler' starts\n", (long long)run);
		goto done;
	}
	if (cmd_flag(c, "no-wait")) {
		fprintf(c->out, "run %lld: cancel requested\n", (long long)run);
		goto done;
	}
	st_close(s);
	s = NULL;
	rc = follow(c, dir, &run, 1, NULL);
	if (rc == 1) /* it ended failed, as asked */
		rc = 0;
done:
	arena_free(a);
	st_close(s);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------- specs */

const struct cmd_spec cmd_pipeline_list = {
	.name = "pipeline list",
	.summary = "list the pipelines in pipelines/*.yml, with their last run",
	.usage = "ingot pipeline list [--output table|json]",
	.opts = list_opts,
	.flags = CMD_OPT_PROJECT,
	.run = run_list,
};

const struct cmd_spec cmd_pipeline_run = {
	.name = "pipeline run",
	.summary = "run a pipeline now (here, or in the scheduler when one runs) and print its tasks",
	.usage = "ingot pipeline run NAME [--param K=V ...] [--logical-date D] [--no-wait] [--parallelism N] [--grace SECONDS]",
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

const struct cmd_spec cmd_pipeline_cancel = {
	.name = "pipeline cancel",
	.summary = "cancel a queued or running run (running tasks are stopped)",
	.usage = "ingot pipeline cancel RUN_ID [--no-wait]",
	.opts = cancel_opts,
	.flags = CMD_OPT_PROJECT | CMD_POSITIONAL,
	.run = run_cancel,
};
