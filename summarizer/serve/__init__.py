"""`summarize serve`: a local web page and JSON API on the same `summarize()` engine.

    from summarizer.serve import create_app, background
    with background(create_app(backend=FakeBackend())) as url:   # a free 127.0.0.1 port
        ...

Imported only by the `serve` command (never by `summarize --help`): Starlette, uvicorn and
Jinja2 load when a server starts.
"""

from summarizer.serve.app import DEFAULT_MAX_UPLOAD, create_app
from summarizer.serve.server import background, bind, is_loopback, run, url_of

__all__ = ["DEFAULT_MAX_UPLOAD", "background", "bind", "create_app", "is_loopback", "run",
           "url_of"]
