#!/usr/bin/env bash
# ingot build of the tinyshop fixture on DuckDB (tests/fixtures/dbt/build_suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/build_suite.sh"
