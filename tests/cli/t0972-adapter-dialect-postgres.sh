#!/usr/bin/env bash
# The adapter's dialect end to end on PostgreSQL (tests/fixtures/dbt/adapter_suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/adapter_suite.sh"
