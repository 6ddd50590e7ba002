/*
 * lake/convert.c — text fields to typed column batches.
 *
 * Each declared column gets a converter chosen once by type; a row is
 * converted field by field into the batch's column arrays (no allocation:
 * text is copied into reusable blocks owned by the batch). Number parsing
 * is written here rather than taken from libc because strtod/strtoll need
 * NUL-terminated input, accept forms a loader must refuse (leading spaces,
 * hex, "inf", "nan") and depend on the locale. Doubles use the exact fast
 * path (at most 19 significant digits, a mantissa below 2^53 and a power
 * of ten up to 22 are exactly representable, so one multiplication or
 * division is correctly rounded); anything else falls back to strtod on a
 * bounded copy, which is correctly rounded in glibc.
 *
 * Deliberately not here: reading (csv.c), deciding what a bad row means
 * for the load (load/).
 */
#include "lake/lake.h"
#include "core/dtime.h"
#include "core/mem.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXT_BLOCK (1u << 20)

struct txt_block {
	char *p;
	size_t used, cap;
};

struct lake_conv {
	size_t ncols, cap;
	struct lake_col *cols;
	struct wh_batch batch;
	struct wh_colbuf *cb;
	uint8_t **vstore; /* validity per column; cb[i].valid points here once
			     the batch has a NULL in column i, else NULL
			     (engines skip the mask: all valid) */
	struct lake_conv_opts o;
	size_t null_len;
	struct txt_block *blocks;
	size_t nblocks, cur;
	char **big;
	size_t nbig;
	char msg[512];
};

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int lake_parse_int64(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i == n || n - i > 19)
		return -1;
	uint64_t v = 0;
	for (; i < n; i++) {
		unsigned dgt = (unsigned)(unsigned char)s[i] - '0';
		if (dgt > 9)
			return -1;
		v = v * 10 + dgt;
	}
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int lake_parse_double(const char *s, size_t n, double *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	uint64_t m = 0;
	int sig = 0, dropped = 0, fracd = 0, digits = 0;
	for (; i < n && (unsigned)(s[i] - '0') <= 9; i++, digits++) {
		if (sig < 19) {
			if (m || s[i] != '0')
				sig++;
			m = m * 10 + (unsigned)(s[i] - '0');
		} else {
			dropped++;
		}
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && (unsigned)(s[i] - '0') <= 9; i++, digits++) {
			if (sig < 19) {
				if (m || s[i] != '0')
					sig++;
				m = m * 10 + (unsigned)(s[i] - '0');
				fracd++;
			}
		}
	}
	if (!digits)
		return -1;
	long ex = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		size_t es = i;
		for (; i < n && (unsigned)(s[i] - '0') <= 9; i++)
			if (ex < 100000)
				ex = ex * 10 + (s[i] - '0');
		if (i == es)
			return -1;
		if (eneg)
			ex = -ex;
	}
	if (i != n)
		return -1;
	long e10 = ex + dropped - fracd;
	double v;
	if (!dropped && m < (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
		v = (double)m;
		v = e10 < 0 ? v / pow10_exact[-e10] : v * pow10_exact[e10];
	} else {
		char tmp[128];
		if (n >= sizeof(tmp)) {
			char *h = xstrndup(s, n);
			errno = 0;
			v = strtod(h, NULL);
			free(h);
		} else {
			memcpy(tmp, s, n);
			tmp[n] = 0;
			errno = 0;
			v = strtod(tmp, NULL);
		}
		if (!isfinite(v))
			return -1;
		if (v == 0 && m)
			return -2; /* a non-zero value below the smallest double */
		*out = v;
		return 0;
	}
	*out = neg ? -v : v;
	return 0;
}

int lake_parse_bool(const char *s, size_t n, bool *out)
{
	char t[6];
	if (!n || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++)
		t[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	t[n] = 0;
	if (!strcmp(t, "true") || !strcmp(t, "t") || !strcmp(t, "yes") || !strcmp(t, "y") ||
	    !strcmp(t, "1"))
		*out = true;
	else if (!strcmp(t, "false") || !strcmp(t, "f") || !strcmp(t, "no") || !strcmp(t, "n") ||
		 !strcmp(t, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

int lake_parse_decimal(const char *s, size_t n, int precision, int scale, __int128 *out)
{
	if (precision <= 0)
		precision = 38;
	if (scale < 0)
		scale = 9;
	if (precision > 38 || scale > precision)
		return -1;
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	__int128 v = 0;
	int idig = 0, fdig = 0, digits = 0;
	bool too_big = false, too_precise = false;
	for (; i < n && (unsigned)(s[i] - '0') <= 9; i++, digits++) {
		if (!idig && s[i] == '0')
			continue; /* leading zeros */
		if (++idig > precision - scale) {
			too_big = true;
			continue;
		}
		v = v * 10 + (s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && (unsigned)(s[i] - '0') <= 9; i++, digits++) {
			if (fdig < scale) {
				v = v * 10 + (s[i] - '0');
				fdig++;
			} else if (s[i] != '0') {
				too_precise = true; /* trailing zeros change nothing */
			}
		}
	}
	if (!digits || i != n)
		return -1;
	if (too_big)
		return -2;
	if (too_precise)
		return -3;
	for (int k = fdig; k < scale; k++)
		v *= 10;
	__int128 lim = 1;
	for (int k = 0; k < precision; k++)
		lim *= 10;
	if (v >= lim)
		return -2;
	*out = neg ? -v : v;
	return 0;
}

static int num(const char *s, size_t n, size_t *i, int mind, int maxd, int *out)
{
	int v = 0, d = 0;
	while (*i < n && d < maxd && (unsigned)(s[*i] - '0') <= 9) {
		v = v * 10 + (s[*i] - '0');
		(*i)++;
		d++;
	}
	if (d < mind)
		return -1;
	*out = v;
	return 0;
}

int lake_parse_ts_fmt(const char *fmt, const char *s, size_t n, bool want_zone, int64_t *us)
{
	int y = 1970, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
	int64_t frac = 0, off = 0;
	size_t i = 0;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			if (i >= n || s[i] != *f)
				return -1;
			i++;
			continue;
		}
		f++;
		int r = 0;
		switch (*f) {
		case 'Y': r = num(s, n, &i, 4, 4, &y); break;
		case 'm': r = num(s, n, &i, 1, 2, &mo); break;
		case 'd': r = num(s, n, &i, 1, 2, &d); break;
		case 'H': r = num(s, n, &i, 1, 2, &h); break;
		case 'M': r = num(s, n, &i, 1, 2, &mi); break;
		case 'S': r = num(s, n, &i, 1, 2, &sec); break;
		case 'f': {
			int k = 0;
			frac = 0;
			while (i < n && (unsigned)(s[i] - '0') <= 9) {
				if (k < 6)
					frac = frac * 10 + (s[i] - '0');
				k++;
				i++;
			}
			if (!k)
				return -1;
			for (; k < 6; k++)
				frac *= 10;
			break;
		}
		case 'z':
		case 'Z': {
			if (!want_zone)
				return -1;
			if (i < n && s[i] == 'Z') {
				i++;
			} else if (n - i >= 3 && !memcmp(s + i, "UTC", 3)) {
				i += 3;
			} else if (i < n && (s[i] == '+' || s[i] == '-')) {
				int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
				if (num(s, n, &i, 2, 2, &oh))
					return -1;
				if (i < n && s[i] == ':')
					i++;
				if (i < n && (unsigned)(s[i] - '0') <= 9 && num(s, n, &i, 2, 2, &om))
					return -1;
				if (oh > 23 || om > 59)
					return -1;
				off = sign * ((int64_t)oh * 3600 + om * 60) * US_PER_SEC;
			} else {
				return -1;
			}
			break;
		}
		case '%':
			if (i >= n || s[i] != '%')
				return -1;
			i++;
			break;
		default:
			return -1;
		}
		if (r)
			return -1;
		if (!*f)
			break;
	}
	if (i != n || !date_valid(y, (unsigned)mo, (unsigned)d) || h > 23 || mi > 59 || sec > 59)
		return -1;
	*us = days_from_civil(y, (unsigned)mo, (unsigned)d) * US_PER_DAY +
	      ((int64_t)h * 3600 + mi * 60 + sec) * US_PER_SEC + frac - off;
	return 0;
}

/* ---- batches ---- */

static size_t elem_size(enum wh_type t)
{
	switch (t) {
	case WH_BOOL: return sizeof(bool);
	case WH_INT64: return sizeof(int64_t);
	case WH_DOUBLE: return sizeof(double);
	case WH_DECIMAL: return sizeof(__int128);
	case WH_DATE: return sizeof(int32_t);
	case WH_TIMESTAMP:
	case WH_DATETIME: return sizeof(int64_t);
	default: return sizeof(struct wh_str);
	}
}

struct lake_conv *lake_conv_new(const struct lake_col *cols, size_t ncols,
				const struct lake_conv_opts *o)
{
	return lake_conv_new_rows(cols, ncols, o, LAKE_BATCH_ROWS);
}

struct lake_conv *lake_conv_new_rows(const struct lake_col *cols, size_t ncols,
				     const struct lake_conv_opts *o, size_t rows)
{
	struct lake_conv *c = xcalloc(1, sizeof(*c));
	c->ncols = ncols;
	c->cap = rows ? rows : 1;
	c->cols = xcalloc(ncols ? ncols : 1, sizeof(*c->cols));
	memcpy(c->cols, cols, ncols * sizeof(*cols));
	c->cb = xcalloc(ncols ? ncols : 1, sizeof(*c->cb));
	c->vstore = xcalloc(ncols ? ncols : 1, sizeof(*c->vstore));
	for (size_t i = 0; i < ncols; i++) {
		struct wh_ltype t = cols[i].type;
		if (t.type == WH_NULL || t.type == WH_OTHER)
			t.type = WH_TEXT;
		if (t.type == WH_DECIMAL && t.precision <= 0) {
			/* the engine reads the batch's scale: make the default explicit */
			t.precision = 38;
			t.scale = 9;
		}
		c->cols[i].type = t;
		c->cb[i].type = t;
		c->cb[i].data = xcalloc(c->cap, elem_size(t.type));
		c->vstore[i] = xcalloc(c->cap, 1);
		c->cb[i].valid = NULL;
	}
	c->batch.ncols = ncols;
	c->batch.cols = c->cb;
	if (o)
		c->o = *o;
	c->null_len = c->o.null_marker ? strlen(c->o.null_marker) : 0;
	return c;
}

void lake_conv_free(struct lake_conv *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->ncols; i++) {
		free(c->cb[i].data);
		free(c->vstore[i]);
	}
	free(c->vstore);
	for (size_t i = 0; i < c->nblocks; i++)
		free(c->blocks[i].p);
	free(c->blocks);
	for (size_t i = 0; i < c->nbig; i++)
		free(c->big[i]);
	free(c->big);
	free(c->cb);
	free(c->cols);
	free(c);
}

const struct wh_batch *lake_conv_batch(const struct lake_conv *c)
{
	return &c->batch;
}

size_t lake_conv_rows(const struct lake_conv *c)
{
	return c->batch.nrows;
}

bool lake_conv_full(const struct lake_conv *c)
{
	return c->batch.nrows >= c->cap;
}

void lake_conv_reset(struct lake_conv *c)
{
	c->batch.nrows = 0;
	for (size_t i = 0; i < c->ncols; i++)
		c->cb[i].valid = NULL;
	for (size_t i = 0; i < c->nblocks; i++)
		c->blocks[i].used = 0;
	c->cur = 0;
	for (size_t i = 0; i < c->nbig; i++)
		free(c->big[i]);
	c->nbig = 0;
}

/* Text storage for the current batch: standard blocks are reused from
 * batch to batch; a value larger than a block gets its own allocation,
 * freed at reset. */
static char *txt_alloc(struct lake_conv *c, size_t n)
{
	if (n > TXT_BLOCK) {
		c->big = xrealloc(c->big, (c->nbig + 1) * sizeof(*c->big));
		return c->big[c->nbig++] = xmalloc(n);
	}
	while (c->cur < c->nblocks && c->blocks[c->cur].cap - c->blocks[c->cur].used < n)
		c->cur++;
	if (c->cur == c->nblocks) {
		c->blocks = xrealloc(c->blocks, (c->nblocks + 1) * sizeof(*c->blocks));
		c->blocks[c->nblocks++] = (struct txt_block){xmalloc(TXT_BLOCK), 0, TXT_BLOCK};
	}
	struct txt_block *b = &c->blocks[c->cur];
	char *p = b->p + b->used;
	b->used += n;
	return p;
}

static const char *type_label(enum wh_type t)
{
	switch (t) {
	case WH_BOOL: return "BOOL";
	case WH_INT64: return "INT64";
	case WH_DOUBLE: return "FLOAT64";
	case WH_DECIMAL: return "NUMERIC";
	case WH_DATE: return "DATE";
	case WH_TIMESTAMP: return "TIMESTAMP";
	case WH_DATETIME: return "DATETIME";
	default: return "STRING";
	}
}

/* "column 'c': 'value' " then fmt; the value is clipped at a character
 * boundary, so the message stays valid UTF-8. */
#if defined(__GNUC__)
__attribute__((format(printf, 7, 8)))
#endif
static int failf(struct lake_conv *c, size_t col, const char *s, size_t n, size_t *bad_col,
		 const char **reason, const char *fmt, ...)
{
	size_t clip = n > 60 ? 60 : n;
	while (clip < n && clip > 0 && ((unsigned char)s[clip] & 0xC0) == 0x80)
		clip--;
	int k = snprintf(c->msg, sizeof(c->msg), "column '%s': '%.*s%s' ", c->cols[col].name,
			 (int)clip, s, clip < n ? "..." : "");
	if (k > 0 && (size_t)k < sizeof(c->msg)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->msg + k, sizeof(c->msg) - (size_t)k, fmt, ap);
		va_end(ap);
	}
	*bad_col = col;
	*reason = c->msg;
	return -1;
}

static int fail(struct lake_conv *c, size_t col, const char *s, size_t n, const char *why,
		size_t *bad_col, const char **reason)
{
	return failf(c, col, s, n, bad_col, reason, "%s %s", why,
		     type_label(c->cols[col].type.type));
}

/* Characters of valid UTF-8 text (the reader has checked it). */
static size_t utf8_chars(const char *s, size_t n)
{
	size_t k = n;
	for (size_t i = 0; i < n; i++)
		k -= ((unsigned char)s[i] & 0xC0) == 0x80;
	return k;
}

int lake_conv_row(struct lake_conv *c, const struct csv_record *rec, size_t *bad_col,
		  const char **reason)
{
	size_t row = c->batch.nrows;
	for (size_t i = 0; i < c->ncols; i++) {
		const char *s = rec->f[i];
		size_t n = rec->len[i];
		bool q = rec->quoted[i];
		struct wh_colbuf *cb = &c->cb[i];
		enum wh_type t = cb->type.type;
		if ((!n && (!q || t != WH_TEXT)) ||
		    (!q && c->o.null_marker && n == c->null_len && !memcmp(s, c->o.null_marker, n))) {
			c->vstore[i][row] = 0;
			cb->valid = c->vstore[i];
			/* keep data defined for engines that read it regardless */
			memset((char *)cb->data + row * elem_size(t), 0, elem_size(t));
			continue;
		}
		c->vstore[i][row] = 1;
		switch (t) {
		case WH_INT64:
			if (lake_parse_int64(s, n, (int64_t *)cb->data + row)) {
				bool frac = memchr(s, '.', n) != NULL;
				return fail(c, i, s, n, frac ? "is not a whole number for" : "is not a valid",
					    bad_col, reason);
			}
			break;
		case WH_DOUBLE: {
			int r = lake_parse_double(s, n, (double *)cb->data + row);
			if (r == -2)
				return failf(c, i, s, n, bad_col, reason,
					     "is too small for FLOAT64 (it would become 0)");
			if (r)
				return fail(c, i, s, n, "is not a finite", bad_col, reason);
			break;
		}
		case WH_DECIMAL: {
			int p = cb->type.precision, sc = cb->type.scale;
			int r = lake_parse_decimal(s, n, p, sc, (__int128 *)cb->data + row);
			if (r == -2)
				return failf(c, i, s, n, bad_col, reason,
					     "has more than %d digits before the point for NUMERIC(%d,%d)",
					     p - sc, p, sc);
			if (r == -3)
				return failf(c, i, s, n, bad_col, reason,
					     "has more than %d decimals for NUMERIC(%d,%d) (it would be rounded)",
					     sc, p, sc);
			if (r)
				return fail(c, i, s, n, "is not a valid", bad_col, reason);
			break;
		}
		case WH_BOOL:
			if (lake_parse_bool(s, n, (bool *)cb->data + row))
				return fail(c, i, s, n, "is not a valid", bad_col, reason);
			break;
		case WH_DATE: {
			int32_t dd;
			int64_t us;
			if (c->o.date_format) {
				if (lake_parse_ts_fmt(c->o.date_format, s, n, false, &us) || us % US_PER_DAY)
					return fail(c, i, s, n, "is not a valid", bad_col, reason);
				dd = (int32_t)(us / US_PER_DAY);
			} else if (date_parse(s, n, &dd)) {
				return fail(c, i, s, n, "is not a valid", bad_col, reason);
			}
			((int32_t *)cb->data)[row] = dd;
			break;
		}
		case WH_TIMESTAMP:
		case WH_DATETIME: {
			bool zone = t == WH_TIMESTAMP;
			int r = c->o.timestamp_format
					? lake_parse_ts_fmt(c->o.timestamp_format, s, n, zone,
							    (int64_t *)cb->data + row)
				: zone ? ts_parse(s, n, (int64_t *)cb->data + row)
				       : datetime_parse(s, n, (int64_t *)cb->data + row);
			if (r)
				return fail(c, i, s, n, "is not a valid", bad_col, reason);
			break;
		}
		default: {
			if (cb->type.length > 0 && n > (size_t)cb->type.length) {
				size_t chars = utf8_chars(s, n);
				if (chars > (size_t)cb->type.length)
					return failf(c, i, s, n, bad_col, reason,
						     "has %zu characters, more than the %d of VARCHAR(%d)",
						     chars, cb->type.length, cb->type.length);
			}
			char *p = txt_alloc(c, n ? n : 1);
			memcpy(p, s, n);
			((struct wh_str *)cb->data)[row] = (struct wh_str){p, (uint32_t)n};
			break;
		}
		}
	}
	c->batch.nrows++;
	return 0;
}

/* ---- inference ---- */

enum { IN_BOOL = 1, IN_INT = 2, IN_DBL = 4, IN_DATE = 8, IN_TS = 16 };

void lake_infer_add(struct lake_infer *in, const char *s, size_t n)
{
	if (!n)
		return;
	in->seen++;
	int64_t i;
	double d;
	int32_t dd;
	if (!(n == 4 && !strncasecmp(s, "true", 4)) && !(n == 5 && !strncasecmp(s, "false", 5)))
		in->cant |= IN_BOOL;
	if (!(in->cant & IN_INT) && lake_parse_int64(s, n, &i))
		in->cant |= IN_INT;
	if (!(in->cant & IN_DBL) && lake_parse_double(s, n, &d))
		in->cant |= IN_DBL;
	if (!(in->cant & IN_DATE) && date_parse(s, n, &dd))
		in->cant |= IN_DATE;
	if (!(in->cant & IN_TS) && ts_parse(s, n, &i))
		in->cant |= IN_TS;
}

struct wh_ltype lake_infer_type(const struct lake_infer *in)
{
	struct wh_ltype t = {WH_TEXT, 0, 0, 0};
	if (!in->seen)
		return t;
	if (!(in->cant & IN_BOOL))
		t.type = WH_BOOL;
	else if (!(in->cant & IN_INT))
		t.type = WH_INT64;
	else if (!(in->cant & IN_DBL))
		t.type = WH_DOUBLE;
	else if (!(in->cant & IN_DATE))
		t.type = WH_DATE;
	else if (!(in->cant & IN_TS))
		t.type = WH_TIMESTAMP;
	return t;
}
