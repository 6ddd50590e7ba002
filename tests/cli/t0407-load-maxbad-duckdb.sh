#!/usr/bin/env bash
# t0407: `ingot load` maxbad test on duckdb (tests/fixtures/load/maxbad_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/load/maxbad_suite.sh"
