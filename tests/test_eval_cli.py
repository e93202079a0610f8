"""`summarize eval` end to end with a fake summarizer (no model): runs, cache, gates,
reports, rescore and compare."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from summarizer.cache import Cache
from summarizer.cli import evals as cli_eval
from summarizer.errors import SummarizerError
from summarizer.evaluation import evaluate, load_dataset
from summarizer.evaluation import runner as runner_module
from summarizer.schemas import Brief

ROOT = Path(__file__).resolve().parents[1]
IDS = ("caspian_ministers_aktau", "greyhaven_ferry_order", "valletta_trade_ministers")


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Three articles of the repo's dataset: quick, and independent of later additions."""
    root = tmp_path / "ds"
    for sub, ext in (("articles", "txt"), ("references", "yaml")):
        (root / sub).mkdir(parents=True)
        for i in IDS:
            shutil.copy(ROOT / "evals" / sub / f"{i}.{ext}", root / sub / f"{i}.{ext}")
    return root


def make_fake(dataset: Path, *, drop_participants: bool = False,
              fail: str | None = None) -> Callable[..., Brief]:
    """A stand-in for `summarize`: answers with the reference, honours the cache."""
    refs = {item.id: item.reference for item in load_dataset(dataset)}

    def fake(article: Any, schema: str = "brief", *, settings: Any = None,
             published: Any = None, cache: Cache | None = None) -> Brief:
        if article.id == fail:
            raise RuntimeError("backend exploded")
        key = Cache.key(text=article.text, schema=schema, settings=settings,
                        variant=drop_participants)
        hit = cache.get(key) if cache else None
        if hit is not None:
            return Brief.model_validate({**hit, "meta": {**hit["meta"], "cached": True}})
        data = refs[article.id].as_prediction()
        if drop_participants:
            data["participants"] = []
        data["meta"] = {"schema_name": schema, "backend": "fake", "model": "fake-1",
                        "usage": {"calls": 5, "prompt_tokens": 900, "completion_tokens": 120},
                        "latency_s": 0.01}
        result = Brief.model_validate(data)
        if cache:
            cache.put(key, result.model_dump(mode="json"))
        return result

    return fake


def invoke(args: list[str]) -> Result:
    """Run `eval ...` mounted in a throwaway app, mapping errors to exit codes like `main`."""
    main = typer.Typer()

    @main.callback()
    def _root() -> None:
        pass

    main.add_typer(cli_eval.app, name="eval")
    result = CliRunner().invoke(main, ["eval", *args], env={"COLUMNS": "200"})
    if isinstance(result.exception, SummarizerError):
        result.exit_code = result.exception.exit_code
    return result


@pytest.fixture
def use_fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))

    def install(fn: Callable[..., Brief]) -> None:
        monkeypatch.setattr(runner_module, "default_summarize_fn", lambda: fn)

    return install


def test_second_run_makes_no_model_calls(dataset: Path, tmp_path: Path,
                                         use_fake: Callable[..., None]) -> None:
    use_fake(make_fake(dataset))
    first = invoke([str(dataset), "--out", str(tmp_path / "r1"), "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "15 model calls (0 of 3 articles from cache)" in first.output
    assert "participants" in first.output
    second = invoke([str(dataset), "--out", str(tmp_path / "r2"), "--no-progress"])
    assert second.exit_code == 0, second.output
    assert "0 model calls (all 3 from cache)" in second.output
    uncached = invoke([str(dataset), "--out", str(tmp_path / "r3"), "--no-cache",
                       "--no-progress"])
    assert "15 model calls" in uncached.output


def test_run_writes_predictions_json_and_highlighted_html(
        dataset: Path, tmp_path: Path, use_fake: Callable[..., None]) -> None:
    use_fake(make_fake(dataset))
    out = tmp_path / "run"
    result = invoke([str(dataset), "--out", str(out), "--per-article", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "caspian_ministers_aktau" in result.output  # the per-article table
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in records] == sorted(IDS)
    report = json.loads((out / "report.json").read_text())
    assert report["metrics"]["participants.f1"] == 1.0
    assert report["metrics"]["cost.prompt_tokens"] == 2700
    html = (out / "report.html").read_text()
    assert '<mark class="quote">Our order book was thin a year ago. It is not thin now</mark>' \
        in html
    assert '<mark class="name">Daniyar Seitkali</mark>' in html
    # The quote running across two paragraphs is highlighted as one span.
    assert '<mark class="quote">These ships will carry' in html


def test_fail_under_exits_7_and_names_the_metric(dataset: Path, tmp_path: Path,
                                                 use_fake: Callable[..., None]) -> None:
    use_fake(make_fake(dataset, drop_participants=True))
    result = invoke([str(dataset), "--out", str(tmp_path / "r"), "--no-progress",
                     "--fail-under", "participants.f1=0.8",
                     "--fail-under", "key_quotes.attributed_f1=0.9"])
    assert result.exit_code == 7
    assert "participants.f1 = 0.000 < 0.8" in result.output
    assert "attributed_f1 =" not in result.output  # that one passed
    passing = invoke([str(dataset), "--out", str(tmp_path / "r2"), "--no-progress",
                      "--fail-under", "grounding.quote_verbatim_rate=1"])
    assert passing.exit_code == 0


def test_unknown_gate_metric_is_a_usage_error_before_any_work(
        dataset: Path, use_fake: Callable[..., None]) -> None:
    calls: list[Any] = []
    use_fake(lambda *a, **k: calls.append(a))
    result = invoke([str(dataset), "--fail-under", "participants.f2=0.5"])
    assert result.exit_code == 2
    assert calls == []


def test_a_failing_article_is_recorded_and_the_run_goes_on(
        dataset: Path, tmp_path: Path, use_fake: Callable[..., None]) -> None:
    use_fake(make_fake(dataset, fail="greyhaven_ferry_order"))
    result = invoke([str(dataset), "--out", str(tmp_path / "r"), "--no-progress",
                     "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["metrics"]["schema.validity"] == pytest.approx(2 / 3)
    failed = [a for a in report["articles"] if not a["valid"]]
    assert [a["id"] for a in failed] == ["greyhaven_ferry_order"]
    assert "backend exploded" in failed[0]["error"]


def test_rescore_needs_no_model_and_compare_prints_deltas(
        dataset: Path, tmp_path: Path, use_fake: Callable[..., None]) -> None:
    use_fake(make_fake(dataset))
    good = evaluate(dataset, out=tmp_path / "good", progress=False, cache=False)
    use_fake(make_fake(dataset, drop_participants=True))
    bad = evaluate(dataset, out=tmp_path / "bad", progress=False, cache=False)
    assert good.model_calls == 15 and bad.metrics["participants.f1"] == 0.0

    def no_model(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("rescore must not call the model")

    use_fake(no_model)
    rescored = invoke(["rescore", str(tmp_path / "good"), "--format", "json"])
    assert rescored.exit_code == 0, rescored.output
    assert json.loads(rescored.stdout)["metrics"]["participants.f1"] == 1.0
    table = invoke(["rescore", str(tmp_path / "good")])
    assert "0 model calls (re-scored 3 stored predictions" in table.output
    gated = invoke(["rescore", str(tmp_path / "bad"), "--fail-under", "participants.f1=0.5"])
    assert gated.exit_code == 7

    compared = invoke(["compare", str(tmp_path / "good"), str(tmp_path / "bad")])
    assert compared.exit_code == 0, compared.output
    line = next(x for x in compared.output.splitlines() if "participants.f1" in x)
    assert "1.000" in line and "0.000" in line and "-1.000" in line
    as_json = json.loads(invoke(["compare", str(tmp_path / "good"), str(tmp_path / "bad"),
                                 "--format", "json"]).stdout)
    delta = next(d for d in as_json if d["metric"] == "participants.recall")
    assert delta["delta"] == -1.0


def test_eval_run_in_a_notebook(dataset: Path, use_fake: Callable[..., None]) -> None:
    use_fake(make_fake(dataset))
    run = evaluate(dataset, progress=False, cache=False, limit=2)
    frame = run.to_dataframe("article")
    assert list(frame.index) == sorted(IDS)[:2]
    assert (frame["participants.f1"] == 1.0).all()
    assert "participants.f1" in run._repr_html_()


def test_the_runner_drives_the_real_pipeline_interface(dataset: Path) -> None:
    """The runner's call matches `summarizer.summarize`; backend failures become records."""
    from functools import partial

    from summarizer.backends import FakeBackend
    from summarizer.errors import InvalidOutput
    from summarizer.pipeline import summarize

    backend = FakeBackend().enqueue(*[InvalidOutput("not JSON")] * 50)
    run = evaluate(dataset, summarize_fn=partial(summarize, backend=backend), cache=False,
                   progress=False)
    assert backend.calls, "the pipeline was never reached"
    assert run.metrics["schema.validity"] == 0.0
    assert all(s.error and "not JSON" in s.error for s in run.scores)
