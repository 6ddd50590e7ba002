#!/usr/bin/env bash
# t0432: external option loaded_at_column on DuckDB (tests/fixtures/load/loaded_at_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/load/loaded_at_suite.sh"
