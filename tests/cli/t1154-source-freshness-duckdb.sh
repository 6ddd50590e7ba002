#!/usr/bin/env bash
# ingot source freshness on DuckDB: statuses, sources.json, selection, exit codes.
. "$(dirname "$0")/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/freshness/suite.sh"
