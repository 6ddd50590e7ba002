/*
 * core/buf.c — growable capped buffers and small string helpers (see buf.h).
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_grow(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need < b->len)
		return ING_ELIMIT;
	if (b->max && b->len + extra > b->max)
		return ING_ELIMIT;
	if (need <= b->cap)
		return 0;
	size_t nc = b->cap ? b->cap : 64;
	while (nc < need)
		nc = nc * 2;
	b->data = xrealloc(b->data, nc);
	b->cap = nc;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	int r = buf_grow(b, n);
	if (r)
		return r;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	if (b->len + 2 > b->cap || (b->max && b->len + 1 > b->max)) {
		int r = buf_grow(b, 1);
		if (r)
			return r;
	}
	b->data[b->len++] = c;
	b->data[b->len] = 0;
	return 0;
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, cp);
	va_end(cp);
	if (n < 0)
		return ING_EINVAL;
	if ((size_t)n < sizeof(tmp))
		return buf_add(b, tmp, (size_t)n);
	int r = buf_grow(b, (size_t)n);
	if (r)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

int buf_add_quoted(struct buf *b, const char *s, size_t n, char q)
{
	int r = 0;
	for (size_t i = 0; i < n && !r; i++) {
		if (s[i] == q)
			r = buf_putc(b, q);
		if (!r)
			r = buf_putc(b, s[i]);
	}
	return r;
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
	if (b->data)
		b->data[b->len] = 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->data ? b->data : xstrdup("");
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

bool str_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int str_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 64;
	int row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int cost = a[i - 1] == b[j - 1] ? 0 : 1;
			int v = prev + cost;
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			prev = cur;
		}
	}
	return row[lb];
}

/* Writes into s only when there is whitespace to remove: a string with
 * none (the empty string literal callers pass for "no output" among them)
 * is returned untouched, so read-only strings are safe. */
char *str_trim(char *s)
{
	char *p = s;
	while (*p && isspace((unsigned char)*p))
		p++;
	size_t len = strlen(p), n = len;
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (p == s && n == len)
		return s;
	memmove(s, p, n);
	s[n] = 0;
	return s;
}

int str_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
		if (ca != cb || !ca)
			return ca - cb;
	}
}
