#!/usr/bin/env bash
# t0403: the bad-input catalogue of `ingot load` on PostgreSQL (see t0402).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/load/bad/suite.sh"
