/*
 * core/map.c — insertion-ordered string hash map (see map.h).
 */
#include "core/map.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

uint64_t str_hash(const char *s, size_t n)
{
	/* FNV-1a, 64-bit */
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t find_slot(const struct strmap *m, const char *key, uint64_t h)
{
	size_t mask = m->nslots - 1, i = (size_t)h & mask;
	for (;;) {
		uint32_t s = m->slots[i];
		if (!s)
			return i;
		const struct strmap_ent *e = &m->ents[s - 1];
		if (e->hash == h && e->key && strcmp(e->key, key) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

static void rehash(struct strmap *m, size_t nslots)
{
	/* compact deleted entries first */
	size_t j = 0;
	for (size_t i = 0; i < m->len; i++)
		if (m->ents[i].key)
			m->ents[j++] = m->ents[i];
	m->len = j;
	free(m->slots);
	m->slots = xcalloc(nslots, sizeof(*m->slots));
	m->nslots = nslots;
	for (size_t i = 0; i < m->len; i++) {
		size_t mask = nslots - 1, k = (size_t)m->ents[i].hash & mask;
		while (m->slots[k])
			k = (k + 1) & mask;
		m->slots[k] = (uint32_t)(i + 1);
	}
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (!m->nslots)
		return NULL;
	uint64_t h = str_hash(key, strlen(key));
	uint32_t s = m->slots[find_slot(m, key, h)];
	return s ? m->ents[s - 1].val : NULL;
}

bool strmap_has(const struct strmap *m, const char *key)
{
	if (!m->nslots)
		return false;
	uint64_t h = str_hash(key, strlen(key));
	return m->slots[find_slot(m, key, h)] != 0;
}

void *strmap_put(struct strmap *m, const char *key, void *val)
{
	if ((m->len + 1) * 2 > m->nslots)
		rehash(m, m->nslots ? m->nslots * 2 : 16);
	uint64_t h = str_hash(key, strlen(key));
	size_t i = find_slot(m, key, h);
	if (m->slots[i]) {
		struct strmap_ent *e = &m->ents[m->slots[i] - 1];
		void *old = e->val;
		e->val = val;
		return old;
	}
	ALLOC_GROW(m->ents, m->len + 1, m->cap);
	m->ents[m->len] = (struct strmap_ent){xstrdup(key), val, h};
	m->slots[i] = (uint32_t)(++m->len);
	m->live++;
	return NULL;
}

void *strmap_del(struct strmap *m, const char *key)
{
	if (!m->nslots)
		return NULL;
	uint64_t h = str_hash(key, strlen(key));
	size_t i = find_slot(m, key, h);
	if (!m->slots[i])
		return NULL;
	struct strmap_ent *e = &m->ents[m->slots[i] - 1];
	void *old = e->val;
	free(e->key);
	e->key = NULL;
	e->val = NULL;
	m->live--;
	/* rebuild the probe sequence without this entry */
	rehash(m, m->nslots);
	return old;
}

void strmap_free(struct strmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->len; i++) {
		if (!m->ents[i].key)
			continue;
		free(m->ents[i].key);
		if (free_val)
			free_val(m->ents[i].val);
	}
	free(m->ents);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
