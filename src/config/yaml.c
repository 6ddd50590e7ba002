/*
 * config/yaml.c — libfyaml events → struct ynode trees (see yaml.h).
 *
 * Why events and not libfyaml's document API: its public node API exposes
 * source marks only for scalars, and we want file:line:col for every map
 * and sequence too. Building our own tree from events is short and gives
 * arena allocation for free.
 */
#include "config/yaml.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/map.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "core/vec.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define YAML_MAX_DEPTH 200

struct builder {
	struct fy_parser *fyp;
	struct arena *a;
	const char *file;
	struct strmap anchors;
	struct err *e;
	int depth;
};

int yerr(struct err *e, const struct ynode *at, int code, const char *fmt, ...)
{
	if (!e || e->code)
		return code;
	va_list ap;
	va_start(ap, fmt);
	err_vset(e, code, fmt, ap);
	va_end(ap);
	if (at) {
		e->file = at->file ? xstrdup(at->file) : NULL;
		e->line = at->line;
		e->col = at->col;
	}
	return code;
}

static struct ynode *new_node(struct builder *b, enum ytype t, struct fy_event *ev)
{
	struct ynode *n = arena_zalloc(b->a, sizeof(*n));
	n->type = t;
	n->file = b->file;
	const struct fy_mark *m = fy_event_start_mark(ev);
	if (m) {
		n->line = m->line + 1;
		n->col = m->column + 1;
	}
	return n;
}

static void add_anchor(struct builder *b, struct fy_token *anchor, struct ynode *n)
{
	if (!anchor)
		return;
	size_t len;
	const char *t = fy_token_get_text(anchor, &len);
	if (!t)
		return;
	char *k = xstrndup(t, len);
	strmap_put(&b->anchors, k, n);
	free(k);
}

static int build(struct builder *b, struct fy_event *ev, struct ynode **out);

static void map_set(struct builder *b, struct ynode *m, struct ynode *k, struct ynode *v,
		    size_t *cap, bool override)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->keys[i]->type == Y_SCALAR && k->type == Y_SCALAR &&
		    m->keys[i]->len == k->len && !memcmp(m->keys[i]->str, k->str, k->len)) {
			if (override)
				m->items[i] = v;
			return;
		}
	}
	if (m->n + 1 > *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct ynode **ni = arena_alloc(b->a, nc * sizeof(*ni));
		struct ynode **nk = arena_alloc(b->a, nc * sizeof(*nk));
		if (m->n) {
			memcpy(ni, m->items, m->n * sizeof(*ni));
			memcpy(nk, m->keys, m->n * sizeof(*nk));
		}
		m->items = ni;
		m->keys = nk;
		*cap = nc;
	}
	m->keys[m->n] = k;
	m->items[m->n] = v;
	m->n++;
}

static int next_event(struct builder *b, struct fy_event **ev)
{
	*ev = fy_parser_parse(b->fyp);
	if (!*ev)
		return ING_EPARSE;
	return 0;
}

static int build_map(struct builder *b, struct ynode *m)
{
	size_t cap = 0;
	VEC(struct ynode *) merges = VEC_INIT;
	int rc = 0;
	for (;;) {
		struct fy_event *ev;
		if ((rc = next_event(b, &ev)))
			break;
		if (ev->type == FYET_MAPPING_END) {
			fy_parser_event_free(b->fyp, ev);
			break;
		}
		struct ynode *k = NULL, *v = NULL;
		rc = build(b, ev, &k);
		if (rc)
			break;
		if ((rc = next_event(b, &ev)))
			break;
		rc = build(b, ev, &v);
		if (rc)
			break;
		if (k->type == Y_SCALAR && !k->quoted && k->len == 2 && !memcmp(k->str, "<<", 2)) {
			vec_push(&merges, v);
			continue;
		}
		if (k->type != Y_SCALAR) {
			rc = yerr(b->e, k, ING_EPARSE, "mapping keys must be plain values");
			break;
		}
		for (size_t i = 0; i < m->n; i++)
			if (m->keys[i]->len == k->len && !memcmp(m->keys[i]->str, k->str, k->len)) {
				rc = yerr(b->e, k, ING_EPARSE, "duplicate key '%s' (first at line %d)",
					  k->str, m->keys[i]->line);
				break;
			}
		if (rc)
			break;
		map_set(b, m, k, v, &cap, true);
	}
	/* merge keys: entries from the merged maps that the map lacks */
	for (size_t i = 0; !rc && i < merges.len; i++) {
		struct ynode *src = merges.items[i];
		size_t nsrc = src->type == Y_SEQ ? src->n : 1;
		for (size_t j = 0; j < nsrc; j++) {
			struct ynode *mm = src->type == Y_SEQ ? src->items[j] : src;
			if (mm->type != Y_MAP) {
				rc = yerr(b->e, mm, ING_EPARSE, "a merge key (<<) needs a mapping");
				break;
			}
			for (size_t k = 0; k < mm->n; k++)
				map_set(b, m, mm->keys[k], mm->items[k], &cap, false);
		}
	}
	vec_free(&merges);
	return rc;
}

static int build_seq(struct builder *b, struct ynode *s)
{
	size_t cap = 0;
	for (;;) {
		struct fy_event *ev;
		int rc = next_event(b, &ev);
		if (rc)
			return rc;
		if (ev->type == FYET_SEQUENCE_END) {
			fy_parser_event_free(b->fyp, ev);
			return 0;
		}
		struct ynode *v;
		if ((rc = build(b, ev, &v)))
			return rc;
		if (s->n + 1 > cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct ynode **ni = arena_alloc(b->a, nc * sizeof(*ni));
			if (s->n)
				memcpy(ni, s->items, s->n * sizeof(*ni));
			s->items = ni;
			cap = nc;
		}
		s->items[s->n++] = v;
	}
}

/* Consumes ev. */
static int build(struct builder *b, struct fy_event *ev, struct ynode **out)
{
	int rc = 0;
	struct ynode *n = NULL;
	if (++b->depth > YAML_MAX_DEPTH) {
		fy_parser_event_free(b->fyp, ev);
		b->depth--;
		return err_setloc(b->e, ING_EPARSE, b->file, 0, 0, "YAML nested deeper than %d levels",
				  YAML_MAX_DEPTH);
	}
	switch (ev->type) {
	case FYET_SCALAR: {
		n = new_node(b, Y_SCALAR, ev);
		size_t len = 0;
		const char *t = fy_token_get_text(ev->scalar.value, &len);
		n->str = arena_strndup(b->a, t ? t : "", t ? len : 0);
		n->len = t ? len : 0;
		enum fy_scalar_style st = fy_token_scalar_style(ev->scalar.value);
		n->quoted = st != FYSS_PLAIN && st != FYSS_ANY;
		if (!n->quoted && yscalar_is_null(n))
			n->type = Y_NULL;
		add_anchor(b, ev->scalar.anchor, n);
		fy_parser_event_free(b->fyp, ev);
		break;
	}
	case FYET_ALIAS: {
		size_t len = 0;
		const char *t = fy_token_get_text(ev->alias.anchor, &len);
		char *k = xstrndup(t ? t : "", t ? len : 0);
		n = strmap_get(&b->anchors, k);
		if (!n) {
			struct ynode tmp = {0};
			tmp.file = b->file;
			const struct fy_mark *m = fy_event_start_mark(ev);
			tmp.line = m ? m->line + 1 : 0;
			tmp.col = m ? m->column + 1 : 0;
			rc = yerr(b->e, &tmp, ING_EPARSE, "unknown alias *%s", k);
		}
		free(k);
		fy_parser_event_free(b->fyp, ev);
		break;
	}
	case FYET_MAPPING_START: {
		n = new_node(b, Y_MAP, ev);
		add_anchor(b, ev->mapping_start.anchor, n);
		fy_parser_event_free(b->fyp, ev);
		rc = build_map(b, n);
		break;
	}
	case FYET_SEQUENCE_START: {
		n = new_node(b, Y_SEQ, ev);
		add_anchor(b, ev->sequence_start.anchor, n);
		fy_parser_event_free(b->fyp, ev);
		rc = build_seq(b, n);
		break;
	}
	default:
		fy_parser_event_free(b->fyp, ev);
		rc = err_setloc(b->e, ING_EPARSE, b->file, 0, 0, "unexpected YAML structure");
	}
	b->depth--;
	*out = n;
	return rc;
}

static int report_parse_error(struct builder *b, struct fy_diag *diag)
{
	void *it = NULL;
	struct fy_diag_error *de;
	while ((de = fy_diag_errors_iterate(diag, &it))) {
		if (de->type >= FYET_ERROR)
			return err_setloc(b->e, ING_EPARSE, b->file, de->line + 1, de->column + 1,
					  "invalid YAML: %s", de->msg ? de->msg : "syntax error");
	}
	return err_setloc(b->e, ING_EPARSE, b->file, 0, 0, "invalid YAML");
}

static int load(struct builder *b, struct ynode **root)
{
	int rc = 0;
	struct fy_event *ev;
	*root = NULL;
	while ((ev = fy_parser_parse(b->fyp))) {
		enum fy_event_type t = ev->type;
		if (t == FYET_STREAM_START || t == FYET_DOCUMENT_START) {
			fy_parser_event_free(b->fyp, ev);
			continue;
		}
		if (t == FYET_DOCUMENT_END || t == FYET_STREAM_END) {
			fy_parser_event_free(b->fyp, ev);
			break;
		}
		rc = build(b, ev, root);
		if (rc)
			break;
	}
	return rc;
}

static int run(struct builder *b, const char *path, const char *text, size_t len,
	       struct ynode **root)
{
	struct fy_diag_cfg dcfg;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	dcfg.level = FYET_ERROR;
	struct fy_diag *diag = fy_diag_create(&dcfg);
	fy_diag_set_collect_errors(diag, true);
	struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG, .diag = diag};
	b->fyp = fy_parser_create(&cfg);
	int rc = 0;
	if (!b->fyp) {
		fy_diag_destroy(diag);
		return err_set(b->e, ING_ENOMEM, "cannot create YAML parser");
	}
	if (path)
		rc = fy_parser_set_input_file(b->fyp, path);
	else
		rc = fy_parser_set_string(b->fyp, text, len);
	if (rc) {
		rc = err_set(b->e, ING_EIO, "cannot read %s: %s", b->file, strerror(errno));
	} else {
		rc = load(b, root);
		if (fy_parser_get_stream_error(b->fyp) || fy_diag_got_error(diag)) {
			/* a syntax error: libfyaml's location beats anything recorded */
			struct err tmp = ERR_INIT;
			struct builder bb = *b;
			bb.e = &tmp;
			report_parse_error(&bb, diag);
			if (b->e) {
				err_clear(b->e);
				err_move(b->e, &tmp);
			}
			err_clear(&tmp);
			rc = ING_EPARSE;
		}
	}
	if (!rc && !*root) {
		*root = arena_zalloc(b->a, sizeof(struct ynode));
		(*root)->type = Y_NULL;
		(*root)->file = b->file;
		(*root)->line = 1;
		(*root)->col = 1;
	}
	fy_parser_destroy(b->fyp);
	fy_diag_destroy(diag);
	strmap_free(&b->anchors, NULL);
	return rc;
}

static int check_utf8(struct builder *b, const char *text, size_t len)
{
	size_t bad = utf8_valid_len(text, len);
	if (bad == len)
		return 0;
	int line = 1, col = 1;
	for (size_t i = 0; i < bad; i++) {
		if (text[i] == '\n')
			line++, col = 1;
		else if (((unsigned char)text[i] & 0xC0) != 0x80)
			col++;
	}
	return err_setloc(b->e, ING_EPARSE, b->file, line, col,
			  "invalid UTF-8 (byte 0x%02x): YAML files must be UTF-8; save the file as "
			  "UTF-8",
			  (unsigned char)text[bad]);
}

int yaml_load_file(const char *path, struct arena *a, struct ynode **root, struct err *e)
{
	if (!fs_exists(path))
		return err_set(e, ING_ENOTFOUND, "%s: no such file", path);
	struct builder b = {.a = a, .file = arena_strdup(a, path), .e = e};
	struct buf text = BUF_INIT;
	int rc = fs_read_file(path, &text, 0, e);
	if (!rc)
		rc = check_utf8(&b, text.data ? text.data : "", text.len);
	if (!rc)
		rc = run(&b, NULL, text.data ? text.data : "", text.len, root);
	buf_free(&text);
	return rc;
}

int yaml_load_string(const char *text, size_t len, const char *name, struct arena *a,
		     struct ynode **root, struct err *e)
{
	struct builder b = {.a = a, .file = arena_strdup(a, name ? name : "<string>"), .e = e};
	int rc = check_utf8(&b, text, len);
	return rc ? rc : run(&b, NULL, text, len, root);
}

struct ynode *ymap_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->len == kl && !memcmp(map->keys[i]->str, key, kl))
			return map->items[i];
	return NULL;
}

const char *ymap_str(const struct ynode *map, const char *key)
{
	struct ynode *n = ymap_get(map, key);
	return n && n->type == Y_SCALAR ? n->str : NULL;
}

bool yscalar_is_null(const struct ynode *n)
{
	if (n->type == Y_NULL)
		return true;
	if (n->type != Y_SCALAR || n->quoted)
		return false;
	return !n->len || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

int yscalar_bool(const struct ynode *n, bool *out)
{
	if (n->type != Y_SCALAR || n->quoted)
		return -1;
	static const char *t[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
	static const char *f[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcmp(n->str, t[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(n->str, f[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

int yscalar_int(const struct ynode *n, int64_t *out)
{
	if (n->type != Y_SCALAR || !n->len)
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(n->str, &end, 0);
	if (*end || errno)
		return -1;
	*out = v;
	return 0;
}

int yscalar_double(const struct ynode *n, double *out)
{
	if (n->type != Y_SCALAR || !n->len)
		return -1;
	char *end;
	double v = strtod(n->str, &end);
	if (*end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

static const char *yf_type_name(enum yf_type t)
{
	switch (t) {
	case YF_STR: return "a text value";
	case YF_INT:
	case YF_INT64: return "a whole number";
	case YF_DOUBLE: return "a number";
	case YF_BOOL: return "true or false";
	case YF_STRLIST: return "a value or a list of values";
	default: return "a value";
	}
}

static unsigned field_shape(const struct yfield *f)
{
	if (f->shape)
		return f->shape;
	switch (f->type) {
	case YF_STR:
	case YF_INT:
	case YF_INT64:
	case YF_DOUBLE:
	case YF_BOOL: return YS_TEXT;
	case YF_STRLIST: return YS_TEXT | YS_SEQ;
	default: return YS_ANY;
	}
}

static const char *shape_name(unsigned s)
{
	switch (s & YS_ANY) {
	case YS_TEXT: return "a single value";
	case YS_SEQ: return "a list";
	case YS_MAP: return "a mapping (key: value lines)";
	case YS_TEXT | YS_SEQ: return "a value or a list";
	case YS_TEXT | YS_MAP: return "a value or a mapping";
	case YS_SEQ | YS_MAP: return "a list or a mapping";
	default: return "a value";
	}
}

int yaml_check_shape(const struct ynode *v, const char *key, unsigned shape, struct err *e)
{
	if (!v || v->type == Y_NULL || !shape)
		return 0;
	unsigned have = v->type == Y_SCALAR ? YS_TEXT : v->type == Y_SEQ ? YS_SEQ : YS_MAP;
	if (shape & have)
		return 0;
	if (v->type == Y_SCALAR)
		return yerr(e, v, ING_ECONFIG, "'%s' must be %s, not the value '%.60s'", key,
			    shape_name(shape), v->str);
	return yerr(e, v, ING_ECONFIG, "'%s' must be %s, not %s", key, shape_name(shape),
		    v->type == Y_SEQ ? "a list" : "a mapping");
}

int yaml_decode(const struct ynode *map, const struct yfield *fields, void *dst,
		unsigned flags, struct arena *a, struct err *e)
{
	if (!map || map->type == Y_NULL)
		map = NULL;
	else if (map->type != Y_MAP)
		return yerr(e, map, ING_ECONFIG, "expected a mapping here");
	if (map && !(flags & YDEC_ALLOW_UNKNOWN)) {
		for (size_t i = 0; i < map->n; i++) {
			const char *k = map->keys[i]->str;
			const struct yfield *f = fields;
			while (f->key && strcmp(f->key, k))
				f++;
			if (f->key)
				continue;
			const char *best = NULL;
			int bd = 3;
			for (f = fields; f->key; f++) {
				int d = str_edit_distance(k, f->key);
				if (d < bd) {
					bd = d;
					best = f->key;
				}
			}
			return yerr(e, map->keys[i], ING_ECONFIG, "unknown key '%s'%s%s%s", k,
				    best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
		}
	}
	for (const struct yfield *f = fields; f->key; f++) {
		struct ynode *v = ymap_get(map, f->key);
		if (!v || v->type == Y_NULL) {
			if (f->required)
				return yerr(e, map, ING_ECONFIG, "missing required key '%s'", f->key);
			continue;
		}
		if (yaml_check_shape(v, f->key, field_shape(f), e))
			return ING_ECONFIG;
		char *p = dst ? (char *)dst + f->offset : NULL; /* NULL: only YF_IGNORE fields */
		int bad = 0;
		switch (f->type) {
		case YF_STR:
			if (v->type != Y_SCALAR)
				bad = 1;
			else
				*(const char **)p = v->str;
			break;
		case YF_INT: {
			int64_t x;
			if (yscalar_int(v, &x) || x < -2147483647 || x > 2147483647)
				bad = 1;
			else
				*(int *)p = (int)x;
			break;
		}
		case YF_INT64:
			bad = yscalar_int(v, (int64_t *)p) != 0;
			break;
		case YF_DOUBLE:
			bad = yscalar_double(v, (double *)p) != 0;
			break;
		case YF_BOOL:
			bad = yscalar_bool(v, (bool *)p) != 0;
			break;
		case YF_STRLIST: {
			struct ystrlist *l = (struct ystrlist *)p;
			if (v->type == Y_SCALAR) {
				l->items = arena_alloc(a, sizeof(char *));
				l->items[0] = v->str;
				l->n = 1;
			} else if (v->type == Y_SEQ) {
				l->items = arena_alloc(a, (v->n ? v->n : 1) * sizeof(char *));
				l->n = v->n;
				for (size_t i = 0; i < v->n; i++) {
					if (v->items[i]->type != Y_SCALAR)
						return yerr(e, v->items[i], ING_ECONFIG,
							    "'%s' must list plain values", f->key);
					l->items[i] = v->items[i]->str;
				}
			} else {
				bad = 1;
			}
			break;
		}
		case YF_NODE:
			*(const struct ynode **)p = v;
			break;
		case YF_CUSTOM: {
			int r = f->set(v, p, a, e);
			if (r)
				return r;
			break;
		}
		case YF_IGNORE:
			break;
		}
		if (bad)
			return yerr(e, v, ING_ECONFIG, "'%s' must be %s", f->key, yf_type_name(f->type));
	}
	return 0;
}
