"""Time per article on the dev set with the embedded default: no runaway, roughly linear.

    python benchmarks/per_article.py [--repeat 3] [--write]

Each of the 30 dev articles (../shared/dev) is summarised (`--schema brief`, no cache) in
one warm process with the default settings (the embedded SmolLM2-135M; with it the text
layer decides and no model call is made: `extraction.SMALL_MODEL_CHOOSES`), `repeat`
times; per article the median wall time and its stage breakdown (`meta.timings`). The
model and spaCy load before the first timed article (a warm-up run), as in a batch.

Reports median, max, max / median (target <= 3) and how time follows length: the least
squares line through (characters, seconds), its r^2, and ms per 1,000 characters per
article. The machine is shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "dev"
SECTION = "## Time per article on the dev set (no runaway article)"


def measure(repeat: int) -> list[dict[str, Any]]:
    from summarizer import summarize
    from summarizer.evaluation.dataset import load_dataset

    items = load_dataset(DEV)
    summarize(items[0].article(), "brief", cache=False)  # warm-up: spaCy, gazetteer, model
    from summarizer.text import candidates

    runs: dict[str, list[tuple[float, dict[str, Any], int]]] = {i.id: [] for i in items}
    cpu: dict[str, list[float]] = {i.id: [] for i in items}
    for _ in range(repeat):
        for item in items:
            article = item.article()
            started = time.perf_counter()
            result = summarize(article, "brief", cache=False)
            wall = time.perf_counter() - started
            runs[item.id].append((wall, result.meta.timings, result.meta.usage.calls))
            # The text stage's CPU time, in this process (the worker's own work, which a
            # loaded machine does not inflate the way it inflates wall time).
            started = time.process_time()
            candidates.gather(article.text, article.published, article.title)
            cpu[item.id].append(time.process_time() - started)
    rows = []
    for item in items:
        ordered = sorted(runs[item.id], key=lambda r: r[0])
        wall, timings, calls = ordered[len(ordered) // 2]
        rows.append({"id": item.id, "chars": len(item.text), "wall": wall,
                     "walls": [r[0] for r in runs[item.id]], "timings": timings,
                     "cpu": statistics.median(cpu[item.id]),
                     "calls": calls})
    return rows


def fit(rows: list[dict[str, Any]], key: str = "wall") -> tuple[float, float, float]:
    """Least squares seconds = a + b x chars; returns (a, b, r^2)."""
    xs = [r["chars"] for r in rows]
    ys = [r[key] for r in rows]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx
    a = my - b * mx
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    ss_tot = sum((y - my) ** 2 for y in ys)
    return a, b, 1 - ss_res / ss_tot if ss_tot else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    rows = measure(args.repeat)
    load_after = os.getloadavg()[0]
    walls = [r["wall"] for r in rows]
    median, worst = statistics.median(walls), max(walls)
    a, b, r2 = fit(rows)
    ca, cb, cr2 = fit(rows, "cpu")
    cpus = [r["cpu"] for r in rows]
    lines = ["| article | characters | wall s (median) | text stage s | spaCy parse s | "
             "candidates s | assemble s | model calls | ms per 1,000 chars | text stage CPU s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: r["chars"]):
        t = r["timings"]
        lines.append(f"| {r['id']} | {r['chars']} | {r['wall']:.3f} | {t['text_s']:.3f} | "
                     f"{t['parse_s']:.3f} | {t['candidates_s']:.3f} | {t['assemble_s']:.3f} | "
                     f"{r['calls']} | {r['wall'] / r['chars'] * 1e6:.1f} | {r['cpu']:.3f} |")
    per_k = [r["wall"] / r["chars"] * 1e6 for r in rows]
    summary = (f"median {median:.3f} s, max {worst:.3f} s, **max / median "
               f"{worst / median:.2f}** (target <= 3); least squares: seconds = {a:.3f} + "
               f"{b * 1000:.4f} x (characters / 1,000), r^2 = {r2:.2f}; ms per 1,000 "
               f"characters: median {statistics.median(per_k):.1f}, max {max(per_k):.1f}. "
               f"Text stage CPU time (in process, robust to the load): median "
               f"{statistics.median(cpus):.3f} s, max {max(cpus):.3f} s, max / median "
               f"{max(cpus) / statistics.median(cpus):.2f}; seconds = {ca:.3f} + "
               f"{cb * 1000:.4f} x (characters / 1,000), r^2 = {cr2:.2f}; "
               f"model calls {sum(r['calls'] for r in rows)}; load average {load_before:.1f} "
               f"-> {load_after:.1f}")
    table = "\n".join(lines)
    print(table)
    print(summary)
    if args.write:
        sys.path.insert(0, str(Path(__file__).parent))
        from results import replace_section

        body = (f"{SECTION}\n\nCommand: `python benchmarks/per_article.py --repeat "
                f"{args.repeat} --write` ({stamp}, commit {commit}, embedded default, "
                f"`--schema brief`, no cache, one warm process, median of {args.repeat} "
                f"runs per article; 2 cores shared with other engineers' jobs).\n\n"
                f"{summary}.\n\n{table}\n")
        replace_section(SECTION, body)


if __name__ == "__main__":
    main()
