"""Running the app: binding the socket, uvicorn, and a background server for tests/scripts.

The socket is bound before the model loads, so a busy port fails at once (exit 2) and
`--port 0` can pick a free port whose real number is then printed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

from summarizer.errors import ConfigError

__all__ = ["background", "bind", "is_loopback", "run", "url_of"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          hint="choose another --port (or --port 0 for any free one)") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _server(app: Any, log_level: str) -> uvicorn.Server:
    # uvicorn's access log would print every poll of a running job: warnings only.
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def run(app: Any, sock: socket.socket, *, log_level: str = "warning") -> None:
    """Serve until Ctrl-C (uvicorn handles the signal and shuts down gracefully)."""
    _server(app, log_level).run(sockets=[sock])


@contextlib.contextmanager
def background(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` from a thread on a free port; yields its base URL, stops on exit."""
    sock = bind(host, port)
    server = _server(app, "warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
