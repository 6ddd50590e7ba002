#!/usr/bin/env bash
# t1200: unique, not_null, accepted_values and relationships tests of an incremental model checked on the rows its run wrote, on DuckDB (relationships: also when the parent builds later in the run; a parent that loses keys, a new orphan or a parent keyed by another column run the whole test): passes as the whole-table test would, a new duplicate or null runs the whole test (dbt's count), an updating hook, --no-reuse and --full-refresh check whole tables, a run of the model alone deletes its tests' state (tests/fixtures/reuse/inctest.sh).
. ./lib.sh
ENGINE=duckdb
. "$ROOT/tests/fixtures/reuse/inctest.sh"
