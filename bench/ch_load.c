/*
 * bench/ch_load.c — ingot's load path into ClickHouse over HTTP, timed:
 * the lake's order_items files through ingot's CSV reader and typed
 * conversion (lake/), encoded as RowBinary and streamed by one chunked
 * INSERT of the http transport (warehouse/ch_http.c) into TABLE.
 *
 *     ch_load PORT USER PASSWORD TABLE FILE...
 *
 * TABLE has the columns of order_items: id Int64, then the others
 * Nullable, timestamps as Int64 microseconds (18.16 has no DateTime64).
 * Prints "rows SECONDS" on stdout. Used by bench/clickhouse.sh.
 */
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "lake/lake.h"
#include "warehouse/ch_http.h"
#include "warehouse/warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct lake_col cols[] = {
	{"id", {.type = WH_INT64}},	    {"order_id", {.type = WH_INT64}},
	{"user_id", {.type = WH_INT64}},	    {"product_id", {.type = WH_INT64}},
	{"inventory_item_id", {.type = WH_INT64}}, {"status", {.type = WH_TEXT}},
	{"created_at", {.type = WH_TIMESTAMP}},  {"shipped_at", {.type = WH_TIMESTAMP}},
	{"delivered_at", {.type = WH_TIMESTAMP}}, {"returned_at", {.type = WH_TIMESTAMP}},
	{"sale_price", {.type = WH_DOUBLE}},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

struct load {
	char **paths;
	int npaths, next;
	struct csv_reader *r;
	bool in_header;
	struct lake_conv *conv;
	unsigned long long rows, bad;
};

static void put_varint(struct buf *b, unsigned long long v)
{
	while (v >= 0x80) {
		buf_putc(b, (char)(v | 0x80));
		v >>= 7;
	}
	buf_putc(b, (char)v);
}

static void encode(const struct wh_batch *bt, struct buf *out)
{
	for (size_t r = 0; r < bt->nrows; r++)
		for (size_t k = 0; k < bt->ncols; k++) {
			const struct wh_colbuf *cb = &bt->cols[k];
			if (k > 0 && cb->valid && !cb->valid[r]) {
				buf_putc(out, 1);
				continue;
			}
			if (k > 0)
				buf_putc(out, 0);
			switch (cb->type.type) {
			case WH_INT64:
			case WH_TIMESTAMP: buf_add(out, &((int64_t *)cb->data)[r], 8); break;
			case WH_DOUBLE: buf_add(out, &((double *)cb->data)[r], 8); break;
			default: {
				const struct wh_str *s = &((struct wh_str *)cb->data)[r];
				put_varint(out, s->n);
				buf_add(out, s->p, s->n);
				break;
			}
			}
		}
}

static int body(void *ud, struct buf *chunk, bool *done, struct err *e)
{
	struct load *l = ud;
	struct csv_opts co = {.delimiter = ',', .quote = '"', .escape = '"'};
	bool eof = false;
	buf_reset(chunk);
	/* about 1 MiB per chunk: several conversion batches */
	while (chunk->len < (1u << 20) && !eof) {
		lake_conv_reset(l->conv);
		while (!lake_conv_full(l->conv)) {
			if (!l->r) {
				if (l->next == l->npaths) {
					eof = true;
					break;
				}
				int rc = csv_open(l->paths[l->next++], &co, &l->r, e);
				if (rc < 0)
					return rc;
				l->in_header = true;
			}
			struct csv_record rec;
			int k = csv_next(l->r, &rec, e);
			if (k < 0)
				return k;
			if (k == CSV_EOF) {
				csv_close(l->r);
				l->r = NULL;
				continue;
			}
			if (l->in_header) {
				l->in_header = false;
				continue;
			}
			size_t bad_col;
			const char *why;
			if (k == CSV_BAD || rec.nfields != NCOLS ||
			    lake_conv_row(l->conv, &rec, &bad_col, &why) < 0) {
				l->bad++;
				continue;
			}
		}
		const struct wh_batch *bt = lake_conv_batch(l->conv);
		encode(bt, chunk);
		l->rows += bt->nrows;
	}
	*done = eof;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: ch_load PORT USER PASSWORD TABLE FILE...\n");
		return 2;
	}
	static const char *const settings[] = {"insert_distributed_sync=1", NULL};
	struct ch_http_opts o = {.host = "127.0.0.1", .port = atoi(argv[1]), .user = argv[2],
				 .password = argv[3], .settings = settings};
	struct ch_http *h = NULL;
	struct err e = ERR_INIT;
	struct load l = {.paths = argv + 5, .npaths = argc - 5};
	l.conv = lake_conv_new(cols, NCOLS, &(struct lake_conv_opts){0});
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *sql = xasprintf("INSERT INTO %s FORMAT RowBinary", argv[4]);
	int rc = ch_http_open(&o, &h, &e);
	if (!rc)
		rc = ch_http_exec(h, sql, body, &l, NULL, NULL, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(sql);
	if (l.r)
		csv_close(l.r);
	lake_conv_free(l.conv);
	ch_http_close(h);
	if (rc) {
		fprintf(stderr, "ch_load: %s\n", e.msg ? e.msg : "failed");
		err_clear(&e);
		return 1;
	}
	printf("%llu %.3f\n", l.rows,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return l.bad ? 1 : 0;
}
