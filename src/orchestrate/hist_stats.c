/*
 * orchestrate/hist_stats.c — aggregates of the run history for the
 * server's /metrics: runs and tasks counted by pipeline and state, and the
 * durations of the ended ones, one aggregate query each (a history of
 * 10,000 runs is read in a few milliseconds; no per-run queries).
 */
#include "orchestrate/state_int.h"

#include "core/buf.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>

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

int st_stats_durations(struct st *s, bool tasks, const double *bounds, size_t nb,
		       void (*fn)(void *arg, const char *pipeline, const int64_t *le, double sum, int64_t count),
		       void *arg, struct err *e)
{
	/* bucketed in SQL: a 10,000-run history has ~100,000 task rows */
	struct buf sql = BUF_INIT;
	buf_puts(&sql, "SELECT pipeline");
	for (size_t i = 0; i < nb; i++)
		buf_printf(&sql, ", sum(d <= %lld)", (long long)(bounds[i] * 1e6));
	buf_puts(&sql, ", sum(d), count(*) FROM (");
	buf_puts(&sql, tasks ? "SELECT r.pipeline AS pipeline, t.ended_at - t.started_at AS d FROM tasks t JOIN runs r "
			       "ON r.id = t.run WHERE t.started_at > 0 AND t.ended_at >= t.started_at"
			     : "SELECT pipeline, ended_at - started_at AS d FROM runs WHERE started_at > 0 AND "
			       "ended_at >= started_at");
	buf_puts(&sql, ") GROUP BY pipeline ORDER BY pipeline");
	sqlite3_stmt *st = NULL;
	int rc = st_prepare(s, buf_cstr(&sql), &st, e);
	buf_free(&sql);
	if (rc)
		return rc;
	int64_t *le = xcalloc(nb + 1, sizeof(*le));
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (size_t i = 0; i < nb; i++)
			le[i] = sqlite3_column_int64(st, (int)i + 1);
		fn(arg, (const char *)sqlite3_column_text(st, 0), le,
		   (double)sqlite3_column_int64(st, (int)nb + 1) / 1e6, sqlite3_column_int64(st, (int)nb + 2));
	}
	free(le);
	sqlite3_finalize(st);
	return 0;
}
