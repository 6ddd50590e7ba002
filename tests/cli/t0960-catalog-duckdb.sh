#!/usr/bin/env bash
# ingot catalog on DuckDB (tests/fixtures/dbt/catalog_suite.sh).
. "$(dirname "$0")/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/catalog_suite.sh"
