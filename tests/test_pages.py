"""Pages in real headless Chromium: the eval report, `eval compare --html`, and
`summarize ARTICLE --format html`. Each test also takes a screenshot and checks that the
pictures are drawn (many distinct colours where a plot is), not just present in the DOM.

Set SUMMARIZER_SCREENSHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from summarizer.backends import FakeBackend, register_backend
from summarizer.schemas import Brief

from .conftest import ROOT, SEED

pytestmark = pytest.mark.browser
runner = CliRunner()


def reference_fake(article_id: str = "csto_minsk_summit") -> FakeBackend:
    """A model that answers with the article's reference (a perfect model)."""
    ref = yaml.safe_load((ROOT / f"evals/references/{article_id}.yaml").read_text())
    return FakeBackend(answer=Brief.model_validate(ref))


def invoke(args: list[str]) -> Any:
    """CliRunner.invoke on a worker thread: playwright's sync API keeps an event loop
    running on this one, and the CLI starts its own with asyncio.run."""
    from concurrent.futures import ThreadPoolExecutor

    from summarizer.cli import app

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(runner.invoke, app, args).result()


def shot(page: Any, tmp_path: Path, name: str, element: Any = None) -> bytes:
    folder = Path(os.environ.get("SUMMARIZER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = element or page
    return bytes(target.screenshot(path=str(folder / name)))


def colours(png: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").resize((200, 120))
    return len(image.getcolors(maxcolors=200 * 120) or [])


@pytest.fixture
def eval_run(tmp_path: Path) -> Path:
    from summarizer import asummarize
    from summarizer.evaluation import evaluate

    async def fn(article: Any, schema: str, **kw: Any) -> Any:
        # A perfect model per article (the run's own backend is ignored).
        return await asummarize(article, schema, backend=reference_fake(article.id),
                                published=kw.get("published"), cache=False)

    out = tmp_path / "run"
    evaluate(ROOT / "evals", out=out, summarize_fn=fn, progress=False)
    return out


def test_the_eval_report_opens_with_fields_plots_and_a_heat_table(
        page: Any, eval_run: Path, tmp_path: Path) -> None:
    page.goto((eval_run / "report.html").as_uri())
    headings = page.locator("h2").all_inner_texts()
    assert headings[:3] == ["Per field", "Per article", "Latency"]
    fields = page.locator("table.fields").first.inner_text()
    for field in ("participants", "absentees", "appointments", "key quotes"):
        assert field in fields
    plots = page.locator("svg.plot")
    assert plots.count() == 2  # F1 bars and the latency histogram
    for i in range(2):
        box = plots.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        assert colours(shot(page, tmp_path, f"report-plot-{i}.png", plots.nth(i))) > 8
    heat = page.locator("table.heat tr")
    assert heat.count() == 1 + 10  # a header and one row per article
    assert colours(shot(page, tmp_path, "report-heat.png", page.locator("table.heat"))) > 8
    assert "None" not in page.locator("body").inner_text()
    shot(page, tmp_path, "report.png")


def test_compare_html_shows_the_deltas_per_field(page: Any, eval_run: Path,
                                                 tmp_path: Path) -> None:
    import json
    import shutil


    better = tmp_path / "better"
    shutil.copytree(eval_run, better)
    report = json.loads((better / "report.json").read_text())
    report["metrics"]["participants.f1"] += 0.2
    (better / "report.json").write_text(json.dumps(report))
    target = tmp_path / "compare.html"
    result = invoke(["eval", "compare", str(eval_run), str(better), "--html", str(target)])
    assert result.exit_code == 0, result.output
    page.goto(target.as_uri())
    assert "+0.200" in page.locator("table.fields").inner_text()
    plot = page.locator("svg.plot")
    assert plot.count() == 1
    assert colours(shot(page, tmp_path, "compare-plot.png", plot)) > 8


def test_format_html_shows_the_summary_beside_the_highlighted_article(
        page: Any, tmp_path: Path) -> None:
    with register_backend(lambda settings: True, lambda settings: reference_fake()):
        result = invoke([str(SEED), "--format", "html", "--published", "2023-11-24"])
    assert result.exit_code == 0, result.output
    target = tmp_path / "summary.html"
    target.write_text(result.stdout, encoding="utf-8")
    page.goto(target.as_uri())
    summary, article = page.locator(".summary").bounding_box(), \
        page.locator(".article").bounding_box()
    assert summary["x"] + summary["width"] <= article["x"]  # side by side
    names, quotes = page.locator(".article mark.name"), page.locator(".article mark.quote")
    assert "Vladimir Putin" in names.all_inner_texts()
    assert any(q.startswith("We will not hide the fact") for q in quotes.all_inner_texts())
    colour = "el => getComputedStyle(el).backgroundColor"
    assert names.first.evaluate(colour) != quotes.first.evaluate(colour)
    assert page.locator(".summary .none").first.inner_text() == "not stated"
    assert colours(shot(page, tmp_path, "summary.png")) > 8


def test_open_writes_the_page_and_opens_it(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    from summarizer.cli import app

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with register_backend(lambda settings: True, lambda settings: reference_fake()):
        result = runner.invoke(app, [str(SEED), "--open"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert len(opened) == 1 and opened[0].startswith("file://")
    written = Path(opened[0].removeprefix("file://"))
    assert written.parent == tmp_path and "<mark class=\"quote\">" in written.read_text()
    assert (written.stat().st_mode & 0o777) == 0o600


def test_notebook_views_share_the_stylesheet_and_say_empty_sections(seed_text: str) -> None:
    from summarizer import summarize
    from summarizer.output.page import STYLE

    brief = summarize(seed_text, backend=reference_fake(), cache=False,
                      published=dt.date(2023, 11, 24))
    view = brief._repr_html_()
    assert STYLE in view and '<mark class="name">' in view
    assert STYLE in brief.event._repr_html_() and "Minsk" in brief.event._repr_html_()
    quote = brief.key_quotes[0]._repr_html_()
    assert 'class="quote"' in quote and "✓ exact" in quote
    empty = summarize(seed_text, "appointments", backend=FakeBackend(answer=Brief(
        event=brief.event)), cache=False)
    assert "none stated" in empty._repr_html_()
