#!/usr/bin/env bash
# dbt groups and model access: groups: in properties files (owner
# required), group:/access: on models; a private model may be ref'd only
# from its own group (and by its tests), else the referring node is an
# ERROR counted in the totals with dbt's message; the manifest carries
# groups, group_map and each node's group/access; graph.groups and
# graph.exposures (with owner) are visible to Jinja.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models && cd p
cat > dbt_project.yml <<'YML'
name: grp
version: "1.0"
profile: grp
YML
engine_profile duckdb grp > profiles.yml
echo "select 1 as id" > models/fin_base.sql
echo "select id from {{ ref('fin_base') }}" > models/fin_report.sql
echo "select 2 as id" > models/open_model.sql
cat > models/mkt_use.sql <<'SQL'
select id from {{ ref('open_model') }}
{% if execute %}
{% set g = graph.groups['group.grp.finance'] %}
{% set x = graph.exposures['exposure.grp.board'] %}
union all select {{ g.owner.email | length }}
-- {{ g.name }}/{{ g.owner.name }}/{{ x.owner.name }}/{{ graph.metrics | length }}/{{ graph.semantic_models | length }}
{% endif %}
SQL
cat > models/schema.yml <<'YML'
version: 2
groups:
  - name: finance
    owner: {name: Fin Team, email: fin@example.com}
    description: money
  - name: marketing
    owner: {name: Mkt}
models:
  - name: fin_base
    access: private
    config: {group: finance}
    columns:
      - name: id
        data_tests: [not_null]
  - name: fin_report
    config: {group: finance, access: public}
  - name: mkt_use
    group: marketing
exposures:
  - name: board
    type: dashboard
    owner: {name: Board, email: board@example.com}
    depends_on: ["ref('fin_report')"]
YML
run "$INGOT" build --no-reuse
expect_rc 0
expect_out "Done. PASS=5 WARN=0 ERROR=0 SKIP=0 TOTAL=5"
expect_q "select count(*), sum(id) from main.mkt_use" "2,17"
grep -q -- "-- finance/Fin Team/Board/0/0" target/compiled/grp/models/mkt_use.sql || fail "graph.groups/exposures: $(cat target/compiled/grp/models/mkt_use.sql)"
python3 - <<'PY' || fail "manifest groups"
import json
m = json.load(open("target/manifest.json"))
g = m["groups"]["group.grp.finance"]
assert g["name"] == "finance" and g["resource_type"] == "group" and g["owner"] == {"name": "Fin Team", "email": "fin@example.com"}, g
assert g["original_file_path"] == "models/schema.yml" and g["package_name"] == "grp", g
assert m["groups"]["group.grp.marketing"]["owner"] == {"name": "Mkt"}
assert sorted(m["group_map"]["finance"]) == ["model.grp.fin_base", "model.grp.fin_report"], m["group_map"]
n = m["nodes"]
assert (n["model.grp.fin_base"]["group"], n["model.grp.fin_base"]["access"]) == ("finance", "private")
assert (n["model.grp.fin_report"]["group"], n["model.grp.fin_report"]["access"]) == ("finance", "public")
assert (n["model.grp.mkt_use"]["group"], n["model.grp.mkt_use"]["access"]) == ("marketing", "protected")
assert n["model.grp.open_model"]["group"] is None
assert m["exposures"]["exposure.grp.board"]["owner"]["email"] == "board@example.com"
PY
# a private model ref'd from another group: the referring node errors
echo "select id from {{ ref('fin_base') }}" > models/mkt_bad.sql
printf '  - name: mkt_bad\n    config: {group: marketing}\n' >> models/schema.yml
run "$INGOT" build --no-reuse
expect_rc 1
expect_out "Done. PASS=5 WARN=0 ERROR=1 SKIP=0 TOTAL=6"
expect_out "Node model.grp.mkt_bad attempted to reference node model.grp.fin_base, which is not allowed because the referenced node is private to the 'finance' group"
# ... and from no group at all
sed -i '$d' models/schema.yml; sed -i '$d' models/schema.yml
run "$INGOT" build --no-reuse --select mkt_bad
expect_rc 1
expect_out "attempted to reference node model.grp.fin_base"
rm models/mkt_bad.sql
# an undefined group and a private model without a group are errors
sed -i 's/config: {group: finance, access: public}/config: {group: sales}/' models/schema.yml
run "$INGOT" build --no-reuse --select fin_report
expect_rc 1
expect_out "model 'model.grp.fin_report' is in group 'sales', which is not defined"
sed -i 's/config: {group: sales}/config: {access: private}/' models/schema.yml
run "$INGOT" build --no-reuse --select fin_report
expect_rc 1
expect_out "model 'model.grp.fin_report' is private but in no group"
# a group without an owner is refused when parsing, naming where
sed -i 's/    owner: {name: Mkt}/    description: none/' models/schema.yml
run "$INGOT" parse
expect_rc 2
expect_err "models/schema.yml:6:5: group 'marketing' needs an owner with a name or an email"
# dbt's semantic layer is parsed and validated (t1190-t1194 test it in
# full): a metric on a measure no semantic model defines stops the parse
sed -i -e 's/    description: none/    owner: {name: Mkt}/' -e 's/config: {access: private}/config: {group: finance, access: public}/' models/schema.yml
cat > models/semantic.yml <<'YML'
version: 2
semantic_models:
  - name: fin
    model: ref('fin_base')
metrics:
  - name: n_fin
    label: N
    type: simple
    type_params: {measure: x}
YML
run "$INGOT" parse
expect_rc 2
expect_err "models/semantic.yml:9:28: metric 'n_fin': measure 'x' is not a measure of any enabled semantic model"
sed -i "s/    model: ref('fin_base')/    model: ref('fin_base')\n    config: {group: finance}\n    measures: [{name: n_x, agg: count, expr: id, agg_time_dimension: id}]\n    dimensions: [{name: id, type: time, type_params: {time_granularity: day}}]\n    entities: [{name: fin, type: primary, expr: id}]/; s/{measure: x}/{measure: n_x}/" models/semantic.yml
run "$INGOT" parse
expect_rc 0
expect_no "not read"
jq -e '.semantic_models["semantic_model.grp.fin"].group == "finance" and .metrics["metric.grp.n_fin"].depends_on.nodes == ["semantic_model.grp.fin"]' target/manifest.json >/dev/null \
  || fail "semantic entries in the manifest"
