#!/usr/bin/env bash
# bench/ui.sh — the operations UI's API calls under `ingot serve` (issue 14):
# p50/p95/max latency of each page's calls, sequential requests on one
# keep-alive connection (the browser's pattern), target p95 < 20 ms.
#
#   bench/ui.sh [INGOT_BINARY]          (default ./ingot)
#   UI_BENCH_N=300 UI_BENCH_SCALE=0.05  requests per call, lake scale
#   UI_BENCH_RUNS=10000                 runs in the history (copies of one real run)
#
# One function per area: bench_data (Loads, rejects, Quality, Catalog,
# /metrics, the OpenAPI document); the pipelines area adds its own.
# Numbers are printed, never asserted (no timing assertions in tests).
set -eu
BIN=${1:-${INGOT_BIN:-./ingot}}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${UI_BENCH_N:-300}
SCALE=${UI_BENCH_SCALE:-0.05}
dir=$(mktemp -d "${BENCH_TMP:-/tmp}/ingot-bench-ui-XXXXXX")
SPID=
cleanup() { [ -z "$SPID" ] || kill "$SPID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

# the reference platform, a --dirty lake (rejects), loaded and built by a pipeline run
setup() {
  cp -r "$ROOT/examples/ecommerce" "$dir/ex"
  cd "$dir/ex"
  rm -rf lake target .ingot logs warehouse.duckdb*
  unset INGOT_TARGET
  "$BIN" gen thelook --scale "$SCALE" --out lake --tables products,distribution_centers >/dev/null
  "$BIN" gen thelook --scale "$SCALE" --out lake --start 2024-01-01 --end 2025-12-31 --dirty 0.002 >/dev/null
  "$BIN" pipeline run ecommerce_elt >/dev/null
  history_runs "${UI_BENCH_RUNS:-10000}"
  start_server
}

# history_runs N: the run history grown to N runs, copies of the real run
# (ended; success or, every 10th, failed) one day apart, with its tasks
history_runs() {
  /usr/bin/python3 - .ingot/state.db "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
cols = [r[1] for r in db.execute("pragma table_info(runs)") if r[1] != "id"]
base = dict(zip(cols, db.execute("select %s from runs order by id limit 1" % ",".join(cols)).fetchone()))
rid = db.execute("select id from runs order by id limit 1").fetchone()[0]
tasks = db.execute("select task, state, tries, started_at, ended_at from tasks where run = ?", (rid,)).fetchall()
have = db.execute("select count(*) from runs").fetchone()[0]
day = 86400 * 1000000
for i in range(have, n):
    r = dict(base)
    r["run_key"] = "%s__bench__%06d" % (base["pipeline"], i)
    for k in ("logical_date", "interval_start", "interval_end", "queued_at", "started_at", "ended_at"):
        if r.get(k):
            r[k] = r[k] - i * day
    r["state"] = "failed" if i % 10 == 0 else "success"
    cur = db.execute("insert into runs (%s) values (%s)" % (",".join(cols), ",".join("?" * len(cols))), [r[c] for c in cols])
    db.executemany("insert into tasks (run, task, state, tries, started_at, ended_at) values (?, ?, ?, ?, ?, ?)",
                   [(cur.lastrowid, t[0], t[1], t[2], (t[3] or 0) - i * day, (t[4] or 0) - i * day) for t in tasks])
db.commit()
print("run history: %d runs" % db.execute("select count(*) from runs").fetchone()[0])
PY
}

# start_server [ENV=VALUE...]: ingot serve in the project, PORT set
start_server() {
  [ -z "$SPID" ] || { kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=; }
  : >"$dir/serve.log"
  env "$@" "$BIN" serve --port 0 --no-scheduler >"$dir/serve.log" 2>&1 &
  SPID=$!
  for _ in $(seq 300); do grep -q '^ingot serve: http://' "$dir/serve.log" && break; sleep 0.1; done
  PORT=$(sed -n 's|^ingot serve: http://[^ ]*:\([0-9][0-9]*\)/ .*|\1|p' "$dir/serve.log" | head -1)
  [ -n "$PORT" ] || { echo "bench/ui.sh: the server did not start: $(cat "$dir/serve.log")" >&2; exit 1; }
}

# measure PATH...: one line per path: p50 p95 max (ms) over N requests (after 5 warm-up ones)
measure() {
  /usr/bin/python3 - "$PORT" "$N" "$@" <<'PY'
import http.client, sys, time
port, n, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
for p in paths:
    ts = []
    for i in range(n + 5):
        t0 = time.perf_counter()
        c.request("GET", p)
        r = c.getresponse()
        body = r.read()
        dt = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            sys.exit("GET %s: %d %s" % (p, r.status, body[:200]))
        if i >= 5:
            ts.append(dt)
    ts.sort()
    q = lambda f: ts[min(len(ts) - 1, int(f * len(ts)))]
    print("%-58s %8.2f %8.2f %8.2f %9d" % (p, q(0.5), q(0.95), ts[-1], len(body)))
PY
}

DATA_CALLS=(/api/v1/loads /api/v1/loads/raw/events "/api/v1/rejects?limit=50" "/api/v1/rejects?table=raw.events&reason=utf"
  /api/v1/rejects.csv /api/v1/quality "/api/v1/catalog/search?q=orders" /api/v1/catalog/nodes/fct_orders
  "/api/v1/catalog/lineage/fct_orders?up=-1&down=3" /metrics /api/v1/openapi.json)

bench_data() {
  echo "== data pages, cached answers (the server's 5 s answer cache; N=$N, lake scale $SCALE, ${UI_BENCH_RUNS:-10000} runs)"
  printf '%-58s %8s %8s %8s %9s\n' "GET" "p50 ms" "p95 ms" "max ms" "bytes"
  measure "${DATA_CALLS[@]}"
  start_server INGOT_SERVE_DATA_CACHE=0
  echo "== data pages, every call computed (INGOT_SERVE_DATA_CACHE=0)"
  printf '%-58s %8s %8s %8s %9s\n' "GET" "p50 ms" "p95 ms" "max ms" "bytes"
  measure "${DATA_CALLS[@]}"
}

setup
bench_data

# the pipelines part (bench/ui_pipelines.sh: its own project and history)
"$ROOT/bench/ui_pipelines.sh" "$BIN"
