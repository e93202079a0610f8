#!/usr/bin/env bash
# Start-up time of the CLI: `summarize --help` and a result served from the cache.
# Median wall time of N runs (default 5). Run from the repo root after .ci/setup:
#   bash benchmarks/startup.sh [N]
set -euo pipefail
n=${1:-5}
export SUMMARIZER_CACHE_DIR=${SUMMARIZER_CACHE_DIR:-$(mktemp -d)} SUMMARIZER_LOG=0
article=evals/articles/csto_minsk_summit.txt
median() {
  for _ in $(seq "$n"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc
  done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
.venv/bin/summarize "$article" -f json >/dev/null 2>&1  # fills the cache (embedded model)
echo "summarize --help:        $(median .venv/bin/summarize --help) s"
echo "cached summarize $article: $(median .venv/bin/summarize "$article" -f json) s"
