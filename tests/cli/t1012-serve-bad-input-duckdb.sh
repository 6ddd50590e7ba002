#!/usr/bin/env bash
# t1012: `ingot serve` refuses bad input with a 4xx and changes nothing: unknown dashboards, tiles, filters, parameters, sort keys, grains, limits; injection strings (bound values that match nothing); too many parameters; huge URLs (414); big bodies (413); other methods (405); traversal on asset URLs (404); every answer carries the security headers and a one-line JSON error.
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
run "$INGOT" build
expect_rc 0
before=$(q1 "select count(*) || '/' || sum(sale_price) from main.fct_order_items")
tables_before=$(q "select table_name from information_schema.tables order by 1")

serve_start --no-scheduler
/usr/bin/python3 - "$BASE" <<'PY' || fail "checks failed (above); log: $(tail -20 "$T/serve.log")"
import json, os, socket, sys
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import req
base = sys.argv[1]
T = "/api/v1/dashboards/shop/tiles/"
bad = []
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

def check(method, path, want, headers=None, body=None, contains=None):
    st, h, b = req(base, method, path, headers, body)
    what = "%s %s" % (method, path[:80])
    if st != want:
        bad.append("%s: expected %d, got %d %s" % (what, want, st, b[:200]))
        return h, b
    if h.get("content-security-policy") != CSP or h.get("x-content-type-options") != "nosniff" \
            or h.get("referrer-policy") != "same-origin":
        bad.append("%s: security headers missing: %s" % (what, h))
    if st >= 400 and method != "HEAD":
        try:
            j = json.loads(b)
        except ValueError:
            bad.append("%s: error body is not JSON: %r" % (what, b[:200]))
            return h, b
        if list(j) != ["error"] or "\n" in j["error"] or not j["error"]:
            bad.append("%s: error must be {\"error\": one line}: %r" % (what, b[:200]))
    if contains and contains.encode() not in b:
        bad.append("%s: body lacks %r: %r" % (what, contains, b[:200]))
    return h, b

# names and values the dashboard file does not allow: 400 / 404
check("GET", "/api/v1/dashboards/nope", 404)
check("GET", "/api/v1/dashboards/nope/tiles/revenue", 404)
check("GET", T + "nope", 404)
check("GET", T + "nope.csv", 404)
check("GET", "/api/v1/dashboards/shop/filters/nope/values", 404)
for q in ["top_products?sort=nope", "top_products?sort=-", "daily_profit?grain=century",
          "top_products?limit=-1", "top_products?limit=abc", "top_products?limit=100000000",
          "top_products?offset=-5", "revenue?f.nope=1", "revenue?bogus=1", "revenue?from=2024-13-45&to=2024-01-01",
          "revenue?range=bogus", "revenue?compare=sideways",
          "top_products?sort=revenue%3Bdrop%20table%20main.fct_order_items",
          "top_products?sort=revenue%20desc%2C%201", "top_products.csv?sort=nope",
          "revenue?" + "&".join("f.category=c%d" % i for i in range(70))]:
    check("GET", T + q, 400)
# injection strings are values: they match nothing and run nothing
for v in ["%27%20or%201%3D1%20--", "x%27)%3B%20drop%20table%20main.fct_order_items%3B%20--",
          "%22%3B%20delete%20from%20main.fct_order_items%3B", "%00", "%E2%80%AE", "Robert%27)%3B--"]:
    h, b = check("GET", T + "revenue?f.category=" + v, 200)
    try:
        rows = json.loads(b)["rows"]
    except Exception:
        rows = None
    if rows not in ([[None]], [[0]], []):
        bad.append("injection value %s matched rows: %r" % (v, rows))
    check("GET", T + "top_products.csv?f.brand=" + v, 200)
    check("GET", "/api/v1/dashboards/shop/filters/category/values?q=" + v, 200)
# size limits
check("GET", T + "revenue?x=" + "a" * 20000, 414)
st, h, b = req(base, "GET", T + "revenue?x=" + "a" * 200000)
if st not in (414, 431):
    bad.append("a 200 KB URL: expected 414 (or 431), got %d" % st)
check("POST", "/api/v1/login", 413, {"Content-Type": "application/json"}, "x" * 20000)
# a chunked body that grows past the limit
host = base.split("//")[1]
s = socket.create_connection(tuple([host.split(":")[0], int(host.split(":")[1])]), timeout=30)
s.sendall(("POST /api/v1/logout HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % host).encode())
resp = b""
try:
    for i in range(10):
        s.sendall(b"1000\r\n" + b"y" * 4096 + b"\r\n")
    s.sendall(b"0\r\n\r\n")
except OSError:
    pass
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        resp += c
except OSError:
    pass
if not resp.startswith(b"HTTP/1.1 413"):
    bad.append("a 40 KB chunked body: expected 413, got %r" % resp[:60])
# methods
h, b = check("DELETE", "/api/v1/dashboards", 405)
if h.get("allow") != "GET, HEAD":
    bad.append("405 without Allow: %s" % h)
check("PUT", "/", 405)
h, b = check("GET", "/api/v1/login", 405)
if h.get("allow") != "POST":
    bad.append("GET login: Allow %s" % h)
h, b = check("HEAD", "/api/v1/dashboards", 200)
if b:
    bad.append("HEAD has a body")
check("HEAD", T + "revenue", 200)
check("POST", "/api/v1/logout", 403)  # no CSRF token
# unknown routes
for p in ["/api/v1/nope", "/api", "/api/v2/dashboards", "/api/v1/dashboards/shop/tiles",
          "/api/v1/dashboards/shop/tiles/revenue/x", "/api/v1/dashboards/shop/filters/category"]:
    check("GET", p, 404)
check("GET", "/nope", 404)
# traversal: asset names are looked up in the embedded table, never on disk
for p in ["/assets/../../etc/passwd", "/assets/..%2F..%2Fetc%2Fpasswd", "/assets/%2e%2e/%2e%2e/etc/passwd",
          "/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/assets//etc/passwd", "/assets/", "/assets/app.js%00.html", "/assets/%00",
          "/assets/./app.js", "/assets/..%5c..%5cetc%5cpasswd", "/assets/" + "../" * 20 + "etc/passwd",
          "/../../etc/passwd", "/assets/../../../../proc/self/environ"]:
    h, b = check("GET", p, 400 if "%00" in p else 404)
    if b"root:" in b or b"PATH=" in b:
        bad.append("%s leaked a file" % p)
for b_ in bad:
    print("FAIL:", b_, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
# nothing changed: the rows, and no table was dropped (the query is handed to the server)
expect_eq "$(q1 "select count(*) || '/' || sum(sale_price) from main.fct_order_items")" "$before" "rows after the bad requests"
expect_eq "$(q "select table_name from information_schema.tables order by 1")" "$tables_before" "tables after the bad requests"
# the server is still fine
[ "$(http /healthz | head -1)" = 200 ] || fail "server not healthy after the bad requests"
grep -q "Expected\|AddressSanitizer\|runtime error" "$T/serve.log" && fail "server log: $(cat "$T/serve.log")"
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"
