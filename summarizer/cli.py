"""The `summarize` command. It parses arguments, calls the library, and prints.

    summarize ARTICLE... [--schema brief] [--format ...]   one or many articles
    summarize DIR --out results.jsonl                       a resumable batch
    summarize eval DATASET                                  score against references
    summarize schema [NAME]                                 the JSON Schema of a result
    summarize serve [--port 8765]                           a local web page and JSON API
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from summarizer.cli_common import DefaultCommandGroup
from summarizer.errors import SummarizerError, redact
from summarizer.output import FORMATS, render, rich_view
from summarizer.schemas import SCHEMAS
from summarizer.settings import Settings

__all__ = ["app", "main"]

HELP = """Structured, verifiable summaries of news articles.

Turns an article into its event (title, type, date, place), participants, absentees,
appointments and key quotes. Every quote is verbatim from the article and every name
occurs in it: each carries the character span where it was found.

By default a tiny model runs on this machine (SmolLM2-135M through llama.cpp: no key, no
network). For better results use a stronger model: --model path/to/model.gguf, a local
server with --base-url http://localhost:8080/v1 (llama.cpp, vLLM, Ollama), or OpenAI with
OPENAI_API_KEY and --model gpt-4o-mini.

Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input, 4 model backend failed,
5 invalid model output, 6 batch finished with failures, 7 eval gate failed, 130 interrupted.
"""

TINY_MODEL_NOTE = (
    "note: using the embedded {model} (a tiny offline model: private and free, but weak; "
    "quotes and names are still taken verbatim from the article). For better summaries: "
    "--model path/to/model.gguf, --base-url http://localhost:8080/v1, or OPENAI_API_KEY "
    "with --model gpt-4o-mini."
)

app = typer.Typer(cls=DefaultCommandGroup, help=HELP, no_args_is_help=True,
                  rich_markup_mode=None, add_completion=False)
err = Console(stderr=True)

SchemaOpt = Annotated[str, typer.Option("--schema", "-s", help=f"One of: {', '.join(SCHEMAS)}.")]
ModelOpt = Annotated[str | None, typer.Option(
    "--model", "-m", envvar="SUMMARIZER_MODEL", show_envvar=True,
    help="A .gguf file (run here), or a model name on --base-url / OpenAI.")]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", envvar="OPENAI_BASE_URL", show_envvar=True,
    help="An OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama).")]
ModeOpt = Annotated[str | None, typer.Option(
    help="instructor mode for --base-url: json_schema (default), tools, json, md_json.")]


class _RedactingFormatter(logging.Formatter):
    # On the whole formatted text: messages, and tracebacks whose errors quote URLs.
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(logging.BASIC_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    if verbose < 2:  # instructor logs every failed attempt at ERROR; we report them ourselves
        logging.getLogger("instructor").setLevel(logging.CRITICAL)


def _fail(error: SummarizerError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {error}", highlight=False, markup=True)
    if error.hint:
        err.print(f"hint: {error.hint}", highlight=False)
    return typer.Exit(error.exit_code)


def _print(result: Any, fmt: str | None, many: bool) -> None:
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "jsonl" if many else "json"
    if fmt == "table" and sys.stdout.isatty():
        Console().print(rich_view(result))
    else:
        sys.stdout.write(render(result, fmt).rstrip("\n") + "\n")
        sys.stdout.flush()


@contextlib.contextmanager
def _status(message: str, *, enabled: bool) -> Iterator[None]:
    """A spinner on stderr (terminals only) showing the pipeline's current step."""
    if not enabled or not err.is_terminal:
        yield
        return

    class _ToStatus(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            status.update(f"{message}: {record.getMessage()}")

    handler = _ToStatus(logging.INFO)
    logger = logging.getLogger("summarizer.pipeline")
    level, propagate = logger.level, logger.propagate
    with err.status(message) as status:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # shown on the status line, not printed as well
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


def _model_note(backend: Any, settings: Settings) -> str:
    """One line naming the model this run uses (URLs without their credentials)."""
    if backend.kind == "embedded":
        if getattr(backend, "is_default", False):
            return TINY_MODEL_NOTE.format(model=backend.model)
        return f"note: using {backend.model} ({getattr(backend, 'path', '')}) on this machine"
    where = f"at {backend.base_url}" if backend.base_url else "(OpenAI)"
    if backend.kind == "openai" and not settings.model and backend.base_url:
        return f"note: using the default model of the server {where} (pass --model to choose)"
    return f"note: using {backend.model} {where}"


def _cache(enabled: bool) -> Any:
    if not enabled:
        return None
    from summarizer.cache import Cache

    return Cache()


async def _summarize_each(sources: list[str], preread: dict[str, Any], schema: str,
                          fmt: str | None, pub: dt.date | None, settings: Settings,
                          backend: Any, store: Any) -> int:
    """Summarise and print articles one by one; returns how many failed."""
    from summarizer.article import read_article
    from summarizer.pipeline import asummarize

    failures = 0
    for source in sources:
        try:
            article = preread.get(source) or read_article(source, published=pub)
            result = await asummarize(article, schema, settings=settings, backend=backend,
                                      cache=store)
        except SummarizerError as exc:
            if len(sources) == 1:
                raise
            failures += 1
            err.print(f"[red]error[/] {source}: {exc}", highlight=False)
            continue
        _print(result, fmt, many=len(sources) > 1)
    return failures


@app.command("run", help="Summarise articles (the default command: `summarize FILE`).")
def run(
    articles: Annotated[list[str], typer.Argument(
        metavar="ARTICLE", show_default=False,
        help="Article files (.txt, .html), directories, or - for stdin.")],
    schema: SchemaOpt = "brief",
    fmt: Annotated[str | None, typer.Option(
        "--format", "-f", help=f"One of: {', '.join(FORMATS)}. Default: a table on a "
        "terminal, JSON when piped (JSONL for several articles).")] = None,
    published: Annotated[dt.datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Publication date, to resolve 'on Thursday'.")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write one JSONL record per article here; rerun to resume.")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Articles in flight (--out); the "
                                             "embedded model always runs one.")] = 4,
    max_tokens: Annotated[int, typer.Option(min=16, help="Output tokens per call.")] = 1024,
    timeout: Annotated[float, typer.Option(help="Seconds per HTTP request.")] = 120.0,
    deadline: Annotated[float, typer.Option(
        help="Seconds per article: its text analysis, calls and retries.")]
    = 600.0,
    max_retries: Annotated[int, typer.Option(
        min=0, help="Retries of a failed request (429, 5xx, timeouts, dropped "
                    "connections); 400/401/403/404 are never retried.")] = 4,
    threads: Annotated[int | None, typer.Option(
        envvar="SUMMARIZER_THREADS", help="llama.cpp threads (default: the free cores).")]
    = None,
    ctx: Annotated[int, typer.Option(help="Context window in tokens; longer articles "
                                          "are chunked.")] = 8192,
    max_chars: Annotated[int, typer.Option(
        min=1, help="Refuse articles longer than this many characters (exit 3).")]
    = 200_000,
    cache: Annotated[bool, typer.Option(help="Reuse earlier results for identical "
                                             "inputs and settings.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes or progress.")]
    = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    _setup_logging(verbose)
    from summarizer.article import check_size, expand_sources, read_article
    from summarizer.backends import get_backend
    from summarizer.schemas import schema_for

    pub = published.date() if published else None
    try:
        schema_for(schema)
        if fmt is not None and fmt not in FORMATS:
            raise SummarizerError(f"unknown format {fmt!r}", hint=f"one of {FORMATS}")
        settings = Settings.from_env(
            model=model, base_url=base_url, mode=mode, max_tokens=max_tokens,
            timeout=timeout, deadline=deadline, threads=threads, n_ctx=ctx,
            max_retries=max_retries, max_chars=max_chars)
        sources = expand_sources(articles)
        preread = {}
        if len(sources) == 1 and out is None:  # a bad input fails before the model loads
            preread[sources[0]] = read_article(sources[0], published=pub)
            check_size(preread[sources[0]], settings.max_chars)
        backend = get_backend(settings)
        if not quiet:
            err.print(_model_note(backend, settings), style="dim", highlight=False,
                      soft_wrap=True, markup=False)
        store = _cache(cache)
        if out is not None:
            from summarizer.batch import run_batch

            report = asyncio.run(run_batch(
                sources, out, schema=schema, settings=settings, concurrency=concurrency,
                published=pub, progress=not quiet, backend=backend, cache=store))
            if not quiet:
                err.print(report.summary(), highlight=False)
            report.raise_for_failures()  # BatchIncomplete: exit 6
            return
        # One event loop for all articles: the HTTP client's pool belongs to it.
        with _status(f"summarizing with {backend.model}", enabled=not quiet):
            failures = asyncio.run(_summarize_each(sources, preread, schema, fmt, pub,
                                                   settings, backend, store))
        if failures:
            from summarizer.errors import BatchIncomplete

            raise BatchIncomplete(f"{failures} of {len(sources)} article(s) failed")
    except SummarizerError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command("schema", help="Print the JSON Schema of a result (the output contract).")
def schema_cmd(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SCHEMAS)}.")] = "brief",
) -> None:
    from summarizer.schemas import schema_for

    try:
        model = schema_for(name)
    except SummarizerError as exc:
        raise _fail(exc) from None
    sys.stdout.write(json.dumps(model.model_json_schema(), indent=2) + "\n")


def _version(value: bool) -> None:
    if value:
        from summarizer.pipeline import _version as package_version

        typer.echo(f"summarizer {package_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    pass


def _mount_eval() -> None:
    try:
        from summarizer import cli_eval
    except ImportError:  # pragma: no cover - during development only
        return
    app.add_typer(cli_eval.app, name="eval", help="Score summaries against a labelled dataset.")


_mount_eval()

# The web page and JSON API; the web stack itself is imported only when it runs.
from summarizer.cli_serve import serve as _serve  # noqa: E402

app.command("serve", short_help="A local web page and JSON API.",
            help="A local web page and JSON API on the same engine "
            "(http://127.0.0.1:8765).")(_serve)


def main() -> None:
    """Console-script entry point."""
    app()
