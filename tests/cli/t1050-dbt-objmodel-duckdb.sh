#!/usr/bin/env bash
# dbt's object model (relations, columns, agate tables, loop controls) on DuckDB (tests/fixtures/dbt/objmodel_suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbt/objmodel_suite.sh"
