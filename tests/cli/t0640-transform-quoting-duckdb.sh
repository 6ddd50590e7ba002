#!/usr/bin/env bash
# Identifier quoting in transform/ on DuckDB (tests/fixtures/quoting/suite.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/quoting/suite.sh"
