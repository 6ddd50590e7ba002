/*
 * serve/serve_int.h — the serve module's parts, shared between its files and
 * the unit tests: URL routing, header parsing, sessions, the login rate
 * limit. Pure functions except where a struct with a lock is named.
 */
#ifndef INGOT_SERVE_INT_H
#define INGOT_SERVE_INT_H

#include "serve/serve.h"
#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- routing (route.c) ---- */

enum route_kind {
	RT_NOT_FOUND = 0, /* no such page or file: 404 */
	RT_API_NOT_FOUND, /* an unknown /api path: 404 JSON */
	RT_INDEX,         /* /, /d/..., /login: index.html */
	RT_ASSET,         /* /assets/<name> */
	RT_FAVICON,       /* /favicon.ico */
	RT_HEALTHZ,
	RT_LIST,          /* /api/v1/dashboards */
	RT_SPEC,          /* /api/v1/dashboards/{board} */
	RT_TILE,          /* .../tiles/{tile} */
	RT_TILE_CSV,      /* .../tiles/{tile}.csv */
	RT_FILTER_VALUES, /* .../filters/{filter}/values */
	RT_ME,
	RT_LOGIN,  /* POST */
	RT_LOGOUT, /* POST */
	/* the data pages (api_data.c) */
	RT_LOADS,          /* /api/v1/loads */
	RT_LOAD_TABLE,     /* /api/v1/loads/{source}/{table} (board = source, name = table) */
	RT_REJECTS,        /* /api/v1/rejects */
	RT_REJECTS_CSV,    /* /api/v1/rejects.csv */
	RT_QUALITY,        /* /api/v1/quality */
	RT_CATALOG_SEARCH, /* /api/v1/catalog/search */
	RT_CATALOG_NODE,   /* /api/v1/catalog/nodes/{id} (name = id) */
	RT_CATALOG_LINEAGE, /* /api/v1/catalog/lineage/{id} */
	RT_TEST_FAILURES,  /* /api/v1/quality/tests/{id}/failures (name = id) */
	RT_OPENAPI,        /* /api/v1/openapi.json (openapi.c) */
	RT_METRICS,        /* /metrics (metrics.c) */
	/* the pipelines UI's API (api_pipelines.c; route_pipelines.c) */
	RT_PIPELINES,       /* /api/v1/pipelines */
	RT_PIPELINE,        /* /api/v1/pipelines/{id} */
	RT_PIPELINE_RUNS,   /* /api/v1/pipelines/{id}/runs */
	RT_PIPELINE_ACTION, /* POST /api/v1/pipelines/{id}/{trigger|pause|unpause|backfill} */
	RT_RUN,             /* /api/v1/runs/{run} */
	RT_RUN_ACTION,      /* POST /api/v1/runs/{run}/{cancel|rerun_failed} */
	RT_TASK_CLEAR,      /* POST /api/v1/runs/{run}/tasks/{task}/clear */
	RT_TASK_LOG,        /* /api/v1/runs/{run}/tasks/{task}/log */
	RT_TASK_LOG_STREAM, /* /api/v1/runs/{run}/tasks/{task}/log/stream (SSE) */
	RT_EVENTS,          /* /api/v1/events (SSE) */
	RT_AUDIT,           /* /api/v1/audit (admin) */
	RT__COUNT
};

#define ROUTE_NAME_MAX 128
struct serve_route {
	enum route_kind kind;
	char board[ROUTE_NAME_MAX], name[ROUTE_NAME_MAX]; /* name: the tile or filter */
	const char *asset; /* RT_ASSET: points into the path */
	/* pipelines: board holds the pipeline id, run the run id, name the
	 * task, action the POST action's name */
	int64_t run;
	char action[32];
};
/* The pipelines part of the routes (route_pipelines.c): path starts with
 * /api/v1/pipelines, /api/v1/runs, /api/v1/events or /api/v1/audit. */
enum route_kind serve_route_pipelines(const char *path, struct serve_route *r);
/* Is k one of the POST actions of the pipelines API? */
bool serve_route_is_pipeline_action(enum route_kind k);
/* Route a decoded URL path (no query string). */
enum route_kind serve_route_parse(const char *path, struct serve_route *r);
/* Does the route take this method? POST routes take POST; the others GET
 * and HEAD. *allow is set to the Allow header's value. */
bool serve_route_method_ok(enum route_kind k, const char *method, const char **allow);
/* Is the route under /api (errors as JSON)? */
bool serve_route_is_api(enum route_kind k);
/* The route's path template as the OpenAPI document names it
 * ("/api/v1/dashboards/{board}") and its method ("get"/"post"); NULL for
 * the routes the document does not describe (pages, files, 404s). Also
 * the label of the HTTP latency histogram (metrics.c: "other" for NULL). */
const char *serve_route_template(enum route_kind k, const char **method);

/* ---- headers (route.c) ---- */

/* The value of cookie name in a Cookie header, copied into out (cap bytes
 * with the NUL); false when absent or too long. */
bool serve_cookie_get(const char *header, const char *name, char *out, size_t cap);
/* Does an Accept-Encoding header allow gzip (not "gzip;q=0")? */
bool serve_accepts_gzip(const char *ae);
/* Does an If-None-Match header match the strong etag (a list, "*", W/)? */
bool serve_etag_match(const char *inm, const char *etag);
/* Constant-time equality of two NUL-terminated tokens (length leaks). */
bool serve_token_equal(const char *a, const char *b);
/* Is origin ("scheme://host[:port]") the same site as the Host header? A
 * missing Origin (NULL) is fine; "null" or another host is not. */
bool serve_origin_ok(const char *origin, const char *host);
/* The first line of msg, at most cap-1 bytes, into out. */
void serve_first_line(const char *msg, char *out, size_t cap);

/* ---- users (auth.c) ---- */

struct serve_user {
	const char *name, *hash;
	enum serve_role role;
};
const struct serve_user *serve_users_find(const struct serve_users *u, const char *name);
/* A hash to verify against for an unknown user (equal time). */
const char *serve_dummy_hash(void);

/* ---- sessions (auth.c) ---- */

#define SESSION_ID_HEX 65 /* 32 random bytes as hex + NUL */
#define SESSION_IDLE_US (12LL * 3600 * 1000000)
#define SESSION_MAX 10000
struct serve_session {
	char id[SESSION_ID_HEX], csrf[SESSION_ID_HEX];
	char user[ROUTE_NAME_MAX]; /* "" for an anonymous session */
	enum serve_role role;
	int64_t last_us; /* last use (wall clock) */
};
struct serve_sessions;
struct serve_sessions *serve_sessions_new(void);
void serve_sessions_free(struct serve_sessions *ss);
/* Look id up at time now; a live one is touched and copied to *out. */
bool serve_sessions_get(struct serve_sessions *ss, const char *id, int64_t now, struct serve_session *out);
/* A new session (random id and CSRF token); the oldest is dropped past SESSION_MAX. */
void serve_sessions_create(struct serve_sessions *ss, const char *user, enum serve_role role, int64_t now,
			   struct serve_session *out);
void serve_sessions_delete(struct serve_sessions *ss, const char *id);
/* 32 random bytes as 64 hex digits (OpenSSL's RAND_bytes). */
void serve_random_hex(char out[SESSION_ID_HEX]);

/* ---- login rate limit (auth.c): failures per client address ---- */

#define LOGIN_FAIL_MAX 5
#define LOGIN_WINDOW_US (60LL * 1000000)
struct serve_ratelimit;
struct serve_ratelimit *serve_ratelimit_new(void);
void serve_ratelimit_free(struct serve_ratelimit *rl);
/* Has addr failed LOGIN_FAIL_MAX times in the last window? */
bool serve_ratelimit_blocked(struct serve_ratelimit *rl, const char *addr, int64_t now);
void serve_ratelimit_fail(struct serve_ratelimit *rl, const char *addr, int64_t now);

/* ---- the data pages: loads, rejects, quality, catalog (api_data.c) ---- */

struct dash_ctx;
struct dash_param;
struct serve_data; /* long-lived: the platform and a cached catalog */
struct serve_data *serve_data_new(struct dash_ctx *d);
void serve_data_free(struct serve_data *sd);
/* An answer: status 200 unless set, a Content-Type, an optional
 * Content-Disposition, the body. */
struct serve_out {
	const char *type;
	char disposition[160];
	struct buf body;
};
/* Answer a data route (RT_LOADS ... RT_CATALOG_LINEAGE): 0 with out
 * filled, or ING_E* with e set (ING_EINVAL 400, ING_ENOTFOUND 404). */
int serve_data_answer(struct serve_data *sd, const struct serve_route *rt, const struct dash_param *p,
		      size_t np, struct serve_out *out, struct err *e);

/* The loads, test results and freshness as Prometheus text (metrics.c). */
int serve_data_metrics(struct serve_data *sd, struct buf *out, struct err *e);

/* ---- /api/v1/openapi.json (openapi.c) ---- */

/* The document: the fragments embedded from src/serve/openapi/ (and any
 * openapi-*.json given to the asset table) merged, as JSON text. Built
 * once; static. NULL + e when a fragment does not parse. */
const char *serve_openapi_json(struct err *e);

/* ---- /metrics (metrics.c) ---- */

struct serve_metrics; /* the HTTP latency histograms, per route */
struct serve_metrics *serve_metrics_new(void);
void serve_metrics_free(struct serve_metrics *m);
void serve_metrics_observe(struct serve_metrics *m, enum route_kind k, double seconds);
/* The Prometheus text exposition (format 0.0.4) of everything. */
int serve_metrics_text(struct serve_metrics *m, struct serve_data *sd, struct dash_ctx *d, struct buf *out,
		       struct err *e);
/* ---- bearer tokens (auth.c): `tokens:` in the --auth file ---- */

/* The user a bearer token stands for (its role), or NULL; *token_name gets
 * the token's name for the log. Every token is checked (no early exit on a
 * match of a cheap hash: equal time for known and unknown tokens of one
 * file). */
const struct serve_user *serve_token_find(const struct serve_users *u, const char *token,
					  const char **token_name);

/* ---- what api_pipelines.c uses of a request (http.c) ---- */

struct serve_req;
struct serve_pl;
struct MHD_Connection;
struct MHD_Response;
/* Answers (an enum MHD_Result as int). b is taken. */
int serve_answer_json(struct serve_req *r, int status, struct buf *b);
int serve_answer_error(struct serve_req *r, int status, const char *msg);
/* The answer to a serve_require_role refusal (401: log in; 403: why). */
int serve_refuse(struct serve_req *r, int status, const char *why);
/* Status from an ING_E* code (400, 404, 409, 503, 504, 500); e cleared. */
int serve_answer_err(struct serve_req *r, int rc, struct err *e);
/* Queue a response made by the caller (security headers added). */
int serve_answer_response(struct serve_req *r, int status, struct MHD_Response *resp);
struct MHD_Connection *serve_req_conn(struct serve_req *r);
const struct serve_route *serve_req_route(const struct serve_req *r);
const char *serve_req_body(const struct serve_req *r, size_t *n);
/* The user name ("" anonymous) and role name of the request. */
void serve_req_who(const struct serve_req *r, const char **user, const char **role);
struct serve_pl *serve_req_pl(const struct serve_req *r);

/* ---- the pipelines API (api_pipelines.c) ---- */

/* Open the pipelines API over a project directory (its pipelines/ and
 * .ingot/state.db); keepalive_ms: the SSE comment interval. Starts the
 * event hub thread. */
int serve_pl_open(const char *project_dir, int keepalive_ms, struct serve_pl **out, struct err *e);
/* End every SSE stream (their next read returns end of stream) and stop
 * the hub thread: before waiting for requests in flight. */
void serve_pl_shutdown(struct serve_pl *pl);
void serve_pl_free(struct serve_pl *pl);
/* Answer one routed request of the pipelines API. */
int serve_pl_dispatch(struct serve_req *r);

#endif
