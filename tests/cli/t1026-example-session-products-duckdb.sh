#!/usr/bin/env bash
# t1026: examples/ecommerce's fct_session_products (session x product viewed: the Marketing page's product filters) equals independent SQL on bronze, and its incremental run equals a full rebuild, on DuckDB (tests/fixtures/example/session_products.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/example/session_products.sh"
