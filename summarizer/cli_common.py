"""Pieces shared by the CLI's command groups."""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

__all__ = ["DefaultCommandGroup"]


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it is not a subcommand, goes to a default command.

    This is what lets `summarize article.txt` work literally while `summarize eval ...`
    stays a subcommand. The default is the command registered with the name in `default`.
    """

    default = "run"

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h",
                                                                     "--version"):
            args = [self.default, *args]
        return super().parse_args(ctx, args)
