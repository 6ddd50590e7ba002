#!/usr/bin/env bash
# t1202: with -v every statement ingot runs is in the debug log with its
# outcome and time ("sql: ok in 0.004s: <text>", as dbt's debug log has
# "SQL status: OK in 0.004 seconds"): the text whitespace-collapsed and cut
# at 200 characters, a failed statement as an error, a statement that may
# hold a credential without its text; without -v none of it shows.
. ./lib.sh
mkdir -p p/models && cd p
printf 'name: sqllog\nprofile: sqllog\nversion: "1.0"\nconfig-version: 2\n' > dbt_project.yml
engine_profile duckdb sqllog > profiles.yml
cat > models/wide.sql <<'SQL'
{{ config(materialized='table', pre_hook="select 'hunter2' as password") }}
select
    1 as a_column_with_a_long_name_number_one,
    2 as a_column_with_a_long_name_number_two,
    3 as a_column_with_a_long_name_number_three,
    4 as a_column_with_a_long_name_number_four,
    5 as a_column_with_a_long_name_number_five
SQL
echo 'select * from a_table_that_is_not_there' > models/broken.sql

run "$INGOT" -v build
expect_rc 1
# the model's CREATE: collapsed (no newline or double space), cut with "..."
line=$(grep -F 'sql: ok in ' "$T/.err" | grep -F 'create table "main"."wide"' | head -1)
[ -n "$line" ] || fail "no sql line for the model's create; stderr: $ERR"
echo "$line" | grep -qE 'sql: ok in [0-9]+\.[0-9]{3}s: create table "main"\."wide" as \( select 1 as a_column' ||
  fail "the line is not 'sql: ok in N.NNNs: <collapsed text>': $line"
text=${line#*s: }
[ "${#text}" -eq 200 ] || fail "the text is ${#text} characters, not cut at 200: $line"
case $text in *...) ;; *) fail "a cut text ends with ...: $line" ;; esac
# the failed statement
grep -F 'sql: error in ' "$T/.err" | grep -qF 'a_table_that_is_not_there' ||
  fail "the failed statement is not logged as an error; stderr: $ERR"
# the hook naming a password: its time, not its text
grep -qF 'sql: ok in ' "$T/.err" && grep -F 'sql: ok in ' "$T/.err" |
  grep -qF '(text not logged: it may hold a credential)' ||
  fail "the hook's statement is not logged without its text; stderr: $ERR"
expect_no hunter2
# COMMIT is timed too
grep -qE 'sql: ok in [0-9.]+s: COMMIT$' "$T/.err" || fail "no COMMIT line; stderr: $ERR"

run "$INGOT" build
expect_no 'sql: '
echo ok
