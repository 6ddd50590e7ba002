#!/usr/bin/env bash
# t1201: unique, not_null, accepted_values and relationships tests of an incremental model checked on the rows its run wrote, on PostgreSQL (tests/fixtures/reuse/inctest.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/reuse/inctest.sh"
