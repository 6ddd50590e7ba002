#!/usr/bin/env bash
# test: heavy
# t1031: examples/ecommerce's dashboard marts (and, with `ingot dashboards`, its Sales tiles) equal independent SQL on bronze, on PostgreSQL (tests/fixtures/example/dashboards.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/example/dashboards.sh"
