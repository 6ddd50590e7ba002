#!/usr/bin/env bash
# t1199: the build state of 600 nodes (more than one statement of the save records) on PostgreSQL: all reused, a changed root rebuilds its chain, one row per node (tests/fixtures/reuse/many.sh).
. ./lib.sh
ENGINE=postgres
. "$ROOT/tests/fixtures/reuse/many.sh"
