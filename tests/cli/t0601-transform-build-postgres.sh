#!/usr/bin/env bash
# ingot build of the tinyshop fixture on PostgreSQL (tests/fixtures/dbt/build_suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/build_suite.sh"
