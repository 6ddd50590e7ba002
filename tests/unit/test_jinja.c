/*
 * tests/unit/test_jinja.c — the template engine: the golden corpus
 * (tests/golden/jinja, rendered by Python's Jinja2 into NAME.out/NAME.err)
 * and the host interface: native functions and objects, return(), macro
 * namespaces, calls from C, custom block tags, call blocks into natives,
 * limits and error locations.
 */
#include "test.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/mem.h"
#include "jinja/jinja.h"

#include <stdlib.h>
#include <string.h>

/* Render src with an optional JSON context; returns rc, text in *out. */
static int render(struct jinja_env *env, const char *src, const char *json, struct buf *out, struct err *e)
{
	struct arena *a = arena_new(0);
	struct jinja_value ctx = jinja_undefined();
	struct jinja_template *t;
	int rc = 0;
	if (json && (rc = jinja_value_from_json(a, json, strlen(json), &ctx, e)))
		goto out;
	if ((rc = jinja_compile(env, "test", "test.sql", src, strlen(src), &t, e)))
		goto out;
	struct jinja_render_opts ro = {.arena = a};
	rc = jinja_render(t, json ? &ctx : NULL, &ro, out, e);
out:
	arena_free(a);
	return rc;
}

static void expect(struct jinja_env *env, const char *src, const char *json, const char *want)
{
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	int rc = render(env, src, json, &out, &e);
	if (rc)
		test_fail(__FILE__, __LINE__, "render '%s' failed: %s", src, e.msg ? e.msg : "?");
	else if (strcmp(buf_cstr(&out), want))
		test_fail(__FILE__, __LINE__, "render '%s': got '%s', want '%s'", src, buf_cstr(&out), want);
	buf_free(&out);
	err_clear(&e);
}

static const char *corpus_root(void)
{
	static char path[4096];
	const char *root = getenv("INGOT_ROOT");
	snprintf(path, sizeof(path), "%s/tests/golden/jinja", root ? root : ".");
	return path;
}

TEST(jinja_golden_corpus)
{
	const char *root = corpus_root();
	char **files = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	REQUIRE(fs_glob(root, "**/*.j2", &files, &n, &e) == 0);
	int cases = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		char *base = xstrndup(files[i], strlen(files[i]) - 3);
		char *tpath = xasprintf("%s/%s.j2", root, base), *cpath = xasprintf("%s/%s.json", root, base);
		char *opath = xasprintf("%s/%s.out", root, base), *epath = xasprintf("%s/%s.err", root, base);
		struct buf src = BUF_INIT, ctx = BUF_INIT, want = BUF_INIT, out = BUF_INIT;
		struct err re = ERR_INIT;
		bool has_ctx = fs_exists(cpath), want_err = fs_exists(epath);
		cases++;
		if (fs_read_file(tpath, &src, 0, &re) || (has_ctx && fs_read_file(cpath, &ctx, 0, &re)) ||
		    (!want_err && fs_read_file(opath, &want, 0, &re))) {
			test_fail(__FILE__, __LINE__, "%s: %s", base, re.msg);
			bad++;
		} else {
			struct jinja_env *env = jinja_env_new();
			struct arena *a = arena_new(0);
			struct jinja_value cv = jinja_undefined();
			struct jinja_template *t;
			int rc = has_ctx ? jinja_value_from_json(a, buf_cstr(&ctx), ctx.len, &cv, &re) : 0;
			if (!rc)
				rc = jinja_compile(env, base, tpath, buf_cstr(&src), src.len, &t, &re);
			if (!rc) {
				struct jinja_render_opts ro = {.arena = a};
				rc = jinja_render(t, has_ctx ? &cv : NULL, &ro, &out, &re);
			}
			if (want_err && !rc) {
				test_fail(__FILE__, __LINE__, "%s: expected an error, rendered '%s'", base, buf_cstr(&out));
				bad++;
			} else if (!want_err && rc) {
				test_fail(__FILE__, __LINE__, "%s: failed: %s", base, re.msg);
				bad++;
			} else if (!want_err && (out.len != want.len || memcmp(buf_cstr(&out), buf_cstr(&want), out.len))) {
				test_fail(__FILE__, __LINE__, "%s: got '%s', want '%s'", base, buf_cstr(&out), buf_cstr(&want));
				bad++;
			} else if (want_err && (!re.msg || !re.line)) {
				test_fail(__FILE__, __LINE__, "%s: error without a location", base);
				bad++;
			}
			arena_free(a);
			jinja_env_free(env);
		}
		err_clear(&re);
		buf_free(&src);
		buf_free(&ctx);
		buf_free(&want);
		buf_free(&out);
		free(tpath);
		free(cpath);
		free(opath);
		free(epath);
		free(base);
	}
	fs_glob_free(files, n);
	printf("     jinja golden corpus: %d cases, %d failed\n", cases, bad);
	CHECK(cases >= 300);
}

TEST(jinja_float_repr)
{
	struct jinja_env *env = jinja_env_new();
	expect(env, "{{ 2.0 }} {{ 1/3 }} {{ 1e20 }} {{ 1e16 }} {{ 1234567890123456.0 }} {{ 0.0001 }} {{ 1e-05 }}", NULL,
	       "2.0 0.3333333333333333 1e+20 1e+16 1234567890123456.0 0.0001 1e-05");
	expect(env, "{{ -1.5e-300 }} {{ 5e-324 }} {{ 1.7976931348623157e308 }}", NULL,
	       "-1.5e-300 5e-324 1.7976931348623157e+308");
	jinja_env_free(env);
}

/* ---- a host: ref(), config (callable with .get), this (object) */

struct host {
	int refs;
	struct jinja_value config;
};

static int fn_ref(const struct jinja_call *c, struct jinja_value *ret)
{
	struct host *h = c->user;
	struct jinja_value name;
	if (!jinja_call_arg(c, 0, "name", &name) || name.type != JINJA_STR)
		return jinja_rt_error(c->rt, ING_EINVAL, "ref() needs a model name");
	h->refs++;
	struct buf b = BUF_INIT;
	buf_printf(&b, "\"analytics\".\"%.*s\"", (int)name.len, name.u.s);
	*ret = jinja_str(jinja_rt_arena(c->rt), b.data, b.len);
	buf_free(&b);
	return 0;
}

static int cfg_call(const struct jinja_call *c, struct jinja_value *ret)
{
	struct host *h = c->user;
	for (size_t i = 0; i < c->nkwargs; i++)
		jinja_dict_set_str(h->config, c->kwargs[i].name, c->kwargs[i].value);
	*ret = jinja_str_static("", 0);
	return 0;
}

static int cfg_method(const struct jinja_call *c, const char *name, struct jinja_value *ret)
{
	struct host *h = c->user;
	if (!strcmp(name, "get") || !strcmp(name, "require")) {
		struct jinja_value k;
		if (!jinja_call_arg(c, 0, "name", &k))
			return jinja_rt_error(c->rt, ING_EINVAL, "config.%s() needs a key", name);
		if (jinja_dict_get(h->config, k, ret))
			return 0;
		if (name[0] == 'r')
			return jinja_rt_error(c->rt, ING_EINVAL, "missing config '%.*s'", (int)k.len, k.u.s);
		if (!jinja_call_arg(c, 1, "default", ret))
			*ret = jinja_none();
		return 0;
	}
	return ING_ENOTFOUND;
}

static const struct jinja_obj_ops cfg_ops = {.type_name = "Config", .call = cfg_call, .method = cfg_method};

static int rel_getattr(struct jinja_rt *rt, void *self, const char *name, struct jinja_value *out)
{
	(void)rt;
	(void)self;
	if (!strcmp(name, "schema"))
		*out = jinja_str_static("analytics", 9);
	else if (!strcmp(name, "identifier") || !strcmp(name, "name"))
		*out = jinja_str_static("orders", 6);
	else
		return ING_ENOTFOUND;
	return 0;
}

static int rel_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	(void)self;
	return buf_puts(out, "\"analytics\".\"orders\"");
}

static const struct jinja_obj_ops rel_ops = {.type_name = "Relation", .getattr = rel_getattr, .str = rel_str};

TEST(jinja_host_functions_and_objects)
{
	struct jinja_env *env = jinja_env_new();
	struct arena *ea = jinja_env_arena(env);
	struct host h = {0, jinja_dict_new(ea)};
	jinja_env_set_global(env, "ref", jinja_func(ea, "ref", fn_ref, &h));
	jinja_env_set_global(env, "config", jinja_obj(ea, &cfg_ops, &h));
	jinja_env_set_global(env, "this", jinja_obj(ea, &rel_ops, NULL));
	expect(env, "{{ config(materialized='table') }}select * from {{ ref('stg') }} -- {{ config.get('materialized') }}",
	       NULL, "select * from \"analytics\".\"stg\" -- table");
	CHECK_INT(h.refs, 1);
	expect(env, "{{ config.get('nope', 'dflt') }} {{ this }} {{ this.schema }}.{{ this.identifier }} [{{ this.zz }}]", NULL,
	       "dflt \"analytics\".\"orders\" analytics.orders []");
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK(render(env, "x\n  {{ config.require('missing') }}", NULL, &out, &e) != 0);
	CHECK(e.msg && strstr(e.msg, "missing config 'missing'"));
	CHECK_INT(e.line, 2);
	CHECK_INT(e.col, 6);
	CHECK(e.snippet && strstr(e.snippet, "config.require"));
	err_clear(&e);
	CHECK(render(env, "{{ ref() }}", NULL, &out, &e) != 0);
	CHECK(e.msg && strstr(e.msg, "needs a model name"));
	err_clear(&e);
	buf_free(&out);
	jinja_env_free(env);
}

/* statement('main', fetch_result=True) as a native taking a caller */
static int fn_statement(const struct jinja_call *c, struct jinja_value *ret)
{
	struct buf *log = c->user;
	struct jinja_value sql, fetch;
	if (c->caller.type == JINJA_UNDEFINED)
		return jinja_rt_error(c->rt, ING_EINVAL, "statement() must be used in a call block");
	int rc = jinja_rt_call(c->rt, c->caller, NULL, 0, NULL, 0, jinja_undefined(), &sql);
	if (rc)
		return rc;
	jinja_call_arg(c, 1, "fetch_result", &fetch);
	buf_printf(log, "[%s fetch=%d] %.*s", c->nargs ? jinja_str_cstr(jinja_rt_arena(c->rt), c->args[0]) : "?",
		   jinja_truthy(fetch), (int)sql.len, sql.u.s);
	*ret = jinja_str_static("", 0);
	return 0;
}

TEST(jinja_call_block_into_native)
{
	struct jinja_env *env = jinja_env_new();
	struct buf log = BUF_INIT;
	jinja_env_set_global(env, "statement", jinja_func(jinja_env_arena(env), "statement", fn_statement, &log));
	expect(env, "a{% call statement('main', fetch_result=True) %}select {{ 1 + 1 }}{% endcall %}b", NULL, "ab");
	CHECK_STR(buf_cstr(&log), "[main fetch=1] select 2");
	buf_free(&log);
	jinja_env_free(env);
}

/* jinja_env_set_global_lazy: made on the first lookup only, once, and
 * before a plain global of the same name; the render context still wins */
static struct jinja_value make_big(void *user, struct arena *a)
{
	int *made = user;
	(*made)++;
	struct jinja_value d = jinja_dict_new(a);
	jinja_dict_set_str(d, "n", jinja_int(42));
	return d;
}

TEST(jinja_lazy_global)
{
	struct jinja_env *env = jinja_env_new();
	int made = 0;
	jinja_env_set_global(env, "big", jinja_int(0)); /* the value before it is lazy */
	expect(env, "{{ big }}", NULL, "0");
	jinja_env_set_global_lazy(env, "big", make_big, &made);
	expect(env, "no read: {{ 1 + 1 }}", NULL, "no read: 2");
	CHECK_INT(made, 0);
	expect(env, "{{ big.n }} {{ big['n'] + 1 }}", NULL, "42 43");
	expect(env, "{% macro m() %}{{ big.n }}{% endmacro %}{{ m() }}", NULL, "42");
	CHECK_INT(made, 1);
	expect(env, "{{ big }}", "{\"big\": \"ctx\"}", "ctx");
	CHECK_INT(made, 1);
	jinja_env_free(env);
}

TEST(jinja_return_and_namespaces)
{
	struct jinja_env *env = jinja_env_new();
	struct err e = ERR_INIT;
	jinja_env_set_global(env, "return", jinja_return_func(env));
	const char *pkg = "{% macro star(cols) %}{{ return(cols | join(', ')) }}{% endmacro %}\n"
			  "{% macro default__type_string() %}{{ return('varchar') }}{% endmacro %}";
	const char *proj = "{% macro cents(x) %}({{ x }} / 100){% endmacro %}"
			   "{% macro get_list() %}{% do return([1, 2, 3]) %}never{% endmacro %}";
	CHECK_OK(jinja_env_load_macros(env, "dbt_utils", "utils.sql", "macros/utils.sql", pkg, strlen(pkg), NULL, &e), &e);
	CHECK_OK(jinja_env_load_macros(env, "shop", "m.sql", "macros/m.sql", proj, strlen(proj), NULL, &e), &e);
	jinja_env_namespace(env, "shop", JINJA_NS_GLOBAL);
	jinja_env_namespace(env, "dbt_utils", JINJA_NS_NAMED);
	expect(env, "{{ cents('amount') }} {{ dbt_utils.star(['a', 'b']) }} {{ get_list() | sum }} {{ get_list() }}", NULL,
	       "(amount / 100) a, b 6 [1, 2, 3]");
	/* a package macro calls its siblings by bare name */
	const char *pk2 = "{% macro outer_m() %}<{{ inner_m() }}>{% endmacro %}{% macro inner_m() %}in{% endmacro %}";
	CHECK_OK(jinja_env_load_macros(env, "pkg2", "p.sql", "p.sql", pk2, strlen(pk2), NULL, &e), &e);
	jinja_env_namespace(env, "pkg2", JINJA_NS_NAMED);
	expect(env, "{{ pkg2.outer_m() }} [{{ inner_m is defined }}]", NULL, "<in> [False]");
	/* macros see the calling render's context */
	const char *ctxm = "{% macro tbl() %}{{ schema }}.t{% endmacro %}";
	CHECK_OK(jinja_env_load_macros(env, "shop", "c.sql", "macros/c.sql", ctxm, strlen(ctxm), NULL, &e), &e);
	expect(env, "{{ tbl() }}", "{\"schema\": \"s1\"}", "s1.t");
	/* find and call from C (adapter.dispatch) */
	struct jinja_value m, ret;
	CHECK(jinja_env_find_macro(env, "dbt_utils", "default__type_string", &m));
	CHECK(!jinja_env_find_macro(env, "shop", "default__type_string", &m) || true);
	CHECK(jinja_env_find_macro(env, NULL, "cents", &m));
	CHECK_STR(jinja_macro_name(m), "cents");
	struct arena *a = arena_new(0);
	struct jinja_render_opts ro = {.arena = a};
	struct jinja_value arg = jinja_str_static("price", 5);
	CHECK_OK(jinja_env_call(env, m, NULL, &arg, 1, NULL, 0, &ro, &ret, &e), &e);
	CHECK(ret.type == JINJA_STR && ret.len == 13 && !memcmp(ret.u.s, "(price / 100)", 13));
	REQUIRE(jinja_env_find_macro(env, "dbt_utils", "default__type_string", &m));
	CHECK_OK(jinja_env_call(env, m, NULL, NULL, 0, NULL, 0, &ro, &ret, &e), &e);
	CHECK(ret.type == JINJA_STR && ret.len == 7);
	REQUIRE(jinja_env_find_macro(env, NULL, "get_list", &m));
	CHECK_OK(jinja_env_call(env, m, NULL, NULL, 0, NULL, 0, &ro, &ret, &e), &e);
	CHECK(ret.type == JINJA_LIST && jinja_list_len(ret) == 3);
	arena_free(a);
	err_clear(&e);
	jinja_env_free(env);
}

TEST(jinja_custom_block_tags)
{
	struct jinja_env *env = jinja_env_new();
	struct err e = ERR_INIT;
	CHECK(jinja_env_add_block_tag(env, "for", JINJA_TAG_MACRO) == ING_EINVAL);
	CHECK_OK(jinja_env_add_block_tag(env, "test", JINJA_TAG_MACRO), &e);
	CHECK_OK(jinja_env_add_block_tag(env, "docs", JINJA_TAG_NAMED), &e);
	CHECK_OK(jinja_env_add_block_tag(env, "materialization", JINJA_TAG_NAMED), &e);
	CHECK_OK(jinja_env_add_block_tag(env, "snapshot", JINJA_TAG_NAMED), &e);
	const char *src = "before\n"
			  "{% test not_null(model, column_name) %}select * from {{ model }} where {{ column_name }} is null{% endtest %}\n"
			  "{% docs orders %}Orders, one row per **order**.{% enddocs %}\n"
			  "{% materialization table, adapter='duckdb' %}create table {{ name }}{% endmaterialization %}\n"
			  "{% snapshot snap %}select {{ 1 + 1 }}{% endsnapshot %}after";
	struct jinja_template *t;
	CHECK_OK(jinja_env_load_macros(env, "proj", "blocks.sql", "macros/blocks.sql", src, strlen(src), &t, &e), &e);
	REQUIRE(jinja_template_nblocks(t) == 4);
	const struct jinja_block *b = jinja_template_block(t, 0);
	CHECK_STR(b->tag, "test");
	CHECK_STR(b->name, "not_null");
	jinja_env_define_macro(env, "proj", "test_not_null", b->macro);
	jinja_env_namespace(env, "proj", JINJA_NS_GLOBAL);
	expect(env, "{{ test_not_null('orders', column_name='id') }}", NULL, "select * from orders where id is null");
	b = jinja_template_block(t, 1);
	CHECK_STR(b->tag, "docs");
	CHECK_STR(b->raw, "Orders, one row per **order**.");
	b = jinja_template_block(t, 2);
	CHECK_STR(b->name, "table");
	struct jinja_value ad;
	CHECK(jinja_dict_get_str(b->kwargs, "adapter", &ad) && ad.type == JINJA_STR && ad.len == 6);
	jinja_env_define_macro(env, "proj", "materialization_table_duckdb", b->macro);
	expect(env, "{{ materialization_table_duckdb() }}", "{\"name\": \"t1\"}", "create table t1");
	b = jinja_template_block(t, 3);
	CHECK_STR(b->raw, "select {{ 1 + 1 }}");
	struct buf out = BUF_INIT;
	CHECK_OK(jinja_render(b->body, NULL, NULL, &out, &e), &e);
	CHECK_STR(buf_cstr(&out), "select 2");
	buf_reset(&out);
	/* the blocks render as nothing where they stand */
	CHECK_OK(jinja_render(t, NULL, NULL, &out, &e), &e);
	CHECK_STR(buf_cstr(&out), "before\n\n\n\nafter");
	buf_free(&out);
	CHECK(render(env, "{% test %}{% endtest %}", NULL, &out, &e) != 0);
	CHECK(e.msg && strstr(e.msg, "expected a name"));
	err_clear(&e);
	buf_free(&out);
	jinja_env_free(env);
}

TEST(jinja_limits)
{
	struct jinja_env *env = jinja_env_new();
	struct jinja_limits *lim = jinja_env_limits(env);
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK(render(env, "{{ range(100001)|length }}", NULL, &out, &e) == ING_ELIMIT);
	err_clear(&e);
	lim->max_output = 1000;
	CHECK(render(env, "{% for i in range(1000) %}xx{% endfor %}", NULL, &out, &e) == ING_ELIMIT);
	CHECK(out.len == 0);
	err_clear(&e);
	CHECK(render(env, "{{ 'x' * 100000 }}", NULL, &out, &e) == ING_ELIMIT);
	err_clear(&e);
	lim->max_depth = 20;
	CHECK(render(env, "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}", NULL, &out, &e) == ING_ELIMIT);
	CHECK(e.msg && strstr(e.msg, "recursion"));
	err_clear(&e);
	lim->max_iterations = 50;
	CHECK(render(env, "{% for i in range(10) %}{% for j in range(10) %}{% endfor %}{% endfor %}", NULL, &out, &e) ==
	      ING_ELIMIT);
	err_clear(&e);
	/* a capped output buf is respected too */
	struct buf small = {.max = 4};
	lim->max_iterations = 1000;
	CHECK(render(env, "abcdefgh", NULL, &small, &e) != 0);
	err_clear(&e);
	buf_free(&small);
	buf_free(&out);
	jinja_env_free(env);
}

TEST(jinja_syntax_error_location)
{
	struct jinja_env *env = jinja_env_new();
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK(render(env, "ok\n{% for x in y %}\n{{ x }}\n", NULL, &out, &e) == ING_EPARSE);
	CHECK_STR(e.file, "test.sql");
	CHECK(e.msg && strstr(e.msg, "expected 'endfor' or 'else'"));
	err_clear(&e);
	CHECK(render(env, "a\nb {{ 1 + }}", NULL, &out, &e) == ING_EPARSE);
	CHECK_INT(e.line, 2);
	CHECK_INT(e.col, 10);
	CHECK(e.msg && strstr(e.msg, "expected an expression"));
	CHECK_STR(e.snippet, "b {{ 1 + }}");
	err_clear(&e);
	CHECK(render(env, "{% if x %}{% endfor %}", NULL, &out, &e) == ING_EPARSE);
	err_clear(&e);
	buf_free(&out);
	jinja_env_free(env);
}

TEST(jinja_ownership_rules)
{
	struct jinja_env *env = jinja_env_new();
	struct arena *ea = jinja_env_arena(env);
	struct jinja_value glist = jinja_list_new(ea, 2);
	jinja_list_push(glist, jinja_int(1));
	jinja_env_set_global(env, "glist", glist);
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	/* env-owned containers cannot be mutated by a render */
	CHECK(render(env, "{% do glist.append(2) %}", NULL, &out, &e) != 0);
	CHECK(e.msg && strstr(e.msg, "belongs to the environment"));
	err_clear(&e);
	CHECK_INT(jinja_list_len(glist), 1);
	/* but copies can be */
	expect(env, "{% set l = glist.copy() %}{% do l.append(2) %}{{ l }} {{ glist }}", NULL, "[1, 2] [1]");
	/* a value kept past its render is copied out */
	struct arena *r = arena_new(0), *keep = arena_new(0);
	struct jinja_value d = jinja_dict_new(r), k;
	jinja_dict_set_str(d, "a", jinja_str(r, "x", 1));
	struct jinja_value c = jinja_value_copy(keep, d);
	arena_free(r);
	CHECK(jinja_dict_get_str(c, "a", &k) && k.type == JINJA_STR && k.len == 1 && k.u.s[0] == 'x');
	arena_free(keep);
	buf_free(&out);
	jinja_env_free(env);
}

TEST(jinja_compile_once_render_many)
{
	struct jinja_env *env = jinja_env_new();
	struct err e = ERR_INIT;
	const char *src = "select {% for c in cols %}{{ c }}{{ ', ' if not loop.last }}{% endfor %} from {{ t }}";
	struct jinja_template *t;
	CHECK_OK(jinja_compile(env, "m", NULL, src, strlen(src), &t, &e), &e);
	CHECK_STR(jinja_template_name(t), "m");
	for (int i = 0; i < 100; i++) {
		struct arena *a = arena_new(0);
		struct jinja_value ctx = jinja_dict_new(a), cols = jinja_list_new(a, 3);
		for (int k = 0; k <= i % 3; k++)
			jinja_list_push(cols, jinja_str(a, k == 0 ? "a" : k == 1 ? "b" : "c", 1));
		jinja_dict_set_str(ctx, "cols", cols);
		jinja_dict_set_str(ctx, "t", jinja_int(i));
		struct buf out = BUF_INIT;
		struct jinja_render_opts ro = {.arena = a};
		CHECK_OK(jinja_render(t, &ctx, &ro, &out, &e), &e);
		if (i == 2)
			CHECK_STR(buf_cstr(&out), "select a, b, c from 2");
		buf_free(&out);
		arena_free(a);
	}
	jinja_env_free(env);
}

/* Inputs the fuzzer (tests/fuzz/fuzz_jinja.c) once crashed on: each must
 * compile and render, or fail cleanly, under the sanitizers. */
TEST(jinja_fuzz_regressions)
{
	char path[4096];
	const char *root = getenv("INGOT_ROOT");
	snprintf(path, sizeof(path), "%s/tests/fuzz/regressions/jinja", root ? root : ".");
	char **files = NULL;
	size_t n = 0;
	struct err e = ERR_INIT;
	REQUIRE(fs_glob(path, "*.j2", &files, &n, &e) == 0);
	CHECK(n >= 3);
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", path, files[i]);
		struct buf src = BUF_INIT, out = BUF_INIT;
		CHECK_OK(fs_read_file(p, &src, 0, &e), &e);
		struct jinja_env *env = jinja_env_new();
		struct jinja_template *t;
		struct err re = ERR_INIT;
		if (!jinja_compile(env, files[i], p, buf_cstr(&src), src.len, &t, &re))
			jinja_render(t, NULL, NULL, &out, &re);
		err_clear(&re);
		jinja_env_free(env);
		buf_free(&src);
		buf_free(&out);
		free(p);
	}
	fs_glob_free(files, n);
}

/* Values nested far deeper than any recursion limit: every walk (print,
 * compare, hash, JSON) must stop with an error or an answer, never crash. */
TEST(jinja_deep_values)
{
	struct jinja_env *env = jinja_env_new();
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	const char *build = "{% set ns = namespace(l=[], t=()) %}"
			    "{% for i in range(50000) %}{% set ns.l = [ns.l] %}{% set ns.t = (ns.t,) %}{% endfor %}";
	char *src = xasprintf("%s{{ ns.l == ns.l }} {{ ns.l < ns.l }}", build);
	CHECK(render(env, src, NULL, &out, &e) != 0); /* '<' on lists too deep: an error */
	err_clear(&e);
	free(src);
	src = xasprintf("%s{{ ns.l == ns.l }} {{ ns.l in [ns.l] }} {{ {ns.t: 1}|length }}", build);
	buf_reset(&out);
	CHECK(render(env, src, NULL, &out, &e) != 0); /* an unhashable (too deep) key */
	err_clear(&e);
	free(src);
	src = xasprintf("%s{{ ns.l == ns.l }}", build);
	buf_reset(&out);
	CHECK_OK(render(env, src, NULL, &out, &e), &e);
	CHECK_STR(buf_cstr(&out), "False"); /* too deep to compare: unequal */
	free(src);
	src = xasprintf("%s{{ ns.l }}", build);
	CHECK(render(env, src, NULL, &out, &e) != 0);
	err_clear(&e);
	free(src);
	src = xasprintf("%s{{ ns.l|tojson }}", build);
	CHECK(render(env, src, NULL, &out, &e) != 0);
	err_clear(&e);
	free(src);
	buf_free(&out);
	jinja_env_free(env);
}

/* Host objects that behave as values: a mapping, hashable and equal by
 * content, ordered, with + and - (what dbt's Relation and datetime need). */
struct num_obj {
	int64_t v;
};
static const struct jinja_obj_ops num_ops;
static struct jinja_value num_new(struct arena *a, int64_t v)
{
	struct num_obj *n = arena_alloc(a, sizeof(*n));
	n->v = v;
	return jinja_obj(a, &num_ops, n);
}
static uint64_t num_hash(void *self) { return (uint64_t)((struct num_obj *)self)->v * 2654435761u; }
static bool num_eq(void *a, void *b) { return ((struct num_obj *)a)->v == ((struct num_obj *)b)->v; }
static int num_cmp(void *a, void *b)
{
	int64_t x = ((struct num_obj *)a)->v, y = ((struct num_obj *)b)->v;
	return (x > y) - (x < y);
}
static int num_str(struct jinja_rt *rt, void *self, struct buf *out)
{
	(void)rt;
	return buf_printf(out, "N%lld", (long long)((struct num_obj *)self)->v) < 0 ? ING_ENOMEM : 0;
}
static int num_binop(struct jinja_rt *rt, int op, struct jinja_value a, struct jinja_value b,
		     struct jinja_value *out)
{
	struct num_obj *x = jinja_obj_user(a, &num_ops);
	if (!x || b.type != JINJA_INT)
		return ING_ENOTFOUND;
	*out = num_new(jinja_rt_arena(rt), op == JINJA_OP_ADD ? x->v + b.u.i : x->v - b.u.i);
	return 0;
}
static int num_getitem(struct jinja_rt *rt, void *self, struct jinja_value key, struct jinja_value *out)
{
	(void)rt;
	if (key.type != JINJA_STR || key.len != 1 || key.u.s[0] != 'v')
		return ING_ENOTFOUND;
	*out = jinja_int(((struct num_obj *)self)->v);
	return 0;
}
static int mk_num(const struct jinja_call *c, struct jinja_value *ret)
{
	*ret = num_new(jinja_rt_arena(c->rt), c->nargs && c->args[0].type == JINJA_INT ? c->args[0].u.i : 0);
	return 0;
}
static const struct jinja_obj_ops num_ops = {
	.type_name = "Num", .str = num_str, .getitem = num_getitem, .flags = JINJA_OBJF_MAPPING,
	.hash = num_hash, .eq = num_eq, .cmp = num_cmp, .binop = num_binop,
};

TEST(jinja_host_objects_as_values)
{
	struct jinja_env *env = jinja_env_new();
	struct arena *ea = jinja_env_arena(env);
	jinja_env_set_global(env, "num", jinja_func(ea, "num", mk_num, NULL));
	expect(env, "{{ num(1) is mapping }} {{ num(1)['v'] }} {{ num(1) == num(1) }} {{ num(1) == num(2) }} {{ num(1) != 1 }}",
	       NULL, "True 1 True False True");
	expect(env, "{% set d = {} %}{% do d.update({num(3): 'x'}) %}{{ d[num(3)] }} {{ num(3) in d }} {{ [num(1), num(1), num(2)] | unique | list | length }}",
	       NULL, "x True 2");
	expect(env, "{{ num(2) < num(5) }} {{ [num(3), num(1), num(2)] | sort | join(',') }} {{ num(5) + 2 }} {{ num(5) - 7 }} {{ [num(4), num(9)] | max }}",
	       NULL, "True N1,N2,N3 N7 N-2 N9");
	struct buf out = BUF_INIT;
	struct err e = ERR_INIT;
	CHECK(render(env, "{{ num(1) + 'x' }}", NULL, &out, &e) != 0); /* not theirs: a type error */
	err_clear(&e);
	CHECK(render(env, "{{ {num(1): 1, [1]: 2} }}", NULL, &out, &e) != 0); /* lists stay unhashable */
	err_clear(&e);
	buf_free(&out);
	jinja_env_free(env);
}
