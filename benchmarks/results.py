"""One place that writes a benchmark's section of benchmarks/RESULTS.md."""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(section: str, body: str, path: Path = RESULTS) -> None:
    """Replace the section headed `section` (up to the next `## `) with `body`, which starts
    with that heading; append it when the file has no such section yet."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"{re.escape(section)}\n.*?(?=\n## |\Z)", re.S)
    new = pattern.sub(lambda _: body.rstrip("\n") + "\n", old) if section in old else (
        old.rstrip("\n") + "\n\n" + body)
    path.write_text(new if new.endswith("\n") else new + "\n", encoding="utf-8")
