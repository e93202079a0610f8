"""Batch throughput against the fake OpenAI-compatible server (fixed latency per request).

    python benchmarks/throughput.py                  # the table in RESULTS.md
    python benchmarks/throughput.py --quick          # fewer articles, for a smoke test

Runs the real path a user runs with `summarize DIR --out x.jsonl --schema event`:
read_article -> pipeline (one model call per article for `event`) -> instructor -> openai
-> HTTP to tests/fakeserver.py in a separate process -> one fsynced JSONL line each.
Articles come from ../shared/corpus/bbc (read in place, never copied).

For each concurrency c it reports wall time and two ratios:
  fluid  = n x latency / c / wall           (the brief's ideal)
  rounds = ceil(n / c) x latency / wall     (the best a fixed-latency server allows:
                                             200 articles at c=64 need 4 rounds, not 3.125)
Then a warm-cache rerun of the same articles: zero model calls, and its wall time.

`--transport-only` swaps the pipeline for one bare model call per article (no candidate
extraction, no grounding): what batch + retry + backend cost on their own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakeserver.py"), "--port", "0",
         "--latency", str(latency)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "listening on http://127.0.0.1:PORT/v1"
    return proc, line.split()[-1]


def server_calls(base_url: str) -> int:
    with urllib.request.urlopen(base_url + "/_stats", timeout=5) as response:
        return int(json.load(response)["chat_requests"])


async def bare_call(article: Any, schema: str, *, settings: Any, backend: Any,
                    published: Any, cache: Any) -> Any:
    """One model call per article and nothing else (for --transport-only)."""
    from summarizer.schemas import Event, EventResult

    out = await backend.complete([{"role": "user", "content": article.text}], Event,
                                 max_tokens=200)
    return EventResult(event=out.value)


async def one_run(sources: list[str], concurrency: int, base_url: str, workdir: Path,
                  cache: Any = None, progress: bool = False,
                  transport_only: bool = False) -> dict[str, Any]:
    from summarizer.batch.runner import run_batch
    from summarizer.settings import Settings

    settings = Settings.from_env(base_url=base_url, model="fake-model",
                                 api_key="sk-bench-0000000000", timeout=30.0)
    out = workdir / f"out-c{concurrency}-{time.monotonic_ns()}.jsonl"
    before = server_calls(base_url)
    started = time.perf_counter()
    report = await run_batch(sources, out, schema="event", settings=settings,
                             concurrency=concurrency, progress=progress, cache=cache,
                             summarize_fn=bare_call if transport_only else None)
    wall = time.perf_counter() - started
    assert report.ok == len(sources), report.summary()
    return {"n": len(sources), "c": concurrency, "wall": wall,
            "calls": server_calls(base_url) - before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--n-serial", type=int, default=20,
                        help="articles at concurrency 1 (200 would take 100 s)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--progress", action="store_true", help="draw the progress bar")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--transport-only", action="store_true",
                        help="one bare model call per article instead of the pipeline")
    parser.add_argument("--no-cache-runs", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.n, args.n_serial = 64, 4
    files = sorted(str(p) for p in CORPUS.glob("*.txt"))
    if len(files) < args.n:
        sys.exit(f"need {args.n} articles in {CORPUS}, found {len(files)}")
    sources = files[: args.n]

    from summarizer.cache import Cache

    proc, base_url = start_server(args.latency)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            # Warm-up: imports, the first connection, the first pipeline run.
            asyncio.run(one_run(files[-4:], 4, base_url, workdir))
            for c in args.concurrency:
                batch = sources[: args.n_serial] if c == 1 else sources
                rows.append(asyncio.run(one_run(batch, c, base_url, workdir,
                                                progress=args.progress,
                                                transport_only=args.transport_only)))
                _print_row(rows[-1], args.latency)
            if args.no_cache_runs or args.transport_only:
                return
            cache = Cache(workdir / "cache")
            cold = asyncio.run(one_run(sources, 16, base_url, workdir, cache=cache))
            warm = asyncio.run(one_run(sources, 16, base_url, workdir, cache=cache))
            print(f"cache: cold n={cold['n']} c=16 {cold['wall']:.2f} s, {cold['calls']} calls;"
                  f" warm rerun {warm['wall']:.2f} s, {warm['calls']} model calls")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _print_row(row: dict[str, Any], latency: float) -> None:
    n, c, wall = row["n"], row["c"], row["wall"]
    fluid = n * latency / c
    rounds = math.ceil(n / c) * latency
    print(f"n={n:4d} c={c:3d} wall={wall:7.2f} s  fluid ideal={fluid:6.2f} s "
          f"ratio={fluid / wall:.2f}  rounds ideal={rounds:6.2f} s ratio={rounds / wall:.2f}"
          f"  calls={row['calls']}", flush=True)


if __name__ == "__main__":
    main()
