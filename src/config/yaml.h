/*
 * config/yaml.h — YAML documents as a small tree with source locations.
 *
 * libfyaml parses; this module turns its event stream into `struct ynode`
 * trees allocated in an arena, each node carrying file:line:col, so every
 * later validation error can point at the exact spot. Anchors, aliases and
 * merge keys (<<) are resolved while building. Consumers never see libfyaml.
 *
 * Scalars keep their text and whether they were quoted: an unquoted `yes`,
 * `true`, `~`, `null`, `12` are typed by yscalar_* helpers, a quoted one is
 * always a string (YAML 1.2 core schema, as dbt's loader behaves).
 *
 * Schema tables (struct yfield) decode a mapping into a C struct by offset,
 * reject unknown keys with a "did you mean" and report type errors with the
 * node's location. The same table documents the format.
 *
 * Ownership: every node and string lives in the arena passed to yaml_load_*;
 * free the arena to free the document.
 */
#ifndef INGOT_CONFIG_YAML_H
#define INGOT_CONFIG_YAML_H

#include "core/arena.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ytype { Y_NULL, Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ytype type;
	const char *file;
	int line, col; /* 1-based */
	/* Y_SCALAR */
	const char *str;
	size_t len;
	bool quoted; /* single/double quoted, literal or folded */
	/* Y_SEQ: items; Y_MAP: keys[i] -> items[i] */
	size_t n;
	struct ynode **items;
	struct ynode **keys;
};

/* Parse one document (the first; an empty file gives a Y_NULL root). */
int yaml_load_file(const char *path, struct arena *a, struct ynode **root, struct err *e);
int yaml_load_string(const char *text, size_t len, const char *name, struct arena *a,
		     struct ynode **root, struct err *e);

/* Map lookup (NULL when absent or not a map). */
struct ynode *ymap_get(const struct ynode *map, const char *key);
const char *ymap_str(const struct ynode *map, const char *key); /* scalar text or NULL */

/* Scalar typing per the YAML 1.2 core schema (unquoted only). */
bool yscalar_is_null(const struct ynode *n);
int yscalar_bool(const struct ynode *n, bool *out);  /* 0 / -1 */
int yscalar_int(const struct ynode *n, int64_t *out);
int yscalar_double(const struct ynode *n, double *out);

/* An error at a node: "file:line:col: message". */
int yerr(struct err *e, const struct ynode *at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- schema tables ---- */
enum yf_type {
	YF_STR,     /* char * (arena copy); scalars only                  */
	YF_INT,     /* int                                                */
	YF_INT64,   /* int64_t                                            */
	YF_DOUBLE,  /* double                                             */
	YF_BOOL,    /* bool                                               */
	YF_STRLIST, /* struct ystrlist: a scalar or a sequence of scalars */
	YF_NODE,    /* const struct ynode * (any shape, kept for later)   */
	YF_CUSTOM,  /* call set()                                         */
	YF_IGNORE,  /* accepted and ignored (documented dbt keys we do not use) */
};

struct ystrlist {
	const char **items;
	size_t n;
};

/* The shapes a key's value may take. 0 means the type's own: a single value
 * for STR/INT/INT64/DOUBLE/BOOL, a value or a list for STRLIST, anything
 * for NODE/CUSTOM/IGNORE. yaml_decode checks it for every key before the
 * type, so a wrong shape is one error from one place, naming what was
 * expected and what was found. A null value is always allowed (= absent). */
enum {
	YS_TEXT = 1, /* a scalar */
	YS_SEQ = 2,
	YS_MAP = 4,
	YS_ANY = YS_TEXT | YS_SEQ | YS_MAP,
};

struct yfield {
	const char *key;
	enum yf_type type;
	size_t offset;
	bool required;
	int (*set)(const struct ynode *val, void *dst, struct arena *a, struct err *e);
	unsigned shape; /* YS_* bits; 0 = the type's default */
};

/* A key that is accepted and kept/ignored but must have a given shape. */
#define YF_SHAPED(k, t, off, shp) {k, t, off, false, NULL, shp}
#define YF_IGNORED(k, shp) {k, YF_IGNORE, 0, false, NULL, shp}

/* Check only the shape of a key's value (as yaml_decode does). */
int yaml_check_shape(const struct ynode *v, const char *key, unsigned shape, struct err *e);

enum { YDEC_ALLOW_UNKNOWN = 1 };

/* Decode map into dst using fields (terminated by {0}). Unknown keys are
 * errors unless YDEC_ALLOW_UNKNOWN. Missing required keys are errors. Every
 * value's shape is checked first (see yfield.shape). dst may be NULL when
 * every field is YF_IGNORE (a table that only checks keys and shapes). */
int yaml_decode(const struct ynode *map, const struct yfield *fields, void *dst,
		unsigned flags, struct arena *a, struct err *e);

#endif
