"""Why the embedded backend serialises decodes: llama.cpp generation speed with one job on
the machine's cores, then with two jobs at once (each with as many threads as cores).

    .venv/bin/python benchmarks/oversubscription.py

Each job loads SmolLM2-135M in its own process through xllamacpp and generates 200 tokens
(ignore_eos) from the seed article; it prints llama.cpp's own generated tokens per second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

JOB = r"""
import json, os, sys, xllamacpp
from summarizer.backends import default_model_path
p = xllamacpp.CommonParams()
p.model.path = str(default_model_path()); p.n_ctx = 4096; p.warmup = False; p.verbosity = -1
p.cpuparams.n_threads = p.cpuparams_batch.n_threads = len(os.sched_getaffinity(0))
server = xllamacpp.Server(p)
text = open(sys.argv[1]).read()
out = server.handle_chat_completions({"messages": [{"role": "user", "content": text}],
    "max_tokens": 200, "temperature": 0, "ignore_eos": True})
print(json.dumps(out["timings"]))
"""


def run(jobs: int) -> list[float]:
    article = str(ROOT / "evals/articles/csto_minsk_summit.txt")
    procs = [subprocess.Popen([sys.executable, "-c", JOB, article], stdout=subprocess.PIPE,
                              text=True) for _ in range(jobs)]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1])["predicted_per_second"]
            for p in procs]


def main() -> None:
    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores, {cores} threads per job")
    print("1 job : " + ", ".join(f"{x:.1f}" for x in run(1)) + " generated tokens/s")
    print("2 jobs: " + ", ".join(f"{x:.1f}" for x in run(2)) + " generated tokens/s")


if __name__ == "__main__":
    main()
