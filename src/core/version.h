/*
 * core/version.h — the one version string, and what this binary was built
 * with.
 *
 * INGOT_VERSION is ingot's own version (banners, `ingot --version`, debug).
 * INGOT_DBT_VERSION is the dbt version ingot is compatible with and reports
 * where dbt reports its own (artifacts' metadata.dbt_version, the build
 * banner, `dbt_version` in Jinja) and checks packages' require-dbt-version
 * against: ingot follows dbt-core 1.10 (microbatch, unit tests, model
 * versions, manifest v12), so it reports that line's patch release.
 * Nothing else spells either literal: change them here.
 *
 * Features are the optional libraries, each chosen at build time by a
 * WITH_* switch of the Makefile (which defines HAVE_*). Every feature is
 * listed, compiled in or not, so messages can name what is missing and how
 * to get it.
 */
#ifndef INGOT_CORE_VERSION_H
#define INGOT_CORE_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#define INGOT_VERSION "0.1.0"
#define INGOT_DBT_VERSION "1.10.16"

struct ingot_feature {
	const char *name;    /* "postgres", "webhooks", "http" */
	const char *what;    /* "the PostgreSQL warehouse" */
	const char *library; /* the pkg-config module: "libpq" */
	const char *debian;  /* the Debian package: "libpq-dev" */
	const char *with;    /* the Makefile switch: "WITH_PQ" */
	bool built;          /* compiled in */
};

/* Every feature, compiled in or not, in a fixed order; count in *n. */
const struct ingot_feature *ingot_features(size_t *n);
/* The feature called name, or NULL when there is none of that name. */
const struct ingot_feature *ingot_feature(const char *name);
/* Whether the feature called name is compiled in (false for unknown names). */
bool ingot_feature_built(const char *name);
/* Space-separated names of the features compiled in ("postgres webhooks
 * http"), and of those left out ("" when none). Static strings. */
const char *ingot_features_built(void);
const char *ingot_features_missing(void);

#endif
