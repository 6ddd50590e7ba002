/*
 * tests/fuzz/fuzz_csv.c — libFuzzer target for the CSV reader and type
 * conversion (lake/csv.c, lake/convert.c).
 *
 * Input: 4 option bytes, then the file. The options pick the dialect
 * (delimiter, quoting, backslash escapes), small record and quoted-field
 * bounds (so the skipping and resynchronising paths are reached), a null
 * marker and date formats, and the column types: the first record's field
 * count fixes the columns, each gets one of the loader's types (with
 * NUMERIC(p,s) and VARCHAR(n) variants), and every record with that many
 * fields is converted into small batches. A gzip magic at the start of the
 * file goes through inflate.
 *
 * Besides the sanitizers, the reader's promises are checked: a record's
 * fields are valid UTF-8 without NUL bytes, a bad record has a reason and
 * raw text of at most CSV_RAW_KEEP bytes, lines only grow.
 */
#include "lake/lake.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int fuzz_csv_one(const uint8_t *data, size_t size);
#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_csv_one(data, size);
}
#endif

static const struct wh_ltype csv_types[16] = {
	{WH_INT64, 0, 0, 0},     {WH_DOUBLE, 0, 0, 0},    {WH_DECIMAL, 38, 9, 0},
	{WH_DECIMAL, 6, 2, 0},   {WH_DECIMAL, 1, 0, 0},   {WH_BOOL, 0, 0, 0},
	{WH_TEXT, 0, 0, 0},      {WH_TEXT, 0, 0, 3},      {WH_DATE, 0, 0, 0},
	{WH_TIMESTAMP, 0, 0, 0}, {WH_DATETIME, 0, 0, 0},  {WH_DECIMAL, 38, 38, 0},
	{WH_DECIMAL, 18, 0, 0},  {WH_TEXT, 0, 0, 1},      {WH_NULL, 0, 0, 0},
	{WH_OTHER, 0, 0, 0},
};
static const char *const csv_col_names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};

int fuzz_csv_one(const uint8_t *data, size_t size)
{
	if (size < 4 || size > (1u << 20))
		return 0;
	static const char delims[8] = {',', '\t', ';', '|', ' ', 'x', '\\', '\''};
	uint8_t o0 = data[0], o1 = data[1], o2 = data[2], o3 = data[3];
	struct csv_opts o = {
		.delimiter = delims[o0 & 7],
		.quote = (o0 & 8) ? 0 : '"',
		.max_record_bytes = (o0 & 16) ? 64 + (size_t)o1 * 16 : 0,
		.max_quoted_lines = o2 & 7,
		.max_quoted_bytes = (o2 & 8) ? 1 + (size_t)(o2 >> 4) * 8 : 0,
	};
	o.escape = (o0 & 32) && o.quote ? '\\' : o.quote;
	if (o.delimiter == o.quote || (o.escape && o.delimiter == o.escape))
		return 0; /* refused by the options' validation */
	struct lake_conv_opts co = {
		.null_marker = (o0 & 64) ? "NA" : NULL,
		.timestamp_format = (o0 & 128) ? "%d/%m/%Y %H:%M:%S.%f%z" : NULL,
		.date_format = (o0 & 128) ? "%Y%m%d" : NULL,
	};
	struct csv_reader *r = NULL;
	struct err e = ERR_INIT;
	if (csv_open_mem(data + 4, size - 4, "fuzz.csv", &o, &r, &e)) {
		err_clear(&e);
		return 0;
	}
	struct lake_conv *conv = NULL;
	struct lake_col cols[8];
	struct lake_infer inf[8];
	memset(inf, 0, sizeof(inf));
	size_t ncols = 0;
	uint64_t last_line = 0;
	struct csv_record rec;
	int rc;
	while ((rc = csv_next(r, &rec, &e)) > 0) {
		if (rec.line < last_line)
			abort(); /* lines go forward */
		last_line = rec.line;
		if (rc == CSV_BAD) {
			if (!rec.reason || rec.rawlen > CSV_RAW_KEEP)
				abort();
			continue;
		}
		for (size_t i = 0; i < rec.nfields; i++) {
			if (!lake_utf8_valid(rec.f[i], rec.len[i]) || memchr(rec.f[i], 0, rec.len[i]))
				abort(); /* the reader lets only valid UTF-8 text through */
			if (i < 8)
				lake_infer_add(&inf[i], rec.f[i], rec.len[i]);
		}
		if (!conv) {
			ncols = rec.nfields;
			if (!ncols || ncols > 8)
				continue;
			for (size_t i = 0; i < ncols; i++) {
				cols[i].name = csv_col_names[i];
				cols[i].type = csv_types[(o3 + i * (1 + (o3 >> 4))) & 15];
			}
			conv = lake_conv_new_rows(cols, ncols, &co, 1 + (o1 & 3));
		}
		if (rec.nfields != ncols)
			continue;
		size_t bad_col;
		const char *why;
		if (lake_conv_row(conv, &rec, &bad_col, &why)) {
			if (bad_col >= ncols || !why || !lake_utf8_valid(why, strlen(why)))
				abort();
		}
		if (lake_conv_full(conv)) {
			const struct wh_batch *b = lake_conv_batch(conv);
			if (b->nrows != lake_conv_rows(conv))
				abort();
			lake_conv_reset(conv);
		}
	}
	if (rc == CSV_EOF) {
		char hex[65];
		uint64_t nb;
		csv_digest(r, hex, &nb);
		if (nb != size - 4)
			abort(); /* every byte read and hashed */
	}
	for (size_t i = 0; i < 8; i++)
		(void)lake_infer_type(&inf[i]);
	err_clear(&e);
	lake_conv_free(conv);
	csv_close(r);
	return 0;
}
