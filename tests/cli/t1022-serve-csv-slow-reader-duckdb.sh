#!/usr/bin/env bash
# test: slow
# t1022: a CSV export to a slow client does not hold the warehouse: the producer spools every row to a temporary file and lets its connection go (the server logs "CSV export spooled") while the client has read only the first bytes; the client then gets every row; a client that goes away mid-export leaves the server serving.
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
# a big table: far more bytes than the socket buffers between the server
# and a client that does not read (a few MiB on loopback)
cat > models/big_rows.sql <<'SQL'
select i as id, 'row number ' || cast(i as varchar) as label, i % 97 as v,
       cast(date '2026-01-01' + cast(i % 365 as integer) as timestamp) as created_at
from range(1000000) t(i)
SQL
cat > dashboards/big.yml <<'YML'
views:
  - name: big
    model: big_rows
    time: created_at
    dimensions: [id, label]
    measures:
      - {name: total_v, expr: sum(v), format: integer}
dashboards:
  - name: bigboard
    pages:
      - name: all
        tiles:
          - {name: rows, type: table, view: big, dimensions: [id, label], measures: [total_v], sort: id, page_size: 10}
YML
run "$INGOT" build
expect_rc 0
run "$INGOT" dashboards check
expect_rc 0

serve_start --no-scheduler
/usr/bin/python3 - "$BASE" "$T/serve.log" <<'PY' || fail "slow-reader checks failed (above); serve log: $(tail -20 "$T/serve.log")"
import os, socket, sys, time
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import jget
base, log = sys.argv[1], sys.argv[2]
host, port = base.split("//")[1].split(":")
path = "/api/v1/dashboards/bigboard/tiles/rows.csv?range=all"

def open_export():
    s = socket.create_connection((host, int(port)), timeout=120)
    # a small receive buffer: the client's side holds little
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" % (path, host, port)).encode())
    return s

# 1. the slow client: the first bytes, then nothing for a while
s = open_export()
first = s.recv(1000)
assert first.startswith(b"HTTP/1.1 200"), first[:200]
spooled = False
for _ in range(600):  # up to 60 s: a deadline for a hang, not a timing assertion
    if "CSV export spooled" in open(log).read():
        spooled = True
        break
    time.sleep(0.1)
if not spooled:
    sys.exit("FAIL: the export still waits for the client that stopped reading (no 'CSV export spooled' in the log)")
# the warehouse answers other requests meanwhile
st, _, d = jget(base, "/api/v1/dashboards/bigboard/tiles/rows?range=all")
assert st == 200 and d["total"] == 1000000, (st, d and d.get("total"))
# 2. the client reads on: every row arrives
data = first
while True:
    c = s.recv(1 << 20)
    if not c:
        break
    data += c
s.close()
head, _, body = data.partition(b"\r\n\r\n")
assert b"chunked" in head.lower(), head
out, rest = b"", body
while rest:
    size_line, _, rest = rest.partition(b"\r\n")
    n = int(size_line.split(b";")[0], 16)
    if n == 0:
        break
    out += rest[:n]
    rest = rest[n + 2:]
else:
    sys.exit("FAIL: the transfer ended without its last chunk")
lines = out.decode().splitlines()
if lines[0] != "id,label,total_v" or len(lines) != 1000001:
    sys.exit("FAIL: %d lines, header %r (want 1,000,000 rows)" % (len(lines), lines[0]))
if lines[1] != "0,row number 0,0" or lines[-1] != "999999,row number 999999,%d" % (999999 % 97):
    sys.exit("FAIL: first/last rows %r %r" % (lines[1], lines[-1]))
# 3. a client that goes away mid-export: the server goes on serving
s = open_export()
s.recv(1000)
s.close()
for _ in range(20):
    st, _, d = jget(base, "/api/v1/dashboards/bigboard/tiles/rows?range=all&offset=10")
    assert st == 200 and d["rows"][0][0] == 10, (st, d)
print("slow reader: ok")
PY
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"
