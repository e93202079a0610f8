"""`summarize eval`: run and score an evaluation dataset, compare runs, re-score a run.

Mounted by the main CLI with `main_app.add_typer(cli_eval.app, name="eval")`. Because the
group routes an unknown first argument to `run`, both `summarize eval DATASET` and
`summarize eval compare RUN_A RUN_B` work.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from summarizer.cli.common import HELP_OPTIONS, DefaultCommandGroup
from summarizer.errors import GateFailed, SummarizerError
from summarizer.evaluation.metrics import LOWER_IS_BETTER, check_gates, metric_names, parse_gate
from summarizer.evaluation.report import compare, print_compare, print_run
from summarizer.evaluation.runner import EvalRun, evaluate, rescore

__all__ = ["app"]

_GATE_HELP = (
    "Fail (exit 7) when FIELD.METRIC is below VALUE, e.g. participants.f1=0.8; repeatable. "
    "The metric names are listed at the end of `summarize eval --help`."
)


def metrics_epilog(schema: str = "brief", width: int = 78) -> str:
    """The metric names a gate takes, whole, a few per line (click's \\b: no rewrapping)."""
    names = [n for n in metric_names(schema) if not any(t in n for t in LOWER_IS_BETTER)]
    lines: list[str] = []
    for field in dict.fromkeys(n.split(".")[0] for n in names):
        line = " "
        for name in (n for n in names if n.split(".")[0] == field):
            if len(line) + len(name) + 2 > width:
                lines.append(line)
                line = " "
            line += " " + name
        lines.append(line)
    return ("\b\nMetrics for --fail-under FIELD.METRIC=VALUE (schema brief):\n"
            + "\n".join(lines))

app = typer.Typer(
    cls=DefaultCommandGroup,
    help="Evaluate the summarizer on a dataset (DATASET/articles/*.txt + "
    "DATASET/references/*.yaml) and compare runs. `summarize eval DATASET` runs `run`.",
    no_args_is_help=False,
    add_completion=False,
    context_settings=HELP_OPTIONS,
    epilog=metrics_epilog(),
    rich_markup_mode=None,
)


class Format(StrEnum):
    table = "table"
    json = "json"


FailUnder = Annotated[list[str] | None, typer.Option("--fail-under", metavar="FIELD.METRIC=VALUE",
                                                     help=_GATE_HELP)]
PerArticle = Annotated[bool, typer.Option("--per-article", help="Also one row per article.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table or json (stdout).")]


@contextmanager
def _exit_codes() -> Iterator[None]:
    """Our errors become their exit codes (7 for a failed gate), with message and hint."""
    try:
        yield
    except SummarizerError as exc:
        err = Console(stderr=True)
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        if exc.hint:
            err.print(f"hint: {exc.hint}", highlight=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def _gates(values: list[str] | None, schema: str) -> dict[str, float]:
    """Parse --fail-under before any work: a typo must not cost a whole run."""
    gates: dict[str, float] = {}
    known = metric_names(schema)
    for text in values or []:
        try:
            name, value = parse_gate(text)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--fail-under") from None
        if name not in known:
            raise typer.BadParameter(
                f"unknown metric {name!r} for schema {schema!r}; known: {', '.join(known)}",
                param_hint="--fail-under")
        gates[name] = value
    return gates


def _finish(run: EvalRun, fmt: Format, per_article: bool, gates: dict[str, float]) -> None:
    err = Console(stderr=True)
    if fmt is Format.json:
        typer.echo(json.dumps(run.to_json(), indent=2, ensure_ascii=False))
        err.print(run.calls_summary())
    else:
        print_run(run, Console(), per_article=per_article)
    failed = check_gates(run.metrics, gates)
    if failed:
        raise GateFailed("evaluation gate not met: " + "; ".join(failed))


@app.command("run", help="Summarize every article of DATASET and score it. " + _GATE_HELP,
             epilog=metrics_epilog(),
             short_help="Summarize and score every article of DATASET (the default).")
def run_command(
    dataset: Annotated[Path, typer.Argument(help="Dataset folder.", exists=True,
                                            file_okay=False)],
    schema: Annotated[str, typer.Option("--schema", "-s", help="Schema to evaluate.")] = "brief",
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model name or .gguf.")]
    = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible URL.")]
    = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Run directory (default: runs/eval/DATASET-TIMESTAMP); an "
        "interrupted run's directory resumes it.")] = None,
    fail_under: FailUnder = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="First N articles.")]
    = None,
    per_article: PerArticle = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Call the model every time.")]
    = False,
    fmt: FormatOpt = Format.table,
    rescore_dir: Annotated[Path | None, typer.Option(
        "--rescore", metavar="RUN_DIR",
        help="Score RUN_DIR's stored predictions against DATASET instead (no model).")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    concurrency: Annotated[int, typer.Option(
        min=1, help="Articles in flight; one when an embedded model decodes.")] = 4,
) -> None:
    gates = _gates(fail_under, schema)
    with _exit_codes():
        if rescore_dir is not None:
            run = rescore(rescore_dir, dataset=dataset)
        else:
            from summarizer.settings import Settings

            settings = Settings.from_env(model=model, base_url=base_url)
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            out = out or Path("runs") / "eval" / f"{dataset.resolve().name}-{stamp}"
            try:
                run = evaluate(dataset, schema=schema, settings=settings, out=out,
                               limit=limit, cache=not no_cache, progress=progress,
                               concurrency=concurrency)
            except KeyboardInterrupt:
                Console(stderr=True).print(
                    f"interrupted: finished articles are in {out}; rerun with --out {out} "
                    "to resume", highlight=False)
                raise
        _finish(run, fmt, per_article, gates)


@app.command("rescore", help="Score a run's predictions.jsonl again, without any model.")
def rescore_command(
    run_dir: Annotated[Path, typer.Argument(help="Run directory.", exists=True,
                                            file_okay=False)],
    dataset: Annotated[Path | None, typer.Option(
        "--dataset", help="Dataset (default: the one named in RUN_DIR/report.json).")] = None,
    fail_under: FailUnder = None,
    per_article: PerArticle = False,
    fmt: FormatOpt = Format.table,
) -> None:
    with _exit_codes():
        run = rescore(run_dir, dataset=dataset)
    gates = _gates(fail_under, run.schema)
    with _exit_codes():
        _finish(run, fmt, per_article, gates)


@app.command("compare", help="Per-metric values of two runs and the delta B - A.")
def compare_command(
    run_a: Annotated[Path, typer.Argument(help="Baseline run directory (or report.json).",
                                          exists=True)],
    run_b: Annotated[Path, typer.Argument(help="New run directory (or report.json).",
                                          exists=True)],
    changed_only: Annotated[bool, typer.Option("--changed-only",
                                               help="Hide unchanged metrics.")] = False,
    fmt: FormatOpt = Format.table,
    html: Annotated[Path | None, typer.Option(
        "--html", metavar="FILE", help="Also write a page with the per-field deltas "
        "(table and bars).")] = None,
) -> None:
    with _exit_codes():
        deltas = compare(run_a, run_b)
    if html is not None:
        from summarizer.evaluation.report_html import compare_html

        html.write_text(compare_html(deltas, (run_a.name, run_b.name)), encoding="utf-8")
        Console(stderr=True).print(f"wrote {html}", highlight=False)
    if fmt is Format.json:
        typer.echo(json.dumps([{"metric": d.metric, "a": d.a, "b": d.b, "delta": d.delta}
                               for d in deltas], indent=2))
    else:
        print_compare(deltas, Console(), labels=(run_a.name, run_b.name),
                      changed_only=changed_only)
