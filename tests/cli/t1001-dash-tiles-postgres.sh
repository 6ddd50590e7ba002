#!/usr/bin/env bash
# t1001: every dashboard tile type against independent SQL on PostgreSQL (tests/fixtures/dash/suite.sh).
. "$(dirname "$0")/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/dash/suite.sh"
