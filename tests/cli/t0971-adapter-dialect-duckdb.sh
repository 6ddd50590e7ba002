#!/usr/bin/env bash
# The adapter's dialect end to end on DuckDB (tests/fixtures/dbt/adapter_suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/adapter_suite.sh"
