#!/usr/bin/env bash
# t0702: alerts — webhooks POST JSON to a listener this test starts on
# 127.0.0.1, `command:` alerts run with the event in their environment.
. ./lib.sh
. "$ROOT/tests/fixtures/alerts/lib.sh"
alerts_listen hooks.txt 60
trap 'kill $LPID 2>/dev/null || true; rm -rf "$T"' EXIT
mkdir -p pipelines
cat > pipelines/alerting.yml <<EOF
pipeline: alerting
on_failure: {webhook: "http://127.0.0.1:$PORT/run-failed"}
on_success: {command: "echo run ok >> run-ok.txt"}
defaults:
  on_retry: {command: "echo \$INGOT_EVENT {{ task }} {{ attempt }} {{ error }} >> retries.txt; echo {{ pipeline }} {{ run_id | length > 0 }} >> retries.txt"}
  on_failure: {webhook: "http://127.0.0.1:$PORT/task-failed", command: "echo \$INGOT_ALERT_JSON > last.json"}
tasks:
  - {id: bad, shell: "exit 5", retries: 1, retry_delay: 100ms}
  - {id: good, shell: "true"}
EOF
run "$INGOT" pipeline run alerting
expect_rc 1
[ "$(cat retries.txt)" = "task_retry bad 1 exit code 5
alerting True" ] || fail "on_retry command: $(cat retries.txt 2>/dev/null)"
grep -q '"event":"task_failure"' last.json || fail "command alert json: $(cat last.json)"
grep -q '"error":"exit code 5"' last.json || fail "command alert error: $(cat last.json)"
for i in $(seq 50); do [ "$(wc -l < hooks.txt 2>/dev/null)" -ge 2 ] && break; sleep 0.1; done
grep -q '^200 /task-failed application/json {"event":"task_failure","pipeline":"alerting"' hooks.txt || fail "no task webhook: $(cat hooks.txt)"
grep -q '"task":"bad","attempt":2,"state":"failed"' hooks.txt || fail "task webhook payload: $(cat hooks.txt)"
grep -q '^200 /run-failed application/json {"event":"run_failure".*"task":null' hooks.txt || fail "no run webhook: $(cat hooks.txt)"
[ ! -f run-ok.txt ] || fail "on_success ran for a failed run"

# success alerts
sed -i 's/exit 5/true/' pipelines/alerting.yml
run "$INGOT" pipeline run alerting
expect_rc 0
[ "$(cat run-ok.txt)" = "run ok" ] || fail "on_success command did not run"

# a template error in an alert command is logged, the command does not
# run (nor a half-rendered one), and the run's result is unchanged
cat > pipelines/badalert.yml <<EOF
pipeline: badalert
on_failure: {command: "echo {{ no_such_name }} > badalert.txt"}
tasks:
  - {id: bad, shell: "exit 3"}
EOF
run "$INGOT" pipeline run badalert
expect_rc 1
[ ! -e badalert.txt ] || fail "an alert command with an undefined name ran: $(cat badalert.txt)"
grep -q "pipeline badalert: alert command not run:.*no_such_name" <<<"$ERR" || fail "no log of the template error: $ERR"
