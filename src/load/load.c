/*
 * load/load.c — choosing tables, planning their files, running the loads.
 *
 * load_run: read the project's sources, keep the selected ones that have
 * an `external` property, and make a plan per table: the column contract
 * (declared types, or types inferred from a sample of the first file), the
 * files matched under the lake root, and each file's state against the
 * _ingot.loaded_files manifest rows of the destination relation — new,
 * loaded (same dev, inode, size, mtime and ctime, or same SHA-256 when
 * those moved), changed (same name, other contents) or a duplicate (the
 * contents of another file). Then
 * worker threads, each with its own connection, take tables one at a time
 * and load them (table.c); a dry run prints the plans instead.
 *
 * Planning reads the manifest and hashes only files whose size or mtime
 * differ from what was recorded, so a rerun over an unchanged lake reads
 * no data. Table-level problems (a changed file in append mode, no files to
 * infer columns from) fail that table only; configuration errors (unknown
 * table names, bad type names) stop the run before anything is loaded.
 */
#include "load/load_int.h"
#include "core/cancel.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/map.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INFER_SAMPLE 1000

/* Columns added to _ingot.loaded_files after its first version: the
 * destination relation (its key), the cheap fingerprint and duplicates. */
static const struct {
	const char *name;
	enum wh_type type;
} manifest_added[] = {
	{"schema_name", WH_TEXT}, {"identifier", WH_TEXT}, {"ctime_us", WH_INT64},
	{"dev", WH_INT64},        {"ino", WH_INT64},       {"duplicate_of", WH_TEXT},
	{"archived_at", WH_TIMESTAMP},
};

/* Bring a _ingot.loaded_files made by an earlier version up to date:
 * missing columns, rows keyed by their destination (taken from the load
 * that wrote them). Idempotent; manifest_key adds the unique key. */
static int migrate_manifest(struct wh_conn *c, struct err *e)
{
	struct wh_db *db = wh_conn_db(c);
	struct arena *a = arena_new(0);
	struct wh_column_info *cols = NULL;
	size_t n = 0;
	struct buf s = BUF_INIT;
	int rc = wh_list_columns(c, "_ingot", "loaded_files", a, &cols, &n, e);
	for (size_t i = 0; !rc && i < sizeof(manifest_added) / sizeof(manifest_added[0]); i++) {
		bool have = false;
		for (size_t j = 0; j < n && !have; j++)
			have = !str_casecmp(cols[j].name, manifest_added[i].name);
		if (have)
			continue;
		struct wh_ltype lt = {manifest_added[i].type, 0, 0, 0};
		buf_reset(&s);
		buf_printf(&s, "ALTER TABLE _ingot.loaded_files ADD COLUMN %s ",
			   manifest_added[i].name);
		wh_type_sql(db, &lt, &s);
		rc = wh_exec(c, buf_cstr(&s), e);
	}
	/* rows of earlier versions were keyed by source and table: their
	 * destination is the relation the load that wrote them recorded.
	 * Only when there are such rows: the correlated UPDATE is beyond
	 * engines without correlated subqueries (ClickHouse), whose
	 * manifests never had them. */
	bool old_rows = false;
	if (!rc) {
		struct wh_result *r = NULL;
		rc = wh_query(c, "SELECT count(*) FROM _ingot.loaded_files WHERE schema_name IS NULL",
			      NULL, 0, &r, e);
		old_rows = !rc && r->nrows && wh_cell(r, 0, 0)->type == WH_INT64 &&
			   wh_cell(r, 0, 0)->v.i > 0;
		wh_result_free(r);
	}
	if (!rc && old_rows)
		rc = wh_exec(c,
			     "UPDATE _ingot.loaded_files SET "
			     "schema_name = (SELECT max(substr(l.relation, 1, strpos(l.relation, '.') - 1)) "
			     "FROM _ingot.loads l WHERE l.load_id = loaded_files.load_id AND l.source = "
			     "loaded_files.source AND l.table_name = loaded_files.table_name), "
			     "identifier = (SELECT max(substr(l.relation, strpos(l.relation, '.') + 1)) "
			     "FROM _ingot.loads l WHERE l.load_id = loaded_files.load_id AND l.source = "
			     "loaded_files.source AND l.table_name = loaded_files.table_name) "
			     "WHERE schema_name IS NULL AND EXISTS (SELECT 1 FROM _ingot.loads l WHERE "
			     "l.load_id = loaded_files.load_id AND l.source = loaded_files.source AND "
			     "l.table_name = loaded_files.table_name)",
			     e);
	buf_free(&s);
	arena_free(a);
	return rc;
}

/* The unique key on (destination, path): made with the table, or added to
 * one an earlier version made (after migrate_manifest gave its rows their
 * destination). Idempotent. */
static int manifest_key(struct wh_conn *c, struct err *e)
{
	if (!wh_exec(c,
		     "CREATE UNIQUE INDEX IF NOT EXISTS loaded_files_relation_path ON "
		     "_ingot.loaded_files (schema_name, identifier, path)",
		     e))
		return 0;
	err_prefix(e, "adding the unique key (relation, path) to _ingot.loaded_files (a file "
		      "recorded twice for one table means an earlier version loaded it twice: "
		      "check that table for duplicate rows, then delete the extra manifest row)");
	return ING_EDB;
}

/* The warehouse opens (wh_db_serial) whose _ingot.loaded_files this process
 * has brought up to date: an open whose manifest was migrated once needs
 * no second look at its columns (a column listing per load, ~5-15 ms on
 * DuckDB, under meta_mu: every load of a pipeline waited for it). A table
 * dropped since is made again by ensure_meta's CREATE, with every column.
 * A small ring: a process keeps few warehouses open at once, and one that
 * falls out is migrated again, which changes nothing. */
static uint64_t migrated[8];
static unsigned migrated_next;

static bool was_migrated(uint64_t serial)
{
	for (size_t i = 0; i < sizeof(migrated) / sizeof(migrated[0]); i++)
		if (serial && migrated[i] == serial)
			return true;
	return false;
}

int load__ensure_meta(struct wh_conn *c, struct err *e)
{
	struct wh_db *db = wh_conn_db(c);
	struct buf s = BUF_INIT, tx = BUF_INIT, ts = BUF_INIT, bi = BUF_INIT, dbl = BUF_INIT;
	struct wh_ltype lt = {WH_TEXT, 0, 0, 0}, lts = {WH_TIMESTAMP, 0, 0, 0},
			lbi = {WH_INT64, 0, 0, 0}, ld = {WH_DOUBLE, 0, 0, 0};
	wh_type_sql(db, &lt, &tx);
	wh_type_sql(db, &lts, &ts);
	wh_type_sql(db, &lbi, &bi);
	wh_type_sql(db, &ld, &dbl);
	const char *T = buf_cstr(&tx), *TS = buf_cstr(&ts), *B = buf_cstr(&bi), *D = buf_cstr(&dbl);
	/* the first version's columns, then every column added since
	 * (manifest_added, which migrate_manifest adds to an older table) */
	buf_printf(&s,
		   "CREATE TABLE IF NOT EXISTS _ingot.loaded_files (source %s, table_name %s, path %s, "
		   "size %s, mtime_us %s, sha256 %s, rows_read %s, load_id %s, loaded_at %s",
		   T, T, T, B, B, T, B, T, TS);
	for (size_t i = 0; i < sizeof(manifest_added) / sizeof(manifest_added[0]); i++) {
		struct wh_ltype at = {manifest_added[i].type, 0, 0, 0};
		buf_printf(&s, ", %s ", manifest_added[i].name);
		wh_type_sql(db, &at, &s);
	}
	buf_printf(&s,
		   ");\n"
		   "CREATE TABLE IF NOT EXISTS _ingot.load_rejects (load_id %s, source %s, table_name "
		   "%s, file %s, line %s, column_name %s, reason %s, raw %s);\n"
		   "CREATE TABLE IF NOT EXISTS _ingot.loads (load_id %s, source %s, table_name %s, "
		   "relation %s, started_at %s, files %s, bytes %s, rows_read %s, rows_loaded %s, "
		   "rows_rejected %s, duration_s %s, status %s, error %s, note %s)",
		   T, T, T, T, B, T, T, T, T, T, T, T, TS, B, B, B, B, B, D, T, T, T);
	/* tables made by an earlier version lack later columns */
	buf_printf(&s, ";\nALTER TABLE _ingot.loads ADD COLUMN IF NOT EXISTS note %s", T);
	/* Loads of several tables (and pipeline load tasks) start at once in
	 * one process; concurrent CREATE ... IF NOT EXISTS of the same catalog
	 * entries conflict in both engines, so the bootstrap is serialized. A
	 * second process racing us gets a conflict error, and one retry then
	 * finds the tables made. */
	static pthread_mutex_t meta_mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&meta_mu);
	int rc = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct err e1 = ERR_INIT;
		rc = wh_create_schema(c, "_ingot", &e1);
		if (!rc)
			rc = wh_exec(c, buf_cstr(&s), &e1);
		uint64_t serial = wh_db_serial(db);
		if (!rc && !was_migrated(serial)) {
			rc = migrate_manifest(c, &e1);
			if (!rc && serial)
				migrated[migrated_next++ % (sizeof(migrated) / sizeof(migrated[0]))] = serial;
		}
		if (!rc)
			rc = manifest_key(c, &e1);
		if (!rc || attempt == 1) {
			err_move(e, &e1);
			break;
		}
		err_clear(&e1);
		struct err ignore = ERR_INIT;
		wh_rollback(c, &ignore);
		err_clear(&ignore);
	}
	pthread_mutex_unlock(&meta_mu);
	if (rc)
		err_prefix(e, "creating the _ingot tables");
	buf_free(&s);
	buf_free(&tx);
	buf_free(&ts);
	buf_free(&bi);
	buf_free(&dbl);
	return rc;
}

int load_manifest_prepare(struct wh_conn *c, struct err *e)
{
	return load__ensure_meta(c, e);
}

int load_manifest_archived(struct wh_conn *c, const char *source, const char *table,
			   const char *path, int64_t at_us, struct err *e)
{
	int rc;
	struct wh_value v[4] = {wh_ts(at_us), wh_text(source), wh_text(table), wh_text(path)};
	struct wh_result *res = NULL;
	rc = wh_query(c,
		      "UPDATE _ingot.loaded_files SET archived_at = $1 WHERE source = $2 AND "
		      "table_name = $3 AND path = $4 AND archived_at IS NULL",
		      v, 4, &res, e);
	wh_result_free(res);
	if (rc)
		err_prefix(e, "recording the archived file %s in _ingot.loaded_files", path);
	return rc;
}

/* ---- selection ---- */

static bool tagged(const struct ynode *tags, const char *tag)
{
	if (!tags)
		return false;
	if (tags->type == Y_SCALAR)
		return !strcmp(tags->str, tag);
	for (size_t i = 0; tags->type == Y_SEQ && i < tags->n; i++)
		if (tags->items[i]->type == Y_SCALAR && !strcmp(tags->items[i]->str, tag))
			return true;
	return false;
}

/* Mark the tables a name selects; 0 when it matched something. */
static int select_name(const struct source_set *ss, const char *name, bool *pick, struct err *e)
{
	const char *n = name;
	if (str_startswith(n, "source:"))
		n += 7;
	bool any = false;
	size_t k = 0;
	if (str_startswith(n, "tag:")) {
		for (size_t i = 0; i < ss->n; i++)
			for (size_t j = 0; j < ss->items[i].ntables; j++, k++)
				if (ss->items[i].tables[j].external &&
				    (tagged(ss->items[i].tables[j].tags, n + 4) ||
				     tagged(ss->items[i].tags, n + 4)))
					any = pick[k] = true;
		return any ? 0 : err_set(e, ING_ENOTFOUND, "no source table with %s", n);
	}
	const char *dot = strchr(n, '.');
	size_t sl = dot ? (size_t)(dot - n) : strlen(n);
	for (size_t i = 0; i < ss->n; i++) {
		const struct source *s = &ss->items[i];
		bool src_match = strlen(s->name) == sl && !strncmp(s->name, n, sl);
		for (size_t j = 0; j < s->ntables; j++, k++) {
			if (!src_match)
				continue;
			if (dot && (strcmp(s->tables[j].name, dot + 1) && strcmp(dot + 1, "*")))
				continue;
			if (!s->tables[j].external) {
				if (dot && strcmp(dot + 1, "*"))
					return err_set(e, ING_ECONFIG,
						       "source table '%s' has no `external` property: "
						       "there is nothing for ingot to load",
						       name);
				continue;
			}
			any = pick[k] = true;
		}
	}
	if (any)
		return 0;
	struct buf known = BUF_INIT;
	for (size_t i = 0; i < ss->n; i++)
		for (size_t j = 0; j < ss->items[i].ntables; j++)
			if (ss->items[i].tables[j].external)
				buf_printf(&known, "%s%s.%s", known.len ? ", " : "", ss->items[i].name,
					   ss->items[i].tables[j].name);
	int rc = err_set(e, ING_ENOTFOUND, "no loadable source table matches '%s' (tables: %s)", name,
			 known.len ? buf_cstr(&known) : "none has an `external` property");
	buf_free(&known);
	return rc;
}

/* ---- planning ---- */

static int plan_columns(struct load_ctx *lc, struct lplan *pl, struct arena *a, struct err *e)
{
	const struct src_table *t = pl->t;
	size_t nd = t->ncolumns;
	bool need_infer = nd == 0;
	for (size_t i = 0; i < nd; i++)
		if (!t->columns[i].data_type)
			need_infer = true;
	if (nd) {
		pl->ncols = nd;
		pl->cols = arena_zalloc(a, nd * sizeof(*pl->cols));
		for (size_t i = 0; i < nd; i++) {
			pl->cols[i].name = t->columns[i].name;
			if (!t->columns[i].data_type)
				continue;
			struct err te = ERR_INIT;
			if (wh_type_parse(t->columns[i].data_type, &pl->cols[i].type, &te)) {
				int rc = yerr(e, t->columns[i].node, ING_ECONFIG,
					      "source %s column '%s': %s", pl->name,
					      t->columns[i].name, te.msg ? te.msg : "unknown data_type");
				err_clear(&te);
				return rc;
			}
			if (pl->cols[i].type.type == WH_DECIMAL && pl->cols[i].type.precision <= 0) {
				pl->cols[i].type.precision = 38; /* BigQuery NUMERIC */
				pl->cols[i].type.scale = 9;
			}
		}
	}
	if (!need_infer)
		return 0;
	pl->inferred = true;
	if (!pl->nfiles) {
		if (!pl->plan_error)
			pl->plan_error = arena_printf(
				a, "%s: no columns declared and no file to infer them from", pl->name);
		return 0;
	}
	const struct src_external_options *o = pl->opt;
	struct csv_opts co = {.delimiter = o->delimiter,
			      .quote = o->quote,
			      .escape = o->escape,
			      .max_record_bytes = (size_t)o->max_record_bytes,
			      .max_quoted_lines = (size_t)o->max_quoted_lines,
			      .max_quoted_bytes = (size_t)o->max_quoted_bytes};
	struct csv_reader *r = NULL;
	int rc = csv_open(pl->files[0].f.path, &co, &r, e);
	if (rc)
		return rc;
	struct lake_infer *inf = NULL;
	size_t ninf = 0, seen = 0;
	struct csv_record rec;
	bool header = o->header;
	int k;
	while (seen < INFER_SAMPLE && (k = csv_next(r, &rec, e)) > 0) {
		if (k == CSV_BAD)
			continue;
		if (!inf) {
			ninf = nd ? nd : rec.nfields;
			inf = xcalloc(ninf, sizeof(*inf));
			if (!nd) {
				pl->ncols = ninf;
				pl->cols = arena_zalloc(a, ninf * sizeof(*pl->cols));
				for (size_t i = 0; i < ninf; i++)
					pl->cols[i].name =
						header ? arena_strndup(a, rec.f[i], rec.len[i])
						       : arena_printf(a, "column_%zu", i + 1);
			}
			if (header)
				continue;
		}
		if (rec.nfields != ninf)
			continue;
		for (size_t i = 0; i < ninf; i++)
			lake_infer_add(&inf[i], rec.f[i], rec.len[i]);
		seen++;
	}
	csv_close(r);
	if (!inf) {
		pl->plan_error =
			arena_printf(a, "%s: no columns declared and %s has no rows to infer them from",
				     pl->name, pl->files[0].f.rel);
		return 0;
	}
	struct buf msg = BUF_INIT;
	for (size_t i = 0; i < pl->ncols; i++) {
		if (nd && t->columns[i].data_type)
			continue;
		pl->cols[i].type = lake_infer_type(&inf[i]);
		buf_printf(&msg, "%s%s %s", msg.len ? ", " : "", pl->cols[i].name,
			   wh_type_name(pl->cols[i].type.type));
	}
	pl->inferred_note = arena_printf(a, "column types inferred from %s: %s", pl->files[0].f.rel,
					 buf_cstr(&msg));
	buf_free(&msg);
	free(inf);
	(void)lc;
	/* declared columns were checked with the source (config/sources.c);
	 * a header's names only now */
	const char *lac = pl->opt->loaded_at_column;
	for (size_t i = 0; lac && i < pl->ncols && !pl->plan_error; i++)
		if (!str_casecmp(pl->cols[i].name, lac))
			pl->plan_error = arena_printf(
				a,
				"%s: %s has a column '%s', which loaded_at_column also names; the "
				"load time needs a column of its own",
				pl->name, pl->files[0].f.rel, lac);
	return 0;
}

#define MANIFEST_COLS(archived)                                                              \
	"path, size, mtime_us, sha256, load_id, ctime_us, dev, ino, duplicate_of, " archived
#define MANIFEST_WHERE                                                                       \
	" FROM _ingot.loaded_files WHERE (schema_name = $1 AND identifier = $2) OR "         \
	"(schema_name IS NULL AND source = $3 AND table_name = $4)"

struct mrow {
	int64_t size, mtime, ctime, dev, ino; /* -1: not recorded (earlier version) */
	const char *path, *sha, *load_id;
	const char *dup_of; /* recorded as a duplicate of this file, else NULL */
	bool archived;      /* moved to the lake's archive (ingot infra lake-maintain) */
	bool seen;
};

static int64_t cell_int(const struct wh_result *res, size_t r, size_t col)
{
	const struct wh_value *v = wh_cell(res, r, col);
	return v->type == WH_NULL ? -1 : v->v.i;
}

/* The files matched, less those still being written (no final newline,
 * younger than min_file_age). Listing problems fail the table. */
static int list_files(struct load_ctx *lc, struct lplan *pl, struct arena *a, bool warn,
		      struct err *e)
{
	const struct src_external_options *opt = pl->opt;
	struct lake_file *files = NULL;
	size_t n = 0;
	struct err le = ERR_INIT;
	int rc = lake_list(lc->lake_root, pl->t->external->location, a, &files, &n, &le);
	if (rc) {
		pl->plan_error = arena_printf(a, "%s: listing %s under %s: %s", pl->name,
					      pl->t->external->location, lc->lake_root,
					      le.msg ? le.msg : ing_strerror(rc));
		err_clear(&le);
		n = 0;
	}
	pl->files = arena_zalloc(a, (n + 1) * sizeof(*pl->files));
	pl->nfiles = 0;
	pl->nwaiting = 0;
	int64_t now = now_us();
	for (size_t i = 0; i < n; i++) {
		bool complete = true;
		if (opt->require_final_newline && (rc = lake_file_complete(&files[i], &complete, e)))
			return rc;
		bool young = opt->min_file_age_us > 0 && now - files[i].mtime_us < opt->min_file_age_us;
		if (!complete || young) {
			pl->nwaiting++;
			if (warn)
				log_warn("%s: %s %s; it is left for a later run (producers: write to a "
					 "temporary name, then rename)",
					 pl->name, files[i].rel,
					 !complete ? "does not end with a newline, so it may still be "
						     "being written"
						   : "is younger than min_file_age");
			continue;
		}
		pl->files[pl->nfiles++].f = files[i];
	}
	if (!n && !pl->plan_error) {
		bool allow = lc->o->allow_empty || opt->allow_empty;
		if (pl->replace && !allow)
			pl->plan_error = arena_printf(
				a,
				"%s: no files match %s under %s; the table is kept as it was (check the "
				"location and --lake; to replace it with an empty table pass "
				"--allow-empty or set allow_empty: true in its options)",
				pl->name, pl->t->external->location, lc->lake_root);
		else if (warn)
			log_warn("%s: no files match %s under %s", pl->name,
				 pl->t->external->location, lc->lake_root);
	}
	return 0;
}

/* lf->sha: from `hashed` (an earlier plan's files by path) when the file's
 * fingerprint is the same as then, else read. */
static int file_sha256(const struct lplan *pl, const struct strmap *hashed, struct lfile *lf,
		       struct arena *a, struct err *e)
{
	const struct lfile *was = strmap_get(hashed, lf->f.rel);
	if (was && was->f.size == lf->f.size && was->f.mtime_us == lf->f.mtime_us &&
	    was->f.ctime_us == lf->f.ctime_us && was->f.dev == lf->f.dev && was->f.ino == lf->f.ino) {
		lf->sha = was->sha;
		return 0;
	}
	log_debug("%s: reading %s for its SHA-256", pl->name, lf->f.rel);
	char sha[65];
	int rc = lake_sha256(lf->f.path, sha, e);
	if (!rc)
		lf->sha = arena_strdup(a, sha);
	return rc;
}

/* The state of each matched file against the manifest rows of the
 * destination relation: new, loaded (same fingerprint, or same SHA-256
 * when it moved: its row is refreshed so the next run does not hash it
 * again), changed, or a duplicate of other contents. New files are hashed
 * only when their size equals another file's. */
static int plan_files(struct load_ctx *lc, struct wh_conn *c, bool meta, struct lplan *pl,
		      struct arena *a, bool warn, struct err *e)
{
	pl->nnew = pl->nloaded = pl->nchanged = pl->ndup = 0;
	pl->up_to_date = false;
	pl->plan_error = NULL;
	/* The files an earlier plan of this table hashed (the plan before the
	 * table's lock; this one runs under it): one whose fingerprint has not
	 * moved since is not read again. (A lake copied or restored moves
	 * every fingerprint: each file was hashed twice.) */
	struct strmap hashed = STRMAP_INIT;
	for (size_t i = 0; i < pl->nfiles; i++)
		if (pl->files[i].sha)
			strmap_put(&hashed, pl->files[i].f.rel, &pl->files[i]);
	int rc = list_files(lc, pl, a, warn, e);
	if (rc || pl->plan_error) {
		strmap_free(&hashed, NULL);
		return rc;
	}
	size_t n = pl->nfiles;

	struct strmap man = STRMAP_INIT, bysha = STRMAP_INIT;
	struct mrow *rows = NULL;
	size_t nman = 0, nrecdup = 0;
	struct wh_result *res = NULL;
	if (meta) {
		struct wh_value v[4] = {wh_text(pl->schema), wh_text(pl->identifier),
					wh_text(pl->t->source->name), wh_text(pl->t->name)};
		if (lc->legacy_manifest)
			rc = wh_query(c,
				      "SELECT path, size, mtime_us, sha256, load_id, NULL, NULL, NULL, "
				      "NULL, NULL FROM _ingot.loaded_files WHERE source = $1 AND "
				      "table_name = $2",
				      v + 2, 2, &res, e);
		else
			rc = wh_query(c,
				      lc->no_archived_at ? "SELECT " MANIFEST_COLS("NULL") MANIFEST_WHERE
							 : "SELECT " MANIFEST_COLS("archived_at")
								   MANIFEST_WHERE,
				      v, 4, &res, e);
		if (rc)
			return rc;
		nman = res->nrows;
		rows = xcalloc(nman + 1, sizeof(*rows));
		for (size_t i = 0; i < nman; i++) {
			rows[i].size = cell_int(res, i, 1);
			rows[i].mtime = cell_int(res, i, 2);
			rows[i].ctime = cell_int(res, i, 5);
			rows[i].dev = cell_int(res, i, 6);
			rows[i].ino = cell_int(res, i, 7);
			rows[i].path = arena_strdup(a, wh_cell(res, i, 0)->v.s.p);
			rows[i].sha = arena_strdup(a, wh_cell(res, i, 3)->v.s.p);
			rows[i].load_id = arena_strdup(a, wh_cell(res, i, 4)->v.s.p);
			if (wh_cell(res, i, 8)->type != WH_NULL)
				rows[i].dup_of = arena_strdup(a, wh_cell(res, i, 8)->v.s.p);
			rows[i].archived = wh_cell(res, i, 9)->type != WH_NULL;
			strmap_put(&man, rows[i].path, &rows[i]);
			if (!pl->replace)
				strmap_put(&bysha, rows[i].sha, &rows[i]);
		}
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct lfile *lf = &pl->files[i];
		struct mrow *m = strmap_get(&man, lf->f.rel);
		if (!m) {
			lf->state = LF_NEW;
			continue;
		}
		m->seen = true;
		lf->old_sha = m->sha;
		/* a recorded duplicate stays one: replace mode must not load it */
		enum lfile_state same = m->dup_of && pl->replace ? LF_DUP : LF_LOADED;
		if ((uint64_t)m->size == lf->f.size && m->mtime == lf->f.mtime_us &&
		    m->ctime == lf->f.ctime_us && (uint64_t)m->dev == lf->f.dev &&
		    (uint64_t)m->ino == lf->f.ino) {
			lf->state = same;
			lf->sha = m->sha;
			lf->dup_of = same == LF_DUP ? m->dup_of : NULL;
			nrecdup += same == LF_DUP;
			continue;
		}
		if ((rc = file_sha256(pl, &hashed, lf, a, e)))
			break;
		if (!strcmp(lf->sha, m->sha)) {
			lf->state = same;
			lf->dup_of = same == LF_DUP ? m->dup_of : NULL;
			lf->refresh = true;
		} else {
			lf->state = LF_CHANGED;
			if (!pl->replace && !pl->plan_error)
				pl->plan_error = arena_printf(
					a,
					"%s: %s was loaded before (load %s) and its contents have "
					"changed since; ingot does not reload a changed file under a "
					"loaded name in append mode (restore it, give the new data a new "
					"file name, or run with --full-refresh)",
					pl->name, lf->f.rel, m->load_id);
		}
	}
	/* the same contents under two names load once: a new file is compared
	 * with the manifest's files and the other files matched */
	for (size_t i = 0; i < n && !rc; i++) {
		struct lfile *lf = &pl->files[i];
		if (lf->state != LF_NEW)
			continue;
		bool collide = false;
		for (size_t j = 0; j < nman && !collide; j++)
			collide = (uint64_t)rows[j].size == lf->f.size;
		for (size_t j = 0; j < n && !collide; j++)
			collide = j != i && pl->files[j].f.size == lf->f.size;
		if (!collide)
			continue;
		if ((rc = file_sha256(pl, &hashed, lf, a, e)))
			break;
		const char *sha = lf->sha;
		struct mrow *m = strmap_get(&bysha, sha);
		const char *dup = m ? (m->dup_of ? m->dup_of : m->path) : NULL;
		for (size_t j = 0; j < n && !dup; j++) {
			const struct lfile *o = &pl->files[j];
			bool original = o->state != LF_DUP &&
					(pl->replace || o->state != LF_CHANGED);
			if (j != i && original && o->sha && !strcmp(o->sha, sha))
				dup = o->f.rel;
		}
		if (dup) {
			lf->state = LF_DUP;
			lf->dup_of = dup;
			if (warn)
				log_warn("%s: %s has the same contents as %s; it is recorded as a "
					 "duplicate and not loaded again",
					 pl->name, lf->f.rel, dup);
		}
	}
	for (size_t i = 0; i < n; i++) {
		enum lfile_state st = pl->files[i].state;
		pl->nnew += st == LF_NEW;
		pl->nloaded += st == LF_LOADED;
		pl->nchanged += st == LF_CHANGED;
		pl->ndup += st == LF_DUP;
	}
	bool all_seen = true;
	for (size_t i = 0; i < nman; i++) {
		all_seen &= rows[i].seen;
		/* an archived file left the lake on purpose: its rows stay, it is
		 * not loaded again, and there is nothing to warn about */
		if (!rows[i].seen && warn && !(rows[i].archived && !pl->replace))
			log_warn("%s: %s was loaded (load %s) but is no longer in the lake%s", pl->name,
				 rows[i].path, rows[i].load_id,
				 pl->replace ? "; the table will be replaced without its rows" : "");
	}
	if (!rc) {
		if (!pl->replace)
			pl->up_to_date = pl->nnew == 0 && pl->ndup == 0 && !pl->plan_error;
		else if (!lc->o->full_refresh && meta && n && pl->nloaded + nrecdup == n &&
			 pl->ndup == nrecdup && all_seen && nman == n) {
			enum wh_rel_kind kind = WH_REL_NONE;
			if ((rc = wh_relation_kind(c, pl->schema, pl->identifier, &kind, e)) == 0)
				pl->up_to_date = kind == WH_REL_TABLE;
		}
		/* a truncate-mode table waits for files still being written
		 * rather than lose their rows meanwhile */
		if (!rc && pl->replace && pl->nwaiting && !pl->plan_error && !lc->o->full_refresh) {
			enum wh_rel_kind kind = WH_REL_NONE;
			if ((rc = wh_relation_kind(c, pl->schema, pl->identifier, &kind, e)) == 0 &&
			    kind == WH_REL_TABLE) {
				pl->up_to_date = true;
				if (warn)
					log_warn("%s: the table is kept as it was until every matched "
						 "file is complete",
						 pl->name);
			}
		}
	}
	wh_result_free(res);
	strmap_free(&man, NULL);
	strmap_free(&bysha, NULL);
	strmap_free(&hashed, NULL);
	free(rows);
	return rc;
}

int load__replan(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl, struct err *e)
{
	pthread_mutex_lock(&lc->lock);
	int rc = plan_files(lc, c, true, pl, lc->arena, false, e);
	pthread_mutex_unlock(&lc->lock);
	return rc;
}

/* ---- workers ---- */

struct pool {
	struct load_ctx *lc;
	struct lplan *plans;
	size_t n;
	atomic_size_t next;
};

static void finish_without_loading(struct load_ctx *lc, struct wh_conn *c, struct lplan *pl)
{
	struct err e = ERR_INIT;
	if (pl->plan_error) {
		pl->rep->status = LOAD_FAILED;
		pl->rep->error = pl->plan_error;
	} else {
		pl->rep->status = LOAD_UP_TO_DATE;
		pl->rep->files_skipped = pl->nloaded;
	}
	if (c && load__record_run(lc, c, pl, &e))
		log_warn("%s: could not record the run in _ingot.loads: %s", pl->name,
			 e.msg ? e.msg : "");
	err_clear(&e);
}

static void *worker(void *arg)
{
	struct pool *pool = arg;
	struct load_ctx *lc = pool->lc;
	struct wh_conn *c = NULL;
	struct err ce = ERR_INIT;
	int crc = wh_connect(lc->db, &c, &ce);
	if (!crc)
		wh_conn_set_cancel(c, lc->o->cancel);
	for (;;) {
		size_t i = atomic_fetch_add(&pool->next, 1);
		if (i >= pool->n)
			break;
		struct lplan *pl = &pool->plans[i];
		if (crc) {
			pl->rep->status = LOAD_FAILED;
			pthread_mutex_lock(&lc->lock);
			pl->rep->error = arena_printf(lc->arena, "%s: cannot connect: %s", pl->name,
						      ce.msg ? ce.msg : "");
			pthread_mutex_unlock(&lc->lock);
			continue;
		}
		if (cancel_requested(lc->o->cancel)) {
			pl->rep->status = LOAD_FAILED;
			pthread_mutex_lock(&lc->lock);
			pl->rep->error = arena_printf(lc->arena, "%s: not loaded: %s", pl->name,
						      cancel_reason(lc->o->cancel));
			pthread_mutex_unlock(&lc->lock);
			continue;
		}
		if (pl->plan_error) {
			finish_without_loading(lc, c, pl);
			continue;
		}
		if (pl->inferred_note && !pl->up_to_date)
			log_warn("%s: %s (declare data_type to fix them)", pl->name, pl->inferred_note);
		struct err e = ERR_INIT;
		load__table(lc, c, pl, &e);
		err_clear(&e);
	}
	err_clear(&ce);
	wh_disconnect(c);
	return NULL;
}

/* ---- output ---- */

static void human_bytes(uint64_t b, char *out, size_t n)
{
	if (b >= (1u << 30))
		snprintf(out, n, "%.1f GB", (double)b / (1 << 30));
	else if (b >= (1u << 20))
		snprintf(out, n, "%.1f MB", (double)b / (1 << 20));
	else if (b >= 1024)
		snprintf(out, n, "%.1f KB", (double)b / 1024);
	else
		snprintf(out, n, "%llu B", (unsigned long long)b);
}

static void print_plan(const struct lplan *pl, FILE *fp)
{
	static const char *st[] = {"new", "loaded", "changed", "duplicate"};
	fprintf(fp, "%s -> %s (%s%s): %zu new, %zu loaded, %zu changed\n", pl->name,
		pl->rep->relation, pl->opt->write_disposition == SRC_WRITE_APPEND ? "append" : "truncate",
		pl->replace && pl->opt->write_disposition == SRC_WRITE_APPEND ? ", full refresh" : "",
		pl->nnew, pl->nloaded, pl->nchanged);
	for (size_t i = 0; i < pl->nfiles; i++) {
		char hb[32];
		human_bytes(pl->files[i].f.size, hb, sizeof(hb));
		fprintf(fp, "  %-8s %s (%s)%s%s\n", st[pl->files[i].state], pl->files[i].f.rel, hb,
			pl->files[i].dup_of ? " same contents as " : "",
			pl->files[i].dup_of ? pl->files[i].dup_of : "");
	}
	if (!pl->nfiles && !pl->nwaiting)
		fprintf(fp, "  no files match %s\n", pl->t->external->location);
	if (pl->nwaiting)
		fprintf(fp, "  %zu file(s) still being written, left for a later run\n", pl->nwaiting);
	if (pl->inferred_note)
		fprintf(fp, "  %s\n", pl->inferred_note);
	if (pl->plan_error)
		fprintf(fp, "  error: %s\n", pl->plan_error);
	else if (pl->up_to_date)
		fprintf(fp, "  nothing to load\n");
	else if (pl->replace)
		fprintf(fp, "  would load %zu file(s) and replace the table\n", pl->nfiles);
	else
		fprintf(fp, "  would load %zu new file(s)\n", pl->nnew);
}

void load_report_print(const struct load_report *r, FILE *fp, bool color)
{
	static const char *st[] = {"ok", "up to date", "FAILED", "planned"};
	const char *red = color ? "\033[31m" : "", *green = color ? "\033[32m" : "",
		   *off = color ? "\033[0m" : "";
	(void)red;
	size_t w = 5;
	for (size_t i = 0; i < r->n; i++) {
		size_t l = strlen(r->tables[i].source) + 1 + strlen(r->tables[i].table);
		if (l > w)
			w = l;
	}
	fprintf(fp, "%-*s  %-10s %5s %11s %11s %9s %8s %7s\n", (int)w, "table", "status", "files",
		"rows read", "loaded", "rejected", "MB/s", "time");
	for (size_t i = 0; i < r->n; i++) {
		const struct load_table_report *t = &r->tables[i];
		char name[512];
		snprintf(name, sizeof(name), "%s.%s", t->source, t->table);
		double mbs = t->seconds > 0 ? (double)t->bytes / (1 << 20) / t->seconds : 0;
		const char *c = t->status == LOAD_FAILED ? red : t->status == LOAD_OK ? green : "";
		fprintf(fp, "%-*s  %s%-10s%s %5zu %11llu %11llu %9llu %8.1f %6.2fs\n", (int)w, name, c,
			st[t->status], off, t->files, (unsigned long long)t->rows_read,
			(unsigned long long)t->rows_loaded, (unsigned long long)t->rows_rejected, mbs,
			t->seconds);
	}
}

void load_report_free(struct load_report *r)
{
	if (!r)
		return;
	arena_free(r->arena);
	memset(r, 0, sizeof(*r));
}

/* ---- the run ---- */

int load_run(struct project *p, struct wh_db *db, const struct load_opts *o,
	     struct load_report *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	struct arena *a = arena_new(0);
	out->arena = a;
	struct load_ctx lc = {.p = p, .db = db, .o = o, .arena = a};
	pthread_mutex_init(&lc.lock, NULL);
	lc.started_us = now_us();
	char stamp[32];
	ts_format_iso(lc.started_us, stamp);
	lc.load_id = arena_printf(a, "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%x", stamp, stamp + 5, stamp + 8,
				  stamp + 11, stamp + 14, stamp + 17,
				  (unsigned)(getpid() ^ (lc.started_us & 0xffff)));
	out->load_id = lc.load_id;
	lc.lake_root = o->lake_root ? o->lake_root : p->target.lake_root;

	struct source_set ss;
	struct wh_conn *c = NULL;
	bool *pick = NULL;
	int *locks = NULL;
	struct lplan *plans = NULL;
	size_t np = 0;
	int rc = sources_load(p, a, &ss, e);
	if (rc)
		goto done;
	size_t nt = sources_count_tables(&ss);
	pick = xcalloc(nt + 1, 1);
	if (!o->ntables && !o->nselect) {
		size_t k = 0;
		for (size_t i = 0; i < ss.n; i++)
			for (size_t j = 0; j < ss.items[i].ntables; j++, k++)
				pick[k] = ss.items[i].tables[j].external != NULL;
	}
	for (size_t i = 0; i < o->ntables && !rc; i++)
		rc = select_name(&ss, o->tables[i], pick, e);
	for (size_t i = 0; i < o->nselect && !rc; i++)
		rc = select_name(&ss, o->select[i], pick, e);
	if (rc)
		goto done;
	plans = arena_zalloc(a, (nt + 1) * sizeof(*plans));
	out->tables = arena_zalloc(a, (nt + 1) * sizeof(*out->tables));
	size_t k = 0;
	for (size_t i = 0; i < ss.n; i++)
		for (size_t j = 0; j < ss.items[i].ntables; j++, k++) {
			if (!pick[k])
				continue;
			const struct src_table *t = &ss.items[i].tables[j];
			struct lplan *pl = &plans[np];
			pl->t = t;
			pl->opt = &t->external->options;
			pl->schema = t->source->schema;
			pl->identifier = t->identifier;
			pl->name = arena_printf(a, "%s.%s", t->source->name, t->name);
			pl->replace = o->full_refresh ||
				      pl->opt->write_disposition == SRC_WRITE_TRUNCATE;
			pl->rep = &out->tables[np];
			pl->rep->source = t->source->name;
			pl->rep->table = t->name;
			pl->rep->relation = arena_printf(a, "%s.%s", pl->schema, pl->identifier);
			pl->rep->status = o->dry_run ? LOAD_PLANNED : LOAD_OK;
			np++;
			/* a name the engine would cut is refused before anything runs */
			struct err ie = ERR_INIT;
			if (!rc && (wh_check_ident(db, "schema", pl->schema, &ie) ||
				    wh_check_ident(db, "identifier", pl->identifier, &ie))) {
				const struct ynode *at = t->node;
				rc = err_setloc(e, ING_ECONFIG, at ? at->file : NULL, at ? at->line : 0,
						at ? at->col : 0, "source table %s: %s", pl->name, ie.msg);
			}
			err_clear(&ie);
		}
	out->n = np;
	if (rc)
		goto done;
	/* A lake that is not there (a --lake typo, an unmounted volume) is not
	 * "no files": it would empty truncate-mode tables. */
	if (np && !fs_is_dir(lc.lake_root)) {
		rc = err_set(e, ING_ENOTFOUND,
			     "the lake root %s does not exist or is not a folder; check --lake (or "
			     "lake_root in the profile) and that the volume is mounted",
			     lc.lake_root);
		goto done;
	}
	/* One lock per table, taken in the project's source order before
	 * planning: two runs that share a table (two pipeline tasks, a CLI run
	 * and the scheduler) serialise on it, and the second plans after the
	 * first has committed, so a file is never loaded twice. */
	if (!o->dry_run && np) {
		char *dir = path_join(p->dir, ".ingot/locks");
		rc = fs_mkdir_p(dir, e);
		locks = xcalloc(np, sizeof(int));
		for (size_t i = 0; i < np; i++)
			locks[i] = -1;
		for (size_t i = 0; i < np && !rc; i++) {
			char *lp = xasprintf("%s/load-%s.lock", dir, plans[i].name);
			int fd = fs_lock(lp, true, e);
			free(lp);
			if (fd < 0)
				rc = fd;
			else
				locks[i] = fd;
		}
		free(dir);
		if (rc)
			goto done;
	}
	if (!np) {
		if (o->out)
			fprintf(o->out, "no source tables with an `external` property to load\n");
		goto done;
	}
	if ((rc = wh_connect(db, &c, e)))
		goto done;
	wh_conn_set_cancel(c, o->cancel);
	bool meta = true;
	if (o->dry_run) {
		enum wh_rel_kind kind = WH_REL_NONE;
		if ((rc = wh_relation_kind(c, "_ingot", "loaded_files", &kind, e)))
			goto done;
		meta = kind != WH_REL_NONE;
		/* a dry run changes nothing, not even the manifest's migration:
		 * read an earlier version's manifest as it is */
		struct arena *ca = arena_new(0);
		struct wh_column_info *cols = NULL;
		size_t ncols = 0;
		if (meta)
			rc = wh_list_columns(c, "_ingot", "loaded_files", ca, &cols, &ncols, e);
		if (meta && !rc) {
			lc.legacy_manifest = true;
			for (size_t i = 0; i < ncols; i++)
				if (!str_casecmp(cols[i].name, "duplicate_of"))
					lc.legacy_manifest = false;
			lc.no_archived_at = true;
			for (size_t i = 0; i < ncols; i++)
				if (!str_casecmp(cols[i].name, "archived_at"))
					lc.no_archived_at = false;
		}
		arena_free(ca);
		if (rc)
			goto done;
	} else if ((rc = load__ensure_meta(c, e))) {
		goto done;
	}
	for (size_t i = 0; i < np && !rc; i++) {
		if ((rc = plan_files(&lc, c, meta, &plans[i], a, true, e)))
			break;
		if (!plans[i].plan_error || plans[i].ncols == 0)
			rc = plan_columns(&lc, &plans[i], a, e);
	}
	if (rc)
		goto done;
	if (o->dry_run) {
		for (size_t i = 0; i < np && o->out; i++)
			print_plan(&plans[i], o->out);
		for (size_t i = 0; i < np; i++)
			if (plans[i].plan_error) {
				out->tables[i].status = LOAD_FAILED;
				out->tables[i].error = plans[i].plan_error;
				out->failed++;
			}
		if (out->failed)
			rc = err_set(e, ING_EFAIL, "the plan of %zu of %zu source table(s) has an error",
				     out->failed, np);
		goto done;
	}
	/* schemas first, one connection: engines dislike concurrent CREATE
	 * SCHEMA. Also for tables that look up to date: that is checked again
	 * under the warehouse lock, and may have changed by then. */
	for (size_t i = 0; i < np && !rc; i++)
		if (!plans[i].plan_error)
			rc = wh_create_schema(c, plans[i].schema, e);
	if (rc)
		goto done;
	int threads = o->threads > 0 ? o->threads : p->target.threads > 0 ? p->target.threads : 1;
	if ((size_t)threads > np)
		threads = (int)np;
	struct pool pool = {&lc, plans, np, 0};
	if (threads <= 1) {
		worker(&pool);
	} else {
		pthread_t *th = xcalloc((size_t)threads, sizeof(*th));
		int started = 0, err = 0;
		for (int i = 0; i < threads; i++)
			if ((err = log_thread_create(&th[started], NULL, worker, &pool)) == 0)
				started++;
		/* the queue is shared: fewer threads (or this one) still load
		 * every table, only slower */
		if (started < threads)
			log_warn("load: started %d of %d threads (%s); loading with fewer", started,
				 threads, strerror(err));
		if (!started)
			worker(&pool);
		for (int i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		free(th);
	}
	for (size_t i = 0; i < np; i++)
		out->failed += out->tables[i].status == LOAD_FAILED;
	if (o->out)
		load_report_print(out, o->out, o->color);
	for (size_t i = 0; i < np; i++)
		if (out->tables[i].error)
			log_error("%s", out->tables[i].error);
	if (out->failed && cancel_requested(o->cancel))
		rc = err_set(e, cancel_status(o->cancel) == ING_ETIMEOUT ? ING_ETIMEOUT : ING_ECANCELED,
			     "load %s: %zu of %zu source table(s) not loaded (rolled back)",
			     cancel_status(o->cancel) == ING_ETIMEOUT ? "timed out" : "cancelled",
			     out->failed, np);
	else if (out->failed)
		rc = err_set(e, ING_EFAIL, "%zu of %zu source table(s) failed to load", out->failed, np);
done:
	wh_disconnect(c);
	for (size_t i = 0; locks && i < np; i++)
		if (locks[i] >= 0)
			close(locks[i]);
	free(locks);
	free(pick);
	pthread_mutex_destroy(&lc.lock);
	return rc;
}
