"""Showing a run: rich tables on the terminal, report.json, and comparing two runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from summarizer.errors import InputError
from summarizer.evaluation.evalrun import REPORT_HTML, REPORT_JSON
from summarizer.evaluation.metrics import LOWER_IS_BETTER, Metrics

if TYPE_CHECKING:
    from summarizer.evaluation.evalrun import EvalRun

__all__ = ["Delta", "compare", "load_report", "print_compare", "print_run", "write_report"]


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def write_report(run: EvalRun, out: Path) -> None:
    """report.json and report.html into `out` (predictions.jsonl is written by the run)."""
    from summarizer.evaluation.report_html import report_html

    out.mkdir(parents=True, exist_ok=True)
    (out / REPORT_JSON).write_text(json.dumps(run.to_json(), indent=2, ensure_ascii=False),
                                     encoding="utf-8")
    (out / REPORT_HTML).write_text(report_html(run), encoding="utf-8")


def _field_table(m: Metrics, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("field", "precision", "recall", "F1", "details"):
        table.add_column(col, justify="left" if col in ("field", "details") else "right")
    for key in ("participants", "absentees", "appointments", "key_quotes"):
        if f"{key}.f1" not in m:
            continue
        details = [f"{a.removesuffix('_accuracy')} acc {_fmt(m[f'{key}.{a}'])}"
                   for a in ("role_accuracy", "affiliation_accuracy", "organization_accuracy")
                   if f"{key}.{a}" in m]
        details.append(f"tp {m[f'{key}.tp']} fp {m[f'{key}.fp']} fn {m[f'{key}.fn']}")
        table.add_row(key, _fmt(m[f"{key}.precision"]), _fmt(m[f"{key}.recall"]),
                      _fmt(m[f"{key}.f1"]), " · ".join(details))
        if key == "key_quotes":
            table.add_row("key_quotes (attributed)", _fmt(m["key_quotes.attributed_precision"]),
                          _fmt(m["key_quotes.attributed_recall"]),
                          _fmt(m["key_quotes.attributed_f1"]), "text and speaker")
    if "event.date_accuracy" in m:
        details = [f"{k} {_fmt(m[f'event.{k}_accuracy'])}"
                   for k in ("date", "city", "country", "type", "title")]
        details.insert(1, f"date where the reference has one "
                          f"{_fmt(m.get('event.date_accuracy_dated'))}")
        details.append(f"title similarity {_fmt(m['event.title_similarity'])}")
        table.add_row("event (accuracy)", "", "", "", " · ".join(details))
    return table


def _other_lines(m: Metrics, calls: str) -> list[str]:
    lines = [
        f"schema validity {_fmt(m['schema.validity'])}",
        f"grounding: quotes verbatim {_fmt(m['grounding.quote_verbatim_rate'])}, names in "
        f"article {_fmt(m['grounding.name_grounded_rate'])}; "
        f"[bold]{m['grounding.hallucinated_names']} hallucinated names, "
        f"{m['grounding.invented_quotes']} invented quotes[/bold], "
        f"{m['grounding.overclaimed']} overclaimed groundings",
    ]
    if "confusion.absent_as_participant" in m:
        lines.append(f"confusion: {m['confusion.absent_as_participant']} absentees given as "
                     f"participants, {m['confusion.participant_as_absent']} participants "
                     "given as absentees")
    cost = m.get("cost.cost_usd")
    lines.append(
        f"latency mean {_fmt(m['cost.latency_s'])}s max {_fmt(m['cost.latency_s_max'])}s · "
        f"tokens in {m['cost.prompt_tokens']} out {m['cost.completion_tokens']} · "
        f"retries {m['cost.retries']} · cost "
        + (f"${cost:.4f}" if isinstance(cost, float | int) else "n/a"))
    lines.append(calls)
    return lines


def _article_table(run: EvalRun) -> Table:
    table = Table(title="per article", title_justify="left")
    columns = [("valid", "schema.validity"), ("particip F1", "participants.f1"),
               ("absent F1", "absentees.f1"), ("appoint F1", "appointments.f1"),
               ("quote F1", "key_quotes.f1"), ("attrib F1", "key_quotes.attributed_f1"),
               ("date", "event.date_accuracy"), ("type", "event.type_accuracy"),
               ("title sim", "event.title_similarity"),
               ("verbatim", "grounding.quote_verbatim_rate"),
               ("halluc", "grounding.hallucinated_names"), ("s", "cost.latency_s")]
    columns = [(label, key) for label, key in columns if key in run.metrics]
    table.add_column("article", overflow="fold")
    for label, _ in columns:
        table.add_column(label, justify="right")
    for score, m in zip(run.scores, run.per_article().values(), strict=True):
        row = [score.id + ("" if score.valid else f" [red]({score.error})[/red]")]
        table.add_row(*row, *(_fmt(m.get(key)) for _, key in columns))
    return table


def print_run(run: EvalRun, console: Console | None = None, *, per_article: bool = False
              ) -> None:
    """The run's metrics as tables, optionally with one row per article."""
    console = console or Console()
    title = f"{run.dataset.name}: {len(run.scores)} articles, schema {run.schema}"
    console.print(_field_table(run.metrics, title))
    for line in _other_lines(run.metrics, run.calls_summary()):
        console.print(line)
    if per_article:
        console.print(_article_table(run))
    if run.out is not None:
        console.print(f"report: {run.out / 'report.html'}")


def load_report(run: str | Path | EvalRun) -> dict[str, Any]:
    """report.json of a run directory (or the file itself, or an in-memory run)."""
    if not isinstance(run, str | Path):
        return run.to_json()
    path = Path(run)
    path = path / REPORT_JSON if path.is_dir() else path
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the run report {path}: {exc}") from None
    return data


@dataclass(frozen=True)
class Delta:
    metric: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def better(self) -> bool | None:
        """Whether B improves on A (None: unchanged or not comparable)."""
        d = self.delta
        if not d:
            return None
        lower = any(tag in self.metric for tag in LOWER_IS_BETTER)
        return (d < 0) if lower else (d > 0)


def compare(run_a: str | Path | EvalRun, run_b: str | Path | EvalRun) -> list[Delta]:
    """Per-metric values of two runs and B - A, for every metric either run reports."""
    a, b = load_report(run_a)["metrics"], load_report(run_b)["metrics"]
    names = list(dict.fromkeys([*a, *b]))
    return [Delta(n, a.get(n), b.get(n)) for n in names]


def print_compare(deltas: list[Delta], console: Console | None = None, *,
                  labels: tuple[str, str] = ("A", "B"), changed_only: bool = False) -> None:
    console = console or Console()
    table = Table(title=f"{labels[1]} vs {labels[0]}", title_justify="left")
    for col in ("metric", labels[0], labels[1], "delta"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for d in deltas:
        if changed_only and not d.delta:
            continue
        style = {True: "green", False: "red"}.get(d.better, "") if d.better is not None else ""
        whole = isinstance(d.a, int) and isinstance(d.b, int)
        delta = "–" if d.delta is None else f"{d.delta:+.0f}" if whole else f"{d.delta:+.3f}"
        table.add_row(d.metric, _fmt(d.a), _fmt(d.b), f"[{style}]{delta}[/]" if style else delta)
    console.print(table)
