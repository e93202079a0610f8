"""Ray Data path: a local 2-CPU cluster maps the summarizer over a few articles."""

from __future__ import annotations

import json

import pytest

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests.fakeserver import FakeServer, Reply
except ImportError:  # pragma: no cover
    from fakeserver import FakeServer, Reply  # type: ignore[no-redef]

from summarizer.settings import Settings

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

pytestmark = [pytest.mark.ray, pytest.mark.server]

KEY = "sk-SENTINEL-do-not-leak-12345"


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    yield
    ray.shutdown()


def test_summarize_dataset_gives_one_batch_record_per_row(cluster):
    from summarizer.batch.distributed import RECORD_COLUMNS, summarize_dataset
    from summarizer.batch.records import make_record

    rows = [{"id": f"a{i}", "text": f"Ministers met in Aktau on Thursday for round {i}.",
             "published": "2023-11-24"} for i in range(4)]
    rows.append({"id": "blank", "text": "   ", "published": None})
    with FakeServer() as server:
        server.script(Reply.ok(), Reply.error(401))  # one article is refused
        settings = Settings.from_env(base_url=server.base_url, model="fake-model",
                                     api_key=KEY, timeout=5.0, max_retries=0)
        out = summarize_dataset(ray.data.from_items(rows), schema="event",
                                settings=settings, concurrency=2).take_all()
        assert server.count() == 4  # the blank row never reached the model
        assert server.chat_requests()[0].headers["authorization"] == f"Bearer {KEY}"

    by_id = {r["id"]: r for r in out}
    assert sorted(by_id) == ["a0", "a1", "a2", "a3", "blank"]
    # The same record shape as a local batch writes.
    assert tuple(by_id["a0"]) == tuple(make_record(id="x", source=None, text_sha256=None,
                                                   schema="event"))
    assert set(RECORD_COLUMNS) == set(by_id["a0"])
    statuses = sorted(r["status"] for r in out)
    assert statuses == ["error", "error", "ok", "ok", "ok"]
    errors = sorted(r["error"]["type"] for r in out if r["status"] == "error")
    assert errors == ["AuthenticationError", "EmptyInputError"]
    ok = [r for r in out if r["status"] == "ok"]
    assert all(r["result"]["event"]["title"] for r in ok)
    assert all(r["result"]["meta"]["published"] is not None for r in ok)
    assert all(len(r["text_sha256"]) == 64 for r in ok)
    assert KEY not in json.dumps(out, default=str)


async def test_an_actor_streams_its_rows_through_the_text_workers_in_row_order(
        server, monkeypatch: pytest.MonkeyPatch) -> None:
    # The actor's callable itself, on this event loop (no cluster): each row's text is
    # analysed ahead of its request, and the records come back in the rows' order.
    import pyarrow as pa

    from summarizer.batch.distributed import _Summarizer

    from .test_batch_workers import texts_taken_from_prefetch

    monkeypatch.setenv("SUMMARIZER_TEXT_WORKERS", "1")  # the actor sets it: put it back
    taken = texts_taken_from_prefetch(monkeypatch)
    server.latency = 0.05
    rows = [{"id": f"a{i}", "text": f"Ministers met in Aktau on Thursday for round {i}."}
            for i in range(6)]
    rows.insert(3, {"id": "blank", "text": ""})
    settings = Settings.from_env(base_url=server.base_url, model="fake-model", api_key=KEY,
                                 timeout=5.0, max_retries=0)
    actor = _Summarizer("event", settings, concurrency=3, text_workers=1)
    out = (await actor(pa.Table.from_pylist(rows))).to_pylist()
    assert [r["id"] for r in out] == [row["id"] for row in rows]
    assert [r["status"] for r in out] == ["ok"] * 3 + ["error"] + ["ok"] * 3
    assert sorted(taken) == sorted(row["text"] for row in rows if row["text"])
    assert server.count() == 6
