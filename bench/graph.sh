#!/usr/bin/env bash
# bench/graph.sh — graph/ on a 2,000-model × 3-test project: building the
# graph, six dbt selectors, and scheduling (a one-worker ready-queue drain),
# against the same work in Python on networkx, the way dbt-core does it
# (bench/graph_ref.py; dbt itself is not required). Prints seconds per
# phase, microseconds per node, and ratios (reference / ingot).
#
#     bash bench/graph.sh            (after `make`; BUILD=dir to pick a build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
[ -f "$BUILD/libingot.a" ] || { echo "bench/graph.sh: build $BUILD/libingot.a first (make)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Isrc bench/graph_bench.c "$BUILD/libingot.a" \
	$(pkg-config --libs jansson libfyaml sqlite3 zlib libcrypto 2>/dev/null) -lm -pthread \
	-o "$tmp/graph_bench"
"$tmp/graph_bench" 5 >"$tmp/c.txt"
val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
nodes=$(val "$tmp/c.txt" nodes)
echo "project: $nodes nodes (2,000 models, 20 sources, 6,000 tests)"
printf '%-16s %12s %14s\n' phase "ingot s" "us/node"
for p in build select schedule schedule_build; do
	s=$(val "$tmp/c.txt" "$p")
	printf '%-16s %12s %14.3f\n' "$p" "$s" "$(awk -v s="$s" -v n="$nodes" 'BEGIN { print s * 1e6 / n }')"
done
PY=${PYTHON:-python3}
if "$PY" -c 'import networkx' 2>/dev/null; then
	"$PY" bench/graph_ref.py 2 >"$tmp/py.txt"
	for k in selected scheduled; do
		[ "$(val "$tmp/c.txt" $k)" = "$(val "$tmp/py.txt" $k)" ] ||
			echo "WARNING: $k differs: ingot $(val "$tmp/c.txt" $k), reference $(val "$tmp/py.txt" $k)"
	done
	printf '%-16s %12s %12s %10s\n' phase "ingot s" "networkx s" ratio
	for p in build select schedule; do
		c=$(val "$tmp/c.txt" "$p") r=$(val "$tmp/py.txt" "$p")
		printf '%-16s %12s %12s %9.1fx\n' "$p" "$c" "$r" "$(awk -v r="$r" -v c="$c" 'BEGIN { print r / c }')"
	done
else
	echo "reference: $PY has no networkx; no ratio measured"
fi
