"""`summarize eval` end to end with a perfect fake model (FakeBackend answering the
references) or the fake server: runs, cache, gates, reports, rescore and compare,
concurrency, the predictions' record format, resuming an interrupted run."""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from summarizer.backends import FakeBackend, use_backend
from summarizer.cli import evals as cli_eval
from summarizer.errors import SummarizerError
from summarizer.evaluation import evaluate, rescore
from tests.references import reference_backend

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
def use_fake() -> Iterator[Callable[..., FakeBackend]]:
    """The CLI's backend becomes `reference_backend(dataset, ...)` (a perfect model)."""
    with contextlib.ExitStack() as stack:

        def install(dataset: Path, **kwargs: Any) -> FakeBackend:
            stack.close()  # the latest install wins
            backend = reference_backend(dataset, **kwargs)
            stack.enter_context(use_backend(backend))
            return backend

        yield install


def test_second_run_makes_no_model_calls(dataset: Path, tmp_path: Path,
                                         use_fake: Callable[..., FakeBackend]) -> None:
    backend = use_fake(dataset)
    first = invoke([str(dataset), "--out", str(tmp_path / "r1"), "--no-progress"])
    assert first.exit_code == 0, first.output
    calls = len(backend.calls)
    assert calls > 0
    assert f"{calls} model calls (0 of 3 articles from cache)" in first.output
    assert "participants" in first.output
    second = invoke([str(dataset), "--out", str(tmp_path / "r2"), "--no-progress"])
    assert second.exit_code == 0, second.output
    assert "0 model calls (all 3 from cache)" in second.output
    assert len(backend.calls) == calls
    uncached = invoke([str(dataset), "--out", str(tmp_path / "r3"), "--no-cache",
                       "--no-progress"])
    assert f"{calls} model calls" in uncached.output
    assert len(backend.calls) == 2 * calls


def test_run_writes_predictions_json_and_highlighted_html(
        dataset: Path, tmp_path: Path, use_fake: Callable[..., FakeBackend]) -> None:
    use_fake(dataset)
    out = tmp_path / "run"
    result = invoke([str(dataset), "--out", str(out), "--per-article", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "caspian_ministers_aktau" in result.output  # the per-article table
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in records) == sorted(IDS)  # in the order they finished
    for record in records:  # the batch record, as README and summarizer/batch/runner.py say
        assert list(record) == ["id", "source", "text_sha256", "status", "schema", "result",
                                "error", "finished_at"]
        assert record["status"] == "ok" and record["error"] is None
        assert record["schema"] == "brief"
        assert record["source"] == str(dataset / "articles" / f"{record['id']}.txt")
        assert set(record["result"]) == {"event", "participants", "absentees", "appointments",
                                         "key_quotes", "meta"}
        assert record["result"]["meta"]["backend"] == "fake"
    report = json.loads((out / "report.json").read_text())
    assert report["metrics"]["participants.f1"] == 1.0
    assert report["metrics"]["cost.prompt_tokens"] > 0
    html = (out / "report.html").read_text()
    assert '<mark class="quote">Our order book was thin a year ago. It is not thin now</mark>' \
        in html
    assert '<mark class="name">Daniyar Seitkali</mark>' in html
    # The quote running across two paragraphs is highlighted as one span.
    assert '<mark class="quote">These ships will carry' in html


def test_fail_under_exits_7_and_names_the_metric(dataset: Path, tmp_path: Path,
                                                 use_fake: Callable[..., FakeBackend]) -> None:
    use_fake(dataset, drop=["participants"])
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
        dataset: Path, use_fake: Callable[..., FakeBackend]) -> None:
    backend = use_fake(dataset)
    result = invoke([str(dataset), "--fail-under", "participants.f2=0.5"])
    assert result.exit_code == 2
    assert backend.calls == []


def test_a_failing_article_is_recorded_and_the_run_goes_on(
        dataset: Path, tmp_path: Path, use_fake: Callable[..., FakeBackend]) -> None:
    use_fake(dataset, fail="greyhaven_ferry_order")
    result = invoke([str(dataset), "--out", str(tmp_path / "r"), "--no-progress",
                     "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["metrics"]["schema.validity"] == pytest.approx(2 / 3)
    failed = [a for a in report["articles"] if not a["valid"]]
    assert [a["id"] for a in failed] == ["greyhaven_ferry_order"]
    assert "backend exploded" in failed[0]["error"]


def test_rescore_needs_no_model_and_compare_prints_deltas(
        dataset: Path, tmp_path: Path, use_fake: Callable[..., FakeBackend]) -> None:
    model = reference_backend(dataset)
    good = evaluate(dataset, out=tmp_path / "good", progress=False, cache=False,
                    backend=model)
    bad = evaluate(dataset, out=tmp_path / "bad", progress=False, cache=False,
                   backend=reference_backend(dataset, drop=["participants"]))
    assert good.model_calls == len(model.calls) > 0
    assert bad.metrics["participants.f1"] == 0.0
    no_model = use_fake(dataset)
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
    assert no_model.calls == []


def test_eval_run_in_a_notebook(dataset: Path) -> None:
    run = evaluate(dataset, progress=False, cache=False, limit=2,
                   backend=reference_backend(dataset))
    frame = run.to_dataframe("article")
    assert list(frame.index) == sorted(IDS)[:2]
    assert (frame["participants.f1"] == 1.0).all()
    assert "participants.f1" in run._repr_html_()


def test_the_runner_drives_the_real_pipeline_interface(dataset: Path) -> None:
    """The run's backend is the one passed; its failures become records, scored invalid."""
    from summarizer.errors import InvalidOutput

    backend = FakeBackend().enqueue(*[InvalidOutput("not JSON")] * 50)
    run = evaluate(dataset, backend=backend, cache=False, progress=False)
    assert backend.calls, "the pipeline was never reached"
    assert run.metrics["schema.validity"] == 0.0
    assert all(s.error and "not JSON" in s.error for s in run.scores)


def _scores(run: Any) -> dict[str, Any]:
    """What two runs of the same answers must share: all but the time measurements."""
    return {k: v for k, v in run.metrics.items() if "latency" not in k}


def test_eval_against_a_server_at_concurrency_4_scores_like_sequential(
        dataset: Path, server: Any) -> None:
    from summarizer.settings import Settings

    server.latency = 0.2
    settings = Settings(base_url=server.base_url, model="fake-model", api_key="sk-test")
    one = evaluate(dataset, settings=settings, concurrency=1, cache=False, progress=False)
    sequential = server.chat_requests()
    assert one.model_calls == len(sequential) > 0
    four = evaluate(dataset, settings=settings, concurrency=4, cache=False, progress=False)
    concurrent = server.chat_requests()[len(sequential):]
    # Articles in flight together: more requests at once than one article makes.
    assert server.max_overlap(concurrent) > server.max_overlap(sequential)
    assert four.model_calls == len(concurrent) == len(sequential)
    assert _scores(four) == _scores(one)
    assert [s.to_dict()["lists"] for s in four.scores] == \
        [s.to_dict()["lists"] for s in one.scores]


def test_the_eval_command_takes_concurrency(dataset: Path, tmp_path: Path,
                                            server: Any) -> None:
    server.latency = 0.2
    result = invoke([str(dataset), "--base-url", server.base_url, "--model", "fake-model",
                     "--concurrency", "3", "--no-cache", "--no-progress",
                     "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    requests = server.chat_requests()
    per_article = [server.max_overlap([r for r in requests if any(
        opening in m["content"] for m in r.body["messages"])]) for opening in _openings(dataset)]
    assert min(per_article) >= 1 and server.max_overlap() > max(per_article)


def _openings(dataset: Path) -> list[str]:
    return [(dataset / "articles" / f"{i}.txt").read_text().strip()[:60] for i in IDS]


def test_an_interrupted_eval_resumes_without_redoing_finished_articles(
        dataset: Path, tmp_path: Path, server: Any) -> None:
    import signal

    from summarizer.settings import Settings
    from tests.fakeserver import default_answer

    out = tmp_path / "run"
    last = sorted(IDS)[-1]
    opening = (dataset / "articles" / f"{last}.txt").read_text().strip()[:200]

    def about(request: Any, text: str) -> bool:
        return any(text in m["content"] for m in request.body["messages"])

    pressed: list[bool] = []

    def ctrl_c(body: dict[str, Any]) -> dict[str, Any]:
        if not pressed and any(opening in m["content"] for m in body["messages"]):
            pressed.append(True)  # Ctrl-C while the last article's request is in flight
            signal.raise_signal(signal.SIGINT)
            time.sleep(0.5)
        return default_answer(body)

    server.answer = ctrl_c
    settings = Settings(base_url=server.base_url, model="fake-model", api_key="sk-test")
    with pytest.raises(KeyboardInterrupt):
        evaluate(dataset, settings=settings, out=out, cache=False, progress=False,
                 concurrency=1)
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert sorted(json.loads(x)["id"] for x in lines) == sorted(IDS)[:-1]

    before = len(server.chat_requests())
    run = evaluate(dataset, settings=settings, out=out, cache=False, progress=False,
                   concurrency=1)
    redone = server.chat_requests()[before:]
    assert redone and all(about(r, opening) for r in redone)  # only the unfinished article
    assert [s.id for s in run.scores] == sorted(IDS) and all(s.valid for s in run.scores)
    assert len((out / "predictions.jsonl").read_text().splitlines()) == len(IDS)
    assert "2 of 3 articles finished by an earlier run" in run.calls_summary()
    fresh = evaluate(dataset, settings=settings, cache=False, progress=False)
    assert _scores(run) == _scores(fresh)


def test_rescore_reads_predictions_written_before_the_batch_format(
        dataset: Path, tmp_path: Path) -> None:
    """A run directory from before eval ran on the batch runner still re-scores."""
    out = tmp_path / "old"
    run = evaluate(dataset, out=out, cache=False, progress=False,
                   backend=reference_backend(dataset, fail="greyhaven_ferry_order"))
    old_lines = []
    for record in map(json.loads, (out / "predictions.jsonl").read_text().splitlines()):
        result = record["result"] or {}
        meta = result.pop("meta", None)
        error = record["error"]
        old_lines.append(json.dumps({
            "id": record["id"], "schema": record["schema"], "prediction": result or None,
            "meta": meta, "error": error and error["message"],
            "error_type": error and error["type"],
            "latency_s": (meta or {}).get("latency_s", 0.0)}))
    (out / "predictions.jsonl").write_text("\n".join(old_lines) + "\n")
    again = rescore(out, write=False)
    assert again.metrics == run.metrics
    assert [s.error for s in again.scores] == [s.error for s in run.scores]
    assert "backend exploded" in (again.scores[1].error or "")


def test_a_run_directory_is_not_resumed_with_another_model(dataset: Path,
                                                           tmp_path: Path) -> None:
    from summarizer.errors import ConfigError

    out = tmp_path / "run"
    evaluate(dataset, out=out, cache=False, progress=False, backend=reference_backend(dataset))
    other = reference_backend(dataset)
    other.model = "another-model"
    with pytest.raises(ConfigError, match="resuming it would mix the two"):
        evaluate(dataset, out=out, cache=False, progress=False, backend=other)
    assert other.calls == []
