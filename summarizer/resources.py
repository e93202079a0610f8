"""Finding the data files that ship with the package: prompt templates and JSON schemas.

In a source checkout they live at the top of the repo (prompts/, schemas/); an installed
wheel carries them inside the package as summarizer/_data/, so either way they are found
from any working directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from summarizer.errors import ConfigError

__all__ = ["data_dir"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """The directory holding the shipped `name` files ("prompts" or "schemas"); a broken
    install that lacks it is a ConfigError (exit 2) that says how to repair it."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"summarizer data directory {name!r} is missing from the install",
                      hint="reinstall the package: pip install --force-reinstall summarizer")
