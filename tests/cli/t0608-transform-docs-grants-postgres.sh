#!/usr/bin/env bash
# persist_docs (COMMENT ON relation and columns) and grants on PostgreSQL,
# where the engine's capability bits allow them; dispatch to an adapter's
# own test implementation (postgres__test_...) and a custom generic test
# with arguments; a test on a source with where/limit.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models p/macros && cd p
pg_profile docs docsproj > profiles.yml
cat > dbt_project.yml <<'YML'
name: docsproj
version: "1.0"
config-version: 2
profile: docsproj
on-run-start:
  - "do $body$ begin if not exists (select from pg_roles where rolname = 'ingot_reader') then create role ingot_reader; end if; end $body$"
models:
  docsproj:
    +materialized: table
    +persist_docs: {relation: true, columns: true}
    +grants: {select: ['ingot_reader']}
YML
cat > models/things.sql <<'SQL'
select 1 as id, 'a' as label union all select 2, 'b'
SQL
cat > models/props.yml <<'YML'
version: 2
models:
  - name: things
    description: "Things we count"
    columns:
      - name: id
        description: "The thing's number"
        data_tests:
          - unique
          - at_least: {min_value: 1}
      - name: label
        data_tests:
          - not_null: {config: {where: "id > 1", limit: 10}}
YML
cat > macros/tests.sql <<'SQL'
{% test at_least(model, column_name, min_value) %}
select * from {{ model }} where {{ column_name }} < {{ min_value }}
{% endtest %}
{# the engine's implementation wins over default__ in dispatch #}
{% macro postgres__test_unique(model, column_name) %}
select {{ column_name }} from {{ model }} group by 1 having count(*) > 1 /* pg-specific */
{% endmacro %}
SQL
run "$INGOT" build
expect_rc 0
expect_out "Done. PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4"
[ "$(q "select obj_description('docs.things'::regclass)")" = "Things we count" ] || fail "relation comment"
[ "$(q "select col_description('docs.things'::regclass, 1)")" = "The thing's number" ] || fail "column comment"
[ "$(q "select has_table_privilege('ingot_reader', 'docs.things', 'select')")" = "true" ] || fail "grant"
grep -rq "pg-specific" target/compiled/docsproj/models/props.yml/ || fail "adapter dispatch to postgres__"
grep -rq "where id > 1) dbt_subquery" target/compiled/docsproj/models/props.yml/ || fail "where config"
grep -rq "limit 10" target/run/docsproj/models/props.yml/ || fail "limit config"
