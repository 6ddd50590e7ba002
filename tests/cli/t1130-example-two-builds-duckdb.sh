#!/usr/bin/env bash
# test: heavy
# t1130: examples/ecommerce's marts are reproducible on DuckDB: two fresh warehouses, one lake, every mart equal (EXCEPT ALL both ways, equal counts) (tests/fixtures/example/twobuilds.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/example/twobuilds.sh"
