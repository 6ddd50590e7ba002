/*
 * platform/results.c — the result encoders (see results.h).
 *
 * One encoder object per output, whatever the format: re_rows renders rows
 * into a pending buffer that is handed to the sink in whole rows, so the
 * server can send each flush as one HTTP chunk. JSON keeps a core/json
 * writer open across calls (its nesting state is all it needs), which is
 * why a stream and a whole result give the same bytes. The table format
 * cannot stream (column widths need every row), so it keeps the rendered
 * cells until re_end.
 *
 * Not used: a CSV library (the RFC 4180 writing rules are the dozen lines
 * of csv_field; libcsv and friends are readers first and would add a
 * dependency for them).
 */
#include "platform/results.h"
#include "core/dtime.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/vec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FLUSH_AT (64 * 1024)

struct re_enc {
	enum re_format fmt;
	size_t ncols;
	char **names;
	enum wh_type *types;
	size_t max_rows;
	struct re_sink sink;
	struct buf pending;
	size_t rows;
	bool truncated;
	int failed; /* the sink's first error, returned again */
	struct jw jw;
	struct buf cell;
	VEC(char *) cells; /* RE_TABLE: rendered cells, row-major */
};

/* ---- sinks ---- */

static int file_write(void *ctx, const char *p, size_t n, struct err *e)
{
	FILE *f = ctx;
	if (n && fwrite(p, 1, n, f) != n)
		return err_set(e, ING_EIO, "cannot write the query result: %s",
			       strerror(errno ? errno : EIO));
	return 0;
}

static int buf_write(void *ctx, const char *p, size_t n, struct err *e)
{
	(void)e;
	buf_add(ctx, p, n);
	return 0;
}

struct re_sink re_sink_file(FILE *f)
{
	struct re_sink s = {file_write, f};
	return s;
}

struct re_sink re_sink_buf(struct buf *b)
{
	struct re_sink s = {buf_write, b};
	return s;
}

int re_format_parse(const char *name, enum re_format *out, struct err *e)
{
	static const char *const names[] = {"table", "csv", "json"};
	for (int i = 0; i < 3; i++)
		if (name && !strcmp(name, names[i])) {
			*out = (enum re_format)i;
			return 0;
		}
	return err_set(e, ING_EINVAL, "--output must be table, csv or json, not '%s'",
		       name ? name : "");
}

/* ---- values ---- */

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return false;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		size_t d = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t d = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return false;
	}
	return i == n;
}

void re_value_json(const struct wh_value *v, struct buf *out)
{
	char tmp[48];
	size_t n;
	switch (v->type) {
	case WH_NULL: buf_puts(out, "null"); break;
	case WH_BOOL: buf_puts(out, v->v.b ? "true" : "false"); break;
	case WH_INT64: buf_printf(out, "%lld", (long long)v->v.i); break;
	case WH_DOUBLE: {
		struct buf t = BUF_INIT;
		struct jw w;
		jw_init(&w, &t, false);
		jw_double(&w, v->v.d); /* dtoa, non-finite -> null */
		buf_add(out, t.data, t.len);
		buf_free(&t);
		break;
	}
	case WH_DECIMAL:
		if (json_number(v->v.s.p, v->v.s.n))
			buf_add(out, v->v.s.p, v->v.s.n);
		else
			json_escape(out, v->v.s.p, v->v.s.n);
		break;
	case WH_DATE:
		n = date_format(v->v.date, tmp);
		json_escape(out, tmp, n);
		break;
	case WH_TIMESTAMP:
	case WH_DATETIME: {
		n = ts_format(v->v.ts, tmp);
		char *sp = memchr(tmp, ' ', n);
		if (sp)
			*sp = 'T';
		if (v->type == WH_TIMESTAMP)
			tmp[n++] = 'Z';
		json_escape(out, tmp, n);
		break;
	}
	case WH_TEXT:
	case WH_OTHER: json_escape(out, v->v.s.p, v->v.s.n); break;
	}
}

/* ---- the encoder ---- */

static int flush(struct re_enc *enc, struct err *e)
{
	if (enc->failed)
		return enc->failed;
	if (!enc->pending.len)
		return 0;
	int rc = enc->sink.write(enc->sink.ctx, enc->pending.data, enc->pending.len, e);
	buf_reset(&enc->pending);
	if (rc)
		enc->failed = rc < 0 ? rc : ING_EIO;
	return enc->failed;
}

static void csv_field(struct buf *b, const char *s, size_t n)
{
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n' || !s[i];
	if (!quote) {
		buf_add(b, s, n);
		return;
	}
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_putc(b, '"');
		buf_putc(b, s[i]);
	}
	buf_putc(b, '"');
}

struct re_enc *re_begin(enum re_format fmt, const char *const *names, const enum wh_type *types,
			size_t ncols, const struct re_opts *opts, struct re_sink sink)
{
	struct re_enc *enc = xcalloc(1, sizeof(*enc));
	enc->fmt = fmt;
	enc->ncols = ncols;
	enc->names = xcalloc(ncols + 1, sizeof(*enc->names));
	enc->types = xcalloc(ncols + 1, sizeof(*enc->types));
	for (size_t c = 0; c < ncols; c++) {
		enc->names[c] = xstrdup(names[c] ? names[c] : "");
		enc->types[c] = types ? types[c] : WH_TEXT;
	}
	enc->max_rows = opts ? opts->max_rows : 0;
	enc->sink = sink;
	if (fmt == RE_CSV) {
		for (size_t c = 0; c < ncols; c++) {
			if (c)
				buf_putc(&enc->pending, ',');
			csv_field(&enc->pending, enc->names[c], strlen(enc->names[c]));
		}
		buf_putc(&enc->pending, '\n');
	} else if (fmt == RE_JSON) {
		jw_init(&enc->jw, &enc->pending, true);
		jw_obj_begin(&enc->jw);
		jw_key(&enc->jw, opts && opts->json_key ? opts->json_key : "show");
		jw_arr_begin(&enc->jw);
	}
	return enc;
}

bool re_full(const struct re_enc *enc)
{
	return enc->max_rows && enc->rows >= enc->max_rows;
}

static void row_csv(struct re_enc *enc, const struct wh_result *r, size_t row)
{
	for (size_t c = 0; c < enc->ncols; c++) {
		if (c)
			buf_putc(&enc->pending, ',');
		buf_reset(&enc->cell);
		wh_value_text(wh_cell(r, row, c), &enc->cell);
		csv_field(&enc->pending, buf_cstr(&enc->cell), enc->cell.len);
	}
	buf_putc(&enc->pending, '\n');
}

static void row_json(struct re_enc *enc, const struct wh_result *r, size_t row)
{
	jw_obj_begin(&enc->jw);
	for (size_t c = 0; c < enc->ncols; c++) {
		jw_key(&enc->jw, enc->names[c]);
		buf_reset(&enc->cell);
		re_value_json(wh_cell(r, row, c), &enc->cell);
		jw_raw(&enc->jw, buf_cstr(&enc->cell));
	}
	jw_obj_end(&enc->jw);
}

static void row_table(struct re_enc *enc, const struct wh_result *r, size_t row)
{
	for (size_t c = 0; c < enc->ncols; c++) {
		buf_reset(&enc->cell);
		wh_value_text(wh_cell(r, row, c), &enc->cell);
		vec_push(&enc->cells, xstrndup(buf_cstr(&enc->cell), enc->cell.len));
	}
}

int re_rows(struct re_enc *enc, const struct wh_result *r, size_t first, size_t n,
	    struct err *e)
{
	if (enc->failed)
		return enc->failed;
	if (r->ncols != enc->ncols)
		return err_set(e, ING_EINVAL,
			       "a result batch has %zu columns, the encoder was started with %zu",
			       r->ncols, enc->ncols);
	if (first > r->nrows)
		first = r->nrows;
	if (n > r->nrows - first)
		n = r->nrows - first;
	for (size_t row = first; row < first + n; row++) {
		if (re_full(enc)) {
			enc->truncated = true;
			break;
		}
		switch (enc->fmt) {
		case RE_CSV: row_csv(enc, r, row); break;
		case RE_JSON: row_json(enc, r, row); break;
		case RE_TABLE: row_table(enc, r, row); break;
		}
		enc->rows++;
		if (enc->pending.len >= FLUSH_AT && flush(enc, e))
			return enc->failed;
	}
	return flush(enc, e);
}

/* Display width of UTF-8 text (code points; good enough for tables). */
static size_t u8width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

static bool numeric(enum wh_type t)
{
	return t == WH_INT64 || t == WH_DOUBLE || t == WH_DECIMAL;
}

static void pad(struct buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_putc(b, ' ');
}

static int end_table(struct re_enc *enc, struct err *e)
{
	size_t nc = enc->ncols;
	size_t *w = xcalloc(nc + 1, sizeof(size_t));
	for (size_t c = 0; c < nc; c++)
		w[c] = u8width(enc->names[c], strlen(enc->names[c]));
	for (size_t i = 0; i < enc->cells.len; i++) {
		size_t cw = u8width(enc->cells.items[i], strlen(enc->cells.items[i]));
		if (cw > w[i % nc])
			w[i % nc] = cw;
	}
	struct buf *b = &enc->pending;
	for (size_t c = 0; c < nc; c++) {
		buf_puts(b, "| ");
		buf_puts(b, enc->names[c]);
		pad(b, w[c] - u8width(enc->names[c], strlen(enc->names[c])));
		buf_putc(b, ' ');
	}
	buf_puts(b, "|\n");
	for (size_t c = 0; c < nc; c++) {
		buf_puts(b, "| ");
		for (size_t k = 0; k < w[c]; k++)
			buf_putc(b, '-');
		buf_putc(b, ' ');
	}
	buf_puts(b, "|\n");
	int rc = 0;
	for (size_t row = 0; nc && row < enc->cells.len / nc && !rc; row++) {
		for (size_t c = 0; c < nc; c++) {
			const char *s = enc->cells.items[row * nc + c];
			size_t p = w[c] - u8width(s, strlen(s));
			buf_puts(b, "| ");
			if (numeric(enc->types[c])) {
				pad(b, p);
				buf_puts(b, s);
			} else {
				buf_puts(b, s);
				pad(b, p);
			}
			buf_putc(b, ' ');
		}
		buf_puts(b, "|\n");
		if (b->len >= FLUSH_AT)
			rc = flush(enc, e);
	}
	if (!nc) /* no columns: the rows are empty lines of the frame */
		for (size_t row = 0; row < enc->rows; row++)
			buf_puts(b, "|\n");
	if (enc->truncated)
		buf_printf(b, "(showing the first %zu rows; more were cut)\n", enc->rows);
	free(w);
	return rc ? rc : flush(enc, e);
}

int re_end(struct re_enc *enc, struct re_stats *st, struct err *e)
{
	int rc = enc->failed;
	if (!rc) {
		switch (enc->fmt) {
		case RE_CSV: rc = flush(enc, e); break;
		case RE_TABLE: rc = end_table(enc, e); break;
		case RE_JSON:
			jw_arr_end(&enc->jw);
			if (enc->truncated) {
				jw_key(&enc->jw, "truncated");
				jw_bool(&enc->jw, true);
			}
			jw_obj_end(&enc->jw);
			buf_putc(&enc->pending, '\n');
			rc = flush(enc, e);
			break;
		}
	}
	if (st) {
		st->rows = enc->rows;
		st->truncated = enc->truncated;
	}
	for (size_t c = 0; c < enc->ncols; c++)
		free(enc->names[c]);
	for (size_t i = 0; i < enc->cells.len; i++)
		free(enc->cells.items[i]);
	vec_free(&enc->cells);
	free(enc->names);
	free(enc->types);
	buf_free(&enc->pending);
	buf_free(&enc->cell);
	free(enc);
	return rc;
}

int re_encode(enum re_format fmt, const struct wh_result *r, const struct re_opts *opts,
	      struct re_sink sink, struct re_stats *st, struct err *e)
{
	struct re_enc *enc =
		re_begin(fmt, (const char *const *)r->names, r->types, r->ncols, opts, sink);
	int rc = re_rows(enc, r, 0, r->nrows, e);
	int rc2 = re_end(enc, st, e);
	return rc ? rc : rc2;
}
