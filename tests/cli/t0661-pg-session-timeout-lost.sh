#!/usr/bin/env bash
# PostgreSQL session keys of the profile take effect (application_name,
# search_path, role, statement_timeout); a statement that exceeds
# statement_timeout fails naming the model; a session the server terminates
# mid-build fails the model with "connection ... lost" and the next model
# runs on a new connection.
. "$(dirname "$0")/lib.sh"
psql() { PGOPTIONS="-c client_min_messages=warning" "$INGOT_TEST_PGBIN/psql" -X -q -At -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" \
  -U "$INGOT_TEST_PGUSER" -d "$INGOT_TEST_PGDATABASE" -c "$1"; }
mkdir -p proj/models && cd proj
cat > dbt_project.yml <<'EOP'
name: sess
profile: sess
EOP
psql "drop schema if exists t0661 cascade;
      do \$\$ begin if exists (select from pg_roles where rolname = 't0661_loader') then
        execute 'drop owned by t0661_loader'; execute 'drop role t0661_loader'; end if; end \$\$;
      create role t0661_loader;
      grant t0661_loader to current_user;
      create schema t0661 authorization t0661_loader;
      grant create on database $INGOT_TEST_PGDATABASE to t0661_loader"
pg_profile t0661 sess > profiles.yml
cat >> profiles.yml <<'EOP'
      application_name: ingot-t0661
      search_path: "t0661, public"
      role: t0661_loader
      statement_timeout: 1s
EOP
sed -i 's/threads: 2/threads: 1/' profiles.yml
run "$INGOT" debug
expect_rc 0
expect_out "search_path:     t0661, public"
expect_out "role:            t0661_loader"
expect_out "statement_timeout: 1000 ms"
cat > models/settings.sql <<'EOP'
select current_setting('application_name') as app, current_user as usr,
       current_setting('search_path') as sp, current_setting('statement_timeout') as st
EOP
run "$INGOT" run -s settings
expect_rc 0
expect_q "select app, usr, sp, st from t0661.settings" "ingot-t0661,t0661_loader,\"t0661, public\",1s"

# statement_timeout: the model is named, and the timeout
cat > models/slow.sql <<'EOP'
{{ config(materialized='table') }}
select 1 as x from (select pg_sleep(30)) s
EOP
run "$INGOT" run -s slow
expect_rc 1
expect_out "Database Error in model slow (models/slow.sql): canceling statement due to statement timeout (the profile's statement_timeout is 1000 ms)"

run "$INGOT" show --inline "select pg_sleep(30)"
expect_rc 1
expect_err "query failed: canceling statement due to statement timeout (the profile's statement_timeout is 1000 ms)"

# a terminated session: the model that ran on it is named; `z_after` (next, on
# the same single worker) gets a fresh connection
sed -i 's/statement_timeout: 1s/statement_timeout: 10min/' profiles.yml
cat > models/z_after.sql <<'EOP'
select 2 as y
EOP
# kill_when_seen: terminate the ingot session running pg_sleep, once seen
kill_when_seen() {
  for _ in $(seq 600); do
    n=$(psql "select pg_terminate_backend(pid) from pg_stat_activity
              where application_name = 'ingot-t0661' and query like '%pg_sleep%'
                and state = 'active'" | grep -c t || true)
    [ "$n" -gt 0 ] && return 0
    sleep 0.1
  done
  return 1
}
kill_when_seen &
killer=$!
run "$INGOT" run -s slow z_after
wait "$killer" || fail "the slow model's session was never seen"
expect_rc 1
expect_out "Database Error in model slow (models/slow.sql): connection to PostgreSQL at $INGOT_TEST_PGHOST:$INGOT_TEST_PGPORT lost: "
expect_out "OK created sql view model t0661.z_after"
expect_out "Done. PASS=1 WARN=0 ERROR=1 SKIP=0 TOTAL=2"

# show: a lost session is a connection error (exit 2)
kill_when_seen &
killer=$!
run "$INGOT" show --inline "select pg_sleep(30)"
wait "$killer" || fail "the show session was never seen"
expect_rc 2
expect_err "query failed: connection to PostgreSQL at $INGOT_TEST_PGHOST:$INGOT_TEST_PGPORT lost: "
