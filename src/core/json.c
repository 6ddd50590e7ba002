/*
 * core/json.c — streaming JSON writer (see json.h).
 */
#include "core/json.h"
#include "core/dtoa.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

void jw_init(struct jw *w, struct buf *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
	w->first[0] = true;
}

static void indent(struct jw *w)
{
	buf_putc(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		buf_add(w->out, "  ", 2);
}

static void pre_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			buf_putc(w->out, ',');
		w->first[w->depth] = false;
		if (w->pretty)
			indent(w);
	}
}

static void open(struct jw *w, char c)
{
	pre_value(w);
	buf_putc(w->out, c);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
	bool empty = w->first[w->depth];
	if (w->depth > 0)
		w->depth--;
	if (w->pretty && !empty)
		indent(w);
	buf_putc(w->out, c);
}

void jw_obj_begin(struct jw *w) { open(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr_begin(struct jw *w) { open(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void jw_key(struct jw *w, const char *k)
{
	pre_value(w);
	json_escape(w->out, k, strlen(k));
	buf_add(w->out, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = true;
}

/* Bytes copied as they are inside a JSON string: printable ASCII but '"'
 * and '\\' (one load per byte instead of four comparisons; the manifest
 * is mostly such runs). */
static const unsigned char json_plain[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

void json_escape(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	/* the common case, a plain string (keys, names, ids): one copy */
	size_t np = 0;
	while (np < n && json_plain[p[np]])
		np++;
	if (np == n && !buf_grow(b, n + 2)) {
		char *d = b->data + b->len;
		d[0] = '"';
		if (n)
			memcpy(d + 1, s, n);
		d[n + 1] = '"';
		d[n + 2] = 0;
		b->len += n + 2;
		return;
	}
	buf_grow(b, n + 2);
	buf_putc(b, '"');
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
			i++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': buf_add(b, "\\n", 2); break;
			case '\r': buf_add(b, "\\r", 2); break;
			case '\t': buf_add(b, "\\t", 2); break;
			case '\b': buf_add(b, "\\b", 2); break;
			case '\f': buf_add(b, "\\f", 2); break;
			default: {
				char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				buf_add(b, u, 6);
			}
			}
			i++;
		} else if (c < 0x80) {
			size_t j = i;
			while (j < n && json_plain[p[j]])
				j++;
			buf_add(b, s + i, j - i);
			i = j;
		} else {
			/* validate one UTF-8 sequence */
			size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
			if (c >= 0xF8)
				len = 0;
			bool ok = len && i + len <= n;
			for (size_t k = 1; ok && k < len; k++)
				ok = (p[i + k] & 0xC0) == 0x80;
			if (ok && len == 3) {
				unsigned cp = ((c & 0x0Fu) << 12) | ((p[i + 1] & 0x3Fu) << 6);
				ok = cp >= 0x800 && !(cp >= 0xD800 && cp <= 0xDFFF);
			} else if (ok && len == 4) {
				unsigned cp = ((c & 0x07u) << 18) | ((p[i + 1] & 0x3Fu) << 12);
				ok = cp >= 0x10000 && cp <= 0x10FFFF;
			}
			if (ok) {
				buf_add(b, s + i, len);
				i += len;
			} else {
				buf_add(b, "\xEF\xBF\xBD", 3);
				i++;
			}
		}
	}
	buf_putc(b, '"');
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	pre_value(w);
	json_escape(w->out, s, n);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, int64_t v)
{
	pre_value(w);
	buf_printf(w->out, "%" PRId64, v);
}

void jw_double(struct jw *w, double v)
{
	pre_value(w);
	if (!isfinite(v)) {
		buf_puts(w->out, "null");
		return;
	}
	char tmp[DTOA_BUFSZ];
	buf_add(w->out, tmp, dtoa_repr(v, tmp));
}

void jw_bool(struct jw *w, bool v)
{
	pre_value(w);
	buf_puts(w->out, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	pre_value(w);
	buf_puts(w->out, "null");
}

void jw_raw(struct jw *w, const char *json)
{
	pre_value(w);
	buf_puts(w->out, json);
}
