"""Pieces shared by the CLI's command groups."""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any, ClassVar

import typer
from rich.console import Console
from typer.core import TyperGroup

from summarizer.errors import SummarizerError, redact

__all__ = ["HELP_OPTIONS", "DefaultCommandGroup", "err", "fail", "setup_logging"]

err = Console(stderr=True)

# `-h` works like `--help` everywhere (context_settings of every Typer app).
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it is not a subcommand, goes to a default command.

    This is what lets `summarize article.txt` work literally while `summarize eval ...`
    stays a subcommand. The default is the command registered with the name in `default`.

    Subcommands named in `lazy` ({name: ("module:attr", short help)}) are imported only
    when used: `summarize --help` must not wait for the eval harness's imports.
    """

    default = "run"
    lazy: ClassVar[dict[str, tuple[str, str]]] = {}

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.list_commands(ctx) and args[0] not in (
                "--help", "-h", "--version"):
            args = [self.default, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: Any, name: str) -> Any:
        if name in self.lazy and name not in self.commands:
            import typer

            target, short = self.lazy[name]
            module, attr = target.split(":")
            command = typer.main.get_command(getattr(importlib.import_module(module), attr))
            command.help = command.help or short
            command.short_help = short
            self.commands[name] = command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy and name not in self.commands:
                rows.append((name, self.lazy[name][1]))
                continue
            command = self.commands.get(name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 20)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        super().format_help(ctx, formatter)
        # The default command's options belong on the first help page people read.
        command = self.commands.get(self.default)
        if command is None or ctx.parent is not None:
            return
        # The group's own Context class: typer carries its own copy of click.
        with type(ctx)(command, info_name=self.default, parent=ctx) as sub:
            records = [r for p in command.get_params(sub)
                       if (r := p.get_help_record(sub)) is not None]
        if records:
            with formatter.section(f"Options of `{ctx.info_name} ARTICLE...` "
                                   f"(the {self.default} command)"):
                formatter.write_dl(records)


class _RedactingFormatter(logging.Formatter):
    # On the whole formatted text: messages, and tracebacks whose errors quote URLs.
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(logging.BASIC_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    if verbose < 2:  # instructor logs every failed attempt at ERROR; we report them ourselves
        logging.getLogger("instructor").setLevel(logging.CRITICAL)


def fail(error: SummarizerError) -> typer.Exit:
    # soft_wrap: a URL or a path in a message must stay whole, to be copied
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    if error.hint:
        err.print(f"hint: {error.hint}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(error.exit_code)
