#!/usr/bin/env bash
# The dbt features fixture on DuckDB (tests/fixtures/dbt/features_suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/features_suite.sh"
