#!/usr/bin/env bash
# t1166: dbt's restrict-access. A package whose dbt_project.yml sets
# restrict-access: true keeps its protected models (the default access) to
# itself: a ref from the root project is an ERROR of the referring node,
# counted in the totals, with dbt's message; its public models stay open,
# and without restrict-access protected models are open to every package.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models p/dbt_packages/lib/models && cd p
cat > dbt_project.yml <<'YML'
name: app
version: "1.0"
profile: app
YML
engine_profile duckdb app > profiles.yml
cat > dbt_packages/lib/dbt_project.yml <<'YML'
name: lib
version: "0.1.0"
restrict-access: true
YML
echo "select 1 as id" > dbt_packages/lib/models/lib_inner.sql
echo "select id + 1 as id from {{ ref('lib_inner') }}" > dbt_packages/lib/models/lib_api.sql
cat > dbt_packages/lib/models/schema.yml <<'YML'
version: 2
models:
  - name: lib_api
    access: public
YML
echo "select id from {{ ref('lib', 'lib_api') }}" > models/uses_api.sql
run "$INGOT" build
expect_rc 0
expect_out "Done. PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3"
# the root project refs the package's protected model: refused
echo "select id from {{ ref('lib_inner') }}" > models/uses_inner.sql
run "$INGOT" build --no-reuse
expect_rc 1
expect_out "Done. PASS=3 WARN=0 ERROR=1 SKIP=0 TOTAL=4"
expect_out "Node model.app.uses_inner attempted to reference node model.lib.lib_inner, which is not allowed because the referenced node is protected to the 'lib' package"
# without restrict-access the same ref is allowed (dbt's default)
sed -i '/restrict-access/d' dbt_packages/lib/dbt_project.yml
run "$INGOT" build --no-reuse
expect_rc 0
expect_out "Done. PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4"
expect_q "select id from main.uses_inner" "1"
