"""Options and helpers every command shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from salescli.output import FORMATS


def get_repo(ctx: click.Context) -> Any:
    from salescli.repo import Repository

    root = ctx.find_root()
    return Repository.discover((root.obj or {}).get("repo"))


def format_option(default: str = "table", choices: tuple[str, ...] = FORMATS) -> Callable:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
        help="Output format; json is stable for scripts.",
    )


def complete_ids(kind: str) -> Callable:
    """Shell completion of record IDs from the repository in the current directory."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        try:
            repo = get_repo(ctx)
            return sorted(i for i in repo.ids(kind) if i.startswith(incomplete))
        except Exception:  # completion must never print a traceback into the shell
            return []

    return complete


def echo(text: str) -> None:
    click.echo(text)


def warn(text: str) -> None:
    click.echo(text, err=True)
