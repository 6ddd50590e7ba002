#!/usr/bin/env bash
# test: lock clickhouse-server
# t1196: `ingot build` on a sharded cluster (profile `cluster:`) with
# distributed DDL: Debian's zookeeper and the two 18.16 shards of
# tests/lib/clickhouse.sh. 18.16 is older than ingot supports for builds
# (t1195 checks the refusal); INGOT_TEST_CH_OLD_BUILDS lets this test run
# models simple enough for it (no CTEs, no window functions), so the
# cluster code of builds runs against real servers: a table, a view and a
# delete+insert incremental, each created ON CLUSTER as <name>_local
# MergeTree + Distributed on every shard (the view on every shard), schema
# tests that pass, a singular test that passes and then fails, and a
# second run whose incremental adds only the new rows (the overlap
# deleted and inserted again, on both shards, nothing twice).
. ./lib.sh
. "$ROOT/tests/lib/clickhouse.sh"
ch_server_bin >/dev/null || { echo "SKIP t1196: clickhouse-server is not installed (scripts/bootstrap installs it)"; exit 0; }
chdir=$(mktemp -d /tmp/ingot-ch-XXXXXX)
trap 'ch_stop "$chdir"; rm -rf "$T"' EXIT
ch_zk_start "$chdir" || fail "could not start ZooKeeper (scripts/bootstrap installs Debian's zookeeper)"
ch_start "$chdir" || fail "could not start the ClickHouse cluster"

mkdir p && cd p
ch_ev_project chb 4 2 2000
csv() { ch_ev_csv "$@"; }
cat >models/ev_all.sql <<'EOS'
{{ config(materialized='table', sharding_key='assumeNotNull(id)') }}
select id, kind, amount from {{ source('raw', 'ev') }}
EOS
cat >models/ev_kinds.sql <<'EOS'
{{ config(materialized='view') }}
select kind, count(*) as n, sum(amount) as total from {{ ref('ev_all') }} group by kind
EOS
cat >models/ev_inc.sql <<'EOS'
{{ config(materialized='incremental', unique_key='id', incremental_strategy='delete+insert') }}
select id, kind, amount * 10 as amount10 from {{ source('raw', 'ev') }}
{% if is_incremental() %} where id > (select max(id) - 50 from {{ this }}) {% endif %}
EOS
cat >models/schema.yml <<'EOS'
version: 2
models:
  - name: ev_all
    columns:
      - name: id
        tests: [unique, not_null]
  - name: ev_inc
    columns:
      - name: id
        tests: [unique]
EOS
# passes while no id past 2000 has arrived
cat >tests/no_late_ids.sql <<'EOS'
select id from {{ ref('ev_inc') }} where id > 2000
EOS
ch_cluster_profile chb >profiles.yml
export INGOT_TEST_CH_OLD_BUILDS=1
ddl_tasks() { chq "select count() from system.zookeeper where path = '/clickhouse/task_queue/ddl'"; }
engine() { chq -s "$1" "select engine from system.tables where database = 'default' and name = '$2'"; }
local_rows() { chq -s "$1" "select count() from default.$2_local"; }

run "$INGOT" load
expect_rc 0

# 1. the first build: every model ON CLUSTER, every test passes
before=$(ddl_tasks)
run "$INGOT" build
expect_rc 0
expect_out "PASS=7 WARN=0 ERROR=0 SKIP=0 TOTAL=7"
[ "$(ddl_tasks)" -gt "$before" ] || fail "the build's DDL ran ON CLUSTER (ZooKeeper's DDL queue grew)"
for s in 1 2; do
  for m in ev_all ev_inc; do
    expect_eq "$(engine $s $m)" Distributed "$m: Distributed table on shard $s"
    expect_eq "$(engine $s ${m}_local)" MergeTree "$m: local table on shard $s"
    [ "$(local_rows $s $m)" -gt 0 ] || fail "$m: shard $s has rows"
  done
  expect_eq "$(engine $s ev_kinds)" View "the view on shard $s"
  expect_eq "$(chq -s $s "select count() from system.tables where database = 'default' and name like '%__ingot%'")" 0 "no temporary relation left on shard $s"
done
expect_eq "$(( $(local_rows 1 ev_all) + $(local_rows 2 ev_all) ))" 2000 "ev_all: the shards' rows sum to the source's"
expect_eq "$(chq -s 2 "select count(), uniqExact(id), sum(amount) from ev_all")" "2000	2000	4002000" "ev_all totals through the Distributed table"
expect_eq "$(chq -s 2 "select kind, n, total from ev_kinds order by kind" | tr '\n' ' ')" "k0	500	1002000 k1	500	999000 k2	500	1000000 k3	500	1001000 " "the view over the Distributed table"
expect_eq "$(chq "select count(), uniqExact(id), sum(amount10) from ev_inc")" "2000	2000	40020000" "ev_inc: the first run"
# ev_all's sharding key is the id: id % 2 = 0 goes to the first shard
expect_eq "$(chq -s 1 "select countIf(id % 2 != 0) from default.ev_all_local")" 0 "sharding_key id: shard 1 holds the even ids"

# 2. new rows: the incremental adds them (the overlap deleted and inserted
# again, on both shards), the singular test now fails and says how often
csv 2001 2300 >lake/ev/ev_2.csv
run "$INGOT" load
expect_rc 0
run "$INGOT" build
[ "$RC" -ne 0 ] || fail "a build with a failing test exits non-zero"
expect_out "OK created sql incremental model default.ev_inc"
expect_out "FAIL 300 no_late_ids"
expect_out "PASS=6 WARN=0 ERROR=1 SKIP=0 TOTAL=7"
expect_eq "$(chq "select count(), uniqExact(id), sum(amount10) from ev_inc")" "2300	2300	52923000" "ev_inc: the second run, nothing twice"
expect_eq "$(( $(local_rows 1 ev_inc) + $(local_rows 2 ev_inc) ))" 2300 "ev_inc: the shards' rows"
expect_eq "$(chq -s 2 "select count(), sum(amount) from ev_all")" "2300	5292300" "ev_all rebuilt"
expect_eq "$(chq "select sum(n) from ev_kinds")" 2300 "the view reads the rebuilt table"

# 3. the test passes again once the condition holds (the late ids fixed
# upstream: here, the test's bound moved), the incremental a no-op
printf 'select id from {{ ref('"'"'ev_inc'"'"') }} where id > 2300\n' >tests/no_late_ids.sql
run "$INGOT" build
expect_rc 0
expect_out "PASS=7 WARN=0 ERROR=0 SKIP=0 TOTAL=7"
expect_eq "$(chq "select count(), uniqExact(id), sum(amount10) from ev_inc")" "2300	2300	52923000" "ev_inc: a third run changes nothing"
