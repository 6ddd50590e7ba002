#!/usr/bin/env bash
# test: heavy
# t1131: examples/ecommerce's marts are reproducible on PostgreSQL: two fresh databases, one lake, every mart equal (EXCEPT ALL both ways, equal counts) (tests/fixtures/example/twobuilds.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/example/twobuilds.sh"
