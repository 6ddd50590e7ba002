/*
 * platform/catalog.c — the project catalog read API (see catalog.h).
 *
 * Reads dbt's artifacts rather than transform's in-memory project: the
 * artifacts are the stable, documented interface (dbt docs, state
 * comparison and CI tools read the same files), they carry the last
 * results that only exist on disk, and reading them needs no warehouse
 * and no Jinja rendering. The price is freshness, which cat_load handles by
 * re-parsing (transform's compile verb) when a project file is newer than
 * the manifest.
 *
 * Deliberately not here: running anything in the warehouse beyond
 * introspection and count(*) on tables; merging results across several
 * runs (target/ keeps the latest run; older ones are history's business).
 */
#include "platform/catalog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/vec.h"
#include "transform/transform.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const struct {
	enum cat_type t;
	const char *name;
} type_names[] = {
	{CAT_SOURCE, "source"}, {CAT_MODEL, "model"},       {CAT_SEED, "seed"},
	{CAT_SNAPSHOT, "snapshot"}, {CAT_EXPOSURE, "exposure"}, {CAT_ANALYSIS, "analysis"},
	{CAT_TEST, "test"},     {CAT_OTHER, "other"},
};

const char *cat_type_name(enum cat_type t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].t == t)
			return type_names[i].name;
	return "other";
}

/* The order ties are broken in (sources first: lineage reads left to right). */
static int type_order(enum cat_type t)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].t == t)
			return (int)i;
	return 99;
}

int cat_types_parse(const char *list, unsigned *out, struct err *e)
{
	*out = 0;
	const char *p = list ? list : "";
	while (*p) {
		size_t n = strcspn(p, " ,");
		if (n) {
			unsigned bit = 0;
			for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
				if (strlen(type_names[i].name) == n && !strncmp(p, type_names[i].name, n))
					bit = type_names[i].t;
			if (!bit) {
				*out = 0;
				return err_set(e, ING_EINVAL,
					       "unknown resource type '%.*s': use source, model, seed, "
					       "snapshot, test, exposure or analysis",
					       (int)n, p);
			}
			*out |= bit;
		}
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

static enum cat_type type_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (!strcmp(s, type_names[i].name))
			return type_names[i].t;
	return CAT_OTHER;
}

/* ---- reading the artifacts ---- */

struct loader {
	struct catalog *cat;
	struct arena *a;
	struct strmap *idx;
	const char *target;
};

static const char *jstr(struct arena *a, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? arena_strdup(a, s) : NULL;
}

static json_t *read_json(const char *path, bool required, struct err *e)
{
	if (!fs_exists(path)) {
		if (required)
			err_set(e, ING_ENOTFOUND, "%s does not exist", path);
		return NULL;
	}
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (!j)
		err_set(e, ING_EPARSE,
			"%s:%d: %s (a damaged artifact: remove it and run `ingot compile` to "
			"write it again)",
			path, je.line, je.text);
	return j;
}

/* A list of strings -> arena array. */
static const char **str_list(struct arena *a, json_t *arr, size_t *n)
{
	*n = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return NULL;
	const char **v = arena_zalloc(a, (json_array_size(arr) + 1) * sizeof(*v));
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_is_string(x))
			v[(*n)++] = arena_strdup(a, json_string_value(x));
	return v;
}

static void read_columns(struct loader *l, struct cat_node *n, json_t *cols)
{
	size_t cap = json_is_object(cols) ? json_object_size(cols) : 0;
	n->columns = arena_zalloc(l->a, (cap + 1) * sizeof(*n->columns));
	const char *k;
	json_t *c;
	if (!cap)
		return;
	json_object_foreach(cols, k, c)
	{
		struct cat_column *col = &n->columns[n->ncolumns++];
		col->name = jstr(l->a, c, "name");
		if (!col->name)
			col->name = arena_strdup(l->a, k);
		col->description = jstr(l->a, c, "description");
		if (!col->description)
			col->description = "";
		col->data_type = jstr(l->a, c, "data_type");
	}
}

static char *compiled_file(struct loader *l, struct cat_node *n, const char *test_path)
{
	if (!n->package || !n->path)
		return NULL;
	char *rel = n->type == CAT_TEST && n->test_name && test_path
			    ? xasprintf("compiled/%s/%s/%s", n->package, n->path, test_path)
			    : xasprintf("compiled/%s/%s", n->package, n->path);
	char *path = path_join(l->target, rel);
	free(rel);
	struct buf b = BUF_INIT;
	struct err ig = ERR_INIT;
	char *out = NULL;
	if (fs_is_dir(path) || !fs_exists(path) || fs_read_file(path, &b, 64 << 20, &ig) == 0)
		out = b.len ? arena_strndup(l->a, b.data, b.len) : NULL;
	err_clear(&ig);
	buf_free(&b);
	free(path);
	return out;
}

static struct cat_node *add_node(struct loader *l, const char *uid, json_t *o, bool source)
{
	struct cat_node *n = arena_zalloc(l->a, sizeof(*n));
	n->unique_id = arena_strdup(l->a, uid);
	n->type = source ? CAT_SOURCE : type_parse(json_string_value(json_object_get(o, "resource_type")));
	n->name = jstr(l->a, o, "name");
	if (!n->name)
		n->name = n->unique_id;
	n->package = jstr(l->a, o, "package_name");
	n->path = jstr(l->a, o, "original_file_path");
	n->description = jstr(l->a, o, "description");
	if (!n->description)
		n->description = "";
	n->database = jstr(l->a, o, "database");
	n->schema = jstr(l->a, o, "schema");
	n->relation_name = jstr(l->a, o, "relation_name");
	n->row_count = -1;
	n->last.failures = -1;
	if (source) {
		n->source_name = jstr(l->a, o, "source_name");
		n->alias = jstr(l->a, o, "identifier");
		n->label = n->source_name ? arena_printf(l->a, "%s.%s", n->source_name, n->name)
					  : n->name;
	} else {
		n->alias = jstr(l->a, o, "alias");
		n->label = n->name;
		n->materialized = jstr(l->a, json_object_get(o, "config"), "materialized");
		n->raw_sql = jstr(l->a, o, "raw_code");
		if (n->raw_sql && !*n->raw_sql)
			n->raw_sql = NULL;
		n->compiled_sql = jstr(l->a, o, "compiled_code");
		json_t *tm = json_object_get(o, "test_metadata");
		n->test_name = jstr(l->a, tm, "name");
		n->column_name = jstr(l->a, o, "column_name");
		if (!n->compiled_sql && n->type != CAT_SEED && n->type != CAT_EXPOSURE)
			n->compiled_sql = compiled_file(
				l, n, json_string_value(json_object_get(o, "path")));
	}
	n->tags = str_list(l->a, json_object_get(o, "tags"), &n->ntags);
	read_columns(l, n, json_object_get(o, "columns"));
	strmap_put(l->idx, n->unique_id, n);
	return n;
}

static int cmp_node(const void *x, const void *y)
{
	const struct cat_node *const *a = x, *const *b = y;
	return strcmp((*a)->unique_id, (*b)->unique_id);
}

static void push_ptr(struct arena *a, const struct cat_node ***v, size_t *n, const struct cat_node *x)
{
	/* lists are built once: grow in the arena by doubling at powers of 2 */
	if (!(*n & (*n - 1)) || !*n) {
		size_t cap = *n ? *n * 2 : 2;
		const struct cat_node **nv = arena_alloc(a, cap * sizeof(*nv));
		if (*n)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
	}
	(*v)[(*n)++] = x;
}

static void read_edges(struct loader *l, json_t *m)
{
	json_t *pm = json_object_get(m, "parent_map");
	const char *k;
	json_t *parents;
	json_object_foreach(pm, k, parents)
	{
		struct cat_node *child = strmap_get(l->idx, k);
		size_t i;
		json_t *p;
		if (!child)
			continue;
		json_array_foreach(parents, i, p)
		{
			struct cat_node *parent = strmap_get(l->idx, json_string_value(p) ? json_string_value(p) : "");
			if (!parent || parent == child)
				continue;
			push_ptr(l->a, &child->parents, &child->nparents, parent);
			push_ptr(l->a, &parent->children, &parent->nchildren, child);
		}
	}
}

/* Attach each test to what it tests: its attached_node, else its only
 * parent (source tests), and to the column named. */
static void attach_tests(struct loader *l, json_t *nodes)
{
	for (size_t i = 0; i < l->cat->nnodes; i++) {
		struct cat_node *t = l->cat->nodes[i];
		if (t->type != CAT_TEST)
			continue;
		const char *an = json_string_value(
			json_object_get(json_object_get(nodes, t->unique_id), "attached_node"));
		struct cat_node *on = an ? strmap_get(l->idx, an) : NULL;
		if (!on && t->nparents == 1)
			on = (struct cat_node *)t->parents[0];
		if (!on)
			continue;
		t->attached = on;
		push_ptr(l->a, &on->tests, &on->ntests, t);
		for (size_t c = 0; t->column_name && c < on->ncolumns; c++)
			if (!strcasecmp(on->columns[c].name, t->column_name))
				push_ptr(l->a, &on->columns[c].tests, &on->columns[c].ntests, t);
	}
}

static void read_results(struct loader *l, json_t *rr)
{
	l->cat->results_at = jstr(l->a, json_object_get(rr, "metadata"), "generated_at");
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(rr, "results"), i, r)
	{
		const char *uid = json_string_value(json_object_get(r, "unique_id"));
		struct cat_node *n = uid ? strmap_get(l->idx, uid) : NULL;
		if (!n)
			continue;
		n->last.present = true;
		n->last.status = jstr(l->a, r, "status");
		n->last.message = jstr(l->a, r, "message");
		n->last.execution_time = json_number_value(json_object_get(r, "execution_time"));
		json_t *f = json_object_get(r, "failures");
		n->last.failures = json_is_integer(f) ? json_integer_value(f) : -1;
		json_t *timing = json_object_get(r, "timing");
		size_t nt = json_array_size(timing);
		if (nt)
			n->last.completed_at =
				jstr(l->a, json_array_get(timing, nt - 1), "completed_at");
	}
}

static struct cat_column *find_column(struct cat_node *n, const char *name)
{
	for (size_t c = 0; c < n->ncolumns; c++)
		if (!strcasecmp(n->columns[c].name, name))
			return &n->columns[c];
	return NULL;
}

/* Declared columns keep their order; the warehouse's others follow. */
static void merge_column(struct loader *l, struct cat_node *n, const char *name, const char *type,
			 size_t *cap)
{
	struct cat_column *col = find_column(n, name);
	if (!col) {
		if (n->ncolumns + 1 >= *cap) {
			size_t nc = *cap * 2 + 8;
			struct cat_column *v = arena_zalloc(l->a, nc * sizeof(*v));
			memcpy(v, n->columns, n->ncolumns * sizeof(*v));
			n->columns = v;
			*cap = nc;
		}
		col = &n->columns[n->ncolumns++];
		col->name = arena_strdup(l->a, name);
		col->description = "";
	}
	col->wh_type = arena_strdup(l->a, type);
}

static bool has_relation(const struct cat_node *n)
{
	if (n->type != CAT_SOURCE && n->type != CAT_MODEL && n->type != CAT_SEED &&
	    n->type != CAT_SNAPSHOT)
		return false;
	return n->schema && n->alias && !(n->materialized && !strcmp(n->materialized, "ephemeral"));
}

/* catalog.json (docs generate): warehouse types without a warehouse. */
static void read_docs_catalog(struct loader *l, json_t *dc)
{
	for (int pass = 0; pass < 2; pass++) {
		const char *k;
		json_t *o;
		json_object_foreach(json_object_get(dc, pass ? "sources" : "nodes"), k, o)
		{
			struct cat_node *n = strmap_get(l->idx, k);
			if (!n)
				continue;
			const char *ty = json_string_value(json_object_get(json_object_get(o, "metadata"), "type"));
			n->relation_kind = ty && !strcmp(ty, "VIEW") ? "view" : "table";
			size_t cap = n->ncolumns + 1;
			const char *cn;
			json_t *c;
			json_object_foreach(json_object_get(o, "columns"), cn, c)
			{
				const char *t = json_string_value(json_object_get(c, "type"));
				if (t)
					merge_column(l, n, cn, t, &cap);
			}
		}
	}
}

static int introspect(struct loader *l, struct wh_db *db, struct err *e)
{
	struct wh_conn *c = NULL;
	int rc = wh_connect(db, &c, e);
	if (rc)
		return rc;
	struct buf sql = BUF_INIT;
	for (size_t i = 0; i < l->cat->nnodes && !rc; i++) {
		struct cat_node *n = l->cat->nodes[i];
		if (!has_relation(n))
			continue;
		n->introspected = true;
		enum wh_rel_kind k = WH_REL_NONE;
		struct err ig = ERR_INIT;
		if (wh_relation_kind(c, n->schema, n->alias, &k, &ig) || k == WH_REL_NONE) {
			rc = ig.code == ING_ECONNECT ? (err_move(e, &ig), ING_ECONNECT) : 0;
			err_clear(&ig);
			continue;
		}
		n->exists = true;
		n->relation_kind = k == WH_REL_VIEW ? "view" : "table";
		struct wh_column_info *cols = NULL;
		size_t nc = 0;
		if (!wh_list_columns(c, n->schema, n->alias, l->a, &cols, &nc, &ig)) {
			for (size_t j = 0; j < n->ncolumns; j++)
				n->columns[j].wh_type = NULL; /* the live types replace catalog.json's */
			size_t cap = n->ncolumns + 1;
			for (size_t j = 0; j < nc; j++) {
				const char *ty = cols[j].data_type ? cols[j].data_type : "";
				/* PostgreSQL says "numeric" and keeps (p,s) apart */
				if (cols[j].ltype.type == WH_DECIMAL && cols[j].ltype.precision > 0 &&
				    !strchr(ty, '('))
					ty = arena_printf(l->a, "%s(%d,%d)", ty, cols[j].ltype.precision,
							  cols[j].ltype.scale);
				merge_column(l, n, cols[j].name, ty, &cap);
			}
		}
		err_clear(&ig);
		if (k != WH_REL_TABLE)
			continue;
		buf_reset(&sql);
		buf_puts(&sql, "select count(*) from ");
		wh_relation_sql(db, n->schema, n->alias, &sql);
		struct wh_result *r = NULL;
		if (!wh_query(c, buf_cstr(&sql), NULL, 0, &r, &ig) && r->nrows == 1 && r->ncols == 1 &&
		    wh_cell(r, 0, 0)->type == WH_INT64)
			n->row_count = wh_cell(r, 0, 0)->v.i;
		wh_result_free(r);
		err_clear(&ig);
	}
	buf_free(&sql);
	wh_disconnect(c);
	return rc;
}

/* ---- freshness ---- */

static bool ts_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

static bool project_file(const char *name)
{
	static const char *const ext[] = {".sql", ".yml", ".yaml", ".csv", ".md"};
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (str_endswith(name, ext[i]))
			return true;
	return false;
}

/* Is any project file under dir newer than t? (target/, logs and hidden
 * folders are not the project's sources.) */
static bool newer_than(const struct project *p, const char *dir, const struct timespec *t, int depth)
{
	DIR *d = depth < 16 ? opendir(dir) : NULL;
	if (!d)
		return false;
	bool newer = false;
	struct dirent *de;
	while (!newer && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *path = path_join(dir, de->d_name);
		struct stat st;
		if (!stat(path, &st)) {
			if (S_ISDIR(st.st_mode)) {
				if (strcmp(path, p->target_path) && strcmp(path, p->log_path))
					newer = newer_than(p, path, t, depth + 1);
			} else if (project_file(de->d_name)) {
				newer = ts_after(&st.st_mtim, t);
			}
		}
		free(path);
	}
	closedir(d);
	return newer;
}

/* dbt_project.yml, properties, the *-paths folders and installed packages:
 * what a parse reads (not the lake's files, which change on every load). */
static bool project_changed(const struct project *p, const struct timespec *t)
{
	struct stat st;
	if (!stat(p->file, &st) && ts_after(&st.st_mtim, t))
		return true;
	if (p->target.profiles_file && !stat(p->target.profiles_file, &st) &&
	    ts_after(&st.st_mtim, t))
		return true; /* the target's schema and database are in the manifest */
	const struct ystrlist *lists[] = {&p->paths.model,    &p->paths.seed,
					  &p->paths.test,     &p->paths.macro,
					  &p->paths.snapshot, &p->paths.analysis,
					  &p->paths.docs};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (size_t j = 0; j < lists[i]->n; j++) {
			char *dir = path_join(p->dir, lists[i]->items[j]);
			bool newer = newer_than(p, dir, t, 0);
			free(dir);
			if (newer)
				return true;
		}
	return p->packages_install_path && newer_than(p, p->packages_install_path, t, 0);
}

static int fresh_manifest(struct project *p, const char *path, struct err *e)
{
	struct stat st;
	if (!stat(path, &st) && !project_changed(p, &st.st_mtim))
		return 0;
	struct transform_opts o = TRANSFORM_OPTS_INIT;
	o.verb = TF_VERB_COMPILE;
	struct transform_report rep = {0};
	struct err ce = ERR_INIT;
	int rc = transform_invoke(p, NULL, &o, &rep, &ce);
	if (rc == ING_EFAIL && fs_exists(path)) /* some node did not compile: still listed */
		rc = 0;
	if (rc) {
		err_prefix(&ce, "parsing the project for the catalog");
		err_move(e, &ce);
	}
	err_clear(&ce);
	return rc;
}

int cat_load(struct project *p, struct wh_db *db, struct catalog **out, struct err *e)
{
	*out = NULL;
	char *mpath = path_join(p->target_path, "manifest.json");
	char *rpath = path_join(p->target_path, "run_results.json");
	char *cpath = path_join(p->target_path, "catalog.json");
	json_t *m = NULL, *rr = NULL, *dc = NULL;
	struct strmap idx = STRMAP_INIT;
	struct catalog *cat = NULL;
	int rc = fresh_manifest(p, mpath, e);
	if (rc)
		goto out;
	if (!(m = read_json(mpath, true, e))) {
		rc = e->code ? e->code : ING_EIO;
		goto out;
	}
	struct arena *a = arena_new(0);
	cat = arena_zalloc(a, sizeof(*cat));
	cat->arena = a;
	struct loader l = {cat, a, &idx, p->target_path};
	cat->project_name = jstr(a, json_object_get(m, "metadata"), "project_name");
	if (!cat->project_name)
		cat->project_name = arena_strdup(a, p->name);
	cat->generated_at = jstr(a, json_object_get(m, "metadata"), "generated_at");
	json_t *nodes = json_object_get(m, "nodes");
	const char *k;
	json_t *o;
	json_object_foreach(nodes, k, o)
		add_node(&l, k, o, false);
	json_object_foreach(json_object_get(m, "sources"), k, o)
		add_node(&l, k, o, true);
	json_object_foreach(json_object_get(m, "exposures"), k, o)
		add_node(&l, k, o, false);
	cat->nnodes = strmap_count(&idx);
	cat->nodes = arena_zalloc(a, (cat->nnodes + 1) * sizeof(*cat->nodes));
	for (size_t i = 0, j = 0; i < strmap_len(&idx); i++)
		if (strmap_key(&idx, i))
			cat->nodes[j++] = strmap_val(&idx, i);
	qsort(cat->nodes, cat->nnodes, sizeof(*cat->nodes), cmp_node);
	read_edges(&l, m);
	attach_tests(&l, nodes);
	struct err ig = ERR_INIT;
	if ((rr = read_json(rpath, false, &ig)))
		read_results(&l, rr);
	if ((dc = read_json(cpath, false, &ig)))
		read_docs_catalog(&l, dc);
	err_clear(&ig); /* damaged optional artifacts: the catalog without them */
	if (db && (rc = introspect(&l, db, e))) {
		err_prefix(e, "reading the warehouse for the catalog");
		goto out;
	}
	cat->index = xmalloc(sizeof(idx));
	memcpy(cat->index, &idx, sizeof(idx));
	idx = (struct strmap)STRMAP_INIT;
	*out = cat;
	cat = NULL;
out:
	strmap_free(&idx, NULL);
	if (cat)
		arena_free(cat->arena);
	json_decref(m);
	json_decref(rr);
	json_decref(dc);
	free(mpath);
	free(rpath);
	free(cpath);
	return rc;
}

void cat_free(struct catalog *cat)
{
	if (!cat)
		return;
	if (cat->index) {
		strmap_free(cat->index, NULL);
		free(cat->index);
	}
	arena_free(cat->arena);
}

/* ---- queries ---- */

const struct cat_node *cat_node(const struct catalog *cat, const char *unique_id)
{
	return unique_id ? strmap_get(cat->index, unique_id) : NULL;
}

int cat_find(const struct catalog *cat, const char *id_or_name, const struct cat_node **out,
	     struct err *e)
{
	*out = cat_node(cat, id_or_name);
	if (*out)
		return 0;
	const struct cat_node *best = NULL;
	int nbest = 0, best_test = 1;
	struct buf ids = BUF_INIT;
	for (size_t i = 0; i < cat->nnodes; i++) {
		const struct cat_node *n = cat->nodes[i];
		if (strcmp(n->name, id_or_name) && strcmp(n->label, id_or_name))
			continue;
		int is_test = n->type == CAT_TEST;
		if (is_test > best_test)
			continue;
		if (is_test < best_test) {
			best_test = is_test;
			nbest = 0;
			buf_reset(&ids);
		}
		best = n;
		buf_printf(&ids, "%s%s", nbest++ ? ", " : "", n->unique_id);
	}
	int rc = 0;
	if (nbest == 1)
		*out = best;
	else if (nbest > 1)
		rc = err_set(e, ING_EINVAL, "'%s' names %d nodes (%s): give the unique id", id_or_name,
			     nbest, buf_cstr(&ids));
	else
		rc = err_set(e, ING_ENOTFOUND,
			     "no node named '%s' in the catalog of %s: `ingot catalog --search %s` "
			     "lists the near matches",
			     id_or_name, cat->project_name, id_or_name);
	buf_free(&ids);
	return rc;
}

static bool icontains(const char *hay, const char *needle, size_t nn)
{
	for (size_t i = 0; hay[i]; i++)
		if (!strncasecmp(hay + i, needle, nn))
			return true;
	return !nn;
}

static int rank_of(const struct cat_node *n, const char *text, size_t len)
{
	if (!len)
		return 4; /* no text: every node, listed */
	int best = -1;
	const char *names[2] = {n->name, n->label};
	for (int i = 0; i < 2; i++) {
		int r = !strcasecmp(names[i], text)           ? 0
			: !strncasecmp(names[i], text, len)     ? 1
			: icontains(names[i], text, len) ? 2
							    : -1;
		if (r >= 0 && (best < 0 || r < best))
			best = r;
	}
	if (best < 0 && icontains(n->description, text, len))
		best = 3;
	return best;
}

static int cmp_hit(const void *x, const void *y)
{
	const struct cat_hit *a = x, *b = y;
	if (a->rank != b->rank)
		return a->rank - b->rank;
	int ta = type_order(a->node->type), tb = type_order(b->node->type);
	if (ta != tb)
		return ta - tb;
	return strcmp(a->node->unique_id, b->node->unique_id);
}

void cat_search(const struct catalog *cat, const char *text, unsigned types, size_t limit,
		struct cat_hit **hits, size_t *n)
{
	size_t len = text ? strlen(text) : 0;
	struct cat_hit *v = xcalloc(cat->nnodes + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < cat->nnodes; i++) {
		const struct cat_node *nd = cat->nodes[i];
		if (types && !(types & nd->type))
			continue;
		int r = rank_of(nd, text ? text : "", len);
		if (r >= 0) {
			v[k].node = nd;
			v[k++].rank = r;
		}
	}
	qsort(v, k, sizeof(*v), cmp_hit);
	if (limit && k > limit)
		k = limit;
	*hits = v;
	*n = k;
}

static int cmp_lnode(const void *x, const void *y)
{
	const struct cat_lnode *a = x, *b = y;
	if (a->depth != b->depth)
		return a->depth - b->depth;
	return strcmp(a->node->unique_id, b->node->unique_id);
}

int cat_lineage(const struct catalog *cat, const char *unique_id, int up_depth, int down_depth,
		struct cat_lineage *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	const struct cat_node *start = cat_node(cat, unique_id);
	if (!start)
		return err_set(e, ING_ENOTFOUND, "no node '%s' in the catalog", unique_id);
	struct strmap seen = STRMAP_INIT; /* unique_id -> lnode index + 1 */
	VEC(struct cat_lnode) nodes = VEC_INIT;
	VEC(struct cat_edge) edges = VEC_INIT;
	struct cat_lnode s0 = {start, 0};
	vec_push(&nodes, s0);
	strmap_put(&seen, start->unique_id, (void *)(uintptr_t)1);
	/* breadth-first, once upstream and once downstream from the start */
	for (int dir = -1; dir <= 1; dir += 2) {
		int limit = dir < 0 ? up_depth : down_depth;
		VEC(size_t) frontier = VEC_INIT; /* indices into nodes, level by level */
		vec_push(&frontier, (size_t)0);
		size_t lo = 0, hi = 1;
		for (int d = 1; (limit < 0 || d <= limit) && lo < hi; d++) {
			for (size_t f = lo; f < hi; f++) {
				const struct cat_node *cur = nodes.items[frontier.items[f]].node;
				const struct cat_node *const *next = dir < 0 ? cur->parents : cur->children;
				size_t nn = dir < 0 ? cur->nparents : cur->nchildren;
				for (size_t j = 0; j < nn; j++) {
					const struct cat_node *x = next[j];
					if (x->type == CAT_TEST)
						continue;
					struct cat_edge ed = {dir < 0 ? x : cur, dir < 0 ? cur : x};
					vec_push(&edges, ed);
					if (strmap_get(&seen, x->unique_id))
						continue;
					struct cat_lnode ln = {x, dir * d};
					vec_push(&nodes, ln);
					strmap_put(&seen, x->unique_id, (void *)(uintptr_t)nodes.len);
					vec_push(&frontier, nodes.len - 1);
				}
			}
			lo = hi;
			hi = frontier.len;
		}
		vec_free(&frontier);
	}
	strmap_free(&seen, NULL);
	qsort(nodes.items, nodes.len, sizeof(*nodes.items), cmp_lnode);
	out->nodes = nodes.items;
	out->nnodes = nodes.len;
	out->edges = edges.items;
	out->nedges = edges.len;
	return 0;
}

void cat_lineage_free(struct cat_lineage *l)
{
	free(l->nodes);
	free(l->edges);
	memset(l, 0, sizeof(*l));
}

/* ---- JSON ---- */

static void tests_json(struct jw *w, const struct cat_node *const *tests, size_t n)
{
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		const struct cat_node *t = tests[i];
		jw_obj_begin(w);
		jw_key(w, "unique_id");
		jw_str(w, t->unique_id);
		jw_key(w, "name");
		jw_str(w, t->name);
		jw_key(w, "test");
		jw_str(w, t->test_name);
		jw_key(w, "column");
		jw_str(w, t->column_name);
		jw_key(w, "status");
		jw_str(w, t->last.present ? t->last.status : NULL);
		jw_key(w, "failures");
		if (t->last.present && t->last.failures >= 0)
			jw_int(w, t->last.failures);
		else
			jw_null(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void brief_json(struct jw *w, const struct cat_node *n)
{
	jw_key(w, "unique_id");
	jw_str(w, n->unique_id);
	jw_key(w, "resource_type");
	jw_str(w, cat_type_name(n->type));
	jw_key(w, "name");
	jw_str(w, n->label);
}

void cat_node_json(const struct cat_node *n, struct jw *w)
{
	jw_obj_begin(w);
	brief_json(w, n);
	jw_key(w, "package");
	jw_str(w, n->package);
	jw_key(w, "path");
	jw_str(w, n->path);
	jw_key(w, "description");
	jw_str(w, n->description);
	jw_key(w, "materialized");
	jw_str(w, n->materialized);
	jw_key(w, "database");
	jw_str(w, n->database);
	jw_key(w, "schema");
	jw_str(w, n->schema);
	jw_key(w, "alias");
	jw_str(w, n->alias);
	jw_key(w, "relation_name");
	jw_str(w, n->relation_name);
	jw_key(w, "tags");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->ntags; i++)
		jw_str(w, n->tags[i]);
	jw_arr_end(w);
	jw_key(w, "raw_sql");
	jw_str(w, n->raw_sql);
	jw_key(w, "compiled_sql");
	jw_str(w, n->compiled_sql);
	jw_key(w, "columns");
	jw_arr_begin(w);
	for (size_t i = 0; i < n->ncolumns; i++) {
		const struct cat_column *c = &n->columns[i];
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, c->name);
		jw_key(w, "description");
		jw_str(w, c->description);
		jw_key(w, "data_type");
		jw_str(w, c->data_type);
		jw_key(w, "warehouse_type");
		jw_str(w, c->wh_type);
		jw_key(w, "tests");
		tests_json(w, c->tests, c->ntests);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "tests");
	tests_json(w, n->tests, n->ntests);
	if (n->type == CAT_TEST) {
		jw_key(w, "test");
		jw_str(w, n->test_name);
		jw_key(w, "tested_node");
		jw_str(w, n->attached ? n->attached->unique_id : NULL);
		jw_key(w, "tested_column");
		jw_str(w, n->column_name);
	}
	for (int pass = 0; pass < 2; pass++) {
		jw_key(w, pass ? "children" : "parents");
		jw_arr_begin(w);
		size_t k = pass ? n->nchildren : n->nparents;
		for (size_t i = 0; i < k; i++)
			jw_str(w, (pass ? n->children : n->parents)[i]->unique_id);
		jw_arr_end(w);
	}
	jw_key(w, "last_result");
	if (n->last.present) {
		jw_obj_begin(w);
		jw_key(w, "status");
		jw_str(w, n->last.status);
		jw_key(w, "completed_at");
		jw_str(w, n->last.completed_at);
		jw_key(w, "execution_time");
		jw_double(w, n->last.execution_time);
		jw_key(w, "message");
		jw_str(w, n->last.message);
		jw_key(w, "failures");
		if (n->last.failures >= 0)
			jw_int(w, n->last.failures);
		else
			jw_null(w);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "relation_kind");
	jw_str(w, n->relation_kind);
	if (n->introspected) {
		jw_key(w, "exists");
		jw_bool(w, n->exists);
	}
	jw_key(w, "row_count");
	if (n->row_count >= 0)
		jw_int(w, n->row_count);
	else
		jw_null(w);
	jw_obj_end(w);
}

void cat_hits_json(const struct cat_hit *hits, size_t n, struct jw *w)
{
	static const char *const ranks[] = {"exact", "prefix", "name", "description", "listed"};
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(w);
		brief_json(w, hits[i].node);
		jw_key(w, "match");
		jw_str(w, ranks[hits[i].rank]);
		jw_key(w, "description");
		jw_str(w, hits[i].node->description);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void cat_lineage_json(const struct cat_lineage *l, struct jw *w)
{
	jw_obj_begin(w);
	jw_key(w, "nodes");
	jw_arr_begin(w);
	for (size_t i = 0; i < l->nnodes; i++) {
		jw_obj_begin(w);
		brief_json(w, l->nodes[i].node);
		jw_key(w, "depth");
		jw_int(w, l->nodes[i].depth);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "edges");
	jw_arr_begin(w);
	for (size_t i = 0; i < l->nedges; i++) {
		jw_obj_begin(w);
		jw_key(w, "from");
		jw_str(w, l->edges[i].from->unique_id);
		jw_key(w, "to");
		jw_str(w, l->edges[i].to->unique_id);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}
