/*
 * core/cancel.h — a cancel token: one way to stop a unit of work from
 * another thread (a task timeout, SIGTERM's drain, Ctrl-C on a command handed
 * to the process that owns the warehouse, a "cancel" button).
 *
 * A token is requested at most once; the first reason and status are kept.
 * Long loops poll cancel_requested() between steps. Waits that a poll cannot
 * reach (a statement running in the engine, a sleep) register an interrupter
 * with cancel_hook_add(): cancel_request() calls every registered
 * interrupter, on the requesting thread, once. A hook added after the
 * request is called at once, inside cancel_hook_add, so there is no window
 * in which a new wait misses the request. Remove a hook (cancel_hook_remove)
 * before the object it points at goes away; removal waits for a hook that is
 * running at that moment to return.
 *
 * Tokens may be chained: a child token (cancel_new_child) is requested when
 * its parent is (a run's token and each of its tasks' tokens).
 *
 * The status is what the cancelled work should return: ING_ECANCELED for a
 * request by a person or a shutdown, ING_ETIMEOUT for a deadline.
 *
 * Thread-safe. This header is a leaf: it includes nothing from the project.
 */
#ifndef INGOT_CORE_CANCEL_H
#define INGOT_CORE_CANCEL_H

#include <stdbool.h>

struct cancel;

typedef void (*cancel_fn)(void *arg);

/* A new, unrequested token; never NULL (aborts on out of memory). */
struct cancel *cancel_new(void);
/* A token requested whenever parent is (now, if it already was). The
 * child must be freed before its parent. */
struct cancel *cancel_new_child(struct cancel *parent);
void cancel_free(struct cancel *c);

/* Request cancellation: status ING_ECANCELED or ING_ETIMEOUT, and a reason
 * for messages ("timed out after 2s", "cancelled by Ctrl-C"). Only the first
 * request counts; later ones return without effect. NULL c is a no-op. */
void cancel_request(struct cancel *c, int status, const char *reason);
/* Has it been requested? NULL c: never. */
bool cancel_requested(const struct cancel *c);
/* The first request's status (0 while not requested) and reason ("" then). */
int cancel_status(const struct cancel *c);
const char *cancel_reason(const struct cancel *c);

/* Register an interrupter; returns an id > 0 for cancel_hook_remove (0 when
 * c is NULL). Called at most once, on request. */
int cancel_hook_add(struct cancel *c, cancel_fn fn, void *arg);
void cancel_hook_remove(struct cancel *c, int id);

#endif
