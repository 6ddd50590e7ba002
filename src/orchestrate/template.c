/*
 * orchestrate/template.c — render task fields with the run context.
 *
 * Task fields (shell commands, sql, selectors, sensor paths, alert
 * commands) are Jinja templates rendered with the run's values as
 * variables: ds, ds_nodash, ts, logical_date, data_interval_start,
 * data_interval_end, run_id, pipeline, and `params` as a mapping — what
 * Airflow users write ({{ ds }}, {{ params.region }},
 * {{ ds | replace('-', '') }}). As in Airflow (StrictUndefined), printing
 * a name the context lacks is an error naming it, so a typo never runs a
 * command with an empty string in its place.
 *
 * Shell commands are rendered with autoescape: every {{ expression }} is
 * shell-quoted (as Python's shlex.quote: bare when it holds only
 * [A-Za-z0-9@%+=:,./_-], else in single quotes), so a param such as
 * `x; touch PWNED` is one argument, never a second command. `| safe`
 * inserts the raw text when the author asks for it; `| shell_quote`
 * quotes explicitly (in any field) and is not quoted twice. The template's
 * own text is never touched. Rejected: quoting the values of params before
 * rendering — a filter or a slice (`params.x[1:]`) could then cut a quote
 * open; escaping at output, as Jinja2's autoescape does, cannot be undone
 * by what the expression does.
 *
 * A field without template syntax is copied as is, without building an
 * engine: most fields are plain and this runs once per task start.
 */
#include "orchestrate/orchestrate.h"
#include "core/buf.h"
#include "jinja/jinja.h"

#include <string.h>

static bool shell_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("@%+=:,./_-", c) != NULL;
}

int orch_shell_quote(struct buf *out, const char *s, size_t n)
{
	bool plain = n > 0;
	for (size_t i = 0; i < n && plain; i++)
		plain = s[i] && shell_plain((unsigned char)s[i]);
	if (plain)
		return buf_add(out, s, n);
	int rc = buf_putc(out, '\'');
	for (size_t i = 0; i < n && !rc; i++)
		rc = s[i] == '\'' ? buf_puts(out, "'\"'\"'") : buf_putc(out, s[i]);
	return rc ? rc : buf_putc(out, '\'');
}

static int f_shell_quote(const struct jinja_call *c, struct jinja_value *ret)
{
	struct arena *a = jinja_rt_arena(c->rt);
	struct buf text = BUF_INIT, q = BUF_INIT;
	if (c->nargs && c->args[0].type == JINJA_UNDEFINED)
		return jinja_rt_error(c->rt, ING_EINVAL, "'%s' is undefined",
				      c->args[0].u.s ? c->args[0].u.s : "value");
	int rc = c->nargs ? jinja_value_str(c->rt, c->args[0], &text) : 0;
	if (!rc && orch_shell_quote(&q, text.data ? text.data : "", text.len))
		rc = jinja_rt_error(c->rt, ING_ELIMIT, "shell_quote: the value is too long");
	if (!rc)
		*ret = jinja_safe(jinja_str(a, q.data ? q.data : "", q.len));
	buf_free(&text);
	buf_free(&q);
	return rc;
}

static int render(const char *tmpl, const struct orch_vars *ctx, const struct orch_vars *params,
		  bool shell, struct buf *out, struct err *e)
{
	if (!strstr(tmpl, "{{") && !strstr(tmpl, "{%") && !strstr(tmpl, "{#"))
		return buf_puts(out, tmpl) ? err_set(e, ING_ELIMIT, "a task field is too long") : 0;
	struct jinja_env *env = jinja_env_new();
	jinja_env_limits(env)->strict_undefined = true;
	if (shell)
		jinja_env_limits(env)->autoescape = orch_shell_quote;
	jinja_env_add_filter(env, "shell_quote", f_shell_quote, NULL);
	struct arena *a = jinja_env_arena(env);
	struct jinja_value vars = jinja_dict_new(a), pd = jinja_dict_new(a);
	for (size_t i = 0; i < ctx->n; i++)
		jinja_dict_set_str(vars, ctx->keys[i],
				   jinja_str(a, ctx->vals[i], strlen(ctx->vals[i])));
	for (size_t i = 0; params && i < params->n; i++)
		jinja_dict_set_str(pd, params->keys[i],
				   jinja_str(a, params->vals[i], strlen(params->vals[i])));
	jinja_dict_set_str(vars, "params", pd);
	struct jinja_template *t = NULL;
	int rc = jinja_compile(env, shell ? "shell command" : "task field", NULL, tmpl, strlen(tmpl),
			       &t, e);
	if (!rc)
		rc = jinja_render(t, &vars, NULL, out, e);
	jinja_env_free(env);
	return rc;
}

int orch_render(const char *tmpl, const struct orch_vars *ctx, const struct orch_vars *params,
		struct buf *out, struct err *e)
{
	return render(tmpl, ctx, params, false, out, e);
}

int orch_render_shell(const char *tmpl, const struct orch_vars *ctx, const struct orch_vars *params,
		      struct buf *out, struct err *e)
{
	return render(tmpl, ctx, params, true, out, e);
}
