"""The `summarize` command. It parses arguments, calls the library, and prints.

    summarize ARTICLE... [--schema brief] [--format ...]   one or many articles
    summarize DIR --out results.jsonl                       a resumable batch
    summarize eval DATASET                                  score against references
    summarize schema [NAME]                                 the JSON Schema of a result
    summarize serve [--port 8765]                           a local web page and JSON API
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any, ClassVar

import typer

from summarizer.cli.common import HELP_OPTIONS, DefaultCommandGroup, err, fail, setup_logging
from summarizer.errors import ConfigError, SummarizerError
from summarizer.output.terminal import FORMATS, Emitter, StatusLine, status_line
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

Run `summarize ARTICLE --help` for the run options alone; `summarize eval --help`,
`summarize models`, `summarize logs` for the rest.

Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input, 4 model backend failed,
5 invalid model output, 6 batch finished with failures, 7 eval gate failed, 130 interrupted.
"""

TINY_MODEL_NOTE = (
    "note: using the embedded {model} (a tiny offline model: private and free, but weak; "
    "quotes and names are still taken verbatim from the article). For better summaries: "
    "--model path/to/model.gguf, --base-url http://localhost:8080/v1, or OPENAI_API_KEY "
    "with --model gpt-4o-mini."
)


class _MainGroup(DefaultCommandGroup):
    # Imported on use: the eval harness and the run log are not needed to summarise.
    lazy: ClassVar[dict[str, tuple[str, str]]] = {
        "eval": ("summarizer.cli.evals:app", "Score summaries against a labelled dataset."),
        "models": ("summarizer.cli.logs:models_app", "List the models you can use."),
        "logs": ("summarizer.cli.logs:logs_app", "List and show past runs (the run log)."),
    }


app = typer.Typer(cls=_MainGroup, help=HELP, no_args_is_help=True, rich_markup_mode=None,
                  add_completion=False, context_settings=HELP_OPTIONS)

SCHEMA_NAMES = "brief, event, participants, absentees, appointments, quotes"
SchemaOpt = Annotated[str, typer.Option("--schema", "-s", help=f"One of: {SCHEMA_NAMES}.")]
ModelOpt = Annotated[str | None, typer.Option(
    "--model", "-m", envvar="SUMMARIZER_MODEL", show_envvar=True,
    help="A .gguf file (run here), or a model name on --base-url / OpenAI.")]
BaseUrlOpt = Annotated[str | None, typer.Option(
    "--base-url", envvar="OPENAI_BASE_URL", show_envvar=True,
    help="An OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama).")]
ModeOpt = Annotated[str | None, typer.Option(
    help="instructor mode for --base-url: json_schema (default), tools, json, md_json.")]


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
                          emitter: Emitter, pub: dt.date | None, settings: Settings,
                          backend: Any, store: Any, status: StatusLine) -> int:
    """Summarise and print articles one by one; returns how many failed."""
    failures = 0
    for k, source in enumerate(sources, 1):
        if len(sources) > 1:
            status.article(f"article {k} of {len(sources)}: {Path(source).name}")
        try:
            result = await _one(source, preread, schema, pub, settings, backend, store,
                                status)
        except SummarizerError as exc:
            if len(sources) == 1:
                raise
            failures += 1
            err.print(f"error {source}: {exc}", style="red", markup=False, highlight=False,
                      soft_wrap=True)
            continue
        if emitter.tty:
            with status.paused():
                emitter.emit(result)
        else:
            emitter.emit(result)
    return failures


async def _one(source: str, preread: dict[str, Any], schema: str, pub: dt.date | None,
               settings: Settings, backend: Any, store: Any, status: StatusLine) -> Any:
    from summarizer.article import read_article
    from summarizer.backends.retry import retry_listener
    from summarizer.pipeline import asummarize

    article = preread.get(source) or read_article(source, published=pub)
    with retry_listener(status.retrying):  # a wait between retries says why on the line
        return await asummarize(article, schema, settings=settings, backend=backend,
                                cache=store)


def _show_page(page: str, sources: list[str], open_it: bool) -> None:
    """--format html: the page on stdout, or (--open) in a file opened in the browser."""
    if not open_it:
        sys.stdout.write(page)
        return
    import tempfile
    import webbrowser

    stem = Path(sources[0]).stem if len(sources) == 1 and sources[0] != "-" else "summaries"
    path = Path(tempfile.gettempdir()) / f"summarizer-{stem}.html"
    path.write_text(page, encoding="utf-8")
    path.chmod(0o600)  # an article may be private
    err.print(f"wrote {path}", highlight=False)
    webbrowser.open(path.as_uri())


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
    concurrency: Annotated[int, typer.Option(min=1, help="Articles in flight (--out); one "
                                             "when an embedded model decodes.")] = 4,
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
    log: Annotated[bool, typer.Option(
        "--log/--no-log", help="Record each summary in the run log (`summarize logs`); "
        "SUMMARIZER_LOG=0 turns it off too.")] = True,
    open_page: Annotated[bool, typer.Option(
        "--open", help="Write the HTML page to a file and open it in the browser.")]
    = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No notes or progress.")]
    = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    setup_logging(verbose)
    from summarizer import runlog
    from summarizer.article import check_size, expand_sources, read_article
    from summarizer.schemas import canonical_schema

    pub = published.date() if published else None
    log_switch = runlog.switch(log)
    try:
        schema = canonical_schema(schema)
        fmt = "html" if open_page and fmt is None else fmt.lower() if fmt else None
        if fmt is not None and fmt not in FORMATS:
            raise ConfigError(f"unknown format {fmt!r}",
                              hint=f"choose one of: {', '.join(FORMATS)}")
        if open_page and fmt != "html":
            raise ConfigError("--open shows the HTML page", hint="drop --format, or use html")
        settings = Settings.from_env(
            model=model, base_url=base_url, mode=mode, max_tokens=max_tokens,
            timeout=timeout, deadline=deadline, threads=threads, n_ctx=ctx,
            max_retries=max_retries, max_chars=max_chars)
        sources = expand_sources(articles)
        emitter = Emitter(fmt, many=len(sources) > 1)
        preread = {}
        if len(sources) == 1 and out is None:  # a bad input fails before the model loads
            preread[sources[0]] = read_article(sources[0], published=pub)
            check_size(preread[sources[0]], settings.max_chars)
        from summarizer.backends import get_backend

        backend = get_backend(settings)
        if not quiet:
            err.print(_model_note(backend, settings), style="dim", highlight=False,
                      soft_wrap=True, markup=False)
        store = _cache(cache)
        if out is not None:
            _batch(sources, out, schema, settings, concurrency, pub, quiet, backend, store)
            return
        # One event loop for all articles: the HTTP client's pool belongs to it.
        with status_line(err, f"summarizing with {backend.model}", enabled=not quiet) as status:
            failures = asyncio.run(_summarize_each(sources, preread, schema, emitter, pub,
                                                   settings, backend, store, status))
        page = emitter.close()
        if page is not None:
            _show_page(page, sources, open_page)
        if failures:
            from summarizer.errors import BatchIncomplete

            raise BatchIncomplete(f"{failures} of {len(sources)} article(s) failed")
    except SummarizerError as exc:
        raise fail(exc) from None
    except KeyboardInterrupt:
        if out is not None:
            err.print(f"interrupted: finished articles are in {out}; rerun the same command "
                      "to resume", highlight=False)
        raise typer.Exit(130) from None
    finally:
        runlog.restore(log_switch)


def _batch(sources: list[str], out: Path, schema: str, settings: Settings, concurrency: int,
           pub: dt.date | None, quiet: bool, backend: Any, store: Any) -> None:
    from summarizer.batch.runner import run_batch

    report = asyncio.run(run_batch(
        sources, out, schema=schema, settings=settings, concurrency=concurrency,
        published=pub, progress=not quiet, backend=backend, cache=store))
    if not quiet:
        err.print(report.summary(), highlight=False)
    report.raise_for_failures()  # BatchIncomplete: exit 6


@app.command("schema", help="Print the JSON Schema of a result (the output contract).")
def schema_cmd(
    name: Annotated[str, typer.Argument(help=f"One of: {SCHEMA_NAMES}.")] = "brief",
) -> None:
    from summarizer.schemas import schema_for

    try:
        model = schema_for(name)
    except SummarizerError as exc:
        raise fail(exc) from None
    sys.stdout.write(json.dumps(model.model_json_schema(), indent=2) + "\n")


def _version(value: bool) -> None:
    if value:
        from summarizer.version import package_version

        typer.echo(f"summarizer {package_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    pass


# The web page and JSON API; the web stack itself is imported only when it runs.
from summarizer.cli.serve import serve as _serve  # noqa: E402

app.command("serve", short_help="A local web page and JSON API.",
            help="A local web page and JSON API on the same engine "
            "(http://127.0.0.1:8765).")(_serve)


def main() -> None:
    """Console-script entry point."""
    app()
