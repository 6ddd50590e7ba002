#!/usr/bin/env bash
# t0406: `ingot load` dirty test on postgres (tests/fixtures/load/dirty_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/load/dirty_suite.sh"
