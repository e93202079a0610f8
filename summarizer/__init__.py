"""summarizer: structured, verifiable summaries of news articles.

    from summarizer import summarize
    brief = summarize(open("article.txt").read(), published=datetime.date(2023, 11, 24))
    brief.event.date, brief.key_quotes[0].grounding

The public API is pinned by tests/test_public_api.py: change it on purpose only.
"""

from typing import TYPE_CHECKING

from summarizer.errors import (
    BackendError,
    ConfigError,
    InputError,
    InvalidOutput,
    SummarizerError,
)
from summarizer.settings import Settings

if TYPE_CHECKING:
    from summarizer.article import Article
    from summarizer.backends import FakeBackend
    from summarizer.cache import Cache
    from summarizer.pipeline import asummarize, summarize
    from summarizer.schemas import (
        Absentee,
        AbsenteesResult,
        Appointment,
        AppointmentsResult,
        Brief,
        Event,
        EventResult,
        Grounding,
        KeyQuote,
        Location,
        Participant,
        ParticipantsResult,
        QuotesResult,
    )

# Imported on first use: the result models need pydantic (~0.1 s), reading articles ftfy
# and charset-normalizer, the backends and the pipeline more (~0.3 s together), and
# `summarize --help` needs none of them (benchmarks/startup.sh).
_SCHEMAS = ("Absentee", "AbsenteesResult", "Appointment", "AppointmentsResult", "Brief",
            "Event", "EventResult", "Grounding", "KeyQuote", "Location", "Participant",
            "ParticipantsResult", "QuotesResult")
_LAZY = {"Article": "summarizer.article", "FakeBackend": "summarizer.backends",
         "Cache": "summarizer.cache", "asummarize": "summarizer.pipeline",
         "summarize": "summarizer.pipeline", **dict.fromkeys(_SCHEMAS, "summarizer.schemas")}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    # The eval harness pulls in scipy and pandas: import it only when asked for.
    if name in ("evaluate", "EvalRun"):
        from summarizer import evaluation

        return getattr(evaluation, name)
    if name == "to_dataframe":  # pandas is optional: imported when a frame is asked for
        from summarizer.output.frames import to_dataframe

        return to_dataframe
    raise AttributeError(f"module 'summarizer' has no attribute {name!r}")


__all__ = [
    "Absentee",
    "AbsenteesResult",
    "Appointment",
    "AppointmentsResult",
    "Article",
    "BackendError",
    "Brief",
    "Cache",
    "ConfigError",
    "EvalRun",
    "Event",
    "EventResult",
    "FakeBackend",
    "Grounding",
    "InputError",
    "InvalidOutput",
    "KeyQuote",
    "Location",
    "Participant",
    "ParticipantsResult",
    "QuotesResult",
    "Settings",
    "SummarizerError",
    "asummarize",
    "evaluate",
    "summarize",
    "to_dataframe",
]
