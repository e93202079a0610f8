#!/usr/bin/env bash
# Start-up time of the CLI: `summarize --help` and a result served from the cache, from a
# cold shell (a new process each time). Median wall time of N runs (default 5), and all N.
# Run from the repo root after .ci/setup:
#   bash benchmarks/startup.sh [N] [--write]     # --write: the section in RESULTS.md
set -euo pipefail
n=${1:-5}
write=${2:-}
export SUMMARIZER_CACHE_DIR=${SUMMARIZER_CACHE_DIR:-$(mktemp -d)} SUMMARIZER_LOG=0
article=evals/articles/csto_minsk_summit.txt
runs() {
  for _ in $(seq "$n"); do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc
  done | sort -n | awk '{printf "%.3f ", $1}'
}
median() { echo "$1" | awk '{print $(int((NF+1)/2))}'; }
.venv/bin/summarize "$article" -f json >/dev/null 2>&1  # fills the cache (embedded model)
load=$(cut -d' ' -f1 /proc/loadavg)
help=$(runs .venv/bin/summarize --help)
cached=$(runs .venv/bin/summarize "$article" -f json)
load2=$(cut -d' ' -f1 /proc/loadavg)
echo "summarize --help:        $(median "$help") s (all: $help)"
echo "cached summarize $article: $(median "$cached") s (all: $cached)"
echo "load average $load -> $load2"
if [ "$write" = "--write" ]; then
  .venv/bin/python - "$n" "$help" "$cached" "$load" "$load2" <<'PY'
import datetime as dt, subprocess, sys
sys.path.insert(0, "benchmarks")
from results import replace_section
n, help_, cached, l1, l2 = sys.argv[1:]
med = lambda s: s.split()[(len(s.split()) - 1) // 2]
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                        text=True).stdout.strip()
stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
section = "## Cold start (performance issue)"
replace_section(section, f"""{section}

Command: `bash benchmarks/startup.sh {n} --write` ({stamp}, commit {commit}, 2 cores shared
with other engineers' jobs, load average {l1} -> {l2}). Wall time of a new process, median
of {n} (all {n} sorted in brackets); the cached result is the seed article's brief, served
from the result cache (`-f json`).

| command | median (s) | target |
|---|---|---|
| `summarize --help` | **{med(help_)}** ({help_.strip()}) | <= 0.5 |
| `summarize evals/articles/csto_minsk_summit.txt -f json`, cached | **{med(cached)}** ({cached.strip()}) | <= 1.0 |
""")
PY
fi
