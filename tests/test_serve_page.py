"""The `summarize serve` page in headless Chromium: paste, upload, highlights, XSS, limits.

The server runs on a free 127.0.0.1 port from a thread; the model is a fake at our backend
seam (tests/servehelp.py), except in the `model` test, which runs the embedded SmolLM2.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from summarizer.article import from_text
from summarizer.cache import Cache
from summarizer.serve import background, create_app
from summarizer.settings import Settings

from .servehelp import AutoFake

pytestmark = [pytest.mark.browser, pytest.mark.server]

XSS_ARTICLE = "\n\n".join([
    "date 2024-03-05\nOfficials in Port Alder said on Monday that a vandal had written "
    "<script>window.__pwned = 1</script> on the council's web form, and a second message, "
    "<img src=x onerror='window.__pwned = 2'>, on its notice board.",
    "\"We found <b onmouseover='window.__pwned = 3'>markup</b> and "
    "<script>alert('x')</script> in the form,\" council spokeswoman Maria Lopez said. "
    "\"Nothing ran, and nothing will.\"",
    "Council leader Tomas Berg met the police on Tuesday to discuss the incident.\n",
])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, AutoFake]]:
    fake = AutoFake(small=True)
    app = create_app(Settings(), backend=fake, cache=Cache(tmp_path / "cache"),
                     runs_dir=tmp_path / "runs", max_upload_bytes=50_000)
    with background(app) as url:
        yield url, fake


def submit_text(page: Any, url: str, text: str) -> None:
    page.goto(url)
    page.fill("#text", text)
    page.click("#go")


def marks(page: Any) -> list[dict[str, Any]]:
    return page.eval_on_selector_all("#article mark", """ms => ms.map(m => ({
        span: m.dataset.span, kind: m.className.split(' ')[0], text: m.textContent}))""")


def test_paste_the_seed_article_and_see_the_grounded_brief(page: Any, server: Any,
                                                           seed_text: str) -> None:
    url, _ = server
    submit_text(page, url, seed_text)
    page.wait_for_selector("#output:not([hidden])", timeout=60_000)
    event = page.inner_text("#event")
    assert "2023-11-23" in event and "Minsk" in event
    assert "model: fake (fake)" in page.inner_text("#provenance")
    article = from_text(seed_text).text  # the text the offsets index into
    found = marks(page)
    kinds = {m["kind"] for m in found}
    assert {"quote", "name", "date"} <= kinds
    for m in found:  # each mark holds exactly the article's text at its offsets
        start, end = map(int, m["span"].split(":"))
        assert m["text"] == article[start:end]
    assert page.inner_text("#article") == article  # the whole article, as text
    # Hover a quote in the summary: its span in the article lights up; click: it scrolls.
    quote_row = page.locator("#part-key_quotes [data-spans]").first
    quote_row.hover()
    active = page.locator("#article mark.active")
    assert active.count() >= 1 and active.first.text_content() in article
    quote_row.click()
    page.wait_for_selector("#article mark.flash")


def test_the_publication_date_field_anchors_relative_dates(page: Any, server: Any,
                                                           seed_text: str) -> None:
    url, _ = server
    undated = seed_text.replace("date 2023-11-24", "")  # no dateline: "on Thursday" floats
    page.goto(url)
    page.fill("#text", undated)
    page.select_option("#schema", "event")
    page.fill("#published", "2023-11-24")
    page.click("#go")
    page.wait_for_selector("#output:not([hidden])", timeout=60_000)
    assert "2023-11-23" in page.inner_text("#event")
    assert "published 2023-11-24 (flag)" in page.inner_text("#provenance")


def test_upload_an_html_file(page: Any, server: Any, seed_text: str, tmp_path: Path) -> None:
    url, _ = server
    paragraphs = "".join(f"<p>{p}</p>" for p in seed_text.split("\n\n")[1:])
    file = tmp_path / "minsk.html"
    file.write_text("<!doctype html><html><head><title>Leaders meet in Minsk</title>"
                    '<meta name="date" content="2023-11-24"></head><body><nav>Home</nav>'
                    f"<article>{paragraphs}</article><footer>Subscribe now</footer>"
                    "</body></html>", encoding="utf-8")
    page.goto(url)
    page.set_input_files("#file", str(file))
    page.select_option("#schema", "quotes")
    page.click("#go")
    page.wait_for_selector("#output:not([hidden])", timeout=60_000)
    text = page.inner_text("#article")
    assert "Independence Palace" in text and "Subscribe now" not in text and "<p>" not in text
    assert page.locator("#article mark.quote").count() >= 1
    assert "published 2023-11-24 (html)" in page.inner_text("#provenance")


def test_an_article_with_html_in_it_is_shown_as_text_and_never_runs(
        page: Any, server: Any) -> None:
    url, _ = server
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    submit_text(page, url, XSS_ARTICLE)
    page.wait_for_selector("#output:not([hidden])", timeout=60_000)
    article = page.inner_text("#article")
    assert "<img src=x onerror='window.__pwned = 2'>" in article
    assert "<script>window.__pwned = 1</script>" in article
    quotes = page.inner_text("#part-key_quotes")
    assert "<b onmouseover='window.__pwned = 3'>markup</b>" in quotes
    page.hover("#article mark.quote")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") is None and dialogs == []
    for selector in ("script", "img", "b"):
        assert page.locator(f"main {selector}").count() == 0


def test_an_oversized_upload_shows_the_limit(page: Any, server: Any, tmp_path: Path) -> None:
    url, fake = server
    big = tmp_path / "big.txt"
    big.write_text("The council met on Monday. " * 4000, encoding="utf-8")  # ~108 KB
    page.goto(url)
    page.set_input_files("#file", str(big))
    page.click("#go")
    error = page.wait_for_selector("#error:not([hidden])")
    assert "too large" in error.inner_text() and "0.05 MB" in error.inner_text()
    assert "--max-upload-mb" in error.inner_text()
    assert fake.calls == [] and page.locator("#output").is_hidden()


def test_long_work_shows_progress_and_can_be_cancelled(page: Any, server: Any,
                                                       seed_text: str) -> None:
    url, fake = server
    fake.small, fake.delay = False, 1.5  # a model that is asked, and takes a while
    submit_text(page, url, seed_text)
    page.wait_for_selector("#progress:not([hidden])")
    page.wait_for_selector("#step:has-text('event')")  # the step the pipeline is on
    page.click("#cancel")
    assert "Cancelled" in page.inner_text("#error")
    assert page.locator("#progress").is_hidden() and not page.locator("#go").is_disabled()
    jobs_running = httpx.get(f"{url}api/history").json()["summaries"]
    assert jobs_running == []  # nothing finished, nothing cached


def test_a_past_summary_opens_from_the_history_page(page: Any, server: Any,
                                                    seed_text: str) -> None:
    url, _ = server
    httpx.post(f"{url}api/summarize", json={"text": seed_text, "schema": "event"}, timeout=60)
    page.goto(f"{url}history")
    page.click("table.list a[href^='/?summary=']")
    page.wait_for_selector("#output:not([hidden])")
    assert "2023-11-23" in page.inner_text("#event")
    assert "article texts" in page.inner_text("#article")


def test_eval_runs_are_browsed_and_a_report_cannot_run_scripts(page: Any, tmp_path: Path
                                                                ) -> None:
    run = tmp_path / "runs" / "evals-20240101-120000"
    run.mkdir(parents=True)
    (run / "report.json").write_text(json.dumps({
        "dataset": "/x/evals", "schema": "brief", "n_articles": 10, "started": "2024-01-01",
        "model": "SmolLM2", "metrics": {"participants.f1": 0.625, "key_quotes.f1": 0.9}}))
    (run / "report.html").write_text("<h1>Report of the run</h1>"
                                     "<script>document.title = 'pwned'</script>")
    app = create_app(Settings(), backend=AutoFake(), cache=None, runs_dir=tmp_path / "runs")
    with background(app) as url:
        page.goto(f"{url}runs")
        row = page.inner_text("table.list")
        assert "evals-20240101-120000" in row and "participants.f1 0.625" in row
        page.click("text=evals-20240101-120000")
        page.wait_for_selector("h1:has-text('Report of the run')")
        assert page.title() != "pwned"


@pytest.mark.model
def test_the_embedded_model_through_the_page(page: Any, seed_text: str, tmp_path: Path
                                             ) -> None:
    app = create_app(Settings(), cache=None, runs_dir=tmp_path)
    with background(app) as url:
        submit_text(page, url, seed_text)
        page.wait_for_selector("#output:not([hidden])", timeout=240_000)
    event = page.inner_text("#event")
    assert "2023-11-23" in event and "Minsk" in page.inner_text("#fields")
    assert "SmolLM2" in page.inner_text("#provenance")
    assert page.locator("#article mark.quote").count() >= 1
    assert page.locator("#article mark.name").count() >= 1
