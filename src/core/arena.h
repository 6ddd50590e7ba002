/*
 * core/arena.h — region allocator for one unit of work.
 *
 * One arena per model compile, per HTTP request, per pipeline run: allocate
 * freely, free everything at once. Cleanup hooks run (last registered first)
 * when the arena is freed, so DB handles and fds can be tied to its life.
 * Memory from arena_alloc is 16-byte aligned and not zeroed (arena_zalloc
 * zeroes). An arena is not thread-safe; give each thread its own.
 */
#ifndef INGOT_CORE_ARENA_H
#define INGOT_CORE_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(size_t block_size); /* 0 = default (64 KiB) */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_on_free(struct arena *a, void (*fn)(void *), void *arg);
/* Free every block but keep the first for reuse; hooks run. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);
size_t arena_used(const struct arena *a);
/* Ask the CPU to bring up to max bytes of what is allocated into its caches
 * (a hint: nothing changes); before walking data that is likely cold. */
void arena_prefetch(const struct arena *a, size_t max);

#endif
