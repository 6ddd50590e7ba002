#!/usr/bin/env bash
# t0625: pipelines are checked against the project when they are loaded: a
# load: task naming an unknown source table, or a build/run/test selector
# that matches nothing, is an error at its file:line:col (pipeline run,
# trigger, list, and the scheduler's load) — not a task failing after its
# retries. Templated names are known only at run time and are not checked.
. "$(dirname "$0")/lib.sh"
cp -r "$ROOT/tests/fixtures/dbt/tinyshop" shop && cd shop
cat > models/sources.yml <<'YML'
version: 2
sources:
  - name: raw
    tables:
      - name: users
        external: {location: "users/*.csv"}
      - name: notes
YML
mkdir -p pipelines lake/users
printf 'id,name\n1,ann\n' > lake/users/u1.csv

printf 'pipeline: p\ntasks:\n  - {id: l, load: [raw.users, raw.userz], retries: 3, retry_delay: 1h}\n' > pipelines/p.yml
for cmd in "pipeline run p" "pipeline trigger p" "pipeline list"; do
  run "$INGOT" $cmd
  expect_rc 2
  expect_err "pipelines/p.yml:3:31: task 'l': load: unknown source table 'raw.userz' (did you mean 'raw.users'?)"
done
expect_no "retrying"
printf 'pipeline: p\ntasks:\n  - {id: l, load: raw.notes}\n' > pipelines/p.yml
run "$INGOT" pipeline run p
expect_rc 2
expect_err "pipelines/p.yml:3:19: task 'l': load: source table 'raw.notes' has no external: location"
printf 'pipeline: p\ntasks:\n  - {id: l, load: nothing_like_it.t}\n' > pipelines/p.yml
run "$INGOT" pipeline run p
expect_rc 2
expect_err "load: unknown source table 'nothing_like_it.t'; declare it under sources:"

# selectors
printf 'pipeline: p\ntasks:\n  - id: b\n    build: {select: "stg_orderz+"}\n    retries: 2\n' > pipelines/p.yml
run "$INGOT" pipeline run p
expect_rc 2
expect_err "pipelines/p.yml:4:22: task 'b': build: the selector 'stg_orderz+' matches nothing"
printf 'pipeline: p\ntasks:\n  - {id: t, test: "tag:no_such_tag"}\n' > pipelines/p.yml
run "$INGOT" pipeline run p
expect_rc 2
expect_err "pipelines/p.yml:3:20: task 't': test: the selector 'tag:no_such_tag' matches no test"
printf 'pipeline: p\ntasks:\n  - {id: s, seed: {select: "stg_orders"}}\n' > pipelines/p.yml
run "$INGOT" pipeline run p
expect_rc 2
expect_err "seed: the selector 'stg_orders' matches no seed"

# the scheduler refuses the file when it loads it (and logs where)
printf 'pipeline: p\nschedule: "@daily"\ntasks:\n  - {id: l, load: raw.userz}\n' > pipelines/p.yml
"$INGOT" scheduler > s.log 2>&1 &
S=$!
trap 'kill -9 $S 2>/dev/null || true; rm -rf "$T"' EXIT
for i in $(seq 100); do grep -q "scheduler started" s.log && break; sleep 0.1; done
kill -TERM $S; wait $S || true
grep -q "pipelines/p.yml:4:19: task 'l': load: unknown source table 'raw.userz'" s.log ||
  fail "the scheduler did not report the bad pipeline: $(cat s.log)"

# a templated table is checked at run time only; good names run
printf 'pipeline: p\nparams: {t: users}\ntasks:\n  - {id: l, load: "raw.{{ params.t }}"}\n  - {id: b, run: "+stg_orders", depends_on: [l]}\n  - {id: r, run: {select: "*", exclude: "stg_orders+"}, depends_on: [b]}\n' > pipelines/p.yml
"$INGOT" seed >/dev/null
run "$INGOT" pipeline run p
expect_rc 0
expect_out "run 1: success"
