#!/usr/bin/env bash
# bench/serve.sh [SCALE] — `ingot serve` on the example's Sales page (issue 13),
# on DuckDB, against the floor measured in the same run.
#
#   1. uncached tile latency: every Sales tile asked R times, each time with
#      another date range (so no answer comes from the cache), timed by the
#      client over keep-alive HTTP; the same SQL with the same bound values
#      then runs through DuckDB's C API directly (bench/tile_driver.c, after
#      the server has let go of the file), in the order server, C API,
#      C API, server so that drift in the machine's load favours neither.
#      Ratio of the medians, and the overhead in ms; p95 per tile.
#   2. the whole Sales page with a cold cache: a fresh server, every tile
#      asked at once over 6 connections (as a browser does); wall time.
#   3. cached throughput: wrk (Debian) on one tile, 2 threads, 32
#      connections, 10 s: requests/s and p99.
#   4. peak RSS of the server (VmHWM) after all that.
#
# Builds the example at SCALE (default 1) with scripts/demo in a temporary
# copy. Needs wrk (scripts/bootstrap installs it). Prints a summary table.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scale=${1:-1}
reps=${REPS:-25}
build=${BUILD:-build}
py=/usr/bin/python3
command -v wrk >/dev/null || { echo "bench/serve.sh: wrk is missing (scripts/bootstrap installs it)" >&2; exit 1; }
make -s BUILD="$build" all >/dev/null
ingot="$root/ingot"

work=$(mktemp -d /tmp/ingot-bench-serve-XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# the floor: tile_driver against the DuckDB C API
flags=$(make -s -f - print-flags <<'MK'
include Makefile
print-flags: ; @echo $(ALL_CFLAGS) '|' $(LDLIBS)
MK
)
cflags=${flags%%|*}
mkdir -p "$build/bench"
# shellcheck disable=SC2086
${CC:-cc} $cflags -Wno-strict-prototypes -o "$build/bench/tile_driver" bench/tile_driver.c \
  -Lthird_party/duckdb/lib -lduckdb -ljansson -Wl,-rpath,"$root/third_party/duckdb/lib"

echo "building the example at scale $scale ..." >&2
cp -r examples/ecommerce "$work/p"
INGOT_DEMO_PROJECT="$work/p" scripts/demo --scale "$scale" >"$work/demo.log" 2>&1 ||
  { tail -20 "$work/demo.log" >&2; exit 1; }
db=$(ls "$work"/p/*.duckdb 2>/dev/null | head -1)
[ -n "$db" ] || db=$(find "$work/p" -name '*.duckdb' | head -1)

start_server() {
  (cd "$work/p" && exec "$ingot" serve --port 0 --no-scheduler) 2>"$work/serve.err" &
  pid=$!
  for _ in $(seq 200); do
    port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.err" | head -1)
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.05
  done
  echo "bench/serve.sh: the server did not start" >&2
  cat "$work/serve.err" >&2
  exit 1
}
stop_server() {
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}

# the client: PHASE 1 asks the cold page first; each phase asks every tile
# REPS times, each with another date range (OFFSET keeps the phases apart)
cat >"$work/client.py" <<'PY'
import http.client, json, sys, time, threading, urllib.parse, datetime
base, reps, work, phase, offset = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
host = urllib.parse.urlparse(base)
def conn():
    return http.client.HTTPConnection(host.hostname, host.port, timeout=120)
c = conn()
def get(c, path):
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"GET {path}: {r.status} {body[:300]!r}")
    return json.loads(body)
spec = get(c, "/api/v1/dashboards/ecommerce")
page = next(p for p in spec["pages"] if p["name"] == "sales")
tiles = [t["name"] for t in page["tiles"] if t["type"] != "text"]
page_ms = None
if phase == 1:
    # 2. the cold page: every tile at once over 6 connections
    q = list(tiles)
    lock = threading.Lock()
    def worker():
        k = conn()
        while True:
            with lock:
                if not q:
                    return
                t = q.pop()
            get(k, f"/api/v1/dashboards/ecommerce/tiles/{t}?range=all")
    t0 = time.perf_counter()
    ths = [threading.Thread(target=worker) for _ in range(6)]
    [t.start() for t in ths]
    [t.join() for t in ths]
    page_ms = (time.perf_counter() - t0) * 1000
# 1. uncached: another date range each time (the last day moves back)
lat = {t: [] for t in tiles}
with open(f"{work}/queries{phase}.jsonl", "w") as qf, open(f"{work}/reqs{phase}.txt", "w") as tf:
    for i in range(offset, offset + reps):
        to = datetime.date(2030, 1, 1) - datetime.timedelta(days=i)
        frm = datetime.date(2000, 1, 1)
        for t in tiles:
            path = f"/api/v1/dashboards/ecommerce/tiles/{t}?from={frm}&to={to}"
            t1 = time.perf_counter()
            d = get(c, path)
            ms = (time.perf_counter() - t1) * 1000
            if d.get("cached"):
                raise SystemExit(f"{t}: answered from the cache; the bench needs misses")
            lat[t].append(ms)
            # a KPI runs three queries, a table two: the driver runs each,
            # and their times add up to the request's floor
            for qq in d["queries"]:
                qf.write(json.dumps({"sql": qq["sql"], "params": qq["params"]}) + "\n")
                tf.write(f"{t} {i}\n")
json.dump({"page_ms": page_ms, "lat": lat}, open(f"{work}/client{phase}.json", "w"))
PY

# ABBA, so that a machine getting busier or quieter during the run does not
# favour one side: server, C API, C API, server
start_server
base="http://127.0.0.1:$port"
"$py" "$work/client.py" "$base" "$reps" "$work" 1 0
# 3. cached throughput on one tile
tile_url="$base/api/v1/dashboards/ecommerce/tiles/total_revenue?range=all"
curl -sf "$tile_url" >/dev/null
wrk -t2 -c32 -d10s --latency "$tile_url" >"$work/wrk.txt"
# 4. peak RSS
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
stop_server
"$build/bench/tile_driver" "$db" <"$work/queries1.jsonl" >"$work/driver1.txt"
"$build/bench/tile_driver" "$db" <"$work/queries1.jsonl" >"$work/driver2.txt"
cp "$work/reqs1.txt" "$work/reqs2.txt"
start_server
"$py" "$work/client.py" "http://127.0.0.1:$port" "$reps" "$work" 2 "$reps"
stop_server

"$py" - "$work" "$rss_kb" <<'PY'
import json, sys, re, statistics
work, rss_kb = sys.argv[1], int(sys.argv[2])
lat, page_ms = {}, None
for ph in (1, 2):
    cl = json.load(open(f"{work}/client{ph}.json"))
    page_ms = cl["page_ms"] if cl["page_ms"] is not None else page_ms
    for t, v in cl["lat"].items():
        lat.setdefault(t, []).extend(v)
# the floor of a request: the sum of its queries' C API times
floor = {}
for ph in (1, 2):
    per = {}
    reqs = [l.split() for l in open(f"{work}/reqs{ph}.txt")]
    drv = [float(l.split()[0]) / 1000 for l in open(f"{work}/driver{ph}.txt")]
    for (t, i), ms in zip(reqs, drv):
        per[(t, i)] = per.get((t, i), 0) + ms
    for (t, i), ms in per.items():
        floor.setdefault(t, []).append(ms)
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
print(f"{'tile':28} {'p50 ms':>8} {'p95 ms':>8} {'C API p50':>10} {'ratio':>6}")
allr, alld = [], []
for t, v in lat.items():
    f = floor[t]
    allr += v
    alld += f
    r = statistics.median(v) / max(1e-3, statistics.median(f))
    print(f"{t:28} {statistics.median(v):8.2f} {pct(v, 95):8.2f} {statistics.median(f):10.2f} {r:6.2f}")
m, f = statistics.median(allr), statistics.median(alld)
print(f"uncached tile p50: {m:.2f} ms vs DuckDB C API {f:.2f} ms: ratio {m / f:.2f}, overhead {m - f:.2f} ms")
print(f"Sales page, cold cache, all tiles over 6 connections: {page_ms:.0f} ms")
w = open(f"{work}/wrk.txt").read()
rps = re.search(r"Requests/sec:\s*([\d.]+)", w).group(1)
p99 = re.search(r"99%\s+([\d.]+\w+)", w).group(1)
print(f"cached tile with wrk (2 threads, 32 connections, 10 s): {float(rps):.0f} requests/s, p99 {p99}")
print(f"peak RSS of ingot serve: {rss_kb / 1024:.1f} MiB")
PY
