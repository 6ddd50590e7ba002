#!/usr/bin/env bash
# Engine differences live in the warehouse adapter: transform/, quality/,
# load/ and graph/ never compare engine names ("postgres", "duckdb") nor
# spell engine-only SQL; a compile against a target type renders that
# engine's dialect without connecting to it.
. ./lib.sh
hits=$(grep -rn '"postgres"\|"duckdb"' "$ROOT/src/transform" "$ROOT/src/quality" \
	"$ROOT/src/load" "$ROOT/src/graph" || true)
[ -z "$hits" ] || fail "engine names compared outside the adapter (ask a wh_* dialect function or wh_has):
$hits"
hits=$(grep -rn 'try_cast\|list_slice\|date_add(\|float8\|now()' "$ROOT/src/transform" "$ROOT/src/quality" || true)
[ -z "$hits" ] || fail "engine-only SQL outside the adapter:
$hits"

# compile needs no connection: a PostgreSQL target that does not answer
# still gets PostgreSQL's spelling, DuckDB's its own
mkdir -p p/models && cd p
printf 'name: p\nversion: "1.0"\nprofile: p\n' > dbt_project.yml
cat > profiles.yml <<'EOP'
p:
  target: dk
  outputs:
    dk: {type: duckdb, path: "./w.duckdb"}
    pg: {type: postgres, host: 127.0.0.1, port: 1, user: nobody, dbname: nothing, schema: public}
EOP
echo "select {{ dbt.type_timestamp() }} as t, {{ current_timestamp() }} as n, {{ dbt.any_value('x') }} as a" > models/m.sql
run "$INGOT" compile -q
expect_rc 0
expect_eq "$(cat target/compiled/p/models/m.sql)" "select TIMESTAMP as t, current_timestamp as n, any_value(x) as a" "duckdb dialect"
run "$INGOT" compile -q -t pg
expect_rc 0
expect_eq "$(cat target/compiled/p/models/m.sql)" "select timestamp without time zone as t, now() as n, min(x) as a" "postgres dialect"
# a datepart the engine cannot express is a compile error naming it
echo "select {{ datediff('a', 'b', 'fortnight') }}" > models/m.sql
run "$INGOT" compile -t pg
expect_rc 1
expect_out "unsupported datepart 'fortnight': use year, quarter, month, week, day, hour, minute or second"
