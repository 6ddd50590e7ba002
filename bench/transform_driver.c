/*
 * bench/transform_driver.c — the reference for bench/transform.sh (b):
 * execute a list of SQL files through the DuckDB C API in one process, one
 * connection, statement by statement, and print the wall time.
 *
 *   transform_driver DB LISTFILE
 *
 * LISTFILE names one SQL file per line, in execution order; each file
 * holds statements separated by ";\n\n" (the layout of ingot's
 * target/run/ files). This is the least any tool must do to build the
 * same project: the time ingot adds on top of it is its overhead.
 */
#include "duckdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = 0;
	fclose(f);
	return s;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: transform_driver DB LISTFILE\n");
		return 2;
	}
	duckdb_database db;
	duckdb_connection con;
	if (duckdb_open(argv[1], &db) != DuckDBSuccess || duckdb_connect(db, &con) != DuckDBSuccess) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 2;
	}
	FILE *list = fopen(argv[2], "r");
	if (!list)
		return 2;
	char line[4096];
	double t0 = now();
	long nstmt = 0;
	while (fgets(line, sizeof(line), list)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line)
			continue;
		char *sql = slurp(line);
		if (!sql) {
			fprintf(stderr, "cannot read %s\n", line);
			return 2;
		}
		char *p = sql;
		while (p && *p) {
			char *end = strstr(p, ";\n\n");
			if (end)
				*end = 0;
			if (strspn(p, " \n\t") != strlen(p)) {
				duckdb_result r;
				if (duckdb_query(con, p, &r) != DuckDBSuccess) {
					fprintf(stderr, "%s: %s\n", line, duckdb_result_error(&r));
					duckdb_destroy_result(&r);
					return 1;
				}
				duckdb_destroy_result(&r);
				nstmt++;
			}
			p = end ? end + 3 : NULL;
		}
		free(sql);
	}
	double t = now() - t0;
	printf("%.3f %ld\n", t, nstmt);
	duckdb_disconnect(&con);
	duckdb_close(&db);
	return 0;
}
