#!/usr/bin/env bash
# t0103-gen-window: --start/--end write only the orders created in the
# window (with their items, inventory and events, and the users created in
# it) into files named for the window, with exactly the bytes those rows
# have in a full run; windows outside the range are refused.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/cli/gen-lib.sh"

run "$INGOT" gen thelook --scale 0.05 --out full
expect_rc 0
WIN="users orders order_items inventory_items events"

# is the body of $1 a contiguous block of $2's body, and how long?
block_of() {
  local first n at
  n=$(($(wc -l <"$1") - 1))
  [ "$n" -gt 0 ] || fail "$1 has no rows"
  first=$(sed -n 2p "$1")
  at=$(grep -n -F -x -- "$first" "$2" | head -1 | cut -d: -f1)
  [ -n "$at" ] || fail "first row of $1 not in $2"
  cmp <(tail -n +2 "$1") <(sed -n "${at},$((at + n - 1))p" "$2") || fail "$1 is not an exact block of $2"
}

run "$INGOT" gen thelook --scale 0.05 --out win --start 2025-06-01
expect_rc 0
[ "$(ls win | tr '\n' ' ')" = "events inventory_items order_items orders users " ] || fail "window tables: $(ls win)"
for t in $WIN; do
  f=win/$t/${t}_20250601.csv
  [ -f "$f" ] || fail "missing $f"
  [ "$(head -1 "$f")" = "$(head -1 full/$t/${t}_0001.csv)" ] || fail "$t header"
  block_of "$f" full/$t/${t}_0001.csv
done
# ... and complete: every full-run row of that day is in the window
for x in users:created_at orders:created_at order_items:created_at events:created_at; do
  t=${x%:*} c=${x#*:}
  expect_q "select count(*) from $(rc full $t) where $c::date = '2025-06-01'" "$(($(wc -l <win/$t/${t}_20250601.csv) - 1))"
done
expect_q "select count(*) from $(rc win orders) where created_at::date <> '2025-06-01'" 0

# day by day landing: three one-day windows append to the three-day window
for d in 02 03 04; do
  run "$INGOT" gen thelook --scale 0.05 --out days --start 2025-06-$d --end 2025-06-$(printf %02d $((10#$d + 1)))
  expect_rc 0
done
run "$INGOT" gen thelook --scale 0.05 --out three --start 2025-06-02 --end 2025-06-05
expect_rc 0
for t in $WIN; do
  f=three/$t/${t}_20250602_20250604.csv
  [ -f "$f" ] || fail "missing $f"
  cmp <(for d in 02 03 04; do tail -n +2 days/$t/${t}_202506$d.csv; done) <(tail -n +2 "$f") ||
    fail "$t: days do not add up to the window"
  block_of "$f" full/$t/${t}_0001.csv
done

# refused, with nothing written
for bad in "--start 2018-12-31" "--start 2025-12-31 --end 2026-01-02" "--start 2025-06-05 --end 2025-06-05" \
           "--start 2025-06-01 --tables products" "--start 2025-13-01" "--end 2025-06-01"; do
  run "$INGOT" gen thelook --scale 0.05 --out refused $bad
  expect_rc 2
  [ ! -e refused ] || [ -z "$(find refused -type f)" ] || fail "files written for $bad"
done
run "$INGOT" gen thelook --scale 0.05 --out refused --start 2018-12-31
expect_err "outside the data's date range"
