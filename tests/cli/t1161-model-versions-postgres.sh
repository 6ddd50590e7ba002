#!/usr/bin/env bash
# dbt model versions on postgres (tests/fixtures/dbt/versions_suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/versions_suite.sh"
