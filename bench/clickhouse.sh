#!/usr/bin/env bash
# bench/clickhouse.sh — issue 18's benchmarks, each reporting ratios measured
# in one run:
#   1. bench/clickhouse_sharded.sh SCALE_SHARDED (default 10): order_items
#      loaded into a 2-shard Distributed table (Debian clickhouse-server
#      18.16 started by tests/lib/clickhouse.sh) by `ingot load` vs
#      clickhouse-client's own INSERT ... FORMAT CSV;
#   2. bench/clickhouse_platform.sh (SCALE, default 0.05): the reference
#      platform on chDB (embedded) vs DuckDB, time per layer.
# Usage: bench/clickhouse.sh [sharded|platform]  (default: both)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
what=${1:-all}
if [ "$what" = all ] || [ "$what" = sharded ]; then
  echo "== sharded load (clickhouse-server, 2 shards)"
  "$here/clickhouse_sharded.sh" "${SCALE_SHARDED:-10}"
fi
if [ "$what" = all ] || [ "$what" = platform ]; then
  echo "== reference platform on chDB vs DuckDB"
  "$here/clickhouse_platform.sh"
fi
