/*
 * core/semver.h — semantic versions as dbt reads them (packages.yml ranges,
 * require-dbt-version): MAJOR[.MINOR[.PATCH]][-PRE][+BUILD], an optional
 * leading "v"; a pre-release sorts before its release.
 *
 *     struct semver v, c; char op[3];
 *     if (!semver_parse("1.8.0", &v) && !semver_constraint_parse(">=1.3.0", op, &c))
 *         ok = semver_constraint_ok(op, &c, &v);
 */
#ifndef INGOT_CORE_SEMVER_H
#define INGOT_CORE_SEMVER_H

#include <stdbool.h>

struct semver {
	long maj, min, pat;
	char pre[64]; /* "" = a release */
};

/* 0, or -1 when s is not a version. */
int semver_parse(const char *s, struct semver *v);
/* <0, 0, >0 as a sorts before, with or after b. */
int semver_cmp(const struct semver *a, const struct semver *b);
/* One constraint: "1.2.3", "=1.2.3", ">=1.0.0", "<2.0.0", ">1", "<=1.4";
 * op gets "", "=", ">=", "<=", ">" or "<". 0, or -1 when it is not one. */
int semver_constraint_parse(const char *s, char op[3], struct semver *v);
/* Whether v satisfies the constraint (op, c). */
bool semver_constraint_ok(const char *op, const struct semver *c, const struct semver *v);

#endif
