"""The run log: every summary this user made, in one SQLite file (like `llm logs`).

    summarize logs            the last runs          summarize logs 12    one run's result
    summarize logs --path     where the file is      SUMMARIZER_LOG=0     no logging

One row per summary (CLI, batch, eval or library call): when, source, schema, backend,
model, base URL (without credentials or query string), tokens, latency, whether it came
from the cache, and the result's JSON. Never a key: base URLs are reduced by `safe_url`,
and the stored JSON goes through `redact` (which knows the configured API key).

The file lives at $SUMMARIZER_LOG_DB, or $XDG_DATA_HOME/summarizer/logs.sqlite3
(~/.local/share/...). It is created owner-only (0600, in a 0700 folder): results hold
article text. WAL mode and a busy timeout let parallel processes (a batch next to an
eval) write at once. A log that cannot be written never fails a summary: it warns once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any

from summarizer.errors import redact, safe_url

__all__ = ["batched", "default_path", "enabled", "entries", "entry", "record", "restore",
           "switch"]

log = logging.getLogger(__name__)

_SCHEMA = """CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, source TEXT,
    schema TEXT, backend TEXT, model TEXT, base_url TEXT, calls INTEGER,
    prompt_tokens INTEGER, completion_tokens INTEGER, latency_s REAL, cached INTEGER,
    result TEXT)"""
_COLUMNS = ("id", "time", "source", "schema", "backend", "model", "base_url", "calls",
            "prompt_tokens", "completion_tokens", "latency_s", "cached")
_OFF = ("0", "false", "off", "no")
_warned: set[str] = set()  # log files we already warned about (once each per process)
# Off for the current context (the CLI's `--no-log`), not for the whole process: a test
# or a notebook that runs the CLI in-process keeps its own setting afterwards.
_off: ContextVar[bool] = ContextVar("summarizer_runlog_off", default=False)
# Inside `batched()`: where this context's records go instead of a connection of their own.
_sink: ContextVar[_Batch | None] = ContextVar("summarizer_runlog_sink", default=None)


def default_path() -> Path:
    env = os.environ.get("SUMMARIZER_LOG_DB")
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "summarizer" / "logs.sqlite3"


def switch(on: bool) -> Token[bool]:
    """Turn the log on or off in this context; `restore(token)` undoes it."""
    return _off.set(not on)


def restore(token: Token[bool]) -> None:
    _off.reset(token)


def enabled() -> bool:
    return not _off.get() and \
        os.environ.get("SUMMARIZER_LOG", "1").strip().lower() not in _OFF


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Create the file owner-only before SQLite opens it; SQLite gives its -wal and
        # -shm files the same permissions as the database.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(_SCHEMA)
    return conn


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    meta = data.get("meta")
    if isinstance(meta, dict) and meta.get("base_url"):
        data = {**data, "meta": {**meta, "base_url": safe_url(meta["base_url"])}}
    return data


def _row(result: Any) -> tuple[Any, ...]:
    meta = result.meta
    data = _clean(result.model_dump(mode="json"))
    usage = meta.usage
    row = (dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), meta.source,
           meta.schema_name, meta.backend, meta.model, safe_url(meta.base_url),
           usage.calls, usage.prompt_tokens, usage.completion_tokens, meta.latency_s,
           int(meta.cached), redact(json.dumps(data, ensure_ascii=False)))
    return row


_INSERT = (f"INSERT INTO runs ({', '.join(_COLUMNS[1:])}, result) "
           f"VALUES ({', '.join('?' * (len(_COLUMNS)))})")


def _warn(path: Path, exc: BaseException) -> None:
    where = str(path)
    if where not in _warned:
        _warned.add(where)
        log.warning("could not write the run log %s: %s (SUMMARIZER_LOG=0 turns it off)",
                    where, exc)


def record(result: Any, path: Path | None = None) -> None:
    """Add one summary (a result model with `meta`) to the log, unless logging is off."""
    if not enabled() or getattr(result, "meta", None) is None:
        return
    sink = _sink.get()
    if sink is not None and path is None:
        sink.put(result)
        return
    path = path or default_path()
    try:
        row = _row(result)
        conn = _connect(path)
        try:
            conn.execute(_INSERT, row)
        finally:
            conn.close()
    except (sqlite3.Error, OSError) as exc:
        _warn(path, exc)


class _Batch:
    """One thread, one connection: rows written in one transaction per queued group."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._drain, name="runlog-writer",
                                        daemon=True)
        self._thread.start()

    def put(self, result: Any) -> None:
        self._queue.put(result)

    def _drain(self) -> None:
        conn: sqlite3.Connection | None = None
        failed = False
        done = False
        while not done:
            group = [self._queue.get()]
            while True:  # whatever else is queued goes into the same transaction
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = group[-1] is None
            results = [r for r in group if r is not None]
            if failed or not results:
                continue
            try:
                rows = [_row(r) for r in results]
                conn = conn or _connect(self.path)
                with conn:  # BEGIN ... COMMIT (isolation_level None: explicit)
                    conn.execute("BEGIN")
                    conn.executemany(_INSERT, rows)
            except (sqlite3.Error, OSError) as exc:
                failed = True
                _warn(self.path, exc)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()


@contextlib.contextmanager
def batched(path: Path | None = None) -> Iterator[None]:
    """Within this context, `record` hands its rows to one writer thread with one
    connection, instead of opening the file, inserting and closing per summary on the
    caller's thread (~15 ms each: a batch's event loop paid it per article). Every row is
    written when the context exits."""
    if not enabled():
        yield
        return
    sink = _Batch(path or default_path())
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)
        sink.close()


def entries(limit: int = 20, path: Path | None = None) -> list[dict[str, Any]]:
    """The last `limit` runs, newest first, without their results."""
    path = path or default_path()
    if not path.exists():
        return []
    conn = _connect(path)
    try:
        rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs ORDER BY id DESC "
                            "LIMIT ?", (limit,)).fetchall()
    finally:
        conn.close()
    return [dict(zip(_COLUMNS, row, strict=True)) | {"cached": bool(row[-1])} for row in rows]


def entry(run_id: int, path: Path | None = None) -> dict[str, Any] | None:
    """One run with its result (a dict), or None."""
    path = path or default_path()
    if not path.exists():
        return None
    conn = _connect(path)
    try:
        row = conn.execute(f"SELECT {', '.join(_COLUMNS)}, result FROM runs WHERE id = ?",
                           (run_id,)).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    out = dict(zip(_COLUMNS, row[:-1], strict=True))
    out["cached"] = bool(out["cached"])
    out["result"] = json.loads(row[-1]) if row[-1] else None
    return out
