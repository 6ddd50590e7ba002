#!/usr/bin/env bash
# t1200: unique and not_null tests of an incremental model checked on the rows its run wrote, on DuckDB: passes as the whole-table test would, a new duplicate or null runs the whole test (dbt's count), an updating hook, --no-reuse and --full-refresh check whole tables, a run of the model alone deletes its tests' state (tests/fixtures/reuse/inctest.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/reuse/inctest.sh"
