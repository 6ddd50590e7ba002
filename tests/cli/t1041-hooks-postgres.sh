#!/usr/bin/env bash
# t1041: hooks that render empty, log, raise or fail, on PostgreSQL (tests/fixtures/hooks/suite.sh).
. "$(dirname "$0")/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/hooks/suite.sh"
