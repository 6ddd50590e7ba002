#!/usr/bin/env bash
# ingot clone on duckdb: views of another state's relations, No-op for existing
# ones, --full-refresh, a missing state relation, no --state.
. "$(dirname "$0")/lib.sh"
ENGINE=duckdb
. "$ROOT/tests/fixtures/dbtcmd/clone_suite.sh"
