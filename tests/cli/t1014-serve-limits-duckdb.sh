#!/usr/bin/env bash
# t1014: `ingot serve` with its scheduler owns the DuckDB warehouse: `ingot show` and `dashboards query` in other processes are handed to it; a slow client (half a request) is cut off by the connection timeout while others are served; SIGTERM stops accepting, lets the request in flight finish and exits 0; a second server on the same project is refused.
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
run "$INGOT" build
expect_rc 0
rows=$(q1 "select count(*) from main.fct_order_items")

serve_start --timeout 2 --threads 2
grep -q "scheduler: on" "$T/serve.log" || fail "start-up line: $(cat "$T/serve.log")"
grep -q "scheduler started" "$T/serve.log" || fail "scheduler: $(cat "$T/serve.log")"

# the hand-off: other commands run inside the server, which owns the file
expect_eq "$(q1 "select count(*) from main.fct_order_items")" "$rows" "ingot show while serve runs"
grep -q "running for pid .*: ingot show" "$T/serve.log" || fail "show was not handed off: $(tail "$T/serve.log")"
run "$INGOT" dashboards query shop revenue
expect_rc 0
http /api/v1/dashboards/shop/tiles/revenue > "$T/h.txt"
/usr/bin/python3 - "$T/.out" "$T/h.txt" <<'PY' || fail "dashboards query (handed off) and HTTP differ"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.loads(open(sys.argv[2]).read().split("\n\n", 1)[1])
for j in (a, b):
    j.pop("cached", None); j.pop("ms", None)
sys.exit(a != b)
PY
# a second owner is refused
run "$INGOT" serve --port 0 --no-scheduler
expect_rc 2
run "$INGOT" scheduler
expect_rc 2

# a slow client: half a request, then silence; it is cut off, others are served meanwhile
/usr/bin/python3 - "$BASE" <<'PY' || fail "slow client check failed; log: $(tail -5 "$T/serve.log")"
import os, socket, sys
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import req
base = sys.argv[1]
host, port = base.split("//")[1].split(":")
slow = []
for i in range(4):  # more slow clients than threads
    s = socket.create_connection((host, int(port)), timeout=50)
    s.sendall(b"GET /api/v1/dashboards HTTP/1.1\r\nHost: x\r\n")
    slow.append(s)
for i in range(20):
    st, h, b = req(base, "GET", "/api/v1/dashboards/shop/tiles/revenue", timeout=20)
    assert st == 200, (st, b)
for s in slow:
    data = s.recv(4096)  # the server closes it (timeout): b"" long before the socket's 50 s
    assert data == b"", data
print("slow clients cut off")
PY
grep -q "closed: timeout" "$T/serve.log" || fail "the timeout is logged: $(grep http "$T/serve.log" | tail -3)"

# SIGTERM with a request in flight (a POST whose body is half sent): it is answered, then exit 0
/usr/bin/python3 - "$BASE" "$SPID" <<'PY' || fail "drain check failed; log: $(tail -8 "$T/serve.log")"
import os, signal, socket, sys, time
base, pid = sys.argv[1], int(sys.argv[2])
host, port = base.split("//")[1].split(":")
s = socket.create_connection((host, int(port)), timeout=30)
body = b'{"user": "x", "password": "y"}'
s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
s.sendall(body[:5])
time.sleep(0.5)  # the handler has the request (it is in flight)
os.kill(pid, signal.SIGTERM)
# the listening socket closes: new connections are refused
for i in range(100):
    try:
        c = socket.create_connection((host, int(port)), timeout=2)
        c.close()
        time.sleep(0.05)
    except OSError:
        break
else:
    sys.exit("still accepting connections after SIGTERM")
s.sendall(body[5:])
data = b""
while True:
    c = s.recv(4096)
    if not c:
        break
    data += c
assert data.startswith(b"HTTP/1.1 403"), data[:80]  # answered (no CSRF token): not cut off
print("in-flight request answered during the drain")
PY
set +e
wait "$SPID"
SRC=$?
set -e
SPID=
expect_eq "$SRC" 0 "exit code after SIGTERM"
grep -q "http server stopped" "$T/serve.log" || fail "no drain message: $(tail -3 "$T/serve.log")"
[ ! -e .ingot/control.sock ] || fail "the control socket is left behind"
