/*
 * core/arena.c — bump allocator in linked blocks (see arena.h).
 */
#include "core/arena.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
	struct block *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

struct hook {
	struct hook *next;
	void (*fn)(void *);
	void *arg;
};

struct arena {
	struct block *head;
	struct hook *hooks;
	size_t block_size, total;
};

static struct block *block_new(size_t size)
{
	struct block *b = xmalloc(sizeof(*b) + size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *arena_new(size_t block_size)
{
	struct arena *a = xcalloc(1, sizeof(*a));
	a->block_size = block_size ? block_size : 64 * 1024;
	return a;
}

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t sz = n > a->block_size / 4 ? n : a->block_size;
		struct block *nb = block_new(sz);
		if (b && n > a->block_size / 4) {
			/* big allocation: keep the current block at the head */
			nb->next = b->next;
			b->next = nb;
			nb->used = n;
			a->total += n;
			return nb->data;
		}
		nb->next = b;
		a->head = b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	a->total += n;
	return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, cp;
	va_start(ap, fmt);
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	char *p = arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
	vsnprintf(p, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_on_free(struct arena *a, void (*fn)(void *), void *arg)
{
	struct hook *h = arena_alloc(a, sizeof(*h));
	h->fn = fn;
	h->arg = arg;
	h->next = a->hooks;
	a->hooks = h;
}

static void run_hooks(struct arena *a)
{
	struct hook *h = a->hooks;
	a->hooks = NULL;
	for (; h; h = h->next)
		h->fn(h->arg);
}

void arena_reset(struct arena *a)
{
	run_hooks(a);
	struct block *keep = NULL, *b = a->head;
	while (b) {
		struct block *n = b->next;
		if (!n && b->size == a->block_size) {
			keep = b;
			break;
		}
		free(b);
		b = n;
	}
	if (keep)
		keep->used = 0;
	a->head = keep;
	a->total = 0;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	run_hooks(a);
	for (struct block *b = a->head, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(a);
}

size_t arena_used(const struct arena *a)
{
	return a->total;
}

void arena_prefetch(const struct arena *a, size_t max)
{
	for (const struct block *b = a->head; b && max; b = b->next) {
		size_t n = b->used < max ? b->used : max;
		for (size_t off = 0; off < n; off += 64)
			__builtin_prefetch(b->data + off, 0, 3);
		max -= n;
	}
}
