/*
 * orchestrate/hist_stats.c — aggregates of the run history for the
 * server's /metrics: runs and tasks counted by pipeline and state, and the
 * durations of the ended ones, one aggregate query each (a history of
 * 10,000 runs is read in a few milliseconds; no per-run queries).
 */
#include "orchestrate/state_int.h"

#include <stdio.h>

int st_stats_counts(struct st *s, bool tasks,
		    void (*fn)(void *arg, const char *pipeline, const char *state, int64_t n), void *arg,
		    struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = st_prepare(s,
			    tasks ? "SELECT r.pipeline, t.state, count(*) FROM tasks t JOIN runs r ON r.id = t.run "
				    "GROUP BY r.pipeline, t.state ORDER BY 1, 2"
				  : "SELECT pipeline, state, count(*) FROM runs GROUP BY pipeline, state ORDER BY 1, 2",
			    &st, e);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		   sqlite3_column_int64(st, 2));
	sqlite3_finalize(st);
	return 0;
}

int st_stats_durations(struct st *s, bool tasks, void (*fn)(void *arg, const char *pipeline, double seconds),
		       void *arg, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = st_prepare(s,
			    tasks ? "SELECT r.pipeline, t.ended_at - t.started_at FROM tasks t JOIN runs r ON r.id "
				    "= t.run WHERE t.started_at > 0 AND t.ended_at >= t.started_at"
				  : "SELECT pipeline, ended_at - started_at FROM runs WHERE started_at > 0 AND "
				    "ended_at >= started_at",
			    &st, e);
	if (rc)
		return rc;
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0), (double)sqlite3_column_int64(st, 1) / 1e6);
	sqlite3_finalize(st);
	return 0;
}
