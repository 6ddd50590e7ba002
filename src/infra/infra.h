/*
 * infra/infra.h — the platform as code: platform.yml, the actual world,
 * the plan between them, and applying it.
 *
 * Calling sequence (cmd/cmd_infra.c):
 *
 *   infra_spec_load(project, sources)        platform.yml -> struct infra_spec
 *   infra_world_read(spec, root, conn)        introspect folders, schemas,
 *                                             roles, grants -> struct infra_world
 *   infra_plan_make(spec, world, state, mode) the diff as ordered actions
 *   infra_plan_render / infra_plan_save       print it / keep it for apply
 *   infra_apply(plan, conn)                   run the actions in order
 *   infra_state_save                          .ingot/infra-<env>.json
 *
 * The world is read from the engine's catalog and the disk, never from the
 * state file alone: the state only says which resources ingot manages, so
 * that one removed from platform.yml is planned for destruction. A plan
 * carries the fingerprint (SHA-256) of the world it was made against; a
 * saved plan is applied only to that same world.
 *
 * Roles and grants need an engine with WH_CAP_GRANTS; on another engine
 * the plan carries a note instead and manages folders and schemas only.
 *
 * Ownership: everything lives in the arena passed in; free it to free all.
 * Nothing here prints: output goes to the struct buf given.
 */
#ifndef INGOT_INFRA_H
#define INGOT_INFRA_H

#include "config/project.h"
#include "config/sources.h"
#include "config/yaml.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wh_conn;

/* ---- desired state: platform.yml ---- */

struct infra_folder {
	const char *path; /* relative to the lake root; "" = the root */
	const char *why;  /* "source raw.users", "archive", "quarantine", "declared" */
	const struct ynode *node;
};

struct infra_schema {
	const char *name;
	const char *owner; /* a declared role, or NULL: left as it is */
	bool prevent_destroy;
	const struct ynode *node;
};

enum infra_access { INFRA_NONE = 0, INFRA_READ = 1, INFRA_WRITE = 2 };

struct infra_role {
	const char *name;
	struct ystrlist read, write; /* schema names */
	bool admin;                  /* write on every schema */
	const struct ynode *node;
};

struct infra_user {
	const char *name;
	const char *role;
	const char *password_env; /* NULL: the user has no password (peer/cert auth) */
	const struct ynode *node;
};

struct infra_spec {
	const char *file; /* absolute path of platform.yml */
	/* lake */
	const char *lake_root; /* absolute */
	struct infra_folder *folders;
	size_t nfolders;
	const char *archive;       /* relative folder, NULL = none */
	int archive_after_days;    /* move loaded files older than this; 0 = never */
	int delete_after_days;     /* delete archived files older than this; 0 = never */
	const char *quarantine;    /* relative folder, NULL = none */
	/* warehouse */
	struct ystrlist environments; /* allowed targets; empty = any */
	const struct ynode *environments_node;
	struct infra_schema *schemas;
	size_t nschemas;
	/* roles */
	struct infra_role *roles;
	size_t nroles;
	struct infra_user *users;
	size_t nusers;
};

/* Read <project>/platform.yml (ING_ENOTFOUND when absent) and check it
 * against the project's sources, for target t (the environment): its lake
 * root is the default, and schema names may hold {{ target.schema }} and
 * {{ target.name }} (dbt names custom schemas <target schema>_<custom>). */
int infra_spec_load(const struct project *p, const struct source_set *src,
		    const struct target *t, struct arena *a, struct infra_spec **out,
		    struct err *e);
/* The access role r has to schema s (admin: write everywhere). */
enum infra_access infra_role_access(const struct infra_role *r, const char *schema);
/* Is env (a target name) one the file allows? Error with did-you-mean if not. */
int infra_spec_check_env(const struct infra_spec *s, const char *env, struct err *e);

/* ---- actual state ---- */

struct infra_acl {           /* one privilege held by a grantee */
	const char *schema;
	const char *grantee;
	const char *priv;    /* "USAGE", "SELECT", ... */
	const char *creator; /* default privileges: the creating role; else NULL */
	int64_t count;       /* tables: how many carry it (owned ones count) */
};

struct infra_world {
	bool grants; /* the engine has roles (WH_CAP_GRANTS) */
	const char *engine;
	/* folders that exist, relative to the lake root */
	const char **folders;
	size_t nfolders;
	/* schemas with their owner (NULL without roles) and relation counts */
	const char **schemas, **owners;
	int64_t *relations;
	size_t nschemas;
	/* roles: name, can login, the roles it is a member of (comma list),
	 * its default role setting (ALTER ROLE .. SET role), or NULL */
	const char **roles, **member_of, **set_role;
	bool *login;
	size_t nroles;
	/* privileges of managed roles */
	struct infra_acl *schema_acl, *table_acl, *default_acl;
	size_t nschema_acl, ntable_acl, ndefault_acl;
	/* users of the spec whose password differs from their password_env
	 * variable (checked against the engine's verifier; never stored) */
	const char **stale_passwords;
	size_t nstale_passwords;
	char fingerprint[65];
};

/* Introspect. conn may be NULL (lake only). Only roles named in the spec or
 * in managed (state) are read in detail. */
int infra_world_read(const struct infra_spec *s, const char *const *managed, size_t nmanaged,
		     struct wh_conn *conn, struct arena *a, struct infra_world **out,
		     struct err *e);

/* ---- plan ---- */

enum infra_op { INFRA_ADD = '+', INFRA_CHANGE = '~', INFRA_DESTROY = '-' };

struct infra_action {
	enum infra_op op;
	const char *address;  /* "schema.bronze", "grant.loader.bronze" */
	const char *summary;  /* one line after the address */
	const char **details; /* "+ usage on schema", ... */
	size_t ndetails;
	const char **sql;     /* statements, in order */
	size_t nsql;
	const char *password_env; /* a user's password is set from it after sql */
	const char *mkdir;        /* a folder to create (absolute) */
	const char *rmdir;        /* an empty folder to remove (absolute) */
};

struct infra_plan {
	const char *env, *engine;
	const char *lake_root;
	char fingerprint[65];
	struct infra_action *actions;
	size_t nactions;
	size_t nadd, nchange, ndestroy;
	const char **notes;
	size_t nnotes;
	const char **errors; /* guarded destroys that were refused */
	size_t nerrors;
};

enum infra_mode { INFRA_PLAN_APPLY, INFRA_PLAN_DESTROY };

struct infra_plan_opts {
	enum infra_mode mode;
	bool force;      /* destroy: ignore prevent_destroy */
	bool force_data; /* destroy: drop schemas and folders that hold data */
	const char *env;
	const char *const *managed; /* addresses from the state file */
	size_t nmanaged;
};

int infra_plan_make(const struct infra_spec *s, const struct infra_world *w,
		    const struct infra_plan_opts *o, struct arena *a, struct infra_plan **out,
		    struct err *e);
/* Terraform-like text; colour with ANSI codes when color. */
void infra_plan_render(const struct infra_plan *p, bool color, struct buf *out);
/* The plan as JSON (no passwords: only the variable names). */
void infra_plan_json(const struct infra_plan *p, struct buf *out);
int infra_plan_parse(const char *json, size_t len, const char *file, struct arena *a,
		     struct infra_plan **out, struct err *e);

/* Run the actions in order; each action's statements in one transaction.
 * progress gets one line per action. Stops at the first failure (what ran
 * stays: the next plan shows the rest). */
int infra_apply(const struct infra_plan *p, struct wh_conn *conn, char *const *env,
		struct buf *progress, struct err *e);

/* ---- state: .ingot/infra-<env>.json ---- */

/* The addresses of the resources the spec declares (for the state). */
void infra_spec_addresses(const struct infra_spec *s, bool grants, struct arena *a,
			  const char ***out, size_t *n);
int infra_state_read(const char *path, struct arena *a, const char ***managed, size_t *n,
		     struct err *e);
int infra_state_write(const char *path, const struct infra_spec *s, const struct infra_world *w,
		      const char *env, struct arena *a, struct err *e);

/* ---- lake lifecycle ---- */

struct infra_lake_opts {
	int64_t now_us;
	bool dry_run;
};
/* Move files of append-mode tables loaded more than archive_after_days ago
 * into the archive (same relative path under it), delete archived files
 * loaded more than delete_after_days ago. Reads _ingot.loaded_files. */
int infra_lake_maintain(const struct infra_spec *s, const struct source_set *src,
			struct wh_conn *conn, const struct infra_lake_opts *o, struct buf *report,
			int *moved, int *deleted, struct err *e);

/* ---- Terraform export ---- */

/* Write main.tf, variables.tf, outputs.tf for provider "google" into dir. */
int infra_export_terraform(const struct infra_spec *s, const struct source_set *src,
			   const char *project_name, const char *dir,
			   struct err *e);

#endif
