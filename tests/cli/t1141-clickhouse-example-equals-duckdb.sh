#!/usr/bin/env bash
# test: slow
# t1141: the reference platform (examples/ecommerce, unchanged) on ClickHouse embedded (chDB) and on DuckDB from one small lake: load and build pass with every test on both, every mart is equal row for row (CSV in a total order, floats to 9 significant digits), and every tile of the dashboards (Sales KPIs included) answers on chDB with the DuckDB values.
. ./lib.sh
[ -n "$(ls "$ROOT"/third_party/chdb/lib/libchdb.so 2>/dev/null)" ] ||
  fail "chDB is not installed: run scripts/bootstrap (third_party/chdb)"
chdb_or_skip t1141

mkdir -p "$T/lake0" && (cd "$T/lake0" && example_lake 0.01 2024-01-01 2025-12-31)
for e in duckdb clickhouse; do
  cp -r "$ROOT/examples/ecommerce" "$T/$e"
  rm -rf "$T/$e/lake" "$T/$e/target" "$T/$e/.ingot" "$T/$e"/warehouse.*
  cp -r "$T/lake0/lake" "$T/$e/lake"
done
# on ENGINE's copy: the project's own profile, target dev (DuckDB) or ch (chDB)
on() {
  local e=$1
  shift
  if [ "$e" = clickhouse ]; then
    (cd "$T/$e" && INGOT_TARGET=ch "$@")
  else
    (cd "$T/$e" && env -u INGOT_TARGET "$@")
  fi
}

for e in duckdb clickhouse; do
  on $e "$INGOT" load >"$T/$e.load" 2>&1 || fail "$e: load failed: $(tail -20 "$T/$e.load")"
  on $e "$INGOT" build >"$T/$e.build" 2>&1 || fail "$e: build failed: $(grep -A3 'Error in\|Failure in' "$T/$e.build" | head -30)"
  grep -q "ERROR=0 SKIP=0 TOTAL=" "$T/$e.build" || fail "$e: the build: $(tail -3 "$T/$e.build")"
done
# the same warnings (the lake's orders of users it does not have) on both
expect_eq "$(grep -o 'Done\..*' "$T/clickhouse.build")" "$(grep -o 'Done\..*' "$T/duckdb.build")" "build summary"

# every mart, in a total order, as CSV; floats to 9 significant digits (the
# engines' last binary digits of a computed double differ)
norm() {
  awk 'BEGIN { FS = OFS = "," }
       { for (i = 1; i <= NF; i++)
           if ($i ~ /^-?[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9][0-9]+$/) $i = sprintf("%.9g", $i)
         print }'
}
marts=$(cd "$ROOT/examples/ecommerce/models/marts" && ls ./*.sql | sed 's|^\./||; s|\.sql$||')
[ "$(wc -w <<<"$marts")" -ge 11 ] || fail "the example's marts: $marts"
for m in $marts; do
  for e in duckdb clickhouse; do
    ncol=$(on $e "$INGOT" show -q -o csv --limit 1 --inline "select * from main_gold.$m" | head -1 | awk -F, '{ print NF }')
    on $e "$INGOT" show -q -o csv --limit -1 \
      --inline "select * from main_gold.$m order by $(seq -s, 1 "$ncol")" | norm >"$T/$m.$e.csv" ||
      fail "$e: export of $m"
  done
  [ "$(wc -l <"$T/$m.duckdb.csv")" -gt 2 ] || fail "$m has rows on DuckDB"
  diff "$T/$m.duckdb.csv" "$T/$m.clickhouse.csv" >"$T/$m.diff" ||
    fail "$m differs between DuckDB (<) and ClickHouse (>): $(head -6 "$T/$m.diff" | cut -c1-300)"
done
# booleans are booleans and money is exact on chDB too
expect_eq "$(on clickhouse "$INGOT" show -q -o csv --limit -1 --inline \
  "select toTypeName(is_shipped), toTypeName(sale_price) from main_gold.fct_order_items limit 1" | tail -1)" \
  "Bool,\"Nullable(Decimal(18, 2))\"" "column types on chDB"

# the dashboards: every tile that has a query, on both; values equal
# (numbers to 6 decimals; the SQL text and timings are the engine's own)
tiles=$(awk '/^        tiles:/ { t = 1; next } /^      - name:/ { t = 0 }
             t && /^          - name: / { n = $3 } t && /^            type: / && $2 != "text" { print n }' \
  "$T/duckdb/dashboards/ecommerce.yml")
[ "$(wc -w <<<"$tiles")" -ge 45 ] || fail "the tiles of dashboards/ecommerce.yml: $tiles"
nj() { jq -S -c 'del(.sql, .ms, .queries, .cached) | walk(if type == "number" then ((. * 1000000 | round) / 1000000) else . end)' "$1"; }
for t in $tiles; do
  for e in duckdb clickhouse; do
    on $e "$INGOT" dashboards query ecommerce "$t" range=all >"$T/$t.$e.json" 2>"$T/$t.$e.err" ||
      fail "$e: tile $t: $(cat "$T/$t.$e.err")"
  done
  diff <(nj "$T/$t.duckdb.json") <(nj "$T/$t.clickhouse.json") >/dev/null ||
    fail "tile $t differs: DuckDB $(nj "$T/$t.duckdb.json" | cut -c1-300) ClickHouse $(nj "$T/$t.clickhouse.json" | cut -c1-300)"
done
# the Sales KPIs, spelled out (not vacuous): revenue and AOV from the bronze rows on DuckDB
rev=$(jq -r '.rows[0][0]' "$T/total_revenue.clickhouse.json")
expect_eq "$rev" "$(on duckdb "$INGOT" show -q -o csv --inline \
  "select cast(sum(sale_price) as decimal(18,2)) from main_gold.fct_order_items where is_revenue" | tail -1)" "Sales: revenue"
aov=$(jq -r '.rows[0][0]' "$T/average_order_value.clickhouse.json")
case "$aov" in *.*[0-9][0-9][0-9]*) ;; *) fail "Sales: average order value keeps its fractions of a cent on chDB ($aov)" ;; esac
on clickhouse "$INGOT" dashboards query ecommerce total_revenue from=2025-06-01 to=2025-06-30 >"$T/june.c.json"
on duckdb "$INGOT" dashboards query ecommerce total_revenue from=2025-06-01 to=2025-06-30 >"$T/june.d.json"
expect_eq "$(nj "$T/june.c.json")" "$(nj "$T/june.d.json")" "Sales: revenue of June (a filtered tile)"
echo "ok t1141"
