/*
 * bench/tile_driver.c — the floor for a dashboard tile: the same SQL with the
 * same bound values, through DuckDB's C API directly, in one process.
 *
 *     tile_driver DB_FILE < queries.jsonl
 *
 * Each input line is a tile response of `ingot serve` (or just
 * {"sql": "...", "params": [...]}): the SQL with $1.. placeholders and the
 * values the server bound. Each query is prepared, bound (JSON strings as
 * VARCHAR, integers as BIGINT, reals as DOUBLE, true/false as BOOLEAN, null
 * as NULL), executed and its whole result read (every value fetched as a
 * string, as a server that encodes JSON must), once. Prints one line per
 * query: microseconds and rows. Opened read-only, so it can run beside the
 * server only when the server does not hold the file: bench/serve.sh runs
 * it while no server runs.
 *
 * Not a test: it exits 1 on a SQL error and prints the message.
 */
#include <duckdb.h>
#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int bind_all(duckdb_prepared_statement st, json_t *params)
{
	size_t i;
	json_t *v;
	json_array_foreach(params, i, v)
	{
		idx_t k = (idx_t)i + 1;
		duckdb_state s;
		if (json_is_string(v))
			s = duckdb_bind_varchar(st, k, json_string_value(v));
		else if (json_is_integer(v))
			s = duckdb_bind_int64(st, k, (int64_t)json_integer_value(v));
		else if (json_is_real(v))
			s = duckdb_bind_double(st, k, json_real_value(v));
		else if (json_is_boolean(v))
			s = duckdb_bind_boolean(st, k, json_is_true(v));
		else
			s = duckdb_bind_null(st, k);
		if (s != DuckDBSuccess)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tile_driver DB_FILE < queries.jsonl\n");
		return 2;
	}
	duckdb_database db;
	duckdb_connection con;
	duckdb_config cfg;
	duckdb_create_config(&cfg);
	duckdb_set_config(cfg, "access_mode", "READ_ONLY");
	char *oerr = NULL;
	if (duckdb_open_ext(argv[1], &db, cfg, &oerr) != DuckDBSuccess) {
		fprintf(stderr, "tile_driver: %s: %s\n", argv[1], oerr ? oerr : "cannot open");
		return 1;
	}
	duckdb_destroy_config(&cfg);
	duckdb_connect(db, &con);

	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t je;
		json_t *j = json_loadb(line, (size_t)n, 0, &je);
		const char *sql = j ? json_string_value(json_object_get(j, "sql")) : NULL;
		if (!sql) {
			fprintf(stderr, "tile_driver: a line without \"sql\"\n");
			json_decref(j);
			rc = 1;
			break;
		}
		json_t *params = json_object_get(j, "params");
		double t0 = now_us();
		duckdb_prepared_statement st;
		duckdb_result res;
		if (duckdb_prepare(con, sql, &st) != DuckDBSuccess) {
			fprintf(stderr, "tile_driver: %s\n", duckdb_prepare_error(st));
			duckdb_destroy_prepare(&st);
			json_decref(j);
			rc = 1;
			break;
		}
		if ((params && bind_all(st, params)) || duckdb_execute_prepared(st, &res) != DuckDBSuccess) {
			fprintf(stderr, "tile_driver: %s\n", duckdb_prepare_error(st) ? duckdb_prepare_error(st)
										: duckdb_result_error(&res));
			duckdb_destroy_prepare(&st);
			json_decref(j);
			rc = 1;
			break;
		}
		idx_t rows = duckdb_row_count(&res), cols = duckdb_column_count(&res);
		size_t bytes = 0;
		for (idx_t r = 0; r < rows; r++)
			for (idx_t c = 0; c < cols; c++) {
				char *s = duckdb_value_varchar(&res, c, r);
				if (s) {
					bytes += strlen(s);
					duckdb_free(s);
				}
			}
		double t1 = now_us();
		printf("%.0f %llu\n", t1 - t0, (unsigned long long)rows);
		duckdb_destroy_result(&res);
		duckdb_destroy_prepare(&st);
		json_decref(j);
		(void)bytes;
	}
	free(line);
	duckdb_disconnect(&con);
	duckdb_close(&db);
	return rc;
}
