"""`summarize serve`'s JSON API on a real socket (127.0.0.1, free port), with a fake model
at our backend seam; the page itself is tested in a browser in test_serve_page.py."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from summarizer import summarize
from summarizer.backends import FakeBackend
from summarizer.cache import Cache
from summarizer.errors import BackendUnavailable
from summarizer.serve import background, create_app
from summarizer.settings import Settings

from .servehelp import AutoFake

pytestmark = pytest.mark.server

HTML_PAGE = """<!doctype html><html><head><title>Leaders meet in Minsk</title>
<meta name="date" content="2023-11-24"></head><body><nav><a href="/">Home</a></nav>
<article>{paragraphs}</article><footer>Subscribe to our newsletter</footer></body></html>"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, AutoFake, Path]]:
    fake = AutoFake(small=True)
    cache = Cache(tmp_path / "cache")
    app = create_app(Settings(), backend=fake, cache=cache, runs_dir=tmp_path / "runs",
                     max_upload_bytes=100_000)
    with background(app) as url:
        yield url, fake, tmp_path


def wait_job(client: httpx.Client, url: str, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"{url}api/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_api_summarize_gives_the_library_result(served: Any, seed_text: str) -> None:
    url, _, _ = served
    response = httpx.post(f"{url}api/summarize", json={"text": seed_text}, timeout=60)
    assert response.status_code == 200
    data = response.json()
    assert list(data) == ["event", "participants", "absentees", "appointments", "key_quotes",
                          "meta"]  # in the order `summarize --format json` prints
    assert data["event"]["date"] == "2023-11-23"
    assert data["meta"]["model"] == "fake" and data["meta"]["source"] == "pasted text"
    direct = summarize(seed_text, "brief", backend=AutoFake(small=True))
    assert {k: v for k, v in data.items() if k != "meta"} == \
        {k: v for k, v in direct.model_dump(mode="json").items() if k != "meta"}


def test_a_raw_html_upload_is_read_like_a_file(served: Any, seed_text: str) -> None:
    url, _, _ = served
    paragraphs = "".join(f"<p>{p}</p>" for p in seed_text.split("\n\n")[1:])
    body = HTML_PAGE.format(paragraphs=paragraphs).encode()
    with httpx.Client(timeout=60) as client:
        job = client.post(f"{url}api/jobs", params={"filename": 'minsk "Ü".html',
                                                      "schema": "quotes"}, content=body,
                          headers={"Content-Type": "text/html"})
        assert job.status_code == 202
        done = wait_job(client, url, job.json()["id"])
    assert done["status"] == "done"
    assert "Subscribe" not in done["article"] and "<p>" not in done["article"]
    assert done["result"]["meta"]["source"] == 'minsk "Ü".html'
    download = httpx.get(f"{url}api/jobs/{done['id']}/download")
    assert download.headers["content-disposition"] == \
        'attachment; filename="summary-minsk_.json"'
    for quote in done["result"]["key_quotes"]:
        g = quote["grounding"]
        assert done["article"][g["start"]:g["end"]] == quote["text"]


@pytest.mark.parametrize(("body", "params", "status", "exit_code", "words"), [
    ({"text": "x" * 200_000}, {}, 413, 3, "too large"),
    ({"text": "The board met."}, {"schema": "novel"}, 400, 2, "unknown schema"),
    ({"text": "The board met.", "published": "last week"}, {}, 400, 2, "published"),
    ({"text": "  \n "}, {}, 400, 3, "empty"),
    ({"words": "no text key"}, {}, 400, 3, '"text"'),
    (b"\x89PNG\r\n\x1a\n" + bytes(300), {"filename": "photo.png"}, 400, 3, "PNG"),
    (b"{not json", {}, 400, 3, "not valid JSON"),
])
def test_bad_requests_get_a_status_and_the_cli_exit_code(
        served: Any, body: Any, params: dict[str, str], status: int, exit_code: int,
        words: str) -> None:
    url, fake, _ = served
    if isinstance(body, dict):
        if "schema" in params:
            body = {**body, "schema": params.pop("schema")}
        response = httpx.post(f"{url}api/summarize", json=body, params=params, timeout=30)
    else:
        kind = "application/json" if body.startswith(b"{") else "application/octet-stream"
        response = httpx.post(f"{url}api/summarize", content=body, params=params,
                              headers={"Content-Type": kind}, timeout=30)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["exit_code"] == exit_code and words in error["message"]
    assert fake.calls == []  # refused before any model call


def test_a_failing_backend_is_a_502_with_exit_code_4(tmp_path: Path, seed_text: str) -> None:
    fake = FakeBackend().enqueue(*[BackendUnavailable("connection refused")] * 5)
    with background(create_app(backend=fake, cache=None, runs_dir=tmp_path)) as url:
        response = httpx.post(f"{url}api/summarize", json={"text": seed_text,
                                                           "schema": "event"}, timeout=30)
    assert response.status_code == 502
    assert response.json()["error"] == {"type": "BackendUnavailable", "exit_code": 4,
                                        "message": "connection refused", "hint": None}


def test_jobs_wait_their_turn_and_a_queued_one_can_be_cancelled(
        served: Any, seed_text: str) -> None:
    url, fake, _ = served
    fake.small, fake.delay = False, 0.4  # a model that is asked, and takes a while
    with httpx.Client(timeout=30) as client:
        ids = [client.post(f"{url}api/jobs", json={"text": seed_text + "\n" * i,
                                                   "schema": "event"}).json()["id"]
               for i in range(3)]
        states = [client.get(f"{url}api/jobs/{i}").json() for i in ids]
        assert [s["status"] for s in states] == ["running", "queued", "queued"]
        assert [s["position"] for s in states] == [0, 0, 1]
        assert client.delete(f"{url}api/jobs/{ids[1]}").json()["status"] == "cancelled"
        finals = [wait_job(client, url, i) for i in ids]
    assert [f["status"] for f in finals] == ["done", "cancelled", "done"]
    assert len(fake.calls) == 2  # the cancelled job never reached the model


def test_downloads_in_json_yaml_and_markdown(served: Any, seed_text: str) -> None:
    url, _, _ = served
    with httpx.Client(timeout=60) as client:
        job_id = client.post(f"{url}api/jobs", json={"text": seed_text}).json()["id"]
        assert wait_job(client, url, job_id)["status"] == "done"
        base = f"{url}api/jobs/{job_id}/download"
        as_json = client.get(base, params={"format": "json"})
        as_yaml = client.get(base, params={"format": "yaml"})
        as_md = client.get(base, params={"format": "markdown"})
        bad = client.get(base, params={"format": "docx"})
    assert "attachment" in as_json.headers["content-disposition"]
    assert json.loads(as_json.text)["event"]["date"] == "2023-11-23"
    assert str(yaml.safe_load(as_yaml.text)["event"]["date"]) == "2023-11-23"
    assert "### Key Quotes" in as_md.text and as_md.headers["content-type"].startswith(
        "text/markdown")
    assert bad.status_code == 400 and bad.json()["error"]["exit_code"] == 2


def test_past_summaries_come_from_the_cache(served: Any, seed_text: str) -> None:
    url, _, _ = served
    with httpx.Client(timeout=60) as client:
        client.post(f"{url}api/summarize", json={"text": seed_text, "schema": "event"})
        entries = client.get(f"{url}api/history").json()["summaries"]
        assert [(e["schema"], e["model"]) for e in entries] == [("event", "fake")]
        item = client.get(f"{url}api/history/{entries[0]['key']}").json()
        assert item["result"]["event"]["date"] == "2023-11-23"
        page = client.get(f"{url}history").text
        assert f"/?summary={entries[0]['key']}" in page
        assert client.get(f"{url}api/history/{'0' * 64}").status_code == 404
        assert client.get(f"{url}api/history/..%2F..%2Fcache.sqlite3").status_code == 404


def _raw_get(url: str, path: str) -> tuple[int, str]:
    """GET `path` byte for byte (no client-side normalisation of `..`)."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_eval_runs_are_listed_and_no_path_escapes_the_runs_folder(served: Any) -> None:
    url, _, tmp = served
    run = tmp / "runs" / "evals-20240101-120000"
    run.mkdir(parents=True)
    (run / "report.json").write_text(json.dumps({
        "dataset": "/x/evals", "schema": "brief", "n_articles": 10, "started": "2024-01-01",
        "model": "SmolLM2", "metrics": {"participants.f1": 0.625, "secret.f1": 1}}))
    (run / "report.html").write_text("<p>report <script>alert(1)</script></p>")
    (run / "predictions.jsonl").write_text('{"id": "a"}\n')
    outside = tmp / "outside"
    outside.mkdir()
    (outside / "report.json").write_text('{"metrics": {}, "note": "TOP SECRET"}')
    (tmp / "runs" / "escape").symlink_to(outside)
    (tmp / "secret.txt").write_text("TOP SECRET")

    runs = httpx.get(f"{url}api/runs").json()["runs"]
    assert [r["name"] for r in runs] == ["evals-20240101-120000"]
    assert runs[0]["metrics"] == {"participants.f1": 0.625}
    assert "evals-20240101-120000" in httpx.get(f"{url}runs").text
    report = httpx.get(f"{url}runs/evals-20240101-120000/report.html")
    assert report.status_code == 200 and "sandbox" in report.headers["content-security-policy"]
    assert httpx.get(f"{url}api/runs/evals-20240101-120000").json()["n_articles"] == 10
    for path in ["/api/runs/escape", "/api/runs/escape/report.json",
                 "/api/runs/..%2Fsecret.txt", "/api/runs/..%2F..%2Fsecret.txt/report.json",
                 "/api/runs/../secret.txt", "/runs/../secret.txt", "/runs/..%2F/secret.txt",
                 "/api/runs/%2e%2e/report.json", "/api/runs/evals-20240101-120000/..%2F..%2F"
                 "secret.txt", "/api/runs/evals-20240101-120000/%2Fetc%2Fpasswd",
                 "/static/..%2F..%2F..%2Fcache.py", "/static/../app.py"]:
        status, text = _raw_get(url, path)
        assert status in (400, 404), path
        assert "TOP SECRET" not in text and "root:" not in text, path


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"},
                                     {"Origin": "http://127.0.0.1.evil.example"},
                                     {"Origin": "null"}])
def test_another_web_origin_cannot_start_a_summary(served: Any, headers: dict[str, str]
                                                   ) -> None:
    url, fake, _ = served
    response = httpx.post(f"{url}api/jobs", json={"text": "The board met."}, headers=headers)
    assert response.status_code == 403 and fake.calls == []


@pytest.mark.parametrize(("host", "status"), [
    ("attacker.example", 400), ("attacker.example:8765", 400), ("127.0.0.1.nip.example", 400),
    ("localhost:8765", 200), ("[::1]:8765", 200), ("127.0.0.1", 200)])
def test_a_rebound_host_name_is_refused(served: Any, host: str, status: int) -> None:
    url, _, _ = served
    assert httpx.get(url, headers={"Host": host}).status_code == status


def test_no_key_in_any_page_or_response(tmp_path: Path, seed_text: str) -> None:
    from .fakeserver import FakeServer, Reply

    key = "sk-test-9f8e7d6c5b4a39281706"
    with FakeServer() as server:
        server.script(Reply.error(401, message=f"Incorrect API key provided: {key}"))
        settings = Settings(base_url=server.base_url, model="m", api_key=key, max_retries=0)
        app = create_app(settings, cache=Cache(tmp_path / "cache"), runs_dir=tmp_path)
        with background(app) as url, httpx.Client(timeout=30) as client:
            refused = client.post(f"{url}api/summarize", json={"text": seed_text,
                                                               "schema": "event"})
            ok = client.post(f"{url}api/summarize", json={"text": seed_text,
                                                          "schema": "event"})
            job = client.post(f"{url}api/jobs", json={"text": seed_text, "schema": "quotes"})
            done = wait_job(client, url, job.json()["id"])
            bodies = [refused.text, ok.text, json.dumps(done)] + [
                client.get(url + p).text for p in ("", "api/info", "history", "api/history",
                                                    "runs", "api/runs")]
        assert server.requests[0].headers["authorization"] == f"Bearer {key}"  # it was used
    assert refused.status_code == 502 and refused.json()["error"]["exit_code"] == 4
    assert ok.status_code == 200 and done["status"] == "done"
    assert all(key not in body and key[3:] not in body for body in bodies)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _summarize(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("OPENAI_BASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "summarizer", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_the_command_prints_its_url_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    # An OpenAI-compatible backend is built without a request: no model to load here.
    proc = _summarize("--port", "0", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                      "--runs", str(tmp_path))
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("summarizer: serving http://127.0.0.1:"), line
        url = line.split()[2]
        info = httpx.get(f"{url}api/info", timeout=30).json()
        assert info["model"] == "m" and info["base_url"] == "http://127.0.0.1:9"
        assert "Paste an article" in httpx.get(url, timeout=30).text
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    assert "warning" not in stderr


def test_a_busy_port_exits_2_and_a_public_host_warns() -> None:
    port = _free_port()
    with socket.socket() as holder:
        holder.bind(("0.0.0.0", port))
        holder.listen()
        proc = _summarize("--host", "0.0.0.0", "--port", str(port))
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "not on loopback" in stderr and f"cannot listen on 0.0.0.0:{port}" in stderr


def test_a_missing_model_file_exits_2(tmp_path: Path) -> None:
    proc = _summarize("--port", "0", "--model", str(tmp_path / "nope.gguf"))
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "model file not found" in stderr


def test_the_web_stack_loads_only_when_serving() -> None:
    probe = ("import sys, summarizer.cli; "
             "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_on_ready_runs_once_the_server_listens(tmp_path: Path) -> None:
    # `--open` opens the browser from this hook, when the page can already be served.
    seen: list[int] = []
    app = create_app(backend=AutoFake(), cache=None, runs_dir=tmp_path,
                     on_ready=lambda: seen.append(1))
    with background(app) as url:
        assert httpx.get(url).status_code == 200
    assert seen == [1]
