#!/usr/bin/env bash
# dbt's global macros on postgres (tests/fixtures/dbt/globalmacros_suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/globalmacros_suite.sh"
