"""A real OpenAI-compatible HTTP server on 127.0.0.1, scriptable per request.

The openai client sends through its own HTTP stack (httpx2), so in-process mocks do not
intercept it; this server listens on a real socket instead, in a background thread.

    with FakeServer() as server:
        server.script(Reply.status(429, headers={"Retry-After": "1"}), Reply.ok())
        settings = Settings(base_url=server.base_url, model="fake", api_key="sk-...")
        ...
        assert server.count() == 2

Each POST to /v1/chat/completions takes the next scripted `Reply`; when the script is
empty it answers normally: a JSON object valid for the requested `response_format`
schema (or whatever `answer` returns), after `latency` seconds. Every request is recorded
(path, headers, body, start/end times, whether the client went away).

Run it standalone for manual tests: `python tests/fakeserver.py --port 8080 --latency 0.5`.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["FAULTS", "FakeServer", "RecordedRequest", "Reply", "minimal_instance"]

Answer = Callable[[dict[str, Any]], "dict[str, Any] | str"]


@dataclass
class Reply:
    """One scripted answer. Build with the classmethods; `kind` picks the behaviour."""

    kind: str
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: str | None = None
    finish_reason: str = "stop"
    seconds: float = 0.0  # hang / drip duration
    interval: float = 0.2  # drip: seconds between bytes

    @classmethod
    def ok(cls, content: str | dict[str, Any] | None = None) -> Reply:
        """A normal completion; `None` generates a valid object for the request's schema."""
        text = json.dumps(content) if isinstance(content, dict) else content
        return cls("ok", content=text)

    @classmethod
    def raw_content(cls, content: str, finish_reason: str = "stop") -> Reply:
        """A completion whose message content is exactly `content` (malformed, empty...)."""
        return cls("ok", content=content, finish_reason=finish_reason)

    @classmethod
    def truncated(cls) -> Reply:
        """`finish_reason: length` with JSON cut off mid-way, as a model at max_tokens."""
        return cls("ok", content='{"event": {"title": "Summit in Gen', finish_reason="length")

    @classmethod
    def error(cls, status: int, *, message: str = "error", code: str | None = None,
              headers: dict[str, str] | None = None) -> Reply:
        err = {"message": message, "type": code or "server_error", "code": code}
        return cls("status", status=status, body={"error": err}, headers=headers or {})

    @classmethod
    def rate_limited(cls, retry_after: float | None = None) -> Reply:
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        return cls.error(429, message="Rate limit reached", code="rate_limit_exceeded",
                         headers=headers)

    @classmethod
    def quota(cls) -> Reply:
        return cls.error(429, message="You exceeded your current quota",
                         code="insufficient_quota")

    @classmethod
    def html(cls, status: int = 200) -> Reply:
        """An HTML page where JSON was expected (a proxy's or captive portal's page)."""
        return cls("html", status=status)

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """Accept the request, then say nothing for `seconds` (then answer normally)."""
        return cls("hang", seconds=seconds)

    @classmethod
    def drip(cls, seconds: float, interval: float = 0.2) -> Reply:
        """Send headers at once, then trickle the body one byte per `interval` for `seconds`.

        Each byte arrives well within the read timeout, so only an overall deadline stops it.
        """
        return cls("drip", seconds=seconds, interval=interval)

    @classmethod
    def raw_body(cls, raw: str | dict[str, Any] | list[Any]) -> Reply:
        """HTTP 200, `application/json`, with exactly this body (a string is sent as is:
        malformed or empty JSON; a dict or list is encoded)."""
        text = raw if isinstance(raw, str) else json.dumps(raw)
        return cls("body", content=text)

    @classmethod
    def refusal(cls, text: str) -> Reply:
        """A completion whose message is a refusal (OpenAI structured outputs): no content."""
        return cls("refusal", content=text)

    @classmethod
    def reset(cls) -> Reply:
        """Read the request, then close the socket with a TCP RST (no response)."""
        return cls("reset")


FAULTS: dict[str, Callable[[FakeServer], Reply]] = {
    "500": lambda server: Reply.error(500, message="injected fault"),
    "reset": lambda server: Reply.reset(),
    "hang": lambda server: Reply.hang(server.hang_seconds),
    "429": lambda server: Reply.rate_limited(retry_after=server.retry_after),
    "malformed": lambda server: Reply.raw_body('{"id": "chatcmpl-x", "choices": [{"mess'),
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: Any
    started: float
    finished: float = 0.0
    kind: str = "ok"  # the Reply kind that answered it
    client_gone: bool = False  # the client closed the connection before we finished


def minimal_instance(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """The smallest JSON value valid for `schema` (pydantic-style JSON Schema)."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return minimal_instance(defs[schema["$ref"].split("/")[-1]], defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return minimal_instance(options[0], defs)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: minimal_instance(sub, defs) for name, sub in props.items()}
    if kind == "array":
        item = schema.get("items", {"type": "string"})
        return [minimal_instance(item, defs) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        if schema.get("format") == "date":
            return "2024-01-01"
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None


def default_answer(request: dict[str, Any]) -> dict[str, Any]:
    """A valid object for the request's json_schema response_format (instructor JSON_SCHEMA)."""
    fmt = request.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema")
    if not schema:
        return {}
    value = minimal_instance(schema)
    return value if isinstance(value, dict) else {}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the listen backlog: the default 5 refuses 64 clients at once


class FakeServer:
    """The server. Thread-safe: tests script it while the client runs in another thread."""

    def __init__(self, *, latency: float = 0.0, answer: Answer | None = None,
                 model: str = "fake-model", port: int = 0,
                 faults: dict[str, float] | None = None, seed: int = 0,
                 hang_seconds: float = 30.0, retry_after: float = 1.0) -> None:
        self.latency = latency
        # Random faults, when nothing is scripted: kind -> probability per chat request.
        # Kinds: "500", "reset", "hang", "429" (with Retry-After), "malformed" (a 200 whose
        # JSON body is cut off). `injected` counts what was served.
        unknown = set(faults or {}) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.faults = dict(faults or {})
        self.injected: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self.hang_seconds = hang_seconds
        self.retry_after = retry_after
        self.answer: Answer = answer or default_answer
        self.model = model
        self.requests: list[RecordedRequest] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", port), _make_handler(self))
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes handlers that hang or drip
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ------------------------------------------------------
    def script(self, *replies: Reply) -> FakeServer:
        with self._lock:
            self._script.extend(replies)
        return self

    def clear(self) -> None:
        """Forget the script and the recorded requests."""
        with self._lock:
            self._script.clear()
            self.requests.clear()

    def next_reply(self) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
            draw = self._rng.random()
            for kind, probability in self.faults.items():
                if draw < probability:
                    self.injected[kind] += 1
                    return FAULTS[kind](self)
                draw -= probability
            return Reply.ok()

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests
                    if urlsplit(r.path).path.endswith("/chat/completions")]

    def count(self) -> int:
        """How many chat completion requests arrived."""
        return len(self.chat_requests())

    def max_overlap(self, requests: list[RecordedRequest] | None = None) -> int:
        """The most chat requests (of `requests`, default all) served at the same moment."""
        events = []
        for r in self.chat_requests() if requests is None else requests:
            events += [(r.started, 1), (r.finished or time.monotonic(), -1)]
        level = peak = 0
        for _, step in sorted(events, key=lambda e: (e[0], e[1])):
            level += step
            peak = max(peak, level)
        return peak

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True if it slept the whole time."""
        return not self._stop.wait(seconds)


def _completion(server: FakeServer, content: str, finish_reason: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": server.model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": finish_reason,
        }],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _make_handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers: no reconnect per call
        # Headers and body go out in two writes; with Nagle on, the body waits for the
        # client's delayed ACK: 40 ms added to every answer.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _headers(self) -> dict[str, str]:
            return {name.lower(): value for name, value in self.headers.items()}

        def _send(self, status: int, payload: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

        def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(data).encode(), "application/json", headers)

        def do_GET(self) -> None:
            rec = RecordedRequest("GET", self.path, self._headers(), None, time.monotonic())
            path = urlsplit(self.path).path.rstrip("/")  # without ?query
            if path.endswith("/_stats"):  # for benchmarks in another process
                self._json(200, {"chat_requests": server.count(),
                                 "injected": dict(server.injected)})
            elif path.endswith("/models"):
                self._json(200, {"object": "list", "data": [
                    {"id": server.model, "object": "model", "created": 0, "owned_by": "fake"}]})
            else:
                self._json(404, {"error": {"message": "not found", "code": "not_found"}})
            rec.finished = time.monotonic()
            server.record(rec)

        def do_POST(self) -> None:
            started = time.monotonic()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            rec = RecordedRequest("POST", self.path, self._headers(), body, started)
            if not urlsplit(self.path).path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": "not found", "code": "not_found"}})
                rec.finished = time.monotonic()
                server.record(rec)
                return
            reply = server.next_reply()
            rec.kind = reply.kind
            server.record(rec)  # recorded on arrival, so counts include hung requests
            try:
                self._answer(reply, body if isinstance(body, dict) else {})
            except (BrokenPipeError, ConnectionResetError):
                rec.client_gone = True
                self.close_connection = True
            finally:
                rec.finished = time.monotonic()

        def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
            if reply.kind == "reset":
                # SO_LINGER 0 makes close() send RST instead of FIN: "connection reset by peer".
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if reply.kind == "hang" and not server.sleep(reply.seconds):
                return
            if server.latency and not server.sleep(server.latency):
                return
            if reply.kind == "status":
                self._json(reply.status, reply.body, reply.headers)
                return
            if reply.kind == "body":
                self._send(200, (reply.content or "").encode(), "application/json")
                return
            if reply.kind == "html":
                page = b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
                self._send(reply.status, page, "text/html; charset=utf-8")
                return
            content = reply.content
            if content is None:
                answer = server.answer(body)
                content = answer if isinstance(answer, str) else json.dumps(answer)
            completion = _completion(server, content, reply.finish_reason)
            if reply.kind == "refusal":
                completion["choices"][0]["message"] = {
                    "role": "assistant", "content": None, "refusal": reply.content}
            payload = json.dumps(completion).encode()
            if reply.kind == "drip":
                self._drip(payload, reply)
                return
            self._send(200, payload, "application/json")

        def _drip(self, payload: bytes, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.flush()
            # One byte per interval, until the time is spent; the rest only if it was.
            deadline = time.monotonic() + reply.seconds
            sent = 0
            while time.monotonic() < deadline and sent < len(payload) - 1:
                self.wfile.write(payload[sent:sent + 1])
                self.wfile.flush()
                sent += 1
                if not server.sleep(reply.interval):
                    return
            self.wfile.write(payload[sent:])
            self.wfile.flush()

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--faults", default="", help="e.g. 500=0.05,reset=0.02,hang=0.01,"
                        "429=0.02,malformed=0.01")
    args = parser.parse_args()
    faults = {k: float(v) for k, v in (f.split("=") for f in args.faults.split(",") if f)}
    server = FakeServer(latency=args.latency, port=args.port, faults=faults).start()
    print(f"listening on {server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
