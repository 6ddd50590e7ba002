#!/usr/bin/env bash
# t1205: `ingot compile` opens the DuckDB warehouse when a model first asks
# it something (is_incremental(), run_query, adapter.get_relation): models
# that ask nothing compile without reading the file's catalog (no file is
# created either), one that asks renders against the warehouse as before,
# and one that cannot reach it compiles as if nothing were built. The
# manifest compile writes carries each node's compiled code, as dbt's.
. ./lib.sh
mkdir -p p/models && cd p
printf 'name: lazyc\nprofile: lazyc\nversion: "1.0"\nconfig-version: 2\n' > dbt_project.yml
engine_profile duckdb lazyc > profiles.yml
echo "{{ config(materialized='table') }} select 1 as id, 10 as v" > models/plain.sql
cat > models/inc.sql <<'SQL'
{{ config(materialized='incremental', unique_key='id') }}
select id, v from {{ ref('plain') }}
{% if is_incremental() %} where v > (select max(v) from {{ this }}) {% endif %}
SQL
cat > models/asks.sql <<'SQL'
{% set r = run_query("select 41 + 1 as answer") %}
select {{ r.columns[0].values()[0] if execute else 0 }} as answer
SQL
C=target/compiled/lazyc/models

# only models that ask nothing: the warehouse file is never opened
run "$INGOT" -v compile -s plain
expect_rc 0
[ ! -e warehouse.duckdb ] || fail "compile of a model that asks nothing opened (created) the warehouse"
grep -q "select 1 as id, 10 as v" "$C/plain.sql" || fail "plain's listing: $(cat "$C/plain.sql")"
[ "$(jq -r '.nodes["model.lazyc.plain"].compiled_code' target/manifest.json)" = \
  "$(cat "$C/plain.sql")" ] || fail "the manifest lacks plain's compiled code: $(jq '.nodes["model.lazyc.plain"] | {compiled, compiled_code}' target/manifest.json)"

# run_query: the warehouse is opened for it
run "$INGOT" compile -s asks
expect_rc 0
grep -q "select 42 as answer" "$C/asks.sql" || fail "asks' listing: $(cat "$C/asks.sql")"

# is_incremental(): false before the build, true after it
run "$INGOT" compile -s inc
expect_rc 0
! grep -q "where v >" "$C/inc.sql" || fail "inc is incremental before any build: $(cat "$C/inc.sql")"
run "$INGOT" build -q
expect_rc 0
run "$INGOT" compile -s inc
expect_rc 0
grep -q "where v > (select max(v) from \"warehouse\".\"main\".\"inc\")\|where v > (select max(v) from \"main\".\"inc\")" "$C/inc.sql" ||
  fail "inc is not incremental after the build: $(cat "$C/inc.sql")"

# a warehouse that cannot be opened: compile goes on without it
mv warehouse.duckdb wh.bak && mkdir warehouse.duckdb
run "$INGOT" -v compile -s inc plain
expect_rc 0
! grep -q "where v >" "$C/inc.sql" || fail "inc is incremental without a warehouse: $(cat "$C/inc.sql")"
expect_err "compile goes on without the warehouse"
echo ok
