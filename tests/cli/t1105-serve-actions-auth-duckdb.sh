#!/usr/bin/env bash
# t1105: auth, role and CSRF on every pipeline action under `ingot serve --auth` (trigger, pause, unpause, backfill, mark_failed, mark_success, rerun_failed, cancel, clear): 403 (no CSRF token) without credentials; 403 for a viewer (session with its CSRF token, or bearer token) and written to the audit log as denied; 403 for an operator's session without or with a wrong X-CSRF-Token or from another Origin; allowed for an operator (session with CSRF, or bearer token) and audited ok; the audit log is 403 for an operator and readable by an admin.
. ./lib.sh
. "$ROOT/tests/fixtures/serve/lib.sh"
cp -r "$ROOT/tests/fixtures/dash/project" p && cd p
engine_profile duckdb dashshop > profiles.yml
mkdir -p pipelines
cat > pipelines/quick.yml <<'EOF'
pipeline: quick
schedule: "0 3 * * *"
start_date: "2025-01-01"
catchup: false
tasks:
  - {id: first, shell: "echo first"}
  - {id: second, shell: "echo second", depends_on: [first]}
EOF
run "$INGOT" pipeline run quick
expect_rc 0
tok() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
VT=$(tok); OT=$(tok); AT=$(tok)
{
  echo "users:"
  for u in vera:viewer otto:operator ada:admin; do
    h=$(printf 'pw-%s\n' "${u%%:*}" | "$INGOT" serve hash-password)
    echo "  - {name: ${u%%:*}, role: ${u#*:}, password_hash: \"$h\"}"
  done
  echo "tokens:"
  for t in vera:$VT otto:$OT ada:$AT; do
    echo "  - {name: t-${t%%:*}, user: ${t%%:*}, token_hash: \"sha256\$$(printf %s "${t#*:}" | sha256sum | cut -d' ' -f1)\"}"
  done
} > users.yml
serve_start --no-scheduler --auth users.yml
VT=$VT OT=$OT AT=$AT /usr/bin/python3 - "$BASE" <<'PY' || fail "action auth checks failed (above); log: $(tail -20 "$T/serve.log")"
import json, os, sys
sys.path.insert(0, os.environ["INGOT_ROOT"] + "/tests/fixtures/serve")
from ht import req
base = sys.argv[1]
host = base.split("//", 1)[1]
bad = []
def expect(what, got, want):
    if got != want:
        bad.append("%s: expected %r, got %r" % (what, want, got))

def session(user):
    st, h, b = req(base, "GET", "/api/v1/me")
    anon, csrf = h["set-cookie"].split(";")[0], json.loads(b)["csrf"]
    st, h, b = req(base, "POST", "/api/v1/login", {"Content-Type": "application/json", "Cookie": anon, "X-CSRF-Token": csrf},
                   json.dumps({"user": user, "password": "pw-" + user}))
    assert st == 200, (user, st, b)
    cookie = h["set-cookie"].split(";")[0]
    st, h, b = req(base, "GET", "/api/v1/me", {"Cookie": cookie})
    return {"Cookie": cookie, "X-CSRF-Token": json.loads(b)["csrf"], "Content-Type": "application/json"}

vera, otto = session("vera"), session("otto")
bearer = lambda t: {"Authorization": "Bearer " + os.environ[t], "Content-Type": "application/json"}

# the run the CLI made (ended, success), and one the server queues
st, h, b = req(base, "GET", "/api/v1/pipelines/quick/runs", bearer("VT"))
ended = json.loads(b)["runs"][0]["id"]
actions = [  # (path, body, what an operator gets)
    ("/api/v1/pipelines/quick/trigger", {"logical_date": "2025-06-01"}, 200),
    ("/api/v1/pipelines/quick/pause", {}, 200),
    ("/api/v1/pipelines/quick/unpause", {}, 200),
    ("/api/v1/pipelines/quick/backfill", {"start": "2025-05-01", "end": "2025-05-02"}, 200),
    ("/api/v1/runs/%d/mark_failed" % ended, {}, 200),
    ("/api/v1/runs/%d/mark_success" % ended, {}, 200),
    ("/api/v1/runs/%d/rerun_failed" % ended, {}, 200),  # an ended run: queued again
    ("/api/v1/runs/%d/cancel" % ended, {}, 200),        # queued, no scheduler: it ends failed here
    ("/api/v1/runs/%d/tasks/second/clear" % ended, {"downstream": True}, 200),
]
for path, body, want in actions:
    name = path.rsplit("/", 1)[1]
    js = json.dumps(body)
    st, h, b = req(base, "POST", path, {"Content-Type": "application/json"}, js)
    # no session: the CSRF check (before the role's) refuses it
    expect("%s without credentials" % name, (st, b"X-CSRF-Token" in b), (403, True))
    st, h, b = req(base, "POST", path, vera, js)
    expect("%s by a viewer's session" % name, (st, list(json.loads(b))), (403, ["error"]))
    st, h, b = req(base, "POST", path, bearer("VT"), js)
    expect("%s by a viewer's token" % name, st, 403)
    st, h, b = req(base, "POST", path, dict(otto, **{"X-CSRF-Token": ""}), js)
    expect("%s by an operator without X-CSRF-Token" % name, st, 403)
    st, h, b = req(base, "POST", path, dict(otto, **{"X-CSRF-Token": "0" * 64}), js)
    expect("%s by an operator with a wrong X-CSRF-Token" % name, st, 403)
    st, h, b = req(base, "POST", path, dict(otto, Origin="http://evil.example"), js)
    expect("%s by an operator from another Origin" % name, st, 403)
    st, h, b = req(base, "POST", path, otto if name != "pause" and name != "backfill" else bearer("OT"), js)
    expect("%s by an operator (%s)" % (name, b[:200]), st, want)

st, h, b = req(base, "GET", "/api/v1/audit?limit=1000", bearer("OT"))
expect("the audit log for an operator", st, 403)
st, h, b = req(base, "GET", "/api/v1/audit?limit=1000", bearer("AT"))
expect("the audit log for an admin", st, 200)
entries = json.loads(b)["entries"]
got = sorted((e["action"], e["user"], e["outcome"].split(":")[0]) for e in entries)
want = []
for path, body, _ in actions:
    name = path.rsplit("/", 1)[1]
    want += [(name, "vera", "denied"), (name, "vera", "denied"), (name, "otto", "ok")]
expect("audit entries (action, user, outcome): CSRF and Origin refusals are not actions", got, sorted(want))
for line in bad:
    print("FAIL:", line)
sys.exit(1 if bad else 0)
PY
serve_stop
[ "$SRC" -eq 0 ] || fail "ingot serve exited $SRC on SIGTERM"
echo "t1105: every action refused without credentials, for a viewer, without CSRF and from another origin; allowed and audited for an operator"
