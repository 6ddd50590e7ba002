/*
 * cmd/cmd_serve.c — `ingot serve`: the dashboards over HTTP, in the
 * process that owns the warehouse (issue 13), and `ingot serve
 * hash-password` for the users file.
 *
 * The process is the scheduler plus an HTTP server: it holds
 * .ingot/scheduler.lock and runs schedules as `ingot scheduler` does
 * (unless --no-scheduler), listens on the control socket so other CLI
 * commands hand their work to it (DuckDB: one process may write), and
 * serves HTTP (serve/serve.h). SIGTERM/SIGINT: the scheduler drains,
 * then the HTTP server stops accepting, lets requests in flight finish and
 * stops; exit 0. The whole drain is bounded by --grace, counted from the
 * signal: the scheduler interrupts its tasks at grace minus their kill
 * grace (a quarter of it, 5 s at most), and the HTTP server gets what is
 * left (requests kept being served while the scheduler drained).
 *
 * Without --auth the server refuses a non-loopback --bind: dashboards show
 * business numbers, so a network listener needs logins.
 */
#include "cmd/commands.h"
#include "cmd/cmd_pipeline.h"
#include "config/project.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/log.h"
#include "core/mem.h"
#include "dash/dash.h"
#include "platform/control.h"
#include "platform/platform.h"
#include "warehouse/warehouse.h"

#ifdef HAVE_LIBMICROHTTPD
#include "serve/serve.h"
#endif

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct opt opts[] = {
	{"bind", 0, OPT_STR, "ADDR", "address to listen on (default 127.0.0.1; others need --auth)"},
	{"port", 0, OPT_INT, "PORT", "port (default 8080; 0 = any free port)"},
	{"no-scheduler", 0, OPT_FLAG, NULL, "serve only: run no schedules"},
	{"auth", 0, OPT_STR, "USERS_FILE", "require logins: users, roles and password hashes (YAML)"},
	{"threads", 0, OPT_INT, "N", "HTTP threads (default 4)"},
	{"max-connections", 0, OPT_INT, "N", "connections at once (default 256)"},
	{"timeout", 0, OPT_INT, "SECONDS", "close a connection idle this long (default 15)"},
	{"grace", 0, OPT_INT, "SECONDS", "on SIGTERM, how long running tasks and requests may finish (default 30)"},
	{"parallelism", 0, OPT_INT, "N", "scheduler: tasks running at once (default: number of cores)"},
	{0},
};

#ifdef HAVE_LIBMICROHTTPD
/* The number of dashboards, for the start-up line. */
static int count_dashboards(struct dash_ctx *d)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	int n = -1;
	if (!dash_list_json(d, &b, &e)) {
		json_t *j = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
		json_t *a = json_object_get(j, "dashboards");
		n = json_is_array(a) ? (int)json_array_size(a) : -1;
		json_decref(j);
	} else {
		log_warn("dashboards: %s", e.msg ? e.msg : "cannot be listed");
	}
	err_clear(&e);
	buf_free(&b);
	return n;
}

static int run(struct cmd_ctx *c)
{
	long long port = cmd_int(c, "port", 8080), threads = cmd_int(c, "threads", 4),
		  grace = cmd_int(c, "grace", 30), timeout = cmd_int(c, "timeout", 15),
		  maxc = cmd_int(c, "max-connections", 256), par = cmd_int(c, "parallelism", 0);
	const char *bind = cmd_str(c, "bind", "127.0.0.1"), *auth = cmd_str(c, "auth", NULL);
	bool sched = !cmd_flag(c, "no-scheduler");
	if (port < 0 || port > 65535) {
		err_set(&c->err, ING_EINVAL, "--port %lld: use 0 (any free port) to 65535", port);
		return 2;
	}
	if (threads < 1 || threads > 256 || grace < 0 || timeout < 1 || timeout > 3600 || maxc < 1 ||
	    maxc > 100000 || par < 0 || par > 1024) {
		err_set(&c->err, ING_EINVAL,
			"--threads (1-256), --timeout (1-3600), --max-connections, --grace and "
			"--parallelism take positive numbers");
		return 2;
	}
	if (!auth && !serve_is_loopback(bind)) {
		err_set(&c->err, ING_EINVAL,
			"--bind %s is not a loopback address: anyone on the network could read the "
			"dashboards; use --auth USERS_FILE (see `ingot serve hash-password`) or bind 127.0.0.1",
			bind);
		return 2;
	}
	if (!c->project) {
		err_set(&c->err, ING_ECONFIG,
			"no dbt_project.yml here: run ingot serve in a project directory (or --project-dir DIR)");
		return 2;
	}
	struct serve_users *users = NULL;
	if (auth && serve_users_load(auth, &users, &c->err))
		return 2;
	char *dir = pipeline_project_dir(c);
	struct platform *pl = NULL;
	struct dash_ctx *dash = NULL;
	struct orch *x = NULL;
	struct ctl_server *ctl = NULL;
	struct serve *srv = NULL;
	int rc = 2;
	int64_t drain_t0 = 0; /* when the signal came (now_us) */
	sigset_t sigs, old;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	/* before any thread starts: they inherit the mask, so the signals come
	 * to the scheduler's signalfd or to sigwait below, never kill a thread */
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	if (pipeline_platform(c, dir, &pl, &c->err))
		goto done;
	if (dash_ctx_open(pl, &dash, &c->err))
		goto done;
	struct orch_opts o = pipeline_daemon_opts(dir, pl, par, grace, 10);
	/* one budget for the whole drain: interrupt, then kill, within --grace */
	int64_t grace_us = grace ? grace * US_PER_SEC : 1;
	o.kill_grace_us = grace_us / 4 < 5 * US_PER_SEC ? grace_us / 4 : 5 * US_PER_SEC;
	if (o.kill_grace_us < 1)
		o.kill_grace_us = 1;
	o.grace_us = grace_us - o.kill_grace_us > 0 ? grace_us - o.kill_grace_us : 1;
	if (sched && orch_open(&o, &x, &c->err))
		goto done;
	if (!wh_engine_has(c->project->target.type, WH_CAP_MULTI_PROCESS) &&
	    ctl_server_start(c->project->dir, cmd_serve_request, NULL, &ctl, &c->err))
		goto done;
	const char *web = getenv("INGOT_WEB_DIR");
	struct serve_opts so = {
		.bind = bind,
		.port = (int)port,
		.threads = (int)threads,
		.max_connections = (int)maxc,
		.timeout_s = (int)timeout,
		.users = users,
		.web_dir = web && *web ? web : NULL,
		.project_dir = dir,
	};
	if (serve_start(dash, &so, &srv, &c->err))
		goto done;
	if (so.web_dir)
		log_warn("INGOT_WEB_DIR=%s: serving the page's files from there (developer mode)", so.web_dir);
	char host[80];
	snprintf(host, sizeof(host), strchr(bind, ':') ? "[%s]" : "%s", bind);
	fprintf(stderr, "ingot serve: http://%s:%d/ (dashboards: %d, scheduler: %s)\n", host,
		serve_port(srv), count_dashboards(dash), sched ? "on" : "off");
	fflush(stderr);
	rc = 0;
	if (x) {
		log_info("scheduler started for %s (pid %d)", dir, (int)getpid());
		if (orch_loop(x, 0, &c->err))
			rc = 1;
		drain_t0 = orch_drain_started(x);
		log_info("scheduler stopped");
	} else {
		for (;;) {
			int sig = 0;
			if (sigwait(&sigs, &sig))
				continue;
			if (sig == SIGHUP) {
				log_info("SIGHUP: project and dashboard files are reloaded when they change");
				continue;
			}
			log_info("signal %d: draining", sig);
			drain_t0 = now_us();
			break;
		}
	}
done:;
	/* what the scheduler's drain left of --grace (at least 1 µs: the
	 * requests in flight are then cut at once) */
	int64_t left_us = grace ? grace * US_PER_SEC : 1;
	if (drain_t0 > 0)
		left_us -= now_us() - drain_t0;
	serve_stop(srv, left_us > 0 ? left_us : 1);
	if (srv)
		log_info("http server stopped");
	ctl_server_stop(ctl);
	if (x)
		orch_close(x);
	dash_ctx_close(dash);
	platform_close(pl);
	serve_users_free(users);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(dir);
	return rc;
}

static int hash_run(struct cmd_ctx *c)
{
	char pw[1024];
	if (isatty(0))
		fprintf(stderr, "password: ");
	if (!fgets(pw, sizeof(pw), stdin)) {
		err_set(&c->err, ING_EINVAL, "no password on stdin (echo 'secret' | ingot serve hash-password)");
		return 2;
	}
	size_t n = strlen(pw);
	if (n && pw[n - 1] == '\n')
		pw[--n] = 0;
	if (n && pw[n - 1] == '\r')
		pw[--n] = 0;
	if (n == 0) {
		err_set(&c->err, ING_EINVAL, "the password is empty");
		return 2;
	}
	struct buf b = BUF_INIT;
	int rc = serve_hash_password(pw, n, SERVE_PBKDF2_ITER, &b, &c->err);
	memset(pw, 0, sizeof(pw));
	if (!rc)
		fprintf(c->out, "%s\n", buf_cstr(&b));
	buf_free(&b);
	return rc ? 1 : 0;
}
#else
static int run(struct cmd_ctx *c)
{
	err_set(&c->err, ING_EUNSUPPORTED,
		"this ingot was built without libmicrohttpd (WITH_MHD=0): install libmicrohttpd-dev and rebuild");
	return 2;
}

static int hash_run(struct cmd_ctx *c)
{
	return run(c);
}
#endif

const struct cmd_spec cmd_serve = {
	.name = "serve",
	.summary = "serve the dashboards over HTTP (and run the scheduler)",
	.usage = "ingot serve [--bind 127.0.0.1] [--port 8080] [--no-scheduler] [--auth USERS_FILE] "
		 "[--threads N] [--grace SECONDS]",
	.opts = opts,
	.flags = CMD_OPT_PROJECT,
	.run = run,
};

static const struct opt hash_opts[] = {{0}};

const struct cmd_spec cmd_serve_hash_password = {
	.name = "serve hash-password",
	.summary = "read a password on stdin, print its hash for a --auth users file",
	.usage = "echo 'secret' | ingot serve hash-password",
	.opts = hash_opts,
	.flags = 0,
	.run = hash_run,
};
