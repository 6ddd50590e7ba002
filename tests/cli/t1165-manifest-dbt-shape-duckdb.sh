#!/usr/bin/env bash
# The manifest's nodes have the shape of dbt's manifest v12 schema where
# consumers read it strictly (additionalProperties: false): a seed has no
# language, refs, sources, metrics or compiled_path and depends on macros
# only; a model's pre-hook/post-hook in config are lists of
# {sql, transaction, index} objects, whether written as a string, a list
# or {sql, transaction}. state:modified compares configs in that same form,
# so an unchanged model with hooks is not "modified" against its own
# manifest. (tests/external/validate-artifacts.sh checks whole artifacts
# against dbt's published schemas where they are at hand.) The manifest
# that compile writes carries the compiled code, as dbt's.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models p/seeds && cd p
cat > dbt_project.yml <<'YML'
name: shape
version: "1.0"
profile: shape
YML
engine_profile duckdb shape > profiles.yml
printf 'id,name\n1,a\n2,b\n' > seeds/people.csv
cat > models/hooked.sql <<'SQL'
{{ config(pre_hook="select 1",
          post_hook=["select 2", {"sql": "select 3", "transaction": false}]) }}
select id from {{ ref('people') }}
SQL
echo "select 1 as x" > models/plain.sql
run "$INGOT" build
expect_rc 0
m=target/manifest.json
seed=$(jq -c '.nodes["seed.shape.people"]' "$m")
[ "$(jq -c '[has("language"), has("refs"), has("sources"), has("metrics"), has("compiled_path")]' <<<"$seed")" = "[false,false,false,false,false]" ] ||
  fail "seed node has code keys: $(jq -c keys <<<"$seed")"
[ "$(jq -c '.depends_on | keys' <<<"$seed")" = '["macros"]' ] || fail "seed depends_on: $(jq -c .depends_on <<<"$seed")"
cfg=$(jq -c '.nodes["model.shape.hooked"].config' "$m")
[ "$(jq -c '.["pre-hook"]' <<<"$cfg")" = '[{"sql":"select 1","transaction":true,"index":null}]' ] ||
  fail "pre-hook: $(jq -c '.["pre-hook"]' <<<"$cfg")"
[ "$(jq -c '.["post-hook"]' <<<"$cfg")" = '[{"sql":"select 2","transaction":true,"index":null},{"sql":"select 3","transaction":false,"index":null}]' ] ||
  fail "post-hook: $(jq -c '.["post-hook"]' <<<"$cfg")"
[ "$(jq -c '.nodes["model.shape.plain"].config["post-hook"]' "$m")" = '[]' ] || fail "plain model's post-hook is not []"
# the model's own code keys are still there
[ "$(jq -c '.nodes["model.shape.hooked"] | [.language, (.refs|length), .depends_on.nodes]' "$m")" = '["sql",1,["seed.shape.people"]]' ] ||
  fail "model code keys: $(jq -c '.nodes["model.shape.hooked"] | [.language, .refs, .depends_on]' "$m")"
mkdir -p ../state && cp "$m" ../state/
run "$INGOT" ls -s state:modified --state ../state
expect_rc 0
expect_no hooked
expect_no plain
sed -i 's/select 2/select 22/' models/hooked.sql
run "$INGOT" ls -s state:modified --state ../state
expect_rc 0
grep -q 'hooked' <<<"$OUT" || fail "a changed hook is not state:modified: $OUT"

# compile's manifest carries each compiled node's code, as dbt's compile
rm -rf target
run "$INGOT" compile -q
expect_rc 0
[ "$(jq -r '.nodes["model.shape.plain"] | "\(.compiled) \(.compiled_code)"' target/manifest.json)" = "true select 1 as x" ] ||
  fail "compile's manifest lacks plain's compiled code: $(jq -c '.nodes["model.shape.plain"] | {compiled, compiled_code}' target/manifest.json)"
