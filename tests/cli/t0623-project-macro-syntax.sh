#!/usr/bin/env bash
# t0623: a syntax error in a macro file (or a snapshot file, which may define
# macros) fails the parse: build, compile, run, ls and a pipeline's build
# task exit 2 with the file:line:col, instead of carrying on without it.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
"$INGOT" seed >/dev/null
printf '{%% macro broken(x) %%}\n  select {{ x \n{%% endmacro %%}\n' > macros/broken.sql
for verb in build compile run ls; do
  run "$INGOT" $verb
  expect_rc 2
  expect_err "macros/broken.sql:3:"
  expect_err "expected '}}'"
done
mkdir -p pipelines
printf 'pipeline: p\ntasks:\n  - {id: b, build: {select: "*"}, retries: 2, retry_delay: 1h}\n' > pipelines/p.yml
run "$INGOT" pipeline run p
expect_rc 2
expect_err "macros/broken.sql:3:"
expect_no "retrying"
rm macros/broken.sql

# a snapshot file's syntax error is fatal too
cp snapshots/customers_snapshot.sql snap.bak
printf '{%% snapshot s %%}\n{{ config(unique_key="id" }}\nselect 1 as id\n{%% endsnapshot %%}\n' > snapshots/customers_snapshot.sql
run "$INGOT" compile
expect_rc 2
expect_err "snapshots/customers_snapshot.sql:2:"
cp snap.bak snapshots/customers_snapshot.sql

run "$INGOT" build
expect_rc 0
run "$INGOT" pipeline run p
expect_rc 0
