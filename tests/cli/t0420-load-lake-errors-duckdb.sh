#!/usr/bin/env bash
# t0420: listing errors are errors. A missing lake root stops the run
# (exit 2, naming the path and --lake); a truncate-mode table is never
# replaced by zero files unless asked (--allow-empty, allow_empty: true);
# "no files match" is a visible warning; a dangling symlink or a symlink
# loop among the matches fails that table only.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small duckdb
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n2,b\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv
run "$INGOT" load
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.items")" "2" "first load"

# a --lake typo: nothing is touched, exit 2, the message names the path and --lake
run "$INGOT" load --lake lake-typo
expect_rc 2
expect_err "lake-typo"
expect_err "--lake"
expect_eq "$(q1 "select count(*) from bronze.items")" "2" "items kept after a missing lake root"

# the table folder is gone: truncate mode keeps the table and fails loudly
mv lake/items lake/items.moved
run "$INGOT" load
expect_rc 1
expect_err "no files match items/*.csv"
expect_err "--allow-empty"
expect_eq "$(q1 "select count(*) from bronze.items")" "2" "items kept when no file matches"
expect_eq "$(q1 "select count(*) from _ingot.loads where table_name = 'items' and status = 'failed'")" "1" "the refusal is recorded"

# append mode with no files: a warning, not silence
mv lake/log lake/log.moved
run "$INGOT" load src.log
expect_rc 0
expect_err "no files match log/*.csv"
mv lake/log.moved lake/log

# asked for explicitly: the table is emptied
run "$INGOT" load src.items --allow-empty
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.items")" "0" "--allow-empty empties the table"
mv lake/items.moved lake/items
run "$INGOT" load src.items
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.items")" "2" "items back"
rm -rf lake/items; mkdir lake/items
sed -i 's/write_disposition: truncate, max_bad_records: 2/write_disposition: truncate, max_bad_records: 2, allow_empty: true/' models/sources.yml
run "$INGOT" load src.items
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.items")" "0" "allow_empty: true empties the table"
sed -i 's/, allow_empty: true//' models/sources.yml
printf 'id,v\n1,a\n2,b\n' > lake/items/a.csv
run "$INGOT" load src.items
expect_rc 0

# a dangling symlink among the matches fails that table only
ln -s /nonexistent/x.csv lake/items/b.csv
printf 'id,v\n2,b\n' > lake/log/b.csv
run "$INGOT" load
expect_rc 1
expect_err "items/b.csv is a dangling symlink"
expect_eq "$(q1 "select count(*) from bronze.items")" "2" "items kept with a dangling symlink"
expect_eq "$(q1 "select count(*) from bronze.log")" "2" "the other table still loads"
rm lake/items/b.csv

# a symlink loop: that table only, the others load
ln -s loop.csv lake/items/loop.csv
printf 'id,v\n3,c\n' > lake/log/c.csv
run "$INGOT" load
expect_rc 1
expect_err "items/loop.csv is a symlink loop"
expect_eq "$(q1 "select count(*) from bronze.log")" "3" "the other table still loads past a symlink loop"
rm lake/items/loop.csv
run "$INGOT" load
expect_rc 0
