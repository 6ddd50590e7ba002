#!/usr/bin/env bash
# t0901: on PostgreSQL nothing is handed over: the scheduler opens no
# control socket, and a build in another shell connects on its own while
# the scheduler runs (several processes may write: WH_CAP_MULTI_PROCESS).
. ./lib.sh
mkdir p && cd p
cat > dbt_project.yml <<'EOP'
name: t0901
profile: t0901
EOP
pg_profile t0901 t0901 > profiles.yml
mkdir models
echo "select 1 as n" > models/one.sql
"$INGOT" show --limit -1 --inline "drop schema if exists t0901 cascade" > /dev/null
"$INGOT" scheduler --grace 1 > "$T/s.log" 2>&1 &
S=$!
trap 'kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" "$T/s.log" && break; sleep 0.1; done
grep -q "scheduler started" "$T/s.log" || fail "scheduler: $(cat "$T/s.log")"
[ ! -e .ingot/control.sock ] || fail "a control socket on PostgreSQL"
run "$INGOT" build
expect_rc 0
expect_out "OK created sql view model t0901.one"
grep -q "running for pid" "$T/s.log" && fail "handed off on PostgreSQL: $(cat "$T/s.log")"
expect_q "select n from t0901.one" "1"
kill -TERM $S
wait $S || fail "scheduler exit status: $(cat "$T/s.log")"
"$INGOT" show --limit -1 --inline "drop schema if exists t0901 cascade" > /dev/null
