#!/usr/bin/env bash
# t1112: with --auth every data route (loads, rejects and their CSV, quality, catalog search/node/lineage, /metrics, the OpenAPI document) is 401 without a session and 200 for a viewer; unknown nodes are 404 and bad parameters 400 as JSON errors; the pages /loads, /quality, /catalog/... serve the index page without a session.
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
run "$INGOT" build
expect_rc 0
h=$(echo 'correct horse' | "$INGOT" serve hash-password)
printf 'users:\n  - {name: alice, role: viewer, password_hash: "%s"}\n' "$h" > users.yml
serve_start --no-scheduler --auth users.yml
/usr/bin/python3 - "$BASE" <<'PY' || fail "auth checks failed (above); log: $(tail -20 "$T/serve.log")"
import json, os, sys
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import req
base = sys.argv[1]
bad = []
def expect(what, got, want):
    if got != want:
        bad.append("%s: expected %r, got %r" % (what, want, got))
routes = ["/api/v1/loads", "/api/v1/loads/raw/orders", "/api/v1/rejects", "/api/v1/rejects.csv",
          "/api/v1/quality", "/api/v1/catalog/search?q=a", "/api/v1/catalog/nodes/fct_order_items",
          "/api/v1/catalog/lineage/fct_order_items", "/metrics", "/api/v1/openapi.json"]
for p in routes:
    st, h, b = req(base, "GET", p)
    expect("GET %s without a session" % p, st, 401)
    expect("GET %s: a JSON error" % p, list(json.loads(b)), ["error"])
for p in ["/loads", "/quality", "/catalog", "/catalog/model.x.orders"]:
    st, h, b = req(base, "GET", p)
    expect("page %s" % p, (st, h.get("content-type", "").split(";")[0]), (200, "text/html"))
st, h, b = req(base, "GET", "/api/v1/me")
anon, csrf = h["set-cookie"].split(";")[0], json.loads(b)["csrf"]
st, h, b = req(base, "POST", "/api/v1/login", {"Content-Type": "application/json", "Cookie": anon, "X-CSRF-Token": csrf},
               json.dumps({"user": "alice", "password": "correct horse"}))
expect("login", st, 200)
C = {"Cookie": h["set-cookie"].split(";")[0]}
want = {"/api/v1/loads/raw/orders": 404}  # not a source table of this project
for p in routes:
    st, h, b = req(base, "GET", p, C)
    expect("GET %s as a viewer" % p, st, want.get(p, 200))
for p, code in [("/api/v1/catalog/nodes/no_such", 404), ("/api/v1/catalog/lineage/no_such", 404),
                ("/api/v1/rejects?limit=-1", 400), ("/api/v1/rejects?offset=x", 400),
                ("/api/v1/catalog/lineage/fct_order_items?down=1000", 400), ("/api/v1/catalog/search?types=nope", 400)]:
    st, h, b = req(base, "GET", p, C)
    expect("GET " + p, (st, list(json.loads(b))), (code, ["error"]))
st, h, b = req(base, "POST", "/api/v1/quality", C)
expect("POST to a GET route", st, 405)
for b_ in bad:
    print("FAIL:", b_, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
serve_stop
[ "$SRC" -eq 0 ] || fail "serve exited $SRC"
