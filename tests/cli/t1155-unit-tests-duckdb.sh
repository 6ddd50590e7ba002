#!/usr/bin/env bash
# dbt 1.8 unit tests on DuckDB (tests/fixtures/dbt/unit_suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/unit_suite.sh"
