"""The text layer's own cost per article: one spaCy parse and everything read off it.

    python benchmarks/text_layer.py [--corpus ../shared/corpus/bbc] [--limit N] [--write]

Times `summarizer.text.candidates.gather` (parse, people, places, quotes and speakers, dates,
deeds, the event) on every article of the corpus, after loading the model once (its load
time is reported apart). No model call is involved. `--write` replaces the section of
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from results import replace_section  # benchmarks/results.py (run as a script)

from summarizer.article import read_article
from summarizer.text import nlp
from summarizer.text.candidates import gather

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Text layer cost per article"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "bbc"))
    ap.add_argument("--limit", type=int)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    files = sorted(p for p in Path(args.corpus).rglob("*") if p.is_file())[: args.limit]
    t0 = time.perf_counter()
    nlp.load()
    load_s = time.perf_counter() - t0
    ms, chars = [], 0
    for path in files:
        art = read_article(path)
        started = time.perf_counter()
        gather(art.text, art.published, art.title)
        ms.append((time.perf_counter() - started) * 1000)
        chars += len(art.text)
    ms_sorted = sorted(ms)
    rows = {
        "articles": len(ms),
        "mean characters": round(chars / len(ms)),
        "model load (s, once per process)": round(load_s, 2),
        "mean ms per article": round(statistics.mean(ms), 1),
        "median ms": round(statistics.median(ms), 1),
        "p95 ms": round(ms_sorted[int(0.95 * (len(ms) - 1))], 1),
        "max ms": round(ms_sorted[-1], 1),
        "µs per character (mean)": round(sum(ms) * 1000 / chars, 2),
        "total s": round(sum(ms) / 1000, 1),
    }
    text = "| metric | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows.items())
    print(text)
    if args.write:
        command = "python benchmarks/text_layer.py --write"
        replace_section(SECTION, f"{SECTION}\n\nCommand: `{command}` "
                                 f"({time.strftime('%Y-%m-%d')}, one process, 2 shared CPU "
                                 f"cores).\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
