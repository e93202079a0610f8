"""Summaries as jobs: queued in order, run on the server's one backend, polled, cancellable.

The page starts a job and polls it, so that long work shows its progress (the pipeline's
INFO lines: "participants", "chunk 2 of 3: quotes", ...) and can be cancelled. An embedded
model runs one job at a time (`slots=1`): the others wait in arrival order, since an
asyncio.Semaphore wakes its waiters first-come, first-served. A remote server gets a few
jobs in flight at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from summarizer.article import Article
from summarizer.errors import (
    BackendError,
    BackendTimeout,
    ConfigError,
    InputError,
    InvalidOutput,
    SummarizerError,
    UploadTooLarge,
    redact,
)

__all__ = ["Job", "Jobs", "error_json", "http_status", "result_json"]

log = logging.getLogger(__name__)

RunFn = Callable[[Article, str], Awaitable[Any]]

# Which job the running code belongs to: asyncio tasks (and to_thread) copy the context,
# so a pipeline log line can be credited to its own job even with several in flight.
_current: contextvars.ContextVar[Job | None] = contextvars.ContextVar("job", default=None)


def http_status(exc: BaseException) -> int:
    """The HTTP status for an error; the body also carries the CLI's exit code."""
    if isinstance(exc, InputError | ConfigError):
        return 413 if isinstance(exc, UploadTooLarge) else 400
    if isinstance(exc, BackendTimeout):
        return 504
    if isinstance(exc, BackendError | InvalidOutput):
        return 502
    return 500


def result_json(result: Any) -> dict[str, Any]:
    """A result as `summarize --format json` prints it: the contract's keys, then meta."""
    data: dict[str, Any] = result.model_dump(mode="json")
    if "meta" in data:
        data["meta"] = data.pop("meta")
    return data


def error_json(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, SummarizerError):
        return {"type": type(exc).__name__, "message": exc.message, "hint": exc.hint,
                "exit_code": exc.exit_code}
    # A bug: its text may hold anything, so only the type reaches the client.
    return {"type": "InternalError", "message": f"internal error ({type(exc).__name__}); "
            "see the server's log", "hint": None, "exit_code": 1}


@dataclass
class Job:
    id: str
    article: Article
    schema: str
    created: float = field(default_factory=time.monotonic)
    status: str = "queued"  # queued | running | done | failed | cancelled
    step: str = "waiting for the model"
    started: float | None = None
    finished: float | None = None
    result: Any = None
    error: BaseException | None = None
    task: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    def to_json(self, position: int) -> dict[str, Any]:
        end = self.finished or time.monotonic()
        data: dict[str, Any] = {
            "id": self.id, "status": self.status, "step": self.step, "schema": self.schema,
            "source": self.article.source, "position": position,
            "elapsed_s": round(end - (self.started or self.created), 2),
        }
        if self.status == "done":
            data["result"] = result_json(self.result)
            data["article"] = self.article.text  # what the grounding offsets index into
        if self.status == "failed" and self.error is not None:
            data["error"] = error_json(self.error)
        return data


class _Progress(logging.Handler):
    """Pipeline INFO lines become the step of the job they belong to."""

    def emit(self, record: logging.LogRecord) -> None:
        job = _current.get()
        if job is not None:
            message = record.getMessage()
            # "text-1a2b3c4d, chunk 2 of 3: quotes" -> "chunk 2 of 3: quotes"
            head, _, part = message.partition(": ")
            where = head.partition(", ")[2]
            job.step = redact(f"{where}: {part}" if where else part or message)


class Jobs:
    """The server's jobs, newest `keep` of them kept for polling and downloads."""

    def __init__(self, run: RunFn, *, slots: int = 1, keep: int = 50) -> None:
        self._run = run
        self._slots = asyncio.Semaphore(slots)
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep
        self._handler = _Progress(logging.INFO)

    def start(self) -> None:
        logger = logging.getLogger("summarizer.pipeline")
        logger.addHandler(self._handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)

    async def stop(self) -> None:
        logging.getLogger("summarizer.pipeline").removeHandler(self._handler)
        tasks = [j.task for j in self._jobs.values() if j.task and not j.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def submit(self, article: Article, schema: str) -> Job:
        job = Job(id=secrets.token_urlsafe(12), article=article, schema=schema)
        self._jobs[job.id] = job
        job.task = asyncio.get_running_loop().create_task(self._execute(job))
        self._forget_old()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def position(self, job: Job) -> int:
        """How many jobs are ahead of this one (0: running or next)."""
        if job.status != "queued":
            return 0
        ahead = 0
        for other in self._jobs.values():
            if other is job:
                break
            ahead += other.status == "queued"
        return ahead

    def cancel(self, job: Job) -> None:
        if not job.done and job.task is not None:
            job.task.cancel()
            # A decode already handed to llama.cpp finishes in its thread; the job is
            # over for the user now, and its slot is freed when the task unwinds.
            job.status, job.step, job.finished = "cancelled", "cancelled", time.monotonic()

    async def wait(self, job: Job) -> None:
        if job.task is not None:
            await asyncio.shield(job.task)

    async def _execute(self, job: Job) -> None:
        _current.set(job)
        try:
            async with self._slots:
                job.status, job.step, job.started = "running", "reading", time.monotonic()
                job.result = await self._run(job.article, job.schema)
                job.status, job.step = "done", "done"
        except asyncio.CancelledError:
            job.status, job.step = "cancelled", "cancelled"
        except SummarizerError as exc:
            job.status, job.step, job.error = "failed", "failed", exc
        except Exception as exc:
            log.error("job %s failed: %s", job.id, redact(repr(exc)))
            job.status, job.step, job.error = "failed", "failed", exc
        finally:
            job.finished = job.finished or time.monotonic()

    def _forget_old(self) -> None:
        while len(self._jobs) > self._keep:
            oldest = next((k for k, j in self._jobs.items() if j.done), None)
            if oldest is None:
                break
            del self._jobs[oldest]
