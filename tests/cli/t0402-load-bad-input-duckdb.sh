#!/usr/bin/env bash
# t0402: the bad-input catalogue of `ingot load` on DuckDB: every kind of bad
# row is rejected with its line and reason, file-level problems fail only
# their table, rows read = loaded + rejected.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/load/bad/suite.sh"
