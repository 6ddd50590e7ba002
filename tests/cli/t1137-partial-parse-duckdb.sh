#!/usr/bin/env bash
# t1137: partial parsing (src/transform/pparse.c): an unchanged project renders no node; a changed model, a macro (callers, transitively), a properties file, an env var read in config(), a var and the target re-render exactly what depends on them (from the debug lines and perf_info.json); the manifest equals a full parse's; a corrupt cache is ignored with a warning.
. ./lib.sh

mkdir -p p/models p/macros
cd p
cat >profiles.yml <<EOF
pp:
  target: dev
  outputs:
    dev: {type: duckdb, path: "$PWD/warehouse.duckdb", threads: 2, schema: main}
    other: {type: duckdb, path: "$PWD/warehouse.duckdb", threads: 2, schema: other}
EOF
cat >dbt_project.yml <<'EOF'
name: pp
version: "1.0"
config-version: 2
profile: pp
vars:
  limit_rows: 5
EOF
cat >macros/inner.sql <<'EOF'
{% macro inner_expr() %}1 + 1{% endmacro %}
EOF
cat >macros/outer.sql <<'EOF'
{% macro outer_expr() %}({{ inner_expr() }}) * 2{% endmacro %}
EOF
cat >macros/cols.sql <<'EOF'
{% macro tag_of(x) %}{{ return('t_' ~ x) }}{% endmacro %}
EOF
echo "{{ config(materialized='table') }} select 1 as id" >models/a.sql
echo "select id from {{ ref('a') }}" >models/b.sql
echo "{{ config(tags=[tag_of('c')]) }} select id from {{ ref('b') }}" >models/c.sql
echo "select {{ outer_expr() }} as v, id from {{ ref('a') }}" >models/d.sql
echo "{{ config(tags=[env_var('PP_TAG', 'none')]) }} select id from {{ ref('a') }}" >models/e.sql
echo "select id from {{ ref('a') }} limit {{ var('limit_rows') }}" >models/f.sql
cat >models/schema.yml <<'EOF'
version: 2
models:
  - name: b
    description: "b model"
    columns:
      - {name: id, data_tests: [not_null]}
EOF
ALL="a b c d e f"

# parse ARGS...: ingot parse with debug logs; $RENDERED: the sorted model
# names whose parse render ran; $PI: perf_info.json
parse() {
  run "$INGOT" parse -v --write-perf-info "$@"
  expect_rc 0
  RENDERED=$(grep -o 'partial parse: rendering model\.pp\.[a-z]*' "$T/.err" | sed 's/.*\.//' | sort | tr '\n' ' ' | sed 's/ $//')
  PI=$(cat target/perf_info.json)
}
# counts N_RENDERED N_REUSED: perf_info.json's counters
counts() {
  python3 - "$1" "$2" <<'PY' || fail "perf_info.json: expected rendered=$1 reused=$2, got $PI"
import json, sys
pi = json.load(open("target/perf_info.json"))
sys.exit(0 if (pi["rendered_nodes"], pi["reused_nodes"]) == (int(sys.argv[1]), int(sys.argv[2])) else 1)
PY
}
rendered() { [ "$RENDERED" = "$1" ] || fail "expected the parse to render [$1], it rendered [$RENDERED]; stderr: $ERR"; }
# the manifest with the per-run values blanked
norm() {
  python3 - "$1" <<'PY'
import json, sys
def walk(x):
    if isinstance(x, dict):
        for k in list(x):
            if k in ("generated_at", "invocation_id", "created_at"):
                x[k] = None
            else:
                walk(x[k])
    elif isinstance(x, list):
        for v in x:
            walk(v)
m = json.load(open("target/manifest.json"))
walk(m)
json.dump(m, open(sys.argv[1], "w"), sort_keys=True, indent=1)
PY
}
# same_as_full ARGS...: the manifest of the last (partial) parse equals a
# full parse's with the same arguments
same_as_full() {
  norm "$T/partial.json"
  run "$INGOT" parse --no-partial-parse "$@"
  expect_rc 0
  norm "$T/full.json"
  diff "$T/partial.json" "$T/full.json" >"$T/diff" || fail "manifest after a partial parse differs from a full parse: $(head -20 "$T/diff")"
}

# first parse: no cache, every node rendered; then nothing changed: none
parse
rendered "$ALL"
counts 6 0
[ -s target/partial_parse.json ] || fail "no target/partial_parse.json written"
grep -q '"is_partial_parse_enabled": true' target/perf_info.json || fail "perf_info: $PI"
parse
rendered ""
counts 0 6
expect_err "partial parse on: 0 nodes rendered, 6 reused from the cache"
same_as_full

# a changed model: only it
echo "select id, 2 as two from {{ ref('a') }}" >models/b.sql
parse
rendered "b"
counts 1 5
same_as_full

# a macro called through another macro: its callers, transitively (d)
sed -i 's/1 + 1/1 + 2/' macros/inner.sql
parse
rendered "d"
same_as_full
# a macro whose result is a config value: the caller re-rendered and its tags follow
sed -i "s/'t_'/'tag_'/" macros/cols.sql
parse
rendered "c"
grep -q '"tag_c"' target/manifest.json || fail "c's tag from the changed macro is not in the manifest"
same_as_full

# a properties file: its nodes (b: description)
sed -i 's/"b model"/"the b model"/' models/schema.yml
parse
rendered "b"
same_as_full

# an env var read in config(): only the node that reads it, with its value
PP_TAG=red parse
rendered "e"
grep -q '"red"' target/manifest.json || fail "e's tag from PP_TAG is not in the manifest"
PP_TAG=red parse
rendered ""
PP_TAG=red same_as_full
PP_TAG=blue parse
rendered "e"
grep -q '"blue"' target/manifest.json || fail "e's tag did not follow PP_TAG"
parse # unset again
rendered "e"

# a var, from --vars or dbt_project.yml: every node
parse --vars '{limit_rows: 3}'
rendered "$ALL"
parse --vars '{limit_rows: 3}'
rendered ""
same_as_full --vars '{limit_rows: 3}'
parse
rendered "$ALL"
sed -i 's/limit_rows: 5/limit_rows: 7/' dbt_project.yml
parse
rendered "$ALL"

# the target (profile): every node; back again: every node
parse --target other
rendered "$ALL"
parse --target other
rendered ""
same_as_full --target other
parse
rendered "$ALL"

# --no-partial-parse: every node, and the cache is neither read nor written
cp target/partial_parse.json "$T/cache.before"
parse --no-partial-parse
rendered ""
counts 6 0
grep -q '"is_partial_parse_enabled": false' target/perf_info.json || fail "perf_info: $PI"
cmp -s target/partial_parse.json "$T/cache.before" || fail "--no-partial-parse rewrote the cache"

# a corrupt cache: a warning, every node rendered, the file rewritten
head -c 300 "$T/cache.before" >target/partial_parse.json
parse
expect_out "Ignoring the partial parse cache"
expect_out "it is corrupt"
rendered "$ALL"
parse
rendered ""
# an entry of the wrong shape: that node is rendered, the others reused
python3 - <<'PY'
import json
c = json.load(open("target/partial_parse.json"))
c["nodes"]["model.pp.c"]["refs"] = [["x"]]
c["nodes"]["model.pp.d"]["cfg"] = "nonsense"
json.dump(c, open("target/partial_parse.json", "w"))
PY
parse
rendered "c d"
same_as_full
# another format version: quietly ignored
python3 - <<'PY'
import json
c = json.load(open("target/partial_parse.json"))
c["version"] = 999
json.dump(c, open("target/partial_parse.json", "w"))
PY
parse
expect_no "Ignoring the partial parse cache"
rendered "$ALL"

# the project builds from a partial parse: the changed var reaches the SQL
run "$INGOT" build -q
expect_rc 0
run "$INGOT" build -v
expect_rc 0
expect_err "partial parse on: 0 nodes rendered, 6 reused from the cache"
grep -q 'limit 7' target/compiled/pp/models/f.sql || fail "f compiled without the var's value: $(cat target/compiled/pp/models/f.sql)"
