#!/usr/bin/env bash
# t1123: the lake's lifecycle with a fake clock (INGOT_NOW): files of an
# append-mode table loaded more than move_after_days ago move to the
# archive under the same relative path, the manifest still names them and
# a rerun of the load does not load them again; files of a truncate-mode
# table stay (the table is rebuilt from them); archived files are deleted
# after delete_after_days; --dry-run changes nothing.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/infra/proj" p && cd p
engine_profile duckdb shop > profiles.yml
run "$INGOT" infra apply --yes
expect_rc 0
cp lake_seed/users/users_0001.csv lake/users/
cp lake_seed/orders/orders_1.csv lake/orders/
run "$INGOT" load
expect_rc 0
expect_q "select count(*) from bronze.users" "2"
day() { date -u -d "+$1 days +1 hour" '+%Y-%m-%d %H:%M:%S'; } # an hour past the day: whole days

# nothing is old enough yet
INGOT_NOW=$(day 10) run "$INGOT" infra lake-maintain
expect_rc 0
expect_out "0 files archived, 0 deleted."

INGOT_NOW=$(day 40) run "$INGOT" infra lake-maintain --dry-run
expect_rc 0
expect_out "archive users/users_0001.csv -> _archive/users/users_0001.csv  (loaded 40 days ago)"
expect_out "keep    orders/orders_1.csv  (raw.orders is a truncate-mode table: it is rebuilt from its files)"
expect_out "1 files archived, 0 deleted (dry run: nothing changed)."
[ -f lake/users/users_0001.csv ] || fail "--dry-run moved a file"

INGOT_NOW=$(day 40) run "$INGOT" infra lake-maintain
expect_rc 0
[ -f lake/_archive/users/users_0001.csv ] || fail "the file was not archived"
[ ! -e lake/users/users_0001.csv ] || fail "the file is still in the lake"
[ -f lake/orders/orders_1.csv ] || fail "a truncate-mode table's file was moved"
cmp lake/_archive/users/users_0001.csv lake_seed/users/users_0001.csv || fail "the archived file changed"
# the manifest still names it; a rerun does not load it again
expect_q "select count(*) from _ingot.loaded_files where path = 'users/users_0001.csv'" "1"
run "$INGOT" load
expect_rc 0
expect_q "select count(*) from bronze.users" "2"
# a new file loads; the archived one still is not loaded again
printf 'id,name\n3,cy\n' > lake/users/users_0002.csv
run "$INGOT" load
expect_rc 0
expect_q "select count(*) from bronze.users" "3"
expect_q "select count(*) from _ingot.loaded_files where path like 'users/%'" "2"
# the infra itself is not drift: the archive is a declared folder
run "$INGOT" infra plan
expect_rc 0

# after delete_after_days the archived file goes; the newer one is archived
INGOT_NOW=$(day 400) run "$INGOT" infra lake-maintain
expect_rc 0
expect_out "delete  _archive/users/users_0001.csv"
expect_out "archive users/users_0002.csv -> _archive/users/users_0002.csv"
expect_out "1 files archived, 1 deleted."
[ ! -e lake/_archive/users/users_0001.csv ] || fail "the archived file was not deleted"
[ -f lake/_archive/users/users_0002.csv ] || fail "users_0002 not archived"
run "$INGOT" load
expect_rc 0
expect_q "select count(*) from bronze.users" "3"

# a project without an archive has nothing to maintain
sed -i '/^  archive:/d' platform.yml
run "$INGOT" infra lake-maintain
expect_rc 1
expect_err "declares no lake.archive"
# a bad clock is refused
sed -i 's/^lake:/lake:\n  archive: {path: _archive, move_after_days: 30}/' platform.yml
INGOT_NOW=yesterday run "$INGOT" infra lake-maintain
expect_rc 2
expect_err "INGOT_NOW 'yesterday' is not a timestamp"
echo ok
