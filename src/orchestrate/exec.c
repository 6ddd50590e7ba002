/*
 * orchestrate/exec.c — the engine: runs, task states, limits, retries,
 * timeouts, sensors, child processes, worker threads, crash recovery,
 * schedules and alerts (see orchestrate.h for the calling sequence).
 *
 * Design: one engine thread owns every run and the state db; it is the only
 * one to change a task's state, and it writes each change to the db before
 * acting on it (attempt row as running → then spawn; task as up_for_retry →
 * then wait). Work that blocks runs elsewhere: child processes for shell
 * tasks (watched through pidfds), worker threads for in-process tasks
 * (they post results on a list and signal an eventfd), alert threads. So a
 * retry's delay, a sensor's wait or a slow task never block other work, and
 * when nothing is due the engine sleeps in poll() until the next deadline.
 *
 * States. Runs: queued → running → success | failed. Tasks: queued (waiting
 * for upstream) → scheduled (ready, waiting for a slot) → running → success
 * | failed | up_for_retry (→ scheduled when its delay is over) |
 * upstream_failed | skipped. A run fails when any of its tasks ends failed
 * or upstream_failed, else it succeeds.
 *
 * Trigger rules are Airflow's: all_success (skipped upstream → skipped),
 * all_failed, all_done, one_success, one_failed, none_failed,
 * none_failed_min_one_success, always (runs at once, whatever upstream).
 *
 * Retries: the delay after try n is retry_delay (fixed) or
 * retry_delay * 2^(n-1) (exponential), with "equal jitter" when enabled
 * (a uniform value in [d/2, d], deterministic per run/task/try), capped by
 * max_retry_delay.
 *
 * Crash safety: the engine holds .ingot/scheduler.lock (flock) for its life,
 * so at open any attempt still marked running belongs to a dead process: it
 * is a zombie. Its leftover process group (recognised by INGOT_ATTEMPT_ID in
 * its environment) is killed, the attempt is recorded failed and the retry
 * policy applies. Attempts carry a lease renewed by a heartbeat, for readers
 * (`pipeline status` shows a stale lease). Each run records the engine that
 * set it running (owner.c): a dead scheduler's runs are resumed by the next
 * scheduler; a dead foreground `pipeline run`'s runs are failed
 * ("interrupted") by whoever looks first, this engine at open included.
 *
 * Not here: what load/build/sql tasks do (the host's hooks), the CLI.
 */
#include "orchestrate/orch_int.h"
#include "orchestrate/state_int.h"
#include "core/tz.h"
#include "core/cancel.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/map.h"
#include "core/vec.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_LIBCURL
#include <curl/curl.h>
#endif

extern char **environ;

enum tstate { T_QUEUED, T_SCHEDULED, T_RUNNING, T_SUCCESS, T_FAILED, T_UP_FOR_RETRY,
	      T_UPSTREAM_FAILED, T_SKIPPED };
static const char *const tstate_names[] = {"queued",  "scheduled",    "running",
					   "success", "failed",       "up_for_retry",
					   "upstream_failed", "skipped"};
enum rstate { R_QUEUED, R_RUNNING, R_SUCCESS, R_FAILED };
static const char *const rstate_names[] = {"queued", "running", "success", "failed"};

static bool t_terminal(enum tstate s)
{
	return s == T_SUCCESS || s == T_FAILED || s == T_UPSTREAM_FAILED || s == T_SKIPPED;
}

struct job;

struct otask {
	const struct task_def *def;
	enum tstate st;
	int tries;       /* tries used of the current retry budget */
	int attempt_seq; /* last attempt number */
	int64_t next_try_at;
	int64_t attempt_id;
	int64_t started, deadline, kill_at;
	pid_t pid;
	int pidfd;
	bool timed_out, interrupted, holds_slot;
	bool cancelled; /* its run was cancelled while it ran */
	struct job *job;
	int64_t next_poke, sensor_deadline;
	char *log_path;
	char *render_error;
};

struct orun {
	int64_t id;
	char *key, *kind;
	struct arena *arena;
	struct pipeline *p;
	enum rstate st;
	int64_t logical, istart, iend;
	struct orch_vars vars, params;
	struct otask *t;
	int active; /* slot-holding tasks running */
	int live;   /* tasks running of any kind */
	bool cancelled;
};

struct job {
	struct orch *x;
	struct orun *r;
	size_t ti;
	struct orch_task_ctx ctx;
	enum task_kind kind;
	char *text;
	char **tables;
	size_t ntables;
	char *select, *exclude;
	bool full_refresh;
	bool no_reuse;
	int rc;
	struct err err;
	struct job *next;
};

struct pool {
	char *name;
	int slots, used;
};

struct pdef {
	struct arena *arena;
	struct pipeline *p;
	int64_t next_check; /* µs; 0 = now */
};

struct orch {
	struct orch_opts o;
	struct cancel *cancel; /* parent of every in-process task's token */
	char *dir, *lake, *logs, *pdir;
	struct st *st;
	int lock_fd;
	int parallelism, running;
	VEC(struct orun *) runs;
	struct {
		struct pdef *items;
		size_t len, cap;
	} pipes;
	VEC(struct pool) pools;
	/* workers */
	pthread_t *workers;
	int nworkers;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *qhead, *qtail, *done;
	bool quit;
	int evfd, sigfd, inofd, wd_pipes, wd_state;
	/* drain */
	atomic_bool stop_req;
	bool draining;
	int64_t drain_deadline;
	_Atomic int64_t drain_started;
	bool want_reload, want_scan;
	int64_t next_heartbeat;
	/* alerts */
	pthread_mutex_t amu;
	pthread_cond_t acv;
	int alerts_inflight;
	/* SLAs: the last local day each pipeline's SLA was settled (met or
	 * alerted), so a miss alerts once a day, across reloads */
	struct {
		struct sla_seen {
			char *pipeline;
			int64_t day;
		} *items;
		size_t len, cap;
	} sla;
	sigset_t oldmask;
	bool sigmasked;
	struct orch_owner owner; /* this process, recorded on the runs it runs */
};

static int64_t now_of(struct orch *x)
{
	return x->o.now ? x->o.now(x->o.now_arg) : now_us();
}

/* ---------------------------------------------------------- task ctx */

bool orch_ctx_cancelled(struct orch_task_ctx *c)
{
	return cancel_requested(c->cancel);
}

static void ctx_cancel(struct orch_task_ctx *c, int status, const char *reason)
{
	cancel_request(c->cancel, status, reason);
}

/* ---------------------------------------------------------- workers */

static void job_free(struct job *j)
{
	if (!j)
		return;
	if (j->ctx.log)
		fclose(j->ctx.log);
	free(j->ctx.results_path);
	cancel_free(j->ctx.cancel);
	free(j->text);
	for (size_t i = 0; i < j->ntables; i++)
		free(j->tables[i]);
	free(j->tables);
	free(j->select);
	free(j->exclude);
	err_clear(&j->err);
	free(j);
}

static void run_job(struct job *j)
{
	const struct orch_hooks *h = j->x->o.hooks;
	void *host = j->x->o.host;
	struct err *e = &j->err;
	switch (j->kind) {
	case TK_LOAD:
		j->rc = h && h->load ? h->load(host, (const char *const *)j->tables, j->ntables, &j->ctx, e)
				     : err_set(e, ING_EUNSUPPORTED,
					       "load tasks need the loader, which this ingot was built without");
		break;
	case TK_SQL:
		j->rc = h && h->sql ? h->sql(host, j->text, &j->ctx, e)
				    : err_set(e, ING_EUNSUPPORTED,
					      "sql tasks need a warehouse connection, which this ingot was built without");
		break;
	default:
		j->rc = h && h->dbt ? h->dbt(host, task_kind_name(j->kind), j->select, j->exclude,
					     j->full_refresh, j->no_reuse, &j->ctx, e)
				    : err_set(e, ING_EUNSUPPORTED,
					      "%s tasks need the transform engine, which this ingot was built without",
					      task_kind_name(j->kind));
	}
	if (j->rc && !e->code)
		err_set(e, j->rc, "%s", ing_strerror(j->rc));
	if (j->ctx.log) {
		if (j->rc) {
			char *m = err_string(e);
			fprintf(j->ctx.log, "error: %s\n", m);
			free(m);
		}
		fflush(j->ctx.log);
	}
}

static void *worker_main(void *arg)
{
	struct orch *x = arg;
	pthread_mutex_lock(&x->mu);
	for (;;) {
		while (!x->qhead && !x->quit)
			pthread_cond_wait(&x->cv, &x->mu);
		if (!x->qhead && x->quit)
			break;
		struct job *j = x->qhead;
		x->qhead = j->next;
		if (!x->qhead)
			x->qtail = NULL;
		pthread_mutex_unlock(&x->mu);
		run_job(j);
		pthread_mutex_lock(&x->mu);
		j->next = x->done;
		x->done = j;
		uint64_t one = 1;
		if (write(x->evfd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow in practice; the engine rescans anyway */
		}
	}
	pthread_mutex_unlock(&x->mu);
	return NULL;
}

/* ---------------------------------------------------------- alerts */

struct alert_job {
	struct orch *x;
	char *webhook, *command, *json;
	char **env;
};

#ifdef HAVE_LIBCURL
static size_t curl_sink(char *p, size_t sz, size_t n, void *u)
{
	return sz * n;
}

/* libcurl is initialised once per process, by the first engine, before it
 * starts any thread (curl_easy_init would otherwise do it lazily, racing
 * other alert threads); never cleaned up (alert threads may outlive an
 * engine). */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* One POST; 0 when the receiver took it (2xx), -2 when no request could
 * be made, else -1; why not in why. A transient failure (no connection, timeout, 429, 5xx) sets *again. */
static int post_once(const struct alert_job *a, char *why, size_t whylen, bool *again)
{
	*again = false;
	CURL *c = curl_easy_init();
	struct curl_slist *hd = c ? curl_slist_append(NULL, "Content-Type: application/json") : NULL;
	if (!c || !hd) {
		snprintf(why, whylen, "libcurl could not make a request (out of memory?)");
		if (c)
			curl_easy_cleanup(c);
		return -2;
	}
	curl_easy_setopt(c, CURLOPT_URL, a->webhook);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, a->json);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_sink);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	int out = 0;
	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s", curl_easy_strerror(rc));
		*again = true;
		out = -1;
	} else if (status < 200 || status >= 300) {
		snprintf(why, whylen, "HTTP %ld", status);
		*again = status == 429 || status >= 500;
		out = -1;
	}
	curl_slist_free_all(hd);
	curl_easy_cleanup(c);
	return out;
}

/* The POST, tried 3 times (1 s, then 4 s apart) while the failure is
 * transient; every failed try is logged. Runs on the alert's own thread:
 * the scheduler never waits for it. */
static void post_webhook(const struct alert_job *a)
{
	if (curl_init_rc != CURLE_OK) {
		log_warn("alert webhook %s not sent: libcurl could not be initialised (%s)", a->webhook,
			 curl_easy_strerror(curl_init_rc));
		return;
	}
	static const unsigned delay_s[] = {1, 4};
	for (int i = 0;; i++) {
		char why[256];
		bool again;
		int rc = post_once(a, why, sizeof(why), &again);
		if (!rc)
			return;
		if (rc == -2) {
			log_warn("alert webhook %s not sent: %s", a->webhook, why);
			return;
		}
		bool last = !again || i == 2;
		log_warn("alert webhook %s: %s (try %d of 3%s)", a->webhook, why, i + 1,
			 last ? ", giving up" : ", trying again");
		if (last)
			return;
		sleep(delay_s[i]);
	}
}
#endif

static void *alert_main(void *arg)
{
	struct alert_job *a = arg;
	if (a->webhook) {
#ifdef HAVE_LIBCURL
		post_webhook(a);
#else
		log_warn("alert webhook %s NOT sent: this ingot was built without webhooks "
			 "(WITH_CURL=0); install libcurl4-openssl-dev and rebuild", a->webhook);
#endif
	}
	if (a->command) {
		char *argv[] = {(char *)"/bin/sh", (char *)"-c", a->command, NULL};
		posix_spawnattr_t at;
		posix_spawnattr_init(&at);
		sigset_t none;
		sigemptyset(&none);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
		pid_t pid;
		int rc = posix_spawn(&pid, "/bin/sh", NULL, &at, argv, a->env);
		posix_spawnattr_destroy(&at);
		if (rc) {
			log_warn("alert command: %s", strerror(rc));
		} else {
			int status;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				log_warn("alert command exited with status %d", WEXITSTATUS(status));
		}
	}
	struct orch *x = a->x;
	free(a->webhook);
	free(a->command);
	free(a->json);
	for (char **p = a->env; p && *p; p++)
		free(*p);
	free(a->env);
	free(a);
	pthread_mutex_lock(&x->amu);
	x->alerts_inflight--;
	pthread_cond_broadcast(&x->acv);
	pthread_mutex_unlock(&x->amu);
	return NULL;
}

static char **env_with(const char *const *keys, const char *const *vals, size_t n)
{
	size_t base = 0;
	while (environ[base])
		base++;
	char **env = xcalloc(base + n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < base; i++) {
		bool shadowed = false;
		for (size_t j = 0; j < n && !shadowed; j++) {
			size_t kl = strlen(keys[j]);
			shadowed = !strncmp(environ[i], keys[j], kl) && environ[i][kl] == '=';
		}
		if (!shadowed)
			env[k++] = xstrdup(environ[i]);
	}
	for (size_t j = 0; j < n; j++)
		env[k++] = xasprintf("%s=%s", keys[j], vals[j]);
	env[k] = NULL;
	return env;
}

static void env_free(char **env)
{
	for (char **p = env; p && *p; p++)
		free(*p);
	free(env);
}

/* An alert's command is a template like a shell task's: the run's names
 * (ds, run_id, pipeline, ...; none for an SLA miss, which has no run) and
 * the alert's own, INGOT_TASK as `task` and so on, each value shell-quoted.
 * A template error is logged and the command is not run: an alert must
 * not fail what it reports on. */
static char *alert_command(const struct alert *al, const struct orun *r, const char *const *keys,
			   const char *const *vals, size_t nenv)
{
	size_t nrun = r ? r->vars.n : 0, n = 0;
	const char **k = xcalloc(nrun + nenv + 1, sizeof(char *));
	const char **v = xcalloc(nrun + nenv + 1, sizeof(char *));
	char **lower = xcalloc(nenv + 1, sizeof(char *));
	for (size_t i = 0; i < nenv; i++) {
		const char *name = keys[i] + (strncmp(keys[i], "INGOT_", 6) ? 0 : 6);
		lower[i] = xstrdup(name);
		for (char *c = lower[i]; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		k[n] = lower[i];
		v[n++] = vals[i];
	}
	for (size_t i = 0; i < nrun; i++) {
		k[n] = r->vars.keys[i];
		v[n++] = r->vars.vals[i];
	}
	struct orch_vars ctx = {k, v, n};
	struct buf b = {.max = 1 << 20};
	struct err e = ERR_INIT;
	char *cmd = NULL;
	if (orch_render_shell(al->command, &ctx, r ? &r->params : NULL, &b, &e)) {
		const char *pid = "?";
		for (size_t i = 0; i < n; i++)
			if (!strcmp(k[i], "pipeline"))
				pid = v[i];
		log_error("pipeline %s: alert command not run: %s", pid, e.msg);
		err_clear(&e);
	} else {
		cmd = buf_detach(&b, NULL);
		if (!cmd)
			cmd = xstrdup("");
	}
	buf_free(&b);
	for (size_t i = 0; i < nenv; i++)
		free(lower[i]);
	free(lower);
	free(k);
	free(v);
	return cmd;
}

/* Start the alert's job (webhook POST and/or command) on a detached
 * thread with the JSON body; keys/vals are the command's environment
 * and, named without INGOT_ in lower case, part of its template's names. */
static void alert_send(struct orch *x, const struct alert *al, const struct orun *r, char *json,
		       const char *const *keys, const char *const *vals, size_t nenv)
{
	struct alert_job *a = xcalloc(1, sizeof(*a));
	a->x = x;
	a->webhook = al->webhook ? xstrdup(al->webhook) : NULL;
	a->command = al->command ? alert_command(al, r, keys, vals, nenv) : NULL;
	if (!a->webhook && !a->command) {
		free(json);
		free(a);
		return;
	}
	a->json = json;
	a->env = env_with(keys, vals, nenv);
	pthread_mutex_lock(&x->amu);
	x->alerts_inflight++;
	pthread_mutex_unlock(&x->amu);
	pthread_t th;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (log_thread_create(&th, &attr, alert_main, a)) {
		log_warn("cannot start an alert thread");
		pthread_mutex_lock(&x->amu);
		x->alerts_inflight--;
		pthread_mutex_unlock(&x->amu);
		free(a->webhook);
		free(a->command);
		free(a->json);
		env_free(a->env);
		free(a);
	}
	pthread_attr_destroy(&attr);
}

/* Fire an alert for a run (task == NULL) or a task. The body is
 * Slack-compatible: `text` is the message a Slack (or Mattermost, Teams
 * workflow, Discord /slack) incoming webhook shows; the other fields are
 * for receivers that read them. */
static void alert(struct orch *x, const struct alert *al, const char *event, struct orun *r,
		  struct otask *t, const char *error)
{
	if (!al->webhook && !al->command)
		return;
	struct buf b = BUF_INIT;
	struct jw w;
	char ld[40];
	ts_format_iso(r->logical, ld);
	const char *state = t ? tstate_names[t->st] : rstate_names[r->st];
	struct buf text = BUF_INIT;
	bool bad = strstr(event, "failure") != NULL || strstr(event, "retry") != NULL;
	buf_printf(&text, "%s ingot: pipeline *%s*", bad ? ":red_circle:" : ":large_green_circle:", r->p->id);
	if (t)
		buf_printf(&text, " task *%s* %s (attempt %d)", t->def->id, state, t->attempt_seq);
	else
		buf_printf(&text, " run %s", state);
	buf_printf(&text, " — run %s (logical date %s)", r->key, ld);
	if (error)
		buf_printf(&text, ": %s", error);
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	jw_key(&w, "event");
	jw_str(&w, event);
	jw_key(&w, "pipeline");
	jw_str(&w, r->p->id);
	jw_key(&w, "run_id");
	jw_str(&w, r->key);
	jw_key(&w, "run");
	jw_int(&w, r->id);
	jw_key(&w, "logical_date");
	jw_str(&w, ld);
	jw_key(&w, "task");
	jw_str(&w, t ? t->def->id : NULL);
	jw_key(&w, "attempt");
	if (t)
		jw_int(&w, t->attempt_seq);
	else
		jw_null(&w);
	jw_key(&w, "state");
	jw_str(&w, state);
	jw_key(&w, "error");
	jw_str(&w, error);
	jw_key(&w, "log");
	jw_str(&w, t ? t->log_path : NULL);
	jw_key(&w, "text");
	jw_str(&w, buf_cstr(&text));
	jw_obj_end(&w);
	buf_free(&text);
	char *json = buf_detach(&b, NULL);
	char att[16];
	snprintf(att, sizeof(att), "%d", t ? t->attempt_seq : 0);
	const char *keys[] = {"INGOT_EVENT", "INGOT_PIPELINE", "INGOT_RUN_ID", "INGOT_TASK",
			      "INGOT_ATTEMPT", "INGOT_ERROR", "INGOT_ALERT_JSON"};
	const char *vals[] = {event, r->p->id, r->key, t ? t->def->id : "", att,
			      error ? error : "", json};
	alert_send(x, al, r, json, keys, vals, ARRAY_SIZE(keys));
	log_info("alert %s: %s%s%s", event, r->key, t ? " " : "", t ? t->def->id : "");
}

void orch_alerts_flush(struct orch *x, int64_t max_us)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t end = (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000 + max_us;
	ts.tv_sec = end / US_PER_SEC;
	ts.tv_nsec = (long)(end % US_PER_SEC) * 1000;
	pthread_mutex_lock(&x->amu);
	while (x->alerts_inflight > 0)
		if (pthread_cond_timedwait(&x->acv, &x->amu, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&x->amu);
}

/* ---------------------------------------------------------- pools */

static struct pool *pool_get(struct orch *x, const char *name)
{
	for (size_t i = 0; i < x->pools.len; i++)
		if (!strcmp(x->pools.items[i].name, name))
			return &x->pools.items[i];
	return NULL;
}

static void pools_declare(struct orch *x, const struct pipeline *p)
{
	for (size_t i = 0; i < p->npools; i++) {
		struct pool *pl = pool_get(x, p->pool_names[i]);
		if (pl) {
			pl->slots = p->pool_slots[i];
		} else {
			struct pool np = {xstrdup(p->pool_names[i]), p->pool_slots[i], 0};
			vec_push(&x->pools, np);
		}
	}
}

/* ---------------------------------------------------------- state changes */

static void db_warn(struct err *e)
{
	if (e->code) {
		log_error("state db: %s", e->msg);
		err_clear(e);
	}
}

static void set_task(struct orch *x, struct orun *r, struct otask *t, enum tstate st, int64_t now)
{
	struct err e = ERR_INIT;
	int64_t started = st == T_RUNNING ? now : 0;
	int64_t ended = t_terminal(st) ? now : 0;
	st_task_set(x->st, r->id, t->def->id, tstate_names[st], t->tries,
		    st == T_UP_FOR_RETRY ? t->next_try_at : 0, started, ended, &e);
	db_warn(&e);
	t->st = st;
}

static void set_owner(struct orch *x, struct orun *r)
{
	struct err e = ERR_INIT;
	st_run_set_owner(x->st, r->id, x->owner.pid, x->owner.host, x->owner.start, x->owner.kind, &e);
	db_warn(&e);
}

static void set_run(struct orch *x, struct orun *r, enum rstate st, int64_t now)
{
	struct err e = ERR_INIT;
	/* the owner first: a reader never sees this run running without it */
	if (st == R_RUNNING)
		set_owner(x, r);
	st_run_set_state(x->st, r->id, rstate_names[st], now, &e);
	db_warn(&e);
	r->st = st;
	log_info("run %s: %s", r->key, rstate_names[st]);
}

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t retry_delay(const struct task_policy *pol, int tries, uint64_t seed)
{
	int64_t d = pol->retry_delay_us;
	if (pol->backoff == BACKOFF_EXPONENTIAL)
		for (int i = 1; i < tries && d < pol->max_retry_delay_us; i++)
			d *= 2;
	if (d > pol->max_retry_delay_us)
		d = pol->max_retry_delay_us;
	if (pol->jitter && d > 1)
		d = d / 2 + (int64_t)(mix64(seed) % (uint64_t)(d / 2 + 1));
	return d;
}

static void release_slot(struct orch *x, struct orun *r, struct otask *t)
{
	if (t->holds_slot) {
		x->running--;
		r->active--;
		if (t->def->pol.pool) {
			struct pool *pl = pool_get(x, t->def->pol.pool);
			if (pl)
				pl->used--;
		}
		t->holds_slot = false;
	}
	r->live--;
}

/* An attempt has ended: record it, then decide the task's next state. */
static void finish_attempt(struct orch *x, struct orun *r, struct otask *t, bool ok, int exit_code,
			   const char *error)
{
	int64_t now = now_of(x);
	struct err e = ERR_INIT;
	release_slot(x, r, t);
	if (t->cancelled && !ok) { /* no retry: the run is being cancelled */
		st_attempt_end(x->st, t->attempt_id, "failed", exit_code, "cancelled", now, &e);
		db_warn(&e);
		set_task(x, r, t, T_FAILED, now);
		log_warn("task %s %s: cancelled (attempt %d)", r->key, t->def->id, t->attempt_seq);
		return;
	}
	if (t->interrupted) {
		st_attempt_end(x->st, t->attempt_id, "failed", exit_code,
			       "interrupted: the scheduler shut down", now, &e);
		db_warn(&e);
		t->tries--;
		set_task(x, r, t, T_SCHEDULED, now);
		log_info("task %s %s: interrupted, will run again", r->key, t->def->id);
		return;
	}
	if (t->timed_out) {
		ok = false;
		char d[32];
		duration_format(t->def->kind == TK_SENSOR ? t->def->sensor_timeout_us : t->def->pol.timeout_us, d);
		error = t->def->kind == TK_SENSOR ? "sensor timed out" : "timed out";
		char *msg = xasprintf("%s after %s", error, d);
		st_attempt_end(x->st, t->attempt_id, "failed", exit_code, msg, now, &e);
		free(msg);
	} else {
		st_attempt_end(x->st, t->attempt_id, ok ? "success" : "failed", exit_code,
			       ok ? NULL : error, now, &e);
	}
	db_warn(&e);
	if (ok) {
		set_task(x, r, t, T_SUCCESS, now);
		log_info("task %s %s: success (attempt %d)", r->key, t->def->id, t->attempt_seq);
		alert(x, &t->def->pol.alerts.on_success, "task_success", r, t, NULL);
		return;
	}
	if (t->tries <= t->def->pol.retries) {
		uint64_t seed = (uint64_t)r->id * 1000003u ^ (uint64_t)(t - r->t) * 7919u ^ (uint64_t)t->tries;
		t->next_try_at = now + retry_delay(&t->def->pol, t->tries, seed);
		set_task(x, r, t, T_UP_FOR_RETRY, now);
		char d[32];
		duration_format(t->next_try_at - now, d);
		log_info("task %s %s: failed (attempt %d: %s), retrying in %s", r->key, t->def->id,
			 t->attempt_seq, error ? error : "", d);
		alert(x, &t->def->pol.alerts.on_retry, "task_retry", r, t, error);
		alert(x, &r->p->alerts.on_retry, "task_retry", r, t, error);
	} else {
		set_task(x, r, t, T_FAILED, now);
		log_warn("task %s %s: failed (attempt %d: %s)", r->key, t->def->id, t->attempt_seq,
			 error ? error : "");
		alert(x, &t->def->pol.alerts.on_failure, "task_failure", r, t, error);
	}
}

/* on_test_failure: the data tests of a dbt task's run that failed or
 * errored (its run_results.json, a few KB; read here, on the engine's
 * thread, only when the pipeline declares the alert). */
static void test_failure_alert(struct orch *x, struct orun *r, struct otask *t, const char *path)
{
	const struct alert *al = &r->p->on_test_failure;
	if (!al->webhook && !al->command)
		return;
	json_error_t je;
	json_t *rr = json_load_file(path, 0, &je);
	if (!rr) {
		log_warn("on_test_failure: %s:%d: %s (no test-failure alert for task %s)", path, je.line, je.text,
			 t->def->id);
		return;
	}
	json_t *fails = json_array();
	size_t i;
	json_t *res;
	json_array_foreach(json_object_get(rr, "results"), i, res)
	{
		const char *id = json_string_value(json_object_get(res, "unique_id"));
		const char *st = json_string_value(json_object_get(res, "status"));
		if (!id || !st || strncmp(id, "test.", 5) || (strcmp(st, "fail") && strcmp(st, "error")))
			continue;
		json_t *f = json_object();
		json_object_set_new(f, "unique_id", json_string(id));
		json_object_set_new(f, "status", json_string(st));
		json_t *n = json_object_get(res, "failures");
		json_object_set(f, "failures", n && json_is_integer(n) ? n : json_null());
		json_t *msg = json_object_get(res, "message");
		json_object_set(f, "message", msg && json_is_string(msg) ? msg : json_null());
		json_array_append_new(fails, f);
	}
	json_decref(rr);
	size_t nf = json_array_size(fails);
	if (!nf) {
		json_decref(fails);
		return;
	}
	char ld[40];
	ts_format_iso(r->logical, ld);
	struct buf text = BUF_INIT;
	buf_printf(&text, ":red_circle: ingot: pipeline *%s* task *%s*: %zu data test%s failed —", r->p->id,
		   t->def->id, nf, nf == 1 ? "" : "s");
	json_array_foreach(fails, i, res)
	{
		if (i == 10) {
			buf_printf(&text, " and %zu more", nf - 10);
			break;
		}
		const char *id = json_string_value(json_object_get(res, "unique_id"));
		buf_printf(&text, "%s %s (%s)", i ? "," : "", id, json_string_value(json_object_get(res, "status")));
	}
	buf_printf(&text, " — run %s (logical date %s)", r->key, ld);
	json_t *body = json_object();
	json_object_set_new(body, "text", json_string(buf_cstr(&text)));
	json_object_set_new(body, "event", json_string("test_failure"));
	json_object_set_new(body, "pipeline", json_string(r->p->id));
	json_object_set_new(body, "run_id", json_string(r->key));
	json_object_set_new(body, "run", json_integer(r->id));
	json_object_set_new(body, "logical_date", json_string(ld));
	json_object_set_new(body, "task", json_string(t->def->id));
	json_object_set_new(body, "tests", fails);
	buf_free(&text);
	char *json = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!json)
		return;
	char n[24];
	snprintf(n, sizeof(n), "%zu", nf);
	const char *keys[] = {"INGOT_EVENT", "INGOT_PIPELINE", "INGOT_RUN_ID", "INGOT_TASK", "INGOT_TESTS_FAILED",
			      "INGOT_ALERT_JSON"};
	char *mine = xstrdup(json); /* alert_send takes a malloc'd body; json_dumps' is jansson's */
	free(json);
	const char *vals[] = {"test_failure", r->p->id, r->key, t->def->id, n, mine};
	alert_send(x, al, r, mine, keys, vals, ARRAY_SIZE(keys));
	log_info("alert test_failure: %s %s (%zu test(s))", r->key, t->def->id, nf);
}

/* ---------------------------------------------------------- starting tasks */

static int render_as(struct orun *r, const char *tmpl, bool shell, char **out, struct err *e)
{
	struct buf b = {.max = 1 << 20};
	int rc = shell ? orch_render_shell(tmpl, &r->vars, &r->params, &b, e)
		       : orch_render(tmpl, &r->vars, &r->params, &b, e);
	if (rc) {
		buf_free(&b);
		return rc;
	}
	*out = buf_detach(&b, NULL);
	if (!*out)
		*out = xstrdup("");
	return 0;
}

static int render(struct orun *r, const char *tmpl, char **out, struct err *e)
{
	return render_as(r, tmpl, false, out, e);
}

static char *log_path_for(struct orch *x, struct orun *r, struct otask *t)
{
	char *dir = xasprintf("%s/%s/%s/%s", x->logs, r->p->id, r->key, t->def->id);
	struct err e = ERR_INIT;
	fs_mkdir_p(dir, &e);
	db_warn(&e);
	char *p = xasprintf("%s/attempt-%d.log", dir, t->attempt_seq);
	free(dir);
	return p;
}

static int spawn_shell(struct orch *x, struct orun *r, struct otask *t, const char *cmd,
		       struct err *e)
{
	int logfd = open(t->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		return err_set(e, ING_EIO, "cannot open %s: %s", t->log_path, strerror(errno));
	size_t nv = r->vars.n + t->def->nenv + 3;
	const char **keys = xcalloc(nv, sizeof(char *)), **vals = xcalloc(nv, sizeof(char *));
	char **envvals = xcalloc(t->def->nenv + 1, sizeof(char *));
	char aid[24], att[16];
	snprintf(aid, sizeof(aid), "%lld", (long long)t->attempt_id);
	snprintf(att, sizeof(att), "%d", t->attempt_seq);
	size_t k = 0;
	struct buf name = BUF_INIT;
	char **upper = xcalloc(r->vars.n + 1, sizeof(char *));
	for (size_t i = 0; i < r->vars.n; i++) {
		buf_reset(&name);
		buf_puts(&name, "INGOT_");
		for (const char *p = r->vars.keys[i]; *p; p++)
			buf_putc(&name, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
		upper[i] = xstrdup(buf_cstr(&name));
		keys[k] = upper[i];
		vals[k++] = r->vars.vals[i];
	}
	buf_free(&name);
	keys[k] = "INGOT_ATTEMPT_ID";
	vals[k++] = aid;
	keys[k] = "INGOT_ATTEMPT";
	vals[k++] = att;
	keys[k] = "INGOT_TASK";
	vals[k++] = t->def->id;
	int rc = 0;
	for (size_t i = 0; i < t->def->nenv && !rc; i++) {
		rc = render(r, t->def->env_vals[i], &envvals[i], e);
		keys[k] = t->def->env_keys[i];
		vals[k++] = envvals[i];
	}
	char **env = rc ? NULL : env_with(keys, vals, k);
	for (size_t i = 0; i < r->vars.n; i++)
		free(upper[i]);
	free(upper);
	for (size_t i = 0; i < t->def->nenv; i++)
		free(envvals[i]);
	free(envvals);
	free(keys);
	free(vals);
	if (rc) {
		close(logfd);
		return rc;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, logfd, 1);
	posix_spawn_file_actions_adddup2(&fa, logfd, 2);
	posix_spawn_file_actions_addchdir_np(&fa, x->dir);
	posix_spawnattr_t at;
	posix_spawnattr_init(&at);
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGCHLD);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL};
	pid_t pid;
	int sr = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	env_free(env);
	close(logfd);
	if (sr)
		return err_set(e, ING_EIO, "cannot start /bin/sh: %s", strerror(sr));
	t->pid = pid;
	t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0) {
		int er = errno;
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		t->pid = 0;
		return err_set(e, ING_EIO, "pidfd_open: %s", strerror(er));
	}
	struct err de = ERR_INIT;
	st_attempt_set_pid(x->st, t->attempt_id, pid, &de);
	db_warn(&de);
	return 0;
}

static bool sensor_poke(struct orch *x, struct orun *r, struct otask *t)
{
	char *glob = NULL;
	struct err e = ERR_INIT;
	bool found = false;
	if (render(r, t->def->sensor_glob, &glob, &e) == 0) {
		char **list = NULL;
		size_t n = 0;
		const char *root = !strcmp(t->def->sensor_root, "project") ? x->dir : x->lake;
		if (!fs_glob(root, glob, &list, &n, &e) && n)
			found = true;
		fs_glob_free(list, n);
	}
	err_clear(&e);
	free(glob);
	return found;
}

static void sensor_log(struct otask *t, const char *fmt, const char *arg)
{
	FILE *f = fopen(t->log_path, "a");
	if (f) {
		fprintf(f, fmt, arg);
		fputc('\n', f);
		fclose(f);
	}
}

/* Start one attempt of a scheduled task. The attempt row comes first. */
static void start_task(struct orch *x, struct orun *r, struct otask *t, int64_t now)
{
	const struct task_def *d = t->def;
	if (d->kind == TK_EMPTY) {
		set_task(x, r, t, T_SUCCESS, now);
		return;
	}
	t->attempt_seq++;
	t->tries++;
	t->timed_out = t->interrupted = false;
	free(t->log_path);
	t->log_path = log_path_for(x, r, t);
	struct err e = ERR_INIT;
	if (st_attempt_begin(x->st, r->id, d->id, t->attempt_seq, t->log_path, (int)getpid(), now,
			     3 * x->o.heartbeat_us, &t->attempt_id, &e)) {
		db_warn(&e);
		t->attempt_seq--;
		t->tries--;
		return;
	}
	set_task(x, r, t, T_RUNNING, now);
	t->started = now;
	t->deadline = d->pol.timeout_us ? now + d->pol.timeout_us : 0;
	t->kill_at = 0;
	r->live++;
	if (d->kind != TK_SENSOR) {
		t->holds_slot = true;
		x->running++;
		r->active++;
		if (d->pol.pool)
			pool_get(x, d->pol.pool)->used++;
	}
	log_info("task %s %s: running (attempt %d)", r->key, d->id, t->attempt_seq);
	int rc = 0;
	if (d->kind == TK_SHELL) {
		char *cmd = NULL;
		rc = render_as(r, d->command, true, &cmd, &e);
		if (!rc)
			rc = spawn_shell(x, r, t, cmd, &e);
		free(cmd);
	} else if (d->kind == TK_SENSOR) {
		t->next_poke = now + d->poke_interval_us;
		t->sensor_deadline = now + d->sensor_timeout_us;
		if (t->next_poke > t->sensor_deadline)
			t->next_poke = t->sensor_deadline;
		t->deadline = 0;
		sensor_log(t, "waiting for files matching %s", d->sensor_glob);
		if (sensor_poke(x, r, t)) {
			sensor_log(t, "found files matching %s", d->sensor_glob);
			finish_attempt(x, r, t, true, INT32_MIN, NULL);
		}
	} else {
		struct job *j = xcalloc(1, sizeof(*j));
		j->x = x;
		j->r = r;
		j->ti = (size_t)(t - r->t);
		j->kind = d->kind;
		j->ctx.cancel = cancel_new_child(x->cancel);
		j->ctx.project_dir = x->dir;
		j->ctx.pipeline = r->p->id;
		j->ctx.run_key = r->key;
		j->ctx.task = d->id;
		j->ctx.target = d->target;
		j->ctx.attempt = t->attempt_seq;
		j->ctx.vars = &r->vars;
		j->ctx.params = &r->params;
		j->ctx.log_path = t->log_path;
		j->ctx.log = fopen(t->log_path, "w");
		if (d->kind == TK_SQL) {
			rc = render(r, d->sql, &j->text, &e);
			if (!rc && j->ctx.log)
				fprintf(j->ctx.log, "-- rendered statement\n%s\n", j->text);
		} else if (d->kind == TK_LOAD) {
			j->tables = xcalloc(d->tables.n, sizeof(char *));
			for (size_t i = 0; i < d->tables.n && !rc; i++, j->ntables++)
				rc = render(r, d->tables.items[i], &j->tables[i], &e);
		} else {
			if (d->select)
				rc = render(r, d->select, &j->select, &e);
			if (!rc && d->exclude)
				rc = render(r, d->exclude, &j->exclude, &e);
			j->full_refresh = d->full_refresh;
			j->no_reuse = d->no_reuse;
		}
		if (rc) {
			job_free(j);
		} else {
			if (j->ctx.log)
				fflush(j->ctx.log);
			t->job = j;
			pthread_mutex_lock(&x->mu);
			if (x->qtail)
				x->qtail->next = j;
			else
				x->qhead = j;
			x->qtail = j;
			pthread_cond_signal(&x->cv);
			pthread_mutex_unlock(&x->mu);
		}
	}
	if (rc) {
		char *m = err_string(&e);
		FILE *f = fopen(t->log_path, "a");
		if (f) {
			fprintf(f, "error: %s\n", m);
			fclose(f);
		}
		finish_attempt(x, r, t, false, INT32_MIN, m);
		free(m);
		err_clear(&e);
	}
}

/* ---------------------------------------------------------- trigger rules */

/* What a queued task should become now: T_SCHEDULED to run, a terminal
 * state to skip running, or T_QUEUED to keep waiting. */
static enum tstate evaluate(struct orun *r, struct otask *t)
{
	const struct task_def *d = t->def;
	if (d->pol.trigger_rule == TR_ALWAYS || d->nup == 0)
		return T_SCHEDULED;
	int succ = 0, fail = 0, skip = 0, done = 0;
	for (size_t i = 0; i < d->nup; i++) {
		enum tstate s = r->t[d->up[i]].st;
		if (s == T_SUCCESS)
			succ++;
		else if (s == T_FAILED || s == T_UPSTREAM_FAILED)
			fail++;
		else if (s == T_SKIPPED)
			skip++;
		if (t_terminal(s))
			done++;
	}
	int n = (int)d->nup;
	bool all_done = done == n;
	switch (d->pol.trigger_rule) {
	case TR_ALL_SUCCESS:
		if (fail)
			return T_UPSTREAM_FAILED;
		if (skip)
			return T_SKIPPED;
		return all_done ? T_SCHEDULED : T_QUEUED;
	case TR_ALL_FAILED:
		if (succ || skip)
			return T_SKIPPED;
		return all_done ? T_SCHEDULED : T_QUEUED;
	case TR_ALL_DONE:
		return all_done ? T_SCHEDULED : T_QUEUED;
	case TR_ONE_SUCCESS:
		if (succ)
			return T_SCHEDULED;
		if (!all_done)
			return T_QUEUED;
		return fail ? T_UPSTREAM_FAILED : T_SKIPPED;
	case TR_ONE_FAILED:
		if (fail)
			return T_SCHEDULED;
		return all_done ? T_SKIPPED : T_QUEUED;
	case TR_NONE_FAILED:
		if (fail)
			return T_UPSTREAM_FAILED;
		return all_done ? T_SCHEDULED : T_QUEUED;
	case TR_NONE_FAILED_MIN_ONE_SUCCESS:
		if (fail)
			return T_UPSTREAM_FAILED;
		if (!all_done)
			return T_QUEUED;
		return succ ? T_SCHEDULED : T_SKIPPED;
	case TR_ALWAYS:
		break;
	}
	return T_SCHEDULED;
}

/* ---------------------------------------------------------- runs */

static void run_free(struct orun *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->p && i < r->p->ntasks; i++) {
		free(r->t[i].log_path);
		free(r->t[i].render_error);
	}
	free(r->t);
	free(r->key);
	free(r->kind);
	arena_free(r->arena);
	free(r);
}

static struct orun *find_run(struct orch *x, int64_t id)
{
	for (size_t i = 0; i < x->runs.len; i++)
		if (x->runs.items[i]->id == id)
			return x->runs.items[i];
	return NULL;
}

static void build_vars(struct orun *r)
{
	struct arena *a = r->arena;
	char ld[40], is[40], ie[40], ds[16], dsn[16];
	ts_format_iso(r->logical, ld);
	ts_format_iso(r->istart, is);
	ts_format_iso(r->iend, ie);
	date_format((int32_t)(r->logical >= 0 ? r->logical / US_PER_DAY : (r->logical - US_PER_DAY + 1) / US_PER_DAY), ds);
	snprintf(dsn, sizeof(dsn), "%.4s%.2s%.2s", ds, ds + 5, ds + 8);
	const char **k = arena_alloc(a, 9 * sizeof(char *)), **v = arena_alloc(a, 9 * sizeof(char *));
	size_t n = 0;
#define PUT(K, V) (k[n] = (K), v[n++] = arena_strdup(a, (V)))
	PUT("ds", ds);
	PUT("ds_nodash", dsn);
	PUT("ts", ld);
	PUT("logical_date", ld);
	PUT("data_interval_start", is);
	PUT("data_interval_end", ie);
	PUT("run_id", r->key);
	PUT("pipeline", r->p->id);
#undef PUT
	r->vars.keys = k;
	r->vars.vals = v;
	r->vars.n = n;
}

int orch_adopt_run(struct orch *x, int64_t id, struct err *e)
{
	if (find_run(x, id))
		return 0;
	sqlite3_stmt *q = NULL;
	struct orun *r = NULL;
	int rc = st_prepare(x->st,
			    "SELECT run_key, kind, state, logical_date, interval_start, interval_end,"
			    " params, definition, def_file FROM runs WHERE id=?",
			    &q, e);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return err_set(e, ING_ENOTFOUND, "no run with id %lld", (long long)id);
	}
	r = xcalloc(1, sizeof(*r));
	r->id = id;
	r->arena = arena_new(0);
	r->key = xstrdup((const char *)sqlite3_column_text(q, 0));
	r->kind = xstrdup((const char *)sqlite3_column_text(q, 1));
	const char *state = (const char *)sqlite3_column_text(q, 2);
	r->st = !strcmp(state, "running") ? R_RUNNING : !strcmp(state, "queued") ? R_QUEUED
			: !strcmp(state, "success") ? R_SUCCESS : R_FAILED;
	r->logical = sqlite3_column_int64(q, 3);
	r->istart = sqlite3_column_int64(q, 4);
	r->iend = sqlite3_column_int64(q, 5);
	const char *params = (const char *)sqlite3_column_text(q, 6);
	const char *def = (const char *)sqlite3_column_text(q, 7);
	const char *file = (const char *)sqlite3_column_text(q, 8);
	if ((rc = pipeline_parse(file, def, strlen(def), r->arena, &r->p, e))) {
		err_prefix(e, "run %s: its stored definition", r->key);
		goto fail;
	}
	/* params from JSON */
	json_error_t je;
	json_t *pj = json_loads(params, 0, &je);
	size_t np = pj && json_is_object(pj) ? json_object_size(pj) : 0;
	const char **pk = arena_alloc(r->arena, (np + 1) * sizeof(char *));
	const char **pv = arena_alloc(r->arena, (np + 1) * sizeof(char *));
	size_t i = 0;
	const char *key;
	json_t *val;
	if (pj && json_is_object(pj))
		json_object_foreach(pj, key, val)
		{
			pk[i] = arena_strdup(r->arena, key);
			pv[i++] = arena_strdup(r->arena, json_is_string(val) ? json_string_value(val) : "");
		}
	json_decref(pj);
	r->params.keys = pk;
	r->params.vals = pv;
	r->params.n = i;
	build_vars(r);
	sqlite3_finalize(q);
	q = NULL;
	/* tasks */
	r->t = xcalloc(r->p->ntasks, sizeof(struct otask));
	for (size_t k = 0; k < r->p->ntasks; k++) {
		r->t[k].def = &r->p->tasks[k];
		r->t[k].pidfd = -1;
	}
	if ((rc = st_prepare(x->st,
			     "SELECT t.task, t.state, t.tries, coalesce(t.next_try_at, 0),"
			     " (SELECT coalesce(max(attempt), 0) FROM attempts a WHERE a.run=t.run AND a.task=t.task)"
			     " FROM tasks t WHERE t.run=?",
			     &q, e)))
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int ti = pipeline_task_index(r->p, (const char *)sqlite3_column_text(q, 0));
		if (ti < 0)
			continue;
		struct otask *t = &r->t[ti];
		const char *s = (const char *)sqlite3_column_text(q, 1);
		t->st = T_QUEUED;
		for (int k = 0; k < (int)ARRAY_SIZE(tstate_names); k++)
			if (!strcmp(s, tstate_names[k]))
				t->st = (enum tstate)k;
		if (t->st == T_RUNNING) /* cannot be: zombies were failed at open */
			t->st = T_SCHEDULED;
		t->tries = sqlite3_column_int(q, 2);
		t->next_try_at = sqlite3_column_int64(q, 3);
		t->attempt_seq = sqlite3_column_int(q, 4);
	}
	sqlite3_finalize(q);
	q = NULL;
	pools_declare(x, r->p);
	vec_push(&x->runs, r);
	if (r->st == R_RUNNING) /* resumed: this engine runs it now */
		set_owner(x, r);
	return 0;
fail:
	if (q)
		sqlite3_finalize(q);
	run_free(r);
	return rc;
}

/* Adopt queued or running runs we do not hold (resume, wakeups). */
static void scan_runs(struct orch *x)
{
	sqlite3_stmt *q;
	struct err e = ERR_INIT;
	if (st_prepare(x->st, "SELECT id FROM runs WHERE state IN ('queued','running') ORDER BY id", &q, &e)) {
		db_warn(&e);
		return;
	}
	VEC(int64_t) ids = VEC_INIT;
	while (sqlite3_step(q) == SQLITE_ROW)
		vec_push(&ids, sqlite3_column_int64(q, 0));
	sqlite3_finalize(q);
	for (size_t i = 0; i < ids.len; i++)
		if (!find_run(x, ids.items[i]) && orch_adopt_run(x, ids.items[i], &e)) {
			log_error("%s", e.msg);
			err_clear(&e);
		}
	vec_free(&ids);
}

const char *orch_run_state(struct orch *x, int64_t id)
{
	struct orun *r = find_run(x, id);
	return r ? rstate_names[r->st] : NULL;
}

/* ---------------------------------------------------------- recovery */

/* Attempts marked running belong to a dead holder of the lock. */
static void recover_zombies(struct orch *x)
{
	struct err e = ERR_INIT;
	sqlite3_stmt *q;
	if (st_prepare(x->st,
		       "SELECT a.id, a.run, a.task, a.attempt, coalesce(a.pid, 0), a.owner_pid, r.definition,"
		       " r.def_file, t.tries, r.run_key FROM attempts a JOIN runs r ON r.id=a.run"
		       " JOIN tasks t ON t.run=a.run AND t.task=a.task WHERE a.state='running'",
		       &q, &e)) {
		db_warn(&e);
		return;
	}
	int64_t now = now_of(x);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t aid = sqlite3_column_int64(q, 0), run = sqlite3_column_int64(q, 1);
		const char *task = (const char *)sqlite3_column_text(q, 2);
		pid_t pid = sqlite3_column_int(q, 4);
		int owner = sqlite3_column_int(q, 5);
		if (pid > 0 && kill(pid, 0) == 0 && orch_proc_has_marker(pid, aid)) {
			kill(-pid, SIGKILL);
			log_warn("killed the leftover process group %d of attempt %lld", (int)pid,
				 (long long)aid);
		}
		char *msg = xasprintf("zombie: the process running this attempt is gone (scheduler pid %d died)",
				      owner);
		st_attempt_end(x->st, aid, "failed", INT32_MIN, msg, now, &e);
		free(msg);
		db_warn(&e);
		/* retry policy from the run's own definition */
		struct arena *a = arena_new(0);
		struct pipeline *p = NULL;
		const char *def = (const char *)sqlite3_column_text(q, 6);
		int retries = 0;
		struct task_def *td = NULL;
		if (!pipeline_parse((const char *)sqlite3_column_text(q, 7), def, strlen(def), a, &p, &e)) {
			int ti = pipeline_task_index(p, task);
			if (ti >= 0) {
				td = &p->tasks[ti];
				retries = td->pol.retries;
			}
		}
		err_clear(&e);
		int tries = sqlite3_column_int(q, 8);
		const char *key = (const char *)sqlite3_column_text(q, 9);
		if (td && tries <= retries) {
			int64_t next = now + retry_delay(&td->pol, tries, (uint64_t)aid);
			st_task_set(x->st, run, task, "up_for_retry", tries, next, 0, 0, &e);
			log_warn("task %s %s: attempt %d was a zombie; will retry", key, task,
				 sqlite3_column_int(q, 3));
		} else {
			st_task_set(x->st, run, task, "failed", tries, 0, 0, now, &e);
			log_warn("task %s %s: attempt %d was a zombie; no retries left", key, task,
				 sqlite3_column_int(q, 3));
		}
		db_warn(&e);
		arena_free(a);
	}
	sqlite3_finalize(q);
}

/* ---------------------------------------------------------- pipelines */

static void pipes_free(struct orch *x)
{
	for (size_t i = 0; i < x->pipes.len; i++)
		arena_free(x->pipes.items[i].arena);
	vec_free(&x->pipes);
}

int orch_reload(struct orch *x, struct err *e)
{
	char **files = NULL;
	size_t n = 0;
	struct err ge = ERR_INIT;
	int first = 0;
	if (fs_is_dir(x->pdir)) {
		fs_glob(x->pdir, "*.yml", &files, &n, &ge);
		err_clear(&ge);
	}
	struct {
		struct pdef *items;
		size_t len, cap;
	} np = VEC_INIT;
	for (size_t i = 0; i < n; i++) {
		char *path = path_join(x->pdir, files[i]);
		struct pdef d = {arena_new(0), NULL, 0};
		struct err pe = ERR_INIT;
		if (pipeline_load_file(path, d.arena, &d.p, &pe) ||
		    (x->o.hooks && x->o.hooks->check && x->o.hooks->check(x->o.host, d.p, &pe))) {
			char *m = err_string(&pe);
			log_error("%s", m);
			free(m);
			if (!first) {
				err_move(e, &pe);
				first = ING_ECONFIG;
			}
			err_clear(&pe);
			/* keep the definition we had for the file, if any */
			arena_free(d.arena);
			for (size_t k = 0; k < x->pipes.len; k++)
				if (x->pipes.items[k].p && !strcmp(x->pipes.items[k].p->file, path)) {
					vec_push(&np, x->pipes.items[k]);
					x->pipes.items[k].arena = NULL;
					x->pipes.items[k].p = NULL;
				}
			free(path);
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < np.len; k++)
			if (!strcmp(np.items[k].p->id, d.p->id)) {
				log_error("%s: pipeline '%s' is also declared in %s; ignored", path, d.p->id,
					  np.items[k].p->file);
				dup = true;
			}
		free(path);
		if (dup) {
			arena_free(d.arena);
			continue;
		}
		pools_declare(x, d.p);
		vec_push(&np, d);
	}
	fs_glob_free(files, n);
	for (size_t i = 0; i < x->pipes.len; i++)
		arena_free(x->pipes.items[i].arena);
	vec_free(&x->pipes);
	x->pipes.items = np.items;
	x->pipes.len = np.len;
	x->pipes.cap = np.cap;
	log_debug("loaded %zu pipeline(s)", x->pipes.len);
	return first;
}

const struct pipeline *orch_pipeline(struct orch *x, const char *id)
{
	for (size_t i = 0; i < x->pipes.len; i++)
		if (!strcmp(x->pipes.items[i].p->id, id))
			return x->pipes.items[i].p;
	return NULL;
}

/* The last two fire instants <= now (seconds): f1 < f2. */
static bool latest_interval(const struct pipeline *p, int64_t now, int64_t lower, int64_t *f1,
			    int64_t *f2)
{
	for (int64_t w = 2 * 86400; w < (int64_t)400 * 366 * 86400; w *= 4) {
		int64_t t = now - w > lower ? now - w : lower - 1, a = 0, b = 0, nx;
		int cnt = 0;
		while (!cron_next(&p->cron, p->tz, t, &nx) && nx <= now) {
			a = b;
			b = nx;
			cnt++;
			t = nx;
		}
		if (cnt >= 2) {
			*f1 = a;
			*f2 = b;
			return true;
		}
		if (now - w <= lower)
			return false;
	}
	return false;
}

static void create_scheduled(struct orch *x, struct pdef *d, int64_t now_u)
{
	const struct pipeline *p = d->p;
	int64_t now = now_u / US_PER_SEC, last = 0, s, e2;
	struct err e = ERR_INIT;
	st_last_logical(x->st, p->id, "scheduled", &last, &e);
	db_warn(&e);
	if (last) {
		if (cron_next(&p->cron, p->tz, last / US_PER_SEC, &s))
			return;
	} else if (p->has_start) {
		if (cron_next(&p->cron, p->tz, p->start_date - 1, &s))
			return;
	} else {
		int64_t f1, f2;
		if (!latest_interval(p, now, INT64_MIN / 4, &f1, &f2)) {
			/* the first interval starts at the next fire */
			int64_t nx2;
			d->next_check = INT64_MAX;
			if (!cron_next(&p->cron, p->tz, now, &s) && !cron_next(&p->cron, p->tz, s, &nx2))
				d->next_check = nx2 * US_PER_SEC;
			return;
		}
		s = f1;
	}
	for (int guard = 0; guard < 1000; guard++) {
		if (cron_next(&p->cron, p->tz, s, &e2))
			return;
		if (p->has_end && s > p->end_date) {
			d->next_check = INT64_MAX;
			return;
		}
		if (e2 > now) {
			d->next_check = e2 * US_PER_SEC;
			return;
		}
		if (!p->catchup) {
			int64_t f1, f2;
			if (latest_interval(p, now, s, &f1, &f2) && f1 > s) {
				s = f1;
				e2 = f2;
			}
		}
		struct orch_run_req req = {.kind = "scheduled", .logical_date = s * US_PER_SEC,
					   .interval_end = e2 * US_PER_SEC};
		int64_t id;
		if (!orch_run_create(x->st, p, &req, now_u, &id, NULL, &e)) {
			if (orch_adopt_run(x, id, &e))
				db_warn(&e);
		} else if (e.code != ING_EEXIST) {
			db_warn(&e);
		}
		err_clear(&e);
		s = e2;
	}
}

/* ---------------------------------------------------------- the step */

static void finish_run_if_done(struct orch *x, struct orun *r, int64_t now)
{
	bool failed = false;
	for (size_t i = 0; i < r->p->ntasks; i++) {
		if (!t_terminal(r->t[i].st))
			return;
		failed |= r->t[i].st == T_FAILED || r->t[i].st == T_UPSTREAM_FAILED;
	}
	failed |= r->cancelled;
	set_run(x, r, failed ? R_FAILED : R_SUCCESS, now);
	alert(x, failed ? &r->p->alerts.on_failure : &r->p->alerts.on_success,
	      failed ? "run_failure" : "run_success", r, NULL, NULL);
}

/* The instant (µs) a civil time (seconds) of zone z reads; in a gap, the
 * gap's end. */
static int64_t civil_instant(const struct tz *z, int64_t civil)
{
	int64_t u[2], ge = 0;
	int k = tz_resolve(z, civil, u, &ge);
	return (k ? u[0] : ge) * US_PER_SEC;
}

/* The SLA of pipeline p: past today's HH:MM (its zone) with no run that
 * succeeded since local midnight, fire on_sla_miss, once that day.
 * Returns when to look again (µs). */
static int64_t check_sla(struct orch *x, const struct pipeline *p, int64_t now)
{
	int64_t now_s = now / US_PER_SEC;
	int64_t civil = now_s + tz_offset(p->tz, now_s);
	int64_t day = civil >= 0 ? civil / 86400 : (civil - 86399) / 86400;
	int64_t midnight = civil_instant(p->tz, day * 86400);
	int64_t deadline = civil_instant(p->tz, day * 86400 + (int64_t)p->sla_min * 60);
	int64_t tomorrow = civil_instant(p->tz, (day + 1) * 86400 + (int64_t)p->sla_min * 60);
	struct sla_seen *seen = NULL;
	for (size_t i = 0; i < x->sla.len && !seen; i++)
		if (!strcmp(x->sla.items[i].pipeline, p->id))
			seen = &x->sla.items[i];
	if (now < deadline)
		return deadline;
	if (seen && seen->day == day)
		return tomorrow;
	bool met = false;
	struct err e = ERR_INIT;
	if (st_pipeline_succeeded_between(x->st, p->id, midnight, deadline, &met, &e)) {
		db_warn(&e);
		return now + 60 * US_PER_SEC; /* the store is busy or broken: look again later */
	}
	if (!seen) {
		struct sla_seen n = {xstrdup(p->id), day};
		vec_push(&x->sla, n);
	} else {
		seen->day = day;
	}
	if (met)
		return tomorrow;
	char dl[40], md[40];
	ts_format_iso(deadline, dl);
	ts_format_iso(midnight, md);
	struct buf text = BUF_INIT;
	buf_printf(&text, ":warning: ingot: pipeline *%s* missed its SLA: no run had succeeded by %s %s (%s; since %s)",
		   p->id, p->sla, tz_name(p->tz), dl, md);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	jw_key(&w, "text");
	jw_str(&w, buf_cstr(&text));
	jw_key(&w, "event");
	jw_str(&w, "sla_miss");
	jw_key(&w, "pipeline");
	jw_str(&w, p->id);
	jw_key(&w, "sla");
	jw_str(&w, p->sla);
	jw_key(&w, "timezone");
	jw_str(&w, tz_name(p->tz));
	jw_key(&w, "deadline");
	jw_str(&w, dl);
	jw_obj_end(&w);
	buf_free(&text);
	log_warn("pipeline %s missed its SLA (%s %s): no run succeeded by %s", p->id, p->sla, tz_name(p->tz), dl);
	if (p->on_sla_miss.webhook || p->on_sla_miss.command) {
		char *json = buf_detach(&b, NULL);
		const char *keys[] = {"INGOT_EVENT", "INGOT_PIPELINE", "INGOT_SLA_DEADLINE", "INGOT_ALERT_JSON"};
		const char *vals[] = {"sla_miss", p->id, dl, json};
		alert_send(x, &p->on_sla_miss, NULL, json, keys, vals, ARRAY_SIZE(keys));
	}
	buf_free(&b);
	return tomorrow;
}

static void interrupt_task(struct orch *x, struct otask *t, int64_t now, int status,
			   const char *reason)
{
	if (t->pid > 0) {
		kill(-t->pid, SIGTERM);
		if (!t->kill_at)
			t->kill_at = now + x->o.kill_grace_us;
	} else if (t->job) {
		ctx_cancel(&t->job->ctx, status, reason);
	}
}

/* A cancel asked for through the history (`pipeline cancel`, Ctrl-C on a
 * `pipeline run` following the run): running tasks are stopped the way a
 * timeout stops them (SIGTERM to a shell task's group, then SIGKILL; the
 * cancel token of an in-process task), tasks not started are skipped, and
 * the run ends failed with reason "cancelled" once nothing of it runs. */
static void cancel_run(struct orch *x, struct orun *r, int64_t now)
{
	struct err e = ERR_INIT;
	r->cancelled = true;
	log_warn("run %s: cancelled", r->key);
	st_run_set_reason(x->st, r->id, "cancelled", &e);
	db_warn(&e);
	for (size_t i = 0; i < r->p->ntasks; i++) {
		struct otask *t = &r->t[i];
		if (t->st == T_RUNNING) {
			t->cancelled = true;
			if (t->def->kind == TK_SENSOR)
				finish_attempt(x, r, t, false, INT32_MIN, "cancelled");
			else
				interrupt_task(x, t, now, ING_ECANCELED, "cancelled");
		} else if (!t_terminal(t->st)) {
			set_task(x, r, t, T_SKIPPED, now);
		}
	}
	if (r->st == R_QUEUED)
		set_run(x, r, R_FAILED, now);
	else if (r->st == R_RUNNING)
		finish_run_if_done(x, r, now);
}

/* Act on cancel requests for the runs this engine holds. */
static void check_cancels(struct orch *x, int64_t now)
{
	for (size_t i = 0; i < x->runs.len; i++) {
		struct orun *r = x->runs.items[i];
		if ((r->st == R_QUEUED || r->st == R_RUNNING) && !r->cancelled &&
		    st_run_cancel_requested(x->st, r->id))
			cancel_run(x, r, now);
	}
}

static void step_run(struct orch *x, struct orun *r, int64_t now, int64_t *due)
{
	struct pipeline *p = r->p;
	/* timeouts, kills, sensors */
	for (size_t i = 0; i < p->ntasks; i++) {
		struct otask *t = &r->t[i];
		if (t->st != T_RUNNING)
			continue;
		if (t->def->kind == TK_SENSOR) {
			if (x->draining) {
				t->interrupted = true;
				sensor_log(t, "%s", "interrupted: the scheduler shut down");
				finish_attempt(x, r, t, false, INT32_MIN, "interrupted");
				continue;
			}
			if (now >= t->next_poke) {
				if (sensor_poke(x, r, t)) {
					sensor_log(t, "found files matching %s", t->def->sensor_glob);
					finish_attempt(x, r, t, true, INT32_MIN, NULL);
					continue;
				}
				if (now >= t->sensor_deadline) {
					t->timed_out = true;
					sensor_log(t, "%s", "timed out");
					finish_attempt(x, r, t, false, INT32_MIN, "sensor timed out");
					continue;
				}
				t->next_poke = now + t->def->poke_interval_us;
				if (t->next_poke > t->sensor_deadline)
					t->next_poke = t->sensor_deadline;
			}
			if (t->next_poke < *due)
				*due = t->next_poke;
			continue;
		}
		if (t->deadline && now >= t->deadline && !t->timed_out) {
			t->timed_out = true;
			log_warn("task %s %s: timed out, stopping it", r->key, t->def->id);
			char why[96];
			duration_format(t->def->pol.timeout_us, why);
			char *reason = xasprintf("timed out after %s", why);
			interrupt_task(x, t, now, ING_ETIMEOUT, reason);
			free(reason);
		}
		if (t->kill_at && now >= t->kill_at && t->pid > 0) {
			kill(-t->pid, SIGKILL);
			t->kill_at = 0;
		}
	}
	if (r->st != R_RUNNING)
		goto deadlines;
	/* readiness, in dependency order so a change cascades in one pass */
	for (size_t k = 0; k < p->ntasks; k++) {
		struct otask *t = &r->t[p->topo[k]];
		if (t->st == T_UP_FOR_RETRY) {
			if (now >= t->next_try_at)
				set_task(x, r, t, T_SCHEDULED, now);
			else if (t->next_try_at < *due)
				*due = t->next_try_at;
		}
		if (t->st == T_QUEUED) {
			enum tstate ns = evaluate(r, t);
			if (ns != T_QUEUED) {
				set_task(x, r, t, ns, now);
				if (ns != T_SCHEDULED)
					log_info("task %s %s: %s", r->key, t->def->id, tstate_names[ns]);
			}
		}
		if (t->st == T_SCHEDULED && !x->draining) {
			const struct task_def *d = t->def;
			bool slot = d->kind != TK_SENSOR && d->kind != TK_EMPTY;
			if (slot && (x->running >= x->parallelism || r->active >= p->max_active_tasks))
				continue;
			if (slot && d->pol.pool) {
				struct pool *pl = pool_get(x, d->pol.pool);
				if (pl && pl->used >= pl->slots)
					continue;
			}
			start_task(x, r, t, now);
			/* a task that finished at once (empty) may release others */
			if (t_terminal(t->st))
				for (size_t j = 0; j < p->ntasks; j++)
					if (r->t[j].st == T_QUEUED) {
						enum tstate ns = evaluate(r, &r->t[j]);
						if (ns != T_QUEUED)
							set_task(x, r, &r->t[j], ns, now);
					}
		}
	}
deadlines:
	/* deadlines of what is running now (including what just started) */
	for (size_t i = 0; i < p->ntasks; i++) {
		struct otask *t = &r->t[i];
		if (t->st != T_RUNNING)
			continue;
		if (t->def->kind == TK_SENSOR && t->next_poke < *due)
			*due = t->next_poke;
		if (t->deadline && !t->timed_out && t->deadline < *due)
			*due = t->deadline;
		if (t->kill_at && t->kill_at < *due)
			*due = t->kill_at;
	}
	if (r->st == R_RUNNING)
		finish_run_if_done(x, r, now);
}

int orch_step(struct orch *x, int64_t *next_due, struct err *e)
{
	int64_t now = now_of(x);
	int64_t due = INT64_MAX;
	if (atomic_load(&x->stop_req) && !x->draining) {
		x->draining = true;
		x->drain_deadline = now + x->o.grace_us;
		atomic_store(&x->drain_started, now);
		log_info("shutting down: no new tasks; waiting up to %llds for running ones",
			 (long long)(x->o.grace_us / US_PER_SEC));
	}
	if (x->draining && now >= x->drain_deadline) {
		for (size_t i = 0; i < x->runs.len; i++) {
			struct orun *r = x->runs.items[i];
			for (size_t k = 0; k < r->p->ntasks; k++)
				if (r->t[k].st == T_RUNNING && !r->t[k].interrupted) {
					r->t[k].interrupted = true;
					interrupt_task(x, &r->t[k], now, ING_ECANCELED,
						       "interrupted: the scheduler shut down");
				}
		}
	} else if (x->draining && x->drain_deadline < due) {
		due = x->drain_deadline;
	}
	if (x->want_reload) {
		x->want_reload = false;
		struct err re = ERR_INIT;
		orch_reload(x, &re);
		err_clear(&re);
		log_info("reloaded pipeline files (%zu pipeline(s))", x->pipes.len);
		for (size_t i = 0; i < x->pipes.len; i++)
			x->pipes.items[i].next_check = 0;
	}
	if (x->want_scan) {
		/* only a resuming engine (the scheduler) takes others' runs; a
		 * foreground run leaves them queued for it */
		x->want_scan = false;
		if (x->o.resume)
			scan_runs(x);
		/* a wakeup may also be a cancel request, or an unpause */
		check_cancels(x, now);
		for (size_t i = 0; i < x->pipes.len; i++)
			x->pipes.items[i].next_check = 0;
	}
	if (x->o.schedule && !x->draining) {
		for (size_t i = 0; i < x->pipes.len; i++) {
			struct pdef *d = &x->pipes.items[i];
			if (!d->p->schedule)
				continue;
			if (now >= d->next_check) {
				/* paused (the UI's toggle): no scheduled runs until a
				 * wakeup (unpausing sends one) resets next_check */
				bool paused = false;
				struct err pe = ERR_INIT;
				st_pipeline_paused(x->st, d->p->id, &paused, &pe);
				db_warn(&pe);
				if (paused)
					d->next_check = INT64_MAX;
				else
					create_scheduled(x, d, now);
			}
			if (d->next_check < due)
				due = d->next_check;
		}
	}
	/* SLAs (a scheduler's job: a foreground `pipeline run` does not alert) */
	if (x->o.schedule && !x->draining)
		for (size_t i = 0; i < x->pipes.len; i++) {
			const struct pipeline *p = x->pipes.items[i].p;
			if (!p || !p->has_sla)
				continue;
			int64_t again = check_sla(x, p, now);
			if (again < due)
				due = again;
		}
	/* activate queued runs, per pipeline, oldest logical date first */
	if (!x->draining) {
		for (size_t i = 0; i < x->runs.len; i++) {
			struct orun *r = x->runs.items[i];
			if (r->st != R_QUEUED)
				continue;
			int active = 0;
			bool older_waiting = false;
			for (size_t k = 0; k < x->runs.len; k++) {
				struct orun *o = x->runs.items[k];
				if (strcmp(o->p->id, r->p->id))
					continue;
				active += o->st == R_RUNNING;
				older_waiting |= o != r && o->st == R_QUEUED && o->logical < r->logical;
			}
			if (active < r->p->max_active_runs && !older_waiting)
				set_run(x, r, R_RUNNING, now);
		}
	}
	for (size_t i = 0; i < x->runs.len; i++) {
		struct orun *r = x->runs.items[i];
		if (r->st == R_RUNNING || r->live)
			step_run(x, r, now, &due);
	}
	/* forget finished runs (their history is in the db) */
	size_t w = 0;
	int live = 0;
	bool ended = false, queued = false;
	for (size_t i = 0; i < x->runs.len; i++) {
		struct orun *r = x->runs.items[i];
		if ((r->st == R_SUCCESS || r->st == R_FAILED) && !r->live && !x->o.now) {
			ended = true;
			run_free(r);
			continue;
		}
		live += r->live;
		queued |= r->st == R_QUEUED;
		x->runs.items[w++] = r;
	}
	x->runs.len = w;
	/* a run that ended frees a max_active_runs slot: a queued run of the
	 * same pipeline may start now, not at the next timer */
	if (ended && queued && !x->draining && due > now)
		due = now;
	if (live) {
		if (now >= x->next_heartbeat) {
			check_cancels(x, now); /* a missed wakeup costs one heartbeat */
			struct err he = ERR_INIT;
			st_heartbeat(x->st, (int)getpid(), now, 3 * x->o.heartbeat_us, &he);
			db_warn(&he);
			x->next_heartbeat = now + x->o.heartbeat_us;
		}
		if (x->next_heartbeat < due)
			due = x->next_heartbeat;
	}
	if (next_due)
		*next_due = due;
	return 0;
}

/* ---------------------------------------------------------- events */

static void reap(struct orch *x, struct orun *r, struct otask *t)
{
	int status = 0;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)t->pid, &si, WEXITED | WNOHANG | WNOWAIT) || si.si_pid == 0)
		return;
	/* A task's process group does not outlive it: kill stragglers
	 * (background children of the command) while the unreaped leader
	 * still holds the group id, so it cannot have been reused. */
	kill(-t->pid, SIGKILL);
	pid_t got = waitpid(t->pid, &status, 0);
	close(t->pidfd);
	t->pidfd = -1;
	t->pid = 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	char msg[64];
	if (WIFSIGNALED(status))
		snprintf(msg, sizeof(msg), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(msg, sizeof(msg), "exit code %d", code);
	finish_attempt(x, r, t, got > 0 && WIFEXITED(status) && code == 0, code, msg);
}

static void drain_jobs(struct orch *x)
{
	pthread_mutex_lock(&x->mu);
	struct job *j = x->done;
	x->done = NULL;
	pthread_mutex_unlock(&x->mu);
	while (j) {
		struct job *next = j->next;
		struct orun *r = j->r;
		struct otask *t = &r->t[j->ti];
		t->job = NULL;
		char *m = j->rc ? err_string(&j->err) : NULL;
		if (j->ctx.log) {
			fclose(j->ctx.log);
			j->ctx.log = NULL;
		}
		if (j->ctx.results_path) /* before finish_attempt, which may end (and free) the run */
			test_failure_alert(x, r, t, j->ctx.results_path);
		finish_attempt(x, r, t, j->rc == 0, j->rc ? 1 : 0, m);
		free(m);
		job_free(j);
		j = next;
	}
}

int orch_wait(struct orch *x, int64_t max_us, struct err *e)
{
	VEC(struct pollfd) fds = VEC_INIT;
	VEC(struct otask *) owners = VEC_INIT;
	VEC(struct orun *) orun_of = VEC_INIT;
	struct pollfd pf = {x->evfd, POLLIN, 0};
	vec_push(&fds, pf);
	if (x->sigfd >= 0) {
		pf.fd = x->sigfd;
		vec_push(&fds, pf);
	}
	if (x->inofd >= 0) {
		pf.fd = x->inofd;
		vec_push(&fds, pf);
	}
	size_t base = fds.len;
	for (size_t i = 0; i < x->runs.len; i++) {
		struct orun *r = x->runs.items[i];
		for (size_t k = 0; k < r->p->ntasks; k++)
			if (r->t[k].pidfd >= 0) {
				pf.fd = r->t[k].pidfd;
				vec_push(&fds, pf);
				vec_push(&owners, &r->t[k]);
				vec_push(&orun_of, r);
			}
	}
	int ms = max_us <= 0 ? 0 : max_us > 3600 * US_PER_SEC ? 3600 * 1000 : (int)((max_us + 999) / 1000);
	int n = poll(fds.items, fds.len, ms);
	if (n > 0) {
		if (fds.items[0].revents & POLLIN) {
			uint64_t v;
			if (read(x->evfd, &v, sizeof(v)) < 0) {
				/* nothing pending */
			}
			drain_jobs(x);
		}
		for (size_t i = 1; i < base; i++) {
			if (!(fds.items[i].revents & POLLIN))
				continue;
			if (fds.items[i].fd == x->sigfd) {
				struct signalfd_siginfo si;
				while (read(x->sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						log_info("SIGHUP: reloading pipeline files");
						x->want_reload = true;
					} else {
						log_info("signal %d: draining", (int)si.ssi_signo);
						atomic_store(&x->stop_req, true);
					}
				}
			} else if (fds.items[i].fd == x->inofd) {
				char b[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
				ssize_t len;
				while ((len = read(x->inofd, b, sizeof(b))) > 0) {
					for (char *p = b; p < b + len;) {
						struct inotify_event *ev = (struct inotify_event *)p;
						if (ev->wd == x->wd_pipes && ev->len &&
						    str_endswith(ev->name, ".yml"))
							x->want_reload = true;
						else if (ev->wd == x->wd_state && ev->len &&
							 !strcmp(ev->name, "wakeup"))
							x->want_scan = true;
						p += sizeof(*ev) + ev->len;
					}
				}
			}
		}
		for (size_t i = base; i < fds.len; i++)
			if (fds.items[i].revents)
				reap(x, orun_of.items[i - base], owners.items[i - base]);
	}
	vec_free(&fds);
	vec_free(&owners);
	vec_free(&orun_of);
	return 0;
}

int64_t orch_drain_started(const struct orch *x)
{
	return atomic_load(&x->drain_started);
}

void orch_stop(struct orch *x)
{
	atomic_store(&x->stop_req, true);
	uint64_t one = 1;
	if (write(x->evfd, &one, sizeof(one)) < 0) {
		/* the loop sees stop_req on its next wakeup */
	}
}

static bool any_live(struct orch *x)
{
	for (size_t i = 0; i < x->runs.len; i++)
		if (x->runs.items[i]->live)
			return true;
	return false;
}

int orch_loop(struct orch *x, int64_t until_run, struct err *e)
{
	for (;;) {
		int64_t due;
		orch_step(x, &due, e);
		if (x->draining && !any_live(x))
			break;
		if (until_run) {
			struct orun *r = find_run(x, until_run);
			if (!r || ((r->st == R_SUCCESS || r->st == R_FAILED) && !r->live))
				break;
		}
		int64_t now = now_of(x);
		orch_wait(x, due == INT64_MAX ? 3600 * US_PER_SEC : due - now, e);
	}
	return 0;
}

/* ---------------------------------------------------------- open/close */

struct st *orch_state(struct orch *x)
{
	return x->st;
}

int orch_open(const struct orch_opts *o, struct orch **out, struct err *e)
{
	struct orch *x = xcalloc(1, sizeof(*x));
	x->cancel = cancel_new();
	x->o = *o;
	x->lock_fd = x->evfd = x->sigfd = x->inofd = -1;
	x->wd_pipes = x->wd_state = -1;
	if (!x->o.grace_us)
		x->o.grace_us = 30 * US_PER_SEC;
	if (!x->o.heartbeat_us)
		x->o.heartbeat_us = 10 * US_PER_SEC;
	if (!x->o.kill_grace_us)
		x->o.kill_grace_us = 5 * US_PER_SEC;
	x->dir = xstrdup(o->project_dir);
	x->lake = o->lake_root ? xstrdup(o->lake_root) : path_join(x->dir, "lake");
	x->logs = xasprintf("%s/.ingot/logs", x->dir);
	x->pdir = path_join(x->dir, "pipelines");
	x->parallelism = o->parallelism > 0 ? o->parallelism : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (x->parallelism < 1)
		x->parallelism = 1;
	pthread_mutex_init(&x->mu, NULL);
	pthread_cond_init(&x->cv, NULL);
	pthread_mutex_init(&x->amu, NULL);
	pthread_cond_init(&x->acv, NULL);
	int rc = 0;
	char *ingot = xasprintf("%s/.ingot", x->dir), *lock = orch_lock_path(x->dir),
	     *state = orch_state_path(x->dir);
	if ((rc = fs_mkdir_p(ingot, e)))
		goto fail;
	x->lock_fd = fs_lock(lock, false, e);
	if (x->lock_fd < 0) {
		rc = x->lock_fd;
		if (rc == ING_EAGAIN) {
			err_clear(e);
			int pid = 0;
			orch_scheduler_running(x->dir, &pid);
			rc = err_set(e, ING_ECONFLICT, "a scheduler (pid %d) is running for %s", pid, x->dir);
		}
		goto fail;
	}
	char pidtxt[24];
	int pl = snprintf(pidtxt, sizeof(pidtxt), "%d\n", (int)getpid());
	if (ftruncate(x->lock_fd, 0) || pwrite(x->lock_fd, pidtxt, (size_t)pl, 0) != pl)
		log_warn("cannot write the pid into %s", lock);
	if ((rc = st_open(state, &x->st, e)))
		goto fail;
	orch_owner_self(&x->owner, o->resume ? "scheduler" : "foreground");
	x->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->watch) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGTERM);
		sigaddset(&s, SIGINT);
		sigaddset(&s, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &s, &x->oldmask);
		x->sigmasked = true;
		x->sigfd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
		x->inofd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (x->inofd >= 0) {
			struct err me = ERR_INIT;
			fs_mkdir_p(x->pdir, &me);
			err_clear(&me);
			x->wd_pipes = inotify_add_watch(x->inofd, x->pdir,
							IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
								IN_DELETE | IN_CREATE);
			x->wd_state = inotify_add_watch(x->inofd, ingot, IN_CLOSE_WRITE);
		}
	}
	signal(SIGPIPE, SIG_IGN);
#ifdef HAVE_LIBCURL
	/* before any alert thread: curl_global_init is not thread-safe */
	pthread_once(&curl_once, curl_init_once);
#endif
	x->workers = xcalloc((size_t)x->parallelism, sizeof(pthread_t));
	for (int i = 0; i < x->parallelism; i++) {
		int pe = log_thread_create(&x->workers[i], NULL, worker_main, x);
		if (pe) { /* without workers, in-process tasks would wait forever */
			rc = err_set(e, ING_EFAIL, "cannot start worker thread %d of %d: %s"
				     " (lower --parallelism, or raise the process limit)",
				     i + 1, x->parallelism, strerror(pe));
			goto fail;
		}
		x->nworkers++;
	}
	struct err re = ERR_INIT;
	orch_reload(x, &re); /* file errors are logged; good files still run */
	err_clear(&re);
	/* runs of a killed foreground `pipeline run` fail (interrupted) here;
	 * a dead scheduler's runs are resumed below by a scheduler */
	struct err oe = ERR_INIT;
	orch_reap_orphans(x->st, NULL, &oe);
	db_warn(&oe);
	recover_zombies(x);
	if (o->resume) {
		scan_runs(x);
		check_cancels(x, now_of(x)); /* asked for while no scheduler ran */
	}
	free(ingot);
	free(lock);
	free(state);
	*out = x;
	return 0;
fail:
	free(ingot);
	free(lock);
	free(state);
	orch_close(x);
	return rc;
}

void orch_close(struct orch *x)
{
	if (!x)
		return;
	/* nothing may outlive the engine: stop children and jobs */
	for (size_t i = 0; i < x->runs.len; i++) {
		struct orun *r = x->runs.items[i];
		for (size_t k = 0; r->p && k < r->p->ntasks; k++) {
			struct otask *t = &r->t[k];
			if (t->pid > 0) {
				kill(-t->pid, SIGKILL);
				waitpid(t->pid, NULL, 0);
			}
			if (t->pidfd >= 0)
				close(t->pidfd);
			if (t->job)
				ctx_cancel(&t->job->ctx, ING_ECANCELED,
					   "interrupted: the scheduler shut down");
		}
	}
	if (x->workers) {
		pthread_mutex_lock(&x->mu);
		x->quit = true;
		/* queued jobs that never started are dropped */
		struct job *q = x->qhead;
		x->qhead = x->qtail = NULL;
		pthread_cond_broadcast(&x->cv);
		pthread_mutex_unlock(&x->mu);
		for (int i = 0; i < x->nworkers; i++)
			pthread_join(x->workers[i], NULL);
		while (q) {
			struct job *n = q->next;
			job_free(q);
			q = n;
		}
		free(x->workers);
	}
	struct job *d = x->done;
	while (d) {
		struct job *n = d->next;
		job_free(d);
		d = n;
	}
	cancel_free(x->cancel); /* after every job's child token */
	x->cancel = NULL;
	orch_alerts_flush(x, 15 * US_PER_SEC);
	for (size_t i = 0; i < x->runs.len; i++)
		run_free(x->runs.items[i]);
	vec_free(&x->runs);
	for (size_t i = 0; i < x->sla.len; i++)
		free(x->sla.items[i].pipeline);
	vec_free(&x->sla);
	pipes_free(x);
	for (size_t i = 0; i < x->pools.len; i++)
		free(x->pools.items[i].name);
	vec_free(&x->pools);
	st_close(x->st);
	if (x->evfd >= 0)
		close(x->evfd);
	if (x->sigfd >= 0)
		close(x->sigfd);
	if (x->inofd >= 0)
		close(x->inofd);
	if (x->sigmasked)
		pthread_sigmask(SIG_SETMASK, &x->oldmask, NULL);
	if (x->lock_fd >= 0)
		close(x->lock_fd);
	pthread_mutex_destroy(&x->mu);
	pthread_cond_destroy(&x->cv);
	/* amu/acv stay: a timed-out alert thread may still touch them */
	free(x->dir);
	free(x->lake);
	free(x->logs);
	free(x->pdir);
	pthread_mutex_lock(&x->amu);
	bool alerts_left = x->alerts_inflight > 0;
	pthread_mutex_unlock(&x->amu);
	if (!alerts_left) /* else an alert thread still holds x: leave it */
		free(x);
}
