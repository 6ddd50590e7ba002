/*
 * core/map.h — string-keyed hash map (open addressing, linear probing).
 *
 * Keys are copied into the map and freed with it; values are borrowed
 * pointers the map never frees (pass a free function to strmap_free to
 * release them). Insertion order is kept: iteration with strmap_key(m, i)/strmap_val(m, i) for
 * i < strmap_len() visits entries in the order first inserted, which keeps
 * artifacts and output deterministic; deletion keeps the order of the rest
 * (it is O(n): maps here are built, read, and rarely pruned).
 */
#ifndef INGOT_CORE_MAP_H
#define INGOT_CORE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_ent {
	char *key; /* NULL = deleted */
	void *val;
	uint64_t hash;
};

struct strmap {
	struct strmap_ent *ents; /* insertion order */
	size_t len, cap;
	uint32_t *slots; /* index+1 into ents; 0 = empty */
	size_t nslots, live;
};
#define STRMAP_INIT {NULL, 0, 0, NULL, 0, 0}

uint64_t str_hash(const char *s, size_t n);
void *strmap_get(const struct strmap *m, const char *key);
bool strmap_has(const struct strmap *m, const char *key);
/* Insert or replace; returns the previous value (or NULL). */
void *strmap_put(struct strmap *m, const char *key, void *val);
/* Remove; returns the value (or NULL). */
void *strmap_del(struct strmap *m, const char *key);
static inline size_t strmap_len(const struct strmap *m) { return m->len; }
static inline size_t strmap_count(const struct strmap *m) { return m->live; }
static inline const char *strmap_key(const struct strmap *m, size_t i) { return m->ents[i].key; }
static inline void *strmap_val(const struct strmap *m, size_t i) { return m->ents[i].val; }
void strmap_free(struct strmap *m, void (*free_val)(void *));

#endif
