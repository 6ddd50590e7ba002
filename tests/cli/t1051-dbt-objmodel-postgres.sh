#!/usr/bin/env bash
# dbt's object model (relations, columns, agate tables, loop controls) on PostgreSQL (tests/fixtures/dbt/objmodel_suite.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/dbt/objmodel_suite.sh"
