"""Credentials inside URLs (`?api_key=...`, `user:password@`) never leave the process, and
the CLI names the model it uses on stderr. Real CLI processes, real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fakeserver import Reply
except ImportError:  # pragma: no cover
    from fakeserver import Reply  # type: ignore[no-redef]

from summarizer.errors import redact, redact_url

pytestmark = pytest.mark.server

SECRET = "SENTINELurlsecret0123456789"
CLI = [sys.executable, "-c", "from summarizer.cli import main; main()"]
ARTICLE = ("Ministers met in Aktau on Thursday for talks on the Caspian. "
           '"We made progress," said the host, Foreign Minister Murat Nurtleu.\n')


def run_cli(args: list[str], cache_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL")}
    environ |= {"SUMMARIZER_CACHE_DIR": str(cache_dir),
                "SUMMARIZER_LOG_DB": str(cache_dir.parent / "runlog.sqlite3"), **env}
    return subprocess.run([*CLI, *args], env=environ, capture_output=True, text=True,
                          timeout=120)


def stored_bytes(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("where", ["query", "userinfo"])
def test_credentials_in_the_base_url_are_redacted_everywhere(server, tmp_path, where):
    host = server.base_url.removeprefix("http://")
    url = (f"{server.base_url}?api_key={SECRET}&api-version=2024-06-01" if where == "query"
           else f"http://admin:{SECRET}@{host}")
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    cache = tmp_path / "cache"
    one = run_cli([str(tmp_path / "a.txt"), "--schema", "event", "--base-url", url,
                   "--model", "fake-model", "-v"], cache)
    assert one.returncode == 0, one.stderr
    # The server got the credentials: the URL was used, not just hidden.
    request = server.chat_requests()[0]
    if where == "query":
        assert f"api_key={SECRET}" in request.path and "api-version=2024-06-01" in request.path
    else:
        assert "basic" in request.headers.get("authorization", "").lower()
    meta = json.loads(one.stdout)["meta"]
    assert SECRET not in meta["base_url"]
    assert meta["base_url"].startswith("http://") and str(server.port) in meta["base_url"]

    # A batch, and a failing endpoint whose error names the URL.
    batch = run_cli([str(tmp_path / "a.txt"), "--out", str(tmp_path / "out.jsonl"),
                     "--schema", "event", "--base-url", url, "--model", "fake-model"], cache)
    assert batch.returncode == 0, batch.stderr
    server.script(*[Reply.error(404, message=f"no route for {url}")] * 3)
    (tmp_path / "b.txt").write_text(ARTICLE + "More.", encoding="utf-8")
    failed = run_cli([str(tmp_path / "b.txt"), "--schema", "event", "--base-url", url,
                      "--model", "fake-model", "-vv", "--no-cache"], cache)
    assert failed.returncode == 2, failed.stderr  # 404: check --base-url
    for output in (one.stdout, one.stderr, batch.stdout, batch.stderr, failed.stderr):
        assert SECRET not in output
    files = stored_bytes(tmp_path / "cache") | stored_bytes(tmp_path)
    assert tmp_path / "out.jsonl" in files and tmp_path / "runlog.sqlite3" in files
    assert any(p.name == "cache.sqlite3" for p in files)
    for path, data in files.items():
        if path.suffix != ".txt":
            assert SECRET.encode() not in data, path

    # The second run with the same endpoint was a cache hit: keyed by the redacted URL.
    assert server.count() == 1 + 0 + 1


def test_redact_scrubs_urls_inside_any_text():
    text = (f"cannot reach http://u:{SECRET}@h:1/v1 nor https://h/v1?token={SECRET}&x=1"
            f" (API_KEY={SECRET})")
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert "http://u:***@h:1/v1" in cleaned and "https://h/v1?token=***&x=1" in cleaned


def test_the_cli_names_the_model_on_stderr(server, tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    cache = tmp_path / "cache"
    url = f"{server.base_url}?api_key={SECRET}"
    named = run_cli([str(tmp_path / "a.txt"), "--schema", "event", "--base-url", url,
                     "--model", "fake-model", "--no-cache"], cache)
    assert named.returncode == 0, named.stderr
    lines = [line for line in named.stderr.splitlines() if "fake-model" in line]
    assert len(lines) == 1, named.stderr
    assert redact_url(url) in lines[0] and SECRET not in named.stderr
    # Without --model, the server's own default is named.
    default = run_cli([str(tmp_path / "a.txt"), "--schema", "event", "--base-url",
                       server.base_url, "--no-cache"], cache)
    assert default.returncode == 0, default.stderr
    assert "default model" in default.stderr and server.base_url in default.stderr
    # A batch says it too; -q says nothing.
    batch = run_cli([str(tmp_path / "a.txt"), "--out", str(tmp_path / "o.jsonl"), "--schema",
                     "event", "--base-url", server.base_url, "--model", "fake-model"], cache)
    assert batch.returncode == 0 and "fake-model" in batch.stderr
    quiet = run_cli([str(tmp_path / "a.txt"), "--schema", "event", "--base-url",
                     server.base_url, "--model", "fake-model", "--no-cache", "-q"], cache)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_a_gguf_of_ones_own_is_named_too(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "mine.gguf").write_bytes(b"not really a model")
    done = run_cli([str(tmp_path / "a.txt"), "--schema", "event", "--model",
                    str(tmp_path / "mine.gguf"), "--no-cache"], tmp_path / "cache")
    assert done.returncode == 2, done.stderr  # the file is no model: a usage error
    assert f"note: using mine ({tmp_path / 'mine.gguf'}) on this machine" in done.stderr
