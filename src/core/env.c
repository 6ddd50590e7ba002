/*
 * core/env.c — environment lookups (see env.h).
 */
#include "core/env.h"

#include <stdlib.h>
#include <string.h>

const char *env_get(char *const *env, const char *name)
{
	if (!env)
		return getenv(name);
	size_t n = strlen(name);
	for (; *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}
