#!/usr/bin/env bash
# t0401: `ingot load` end to end on PostgreSQL (tests/fixtures/load/basic/suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/load/basic/suite.sh"
