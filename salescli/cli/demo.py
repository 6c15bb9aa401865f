"""`salescli demo`: a repository with two years of history, to try salescli on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from salescli.cli.common import DATE
from salescli.cli.common import FOLDER
from salescli.cli.common import echo
from salescli.cli.common import show_report
from salescli.cli.common import warn


def show_reports(root: Path, end: Any = None) -> None:
    """Print the new repository's funnel and quarterly forecast, as of its last day."""
    from salescli.services import demo

    funnel, forecast, style = demo.reports(root, end, warn)
    echo("Funnel (deals created in the last two years)\n")
    show_report("funnel", funnel, "table", style)
    echo("\nForecast by quarter (open deals by expected close)\n")
    show_report("forecast", forecast, "table", style)
    warn(f"\nNext: cd {root} && salescli report --help")  # the path is the user's


def _progress() -> Any:
    """A one-line progress counter on stderr, only when a person is watching."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        click.echo(f"\rWriting history: {done:,}/{total:,} events", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return show


@click.command("demo")
@click.argument("directory", required=False, default="salescli-demo", type=FOLDER)
@click.option("--deals", default=300, show_default=True, type=click.IntRange(min=1),
              help="How many deals to create (leads and accounts scale with them).")
@click.option("--seed", default=1, show_default=True, type=int,
              help="Random seed: the same seed and --end give the same repository.")
@click.option("--end", metavar="DATE", type=DATE,
              help="Last day of the history (default: yesterday); it spans two years before.")
def demo_cmd(directory: Path, deals: int, seed: int, end: Any) -> None:
    """Build a demo repository in DIRECTORY with two years of backdated history.

    Leads by source, conversions, deals moving stage by stage (with slips, value
    changes, quotes and the odd move back), wins and losses for every reason,
    and activities: each change is its own commit dated when it happened, as the
    salescli commands would have made it. DIRECTORY must be new or empty.

    \b
    Examples:
      salescli demo
      salescli demo /tmp/crm-demo --deals 1000 --seed 7 --end 2026-12-31
    """
    from salescli.services.demo import build_demo

    s = build_demo(directory, deals=deals, seed=seed, end=end, progress=_progress())
    root = s.root
    warn(f"Built {root}: {s.commits:,} commits; {s.deals:,} deals ({s.open:,} open, "
         f"{s.won:,} won, {s.lost:,} lost), {s.accounts:,} accounts, {s.leads:,} leads")
    show_reports(root, end)
