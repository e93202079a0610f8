"""Soak: the 927 BBC articles as one batch against a server that injects random faults,
then the same command again. About 2 minutes on the 2-core dev machine, so it is marked
`soak` and left out of the default run (pyproject's addopts); `pytest -m soak -s` runs it
and shows its figures.

Checks what a user of a long batch relies on: every article ends with exactly one ok
record or its latest error, every line parses, nothing is duplicated, the rerun asks the
model only about articles that failed, memory stays flat, and the run is bounded in time.
The figures (faults injected by kind, records, requests, peak RSS, wall) are printed, and
written as JSON to $SOAK_FIGURES when set (benchmarks/RESULTS.md quotes them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fakeserver import FakeServer
except ImportError:  # pragma: no cover
    from fakeserver import FakeServer  # type: ignore[no-redef]

from .conftest import shared_dir

pytestmark = [pytest.mark.soak, pytest.mark.server]

CLI = [sys.executable, "-c", "from summarizer.cli import main; main()"]
FAULTS = {"500": 0.05, "reset": 0.02, "hang": 0.01, "429": 0.02, "malformed": 0.01}
RUN_LIMIT_S = 900  # one pass, all retries and hangs included


def tree_rss(pid: int) -> int:
    """Resident memory of `pid` and its descendants (the text workers), in bytes."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith("VmRSS:"))) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_sampled(cmd: list[str], env: dict[str, str]) -> tuple[int, float, list[int], str]:
    """Run `cmd`, sampling its tree's RSS twice a second; (code, wall, samples, stderr)."""
    samples: list[int] = []
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read() if proc.stderr
                                                        else ""), daemon=True)
    reader.start()
    while proc.poll() is None and time.monotonic() - started < RUN_LIMIT_S:
        samples.append(tree_rss(proc.pid))
        time.sleep(0.5)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
        pytest.fail(f"the batch ran past {RUN_LIMIT_S} s")
    reader.join(10)
    return proc.returncode, time.monotonic() - started, samples, "".join(err)


def prompt_of(request: Any) -> str:
    return "\n".join(str(m.get("content", "")) for m in (request.body or {}).get("messages", []))


def test_soak_927_articles_with_random_faults(tmp_path: Path) -> None:
    corpus = shared_dir("corpus", "bbc")
    files = sorted(str(p) for p in corpus.glob("*.txt"))
    assert len(files) == 927
    out = tmp_path / "out.jsonl"
    with FakeServer(latency=0.02, faults=FAULTS, seed=8, hang_seconds=30,
                    retry_after=1) as server:
        cmd = [*CLI, str(corpus), "--out", str(out), "--schema", "event",
               "--base-url", server.base_url, "--model", "fake-model", "--concurrency", "16",
               "--timeout", "2", "--deadline", "30", "--max-retries", "1", "--no-cache",
               "--quiet"]
        env = {**os.environ, "OPENAI_API_KEY": "sk-soak-000000000000"}
        code1, wall1, rss1, err1 = run_sampled(cmd, env)
        requests1 = server.count()
        injected1 = dict(server.injected)
        first = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        failed1 = {r["source"] for r in first if r["status"] == "error"}

        server.requests.clear()
        code2, wall2, rss2, err2 = run_sampled(cmd, env)
        rerun_requests = server.chat_requests()
        injected = dict(Counter(server.injected))

    assert code1 in (0, 6), err1
    assert code2 in (0, 6), err2
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line parses: nothing corrupt
    assert len(first) == 927  # the first pass: one record per article
    assert len({r["source"] for r in first}) == 927
    by_source: dict[str, list[str]] = {}
    for r in records:
        by_source.setdefault(r["source"], []).append(r["status"])
    assert set(by_source) == set(files)
    for statuses in by_source.values():
        assert statuses.count("ok") <= 1  # never done twice
        assert "ok" not in statuses[:-1]  # an ok record is never followed by another
    # The rerun asked only about the articles that had failed.
    assert len(records) == 927 + len(failed1)
    texts = {src: Path(src).read_text(encoding="utf-8").strip().splitlines()[0][:60]
             for src in failed1}
    for request in rerun_requests:
        assert any(head in prompt_of(request) for head in texts.values())
    final = {src: statuses[-1] for src, statuses in by_source.items()}

    # Memory flat: the last quarter's peak within 25% (+50 MB) of the first half's.
    quarter = max(1, len(rss1) // 4)
    early, late = max(rss1[: 2 * quarter]), max(rss1[-quarter:])
    assert late <= early * 1.25 + 50e6, (early, late)

    figures = {
        "articles": 927,
        "faults_injected": injected,
        "faults_injected_first_pass": injected1,
        "first_pass": {"exit": code1, "wall_s": round(wall1, 1), "requests": requests1,
                       "ok": 927 - len(failed1), "errors": len(failed1),
                       "error_types": dict(Counter(r["error"]["type"] for r in first
                                                   if r["error"])),
                       "peak_rss_mb": round(max(rss1) / 1e6, 1),
                       "rss_first_half_peak_mb": round(early / 1e6, 1),
                       "rss_last_quarter_peak_mb": round(late / 1e6, 1)},
        "rerun": {"exit": code2, "wall_s": round(wall2, 1), "requests": len(rerun_requests),
                  "retried_articles": len(failed1),
                  "peak_rss_mb": round(max(rss2) / 1e6, 1) if rss2 else None},
        "records": len(records),
        "duplicates": sum(s.count("ok") > 1 for s in by_source.values()),
        "final": dict(Counter(final.values())),
    }
    print("\nSOAK " + json.dumps(figures))
    if os.environ.get("SOAK_FIGURES"):
        Path(os.environ["SOAK_FIGURES"]).write_text(json.dumps(figures, indent=2) + "\n")
