#!/usr/bin/env bash
# A warehouse that cannot be reached gives every command the same exit code
# (2) and the same message, and `retries:` makes more connection attempts.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
cp "$ROOT/tests/fixtures/load/small/models/sources.yml" models/lake_sources.yml
mkdir -p lake/items pipelines
printf 'id,v\n1,a\n' > lake/items/a.csv
cat > pipelines/p.yml <<'EOP'
pipeline: p
tasks:
  - {id: load_items, load: src.items}
  - {id: b, build: {select: "stg_orders"}, depends_on: [load_items]}
EOP
# nothing listens on port 1
cat > profiles.yml <<'EOP'
tinyshop:
  target: pg
  outputs:
    pg:
      type: postgres
      host: 127.0.0.1
      port: 1
      user: nobody
      password: "s3cret-never-shown"
      dbname: wh
      schema: tshop
EOP
want="error: cannot connect to PostgreSQL at 127.0.0.1:1 (database 'wh', user 'nobody'): "
check() {
  local cmd="$*"
  run "$INGOT" "$@"
  [ "$RC" -eq 2 ] || fail "ingot $cmd: expected exit 2, got $RC; stderr: $ERR"
  grep -qF -- "$want" "$T/.err" || fail "ingot $cmd: stderr lacks '$want': $ERR"
  expect_no "s3cret-never-shown"
}
check debug
check load
check build
check run
check seed
check test
check snapshot
check show --inline "select 1"
check show -s stg_orders
check pipeline run p

# retries: two more attempts, then the same error, which says so
sed -i 's/^      schema: tshop/      schema: tshop\n      retries: 2/' profiles.yml
run "$INGOT" debug -v
expect_rc 2
expect_err "(database 'wh', user 'nobody') (3 attempts): "
