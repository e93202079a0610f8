"""Where the batch's own process spends CPU per article (the part the text workers don't take).

    python benchmarks/main_cpu.py [--n 200] [--concurrency 16]

Against tests/fakeserver.py with no latency, `--schema event`, no cache: (1) the main
process's CPU time per article of a whole `run_batch` (its threads included, the text
workers not); (2) the event part's steps for the same kind of article, one at a time in
this process: `Part.ask` (the per-article response model), the prompt, the backend call
(instructor + openai + HTTP, client side) and `Part.answer`; and `read_article`. The
difference between (1) and the sum of (2) is the batch's own bookkeeping (records, run
log, the hand-over to and from the workers, the result object). For the throughput
issue: at 0.5 s latency and c >= 16 this CPU, not the endpoint, bounds the batch.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import throughput as tp  # benchmarks/throughput.py: the fake server and the corpus

from summarizer.article import read_article
from summarizer.backends import get_backend
from summarizer.batch.runner import run_batch
from summarizer.parts import PARTS
from summarizer.pipeline.prompts import build_messages, listings
from summarizer.settings import Settings
from summarizer.text.candidates import gather


async def steps(paths: list[str], settings: Settings) -> dict[str, float]:
    backend, part = get_backend(settings), PARTS["event"]
    totals = dict.fromkeys(("read_article", "ask", "prompt", "call", "answer"), 0.0)
    for i, path in enumerate(paths):
        t0 = time.process_time()
        article = read_article(path)
        t1 = time.process_time()
        c = gather(article.text, article.published)  # the workers' share: not counted
        t2 = time.process_time()
        model = part.ask(c, backend)
        t3 = time.process_time()
        messages = build_messages(article.text, listings(c), part.template)
        t4 = time.process_time()
        assert model is not None
        out = await backend.complete(messages, model, max_tokens=part.tokens)
        t5 = time.process_time()
        part.answer(out.value, article.text, c, backend)
        t6 = time.process_time()
        if i:  # the first call warms up the client
            for key, s in zip(totals, (t1 - t0, t3 - t2, t4 - t3, t5 - t4, t6 - t5),
                              strict=True):
                totals[key] += s
    return {k: 1000 * v / (len(paths) - 1) for k, v in totals.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    proc, url = tp.start_server(0.0)
    try:
        settings = Settings.from_env(base_url=url, model="fake-model",
                                     api_key="sk-bench-0000000000", timeout=30.0)
        paths = sorted(str(p) for p in tp.CORPUS.glob("*.txt"))
        out = Path(tempfile.mkdtemp()) / "warm.jsonl"
        asyncio.run(run_batch(paths[-8:], out, schema="event", settings=settings,
                              concurrency=4, progress=False, cache=None))  # imports, workers
        out = Path(tempfile.mkdtemp()) / "out.jsonl"
        t0, w0 = time.process_time(), time.perf_counter()
        report = asyncio.run(run_batch(paths[:args.n], out, schema="event", settings=settings,
                                       concurrency=args.concurrency, progress=False,
                                       cache=None))
        batch_ms = 1000 * (time.process_time() - t0) / args.n
        wall = time.perf_counter() - w0
        parts = asyncio.run(steps(paths[:61], settings))
    finally:
        proc.terminate()
    print(f"run_batch of {args.n} ({report.ok} ok), c = {args.concurrency}: main process "
          f"{batch_ms:.1f} ms CPU per article, wall {wall:.1f} s")
    print("steps, ms CPU per article (60 articles, one at a time): " +
          ", ".join(f"{k} {v:.2f}" for k, v in parts.items()) +
          f"; sum {sum(parts.values()):.2f}; the rest of the batch's {batch_ms:.1f}: "
          f"{batch_ms - sum(parts.values()):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
