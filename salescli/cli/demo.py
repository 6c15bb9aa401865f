"""`salescli demo`: a repository with two years of history, to try salescli on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from salescli.cli.common import DATE, warn


def build_repository(directory: Path, deals: int, seed: int, end: Any,
                     progress: Any = None) -> tuple[Path, Any]:
    """Build the demo; returns (repository path, DemoSummary). Reports run on the path."""
    from salescli.services.demo import build_demo

    summary = build_demo(directory, deals=deals, seed=seed, end=end, progress=progress)
    return summary.root, summary


def show_reports(root: Path, day: Any = None) -> None:
    """Print the new repository's funnel and quarterly forecast, as of its last day."""
    import datetime as dt
    import time

    from salescli.cli.report import config_of, show
    from salescli.core.reports import Book, Query, forecast, funnel
    from salescli.store.history import load_history
    from salescli.store.repo import Repository

    repo = Repository(root)
    moment = time.time() if day is None else \
        dt.datetime.combine(day, dt.time.max, dt.UTC).timestamp()
    timelines = load_history(root, repo.git_dir, kinds=("deal",)).timelines  # warms the cache
    config = config_of(repo)
    click.echo("Funnel (deals created in the last two years)\n")
    show("funnel", funnel(Book(timelines, config, Query(as_of=moment))), "table")
    click.echo("\nForecast by quarter (open deals by expected close)\n")
    show("forecast", forecast(Book(timelines, config, Query(as_of=moment, by="quarter"))),
         "table")
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
@click.argument("directory", required=False, default="salescli-demo",
                type=click.Path(file_okay=False, path_type=Path))
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
    from salescli.core.dates import day_of

    day = day_of(end)
    root, s = build_repository(directory, deals, seed, day, _progress())
    warn(f"Built {root}: {s.commits:,} commits; {s.deals:,} deals ({s.open:,} open, "
         f"{s.won:,} won, {s.lost:,} lost), {s.accounts:,} accounts, {s.leads:,} leads")
    show_reports(root, day)
