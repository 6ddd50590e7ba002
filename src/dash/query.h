/*
 * dash/query.h — the query compiler (query.c): a request's names and
 * values, checked against a tile, and the tile's queries run on a
 * connection. Internal to dash/ (ctx.c calls it; tests too).
 */
#ifndef INGOT_DASH_QUERY_H
#define INGOT_DASH_QUERY_H

#include "dash/dash_int.h"
#include "warehouse/warehouse.h"

struct dq_filter {
	const char *name;           /* borrowed from the params */
	const struct dash_dim *dim; /* of the tile's view, or NULL: ignored there */
	const char *label;          /* the page filter's, else the dimension's */
	const char **vals;          /* borrowed */
	size_t nvals;
};

struct dq_req {
	struct dq_filter *filters;
	size_t nfilters;
	bool has_range, compare;
	const char *date_label; /* the page's date filter's label */
	int32_t from, to; /* days since 1970-01-01, [from, to) */
	const char *grain;
	int sort_col; /* -1 none */
	bool sort_desc;
	int64_t offset, limit;
	struct buf norm; /* the normalized request (cache key) */
};

struct dq_opts {
	size_t row_cap;
	int statement_timeout_ms;
};

/* Check params against tile t of board b (page pg) and fill r; today is
 * the UTC day presets resolve against. ING_EINVAL with a message naming
 * the bad name or value. The params must outlive r. */
int dq_req_parse(const struct dash_board *b, const struct dash_page *pg, const struct dash_tile *t,
		 const struct dash_param *params, size_t n, int32_t today, struct dq_req *r,
		 struct err *e);
void dq_req_free(struct dq_req *r);

/* The tile's JSON object, the contract's shape but for "cached" and "ms"
 * (ctx.c puts them before the closing brace). Runs in a read-only
 * transaction. ING_EDB for a query the engine refused. conn may be NULL
 * for a text tile (it runs no query). */
int dq_tile_json(struct wh_conn *conn, const struct dash_tile *t, const struct dq_req *r,
		 const struct dq_opts *o, struct buf *out, struct err *e);
int dq_tile_csv(struct wh_conn *conn, const struct dash_tile *t, const struct dq_req *r,
		const struct dq_opts *o, int (*write)(void *arg, const char *p, size_t n), void *arg,
		struct err *e);
/* The last day with data in view v's time column (max, as a date);
 * *found false when the relation is empty. */
int dq_latest_day(struct wh_conn *conn, const struct dash_view *v, const struct dq_opts *o,
		  int32_t *day, bool *found, struct err *e);
int dq_filter_values(struct wh_conn *conn, const struct dash_view *v, const struct dash_dim *d,
		     const char *prefix, const struct dq_opts *o, struct buf *out, struct err *e);

#endif
