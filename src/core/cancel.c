/*
 * core/cancel.c — cancel tokens (see cancel.h).
 *
 * The requested flag is an atomic so pollers in hot loops pay one load.
 * Hooks live in a small array under the token's mutex; a request takes a
 * copy of the array, marks the token "firing", and calls the copies without
 * the mutex held (a hook may take other locks, or request a child token).
 * cancel_hook_remove waits on a condition variable while the token is
 * firing, so a hook never runs after its removal returned.
 *
 * Rejected: a global registry of tokens (no need: tokens are passed down
 * explicitly), and signals/pthread_cancel (unsafe with engine libraries).
 */
#include "core/cancel.h"
#include "core/err.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hook {
	int id;
	cancel_fn fn;
	void *arg;
};

struct cancel {
	atomic_bool requested;
	int status;
	char reason[256];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool firing;
	struct hook *hooks;
	size_t nhooks, cap;
	int next_id;
	struct cancel *parent;
	int parent_hook;
};

struct cancel *cancel_new(void)
{
	struct cancel *c = xcalloc(1, sizeof *c);
	atomic_init(&c->requested, false);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->next_id = 1;
	return c;
}

static void propagate(void *arg)
{
	struct cancel *child = arg;
	cancel_request(child, cancel_status(child->parent), cancel_reason(child->parent));
}

struct cancel *cancel_new_child(struct cancel *parent)
{
	struct cancel *c = cancel_new();
	if (parent) {
		c->parent = parent;
		c->parent_hook = cancel_hook_add(parent, propagate, c);
	}
	return c;
}

void cancel_free(struct cancel *c)
{
	if (!c)
		return;
	if (c->parent)
		cancel_hook_remove(c->parent, c->parent_hook);
	pthread_mutex_lock(&c->mu);
	while (c->firing)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->hooks);
	free(c);
}

void cancel_request(struct cancel *c, int status, const char *reason)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	if (atomic_load(&c->requested)) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	c->status = status ? status : ING_ECANCELED;
	snprintf(c->reason, sizeof c->reason, "%s", reason ? reason : "cancelled");
	atomic_store(&c->requested, true);
	size_t n = c->nhooks;
	struct hook *copy = n ? xcalloc(n, sizeof *copy) : NULL;
	if (n)
		memcpy(copy, c->hooks, n * sizeof *copy);
	c->firing = true;
	pthread_mutex_unlock(&c->mu);

	for (size_t i = 0; i < n; i++)
		copy[i].fn(copy[i].arg);
	free(copy);

	pthread_mutex_lock(&c->mu);
	c->firing = false;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

bool cancel_requested(const struct cancel *c)
{
	return c && atomic_load(&((struct cancel *)c)->requested);
}

int cancel_status(const struct cancel *c)
{
	return cancel_requested(c) ? c->status : 0;
}

const char *cancel_reason(const struct cancel *c)
{
	return cancel_requested(c) ? c->reason : "";
}

int cancel_hook_add(struct cancel *c, cancel_fn fn, void *arg)
{
	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	int id = c->next_id++;
	if (!atomic_load(&c->requested)) {
		if (c->nhooks == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 4;
			c->hooks = xrealloc(c->hooks, c->cap * sizeof *c->hooks);
		}
		c->hooks[c->nhooks++] = (struct hook){id, fn, arg};
		pthread_mutex_unlock(&c->mu);
		return id;
	}
	/* already requested: interrupt now, outside the lock */
	pthread_mutex_unlock(&c->mu);
	fn(arg);
	return id;
}

void cancel_hook_remove(struct cancel *c, int id)
{
	if (!c || id <= 0)
		return;
	pthread_mutex_lock(&c->mu);
	while (c->firing)
		pthread_cond_wait(&c->cv, &c->mu);
	for (size_t i = 0; i < c->nhooks; i++)
		if (c->hooks[i].id == id) {
			memmove(&c->hooks[i], &c->hooks[i + 1], (c->nhooks - i - 1) * sizeof *c->hooks);
			c->nhooks--;
			break;
		}
	pthread_mutex_unlock(&c->mu);
}
