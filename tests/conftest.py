from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "evals" / "articles" / "csto_minsk_summit.txt"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    # Tests never read or write the user's real cache.
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # ... nor the user's run log (summarizer/runlog.py): each test gets its own file.
    monkeypatch.setenv("SUMMARIZER_LOG_DB", str(tmp_path_factory.mktemp("runlog") / "logs.db"))
    monkeypatch.delenv("SUMMARIZER_LOG", raising=False)


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_published() -> dt.date:
    return dt.date(2023, 11, 24)


def shared_dir(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.fixture
def page():
    """A headless Chromium page (see tests/browser.py)."""
    from tests.browser import chromium_page, chromium_path

    if chromium_path() is None:
        pytest.skip("chromium is not installed (.ci/setup installs it as root)")
    with chromium_page() as p:
        yield p


@pytest.fixture
def server():
    """The fake OpenAI-compatible server on 127.0.0.1 (tests/fakeserver.py), one per test."""
    from tests.fakeserver import FakeServer

    with FakeServer() as s:
        yield s
