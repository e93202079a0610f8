"""Batch throughput against the fake OpenAI-compatible server (fixed latency per request).

    python benchmarks/throughput.py                       # 0.5 s and 2 s, c = 4 16 64
    python benchmarks/throughput.py --ray                 # ... and the Ray Data path beside it
    python benchmarks/throughput.py --write --ray         # and the section in RESULTS.md
    python benchmarks/throughput.py --quick               # fewer articles, for a smoke test

Runs the real path a user runs with `summarize DIR --out x.jsonl --schema event`:
read_article -> text stage in forked worker processes (spaCy parse, candidates) ->
pipeline (one model call per article for `event`) -> instructor -> openai -> HTTP to
tests/fakeserver.py in a separate process -> one fsynced JSONL line each. Articles come
from ../shared/corpus/bbc (read in place, never copied).

CPU is measured, per run, for the batch's own processes (this process and its text
workers: the pool is shut down after each run so that the workers' CPU is counted in
RUSAGE_CHILDREN) and, separately, for the fake server's process (/proc/PID/stat). Each
run's `cpu_per_article` is its client CPU / n, and its ideal is the issue's

    ideal = max(n x latency / c, n x cpu_per_article / cores)

with cores = the CPUs this process may run on. The fake server runs on the same cores, so
the table also shows the ideal with the server's CPU added to the CPU term (what the
machine really had to do), and a tight bound that adds the one latency every run must wait
after its last article's text is done (max(ceil(n/c) x latency, cpu / cores + latency)).
The machine is shared: the load average (1 min) is printed beside each run.

`--ray` runs the same articles through `summarizer.batch.distributed.summarize_dataset` on
a local Ray cluster (num_cpus = cores, 2 actors of one CPU and one text worker each, c / 2
requests in flight each), against the same server, right after the single-process runs.
Each call starts its actors afresh, so a 2-row run before each measures that start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "bbc"
CORES = len(os.sched_getaffinity(0))
TICK = os.sysconf("SC_CLK_TCK")
SECTION = "## Batch throughput: endpoint- or CPU-bound (performance issue)"


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


def proc_cpu(pid: int) -> float:
    """utime + stime of one process, from /proc (seconds)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def self_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def own_cpu() -> float:
    """This process and its waited-for children (the text workers, once the pool is shut
    down), but not the fake server, which is still running (never waited for here)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


def load1() -> float:
    return os.getloadavg()[0]


async def bare_call(article: Any, schema: str, *, settings: Any, backend: Any,
                    published: Any, cache: Any) -> Any:
    """One model call per article and nothing else (for --transport-only)."""
    from summarizer.schemas import Event, EventResult

    out = await backend.complete([{"role": "user", "content": article.text}], Event,
                                 max_tokens=200)
    return EventResult(event=out.value)


async def _batch(sources: list[str], concurrency: int, base_url: str, out: Path,
                 cache: Any, progress: bool, transport_only: bool) -> Any:
    from summarizer.batch.runner import run_batch
    from summarizer.settings import Settings

    settings = Settings.from_env(base_url=base_url, model="fake-model",
                                 api_key="sk-bench-0000000000", timeout=30.0)
    return await run_batch(sources, out, schema="event", settings=settings,
                           concurrency=concurrency, progress=progress, cache=cache,
                           summarize_fn=bare_call if transport_only else None)


def one_run(sources: list[str], concurrency: int, base_url: str, workdir: Path,
            server_pid: int | None = None, cache: Any = None, progress: bool = False,
            transport_only: bool = False) -> dict[str, Any]:
    from summarizer.text import workers as textstage

    out = workdir / f"out-c{concurrency}-{time.monotonic_ns()}.jsonl"
    before = server_calls(base_url)
    server0 = proc_cpu(server_pid) if server_pid else 0.0
    load_before, cpu0, main0, busy0 = load1(), own_cpu(), self_cpu(), machine_busy()
    started = time.perf_counter()
    report = asyncio.run(_batch(sources, concurrency, base_url, out, cache, progress,
                                transport_only))
    wall = time.perf_counter() - started
    textstage.shutdown()  # join the workers: their CPU lands in RUSAGE_CHILDREN
    cpu, main_cpu = own_cpu() - cpu0, self_cpu() - main0
    busy1 = machine_busy()
    busy = (busy1[0] - busy0[0]) / max(1e-9, busy1[1] - busy0[1])
    assert report.ok == len(sources), (report.summary(), report.failures[:1])
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(sources)
    return {"n": len(sources), "c": concurrency, "wall": wall, "client_cpu": cpu,
            "main_cpu": main_cpu, "busy": busy,
            "server_cpu": (proc_cpu(server_pid) - server0) if server_pid else None,
            "calls": server_calls(base_url) - before,
            "load": (load_before, load1())}


def ray_run(rows: list[dict[str, Any]], concurrency: int, base_url: str,
            actors: int = 2) -> dict[str, Any]:
    import ray

    from summarizer.batch.distributed import summarize_dataset
    from summarizer.settings import Settings

    settings = Settings.from_env(base_url=base_url, model="fake-model",
                                 api_key="sk-bench-0000000000", timeout=30.0)
    before = server_calls(base_url)
    load_before = load1()
    started = time.perf_counter()
    out = summarize_dataset(ray.data.from_items(rows), schema="event", settings=settings,
                            concurrency=max(1, concurrency // actors),
                            actors=actors).take_all()
    wall = time.perf_counter() - started
    assert len(out) == len(rows) and all(r["status"] == "ok" for r in out), \
        [r["error"] for r in out if r["status"] != "ok"][:3]
    return {"n": len(rows), "c": concurrency, "wall": wall,
            "calls": server_calls(base_url) - before, "load": (load_before, load1())}


def ideal(row: dict[str, Any], latency: float) -> dict[str, float]:
    n, c = row["n"], row["c"]
    endpoint = n * latency / c
    cpu = row["client_cpu"] / CORES
    both = (row["client_cpu"] + (row["server_cpu"] or 0.0)) / CORES
    return {"endpoint": endpoint, "cpu": cpu, "ideal": max(endpoint, cpu),
            "ideal_srv": max(endpoint, both),
            "tight": max(math.ceil(n / c) * latency, both + latency)}


def _print_row(row: dict[str, Any], latency: float, label: str = "batch") -> None:
    if "client_cpu" not in row:
        print(f"[{label}] lat={latency:g} n={row['n']} c={row['c']:3d} "
              f"wall={row['wall']:6.2f} s  (2 rows: {row.get('start', 0):.2f} s)"
              f"  endpoint ideal={row['n'] * latency / row['c']:.2f}"
              f"  load {row['load'][0]:.1f}->{row['load'][1]:.1f}", flush=True)
        return
    i = ideal(row, latency)
    print(f"[{label}] lat={latency:g} n={row['n']} c={row['c']:3d} wall={row['wall']:6.2f} s"
          f"  cpu/article={row['client_cpu'] / row['n'] * 1000:.1f} ms"
          f" (main {row['main_cpu'] / row['n'] * 1000:.1f})"
          f" server cpu/article={(row['server_cpu'] or 0) / row['n'] * 1000:.1f} ms"
          f"  ideal={i['ideal']:.2f} ratio={i['ideal'] / row['wall']:.2f}"
          f"  with server={i['ideal_srv'] / row['wall']:.2f}"
          f"  tight={i['tight'] / row['wall']:.2f}"
          f"  calls={row['calls']} load {row['load'][0]:.1f}->{row['load'][1]:.1f}"
          f" machine busy {row['busy']:.2f} (ours {row['client_cpu'] / row['wall'] / CORES:.2f})",
          flush=True)


def _table(results: dict[float, list[dict[str, Any]]],
           ray_rows: dict[float, list[dict[str, Any]]]) -> str:
    head = ("| latency | c | wall (s) | client CPU / article (ms) | server CPU / article (ms) "
            "| n x lat / c (s) | client CPU / cores (s) | ratio to the ideal | ratio, server "
            "CPU counted | ratio to the tight bound | cores busy: all / ours | Ray: wall (s) "
            "| Ray: a 2-row run (s) | Ray: ratio | load 1 min |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for latency, rows in results.items():
        by_c = {r["c"]: r for r in ray_rows.get(latency, [])}
        for row in rows:
            i = ideal(row, latency)
            r = by_c.get(row["c"])
            ray_cells = (f"{r['wall']:.2f} | {r['start']:.2f} | {i['ideal'] / r['wall']:.2f}"
                         if r else "– | – | –")
            lines.append(
                f"| {latency:g} s | {row['c']} | {row['wall']:.2f} | "
                f"{row['client_cpu'] / row['n'] * 1000:.1f} | "
                f"{(row['server_cpu'] or 0) / row['n'] * 1000:.1f} | {i['endpoint']:.2f} | "
                f"{i['cpu']:.2f} | **{i['ideal'] / row['wall']:.2f}** | "
                f"{i['ideal_srv'] / row['wall']:.2f} | {i['tight'] / row['wall']:.2f} | "
                f"{row['busy']:.2f} / {row['client_cpu'] / row['wall'] / CORES:.2f} | "
                f"{ray_cells} | {row['load'][0]:.1f} -> {row['load'][1]:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.5, 2.0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument("--progress", action="store_true", help="draw the progress bar")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--transport-only", action="store_true",
                        help="one bare model call per article instead of the pipeline")
    parser.add_argument("--cache-runs", action="store_true",
                        help="also a cold and a warm-cache run at c=16")
    parser.add_argument("--ray", action="store_true", help="also the Ray Data path")
    parser.add_argument("--write", action="store_true", help="write the RESULTS.md section")
    args = parser.parse_args()
    if args.quick:
        args.n = 64
    files = sorted(str(p) for p in CORPUS.glob("*.txt"))
    if len(files) < args.n:
        sys.exit(f"need {args.n} articles in {CORPUS}, found {len(files)}")
    sources = files[: args.n]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()

    from summarizer.cache import Cache

    results: dict[float, list[dict[str, Any]]] = {}
    ray_rows: dict[float, list[dict[str, Any]]] = {}
    notes = []
    for latency in args.latency:
        proc, base_url = start_server(latency)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                workdir = Path(tmp)
                # Warm-up: imports, the spaCy model, the first connection.
                one_run(files[-4:], 4, base_url, workdir)
                rows = results[latency] = []
                for c in args.concurrency:
                    rows.append(one_run(sources, c, base_url, workdir, server_pid=proc.pid,
                                        progress=args.progress,
                                        transport_only=args.transport_only))
                    _print_row(rows[-1], latency)
                if args.cache_runs:
                    cache = Cache(workdir / "cache")
                    cold = one_run(sources, 16, base_url, workdir, cache=cache)
                    warm = one_run(sources, 16, base_url, workdir, cache=cache)
                    note = (f"cache at {latency:g} s: cold n={cold['n']} c=16 "
                            f"{cold['wall']:.2f} s, {cold['calls']} calls; warm rerun "
                            f"{warm['wall']:.2f} s, {warm['calls']} model calls")
                    print(note, flush=True)
                    notes.append(note)
                if args.ray:
                    ray_rows[latency] = _ray_runs(sources, args.concurrency, base_url,
                                                  latency)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    if args.ray:
        import ray

        ray.shutdown()
    table = _table(results, ray_rows)
    print(table)
    if args.write:
        sys.path.insert(0, str(Path(__file__).parent))
        from results import replace_section

        command = "python benchmarks/throughput.py --write" + (" --ray" if args.ray else "")
        body = (f"{SECTION}\n\nCommand: `{command}` ({stamp}, commit {commit}, {CORES} cores "
                f"shared with other engineers' jobs: the load average is beside each run). "
                f"{args.n} BBC articles, `--schema event`, text stage in forked workers, "
                f"fake server in its own process on the same cores.\n\n{table}\n")
        if notes:
            body += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
        replace_section(SECTION, body)


def _ray_runs(sources: list[str], concurrencies: list[int], base_url: str,
              latency: float) -> list[dict[str, Any]]:
    import ray

    if not ray.is_initialized():
        ray.init(num_cpus=CORES, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
    rows = [{"id": Path(s).stem, "source": s, "text": Path(s).read_text(encoding="utf-8")}
            for s in sources]
    ray_run(rows[:8], 4, base_url)  # warm-up: the cluster's worker processes, imports
    out = []
    for c in concurrencies:
        # Every summarize_dataset call starts its actors afresh (imports, the spaCy model,
        # text workers): a 2-row run right before measures that start-up on its own.
        start = ray_run(rows[:2], c, base_url)["wall"]
        out.append({**ray_run(rows, c, base_url), "start": start})
        _print_row(out[-1], latency, label="ray")
    return out


if __name__ == "__main__":
    main()
