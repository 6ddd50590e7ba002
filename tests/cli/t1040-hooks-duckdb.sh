#!/usr/bin/env bash
# t1040: hooks that render empty, log, raise or fail, on DuckDB (tests/fixtures/hooks/suite.sh).
. "$(dirname "$0")/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/hooks/suite.sh"
