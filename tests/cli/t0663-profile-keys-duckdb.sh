#!/usr/bin/env bash
# Keys that used to be accepted and ignored now act or are refused: the
# duckdb profile's settings:, dbt-duckdb keys ingot does not implement,
# dbt_project.yml's log-path, and tests' store_failures_as.
. "$(dirname "$0")/lib.sh"
mkdir -p proj/models && cd proj
cat > dbt_project.yml <<'EOP'
name: keys
profile: keys
EOP
prof() {
  engine_profile duckdb keys > profiles.yml
  printf '%s\n' "$@" >> profiles.yml
}
cat > models/m.sql <<'EOP'
select 1 as id union all select 1 union all select 2
EOP
cat > models/schema.yml <<'EOP'
version: 2
models:
  - name: m
    columns:
      - name: id
        data_tests:
          - unique: {config: {severity: warn, store_failures_as: view}}
          - not_null: {config: {store_failures: true, store_failures_as: ephemeral}}
          - accepted_values: {values: [1], config: {severity: warn, store_failures_as: table}}
EOP

# settings: applied to the database
prof "      settings: {threads: 3, default_order: desc}"
expect_q "select current_setting('threads'), lower(current_setting('default_order'))" "3,desc"
prof "      settings: {no_such_option: 1}"
run "$INGOT" run
expect_rc 2
expect_err "profiles.yml:8:17: cannot open target 'dev' (duckdb): cannot open DuckDB database '$PWD/warehouse.duckdb' with the target's settings: "
expect_err "no_such_option"
prof "      settings: {threads: many}"
run "$INGOT" run
expect_rc 2
expect_err "profiles.yml:8:18: cannot open target 'dev' (duckdb): DuckDB rejects setting 'threads' = 'many'"

# dbt-duckdb keys ingot does not implement: refused where they are
# extensions: loaded when available (json and parquet are built in); an
# unavailable one is a located warning, never a download
prof "      extensions: [parquet, json, no_such_ext]"
run "$INGOT" run
expect_rc 0
expect_err "profiles.yml:8:35: DuckDB extension 'no_such_ext' is not available"
expect_q "select count(*) from duckdb_extensions() where loaded and extension_name in ('parquet', 'json')" "2"
prof "      extensions: [\"httpfs; drop table x\"]"
run "$INGOT" run
expect_rc 2
expect_err "is not a DuckDB extension name"
# database: the file's stem, as dbt-duckdb sets it
prof "      database: warehouse"
run "$INGOT" debug
expect_rc 0
prof "      database: other"
run "$INGOT" debug
expect_rc 2
expect_err "profiles.yml:8:17: for type duckdb, 'database' is the name of the file in 'path' ('warehouse'), not 'other'"
prof "      attach: [{path: x.duckdb}]"
run "$INGOT" run
expect_rc 2
expect_err "profiles.yml:8:7: unsupported profile key 'attach' for type duckdb"
prof "      host: db.example"
run "$INGOT" debug
expect_rc 2
expect_err "profiles.yml:8:7: unsupported profile key 'host' for type duckdb (it is a postgres key)"
# unknown keys: a warning, as dbt ignores them
prof "      colour: blue"
run "$INGOT" debug
expect_rc 0
expect_err "profiles.yml:8:7: unknown profile key 'colour' in target 'dev' is ignored"

# store_failures_as: view / ephemeral (overrides store_failures) / table
prof
run "$INGOT" build
expect_rc 0
expect_q "select table_name, table_type from information_schema.tables
          where table_schema = 'main_dbt_test__audit' order by 1" \
"accepted_values_m_id__1,BASE TABLE
unique_m_id,VIEW"
expect_q "select count(*) from main_dbt_test__audit.unique_m_id" "1"
expect_q "select count(*) from main_dbt_test__audit.accepted_values_m_id__1" "1"
sed -i 's/store_failures_as: view/store_failures_as: views/' models/schema.yml
run "$INGOT" build
expect_rc 1
expect_out "ERROR unique_m_id"
expect_out "models/schema.yml:7:66: test unique_m_id: store_failures_as must be table, view or ephemeral, not 'views'"
sed -i 's/store_failures_as: views/store_failures_as: view/' models/schema.yml

# log-path: ingot.log is written there; a log-path that cannot be made fails
rm -f target/ingot.log
echo "log-path: my_logs" >> dbt_project.yml
run "$INGOT" run
expect_rc 0
grep -q "sql view model main.m " my_logs/ingot.log || fail "log not in log-path"
[ ! -e target/ingot.log ] || fail "log still written to target/"
sed -i 's/^log-path: my_logs/log-path: a_file\/logs/' dbt_project.yml
touch a_file
run "$INGOT" run
expect_rc 2
expect_err "log-path in $PWD/dbt_project.yml: "
