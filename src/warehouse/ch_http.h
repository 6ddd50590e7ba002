/*
 * warehouse/ch_http.h — ClickHouse's HTTP interface through libcurl
 * (internal to warehouse/; the `mode: http` transport of clickhouse.c).
 *
 * Calling sequence:
 *     struct ch_http *h;
 *     if (ch_http_open(&opts, &h, e) < 0) ...      // no network yet
 *     ch_http_exec(h, "SELECT ... FORMAT TabSeparated", NULL, NULL, sink, ud, e);
 *     ch_http_exec(h, "INSERT INTO t FORMAT RowBinary", body, ud, NULL, NULL, e);
 *     ch_http_close(h);
 *
 * One handle is one keep-alive connection (one CURL easy handle, reused),
 * used by one thread at a time; ch_http_cancel is the exception and may be
 * called from any thread while exec runs (it opens its own connection to
 * send KILL QUERY for the running statement's query_id).
 *
 * exec sends one statement:
 *   - without body, the SQL is the POST body (no length limit);
 *   - with body, the SQL goes in the `query` URL parameter and the rows in
 *     the POST body, streamed with chunked transfer encoding: body(ud,
 *     chunk, &done, e) is called whenever curl wants more bytes, so a load
 *     of any size is never in memory at once (see ch_transport.h for the
 *     contract). Trailing whitespace of the SQL is dropped: the server joins
 *     the parameter and the body with a newline and, after FORMAT X, skips
 *     whitespace only up to the first newline, so a second one would become
 *     the first byte of a RowBinary body.
 *   - answers arrive through sink(ud, data, n, e) as they come, already
 *     decompressed (the server compresses: enable_http_compression=1 and
 *     Accept-Encoding).
 *
 * An error is never hidden behind a 200: exec checks the HTTP status, the
 * X-ClickHouse-Exception-Code header (servers since 19.x), and an exception
 * the server appends to an answer it had already started to stream
 * ("Code: 395, e.displayText() = DB::Exception: ..." on 18.x, "Code: 395.
 * DB::Exception: ..." later). For the last, exec holds back the answer's
 * final CH_HTTP_HOLD bytes until the end, so the exception's text never
 * reaches sink as data. wait_end_of_query=1 is sent unless o->settings
 * names it (then the server reports such errors with a 500 before any
 * byte; the trailer check stays for wait_end_of_query=0).
 *
 * Errors: ING_EDB with the server's message, its code, the query_id and
 * what to do; ING_ECONNECT when the server cannot be reached (names
 * host:port), ING_ETIMEOUT after timeout_ms, ING_ECANCELED after
 * ch_http_cancel, or the return of body/sink when they fail. The password
 * goes only in the X-ClickHouse-Key header: never in a URL, and it is
 * redacted from every message.
 */
#ifndef INGOT_WAREHOUSE_CH_HTTP_H
#define INGOT_WAREHOUSE_CH_HTTP_H

#include "core/buf.h"
#include "core/err.h"
#include "warehouse/ch_transport.h"

#include <stdbool.h>
#include <stddef.h>

/* Bytes of an answer held back until its end (an exception trailer is
 * shorter than this). */
#define CH_HTTP_HOLD (64u * 1024u)

struct ch_http_opts {
	const char *host; /* default 127.0.0.1 */
	int port;	  /* default 8123 (8443 when secure) */
	bool secure;	  /* https, certificate verified */
	const char *user, *password, *database; /* NULL: server defaults */
	const char *const *settings; /* NULL-terminated "name=value": sent with every statement */
	int timeout_ms;		     /* a whole statement; 0 = no limit */
};

struct ch_http;

/* Copies everything from o; checks settings' names. No network. */
int ch_http_open(const struct ch_http_opts *o, struct ch_http **out, struct err *e);
void ch_http_close(struct ch_http *h); /* NULL is a no-op */

/* One statement; see above. sink and body may be NULL. */
int ch_http_exec(struct ch_http *h, const char *sql, ch_body_fn body, void *body_ud,
		 ch_sink_fn sink, void *sink_ud, struct err *e);

/* Stop the running exec (any thread): KILL QUERY by its query_id over a
 * second connection, and abort the transfer. 0 also when nothing runs;
 * ING_ECONNECT when the KILL could not be sent (the transfer is aborted
 * anyway). */
int ch_http_cancel(struct ch_http *h);

/* The query_id of the last statement exec started ("" before the first). */
const char *ch_http_last_query_id(struct ch_http *h);

#endif
