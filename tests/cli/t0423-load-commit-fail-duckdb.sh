#!/usr/bin/env bash
# t0423: a failed COMMIT (disk full; simulated with INGOT_TEST_FAIL_COMMIT)
# rolls the transaction back before the connection is used again: the
# failure is recorded in _ingot.loads under the right table, with its name
# in the message, nothing half-loaded; the next run loads exactly.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small ${ENGINE:-duckdb}
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n2,b\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv
run env INGOT_TEST_FAIL_COMMIT=1 "$INGOT" load --threads 1
expect_rc 1
expect_err "src.items: COMMIT failed"
expect_err "src.log: COMMIT failed"
expect_q "select table_name || ' ' || status from _ingot.loads order by table_name" "items failed
log failed"
expect_eq "$(q1 "select count(*) from _ingot.loaded_files")" "0" "no manifest rows"
run "$INGOT" load
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.items")" "2" "items loaded once"
expect_eq "$(q1 "select count(*) from bronze.log")" "1" "log loaded once"
expect_q "select table_name || ' ' || status from _ingot.loads order by table_name, status" "items failed
items ok
log failed
log ok"
