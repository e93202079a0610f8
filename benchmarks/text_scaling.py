"""How the text stage (`summarizer.text.candidates.gather`) scales with the article's length.

    python benchmarks/text_scaling.py                 # 0.1, 1, 2, 5, 10 MB; print the table
    python benchmarks/text_scaling.py --write         # and replace its section of RESULTS.md
    python benchmarks/text_scaling.py --sizes 0.1 1 --cap 60

Texts are BBC articles from ../shared/corpus/bbc (read in place, never copied) joined by
blank lines until the size is reached, so every size is ordinary news prose. Each size runs
in a fresh process (what `summarize` does: the text stage runs in a worker process), timed
from the call to `gather` to its return, CPU time included; a size that takes longer than
`--cap` seconds is stopped and reported as "> cap" (the curve is already known by then).

`s/MB` is seconds per million characters: flat when the stage is linear. `vs 0.1 MB` is
that figure over the smallest size's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import sys
import time
from pathlib import Path

from results import replace_section  # benchmarks/results.py (run as a script)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"
SECTION = "## Text stage scaling (input size)"


def build_text(chars: int) -> str:
    files = sorted(CORPUS.glob("*.txt"))
    articles = [f.read_text(encoding="utf-8", errors="replace").strip() for f in files]
    parts: list[str] = []
    size = i = 0
    while size < chars:
        block = articles[i % len(articles)]
        parts.append(block)
        size += len(block) + 2
        i += 1
    return "\n\n".join(parts)[:chars]


def _measure(chars: int, conn: multiprocessing.connection.Connection) -> None:
    from summarizer.text.candidates import gather

    text = build_text(chars)
    gather(text[:2000], None, None)  # imports and lazy models loaded before the clock
    wall, cpu = time.perf_counter(), time.process_time()
    cands = gather(text, None, None)
    conn.send((time.perf_counter() - wall, time.process_time() - cpu,
               len(cands.quotes), len(cands.people)))


def measure(chars: int, cap: float) -> tuple[float, float, int, int] | None:
    """(wall s, cpu s, quotes, people) for one size, or None past `cap` seconds."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_measure, args=(chars, child))
    proc.start()
    got = parent.poll(cap + 30)  # + start-up and the warm-up call
    result = parent.recv() if got else None
    proc.kill()
    proc.join()
    if result is not None and result[0] > cap:
        return None
    return result


def table(rows: list[tuple[float, tuple[float, float, int, int] | None]], cap: float) -> str:
    out = ["| size (MB of text) | wall s | CPU s | s/MB | vs 0.1 MB | quotes | people |",
           "|---|---|---|---|---|---|---|"]
    base = None
    for mb, r in rows:
        if r is None:
            out.append(f"| {mb:g} | > {cap:g} (stopped) | | | | | |")
            continue
        per_mb = r[0] / mb
        base = base or per_mb
        out.append(f"| {mb:g} | {r[0]:.2f} | {r[1]:.2f} | {per_mb:.2f} | "
                   f"{per_mb / base:.1f}x | {r[2]} | {r[3]} |")
    return "\n".join(out)


def write(body_table: str, command: str) -> None:
    load = os.getloadavg()[0]
    body = (f"{SECTION}\n\nCommand: `{command}` ({dt.date.today().isoformat()}, the 2-core "
            f"shared dev machine, load average {load:.1f} at the end: absolute seconds are "
            "inflated by other work; the s/MB column is the shape).\n\n"
            f"{body_table}\n\nThe seam is `summarizer.text.candidates.gather` as it is when the "
            "script runs. The CLI and the library refuse texts over `--max-chars` "
            "(200,000 characters by default) before this stage runs, and the per-article "
            "`--deadline` stops it (its worker process is killed).\n")
    replace_section(SECTION, body)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.1, 1, 2, 5, 10],
                    help="sizes in millions of characters")
    ap.add_argument("--cap", type=float, default=240.0, help="seconds per size at most")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    rows = []
    for mb in args.sizes:
        r = measure(int(mb * 1_000_000), args.cap)
        rows.append((mb, r))
        print(f"{mb:g} MB: " + ("stopped" if r is None else f"{r[0]:.2f} s"), flush=True)
        if r is None:  # larger sizes would only take longer
            rows += [(m, None) for m in args.sizes if m > mb]
            break
    text = table(rows, args.cap)
    print(text)
    if args.write:
        argv = " ".join(sys.argv[1:])
        write(text, f"python benchmarks/text_scaling.py {argv}".strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
