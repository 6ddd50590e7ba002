#!/usr/bin/env bash
# ingot clone on postgres: views of another state's relations, No-op for existing
# ones, --full-refresh, a missing state relation, no --state.
. "$(dirname "$0")/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/dbtcmd/clone_suite.sh"
