#!/usr/bin/env bash
# test: lock clickhouse-server
# t1145: a `type: clickhouse, mode: http` target reaches a real server
# through the HTTP transport (src/warehouse/ch_http.c) — the two-shard
# cluster of tests/lib/clickhouse.sh, Debian's clickhouse-server 18.16 — and
# every failure a user meets first is said plainly: the server is older than
# ingot supports (its version is named, though it refuses every statement
# that names a setting it does not know), a wrong password (and the
# password never shown), a server that is down (host:port named). Loads
# work on it (ingot load writes SQL 18.16 knows): one node here, sharded
# in t1146.
. ./lib.sh
. "$ROOT/tests/lib/clickhouse.sh"
chdir=$(mktemp -d /tmp/ingot-ch-XXXXXX)
trap 'ch_stop "$chdir"; rm -rf "$T"' EXIT
ch_start "$chdir" || fail "could not start the ClickHouse cluster"

mkdir p && cd p
printf 'name: chh\nversion: "1.0"\nconfig-version: 2\nprofile: chh\n' >dbt_project.yml
mkdir -p models lake/a
printf 'id,v\n1,x\n2,y\n' >lake/a/a_1.csv
cat >models/sources.yml <<'EOS'
version: 2
sources:
  - name: raw
    schema: raw
    tables:
      - name: a
        external:
          location: "a/*.csv"
          options: {header: true}
        columns:
          - {name: id, data_type: INT64}
          - {name: v, data_type: STRING}
EOS
profile() { # PORT
  cat >profiles.yml <<EOP
chh:
  target: ch
  outputs:
    ch:
      type: clickhouse
      mode: http
      host: 127.0.0.1
      port: $1
      user: ingot
      password: "{{ env_var('CH_PW') }}"
      schema: default
      threads: 2
EOP
}
profile "$INGOT_TEST_CHPORT"

# the transport works: the cluster is there (the harness's own check)
expect_eq "$(chq "select count() from system.clusters where cluster = 'ingot_cluster'")" 2 "two shards"
expect_eq "$(chq -s 2 "select 1")" 1 "shard 2 answers"

# an old server: named, with its version, and what ingot needs
export CH_PW=ingot-secret
run "$INGOT" debug
expect_out "connection:      FAILED"
grep -q "ClickHouse 18\.16" "$T/.out" "$T/.err" || fail "the server's version is named: $OUT $ERR"
grep -q "older than ingot supports" "$T/.out" "$T/.err" || fail "says the server is too old: $OUT $ERR"
run "$INGOT" build
[ "$RC" -ne 0 ] || fail "a build against 18.16 is refused"
expect_err "ClickHouse 18.16"
expect_err "older than ingot supports for builds"
expect_no "Segmentation"
# a load works: typed rows, the manifest, a rerun that loads nothing
run "$INGOT" load
expect_rc 0
expect_eq "$(chq "select id, v from raw.a order by id")" "1	x
2	y" "the rows"
expect_eq "$(chq "select engine from system.tables where database = 'raw' and name = 'a'")" MergeTree "one node: a MergeTree table"
run "$INGOT" load
expect_rc 0
expect_out "up to date"
expect_eq "$(chq "select count() from raw.a")" 2 "rerun: nothing twice"

# a wrong password: the server's message and what to do, never the password
export CH_PW=Wrong-Pass-9d3f
run "$INGOT" debug
expect_out "connection:      FAILED"
grep -q "Code: 193" "$T/.out" "$T/.err" || fail "the server's code for a wrong password: $OUT $ERR"
grep -q "check user and the password" "$T/.out" "$T/.err" || fail "what to do: $OUT $ERR"
expect_no "Wrong-Pass-9d3f"

# a server that is down: host:port and a question
export CH_PW=ingot-secret
ch_kill_shard "$chdir" 1
run "$INGOT" load
[ "$RC" -ne 0 ] || fail "a load with the server down fails"
expect_err "cannot reach ClickHouse at 127.0.0.1:$INGOT_TEST_CHPORT"
expect_err "is the server running?"
expect_no "ingot-secret"

# and back: the same target answers again (the version message, not a
# connection error)
ch_restart_shard "$chdir" 1 || fail "shard 1 did not restart"
run "$INGOT" debug
grep -q "ClickHouse 18\.16" "$T/.out" "$T/.err" || fail "the restarted server answers: $OUT $ERR"
