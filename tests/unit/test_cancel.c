/*
 * tests/unit/test_cancel.c — cancel tokens: first request wins, hooks run
 * once (at once when added late), removal, children, a request from another
 * thread interrupting a wait.
 */
#include "test.h"
#include "core/cancel.h"
#include "core/err.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

static void bump(void *arg)
{
	(*(int *)arg)++;
}

TEST(cancel_first_request_wins_and_hooks_run_once)
{
	struct cancel *c = cancel_new();
	int calls = 0, removed_calls = 0;
	CHECK(!cancel_requested(c));
	CHECK_INT(cancel_status(c), 0);
	CHECK_STR(cancel_reason(c), "");
	int id = cancel_hook_add(c, bump, &calls);
	int id2 = cancel_hook_add(c, bump, &removed_calls);
	CHECK(id > 0 && id2 > 0 && id != id2);
	cancel_hook_remove(c, id2);
	cancel_request(c, ING_ETIMEOUT, "timed out after 2s");
	cancel_request(c, ING_ECANCELED, "second");
	CHECK(cancel_requested(c));
	CHECK_INT(cancel_status(c), ING_ETIMEOUT);
	CHECK_STR(cancel_reason(c), "timed out after 2s");
	CHECK_INT(calls, 1);
	CHECK_INT(removed_calls, 0);
	/* added after the request: called at once */
	int late = 0;
	cancel_hook_add(c, bump, &late);
	CHECK_INT(late, 1);
	cancel_hook_remove(c, id);
	cancel_free(c);
	/* NULL tokens are inert */
	cancel_request(NULL, ING_ECANCELED, "x");
	CHECK(!cancel_requested(NULL));
	CHECK_INT(cancel_hook_add(NULL, bump, &late), 0);
}

TEST(cancel_children_follow_parent)
{
	struct cancel *p = cancel_new();
	struct cancel *a = cancel_new_child(p), *b = cancel_new_child(p);
	int on_a = 0;
	cancel_hook_add(a, bump, &on_a);
	cancel_request(b, ING_ECANCELED, "only b");
	CHECK(!cancel_requested(p));
	CHECK(!cancel_requested(a));
	cancel_free(b);
	cancel_request(p, ING_ECANCELED, "shutdown");
	CHECK(cancel_requested(a));
	CHECK_STR(cancel_reason(a), "shutdown");
	CHECK_INT(on_a, 1);
	/* a child of a requested parent starts requested */
	struct cancel *late = cancel_new_child(p);
	CHECK(cancel_requested(late));
	cancel_free(late);
	cancel_free(a);
	cancel_free(p);
}

struct waiter {
	struct cancel *c;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int woken;
};

static void wake(void *arg)
{
	struct waiter *w = arg;
	pthread_mutex_lock(&w->mu);
	w->woken = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void *requester(void *arg)
{
	usleep(20000);
	cancel_request(arg, ING_ECANCELED, "from another thread");
	return NULL;
}

TEST(cancel_interrupts_a_wait_from_another_thread)
{
	struct waiter w = {.c = cancel_new()};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	int id = cancel_hook_add(w.c, wake, &w);
	pthread_t t;
	REQUIRE(pthread_create(&t, NULL, requester, w.c) == 0);
	pthread_mutex_lock(&w.mu);
	while (!w.woken)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	pthread_join(t, NULL);
	CHECK(cancel_requested(w.c));
	cancel_hook_remove(w.c, id);
	cancel_free(w.c);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
}

/* ---- core/keylock: writers of one relation take turns ---- */

#include "core/keylock.h"
#include <stdatomic.h>

struct kl_arg {
	atomic_int inside, max_inside, done;
	struct cancel *tok;
	int rc;
};

static void *kl_worker(void *p)
{
	struct kl_arg *a = p;
	for (int i = 0; i < 50; i++) {
		struct keylock *k;
		struct err e = ERR_INIT;
		if (keylock_acquire("relation:x", NULL, &k, NULL, &e)) {
			a->rc = 1;
			break;
		}
		int now = atomic_fetch_add(&a->inside, 1) + 1;
		int m = atomic_load(&a->max_inside);
		while (now > m && !atomic_compare_exchange_weak(&a->max_inside, &m, now))
			;
		usleep(200);
		atomic_fetch_sub(&a->inside, 1);
		keylock_release(k);
	}
	atomic_fetch_add(&a->done, 1);
	return NULL;
}

TEST(keylock_one_holder_at_a_time)
{
	struct kl_arg a = {0};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		REQUIRE(!pthread_create(&t[i], NULL, kl_worker, &a));
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(a.rc == 0);
	CHECK(atomic_load(&a.max_inside) == 1);
	CHECK(atomic_load(&a.done) == 4);
	/* other names do not wait */
	struct keylock *k1, *k2;
	struct err e = ERR_INIT;
	bool waited = true;
	REQUIRE(!keylock_acquire("relation:a", NULL, &k1, &waited, &e));
	CHECK(!waited);
	REQUIRE(!keylock_acquire("relation:b", NULL, &k2, &waited, &e));
	CHECK(!waited);
	keylock_release(k2);
	keylock_release(k1);
}

static void *kl_cancel_later(void *p)
{
	usleep(150 * 1000);
	cancel_request(p, ING_ETIMEOUT, "timed out after 2s");
	return NULL;
}

TEST(keylock_wait_is_cancellable)
{
	struct keylock *held, *k = NULL;
	struct err e = ERR_INIT;
	REQUIRE(!keylock_acquire("relation:y", NULL, &held, NULL, &e));
	struct cancel *tok = cancel_new();
	pthread_t t;
	REQUIRE(!pthread_create(&t, NULL, kl_cancel_later, tok));
	bool waited = false;
	int rc = keylock_acquire("relation:y", tok, &k, &waited, &e);
	pthread_join(t, NULL);
	CHECK(rc == ING_ETIMEOUT);
	CHECK(waited);
	CHECK(k == NULL);
	CHECK(e.msg && strstr(e.msg, "timed out after 2s while waiting for relation:y"));
	err_clear(&e);
	keylock_release(held);
	/* free again once released: a free lock is taken even by a cancelled
	 * token (only waits are cancelled) */
	CHECK(!keylock_acquire("relation:y", tok, &k, &waited, &e));
	CHECK(!waited);
	keylock_release(k);
	cancel_free(tok);
}
