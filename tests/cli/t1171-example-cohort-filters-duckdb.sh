#!/usr/bin/env bash
# t1171: the Customers page's cohort retention heatmap takes every page filter (issue 13): over the example's customer x month mart (fct_customer_months, a view) and its cohorts view, the retention tile's cells for no filter, a date range, a customer segment, a country, a traffic source, a category and a category with a country equal independent SQL on bronze; no filter is reported as not applied; on DuckDB.
. ./lib.sh
example_project duckdb co
gold=main_gold
grep -q "model: fct_customer_months" dashboards/views.yml || fail "the cohorts view does not read fct_customer_months"
example_lake 0.03 2023-07-01 2025-06-30
run "$INGOT" load
expect_rc 0
run "$INGOT" build
expect_rc 0
run "$INGOT" dashboards check
expect_rc 0
expect_out "dashboards: 0 errors, 0 warnings"

# cells TILE-ARGS...: the heatmap as "cohort_month,months_since_first,retention" lines
cells() {
  "$INGOT" dashboards query ecommerce retention "$@" >"$T/.tile" 2>"$T/.tileerr" ||
    fail "dashboards query ecommerce retention $*: $(cat "$T/.tileerr")"
  expect_eq "$(jq -c '.not_filtered_by' "$T/.tile")" "[]" "retention $*: every filter applies"
  expect_eq "$(jq -c '[.columns[].name]' "$T/.tile")" '["months_since_first","cohort_month","retention_rate"]' "columns"
  jq -r '.rows[] | "\(.[1]),\(.[0]),\(.[2])"' "$T/.tile" | awk -F, '{ printf "%s,%d,%.9f\n", $1, $2, $3 }' | sort
}
# want WHERE: the same cells from bronze for the customers m.user_id
# matching WHERE (over bronze.users u, left joined: an order's customer may
# predate the lake's users) — a cohort is the month of a
# customer's first order (any status); a cell is the share of the
# cohort's customers who ordered k months later, for every month with any
# order from the cohort's month on (0 where nobody came back)
want() {
  q "with m as (select distinct user_id, extract(year from created_at) * 12 + extract(month from created_at) as n
                from bronze.orders where user_id is not null),
          f as (select m.user_id, min(m.n) as n0 from m left join bronze.users u on u.id = m.user_id
                where $1 group by m.user_id),
          cal as (select distinct n from m),
          size as (select n0, count(*) as c from f group by n0),
          act as (select f.n0, m.n, count(*) as a from f join m on m.user_id = f.user_id group by f.n0, m.n)
     select make_date(cast(floor((s.n0 - 1) / 12) as integer), cast((s.n0 - 1) % 12 + 1 as integer), 1),
            cast(cal.n - s.n0 as integer), coalesce(act.a, 0) * 1.0 / s.c
     from size s join cal on cal.n >= s.n0 left join act on act.n0 = s.n0 and act.n = cal.n" |
    awk -F, '{ printf "%s,%d,%.9f\n", $1, $2, $3 }' | sort
}
all=$(want "true")
[ "$(wc -l <<<"$all")" -gt 100 ] || fail "enough cells to mean something: $(wc -l <<<"$all")"
expect_eq "$(cells range=all)" "$all" "retention, no filter"
# the mart's retention equals the pre-aggregated mart's where both have a cell
expect_eq "$(q "select cast(c.cohort_month as varchar), c.months_since_first, c.customers, c.cohort_customers
                from $gold.fct_customer_cohorts c order by 1, 2")" \
  "$(q "select cast(cohort_month as varchar), months_since_first, count(case when is_active then 1 end), count(*)
        from $gold.fct_customer_months group by 1, 2 having count(case when is_active then 1 end) > 0 order by 1, 2")" \
  "fct_customer_months agrees with fct_customer_cohorts"
# a date range selects cohorts by their month
expect_eq "$(cells from=2024-01-01 to=2024-06-30)" \
  "$(want "true" | awk -F, '$1 >= "2024-01-01" && $1 < "2024-07-01"')" "retention, cohorts of 2024 H1"
check() { # WHAT WHERE TILE-ARGS...: the filtered cells equal bronze and differ from all
  local what=$1 where=$2 got exp; shift 2
  got=$(cells range=all "$@")
  exp=$(want "$where")
  [ -n "$exp" ] || fail "$what: no cohort customers"
  [ "$exp" != "$all" ] || fail "$what: the filter changes nothing (a vacuous check)"
  expect_eq "$got" "$exp" "retention, $what"
}
country=$(q1 "select trim(u.country) from bronze.users u where u.id in (select user_id from bronze.orders)
              group by 1 order by count(*) desc, 1 limit 1")
source=$(q1 "select trim(u.traffic_source) from bronze.users u where u.id in (select user_id from bronze.orders)
             group by 1 order by count(*) desc, 1 limit 1")
segment=$(q1 "select rfm_segment from $gold.dim_customers where order_count > 0 group by 1 order by count(*) desc, 1 limit 1")
check "country $country" "trim(u.country) = '$country'" "f.country=$country"
check "traffic source $source" "trim(u.traffic_source) = '$source'" "f.traffic_source=$source"
# the RFM segment is dim_customers' (the Customers page's segment filter)
check "segment $segment" "m.user_id in (select user_id from $gold.dim_customers where rfm_segment = '$segment')" \
  "f.segment=$segment"
# a product filter: the customers who ever ordered an item of it; their
# retention counts every order they placed
bought="m.user_id in (select i.user_id from bronze.order_items i join bronze.products p on p.id = i.product_id
                 where trim(p.category) = 'Jeans')"
check "category Jeans" "$bought" "f.category=Jeans"
check "category Jeans or Shorts" "m.user_id in (select i.user_id from bronze.order_items i join bronze.products p
          on p.id = i.product_id where trim(p.category) in ('Jeans', 'Shorts'))" "f.category=Jeans" "f.category=Shorts"
check "category Jeans, country $country" "$bought and trim(u.country) = '$country'" \
  "f.category=Jeans" "f.country=$country"
echo "t1171: retention of $(wc -l <<<"$all") cohort cells equals bronze with 7 filter sets"
