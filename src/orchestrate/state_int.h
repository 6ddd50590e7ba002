/*
 * orchestrate/state_int.h — shared inside src/orchestrate only (and the
 * white-box unit tests): the SQLite history store's handle, for the engine
 * and owner code that run their own statements in the store's transactions.
 * Nothing above orchestrate includes this (or sqlite3.h): it reads the
 * history through history.h.
 */
#ifndef INGOT_ORCH_STATE_INT_H
#define INGOT_ORCH_STATE_INT_H

#include "orchestrate/history.h"
#include "orchestrate/state.h"

#include <sqlite3.h>

struct st {
	const struct hist_ops *ops; /* first: the history interface (history.h) */
	sqlite3 *db;
	char *path;
};

/* The SQLite implementation of the history reads (history.c). */
extern const struct hist_ops hist_sqlite_ops;

/* Prepare a statement; finalize it yourself. */
int st_prepare(struct st *s, const char *sql, sqlite3_stmt **out, struct err *e);

#endif
