#!/usr/bin/env bash
# t0702: alerts — webhooks POST JSON to a listener this test starts on
# 127.0.0.1, `command:` alerts run with the event in their environment.
. ./lib.sh
PY=/usr/bin/python3
[ -x "$PY" ] || fail "needs /usr/bin/python3 for the HTTP listener"
cat > listener.py <<'EOF'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "ab") as f:
            f.write(self.headers["Content-Type"].encode() + b" " + body + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
s.timeout = 0.5
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
end = time.time() + 60
while time.time() < end:
    s.handle_request()
EOF
"$PY" listener.py port hooks.txt &
LPID=$!
trap 'kill $LPID 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do [ -f port ] && break; sleep 0.1; done
[ -f port ] || fail "listener did not start"
PORT=$(cat port)
mkdir -p pipelines
cat > pipelines/alerting.yml <<EOF
pipeline: alerting
on_failure: {webhook: "http://127.0.0.1:$PORT/run-failed"}
on_success: {command: "echo run ok >> run-ok.txt"}
defaults:
  on_retry: {command: "echo \$INGOT_EVENT \$INGOT_TASK \$INGOT_ATTEMPT >> retries.txt"}
  on_failure: {webhook: "http://127.0.0.1:$PORT/task-failed", command: "echo \$INGOT_ALERT_JSON > last.json"}
tasks:
  - {id: bad, shell: "exit 5", retries: 1, retry_delay: 100ms}
  - {id: good, shell: "true"}
EOF
run "$INGOT" pipeline run alerting
expect_rc 1
[ "$(cat retries.txt)" = "task_retry bad 1" ] || fail "on_retry command: $(cat retries.txt 2>/dev/null)"
grep -q '"event":"task_failure"' last.json || fail "command alert json: $(cat last.json)"
grep -q '"error":"exit code 5"' last.json || fail "command alert error: $(cat last.json)"
for i in $(seq 50); do [ "$(wc -l < hooks.txt 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
grep -q '^application/json {"event":"task_failure","pipeline":"alerting"' hooks.txt || fail "no task webhook: $(cat hooks.txt)"
grep -q '"task":"bad","attempt":2,"state":"failed"' hooks.txt || fail "task webhook payload: $(cat hooks.txt)"
grep -q '{"event":"run_failure".*"task":null' hooks.txt || fail "no run webhook: $(cat hooks.txt)"
[ ! -f run-ok.txt ] || fail "on_success ran for a failed run"

# success alerts
sed -i 's/exit 5/true/' pipelines/alerting.yml
run "$INGOT" pipeline run alerting
expect_rc 0
[ "$(cat run-ok.txt)" = "run ok" ] || fail "on_success command did not run"
