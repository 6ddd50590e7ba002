#!/usr/bin/env bash
# t0426: a file whose last line has no newline is still being written: it
# is left for a later run with a warning (require_final_newline: false
# loads it), and min_file_age holds back files younger than that.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small duckdb
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv
printf 'id,v\n2,purch' > lake/log/b.csv
run "$INGOT" load src.log
expect_rc 0
expect_err "log/b.csv does not end with a newline"
expect_eq "$(q "select v from bronze.log order by id" | tr '\n' ' ')" "a " "the cut file is not loaded"
printf 'ase\n' >> lake/log/b.csv
run "$INGOT" load src.log
expect_rc 0
expect_eq "$(q "select v from bronze.log order by id" | tr '\n' ' ')" "a purchase " "the finished file loads whole"

# truncate mode keeps the table as it was while a file is incomplete
run "$INGOT" load src.items
expect_rc 0
printf 'id,v\n2,b' > lake/items/b.csv
run "$INGOT" load src.items
expect_rc 0
expect_err "items/b.csv does not end with a newline"
expect_eq "$(q1 "select count(*) from bronze.items")" "1" "items kept as they were"

# opting out: the last line without a newline is a record
sed -i 's/write_disposition: truncate, max_bad_records: 2/write_disposition: truncate, max_bad_records: 2, require_final_newline: false/' models/sources.yml
run "$INGOT" load src.items
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.items")" "2" "require_final_newline: false loads it"

# min_file_age: a fresh file waits
sed -i 's/write_disposition: append, max_bad_records: 2/write_disposition: append, max_bad_records: 2, min_file_age: 1h/' models/sources.yml
printf 'id,v\n3,c\n' > lake/log/c.csv
run "$INGOT" load src.log
expect_rc 0
expect_err "log/c.csv is younger than min_file_age"
expect_eq "$(q1 "select count(*) from bronze.log")" "2" "the young file waits"
touch -d '2 hours ago' lake/log/c.csv
run "$INGOT" load src.log
expect_rc 0
expect_eq "$(q1 "select count(*) from bronze.log")" "3" "the file loads once old enough"
sed -i 's/min_file_age: 1h/min_file_age: soon/' models/sources.yml
run "$INGOT" load src.log
expect_rc 2
expect_err "min_file_age must be a duration"
