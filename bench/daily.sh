#!/usr/bin/env bash
# bench/daily.sh [INGOT] — what a daily run of the reference platform costs
# against the first run, at each scale in SCALES (default "1"), in one run.
#
#   day 1:  a lake with history up to 2025-12-30, `ingot pipeline run
#           ecommerce_elt --wait` on a fresh embedded warehouse
#   day 2:  `ingot gen thelook --start 2025-12-31` lands the next day's files
#           (as scripts/demo does), the pipeline runs again: the loads take
#           only the new files, the build reuses what did not change
#           (state-aware builds, docs/internals/transform.md)
#   day 2': the pipeline once more with no new file (nothing to load, every
#           node that can be reused is)
# Each is timed as a whole process (wall, peak RSS). The ratio day 2 / day 1
# is what the issue's target speaks of (issue 16: <= 5% at scale 10, day 2
# under 1 s at scale 1); the build's node counts say how much was reused.
# DAY2_RESULTS=PREFIX keeps day 2's run_results.json (every node's time) as
# PREFIX.s<scale>.json.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ingot=$(cd "$(dirname "${1:-$root/ingot}")" && pwd)/$(basename "${1:-$root/ingot}")
scales=${SCALES:-1}
ex=$root/examples/ecommerce
[ -x /usr/bin/time ] || { echo "bench/daily.sh needs /usr/bin/time (Debian package time)" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench/daily.sh needs jq" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ingot-bench-daily-XXXXXX")
trap 'rm -rf "$work"' EXIT

# run NAME: the pipeline, timed; prints "seconds peak_MB built reused"
run() {
  (cd "$w/p" && /usr/bin/time -f "%e %M" -o "$w/t.$1" "$ingot" pipeline run ecommerce_elt --wait -q >/dev/null)
  read -r s m <"$w/t.$1"
  local res="$w/p/target/run_results.json" built reused
  reused=$(jq '[.results[] | select(.message == "reused: no upstream change")] | length' "$res")
  built=$(jq '[.results[] | select(.message != "reused: no upstream change")] | length' "$res")
  echo "$s $((m / 1024)) $built $reused"
}

printf '%-6s %-8s %9s %8s %7s %7s %9s %11s\n' scale run seconds peak_MB built reused ratio rows_loaded
for scale in $scales; do
  w=$work/s$scale
  mkdir -p "$w/p"
  cp -r "$ex"/{dbt_project.yml,models,seeds,snapshots,tests,macros,pipelines} "$w/p/"
  (cd "$w/p" &&
    "$ingot" gen thelook --scale "$scale" --out lake --tables products,distribution_centers -q >/dev/null &&
    "$ingot" gen thelook --scale "$scale" --out lake --start 2019-01-01 --end 2025-12-30 -q >/dev/null)
  loaded() { (cd "$w/p" && "$ingot" show -q --limit -1 -o csv --inline "select coalesce(sum(rows_loaded), 0) from _ingot.loads" | sed -n 2p); }
  read -r s1 m1 b1 r1 < <(run day1)
  l1=$(loaded)
  printf '%-6s %-8s %9.2f %8d %7d %7d %9s %11d\n' "$scale" "day 1" "$s1" "$m1" "$b1" "$r1" "1" "$l1"
  (cd "$w/p" && "$ingot" gen thelook --scale "$scale" --out lake --start 2025-12-31 -q >/dev/null)
  read -r s2 m2 b2 r2 < <(run day2)
  l2=$(loaded)
  printf '%-6s %-8s %9.2f %8d %7d %7d %9.3f %11d\n' "$scale" "day 2" "$s2" "$m2" "$b2" "$r2" \
    "$(echo "$s2 / $s1" | bc -l)" "$((l2 - l1))"
  cp "$w/p/target/run_results.json" "$w/day2.json"
  [ -z "${DAY2_RESULTS:-}" ] || cp "$w/day2.json" "$DAY2_RESULTS.s$scale.json"
  read -r s3 m3 b3 r3 < <(run day2b)
  printf '%-6s %-8s %9.2f %8d %7d %7d %9.3f %11d\n' "$scale" "no-new" "$s3" "$m3" "$b3" "$r3" \
    "$(echo "$s3 / $s1" | bc -l)" "$(($(loaded) - l2))"
  # where day 2's wall time went: the run itself (loads, build), and the
  # process around it (start, the scheduler's state, the warehouse's close,
  # which checkpoints what the run wrote)
  (cd "$w/p" && "$ingot" pipeline status 2 --output json) >"$w/st.json" 2>/dev/null || true
  jq -r --argjson wall "$s2" '.runs[] | select(.id == 2) as $r
    | ($r.tasks[] | select(.task == "dbt_build") | .duration_s) as $b
    | def r2: . * 100 | round / 100;
      "       day 2: \($wall)s wall = the run \($r.duration_s | r2)s (build task \($b | r2)s, loads and scheduling \($r.duration_s - $b | r2)s) + \($wall - $r.duration_s | r2)s around it (process start, the warehouse'"'"'s close: its checkpoint)"' \
    "$w/st.json" 2>/dev/null || true
  echo "       day 2's slowest nodes (seconds):"
  jq -r '.results | sort_by(-.execution_time) | .[:8][] | "         \(.execution_time * 100 | round / 100)  \(.unique_id)  \(.message)"' "$w/day2.json"
  rm -rf "$w"
done
