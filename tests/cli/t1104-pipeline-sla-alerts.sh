#!/usr/bin/env bash
# t1104: alerts of the operations issue — webhook bodies are Slack-compatible
# (a `text` line), a webhook answered 500 is tried again (and the tries are
# logged), `on_test_failure` names the data tests a dbt task's run failed
# (not those that only warn; nothing when the tests pass), and a pipeline's SLA (`sla: HH:MM`, `on_sla_miss:`) alerts once
# when no run succeeded by then that day, not when one did; bad `sla:`
# values are errors at file:line:col. The receiver is a python3 listener on
# 127.0.0.1 that answers its first POST with 500.
. ./lib.sh
. "$ROOT/tests/fixtures/alerts/lib.sh"
alerts_listen hooks.txt 120 --fail-first
S=
trap 'kill $LPID 2>/dev/null || true; [ -z "$S" ] || kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT

# bad sla values: errors at their place
mkdir -p pipelines
printf 'pipeline: bad\nsla: "25:00"\ntasks: [{id: a, shell: "true"}]\n' > pipelines/bad.yml
run "$INGOT" pipeline run bad
expect_rc 2
expect_err "bad.yml:2:"
expect_err "sla must be a time of day HH:MM"
printf 'pipeline: bad\non_sla_miss: {command: "true"}\ntasks: [{id: a, shell: "true"}]\n' > pipelines/bad.yml
run "$INGOT" pipeline run bad
expect_rc 2
expect_err "bad.yml:2:"
expect_err "on_sla_miss needs sla:"
rm pipelines/bad.yml

# a failed run: its webhook is tried again after the 500 and carries a Slack text
cat > pipelines/failing.yml <<EOF
pipeline: failing
on_failure: {webhook: "http://127.0.0.1:$PORT/run-failed"}
tasks:
  - {id: boom, shell: "exit 3"}
EOF
run "$INGOT" pipeline run failing
expect_rc 1
for i in $(seq 100); do [ "$(wc -l < hooks.txt 2>/dev/null || echo 0)" -ge 2 ] && break; sleep 0.1; done
[ "$(wc -l < hooks.txt)" -eq 2 ] || fail "expected a 500 then a retried 200: $(cat hooks.txt)"
sed -n 1p hooks.txt | grep -q '^500 /run-failed application/json {"event":"run_failure"' || fail "first try: $(cat hooks.txt)"
sed -n 2p hooks.txt | grep -q '^200 /run-failed application/json {"event":"run_failure"' || fail "the retry: $(cat hooks.txt)"
sed -n 2p hooks.txt | cut -d' ' -f4- | "$PY" -c '
import json, sys
b = json.load(sys.stdin)
assert b["text"].startswith(":red_circle: ingot: pipeline *failing* run failed"), b["text"]
assert b["pipeline"] == "failing" and b["state"] == "failed", b
' || fail "the Slack-compatible body: $(sed -n 2p hooks.txt)"
grep -q "alert webhook http://127.0.0.1:$PORT/run-failed: HTTP 500 (try 1 of 3, trying again)" .err ||
  fail "the failed try is not logged: $ERR"

# test failures: a seed with a NULL; not_null fails (error), unique warns (severity warn)
: > hooks.txt
cat > dbt_project.yml <<'EOF'
name: alerts
version: '1.0'
config-version: 2
profile: alerts
EOF
engine_profile duckdb alerts > profiles.yml
mkdir -p seeds models
printf 'id,name\n1,a\n2,\n2,c\n' > seeds/people.csv
cat > models/schema.yml <<'EOF'
version: 2
seeds:
  - name: people
    columns:
      - name: name
        tests: [not_null]
      - name: id
        tests: [{unique: {config: {severity: warn}}}]
EOF
cat > pipelines/tested.yml <<EOF
pipeline: tested
on_test_failure: {webhook: "http://127.0.0.1:$PORT/tests", command: "echo \$INGOT_EVENT \$INGOT_TASK \$INGOT_TESTS_FAILED >> tests-cmd.txt"}
tasks:
  - {id: dbt_build, build: {select: "*"}}
EOF
run "$INGOT" pipeline run tested
expect_rc 1
for i in $(seq 100); do [ -s hooks.txt ] && [ -s tests-cmd.txt ] && break; sleep 0.1; done
[ "$(cat tests-cmd.txt)" = "test_failure dbt_build 1" ] || fail "the test-failure command: $(cat tests-cmd.txt 2>/dev/null)"
[ "$(wc -l < hooks.txt)" -eq 1 ] || fail "one test-failure webhook: $(cat hooks.txt)"
cut -d' ' -f4- hooks.txt | "$PY" -c '
import json, sys
b = json.load(sys.stdin)
assert b["event"] == "test_failure" and b["pipeline"] == "tested" and b["task"] == "dbt_build", b
t = b["tests"]
assert [x["status"] for x in t] == ["fail"] and t[0]["unique_id"].startswith("test.alerts.not_null_people_name"), t
assert t[0]["failures"] == 1, t
assert "1 data test failed" in b["text"] and "not_null_people_name" in b["text"], b["text"]
' || fail "the test-failure body: $(cat hooks.txt)"
# the NULL fixed: the build succeeds with the unique warning; a warn is not a failure: no alert
printf 'id,name\n1,a\n2,b\n2,c\n' > seeds/people.csv
: > hooks.txt; : > tests-cmd.txt
run "$INGOT" pipeline run tested
expect_rc 0
sleep 1
[ ! -s hooks.txt ] && [ ! -s tests-cmd.txt ] || fail "an alert for passing (or warning) tests: $(cat hooks.txt tests-cmd.txt)"
rm -f pipelines/tested.yml

# SLAs at 00:00 UTC: `missed` has no run, `met` has a run that ended by then
: > hooks.txt
for p in missed met; do
  cat > pipelines/$p.yml <<EOF
pipeline: $p
sla: "00:00"
timezone: UTC
on_sla_miss: {webhook: "http://127.0.0.1:$PORT/sla/$p", command: "echo \$INGOT_EVENT \$INGOT_PIPELINE >> sla-cmd.txt"}
tasks: [{id: a, shell: "true"}]
EOF
done
run "$INGOT" pipeline run met
expect_rc 0
# the run of `met` ended at midnight (the deadline itself counts as met)
"$PY" - .ingot/state.db <<'EOF'
import sqlite3, sys, time
midnight = int(time.time()) // 86400 * 86400
db = sqlite3.connect(sys.argv[1])
db.execute("update runs set ended_at = ?, started_at = ? where pipeline = 'met'", (midnight * 1000000, midnight * 1000000))
db.commit()
EOF
"$INGOT" scheduler --grace 1 > s.log 2>&1 &
S=$!
for i in $(seq 200); do grep -q "sla_miss" hooks.txt 2>/dev/null && [ -s sla-cmd.txt ] && break; sleep 0.1; done
grep -q '^200 /sla/missed application/json {"text":":warning: ingot: pipeline \*missed\* missed its SLA' hooks.txt ||
  fail "no SLA webhook for 'missed': $(cat hooks.txt); $(cat s.log)"
[ "$(cat sla-cmd.txt)" = "sla_miss missed" ] || fail "the SLA command: $(cat sla-cmd.txt)"
grep -q "pipeline missed missed its SLA (00:00 UTC)" s.log || fail "the miss is not logged: $(cat s.log)"
sed -n 1p hooks.txt | cut -d' ' -f4- | "$PY" -c '
import json, sys, time
b = json.load(sys.stdin)
assert "no run had succeeded by 00:00 UTC" in b["text"], b
assert b["event"] == "sla_miss" and b["pipeline"] == "missed" and b["sla"] == "00:00", b
assert b["deadline"] == time.strftime("%Y-%m-%dT00:00:00.000000Z", time.gmtime()), b
' || fail "the SLA body: $(cat hooks.txt)"
# once a day: a reload (SIGHUP) and more scheduler steps do not alert again
kill -HUP $S
"$INGOT" pipeline trigger met >/dev/null
for i in $(seq 100); do "$INGOT" pipeline status met | grep -q "success" && break; sleep 0.1; done
sleep 1
[ "$(grep -c sla_miss hooks.txt)" -eq 1 ] || fail "the SLA alerted more than once: $(cat hooks.txt)"
! grep -q "/sla/met" hooks.txt || fail "the SLA of 'met' was met: $(cat hooks.txt)"
kill -TERM $S
wait $S || fail "the scheduler exited $? on SIGTERM"
S=
echo "t1104: Slack-compatible bodies, retried webhooks, test failures and SLA misses alerted"
