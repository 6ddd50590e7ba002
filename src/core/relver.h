/*
 * core/relver.h — data versions of relations, for the process.
 *
 * A cache of query results (dash/) must miss when a relation it read was
 * written, and only then. The layers that write say so: a load names each
 * table it loaded, a dbt node run names its relation (relver_bump); a
 * write ingot cannot attribute — a hook or run_query statement that is not
 * a plain read, a `sql` task, a command whose writes are not reported —
 * moves every relation at once (relver_bump_all). When unsure, move all:
 * a needless miss costs a query, a wrong hit shows stale numbers.
 *
 * Versions come from one process-wide clock, so relver_get(s, n) changes
 * whenever s.n or "everything" was written, and relver_now() whenever
 * anything was. Relations are named by schema and identifier, compared
 * case-insensitively with quotes stripped (the database part is left out:
 * one process writes one warehouse per target, and a collision only costs
 * a miss).
 *
 * Threads: every function may be called from any thread.
 */
#ifndef INGOT_CORE_RELVER_H
#define INGOT_CORE_RELVER_H

#include <stdbool.h>
#include <stdint.h>

/* The clock: moves on every bump. Starts at 1. */
uint64_t relver_now(void);
/* schema.name was (or may have been) written. NULL schema: no schema. */
void relver_bump(const char *schema, const char *name);
/* Something unknown was written: every relation moves. */
void relver_bump_all(void);
/* The version of schema.name: the clock value of its last bump or of the
 * last bump_all, whichever is later. */
uint64_t relver_get(const char *schema, const char *name);
/* A relation named as SQL text, "db"."schema"."name" or schema.name
 * (quoted or not): bumps its last two parts. */
void relver_bump_text(const char *relation);
/* Conservative: false only for a statement that plainly reads (it begins
 * with select, with, show, describe, explain, values or pragma
 * table_info-like reads, after comments and parentheses, and names none of
 * the writing verbs as a word). Empty SQL writes nothing. */
bool relver_sql_writes(const char *sql);
/* Where a statement's first word starts: past white space, comments,
 * parentheses and semicolons. */
const char *relver_sql_start(const char *sql);

#endif
