#!/usr/bin/env bash
# t0410: `ingot load` crash test on postgres (tests/fixtures/load/crash_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/load/crash_suite.sh"
