#!/usr/bin/env bash
# t1042: several large tables loaded at once into DuckDB with many engine
# threads. DuckDB's threads pull the loader's batches through the Arrow
# stream and keep one while waiting for the next; when a batch held the
# loader's slot, the loader's few slots all sat in DuckDB's threads and the
# load deadlocked (every run of this test hung before the fix). A generous
# timeout turns a hang into a failure. Checks: each table's rows and values
# (every column kind the stream copies: int, double, date, decimal,
# timestamp, text) against the files, and rows read = loaded + rejected.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/fixtures/load/lib.sh"
mkdir -p p/models p/lake && cd p
cat > dbt_project.yml <<'YML'
name: stress
version: "1.0.0"
config-version: 2
profile: stress
YML
# 3 tables loaded in parallel; DuckDB with more threads than the loader has
# slots (4), as on a bigger machine
engine_profile duckdb stress > profiles.yml
sed -i 's/threads: 2/threads: 3\n      settings:\n        threads: 8/' profiles.yml
grep -q "threads: 8" profiles.yml || fail "profile: $(cat profiles.yml)"
{
  printf 'version: 2\nsources:\n  - name: raw\n    schema: bronze\n    tables:\n'
  for t in a b c; do cat <<Y
      - name: $t
        external:
          location: "$t/*.csv"
          options: {header: true, write_disposition: truncate, max_bad_records: 10}
        columns:
          - {name: id, data_type: INT64}
          - {name: x, data_type: FLOAT64}
          - {name: d, data_type: DATE}
          - {name: amt, data_type: "NUMERIC(12,2)"}
          - {name: ts, data_type: TIMESTAMP}
          - {name: s, data_type: STRING}
Y
  done
} > models/sources.yml
# 8 files of 80,000 rows a table (more than 5 of the loader's 122,880-row
# batches); one bad row in the last file (a reject ends an INSERT: only
# one, so the long INSERTs that hung stay)
for t in a b c; do
  mkdir -p lake/$t
  for f in 1 2 3 4 5 6 7 8; do
    awk -v f=$f -v t=$t 'BEGIN {
      print "id,x,d,amt,ts,s"
      for (i = 0; i < 80000; i++) {
        id = (f - 1) * 80000 + i
        if (f == 8 && i == 777) { print "bad,1,2024-01-01,1.00,2024-01-01 00:00:00,r"; continue }
        printf "%d,%d.5,2024-%02d-%02d,%d.%02d,2024-01-01 %02d:%02d:00,%s%d\n",
          id, id % 1000, id % 12 + 1, id % 28 + 1, id % 10000, id % 100, id % 24, id % 60, t, id % 97
      }
    }' > lake/$t/$t$f.csv
  done
done
# the oracle, from the files: rows, sum(id), sum(x), sum(amt) of the good rows
oracle() {
  cat lake/$1/*.csv | awk -F, '$1 ~ /^[0-9]+$/ { n++; si += $1; sx += $2; sa += $4 }
    END { printf "%d,%.0f,%.1f,%.2f\n", n, si, sx, sa }'
}

for pass in 1 2; do
  set +e
  timeout -s KILL 600 "$INGOT" load --full-refresh >"$T/.out" 2>"$T/.err"
  RC=$?
  set -e
  OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
  [ "$RC" -ne 137 ] || fail "load $pass hung (killed after 600s)"
  expect_rc 0
  for t in a b c; do
    expect_out "raw.$t"
    got=$(q1 "select count(*), sum(id), round(sum(x), 1), sum(amt) from bronze.$t")
    expect_eq "$got" "$(oracle $t)" "bronze.$t (load $pass) against its files"
    expect_eq "$(q1 "select count(*) from bronze.$t where d is null or ts is null or s is null or s not like '$t%'")" "0" "bronze.$t text, dates and timestamps"
    expect_eq "$(q1 "select count(distinct d), min(ts), max(ts), count(distinct s) from bronze.$t")" \
      "84,2024-01-01 00:00:00,2024-01-01 23:59:00,97" "bronze.$t value spread"
    expect_eq "$(q1 "select rows_read, rows_loaded, rows_rejected from _ingot.loads where table_name = '$t' and status = 'ok' order by started_at desc limit 1")" \
      "640000,639999,1" "raw.$t counts"
  done
  expect_counts_balance
done
echo ok
