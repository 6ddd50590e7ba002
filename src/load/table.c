/*
 * load/table.c — one source table's load, as one transaction.
 *
 *   BEGIN; the relation's warehouse lock; plan the files again under it
 *     (load.c): what another run committed meanwhile is now loaded
 *     replace (truncate mode, --full-refresh): CREATE the new relation
 *       "<identifier>__ingot_new" and load into it;
 *     append: CREATE TABLE IF NOT EXISTS and load into the table itself
 *   for each file: stream records -> convert -> column batches -> appender;
 *     bad rows -> reject batches -> _ingot.load_rejects
 *   more rejects than max_bad_records -> ROLLBACK, say how many and why
 *   manifest rows (_ingot.loaded_files) for the files loaded (replace:
 *     rewritten in place, then the rows of files no longer there deleted;
 *     DuckDB refuses a DELETE and an INSERT of one unique key in one
 *     transaction), duplicates, and refreshed fingerprints
 *   replace: DROP the old relation, RENAME the new one into its place —
 *     except where views are bound to tables (WH_CAP_BOUND_VIEWS, e.g.
 *     PostgreSQL: dbt staging views read the bronze table) and the table
 *     already has the declared columns: there it is emptied with TRUNCATE
 *     and loaded in place, in the same transaction, so the views survive
 *     and a failure still restores the old rows
 *   the run's row in _ingot.loads
 *   COMMIT
 *
 * A process killed anywhere before COMMIT leaves the previous table and
 * manifest as they were (the engine discards the open transaction), and the
 * next run plans the same files again. PostgreSQL allows one COPY at a time
 * on a connection, so reject batches are written between data batches by
 * closing the data appender and opening it again; both stay inside the
 * transaction.
 *
 * Two threads per table: a producer reads, hashes, parses and converts the
 * files into column batches (and reject batches), and this thread, which
 * owns the connection and its transaction, appends them. A few batch slots
 * circulate between the two (bounded memory); order is kept, so rejects
 * and rows reach the engine as the files have them. Parsing thus overlaps
 * the engine's own work (compression, COPY) instead of adding to it.
 *
 * Where the engine takes a stream of batches (WH_CAP_STREAM_INSERT,
 * DuckDB), slots are a row group large and the appender is not used: this
 * thread runs one INSERT whose rows the engine's worker threads pull from
 * the queue themselves (s_next), so its storage work (compression,
 * statistics) runs on all of its threads instead of one, in file order. A
 * slot that carries rejects ends its INSERT; the rejects are appended and
 * the next INSERT continues with the following slot. Same transaction,
 * same counts, same order; only the engine's side is parallel. (Measured
 * on thelook order_items, 2 cores: the appender path ran at 0.85x of
 * DuckDB's own read_csv, this one at about 1.4x.)
 *
 * Rejected alternative: several appending connections per table (each in
 * its own transaction over a committed staging relation). It spread the
 * engine's work over more cores but left staging relations behind when
 * killed and, on a 2-core machine, measured no faster.
 *
 * Not here: choosing tables and files (load.c), reading and converting
 * (lake/).
 */
#include "load/load_int.h"
#include "core/cancel.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/progress.h"
#include "core/relver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REJ_BATCH 1024
#define FIRST_REASONS 5

enum { RJ_LOAD, RJ_SOURCE, RJ_TABLE, RJ_FILE, RJ_LINE, RJ_COLUMN, RJ_REASON, RJ_RAW, RJ_NCOLS };

static const char *const rej_names[RJ_NCOLS] = {"load_id", "source", "table_name", "file",
						 "line", "column_name", "reason", "raw"};

#define NSLOTS 4
/* Rows per slot when the engine takes a stream of batches: one DuckDB row
 * group, so each batch becomes row groups of its own with no merging. */
#define STREAM_ROWS 122880

/* A unit of work passed from the producer to the appender. */
struct slot {
	struct lake_conv *conv;
	/* appender path: each row's file (index in the plan) and CSV line, so
	 * an engine error on row N of a COPY names the line of the file */
	uint64_t *line;
	uint32_t *fidx;
	struct wh_colbuf rcb[RJ_NCOLS];
	struct wh_batch rb;
	struct arena *ra;
	/* with a loaded_at column: the converter's columns and that one */
	struct wh_colbuf *xcb;
	struct wh_batch xb;
};

/* Rows of the open COPY from one file on consecutive lines: row0 (0-based
 * in the COPY) is line0 of file fidx. */
struct copy_run {
	uint64_t row0, line0;
	uint32_t fidx;
};

/* The appending side: its connection and its open COPY / appender. */
struct apx {
	struct tload *tl;
	struct wh_conn *c;
	struct wh_appender *ap;
	struct copy_run *runs; /* where the rows of the open COPY came from */
	size_t nruns, capruns;
	uint64_t copy_rows, last_line;
};

struct tload {
	struct load_ctx *lc;
	struct wh_conn *c; /* the table's own connection (manifest, swap) */
	struct lplan *pl;
	const char *target;               /* relation being appended to */
	const char *rej_schema, *rej_rel; /* where rejects are appended */
	struct wh_coldef *defs;
	size_t ndefs; /* the files' columns, and the loaded_at column if any */
	int64_t loaded_at;  /* this load's time: the column's value, the manifest's */
	int64_t *lat_vals;  /* loaded_at, once per row of a full slot */
	struct slot slots[NSLOTS];
	/* producer side */
	struct slot *cur;
	uint32_t cur_file; /* index in pl->files of the file being read */
	char (*shas)[65];
	uint64_t *rows;
	uint64_t *file_rejects; /* per file of pl->files: for the quarantine */
	uint64_t rejected;
	struct buf first; /* the first reasons, for the message */
	size_t nfirst;
	struct progress *prog;
	int prod_rc;
	struct err prod_err;
	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *q[NSLOTS];
	size_t qh, qn;
	struct slot *freel[NSLOTS];
	size_t nfree;
	bool prod_done, stop; /* stop: the appender failed or the load was cancelled */
	_Atomic bool over; /* more than max_bad_records: count on, append nothing */
	/* stream insert (engine threads pull slots), under mu */
	bool stream;
	size_t slot_rows; /* rows a slot holds (slot_rows_for) */
	bool seg_end;          /* end the current INSERT */
	bool drained;          /* producer done and queue empty */
	struct slot *pend_rej; /* slot whose rejects follow the current INSERT */
	size_t handed;         /* batches handed to the engine */
};

/* Valid UTF-8 without NUL: engines refuse both in text; a reject's raw
 * record is often bad precisely there. Invalid bytes become U+FFFD. */
static struct wh_str clean_text(struct arena *a, const char *s, size_t n)
{
	if (lake_utf8_valid(s, n) && !memchr(s, 0, n)) {
		char *p = arena_alloc(a, n + 1);
		memcpy(p, s, n);
		return (struct wh_str){p, (uint32_t)n};
	}
	char *p = arena_alloc(a, n * 3 + 1), *w = p;
	for (size_t i = 0; i < n;) {
		size_t k = 1;
		unsigned char c = (unsigned char)s[i];
		if (c >= 0xC2 && c <= 0xF4)
			for (k = (c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2); k > 1; k--)
				if (i + k <= n && lake_utf8_valid(s + i, k))
					break;
		if (c == 0 || (c >= 0x80 && k == 1)) {
			memcpy(w, "\xEF\xBF\xBD", 3);
			w += 3;
			i++;
			continue;
		}
		memcpy(w, s + i, k);
		w += k;
		i += k;
	}
	return (struct wh_str){p, (uint32_t)(w - p)};
}

static struct wh_str astr(struct arena *a, const char *s)
{
	return clean_text(a, s, strlen(s));
}

/* Is this file's content read by the load: a new file, or any file of a
 * reload, but never a second copy of one loaded with it? */
static bool file_to_load(const struct lplan *pl, const struct lfile *lf)
{
	return (pl->replace || lf->state == LF_NEW) && lf->state != LF_DUP;
}

static void slots_init(struct tload *tl, const struct lake_conv_opts *co)
{
	for (int k = 0; k < NSLOTS; k++) {
		struct slot *sl = &tl->slots[k];
		sl->conv = lake_conv_new_rows(tl->pl->cols, tl->pl->ncols, co, tl->slot_rows);
		sl->ra = arena_new(1 << 16);
		if (!tl->stream) {
			sl->line = xcalloc(LAKE_BATCH_ROWS, sizeof(*sl->line));
			sl->fidx = xcalloc(LAKE_BATCH_ROWS, sizeof(*sl->fidx));
		}
		for (int i = 0; i < RJ_NCOLS; i++) {
			sl->rcb[i].type.type = i == RJ_LINE ? WH_INT64 : WH_TEXT;
			sl->rcb[i].data = xcalloc(REJ_BATCH,
						  i == RJ_LINE ? sizeof(int64_t) : sizeof(struct wh_str));
			sl->rcb[i].valid = xcalloc(REJ_BATCH, 1);
		}
		sl->rb.ncols = RJ_NCOLS;
		sl->rb.cols = sl->rcb;
		if (tl->ndefs > tl->pl->ncols)
			sl->xcb = xcalloc(tl->ndefs, sizeof(*sl->xcb));
		tl->freel[tl->nfree++] = sl;
	}
}

static void slots_free(struct tload *tl)
{
	for (int k = 0; k < NSLOTS; k++) {
		struct slot *sl = &tl->slots[k];
		for (int i = 0; i < RJ_NCOLS; i++) {
			free(sl->rcb[i].data);
			free(sl->rcb[i].valid);
		}
		arena_free(sl->ra);
		lake_conv_free(sl->conv);
		free(sl->xcb);
		free(sl->line);
		free(sl->fidx);
	}
}

/* ---- the queue between producer and appender ---- */

/* Every wait below ends when stop is set: by a failing side, or by the
 * load's cancel token (pipeline_cancel), so an interrupted load never
 * waits for a side that will not come back. */

/* Producer: a free slot to fill (NULL when the appender stopped). */
static struct slot *take_free(struct tload *tl)
{
	pthread_mutex_lock(&tl->mu);
	while (!tl->nfree && !tl->stop)
		pthread_cond_wait(&tl->cv, &tl->mu);
	struct slot *sl = tl->stop ? NULL : tl->freel[--tl->nfree];
	pthread_mutex_unlock(&tl->mu);
	return sl;
}

static void push_full(struct tload *tl)
{
	pthread_mutex_lock(&tl->mu);
	tl->q[(tl->qh + tl->qn++) % NSLOTS] = tl->cur;
	pthread_cond_broadcast(&tl->cv);
	pthread_mutex_unlock(&tl->mu);
	tl->cur = NULL;
}

static int ensure_cur(struct tload *tl, struct err *e)
{
	if (!tl->cur && !(tl->cur = take_free(tl)))
		return err_set(e, ING_ECANCELED, "stopped");
	return 0;
}

/* An engine error about row N of the open COPY ("COPY t, line N", as
 * PostgreSQL counts): name the file and its CSV line instead. */
static void copy_error(struct apx *x, struct err *e)
{
	const char *m = e && e->msg ? strstr(e->msg, "COPY ") : NULL;
	const char *l = m ? strstr(m, ", line ") : NULL;
	if (!l || !x->nruns)
		return;
	uint64_t n = strtoull(l + 7, NULL, 10);
	if (n == 0 || n > x->copy_rows)
		return;
	size_t k = 0;
	for (size_t i = 0; i < x->nruns && x->runs[i].row0 <= n - 1; i++)
		k = i;
	const struct copy_run *r = &x->runs[k];
	const char *rel = x->tl->pl->files[r->fidx].f.rel;
	unsigned long long line = (unsigned long long)(r->line0 + (n - 1 - r->row0));
	struct buf b = BUF_INIT;
	buf_printf(&b, "%s:%llu: %.*s, row %llu of the bulk load%s", rel, line, (int)(l - e->msg),
		   e->msg, (unsigned long long)n, l + 7 + strspn(l + 7, "0123456789"));
	int code = e->code;
	err_clear(e);
	err_set(e, code, "%s", buf_cstr(&b));
	buf_free(&b);
}

static int close_data(struct apx *x, bool ok, struct err *e)
{
	if (!x->ap)
		return 0;
	struct wh_appender *ap = x->ap;
	x->ap = NULL;
	int rc = wh_append_close(ap, ok, e);
	if (rc && ok)
		copy_error(x, e);
	x->nruns = 0;
	x->copy_rows = 0;
	return rc;
}

/* Remember where a slot's rows come from, before they join the COPY. */
static void copy_track(struct apx *x, const struct slot *sl, size_t n)
{
	for (size_t i = 0; sl->line && i < n; i++) {
		uint64_t row = x->copy_rows + i;
		const struct copy_run *last = x->nruns ? &x->runs[x->nruns - 1] : NULL;
		if (last && last->fidx == sl->fidx[i] && sl->line[i] == x->last_line + 1) {
			x->last_line++;
			continue;
		}
		if (x->nruns == x->capruns) {
			x->capruns = x->capruns ? 2 * x->capruns : 64;
			x->runs = xrealloc(x->runs, x->capruns * sizeof(*x->runs));
		}
		x->runs[x->nruns++] = (struct copy_run){row, sl->line[i], sl->fidx[i]};
		x->last_line = sl->line[i];
	}
}

/* Appender side: write a slot's rejects (closing the data COPY first:
 * PostgreSQL runs one COPY at a time on a connection). */
static int rej_write(struct apx *x, struct slot *sl, struct err *e)
{
	struct tload *tl = x->tl;
	int rc = close_data(x, true, e);
	if (rc)
		return rc;
	struct wh_coldef defs[RJ_NCOLS];
	for (int i = 0; i < RJ_NCOLS; i++)
		defs[i] = (struct wh_coldef){rej_names[i], sl->rcb[i].type};
	struct wh_appender *ap = NULL;
	rc = wh_append_open(x->c, tl->rej_schema, tl->rej_rel, defs, RJ_NCOLS, &ap, e);
	if (!rc)
		rc = wh_append_batch(ap, &sl->rb, e);
	if (ap) {
		int rc2 = wh_append_close(ap, rc == 0, e);
		if (!rc)
			rc = rc2;
	}
	if (rc)
		err_prefix(e, "writing rejects");
	return rc;
}

static int reject(struct tload *tl, const char *file, uint64_t line, const char *column,
		  const char *reason, const char *raw, size_t rawlen, struct err *e)
{
	tl->rejected++;
	if (tl->file_rejects)
		tl->file_rejects[tl->cur_file]++;
	if (tl->nfirst < FIRST_REASONS) {
		buf_printf(&tl->first, "\n  %s:%llu: %s", file, (unsigned long long)line, reason);
		tl->nfirst++;
	}
	if (tl->rejected > (uint64_t)tl->pl->opt->max_bad_records)
		tl->over = true;
	if (tl->over)
		return 0;
	int rc = ensure_cur(tl, e);
	if (rc)
		return rc;
	struct slot *sl = tl->cur;
	size_t r = sl->rb.nrows;
	struct arena *a = sl->ra;
	struct wh_str *s[RJ_NCOLS];
	for (int i = 0; i < RJ_NCOLS; i++) {
		s[i] = (struct wh_str *)sl->rcb[i].data;
		sl->rcb[i].valid[r] = 1;
	}
	struct lplan *pl = tl->pl;
	s[RJ_LOAD][r] = astr(a, tl->lc->load_id);
	s[RJ_SOURCE][r] = astr(a, pl->t->source->name);
	s[RJ_TABLE][r] = astr(a, pl->t->name);
	s[RJ_FILE][r] = astr(a, file);
	((int64_t *)sl->rcb[RJ_LINE].data)[r] = (int64_t)line;
	if (column)
		s[RJ_COLUMN][r] = astr(a, column);
	else
		sl->rcb[RJ_COLUMN].valid[r] = 0;
	s[RJ_REASON][r] = astr(a, reason);
	s[RJ_RAW][r] = clean_text(a, raw ? raw : "", raw ? rawlen : 0);
	sl->rb.nrows++;
	if (sl->rb.nrows == REJ_BATCH)
		push_full(tl);
	return 0;
}

/* A slot's rows as the engine gets them: the converted columns, then the
 * load time where the source asks for it (the same value in every row). */
static const struct wh_batch *slot_batch(struct tload *tl, struct slot *sl)
{
	const struct wh_batch *b = lake_conv_batch(sl->conv);
	if (!sl->xcb)
		return b;
	memcpy(sl->xcb, b->cols, b->ncols * sizeof(*sl->xcb));
	sl->xcb[b->ncols] = (struct wh_colbuf){{WH_TIMESTAMP, 0, 0, 0}, tl->lat_vals, NULL};
	sl->xb = (struct wh_batch){tl->ndefs, b->nrows, sl->xcb};
	return &sl->xb;
}

/* Appender side: one slot's rows. */
static int data_write(struct apx *x, struct slot *sl, struct err *e)
{
	struct tload *tl = x->tl;
	size_t n = lake_conv_rows(sl->conv);
	int rc = 0;
	if (!x->ap) {
		rc = wh_append_open(x->c, tl->pl->schema, tl->target, tl->defs, tl->ndefs, &x->ap,
				    e);
		x->nruns = 0;
		x->copy_rows = 0;
	}
	if (!rc) {
		copy_track(x, sl, n);
		x->copy_rows += n;
		rc = wh_append_batch(x->ap, slot_batch(tl, sl), e);
		if (rc)
			copy_error(x, e);
	}
	if (!rc) {
		pthread_mutex_lock(&tl->mu);
		tl->pl->rep->rows_loaded += n;
		pthread_mutex_unlock(&tl->mu);
	}
	return rc;
}

static bool same_name(const char *a, size_t an, const char *b)
{
	return strlen(b) == an && !strncasecmp(a, b, an);
}

static char *list_fields(const struct csv_record *rec)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < rec->nfields; i++)
		buf_printf(&b, "%s%.*s", i ? ", " : "", (int)rec->len[i], rec->f[i]);
	return buf_detach(&b, NULL);
}

static char *list_cols(const struct lplan *pl)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < pl->ncols; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", pl->cols[i].name);
	return buf_detach(&b, NULL);
}

/* Load one file through the open transaction. sha_out gets its digest. */
static int load_file(struct tload *tl, struct lfile *lf, char sha_out[65], uint64_t *rows_out,
		     struct err *e)
{
	struct lplan *pl = tl->pl;
	const struct src_external_options *opt = pl->opt;
	const char *rel = lf->f.rel;
	uint64_t size;
	int64_t mtime;
	int rc = lake_stat(lf->f.path, &size, &mtime, e);
	if (rc)
		return rc;
	if (size != lf->f.size || mtime != lf->f.mtime_us)
		return err_set(e, ING_ECONFLICT, "file %s changed after it was listed; run the load again",
			       rel);
	struct csv_opts co = {.delimiter = opt->delimiter,
			      .quote = opt->quote,
			      .escape = opt->escape,
			      .max_record_bytes = (size_t)opt->max_record_bytes,
			      .max_quoted_lines = (size_t)opt->max_quoted_lines,
			      .max_quoted_bytes = (size_t)opt->max_quoted_bytes};
	struct csv_reader *r = NULL;
	if ((rc = csv_open(lf->f.path, &co, &r, e)))
		return rc;
	long skip = opt->skip_leading_rows >= 0 ? opt->skip_leading_rows : opt->header ? 1 : 0;
	bool want_header = opt->header;
	uint64_t rows = 0;
	uint64_t last_bytes = 0;
	struct csv_record rec;
	for (;;) {
		int k = csv_next(r, &rec, e);
		if (k < 0) {
			rc = k;
			break;
		}
		if (k == CSV_EOF)
			break;
		if (skip > 0) {
			skip--;
			if (want_header) {
				want_header = false;
				if (k == CSV_BAD) {
					rc = err_set(e, ING_EPARSE, "%s:%llu: the header line is malformed (%s)",
						     rel, (unsigned long long)rec.line, rec.reason);
					break;
				}
				bool ok = rec.nfields == pl->ncols;
				for (size_t i = 0; ok && i < pl->ncols; i++)
					ok = same_name(rec.f[i], rec.len[i], pl->cols[i].name);
				if (!ok) {
					char *got = list_fields(&rec), *want = list_cols(pl);
					rc = err_set(e, ING_EPARSE,
						     "%s: the header names or order do not match the declared "
						     "columns\n  header:   %s\n  declared: %s",
						     rel, got, want);
					free(got);
					free(want);
					break;
				}
			}
			continue;
		}
		rows++;
		pl->rep->rows_read++;
		if (k == CSV_BAD) {
			rc = reject(tl, rel, rec.line, NULL, rec.reason, rec.raw, rec.rawlen, e);
		} else if (rec.nfields != pl->ncols) {
			char why[96];
			snprintf(why, sizeof(why), "expected %zu fields but found %zu", pl->ncols,
				 rec.nfields);
			rc = reject(tl, rel, rec.line, NULL, why, rec.raw, rec.rawlen, e);
		} else {
			size_t bc;
			const char *why;
			if ((rc = ensure_cur(tl, e)))
				break;
			if (lake_conv_row(tl->cur->conv, &rec, &bc, &why)) {
				rc = reject(tl, rel, rec.line, pl->cols[bc].name, why, rec.raw,
					    rec.rawlen, e);
			} else {
				struct slot *sl = tl->cur;
				if (sl->line) {
					size_t at = lake_conv_rows(sl->conv) - 1;
					sl->line[at] = rec.line;
					sl->fidx[at] = tl->cur_file;
				}
				if (lake_conv_full(sl->conv))
					push_full(tl);
			}
		}
		if (rc)
			break;
		if ((rows & 16383) == 0) {
			uint64_t nb = csv_bytes_read(r);
			progress_add(tl->prog, 16384, nb - last_bytes);
			last_bytes = nb;
		}
	}
	if (!rc) {
		uint64_t nbytes;
		csv_digest(r, sha_out, &nbytes);
		progress_add(tl->prog, 0, nbytes - last_bytes);
		if (lake_stat(lf->f.path, &size, &mtime, e) == 0 &&
		    (nbytes != lf->f.size || size != lf->f.size || mtime != lf->f.mtime_us))
			rc = err_set(e, ING_ECONFLICT,
				     "file %s changed while it was being read (listed %llu bytes, read "
				     "%llu); nothing of it was kept",
				     rel, (unsigned long long)lf->f.size, (unsigned long long)nbytes);
	}
	csv_close(r);
	if (!rc && rows == 0 && lf->f.size == 0)
		log_warn("%s: %s is empty", pl->name, rel);
	*rows_out = rows;
	return rc;
}

static void col_list_sql(const struct wh_db *db, const struct tload *tl, struct buf *out)
{
	buf_puts(out, "(");
	for (size_t i = 0; i < tl->ndefs; i++) {
		if (i)
			buf_puts(out, ", ");
		wh_quote_ident(db, tl->defs[i].name, out);
		buf_putc(out, ' ');
		wh_type_sql(db, &tl->defs[i].type, out);
	}
	buf_puts(out, ")");
}

/* Append mode into an existing table: its columns must be the declared ones. */
static int check_existing(struct tload *tl, struct err *e)
{
	struct lplan *pl = tl->pl;
	struct arena *a = arena_new(0);
	struct wh_column_info *cols = NULL;
	size_t n = 0;
	int rc = wh_list_columns(tl->c, pl->schema, pl->identifier, a, &cols, &n, e);
	if (!rc && n) {
		bool ok = n == tl->ndefs;
		for (size_t i = 0; ok && i < n; i++)
			ok = !str_casecmp(cols[i].name, tl->defs[i].name);
		if (!ok) {
			struct buf got = BUF_INIT, want = BUF_INIT;
			for (size_t i = 0; i < n; i++)
				buf_printf(&got, "%s%s", i ? ", " : "", cols[i].name);
			for (size_t i = 0; i < tl->ndefs; i++)
				buf_printf(&want, "%s%s", i ? ", " : "", tl->defs[i].name);
			rc = err_set(e, ING_ECONFLICT,
				     "%s.%s has columns (%s) but the source declares (%s)%s; "
				     "run with --full-refresh to rebuild it",
				     pl->schema, pl->identifier, buf_cstr(&got), buf_cstr(&want),
				     tl->ndefs > pl->ncols ? " with its loaded_at_column last" : "");
			buf_free(&got);
			buf_free(&want);
		}
	}
	arena_free(a);
	return rc;
}

/* Replace in place? (bound views, and the existing table has the declared
 * column names and type families.) */
static bool replace_in_place(struct tload *tl)
{
	struct lplan *pl = tl->pl;
	if (!wh_has(tl->lc->db, WH_CAP_BOUND_VIEWS))
		return false;
	struct arena *a = arena_new(0);
	struct wh_column_info *cols = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	bool same = !wh_list_columns(tl->c, pl->schema, pl->identifier, a, &cols, &n, &e) &&
		    n && n == tl->ndefs;
	for (size_t i = 0; same && i < n; i++)
		same = !str_casecmp(cols[i].name, tl->defs[i].name) &&
		       cols[i].ltype.type == tl->defs[i].type.type;
	err_clear(&e);
	arena_free(a);
	return same;
}

static int write_manifest(struct tload *tl, struct lfile *lf, const char *sha, uint64_t rows,
			  struct err *e)
{
	struct lplan *pl = tl->pl;
	struct wh_value v[15] = {
		wh_text(pl->t->source->name), wh_text(pl->t->name),
		wh_text(lf->f.rel),           wh_int((int64_t)lf->f.size),
		wh_int(lf->f.mtime_us),       wh_text(sha),
		wh_int((int64_t)rows),        wh_text(tl->lc->load_id),
		wh_ts(tl->loaded_at),         wh_text(pl->schema),
		wh_text(pl->identifier),      wh_int(lf->f.ctime_us),
		wh_int((int64_t)lf->f.dev),   wh_int((int64_t)lf->f.ino),
		lf->dup_of ? wh_text(lf->dup_of) : wh_null(),
	};
	struct wh_result *res = NULL;
	int rc = 0;
	if (pl->replace) {
		/* rewrite the row in place: DuckDB refuses a DELETE and an INSERT
		 * of one unique key in one transaction */
		rc = wh_query(tl->c,
			      "UPDATE _ingot.loaded_files SET source = $1, table_name = $2, size = $4, "
			      "mtime_us = $5, sha256 = $6, rows_read = $7, load_id = $8, loaded_at = $9, "
			      "ctime_us = $12, dev = $13, ino = $14, duplicate_of = $15 WHERE "
			      "schema_name = $10 AND identifier = $11 AND path = $3 RETURNING path",
			      v, 15, &res, e);
		bool done = !rc && res->nrows > 0;
		wh_result_free(res);
		res = NULL;
		if (rc || done)
			goto out;
	}
	rc = wh_query(tl->c,
			  "INSERT INTO _ingot.loaded_files (source, table_name, path, size, mtime_us, "
			  "sha256, rows_read, load_id, loaded_at, schema_name, identifier, ctime_us, dev, "
			  "ino, duplicate_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
			  "$13, $14, $15)",
			  v, 15, &res, e);
	wh_result_free(res);
out:
	if (rc)
		err_prefix(e, "recording %s in _ingot.loaded_files (another run may have loaded it)",
			   lf->f.rel);
	return rc;
}

/* A loaded file whose fingerprint moved (touched, copied back) but whose
 * contents are the same: record the new fingerprint, so it is not hashed
 * again on every run. Rows of earlier versions get their destination. */
static int refresh_fingerprint(struct wh_conn *c, const struct lplan *pl, const struct lfile *lf,
			       struct err *e)
{
	struct wh_value all[10] = {
		wh_int((int64_t)lf->f.size), wh_int(lf->f.mtime_us),     wh_int(lf->f.ctime_us),
		wh_int((int64_t)lf->f.dev),  wh_int((int64_t)lf->f.ino), wh_text(pl->schema),
		wh_text(pl->identifier),     wh_text(lf->f.rel),         wh_text(pl->t->source->name),
		wh_text(pl->t->name),
	};
	struct wh_result *res = NULL;
	int rc = wh_query(c,
			  "UPDATE _ingot.loaded_files SET size = $1, mtime_us = $2, ctime_us = $3, dev = "
			  "$4, ino = $5, schema_name = $6, identifier = $7 WHERE path = $8 AND "
			  "((schema_name = $6 AND identifier = $7) OR (schema_name IS NULL AND source = $9 "
			  "AND table_name = $10))",
			  all, 10, &res, e);
	wh_result_free(res);
	return rc;
}

int load__record_run(struct load_ctx *lc, struct wh_conn *c, const struct lplan *pl,
		     struct err *e)
{
	const struct load_table_report *r = pl->rep;
	static const char *status[] = {"ok", "up_to_date", "failed", "planned"};
	struct wh_value v[14] = {
		wh_text(lc->load_id),
		wh_text(pl->t->source->name),
		wh_text(pl->t->name),
		wh_text(r->relation),
		wh_ts(lc->started_us),
		wh_int((int64_t)r->files),
		wh_int((int64_t)r->bytes),
		wh_int((int64_t)r->rows_read),
		wh_int((int64_t)r->rows_loaded),
		wh_int((int64_t)r->rows_rejected),
		wh_dbl(r->seconds),
		wh_text(status[r->status]),
		r->error ? wh_text(r->error) : wh_null(),
		pl->inferred_note ? wh_text(pl->inferred_note) : wh_null(),
	};
	struct wh_result *res = NULL;
	int rc = wh_query(c,
			  "INSERT INTO _ingot.loads (load_id, source, table_name, relation, started_at, "
			  "files, bytes, rows_read, rows_loaded, rows_rejected, duration_s, status, "
			  "error, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
			  "$14)",
			  v, 14, &res, e);
	wh_result_free(res);
	return rc;
}

/* The producer thread: every file to load, in order, into slots. */
static void *producer(void *arg)
{
	struct tload *tl = arg;
	struct lplan *pl = tl->pl;
	struct err *e = &tl->prod_err;
	int rc = 0;
	for (size_t i = 0; i < pl->nfiles && !rc; i++) {
		struct lfile *lf = &pl->files[i];
		if (!file_to_load(pl, lf))
			continue;
		if (cancel_requested(tl->lc->o->cancel)) {
			rc = err_set(e, ING_ECANCELED, "%s: %s", pl->name,
				     cancel_reason(tl->lc->o->cancel));
			break;
		}
		tl->cur_file = (uint32_t)i;
		rc = load_file(tl, lf, tl->shas[i], &tl->rows[i], e);
		if (rc) {
			err_prefix(e, "%s", pl->name);
			break;
		}
		pl->rep->files++;
		pl->rep->bytes += lf->f.size;
	}
	pthread_mutex_lock(&tl->mu);
	if (tl->cur) {
		tl->q[(tl->qh + tl->qn++) % NSLOTS] = tl->cur;
		tl->cur = NULL;
	}
	tl->prod_done = true;
	tl->prod_rc = rc;
	pthread_cond_broadcast(&tl->cv);
	pthread_mutex_unlock(&tl->mu);
	return NULL;
}

/* An appender: slots in queue order until the producer is done. */
static int consume(struct apx *x, struct err *e)
{
	struct tload *tl = x->tl;
	int rc = 0;
	for (;;) {
		pthread_mutex_lock(&tl->mu);
		while (!tl->qn && !tl->prod_done && !tl->stop)
			pthread_cond_wait(&tl->cv, &tl->mu);
		if (!tl->qn || tl->stop) {
			pthread_mutex_unlock(&tl->mu);
			break;
		}
		struct slot *sl = tl->q[tl->qh];
		tl->qh = (tl->qh + 1) % NSLOTS;
		tl->qn--;
		pthread_mutex_unlock(&tl->mu);
		if (!tl->over) {
			if (lake_conv_rows(sl->conv))
				rc = data_write(x, sl, e);
			if (!rc && sl->rb.nrows)
				rc = rej_write(x, sl, e);
		}
		lake_conv_reset(sl->conv);
		sl->rb.nrows = 0;
		arena_reset(sl->ra);
		pthread_mutex_lock(&tl->mu);
		tl->freel[tl->nfree++] = sl;
		if (rc)
			tl->stop = true;
		pthread_cond_broadcast(&tl->cv);
		pthread_mutex_unlock(&tl->mu);
		if (rc)
			break;
	}
	if (!rc)
		rc = close_data(x, true, e);
	else
		close_data(x, false, NULL);
	return rc;
}

/* ---- stream insert: the engine's threads pull the slots ---- */

static void recycle(struct tload *tl, struct slot *sl)
{
	lake_conv_reset(sl->conv);
	sl->rb.nrows = 0;
	arena_reset(sl->ra);
	pthread_mutex_lock(&tl->mu);
	tl->freel[tl->nfree++] = sl;
	pthread_cond_broadcast(&tl->cv);
	pthread_mutex_unlock(&tl->mu);
}

/* Engine thread: the next slot's rows. A slot that carries rejects is the
 * last of its INSERT: they are written after it, in file order. */
static int s_next(void *ctx, const struct wh_batch **b, void **token)
{
	struct tload *tl = ctx;
	for (;;) {
		pthread_mutex_lock(&tl->mu);
		while (!tl->qn && !tl->prod_done && !tl->stop && !tl->seg_end)
			pthread_cond_wait(&tl->cv, &tl->mu);
		if (tl->seg_end || tl->stop || tl->over || !tl->qn) {
			if (!tl->qn && tl->prod_done)
				tl->drained = true;
			pthread_mutex_unlock(&tl->mu);
			return 0;
		}
		struct slot *sl = tl->q[tl->qh];
		tl->qh = (tl->qh + 1) % NSLOTS;
		tl->qn--;
		size_t n = lake_conv_rows(sl->conv);
		if (sl->rb.nrows) {
			tl->pend_rej = sl;
			tl->seg_end = true;
		}
		if (n) {
			tl->pl->rep->rows_loaded += n;
			tl->handed++;
		}
		pthread_mutex_unlock(&tl->mu);
		if (n) {
			*b = slot_batch(tl, sl);
			*token = sl;
			return 1;
		}
		if (!sl->rb.nrows)
			recycle(tl, sl);
	}
}

static void s_release(void *ctx, void *token)
{
	struct tload *tl = ctx;
	struct slot *sl = token;
	pthread_mutex_lock(&tl->mu);
	bool held = sl == tl->pend_rej;
	pthread_mutex_unlock(&tl->mu);
	if (!held)
		recycle(tl, sl);
}

/* INSERTs fed by the slots until the producer is done, rejects written
 * between them; the appender (consume) where the engine has no stream
 * insert for these columns. */
static int stream_consume(struct apx *x, struct err *e)
{
	struct tload *tl = x->tl;
	struct wh_stream_src src = {tl, s_next, s_release};
	int rc = 0;
	for (;;) {
		pthread_mutex_lock(&tl->mu);
		tl->seg_end = false;
		pthread_mutex_unlock(&tl->mu);
		rc = wh_stream_insert(x->c, tl->pl->schema, tl->target, tl->defs, tl->ndefs,
				      &src, e);
		if (rc == ING_EUNSUPPORTED && !tl->handed && !tl->pend_rej) {
			err_clear(e);
			return consume(x, e);
		}
		pthread_mutex_lock(&tl->mu);
		struct slot *sl = tl->pend_rej;
		tl->pend_rej = NULL;
		bool done = tl->drained || tl->stop;
		pthread_mutex_unlock(&tl->mu);
		if (sl) {
			if (!rc && !tl->over)
				rc = rej_write(x, sl, e);
			recycle(tl, sl);
		}
		if (rc || done)
			break;
		if (tl->over)
			return consume(x, e); /* counts on, appends nothing */
	}
	return rc;
}

/* Run the producer and append its slots on the table's connection, inside
 * the table's transaction; 0 when every file was read and every slot
 * written. */
static void pipeline_cancel(void *arg)
{
	struct tload *tl = arg;
	pthread_mutex_lock(&tl->mu);
	tl->stop = true;
	pthread_cond_broadcast(&tl->cv);
	pthread_mutex_unlock(&tl->mu);
}

static int run_pipeline(struct tload *tl, struct err *e)
{
	struct apx x = {.tl = tl, .c = tl->c};
	struct cancel *tok = tl->lc->o->cancel;
	pthread_t prod;
	int terr = log_thread_create(&prod, NULL, producer, tl);
	if (terr)
		return err_set(e, ING_EIO, "cannot start the file reader thread: %s", strerror(terr));
	/* a cancel request wakes every wait of both sides (now, if it came
	 * already); the statement in the engine is interrupted through the
	 * connection's own token */
	int hook = cancel_hook_add(tok, pipeline_cancel, tl);
	int rc = tl->stream ? stream_consume(&x, e) : consume(&x, e);
	if (rc) {
		pthread_mutex_lock(&tl->mu);
		tl->stop = true;
		pthread_cond_broadcast(&tl->cv);
		pthread_mutex_unlock(&tl->mu);
	}
	pthread_join(prod, NULL);
	cancel_hook_remove(tok, hook);
	free(x.runs);
	if (cancel_requested(tok)) {
		/* whatever each side saw, a cancelled load loads nothing */
		if (!rc || (rc != ING_ECANCELED && rc != ING_ETIMEOUT)) {
			err_clear(e);
			rc = err_set(e, cancel_status(tok) == ING_ETIMEOUT ? ING_ETIMEOUT : ING_ECANCELED,
				     "%s: %s", tl->pl->name, *cancel_reason(tok) ? cancel_reason(tok)
				     : "cancelled");
		}
	} else if (!rc && tl->prod_rc) {
		rc = tl->prod_rc;
		err_move(e, &tl->prod_err);
	}
	return rc;
}

static int manifest_rows(struct tload *tl, struct err *e)
{
	struct lplan *pl = tl->pl;
	int rc = 0;
	for (size_t i = 0; i < pl->nfiles && !rc; i++) {
		struct lfile *lf = &pl->files[i];
		if (lf->state == LF_DUP)
			rc = write_manifest(tl, lf, lf->sha, 0, e);
		else if (pl->replace || lf->state == LF_NEW)
			rc = write_manifest(tl, lf, tl->shas[i], tl->rows[i], e);
		else if (lf->refresh)
			rc = refresh_fingerprint(tl->c, pl, lf, e);
	}
	if (!rc && pl->replace) {
		/* the files of the replaced table that this load did not write */
		struct wh_value dv[5] = {wh_text(pl->schema), wh_text(pl->identifier),
					 wh_text(pl->t->source->name), wh_text(pl->t->name),
					 wh_text(tl->lc->load_id)};
		struct wh_result *res = NULL;
		rc = wh_query(tl->c,
			      "DELETE FROM _ingot.loaded_files WHERE ((schema_name = $1 AND identifier = "
			      "$2) OR (schema_name IS NULL AND source = $3 AND table_name = $4)) AND "
			      "load_id <> $5",
			      dv, 5, &res, e);
		wh_result_free(res);
	}
	return rc;
}

static int over_limit(struct tload *tl, struct err *e)
{
	return err_set(e, ING_EFAIL,
		       "%s: %llu rows rejected, more than max_bad_records (%lld); nothing was "
		       "loaded. First reasons:%s",
		       tl->pl->name, (unsigned long long)tl->rejected,
		       (long long)tl->pl->opt->max_bad_records, buf_cstr(&tl->first));
}

/* A load refused above max_bad_records: the files whose rows were
 * rejected move to <quarantine>/<their path under the lake root>, each
 * with a .reason file next to it, so the next load takes the good files
 * and never reads a refused one again. Moving one back into the lake
 * releases it (it is new again). The error in e says where they went; a
 * file that cannot be moved stays where it was and is named too. */
static void quarantine(struct tload *tl, struct err *e)
{
	struct lplan *pl = tl->pl;
	const char *qdir = tl->lc->o->quarantine;
	struct buf moved = BUF_INIT, failed = BUF_INIT;
	size_t n = 0;
	for (size_t i = 0; i < pl->nfiles; i++) {
		if (!tl->file_rejects[i])
			continue;
		const struct lfile *lf = &pl->files[i];
		char *dst = path_join(qdir, lf->f.rel);
		char *dir = path_dirname(dst);
		char *why = xasprintf("%s.reason", dst);
		struct err me = ERR_INIT;
		int rc = fs_exists(dst) ? err_set(&me, ING_EEXIST, "%s already exists", dst)
					: fs_mkdir_p(dir, &me);
		if (!rc && rename(lf->f.path, dst))
			rc = err_set(&me, ING_EIO, "%s", strerror(errno));
		if (!rc) {
			char *text = xasprintf(
				"%s: %llu of %llu rows rejected in this file; the load of %s was "
				"refused (%llu rows rejected in all, max_bad_records %lld).\n"
				"The rows and reasons are in _ingot.load_rejects (load %s).\n"
				"Fix the file and move it back to %s to load it.\n",
				lf->f.rel, (unsigned long long)tl->file_rejects[i],
				(unsigned long long)tl->rows[i], pl->name,
				(unsigned long long)tl->rejected, (long long)pl->opt->max_bad_records,
				tl->lc->load_id, lf->f.path);
			struct err we = ERR_INIT;
			if (fs_write_atomic(why, text, strlen(text), &we))
				log_warn("%s: %s", pl->name, we.msg ? we.msg : "cannot write the reason");
			err_clear(&we);
			free(text);
			buf_printf(&moved, "%s%s", n++ ? ", " : "", lf->f.rel);
		} else {
			buf_printf(&failed, "\n  %s: not moved to the quarantine: %s", lf->f.rel,
				   me.msg ? me.msg : "");
		}
		err_clear(&me);
		free(why);
		free(dir);
		free(dst);
	}
	if ((n || failed.len) && e->msg) {
		char *msg = e->msg;
		int code = e->code;
		e->msg = NULL;
		err_clear(e);
		if (n)
			err_set(e, code,
				"%s\n  %zu file%s moved to %s: %s (a .reason file beside each; move "
				"one back into the lake once fixed to load it)%s",
				msg, n, n == 1 ? "" : "s", qdir, buf_cstr(&moved), buf_cstr(&failed));
		else
			err_set(e, code, "%s%s", msg, buf_cstr(&failed));
		free(msg);
	}
	buf_free(&moved);
	buf_free(&failed);
}

/* A failed table: roll back, report, record the failure (its own
 * statement, outside the rolled-back transaction). */
static void fail_table(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, int rc,
		       struct err *e)
{
	struct err ignore = ERR_INIT;
	wh_rollback(c, &ignore);
	err_clear(&ignore);
	pl->rep->status = LOAD_FAILED;
	pl->rep->rows_loaded = 0;
	char *msg = err_string(e);
	/* every message names its table (a full disk, a lost connection) */
	bool named = msg && str_startswith(msg, pl->name);
	pthread_mutex_lock(&lc->lock);
	pl->rep->error = named ? arena_strdup(lc->arena, msg)
			       : arena_printf(lc->arena, "%s: %s", pl->name,
					      msg ? msg : ing_strerror(rc));
	pthread_mutex_unlock(&lc->lock);
	free(msg);
	struct err e2 = ERR_INIT;
	/* a cancelled load is history too: untie the token for this one short
	 * statement (the worker loads no other table after a request) */
	if (cancel_requested(lc->o->cancel))
		wh_conn_set_cancel(c, NULL);
	if (load__record_run(lc, c, pl, &e2))
		log_warn("%s: could not record the failed load in _ingot.loads: %s", pl->name,
			 e2.msg ? e2.msg : "");
	err_clear(&e2);
}

static int load_locked(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, struct err *e);

/* This load's time, taken under the table's lock: now, but later than every
 * earlier load of the table (a clock set back, two loads within one
 * microsecond). Loads of a table thus commit in the order of their times,
 * so a model that keeps the newest loaded_at it has read finds exactly the
 * rows committed since with `loaded_at > that` (the reference project's
 * staging models). Recorded in the manifest as the files' loaded_at; with
 * a loaded_at_column, each row carries it too. */
static int load_time(struct tload *tl, struct err *e)
{
	struct lplan *pl = tl->pl;
	struct wh_value v[2] = {wh_text(pl->schema), wh_text(pl->identifier)};
	struct wh_result *res = NULL;
	int rc = wh_query(tl->c,
			  "SELECT max(loaded_at) FROM _ingot.loaded_files WHERE schema_name = $1 AND "
			  "identifier = $2",
			  v, 2, &res, e);
	if (rc)
		return rc;
	int64_t last = 0;
	if (res->nrows == 1) {
		const struct wh_value *c = wh_cell(res, 0, 0);
		if (c->type == WH_TIMESTAMP || c->type == WH_DATETIME)
			last = c->v.ts;
		else if (c->type == WH_TEXT && ts_parse(c->v.s.p, c->v.s.n, &last))
			last = 0;
	}
	wh_result_free(res);
	int64_t now = now_us();
	tl->loaded_at = now > last ? now : last + 1;
	if (tl->ndefs > pl->ncols) {
		size_t cap = tl->slot_rows;
		tl->lat_vals = xcalloc(cap, sizeof(int64_t));
		for (size_t i = 0; i < cap; i++)
			tl->lat_vals[i] = tl->loaded_at;
	}
	return 0;
}

/* Rows per slot. A stream slot is a row group (STREAM_ROWS) at most, but
 * its columns are allocated and zeroed whole, four slots of them: for a
 * day's file of a hundred rows that was 100+ MB of memory touched, most of
 * a small load's time. A plain CSV's row takes at least ncols bytes (a
 * separator per field but the last, and its line end; the file's last row
 * one less), so each file's bytes / ncols + 1 rows bound what it fills. The
 * bound only sizes the batches: a file that grew since it was listed fills
 * one slot and goes on in the next, as any file larger than a slot does. */
static size_t slot_rows_for(const struct lplan *pl, bool stream)
{
	if (!stream)
		return LAKE_BATCH_ROWS;
	uint64_t per_row = pl->ncols ? pl->ncols : 1, bound = 0;
	/* a full slot needs no more looking (nor opening every file of a
	 * large reload) */
	for (size_t i = 0; i < pl->nfiles && bound < STREAM_ROWS; i++) {
		if (!file_to_load(pl, &pl->files[i]))
			continue;
		if (lake_maybe_gzip(pl->files[i].f.path))
			return STREAM_ROWS;
		bound += pl->files[i].f.size / per_row + 1;
	}
	if (bound < LAKE_BATCH_ROWS)
		return LAKE_BATCH_ROWS;
	return bound < STREAM_ROWS ? (size_t)bound : STREAM_ROWS;
}

int load__table(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, struct err *e)
{
	double t0 = mono_seconds();
	/* One writer per destination across processes and hosts: the lock is
	 * taken before planning and the plan made again under it, so a file
	 * another run committed meanwhile is seen as loaded. */
	int rc = wh_begin(c, e);
	if (!rc)
		rc = wh_lock_relation(c, pl->schema, pl->identifier, e);
	if (!rc)
		rc = load__replan(lc, c, pl, e);
	if (!rc && pl->plan_error)
		rc = err_set(e, ING_EFAIL, "%s", pl->plan_error);
	if (!rc && pl->up_to_date) {
		pl->rep->status = LOAD_UP_TO_DATE;
		pl->rep->files_skipped = pl->nloaded;
		for (size_t i = 0; i < pl->nfiles && !rc; i++)
			if (pl->files[i].refresh)
				rc = refresh_fingerprint(c, pl, &pl->files[i], e);
		pl->rep->seconds = mono_seconds() - t0;
		if (!rc)
			rc = load__record_run(lc, c, pl, e);
		if (!rc)
			rc = wh_commit(c, e);
		if (!rc)
			return 0;
	}
	if (rc) {
		fail_table(lc, c, pl, rc, e);
		return rc;
	}
	pl->rep->files_skipped = pl->replace ? 0 : pl->nloaded;
	rc = load_locked(lc, c, pl, e);
	/* the table may have changed, whether the load committed or not
	 * (a cache of its queries must miss): core/relver.h */
	relver_bump(pl->schema, pl->identifier);
	return rc;
}

/* The load itself, inside the transaction load__table opened. */
static int load_locked(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, struct err *e)
{
	struct wh_db *db = lc->db;
	struct tload tl = {0};
	struct buf sql = BUF_INIT, rel = BUF_INIT, newrel = BUF_INIT;
	struct buf nb = BUF_INIT;
	wh_derived_name(db, pl->identifier, "__ingot_new", &nb); /* fits the engine's names */
	char *newname = buf_detach(&nb, NULL);
	double t0 = mono_seconds();
	char(*shas)[65] = xcalloc(pl->nfiles + 1, 65);
	uint64_t *rows = xcalloc(pl->nfiles + 1, sizeof(uint64_t));
	int rc = 0;

	tl.lc = lc;
	tl.c = c;
	tl.pl = pl;
	tl.target = pl->replace ? newname : pl->identifier;
	tl.rej_schema = "_ingot";
	tl.rej_rel = "load_rejects";
	tl.ndefs = pl->ncols + (pl->opt->loaded_at_column ? 1 : 0);
	tl.defs = xcalloc(tl.ndefs ? tl.ndefs : 1, sizeof(*tl.defs));
	for (size_t i = 0; i < pl->ncols; i++)
		tl.defs[i] = (struct wh_coldef){pl->cols[i].name, pl->cols[i].type};
	if (tl.ndefs > pl->ncols)
		tl.defs[pl->ncols] =
			(struct wh_coldef){pl->opt->loaded_at_column, {WH_TIMESTAMP, 0, 0, 0}};
	struct lake_conv_opts co = {pl->opt->null_marker, pl->opt->timestamp_format,
				    pl->opt->date_format};
	pthread_mutex_init(&tl.mu, NULL);
	pthread_cond_init(&tl.cv, NULL);
	tl.stream = wh_has(db, WH_CAP_STREAM_INSERT);
	tl.slot_rows = slot_rows_for(pl, tl.stream);
	slots_init(&tl, &co);
	tl.shas = shas;
	tl.rows = rows;
	tl.file_rejects = xcalloc(pl->nfiles + 1, sizeof(uint64_t));
	wh_relation_sql(db, pl->schema, pl->identifier, &rel);
	wh_relation_sql(db, pl->schema, newname, &newrel);
	if ((rc = load_time(&tl, e)))
		goto done;

	uint64_t total = 0;
	for (size_t i = 0; i < pl->nfiles; i++)
		if (file_to_load(pl, &pl->files[i]))
			total += pl->files[i].f.size;
	if (lc->o->progress)
		tl.prog = progress_start(pl->name, total);

	bool in_place = pl->replace && replace_in_place(&tl);
	if (in_place) {
		tl.target = pl->identifier;
		buf_printf(&sql, "TRUNCATE TABLE %s", buf_cstr(&rel));
		if ((rc = wh_exec(c, buf_cstr(&sql), e)))
			goto done;
		buf_reset(&sql);
		buf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s ", buf_cstr(&rel));
	} else if (pl->replace) {
		buf_printf(&sql, "DROP TABLE IF EXISTS %s; CREATE TABLE %s ", buf_cstr(&newrel),
			   buf_cstr(&newrel));
	} else {
		if ((rc = check_existing(&tl, e)))
			goto done;
		buf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s ", buf_cstr(&rel));
	}
	col_list_sql(db, &tl, &sql);
	if ((rc = wh_exec(c, buf_cstr(&sql), e)))
		goto done;
	if ((rc = run_pipeline(&tl, e)))
		goto done;
	if (tl.over) {
		rc = over_limit(&tl, e);
		goto done;
	}
	if ((rc = manifest_rows(&tl, e)))
		goto done;
	if (pl->replace && !in_place) {
		buf_reset(&sql);
		buf_printf(&sql, "DROP TABLE IF EXISTS %s; ALTER TABLE %s RENAME TO ", buf_cstr(&rel),
			   buf_cstr(&newrel));
		wh_quote_ident(db, pl->identifier, &sql);
		if ((rc = wh_exec(c, buf_cstr(&sql), e)))
			goto done;
	}
	pl->rep->status = LOAD_OK;
	pl->rep->rows_rejected = tl.rejected;
	pl->rep->seconds = mono_seconds() - t0;
	if ((rc = load__record_run(lc, c, pl, e)))
		goto done;
	rc = wh_commit(c, e);
	if (!rc && pl->rep->rows_loaded > 0 && wh_has(db, WH_CAP_ANALYZE)) {
		/* the first build after a big load plans with statistics, not
		 * with the engine's guesses for a table it has not sampled yet
		 * (autovacuum gets there later). The rows are committed: a
		 * failure here is a warning, not a failed load. */
		struct err ae = ERR_INIT;
		buf_reset(&sql);
		buf_printf(&sql, "ANALYZE %s", buf_cstr(&rel));
		if (wh_exec(c, buf_cstr(&sql), &ae))
			log_warn("%s: loaded, but ANALYZE failed: %s", pl->name, ae.msg ? ae.msg : "");
		err_clear(&ae);
	}
done:
	pl->rep->rows_rejected = tl.rejected;
	pl->rep->seconds = mono_seconds() - t0;
	if (rc && tl.over && lc->o->quarantine)
		quarantine(&tl, e); /* before fail_table: its error names where they went */
	if (rc)
		fail_table(lc, c, pl, rc, e); /* rolls back what is still open */
	progress_done(tl.prog);
	free(tl.file_rejects);
	slots_free(&tl);
	err_clear(&tl.prod_err);
	pthread_mutex_destroy(&tl.mu);
	pthread_cond_destroy(&tl.cv);
	free(tl.defs);
	free(tl.lat_vals);
	free(newname);
	free(shas);
	free(rows);
	buf_free(&sql);
	buf_free(&rel);
	buf_free(&newrel);
	buf_free(&tl.first);
	return rc;
}
