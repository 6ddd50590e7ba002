/*
 * load/load.h — lake files into typed warehouse tables, exactly once.
 *
 * load_run loads the selected source tables (those with an `external`
 * property, see config/sources.h) from the lake into their relations
 * (source schema, table identifier), through the adapter's bulk path.
 *
 * Rules (DESIGN.md §8):
 *   - every field is converted to its declared type; a row that fails goes
 *     to _ingot.load_rejects (load id, source, table, file, line, column,
 *     reason, raw record); rows read = rows loaded + rows rejected, always;
 *   - more rejects than max_bad_records: the table's load rolls back and the
 *     message says how many and shows the first reasons;
 *   - one transaction per table: truncate mode builds a new relation and
 *     swaps it in, append mode inserts the new files' rows; the
 *     _ingot.loaded_files rows (path, size, mtime, sha256, rows, load id)
 *     commit with the data;
 *   - append mode skips files already loaded; a different file under a
 *     loaded name is an error; full_refresh reloads everything;
 *   - truncate mode reloads every file matched (the table is replaced);
 *     when nothing changed since the last load it is skipped; zero files
 *     never replace a table unless allow_empty (option or table config);
 *   - listing problems (an unreadable folder, a dangling symlink, a
 *     symlink loop) fail that table; a missing lake root fails the run;
 *   - _ingot.loaded_files is keyed by the destination relation (schema,
 *     identifier, path: a unique key); files with the same contents as a
 *     loaded one are recorded as duplicates, not loaded; files without a
 *     final newline or younger than min_file_age wait for a later run
 *     (docs/internals/load.md);
 *   - _ingot.loads keeps one row per table per run (files, bytes, rows
 *     read/loaded/rejected, duration, status, error; `note` records the
 *     inferred column types of a table that declares none).
 *
 * Threads: tables are loaded in parallel by o->threads workers, each with
 * its own wh_conn. Runs may overlap (pipeline tasks, CLI and scheduler,
 * other checkouts on the same warehouse): each table is locked
 * (<project>/.ingot/locks/load-SOURCE.TABLE.lock) before it is planned,
 * and its transaction takes the warehouse lock of its relation
 * (wh_lock_relation) and plans again under it, so runs sharing a table
 * wait for each other and a file is loaded once. Each table's load runs a reader thread next to the
 * worker that appends.
 *
 * Ownership: the report's strings live in out->arena; release with
 * load_report_free. Returns 0 when every table loaded (or had nothing new),
 * ING_EFAIL when at least one table failed (the report says which and why;
 * e holds a one-line summary), other ING_E* codes for project/config
 * errors found before anything was loaded.
 */
#ifndef INGOT_LOAD_LOAD_H
#define INGOT_LOAD_LOAD_H

#include "config/project.h"
#include "core/arena.h"
#include "core/err.h"
#include "warehouse/warehouse.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct load_opts {
	/* Tables to load: "source.table" or "source" (all its tables). None and
	 * no select: every source table with an `external` property. */
	const char *const *tables;
	size_t ntables;
	/* dbt-style selectors: "source:raw", "source:raw.orders", "raw.orders",
	 * "tag:x" (the table's or source's tags). Union with tables. */
	const char *const *select;
	size_t nselect;
	bool full_refresh;
	bool allow_empty;  /* a truncate-mode table may be replaced by zero files */
	bool dry_run;      /* print the plan (new / loaded / changed files); change nothing */
	int threads;       /* 0 = the target's threads (at least 1) */
	const char *lake_root; /* NULL = the target's lake_root */
	/* A folder (absolute, outside every source's location: platform.yml's
	 * lake.quarantine): a table's load refused above max_bad_records moves
	 * the files that had rejected rows there, under their path relative to
	 * the lake root, with a .reason file each (the error names them). NULL:
	 * they stay, and the next load refuses them again. */
	const char *quarantine;
	FILE *out;         /* plan and summary table; NULL = print nothing */
	bool color;        /* colour in the summary table */
	bool progress;     /* a progress line on a TTY */
	/* Cancellation (core/cancel.h), NULL = none. A request interrupts the
	 * running statements and batches; every table being loaded rolls back
	 * (its previous rows and manifest stay exactly as they were), tables
	 * not started are not loaded, and load_run returns the token's status
	 * (ING_ECANCELED / ING_ETIMEOUT). */
	struct cancel *cancel;
};

enum load_status {
	LOAD_OK = 0,      /* loaded */
	LOAD_UP_TO_DATE,  /* nothing new to load */
	LOAD_FAILED,      /* rolled back; error says why */
	LOAD_PLANNED,     /* dry run */
};

struct load_table_report {
	const char *source, *table; /* names as declared */
	const char *relation;       /* schema.identifier */
	enum load_status status;
	size_t files;         /* files loaded in this run */
	size_t files_skipped; /* already loaded (append) */
	uint64_t bytes;
	uint64_t rows_read, rows_loaded, rows_rejected;
	double seconds;
	const char *error; /* NULL unless LOAD_FAILED */
};

struct load_report {
	const char *load_id;
	struct load_table_report *tables;
	size_t n;
	size_t failed;
	struct arena *arena;
};

int load_run(struct project *p, struct wh_db *db, const struct load_opts *o,
	     struct load_report *out, struct err *e);
void load_report_free(struct load_report *r);

/* Create or migrate the _ingot tables (the manifest) to this version's
 * columns; idempotent. Call before load_manifest_archived. */
int load_manifest_prepare(struct wh_conn *c, struct err *e);
/* Record in _ingot.loaded_files that the file at path (relative to the
 * lake root) of source.table was moved to the lake's archive at at_us
 * (ingot infra lake-maintain): a later load neither warns that it left the
 * lake nor loads it again. Idempotent. */
int load_manifest_archived(struct wh_conn *c, const char *source, const char *table,
			   const char *path, int64_t at_us, struct err *e);

/* Print the summary table of a report (what `ingot load` shows); each
 * failed table's error is logged (log_error) by load_run. */
void load_report_print(const struct load_report *r, FILE *fp, bool color);

#endif
