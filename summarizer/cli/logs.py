"""`summarize models` (what can be used) and `summarize logs` (what was done)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from summarizer.cli.common import HELP_OPTIONS
from summarizer.errors import safe_url

__all__ = ["list_models", "logs_app", "models_app"]

models_app = typer.Typer(add_completion=False, rich_markup_mode=None,
                         context_settings=HELP_OPTIONS)
logs_app = typer.Typer(add_completion=False, rich_markup_mode=None,
                       context_settings=HELP_OPTIONS)


def models_dir() -> Path:
    env = os.environ.get("SUMMARIZER_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    from summarizer.cache import default_cache_dir

    return default_cache_dir() / "models"


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""  # pragma: no cover


def list_models() -> list[dict[str, Any]]:
    """The embedded default, GGUF files in the models folder, the configured endpoint."""
    from summarizer.backends import default_model_path
    from summarizer.errors import ConfigError

    rows: list[dict[str, Any]] = []
    try:
        path = default_model_path()
        rows.append({"kind": "embedded (default)", "name": path.stem, "where": str(path),
                     "size": _size(path), "use": "summarize ARTICLE"})
    except ConfigError as exc:
        rows.append({"kind": "embedded (default)", "name": "not installed", "where": "",
                     "size": "", "use": exc.hint or ""})
    folder = models_dir()
    for gguf in sorted(folder.glob("*.gguf")) if folder.is_dir() else []:
        rows.append({"kind": "gguf file", "name": gguf.stem, "where": str(gguf),
                     "size": _size(gguf), "use": f"--model {gguf}"})
    base_url = os.environ.get("OPENAI_BASE_URL")
    model = os.environ.get("SUMMARIZER_MODEL")
    if base_url:
        rows.append({"kind": "endpoint (OPENAI_BASE_URL)", "name": model or "(server default)",
                     "where": safe_url(base_url), "size": "",
                     "use": "used by default (OPENAI_BASE_URL is set)"})
    elif os.environ.get("OPENAI_API_KEY") and model and not model.endswith(".gguf"):
        rows.append({"kind": "OpenAI (OPENAI_API_KEY)", "name": model, "where": "api.openai.com",
                     "size": "", "use": "used by default (SUMMARIZER_MODEL is set)"})
    return rows


@models_app.command("models", help="List the models you can use: the embedded default "
                    "(path, size), .gguf files in $SUMMARIZER_MODELS_DIR (default "
                    "~/.cache/summarizer/models), and the configured endpoint "
                    "(OPENAI_BASE_URL, SUMMARIZER_MODEL). Keys are never shown.")
def models(
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    rows = list_models()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"models (folder: {models_dir()})", title_justify="left")
    for col in ("kind", "name", "size", "where", "use"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["kind"], row["name"], row["size"], row["where"], row["use"])
    Console().print(table)


@logs_app.command("logs", help="List past summaries from the run log, newest first, or "
                  "show one (ID). The log is a SQLite file; SUMMARIZER_LOG=0 or --no-log "
                  "on a run turns logging off.")
def logs(
    run_id: Annotated[int | None, typer.Argument(metavar="ID", help="Show this run's "
                                                 "result.", show_default=False)] = None,
    count: Annotated[int, typer.Option("-n", "--count", min=1, help="How many runs.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    path: Annotated[bool, typer.Option("--path", help="Print where the log file is.")]
    = False,
) -> None:
    from summarizer import runlog

    if path:
        typer.echo(str(runlog.default_path()))
        return
    if run_id is not None:
        _show(run_id, as_json)
        return
    rows = runlog.entries(count)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        Console(stderr=True).print(f"no runs logged yet ({runlog.default_path()})",
                                   highlight=False)
        return
    table = Table(title=f"last {len(rows)} runs (newest first)", title_justify="left")
    for col in ("id", "time", "source", "schema", "model", "tokens", "s", "cached"):
        table.add_column(col, overflow="fold",
                         justify="right" if col in ("id", "tokens", "s") else "left")
    for r in rows:
        table.add_row(str(r["id"]), r["time"].replace("T", " ").removesuffix("+00:00"),
                      r["source"] or "", r["schema"] or "", r["model"] or "",
                      str((r["prompt_tokens"] or 0) + (r["completion_tokens"] or 0)),
                      f"{r['latency_s'] or 0:.1f}", "yes" if r["cached"] else "")
    Console().print(table)


def _show(run_id: int, as_json: bool) -> None:
    from summarizer import runlog

    row = runlog.entry(run_id)
    if row is None:
        Console(stderr=True).print(f"error: no run {run_id} in {runlog.default_path()}",
                                   highlight=False)
        raise typer.Exit(2)
    if as_json or not sys.stdout.isatty():
        typer.echo(json.dumps(row, indent=2, ensure_ascii=False))
        return
    from summarizer.output.render import rich_view
    from summarizer.schemas import schema_for

    result = schema_for(row["schema"] or "brief").model_validate(row["result"] or {})
    Console().print(f"run {row['id']} · {row['time']} · {row['source']}", highlight=False)
    Console().print(rich_view(result))
