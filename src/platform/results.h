/*
 * platform/results.h — query results as a table, CSV or JSON, whole or
 * streamed batch by batch into a sink, with an optional row cap.
 *
 * The one encoder of query results: `ingot show` uses it today, the web
 * server's JSON API next. Whole results (re_encode) and streams
 * (re_begin / re_rows... / re_end) give the same bytes: feeding a result
 * one row at a time or in one batch makes no difference.
 *
 *     struct re_enc *enc = re_begin(RE_JSON, r->names, r->types, r->ncols,
 *                                   &(struct re_opts){.max_rows = 1000},
 *                                   re_sink_file(stdout));
 *     while (more batches) rc = re_rows(enc, batch, 0, batch->nrows, &err);
 *     struct re_stats st; rc = re_end(enc, &st, &err);  // frees enc
 *
 * Formats (without a cap, or under it, the bytes `ingot show` has always
 * printed):
 *   RE_TABLE  "| a | b |" with a dashed rule under the header; numbers
 *             right-aligned, widths in code points. A table needs every row
 *             before its first line (the widths), so this format keeps the
 *             rendered rows until re_end: it is for people, use a cap.
 *             Truncated: one more line after the table,
 *             "(showing the first N rows; more were cut)".
 *   RE_CSV    RFC 4180: a header line, fields quoted when they hold a comma,
 *             quote, CR or LF (quotes doubled), lines end in LF, NULL is an
 *             empty field, values as re_value_text spells them. Streamed.
 *             Truncated: nothing in the bytes (any extra line would read as
 *             a row); re_end's stats say so, for an HTTP header or a note on
 *             stderr.
 *   RE_JSON   {"show": [{"col": value, ...}, ...]} pretty-printed (two-space
 *             indent; the key is re_opts.json_key when given, e.g. "rows"
 *             for the API), then a newline. Streamed. Truncated: the object gets
 *             a second key after the rows, "truncated": true (absent
 *             otherwise).
 *
 * JSON values (exact, so money stays money):
 *   NULL -> null; BOOL -> true/false; INT64 -> a JSON number, every digit
 *   (readers that keep numbers as doubles lose precision past 2^53: that
 *   is theirs to handle, e.g. Python's json keeps ints exact);
 *   DECIMAL -> a JSON number with the engine's exact digits and scale
 *   ("646.28", "1.10"): no binary rounding ever happens here; a reader that
 *   needs exact money parses numbers as decimals (Python json.loads(...,
 *   parse_float=decimal.Decimal)). A DECIMAL whose text is not a JSON
 *   number (PostgreSQL numeric 'NaN', 'Infinity') is a JSON string;
 *   DOUBLE -> shortest round-trip text (core/dtoa: 0.1 -> 0.1), NaN and
 *   infinities -> null; DATE -> "YYYY-MM-DD"; TIMESTAMP (an instant) ->
 *   ISO-8601 UTC "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"; DATETIME (civil time) ->
 *   "YYYY-MM-DDTHH:MM:SS[.ffffff]" without a zone; TEXT and others ->
 *   strings, invalid UTF-8 replaced by U+FFFD (core/json) so the output is
 *   always valid JSON.
 *
 * The cap (re_opts.max_rows, 0 = none) counts data rows. Rows offered
 * past it are dropped and mark the result truncated; reaching exactly the
 * cap is not truncation (offer one row more to find out). re_full() tells
 * a producer it may stop fetching.
 *
 * Sinks: a write callback (FILE *, a growing buf, or the server's HTTP
 * chunks). The encoder hands it whole rows: at the end of each re_rows call
 * and whenever 64 KiB are pending. A sink error stops the encoder: later
 * calls return it again; re_end still frees.
 *
 * What this does not do: fetch. The warehouse materializes a result whole
 * (wh_query); a producer with a cursor would feed re_rows per fetch.
 */
#ifndef INGOT_PLATFORM_RESULTS_H
#define INGOT_PLATFORM_RESULTS_H

#include "core/buf.h"
#include "core/err.h"
#include "warehouse/warehouse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum re_format { RE_TABLE = 0, RE_CSV, RE_JSON };

/* "table", "csv", "json" -> 0 and *out; anything else -> ING_EINVAL with a
 * message naming the choices. */
int re_format_parse(const char *name, enum re_format *out, struct err *e);

struct re_sink {
	/* Write n bytes; 0 or a negative ING_E* code with e filled. */
	int (*write)(void *ctx, const char *p, size_t n, struct err *e);
	void *ctx;
};
/* A sink writing to f (borrowed; not closed). */
struct re_sink re_sink_file(FILE *f);
/* A sink appending to b (borrowed). */
struct re_sink re_sink_buf(struct buf *b);

struct re_opts {
	size_t max_rows;      /* 0 = no cap */
	const char *json_key; /* RE_JSON: the rows' key, NULL = "show" (copied) */
};

struct re_stats {
	size_t rows;    /* data rows written */
	bool truncated; /* rows past max_rows were dropped */
};

struct re_enc;

/* Start an encoder for columns names[0..ncols) of types[] (both copied).
 * opts may be NULL (no cap). Nothing is written yet. */
struct re_enc *re_begin(enum re_format fmt, const char *const *names, const enum wh_type *types,
			size_t ncols, const struct re_opts *opts, struct re_sink sink);
/* Encode rows [first, first + n) of r, whose columns must be the
 * encoder's (count checked: ING_EINVAL). 0, or the sink's error. */
int re_rows(struct re_enc *enc, const struct wh_result *r, size_t first, size_t n,
	    struct err *e);
/* The cap is reached: further rows would only be dropped. */
bool re_full(const struct re_enc *enc);
/* Write the end (the table, the JSON closing), free enc, fill st (may be
 * NULL). 0 or the sink's error. */
int re_end(struct re_enc *enc, struct re_stats *st, struct err *e);

/* One whole result: re_begin + re_rows + re_end. */
int re_encode(enum re_format fmt, const struct wh_result *r, const struct re_opts *opts,
	      struct re_sink sink, struct re_stats *st, struct err *e);

/* One value as JSON text (the rules above) onto out. */
void re_value_json(const struct wh_value *v, struct buf *out);

#endif
