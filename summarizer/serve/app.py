"""The web app: a page to summarise an article and its JSON API, on the same `asummarize`.

Pages are Jinja2 templates with autoescaping; results are drawn in the browser by
static/app.js with DOM text nodes only (never innerHTML), so an article is always data.
Every response carries a Content-Security-Policy without inline scripts as a second wall,
goes through `redact()` (no key can reach a page or a response), and state-changing
requests from another web origin are refused (a page on the web cannot drive the local
model through the user's browser).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from summarizer.article import Article, from_bytes, from_text
from summarizer.errors import (
    ConfigError,
    InputError,
    SummarizerError,
    UploadTooLarge,
    redact,
    register_secret,
)
from summarizer.output.render import render
from summarizer.schemas import SCHEMAS, schema_for
from summarizer.serve import history
from summarizer.serve.jobs import Jobs, error_json, http_status, result_json
from summarizer.settings import Settings

__all__ = ["DEFAULT_MAX_UPLOAD", "create_app"]

HERE = Path(__file__).parent
DEFAULT_MAX_UPLOAD = 5_000_000
DOWNLOADS = {"json": ("json", "application/json"), "yaml": ("yaml", "application/yaml"),
             "markdown": ("md", "text/markdown")}
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# report.html is self-contained with inline CSS and no scripts: allow exactly that.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"]

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every template is HTML; every value is escaped
    undefined=jinja2.StrictUndefined,
)


class SafeJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str)
        return redact(text).encode("utf-8")


def _error(exc: BaseException) -> Response:
    return SafeJSON({"error": error_json(exc)}, status_code=http_status(exc))


def _page(name: str, **context: Any) -> HTMLResponse:
    return HTMLResponse(redact(_templates.get_template(name).render(**context)))


def _refusal(status: int, message: str) -> Response:
    return SafeJSON({"error": {"type": "Forbidden", "exit_code": 2, "hint": None,
                               "message": message}}, status_code=status)


class _Guard(BaseHTTPMiddleware):
    def __init__(self, app: Any, allowed_hosts: list[str]) -> None:
        super().__init__(app)
        self.allowed_hosts = allowed_hosts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        # A page on the web that rebinds its own name to 127.0.0.1 still sends that name.
        host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
        if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            return _refusal(400, "this server answers only to its own address (Host header)")
        origin = request.headers.get("origin")
        # Browsers send Origin on cross-origin POSTs ("null" from sandboxed frames and
        # file: pages); scripts such as curl send none.
        if (request.method not in ("GET", "HEAD") and origin is not None
                and urlsplit(origin).netloc != request.headers.get("host")):
            return _refusal(403, "cross-origin request refused")
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


async def _body(request: Request, limit: int) -> bytes:
    too_large = UploadTooLarge(
        f"the article is too large: this server accepts up to {limit / 1e6:g} MB",
        hint="split the article, or start the server with a larger --max-upload-mb")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(f"published must be a date like 2023-11-24, not {value!r}") from None


async def read_request(request: Request, limit: int) -> tuple[Article, str]:
    """The article and schema of a summarise request: a JSON object, or the raw file."""
    body = await _body(request, limit)
    query = request.query_params
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            raise InputError("the request body is not valid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise InputError('a JSON request needs "text": the article as a string')
    else:
        data = {}
    schema = str(data.get("schema") or query.get("schema") or "brief")
    schema_for(schema)
    published = _date(data.get("published") or query.get("published"))
    if kind == "application/json":
        source = str(data.get("source") or "pasted text")
        article = await asyncio.to_thread(from_text, data["text"], published=published,
                                          source=source)
    else:
        name = Path(query.get("filename") or "upload").name
        html = True if kind == "text/html" or name.lower().endswith((".html", ".htm")) else None
        article = await asyncio.to_thread(from_bytes, body, published=published,
                                          id=Path(name).stem, source=name, html=html)
    return article, schema


def _download(result: Any, fmt: str, stem: str) -> Response:
    if fmt not in DOWNLOADS:
        return _error(ConfigError(f"unknown format {fmt!r}", hint=f"one of {list(DOWNLOADS)}"))
    ext, media = DOWNLOADS[fmt]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[:100]  # the upload's name: not a header
    return Response(redact(render(result, fmt)), media_type=f"{media}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{ext}"'})


def create_app(settings: Settings | None = None, *, backend: Any = None, cache: Any = None,
               runs_dir: Path | str = Path("runs") / "eval",
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
               allowed_hosts: list[str] | None = None,
               on_ready: Callable[[], None] | None = None) -> Starlette:
    """The ASGI app. `backend` defaults to `get_backend(settings)` (the model loads once,
    here); `cache` is a `summarizer.cache.Cache` or None; `allowed_hosts` defaults to the
    loopback names (a DNS-rebinding page gets 400)."""
    from summarizer.backends import get_backend
    from summarizer.pipeline import asummarize
    from summarizer.version import package_version

    settings = settings or Settings.from_env()
    register_secret(settings.api_key)  # redact() then scrubs it from every response
    backend = backend or get_backend(settings)
    runs = Path(runs_dir)
    cache_dir = getattr(cache, "dir", None)

    async def run(article: Article, schema: str) -> Any:
        return await asummarize(article, schema, settings=settings, backend=backend,
                                cache=cache)

    # A local model decodes one request at a time; a remote server takes a few at once.
    jobs = Jobs(run, slots=4 if backend.kind == "openai" else 1)
    info = {"model": backend.model, "backend": backend.kind,
            "base_url": _origin(getattr(backend, "base_url", None)), "version": package_version(),
            "schemas": list(SCHEMAS), "max_upload_bytes": max_upload_bytes,
            "download_formats": list(DOWNLOADS)}

    async def index(request: Request) -> Response:
        return _page("index.html", info=info, max_mb=f"{max_upload_bytes / 1e6:g}")

    async def api_info(request: Request) -> Response:
        return SafeJSON(info)

    async def api_summarize(request: Request) -> Response:
        try:
            article, schema = await read_request(request, max_upload_bytes)
        except SummarizerError as exc:
            return _error(exc)
        job = jobs.submit(article, schema)
        try:
            await jobs.wait(job)
        except asyncio.CancelledError:  # the client went away: free the model for others
            jobs.cancel(job)
            raise
        if job.status != "done":
            return _error(job.error or InputError("the job was cancelled"))
        return SafeJSON(result_json(job.result))

    async def api_submit(request: Request) -> Response:
        try:
            article, schema = await read_request(request, max_upload_bytes)
        except SummarizerError as exc:
            return _error(exc)
        job = jobs.submit(article, schema)
        return SafeJSON({**job.to_json(jobs.position(job)), "url": f"/api/jobs/{job.id}"},
                        status_code=202)

    def _job_or_404(request: Request) -> Any:
        return jobs.get(request.path_params["job_id"])

    async def api_job(request: Request) -> Response:
        job = _job_or_404(request)
        if job is None:
            return _not_found("no such job (jobs are kept while the server runs)")
        if request.method == "DELETE":
            jobs.cancel(job)
        return SafeJSON(job.to_json(jobs.position(job)))

    async def api_job_download(request: Request) -> Response:
        job = _job_or_404(request)
        if job is None or job.status != "done":
            return _not_found("no finished job with this id")
        fmt = request.query_params.get("format", "json")
        return _download(job.result, fmt, f"summary-{job.article.id}")

    async def api_history(request: Request) -> Response:
        return SafeJSON({"summaries": history.past_summaries(cache_dir=cache_dir)})

    async def api_history_item(request: Request) -> Response:
        entry = history.past_summary(request.path_params["key"], cache_dir=cache_dir)
        if entry is None:
            return _not_found("no such summary")
        fmt = request.query_params.get("format")
        if fmt is None:
            return SafeJSON(entry)
        model = SCHEMAS.get(str(entry["schema"]))
        if model is None:
            return _not_found("this summary's schema is unknown to this version")
        return _download(model.model_validate(entry["result"]), fmt, f"summary-{entry['key'][:12]}")

    async def history_page(request: Request) -> Response:
        return _page("history.html", info=info,
                     entries=history.past_summaries(cache_dir=cache_dir),
                     stamp=lambda t: dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M"))

    async def api_runs(request: Request) -> Response:
        return SafeJSON({"runs_dir": str(runs), "runs": history.list_runs(runs)})

    async def api_run_file(request: Request) -> Response:
        name = request.path_params["name"]
        file = request.path_params.get("file", history.REPORT_JSON)
        path = history.run_file(runs, name, file)
        if path is None:
            return _not_found("no such run file")
        text = redact(path.read_text(encoding="utf-8", errors="replace"))
        if file == history.REPORT_HTML:
            return HTMLResponse(text, headers={"Content-Security-Policy": REPORT_CSP})
        media = "application/json" if file.endswith(".json") else "application/x-ndjson"
        return Response(text, media_type=f"{media}; charset=utf-8")

    async def runs_page(request: Request) -> Response:
        return _page("runs.html", info=info, runs=history.list_runs(runs), runs_dir=str(runs))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs.start()
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await jobs.stop()

    routes = [
        Route("/", index),
        Route("/history", history_page),
        Route("/runs", runs_page),
        Route("/runs/{name}/{file}", api_run_file),
        Route("/api/info", api_info),
        Route("/api/summarize", api_summarize, methods=["POST"]),
        Route("/api/jobs", api_submit, methods=["POST"]),
        Route("/api/jobs/{job_id}", api_job, methods=["GET", "DELETE"]),
        Route("/api/jobs/{job_id}/download", api_job_download),
        Route("/api/history", api_history),
        Route("/api/history/{key}", api_history_item),
        Route("/api/runs", api_runs),
        Route("/api/runs/{name}", api_run_file),
        Route("/api/runs/{name}/{file}", api_run_file),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(_Guard, allowed_hosts=allowed_hosts or LOOPBACK_HOSTS)]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def _origin(url: str | None) -> str | None:
    """Scheme, host and port only: a URL's path, query or user part can carry a token."""
    if not url:
        return None
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def _not_found(message: str) -> Response:
    return SafeJSON({"error": {"type": "NotFound", "message": message, "hint": None,
                               "exit_code": 3}}, status_code=404)
