#!/usr/bin/env bash
# t1002: `ingot dashboards check` — before a build the relations are
# warnings (exit 0); a file with mistakes gives each at its exact
# file:line:col with a "did you mean", and exit 1; --json has the same
# list; the non-additive-over-pre-aggregated warning and its per-measure
# acknowledgement (pre_aggregated_ok: "reason"); no project: exit 2.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml

run "$INGOT" dashboards check
expect_rc 0
expect_out "dashboards/shop.yml:4:12: warning: view 'order_items': the relation of model 'fct_order_items' (main.fct_order_items) is not in the warehouse yet"
expect_out "dashboards: 0 errors, 1 warning"

run "$INGOT" build
expect_rc 0
cat > dashboards/bad.yml <<'YML'
views:
  - name: daily
    model: fct_daily_sale
    time: day
  - name: daily2
    model: fct_daily_sales
    time: dayy
    pre_aggregated: true
    dimensions:
      - categori
      - name: dept
        expr: departmen
    measures:
      - name: revenue
        expr: sum(revenue)
        format: curency
      - name: orders
        expr: sum(orders)
      - name: aov
        expr: sum(revenue) / nullif(sum(orders), 0)
    colour: red
dashboards:
  - name: bad
    pages:
      - name: p
        filters: [date, categry]
        default_range: last_9_days
        tiles:
          - {name: a, type: kpii, view: daily2, measure: revenue}
          - {name: b, type: kpi, view: daily3, measure: revenue}
          - {name: c, type: pie, view: daily2, dimension: dept, measure: revenu}
          - {name: d, type: table, view: daily2, dimensions: [dept], measures: [orders], sort: -order}
          - {name: d, type: text, markdown: hi}
          - {name: e, type: line, view: daily2, measures: [orders], grain: hourly}
          - {name: f, type: kpi, view: daily2, measure: orders, dimension: dept}
          - {name: g, type: bar, view: daily2, dimension: dept, measures: [orders], sort: revnue}
YML
run "$INGOT" dashboards check
expect_rc 1
while IFS= read -r line; do expect_out "$line"; done <<'EXP'
dashboards/bad.yml:3:12: error: view 'daily': unknown model 'fct_daily_sale' (did you mean 'fct_daily_sales'?)
dashboards/bad.yml:7:11: error: view 'daily2': model 'fct_daily_sales' has no column 'dayy' (did you mean 'day'?)
dashboards/bad.yml:10:9: error: view 'daily2': model 'fct_daily_sales' has no column 'categori' (did you mean 'category'?)
dashboards/bad.yml:12:15: error: view 'daily2': dimension 'dept': Binder Error: Referenced column "departmen" not found
dashboards/bad.yml:16:17: error: measure 'revenue': unknown format 'curency' (did you mean 'currency'?)
dashboards/bad.yml:20:15: warning: view 'daily2': measure 'aov': non-additive measure over a pre-aggregated model: computed from rows that are already aggregates; point the view at the model at the measure's grain, or, when it is right at any grain, say why with pre_aggregated_ok: "reason"
dashboards/bad.yml:21:5: error: unknown key 'colour' in a view
dashboards/bad.yml:26:25: error: page 'p': filter 'categry' is not a dimension of any view (did you mean 'category'?)
dashboards/bad.yml:27:24: error: page 'p': unknown range 'last_9_days' (did you mean 'last_7_days'?)
dashboards/bad.yml:29:29: error: tile 'a': unknown tile type 'kpii' (did you mean 'kpi'?)
dashboards/bad.yml:30:40: error: tile 'b': unknown view 'daily3' (did you mean 'daily'?)
dashboards/bad.yml:31:74: error: tile 'c': view 'daily2' has no measure 'revenu' (did you mean 'revenue'?)
dashboards/bad.yml:32:96: error: tile 'd': sort 'order' is not a column of the tile (did you mean 'orders'?)
dashboards/bad.yml:33:20: error: duplicate tile name 'd' in this dashboard
dashboards/bad.yml:34:76: error: tile 'e': unknown grain 'hourly'
dashboards/bad.yml:35:65: error: tile 'f': a kpi tile has no 'dimension'
dashboards/bad.yml:36:91: error: tile 'g': sort 'revnue' is neither the tile's dimension nor a measure of view 'daily2' (did you mean 'revenue'?)
dashboards: 16 errors, 1 warning
EXP
# the lines come in file order
expect_eq "$(echo "$OUT" | grep -c '^dashboards/bad.yml:')" 17 "diagnostics"
expect_eq "$(echo "$OUT" | grep '^dashboards/bad.yml:' | cut -d: -f2 | tr '\n' ' ')" \
  "3 7 10 12 16 20 21 26 27 29 30 31 32 33 34 35 36 " "file order"

run "$INGOT" dashboards check --json
expect_rc 1
got=$(echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin)["errors"]; print(len(d), sum(x["severity"]=="warning" for x in d)); print(d[0]["file"], d[0]["line"], d[0]["column"])')
expect_eq "$got" "17 1
dashboards/bad.yml 3 12" "--json"

# the good dashboard still answers while bad.yml is broken
run "$INGOT" dashboards query shop revenue
expect_rc 0
expect_out '"rows":[[510.00]]'

# a pre-aggregated view with only additive measures: no warning
rm dashboards/bad.yml
cat > dashboards/daily.yml <<'YML'
views:
  - name: daily
    model: fct_daily_sales
    time: day
    pre_aggregated: true
    measures:
      - {name: revenue, expr: sum(revenue)}
YML
run "$INGOT" dashboards check
expect_rc 0
expect_out "dashboards: 0 errors, 0 warnings"

# pre_aggregated_ok: "reason" silences the warning for that measure only
# (the other one still warns), and the spec keeps the reason
cat > dashboards/daily.yml <<'YML'
views:
  - name: daily
    model: fct_daily_sales
    time: day
    pre_aggregated: true
    measures:
      - {name: revenue, expr: sum(revenue)}
      - name: share
        expr: sum(revenue) / nullif(sum(orders), 0)
        pre_aggregated_ok: "a ratio of two sums of additive columns"
      - name: avg_orders
        expr: avg(orders)
dashboards:
  - name: d
    pages:
      - name: p
        tiles:
          - {name: s, type: kpi, view: daily, measure: share}
YML
run "$INGOT" dashboards check
expect_rc 0
expect_out "dashboards/daily.yml:12:15: warning: view 'daily': measure 'avg_orders': non-additive measure over a pre-aggregated model"
expect_out "dashboards: 0 errors, 1 warning"
expect_no "measure 'share'"
run "$INGOT" dashboards query d s
expect_rc 0
# without the key the warning is back
sed -i '/pre_aggregated_ok/d' dashboards/daily.yml
run "$INGOT" dashboards check
expect_rc 0
expect_out "dashboards/daily.yml:9:15: warning: view 'daily': measure 'share': non-additive measure over a pre-aggregated model"
expect_out "dashboards: 0 errors, 2 warnings"

# the key misplaced, misspelt, without a reason, or acknowledging nothing:
# errors at its file:line:col
cat > dashboards/daily.yml <<'YML'
views:
  - name: daily
    model: fct_daily_sales
    time: day
    pre_aggregated: true
    pre_aggregated_ok: "the whole view"
    dimensions:
      - {name: category, pre_aggregated_ok: "x"}
    measures:
      - {name: revenue, expr: sum(revenue), pre_aggregated_ok: "sums add up"}
      - {name: share, expr: sum(revenue) / sum(orders), pre_aggregated_ok: true}
      - {name: share2, expr: sum(revenue) / sum(orders), pre_aggregate_ok: "typo"}
      - {name: share3, expr: sum(revenue) / sum(orders), pre_aggregated_ok: ""}
  - name: items
    model: fct_order_items
    time: created_at
    measures:
      - {name: aov, expr: sum(sale_price) / count(distinct order_id), pre_aggregated_ok: "at its grain"}
YML
run "$INGOT" dashboards check
expect_rc 1
while IFS= read -r line; do expect_out "$line"; done <<'EXP'
dashboards/daily.yml:6:5: error: unknown key 'pre_aggregated_ok' in a view: it acknowledges one measure, so it goes on that measure
dashboards/daily.yml:8:26: error: unknown key 'pre_aggregated_ok' in a dimension: it acknowledges one measure
dashboards/daily.yml:10:65: error: view 'daily': measure 'revenue': 'pre_aggregated_ok' acknowledges nothing: the measure is additive; remove it
dashboards/daily.yml:11:76: error: measure 'share': 'pre_aggregated_ok' takes the reason the measure is right over pre-aggregated rows, as text
dashboards/daily.yml:12:58: error: unknown key 'pre_aggregate_ok' in a measure (did you mean 'pre_aggregated_ok'?)
dashboards/daily.yml:12:30: warning: view 'daily': measure 'share2': non-additive measure
dashboards/daily.yml:13:78: error: measure 'share3': 'pre_aggregated_ok' takes the reason
dashboards/daily.yml:18:91: error: view 'items': measure 'aov': 'pre_aggregated_ok' acknowledges nothing: the view is not pre_aggregated; remove it
dashboards: 7 errors, 1 warning
EXP
rm dashboards/daily.yml

# YAML that does not parse: its location
printf 'views:\n  - name: [x\n' > dashboards/broken.yml
run "$INGOT" dashboards check
expect_rc 1
expect_out "dashboards/broken.yml:"

# outside a project: exit 2
mkdir ../empty && cd ../empty
run "$INGOT" dashboards check
expect_rc 2
