#!/usr/bin/env bash
# t1204: a statement that holds the target's password as a literal is in the
# debug log (-v) with the password replaced by ****, though no word of the
# credential list ("password", "secret", ...) is in it; the statements
# around it keep their text, and a password the 200-character cut falls in
# shows no part of itself.
. ./lib.sh
mkdir -p p/models && cd p
printf 'name: sqllogpg\nprofile: sqllogpg\nversion: "1.0"\nconfig-version: 2\n' > dbt_project.yml
pg_profile t1204 sqllogpg > profiles.yml
# pg_profile's password, as a literal the word list does not catch
echo "select 's3cret-never-shown' as label, 1 as n" > models/labelled.sql
# a hook whose text has the password at characters 191-208
pad=$(printf '%0173d' 0)
cat > models/hooked.sql <<EOM
{{ config(pre_hook="select '$pad' as p, 's3cret-never-shown' as l") }}
select 1 as n
EOM

run "$INGOT" -v build
expect_rc 0
grep -F 'sql: ok in ' "$T/.err" | grep -F 'create' | grep -qF "select '****' as label, 1 as n" ||
  fail "the model's statement is not logged with the password redacted; stderr: $ERR"
expect_no s3cret-never-shown
line=$(grep -F 'sql: ok in ' "$T/.err" | grep -F "select '$pad' as p, '" | head -1)
[ -n "$line" ] || fail "the hook's statement is not logged; stderr: $ERR"
case $line in *"as p, '****"*) ;; *) fail "the cut password is not redacted: $line" ;; esac
expect_no s3cret
# the table holds the literal itself: only the log is redacted
[ "$(q 'select label from t1204.labelled')" = s3cret-never-shown ] ||
  fail "the model's row is not the literal"
echo ok
