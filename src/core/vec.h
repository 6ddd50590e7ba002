/*
 * core/vec.h — typed growable arrays.
 *
 *     VEC(struct node *) nodes = VEC_INIT;
 *     vec_push(&nodes, n);
 *     for (size_t i = 0; i < nodes.len; i++) ... nodes.items[i] ...
 *     vec_free(&nodes);
 *
 * A vec owns its array, not what the elements point to.
 */
#ifndef INGOT_CORE_VEC_H
#define INGOT_CORE_VEC_H

#include "core/mem.h"
#include <stdlib.h>

#define VEC(T) struct { T *items; size_t len, cap; }
#define VEC_INIT {NULL, 0, 0}
#define vec_push(v, x)                                                      \
	do {                                                                \
		ALLOC_GROW((v)->items, (v)->len + 1, (v)->cap);             \
		(v)->items[(v)->len++] = (x);                               \
	} while (0)
#define vec_reserve(v, n) ALLOC_GROW((v)->items, (n), (v)->cap)
#define vec_pop(v) ((v)->items[--(v)->len])
#define vec_last(v) ((v)->items[(v)->len - 1])
#define vec_free(v)                                                         \
	do {                                                                \
		free((v)->items);                                           \
		(v)->items = NULL;                                          \
		(v)->len = (v)->cap = 0;                                    \
	} while (0)

#endif
