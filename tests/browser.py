"""Headless Chromium for page tests: Debian's /usr/bin/chromium driven by playwright.

playwright's own browser download cannot run here (no network); its driver talks to any
Chromium through `executable_path`. Tests that need a page take the `page` fixture from
`tests/conftest.py`, which skips only where no Chromium is installed (`.ci/setup` installs it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    assert path, "no chromium on PATH"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()
