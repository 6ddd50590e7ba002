#!/usr/bin/env bash
# t1201: unique and not_null tests of an incremental model checked on the rows its run wrote, on PostgreSQL (tests/fixtures/reuse/inctest.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/reuse/inctest.sh"
