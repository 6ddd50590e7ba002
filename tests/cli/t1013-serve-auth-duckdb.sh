#!/usr/bin/env bash
# t1013: `ingot serve --auth`: hash-password, the users file (errors at file:line:col), 401 without a session, login (wrong password 401, malformed body 400, rate limit 429), session cookie attributes, a new session id at login, CSRF and Origin checks on POST (403), logout; without --auth a non-loopback --bind is refused.
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
run "$INGOT" build
expect_rc 0

# hash-password: a salted PBKDF2 string; the same password twice gives two hashes
run sh -c "echo 'correct horse' | '$INGOT' serve hash-password"
expect_rc 0
h1=$OUT
case "$h1" in pbkdf2-sha256\$2[0-9][0-9][0-9][0-9][0-9]\$*\$*) ;; *) fail "hash format: $h1" ;; esac
run sh -c "echo 'correct horse' | '$INGOT' serve hash-password"
[ "$OUT" != "$h1" ] || fail "two hashes of one password must differ (random salt)"
run sh -c "printf '' | '$INGOT' serve hash-password"
expect_rc 2
hb=$(echo 'battery staple' | "$INGOT" serve hash-password)

# the users file: errors name file:line:col
cat > bad.yml <<EOF2
users:
  - name: alice
    role: superuser
    password_hash: "$h1"
EOF2
run "$INGOT" serve --auth bad.yml --port 0
expect_rc 2
expect_err "bad.yml:3:11"
expect_err "viewer, operator or admin"
printf 'users:\n  - {name: alice, role: viewer, password_hash: "plaintext"}\n' > bad2.yml
run "$INGOT" serve --auth bad2.yml --port 0
expect_rc 2
expect_err "bad2.yml:2:"
expect_err "hash-password"
printf 'users:\n  - {name: alice, role: viewer}\n' > bad3.yml
run "$INGOT" serve --auth bad3.yml --port 0
expect_rc 2
expect_err "password_hash"
run "$INGOT" serve --auth missing.yml --port 0
expect_rc 2
expect_err "missing.yml"

# no --auth: loopback only
run "$INGOT" serve --bind 0.0.0.0 --port 0 --no-scheduler
expect_rc 2
expect_err "--auth"
run "$INGOT" serve --bind ::0 --port 0 --no-scheduler
expect_rc 2

cat > users.yml <<EOF2
users:
  - {name: alice, role: viewer, password_hash: "$h1"}
  - {name: bob, role: operator, password_hash: "$hb"}
EOF2
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
def cookie_of(h):
    c = h.get("set-cookie", "")
    return c.split(";")[0]

# the page and its files need no session; the API does
for p in ["/", "/d/shop/sales", "/login", "/assets/app.js", "/healthz"]:
    expect("GET " + p, req(base, "GET", p)[0], 200)
for p in ["/api/v1/dashboards", "/api/v1/dashboards/shop", "/api/v1/dashboards/shop/tiles/revenue",
          "/api/v1/dashboards/shop/tiles/top_products.csv", "/api/v1/dashboards/shop/filters/category/values"]:
    st, h, b = req(base, "GET", p)
    expect("GET %s without a session" % p, st, 401)
    expect("401 body", list(json.loads(b)), ["error"])
st, h, b = req(base, "GET", "/api/v1/me")
me = json.loads(b)
expect("me (anonymous)", (st, me["user"], me["role"], me["auth"]), (200, None, None, True))
sc = h.get("set-cookie", "")
for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"]:
    if attr not in sc:
        bad.append("cookie lacks %s: %s" % (attr, sc))
anon = cookie_of(h)
csrf = me["csrf"]
assert len(csrf) == 64 and anon.startswith("ingot_session=") and len(anon) == 14 + 64, (csrf, anon)

J = {"Content-Type": "application/json", "Cookie": anon}
good = json.dumps({"user": "alice", "password": "correct horse"})
# CSRF and Origin
expect("login without X-CSRF-Token", req(base, "POST", "/api/v1/login", J, good)[0], 403)
expect("login with a wrong token", req(base, "POST", "/api/v1/login", dict(J, **{"X-CSRF-Token": "0" * 64}), good)[0], 403)
expect("login with another session's token",
       req(base, "POST", "/api/v1/login", {"Content-Type": "application/json", "X-CSRF-Token": csrf}, good)[0], 403)
H = dict(J, **{"X-CSRF-Token": csrf})
expect("login from a foreign Origin", req(base, "POST", "/api/v1/login", dict(H, Origin="http://evil.example"), good)[0], 403)
expect("login from Origin null", req(base, "POST", "/api/v1/login", dict(H, Origin="null"), good)[0], 403)
host = base.split("//")[1]
expect("login from another port", req(base, "POST", "/api/v1/login", dict(H, Origin="http://127.0.0.1:1"), good)[0], 403)
# malformed bodies
for body in ["{", "", "[]", '{"user": "alice"}', '{"user": 1, "password": 2}', '{"user":"a","user":"b","password":"x"}']:
    expect("login body %r" % body, req(base, "POST", "/api/v1/login", H, body)[0], 400)
# wrong password, unknown user
expect("wrong password", req(base, "POST", "/api/v1/login", H, json.dumps({"user": "alice", "password": "nope"}))[0], 401)
expect("unknown user", req(base, "POST", "/api/v1/login", H, json.dumps({"user": "mallory", "password": "x"}))[0], 401)
# the right one, from the page's own origin
st, h, b = req(base, "POST", "/api/v1/login", dict(H, Origin="http://" + host), good)
expect("login", st, 200)
j = json.loads(b)
expect("login answer", (j["user"], j["role"], j["auth"]), ("alice", "viewer", True))
sess = cookie_of(h)
if sess == anon or not sess.startswith("ingot_session="):
    bad.append("login must give a new session id (%s vs %s)" % (sess, anon))
C = {"Cookie": sess}
st, h, b = req(base, "GET", "/api/v1/me", C)
me = json.loads(b)
expect("me (alice)", (me["user"], me["role"]), ("alice", "viewer"))
expect("the anonymous session is gone", json.loads(req(base, "GET", "/api/v1/me", {"Cookie": anon})[2])["user"], None)
for p in ["/api/v1/dashboards", "/api/v1/dashboards/shop/tiles/revenue", "/api/v1/dashboards/shop/tiles/top_products.csv"]:
    expect("GET %s as a viewer" % p, req(base, "GET", p, C)[0], 200)
expect("a forged cookie", req(base, "GET", "/api/v1/dashboards", {"Cookie": "ingot_session=" + "a" * 64})[0], 401)
# logout: needs the token; then the session is gone
expect("logout without token", req(base, "POST", "/api/v1/logout", C)[0], 403)
st, h, b = req(base, "POST", "/api/v1/logout", dict(C, **{"X-CSRF-Token": me["csrf"]}))
expect("logout", st, 200)
if "Max-Age=0" not in h.get("set-cookie", ""):
    bad.append("logout must clear the cookie: %s" % h)
expect("after logout", req(base, "GET", "/api/v1/dashboards", C)[0], 401)
# rate limit: failures per address; past the limit even the right password waits
st, h, b = req(base, "GET", "/api/v1/me")
a2, t2 = cookie_of(h), json.loads(b)["csrf"]
H2 = {"Content-Type": "application/json", "Cookie": a2, "X-CSRF-Token": t2}
codes = [req(base, "POST", "/api/v1/login", H2, json.dumps({"user": "bob", "password": "wrong%d" % i}))[0] for i in range(3)]
expect("failures before the limit", codes, [401, 401, 401])
st, h, b = req(base, "POST", "/api/v1/login", H2, json.dumps({"user": "bob", "password": "battery staple"}))
expect("blocked after 5 failures", st, 429)
for b_ in bad:
    print("FAIL:", b_, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -q "login failed for 'alice'" "$T/serve.log" || fail "failed logins are logged"
grep -q "correct horse\|battery staple" "$T/serve.log" && fail "a password reached the log"
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"

# with --auth a network address is allowed
serve_start --no-scheduler --auth users.yml --bind 0.0.0.0
grep -q "^ingot serve: http://0.0.0.0:" "$T/serve.log" || fail "start-up line: $(cat "$T/serve.log")"
serve_stop
expect_eq "$SRC" 0 "exit code after SIGTERM"
