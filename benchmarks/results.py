"""One place that writes a benchmark's section of benchmarks/RESULTS.md."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# Below this line a section holds what people wrote about the figures (what changed, how
# to read them): a `--write` replaces the figures above it and keeps the reading.
KEEP = "<!-- the reading below is kept by --write; update it by hand -->"


def replace_section(section: str, body: str, path: Path = RESULTS) -> None:
    """Replace the section headed `section` (up to the next `## `) with `body`, which starts
    with that heading, keeping the section's hand-written reading (from `KEEP` on); append
    it when the file has no such section yet."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"{re.escape(section)}\n.*?(?=\n## |\Z)", re.S)

    def new_section(match: re.Match[str]) -> str:
        kept = match.group(0).partition(KEEP)[2]
        return body.rstrip("\n") + "\n" + (f"\n{KEEP}{kept.rstrip()}\n" if kept else "")

    new = pattern.sub(new_section, old) if section in old else (
        old.rstrip("\n") + "\n\n" + body)
    path.write_text(new if new.endswith("\n") else new + "\n", encoding="utf-8")
