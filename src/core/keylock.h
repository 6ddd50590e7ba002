/*
 * core/keylock.h — process-wide locks named by a string.
 *
 * Several units of work may run at once in one long-lived process (scheduler
 * tasks, commands handed to the process that owns the warehouse, the web
 * server). Two of them writing the same relation at once would race in the
 * engine (DuckDB answers the second with a write-write conflict), so the
 * writer of a relation holds the lock named after it while it writes; the
 * other waits its turn. Waits are cancellable: the waiter polls its cancel
 * token, so a cancelled unit of work never stays queued behind another.
 *
 * Locks are not recursive; hold at most one at a time per thread (no lock
 * order exists between names, so holding two could deadlock). Thread-safe.
 */
#ifndef INGOT_CORE_KEYLOCK_H
#define INGOT_CORE_KEYLOCK_H

#include "core/err.h"

#include <stdbool.h>

struct cancel;
struct keylock;

/* Take the lock named key, waiting while another holder has it. Returns 0
 * with *out set, or the token's status (ING_ECANCELED / ING_ETIMEOUT, e set)
 * when tok is requested while waiting. *waited (may be NULL) tells whether
 * another holder made it wait. */
int keylock_acquire(const char *key, struct cancel *tok, struct keylock **out, bool *waited,
		    struct err *e);
/* Release a lock taken by keylock_acquire; NULL is a no-op. */
void keylock_release(struct keylock *k);

#endif
