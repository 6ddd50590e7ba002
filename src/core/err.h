/*
 * core/err.h — status codes and caller-owned error values.
 *
 * Every fallible function in ingot returns an int: 0 is success, a negative
 * ING_E* code is failure. Detail goes into a `struct err *` owned by the
 * caller, which is never touched on success. The first error wins: once an
 * err holds a message, later err_set calls keep it (so the root cause is what
 * the user sees) and only err_prefix adds context ("model 'x': ...").
 *
 * Calling sequence:
 *     struct err e = ERR_INIT;
 *     if (thing_do(..., &e) < 0) { err_print(&e, stderr); }
 *     err_clear(&e);
 *
 * Locations: file is a path, line and col are 1-based (0 = unknown). A
 * snippet (the source line) may be attached; err_print shows it with a caret.
 *
 * This header is a leaf: it includes nothing from the project.
 */
#ifndef INGOT_CORE_ERR_H
#define INGOT_CORE_ERR_H

#include <stdarg.h>
#include <stdio.h>

/* X(name, value, message). Generated: enum, ing_strerror(), err_name(). */
#define ING_ERRNO_MAP(X)                                                   \
	X(OK, 0, "success")                                                \
	X(EINVAL, -1, "invalid argument")                                  \
	X(ENOMEM, -2, "out of memory")                                     \
	X(EIO, -3, "input/output error")                                   \
	X(EPARSE, -4, "parse error")                                       \
	X(ENOTFOUND, -5, "not found")                                      \
	X(EDB, -6, "database error")                                       \
	X(EUNSUPPORTED, -7, "not supported by this engine")                \
	X(EAGAIN, -8, "temporary failure, retry later")                    \
	X(ECANCELED, -9, "canceled")                                       \
	X(ETIMEOUT, -10, "timed out")                                      \
	X(ELIMIT, -11, "limit exceeded")                                   \
	X(ECONFIG, -12, "project or profile error")                        \
	X(EFAIL, -13, "failed")                                            \
	X(EEXIST, -14, "already exists")                                   \
	X(ECONFLICT, -15, "conflict")                                      \
	X(ECONNECT, -16, "cannot connect to the warehouse, or lost the connection")

enum ing_status {
#define X(n, v, m) ING_##n = (v),
	ING_ERRNO_MAP(X)
#undef X
};

const char *ing_strerror(int code);
const char *err_name(int code);

struct err {
	int code;      /* 0 = no error recorded */
	char *msg;     /* malloc'd; context prefixes already applied */
	char *file;    /* malloc'd or NULL */
	int line, col; /* 1-based; 0 = unknown */
	char *snippet; /* the offending source line, or NULL */
};
#define ERR_INIT {0, NULL, NULL, 0, 0, NULL}

/* Record an error (if none is recorded yet). Returns code, so that
 * `return err_set(e, ING_EIO, "...")` reads naturally. e may be NULL. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int err_vset(struct err *e, int code, const char *fmt, va_list ap);
/* Same with a location; snippet may be NULL. */
int err_setloc(struct err *e, int code, const char *file, int line, int col,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Attach the source line (copied up to its newline) for caret display. */
void err_snippet(struct err *e, const char *line_start);
/* Prepend context to the recorded message: "prefix: old message". */
void err_prefix(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Move src into dst (if dst has no error yet); src is cleared. */
void err_move(struct err *dst, struct err *src);
/* Release and reset to ERR_INIT. */
void err_clear(struct err *e);
/* "file:line:col: error: message" + snippet/caret. */
void err_print(const struct err *e, FILE *fp);
/* Format into a malloc'd string, as err_print without the snippet. */
char *err_string(const struct err *e);

#endif
