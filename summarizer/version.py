"""Which code made a result: the package version and a hash of the code itself."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from pathlib import Path

__all__ = ["code_version", "package_version"]


@functools.cache
def package_version() -> str:
    # Cached: reading the installed metadata parses a file with the email parser (~5 ms),
    # and every result asks for it (a batch did so 200 times on its event loop).
    try:
        return importlib.metadata.version("summarizer")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        return "0+unknown"


@functools.cache
def code_version() -> str:
    """A hash of this package's code: results cached by older code are never served.

    The version number alone does not change between commits, and the heuristics that
    shape a result (candidates, context, grounding) live in the code, not the prompts.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
