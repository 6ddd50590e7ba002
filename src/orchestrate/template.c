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
 * A field without template syntax is copied as is, without building an
 * engine: most fields are plain and this runs once per task start.
 */
#include "orchestrate/orchestrate.h"
#include "core/buf.h"
#include "jinja/jinja.h"

#include <string.h>

int orch_render(const char *tmpl, const struct orch_vars *ctx, const struct orch_vars *params,
		struct buf *out, struct err *e)
{
	if (!strstr(tmpl, "{{") && !strstr(tmpl, "{%") && !strstr(tmpl, "{#"))
		return buf_puts(out, tmpl) ? err_set(e, ING_ELIMIT, "a task field is too long") : 0;
	struct jinja_env *env = jinja_env_new();
	jinja_env_limits(env)->strict_undefined = true;
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
	int rc = jinja_compile(env, "task field", NULL, tmpl, strlen(tmpl), &t, e);
	if (!rc)
		rc = jinja_render(t, &vars, NULL, out, e);
	jinja_env_free(env);
	return rc;
}
