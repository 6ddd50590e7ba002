/*
 * core/keylock.c — process-wide named locks (see keylock.h).
 *
 * One table (a list: there are as many entries as units of work writing at
 * this moment, a handful) under one mutex; an entry lives while it is held
 * or waited for. Waiters sleep on one condition variable with a 100 ms
 * timeout so that a cancel request is seen without a hook.
 */
#include "core/keylock.h"
#include "core/cancel.h"
#include "core/mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct keylock {
	struct keylock *next;
	char *key;
	bool held;
	int users; /* holder + waiters */
};

static pthread_mutex_t kl_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kl_cv = PTHREAD_COND_INITIALIZER;
static struct keylock *kl_head;

static struct keylock *entry(const char *key)
{
	for (struct keylock *k = kl_head; k; k = k->next)
		if (!strcmp(k->key, key))
			return k;
	struct keylock *k = xcalloc(1, sizeof(*k));
	k->key = xstrdup(key);
	k->next = kl_head;
	kl_head = k;
	return k;
}

static void drop(struct keylock *k)
{
	if (--k->users)
		return;
	for (struct keylock **p = &kl_head; *p; p = &(*p)->next)
		if (*p == k) {
			*p = k->next;
			break;
		}
	free(k->key);
	free(k);
}

int keylock_acquire(const char *key, struct cancel *tok, struct keylock **out, bool *waited,
		    struct err *e)
{
	*out = NULL;
	if (waited)
		*waited = false;
	pthread_mutex_lock(&kl_mu);
	struct keylock *k = entry(key);
	k->users++;
	while (k->held) {
		if (waited)
			*waited = true;
		if (cancel_requested(tok)) {
			drop(k);
			pthread_mutex_unlock(&kl_mu);
			int st = cancel_status(tok);
			return err_set(e, st, "%s while waiting for %s",
				       *cancel_reason(tok) ? cancel_reason(tok) : "cancelled", key);
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		int rc = pthread_cond_timedwait(&kl_cv, &kl_mu, &ts);
		if (rc && rc != ETIMEDOUT && rc != EINTR)
			BUG("keylock: pthread_cond_timedwait: %d", rc);
	}
	k->held = true;
	pthread_mutex_unlock(&kl_mu);
	*out = k;
	return 0;
}

void keylock_release(struct keylock *k)
{
	if (!k)
		return;
	pthread_mutex_lock(&kl_mu);
	k->held = false;
	drop(k);
	pthread_cond_broadcast(&kl_cv);
	pthread_mutex_unlock(&kl_mu);
}
