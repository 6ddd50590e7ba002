#!/usr/bin/env bash
# tests/external/run-suite.sh — run a dbt package's own integration test
# suite, unchanged, with ingot on a throwaway PostgreSQL, the way its CI
# runs it with dbt (`dbt deps` then `dbt build --target postgres`).
#
#   tests/external/run-suite.sh INGOT SUITE_DIR NAME=PKG_DIR [NAME=PKG_DIR ...]
#
# SUITE_DIR is the package's integration_tests directory (a copy: this
# writes profiles.yml, dbt_packages/ and target/ into it). Each NAME=PKG_DIR
# is vendored into SUITE_DIR/dbt_packages/NAME as `dbt deps` would (the
# package root without its integration_tests/), e.g. for dbt-expectations
# 0.10.9: dbt_expectations=<its checkout> dbt_date=<dbt-date 0.21.0>.
# The upstream code is fetched by whoever runs this; it is never part of
# this repository. Prints ingot's summary line ("Done. PASS=...") last and
# exits with ingot's status. EXTRA_ARGS (env) is appended to the build.
# TARGET=duckdb (env) runs on a DuckDB file in SUITE_DIR instead (target
# name "duckdb", as the packages' own profiles name it); no PostgreSQL.
# (The file name is an unquoted identifier in some packages' SQL: no "-".)
set -eu
[ $# -ge 2 ] || { sed -n '2,16p' "$0" >&2; exit 2; }
ingot=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
suite=$(cd "$2" && pwd)
shift 2
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$suite/dbt_packages"
for spec in "$@"; do
  name=${spec%%=*} dir=${spec#*=}
  [ -d "$dir" ] || { echo "run-suite: no package directory $dir" >&2; exit 2; }
  rm -rf "${suite:?}/dbt_packages/$name"
  mkdir -p "$suite/dbt_packages/$name"
  (cd "$dir" && tar --exclude=./integration_tests --exclude=./.git -cf - .) |
    tar -xf - -C "$suite/dbt_packages/$name"
done
target=${TARGET:-postgres}
profile=$(sed -n 's/^profile: *["'"'"']\{0,1\}\([A-Za-z0-9_]*\).*/\1/p' "$suite/dbt_project.yml")
if [ "$target" = duckdb ]; then
  rm -f "$suite/ingot_suite.duckdb" "$suite/ingot_suite.duckdb.wal"
  cat > "$suite/profiles.yml" <<EOP
${profile:-integration_tests}:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "$suite/ingot_suite.duckdb"
      schema: integration_tests
      threads: 4
EOP
else
pgdir=$(mktemp -d /tmp/ingot-suite-pg-XXXXXX)
. "$here/tests/lib/pg.sh"
trap 'pg_stop "$pgdir"; rm -rf "$pgdir"' EXIT
pg_start "$pgdir" >/dev/null
cat > "$suite/profiles.yml" <<EOP
${profile:-integration_tests}:
  target: postgres
  outputs:
    postgres:
      type: postgres
      host: "$INGOT_TEST_PGHOST"
      port: $INGOT_TEST_PGPORT
      user: "$INGOT_TEST_PGUSER"
      password: "unused"
      dbname: "$INGOT_TEST_PGDATABASE"
      schema: integration_tests
      threads: 4
EOP
fi
cd "$suite"
set +e
"$ingot" build --profiles-dir . --target "$target" ${EXTRA_ARGS:-} > "$suite/ingot-build.log" 2>&1
rc=$?
set -e
grep -E "Found |Done\." "$suite/ingot-build.log" | sed 's/^[0-9:]*  //'
exit $rc
