#!/usr/bin/env bash
# t0800: examples/ecommerce end to end on the embedded DuckDB (tests/fixtures/example/suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/example/suite.sh"
