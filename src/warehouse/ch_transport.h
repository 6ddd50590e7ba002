/*
 * warehouse/ch_transport.h — how the ClickHouse adapter reaches an engine
 * (internal to warehouse/).
 *
 * The adapter (clickhouse.c) writes SQL and reads answers; a transport
 * carries one statement to a ClickHouse engine and its answer back. Two
 * transports exist: `mode: embedded` (ch_chdb.c: libchdb.so, the engine
 * in-process, loaded with dlopen) and `mode: http` (ch_http.c: libcurl
 * against a server's HTTP interface). Both have the same shape, so the
 * adapter never knows which one it drives.
 *
 * One statement per exec. The statement names its own format: the adapter
 * appends "FORMAT TabSeparatedWithNamesAndTypes" (or RowBinary...) to
 * queries and "INSERT INTO t FORMAT RowBinary" to loads; the transport
 * passes the text through untouched.
 *
 *   body  NULL, or the input of an `INSERT ... FORMAT X` statement: the
 *         transport calls body(ud, chunk, &done, e) repeatedly; the callee
 *         resets chunk, appends the next bytes in format X to it and sets
 *         *done on the last call (the chunk of that call may be empty). A
 *         non-zero return aborts the statement (nothing the transport has
 *         not yet sent is sent) and is exec's return, e filled by body.
 *         A transport that cannot stream (chDB) gathers the chunks (in a
 *         file) and sends them in one piece; it may call body before
 *         sending anything to the engine.
 *   sink  NULL (the answer is discarded), or called with consecutive
 *         pieces of the answer in the statement's format, in order, as they
 *         arrive. A non-zero return stops reading (the statement is
 *         cancelled) and is exec's return.
 *
 * Errors are never hidden: an engine error anywhere in the answer — also
 * one after some rows were already passed to sink (HTTP: an exception
 * trailer after a 200, which is why ch_http sets wait_end_of_query=1 and
 * checks X-ClickHouse-Exception-Code) — makes exec return ING_EDB with the
 * engine's message ("Code: 62. DB::Exception: ..."), passwords redacted.
 * Connection failures are ING_EIO and name host:port.
 *
 * cancel may be called from another thread while exec runs; exec then
 * returns ING_ECANCELED (or the engine error the interruption produced).
 * A transport that cannot interrupt a running statement returns
 * ING_EUNSUPPORTED from cancel. close frees everything; NULL is a no-op.
 *
 * The http transport's functions fit this vtable as they are
 * (ch_http_exec has this exact signature on `struct ch_http *`); the
 * shim is a cast of the handle.
 */
#ifndef INGOT_WAREHOUSE_CH_TRANSPORT_H
#define INGOT_WAREHOUSE_CH_TRANSPORT_H

#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef int (*ch_body_fn)(void *ud, struct buf *chunk, bool *done, struct err *e);
typedef int (*ch_sink_fn)(void *ud, const char *data, size_t n, struct err *e);

/* What a transport needs to connect: the profile's fields, resolved (the
 * password already read from its env var). settings: NULL-terminated
 * "name=value" strings sent with every statement (join_use_nulls=1, ...).
 * path: the embedded engine's data directory (NULL for http). */
struct ch_conn_opts {
	const char *host;
	int port;
	bool secure;
	const char *user, *password, *database;
	const char *const *settings;
	int timeout_ms; /* 0 = none */
	const char *path;
};

struct ch_transport;

struct ch_transport_ops {
	const char *name; /* "embedded", "http" */
	int (*exec)(struct ch_transport *t, const char *sql, ch_body_fn body, void *body_ud,
		    ch_sink_fn sink, void *sink_ud, struct err *e);
	int (*cancel)(struct ch_transport *t);
	void (*close)(struct ch_transport *t);
};

/* A transport: an ops table and the implementation's handle. Open with
 * the transport's own function (below); the adapter only calls
 * t->ops->... with t. */
struct ch_transport {
	const struct ch_transport_ops *ops;
	void *impl;
};

/* Embedded (ch_chdb.c): o->path is the data directory (created when
 * missing). ING_EUNSUPPORTED with "run scripts/bootstrap" when libchdb.so
 * cannot be loaded. One embedded engine per process: a second open of the
 * same path shares it. */
int ch_chdb_open(const struct ch_conn_opts *o, struct ch_transport **out, struct err *e);
/* HTTP (defined in ch_http.c, which owns it): wraps ch_http_open;
 * ING_EUNSUPPORTED when ingot was built without libcurl. clickhouse.c
 * calls it when warehouse/ch_http.h exists (__has_include), so the http
 * transport plugs in by adding ch_http.{c,h} alone. */
int ch_http_transport_open(const struct ch_conn_opts *o, struct ch_transport **out,
			   struct err *e);

/* Run sql and collect the whole answer into out (convenience over exec
 * for small answers: version(), introspection). */
int ch_exec_collect(struct ch_transport *t, const char *sql, struct buf *out, struct err *e);

#endif
