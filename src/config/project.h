/*
 * config/project.h — a dbt project on disk and the target it runs against.
 *
 * project_load reads <dir>/dbt_project.yml (dbt's format), finds the
 * profile it names in profiles.yml — looked up in --profiles-dir, then
 * $DBT_PROFILES_DIR, then the project directory, then ~/.dbt/, as dbt
 * does — and resolves the target (--target, else the profile's `target:`,
 * else "dev"). With no profiles.yml anywhere, the target is an embedded
 * DuckDB at <project>/warehouse.duckdb, schema "main".
 *
 * Profile values may use {{ env_var('NAME') }} and
 * {{ env_var('NAME', 'default') }}; a missing variable without a default is
 * an error naming the file and line. (The full Jinja engine renders
 * dbt_project.yml configs later, in transform; profiles need only env_var.)
 *
 * Everything hangs off one arena owned by the project: project_free
 * releases it all. The parsed YAML of dbt_project.yml is kept
 * (project->yml) for the config trees (models:, seeds:, vars:) that
 * higher modules interpret.
 *
 * Target keys: each adapter type has its own set (see profile_keys in
 * project.c). A key another dbt adapter defines but this type does not
 * implement (a dbt-duckdb `extensions:`, a `host:` on duckdb) is an error
 * at its file:line:col, since silently ignoring it would run with settings
 * the user did not get; a key no adapter defines is a warning (dbt
 * ignores unknown keys).
 *
 * Passwords: target.password is kept for connecting only; target_describe
 * and every printer show "****".
 */
#ifndef INGOT_CONFIG_PROJECT_H
#define INGOT_CONFIG_PROJECT_H

#include "config/yaml.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/map.h"

#include <stdbool.h>

struct target {
	const char *profile_name; /* profile in profiles.yml (or "default") */
	const char *name;         /* target name: dev, prod, ... */
	const char *type;         /* "duckdb" | "postgres" | "clickhouse" */
	const char *profiles_file; /* where it came from, NULL for the default */
	/* duckdb */
	const char *path;         /* database file, absolute; ":memory:" allowed */
	/* postgres */
	const char *host;
	int port;
	const char *user;
	const char *password;
	const char *dbname;
	const char *sslmode, *sslcert, *sslkey, *sslrootcert;
	int connect_timeout;      /* seconds; 0 = ingot's default (10) */
	int keepalives_idle;      /* seconds; 0 = the system's default */
	int retries;              /* extra connection attempts after a failure */
	int statement_timeout_ms; /* 0 = none; applied to every connection */
	const char *application_name; /* default "ingot" */
	const char *search_path;  /* replaces the default search_path (the schema) */
	const char *role;         /* SET ROLE after connecting, or NULL */
	/* duckdb: `settings:` as name/value pairs (settings[2i], settings[2i+1]) */
	const char **settings;
	size_t nsettings;
	const struct ynode *settings_node; /* for error locations */
	/* duckdb: `extensions:` loaded when the database is opened */
	const char **extensions;
	const struct ynode **extension_nodes;
	size_t nextensions;
	/* clickhouse (also host, port, user, password; path for embedded) */
	bool secure;          /* HTTPS */
	const char *cluster;  /* ON CLUSTER name, or NULL */
	const char *ch_sharding_key; /* Distributed tables' default key ("rand()") */
	const char *ch_shard_ports;  /* "p1,p2": HTTP ports per shard, or NULL */
	const char *ch_mode;  /* "embedded" | "http" */
	/* common */
	const char *schema;   /* default schema */
	const char *database; /* dbt's target.database: duckdb file stem or dbname */
	int threads;
	const char *lake_root; /* absolute; default <project>/lake */
	const struct ynode *node; /* the output's YAML (for extra keys), or NULL */
};

struct project_paths {
	struct ystrlist model, seed, test, macro, snapshot, analysis, docs, asset;
};

struct project {
	struct arena *arena;
	const char *dir;  /* absolute */
	const char *file; /* <dir>/dbt_project.yml */
	const char *name;
	const char *version;
	const char *profile;
	int config_version;
	struct project_paths paths;
	const char *target_path;           /* absolute */
	const char *packages_install_path; /* absolute */
	const char *log_path;              /* absolute; where ingot.log is written
					    * (log-path, default target_path) */
	struct ystrlist clean_targets;
	const struct ynode *yml; /* the whole dbt_project.yml */
	struct target target;
	char *const *env; /* project_opts.env: for env_var() in templates; NULL = the process's */
};

struct project_opts {
	const char *project_dir;  /* NULL = cwd */
	const char *profiles_dir; /* --profiles-dir */
	const char *target;       /* --target */
	const char *lake_root;    /* --lake overrides the target's */
	/* A command handed to the warehouse's owner is resolved against the
	 * client's working directory and environment (env_var(), HOME,
	 * DBT_PROFILES_DIR); NULL: this process's. */
	const char *cwd;
	char *const *env;
};

int project_load(const struct project_opts *o, struct project **out, struct err *e);
void project_free(struct project *p);

/* Resolve just a target (used by project_load, and by tools that have no
 * project): profile name + options. */
int target_resolve(struct arena *a, const char *project_dir, const char *profile,
		   const struct project_opts *o, struct target *t, struct err *e);

/* Render "{{ env_var('X', 'd') }}" occurrences in s; other text verbatim.
 * at is used for error locations. Returns an arena string or NULL. */
const char *config_render_env(struct arena *a, const char *s, const struct ynode *at,
			      struct err *e);

/* A libpq conninfo string for a postgres target (password included: for
 * connecting only, never print it). */
char *target_conninfo(const struct target *t);

#endif
