#!/usr/bin/env bash
# t0620: a key whose value has the wrong shape (a value where a list or a
# mapping belongs, or the reverse) is an error at its file:line:col naming
# what was expected, in dbt_project.yml, profiles.yml, sources, properties
# files and pipeline files alike (one check, in the schema tables).
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
cp dbt_project.yml project.bak

# dbt_project.yml
sed -i 's/^model-paths:.*/model-paths: 42/' dbt_project.yml
run "$INGOT" compile
expect_rc 2
expect_err "dbt_project.yml:6:14: 'model-paths' must be a list, not the value '42'"
cp project.bak dbt_project.yml
sed -i 's/^clean-targets:.*/clean-targets: {target: 1}/' dbt_project.yml
run "$INGOT" compile
expect_rc 2
expect_err "dbt_project.yml:13:16: 'clean-targets' must be a list, not a mapping"
cp project.bak dbt_project.yml
printf 'on-run-start: {a: 1}\n' >> dbt_project.yml
run "$INGOT" compile
expect_rc 2
expect_err "'on-run-start' must be a value or a list, not a mapping"
cp project.bak dbt_project.yml
sed -i 's/^vars:.*/vars: [1, 2]/; /^  min_amount/d; /^  currency/d' dbt_project.yml
run "$INGOT" compile
expect_rc 2
expect_err "'vars' must be a mapping (key: value lines), not a list"
cp project.bak dbt_project.yml

# profiles.yml
cp profiles.yml profiles.bak
sed -i 's/^      schema: main/      schema: [main]/' profiles.yml
run "$INGOT" compile
expect_rc 2
expect_err "profiles.yml:7:15: 'schema' must be a single value, not a list"
cp profiles.bak profiles.yml
printf 'tinyshop:\n  target: dev\n  outputs: dev\n' > profiles.yml
run "$INGOT" compile
expect_rc 2
expect_err "profiles.yml:3:12: 'outputs' must be a mapping (key: value lines), not the value 'dev'"
cp profiles.bak profiles.yml

# sources
cat > models/sources.yml <<'YML'
version: 2
sources:
  - name: raw
    tables: orders
YML
run "$INGOT" compile
expect_rc 2
expect_err "models/sources.yml:4:13: 'tables' must be a list, not the value 'orders'"
printf 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n        columns: {id: int}\n' > models/sources.yml
run "$INGOT" compile
expect_rc 2
expect_err "models/sources.yml:6:18: 'columns' must be a list, not a mapping"
rm models/sources.yml

# properties files
cp models/schema.yml schema.bak
printf 'version: 2\nmodels:\n  - name: stg_orders\n    config: table\n' > models/schema.yml
run "$INGOT" compile
expect_rc 2
expect_err "models/schema.yml:4:13: 'config' must be a mapping (key: value lines), not the value 'table'"
printf 'version: 2\nmodels:\n  - name: stg_orders\n    columns:\n      - name: id\n        tests: unique\n' > models/schema.yml
run "$INGOT" compile
expect_rc 2
expect_err "models/schema.yml:6:16: 'tests' must be a list, not the value 'unique'"
printf 'version: 2\nmodels:\n  name: stg_orders\n' > models/schema.yml
run "$INGOT" compile
expect_rc 2
expect_err "models/schema.yml:3:3: 'models' must be a list, not a mapping"
cp schema.bak models/schema.yml

# pipeline files
mkdir -p pipelines
printf 'pipeline: p\nparams: [a, b]\ntasks: [{id: a, shell: echo}]\n' > pipelines/p.yml
run "$INGOT" pipeline list
expect_rc 2
expect_err "pipelines/p.yml:2:9: 'params' must be a mapping (key: value lines), not a list"
printf 'pipeline: p\ntasks:\n  - {id: a, shell: [echo, hi]}\n' > pipelines/p.yml
run "$INGOT" pipeline list
expect_rc 2
expect_err "pipelines/p.yml:3:20: 'shell' must be a single value, not a list"
printf 'pipeline: p\ntasks:\n  - {id: a, shell: echo, on_failure: "mail me"}\n' > pipelines/p.yml
run "$INGOT" pipeline list
expect_rc 2
expect_err "'on_failure' must be a mapping (key: value lines), not the value 'mail me'"
rm pipelines/p.yml

# the restored project is fine
run "$INGOT" compile
expect_rc 0
