#!/usr/bin/env bash
# t1185: fct_order_items of examples/ecommerce is built incrementally on DuckDB: a daily run replaces only new items and items whose centre was renamed or whose order stopped being the customer's first, and equals a --full-refresh of the same lake (tests/fixtures/daily/order_items.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/daily/order_items.sh"
