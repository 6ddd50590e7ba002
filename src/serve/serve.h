/*
 * serve/serve.h — `ingot serve`: the dashboards over HTTP (issue 13).
 *
 * One libmicrohttpd daemon (a pool of polling threads, a connection limit,
 * a per-connection idle timeout, URL and body size limits) in front of a
 * dash_ctx: the JSON API of the contract (docs/internals/serve.md), the CSV
 * export streamed, and the page's embedded static files. Authentication is
 * optional (a users file: serve_users_load); sessions, CSRF tokens, the
 * Origin check and the login rate limit are always on.
 *
 * Calling sequence (src/cmd/cmd_serve.c):
 *
 *     struct serve_users *u = NULL;            // --auth FILE
 *     serve_users_load(path, &u, &e);
 *     struct serve_opts o = {.bind = "127.0.0.1", .port = 8080, .users = u};
 *     struct serve *s;
 *     serve_start(dash, &o, &s, &e);           // listening; threads running
 *     printf("... %d", serve_port(s));
 *     ... wait for SIGTERM ...
 *     serve_stop(s, grace_us);                 // drain: stop accepting, finish requests
 *     serve_users_free(u);
 *
 * Threads: serve_start's caller should block SIGTERM/SIGINT first (the
 * daemon's threads inherit the mask). Every handler runs on a pool thread;
 * the dash_ctx is shared (it is thread-safe).
 */
#ifndef INGOT_SERVE_H
#define INGOT_SERVE_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dash_ctx;

/* ---- users and passwords (serve/auth.c) ---- */

enum serve_role { SERVE_ROLE_NONE = 0, SERVE_ROLE_VIEWER, SERVE_ROLE_OPERATOR, SERVE_ROLE_ADMIN };
const char *serve_role_name(enum serve_role r); /* "viewer"...; NULL for NONE */

struct serve_users;
/* The --auth file: `users: [{name, role: viewer|operator|admin,
 * password_hash}]`. Errors name file:line:col. */
int serve_users_load(const char *path, struct serve_users **out, struct err *e);
void serve_users_free(struct serve_users *u);
size_t serve_users_count(const struct serve_users *u);

#define SERVE_PBKDF2_ITER 210000
/* "pbkdf2-sha256$ITER$SALT_B64$HASH_B64" of password (a random 16-byte salt). */
int serve_hash_password(const char *pw, size_t n, unsigned iter, struct buf *out, struct err *e);
/* Does pw match the stored string? Constant time in the hash comparison;
 * false for a malformed string. */
bool serve_verify_password(const char *stored, const char *pw, size_t n);
/* Is stored a well-formed hash string (any iteration count >= 1000)? */
bool serve_hash_wellformed(const char *stored);

/* ---- the server ---- */

struct serve_opts {
	const char *bind;        /* address; NULL = 127.0.0.1 */
	int port;                /* 0 = any free port */
	int threads;             /* polling threads; 0 = 4 */
	int max_connections;     /* 0 = 256 */
	int timeout_s;           /* idle connection timeout; 0 = 15 */
	const struct serve_users *users; /* NULL: no login (loopback only) */
	const char *web_dir;     /* INGOT_WEB_DIR: serve files from here; NULL = embedded */
	const char *project_dir; /* the pipelines API over its state.db; NULL = off */
};

/* Is addr a loopback address (127.0.0.0/8, ::1, localhost)? */
bool serve_is_loopback(const char *addr);

struct serve;
int serve_start(struct dash_ctx *d, const struct serve_opts *o, struct serve **out, struct err *e);
int serve_port(const struct serve *s);
/* Stop accepting, let requests in flight finish (up to grace_us), stop. */
void serve_stop(struct serve *s, int64_t grace_us);

/* ---- one request, as the handlers see it (for the next issue's actions) ---- */

struct serve_req;
/* 0 when the request's session has at least role min (with auth off every
 * request counts as admin); else the HTTP status to answer: 401 (no
 * session) or 403 (a lower role). */
int serve_require_role(const struct serve_req *r, enum serve_role min);

#endif
