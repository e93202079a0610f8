"""The record: one JSON line per article, for every place that stores results per article.

One record format, written by `make_record`, for every place that stores results per
article: a batch's `--out` file, `summarizer.batch.distributed` (Ray), and an evaluation
run's predictions.jsonl (`summarizer.evaluation.runner` runs on `run_batch`). One JSON
object per line, with exactly these keys, in this order:

    id           the article's id: its file name without the extension ("stdin" for -)
    source       where it was read from (the path as given), or null
    text_sha256  SHA-256 of the article text as the summarizer read it (after decoding,
                 HTML extraction and mojibake repair), or null if it could not be read;
                 with `source` and `schema`, what a resumed run matches to skip an article
    status       "ok" or "error"
    schema       the schema asked for: "brief", "event", "participants", ...
    result       status ok: the result object, exactly as `summarize --format json` prints
                 it (the contract's keys, then `meta`: backend, model, usage, latency_s,
                 cached, timings, ...); status error: null
    error        status error: {"type", "message", "attempts", "exit_code"}, the error's
                 class (summarizer.errors), its message (credentials redacted), the requests
                 made, and the exit code it would have had alone; status ok: null
    finished_at  when the record was made: UTC, ISO 8601 with milliseconds

A resumed run appends: the latest record of an article is the one that counts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import BaseModel

from summarizer.backends.failures import classify, from_model_call
from summarizer.errors import BackendTimeout, OutputLocked, SummarizerError, redact

__all__ = ["RecordWriter", "error_info", "exclusive", "load_latest", "make_record"]


def error_info(exc: BaseException) -> dict[str, Any]:
    """What a record says about a failure: type, message (keys redacted), attempts, exit code."""
    if isinstance(exc, TimeoutError):
        exc = BackendTimeout("the per-article deadline ran out")
    elif not isinstance(exc, SummarizerError) and from_model_call(exc):
        exc = classify(exc)
    exit_code = exc.exit_code if isinstance(exc, SummarizerError) else 1  # 1: a bug of ours
    return {
        "type": type(exc).__name__,
        "message": redact(str(exc))[:1000],
        "attempts": int(getattr(exc, "attempts", 1) or 1),
        "exit_code": exit_code,
    }


def make_record(*, id: str, source: str | None, text_sha256: str | None, schema: str,
                result: BaseModel | dict[str, Any] | None = None,
                error: BaseException | None = None) -> dict[str, Any]:
    """One article's record, as batch files and Ray datasets hold it."""
    if error is None and isinstance(result, BaseModel):
        payload: dict[str, Any] | None = result.model_dump(mode="json")
    else:
        payload = result if error is None else None  # type: ignore[assignment]
    return {
        "id": id,
        "source": source,
        "text_sha256": text_sha256,
        "status": "ok" if error is None else "error",
        "schema": schema,
        "result": payload,
        "error": error_info(error) if error is not None else None,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
    }


def load_latest(out: Path, schema: str) -> dict[tuple[str, str], str]:
    """Latest status per (source, text sha256) for `schema`; repairs a torn last line.

    A line is only torn if the machine died inside a write; everything before the last
    newline was fsynced whole, so cutting the tail loses at most that one record.
    """
    if not out.exists():
        return {}
    data = out.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):
        with out.open("r+b") as f:
            f.truncate(end)
            os.fsync(f.fileno())
    latest: dict[tuple[str, str], str] = {}
    for line in data[:end].splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # not ours (or damaged): it matches nothing, so that article reruns
        if isinstance(rec, dict) and rec.get("schema") == schema and rec.get("text_sha256"):
            latest[(str(rec.get("source")), str(rec["text_sha256"]))] = str(rec.get("status"))
    return latest


class RecordWriter:
    """Appends records as whole lines: one write() and one fsync per record, in order.

    A thread of its own does the writing, so that no worker waits on a disk: fsync takes
    milliseconds, and 64 workers finishing together would queue behind each other. A
    record still in the queue when the process dies is simply not there: that article
    is done again on resume, never half-written.
    """

    def __init__(self, path: Path, *, secret: str | None = None) -> None:
        self.path = path
        self._secret = secret
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._queue: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name="record-writer", daemon=True)
        self._thread.start()

    def write_sync(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str)
        if self._secret and self._secret in line:  # belt and braces: never store the key
            line = line.replace(self._secret, "***")
        data = (line + "\n").encode("utf-8")
        with self._lock:
            written = os.write(self._fd, data)
            while written < len(data):  # only on a full disk; the next write raises
                written += os.write(self._fd, data[written:])
            os.fsync(self._fd)

    def submit(self, record: dict[str, Any]) -> None:
        """Queue `record` for writing; raises if an earlier write failed (disk full...)."""
        if self._error is not None:
            raise self._error
        self._queue.put(record)

    def _drain(self) -> None:
        while (record := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.write_sync(record)
                except BaseException as exc:
                    self._error = exc

    def close(self) -> None:
        """Write what is queued, then close; raises the first write error, if any."""
        self._queue.put(None)
        self._thread.join()
        os.close(self._fd)
        if self._error is not None:
            raise self._error


# -- the batch -----------------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(out: Path) -> Iterator[None]:
    """Hold `out`'s lock for the whole run: a second writer is refused, never interleaved.

    Two processes on one file would both skip nothing, ask the model twice and write every
    record twice. An OS file lock (flock) dies with its process, so a `kill -9` leaves no
    stale lock behind.
    """
    lock = FileLock(str(out) + ".lock")
    try:
        lock.acquire(blocking=False)
    except Timeout:
        raise OutputLocked(
            f"{out} is being written by another summarize run",
            hint="wait for it to finish (then rerun to resume), or pass another --out",
        ) from None
    try:
        yield
    finally:
        lock.release()
