#!/usr/bin/env bash
# t0985: scripts/demo's headline numbers equal independent SQL on bronze, on DuckDB (tests/fixtures/demo-kpis/suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/demo-kpis/suite.sh"
