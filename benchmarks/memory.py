"""Peak memory of a batch over the BBC corpus with the embedded default: flat in n?

    python benchmarks/memory.py [--n 927] [--write]

Runs `summarize ../shared/corpus/bbc --out OUT --no-cache -q` (the embedded default,
`--schema brief`, text stage in forked workers recycled every 200 articles) as a child
process and samples, every 0.5 s, the RSS and PSS (/proc/PID/smaps_rollup: shared pages
divided among the processes that share them) of the CLI process and each of its
descendants, with the number of records written so far. Reports the peaks up to
n = 100, 300 and all articles: summed over the process tree (RSS counts shared pages once
per process, so the PSS sum is the honest total) and per process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"
SECTION = "## Memory: a batch over the 927 BBC articles (embedded default)"


def tree(pid: int) -> list[int]:
    """pid and its descendants, from /proc/*/stat."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def memory(pid: int) -> tuple[int, int] | None:
    """(RSS, PSS) in kB, or None when the process is gone."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    values = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]
              if line.split(":")[0] in ("Rss", "Pss")}
    return values.get("Rss", 0), values.get("Pss", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=927)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--samples", help="also write every sample to this JSON file")
    args = parser.parse_args()
    files = sorted(CORPUS.glob("*.txt"))[: args.n]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    load_before = os.getloadavg()[0]
    samples: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for f in files:  # links to the articles in place, never copies
            (inputs / f.name).symlink_to(f)
        out = Path(tmp) / "out.jsonl"
        env = {**os.environ, "SUMMARIZER_LOG": "0", "SUMMARIZER_CACHE_DIR": tmp}
        started = time.monotonic()
        proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "summarize"), str(inputs),
                                 "--out", str(out), "--no-cache", "-q"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while proc.poll() is None:
            per = {p: m for p in tree(proc.pid) if (m := memory(p)) is not None}
            done = out.read_bytes().count(b"\n") if out.exists() else 0
            samples.append({"t": time.monotonic() - started, "done": done, "per": per})
            time.sleep(0.5)
        wall = time.monotonic() - started
        err = proc.stderr.read().decode() if proc.stderr else ""
        records = out.read_bytes().count(b"\n") if out.exists() else 0
    if proc.returncode != 0:
        sys.exit(f"summarize exited {proc.returncode}: {err[-2000:]}")
    load_after = os.getloadavg()[0]
    if args.samples:
        Path(args.samples).write_text(json.dumps(samples), encoding="utf-8")
    # Peaks per window of 100 records: growth with n shows as rising windows.
    windows = []
    for lo in range(0, records, 100):
        window = [s for s in samples if lo <= s["done"] < lo + 100 and s["per"]]
        if not window:
            continue
        tree_pss = max(sum(m[1] for m in s["per"].values()) for s in window) / 1024
        worker = max((m[0] for s in window for p, m in s["per"].items() if p != proc.pid),
                     default=0) / 1024
        windows.append(f"{lo}-{min(lo + 100, records)}: {tree_pss:.0f} / {worker:.0f}")
    rows = []
    for upto in sorted({min(100, records), min(300, records), records}):
        window = [s for s in samples if s["done"] <= upto and s["per"]]
        if not window:
            continue
        rss_sum = max(sum(m[0] for m in s["per"].values()) for s in window) / 1024
        pss_sum = max(sum(m[1] for m in s["per"].values()) for s in window) / 1024
        main_rss = max(s["per"].get(proc.pid, (0, 0))[0] for s in window) / 1024
        worker_rss = max((m[0] for s in window for p, m in s["per"].items()
                          if p != proc.pid), default=0) / 1024
        procs = max(len(s["per"]) for s in window)
        rows.append(f"| {upto} | {pss_sum:.0f} | {rss_sum:.0f} | {main_rss:.0f} | "
                    f"{worker_rss:.0f} | {procs} |")
    table = ("| records written (n) | peak PSS, tree summed (MB) | peak RSS, tree summed (MB) "
             "| peak RSS, CLI process (MB) | peak RSS, one text worker (MB) | processes |\n"
             "|---|---|---|---|---|---|\n" + "\n".join(rows))
    summary = (f"{records} records in {wall:.1f} s ({len(samples)} samples); load average "
               f"{load_before:.1f} -> {load_after:.1f}")
    windowed = ("Peak PSS of the tree / peak RSS of one text worker (MB), per 100 records: "
                + "; ".join(windows))
    print(table)
    print(summary)
    print(windowed)
    if args.write:
        sys.path.insert(0, str(Path(__file__).parent))
        from results import replace_section

        body = (f"{SECTION}\n\nCommand: `python benchmarks/memory.py --write` ({stamp}, "
                f"commit {commit}; `summarize ../shared/corpus/bbc --out OUT --no-cache -q`, "
                f"embedded default, schema brief, 0 model calls; RSS and PSS sampled every "
                f"0.5 s over the CLI process and its text workers). {summary}.\n\n{table}\n\n"
                f"{windowed}.\n")
        replace_section(SECTION, body)


if __name__ == "__main__":
    main()
