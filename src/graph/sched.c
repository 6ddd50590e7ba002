/*
 * graph/sched.c — the ready queue that runs a selection in dependency
 * order on N worker threads, and graph_toposort on top of it.
 *
 * Building a scheduler:
 *   1. (GRAPH_SCHED_BUILD) dbt build's test edges: a test T runs before a
 *      node N when every parent of T is upstream of N. Only the first such
 *      nodes below T's parents get an edge (their descendants wait for T
 *      through them), found by one walk per test in topological order with
 *      a bitmask of "which of T's parents are upstream of here".
 *   2. The members' own dependency graph: a member's scheduler parents are
 *      its nearest member ancestors, looking through non-members
 *      (a -> x -> c with x unselected gives a -> c), as dbt's subset graph
 *      keeps transitive edges. Only non-members between two members carry
 *      a set of nearest members, so selecting a few nodes out of thousands
 *      costs little.
 *   3. Levels (longest path from a root of the member graph) and heights
 *      (longest path to a leaf). Ready nodes come out by (level, unique_id)
 *      as dbt's queue does, or by height first with GRAPH_SCHED_CRITICAL_PATH.
 *
 * Running: one mutex and one condition variable. take() pops the best ready
 * node; done() releases its children; a failed or skipped node marks its
 * children with the failure that caused it, and those come out of take()
 * as skip jobs in their turn (so a caller prints "SKIP" lines in DAG order).
 *
 * Not here: retries, timeouts, trigger rules (orchestrate/ decides with
 * GRAPH_SCHED_NO_SKIP and graph_sched_status), running anything.
 */
#include "graph/graph_int.h"
#include "core/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct graph_sched {
	struct graph *g;
	unsigned flags;
	uint32_t n, m;    /* graph nodes, members */
	uint32_t *local;  /* global -> local, GRAPH_NONE for non-members */
	uint32_t *glob;   /* local -> global */
	uint32_t *poff, *pv; /* scheduler parents (CSR, local indexes) */
	uint32_t *coff, *cv; /* scheduler children */
	uint32_t *pending;   /* parents not finished yet */
	uint32_t *level, *height, *rank;
	uint8_t *status;     /* enum graph_run */
	uint32_t *cause;     /* global index of the failure that skips it, or GRAPH_NONE */
	uint32_t *heap;
	size_t nheap;
	size_t handed, finished;
	bool cancelled;
	pthread_mutex_t mu;
	pthread_cond_t cv_ready;
	uint32_t *gpar; /* scheduler parents as global indexes, sorted (same CSR) */
};

/* ---------------------------------------------------------------- priority heap */

static bool before(const struct graph_sched *s, uint32_t a, uint32_t b)
{
	if ((s->flags & GRAPH_SCHED_CRITICAL_PATH) && s->height[a] != s->height[b])
		return s->height[a] > s->height[b];
	if (s->level[a] != s->level[b])
		return s->level[a] < s->level[b];
	return s->rank[a] < s->rank[b];
}

static void heap_push(struct graph_sched *s, uint32_t x)
{
	size_t i = s->nheap++;
	while (i) {
		size_t p = (i - 1) / 2;
		if (!before(s, x, s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = x;
}

static uint32_t heap_pop(struct graph_sched *s)
{
	uint32_t top = s->heap[0], x = s->heap[--s->nheap];
	size_t i = 0, len = s->nheap;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= len)
			break;
		if (c + 1 < len && before(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!before(s, s->heap[c], x))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (len)
		s->heap[i] = x;
	return top;
}

/* ---------------------------------------------------------------- build test edges */

static bool edge_target(const struct graph_node *n)
{
	if (n->disabled)
		return false;
	switch (n->type) {
	case GRAPH_MODEL:
	case GRAPH_SEED:
	case GRAPH_SNAPSHOT:
	case GRAPH_ANALYSIS:
		return true;
	default:
		return false;
	}
}

/* Add xpar edges test -> node for every member test (see the top). */
static void build_test_edges(struct graph *g, const struct graph_set *members,
			     const uint32_t *pos, struct graph__adj *xpar)
{
	uint32_t n = (uint32_t)g->len;
	uint32_t *pa_stamp = xcalloc(n, sizeof(uint32_t)); /* test+1 when a parent of it */
	uint32_t *pa_bit = xcalloc(n, sizeof(uint32_t));
	uint32_t *vis_stamp = xcalloc(n, sizeof(uint32_t));
	uint32_t *vis_slot = xcalloc(n, sizeof(uint32_t));
	uint64_t *masks = NULL;
	size_t mcap = 0;
	struct graph__heap h = {NULL, 0, 0, pos};

	for (uint32_t t = graph_set_next(members, 0); t != GRAPH_NONE;
	     t = graph_set_next(members, t + 1)) {
		const struct graph_node *tn = &g->nodes[t];
		const struct graph__adj *pa = &g->par[t];
		if (tn->type != GRAPH_TEST || tn->disabled || !pa->len)
			continue;
		uint32_t stamp = t + 1, k = pa->len;
		size_t W = ((size_t)k + 63) / 64, nvis = 0;
		for (uint32_t j = 0; j < k; j++) {
			pa_stamp[pa->v[j]] = stamp;
			pa_bit[pa->v[j]] = j;
		}
#define VISITED(v) (vis_stamp[v] == stamp)
#define MASK(v) (masks + (size_t)vis_slot[v] * W)
#define VISIT(v)                                                                    \
	do {                                                                        \
		vis_stamp[v] = stamp;                                               \
		vis_slot[v] = (uint32_t)nvis++;                                     \
		ALLOC_GROW(masks, nvis * W, mcap);                                  \
		memset(MASK(v), 0, W * sizeof(uint64_t));                           \
		graph__heap_push(&h, v);                                                  \
	} while (0)
		for (uint32_t j = 0; j < k; j++) {
			const struct graph__adj *ch = &g->chi[pa->v[j]];
			for (uint32_t q = 0; q < ch->len; q++) {
				uint32_t c = ch->v[q];
				if (edge_target(&g->nodes[c]) && !VISITED(c))
					VISIT(c);
			}
		}
		while (h.len) {
			uint32_t v = graph__heap_pop(&h);
			uint64_t *mv = MASK(v);
			bool cov_parent = false;
			const struct graph__adj *pv = &g->par[v];
			for (uint32_t q = 0; q < pv->len; q++) {
				uint32_t u = pv->v[q];
				bool in_pa = pa_stamp[u] == stamp;
				if (in_pa)
					mv[pa_bit[u] / 64] |= (uint64_t)1 << (pa_bit[u] % 64);
				if (VISITED(u)) {
					const uint64_t *mu = MASK(u);
					bool full = true;
					for (size_t w = 0; w < W; w++) {
						mv[w] |= mu[w];
						uint64_t want = (w == W - 1 && (k & 63))
							? ((uint64_t)1 << (k & 63)) - 1 : ~(uint64_t)0;
						if (mu[w] != want)
							full = false;
					}
					if (full && !in_pa)
						cov_parent = true;
				}
				mv = MASK(v); /* stable: masks only grows in VISIT */
			}
			bool covered = true;
			for (size_t w = 0; w < W; w++) {
				uint64_t want = (w == W - 1 && (k & 63)) ? ((uint64_t)1 << (k & 63)) - 1
									  : ~(uint64_t)0;
				if (mv[w] != want)
					covered = false;
			}
			if (covered && pa_stamp[v] != stamp) {
				if (!cov_parent)
					graph__adj_push(&xpar[v], t);
				continue; /* descendants wait for t through v */
			}
			const struct graph__adj *ch = &g->chi[v];
			for (uint32_t q = 0; q < ch->len; q++) {
				uint32_t c = ch->v[q];
				if (edge_target(&g->nodes[c]) && !VISITED(c))
					VISIT(c);
			}
		}
#undef VISITED
#undef MASK
#undef VISIT
	}
	free(h.v);
	free(masks);
	free(vis_slot);
	free(vis_stamp);
	free(pa_bit);
	free(pa_stamp);
}

/* ---------------------------------------------------------------- construction */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static int cycle_error(struct graph *g, struct err *e)
{
	if (graph_check_cycles(g, NULL, NULL, e) == 0)
		return err_set(e, ING_EINVAL, "the dependency graph cannot be ordered");
	return ING_EINVAL;
}

int graph_sched_new(struct graph *g, const struct graph_set *nodes, unsigned flags,
		    struct graph_sched **out, struct err *e)
{
	graph_seal(g);
	uint32_t n = (uint32_t)g->len;
	int rc = 0;
	struct graph__adj *xpar = NULL, *near = NULL;
	uint32_t *order = NULL, *pos = NULL, *stamp = NULL;
	uint8_t *down = NULL, *up = NULL;
	struct graph_set mem = GRAPH_SET_INIT;
	struct graph_sched *s = xcalloc(1, sizeof(*s));
	s->g = g;
	s->flags = flags;
	s->n = n;

	graph_set_init(&mem, n);
	if (nodes)
		graph_set_union(&mem, nodes);
	else
		graph_set_fill(&mem);

	if (flags & GRAPH_SCHED_BUILD) {
		/* a plain topological order first, for the test walks */
		if (graph__topo_all(g, NULL, &order) < 0) {
			rc = cycle_error(g, e);
			goto out;
		}
		pos = xmalloc((n ? n : 1) * sizeof(*pos));
		for (uint32_t i = 0; i < n; i++)
			pos[order[i]] = i;
		free(order);
		order = NULL;
		xpar = xcalloc(n ? n : 1, sizeof(*xpar));
		build_test_edges(g, &mem, pos, xpar);
	}
	if (graph__topo_all(g, xpar, &order) < 0) {
		rc = cycle_error(g, e);
		goto out;
	}

	/* members, local indexes in topological order */
	s->local = xmalloc((n ? n : 1) * sizeof(uint32_t));
	s->glob = xmalloc((n ? n : 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		s->local[i] = GRAPH_NONE;
	for (uint32_t r = 0; r < n; r++)
		if (graph_set_has(&mem, order[r])) {
			s->local[order[r]] = s->m;
			s->glob[s->m++] = order[r];
		}
	uint32_t m = s->m;

	/* non-members that lie between members: downstream of one (down) and
	 * upstream of one (up) */
	down = xcalloc(n ? n : 1, 1);
	up = xcalloc(n ? n : 1, 1);
	for (uint32_t r = 0; r < n; r++) {
		uint32_t v = order[r];
		const struct graph__adj *p = &g->par[v];
		for (uint32_t k = 0; k < p->len && !down[v]; k++)
			down[v] = graph_set_has(&mem, p->v[k]) || down[p->v[k]];
		if (xpar)
			for (uint32_t k = 0; k < xpar[v].len && !down[v]; k++)
				down[v] = graph_set_has(&mem, xpar[v].v[k]) || down[xpar[v].v[k]];
	}
	for (uint32_t r = n; r-- > 0;) {
		uint32_t v = order[r];
		if (!down[v] && !graph_set_has(&mem, v))
			continue;
		/* propagate "upstream of a member" to parents */
		bool mark = graph_set_has(&mem, v) || up[v];
		if (!mark)
			continue;
		const struct graph__adj *p = &g->par[v];
		for (uint32_t k = 0; k < p->len; k++)
			up[p->v[k]] = 1;
		if (xpar)
			for (uint32_t k = 0; k < xpar[v].len; k++)
				up[xpar[v].v[k]] = 1;
	}

	/* nearest member ancestors */
	near = xcalloc(n ? n : 1, sizeof(*near));
	stamp = xcalloc(n ? n : 1, sizeof(*stamp));
	struct graph__adj spar_all = {0};
	s->poff = xmalloc(((size_t)m + 1) * sizeof(uint32_t));
	for (uint32_t r = 0; r < n; r++) {
		uint32_t v = order[r];
		bool member = s->local[v] != GRAPH_NONE;
		if (!member && !(down[v] && up[v]))
			continue;
		struct graph__adj *dst = member ? &spar_all : &near[v];
		if (member)
			s->poff[s->local[v]] = spar_all.len;
		for (int pass = 0; pass < 2; pass++) {
			const struct graph__adj *p = pass ? (xpar ? &xpar[v] : NULL) : &g->par[v];
			if (!p)
				continue;
			for (uint32_t k = 0; k < p->len; k++) {
				uint32_t u = p->v[k];
				if (s->local[u] != GRAPH_NONE) {
					if (stamp[u] != v + 1) {
						stamp[u] = v + 1;
						graph__adj_push(dst, member ? s->local[u] : u);
					}
				} else {
					for (uint32_t q = 0; q < near[u].len; q++) {
						uint32_t w = near[u].v[q];
						if (stamp[w] != v + 1) {
							stamp[w] = v + 1;
							graph__adj_push(dst, member ? s->local[w] : w);
						}
					}
				}
			}
		}
	}
	s->poff[m] = spar_all.len;
	s->pv = spar_all.v ? spar_all.v : xmalloc(sizeof(uint32_t));

	/* children (CSR), levels, heights, ranks */
	s->coff = xcalloc((size_t)m + 1, sizeof(uint32_t));
	s->cv = xmalloc((spar_all.len ? spar_all.len : 1) * sizeof(uint32_t));
	for (uint32_t k = 0; k < spar_all.len; k++)
		s->coff[s->pv[k] + 1]++;
	for (uint32_t i = 0; i < m; i++)
		s->coff[i + 1] += s->coff[i];
	uint32_t *fill = xmalloc(((size_t)m + 1) * sizeof(uint32_t));
	memcpy(fill, s->coff, ((size_t)m + 1) * sizeof(uint32_t));
	for (uint32_t c = 0; c < m; c++)
		for (uint32_t k = s->poff[c]; k < s->poff[c + 1]; k++)
			s->cv[fill[s->pv[k]]++] = c;
	free(fill);
	s->pending = xmalloc(((size_t)m + 1) * sizeof(uint32_t));
	s->level = xcalloc((size_t)m + 1, sizeof(uint32_t));
	s->height = xcalloc((size_t)m + 1, sizeof(uint32_t));
	s->rank = xmalloc(((size_t)m + 1) * sizeof(uint32_t));
	s->status = xcalloc((size_t)m + 1, 1);
	s->cause = xmalloc(((size_t)m + 1) * sizeof(uint32_t));
	s->heap = xmalloc(((size_t)m + 1) * sizeof(uint32_t));
	s->gpar = xmalloc((spar_all.len ? spar_all.len : 1) * sizeof(uint32_t));
	for (uint32_t k = 0; k < spar_all.len; k++)
		s->gpar[k] = s->glob[s->pv[k]];
	for (uint32_t i = 0; i < m; i++)
		if (s->poff[i + 1] - s->poff[i] > 1)
			qsort(s->gpar + s->poff[i], s->poff[i + 1] - s->poff[i], sizeof(uint32_t),
			      cmp_u32);
	for (uint32_t i = 0; i < m; i++) { /* local order is topological */
		s->pending[i] = s->poff[i + 1] - s->poff[i];
		s->rank[i] = g->rank[s->glob[i]];
		s->cause[i] = GRAPH_NONE;
		for (uint32_t k = s->poff[i]; k < s->poff[i + 1]; k++)
			if (s->level[s->pv[k]] + 1 > s->level[i])
				s->level[i] = s->level[s->pv[k]] + 1;
	}
	for (uint32_t i = m; i-- > 0;)
		for (uint32_t k = s->coff[i]; k < s->coff[i + 1]; k++)
			if (s->height[s->cv[k]] + 1 > s->height[i])
				s->height[i] = s->height[s->cv[k]] + 1;
	for (uint32_t i = 0; i < m; i++)
		if (!s->pending[i])
			heap_push(s, i);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv_ready, NULL);

out:
	if (near) {
		for (uint32_t i = 0; i < n; i++)
			free(near[i].v);
		free(near);
	}
	if (xpar) {
		for (uint32_t i = 0; i < n; i++)
			free(xpar[i].v);
		free(xpar);
	}
	free(stamp);
	free(down);
	free(up);
	free(order);
	free(pos);
	graph_set_free(&mem);
	if (rc) {
		free(s->local);
		free(s->glob);
		free(s);
		s = NULL;
	}
	*out = s;
	return rc;
}

void graph_sched_free(struct graph_sched *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv_ready);
	free(s->local);
	free(s->glob);
	free(s->poff);
	free(s->pv);
	free(s->coff);
	free(s->cv);
	free(s->pending);
	free(s->level);
	free(s->height);
	free(s->rank);
	free(s->status);
	free(s->cause);
	free(s->heap);
	free(s->gpar);
	free(s);
}

/* ---------------------------------------------------------------- running */

static bool take_locked(struct graph_sched *s, struct graph_job *job)
{
	uint32_t l = heap_pop(s);
	s->status[l] = GRAPH_RUN_RUNNING;
	s->handed++;
	job->idx = s->glob[l];
	job->cause = s->cause[l];
	job->skip = s->cause[l] != GRAPH_NONE;
	if (s->handed == s->m)
		pthread_cond_broadcast(&s->cv_ready); /* idle takers can leave */
	return true;
}

bool graph_sched_take(struct graph_sched *s, struct graph_job *job)
{
	bool got = false;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->cancelled || s->handed == s->m)
			break;
		if (s->nheap) {
			got = take_locked(s, job);
			break;
		}
		pthread_cond_wait(&s->cv_ready, &s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return got;
}

int graph_sched_try_take(struct graph_sched *s, struct graph_job *job)
{
	int r;
	pthread_mutex_lock(&s->mu);
	if (s->cancelled || s->handed == s->m)
		r = -1;
	else if (s->nheap)
		r = take_locked(s, job) ? 1 : 0;
	else
		r = 0;
	pthread_mutex_unlock(&s->mu);
	return r;
}

void graph_sched_done(struct graph_sched *s, uint32_t idx, enum graph_run result)
{
	pthread_mutex_lock(&s->mu);
	uint32_t l = idx < s->n ? s->local[idx] : GRAPH_NONE;
	if (l == GRAPH_NONE || s->status[l] != GRAPH_RUN_RUNNING)
		BUG("graph_sched_done: node %u was not handed out", idx);
	if (s->cause[l] != GRAPH_NONE)
		result = GRAPH_RUN_SKIPPED;
	else if (result != GRAPH_RUN_OK && result != GRAPH_RUN_FAILED)
		result = GRAPH_RUN_SKIPPED;
	s->status[l] = (uint8_t)result;
	s->finished++;
	bool propagate = result != GRAPH_RUN_OK && !(s->flags & GRAPH_SCHED_NO_SKIP);
	uint32_t why = s->cause[l] != GRAPH_NONE ? s->cause[l] : idx;
	bool woke = false;
	for (uint32_t k = s->coff[l]; k < s->coff[l + 1]; k++) {
		uint32_t c = s->cv[k];
		if (propagate && s->cause[c] == GRAPH_NONE)
			s->cause[c] = why;
		if (--s->pending[c] == 0) {
			heap_push(s, c);
			woke = true;
		}
	}
	if (woke)
		pthread_cond_broadcast(&s->cv_ready);
	pthread_mutex_unlock(&s->mu);
}

void graph_sched_cancel(struct graph_sched *s)
{
	pthread_mutex_lock(&s->mu);
	s->cancelled = true;
	pthread_cond_broadcast(&s->cv_ready);
	pthread_mutex_unlock(&s->mu);
}

enum graph_run graph_sched_status(struct graph_sched *s, uint32_t idx)
{
	enum graph_run r = GRAPH_RUN_PENDING;
	pthread_mutex_lock(&s->mu);
	if (idx < s->n && s->local[idx] != GRAPH_NONE)
		r = (enum graph_run)s->status[s->local[idx]];
	pthread_mutex_unlock(&s->mu);
	return r;
}

size_t graph_sched_total(const struct graph_sched *s)
{
	return s->m;
}

size_t graph_sched_unstarted(struct graph_sched *s)
{
	pthread_mutex_lock(&s->mu);
	size_t r = s->m - s->handed;
	pthread_mutex_unlock(&s->mu);
	return r;
}

size_t graph_sched_parents(const struct graph_sched *s, uint32_t idx, const uint32_t **out)
{
	*out = NULL;
	if (idx >= s->n || s->local[idx] == GRAPH_NONE)
		return 0;
	uint32_t l = s->local[idx];
	*out = s->gpar + s->poff[l];
	return s->poff[l + 1] - s->poff[l];
}

/* ---------------------------------------------------------------- toposort */

int graph_toposort(struct graph *g, const struct graph_set *only, uint32_t **order, size_t *n,
		   struct err *e)
{
	struct graph_sched *s = NULL;
	int rc = graph_sched_new(g, only, 0, &s, e);
	if (rc)
		return rc;
	uint32_t *o = xmalloc((s->m ? s->m : 1) * sizeof(uint32_t));
	size_t k = 0;
	struct graph_job job;
	while (graph_sched_try_take(s, &job) == 1) {
		o[k++] = job.idx;
		graph_sched_done(s, job.idx, GRAPH_RUN_OK);
	}
	graph_sched_free(s);
	*order = o;
	*n = k;
	return 0;
}
