#!/usr/bin/env bash
# t0430: an error PostgreSQL reports on row N of a bulk load (COPY) names
# the file and its CSV line, not the row number inside the COPY stream.
. ./lib.sh
. "$ROOT/tests/fixtures/load/lib.sh"
load_project small postgres
mkdir -p lake/items lake/log
printf 'id,v\n1,a\n' > lake/items/a.csv
printf 'id,v\n1,a\n' > lake/log/a.csv
run "$INGOT" load src.log
expect_rc 0
"$INGOT" show --limit -1 --inline "alter table bronze.log add constraint id_small check (id < 100)" >/dev/null
printf 'id,v\n2,"two\nlines"\n3,c\n150,x\n4,d\n' > lake/log/b.csv
run "$INGOT" load src.log
expect_rc 1
expect_err "log/b.csv:5:"
expect_err "id_small"
expect_err "src.log"
expect_eq "$(q1 "select count(*) from bronze.log")" "1" "nothing of the failed load kept"
