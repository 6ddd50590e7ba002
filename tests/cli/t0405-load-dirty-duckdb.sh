#!/usr/bin/env bash
# t0405: `ingot load` dirty test on duckdb (tests/fixtures/load/dirty_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/load/dirty_suite.sh"
