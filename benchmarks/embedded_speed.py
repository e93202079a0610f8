"""Speed of `--schema brief` with the embedded model, and the pipeline's overhead over raw
llama.cpp generation of exactly the same requests on the same runtime.

    .venv/bin/python benchmarks/embedded_speed.py [--article PATH] [--runs 3]

Method: load the model once (not timed). Then, `runs` times: replace the article in
llama.cpp's slot with an unrelated request (the backend keeps no other prompt cache), run
`summarize(article, "brief")` (no result cache) and record
every request the backend sent; flush again and replay those requests straight into
`xllamacpp.Server.handle_chat_completions`. The overhead ratio is pipeline wall time over
replay wall time (medians). Run it on an idle machine: other jobs on the 2 cores distort it.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from summarizer import Settings, summarize
from summarizer.article import read_article
from summarizer.backends import EmbeddedBackend, get_backend

ROOT = Path(__file__).resolve().parents[1]
FLUSH = {"messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--article", default=str(ROOT / "evals/articles/csto_minsk_summit.txt"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    settings = Settings.from_env()
    backend = get_backend(settings)
    assert isinstance(backend, EmbeddedBackend), "run without --base-url / OPENAI_BASE_URL"
    article = read_article(args.article)
    recorded: list[dict[str, Any]] = []
    original = backend._generate

    def recording(request: dict[str, Any]) -> dict[str, Any]:
        recorded.append(request)
        return original(request)

    backend._generate = recording  # type: ignore[method-assign]
    summarize(article, "brief", backend=backend, cache=False)  # warm-up: pages, grammar caches

    pipeline_s, replay_s, prompt, generated = [], [], [], []
    for _ in range(args.runs):
        recorded.clear()
        original(FLUSH)
        started = time.perf_counter()
        brief = summarize(article, "brief", backend=backend, cache=False)
        pipeline_s.append(time.perf_counter() - started)
        prompt.append(brief.meta.usage.prompt_tokens)
        generated.append(brief.meta.usage.completion_tokens)

        original(FLUSH)
        started = time.perf_counter()
        for request in recorded:
            original(request)
        replay_s.append(time.perf_counter() - started)

    wall, raw = statistics.median(pipeline_s), statistics.median(replay_s)
    tokens = statistics.median(generated)
    print(f"article: {article.source} ({len(article.text)} chars)")
    print(f"machine: {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores,"
          f" {backend.settings.n_threads} llama.cpp threads, Python {sys.version.split()[0]}")
    print(f"model calls per brief: {len(recorded)}")
    print(f"pipeline wall time (median of {args.runs}): {wall:.2f} s  "
          f"[{', '.join(f'{x:.2f}' for x in pipeline_s)}]")
    print(f"prompt tokens: {statistics.median(prompt):.0f}, generated tokens: {tokens:.0f}, "
          f"generated tokens per second of wall time: {tokens / wall:.1f}")
    print(f"raw llama.cpp replay of the same requests: {raw:.2f} s  "
          f"[{', '.join(f'{x:.2f}' for x in replay_s)}]")
    print(f"pipeline overhead ratio: {wall / raw:.3f}")


if __name__ == "__main__":
    main()
