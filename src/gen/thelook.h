/*
 * gen/thelook.h — a deterministic generator of thelook-style e-commerce data.
 *
 * Writes the seven tables of Google's public `thelook_ecommerce` dataset as
 * BigQuery exports them to CSV, under OUT:
 *
 *     OUT/<table>/<table>_0001.csv ... _NNNN.csv     (--files N; .csv.gz with gzip)
 *     OUT/<table>/<table>_20250601.csv               (a one-day window)
 *     OUT/<table>/<table>_20250601_20250607.csv      (a window of several days;
 *                                                     the second date is the last day)
 *     OUT/_defects.csv                               (dirty runs: every injected defect)
 *
 * Calling sequence:
 *
 *     struct gen_opts o;
 *     gen_opts_default(&o);               // scale 1, seed 42, 1 file, 2 threads, ...
 *     o.out = "lake"; o.scale = 0.1;
 *     struct gen_stats st;
 *     if (gen_thelook(&o, &st, &e) < 0) ...   // e says why; nothing partial is left
 *
 * Determinism: every value of a row comes from a counter-based RNG keyed by
 * (seed, stream, row number) — a splitmix64 finaliser over the key, then a
 * Weyl sequence — so any row can be produced on its own. Threads, --files and
 * windows only decide which rows go where; the bytes of a row never change.
 * A window run writes exactly the rows a full run has for orders created in
 * the window, with the same ids and values.
 *
 * What is planned up front (single-threaded, cheap): how many users and orders
 * each day gets (growth over the range, weekly and year-end seasonality), and
 * for each order its item, inventory and event counts, so that order item,
 * inventory item and event ids are dense and computable for any order range.
 *
 * Row order: users by created_at day; orders by created_at day (ids ascend
 * with the day; within a day times are random); each order's items,
 * inventory items (the sold one per item, then restocked unsold ones) and
 * event sessions (its purchase session, then anonymous sessions of that day)
 * follow the order.
 *
 * Declared types (what the loader and the example project declare; BigQuery
 * names, DESIGN.md §3 maps them to engine types):
 *
 *   users                 id INT64, first_name STRING, last_name STRING, email STRING,
 *                         age INT64, gender STRING, state STRING, street_address STRING,
 *                         postal_code STRING, city STRING, country STRING,
 *                         latitude FLOAT64, longitude FLOAT64, traffic_source STRING,
 *                         created_at TIMESTAMP, user_geom STRING (WKT of a GEOGRAPHY)
 *   orders                order_id INT64, user_id INT64, status STRING, gender STRING,
 *                         created_at TIMESTAMP, returned_at TIMESTAMP, shipped_at TIMESTAMP,
 *                         delivered_at TIMESTAMP, num_of_item INT64
 *   order_items           id INT64, order_id INT64, user_id INT64, product_id INT64,
 *                         inventory_item_id INT64, status STRING, created_at TIMESTAMP,
 *                         shipped_at TIMESTAMP, delivered_at TIMESTAMP,
 *                         returned_at TIMESTAMP, sale_price FLOAT64
 *   products              id INT64, cost FLOAT64, category STRING, name STRING, brand STRING,
 *                         retail_price FLOAT64, department STRING, sku STRING,
 *                         distribution_center_id INT64
 *   inventory_items       id INT64, product_id INT64, created_at TIMESTAMP,
 *                         sold_at TIMESTAMP, cost FLOAT64, product_category STRING,
 *                         product_name STRING, product_brand STRING,
 *                         product_retail_price FLOAT64, product_department STRING,
 *                         product_sku STRING, product_distribution_center_id INT64
 *   distribution_centers  id INT64, name STRING, latitude FLOAT64, longitude FLOAT64,
 *                         distribution_center_geom STRING (WKT of a GEOGRAPHY)
 *   events                id INT64, user_id INT64, sequence_number INT64,
 *                         session_id STRING, created_at TIMESTAMP, ip_address STRING,
 *                         city STRING, state STRING, postal_code STRING, browser STRING,
 *                         traffic_source STRING, uri STRING, event_type STRING
 *
 * The same table is available as data: gen_tables[].
 *
 * CSV format (BigQuery's export): a header row, "\n" line ends, fields
 * quoted only when they hold ',', '"', CR or LF (quotes doubled), NULL as an
 * empty field, timestamps "YYYY-MM-DD HH:MM:SS[.ffffff] UTC" (the fraction
 * only when non-zero), geography as "POINT(lon lat)".
 *
 * Dirty runs (--dirty RATE): each data row is made defective with
 * probability RATE (decided by its own RNG key, so the choice is as
 * deterministic as the data), and the last row of each file gets an
 * unterminated quote (the only place one can be without swallowing later
 * rows). Defect kinds: see gen_defect_names[]. A dirty file is the clean
 * file with those rows altered in place, plus one inserted line after each
 * row chosen for `duplicate_id` (an exact copy). OUT/_defects.csv lists
 * (table, file, line, column, kind) for each, line being the 1-based
 * physical line in the file (the header is line 1). Entries of files this run
 * did not write are kept, so window runs accumulate.
 */
#ifndef INGOT_GEN_THELOOK_H
#define INGOT_GEN_THELOOK_H

#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>

enum gen_table_id {
	GEN_USERS,
	GEN_ORDERS,
	GEN_ORDER_ITEMS,
	GEN_PRODUCTS,
	GEN_INVENTORY_ITEMS,
	GEN_DISTRIBUTION_CENTERS,
	GEN_EVENTS,
	GEN_NTABLES
};

enum gen_type { GEN_INT64, GEN_FLOAT64, GEN_STRING, GEN_TIMESTAMP };

struct gen_column {
	const char *name;
	enum gen_type type;
};

struct gen_table {
	const char *name;
	const struct gen_column *cols;
	unsigned ncols;
};

extern const struct gen_table gen_tables[GEN_NTABLES];
/* "INT64", "FLOAT64", "STRING", "TIMESTAMP" */
const char *gen_type_name(enum gen_type t);

enum gen_defect_kind {
	GEN_D_MALFORMED_NUMBER,
	GEN_D_MALFORMED_TIMESTAMP,
	GEN_D_SHORT_ROW,
	GEN_D_LONG_ROW,
	GEN_D_UNTERMINATED_QUOTE,
	GEN_D_INVALID_UTF8,
	GEN_D_NUL_BYTE,
	GEN_D_DUPLICATE_ID,
	GEN_D_ORPHAN_FK,
	GEN_D_NEGATIVE_PRICE,
	GEN_D_SHIPPED_BEFORE_CREATED,
	GEN_D_NKINDS
};
/* "malformed_number", "malformed_timestamp", "short_row", "long_row",
 * "unterminated_quote", "invalid_utf8", "nul_byte", "duplicate_id",
 * "orphan_fk", "negative_price", "shipped_before_created". */
extern const char *const gen_defect_names[GEN_D_NKINDS];

/* The default date range of the data. */
#define GEN_DEFAULT_FROM "2019-01-01"
#define GEN_DEFAULT_TO "2025-12-31"

struct gen_opts {
	const char *out;  /* output directory (created if missing) */
	double scale;     /* (0, 1000]; 1 = 100,000 users */
	uint64_t seed;
	unsigned files;   /* parts per table, >= 1 (1 in window runs) */
	unsigned threads; /* >= 1 */
	unsigned tables;  /* bit mask of 1u << enum gen_table_id */
	bool gzip;
	double dirty;     /* 0 = clean; else the defect rate, (0, 1] */
	int32_t from, to; /* the data's date range, days since 1970, inclusive */
	bool window;      /* write only [win_start, win_end) */
	int32_t win_start, win_end; /* days since 1970; end exclusive */
	bool progress;    /* show the progress line (core/progress) */
};

struct gen_table_stats {
	uint64_t rows;  /* data rows written (duplicates included) */
	uint64_t bytes; /* bytes written (compressed size with gzip) */
	unsigned files;
};

struct gen_stats {
	struct gen_table_stats t[GEN_NTABLES];
	uint64_t defects;
	double seconds;
};

/* Defaults: scale 1, seed 42, 1 file, 2 threads, the seven tables (the five
 * that have dates in window runs: see gen_thelook), default range. */
void gen_opts_default(struct gen_opts *o);

/* "users,orders" → mask. Unknown names are an ING_EINVAL error naming them. */
int gen_tables_parse(const char *list, unsigned *mask, struct err *e);

/* Sizes at a scale (what a full run writes, before defects). */
struct gen_sizes {
	uint64_t users, orders, order_items, products, inventory_items, centers, events;
};
int gen_sizes(const struct gen_opts *o, struct gen_sizes *out, struct err *e);

/* Generate. Validates the options first (scale, range, window inside the
 * range, tables allowed in a window, OUT writable) and returns ING_EINVAL /
 * ING_EIO with a message before writing anything. Each file is written to a
 * temp name and renamed into place when complete; on failure every
 * unfinished temp file is removed. In a window run products and
 * distribution_centers (which have no dates) are refused when asked for
 * explicitly and left out by default. */
int gen_thelook(const struct gen_opts *o, struct gen_stats *st, struct err *e);

#endif
