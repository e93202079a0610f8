"""What `summarize ARTICLE...` shows: results on stdout, a status line on stderr.

Results (stdout), by format; several articles always give a document the standard parser
reads back whole, holding the same objects as JSONL:

    json      one object; several: a JSON array of them
    jsonl     one object per line
    yaml      one document; several: a stream of documents (`yaml.safe_load_all`)
    markdown  one section per article
    table     a readable view on a terminal (plain text when piped)
    html      one self-contained page (the summary beside the highlighted article)
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

from rich.console import Console

from summarizer.output.render import FORMATS

__all__ = ["FORMATS", "Emitter", "StatusLine", "status_line"]


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Emitter:
    """Writes results to stdout in one format, as they arrive; `close()` ends the document.

    Whether stdout is a terminal is decided when this is built, before any status line
    starts: rich's live displays replace `sys.stdout` with a proxy whose isatty() is False.
    """

    def __init__(self, fmt: str | None, *, many: bool, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = _isatty(self.stream)
        self.fmt = fmt or ("table" if self.tty else "jsonl" if many else "json")
        self.many = many
        self.count = 0
        self._results: list[Any] = []  # html: one page at the end

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def emit(self, result: Any) -> None:
        from summarizer.output.render import render, rich_view

        first = self.count == 0
        self.count += 1
        if self.fmt == "html":
            self._results.append(result)
        elif self.fmt == "table" and self.tty:
            Console(file=self.stream).print(rich_view(result))
        elif self.fmt == "json" and self.many:
            body = render(result, "json").replace("\n", "\n  ")
            self._write(("[\n  " if first else ",\n  ") + body)
        elif self.fmt == "yaml" and self.many:
            self._write("---\n" + render(result, "yaml").rstrip("\n") + "\n")
        else:
            self._write(("" if first or self.fmt == "jsonl" else "\n")
                        + render(result, self.fmt).rstrip("\n") + "\n")

    def close(self) -> str | None:
        """End the document; for html, return the page (the caller writes or opens it)."""
        if self.fmt == "json" and self.many:
            self._write("\n]\n" if self.count else "[]\n")
        if self.fmt == "html" and self._results:
            from summarizer.output.page import result_page

            return result_page(self._results)
        return None


class StatusLine:
    """The live progress display: `article(text)` sets the current article, `advance(done,
    counts)` moves a batch's bar; `paused()` takes the display off the terminal while a
    result is printed there (two streams writing to one terminal would otherwise put the
    table on the status line's row)."""

    def __init__(self, progress: Any = None, show: Callable[[str, str], None] | None = None,
                 task: Any = None) -> None:
        self._progress = progress
        self._show = show
        self._task = task

    def article(self, text: str) -> None:
        if self._show is not None:
            self._show("article", text)

    def retrying(self, error: Exception, delay: float) -> None:
        """A retry listener (summarizer.backends.retry): say why the wait, not a still line."""
        if self._show is not None:
            self._show("step", f"retrying in {delay:.1f} s: {error}")

    def advance(self, completed: int, counts: str) -> None:
        """A batch's bar: `completed` articles of the total, and what became of them."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=completed, counts=counts)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        if self._progress is None:
            yield
            return
        self._progress.stop()  # transient: the line is erased
        try:
            yield
        finally:
            self._progress.start()


@contextlib.contextmanager
def status_line(console: Console, label: str, *, enabled: bool,
                total: int | None = None) -> Iterator[StatusLine]:
    """The one progress display on stderr, for every command that works on articles.

    Without `total` (`summarize ARTICLE...`): a spinner line, on terminals only, with the
    label, the current article ("article 2 of 5: a.txt", set through the yielded
    StatusLine), the pipeline's current step from its INFO log lines ("chunk 1 of 2:
    participants (part 2 of 5)") or why it waits for a retry, and the elapsed time.

    With `total` (a batch, `summarize DIR --out`, and so an eval run): a bar of the
    articles done, the counts the batch passes to `advance` (ok, failed with the most
    common reasons, skipped), elapsed and remaining time; redrawn 4 times a second. Never
    a Jupyter widget (no ipywidgets needed).
    """
    if not enabled or (total is None and not console.is_terminal):
        yield StatusLine()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if total is not None:
        bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                       TimeRemainingColumn(), console=console, refresh_per_second=4)
        task = bar.add_task(label, total=total, counts="")
        with bar:
            yield StatusLine(bar, task=task)
        return
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                        TimeElapsedColumn(), console=console, transient=True,
                        redirect_stdout=False, redirect_stderr=False)
    task = progress.add_task(label)
    where = {"article": "", "step": ""}

    def show() -> None:
        text = " · ".join(v for v in (label, where["article"], where["step"]) if v)
        progress.update(task, description=text)

    def set_field(key: str, text: str) -> None:
        where[key] = text
        if key == "article":
            where["step"] = ""
        show()

    class _ToStatus(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            where["step"] = record.getMessage()
            show()

    handler = _ToStatus(logging.INFO)
    logger = logging.getLogger("summarizer.pipeline")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # shown on the status line, not printed as well
    try:
        with progress:
            yield StatusLine(progress, set_field)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
