/*
 * infra/apply.c — running a plan, and the state file that remembers what
 * ingot manages.
 *
 * Each action's statements run in one transaction, in plan order, so an
 * action is all or nothing and a failure midway leaves the earlier actions
 * applied: the next plan, read from the world, shows exactly what is left.
 * A user's password is read from its environment variable at apply time
 * and sent as ALTER ROLE .. PASSWORD; it is never in the plan, the state,
 * the output or an error message.
 *
 * The state (.ingot/infra-<env>.json) lists the addresses ingot manages
 * and the fingerprint after the last apply. It is written atomically. It
 * is not the truth about the world (the catalog is): it only lets a plan
 * destroy what was removed from platform.yml.
 */
#include "infra/infra.h"

#include "core/fs.h"
#include "core/dtime.h"
#include "core/json.h"
#include "core/mem.h"
#include "warehouse/warehouse.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *env_get(char *const *env, const char *name)
{
	if (!env)
		return getenv(name);
	size_t n = strlen(name);
	for (char *const *p = env; *p; p++)
		if (!strncmp(*p, name, n) && (*p)[n] == '=')
			return *p + n + 1;
	return NULL;
}

static int run_sql(const struct infra_action *x, struct wh_conn *conn, char *const *env,
		   struct err *e)
{
	const char *pw = NULL;
	if (x->password_env && !(pw = env_get(env, x->password_env)))
		return err_set(e, ING_ECONFIG,
			       "%s: the environment variable %s (its password_env) is not set; set "
			       "it and apply again",
			       x->address, x->password_env);
	int rc;
	if ((rc = wh_begin(conn, e)))
		return rc;
	for (size_t i = 0; i < x->nsql && !rc; i++)
		if ((rc = wh_exec(conn, x->sql[i], e)))
			err_prefix(e, "%s: %s", x->address, x->sql[i]);
	if (!rc && pw) {
		struct buf sql = BUF_INIT;
		const char *user = x->address + strcspn(x->address, ".") + 1;
		buf_printf(&sql, "ALTER ROLE \"%s\" PASSWORD '", user); /* a checked name */
		for (const char *q = pw; *q; q++) {
			if (*q == '\'')
				buf_putc(&sql, '\'');
			buf_putc(&sql, *q);
		}
		buf_putc(&sql, '\'');
		struct err pe = {0};
		if ((rc = wh_exec(conn, buf_cstr(&sql), &pe)))
			err_set(e, ING_EDB,
				"%s: setting the password from $%s failed (the engine's message is "
				"not shown: it would hold the password)",
				x->address, x->password_env);
		err_clear(&pe);
		/* the statement held the password: wipe it */
		if (sql.data)
			memset(sql.data, 0, sql.cap);
		buf_free(&sql);
	}
	if (!rc)
		rc = wh_commit(conn, e);
	else
		wh_rollback(conn, NULL);
	return rc;
}

int infra_apply(const struct infra_plan *p, struct wh_conn *conn, char *const *env,
		struct buf *progress, struct err *e)
{
	for (size_t i = 0; i < p->nactions; i++) {
		const struct infra_action *x = &p->actions[i];
		int rc = 0;
		if (x->mkdir)
			rc = fs_mkdir_p(x->mkdir, e);
		else if (x->rmdir)
			rc = fs_remove_tree(x->rmdir, e);
		if (!rc && (x->nsql || x->password_env)) {
			if (!conn)
				rc = err_set(e, ING_EINVAL, "%s: needs the warehouse", x->address);
			else
				rc = run_sql(x, conn, env, e);
		}
		if (rc) {
			err_prefix(e, "apply stopped at %s (%zu of %zu done; plan again to see what "
				      "is left)",
				   x->address, i, p->nactions);
			return rc;
		}
		buf_printf(progress, "%s: %s\n", x->address,
			   x->op == INFRA_ADD ? "created"
			   : x->op == INFRA_CHANGE ? "changed"
						   : "destroyed");
	}
	return 0;
}

int infra_state_read(const char *path, struct arena *a, const char ***managed, size_t *n,
		     struct err *e)
{
	*managed = NULL;
	*n = 0;
	if (!fs_exists(path))
		return 0;
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root)
		return err_setloc(e, ING_EPARSE, path, je.line, je.column,
				  "the infra state is not valid JSON (%s): restore it, or delete it "
				  "to manage only what platform.yml declares",
				  je.text);
	json_t *res = json_object_get(root, "resources");
	size_t m = json_is_array(res) ? json_array_size(res) : 0;
	const char **v = arena_zalloc(a, (m + 1) * sizeof(char *));
	for (size_t i = 0; i < m; i++) {
		const char *s = json_string_value(json_object_get(json_array_get(res, i), "address"));
		if (s)
			v[(*n)++] = arena_strdup(a, s);
	}
	*managed = v;
	json_decref(root);
	return 0;
}

int infra_state_write(const char *path, const struct infra_spec *s, const struct infra_world *w,
		      const char *env, struct arena *a, struct err *e)
{
	const char **addrs = NULL;
	size_t n = 0;
	infra_spec_addresses(s, w->grants, a, &addrs, &n);
	struct buf out = BUF_INIT;
	struct jw j;
	char ts[40];
	ts_format_iso(now_us(), ts);
	jw_init(&j, &out, true);
	jw_obj_begin(&j);
	jw_key(&j, "format");
	jw_str(&j, "ingot-infra-state/1");
	jw_key(&j, "env");
	jw_str(&j, env);
	jw_key(&j, "engine");
	jw_str(&j, w->engine);
	jw_key(&j, "lake_root");
	jw_str(&j, s->lake_root);
	jw_key(&j, "applied_at");
	jw_str(&j, ts);
	jw_key(&j, "fingerprint");
	jw_str(&j, w->fingerprint);
	jw_key(&j, "resources");
	jw_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		jw_obj_begin(&j);
		jw_key(&j, "address");
		jw_str(&j, addrs[i]);
		jw_obj_end(&j);
	}
	jw_arr_end(&j);
	jw_obj_end(&j);
	buf_putc(&out, '\n');
	char *dir = path_dirname(path);
	int rc = fs_mkdir_p(dir, e);
	free(dir);
	if (!rc)
		rc = fs_write_atomic(path, out.data, out.len, e);
	buf_free(&out);
	return rc;
}
