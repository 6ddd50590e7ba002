#!/usr/bin/env bash
# t1000: every dashboard tile type against independent SQL on DuckDB (tests/fixtures/dash/suite.sh).
. "$(dirname "$0")/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/dash/suite.sh"
