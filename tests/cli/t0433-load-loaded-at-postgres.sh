#!/usr/bin/env bash
# t0433: external option loaded_at_column on PostgreSQL (tests/fixtures/load/loaded_at_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/load/loaded_at_suite.sh"
