/*
 * core/mem.h — allocation helpers.
 *
 * ingot treats running out of memory as fatal, like git's xmalloc: the
 * x-functions print a message and abort(). This keeps every call site free
 * of NULL checks for allocations that cannot reasonably be recovered from.
 * Bounded growth (user input sizes) is checked before allocating, with
 * ING_ELIMIT errors, never by relying on malloc failing.
 */
#ifndef INGOT_CORE_MEM_H
#define INGOT_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Grow an array to hold at least `need` elements (doubling). */
#define ALLOC_GROW(ptr, need, cap)                                          \
	do {                                                                \
		if ((size_t)(need) > (cap)) {                               \
			size_t nc_ = (cap) ? (cap) * 2 : 8;                 \
			while (nc_ < (size_t)(need)) nc_ *= 2;              \
			(ptr) = xrealloc((ptr), nc_ * sizeof(*(ptr)));      \
			(cap) = nc_;                                        \
		}                                                           \
	} while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Invariant violations: a bug in ingot, never bad input. */
#define BUG(...) bug_fl(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void bug_fl(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
