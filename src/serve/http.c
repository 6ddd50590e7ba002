/*
 * serve/http.c — the HTTP server of `ingot serve` over libmicrohttpd.
 *
 * One daemon: a pool of polling threads (epoll), each handler running on
 * the thread that polled its connection. Limits: connections at once,
 * an idle timeout per connection (a client that sends half a request and
 * waits is cut off without holding a thread: polling is event driven),
 * the raw URL (SERVE_URL_MAX: 414), POST bodies (SERVE_BODY_MAX: 413),
 * query parameters (SERVE_PARAMS_MAX: 400), the request header memory of a
 * connection (libmicrohttpd answers 431/414 past it).
 *
 * A request: the URI-log callback sees the raw URL first (its length, the
 * access log's path) and allocates the request's state; the access handler
 * routes it (route.c), checks the method, reads a POST body, checks the
 * session, CSRF token and Origin, answers; the completion callback writes
 * the access log line and frees the state. Every answer carries the
 * security headers. Errors are {"error":"<first line>"}; the whole message
 * goes to the log.
 *
 * CSV export streams: a producer thread runs dash_tile_csv into a spool
 * file and the response reads it behind the producer as the client takes
 * the bytes, so a slow client never holds a warehouse connection. The
 * handler waits for the first bytes (or the end) before it answers, so a
 * bad parameter is still a 400 and not a truncated 200. The client going
 * away stops the query at its next write.
 *
 * Drain (serve_stop): the listening socket is closed (quiesce), requests
 * in flight finish (up to the grace), then the daemon stops and closes the
 * idle keep-alive connections.
 */
#ifdef HAVE_LIBMICROHTTPD
#include "serve/assets.h"
#include "serve/serve_int.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "dash/dash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define SERVE_URL_MAX 8192
#define SERVE_BODY_MAX 16384
#define SERVE_PARAMS_MAX 64
#define SERVE_MEMORY_LIMIT (64 * 1024)
#define SESSION_COOKIE "ingot_session"
/* JSON answers at least this long are gzip'd for a client that takes it:
 * below it the header and the deflate frame cost more than they save */
#define SERVE_GZIP_MIN 1024

static const char CSP[] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
			  "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

struct serve {
	struct MHD_Daemon *mhd;
	struct dash_ctx *dash;
	const struct serve_users *users;
	struct serve_assets *assets;
	struct serve_sessions *sessions;
	struct serve_ratelimit *rl;
	atomic_int inflight;
	atomic_int producers; /* CSV producer threads still running */
	int port;
	struct serve_data *data;       /* the data pages (api_data.c) */
	struct serve_metrics *metrics; /* /metrics (metrics.c) */
	struct serve_pl *pl; /* the pipelines API; NULL without a project */
};

struct serve_req {
	struct serve *srv;
	struct MHD_Connection *conn;
	double t0;
	char method[16];
	char *logpath; /* the raw path, query values left out */
	bool url_too_long, nul_in_path;
	bool started; /* the handler has seen the request */
	int status;   /* 0 until answered */
	struct serve_route rt;
	struct buf body;
	bool body_too_big;
	bool have_session;
	bool bearer; /* authenticated by a bearer token: no cookie, no CSRF */
	struct serve_session sess;
	char set_cookie[256]; /* a Set-Cookie to send, or "" */
};

/* ------------------------------------------------------------ answers */

static void add_common(struct serve_req *r, struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (r->set_cookie[0])
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
}

static enum MHD_Result queue(struct serve_req *r, int status, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	add_common(r, resp);
	r->status = status;
	enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ok;
}

/* gzip n bytes at p into *out (level 1: a JSON answer is compressed on each
 * request, and level 1 already takes it to a fifth). 0 or -1. */
static int gzip_fast(const void *p, size_t n, char **out, size_t *out_n)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	uLong bound = deflateBound(&zs, (uLong)n) + 32;
	char *o = xmalloc(bound);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)o;
	zs.avail_out = (uInt)bound;
	int rc = deflate(&zs, Z_FINISH);
	size_t got = zs.total_out;
	deflateEnd(&zs);
	if (rc != Z_STREAM_END) {
		free(o);
		return -1;
	}
	*out = o;
	*out_n = got;
	return 0;
}

/* The ETag of the gzip'd representation: another strong validator than
 * the identity one (RFC 9110 8.8.3), the same hash with "-gz". */
static void etag_gz(const char *etag, char out[80])
{
	size_t l = strlen(etag);
	if (l >= 2 && etag[l - 1] == '"')
		snprintf(out, 80, "%.*s-gz\"", (int)(l - 1), etag);
	else
		snprintf(out, 80, "%s", etag);
}

/* Answer with n bytes at data (taken: freed here), as type, gzip'd when the
 * client accepts it and the body is worth it (Vary: Accept-Encoding either
 * way, so a cache keeps the two apart). etag (or NULL) is the identity
 * representation's; the gzip'd one gets etag_gz. */
static enum MHD_Result answer_bytes(struct serve_req *r, int status, const char *type, char *data, size_t n,
				    const char *etag, const char *cache, const char *disposition)
{
	bool gz = false;
	if (n >= SERVE_GZIP_MIN &&
	    serve_accepts_gzip(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding"))) {
		char *z = NULL;
		size_t zn = 0;
		if (!gzip_fast(data, n, &z, &zn)) {
			free(data);
			data = z;
			n = zn;
			gz = true;
		}
	}
	struct MHD_Response *resp =
		data ? MHD_create_response_from_buffer(n, data, MHD_RESPMEM_MUST_FREE)
		     : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(data);
		return queue(r, status, resp);
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", cache);
	if (type && !strncmp(type, "application/json", 16))
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	if (etag) {
		char eg[80];
		etag_gz(etag, eg);
		MHD_add_response_header(resp, "ETag", gz ? eg : etag);
	}
	if (disposition && disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", disposition);
	if (status == 413 || status == 414) /* a client that oversteps once: no more on this connection */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	return queue(r, status, resp);
}

/* Answer with the bytes of b (taken), as type. */
static enum MHD_Result answer_buf(struct serve_req *r, int status, const char *type, struct buf *b)
{
	size_t n = 0;
	char *p = buf_detach(b, &n);
	return answer_bytes(r, status, type, p, n, NULL, "no-store", NULL);
}

static enum MHD_Result answer_error(struct serve_req *r, int status, const char *msg)
{
	char line[1024];
	serve_first_line(msg, line, sizeof(line));
	if (status >= 500)
		log_warn("%s: %d: %s", r->logpath ? r->logpath : "?", status, msg ? msg : "");
	else if (msg && strchr(msg, '\n'))
		log_info("%s: %d: %s", r->logpath ? r->logpath : "?", status, msg);
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	jw_key(&w, "error");
	jw_str(&w, line);
	jw_obj_end(&w);
	return answer_buf(r, status, "application/json; charset=utf-8", &b);
}

static int status_of(int rc)
{
	switch (rc) {
	case ING_EINVAL:
		return 400;
	case ING_ENOTFOUND:
		return 404;
	case ING_ECONFLICT:
	case ING_EEXIST:
		return 409;
	case ING_ETIMEOUT:
		return 504;
	case ING_ECONNECT:
		return 503;
	default:
		return 500;
	}
}

static enum MHD_Result answer_err(struct serve_req *r, int rc, struct err *e)
{
	enum MHD_Result ok = answer_error(r, status_of(rc), e->msg ? e->msg : ing_strerror(rc));
	err_clear(e);
	return ok;
}

static enum MHD_Result answer_json(struct serve_req *r, struct buf *b)
{
	return answer_buf(r, 200, "application/json; charset=utf-8", b);
}

static enum MHD_Result answer_not_modified(struct serve_req *r, const char *etag)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (resp) {
		MHD_add_response_header(resp, "ETag", etag);
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
		/* as the 200 would (RFC 9110 15.4.5): both representations
		 * of a JSON answer or an asset vary on it */
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	}
	return queue(r, 304, resp);
}

/* ------------------------------------------------------------ static files */

static enum MHD_Result answer_asset(struct serve_req *r, const char *name)
{
	struct serve *s = r->srv;
	const struct serve_asset *a = serve_asset_get(s->assets, name);
	if (!a)
		return answer_error(r, 404, "no such file");
	bool gz = serve_accepts_gzip(
		MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Encoding"));
	/* the gzip'd bytes are another representation: their own strong
	 * ETag, as for JSON answers; a validator of either answers 304 */
	char eg[80];
	etag_gz(a->etag, eg);
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	bool m_id = inm && serve_etag_match(inm, a->etag), m_gz = inm && serve_etag_match(inm, eg);
	if (m_id || m_gz) {
		/* the one that matched ("*" matches both: this request's) */
		bool use_gz = m_id && m_gz ? gz : m_gz;
		enum MHD_Result ok = answer_not_modified(r, use_gz ? eg : a->etag);
		serve_asset_put(s->assets, a);
		return ok;
	}
	const void *p = gz ? a->gz : a->raw;
	size_t n = gz ? a->gz_len : a->raw_len;
	/* embedded bytes live forever; a developer-mode copy is freed below */
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		n, (void *)(uintptr_t)p,
		serve_assets_dev(s->assets) ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (resp) {
		MHD_add_response_header(resp, "Content-Type", a->type);
		MHD_add_response_header(resp, "ETag", gz ? eg : a->etag);
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
		if (gz)
			MHD_add_response_header(resp, "Content-Encoding", "gzip");
	}
	enum MHD_Result ok = queue(r, 200, resp);
	serve_asset_put(s->assets, a);
	return ok;
}

/* ------------------------------------------------------------ parameters */

struct params {
	struct dash_param v[SERVE_PARAMS_MAX];
	size_t n;
	bool too_many;
};

static enum MHD_Result param_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct params *p = cls;
	if (p->n == SERVE_PARAMS_MAX) {
		p->too_many = true;
		return MHD_NO;
	}
	p->v[p->n].name = key ? key : "";
	p->v[p->n].value = value ? value : "";
	p->n++;
	return MHD_YES;
}

static bool get_params(struct serve_req *r, struct params *p)
{
	memset(p, 0, sizeof(*p));
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, param_iter, p);
	return !p->too_many;
}

/* ------------------------------------------------------------ API */

static enum MHD_Result api_list(struct serve_req *r)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	int rc = dash_list_json(r->srv->dash, &b, &e);
	if (rc) {
		buf_free(&b);
		return answer_err(r, rc, &e);
	}
	return answer_json(r, &b);
}

static enum MHD_Result api_spec(struct serve_req *r)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	int rc = dash_spec_json(r->srv->dash, r->rt.board, &b, &e);
	if (rc) {
		buf_free(&b);
		return answer_err(r, rc, &e);
	}
	return answer_json(r, &b);
}

static enum MHD_Result api_tile(struct serve_req *r)
{
	struct params p;
	if (!get_params(r, &p))
		return answer_error(r, 400, "too many query parameters");
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	char etag[72];
	int rc = dash_tile_json(r->srv->dash, r->rt.board, r->rt.name, p.v, p.n, &b, etag, &e);
	if (rc) {
		buf_free(&b);
		return answer_err(r, rc, &e);
	}
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	char eg[80];
	etag_gz(etag, eg);
	if (inm && (serve_etag_match(inm, etag) || serve_etag_match(inm, eg))) {
		buf_free(&b);
		return answer_not_modified(r, serve_etag_match(inm, eg) ? eg : etag);
	}
	size_t n = 0;
	char *data = buf_detach(&b, &n);
	return answer_bytes(r, 200, "application/json; charset=utf-8", data, n, etag, "no-cache", NULL);
}

static enum MHD_Result api_filter_values(struct serve_req *r)
{
	const char *q = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "q");
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	int rc = dash_filter_values_json(r->srv->dash, r->rt.board, r->rt.name, q, &b, &e);
	if (rc) {
		buf_free(&b);
		return answer_err(r, rc, &e);
	}
	return answer_json(r, &b);
}

/* ---- CSV: a producer thread and a spool file ----
 *
 * The producer writes the export into an unlinked temporary file (the
 * spool) and never waits for the client: its warehouse connection and
 * read transaction are let go as soon as the rows are written, however
 * slowly the client reads. The response reads the spool behind it (pread
 * at its own offset), waiting only when it has caught up. The client
 * going away sets `cancelled`: the producer's next write fails and its
 * query stops. */

struct csv_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;
	int fd;		  /* the spool */
	uint64_t written; /* bytes in the spool */
	bool started, done, cancelled;
	int rc;
	struct err e;
	struct dash_ctx *dash;
	struct serve *srv;
	char board[ROUTE_NAME_MAX], tile[ROUTE_NAME_MAX];
	struct dash_param *params;
	char **strs;
	size_t n;
	char *logpath;
	double t0;
};

static void csv_unref(struct csv_job *j)
{
	pthread_mutex_lock(&j->mu);
	bool last = --j->refs == 0;
	pthread_mutex_unlock(&j->mu);
	if (!last)
		return;
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < 2 * j->n; i++)
		free(j->strs[i]);
	free(j->strs);
	free(j->params);
	free(j->logpath);
	err_clear(&j->e);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* An unlinked temporary file for a spool (TMPDIR, else /tmp), or -1. */
static int spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	char *path = xasprintf("%s/ingot-csv-XXXXXX", dir);
	int f = mkostemp(path, O_CLOEXEC);
	if (f >= 0)
		unlink(path);
	free(path);
	return f;
}

static int csv_write(void *arg, const char *p, size_t n)
{
	struct csv_job *j = arg;
	pthread_mutex_lock(&j->mu);
	bool stop = j->cancelled;
	pthread_mutex_unlock(&j->mu);
	if (stop)
		return -1; /* the client went away: the query stops */
	size_t left = n;
	while (left) {
		ssize_t w = write(j->fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1; /* the spool's disk is full */
		p += w;
		left -= (size_t)w;
	}
	pthread_mutex_lock(&j->mu);
	j->written += n;
	j->started = true;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return 0;
}

static void *csv_main(void *arg)
{
	struct csv_job *j = arg;
	int rc = dash_tile_csv(j->dash, j->board, j->tile, j->params, j->n, csv_write, j, &j->e);
	pthread_mutex_lock(&j->mu);
	j->rc = rc;
	j->done = true;
	if (rc && j->started && j->e.msg)
		log_warn("%s: the CSV export stopped: %s", j->logpath, j->e.msg);
	else if (!rc)
		log_info("%s: CSV export spooled: %llu bytes in %.0f ms (the warehouse is free again)",
			 j->logpath, (unsigned long long)j->written, (mono_seconds() - j->t0) * 1000);
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	struct serve *s = j->srv;
	csv_unref(j);
	atomic_fetch_sub(&s->producers, 1); /* last: serve_stop waits for it */
	return NULL;
}

static ssize_t csv_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct csv_job *j = cls;
	pthread_mutex_lock(&j->mu);
	while (j->written <= pos && !j->done)
		pthread_cond_wait(&j->cv, &j->mu);
	uint64_t avail = j->written > pos ? j->written - pos : 0;
	int rc = j->rc;
	pthread_mutex_unlock(&j->mu);
	if (!avail)
		/* an error after the first bytes: no final chunk, so the
		 * client sees a broken transfer rather than a short file */
		return rc ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
	for (;;) {
		ssize_t n = pread(j->fd, out, avail < max ? (size_t)avail : max, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void csv_free(void *cls)
{
	struct csv_job *j = cls;
	pthread_mutex_lock(&j->mu);
	j->cancelled = true; /* the producer's next write fails: it stops */
	pthread_mutex_unlock(&j->mu);
	csv_unref(j);
}

static enum MHD_Result api_tile_csv(struct serve_req *r)
{
	struct params p;
	if (!get_params(r, &p))
		return answer_error(r, 400, "too many query parameters");
	struct csv_job *j = xcalloc(1, sizeof(*j));
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->refs = 2;
	j->dash = r->srv->dash;
	j->srv = r->srv;
	j->t0 = mono_seconds();
	snprintf(j->board, sizeof(j->board), "%s", r->rt.board);
	snprintf(j->tile, sizeof(j->tile), "%s", r->rt.name);
	j->n = p.n;
	j->params = xcalloc(p.n + 1, sizeof(*j->params));
	j->strs = xcalloc(2 * p.n + 1, sizeof(char *));
	for (size_t i = 0; i < p.n; i++) {
		j->params[i].name = j->strs[2 * i] = xstrdup(p.v[i].name);
		j->params[i].value = j->strs[2 * i + 1] = xstrdup(p.v[i].value);
	}
	j->logpath = xstrdup(r->logpath ? r->logpath : "");
	j->fd = spool_open();
	if (j->fd < 0) {
		int en = errno;
		j->refs = 1;
		csv_unref(j);
		log_warn("%s: cannot create the CSV spool file: %s", r->logpath ? r->logpath : "?", strerror(en));
		return answer_error(r, 503, "cannot start the export (no temporary file: check TMPDIR): try again");
	}
	pthread_t t;
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	atomic_fetch_add(&r->srv->producers, 1);
	int pe = log_thread_create(&t, &at, csv_main, j);
	pthread_attr_destroy(&at);
	if (pe) {
		atomic_fetch_sub(&r->srv->producers, 1);
		j->refs = 1;
		csv_unref(j);
		return answer_error(r, 503, "cannot start the export (no thread): try again");
	}
	pthread_mutex_lock(&j->mu);
	while (!j->started && !j->done)
		pthread_cond_wait(&j->cv, &j->mu);
	bool failed = !j->started && j->rc;
	pthread_mutex_unlock(&j->mu);
	if (failed) {
		struct err e = ERR_INIT;
		err_move(&e, &j->e);
		int rc = j->rc;
		csv_free(j);
		return answer_err(r, rc, &e);
	}
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, csv_read, j, csv_free);
	if (!resp) {
		csv_free(j);
		return MHD_NO;
	}
	char disp[ROUTE_NAME_MAX + 64];
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.csv\"", r->rt.name);
	MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return queue(r, 200, resp);
}

/* ---- the data pages, /metrics, the OpenAPI document ---- */

static enum MHD_Result api_data(struct serve_req *r)
{
	struct params p;
	if (!get_params(r, &p))
		return answer_error(r, 400, "too many query parameters");
	struct serve_out out = {.type = NULL, .body = BUF_INIT};
	struct err e = ERR_INIT;
	int rc = serve_data_answer(r->srv->data, &r->rt, p.v, p.n, &out, &e);
	if (rc) {
		buf_free(&out.body);
		return answer_err(r, rc, &e);
	}
	size_t n = 0;
	char *data = buf_detach(&out.body, &n);
	return answer_bytes(r, 200, out.type, data, n, NULL, "no-store", out.disposition);
}

static enum MHD_Result answer_metrics(struct serve_req *r)
{
	struct buf b = BUF_INIT;
	struct err e = ERR_INIT;
	int rc = serve_metrics_text(r->srv->metrics, r->srv->data, r->srv->dash, &b, &e);
	if (rc) {
		buf_free(&b);
		return answer_err(r, rc, &e);
	}
	return answer_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}

static enum MHD_Result answer_openapi(struct serve_req *r)
{
	struct err e = ERR_INIT;
	const char *doc = serve_openapi_json(&e);
	if (!doc)
		return answer_err(r, ING_EFAIL, &e);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(doc), (void *)(uintptr_t)doc, MHD_RESPMEM_PERSISTENT);
	if (resp) {
		MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
	}
	return queue(r, 200, resp);
}

/* ---- sessions, /me, login, logout ---- */

static void set_cookie(struct serve_req *r, const char *id, bool clear)
{
	if (clear)
		snprintf(r->set_cookie, sizeof(r->set_cookie),
			 SESSION_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	else
		snprintf(r->set_cookie, sizeof(r->set_cookie),
			 SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld", id,
			 (long long)(SESSION_IDLE_US / 1000000));
}

static void load_session(struct serve_req *r)
{
	const char *ck = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Cookie");
	char id[SESSION_ID_HEX + 1];
	if (ck && serve_cookie_get(ck, SESSION_COOKIE, id, sizeof(id)))
		r->have_session = serve_sessions_get(r->srv->sessions, id, now_us(), &r->sess);
}

int serve_require_role(const struct serve_req *r, enum serve_role min)
{
	if (!r->srv->users)
		return 0;
	if (!r->have_session || !r->sess.user[0])
		return 401;
	return r->sess.role >= min ? 0 : 403;
}

static enum MHD_Result answer_me(struct serve_req *r)
{
	struct buf b = BUF_INIT;
	struct jw w;
	jw_init(&w, &b, false);
	jw_obj_begin(&w);
	jw_key(&w, "user");
	jw_str(&w, r->sess.user[0] ? r->sess.user : NULL);
	jw_key(&w, "role");
	jw_str(&w, r->sess.user[0] ? serve_role_name(r->sess.role) : NULL);
	jw_key(&w, "auth");
	jw_bool(&w, r->srv->users != NULL);
	jw_key(&w, "csrf");
	jw_str(&w, r->sess.csrf);
	jw_obj_end(&w);
	return answer_json(r, &b);
}

static enum MHD_Result api_me(struct serve_req *r)
{
	if (!r->have_session) { /* an anonymous session: a CSRF token for the page's POSTs */
		serve_sessions_create(r->srv->sessions, "", SERVE_ROLE_NONE, now_us(), &r->sess);
		r->have_session = true;
		set_cookie(r, r->sess.id, false);
	}
	return answer_me(r);
}

static void client_addr(struct serve_req *r, char *out, size_t cap)
{
	snprintf(out, cap, "?");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (getnameinfo(sa, len, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST))
		snprintf(out, cap, "?");
}

static enum MHD_Result api_login(struct serve_req *r)
{
	struct serve *s = r->srv;
	if (!s->users)
		return answer_error(r, 400, "login is off: this server runs without --auth");
	char addr[64];
	client_addr(r, addr, sizeof(addr));
	int64_t now = now_us();
	if (serve_ratelimit_blocked(s->rl, addr, now))
		return answer_error(r, 429, "too many failed logins: wait a minute and try again");
	json_error_t je;
	json_t *j = json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &je);
	const char *user = NULL, *pw = NULL;
	size_t pwlen = 0;
	if (j && json_is_object(j)) {
		user = json_string_value(json_object_get(j, "user"));
		json_t *pj = json_object_get(j, "password");
		pw = json_string_value(pj);
		pwlen = pj ? json_string_length(pj) : 0;
	}
	if (!user || !pw) {
		json_decref(j);
		return answer_error(r, 400, "the body must be JSON {\"user\": \"...\", \"password\": \"...\"}");
	}
	const struct serve_user *u = serve_users_find(s->users, user);
	bool ok = serve_verify_password(u ? u->hash : serve_dummy_hash(), pw, pwlen) && u;
	if (!ok) {
		serve_ratelimit_fail(s->rl, addr, now);
		char shown[65]; /* the name as typed, without control characters (no forged log lines) */
		size_t k = 0;
		const char *p = user;
		for (; *p && k < sizeof(shown) - 1; p++)
			shown[k++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
		while (k && ((unsigned char)*p & 0xC0) == 0x80) /* cut at a character boundary */
			p--, k--;
		shown[k] = 0;
		log_info("login failed for '%s' from %s", shown, addr);
		json_decref(j);
		return answer_error(r, 401, "wrong user name or password");
	}
	/* a new id at login: a session id known before it is worth nothing */
	if (r->have_session)
		serve_sessions_delete(s->sessions, r->sess.id);
	serve_sessions_create(s->sessions, u->name, u->role, now, &r->sess);
	r->have_session = true;
	set_cookie(r, r->sess.id, false);
	log_info("login: '%s' (%s) from %s", u->name, serve_role_name(u->role), addr);
	json_decref(j);
	return answer_me(r);
}

static enum MHD_Result api_logout(struct serve_req *r)
{
	serve_sessions_delete(r->srv->sessions, r->sess.id);
	r->have_session = false;
	set_cookie(r, NULL, true);
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\"ok\":true}");
	return answer_json(r, &b);
}

/* ------------------------------------------------------------ dispatch */

static enum MHD_Result dispatch(struct serve_req *r, const char *method)
{
	struct serve *s = r->srv;
	enum route_kind k = r->rt.kind;
	load_session(r);
	const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	if (s->users && authz && !strncasecmp(authz, "Bearer ", 7)) {
		/* a script: the token stands for a user of the --auth file */
		const char *tname = NULL;
		const struct serve_user *u = serve_token_find(s->users, authz + 7, &tname);
		if (!u)
			return answer_error(r, 401, "unknown bearer token (see tokens: in the --auth file)");
		memset(&r->sess, 0, sizeof(r->sess));
		snprintf(r->sess.user, sizeof(r->sess.user), "%s", u->name);
		r->sess.role = u->role;
		r->have_session = true;
		r->bearer = true;
		log_debug("bearer token '%s' (user '%s')", tname ? tname : "?", u->name);
	}
	if (!strcmp(method, "POST") && !r->bearer) {
		const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
		const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
		if (!serve_origin_ok(origin, host))
			return answer_error(r, 403, "cross-origin request refused (Origin does not match Host)");
		const char *tok = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
		if (!r->have_session || !serve_token_equal(tok, r->sess.csrf))
			return answer_error(r, 403,
					    "missing or wrong X-CSRF-Token: take the csrf of GET /api/v1/me");
	}
	if (s->users && serve_route_is_api(k) && k != RT_ME && k != RT_LOGIN && k != RT_HEALTHZ &&
	    k != RT_API_NOT_FOUND) {
		int st = serve_require_role(r, SERVE_ROLE_VIEWER);
		if (st)
			return serve_refuse(r, st, "your role may not do this");
	}
	switch (k) {
	case RT_INDEX:
		return answer_asset(r, "index.html");
	case RT_ASSET:
		return answer_asset(r, r->rt.asset);
	case RT_FAVICON:
		return answer_asset(r, "favicon.svg");
	case RT_HEALTHZ: {
		struct buf b = BUF_INIT;
		buf_puts(&b, "{\"ok\":true}");
		return answer_json(r, &b);
	}
	case RT_LIST:
		return api_list(r);
	case RT_SPEC:
		return api_spec(r);
	case RT_TILE:
		return api_tile(r);
	case RT_TILE_CSV:
		return api_tile_csv(r);
	case RT_FILTER_VALUES:
		return api_filter_values(r);
	case RT_ME:
		return api_me(r);
	case RT_LOGIN:
		return api_login(r);
	case RT_LOGOUT:
		return api_logout(r);
	case RT_LOADS:
	case RT_LOAD_TABLE:
	case RT_REJECTS:
	case RT_REJECTS_CSV:
	case RT_QUALITY:
	case RT_CATALOG_SEARCH:
	case RT_CATALOG_NODE:
	case RT_CATALOG_LINEAGE:
	case RT_TEST_FAILURES:
		return api_data(r);
	case RT_METRICS:
		return answer_metrics(r);
	case RT_OPENAPI:
		return answer_openapi(r);
	case RT_PIPELINES:
	case RT_PIPELINE:
	case RT_PIPELINE_RUNS:
	case RT_PIPELINE_ACTION:
	case RT_RUN:
	case RT_RUN_ACTION:
	case RT_TASK_CLEAR:
	case RT_TASK_LOG:
	case RT_TASK_LOG_STREAM:
	case RT_EVENTS:
	case RT_AUDIT:
		if (!s->pl)
			return answer_error(r, 404, "no pipelines here: this server has no project");
		return (enum MHD_Result)serve_pl_dispatch(r);
	case RT_API_NOT_FOUND:
		return answer_error(r, 404, "no such API route");
	case RT_NOT_FOUND:
	default:
		return answer_error(r, 404, "not found");
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct serve_req *r = *con_cls;
	if (!r)
		return MHD_NO; /* the URI callback always sets it */
	r->conn = conn;
	if (!r->started) {
		r->started = true; /* in flight until on_completed (drain waits for it) */
		snprintf(r->method, sizeof(r->method), "%s", method);
		for (char *m = r->method; *m; m++)
			if (*m < 'A' || *m > 'Z')
				*m = '?';
		atomic_fetch_add(&r->srv->inflight, 1);
		if (r->url_too_long)
			return answer_error(r, 414, "the URL is too long");
		if (r->nul_in_path) /* "%00": a C string would end there */
			return answer_error(r, 400, "the path holds a NUL byte (%00)");
		serve_route_parse(url, &r->rt);
		const char *allow;
		if (!serve_route_method_ok(r->rt.kind, method, &allow)) {
			if (r->rt.kind == RT_NOT_FOUND || r->rt.kind == RT_API_NOT_FOUND)
				return answer_error(r, 404, "not found");
			struct buf b = BUF_INIT;
			buf_printf(&b, "{\"error\":\"method %s is not allowed here (allowed: %s)\"}",
				   strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "PUT") &&
						   strcmp(method, "DELETE") && strcmp(method, "PATCH") &&
						   strcmp(method, "OPTIONS") && strcmp(method, "HEAD")
					   ? "(other)"
					   : method,
				   allow);
			size_t n;
			char *p = buf_detach(&b, &n);
			struct MHD_Response *resp = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
			if (resp) {
				MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
				MHD_add_response_header(resp, "Allow", allow);
			}
			return queue(r, 405, resp);
		}
		/* answer on the next call, once the whole request is in: an
		 * answer queued before that closes the connection (no keep-alive) */
		if (strcmp(method, "POST"))
			return MHD_YES;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > SERVE_BODY_MAX)
			return answer_error(r, 413, "the request body is too large (at most 16 KiB)");
		return MHD_YES; /* the body comes next */
	}
	if (r->status)
		return MHD_YES; /* answered already: the rest of the body is dropped */
	if (*upload_size) {
		/* past the limit the rest is read and dropped (libmicrohttpd
		 * takes no answer in the middle of a body); 413 at its end */
		if (r->body_too_big || r->body.len + *upload_size > SERVE_BODY_MAX)
			r->body_too_big = true;
		else
			buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->body_too_big)
		return answer_error(r, 413, "the request body is too large (at most 16 KiB)");
	return dispatch(r, method);
}

/* The raw URL, before anything else: its length and the access log's path. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct serve *s = cls;
	struct serve_req *r = xcalloc(1, sizeof(*r));
	r->srv = s;
	r->conn = conn;
	r->t0 = mono_seconds();
	size_t n = uri ? strlen(uri) : 0;
	r->url_too_long = n > SERVE_URL_MAX;
	struct buf b = BUF_INIT;
	const char *q = uri ? strchr(uri, '?') : NULL;
	size_t pl = q ? (size_t)(q - uri) : n;
	for (size_t i = 0; i + 2 < pl && !r->nul_in_path; i++)
		r->nul_in_path = uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0';
	if (pl > 512)
		pl = 512;
	buf_add(&b, uri ? uri : "", pl);
	if (q) { /* names only: values may be personal (filters) */
		int k = 0;
		for (const char *p = q + 1; *p && k < 32; k++) {
			const char *amp = strchr(p, '&'), *eq = strchr(p, '=');
			size_t l = amp ? (size_t)(amp - p) : strlen(p);
			if (eq && eq < p + l)
				l = (size_t)(eq - p);
			if (l > 64)
				l = 64;
			buf_putc(&b, k ? '&' : '?');
			buf_add(&b, p, l);
			if (!amp)
				break;
			p = amp + 1;
		}
	}
	/* no control characters in the log */
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = '?';
	r->logpath = buf_detach(&b, NULL);
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct serve *s = cls;
	struct serve_req *r = *con_cls;
	if (!r)
		return;
	*con_cls = NULL;
	const char *method = r->method[0] ? r->method : "-";
	long long us = (long long)((mono_seconds() - r->t0) * 1e6);
	if (r->status && r->started)
		serve_metrics_observe(s->metrics, r->rt.kind, (double)us / 1e6);
	if (r->status)
		log_info("http %s %s %d %lldus%s", method, r->logpath, r->status, us,
			 why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	else
		log_info("http %s %s - %lldus (closed: %s)", method, r->logpath, us,
			 why == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout" : "no answer");
	buf_free(&r->body);
	free(r->logpath);
	if (r->started)
		atomic_fetch_sub(&s->inflight, 1);
	free(r);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = 0;
	log_debug("http: %s", msg);
}

/* ------------------------------------------------------------ start/stop */

bool serve_is_loopback(const char *addr)
{
	if (!addr)
		return true;
	if (!strcmp(addr, "localhost"))
		return true;
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) ||
		       (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

int serve_start(struct dash_ctx *d, const struct serve_opts *o, struct serve **out, struct err *e)
{
	const char *bind = o->bind ? o->bind : "127.0.0.1";
	if (!strcmp(bind, "localhost"))
		bind = "127.0.0.1";
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	bool v6 = false;
	if (o->port < 0 || o->port > 65535)
		return err_set(e, ING_EINVAL, "--port %d: use 0 (any free port) to 65535", o->port);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, bind, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)o->port);
	} else if (inet_pton(AF_INET6, bind, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)o->port);
		v6 = true;
	} else {
		return err_set(e, ING_EINVAL, "--bind %s: give a numeric IPv4 or IPv6 address (e.g. 127.0.0.1)",
			       bind);
	}
	struct serve *s = xcalloc(1, sizeof(*s));
	s->dash = d;
	s->users = o->users;
	int rc = serve_assets_open(o->web_dir, &s->assets, e);
	if (rc) {
		free(s);
		return rc;
	}
	if (o->project_dir) {
		/* SSE keepalives well inside the idle timeout */
		int ka = (int)(o->timeout_s > 0 ? o->timeout_s : 15) * 1000 / 2;
		if ((rc = serve_pl_open(o->project_dir, ka > 10000 ? 10000 : ka, &s->pl, e))) {
			serve_assets_close(s->assets);
			free(s);
			return rc;
		}
	}
	s->sessions = serve_sessions_new();
	s->rl = serve_ratelimit_new();
	s->data = serve_data_new(d);
	s->metrics = serve_metrics_new();
	signal(SIGPIPE, SIG_IGN);
	unsigned threads = (unsigned)(o->threads > 0 ? o->threads : 4);
	unsigned conns = (unsigned)(o->max_connections > 0 ? o->max_connections : 256);
	unsigned timeout = (unsigned)(o->timeout_s > 0 ? o->timeout_s : 15);
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	if (v6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(
		flags, (uint16_t)o->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT, conns,
		MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)SERVE_MEMORY_LIMIT, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
	/* (no MHD_OPTION_LISTENING_ADDRESS_REUSE: on Linux it is SO_REUSEPORT,
	 * which would let a second server share the port silently) */
	if (!s->mhd) {
		int errn = errno;
		serve_data_free(s->data);
		serve_metrics_free(s->metrics);
		serve_ratelimit_free(s->rl);
		serve_sessions_free(s->sessions);
		serve_assets_close(s->assets);
		serve_pl_shutdown(s->pl);
		serve_pl_free(s->pl);
		free(s);
		return err_set(e, ING_EIO, "cannot listen on %s port %d: %s (is another server on it? try --port 0)",
			       bind, o->port, errn ? strerror(errn) : "libmicrohttpd refused to start");
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : o->port;
	*out = s;
	return 0;
}

int serve_port(const struct serve *s)
{
	return s ? s->port : 0;
}

void serve_stop(struct serve *s, int64_t grace_us)
{
	if (!s)
		return;
	MHD_socket ls = MHD_quiesce_daemon(s->mhd);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
	serve_pl_shutdown(s->pl); /* event streams end: they would never drain */
	double until = mono_seconds() + (double)grace_us / 1e6;
	int left;
	while ((left = atomic_load(&s->inflight)) > 0 && mono_seconds() < until) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (left > 0)
		log_warn("http: %d request(s) still running after the grace period: stopping anyway", left);
	MHD_stop_daemon(s->mhd);
	/* a CSV producer whose client is gone stops at its next write; one
	 * still inside its query stops at the statement timeout at the latest.
	 * The dash context must outlive them all. */
	for (int i = 0; atomic_load(&s->producers) > 0; i++) {
		if (i == 250)
			log_warn("http: waiting for %d CSV export(s) to stop", atomic_load(&s->producers));
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	serve_data_free(s->data);
	serve_metrics_free(s->metrics);
	serve_ratelimit_free(s->rl);
	serve_sessions_free(s->sessions);
	serve_assets_close(s->assets);
	serve_pl_free(s->pl);
	free(s);
}

/* ------------------------------------------------------------ for api_pipelines.c */

int serve_answer_json(struct serve_req *r, int status, struct buf *b)
{
	return answer_buf(r, status, "application/json; charset=utf-8", b);
}

int serve_answer_error(struct serve_req *r, int status, const char *msg)
{
	return answer_error(r, status, msg);
}

int serve_refuse(struct serve_req *r, int status, const char *why)
{
	return answer_error(r, status, status == 401 ? "log in first (POST /api/v1/login)" : why);
}

int serve_answer_err(struct serve_req *r, int rc, struct err *e)
{
	return answer_err(r, rc, e);
}

int serve_answer_response(struct serve_req *r, int status, struct MHD_Response *resp)
{
	return queue(r, status, resp);
}

struct MHD_Connection *serve_req_conn(struct serve_req *r)
{
	return r->conn;
}

const struct serve_route *serve_req_route(const struct serve_req *r)
{
	return &r->rt;
}

const char *serve_req_body(const struct serve_req *r, size_t *n)
{
	*n = r->body.len;
	return r->body.data ? r->body.data : "";
}

void serve_req_who(const struct serve_req *r, const char **user, const char **role)
{
	bool named = r->have_session && r->sess.user[0];
	*user = named ? r->sess.user : "";
	*role = named ? serve_role_name(r->sess.role) : r->srv->users ? "" : "admin";
}

struct serve_pl *serve_req_pl(const struct serve_req *r)
{
	return r->srv->pl;
}
#endif /* HAVE_LIBMICROHTTPD */
