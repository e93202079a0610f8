"""A small on-disk cache of successful results, shared safely between processes.

    cache = Cache()                       # $SUMMARIZER_CACHE_DIR or ~/.cache/summarizer
    key = Cache.key(text_sha256=article.sha256, schema="brief", schema_version="1",
                    prompt_hash=..., settings=settings)
    if (hit := cache.get(key)) is None:
        result = ...                      # call the model
        cache.put(key, result.model_dump(mode="json"))

Only successes are cached: the caller puts a value after a valid result, never after an
error, so a transient failure (timeout, 429, invalid JSON) is retried on the next run.

The key is a SHA-256 of a canonical JSON of what determines the answer: the article text's
hash, the schema and its version, the prompt hash, backend, model, the base URL (its
credentials redacted) and the generation settings. It never contains the API key: a
`Settings` object is reduced to the fields that change the answer, and parts named like
secrets are refused.

Storage is one SQLite file in WAL mode with a busy timeout, so that several processes
(parallel evals, a batch next to an eval) can read and write at the same time. The
directory and the database are the owner's alone (0700 / 0600): results quote articles
that may be private.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from summarizer.errors import redact_url

__all__ = ["Cache", "default_cache_dir"]

DB_NAME = "cache.sqlite3"
# Settings that change what the model answers; timeouts, threads and keys do not.
_SETTINGS_IN_KEY = ("model", "mode", "temperature", "max_tokens", "n_ctx", "seed",
                    "validation_retries")
_SECRET_NAMES = ("key", "apikey", "token", "secret", "password", "authorization")
_SECRET_SUFFIXES = ("_key", "_token", "_secret", "password")


def default_cache_dir() -> Path:
    env = os.environ.get("SUMMARIZER_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "summarizer"


def _endpoint(url: str | None) -> str | None:
    # The endpoint with its credentials redacted (user:***@, ?api_key=***): two servers on
    # one host are different models, and a key must never reach the cache, even hashed.
    return redact_url(url.rstrip("/")) if url else None


def _canonical(value: Any) -> Any:
    """A JSON-able value; Settings-like dataclasses reduced to their answer-changing fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {name: getattr(value, name, None) for name in _SETTINGS_IN_KEY}
        try:
            fields["backend"] = value.backend  # type: ignore[attr-defined]
        except Exception:  # an unusable backend still yields a distinct, stable key
            fields["backend"] = None
        fields["base_url"] = _endpoint(getattr(value, "base_url", None))
        return _canonical(fields)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new cache to WAL (persistent: readers never block writers).

    The switch needs an exclusive lock, and SQLite gives up at once rather than wait for it
    (no busy handler): two processes opening a fresh cache together would see "database
    is locked". Whoever loses waits briefly and finds the mode already set.
    """
    for attempt in range(200):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or attempt == 199:
                raise
            time.sleep(0.05)


class Cache:
    """Results keyed by `Cache.key(...)`; `path` is the cache directory."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.dir = Path(path) if path is not None else default_cache_dir()
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.db = self.dir / DB_NAME
        # Created owner-only before SQLite opens it; its -wal and -shm files inherit the mode.
        os.close(os.open(self.db, os.O_RDONLY | os.O_CREAT, 0o600))
        # Tighten what an older version left open; a directory the caller chose stays theirs.
        own = [(self.db, 0o600)] + ([(self.dir, 0o700)] if path is None else [])
        for path_, mode in own:
            with contextlib.suppress(OSError):
                if path_.stat().st_uid == os.getuid():
                    os.chmod(path_, mode)
        conn = self._connect()
        try:
            _use_wal(conn)
            conn.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, "
                         "value TEXT NOT NULL, created REAL NOT NULL)")
        finally:
            conn.close()

    def __repr__(self) -> str:
        return f"Cache({str(self.dir)!r})"

    def _connect(self) -> sqlite3.Connection:
        # A connection per operation: safe across threads and forks, cheap for SQLite.
        conn = sqlite3.connect(self.db, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    @staticmethod
    def key(**parts: Any) -> str:
        """SHA-256 of the canonical JSON of `parts` (see the module docstring).

        A raw `text=` is replaced by its hash, `base_url=` redacted (`redact_url`), and a
        `settings=` object by the settings that change the answer. Parts named like secrets
        (api_key, token, ...) raise ValueError: they must never reach the cache.
        """
        canon: dict[str, Any] = {}
        for name, value in parts.items():
            lowered = name.lower()
            if lowered in _SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES):
                raise ValueError(f"{name!r} looks like a secret and cannot be in a cache key")
            if name == "text" and isinstance(value, str):
                name, value = "text_sha256", hashlib.sha256(value.encode("utf-8")).hexdigest()
            elif name == "base_url":
                value = _endpoint(value)
            canon[name] = _canonical(value)
        blob = json.dumps(canon, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        conn = self._connect()
        try:
            row = conn.execute("SELECT value FROM results WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except ValueError:  # a damaged entry is a miss, not a crash
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store a successful result (callers never put errors)."""
        blob = json.dumps(value, ensure_ascii=False, default=str)
        conn = self._connect()
        try:
            conn.execute("INSERT OR REPLACE INTO results (key, value, created) VALUES (?, ?, ?)",
                         (key, blob, time.time()))
        finally:
            conn.close()

    def __bool__(self) -> bool:
        # An empty cache is still a cache: `if cache:` must not treat it as "no cache".
        return True

    def __len__(self) -> int:
        conn = self._connect()
        try:
            return int(conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
        finally:
            conn.close()

    def clear(self) -> None:
        conn = self._connect()
        try:
            conn.execute("DELETE FROM results")
        finally:
            conn.close()
