#!/usr/bin/env bash
# bench/ui.sh — the operations UI benchmark (issue 14): each part in turn.
set -euo pipefail
here=$(dirname "$0")
"$here/ui_pipelines.sh" "$@"
