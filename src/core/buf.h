/*
 * core/buf.h — growable byte buffers with an optional hard cap.
 *
 * A buf owns its bytes. `data` is NUL-terminated whenever it is non-NULL, so
 * a buf can be used as a C string; `len` excludes the terminator. A buf with
 * `max` > 0 refuses to grow past max bytes: the append returns ING_ELIMIT
 * and leaves the contents as they were (CSV records, HTTP bodies and
 * template output use this so hostile input cannot exhaust memory).
 *
 * Ownership: buf_detach hands the bytes to the caller (free() them) and
 * leaves the buf empty; buf_free releases them. A zeroed buf (BUF_INIT) is
 * valid and empty.
 */
#ifndef INGOT_CORE_BUF_H
#define INGOT_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len, cap;
	size_t max; /* 0 = no cap */
};
#define BUF_INIT {NULL, 0, 0, 0}

/* Ensure room for `extra` more bytes (+ terminator). 0 or ING_ELIMIT. */
int buf_grow(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Append s with every `q` doubled (SQL literal / identifier quoting). */
int buf_add_quoted(struct buf *b, const char *s, size_t n, char q);
void buf_truncate(struct buf *b, size_t len);
static inline void buf_reset(struct buf *b) { buf_truncate(b, 0); }
void buf_free(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);
/* Always a valid C string, "" for an empty buf. */
static inline const char *buf_cstr(const struct buf *b) { return b->data ? b->data : ""; }

/* Small string helpers. */
bool str_startswith(const char *s, const char *prefix);
bool str_endswith(const char *s, const char *suffix);
/* Levenshtein distance, capped: used for "did you mean". */
int str_edit_distance(const char *a, const char *b);
/* Trim ASCII whitespace in place; returns s. */
char *str_trim(char *s);
/* Case-insensitive ASCII compare. */
int str_casecmp(const char *a, const char *b);

#endif
