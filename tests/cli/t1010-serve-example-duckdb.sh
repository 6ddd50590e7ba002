#!/usr/bin/env bash
# t1010: `ingot serve` over examples/ecommerce on DuckDB: every tile answers, equal to `dashboards query` (handed to the server), ETag/304, CSV rows = total (tests/fixtures/serve/example.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/serve/example.sh"
