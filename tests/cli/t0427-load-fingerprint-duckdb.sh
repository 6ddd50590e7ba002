#!/usr/bin/env bash
# t0427: fingerprints. A rewrite that keeps size and mtime is detected
# (ctime); a touched but identical file is hashed once, then its new
# fingerprint is kept; the same contents under two names load once, with
# a message; a loaded file that disappears gives a warning; a touched
# file is read once per load, though the table is planned twice.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small duckdb
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv
run "$INGOT" load
expect_rc 0

# a rewrite with the same size and mtime
touch -r lake/log/a.csv ref
sleep 1
printf 'id,v\n9,z\n' > lake/log/a.csv
touch -r ref lake/log/a.csv
run "$INGOT" load src.log
expect_rc 1
expect_err "log/a.csv was loaded before"
printf 'id,v\n1,a\n' > lake/log/a.csv
touch -r ref lake/log/a.csv

# touched, same contents: still loaded, and the new fingerprint is recorded
touch -d '2020-01-01' lake/log/a.csv
run "$INGOT" load src.log
expect_rc 0
expect_out "up to date"
expect_eq "$(q1 "select mtime_us from _ingot.loaded_files where path = 'log/a.csv'")" "$(( $(stat -c %Y lake/log/a.csv) * 1000000 ))" "the new fingerprint is kept"

# the same contents under another name
cp lake/log/a.csv lake/log/a-copy.csv
printf 'id,v\n2,b\n' > lake/log/b.csv
run "$INGOT" load src.log
expect_rc 0
expect_err "log/a-copy.csv has the same contents as log/a.csv"
expect_eq "$(q "select id from bronze.log order by id" | tr '\n' ' ')" "1 2 " "the copy is not loaded again"
expect_eq "$(q1 "select duplicate_of from _ingot.loaded_files where path = 'log/a-copy.csv'")" "log/a.csv" "the copy is recorded"
cp lake/log/b.csv lake/log/b2.csv
cp lake/log/b.csv lake/log/b3.csv
run "$INGOT" load src.log
expect_rc 0
expect_eq "$(q "select id from bronze.log order by id" | tr '\n' ' ')" "1 2 " "two new copies load nothing"

# truncate mode: a copy of a loaded file is not loaded, and the table is
# then up to date (not rebuilt on every run)
cp lake/items/a.csv lake/items/0-copy.csv
run "$INGOT" load src.items
expect_rc 0
expect_err "items/0-copy.csv has the same contents as items/a.csv"
expect_eq "$(q1 "select count(*) from bronze.items")" "1" "truncate mode loads the contents once"
run "$INGOT" load src.items
expect_rc 0
expect_out "up to date"
expect_eq "$(q1 "select count(*) from bronze.items")" "1" "still once"

# a loaded file disappears
rm lake/log/b.csv
run "$INGOT" load src.log
expect_rc 0
expect_err "log/b.csv was loaded"
expect_err "no longer in the lake"

# touched again, and a new file beside it: the table is planned twice (the
# second time under its lock), and the touched file is read once
touch -d '2021-01-01' lake/log/a.csv
printf 'id,v\n3,c\n' > lake/log/c.csv
run "$INGOT" load src.log -v
expect_rc 0
expect_eq "$(grep -c 'reading log/a.csv for its SHA-256' <<<"$ERR$OUT")" "1" "the touched file is hashed once"
expect_eq "$(q1 "select count(*) from bronze.log where id = 3")" "1" "the new file is loaded"
expect_eq "$(q1 "select mtime_us from _ingot.loaded_files where path = 'log/a.csv'")" "$(( $(stat -c %Y lake/log/a.csv) * 1000000 ))" "the moved fingerprint is kept"
