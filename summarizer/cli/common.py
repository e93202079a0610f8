"""Pieces shared by the CLI's command groups."""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

from typer.core import TyperGroup

__all__ = ["HELP_OPTIONS", "DefaultCommandGroup"]

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
