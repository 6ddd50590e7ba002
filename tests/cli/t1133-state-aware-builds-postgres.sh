#!/usr/bin/env bash
# t1133: state-aware builds on PostgreSQL: no change reuses all; a changed model, macro, var, seed, new source rows, a dropped relation rebuild exactly what depends on them, from run_results.json (tests/fixtures/reuse/reuse.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/reuse/reuse.sh"
