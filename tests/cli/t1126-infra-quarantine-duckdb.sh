#!/usr/bin/env bash
# t1126: the lake's quarantine and archive as `ingot load` sees them.
# A load refused above max_bad_records moves the files that had rejected
# rows to platform.yml's quarantine folder (same relative path, a .reason
# file beside each); the table keeps its rows (rolled back), the good file
# of the same run loads on the next run, the refused file is never read
# again, and moving it back (fixed) releases it: it loads once. An archived
# file (ingot infra lake-maintain) is recorded in the manifest, so a load
# neither warns that it left the lake nor loads it again, even after its
# retention deleted it. Without platform.yml the files stay in the lake.
# Exactly once throughout: rows read = loaded + rejected.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/infra/proj" p && cd p
engine_profile duckdb shop > profiles.yml
run "$INGOT" infra apply --yes
expect_rc 0
cp lake_seed/users/users_0001.csv lake/users/
run "$INGOT" load raw.users
expect_rc 0
expect_q "select count(*) from bronze.users" "2"

# a good file and a bad one in one run: the load is refused (max_bad_records 0)
printf 'id,name\n3,cy\n' > lake/users/users_0002.csv
printf 'id,name\n4,dee\nfive,eve\nsix,fay\n' > lake/users/users_0003.csv
run "$INGOT" load raw.users
expect_rc 1
expect_err "2 rows rejected, more than max_bad_records (0)"
expect_err "1 file moved to $PWD/lake/_quarantine: users/users_0003.csv"
expect_q "select count(*) from bronze.users" "2"
[ -f lake/_quarantine/users/users_0003.csv ] || fail "the refused file is not in the quarantine"
[ ! -e lake/users/users_0003.csv ] || fail "the refused file is still in the lake"
[ -f lake/users/users_0002.csv ] || fail "the good file was moved"
grep -q "2 of 3 rows rejected in this file" lake/_quarantine/users/users_0003.csv.reason ||
  fail "reason file: $(cat lake/_quarantine/users/users_0003.csv.reason)"
grep -q "max_bad_records 0" lake/_quarantine/users/users_0003.csv.reason || fail "reason lacks the limit"
expect_q "select status from _ingot.loads where table_name = 'users' order by started_at desc limit 1" "failed"

# the next run loads the good file only; the quarantined one is not read
run "$INGOT" load raw.users
expect_rc 0
expect_no "users_0003"
expect_q "select count(*) from bronze.users" "3"
expect_q "select count(*) from _ingot.loaded_files where path like 'users/%'" "2"
# the infra plan does not see the quarantine's files as drift
run "$INGOT" infra plan
expect_rc 0

# released: fixed and moved back, it loads once
printf 'id,name\n4,dee\n5,eve\n6,fay\n' > lake/users/users_0003.csv
rm lake/_quarantine/users/users_0003.csv lake/_quarantine/users/users_0003.csv.reason
run "$INGOT" load raw.users
expect_rc 0
expect_q "select count(*) from bronze.users" "6"
run "$INGOT" load raw.users
expect_rc 0
expect_q "select count(*) from bronze.users" "6"
# exactly once: every load that committed read = loaded + rejected (a refused one loaded nothing)
expect_q "select count(*) from _ingot.loads where status <> 'failed' and rows_read <> rows_loaded + rows_rejected" "0"

# archived files: no warning, not loaded again, also after their deletion
day() { date -u -d "+$1 days +1 hour" '+%Y-%m-%d %H:%M:%S'; }
INGOT_NOW=$(day 40) run "$INGOT" infra lake-maintain
expect_rc 0
expect_out "3 files archived, 0 deleted."
expect_q "select count(*) from _ingot.loaded_files where archived_at is not null" "3"
run "$INGOT" load raw.users
expect_rc 0
expect_no "no longer in the lake"
expect_q "select count(*) from bronze.users" "6"
INGOT_NOW=$(day 400) run "$INGOT" infra lake-maintain
expect_rc 0
expect_out "0 files archived, 3 deleted."
run "$INGOT" load raw.users
expect_rc 0
expect_no "no longer in the lake"
expect_q "select count(*) from bronze.users" "6"
# a file removed by hand (not archived) is still worth a warning
printf 'id,name\n7,gus\n' > lake/users/users_0007.csv
run "$INGOT" load raw.users
expect_rc 0
rm lake/users/users_0007.csv
run "$INGOT" load raw.users
expect_rc 0
expect_err "users/users_0007.csv was loaded"
expect_err "but is no longer in the lake"

# without platform.yml nothing is quarantined: the refused file stays
rm platform.yml
printf 'id,name\nbad,row\n' > lake/users/users_0008.csv
run "$INGOT" load raw.users
expect_rc 1
expect_err "1 rows rejected, more than max_bad_records (0)"
expect_no "moved to"
[ -f lake/users/users_0008.csv ] || fail "a file moved without a quarantine folder"
echo ok
