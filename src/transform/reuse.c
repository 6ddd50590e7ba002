/*
 * transform/reuse.c — state-aware builds: reuse a node whose inputs did not
 * change since its last success (dbt's state-aware orchestration).
 *
 * Every node ingot builds successfully gets a data version (a token new on
 * each build: "<invocation id>/<unique id>") and a fingerprint: the SHA-256
 * of what decides its result —
 *   - its compiled SQL (models, tests, snapshots: every macro it calls and
 *     every var or env var it reads are already in it) or, for a seed, the
 *     file's checksum;
 *   - its config (canonical JSON: materialization, hooks, schema, ...), its
 *     relation (database.schema.alias), the engine and ingot's version (the
 *     materializations are ingot's C code: another version may write
 *     differently);
 *   - the `{% materialization %}` macros of the project and its packages
 *     (not executed today, transform.md; kept in so that the day they are,
 *     a changed one rebuilds what it writes);
 *   - the data version of each input: a model, seed or snapshot upstream
 *     (through ephemeral models to what they read); a source ingot loads,
 *     whose version is its loads that changed something in _ingot.loads.
 * Both live in the warehouse, in _ingot.build_state (unique_id, relation,
 * fingerprint, version, built_at), next to the load manifest: a fresh
 * warehouse has no state and builds everything, and every process that
 * builds into the warehouse sees the same state.
 *
 * A node is reused — not run, reported as success with the message
 * "reused: no upstream change" — when its fingerprint equals the stored
 * one and (models, seeds) its relation exists. Its version stays, so its
 * children are reused too unless something else of theirs changed. When
 * unsure, the node is built:
 *   - a source not loaded by ingot (no external: location, or never
 *     loaded), an upstream node with no stored version, an input that is
 *     not a model, seed, snapshot or source: unknown, built;
 *   - a snapshot is reused like a model: it records a change of what it
 *     reads, so when nothing it reads changed since its last success, a
 *     run would find no change (check or timestamp strategy, deletes
 *     included: the last run saw the same rows) and write nothing. One
 *     that reads no ref() or source() (a table named in its SQL) always
 *     runs, and its version moves, so what reads it is rebuilt;
 *   - a model or test whose compiled SQL calls a clock or a random function
 *     (current_timestamp, now, random, ...) is built: its result is not
 *     a function of its inputs;
 *   - a node whose pre-/post-hook writes while it is rendered (a
 *     run_query or adapter call that writes: hooks_fingerprint) or calls
 *     a clock is built; other hooks join the fingerprint as rendered;
 *   - --full-refresh and --no-reuse build everything;
 *   - `ingot show` running a statement that writes, and a pipeline's `sql`
 *     task, clear the state (tf_reuse_forget): ingot cannot tell what they
 *     changed.
 * Tests are reused only after a pass (a warning or failure is shown again).
 * A node that fails loses its state, so the next run builds it.
 *
 * The state is read once per run (tf_reuse_load) and the changes are
 * written once at its end in one transaction (tf_reuse_save); a run that
 * dies before leaves the old rows: each node it built and did not record
 * then differs from its stored fingerprint or version only if an input
 * changed, and is built again — the rows never claim a build that did not
 * happen, because a failed or in-flight build removes nothing it replaced
 * (materializations swap atomically) while the stored version is only
 * moved after success.
 */
#include "transform/tf_int.h"
#include "core/digest.h"
#include "core/dtime.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/version.h"

#include <ctype.h>
#include <string.h>

struct rstate {
	char *fp, *version;
};

struct rchange {
	char *uid, *rel, *fp, *version; /* fp NULL or empty: delete only */
	int64_t built_us;               /* when the node's build ended */
};

struct tf_reuse {
	struct strmap state;  /* "unique_id\x1frelation" -> struct rstate */
	struct strmap loads;  /* "schema.identifier" (lower) -> version text */
	char mat_fp[DIGEST_SHA256_HEX]; /* the materialization macros */
	pthread_mutex_t lock;
	/* the changes of this run, written by tf_reuse_save */
	VEC(struct rchange) changes;
};

static char *lower_dup(const char *s)
{
	char *d = xstrdup(s ? s : "");
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static char *node_rel(const struct tf_node *n)
{
	char *r = xasprintf("%s.%s.%s", n->database ? n->database : "", n->schema ? n->schema : "",
			    n->alias ? n->alias : n->name);
	char *l = lower_dup(r);
	free(r);
	return l;
}

static char *state_key(const struct tf_node *n)
{
	char *rel = node_rel(n);
	char *k = xasprintf("%s\x1f%s", n->unique_id, rel);
	free(rel);
	return k;
}

static void rstate_free(void *p)
{
	struct rstate *s = p;
	if (!s)
		return;
	free(s->fp);
	free(s->version);
	free(s);
}

static void cell_text(const struct wh_result *r, size_t row, size_t col, struct buf *out)
{
	buf_reset(out);
	wh_value_text(wh_cell(r, row, col), out);
}

int tf_reuse_load(struct tf_proj *tp, struct wh_conn *c, struct err *e)
{
	struct tf_reuse *ru = xcalloc(1, sizeof(*ru));
	pthread_mutex_init(&ru->lock, NULL);
	tp->reuse = ru;
	/* the materialization macros, in a stable order (the project's) */
	struct digest *d = digest_sha256_new();
	for (size_t i = 0; i < tp->macros.len; i++) {
		const struct tf_macro_info *m = &tp->macros.items[i];
		if (!m->name || strncmp(m->name, "materialization_", 16))
			continue;
		digest_update(d, m->unique_id, strlen(m->unique_id) + 1);
		if (m->raw)
			digest_update(d, m->raw, m->raw_len);
	}
	digest_final_hex(d, ru->mat_fp);
	digest_free(d);

	/* which of the two tables exist: one listing of _ingot (a catalog
	 * query costs about the same for one name as for the schema) */
	bool have_state = false, have_loads = false;
	struct buf t = BUF_INIT;
	struct arena *la = arena_new(0);
	struct wh_relation_info *rels = NULL;
	size_t nrel = 0;
	int rc = wh_list_relations(c, "_ingot", la, &rels, &nrel, e);
	for (size_t i = 0; !rc && i < nrel; i++) {
		have_state |= !strcmp(rels[i].name, "build_state");
		have_loads |= !strcmp(rels[i].name, "loads");
	}
	arena_free(la);
	if (!rc && have_state) {
		struct wh_result *res = NULL;
		/* two runs that built one node at once may both have left a row
		 * (PostgreSQL): the later build wins, as its relation did */
		rc = wh_query(c,
			      "SELECT unique_id, relation, fingerprint, version FROM _ingot.build_state "
			      "ORDER BY built_at",
			      NULL, 0, &res, e);
		for (size_t i = 0; !rc && i < res->nrows; i++) {
			struct buf k = BUF_INIT;
			cell_text(res, i, 0, &t);
			buf_puts(&k, buf_cstr(&t));
			buf_putc(&k, '\x1f');
			cell_text(res, i, 1, &t);
			buf_puts(&k, buf_cstr(&t));
			struct rstate *s = xcalloc(1, sizeof(*s));
			cell_text(res, i, 2, &t);
			s->fp = xstrdup(buf_cstr(&t));
			cell_text(res, i, 3, &t);
			s->version = xstrdup(buf_cstr(&t));
			rstate_free(strmap_put(&ru->state, buf_cstr(&k), s));
			buf_free(&k);
		}
		wh_result_free(res);
	}
	if (!rc && have_loads) {
		/* every load that may have changed the table: not the ones that
		 * found nothing new (a failed one may have, until it is known
		 * that it rolled back: counted) */
		struct wh_result *res = NULL;
		rc = wh_query(c,
			      "SELECT lower(relation), count(*), max(load_id) FROM _ingot.loads "
			      "WHERE status <> 'up_to_date' AND relation IS NOT NULL GROUP BY lower(relation)",
			      NULL, 0, &res, e);
		for (size_t i = 0; !rc && i < res->nrows; i++) {
			struct buf v = BUF_INIT;
			cell_text(res, i, 1, &t);
			buf_printf(&v, "loads:%s:", buf_cstr(&t));
			cell_text(res, i, 2, &t);
			buf_puts(&v, buf_cstr(&t));
			cell_text(res, i, 0, &t);
			free(strmap_put(&ru->loads, buf_cstr(&t), buf_detach(&v, NULL)));
		}
		wh_result_free(res);
	}
	buf_free(&t);
	if (rc)
		err_prefix(e, "reading the build state in _ingot (--no-reuse builds without it)");
	return rc;
}

void tf_reuse_free(struct tf_proj *tp)
{
	struct tf_reuse *ru = tp->reuse;
	for (size_t i = 0; i < tp->nodes.len; i++) {
		struct tf_node *n = tp->nodes.items[i];
		free(n->reuse_fp);
		free(n->version);
		n->reuse_fp = n->version = NULL;
	}
	if (!ru)
		return;
	strmap_free(&ru->state, rstate_free);
	strmap_free(&ru->loads, free);
	for (size_t i = 0; i < ru->changes.len; i++) {
		struct rchange *ch = &ru->changes.items[i];
		free(ch->uid);
		free(ch->rel);
		free(ch->fp);
		free(ch->version);
	}
	vec_free(&ru->changes);
	pthread_mutex_destroy(&ru->lock);
	free(ru);
	tp->reuse = NULL;
}

/* The stored state of n, or NULL. */
static const struct rstate *stored(struct tf_reuse *ru, const struct tf_node *n)
{
	char *k = state_key(n);
	const struct rstate *s = strmap_get(&ru->state, k);
	free(k);
	return s;
}

/* The data version of input node d as n sees it: appended to b; false
 * when unknown. depth bounds a cycle of ephemerals (a parse error). */
/* "<unique id>=<version>\n" */
static void ver_line(struct buf *b, const char *uid, const char *v)
{
	buf_puts(b, uid);
	buf_putc(b, '=');
	buf_puts(b, v);
	buf_putc(b, '\n');
}

static bool input_version(struct tf_proj *tp, const struct tf_node *d, const struct tf_node *prev,
			  const struct tf_node *prev2, struct buf *b, int depth)
{
	struct tf_reuse *ru = tp->reuse;
	if (depth > 64)
		return false;
	switch (d->rtype) {
	case TF_SOURCE: {
		if (!d->src || !d->src->external)
			return false; /* not loaded by ingot: no version known */
		char *rel = xasprintf("%s.%s", d->schema ? d->schema : "", d->alias ? d->alias : "");
		char *l = lower_dup(rel);
		const char *v = strmap_get(&ru->loads, l);
		free(rel);
		free(l);
		if (!v)
			return false;
		ver_line(b, d->unique_id, v);
		return true;
	}
	case TF_MODEL:
		if (d->materialized && !strcmp(d->materialized, "ephemeral")) {
			/* its SQL is in n's compiled SQL; its inputs are n's */
			for (size_t i = 0; i < d->deps.len; i++)
				if (!input_version(tp, tp->nodes.items[d->deps.items[i]], prev, prev2, b,
						   depth + 1))
					return false;
			return true;
		}
		/* fall through */
	case TF_SEED:
	case TF_SNAPSHOT: {
		/* set by this run, before n runs; prev, prev2: the version it
		 * had before this run (tf_reuse_passed_before) */
		const char *v = d == prev || d == prev2 ? NULL : d->version;
		if (!v) {
			const struct rstate *s = stored(ru, d);
			v = s ? s->version : NULL;
		}
		if (!v || !*v)
			return false;
		ver_line(b, d->unique_id, v);
		return true;
	}
	default: return false;
	}
}

/* A word of SQL that makes a result depend on when or how often it runs. */
static bool nondeterministic(const char *sql)
{
	static const char *const words[] = {
		"current_timestamp", "current_time", "current_date", "localtimestamp", "localtime",
		"now(", "random(", "uuid(", "gen_random_uuid", "clock_timestamp", "statement_timestamp",
		"transaction_timestamp", "timeofday", "get_current_timestamp", "today(", "getdate",
		"sysdate", "setseed", "nextval", "txid_current",
	};
	if (!sql)
		return false;
	char *l = lower_dup(sql);
	bool hit = false;
	for (size_t i = 0; !hit && i < sizeof(words) / sizeof(words[0]); i++)
		hit = strstr(l, words[i]) != NULL;
	free(l);
	return hit;
}

/* The hooks as they will run, appended to the fingerprint: each hook that
 * holds Jinja is rendered now as the materialization will render it
 * (execute, this run's connection), so a var, an env var, a macro or
 * is_incremental() read only by a hook moves the fingerprint like one read
 * by the model's SQL. The render may read the warehouse but not write
 * (tf_render_string_pure refuses run_query/statement/adapter calls that
 * write, which would then run twice): false when it fails that way or
 * otherwise, or when the text calls a clock; the node is then built. */
static bool hooks_fingerprint(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			      struct buf *fp)
{
	static const char *const keys[] = {"pre-hook", "post-hook", "pre_hook", "post_hook"};
	bool ok = true;
	for (size_t i = 0; ok && i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct jinja_value hooks = tf_cfg(n, keys[i]);
		if (hooks.type != JINJA_LIST && hooks.type != JINJA_TUPLE)
			continue;
		for (size_t k = 0; ok && k < jinja_list_len(hooks); k++) {
			struct arena *a = arena_new(0);
			const char *src = tf_hook_sql(hooks, k, a);
			if (src && (strstr(src, "{{") || strstr(src, "{%"))) {
				struct buf out = BUF_INIT;
				struct err e = ERR_INIT;
				ok = !tf_render_string_pure(tp, n, keys[i], src, c, &out, &e) &&
				     !nondeterministic(buf_cstr(&out));
				buf_printf(fp, "%s.%zu=%zu:%s\n", keys[i], k, out.len, buf_cstr(&out));
				buf_free(&out);
				err_clear(&e);
			}
			arena_free(a);
		}
	}
	return ok;
}

/* The fingerprint of n (see the top of this file) into fp; false when it
 * cannot be known. prev (may be NULL): an input taken at the version it had
 * before this run instead of the one this run gave it. */
static bool fingerprint(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c,
			const struct tf_node *prev, const struct tf_node *prev2,
			char fp[DIGEST_SHA256_HEX])
{
	struct tf_reuse *ru = tp->reuse;
	struct buf b = BUF_INIT;
	buf_printf(&b, "ingot-reuse 1\n%s\n%s\n%s\n%s\n", INGOT_VERSION, tp->engine ? tp->engine : "",
		   n->unique_id, ru->mat_fp);
	char *rel = node_rel(n);
	buf_printf(&b, "relation=%s\n", rel);
	free(rel);
	if (n->rtype == TF_SEED) {
		buf_printf(&b, "seed=%s\n", n->checksum ? n->checksum : "");
	} else {
		/* the SQL copied, not pushed through vsnprintf (same bytes) */
		size_t cl = strlen(n->compiled);
		buf_printf(&b, "sql=%zu:", cl);
		buf_add(&b, n->compiled, cl);
		buf_putc(&b, '\n');
	}
	{
		struct jw w;
		jw_init(&w, &b, false);
		tf_json_value(&w, n->config);
		buf_putc(&b, '\n');
	}
	/* the hooks' text is in the config (above); rendered, as it runs */
	bool known = hooks_fingerprint(tp, n, c, &b);
	for (size_t i = 0; known && i < n->deps.len; i++)
		known = input_version(tp, tp->nodes.items[n->deps.items[i]], prev, prev2, &b, 0);
	digest_sha256_hex(b.data ? b.data : "", b.len, fp);
	buf_free(&b);
	return known;
}

bool tf_reuse_check(struct tf_proj *tp, struct tf_node *n, struct wh_conn *c, bool allow)
{
	struct tf_reuse *ru = tp->reuse;
	if (!ru)
		return false;
	/* a snapshot only when it reads something with a version: one that
	 * names its table directly (no ref or source) reads what ingot
	 * cannot see change */
	if (n->rtype != TF_MODEL && n->rtype != TF_SEED && n->rtype != TF_TEST &&
	    (n->rtype != TF_SNAPSHOT || !n->deps.len))
		return false;
	if (n->rtype != TF_SEED && (!n->compiled || nondeterministic(n->compiled)))
		return false;
	const char *strat = tf_cfg_str(n, "incremental_strategy", NULL);
	if (strat && !strcmp(strat, "microbatch") && (tp->have_et_start || tp->have_et_end)) {
		/* batches asked for by window: always run, and what the table
		 * holds afterwards is not what a plain run leaves: unknown */
		free(n->reuse_fp);
		n->reuse_fp = NULL;
		return false;
	}
	char fp[DIGEST_SHA256_HEX];
	bool known = fingerprint(tp, n, c, NULL, NULL, fp);
	free(n->reuse_fp);
	n->reuse_fp = known ? xstrdup(fp) : NULL;
	if (!known || !allow || tp->full_refresh)
		return false;
	const struct rstate *s = stored(ru, n);
	if (!s || strcmp(s->fp, fp) || !*s->version)
		return false;
	if (n->rtype != TF_TEST) {
		/* dropped behind ingot's back: built again (the run's relation
		 * cache lists each schema once; a listing that fails says none) */
		if (tf_rel_kind(tp, c, n->schema, n->alias ? n->alias : n->name) == WH_REL_NONE)
			return false;
	}
	free(n->version);
	n->version = xstrdup(s->version);
	return true;
}

bool tf_reuse_has_state(struct tf_proj *tp, const struct tf_node *n)
{
	return tp->reuse && stored(tp->reuse, n);
}

bool tf_reuse_passed_before(struct tf_proj *tp, struct tf_node *t, const struct tf_node *m,
			    const struct tf_node *m2, struct wh_conn *c)
{
	struct tf_reuse *ru = tp->reuse;
	if (!ru || !t->compiled || nondeterministic(t->compiled))
		return false;
	const struct rstate *s = stored(ru, t), *ms = stored(ru, m);
	if (!s || !*s->version || !ms || !*ms->version)
		return false;
	char fp[DIGEST_SHA256_HEX];
	return fingerprint(tp, t, c, m, m2, fp) && !strcmp(s->fp, fp);
}

/* One forget at a time in this process: two models may forget the same
 * test at once (a relationships test is forgotten by its model and by its
 * parent, inctest.c), and DuckDB fails the second of two transactions
 * deleting one row ("Conflict on tuple deletion"). */
static pthread_mutex_t forget_mu = PTHREAD_MUTEX_INITIALIZER;

int tf_reuse_forget_nodes(struct wh_conn *c, struct tf_node *const *nodes, size_t n, struct err *e)
{
	if (!n)
		return 0;
	struct buf sql = BUF_INIT;
	struct wh_value *v = xcalloc(n, sizeof(*v));
	buf_puts(&sql, "DELETE FROM _ingot.build_state WHERE unique_id IN (");
	for (size_t i = 0; i < n; i++) {
		buf_printf(&sql, "%s$%zu", i ? ", " : "", i + 1);
		v[i] = wh_text(nodes[i]->unique_id);
	}
	buf_putc(&sql, ')');
	struct wh_result *res = NULL;
	pthread_mutex_lock(&forget_mu);
	int rc = wh_query(c, buf_cstr(&sql), v, n, &res, e);
	pthread_mutex_unlock(&forget_mu);
	wh_result_free(res);
	buf_free(&sql);
	free(v);
	return rc;
}

void tf_reuse_done(struct tf_proj *tp, struct tf_node *n, bool ok)
{
	struct tf_reuse *ru = tp->reuse;
	struct rchange ch = {0};
	ch.uid = xstrdup(n->unique_id);
	ch.rel = node_rel(n);
	ch.built_us = now_us();
	/* a snapshot, or a node whose fingerprint could not be known: its
	 * relation changed (ok) but nothing can be reused from it; it still
	 * gets a version so that what reads it sees the change */
	free(n->version);
	n->version = ok ? xasprintf("%s/%s", tp->invocation_id, n->unique_id) : NULL;
	bool keep = ok && (n->rtype != TF_TEST || n->status == TF_ST_PASS);
	if (keep) {
		ch.fp = xstrdup(n->reuse_fp ? n->reuse_fp : "");
		ch.version = xstrdup(n->version);
	}
	if (!ru) {
		free(ch.uid);
		free(ch.rel);
		free(ch.fp);
		free(ch.version);
		return;
	}
	pthread_mutex_lock(&ru->lock);
	vec_push(&ru->changes, ch);
	pthread_mutex_unlock(&ru->lock);
}

static int ensure_table(struct tf_proj *tp, struct wh_conn *c, struct err *e)
{
	struct wh_db *db = wh_conn_db(c);
	struct buf tx = BUF_INIT, ts = BUF_INIT, s = BUF_INIT;
	struct wh_ltype lt = {WH_TEXT, 0, 0, 0}, lts = {WH_TIMESTAMP, 0, 0, 0};
	wh_type_sql(db, &lt, &tx);
	wh_type_sql(db, &lts, &ts);
	buf_printf(&s,
		   "CREATE TABLE IF NOT EXISTS _ingot.build_state (unique_id %s, relation %s, "
		   "fingerprint %s, version %s, built_at %s)",
		   buf_cstr(&tx), buf_cstr(&tx), buf_cstr(&tx), buf_cstr(&tx), buf_cstr(&ts));
	int rc = wh_create_schema(c, "_ingot", e);
	if (!rc)
		rc = wh_exec(c, buf_cstr(&s), e);
	buf_free(&tx);
	buf_free(&ts);
	buf_free(&s);
	(void)tp;
	return rc;
}

/* at most 5 * SAVE_CHUNK parameters in one statement: far below
 * PostgreSQL's 65,535 */
#define SAVE_CHUNK 256

/* Replace the rows of n changes: delete each (unique_id, relation), then
 * insert the ones with a fingerprint, one statement for each. */
static int save_chunk(struct wh_conn *c, const struct rchange *ch, size_t n, struct err *e)
{
	struct buf sql = BUF_INIT;
	struct wh_value *v = xcalloc(5 * n, sizeof(*v));
	struct wh_result *res = NULL;
	buf_puts(&sql, "DELETE FROM _ingot.build_state WHERE (unique_id, relation) IN (");
	for (size_t i = 0; i < n; i++) {
		buf_printf(&sql, "%s($%zu, $%zu)", i ? ", " : "", 2 * i + 1, 2 * i + 2);
		v[2 * i] = wh_text(ch[i].uid);
		v[2 * i + 1] = wh_text(ch[i].rel);
	}
	buf_putc(&sql, ')');
	int rc = wh_query(c, buf_cstr(&sql), v, 2 * n, &res, e);
	wh_result_free(res);
	res = NULL;
	size_t k = 0;
	buf_reset(&sql);
	buf_puts(&sql, "INSERT INTO _ingot.build_state (unique_id, relation, fingerprint, version, "
		       "built_at) VALUES ");
	for (size_t i = 0; i < n; i++) {
		if (!ch[i].fp || !*ch[i].fp)
			continue;
		buf_printf(&sql, "%s($%zu, $%zu, $%zu, $%zu, $%zu)", k ? ", " : "", k + 1, k + 2,
			   k + 3, k + 4, k + 5);
		v[k++] = wh_text(ch[i].uid);
		v[k++] = wh_text(ch[i].rel);
		v[k++] = wh_text(ch[i].fp);
		v[k++] = wh_text(ch[i].version);
		v[k++] = wh_ts(ch[i].built_us);
	}
	if (!rc && k)
		rc = wh_query(c, buf_cstr(&sql), v, k, &res, e);
	wh_result_free(res);
	buf_free(&sql);
	free(v);
	return rc;
}

int tf_reuse_save(struct tf_proj *tp, struct wh_conn *c, struct err *e)
{
	struct tf_reuse *ru = tp->reuse;
	if (!ru || !ru->changes.len)
		return 0;
	int rc = ensure_table(tp, c, e);
	if (!rc)
		rc = wh_begin(c, e);
	/* SAVE_CHUNK changes per statement: one statement per row made the
	 * save of a 8,000-node build cost 16,000 prepared statements (6 s
	 * on DuckDB, as long as building the nodes; on ClickHouse each
	 * DELETE is a mutation) */
	/* a node recorded twice in one run (built, then failed): the last
	 * record wins, as one statement per record had it */
	struct strmap seen = STRMAP_INIT;
	struct rchange *last = xcalloc(ru->changes.len, sizeof(*last));
	size_t nl = ru->changes.len;
	for (size_t i = ru->changes.len; i-- > 0;) {
		struct rchange *ch = &ru->changes.items[i];
		char *k = xasprintf("%s\x1f%s", ch->uid, ch->rel);
		if (!strmap_get(&seen, k)) {
			strmap_put(&seen, k, ch);
			last[--nl] = *ch;
		}
		free(k);
	}
	strmap_free(&seen, NULL);
	for (size_t i = nl; !rc && i < ru->changes.len; i += SAVE_CHUNK)
		rc = save_chunk(c, last + i,
				ru->changes.len - i < SAVE_CHUNK ? ru->changes.len - i : SAVE_CHUNK, e);
	free(last);
	if (!rc)
		rc = wh_commit(c, e);
	if (rc) {
		struct err ig = ERR_INIT;
		wh_rollback(c, &ig);
		err_clear(&ig);
		err_prefix(e, "recording the build state in _ingot.build_state (the next build "
			      "builds these nodes again)");
	}
	return rc;
}

int transform_forget_state(struct wh_conn *c, struct err *e)
{
	enum wh_rel_kind kind = WH_REL_NONE;
	int rc = wh_relation_kind(c, "_ingot", "build_state", &kind, e);
	if (!rc && kind != WH_REL_NONE)
		rc = wh_exec(c, "DELETE FROM _ingot.build_state", e);
	return rc;
}
