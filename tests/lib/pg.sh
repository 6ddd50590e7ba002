#!/usr/bin/env bash
# tests/lib/pg.sh — a throwaway PostgreSQL server for tests.
#
#   source tests/lib/pg.sh; pg_start DIR    # exports INGOT_TEST_PG{HOST,PORT,USER,DATABASE}
#   pg_createdb NAME                        # one more database on that server
#   pg_stop DIR
#
# initdb in DIR (owned by the postgres user when we are root: PostgreSQL
# refuses to run as root), listening only on a unix socket in DIR and on
# 127.0.0.1 at a free port. Nothing is left running after pg_stop.

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

. "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

pg_as() { # run a command as the server's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local dir=$1 bin port user
  bin=$(pg_bindir) || { echo "pg.sh: PostgreSQL server binaries not found (scripts/bootstrap installs postgresql-15)" >&2; return 1; }
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; user=postgres; else user=$(id -un); fi
  chmod 700 "$dir"
  pg_as "$bin/initdb" -D "$dir/data" -U "$user" --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    { echo "pg.sh: initdb failed:" >&2; cat "$dir/initdb.log" >&2; return 1; }
  local try started=
  for try in 1 2 3 4 5; do
    port=$(free_port 24000 200 "$try") || { echo "pg.sh: no free port" >&2; return 1; }
    if pg_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" start >/dev/null; then
      started=1; break
    fi
    # another run took the port between the check and the start: next one
    grep -q 'could not bind\|already in use' "$dir/server.log" 2>/dev/null || break
  done
  [ -n "$started" ] || { echo "pg.sh: server did not start:" >&2; cat "$dir/server.log" >&2; return 1; }
  export INGOT_TEST_PGHOST=$dir INGOT_TEST_PGPORT=$port INGOT_TEST_PGUSER=$user INGOT_TEST_PGDATABASE=postgres
  export INGOT_TEST_PGBIN=$bin
}

pg_createdb() {
  "$INGOT_TEST_PGBIN/createdb" -h "$INGOT_TEST_PGHOST" -p "$INGOT_TEST_PGPORT" -U "$INGOT_TEST_PGUSER" "$1"
}

pg_stop() {
  local dir=$1 bin
  bin=$(pg_bindir) || return 0
  [ -d "$dir/data" ] && pg_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$dir"
}
