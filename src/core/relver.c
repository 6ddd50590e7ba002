/*
 * core/relver.c — data versions of relations (see relver.h).
 *
 * One mutex over a map "schema.name" (lower, unquoted) -> version, and an
 * atomic clock. Maps are small (the relations one process writes).
 */
#include "core/relver.h"

#include "core/map.h"
#include "core/mem.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct strmap vers = STRMAP_INIT; /* key -> (uintptr_t) version */
static _Atomic uint64_t clock_ = 1, all_ = 1;

uint64_t relver_now(void)
{
	return clock_;
}

/* "schema.name", lower case, quotes dropped, into k (size cap). */
static void key_of(const char *schema, const char *name, char *k, size_t cap)
{
	size_t n = 0;
	for (int part = 0; part < 2; part++) {
		const char *s = part ? name : schema;
		if (!s)
			continue;
		if (part && schema && n + 1 < cap)
			k[n++] = '.';
		for (; *s && n + 1 < cap; s++)
			if (*s != '"' && *s != '`')
				k[n++] = (char)tolower((unsigned char)*s);
	}
	k[n] = 0;
}

void relver_bump(const char *schema, const char *name)
{
	if (!name || !*name)
		return;
	char k[512];
	key_of(schema, name, k, sizeof(k));
	pthread_mutex_lock(&mu);
	uint64_t v = ++clock_;
	strmap_put(&vers, k, (void *)(uintptr_t)v);
	pthread_mutex_unlock(&mu);
}

void relver_bump_all(void)
{
	pthread_mutex_lock(&mu);
	all_ = ++clock_;
	pthread_mutex_unlock(&mu);
}

uint64_t relver_get(const char *schema, const char *name)
{
	char k[512];
	key_of(schema, name ? name : "", k, sizeof(k));
	pthread_mutex_lock(&mu);
	uint64_t v = (uint64_t)(uintptr_t)strmap_get(&vers, k);
	if (v < all_)
		v = all_;
	pthread_mutex_unlock(&mu);
	return v;
}

void relver_bump_text(const char *relation)
{
	if (!relation)
		return;
	/* split on dots outside double quotes; keep the last two parts */
	const char *parts[8];
	size_t lens[8], np = 0;
	const char *p = relation, *start = p;
	bool q = false;
	for (;; p++) {
		if (*p == '"')
			q = !q;
		if ((*p == '.' && !q) || !*p) {
			if (np < 8) {
				parts[np] = start;
				lens[np] = (size_t)(p - start);
				np++;
			}
			start = p + 1;
			if (!*p)
				break;
		}
	}
	if (!np)
		return;
	char *name = xstrndup(parts[np - 1], lens[np - 1]);
	char *schema = np > 1 ? xstrndup(parts[np - 2], lens[np - 2]) : NULL;
	relver_bump(schema, name);
	free(name);
	free(schema);
}

/* ---------------------------------------------------------------- SQL */

static const char *skip_space(const char *s)
{
	for (;;) {
		while (isspace((unsigned char)*s) || *s == '(' || *s == ';')
			s++;
		if (s[0] == '-' && s[1] == '-') {
			while (*s && *s != '\n')
				s++;
		} else if (s[0] == '/' && s[1] == '*') {
			const char *end = strstr(s + 2, "*/");
			s = end ? end + 2 : s + strlen(s);
		} else {
			return s;
		}
	}
}

const char *relver_sql_start(const char *sql)
{
	return skip_space(sql);
}

static bool word_at(const char *s, const char *w)
{
	size_t n = strlen(w);
	return !strncasecmp(s, w, n) && !(isalnum((unsigned char)s[n]) || s[n] == '_');
}

bool relver_sql_writes(const char *sql)
{
	if (!sql)
		return false;
	const char *s = skip_space(sql);
	if (!*s)
		return false;
	static const char *const reads[] = {"select", "with", "show", "describe", "explain",
					    "values", "summarize", "table", NULL};
	bool read = false;
	for (size_t i = 0; reads[i] && !read; i++)
		read = word_at(s, reads[i]);
	if (!read)
		return true;
	/* a read that writes: `with x as (...) insert ...`, `select ... into`,
	 * `create table as` after a comment, a second statement */
	static const char *const writes[] = {"insert", "update", "delete", "merge", "create",
					     "drop", "alter", "truncate", "copy", "grant",
					     "revoke", "into", "call", "attach", "detach",
					     "vacuum", "comment", "refresh", "set", "reset",
					     "load", "install", "checkpoint", "export", "import",
					     "nextval", "setval", NULL};
	for (const char *p = s; *p; p++) {
		if (*p == '\'') { /* a literal: skip it */
			for (p++; *p && !(*p == '\'' && p[1] != '\''); p++)
				if (*p == '\'')
					p++;
			if (!*p)
				break;
			continue;
		}
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		for (size_t i = 0; writes[i]; i++)
			if (word_at(p, writes[i]))
				return true;
	}
	return false;
}
