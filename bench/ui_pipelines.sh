#!/usr/bin/env bash
# bench/ui_pipelines.sh — the pipelines part of the operations UI's benchmark (issue 14):
# a state history of 10,000 runs, then the p95 latency of each pipelines API
# call (target < 20 ms) and the SSE event latency: a task state change
# committed to the state store -> the event read from /api/v1/events
# (target p95 < 100 ms). Prints numbers; asserts nothing.
#
#   bench/ui_pipelines.sh [./ingot]      (bench/ui.sh runs it)
set -euo pipefail
INGOT=$(readlink -f "${1:-./ingot}")
W=$(mktemp -d /tmp/ingot-bench-ui-XXXXXX)
SPID=
trap '[ -z "$SPID" ] || kill "$SPID" 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
printf "name: bench\nversion: '1.0'\nprofile: bench\n" > dbt_project.yml
printf 'bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: "%s/w.duckdb"\n' "$W" > profiles.yml
mkdir -p pipelines .ingot
cat > pipelines/bench.yml <<'EOF2'
pipeline: bench
schedule: "0 * * * *"
start_date: "2099-01-01"
tasks:
  - {id: extract, shell: "true"}
  - {id: load_a, shell: "true", depends_on: [extract]}
  - {id: load_b, shell: "true", depends_on: [extract]}
  - {id: transform, shell: "true", depends_on: [load_a, load_b]}
  - {id: publish, shell: "true", depends_on: [transform]}
EOF2
# 10,000 ended runs with 5 tasks and one attempt each, written straight into
# the store (the schema of src/orchestrate/state.c)
"$INGOT" serve --port 0 --no-scheduler >"$W/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 100); do grep -q '^ingot serve: http://' "$W/serve.log" && break; sleep 0.1; done
PORT=$(sed -n 's|^ingot serve: http://[^ ]*:\([0-9][0-9]*\)/ .*|\1|p' "$W/serve.log" | head -1)
python3 - "$W/.ingot/state.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
have = db.execute("select count(*) from sqlite_master where name='runs'").fetchone()[0]
if not have:
    sys.exit("the state store was not created by ingot")
now = int(time.time() * 1e6)
tasks = ["extract", "load_a", "load_b", "transform", "publish"]
with db:
    for i in range(10000):
        ld = now - (10000 - i) * 3600 * 10**6
        st = "failed" if i % 17 == 0 else "success"
        cur = db.execute("insert into runs(run_key, pipeline, kind, state, logical_date, interval_start, interval_end, params, definition, def_file, queued_at, started_at, ended_at) values (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         ("bench__scheduled__%d" % i, "bench", "scheduled", st, ld, ld, ld + 3600 * 10**6, "{}", "", "pipelines/bench.yml", ld, ld, ld + 5 * 10**6))
        rid = cur.lastrowid
        for k, t in enumerate(tasks):
            ts = "failed" if st == "failed" and t == "publish" else "success"
            db.execute("insert into tasks(run, task, state, tries, started_at, ended_at) values (?,?,?,1,?,?)", (rid, t, ts, ld + k * 10**6, ld + (k + 1) * 10**6))
            db.execute("insert into attempts(run, task, attempt, state, started_at, ended_at, exit_code, owner_pid, heartbeat_at, lease_until) values (?,?,1,?,?,?,?,1,?,?)",
                       (rid, t, ts, ld + k * 10**6, ld + (k + 1) * 10**6, 0 if ts == "success" else 1, ld, ld))
print("history: %d runs" % db.execute("select count(*) from runs").fetchone()[0])
PY
python3 - "http://127.0.0.1:$PORT" "$W/.ingot/state.db" <<'PY'
import http.client, json, socket, sqlite3, sys, threading, time
base, dbpath = sys.argv[1], sys.argv[2]
host, port = base.split("//")[1].split(":")
conn = http.client.HTTPConnection(host, int(port))
def get(p):
    conn.request("GET", p)
    r = conn.getresponse()
    b = r.read()
    assert r.status == 200, (p, r.status, b[:200])
    return b
last = json.loads(get("/api/v1/pipelines/bench/runs?limit=1"))["runs"][0]["id"]
calls = [("GET /api/v1/pipelines", "/api/v1/pipelines"),
         ("GET /api/v1/pipelines/{id}", "/api/v1/pipelines/bench"),
         ("GET /api/v1/pipelines/{id}/runs (25)", "/api/v1/pipelines/bench/runs?limit=25"),
         ("GET /api/v1/pipelines/{id}/runs (100)", "/api/v1/pipelines/bench/runs?limit=100"),
         ("GET /api/v1/pipelines/{id}/runs (page 50)", "/api/v1/pipelines/bench/runs?limit=25&before=%d" % (last - 5000)),
         ("GET /api/v1/runs/{run}", "/api/v1/runs/%d" % last),
         ("GET /api/v1/runs/{run}/tasks/{task}/log", "/api/v1/runs/%d/tasks/publish/log" % (last - 17)),
         ("GET /api/v1/audit", "/api/v1/audit")]
print("%-44s %8s %8s %8s" % ("call (10,000 runs, 200 requests each)", "p50 ms", "p95 ms", "max ms"))
for name, p in calls:
    for _ in range(10):
        get(p)
    ts = []
    for _ in range(200):
        t0 = time.perf_counter()
        get(p)
        ts.append((time.perf_counter() - t0) * 1000)
    ts.sort()
    print("%-44s %8.2f %8.2f %8.2f" % (name, ts[100], ts[189], ts[-1]))

# SSE latency: flip a task's state in the store (another connection, as the
# scheduler does), time until the event arrives
s = socket.create_connection((host, int(port)))
s.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: %s:%s\r\n\r\n" % (host, port)).encode())
got = {}
def reader():
    buf = b""
    while True:
        c = s.recv(65536)
        if not c:
            return
        buf += c
        while b"\n\n" in buf:
            frame, _, buf = buf.partition(b"\n\n")
            for ln in frame.split(b"\n"):
                if ln.startswith(b"data: {"):
                    d = json.loads(ln[6:])
                    if d.get("task") == "publish":
                        got.setdefault(d["state"], time.perf_counter())
threading.Thread(target=reader, daemon=True).start()
time.sleep(0.5)
db = sqlite3.connect(dbpath, isolation_level=None)
lat = []
for i in range(100):
    state = "bench_%d" % i
    t0 = time.perf_counter()
    db.execute("update tasks set state=? where run=? and task='publish'", (state, last))
    while state not in got and time.perf_counter() - t0 < 2:
        time.sleep(0.001)
    if state in got:
        lat.append((got[state] - t0) * 1000)
    time.sleep(0.02)
lat.sort()
if lat:
    print("SSE event latency (state change -> event, %d/100 seen): p50 %.1f ms, p95 %.1f ms, max %.1f ms"
          % (len(lat), lat[len(lat) // 2], lat[int(len(lat) * 0.95) - 1], lat[-1]))
else:
    print("SSE event latency: no event seen")
PY
