#!/usr/bin/env bash
# t0429: `ingot load -q` prints nothing on success; `--dry-run` exits 1
# when its plan has an error (and 0 when it has none).
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small duckdb
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv
run "$INGOT" load -q
expect_rc 0
[ -z "$OUT$ERR" ] || fail "load -q printed: $OUT$ERR"
run "$INGOT" load --dry-run
expect_rc 0
expect_out "nothing to load"
printf 'id,v\n7,changed\n' > lake/log/a.csv
run "$INGOT" load --dry-run
expect_rc 1
expect_out "error: src.log: log/a.csv was loaded before"
rm -r lake/items
run "$INGOT" load --dry-run src.items
expect_rc 1
expect_out "no files match"
