#!/usr/bin/env bash
# dbt 1.8 unit tests on PostgreSQL (tests/fixtures/dbt/unit_suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/unit_suite.sh"
