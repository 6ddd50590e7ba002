#!/usr/bin/env bash
# t0400: `ingot load` end to end on DuckDB (tests/fixtures/load/basic/suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/load/basic/suite.sh"
