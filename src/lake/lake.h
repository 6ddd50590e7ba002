/*
 * lake/lake.h — files under the lake root: listing, fingerprints, CSV
 * reading and typed conversion into column batches.
 *
 * Three parts, used in this order by load/:
 *
 * 1. Listing. lake_list matches a glob (relative to the lake root, `*`, `?`,
 *    `[..]`, `**`) and also the same pattern with ".gz" appended, so
 *    "orders/orders_N.csv" also finds orders_N.csv.gz. Each file gets
 *    its size and mtime; lake_sha256 hashes a file (OpenSSL EVP).
 *
 * 2. Reading. A csv_reader streams one file (plain or gzip, detected by
 *    the magic bytes) and yields records one at a time as (pointer, length)
 *    fields valid until the next call. RFC 4180: fields separated by the
 *    delimiter, optionally quoted, quotes inside quoted fields doubled (or
 *    preceded by the escape character when it differs from the quote);
 *    records end with LF or CRLF; a UTF-8 BOM is stripped at byte 0 only.
 *    The reader never allocates per record: one input buffer, one scratch
 *    buffer for unescaped fields, both capped by max_record_bytes.
 *
 *    Record-level problems do not stop the file: csv_next returns
 *    CSV_BAD with the record's line, the raw text (capped) and a reason,
 *    then continues at the next record. They are: a bare CR outside quotes,
 *    a stray quote in an unquoted field, text after a closing quote
 *    (`"ab"c`), an unterminated quote (at end of file), a quoted field
 *    spanning more than max_quoted_lines lines or max_quoted_bytes bytes,
 *    a NUL byte, invalid UTF-8, a record over max_record_bytes. After the
 *    two quote bounds and an unterminated quote, reading resumes at the
 *    line after the bad record's first line (the lines a stray quote
 *    would have swallowed are read as records again). File-level problems (I/O
 *    errors, a truncated or corrupt gzip stream) are returned as errors.
 *
 * 3. Conversion. A lake_conv holds one converter per declared column and
 *    a column batch (struct wh_batch, see warehouse/warehouse.h) of up to
 *    LAKE_BATCH_ROWS rows. lake_conv_row converts one record's fields into
 *    the next row; on failure the row is not added and the column and
 *    reason are reported. Text is copied into the batch's own storage, so
 *    a full batch stays valid after the reader moves on, until
 *    lake_conv_reset.
 *
 *    Types: INT64 (optional sign and digits only: no fraction, exponent or
 *    spaces; overflow rejected), FLOAT64 (decimal or exponent notation;
 *    inf, nan, values that overflow such as 1e400 and non-zero values
 *    that underflow to 0 such as 1e-400 rejected), NUMERIC (precision/
 *    scale from the type, default 38,9; more integer digits than p-s or
 *    more non-zero decimals than s are rejected, never rounded), BOOL
 *    (true/false, t/f, yes/no, y/n, 1/0, any case), STRING (with a
 *    length, VARCHAR(n)/STRING(n): longer values, in characters, are
 *    rejected; engines such as DuckDB do not check it), DATE,
 *    TIMESTAMP (core/dtime.h ts_parse: offsets and UTC converted to UTC),
 *    DATETIME (no zone). A timestamp_format/date_format option replaces
 *    the default parser with a strftime-style pattern (%Y %m %d %H %M %S
 *    %f %z and literal characters).
 *
 *    NULL: an unquoted empty field, or a field equal to the null marker,
 *    is NULL. A quoted empty field is an empty STRING (NULL for other
 *    types).
 *
 * Threads: every object here belongs to one thread at a time.
 */
#ifndef INGOT_LAKE_H
#define INGOT_LAKE_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "warehouse/warehouse.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- listing ---- */

struct lake_file {
	const char *rel;  /* relative to the lake root (the manifest's key) */
	const char *path; /* absolute */
	uint64_t size;
	int64_t mtime_us;
	int64_t ctime_us; /* a rewrite changes it even when size and mtime are kept */
	uint64_t dev, ino;
};

/* Files matching pattern (and pattern.gz), sorted by rel; strings and the
 * array in arena a. A root that does not exist is ING_ENOTFOUND. A folder
 * of the pattern that does not exist matches nothing; one that cannot be
 * read, a match that is a dangling symlink or a symlink loop is ING_EIO
 * naming it. Directories are walked once per (device, inode) and position
 * in the pattern, so symlinks into the tree neither repeat nor hang. */
int lake_list(const char *root, const char *pattern, struct arena *a, struct lake_file **out,
	      size_t *n, struct err *e);
/* Lowercase hex SHA-256 of a file (65 bytes with the NUL). */
int lake_sha256(const char *path, char out[65], struct err *e);
/* Current size and mtime of a path. */
int lake_stat(const char *path, uint64_t *size, int64_t *mtime_us, struct err *e);
/* Size, mtime, ctime, device and inode of path into f (rel/path untouched). */
int lake_fingerprint(const char *path, struct lake_file *f, struct err *e);
/* Whether a file looks completely written: its last byte is a newline
 * (gzip files end their own stream and are always "complete" here). */
int lake_file_complete(const struct lake_file *f, bool *complete, struct err *e);
/* Does path start as a gzip stream (the reader tells by the magic, not the
 * name)? A file that cannot be read counts as one: callers sizing work by
 * a plain file's bytes then assume nothing. */
bool lake_maybe_gzip(const char *path);

/* ---- reading ---- */

struct csv_opts {
	char delimiter; /* ',' */
	char quote;     /* '"'; 0 = none */
	char escape;    /* = quote for RFC 4180 doubling */
	size_t max_record_bytes; /* 0 = 16 MiB */
	/* Bounds of one quoted field (0 = the defaults below): a field spanning
	 * more lines or holding more bytes is a CSV_BAD record starting at its
	 * line, and reading resumes at the line after that record's first
	 * line; so an unterminated quote costs one reject, not the rest of
	 * the file. */
	size_t max_quoted_lines; /* CSV_MAX_QUOTED_LINES */
	size_t max_quoted_bytes; /* CSV_MAX_QUOTED_BYTES */
};

#define CSV_MAX_QUOTED_LINES 100
#define CSV_MAX_QUOTED_BYTES (1u << 20)

enum { CSV_EOF = 0, CSV_RECORD = 1, CSV_BAD = 2 };

#define CSV_RAW_KEEP 4096 /* bytes of a bad record's raw text kept */

struct csv_record {
	size_t nfields;
	const char **f;  /* field text (not NUL-terminated) */
	uint32_t *len;
	uint8_t *quoted; /* 1 when the field was quoted */
	uint64_t line;   /* physical line where the record starts (1-based) */
	/* raw text of the record, without its line ending; for CSV_BAD capped
	 * at CSV_RAW_KEEP bytes */
	const char *raw;
	size_t rawlen;
	const char *reason; /* CSV_BAD: why (valid until the next call) */
};

struct csv_reader;

/* Open path for reading; the reader computes the file's SHA-256 and byte
 * count of what it read as it goes (csv_digest after EOF). */
int csv_open(const char *path, const struct csv_opts *o, struct csv_reader **out,
	     struct err *e);
/* Read from a memory buffer (tests, fuzzing); data must outlive the reader. */
int csv_open_mem(const void *data, size_t n, const char *name, const struct csv_opts *o,
		 struct csv_reader **out, struct err *e);
/* CSV_RECORD, CSV_BAD (rec filled, reading may go on), CSV_EOF, or <0. */
int csv_next(struct csv_reader *r, struct csv_record *rec, struct err *e);
/* Compressed bytes consumed so far (for progress). */
uint64_t csv_bytes_read(const struct csv_reader *r);
/* After CSV_EOF: hex SHA-256 of the file's bytes and their count. */
void csv_digest(struct csv_reader *r, char out[65], uint64_t *nbytes);
void csv_close(struct csv_reader *r);

/* ---- conversion ---- */

#define LAKE_BATCH_ROWS 2048

struct lake_col {
	const char *name;
	struct wh_ltype type;
};

struct lake_conv_opts {
	const char *null_marker;      /* NULL = none */
	const char *timestamp_format; /* NULL = ts_parse / datetime_parse */
	const char *date_format;      /* NULL = date_parse */
};

struct lake_conv;

struct lake_conv *lake_conv_new(const struct lake_col *cols, size_t ncols,
				const struct lake_conv_opts *o);
/* The same with batches of up to rows rows instead of LAKE_BATCH_ROWS. */
struct lake_conv *lake_conv_new_rows(const struct lake_col *cols, size_t ncols,
				     const struct lake_conv_opts *o, size_t rows);
void lake_conv_free(struct lake_conv *c);
/* Convert a record (nfields must equal ncols: the caller checks) into the
 * next row. 0, or -1 with *bad_col and *reason (a message in the conv's
 * storage, valid until the next call) set. */
int lake_conv_row(struct lake_conv *c, const struct csv_record *rec, size_t *bad_col,
		  const char **reason);
/* The batch so far (nrows rows). A column's valid array is NULL while the
 * batch has no NULL in it. */
const struct wh_batch *lake_conv_batch(const struct lake_conv *c);
size_t lake_conv_rows(const struct lake_conv *c);
bool lake_conv_full(const struct lake_conv *c);
void lake_conv_reset(struct lake_conv *c);

/* Convert one field (tests and type inference). Returns 0, or < 0. */
int lake_parse_int64(const char *s, size_t n, int64_t *out);
/* lake_parse_double: -1 not a finite number, -2 non-zero but below the
 * smallest double (it would become 0). */
int lake_parse_double(const char *s, size_t n, double *out);
int lake_parse_bool(const char *s, size_t n, bool *out);
/* lake_parse_decimal: the value times 10^scale; -1 not a number, -2 more
 * than precision-scale integer digits, -3 more non-zero decimals than
 * scale (never rounded). */
int lake_parse_decimal(const char *s, size_t n, int precision, int scale, __int128 *out);
/* strftime-style pattern (see above); want_zone false for DATETIME. */
int lake_parse_ts_fmt(const char *fmt, const char *s, size_t n, bool want_zone, int64_t *us);

/* UTF-8 validity (no overlongs, no surrogates, <= U+10FFFF). */
bool lake_utf8_valid(const char *s, size_t n);

/* Infer a column's type from sample values: the narrowest of BOOL, INT64,
 * FLOAT64, DATE, TIMESTAMP that every non-empty value parses as, else
 * STRING. */
struct lake_infer {
	unsigned cant; /* bit per candidate ruled out */
	size_t seen;
};
void lake_infer_add(struct lake_infer *in, const char *s, size_t n);
struct wh_ltype lake_infer_type(const struct lake_infer *in);

#endif
