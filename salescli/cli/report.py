"""`report funnel|forecast|cycle|lost|slips|activity|sources|velocity|changes|goals`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import click

from salescli.cli.common import DATE
from salescli.cli.common import KNOWN_ACCOUNT
from salescli.cli.common import KNOWN_OWNER
from salescli.cli.common import KNOWN_SOURCE
from salescli.cli.common import PIPELINE
from salescli.cli.common import Group
from salescli.cli.common import complete_choices
from salescli.cli.common import complete_ids
from salescli.cli.common import echo
from salescli.cli.common import format_option
from salescli.cli.common import get_repo
from salescli.cli.common import number_style
from salescli.cli.common import out_path
from salescli.cli.common import show_report
from salescli.cli.common import warn
from salescli.services import reports


class _Progress:
    """A progress bar on stderr while a long history is read, only on a terminal.

    The total (every commit, an upper bound) is counted by git in the background, so
    the bar costs the reading nothing; until it is known, a counter shows.
    """

    def __init__(self, count: Callable[[], int]) -> None:
        import threading

        self.count, self.total, self.shown = 0, 0, False
        self.started = time.monotonic()
        self._counter = count
        threading.Thread(target=self._count, daemon=True).start()

    def _count(self) -> None:
        try:
            self.total = self._counter()
        except Exception:  # only the bar's total is lost
            self.total = 0

    def __call__(self, n: int) -> None:
        self.count += n
        if time.monotonic() - self.started < 0.3:
            return  # short reads need no bar
        self.shown = True
        if self.total:
            done = min(self.count, self.total)
            bar = "#" * (30 * done // self.total)
            text = f"Reading history [{bar:<30}] {done:,}/{self.total:,} commits"
        else:
            text = f"Reading history: {self.count:,} commits"
        sys.stderr.write("\r" + text)
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()


def progress() -> Any:
    """The progress bar for reading history: only when a person watches stderr."""
    return _Progress if sys.stderr.isatty() else None


def window_options(func: Callable, window: bool = True) -> Callable:
    """The window, moment and filters every report takes (SPEC §7); without `window`,
    --since/--until are not in the help (the report refuses them, saying why)."""
    for decorator in reversed((
        click.option("--since", metavar="DATE", type=DATE, hidden=not window,
                     help="Start of the window (inclusive)."),
        click.option("--until", metavar="DATE", type=DATE, hidden=not window,
                     help="End of the window (inclusive; default: the as-of date)."),
        click.option("--as-of", "as_of", metavar="DATE|REV",
                     help="Evaluate as the repository was on that date, or at that commit."),
        click.option("--pipeline", metavar="NAME", type=PIPELINE,
                     help="Only deals of this pipeline."),
        click.option("--owner", metavar="NAME", type=KNOWN_OWNER,
                     help="Only this owner's records.", shell_complete=complete_choices("owners")),
        click.option("--source", metavar="NAME", type=KNOWN_SOURCE,
                     help="Only records from this source.",
                     shell_complete=complete_choices("sources")),
        click.option("--no-cache", is_flag=True, is_eager=True,
                     help="Recompute from git without reading or writing the cache."),
    )):
        func = decorator(func)
    return func


def account_options(func: Callable) -> Callable:
    """--account (with its child accounts unless --no-children) of the deal reports."""
    func = click.option("--no-children", is_flag=True,
                        help="With --account: the account's own deals only.")(func)
    return click.option("--account", metavar="ACCOUNT", type=KNOWN_ACCOUNT,
                        help="Only deals of this account and its child accounts (as the "
                             "files are now); leaves leads out.",
                        shell_complete=complete_ids("account"))(func)


def report_options(func: Callable) -> Callable:
    """window_options, then --format table|csv|json|markdown."""
    return window_options(format_option()(func))


def goals_options(func: Callable) -> Callable:
    """report_options without the window: each goal has its own period."""
    return window_options(format_option()(func), window=False)


@click.group("report", cls=Group)
def report() -> None:
    """Reports computed from git history: exact, auditable, and time-travelling.

    Every report takes --since/--until (the window; not `goals`, measured over each
    goal's own period), --as-of DATE|REV (the moment)
    and --pipeline/--owner/--source (filters); all but `sources` and `goals` also
    --account (with its child accounts unless --no-children); all but `dashboard` (an HTML page)
    take --format table|csv|json|markdown. JSON is
    `{"report", "as_of", "filters", "rows", "totals", "skipped"}`; `skipped` lists
    committed record files that `check` rejects, which reports leave out.

    \b
    Examples:
      salescli report funnel
      salescli report forecast --by quarter --format json
      salescli report changes --since 2026-11-16
      salescli report funnel --as-of 2026-06-30
    """


def _simple(name: str, doc: str, by: tuple[str, ...] = ()) -> click.Command:
    def command(ctx: click.Context, fmt: str, by: str | None = None, **opts: Any) -> None:
        repo = get_repo(ctx)
        show_report(name, reports.report(repo, name, opts, warn, by, progress()), fmt,
                    number_style(repo, fmt))

    command.__doc__ = doc
    command = report_options(command)
    if name != "sources":  # leads belong to no account until converted
        command = account_options(command)
    if by:
        command = click.option("--by", type=click.Choice(by), default=by[0],
                               show_default=True, help="Group by.")(command)
    return report.command(name)(click.pass_context(command))


_simple("funnel", """How deals created in the window moved through the pipeline's stages.

    Per stage: deals that reached it (skipping counts as reaching; won deals reached
    every stage), conversion to the next stage (the last converts to won), deals
    lost and still open there, and the median days deals spent in it (up to the
    as-of date for deals still there). Uses the default pipeline unless --pipeline.
    Without --since it counts every deal created up to --until (default: the as-of
    date); `--since this-year` gives this year's.

    \b
    Examples:
      salescli report funnel
      salescli report funnel --since 2026-01-01 --owner anna
      salescli report funnel --as-of 2026-06-30 --format json
    """)
_simple("forecast", """Open deals by expected close period, weighted by probability.

    Categories: commit (probability >= 70 or forecast: commit), best-case (>= 40),
    pipeline (the rest); forecast: omit leaves a deal out. Open deals whose close
    date is before the as-of date are the period `overdue`, listed first and split
    by category, not under their passed month. --since/--until limit the open
    deals' close dates (--until may be after the as-of date). `won` rows: what was
    won in every period from --since (default: the first day of the quarter the
    window ends in) to --until or the as-of date, so a quarter's won row is the sum
    of its months'.

    \b
    Examples:
      salescli report forecast
      salescli report forecast --by quarter --format json
      salescli report forecast --since 2026-01-01 --until 2026-12-31
    """, by=("month", "quarter"))
_simple("cycle", """Days from creation to win for deals won in the window.

    \b
    Examples:
      salescli report cycle
      salescli report cycle --by start-month --since 2026-01-01
    """, by=("all", "source", "owner", "start-month"))
_simple("lost", """Deals lost in the window, by reason and the stage they were lost at.

    \b
    Examples:
      salescli report lost --since 2026-01-01
      salescli report lost --format json
    """)
_simple("slips", """How often close dates moved later; the deals that slipped twice or more.

    \b
    Examples:
      salescli report slips
      salescli report slips --since 2026-07-01 --format json
    """)
_simple("sources", """Leads by source: contacted, qualified, deals and won; first contact vs SLA.

    Per source: leads, contacted, qualified and disqualified (qualify_rate: qualified /
    leads); deals created in the window, won and lost, won value, and win_rate: won /
    (won + lost), as the funnel's (open deals are neither). won_value is in the
    settings' currency; the totals' won_value_unconverted holds, by currency, what
    the settings' `fx` has no rate for (`-`: nothing). median_first_contact_hours and
    sla_breaches count from a lead's creation to its first contact: its first activity
    that reaches it (as `log` and `today`'s lead SLA count it), or its status becoming
    contacted, if earlier.

    \b
    Examples:
      salescli report sources
      salescli report sources --since 2026-01-01 --format markdown
    """)
_simple("velocity", """Velocity: open deals x win rate x average won value / median cycle days.

    \b
    Examples:
      salescli report velocity
      salescli report velocity --since 2026-01-01 --owner anna
    """)
_simple("changes", """What happened in the window (default: the last 7 days).

    New deals, advanced, moved back, won, lost, value up/down, close dates slipped,
    new leads and conversions. `count` counts events; `deals` lists the IDs.

    \b
    Examples:
      salescli report changes
      salescli report changes --since 2026-11-01 --until 2026-11-30 --format json
    """)


@report.command("activity")
@report_options
@account_options
@click.option("--by", type=click.Choice(("month", "week")), default="month",
              show_default=True, help="Period.")
@click.pass_context
def activity_cmd(ctx: click.Context, fmt: str, by: str, **opts: Any) -> None:
    """Activities by period, type and owner; meetings booked vs held; per won deal.

    Activities are counted by their own dates, from the records as they are now.

    \b
    Examples:
      salescli report activity
      salescli report activity --by week --since 2026-11-01 --owner anna
      salescli report activity --account acme-group    # its deals, subsidiaries too
    """
    repo = get_repo(ctx)
    show_report("activity", reports.activity_report(repo, opts, warn, by, progress()), fmt,
                number_style(repo, fmt))


@report.command("goals")
@goals_options
@click.pass_context
def goals_cmd(ctx: click.Context, fmt: str, **opts: Any) -> None:
    """Goals of the settings: actual, target, attainment and pace in their period.

    Each goal (`goals:` in salescli.yaml: metric, period, target, optionally owner) is
    measured over its week, month, quarter or year holding the as-of date (so it takes
    no --since/--until: --as-of a day of another period shows that one). Pace is the
    actual against what an even pace would have reached by that day (1.0: on track).
    Metrics: deals_won, won_value (the settings' currency), meetings_booked,
    meetings_held, new_leads, activities. --owner: that owner's goals and the team's.

    \b
    Example goals in salescli.yaml:
      goals:
        - {metric: won_value, period: month, target: 50000}
        - {metric: meetings_held, period: week, target: 5, owner: anna}

    \b
    Examples:
      salescli report goals
      salescli report goals --as-of last-month --format json
    """
    repo = get_repo(ctx)
    payload = reports.goals_report(repo, opts, warn, progress())
    if not payload["rows"]:  # a first run: say where goals come from
        warn("note: no goals to measure: add `goals:` to salescli.yaml "
             "(see `salescli report goals --help`)")
    show_report("goals", payload, fmt, number_style(repo, fmt))


@report.command("dashboard")
@window_options
@account_options
@click.option("--by", type=click.Choice(("month", "quarter")), default="month",
              show_default=True, help="Forecast period.")
@click.option("--out", "out", metavar="FILE.html", required=True,
              help="Where to write the page ('-' for standard output).")
@click.option("--force", is_flag=True, help="Overwrite FILE.html if it exists.")
@click.pass_context
def dashboard_cmd(ctx: click.Context, by: str, out: str, force: bool, **opts: Any) -> None:
    """One HTML page for the board: funnel, forecast, lost reasons, slips, stale deals.

    Self-contained: inline SVG charts and styles, no JavaScript, nothing loaded from
    the network, so it opens from a mail attachment and prints as it looks; the
    layout fits a phone. The reports take the same window and filters as the
    others; stale deals are the open deals past their stage's max_days on the
    as-of date (their fields as the files are now).

    \b
    Examples:
      salescli report dashboard --out dashboard.html
      salescli report dashboard --since 2026-01-01 --by quarter --out board.html --force
      salescli report dashboard --owner anna --out - | mail -s Pipeline anna@example.com
      salescli report dashboard --account acme-group --out acme.html
    """
    target = out_path(out, force)
    page = reports.dashboard_page(get_repo(ctx), opts, warn, by, target, progress())
    if target is None:
        echo(page.rstrip("\n"))
        return
    echo(f"Wrote {target}")
