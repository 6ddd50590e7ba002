#!/usr/bin/env bash
# ingot source freshness on PostgreSQL: statuses, sources.json, selection, exit codes.
. "$(dirname "$0")/lib.sh"
ENGINE=postgres
. "$ROOT/tests/fixtures/freshness/suite.sh"
