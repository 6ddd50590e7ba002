/*
 * load/load_int.h — what load.c (planning, threads, report) and table.c
 * (one table's load transaction) share. Internal to load/.
 */
#ifndef INGOT_LOAD_INT_H
#define INGOT_LOAD_INT_H

#include "config/sources.h"
#include "lake/lake.h"
#include "load/load.h"

#include <pthread.h>

enum lfile_state { LF_NEW, LF_LOADED, LF_CHANGED };

struct lfile {
	struct lake_file f;
	enum lfile_state state;
	const char *old_sha; /* manifest's sha256 when recorded */
};

/* Everything about one table's load, decided before it starts. */
struct lplan {
	const struct src_table *t;
	const struct src_external_options *opt;
	const char *schema, *identifier;
	const char *name; /* "source.table" */
	struct lake_col *cols;
	size_t ncols;
	bool inferred;      /* column types from a sample */
	const char *inferred_note; /* "column types inferred from F: a int64, ..." */
	bool replace;       /* truncate mode or --full-refresh: build new + swap */
	struct lfile *files;
	size_t nfiles;
	size_t nnew, nloaded, nchanged;
	bool up_to_date;    /* nothing to do */
	const char *plan_error; /* found while planning: fails the table */
	struct load_table_report *rep;
};

struct load_ctx {
	struct project *p;
	struct wh_db *db;
	const struct load_opts *o;
	const char *load_id;
	const char *lake_root;
	int64_t started_us;
	pthread_mutex_t lock; /* guards the report arena */
	struct arena *arena;  /* report strings */
};

/* The _ingot tables' DDL (idempotent). */
int load__ensure_meta(struct wh_conn *c, struct err *e);
/* Load one planned table in one transaction; fills pl->rep. 0 or <0 (the
 * report carries the error too). */
int load__table(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, struct err *e);
/* Record a row in _ingot.loads (its own statement). */
int load__record_run(struct load_ctx *lc, struct wh_conn *c, const struct lplan *pl,
		     struct err *e);

#endif
