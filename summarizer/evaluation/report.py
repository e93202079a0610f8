"""Showing a run: rich tables on the terminal, report.json, and comparing two runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from summarizer.errors import InputError
from summarizer.evaluation.evalrun import REPORT_HTML, REPORT_JSON, split_result
from summarizer.evaluation.metrics import LOWER_IS_BETTER, Metrics

if TYPE_CHECKING:
    from summarizer.evaluation.evalrun import EvalRun

__all__ = ["STAGES", "Delta", "compare", "load_report", "print_compare", "print_run",
           "stage_timings", "write_report"]

# Where an article's time goes (`meta.timings`), in pipeline order: waiting for a text
# worker, the text stage as the pipeline saw it (the worker's parse_s and candidates_s,
# plus the hand-over), the model calls, and assembling the grounded items.
STAGES = ("text_wait_s", "text_s", "parse_s", "candidates_s", "calls_s", "assemble_s")
STAGE_LABELS = {"text_wait_s": "wait for a text worker", "text_s": "text stage",
                "parse_s": "spaCy parse", "candidates_s": "candidates",
                "calls_s": "model calls", "assemble_s": "assemble"}
# Stages that make up an article's own time (parse and candidates are inside text_s).
_EXCLUSIVE = ("text_wait_s", "text_s", "calls_s", "assemble_s")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def stage_timings(records: list[dict[str, Any]], slowest: int = 5) -> dict[str, Any]:
    """Per-stage medians, maxima and totals over the records' `meta.timings`, and the
    `slowest` articles with their breakdown and the stage that took the most (`why`).

    Records without timings (errors, cached results, older runs) are left out; `n` says
    how many counted.
    """
    rows: list[dict[str, Any]] = []
    for record in records:
        meta = split_result(record)[1]
        t = meta.get("timings")
        if not isinstance(t, dict) or not t:
            continue
        calls = [c for c in t.get("calls") or [] if isinstance(c, dict)]
        stages = {k: float(t.get(k) or 0.0) for k in STAGES if k != "calls_s"}
        stages["calls_s"] = round(sum(float(c.get("s") or 0.0) for c in calls), 4)
        total = meta.get("latency_s")
        total = float(total) if isinstance(total, int | float) else sum(
            stages[k] for k in _EXCLUSIVE)
        rows.append({"id": record.get("id") or meta.get("source"), "total_s": round(total, 4),
                     "chars": meta.get("chars"), "stages": stages, "calls": calls,
                     "why": max(_EXCLUSIVE, key=lambda k: stages[k])})
    summary: dict[str, Any] = {"n": len(rows), "stages": {}, "slowest": []}
    if not rows:
        return summary
    for key in ("total_s", *STAGES):
        values = [r["total_s"] if key == "total_s" else r["stages"][key] for r in rows]
        summary["stages"][key] = {"median": round(_median(values), 4),
                                  "max": round(max(values), 4),
                                  "total": round(sum(values), 4)}
    summary["slowest"] = sorted(rows, key=lambda r: -r["total_s"])[:slowest]
    return summary


def write_report(run: EvalRun, out: Path) -> None:
    """report.json and report.html into `out` (predictions.jsonl is written by the run)."""
    from summarizer.evaluation.report_html import report_html

    out.mkdir(parents=True, exist_ok=True)
    data = {**run.to_json(), "timings": stage_timings(run.records)}
    (out / REPORT_JSON).write_text(json.dumps(data, indent=2, ensure_ascii=False),
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


def _timing_tables(timings: dict[str, Any]) -> list[Table]:
    """Time per stage (median, max, total) and the slowest articles, stage by stage."""
    if not timings.get("n"):
        return []
    stages = Table(title=f"time per stage (s), {timings['n']} articles timed",
                   title_justify="left")
    for col in ("stage", "median", "max", "total"):
        stages.add_column(col, justify="left" if col == "stage" else "right")
    for key, values in timings["stages"].items():
        label = "article (all)" if key == "total_s" else STAGE_LABELS[key]
        if key in ("parse_s", "candidates_s"):
            label = "  of which " + label
        stages.add_row(label, *(f"{values[k]:.3f}" for k in ("median", "max", "total")))
    slow = Table(title="slowest articles (s): wait for a text worker, text stage (of which "
                       "spaCy parse, candidates), model calls, assemble",
                 title_justify="left")
    slow.add_column("article", overflow="fold")
    short = {"text_wait_s": "wait", "text_s": "text", "parse_s": "parse",
             "candidates_s": "cands", "calls_s": "calls", "assemble_s": "assemble"}
    for col in ("total", "chars", *(short[k] for k in STAGES), "most time in"):
        slow.add_column(col, justify="left" if col == "most time in" else "right")
    for row in timings["slowest"]:
        calls = ", ".join(f"{c.get('part')} {float(c.get('s') or 0):.2f}" for c in row["calls"])
        why = STAGE_LABELS[row["why"]] + (f" ({calls})" if row["why"] == "calls_s" else "")
        slow.add_row(str(row["id"]), f"{row['total_s']:.3f}", _fmt(row["chars"]),
                     *(f"{row['stages'][k]:.3f}" for k in STAGES), why)
    return [stages, slow]


def print_run(run: EvalRun, console: Console | None = None, *, per_article: bool = False
              ) -> None:
    """The run's metrics as tables, optionally with one row per article."""
    console = console or Console()
    title = f"{run.dataset.name}: {len(run.scores)} articles, schema {run.schema}"
    console.print(_field_table(run.metrics, title))
    for line in _other_lines(run.metrics, run.calls_summary()):
        console.print(line)
    for table in _timing_tables(stage_timings(run.records)):
        console.print(table)
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
