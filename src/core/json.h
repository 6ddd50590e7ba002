/*
 * core/json.h — a streaming JSON writer into a buf.
 *
 * Used for logs, artifacts (manifest.json, run_results.json) and API output.
 * It writes; it does not parse (jansson parses where ingot reads JSON). The
 * writer tracks nesting and commas; strings are escaped per RFC 8259 and
 * invalid UTF-8 is replaced by U+FFFD so the output is always valid JSON.
 * Doubles that are not finite are written as null.
 *
 *     struct jw w; jw_init(&w, &buf, true);
 *     jw_obj_begin(&w); jw_key(&w, "a"); jw_int(&w, 1); jw_obj_end(&w);
 */
#ifndef INGOT_CORE_JSON_H
#define INGOT_CORE_JSON_H

#include "core/buf.h"
#include <stdbool.h>
#include <stdint.h>

#define JW_MAX_DEPTH 64

struct jw {
	struct buf *out;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH];
	bool after_key;
};

void jw_init(struct jw *w, struct buf *out, bool pretty);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Insert pre-rendered JSON text as one value. */
void jw_raw(struct jw *w, const char *json);
/* Escape s as a JSON string (with quotes) onto b. */
void json_escape(struct buf *b, const char *s, size_t n);

#endif
