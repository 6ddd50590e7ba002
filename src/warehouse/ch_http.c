/*
 * warehouse/ch_http.c — the `mode: http` transport of the ClickHouse
 * adapter: one statement per POST to the server's HTTP interface, with
 * libcurl (see ch_http.h for the contract).
 *
 * A handle is one CURL easy handle, reset and reused for every statement so
 * libcurl keeps the connection alive between them. Per statement we build
 * the URL (query_id, database, the profile's settings, compression), set
 * the credentials as headers, stream the body through a read callback, and
 * pass the answer to the sink through a write callback that holds back the
 * last CH_HTTP_HOLD bytes: ClickHouse reports an exception raised after it
 * began to stream by appending its text to the answer under a 200, and
 * holding the tail lets us cut that text off and report it instead of
 * handing it over as rows.
 *
 * Cancel sends `KILL QUERY WHERE query_id = '...' ASYNC` on a fresh easy
 * handle (the running one is busy in another thread) and sets a flag the
 * progress callback of the running transfer sees, so exec returns at once
 * even when the server is slow to notice the kill.
 *
 * Not here: the native TCP protocol (the HTTP interface is the one that
 * every deployment exposes, proxies understand and TLS terminates), SQL
 * generation and formats (clickhouse.c), connection pools (one handle per
 * wh_conn, as for PostgreSQL), retries (a statement is retried by whoever
 * knows it is idempotent).
 */
#include "warehouse/ch_http.h"

#include "core/mem.h"
#include "warehouse/adapter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBCURL

#include <curl/curl.h>

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define ERR_BODY_MAX (64u * 1024u) /* of an error answer, what we keep */
#define CONNECT_TIMEOUT_MS 10000L

struct ch_http {
	CURL *curl;
	char *base;	/* "http://host:port/" */
	char *hostport; /* for messages */
	char *user, *password;
	struct buf params; /* "&database=...&k=v..." URL-encoded, fixed per handle */
	long timeout_ms;
	pthread_mutex_t mu; /* guards query_id and running against cancel */
	char query_id[64];
	bool running;
	atomic_bool cancelled;
};

/* One statement's state, shared by the callbacks. */
struct xfer {
	struct ch_http *h;
	ch_body_fn body;
	void *body_ud;
	struct buf chunk;
	size_t chunk_off;
	bool body_done;
	int body_rc;
	ch_sink_fn sink;
	void *sink_ud;
	int sink_rc;
	long status; /* 0 until the headers are in */
	struct buf hold;    /* 200: the answer's unsent tail; else: the error body */
	size_t delivered;   /* bytes passed to sink */
	char exc_code[16];  /* X-ClickHouse-Exception-Code */
	struct err *e;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- handle ------------------------------------------------------------- */

static bool setting_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

static void add_param(struct buf *b, CURL *c, const char *name, size_t nlen, const char *val)
{
	char *ev = curl_easy_escape(c, val, 0);
	buf_putc(b, '&');
	buf_add(b, name, nlen);
	buf_putc(b, '=');
	buf_puts(b, ev ? ev : "");
	curl_free(ev);
}

static bool has_setting(const char *const *settings, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; settings && settings[i]; i++)
		if (!strncmp(settings[i], name, n) && settings[i][n] == '=')
			return true;
	return false;
}

int ch_http_open(const struct ch_http_opts *o, struct ch_http **out, struct err *e)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return err_set(e, ING_EIO, "ClickHouse over HTTP: libcurl could not be initialised (%s)",
			       curl_easy_strerror(curl_init_rc));
	const char *host = o->host && *o->host ? o->host : "127.0.0.1";
	int port = o->port > 0 ? o->port : o->secure ? 8443 : 8123;
	struct ch_http *h = xcalloc(1, sizeof(*h));
	int rc = 0;
	pthread_mutex_init(&h->mu, NULL);
	atomic_init(&h->cancelled, false);
	h->curl = curl_easy_init();
	if (!h->curl) {
		rc = err_set(e, ING_ENOMEM, "ClickHouse over HTTP: curl_easy_init failed");
		goto out;
	}
	bool v6 = strchr(host, ':') && host[0] != '[';
	h->hostport = xasprintf(v6 ? "[%s]:%d" : "%s:%d", host, port);
	h->base = xasprintf("%s://%s/", o->secure ? "https" : "http", h->hostport);
	h->user = xstrdup(o->user && *o->user ? o->user : "default");
	h->password = xstrdup(o->password ? o->password : "");
	h->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 0;
	if (o->database && *o->database)
		add_param(&h->params, h->curl, "database", 8, o->database);
	for (size_t i = 0; o->settings && o->settings[i]; i++) {
		const char *s = o->settings[i], *eq = strchr(s, '=');
		if (!eq || !setting_name_ok(s, (size_t)(eq - s))) {
			rc = err_set(e, ING_ECONFIG,
				     "ClickHouse setting '%s' is not name=value (name of letters, digits "
				     "and _): fix the settings of the target in profiles.yml",
				     s);
			goto out;
		}
		add_param(&h->params, h->curl, s, (size_t)(eq - s), eq + 1);
	}
	if (!has_setting(o->settings, "wait_end_of_query"))
		buf_puts(&h->params, "&wait_end_of_query=1");
	if (!has_setting(o->settings, "enable_http_compression"))
		buf_puts(&h->params, "&enable_http_compression=1");
out:
	if (rc < 0) {
		ch_http_close(h);
		return rc;
	}
	*out = h;
	return 0;
}

void ch_http_close(struct ch_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->password)
		memset(h->password, 0, strlen(h->password));
	free(h->password);
	free(h->user);
	free(h->base);
	free(h->hostport);
	buf_free(&h->params);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

const char *ch_http_last_query_id(struct ch_http *h)
{
	return h->query_id;
}

/* ---- the server's exception ---------------------------------------------- */

/* Where an exception text starts in p[0..n): the first line "Code:
 * <digits>[.,] ..." that names "DB::" and "Exception" on that line. n if
 * none. (A row of data that looks exactly like that, within the answer's
 * last CH_HTTP_HOLD bytes, would be taken for an error: the HTTP interface
 * offers nothing better for servers without exception headers.) */
static size_t find_exception(const char *p, size_t n)
{
	for (size_t i = 0; i + 8 < n; i++) {
		if (i > 0 && p[i - 1] != '\n')
			continue;
		if (memcmp(p + i, "Code: ", 6) != 0)
			continue;
		size_t j = i + 6;
		while (j < n && isdigit((unsigned char)p[j]))
			j++;
		if (j == i + 6 || j >= n || (p[j] != '.' && p[j] != ','))
			continue;
		const char *eol = memchr(p + j, '\n', n - j);
		size_t end = eol ? (size_t)(eol - p) : n;
		const char *db = memmem(p + j, end - j, "DB::", 4);
		if (db && memmem(db, end - (size_t)(db - p), "Exception", 9))
			return i;
	}
	return n;
}

/* What to do, by ClickHouse error code (ErrorCodes.cpp). */
static const char *hint_for(int code)
{
	switch (code) {
	case 192: /* UNKNOWN_USER */
	case 193: /* WRONG_PASSWORD */
	case 194: /* REQUIRED_PASSWORD */
	case 516: /* AUTHENTICATION_FAILED */
		return "check user and the password (its env var) of the target in profiles.yml";
	case 195: /* IP_ADDRESS_NOT_ALLOWED */
		return "the server's users.xml does not allow this address for the user";
	case 81: /* UNKNOWN_DATABASE */
		return "create the database, or fix database: of the target in profiles.yml";
	case 60: /* UNKNOWN_TABLE */
		return "the table does not exist: load or build it first";
	case 62: /* SYNTAX_ERROR */
	case 46: /* UNKNOWN_FUNCTION */
		return "fix the SQL (functions and syntax must exist in this server's version)";
	case 115: /* UNKNOWN_SETTING */
		return "the server does not know a setting ingot sends: it is older than ingot "
		       "supports (see the README), or remove the setting from the target";
	case 159: /* TIMEOUT_EXCEEDED */
		return "the statement ran longer than max_execution_time: raise it or narrow the query";
	case 210: /* NETWORK_ERROR */
	case 279: /* ALL_CONNECTION_TRIES_FAILED */
		return "a server of the cluster is unreachable: check that every shard is running";
	case 241: /* MEMORY_LIMIT_EXCEEDED */
		return "the server ran out of memory for this statement: raise max_memory_usage or "
		       "split the work";
	case 394: /* QUERY_WAS_CANCELLED */
		return "the statement was cancelled";
	default:
		return "see the server's message above (and its log for details)";
	}
}

static size_t to_buf(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t len = size * n;
	if (b->len + len > 256)
		return 0;
	buf_add(b, p, len);
	return len;
}

static void set_common(struct ch_http *h, CURL *c, struct curl_slist **hdrs);

/* The server's version, asked without any setting (for the message of an
 * unknown setting: an old server refuses every statement that names one,
 * SELECT version() included). "" when it cannot be had. */
static void probe_version(struct ch_http *h, char *out, size_t cap)
{
	out[0] = '\0';
	CURL *c = curl_easy_init();
	if (!c)
		return;
	struct curl_slist *hdrs = NULL;
	struct buf b = BUF_INIT;
	set_common(h, c, &hdrs);
	curl_easy_setopt(c, CURLOPT_URL, h->base);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "SELECT version()");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, CONNECT_TIMEOUT_MS);
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK &&
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200) {
		size_t n = strcspn(buf_cstr(&b), "\r\n");
		snprintf(out, cap, "%.*s", (int)n, buf_cstr(&b));
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	buf_free(&b);
}

/* Record the server's exception text as the error. */
static int server_error(struct xfer *x, const char *text, size_t n)
{
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	char *msg = xstrndup(text, n);
	int code = x->exc_code[0] ? atoi(x->exc_code) : 0;
	if (!code && !strncmp(msg, "Code: ", 6))
		code = atoi(msg + 6);
	wh__redact(msg, x->h->password);
	int ing = code == 394 && atomic_load(&x->h->cancelled) ? ING_ECANCELED : ING_EDB;
	char ver[64] = "";
	if (code == 115)
		probe_version(x->h, ver, sizeof(ver));
	if (ver[0]) {
		char *m2 = xasprintf("%s (the server is ClickHouse %s)", msg, ver);
		free(msg);
		msg = m2;
	}
	if (x->status == 200)
		err_set(x->e, ing,
			"ClickHouse at %s failed after %zu bytes of the answer (query_id %s): %s; %s",
			x->h->hostport, x->delivered, x->h->query_id, msg, hint_for(code));
	else if (n)
		err_set(x->e, ing, "ClickHouse at %s (HTTP %ld, query_id %s): %s; %s", x->h->hostport,
			x->status, x->h->query_id, msg, hint_for(code));
	else
		err_set(x->e, ing,
			"ClickHouse at %s answered HTTP %ld with no message (query_id %s): is it a "
			"ClickHouse HTTP port? check host and port of the target in profiles.yml",
			x->h->hostport, x->status, x->h->query_id);
	free(msg);
	return ing;
}

/* ---- callbacks ----------------------------------------------------------- */

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	static const char name[] = "x-clickhouse-exception-code:";
	if (len > sizeof(name) - 1 && !strncasecmp(p, name, sizeof(name) - 1)) {
		size_t i = sizeof(name) - 1, k = 0;
		while (i < len && p[i] == ' ')
			i++;
		while (i < len && isdigit((unsigned char)p[i]) && k + 1 < sizeof(x->exc_code))
			x->exc_code[k++] = p[i++];
		x->exc_code[k] = '\0';
	}
	return len;
}

/* Pass all but the last CH_HTTP_HOLD held bytes to the sink. */
static int deliver(struct xfer *x, size_t keep)
{
	if (x->hold.len <= keep)
		return 0;
	size_t n = x->hold.len - keep;
	if (x->sink) {
		int rc = x->sink(x->sink_ud, x->hold.data, n, x->e);
		if (rc != 0)
			return rc;
	}
	x->delivered += n;
	memmove(x->hold.data, x->hold.data + n, keep);
	buf_truncate(&x->hold, keep);
	return 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	if (!x->status)
		curl_easy_getinfo(x->h->curl, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status != 200 || x->exc_code[0]) { /* an error answer: keep its start */
		size_t room = x->hold.len < ERR_BODY_MAX ? ERR_BODY_MAX - x->hold.len : 0;
		buf_add(&x->hold, p, len < room ? len : room);
		return len;
	}
	buf_add(&x->hold, p, len);
	if (x->hold.len >= 2 * CH_HTTP_HOLD) {
		int rc = deliver(x, CH_HTTP_HOLD);
		if (rc != 0) {
			x->sink_rc = rc;
			return 0; /* not len: curl stops with CURLE_WRITE_ERROR */
		}
	}
	return len;
}

static size_t on_read(char *dst, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t want = size * n;
	while (x->chunk_off >= x->chunk.len) {
		if (x->body_done)
			return 0;
		if (atomic_load(&x->h->cancelled))
			return CURL_READFUNC_ABORT;
		buf_reset(&x->chunk);
		x->chunk_off = 0;
		int rc = x->body(x->body_ud, &x->chunk, &x->body_done, x->e);
		if (rc != 0) {
			x->body_rc = rc;
			return CURL_READFUNC_ABORT;
		}
	}
	size_t take = x->chunk.len - x->chunk_off;
	if (take > want)
		take = want;
	memcpy(dst, x->chunk.data + x->chunk_off, take);
	x->chunk_off += take;
	return take;
}

static int on_progress(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	struct xfer *x = ud;
	return atomic_load(&x->h->cancelled) ? 1 : 0;
}

/* ---- exec ---------------------------------------------------------------- */

/* One counter for the process, not one per connection: the shards of a
 * sharded load open their connections in the same instant, and a per-handle
 * counter gave two of them the same id, which a server hosting both refuses
 * ("Query with id = ... is already running"). */
static atomic_ulong query_seq;

static void new_query_id(struct ch_http *h)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&h->mu);
	snprintf(h->query_id, sizeof(h->query_id), "ingot-%ld-%lx%05lx-%lu", (long)getpid(),
		 (unsigned long)ts.tv_sec, (unsigned long)(ts.tv_nsec / 10000) & 0xfffff,
		 atomic_fetch_add(&query_seq, 1) + 1);
	h->running = true;
	pthread_mutex_unlock(&h->mu);
}

/* The easy handle's options common to exec and cancel. */
static void set_common(struct ch_http *h, CURL *c, struct curl_slist **hdrs)
{
	char *u = xasprintf("X-ClickHouse-User: %s", h->user);
	char *k = xasprintf("X-ClickHouse-Key: %s", h->password);
	*hdrs = curl_slist_append(*hdrs, u);
	*hdrs = curl_slist_append(*hdrs, k);
	*hdrs = curl_slist_append(*hdrs, "Expect:"); /* no 100-continue round trip */
	memset(k, 0, strlen(k));
	free(u);
	free(k);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
}

static int transport_error(struct xfer *x, CURLcode cc, const char *cerr)
{
	struct ch_http *h = x->h;
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return err_set(x->e, ING_ECONNECT,
			       "cannot reach ClickHouse at %s: %s; is the server running? check host "
			       "and port of the target in profiles.yml",
			       h->hostport, cerr[0] ? cerr : curl_easy_strerror(cc));
	case CURLE_OPERATION_TIMEDOUT: {
		/* https to a port that speaks plain HTTP may never answer the
		 * TLS hello: the connect timeout ends it before any statement
		 * ran, so say it is TLS, not the statement */
		long tcp_port = 0;
		curl_off_t tls = 0;
		curl_easy_getinfo(h->curl, CURLINFO_LOCAL_PORT, &tcp_port);
		curl_easy_getinfo(h->curl, CURLINFO_APPCONNECT_TIME_T, &tls);
		if (!strncmp(h->base, "https:", 6) && tcp_port > 0 && tls == 0)
			return err_set(x->e, ING_ECONNECT,
				       "TLS with ClickHouse at %s failed: no TLS handshake within %ld "
				       "ms; check secure: (is the port an HTTPS port?) and the server's "
				       "certificate",
				       h->hostport, CONNECT_TIMEOUT_MS);
		if (tcp_port == 0) /* no TCP connection at all */
			return err_set(x->e, ING_ECONNECT,
				       "cannot reach ClickHouse at %s: no connection within %ld ms; is "
				       "the server running? check host and port of the target in "
				       "profiles.yml",
				       h->hostport, CONNECT_TIMEOUT_MS);
		return err_set(x->e, ING_ETIMEOUT,
			       "ClickHouse at %s did not finish the statement within %ld ms (query_id "
			       "%s): raise timeout_ms of the target in profiles.yml",
			       h->hostport, h->timeout_ms, h->query_id);
	}
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return err_set(x->e, ING_ECONNECT,
			       "TLS with ClickHouse at %s failed: %s; check secure: and the server's "
			       "certificate",
			       h->hostport, cerr[0] ? cerr : curl_easy_strerror(cc));
	default:
		return err_set(x->e, ING_ECONNECT,
			       "lost the connection to ClickHouse at %s (query_id %s, after %zu bytes "
			       "of the answer): %s; check that the server is running and see its log",
			       h->hostport, h->query_id, x->delivered,
			       cerr[0] ? cerr : curl_easy_strerror(cc));
	}
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	return size * n;
}

/* KILL QUERY qid on a connection of its own (the handle's may be busy in
 * another thread). No settings: an old server refuses unknown ones. */
static int kill_query(struct ch_http *h, const char *qid)
{
	CURL *c = curl_easy_init();
	if (!c)
		return ING_ENOMEM;
	struct curl_slist *hdrs = NULL;
	set_common(h, c, &hdrs);
	/* qid is ours: letters, digits and '-' only, nothing to quote */
	char *sql = xasprintf("KILL QUERY WHERE query_id = '%s' ASYNC", qid);
	curl_easy_setopt(c, CURLOPT_URL, h->base);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, sql);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, CONNECT_TIMEOUT_MS);
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	free(sql);
	return cc == CURLE_OK && status == 200 ? 0 : ING_ECONNECT;
}

int ch_http_exec(struct ch_http *h, const char *sql, ch_body_fn body, void *body_ud,
		 ch_sink_fn sink, void *sink_ud, struct err *e)
{
	struct xfer x = {.h = h, .body = body, .body_ud = body_ud, .sink = sink,
			 .sink_ud = sink_ud, .e = e};
	struct curl_slist *hdrs = NULL;
	struct buf url = BUF_INIT;
	char *esc = NULL;
	char cerr[CURL_ERROR_SIZE] = "";
	int rc = 0;
	CURL *c = h->curl;

	atomic_store(&h->cancelled, false);
	new_query_id(h);
	curl_easy_reset(c); /* keeps the live connection and caches */
	set_common(h, c, &hdrs);
	buf_printf(&url, "%s?query_id=%s%s", h->base, h->query_id, buf_cstr(&h->params));
	if (body) {
		/* the SQL in the URL, the rows in the body; see ch_http.h on the newline */
		size_t n = strlen(sql);
		while (n && isspace((unsigned char)sql[n - 1]))
			n--;
		esc = curl_easy_escape(c, sql, (int)n);
		buf_printf(&url, "&query=%s", esc ? esc : "");
		hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
		hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &x);
	} else {
		hdrs = curl_slist_append(hdrs, "Content-Type: text/plain; charset=UTF-8");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, sql);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(sql));
	}
	curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl can decode */
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	if (h->timeout_ms)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);

	CURLcode cc = curl_easy_perform(c);
	/* we left a statement the server may still be running (a server
	 * before 19.x does not stop a query when its client goes away) */
	if (cc == CURLE_OPERATION_TIMEDOUT || x.sink_rc != 0)
		kill_query(h, h->query_id);
	if (!x.status)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x.status);
	/* first the causes we know better than curl's code for them */
	size_t at = find_exception(x.hold.data ? x.hold.data : "", x.hold.len);
	if (x.body_rc != 0) {
		rc = x.body_rc;
	} else if (x.sink_rc != 0) {
		rc = x.sink_rc;
	} else if (atomic_load(&h->cancelled) && (cc != CURLE_OK || x.hold.len == 0)) {
		/* broken off by us: what arrived before says nothing */
		rc = err_set(e, ING_ECANCELED, "ClickHouse statement %s cancelled", h->query_id);
	} else if (x.status && (x.status != 200 || x.exc_code[0])) {
		/* the server's answer, even if the upload broke off when it sent it */
		rc = server_error(&x, x.hold.data ? x.hold.data : "", x.hold.len);
	} else if (cc != CURLE_OK && at == x.hold.len) {
		rc = transport_error(&x, cc, cerr);
	} else { /* complete, or broken off after the server's exception */
		bool exc = at < x.hold.len;
		if ((rc = deliver(&x, x.hold.len - at)) != 0)
			goto out;
		if (exc) /* x.hold is now the exception's text alone */
			rc = server_error(&x, x.hold.data, x.hold.len);
		else if (cc != CURLE_OK)
			rc = transport_error(&x, cc, cerr);
	}
out:
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	pthread_mutex_lock(&h->mu);
	h->running = false;
	pthread_mutex_unlock(&h->mu);
	curl_slist_free_all(hdrs); /* holds the password header */
	curl_free(esc);
	buf_free(&url);
	buf_free(&x.chunk);
	buf_free(&x.hold);
	return rc;
}

int ch_http_cancel(struct ch_http *h)
{
	char qid[sizeof(h->query_id)];
	pthread_mutex_lock(&h->mu);
	bool running = h->running;
	memcpy(qid, h->query_id, sizeof(qid));
	pthread_mutex_unlock(&h->mu);
	if (!running)
		return 0;
	atomic_store(&h->cancelled, true);
	return kill_query(h, qid);
}

/* ---- the ch_transport vtable (ch_transport.h) ----------------------------- */

static int t_exec(struct ch_transport *t, const char *sql, ch_body_fn body, void *body_ud,
		  ch_sink_fn sink, void *sink_ud, struct err *e)
{
	return ch_http_exec(t->impl, sql, body, body_ud, sink, sink_ud, e);
}

static int t_cancel(struct ch_transport *t)
{
	return ch_http_cancel(t->impl);
}

static void t_close(struct ch_transport *t)
{
	if (!t)
		return;
	ch_http_close(t->impl);
	free(t);
}

static const struct ch_transport_ops http_ops = {
	.name = "http",
	.exec = t_exec,
	.cancel = t_cancel,
	.close = t_close,
};

int ch_http_transport_open(const struct ch_conn_opts *o, struct ch_transport **out,
			   struct err *e)
{
	struct ch_http_opts ho = {
		.host = o->host, .port = o->port, .secure = o->secure, .user = o->user,
		.password = o->password, .database = o->database, .settings = o->settings,
		.timeout_ms = o->timeout_ms,
	};
	struct ch_http *h = NULL;
	int rc = ch_http_open(&ho, &h, e);
	if (rc < 0)
		return rc;
	struct ch_transport *t = xcalloc(1, sizeof(*t));
	t->ops = &http_ops;
	t->impl = h;
	*out = t;
	return 0;
}

#else /* !HAVE_LIBCURL */

/* Built without libcurl: every entry point says how to get the transport. */
#define NO_CURL                                                                          \
	"ClickHouse over HTTP needs libcurl, and this ingot was built without it "      \
	"(WITH_CURL=0): install libcurl4-openssl-dev and rebuild, or use mode: embedded"

int ch_http_open(const struct ch_http_opts *o, struct ch_http **out, struct err *e)
{
	return err_set(e, ING_EUNSUPPORTED, NO_CURL);
}

void ch_http_close(struct ch_http *h)
{
}

int ch_http_exec(struct ch_http *h, const char *sql, ch_body_fn body, void *body_ud,
		 ch_sink_fn sink, void *sink_ud, struct err *e)
{
	return err_set(e, ING_EUNSUPPORTED, NO_CURL);
}

int ch_http_cancel(struct ch_http *h)
{
	return ING_EUNSUPPORTED;
}

const char *ch_http_last_query_id(struct ch_http *h)
{
	return "";
}

int ch_http_transport_open(const struct ch_conn_opts *o, struct ch_transport **out,
			   struct err *e)
{
	return err_set(e, ING_EUNSUPPORTED, NO_CURL);
}

#endif /* HAVE_LIBCURL */
