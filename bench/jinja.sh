#!/usr/bin/env bash
# bench/jinja.sh — ingot's template engine vs Python's Jinja2, same run.
#
# Generates 2,000 dbt-like model templates (refs, loops over column lists,
# macro calls, config(), is_incremental() blocks) plus a macros file and a
# context, then has both engines compile every template once and render
# each ROUNDS times. Reports per-template compile and render time and the
# ratio. ref/source/config/is_incremental are macros in the macros file, so
# both engines do the same work with no host code. Targets (issue 5):
# render >= 20x faster than Jinja2, < 20 us for a typical model.
#
#   bench/jinja.sh [INGOT_BINARY]     (ROUNDS=5 by default; JINJA_BENCH_DIR=dir keeps the workload)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ingot=${1:-$root/ingot}
rounds=${ROUNDS:-5}
py=/usr/bin/python3
if [ -n "${JINJA_BENCH_DIR:-}" ]; then   # keep the workload there (for profiling)
  work=$JINJA_BENCH_DIR; rm -rf "$work"; mkdir -p "$work"
else
  work=$(mktemp -d /tmp/ingot-bench-jinja-XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi

# --- the workload (deterministic)
mkdir -p "$work/models" "$work/macros"
cat >"$work/macros/dbt.sql" <<'EOF'
{% macro ref(name) %}"analytics"."{{ name }}"{% endmacro %}
{% macro source(src, tbl) %}"raw_{{ src }}"."{{ tbl }}"{% endmacro %}
{% macro config() %}{% if kwargs %}{% endif %}{% endmacro %}
{% macro is_incremental() %}{{ return(true) }}{% endmacro %}
{% macro cents_to_dollars(col, scale=2) %}round(cast({{ col }} as numeric) / 100, {{ scale }}){% endmacro %}
{% macro star(cols, prefix) -%}
{%- for c in cols %}{{ prefix }}.{{ c.name }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}
EOF
cat >"$work/context.json" <<'EOF'
{"incremental": true,
 "target": {"schema": "analytics", "name": "dev"},
 "columns": [
  {"name": "id", "type": "bigint"}, {"name": "customer_id", "type": "bigint"},
  {"name": "status", "type": "text", "alias": "order_status"}, {"name": "amount_cents", "type": "bigint"},
  {"name": "created_at", "type": "timestamp"}, {"name": "updated_at", "type": "timestamp"},
  {"name": "shipping_cents", "type": "bigint"}, {"name": "tax_cents", "type": "bigint"},
  {"name": "channel", "type": "text"}, {"name": "country", "type": "text", "alias": "country_code"},
  {"name": "is_test", "type": "boolean"}, {"name": "note", "type": "text"}]}
EOF
for i in $(seq 0 1999); do
  k=$((i % 7))
  cat >"$work/models/m$(printf %04d "$i").sql" <<EOF
{{ config(materialized='incremental', unique_key='id') }}
-- model $i
with src as (
    select * from {{ ref('stg_orders_$k') }}
),
payments as (
    select * from {{ source('shop', 'payments_$k') }}
),
renamed as (
    select
    {%- for col in columns %}
        {{ col.name }} as {{ col.alias | default(col.name) }}{{ "," if not loop.last }}
    {%- endfor %}
    from src
    {% if is_incremental() %}
    where updated_at > (select max(updated_at) from {{ ref('m$(printf %04d "$i")') }})
    {% endif %}
)
select
    {{ star(columns, 'r') }},
    {{ cents_to_dollars('r.amount_cents') }} as amount,
    {% for c in columns if c.type == 'bigint' and c.name.endswith('_cents') -%}
    {{ cents_to_dollars('r.' ~ c.name, $((k % 3 + 2))) }} as {{ c.name | replace('_cents', '') }}_usd,
    {% endfor -%}
    '{{ target.schema }}' as built_in
from renamed r
left join payments p on p.order_id = r.id
EOF
done

# --- the Python side: the same templates, macros and context through Jinja2
if ! $py -c 'import jinja2' 2>/dev/null; then
  echo "python3-jinja2 is not installed for $py: no ratio"
  "$ingot" jinja bench "$work/models" --macros "$work/macros" --context "$work/context.json" --rounds "$rounds"
  exit 0
fi
cat >"$work/bench.py" <<'EOF'
import glob, json, os, sys, time
import jinja2
work, rounds = sys.argv[1], int(sys.argv[2])
env = jinja2.Environment(extensions=["jinja2.ext.do"])
class Return(Exception):
    def __init__(self, v): self.v = v
# dbt's return(): the macro's value is the argument
def ret(v): raise Return(v)
env.globals["return"] = ret
mod = env.from_string(open(os.path.join(work, "macros", "dbt.sql")).read()).module
def wrap(m):
    def call(*a, **k):
        try:
            return m(*a, **k)
        except Return as r:
            return r.v
    return call
for name in ("ref", "source", "config", "is_incremental", "cents_to_dollars", "star"):
    env.globals[name] = wrap(getattr(mod, name))
ctx = json.load(open(os.path.join(work, "context.json")))
files = sorted(glob.glob(os.path.join(work, "models", "*.sql")))
srcs = [open(f).read() for f in files]
t0 = time.perf_counter()
tpls = [env.from_string(s) for s in srcs]
compile_s = time.perf_counter() - t0
nbytes = 0
t0 = time.perf_counter()
for _ in range(rounds):
    for t in tpls:
        nbytes += len(t.render(**ctx).encode())
render_s = time.perf_counter() - t0
print("compile_us_per_template %.2f" % (compile_s * 1e6 / len(tpls)))
print("render_us_per_template %.2f" % (render_s * 1e6 / (len(tpls) * rounds)))
print("output_bytes %d" % (nbytes // rounds))
EOF

# Both engines run on each CPU in turn, pinned (taskset, when there is
# one): the virtual CPUs of these machines differ by up to 20% for a
# memory-bound loop, and a ratio of two runs that landed on different CPUs
# says more about the CPUs than about the engines. Each CPU's ratio is
# printed; the result is their geometric mean.
field() { awk -v k="$1" '$1 == k {print $2}'; }
cpus=$(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' |
  awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }' | head -4)
[ -n "$cpus" ] && command -v taskset >/dev/null || cpus=any
pver=$($py -c 'import jinja2; print(jinja2.__version__)')
logsum=0 n=0
for cpu in $cpus; do
  pin=(); [ "$cpu" = any ] || pin=(taskset -c "$cpu")
  iout=$("${pin[@]}" "$ingot" jinja bench "$work/models" --macros "$work/macros" --context "$work/context.json" --rounds "$rounds")
  pout=$("${pin[@]}" $py "$work/bench.py" "$work" "$rounds")
  i_compile=$(echo "$iout" | field compile_us_per_template); i_render=$(echo "$iout" | field render_us_per_template)
  p_compile=$(echo "$pout" | field compile_us_per_template); p_render=$(echo "$pout" | field render_us_per_template)
  i_bytes=$(echo "$iout" | field output_bytes); p_bytes=$(echo "$pout" | field output_bytes)
  [ "$n" -gt 0 ] || echo "templates: 2000, rounds: $rounds, output bytes per round: $i_bytes"
  echo "cpu $cpu:"
  printf '  ingot        compile %8.2f us/template   render %8.2f us/template\n' "$i_compile" "$i_render"
  printf '  jinja2 %s compile %8.2f us/template   render %8.2f us/template\n' "$pver" "$p_compile" "$p_render"
  [ "$i_bytes" = "$p_bytes" ] || echo "  note: output sizes differ (ingot $i_bytes, jinja2 $p_bytes bytes)"
  awk -v ic="$i_compile" -v ir="$i_render" -v pc="$p_compile" -v pr="$p_render" 'BEGIN {
    printf "  ratio        compile %.1fx faster   render %.1fx faster\n", pc / ic, pr / ir }'
  logsum=$(awk -v s="$logsum" -v ir="$i_render" -v pr="$p_render" 'BEGIN { printf "%.9f", s + log(pr / ir) }')
  n=$((n + 1))
done
awk -v s="$logsum" -v n="$n" 'BEGIN {
  printf "ratio (geometric mean over %d CPU%s): render %.1fx faster   (target: render >= 20x, < 20 us)\n", n, n == 1 ? "" : "s", exp(s / n) }'
