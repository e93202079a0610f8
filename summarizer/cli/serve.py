"""`summarize serve`: the local web page and JSON API (summarizer/serve/).

Only typer is imported here; the web stack (Starlette, uvicorn, Jinja2) loads when the
command runs, so `summarize --help` stays fast.
"""

from __future__ import annotations

import logging
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on. Anything but loopback "
                                           "lets other machines use your model: a warning "
                                           "is printed.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0: any free one).")]
    = 8765,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in a browser.")]
    = False,
    model: Annotated[str | None, typer.Option(
        "--model", "-m", envvar="SUMMARIZER_MODEL", show_envvar=True,
        help="A .gguf file (run here), or a model name on --base-url / OpenAI.")] = None,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", envvar="OPENAI_BASE_URL", show_envvar=True,
        help="An OpenAI-compatible server, e.g. http://localhost:11434/v1 (Ollama).")] = None,
    mode: Annotated[str | None, typer.Option(
        help="instructor mode for --base-url: json_schema (default), tools, json, "
             "md_json.")] = None,
    max_tokens: Annotated[int, typer.Option(min=16, help="Output tokens per call.")] = 1024,
    timeout: Annotated[float, typer.Option(help="Seconds per HTTP request.")] = 120.0,
    deadline: Annotated[float, typer.Option(help="Seconds per article, retries included.")]
    = 600.0,
    threads: Annotated[int | None, typer.Option(
        envvar="SUMMARIZER_THREADS", help="llama.cpp threads (default: the free cores).")]
    = None,
    ctx: Annotated[int, typer.Option(help="Context window in tokens.")] = 8192,
    cache: Annotated[bool, typer.Option(help="Reuse earlier results; past summaries are "
                                             "browsed from this cache.")] = True,
    runs: Annotated[Path, typer.Option(help="Folder of eval runs to browse.")]
    = Path("runs") / "eval",
    max_upload_mb: Annotated[float, typer.Option(min=0.001, help="Largest article accepted, "
                                                 "in MB (larger: HTTP 413).")] = 5.0,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True)] = 0,
) -> None:
    from rich.console import Console

    from summarizer.cli.common import fail, setup_logging
    from summarizer.errors import SummarizerError

    err = Console(stderr=True)
    setup_logging(verbose)
    if verbose == 0:  # job progress is shown on the page, not printed for every step
        logging.getLogger("summarizer.pipeline").propagate = False
    try:
        from summarizer import serve as web
        from summarizer.backends import get_backend
        from summarizer.settings import Settings

        settings = Settings.from_env(model=model, base_url=base_url, mode=mode,
                                     max_tokens=max_tokens, timeout=timeout, deadline=deadline,
                                     threads=threads, n_ctx=ctx)
        loopback = web.is_loopback(host)
        if not loopback:
            err.print(f"warning: listening on {host}, not on loopback: anyone who can reach "
                      "this machine can use this page, your model and its API key. Use "
                      "--host 127.0.0.1 unless you mean it.", style="yellow", highlight=False,
                      soft_wrap=True)
        sock = web.bind(host, port)  # a busy port fails before the model loads
        backend = get_backend(settings)  # the one model load of this process
        store = None
        if cache:
            from summarizer.cache import Cache

            store = Cache()
        url = web.url_of(sock)
        app = web.create_app(
            settings, backend=backend, cache=store, runs_dir=runs,
            max_upload_bytes=int(max_upload_mb * 1_000_000),
            allowed_hosts=None if loopback else ["*"],
            on_ready=(lambda: threading.Thread(target=webbrowser.open, args=(url,),
                                               daemon=True).start())
            if open_browser else None)
    except SummarizerError as exc:
        raise fail(exc) from None
    print(f"summarizer: serving {url} (model: {backend.model}, {backend.kind}); "
          "Ctrl-C to stop", flush=True)
    try:
        web.run(app, sock, log_level="info" if verbose else "warning")
    except KeyboardInterrupt:  # pragma: no cover - uvicorn normally handles the signal
        pass
    finally:
        sock.close()
    sys.stdout.flush()
