#!/usr/bin/env bash
# t0408: `ingot load` maxbad test on postgres (tests/fixtures/load/maxbad_suite.sh).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/load/maxbad_suite.sh"
