/*
 * config/properties.h — the shapes of a dbt properties file (a .yml under models/).
 *
 * properties_check walks a properties file (version:, models:, seeds:,
 * snapshots:, analyses:, macros:, exposures:, ...) with schema tables and
 * reports the first key whose value has the wrong shape (a value where a
 * list or mapping belongs, and so on) at its file:line:col. Keys ingot does
 * not know are left alone (dbt adds keys often); `sources:` is decoded, and
 * checked, by config/sources.c. What the entries mean is transform's
 * business (transform/parse.c).
 */
#ifndef INGOT_CONFIG_PROPERTIES_H
#define INGOT_CONFIG_PROPERTIES_H

#include "config/yaml.h"

int properties_check(const struct ynode *root, struct arena *a, struct err *e);

#endif
