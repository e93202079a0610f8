"""The result cache: keys, persistence, secrets kept out, two processes at once."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from summarizer.cache import Cache
from summarizer.settings import Settings

SENTINEL = "sk-SENTINEL-never-store-me-0123456789"


def test_put_get_roundtrip_and_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    key = Cache.key(text="article", schema="brief", model="m")
    assert cache.get(key) is None
    cache.put(key, {"event": {"title": "Ünïcode “ok”"}, "n": 1})
    assert cache.get(key) == {"event": {"title": "Ünïcode “ok”"}, "n": 1}
    assert Cache(tmp_path).get(key) is not None  # persisted on disk
    assert len(cache) == 1


def test_default_directory_comes_from_the_environment(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "c"))
    assert Cache().dir == tmp_path / "c"
    assert (tmp_path / "c" / "cache.sqlite3").exists()


def test_key_depends_on_what_changes_the_answer_only() -> None:
    base = Settings(model="gpt-4o-mini", base_url="https://api.example.com/v1")
    key = Cache.key(text="a", schema="brief", schema_version="1", prompt_hash="p",
                    settings=base)
    same = Cache.key(prompt_hash="p", schema_version="1", schema="brief", text="a",
                     settings=base.replace(timeout=5.0, threads=2))
    assert key == same  # argument order, timeouts and threads do not matter
    for changed in (dict(text="b"), dict(schema="event"), dict(prompt_hash="q"),
                    dict(settings=base.replace(model="other")),
                    dict(settings=base.replace(temperature=0.7)),
                    dict(settings=base.replace(base_url="https://other.example.com/v1"))):
        parts = dict(text="a", schema="brief", schema_version="1", prompt_hash="p",
                     settings=base)
        parts.update(changed)
        assert Cache.key(**parts) != key, changed
    # The endpoint counts, its credentials do not: a rotated token hits the same entries,
    # and two servers on one host (two ports) are two models.
    assert Cache.key(base_url="https://h.example/v1?token=x") == Cache.key(
        base_url="https://h.example/v1?token=y")
    assert Cache.key(base_url="https://u:pw1@h.example/v1") == Cache.key(
        base_url="https://u:pw2@h.example/v1")
    assert Cache.key(base_url="http://h.example:8080/v1") != Cache.key(
        base_url="http://h.example:8000/v1")


def test_cache_files_are_the_owners_alone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "fresh"))
    cache = Cache()
    cache.put(Cache.key(text="a"), {"x": 1})
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o700
    files = [p for p in (tmp_path / "fresh").iterdir() if p.is_file()]
    assert cache.db in files
    for path in files:  # the database and SQLite's -wal / -shm beside it
        assert path.stat().st_mode & 0o077 == 0, path


def test_api_key_never_reaches_the_cache(tmp_path: Path) -> None:
    settings = Settings(model="gpt-4o-mini", base_url="https://h.example/v1", api_key=SENTINEL)
    cache = Cache(tmp_path)
    key = Cache.key(text="article", schema="brief", settings=settings)
    assert SENTINEL not in key
    cache.put(key, {"meta": {"model": settings.model, "base_url": "https://h.example/v1"}})
    assert cache.get(key) is not None
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SENTINEL.encode() not in path.read_bytes(), path
    with pytest.raises(ValueError):
        Cache.key(text="article", api_key=SENTINEL)


def _writer(path: str, worker: int, n: int) -> None:
    cache = Cache(Path(path))
    for i in range(n):
        cache.put(Cache.key(worker=worker, i=i), {"worker": worker, "i": i})
        cache.get(Cache.key(worker=1 - worker, i=i))  # read while the other one writes


def test_two_processes_write_at_the_same_time(tmp_path: Path) -> None:
    n = 150
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, n)) for w in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    cache = Cache(tmp_path)
    assert len(cache) == 2 * n
    assert all(cache.get(Cache.key(worker=w, i=i)) == {"worker": w, "i": i}
               for w in (0, 1) for i in range(n))
