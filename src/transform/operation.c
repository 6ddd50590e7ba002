/*
 * transform/operation.c — `run-operation`: call one macro with the dbt
 * context, as `dbt run-operation MACRO --args YAML` does.
 *
 * The project is parsed as for any verb; the macro (`name` or
 * `package.name`; a bare name is the root project's macro, else the first
 * package's that defines it, as dbt finds it) is called with --args' mapping as keyword arguments
 * (YAML typed as dbt reads it: numbers, booleans, null, lists, mappings)
 * and execute=True against the warehouse, so run_query, statement blocks
 * and adapter calls run. Its log() calls print as they do in any render;
 * what it returns is discarded, as dbt discards it.
 */
#include "config/yaml.h"
#include "core/buf.h"
#include "core/mem.h"
#include "transform/tf_int.h"
#include "transform/transform.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

void tf__context_finish(struct tf_proj *tp);

static void jinja_str_lit(struct buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch == '\n')
			buf_puts(b, "\\n");
		else if (ch == '\t')
			buf_puts(b, "\\t");
		else if (ch == '\r')
			buf_puts(b, "\\r");
		else
			buf_putc(b, ch);
	}
	buf_putc(b, '"');
}

/* A YAML value as a Jinja literal. */
static void literal(const struct ynode *n, struct buf *b)
{
	if (!n || n->type == Y_NULL || (n->type == Y_SCALAR && yscalar_is_null(n))) {
		buf_puts(b, "none");
	} else if (n->type == Y_SEQ) {
		buf_putc(b, '[');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			literal(n->items[i], b);
		}
		buf_putc(b, ']');
	} else if (n->type == Y_MAP) {
		buf_putc(b, '{');
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				buf_puts(b, ", ");
			jinja_str_lit(b, n->keys[i]->str, n->keys[i]->len);
			buf_puts(b, ": ");
			literal(n->items[i], b);
		}
		buf_putc(b, '}');
	} else {
		bool bv;
		int64_t iv;
		double dv;
		if (n->quoted)
			jinja_str_lit(b, n->str, n->len);
		else if (!yscalar_bool(n, &bv))
			buf_puts(b, bv ? "true" : "false");
		else if (!yscalar_int(n, &iv))
			buf_printf(b, "%lld", (long long)iv);
		else if (!yscalar_double(n, &dv))
			buf_printf(b, "%.17g", dv);
		else
			jinja_str_lit(b, n->str, n->len);
	}
}

static bool ident(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* The macro a call of [pkg.]name reaches: the root project's first, then
 * any package's (NULL when none defines it). */
static const struct tf_macro_info *macro_find(struct tf_proj *tp, const char *pkg, const char *name)
{
	const struct tf_macro_info *any = NULL;
	for (size_t i = 0; i < tp->macros.len; i++) {
		const struct tf_macro_info *m = &tp->macros.items[i];
		if (strcmp(m->name, name) || (pkg && strcmp(m->package, pkg)))
			continue;
		if (!strcmp(m->package, tp->p->name))
			return m;
		if (!any)
			any = m;
	}
	return any;
}

int transform_run_operation(struct project *p, struct wh_db *db, const char *macro,
			    const char *args, const struct transform_opts *o, char **unique_id,
			    struct err *e)
{
	*unique_id = NULL;
	const char *dot = strchr(macro, '.');
	if (dot ? !ident(macro, (size_t)(dot - macro)) || !ident(dot + 1, strlen(dot + 1))
		: !ident(macro, strlen(macro)))
		return err_set(e, ING_EINVAL,
			       "'%s' is not a macro name: write name or package.name", macro);
	struct arena *a = arena_new(0);
	struct buf src = BUF_INIT, out = BUF_INIT;
	struct tf_proj *tp = NULL;
	struct wh_conn *c = NULL;
	int rc = 0;
	struct buf kw = BUF_INIT; /* the keyword arguments */
	if (args && *args) {
		struct ynode *root = NULL;
		if ((rc = yaml_load_string(args, strlen(args), "--args", a, &root, e)))
			goto out;
		if (root->type != Y_MAP && root->type != Y_NULL) {
			rc = err_set(e, ING_EINVAL,
				     "--args must be a YAML mapping of the macro's arguments, such as "
				     "'{name: value}'");
			goto out;
		}
		for (size_t i = 0; root->type == Y_MAP && i < root->n; i++) {
			const struct ynode *k = root->keys[i];
			if (!ident(k->str, k->len)) {
				rc = err_set(e, ING_EINVAL, "--args: '%.*s' is not an argument name",
					     (int)k->len, k->str);
				goto out;
			}
			buf_printf(&kw, "%s%.*s=", i ? ", " : "", (int)k->len, k->str);
			literal(root->items[i], &kw);
		}
	}
	if ((rc = tf_parse(p, db, o, &tp, e)))
		goto out;
	tf__context_finish(tp);
	if (db && (rc = wh_connect(db, &c, e)))
		goto out;
	char *pkg = dot ? xstrndup(macro, (size_t)(dot - macro)) : NULL;
	const char *name = dot ? dot + 1 : macro;
	const struct tf_macro_info *mi = macro_find(tp, pkg, name);
	*unique_id = mi ? xstrdup(mi->unique_id)
			: xasprintf("macro.%s.%s", pkg ? pkg : p->name, name);
	/* as dbt, an unqualified name also finds a package's macro (the root
	 * project's first): call it through its package */
	if (mi && !pkg && strcmp(mi->package, p->name))
		buf_printf(&src, "{%% do %s.%s(%s) %%}", mi->package, name, buf_cstr(&kw));
	else
		buf_printf(&src, "{%% do %s(%s) %%}", macro, buf_cstr(&kw));
	rc = tf_render_string(tp, NULL, "operation", buf_cstr(&src), c, true, &out, e);
	if (rc) {
		if (!mi && !(pkg && !strcmp(pkg, "dbt"))) {
			err_clear(e);
			rc = err_set(e, ING_ENOTFOUND,
				     "dbt could not find a macro with the name '%s' in %s", name,
				     dot ? "that package" : "any package");
		}
		err_prefix(e, "Encountered an error while running operation");
		rc = ING_EFAIL;
	}
	free(pkg);
out:
	wh_disconnect(c);
	tf_proj_free(tp);
	buf_free(&src);
	buf_free(&kw);
	buf_free(&out);
	arena_free(a);
	return rc;
}
