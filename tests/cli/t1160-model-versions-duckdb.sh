#!/usr/bin/env bash
# dbt model versions on duckdb (tests/fixtures/dbt/versions_suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/versions_suite.sh"
