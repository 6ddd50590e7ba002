/*
 * core/err.c — error values (see err.h).
 */
#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

const char *ing_strerror(int code)
{
	switch (code) {
#define X(n, v, m) case v: return m;
	ING_ERRNO_MAP(X)
#undef X
	}
	return "unknown error";
}

const char *err_name(int code)
{
	switch (code) {
#define X(n, v, m) case v: return #n;
	ING_ERRNO_MAP(X)
#undef X
	}
	return "EUNKNOWN";
}

int err_vset(struct err *e, int code, const char *fmt, va_list ap)
{
	if (!e || e->code)
		return code;
	e->code = code ? code : ING_EFAIL;
	char *m = NULL;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	e->msg = m ? m : xstrdup(ing_strerror(code));
	return code;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int err_setloc(struct err *e, int code, const char *file, int line, int col,
	       const char *fmt, ...)
{
	if (!e || e->code)
		return code;
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	e->file = file ? xstrdup(file) : NULL;
	e->line = line;
	e->col = col;
	return code;
}

void err_snippet(struct err *e, const char *line_start)
{
	if (!e || !line_start || e->snippet)
		return;
	size_t n = strcspn(line_start, "\r\n");
	if (n > 400)
		n = 400;
	e->snippet = xstrndup(line_start, n);
}

void err_prefix(struct err *e, const char *fmt, ...)
{
	if (!e || !e->code)
		return;
	char *p = NULL, *m = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	if (!p)
		return;
	m = xasprintf("%s: %s", p, e->msg ? e->msg : "");
	free(p);
	free(e->msg);
	e->msg = m;
}

void err_move(struct err *dst, struct err *src)
{
	if (!src || !src->code)
		return;
	if (dst && !dst->code) {
		*dst = *src;
		memset(src, 0, sizeof(*src));
		return;
	}
	err_clear(src);
}

void err_clear(struct err *e)
{
	if (!e)
		return;
	free(e->msg);
	free(e->file);
	free(e->snippet);
	memset(e, 0, sizeof(*e));
}

char *err_string(const struct err *e)
{
	if (!e || !e->code)
		return xstrdup("");
	if (e->file && e->line && e->col)
		return xasprintf("%s:%d:%d: %s", e->file, e->line, e->col, e->msg);
	if (e->file && e->line)
		return xasprintf("%s:%d: %s", e->file, e->line, e->msg);
	if (e->file)
		return xasprintf("%s: %s", e->file, e->msg);
	return xstrdup(e->msg ? e->msg : ing_strerror(e->code));
}

void err_print(const struct err *e, FILE *fp)
{
	if (!e || !e->code)
		return;
	char *s = err_string(e);
	fprintf(fp, "error: %s\n", s);
	free(s);
	if (e->snippet) {
		fprintf(fp, "  | %s\n", e->snippet);
		if (e->col > 0) {
			fputs("  | ", fp);
			for (int i = 1; i < e->col && e->snippet[i - 1]; i++)
				fputc(e->snippet[i - 1] == '\t' ? '\t' : ' ', fp);
			fputs("^\n", fp);
		}
	}
}
