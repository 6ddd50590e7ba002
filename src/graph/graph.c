/*
 * graph/graph.c — nodes, edges, bitsets, traversals, cycles and the
 * topological order (see graph.h).
 *
 * Nodes live in one array indexed by a dense uint32_t; every string a node
 * carries is copied into the graph's arena, so a node costs one arena bump
 * per string and nothing else. Adjacency is two arrays of small vectors
 * (parents, children). Sets of nodes are bitsets: the selector language
 * combines many sets over thousands of nodes, and a word-wise OR/AND is
 * what keeps `--select` far below a millisecond per node.
 *
 * Sealing sorts the adjacency by unique_id (dbt writes parent_map and
 * child_map sorted that way, and a fixed order makes cycle reports and
 * schedules the same on every run) and computes the enabled-node mask.
 *
 * Deliberately not here: parsing (the host adds nodes), the selector
 * language (select.c) and the ready queue (sched.c). No graph library is
 * used: what is needed (BFS, DFS, Kahn) is a few dozen lines each and a
 * library would bring its own node model to translate to and from.
 */
#include "graph/graph_int.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/vec.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

static const char *const rtype_names[GRAPH_NTYPES] = {
	[GRAPH_MODEL] = "model",       [GRAPH_SEED] = "seed",
	[GRAPH_SNAPSHOT] = "snapshot", [GRAPH_TEST] = "test",
	[GRAPH_UNIT_TEST] = "unit_test", [GRAPH_SOURCE] = "source",
	[GRAPH_EXPOSURE] = "exposure", [GRAPH_METRIC] = "metric",
	[GRAPH_ANALYSIS] = "analysis", [GRAPH_OPERATION] = "operation",
	[GRAPH_TASK] = "task",         [GRAPH_SEMANTIC_MODEL] = "semantic_model",
	[GRAPH_SAVED_QUERY] = "saved_query",
};

const char *graph_rtype_name(enum graph_rtype t)
{
	return (unsigned)t < GRAPH_NTYPES ? rtype_names[t] : "unknown";
}

int graph_rtype_parse(const char *name, enum graph_rtype *out)
{
	for (int t = 0; t < GRAPH_NTYPES; t++)
		if (strcmp(name, rtype_names[t]) == 0) {
			*out = (enum graph_rtype)t;
			return 0;
		}
	return ING_ENOTFOUND;
}

bool graph__fnmatch(const char *pat, const char *s)
{
	if (!strpbrk(pat, "*?["))
		return strcmp(pat, s) == 0;
	return fnmatch(pat, s, FNM_NOESCAPE) == 0;
}

/* ---------------------------------------------------------------- build */

struct graph *graph_new(void)
{
	struct graph *g = xcalloc(1, sizeof(*g));
	g->arena = arena_new(0);
	g->ids = (struct strmap)STRMAP_INIT;
	return g;
}

void graph_free(struct graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->len; i++) {
		free(g->par[i].v);
		free(g->chi[i].v);
	}
	free(g->par);
	free(g->chi);
	free(g->nodes);
	free(g->rank);
	graph_set_free(&g->live);
	strmap_free(&g->ids, NULL);
	arena_free(g->arena);
	free(g);
}

static const char *dup_opt(struct graph *g, const char *s)
{
	return s ? arena_strdup(g->arena, s) : NULL;
}

static const char *const *dup_strv(struct graph *g, const char *const *v, size_t n)
{
	if (!n)
		return NULL;
	const char **out = arena_alloc(g->arena, n * sizeof(*out));
	for (size_t i = 0; i < n; i++)
		out[i] = arena_strdup(g->arena, v[i] ? v[i] : "");
	return out;
}

static void unseal(struct graph *g)
{
	g->sealed = false;
}

int graph_add_node(struct graph *g, const struct graph_node *n, uint32_t *idx, struct err *e)
{
	if (!n->unique_id || !*n->unique_id)
		return err_set(e, ING_EINVAL, "graph node without a unique_id");
	if (!n->name || !n->package)
		return err_set(e, ING_EINVAL, "graph node '%s' has no name or package", n->unique_id);
	if ((unsigned)n->type >= GRAPH_NTYPES)
		return err_set(e, ING_EINVAL, "graph node '%s' has an invalid type", n->unique_id);
	if (strmap_has(&g->ids, n->unique_id))
		return err_set(e, ING_EEXIST, "duplicate node unique_id '%s'", n->unique_id);
	if (g->len >= GRAPH_NONE - 1)
		return err_set(e, ING_ELIMIT, "too many graph nodes");

	if (g->len == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 64;
		g->nodes = xrealloc(g->nodes, nc * sizeof(*g->nodes));
		g->par = xrealloc(g->par, nc * sizeof(*g->par));
		g->chi = xrealloc(g->chi, nc * sizeof(*g->chi));
		g->cap = nc;
	}
	uint32_t i = (uint32_t)g->len++;
	struct graph_node *d = &g->nodes[i];
	*d = *n;
	d->idx = i;
	d->unique_id = arena_strdup(g->arena, n->unique_id);
	d->package = arena_strdup(g->arena, n->package);
	d->name = arena_strdup(g->arena, n->name);
	d->fqn = dup_strv(g, n->fqn, n->nfqn);
	d->path = dup_opt(g, n->path);
	d->patch_path = dup_opt(g, n->patch_path);
	d->tags = dup_strv(g, n->tags, n->ntags);
	if (n->nconfig) {
		struct graph_kv *kv = arena_alloc(g->arena, n->nconfig * sizeof(*kv));
		for (size_t k = 0; k < n->nconfig; k++) {
			kv[k].key = arena_strdup(g->arena, n->config[k].key ? n->config[k].key : "");
			kv[k].val = arena_strdup(g->arena, n->config[k].val ? n->config[k].val : "");
		}
		d->config = kv;
	} else {
		d->config = NULL;
	}
	d->materialized = dup_opt(g, n->materialized);
	d->source_name = dup_opt(g, n->source_name);
	d->test_name = dup_opt(g, n->test_name);
	d->attached_node = dup_opt(g, n->attached_node);
	d->access = dup_opt(g, n->access);
	d->group = dup_opt(g, n->group);
	d->fp.body = dup_opt(g, n->fp.body);
	d->fp.configs = dup_opt(g, n->fp.configs);
	d->fp.relation = dup_opt(g, n->fp.relation);
	d->fp.descriptions = dup_opt(g, n->fp.descriptions);
	d->fp.contract = dup_opt(g, n->fp.contract);
	g->par[i] = (struct graph__adj){0};
	g->chi[i] = (struct graph__adj){0};
	strmap_put(&g->ids, d->unique_id, (void *)(uintptr_t)(i + 1));
	unseal(g);
	if (idx)
		*idx = i;
	return 0;
}

size_t graph_count(const struct graph *g)
{
	return g->len;
}

const struct graph_node *graph_node(const struct graph *g, uint32_t idx)
{
	return idx < g->len ? &g->nodes[idx] : NULL;
}

uint32_t graph_find(const struct graph *g, const char *unique_id)
{
	void *v = strmap_get(&g->ids, unique_id);
	return v ? (uint32_t)((uintptr_t)v - 1) : GRAPH_NONE;
}

void graph__adj_push(struct graph__adj *a, uint32_t v)
{
	ALLOC_GROW(a->v, a->len + 1, a->cap);
	a->v[a->len++] = v;
}

void graph_add_edge(struct graph *g, uint32_t child, uint32_t parent)
{
	if (child >= g->len || parent >= g->len)
		BUG("graph_add_edge: index out of range");
	struct graph__adj *p = &g->par[child];
	for (uint32_t k = 0; k < p->len; k++)
		if (p->v[k] == parent)
			return;
	graph__adj_push(p, parent);
	graph__adj_push(&g->chi[parent], child);
	unseal(g);
}

int graph_add_dep(struct graph *g, const char *child_uid, const char *parent_uid, struct err *e)
{
	uint32_t c = graph_find(g, child_uid), p = graph_find(g, parent_uid);
	if (c == GRAPH_NONE)
		return err_set(e, ING_ENOTFOUND, "unknown node '%s' (depending on '%s')", child_uid,
			       parent_uid);
	if (p == GRAPH_NONE)
		return err_set(e, ING_ENOTFOUND, "'%s' depends on '%s', which was not found",
			       child_uid, parent_uid);
	graph_add_edge(g, c, p);
	return 0;
}

/* Order two node indexes: by unique_id, or by the rank computed from it. */
static bool idx_less(const struct graph *g, bool by_rank, uint32_t x, uint32_t y)
{
	if (by_rank)
		return g->rank[x] < g->rank[y];
	return strcmp(g->nodes[x].unique_id, g->nodes[y].unique_id) < 0;
}

/* A stable merge sort of node indexes. Not qsort: its comparator has no
 * context argument, and graphs may be sealed in several threads at once
 * (one per pipeline run). Insertion sort for the short adjacency lists. */
static void sort_idx(const struct graph *g, bool by_rank, uint32_t *v, size_t n)
{
	if (n < 16) {
		for (size_t i = 1; i < n; i++) {
			uint32_t x = v[i];
			size_t j = i;
			for (; j > 0 && idx_less(g, by_rank, x, v[j - 1]); j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	uint32_t *tmp = xmalloc(n * sizeof(*tmp)), *src = v, *dst = tmp;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				dst[k++] = idx_less(g, by_rank, src[b], src[a]) ? src[b++] : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < hi)
				dst[k++] = src[b++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}

void graph_seal(struct graph *g)
{
	if (g->sealed)
		return;
	uint32_t n = (uint32_t)g->len;
	uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	sort_idx(g, false, order, n);
	free(g->rank);
	g->rank = xmalloc((n ? n : 1) * sizeof(*g->rank));
	for (uint32_t r = 0; r < n; r++)
		g->rank[order[r]] = r;
	free(order);
	for (uint32_t i = 0; i < n; i++) {
		sort_idx(g, true, g->par[i].v, g->par[i].len);
		sort_idx(g, true, g->chi[i].v, g->chi[i].len);
	}
	graph_set_free(&g->live);
	graph_set_init(&g->live, n);
	for (uint32_t i = 0; i < n; i++)
		if (!g->nodes[i].disabled)
			graph_set_add(&g->live, i);
	g->sealed = true;
}

size_t graph_parents(struct graph *g, uint32_t idx, const uint32_t **out)
{
	graph_seal(g);
	*out = g->par[idx].v;
	return g->par[idx].len;
}

size_t graph_children(struct graph *g, uint32_t idx, const uint32_t **out)
{
	graph_seal(g);
	*out = g->chi[idx].v;
	return g->chi[idx].len;
}

/* ---------------------------------------------------------------- sets */

static size_t nwords(uint32_t n)
{
	return ((size_t)n + 63) / 64;
}

void graph_set_init(struct graph_set *s, uint32_t n)
{
	s->n = n;
	s->w = xcalloc(nwords(n) ? nwords(n) : 1, sizeof(uint64_t));
}

void graph_set_free(struct graph_set *s)
{
	free(s->w);
	s->w = NULL;
	s->n = 0;
}

void graph_set_clear(struct graph_set *s)
{
	if (s->w)
		memset(s->w, 0, nwords(s->n) * sizeof(uint64_t));
}

void graph_set_fill(struct graph_set *s)
{
	size_t nw = nwords(s->n);
	for (size_t i = 0; i < nw; i++)
		s->w[i] = ~(uint64_t)0;
	if (s->n & 63)
		s->w[nw - 1] = ((uint64_t)1 << (s->n & 63)) - 1;
}

void graph_set_copy(struct graph_set *dst, const struct graph_set *src)
{
	if (dst->n != src->n) {
		graph_set_free(dst);
		graph_set_init(dst, src->n);
	}
	if (nwords(src->n))
		memcpy(dst->w, src->w, nwords(src->n) * sizeof(uint64_t));
}

void graph_set_union(struct graph_set *dst, const struct graph_set *src)
{
	size_t nw = nwords(dst->n < src->n ? dst->n : src->n);
	for (size_t i = 0; i < nw; i++)
		dst->w[i] |= src->w[i];
}

void graph_set_intersect(struct graph_set *dst, const struct graph_set *src)
{
	size_t nw = nwords(dst->n), ns = nwords(src->n);
	for (size_t i = 0; i < nw; i++)
		dst->w[i] &= i < ns ? src->w[i] : 0;
}

void graph_set_subtract(struct graph_set *dst, const struct graph_set *src)
{
	size_t nw = nwords(dst->n < src->n ? dst->n : src->n);
	for (size_t i = 0; i < nw; i++)
		dst->w[i] &= ~src->w[i];
}

bool graph_set_equal(const struct graph_set *a, const struct graph_set *b)
{
	if (a->n != b->n)
		return false;
	size_t nw = nwords(a->n);
	return nw == 0 || memcmp(a->w, b->w, nw * sizeof(uint64_t)) == 0;
}

size_t graph_set_count(const struct graph_set *s)
{
	size_t c = 0, nw = nwords(s->n);
	for (size_t i = 0; i < nw; i++)
		c += (size_t)__builtin_popcountll(s->w[i]);
	return c;
}

uint32_t graph_set_next(const struct graph_set *s, uint32_t from)
{
	if (from >= s->n)
		return GRAPH_NONE;
	size_t wi = from >> 6, nw = nwords(s->n);
	uint64_t w = s->w[wi] & (~(uint64_t)0 << (from & 63));
	for (;;) {
		if (w)
			return (uint32_t)(wi * 64 + (size_t)__builtin_ctzll(w));
		if (++wi >= nw)
			return GRAPH_NONE;
		w = s->w[wi];
	}
}

void graph_set_of_types(const struct graph *g, uint32_t mask, struct graph_set *out)
{
	if (out->n != g->len) {
		graph_set_free(out);
		graph_set_init(out, (uint32_t)g->len);
	} else {
		graph_set_clear(out);
	}
	for (uint32_t i = 0; i < g->len; i++)
		if (mask & GRAPH_TYPE_BIT(g->nodes[i].type))
			graph_set_add(out, i);
}

/* ---------------------------------------------------------------- traversal */

void graph__walk(struct graph *g, const struct graph_set *from, int depth, bool up,
		 const struct graph_set *through, struct graph_set *out)
{
	graph_seal(g);
	uint32_t n = (uint32_t)g->len;
	if (!n)
		return;
	struct graph_set seen = GRAPH_SET_INIT;
	graph_set_init(&seen, n);
	uint32_t *queue = xmalloc(n * sizeof(*queue));
	size_t head = 0, tail = 0;
	for (uint32_t i = graph_set_next(from, 0); i != GRAPH_NONE; i = graph_set_next(from, i + 1)) {
		if (i >= n)
			break;
		graph_set_add(&seen, i);
		queue[tail++] = i;
	}
	const struct graph__adj *adj = up ? g->par : g->chi;
	for (int level = 0; head < tail && (depth < 0 || level < depth); level++) {
		size_t end = tail;
		for (; head < end; head++) {
			const struct graph__adj *a = &adj[queue[head]];
			for (uint32_t k = 0; k < a->len; k++) {
				uint32_t v = a->v[k];
				if (through && !graph_set_has(through, v))
					continue;
				graph_set_add(out, v);
				if (!graph_set_has(&seen, v)) {
					graph_set_add(&seen, v);
					queue[tail++] = v;
				}
			}
		}
	}
	free(queue);
	graph_set_free(&seen);
}

void graph_ancestors(struct graph *g, const struct graph_set *from, int depth,
		     struct graph_set *out)
{
	graph__walk(g, from, depth, true, NULL, out);
}

void graph_descendants(struct graph *g, const struct graph_set *from, int depth,
		       struct graph_set *out)
{
	graph__walk(g, from, depth, false, NULL, out);
}

/* ---------------------------------------------------------------- order and cycles */

/* Binary min-heap of node indexes ordered by key[] (graph_int.h). */
void graph__heap_push(struct graph__heap *h, uint32_t x)
{
	ALLOC_GROW(h->v, h->len + 1, h->cap);
	size_t i = h->len++;
	while (i) {
		size_t p = (i - 1) / 2;
		if (h->key[h->v[p]] <= h->key[x])
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = x;
}

uint32_t graph__heap_pop(struct graph__heap *h)
{
	uint32_t top = h->v[0], x = h->v[--h->len];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->len)
			break;
		if (c + 1 < h->len && h->key[h->v[c + 1]] < h->key[h->v[c]])
			c++;
		if (h->key[x] <= h->key[h->v[c]])
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->len)
		h->v[i] = x;
	return top;
}

int graph__topo_all(struct graph *g, const struct graph__adj *xpar, uint32_t **order_out)
{
	graph_seal(g);
	uint32_t n = (uint32_t)g->len;
	uint32_t *indeg = xcalloc(n ? n : 1, sizeof(*indeg));
	uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	/* extra edges: xpar[c] lists parents p; build their reverse */
	struct graph__adj *xchi = NULL;
	if (xpar) {
		xchi = xcalloc(n ? n : 1, sizeof(*xchi));
		for (uint32_t c = 0; c < n; c++)
			for (uint32_t k = 0; k < xpar[c].len; k++)
				graph__adj_push(&xchi[xpar[c].v[k]], c);
	}
	for (uint32_t i = 0; i < n; i++)
		indeg[i] = g->par[i].len + (xpar ? xpar[i].len : 0);
	struct graph__heap h = {NULL, 0, 0, g->rank};
	for (uint32_t i = 0; i < n; i++)
		if (!indeg[i])
			graph__heap_push(&h, i);
	size_t done = 0;
	while (h.len) {
		uint32_t v = graph__heap_pop(&h);
		order[done++] = v;
		for (uint32_t k = 0; k < g->chi[v].len; k++)
			if (--indeg[g->chi[v].v[k]] == 0)
				graph__heap_push(&h, g->chi[v].v[k]);
		if (xchi)
			for (uint32_t k = 0; k < xchi[v].len; k++)
				if (--indeg[xchi[v].v[k]] == 0)
					graph__heap_push(&h, xchi[v].v[k]);
	}
	if (xchi) {
		for (uint32_t i = 0; i < n; i++)
			free(xchi[i].v);
		free(xchi);
	}
	free(h.v);
	free(indeg);
	if (done < n) {
		free(order);
		return ING_EINVAL;
	}
	*order_out = order;
	return 0;
}

int graph_check_cycles(struct graph *g, uint32_t **cycle, size_t *ncycle, struct err *e)
{
	graph_seal(g);
	uint32_t n = (uint32_t)g->len;
	int rc = 0;
	/* colour: 0 white, 1 on the stack, 2 done. Iterative DFS along
	 * children (data flow) from roots in unique_id order. */
	uint8_t *colour = xcalloc(n ? n : 1, 1);
	uint32_t *stack = xmalloc((n ? n : 1) * sizeof(*stack));
	uint32_t *next = xcalloc(n ? n : 1, sizeof(*next)); /* next child to visit */
	uint32_t *byrank = xmalloc((n ? n : 1) * sizeof(*byrank));
	for (uint32_t i = 0; i < n; i++)
		byrank[g->rank[i]] = i;
	for (uint32_t r = 0; r < n && !rc; r++) {
		uint32_t root = byrank[r];
		if (colour[root])
			continue;
		size_t sp = 0;
		stack[sp++] = root;
		colour[root] = 1;
		while (sp && !rc) {
			uint32_t v = stack[sp - 1];
			if (next[v] < g->chi[v].len) {
				uint32_t c = g->chi[v].v[next[v]++];
				if (colour[c] == 0) {
					colour[c] = 1;
					stack[sp++] = c;
				} else if (colour[c] == 1) {
					size_t from = sp;
					while (from > 0 && stack[from - 1] != c)
						from--;
					from--; /* stack[from] == c */
					struct buf b = BUF_INIT;
					buf_puts(&b, "Found a cycle: ");
					for (size_t k = from; k < sp; k++) {
						buf_puts(&b, g->nodes[stack[k]].unique_id);
						buf_puts(&b, " --> ");
					}
					buf_puts(&b, g->nodes[c].unique_id);
					rc = err_set(e, ING_EINVAL, "%s", buf_cstr(&b));
					buf_free(&b);
					if (cycle) {
						*ncycle = sp - from;
						*cycle = xmalloc(*ncycle * sizeof(uint32_t));
						memcpy(*cycle, stack + from, *ncycle * sizeof(uint32_t));
					}
				}
			} else {
				colour[v] = 2;
				sp--;
			}
		}
	}
	free(byrank);
	free(next);
	free(stack);
	free(colour);
	if (!rc && cycle) {
		*cycle = NULL;
		*ncycle = 0;
	}
	return rc;
}
