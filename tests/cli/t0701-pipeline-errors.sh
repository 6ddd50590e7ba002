#!/usr/bin/env bash
# t0701: invalid pipeline files are errors with file:line:col.
. ./lib.sh
mkdir -p pipelines
check() { # FILE-CONTENT EXPECTED
  printf '%s\n' "$1" > pipelines/bad.yml
  run "$INGOT" pipeline run bad
  expect_rc 2
  expect_err "$2"
}
check 'pipeline: bad
tasks:
  - {id: a, shel: "echo"}' "pipelines/bad.yml:3:13: unknown key 'shel'"
check 'pipeline: bad
tasks:
  - {id: a, shell: "echo"}
  - {id: b, shell: "echo", depends_on: [x]}' "pipelines/bad.yml:4:41: task 'b' depends on unknown task 'x'"
check 'pipeline: bad
tasks:
  - {id: a, shell: "echo", depends_on: [b]}
  - {id: b, shell: "echo", depends_on: [a]}' "dependency cycle: a -> b -> a"
check 'pipeline: bad
schedule: "0 0 30 2 *"
tasks: [{id: a, shell: echo}]' "pipelines/bad.yml:2:16: schedule: schedule '0 0 30 2 *' can never fire"
check 'pipeline: bad
schedule: "0 25 * * *"
tasks: [{id: a, shell: echo}]' "pipelines/bad.yml:2:14: schedule: hour field '25' is out of range"
check 'pipeline: bad
timezone: Europe/Atlantis
tasks: [{id: a, shell: echo}]' "pipelines/bad.yml:2:11: unknown time zone 'Europe/Atlantis'"
check 'pipeline: bad
tasks: [{id: a, shell: echo, retries: lots}]' "pipelines/bad.yml:2:39: 'retries' must be a whole number"
check 'pipeline: bad
tasks: [{id: a, shell: echo, trigger_rule: maybe}]' "unknown trigger_rule 'maybe'"

# list reports a broken file and still lists the good ones
cat > pipelines/good.yml <<'EOF'
pipeline: good
tasks: [{id: a, shell: "true"}]
EOF
run "$INGOT" pipeline list
expect_rc 2
expect_out "good"
expect_err "pipelines/bad.yml:2:"
