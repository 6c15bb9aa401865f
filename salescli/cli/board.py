"""`salescli board`: the pipeline as columns of open deals, one per stage."""

from __future__ import annotations

import shutil

import click

from salescli.cli.common import DATE
from salescli.cli.common import KNOWN_OWNER
from salescli.cli.common import NO_CACHE
from salescli.cli.common import PIPELINE
from salescli.cli.common import complete_choices
from salescli.cli.common import echo
from salescli.cli.common import format_option
from salescli.cli.common import get_repo
from salescli.cli.common import number_style
from salescli.cli.common import render
from salescli.cli.common import warn
from salescli.services.board import board
from salescli.services.board import board_rows
from salescli.services.board import board_text

CARD_COLUMNS = ("stage", "id", "title", "account", "owner", "value", "currency", "days",
                "weighted")


@click.command("board")
@click.option("--pipeline", metavar="NAME", type=PIPELINE,
              help="The pipeline to show (default: the settings').")
@click.option("--owner", type=KNOWN_OWNER, help="Only this owner's deals.",
              shell_complete=complete_choices("owners"))
@click.option("--on", "on", metavar="DATE", type=DATE,
              help="Count days in stage up to this date instead of today.")
@click.option("--width", type=click.IntRange(20), metavar="N",
              help="Columns of text to fit (default: the terminal's).")
@NO_CACHE
@format_option()
@click.pass_context
def board_cmd(ctx: click.Context, pipeline: str | None, owner: str | None, on: object,
              width: int | None, no_cache: bool, fmt: str) -> None:
    """Open deals as a board: a column per stage, each card with its value and days in
    the stage, largest first; counts and totals per column.

    Stages sit side by side when the terminal is wide enough, else one under another.
    --format json gives the columns and cards; csv and markdown one row per deal.

    \b
    Examples:
      salescli board
      salescli board --pipeline enterprise --owner anna
      salescli board --format json | jq '.columns[] | {stage, count}'
    """
    repo = get_repo(ctx)
    payload = board(repo, pipeline, owner, warn, on=on,  # type: ignore[arg-type]
                    use_cache=not no_cache)
    style = number_style(repo, fmt)
    if fmt == "table":
        echo(board_text(payload, width or shutil.get_terminal_size((120, 24)).columns,
                        style))
    elif fmt == "json":
        echo(render([], (), "json", payload=payload))
    else:
        echo(render(board_rows(payload), CARD_COLUMNS, fmt, style=style))
