#!/usr/bin/env bash
# t0801: examples/ecommerce end to end on PostgreSQL (tests/fixtures/example/suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/example/suite.sh"
