#!/usr/bin/env bash
# t1043: publishing a run's listings into target/: a listing whose bytes
# did not change is left in place (the same file, not a new copy); a changed
# one replaces the published file whole; a reader of target/ during builds
# only ever sees complete files; temporaries do not linger.
. "$(dirname "$0")/lib.sh"
mkdir -p p/models && cd p
cat > dbt_project.yml <<'YML'
name: pub
version: "1.0.0"
config-version: 2
profile: pub
YML
engine_profile duckdb pub > profiles.yml
# model K's SQL repeats its version N, so a file is complete only when its
# two numbers agree and it ends with the marker; its length changes with N
model() { # model K N
  printf "select %s as v, '%s' as pad -- v%s end\n" "$2" "$(printf "%${2}s" | tr ' ' x)" "$2" > "models/m$1.sql"
}
for k in $(seq 1 20); do model "$k" 1; done
run "$INGOT" compile -q
expect_rc 0
L=target/compiled/pub/models
ino() { stat -c %i "$L/$1.sql"; }
i1=$(ino m1) i2=$(ino m2)
grep -q "v1 end" "$L/m2.sql" || fail "m2's listing: $(cat "$L/m2.sql")"

# unchanged listings stay the same files; a changed one is replaced whole
model 2 5
run "$INGOT" compile -q
expect_rc 0
[ "$(ino m1)" = "$i1" ] || fail "an unchanged listing was replaced (inode $i1 -> $(ino m1))"
[ "$(ino m2)" != "$i2" ] || fail "a changed listing was written in place"
grep -q "select 5 as v.* -- v5 end" "$L/m2.sql" || fail "m2's listing: $(cat "$L/m2.sql")"
cmp -s "$L/m2.sql" "target/runs/$(ls target/runs | sort | tail -1)/compiled/pub/models/m2.sql" ||
  fail "the published listing is not the last run's"

# a reader during builds: every listing it reads is complete
reader() {
  local bad=0 f c n
  while [ ! -e "$T/stop" ]; do
    for f in "$L"/m*.sql; do
      c=$(cat "$f" 2>/dev/null) || { echo "missing $f" >> "$T/bad"; continue; }
      n=$(printf '%s' "$c" | sed -n 's/^select \([0-9]*\) as v.* -- v\([0-9]*\) end$/\1 \2/p')
      set -- $n
      if [ -z "$n" ] || [ "$1" != "$2" ]; then echo "torn $f: $c" >> "$T/bad"; fi
    done
  done
}
reader & rp=$!
for i in $(seq 2 25); do
  model $(( i % 20 + 1 )) "$i"
  model $(( (i * 7) % 20 + 1 )) $(( i + 40 ))
  "$INGOT" compile -q >/dev/null 2>"$T/.cerr" || { touch "$T/stop"; wait $rp; fail "compile $i: $(cat "$T/.cerr")"; }
done
touch "$T/stop"
wait $rp
[ ! -s "$T/bad" ] || fail "a reader saw incomplete listings: $(head -5 "$T/bad")"
# the published tree is the last run's, whole
last="target/runs/$(ls target/runs | sort | tail -1)/compiled/pub/models"
for k in $(seq 1 20); do cmp -s "$L/m$k.sql" "$last/m$k.sql" || fail "m$k is not the last run's"; done
ls -a target | grep -q '\.tmp$' && fail "temporaries left in target/: $(ls -a target)"
echo ok
