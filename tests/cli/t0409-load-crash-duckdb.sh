#!/usr/bin/env bash
# t0409: `ingot load` crash test on duckdb (tests/fixtures/load/crash_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/load/crash_suite.sh"
