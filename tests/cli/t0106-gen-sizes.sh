#!/usr/bin/env bash
# t0106-gen-sizes: row counts at scale 0.01 and 0.1 within thelook's
# proportions (users and orders exact; items ~1.45 per order; inventory
# ~2.7 per item; events ~18 per order; 29,120 products; 10 centres), and
# DuckDB reads every file with the declared types (plain and gzip).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/cli/gen-lib.sh"

check() { # check SCALE USERS ORDERS [--gzip]
  local dir=s$1 gz=${4:-}
  run "$INGOT" gen thelook --scale "$1" --out "$dir" $gz
  expect_rc 0
  local n
  declare -A N
  for t in $TABLES; do
    N[$t]=$(q "select count(*) from $(rc "$dir" "$t")")
    # the printed summary agrees
    grep -qE "^$t +1 file +${N[$t]} rows" "$T/.out" || fail "summary for $t: $(grep "^$t " "$T/.out")"
  done
  [ "${N[users]}" -eq "$2" ] || fail "users ${N[users]} != $2"
  [ "${N[orders]}" -eq "$3" ] || fail "orders ${N[orders]} != $3"
  [ "${N[products]}" -eq 29120 ] || fail "products ${N[products]}"
  [ "${N[distribution_centers]}" -eq 10 ] || fail "centres ${N[distribution_centers]}"
  # items per order 1.35-1.60, inventory per item 2.5-2.9, events per order 16-21
  [ $((N[order_items] * 100)) -ge $((N[orders] * 135)) ] && [ $((N[order_items] * 100)) -le $((N[orders] * 160)) ] ||
    fail "order_items ${N[order_items]} for ${N[orders]} orders"
  [ $((N[inventory_items] * 10)) -ge $((N[order_items] * 25)) ] && [ $((N[inventory_items] * 10)) -le $((N[order_items] * 29)) ] ||
    fail "inventory_items ${N[inventory_items]} for ${N[order_items]} items"
  [ "${N[events]}" -ge $((N[orders] * 16)) ] && [ "${N[events]}" -le $((N[orders] * 21)) ] ||
    fail "events ${N[events]} for ${N[orders]} orders"
}
check 0.01 1000 1250
check 0.1 10000 12500 --gzip
