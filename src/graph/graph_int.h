/*
 * graph/graph_int.h — what graph.c, select.c and sched.c share inside the
 * module. Not for other modules: use graph.h.
 */
#ifndef INGOT_GRAPH_INT_H
#define INGOT_GRAPH_INT_H

#include "graph/graph.h"

struct graph__adj {
	uint32_t *v;
	uint32_t len, cap;
};

struct graph {
	struct arena *arena;     /* node strings and arrays */
	struct graph_node *nodes; /* by index */
	size_t len, cap;
	struct graph__adj *par, *chi; /* parents / children, by index */
	struct strmap ids;            /* unique_id -> (void *)(idx + 1) */
	bool sealed;
	/* Valid while sealed: */
	uint32_t *rank;        /* position of each node in unique_id order */
	struct graph_set live; /* enabled nodes */
};

/* Kahn order of every node (parents first; ties by unique_id rank), with
 * optional extra parents per node (xpar[i], may be NULL). Returns 0, or
 * ING_EINVAL when a cycle leaves nodes out (nothing set in e). *order is
 * malloc'd and holds graph_count entries on success. */
int graph__topo_all(struct graph *g, const struct graph__adj *xpar, uint32_t **order);

/* Multi-source BFS over parents (up) or children (down), only through
 * nodes in `through` (NULL: all). See graph_ancestors. */
void graph__walk(struct graph *g, const struct graph_set *from, int depth, bool up,
		 const struct graph_set *through, struct graph_set *out);

void graph__adj_push(struct graph__adj *a, uint32_t v);

/* The fnmatch(3) dbt uses (Python's fnmatch: '*' also matches '/' and '.'). */
bool graph__fnmatch(const char *pat, const char *s);

/* A binary min-heap of node indexes ordered by key[index] (rank, position):
 * the deterministic ready queue of topological walks. v grows as needed;
 * free it with free(h.v). */
struct graph__heap {
	uint32_t *v;
	size_t len, cap;
	const uint32_t *key;
};
void graph__heap_push(struct graph__heap *h, uint32_t x);
uint32_t graph__heap_pop(struct graph__heap *h);

#endif
