/*
 * config/sources.c — decode dbt `sources:` blocks (see sources.h).
 *
 * Each level (source, table, column, external, options) is a schema table
 * for yaml_decode, so unknown keys and wrong shapes are reported with the
 * node's file:line:col. Documented dbt keys that ingot does not interpret
 * (quoting, overrides, docs, constraints, ...) are accepted and ignored.
 *
 * Deliberately not here: rendering Jinja inside descriptions or configs
 * (transform does that), and loading (load/). Files are walked with
 * fs_glob, so dot-directories are skipped as dbt skips them.
 */
#include "config/sources.h"
#include "core/buf.h"
#include "core/dtime.h"
#include "core/fs.h"
#include "core/mem.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ---- */

static int set_char(const struct ynode *v, void *dst, struct arena *a, struct err *e,
		    bool allow_empty)
{
	(void)a;
	if (v->type != Y_SCALAR)
		return yerr(e, v, ING_ECONFIG, "expected a single character");
	const char *s = v->str;
	char c;
	if (!strcmp(s, "\\t") || !strcmp(s, "\t") || !str_casecmp(s, "tab"))
		c = '\t';
	else if (!s[0] && allow_empty)
		c = 0;
	else if (strlen(s) == 1 && s[0] != '\n' && s[0] != '\r')
		c = s[0];
	else
		return yerr(e, v, ING_ECONFIG, "expected a single character, not '%s'", s);
	*(char *)dst = c;
	return 0;
}

static int set_delim(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	return set_char(v, dst, a, e, false);
}

static int set_quote(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	return set_char(v, dst, a, e, true);
}

static int set_disposition(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	(void)a;
	const char *s = v->type == Y_SCALAR ? v->str : "";
	enum src_write_disposition *d = dst;
	if (!str_casecmp(s, "truncate") || !str_casecmp(s, "write_truncate"))
		*d = SRC_WRITE_TRUNCATE;
	else if (!str_casecmp(s, "append") || !str_casecmp(s, "write_append"))
		*d = SRC_WRITE_APPEND;
	else
		return yerr(e, v, ING_ECONFIG, "write_disposition must be truncate or append, not '%s'",
			    s);
	return 0;
}

static int set_format(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	(void)dst;
	(void)a;
	if (v->type != Y_SCALAR || str_casecmp(v->str, "csv"))
		return yerr(e, v, ING_ECONFIG, "only CSV files are loaded (format: csv)");
	return 0;
}

/* min_file_age: a duration (core/dtime's syntax: 30s, 5m, 1h, 1d, 250ms,
 * or a number of seconds). */
static int set_age(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	(void)a;
	int64_t d = v->type == Y_SCALAR ? duration_parse(v->str) : -1;
	if (d < 0)
		return yerr(e, v, ING_ECONFIG,
			    "min_file_age must be a duration such as 30s, 5m or 1h, not '%s'",
			    v->type == Y_SCALAR ? v->str : "");
	*(int64_t *)dst = d;
	return 0;
}

#define OF(k, t, f) {k, t, offsetof(struct src_external_options, f), false, NULL, 0}
#define OC(k, f, fn) {k, YF_CUSTOM, offsetof(struct src_external_options, f), false, fn, YS_TEXT}
static const struct yfield options_fields[] = {
	OF("header", YF_BOOL, header),
	OF("skip_leading_rows", YF_INT, skip_leading_rows),
	OC("delimiter", delimiter, set_delim),
	OC("field_delimiter", delimiter, set_delim),
	OC("quote", quote, set_quote),
	OC("escape", escape, set_quote),
	OF("null_marker", YF_STR, null_marker),
	OF("timestamp_format", YF_STR, timestamp_format),
	OF("date_format", YF_STR, date_format),
	OC("write_disposition", write_disposition, set_disposition),
	OF("max_bad_records", YF_INT64, max_bad_records),
	OF("max_record_bytes", YF_INT64, max_record_bytes),
	OF("max_quoted_lines", YF_INT64, max_quoted_lines),
	OF("max_quoted_bytes", YF_INT64, max_quoted_bytes),
	OF("allow_empty", YF_BOOL, allow_empty),
	OF("require_final_newline", YF_BOOL, require_final_newline),
	OC("min_file_age", min_file_age_us, set_age),
	OF("loaded_at_column", YF_STR, loaded_at_column),
	OC("format", header, set_format),
	YF_IGNORED("encoding", YS_TEXT),
	YF_IGNORED("compression", YS_TEXT),
	{0},
};

struct ext_raw {
	const char *location;
	const struct ynode *options;
};

static int set_file_format(const struct ynode *v, void *dst, struct arena *a, struct err *e)
{
	return set_format(v, dst, a, e);
}

static const struct yfield external_fields[] = {
	{"location", YF_STR, offsetof(struct ext_raw, location), true, NULL, 0},
	YF_SHAPED("options", YF_NODE, offsetof(struct ext_raw, options), YS_MAP),
	{"file_format", YF_CUSTOM, 0, false, set_file_format, YS_TEXT},
	YF_IGNORED("partitions", YS_SEQ),
	YF_IGNORED("row_format", YS_TEXT),
	YF_IGNORED("tbl_properties", YS_TEXT),
	{0},
};

static int decode_external(const struct ynode *n, struct arena *a, const struct src_external **out,
			   struct err *e)
{
	struct ext_raw r = {0};
	int rc = yaml_decode(n, external_fields, &r, 0, a, e);
	if (rc)
		return rc;
	const struct ynode *ln = ymap_get(n, "location");
	if (!r.location[0])
		return yerr(e, ln ? ln : n, ING_ECONFIG, "external location is empty");
	/* a location is a glob under the lake root: anything else would
	 * silently match nothing (or files outside the lake) */
	if (r.location[0] == '/')
		return yerr(e, ln ? ln : n, ING_ECONFIG,
			    "external location '%s' is an absolute path; give it relative to the "
			    "lake root (set the root with lake_root in the profile or --lake)",
			    r.location);
	if (strstr(r.location, "{{") || strstr(r.location, "{%") || strstr(r.location, "{#"))
		return yerr(e, ln ? ln : n, ING_ECONFIG,
			    "external location '%s' contains Jinja, which ingot does not render "
			    "in locations; write the glob itself",
			    r.location);
	for (const char *p = r.location; *p;) {
		size_t l = strcspn(p, "/");
		if (l == 2 && p[0] == '.' && p[1] == '.')
			return yerr(e, ln ? ln : n, ING_ECONFIG,
				    "external location '%s' leaves the lake root with '..'; "
				    "locations are globs under the lake root",
				    r.location);
		p += l;
		if (*p)
			p++;
	}
	struct src_external *x = arena_zalloc(a, sizeof(*x));
	x->location = r.location;
	x->node = n;
	struct src_external_options *o = &x->options;
	o->header = true;
	o->skip_leading_rows = -1;
	o->delimiter = ',';
	o->quote = '"';
	o->escape = (char)-1; /* sentinel: unset */
	o->max_bad_records = 0;
	o->max_record_bytes = SRC_DEFAULT_MAX_RECORD_BYTES;
	o->require_final_newline = true;
	if (r.options && (rc = yaml_decode(r.options, options_fields, o, 0, a, e)))
		return rc;
	if (o->escape == (char)-1)
		o->escape = o->quote;
	if (o->skip_leading_rows < -1 || o->max_bad_records < 0)
		return yerr(e, r.options, ING_ECONFIG,
			    "skip_leading_rows and max_bad_records cannot be negative");
	if (o->max_record_bytes < 64 || o->max_record_bytes > (INT64_C(1) << 30))
		return yerr(e, r.options, ING_ECONFIG,
			    "max_record_bytes must be between 64 and 1073741824");
	if (o->max_quoted_lines < 0 || o->max_quoted_lines > 100000000 || o->max_quoted_bytes < 0 ||
	    o->max_quoted_bytes > (INT64_C(1) << 30))
		return yerr(e, r.options, ING_ECONFIG,
			    "max_quoted_lines must be between 1 and 100000000 and max_quoted_bytes "
			    "between 1 and 1073741824 (0 = the default)");
	if (o->delimiter == o->quote)
		return yerr(e, r.options, ING_ECONFIG, "delimiter and quote must differ");
	*out = x;
	return 0;
}

/* ---- columns ---- */

struct col_raw {
	const char *name, *data_type, *description;
	const struct ynode *tests, *data_tests, *meta, *tags, *config;
};

#define CF(k, t, f, shp) {k, t, offsetof(struct col_raw, f), false, NULL, shp}
static const struct yfield column_fields[] = {
	{"name", YF_STR, offsetof(struct col_raw, name), true, NULL, 0},
	CF("data_type", YF_STR, data_type, 0),
	CF("description", YF_STR, description, 0),
	CF("tests", YF_NODE, tests, YS_SEQ),
	CF("data_tests", YF_NODE, data_tests, YS_SEQ),
	CF("meta", YF_NODE, meta, YS_MAP),
	CF("tags", YF_NODE, tags, YS_TEXT | YS_SEQ),
	CF("config", YF_NODE, config, YS_MAP),
	YF_IGNORED("quote", YS_TEXT),
	YF_IGNORED("constraints", YS_SEQ),
	YF_IGNORED("docs", YS_MAP),
	YF_IGNORED("granularity", YS_TEXT),
	{0},
};

/* external.options.loaded_at_column names a column of its own: not empty,
 * not one of the files' columns. */
static int check_loaded_at_column(const struct src_table *t, struct err *e)
{
	const char *lc = t->external->options.loaded_at_column;
	if (!lc)
		return 0;
	const struct ynode *opts = ymap_get(t->external->node, "options");
	const struct ynode *at = opts ? ymap_get(opts, "loaded_at_column") : NULL;
	if (!at)
		at = t->external->node;
	if (!*lc)
		return yerr(e, at, ING_ECONFIG,
			    "loaded_at_column is empty; name the column that gets each row's "
			    "load time (e.g. _ingot_loaded_at), or leave the option out");
	for (size_t i = 0; i < t->ncolumns; i++)
		if (!str_casecmp(t->columns[i].name, lc))
			return yerr(e, at, ING_ECONFIG,
				    "loaded_at_column '%s' is also a column of the files; the load "
				    "time needs a column of its own (e.g. _ingot_loaded_at)",
				    lc);
	return 0;
}

/* ---- tables ---- */

struct table_raw {
	const char *name, *identifier, *description, *loaded_at_field;
	const struct ynode *freshness, *tests, *data_tests, *meta, *tags, *config, *columns,
		*external;
};

#define TF(k, t, f, shp) {k, t, offsetof(struct table_raw, f), false, NULL, shp}
static const struct yfield table_fields[] = {
	{"name", YF_STR, offsetof(struct table_raw, name), true, NULL, 0},
	TF("identifier", YF_STR, identifier, 0),
	TF("description", YF_STR, description, 0),
	TF("loaded_at_field", YF_STR, loaded_at_field, 0),
	TF("freshness", YF_NODE, freshness, YS_MAP),
	TF("tests", YF_NODE, tests, YS_SEQ),
	TF("data_tests", YF_NODE, data_tests, YS_SEQ),
	TF("meta", YF_NODE, meta, YS_MAP),
	TF("tags", YF_NODE, tags, YS_TEXT | YS_SEQ),
	TF("config", YF_NODE, config, YS_MAP),
	TF("columns", YF_NODE, columns, YS_SEQ),
	TF("external", YF_NODE, external, YS_MAP),
	YF_IGNORED("quoting", YS_MAP),
	YF_IGNORED("docs", YS_MAP),
	YF_IGNORED("loaded_at_query", YS_TEXT),
	{0},
};

/* ---- sources ---- */

struct source_raw {
	const char *name, *schema, *database, *loader, *description, *loaded_at_field;
	const struct ynode *freshness, *meta, *tags, *config, *tables;
};

#define SF(k, t, f, shp) {k, t, offsetof(struct source_raw, f), false, NULL, shp}
static const struct yfield source_fields[] = {
	{"name", YF_STR, offsetof(struct source_raw, name), true, NULL, 0},
	SF("schema", YF_STR, schema, 0),
	SF("database", YF_STR, database, 0),
	SF("catalog", YF_STR, database, 0),
	SF("loader", YF_STR, loader, 0),
	SF("description", YF_STR, description, 0),
	SF("loaded_at_field", YF_STR, loaded_at_field, 0),
	SF("freshness", YF_NODE, freshness, YS_MAP),
	SF("meta", YF_NODE, meta, YS_MAP),
	SF("tags", YF_NODE, tags, YS_TEXT | YS_SEQ),
	SF("config", YF_NODE, config, YS_MAP),
	SF("tables", YF_NODE, tables, YS_SEQ),
	YF_IGNORED("quoting", YS_MAP),
	YF_IGNORED("overrides", YS_TEXT),
	YF_IGNORED("docs", YS_MAP),
	YF_IGNORED("loaded_at_query", YS_TEXT),
	YF_IGNORED("enabled", YS_TEXT),
	{0},
};

static int decode_columns(const struct ynode *seq, struct src_table *t, struct arena *a,
			  struct err *e)
{
	if (!seq || seq->type == Y_NULL)
		return 0;
	if (seq->type != Y_SEQ)
		return yerr(e, seq, ING_ECONFIG, "'columns' must be a list");
	t->columns = arena_zalloc(a, (seq->n ? seq->n : 1) * sizeof(struct src_column));
	for (size_t i = 0; i < seq->n; i++) {
		struct col_raw r = {0};
		int rc = yaml_decode(seq->items[i], column_fields, &r, 0, a, e);
		if (rc)
			return rc;
		for (size_t j = 0; j < t->ncolumns; j++)
			if (!strcmp(t->columns[j].name, r.name))
				return yerr(e, seq->items[i], ING_ECONFIG,
					    "column '%s' is declared twice in source table '%s'",
					    r.name, t->name);
		struct src_column *c = &t->columns[t->ncolumns++];
		c->name = r.name;
		c->data_type = r.data_type && r.data_type[0] ? r.data_type : NULL;
		c->description = r.description ? r.description : "";
		c->tests = r.data_tests ? r.data_tests : r.tests;
		c->meta = r.meta;
		c->tags = r.tags;
		c->config = r.config;
		c->node = seq->items[i];
	}
	return 0;
}

static int decode_source(const struct ynode *n, struct source *s, const char *file,
			 struct arena *a, struct err *e)
{
	struct source_raw r = {0};
	int rc = yaml_decode(n, source_fields, &r, 0, a, e);
	if (rc)
		return rc;
	s->name = r.name;
	s->schema = r.schema && r.schema[0] ? r.schema : r.name;
	s->database = r.database && r.database[0] ? r.database : NULL;
	s->loader = r.loader ? r.loader : "";
	s->description = r.description ? r.description : "";
	s->loaded_at_field = r.loaded_at_field;
	s->freshness = r.freshness;
	s->meta = r.meta;
	s->tags = r.tags;
	s->config = r.config;
	s->file = file;
	s->node = n;
	const struct ynode *ts = r.tables;
	if (!ts || ts->type == Y_NULL)
		return 0;
	if (ts->type != Y_SEQ)
		return yerr(e, ts, ING_ECONFIG, "'tables' must be a list");
	s->tables = arena_zalloc(a, (ts->n ? ts->n : 1) * sizeof(struct src_table));
	for (size_t i = 0; i < ts->n; i++) {
		struct table_raw tr = {0};
		if ((rc = yaml_decode(ts->items[i], table_fields, &tr, 0, a, e)))
			return rc;
		for (size_t j = 0; j < s->ntables; j++)
			if (!strcmp(s->tables[j].name, tr.name))
				return yerr(e, ts->items[i], ING_ECONFIG,
					    "table '%s' is declared twice in source '%s'", tr.name,
					    s->name);
		struct src_table *t = &s->tables[s->ntables++];
		t->source = s;
		t->name = tr.name;
		t->identifier = tr.identifier && tr.identifier[0] ? tr.identifier : tr.name;
		t->description = tr.description ? tr.description : "";
		t->loaded_at_field = tr.loaded_at_field ? tr.loaded_at_field : s->loaded_at_field;
		t->freshness = tr.freshness ? tr.freshness : s->freshness;
		/* `freshness: null` on a table turns the source's off (dbt) */
		const struct ynode *fz = ymap_get(ts->items[i], "freshness");
		if (fz && (fz->type == Y_NULL || yscalar_is_null(fz)))
			t->freshness = NULL;
		t->tests = tr.data_tests ? tr.data_tests : tr.tests;
		t->meta = tr.meta;
		t->tags = tr.tags;
		t->config = tr.config;
		t->node = ts->items[i];
		if ((rc = decode_columns(tr.columns, t, a, e)))
			return rc;
		if (tr.external && tr.external->type != Y_NULL &&
		    (rc = decode_external(tr.external, a, &t->external, e)))
			return rc;
		if (t->external && (rc = check_loaded_at_column(t, e)))
			return rc;
	}
	return 0;
}

int sources_add_file(struct source_set *set, const struct ynode *root, struct arena *a,
		     struct err *e)
{
	if (!root || root->type != Y_MAP)
		return 0;
	const struct ynode *seq = ymap_get(root, "sources");
	if (!seq || seq->type == Y_NULL)
		return 0;
	if (seq->type != Y_SEQ)
		return yerr(e, seq, ING_ECONFIG, "'sources' must be a list");
	struct source *grown = arena_zalloc(a, (set->n + seq->n + 1) * sizeof(struct source));
	if (set->n)
		memcpy(grown, set->items, set->n * sizeof(struct source));
	/* tables point back at their source: repoint after the move */
	for (size_t i = 0; i < set->n; i++)
		for (size_t j = 0; j < grown[i].ntables; j++)
			grown[i].tables[j].source = &grown[i];
	set->items = grown;
	for (size_t i = 0; i < seq->n; i++) {
		struct source *s = &set->items[set->n];
		int rc = decode_source(seq->items[i], s, seq->items[i]->file, a, e);
		if (rc)
			return rc;
		for (size_t k = 0; k < set->n; k++) {
			if (strcmp(set->items[k].name, s->name))
				continue;
			for (size_t t = 0; t < s->ntables; t++)
				for (size_t u = 0; u < set->items[k].ntables; u++)
					if (!strcmp(s->tables[t].name, set->items[k].tables[u].name))
						return yerr(e, s->tables[t].node, ING_ECONFIG,
							    "source table '%s.%s' is also declared at %s:%d",
							    s->name, s->tables[t].name,
							    set->items[k].tables[u].node->file,
							    set->items[k].tables[u].node->line);
		}
		set->n++;
	}
	return 0;
}

static int add_dir(struct source_set *set, const char *dir, struct arena *a, struct err *e)
{
	static const char *pats[] = {"**/*.yml", "**/*.yaml"};
	int rc = 0;
	for (size_t p = 0; p < ARRAY_SIZE(pats) && !rc; p++) {
		char **list = NULL;
		size_t n = 0;
		if ((rc = fs_glob(dir, pats[p], &list, &n, e)))
			break;
		for (size_t i = 0; i < n && !rc; i++) {
			char *path = path_join(dir, list[i]);
			struct ynode *root = NULL;
			rc = yaml_load_file(arena_strdup(a, path), a, &root, e);
			if (!rc)
				rc = sources_add_file(set, root, a, e);
			free(path);
		}
		fs_glob_free(list, n);
	}
	return rc;
}

int sources_load(const struct project *p, struct arena *a, struct source_set *out,
		 struct err *e)
{
	struct source_set set = {0};
	for (size_t i = 0; i < p->paths.model.n; i++) {
		char *dir = path_join(p->dir, p->paths.model.items[i]);
		int rc = fs_is_dir(dir) ? add_dir(&set, dir, a, e) : 0;
		free(dir);
		if (rc)
			return rc;
	}
	*out = set;
	return 0;
}

const struct source *sources_find_source(const struct source_set *s, const char *source)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i].name, source))
			return &s->items[i];
	return NULL;
}

const struct src_table *sources_find(const struct source_set *s, const char *source,
				     const char *table)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->items[i].name, source))
			continue;
		for (size_t j = 0; j < s->items[i].ntables; j++)
			if (!strcmp(s->items[i].tables[j].name, table))
				return &s->items[i].tables[j];
	}
	return NULL;
}

size_t sources_count_tables(const struct source_set *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->items[i].ntables;
	return n;
}
