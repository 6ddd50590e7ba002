#!/usr/bin/env bash
# The dbt features fixture on PostgreSQL (tests/fixtures/dbt/features_suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/features_suite.sh"
