#!/usr/bin/env bash
# t1128: DuckDB has no roles, so the reader's least privilege is the
# connection's: a reader target with `settings: {access_mode: READ_ONLY}`
# opens the warehouse read-only. Dashboards answer from it (ingot
# dashboards query -t reader, as ingot serve -t reader serves them), and
# anything that writes through it — a pipeline's sql task run as the reader,
# a build — fails with DuckDB's read-only error and changes nothing. The
# plan's note says how (no roles on DuckDB; a read-only reader target).
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/infra/proj" p && cd p
cat > profiles.yml <<'EOP'
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: shop.duckdb
      schema: main
    reader:
      type: duckdb
      path: shop.duckdb
      schema: gold
      settings: {access_mode: READ_ONLY}
EOP
run "$INGOT" infra plan
expect_rc 2
expect_out "duckdb has no roles"
expect_out "access_mode: READ_ONLY"
run "$INGOT" infra apply --yes
expect_rc 0
cp lake_seed/users/users_0001.csv lake/users/
run "$INGOT" load raw.users
expect_rc 0
run "$INGOT" build
expect_rc 0
mkdir -p dashboards
cat > dashboards/people.yml <<'EOP'
views:
  - name: users
    model: user_count
    dimensions: [users]
    measures:
      - {name: n, expr: count(*), format: integer}
dashboards:
  - name: people
    title: People
    pages:
      - name: overview
        title: Overview
        tiles:
          - {name: users, type: table, view: users, dimensions: [users], measures: [n]}
EOP
run "$INGOT" dashboards query people users -t reader
expect_rc 0
expect_out '"rows":[[2,1]]'
run "$INGOT" show -t reader -o csv --inline "select users from gold.user_count"
expect_rc 0
expect_out "2"

# writing through the reader fails, and nothing changed
mkdir -p pipelines
cat > pipelines/sneaky.yml <<'EOP'
pipeline: sneaky
tasks:
  - {id: write_gold, sql: "insert into gold.user_count values (99)", retries: 0}
EOP
run "$INGOT" pipeline run sneaky -t reader
[ "$RC" -ne 0 ] || fail "the reader wrote gold"
expect_err "read-only"
run "$INGOT" build --full-refresh -t reader
[ "$RC" -ne 0 ] || fail "a build through the read-only reader succeeded"
expect_out "attached in read-only mode"
run "$INGOT" show -o csv --inline "select count(*) as n from gold.user_count"
expect_rc 0
expect_out "1"
# the writer's target still writes
run "$INGOT" pipeline run sneaky
expect_rc 0
run "$INGOT" show -t reader -o csv --inline "select count(*) as n from gold.user_count"
expect_out "2"
echo ok
