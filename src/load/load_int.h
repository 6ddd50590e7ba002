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

/* LF_DUP: new, with the same contents as a loaded file or an earlier new
 * one (dup_of): recorded in the manifest, not loaded. */
enum lfile_state { LF_NEW, LF_LOADED, LF_CHANGED, LF_DUP };

struct lfile {
	struct lake_file f;
	enum lfile_state state;
	const char *old_sha; /* manifest's sha256 when recorded */
	const char *sha;     /* hashed while planning, else NULL */
	const char *dup_of;  /* LF_DUP: the file with the same contents */
	bool refresh;        /* LF_LOADED with a moved fingerprint: update its row */
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
	size_t nnew, nloaded, nchanged, ndup;
	size_t nwaiting;    /* matched but not complete or too young: left for later */
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
	bool legacy_manifest; /* dry run over a manifest not yet migrated */
	bool no_archived_at;  /* dry run over a manifest without archived_at */
	int64_t started_us;
	pthread_mutex_t lock; /* guards the report arena */
	struct arena *arena;  /* report strings */
};

/* The _ingot tables' DDL (idempotent). */
int load__ensure_meta(struct wh_conn *c, struct err *e);
/* Plan pl's files again on c (inside its transaction, under the
 * relation's lock): what another run committed meanwhile is seen. */
int load__replan(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, struct err *e);
/* Load one planned table in one transaction: BEGIN, the relation's
 * warehouse lock, load__replan, then the load; fills pl->rep. 0 or <0 (the
 * report carries the error too). */
int load__table(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, struct err *e);
/* Record a row in _ingot.loads (its own statement). */
int load__record_run(struct load_ctx *lc, struct wh_conn *c, const struct lplan *pl,
		     struct err *e);

#endif
