#!/usr/bin/env bash
# dbt's global macros on duckdb (tests/fixtures/dbt/globalmacros_suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/globalmacros_suite.sh"
