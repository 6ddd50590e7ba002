#!/usr/bin/env bash
# ingot catalog on PostgreSQL (tests/fixtures/dbt/catalog_suite.sh).
. "$(dirname "$0")/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/catalog_suite.sh"
