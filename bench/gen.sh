#!/usr/bin/env bash
# bench/gen.sh — throughput of `ingot gen thelook` at scale 1 and 10, against
# `cat` moving the same bytes on the same disk in the same run.
#
#   bench/gen.sh [INGOT_BINARY]        (default ./ingot; BENCH_TMP=dir for the data)
#
# For each scale: wall-clock MB/s and rows/s of the generator (default 2
# threads), its CPU cost (MB per CPU-second, user+sys, i.e. per core), the
# same with --threads 1, and `cat` copying the generated files to one file
# (and reading them to /dev/null) as the reference. Each scale's output is
# deleted after it is measured, so disk use stays bounded (scale 10 is
# about 5 GB while it is measured, twice that during the cat copy).
set -eu
BIN=${1:-${INGOT_BIN:-./ingot}}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "bench/gen.sh: no binary $BIN" >&2; exit 1; }
dir=$(mktemp -d "${BENCH_TMP:-/tmp}/ingot-bench-gen-XXXXXX")
trap 'rm -rf "$dir"' EXIT
TIMEFORMAT='%R %U %S'

# timed CMD...: run, set W (wall s) and C (user+sys s)
timed() {
  local t
  t=$( { time "$@" >"$dir/.stdout" 2>/dev/null; } 2>&1 | tail -1)
  W=$(echo "$t" | awk '{print $1}')
  C=$(echo "$t" | awk '{print $2 + $3}')
}
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? b / s / 1e6 : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '%-6s %-22s %9s %9s %12s %14s\n' scale run seconds MB/s rows/s "MB/CPU-second"
for s in ${GEN_BENCH_SCALES:-1 10}; do
  out=$dir/s$s
  timed "$BIN" gen thelook --scale "$s" --out "$out"
  gw=$W gc=$C
  rows=$(sed -n 's/^wrote \([0-9]*\) rows.*/\1/p' "$dir/.stdout")
  bytes=$(find "$out" -type f -name '*.csv' -printf '%s\n' | awk '{s += $1} END {print s}')
  printf '%-6s %-22s %9s %9s %12s %14s\n' "$s" "gen (2 threads)" "$gw" "$(mbs "$bytes" "$gw")" \
    "$(awk -v r="$rows" -v w="$gw" 'BEGIN { printf "%.0f", r / w }')" "$(mbs "$bytes" "$gc")"
  rm -rf "$out"
  timed "$BIN" gen thelook --scale "$s" --out "$out" --threads 1
  printf '%-6s %-22s %9s %9s %12s %14s\n' "$s" "gen (1 thread)" "$W" "$(mbs "$bytes" "$W")" "" "$(mbs "$bytes" "$C")"
  g1w=$W
  timed sh -c "cat '$out'/*/*.csv > '$dir/copy.csv' && sync -d '$dir/copy.csv' 2>/dev/null || true"
  cw=$W cc=$C
  printf '%-6s %-22s %9s %9s %12s %14s\n' "$s" "cat files > file" "$cw" "$(mbs "$bytes" "$cw")" "" "$(mbs "$bytes" "$cc")"
  rm -f "$dir/copy.csv"
  timed sh -c "cat '$out'/*/*.csv > /dev/null"
  printf '%-6s %-22s %9s %9s\n' "$s" "cat files > /dev/null" "$W" "$(mbs "$bytes" "$W")"
  echo "scale $s: $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), $rows rows;" \
    "gen/cat-copy speed ratio $(ratio "$cw" "$gw") (2 threads), $(ratio "$cw" "$g1w") (1 thread)"
  rm -rf "$out"
done
