#!/usr/bin/env bash
# test: heavy
# t1030: examples/ecommerce's dashboard marts (and, with `ingot dashboards`, its Sales tiles) equal independent SQL on bronze, on DuckDB (tests/fixtures/example/dashboards.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/example/dashboards.sh"
