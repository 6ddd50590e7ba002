#!/usr/bin/env bash
# bench/orchestrate.sh — scheduler overhead, measured from the run history.
#
#   (a) a chain of 200 no-op shell tasks: median time from a task's end to
#       its successor's start (target <= 5 ms);
#   (b) 1,000 independent no-op shell tasks: tasks per second at the default
#       parallelism (target >= 300/s on 2 cores);
#   (c) the idle scheduler over IDLE_SECONDS (default 60): CPU time used and
#       resident memory (target ~0 s and <= 20 MB).
#
# Airflow is not installed here, so there is no same-run reference tool: the
# ratio in (a) is against the 1 s lower bound of Airflow's usual 1-3 s task
# handoff (issue 7), printed as such.
#
# usage: bench/orchestrate.sh [INGOT_BINARY]   (default ./ingot)
set -eu
BIN=$(cd "$(dirname "${1:-./ingot}")" && pwd)/$(basename "${1:-./ingot}")
IDLE=${IDLE_SECONDS:-60}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
W=$(mktemp -d /tmp/ingot-bench-orch-XXXXXX)
SPID=
trap '[ -n "$SPID" ] && kill -9 $SPID 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
mkdir -p pipelines

{
  echo "pipeline: chain"
  echo "tasks:"
  echo "  - {id: t0, shell: \"true\"}"
  for i in $(seq 1 199); do echo "  - {id: t$i, shell: \"true\", depends_on: [t$((i - 1))]}"; done
} > pipelines/chain.yml
{
  echo "pipeline: wide"
  echo "max_active_tasks: 10000"
  echo "tasks:"
  for i in $(seq 0 999); do echo "  - {id: t$i, shell: \"true\"}"; done
} > pipelines/wide.yml

"$BIN" -q pipeline run chain > /dev/null
"$BIN" -q pipeline run wide > /dev/null

"$PY" - .ingot/state.db <<'EOF'
import sqlite3, statistics, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""select cast(substr(a.task, 2) as int) i, a.started_at, a.ended_at
                     from attempts a join runs r on r.id = a.run
                     where r.pipeline = 'chain' order by i""").fetchall()
gaps = [(rows[k + 1][1] - rows[k][2]) / 1000.0 for k in range(len(rows) - 1)]
print("(a) chain of %d no-op tasks: median end->next start %.2f ms (p90 %.2f ms, max %.2f ms); "
      "target <= 5 ms; vs Airflow's >= 1000 ms: %.0fx faster"
      % (len(rows), statistics.median(gaps), sorted(gaps)[int(len(gaps) * 0.9)], max(gaps),
         1000.0 / max(statistics.median(gaps), 0.001)))
s, e, n = db.execute("""select min(a.started_at), max(a.ended_at), count(*) from attempts a
                        join runs r on r.id = a.run where r.pipeline = 'wide'""").fetchone()
print("(b) %d independent no-op tasks in %.2f s: %.0f tasks/s; target >= 300/s"
      % (n, (e - s) / 1e6, n / ((e - s) / 1e6)))
EOF

cat > pipelines/idle.yml <<'EOF'
pipeline: idle
schedule: "0 3 1 1 *"
start_date: 2100-01-01
tasks: [{id: t, shell: "true"}]
EOF
rm -f pipelines/chain.yml pipelines/wide.yml
"$BIN" -q scheduler > sched.log 2>&1 &
SPID=$!
sleep 2
tick=$(getconf CLK_TCK)
cpu0=$(awk '{print $14 + $15}' /proc/$SPID/stat)
sleep "$IDLE"
cpu1=$(awk '{print $14 + $15}' /proc/$SPID/stat)
rss=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
kill -TERM $SPID
wait $SPID || true
SPID=
awk -v c0="$cpu0" -v c1="$cpu1" -v t="$tick" -v r="$rss" -v s="$IDLE" 'BEGIN {
  printf "(c) idle scheduler for %d s: CPU %.2f s, RSS %.1f MB; target ~0 s and <= 20 MB\n", s, (c1 - c0) / t, r / 1024 }'
