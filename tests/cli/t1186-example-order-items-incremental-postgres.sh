#!/usr/bin/env bash
# t1186: fct_order_items of examples/ecommerce is built incrementally on PostgreSQL: a daily run replaces only new items and items whose centre was renamed or whose order stopped being the customer's first, and equals a --full-refresh of the same lake (tests/fixtures/daily/order_items.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/daily/order_items.sh"
