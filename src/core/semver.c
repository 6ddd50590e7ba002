/*
 * core/semver.c — dbt's semantic versions and version constraints (see
 * semver.h). Small enough that a library would cost more than it saves.
 */
#include "core/semver.h"

#include <stdlib.h>
#include <string.h>

int semver_parse(const char *s, struct semver *v)
{
	memset(v, 0, sizeof *v);
	if (*s == 'v' || *s == 'V')
		s++;
	char *end;
	long *parts[3] = {&v->maj, &v->min, &v->pat};
	for (int i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		*parts[i] = strtol(s, &end, 10);
		s = end;
		if (i == 2 || *s != '.')
			break;
		s++;
	}
	if (*s == '-') {
		s++;
		size_t n = strcspn(s, "+");
		if (!n || n >= sizeof v->pre)
			return -1;
		memcpy(v->pre, s, n);
		v->pre[n] = 0;
		s += n;
	}
	if (*s == '+')
		s += strlen(s);
	return *s ? -1 : 0;
}

int semver_cmp(const struct semver *a, const struct semver *b)
{
	if (a->maj != b->maj)
		return a->maj < b->maj ? -1 : 1;
	if (a->min != b->min)
		return a->min < b->min ? -1 : 1;
	if (a->pat != b->pat)
		return a->pat < b->pat ? -1 : 1;
	if (!a->pre[0] || !b->pre[0])
		return !a->pre[0] && !b->pre[0] ? 0 : !a->pre[0] ? 1 : -1;
	return strcmp(a->pre, b->pre) < 0 ? -1 : strcmp(a->pre, b->pre) > 0;
}

int semver_constraint_parse(const char *s, char op[3], struct semver *v)
{
	while (*s == ' ')
		s++;
	size_t k = strspn(s, "<>=");
	if (k > 2)
		return -1;
	memcpy(op, s, k);
	op[k] = 0;
	if (!strcmp(op, "=="))
		strcpy(op, "=");
	s += k;
	while (*s == ' ')
		s++;
	return semver_parse(s, v);
}

bool semver_constraint_ok(const char *op, const struct semver *c, const struct semver *v)
{
	int r = semver_cmp(v, c);
	if (!op[0] || !strcmp(op, "="))
		return r == 0;
	if (!strcmp(op, ">="))
		return r >= 0;
	if (!strcmp(op, "<="))
		return r <= 0;
	if (!strcmp(op, ">"))
		return r > 0;
	if (!strcmp(op, "<"))
		return r < 0;
	return false;
}
