#!/usr/bin/env bash
# t0703: a sensor waits (without a worker slot) for a file the test creates.
. ./lib.sh
mkdir -p pipelines lake
cat > pipelines/wait.yml <<'EOF'
pipeline: wait
tasks:
  - {id: arrive, sensor: {glob: "orders/{{ ds }}/*.csv", poke_interval: 200ms, timeout: 60s}}
  - {id: other, shell: "echo busy"}
  - {id: use, shell: "cat lake/orders/{{ ds }}/*.csv", depends_on: [arrive]}
EOF
"$INGOT" pipeline run wait --logical-date 2024-05-01 --parallelism 1 > run.out 2> run.err &
P=$!
trap 'kill $P 2>/dev/null || true; rm -rf "$T"' EXIT
# the other task runs while the sensor waits, even with one slot
for i in $(seq 100); do grep -q "other: success" run.err && break; sleep 0.1; done
grep -q "other: success" run.err || fail "the sensor held the only slot: $(cat run.err)"
grep -q "use: running" run.err && fail "ran before the file arrived"
mkdir -p lake/orders/2024-05-01
echo "id,amount" > lake/orders/2024-05-01/o1.csv
wait $P || fail "run failed: $(cat run.out run.err)"
run "$INGOT" pipeline logs 1 use
expect_out "id,amount"
run "$INGOT" pipeline logs 1 arrive
expect_out "waiting for files matching orders/{{ ds }}/*.csv"
expect_out "found files"

# a sensor that times out fails its task
cat > pipelines/never.yml <<'EOF'
pipeline: never
tasks:
  - {id: s, sensor: {glob: "nothing/*", poke_interval: 100ms, timeout: 500ms}}
EOF
run "$INGOT" pipeline run never
expect_rc 1
run "$INGOT" pipeline status 2
expect_out "sensor timed out after"
