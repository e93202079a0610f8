"""Notebook use: DataFrames of many summaries and of an eval, quiet progress in a kernel."""

from __future__ import annotations

import builtins
import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from summarizer import asummarize, summarize, to_dataframe

from .conftest import ROOT
from .test_pages import reference_fake


@pytest.fixture
def two_results(seed_text: str) -> list[Any]:
    first = summarize(seed_text, backend=reference_fake(), cache=False,
                      published=dt.date(2023, 11, 24))
    second = summarize(seed_text, backend=reference_fake(), cache=False)
    return [first, second]


def test_one_row_per_person_across_results(two_results: list[Any]) -> None:
    frame = to_dataframe(two_results, "participants")
    assert len(frame) == 2 * len(two_results[0].participants)
    putin = frame[frame["name"] == "Vladimir Putin"].iloc[0]
    assert putin["role"] == "President" and putin["status"] == "exact"
    assert (putin["start"], putin["end"]) == (274, 288)
    quotes = to_dataframe(two_results, "quotes")
    assert list(quotes.columns) == ["source", "speaker", "text", "status", "start", "end"]
    assert len(quotes) == 10
    events = to_dataframe(two_results, "event")
    assert list(events["city"]) == ["Minsk", "Minsk"]


def test_batch_records_make_the_same_frame(two_results: list[Any], tmp_path: Path) -> None:
    records = [{"status": "ok", "result": r.model_dump(mode="json")} for r in two_results]
    records.append({"status": "error", "result": None, "error": {"type": "InputError"}})
    lines = [json.loads(json.dumps(r)) for r in records]
    assert to_dataframe(lines, "absentees").equals(to_dataframe(two_results, "absentees"))


def test_an_eval_frame_has_one_row_per_article_and_field() -> None:
    from summarizer import evaluate

    async def fn(article: Any, schema: str, **kw: Any) -> Any:
        # A perfect model per article (the run's own backend is ignored).
        return await asummarize(article, schema, backend=reference_fake(article.id),
                                published=kw.get("published"), cache=False)

    run = evaluate(ROOT / "evals", summarize_fn=fn, progress=False, limit=3)
    frame = run.to_dataframe()
    assert frame.index.names == ["article", "field"]
    assert frame.loc[("csto_minsk_summit", "participants"), "f1"] == 1.0
    assert frame.loc[("csto_minsk_summit", "event.date"), "accuracy"] == 1.0
    assert len(frame.index.get_level_values("article").unique()) == 3


class ZMQInteractiveShell:  # what rich looks for to decide it runs in a Jupyter kernel
    pass


def test_progress_bars_in_a_kernel_need_no_ipywidgets(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    import asyncio

    from summarizer import evaluate
    from summarizer.batch.runner import run_batch
    from summarizer.settings import Settings

    monkeypatch.setattr(builtins, "get_ipython", ZMQInteractiveShell, raising=False)

    async def fn(article: Any, schema: str, **kw: Any) -> Any:
        # A perfect model per article (the run's own backend is ignored).
        return await asummarize(article, schema, backend=reference_fake(article.id),
                                published=kw.get("published"), cache=False)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rich warns 'install "ipywidgets"' in a kernel
        evaluate(ROOT / "evals", summarize_fn=fn, progress=True, limit=2)
        asyncio.run(run_batch([str(ROOT / "evals/articles/csto_minsk_summit.txt")],
                              tmp_path / "r.jsonl", schema="brief", settings=Settings(),
                              backend=reference_fake(), progress=True))
