/*
 * core/env.h — environment lookups against a given environment.
 *
 * A command handed to the process that owns the warehouse runs with the
 * client's environment (env_var() in profiles and templates, HOME,
 * DBT_PROFILES_DIR), not the owner's: code that reads a variable on behalf
 * of a command takes the command's environment, an `environ`-style NULL-
 * terminated array, where NULL means this process's own.
 */
#ifndef INGOT_CORE_ENV_H
#define INGOT_CORE_ENV_H

const char *env_get(char *const *env, const char *name);

#endif
