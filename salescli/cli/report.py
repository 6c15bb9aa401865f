"""`report funnel|forecast|cycle|lost|slips|activity|sources|velocity|changes`."""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from salescli.cli.common import (
    DATE,
    PIPELINE,
    echo,
    format_option,
    get_repo,
    load_all,
    out_path,
    warn,
)
from salescli.core.dates import day_of
from salescli.core.errors import UsageError

_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
COLUMNS = {
    "funnel": ("stage", "reached", "conversion", "lost_here", "open_here", "median_days"),
    "forecast": ("period", "category", "currency", "count", "value", "weighted"),
    "cycle": ("group", "count", "median_days", "mean_days", "p75_days"),
    "lost": ("reason", "stage", "currency", "count", "value", "share"),
    "slips": ("deal", "slips", "close_date"),
    "activity": ("period", "type", "owner", "count"),
    "sources": ("source", "leads", "contacted", "qualified", "disqualified", "deals", "won",
                "won_value", "currency", "qualify_rate", "win_rate",
                "median_first_contact_hours"),
    "velocity": ("currency", "open_deals", "win_rate", "avg_won_value", "median_cycle_days",
                 "velocity"),
    "changes": ("change", "currency", "count", "value", "deals"),
}


class _Progress:
    """A progress bar on stderr while a long history is read, only on a terminal.

    The total (every commit, an upper bound) is counted by git in the background, so
    the bar costs the reading nothing; until it is known, a counter shows.
    """

    def __init__(self, root: Any, rev: str) -> None:
        import threading

        self.count, self.total, self.shown = 0, 0, False
        self.started = time.monotonic()
        self.root, self.rev = root, rev
        threading.Thread(target=self._count, daemon=True).start()

    def _count(self) -> None:
        from salescli.store import gitio

        try:
            self.total = int(gitio.git(self.root, "rev-list", "--count", self.rev,
                                       "--").stdout.strip() or 0)
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


def history_for(repo: Any, as_of: str | None, no_cache: bool,
                kinds: tuple[str, ...] = ("deal",)) -> tuple[Any, float]:
    """The history a report reads and the moment it describes (`--as-of DATE|REV`)."""
    from salescli.store import gitio
    from salescli.store.history import load_history

    rev, moment = "HEAD", time.time()
    if as_of and _DATE.match(as_of):
        try:
            day = day_of(as_of, "--as-of")
        except UsageError:
            raise UsageError(f"invalid --as-of {as_of!r}: use YYYY-MM-DD or a revision") \
                from None
        assert day is not None
        moment = dt.datetime.combine(day, dt.time.max, dt.UTC).timestamp()
    elif as_of:
        if as_of.startswith("-") or gitio.rev_parse(repo.root, as_of) is None:
            raise UsageError(
                f"--as-of: {as_of!r} is neither a date (YYYY-MM-DD) nor a known revision")
        rev = as_of
        moment = gitio.commit_time(repo.root, as_of)
    progress = _Progress(repo.root, rev) if sys.stderr.isatty() else None
    try:
        history = load_history(repo.root, repo.git_dir, rev, kinds=kinds,
                               use_cache=not no_cache, progress=progress)
    finally:
        if progress:
            progress.close()
    warn_skipped(history.rejected_at(moment))
    return history, moment


def warn_skipped(paths: list[str]) -> None:
    """Say which committed records the history left out: the ones `check` rejects."""
    if paths:
        warn(f"warning: skipped {len(paths)} committed record file(s) that `salescli check` "
             f"rejects, such as {paths[0]}; each counts as its last valid version, if any; "
             "fix and commit them (see `salescli check`)")


def config_of(repo: Any) -> Any:
    from salescli.store.config import config_of as plain

    return plain(repo, warn)


def build_book(ctx: click.Context, opts: dict[str, Any], by: str | None = None,
               leads: bool = False) -> Any:
    from salescli.core.reports import Book, Query

    repo = get_repo(ctx)
    kinds = ("deal", "lead") if leads else ("deal",)
    history, moment = history_for(repo, opts["as_of"], opts["no_cache"], kinds)
    query = Query(as_of=moment, since=day_of(opts["since"]),
                  until=day_of(opts["until"]), pipeline=opts["pipeline"],
                  owner=opts["owner"], source=opts["source"], by=by)
    if query.until and query.since and query.until < query.since:
        raise UsageError("--until is before --since")
    config = config_of(repo)
    if query.pipeline and query.pipeline not in config.stages:
        # the file is there (PIPELINE checked it) but could not be read: a warning said why
        from salescli.core.errors import SalescliError

        raise SalescliError(f"--pipeline: pipeline `{query.pipeline}` cannot be read; "
                            "see `salescli check`")
    return repo, Book(history.timelines, config, query, history.rejected_at(moment))


def _totals_text(totals: dict[str, Any], prefix: str = "") -> str:
    from decimal import Decimal

    from salescli.core.output import to_jsonable

    parts = []
    for key, value in totals.items():
        if isinstance(value, dict):
            inner = _totals_text(value, f"{prefix}{key} ")
            parts.append(inner or f"{prefix}{key}: -")
        else:
            value = format(value, "f") if isinstance(value, Decimal) else to_jsonable(value)
            parts.append(f"{prefix}{key}: {'-' if value is None else value}")
    return "  ".join(parts)


def show(name: str, payload: dict[str, Any], fmt: str) -> None:
    from salescli.core.output import render

    echo(render(payload["rows"], COLUMNS[name], fmt, payload))
    if fmt in ("table", "markdown"):
        echo("")
        echo(_totals_text(payload["totals"]))


def window_options(func: Callable) -> Callable:
    """The window, moment and filters every report takes (SPEC §7)."""
    for decorator in reversed((
        click.option("--since", metavar="DATE", type=DATE,
                     help="Start of the window (inclusive)."),
        click.option("--until", metavar="DATE", type=DATE,
                     help="End of the window (inclusive; default: the as-of date)."),
        click.option("--as-of", "as_of", metavar="DATE|REV",
                     help="Evaluate as the repository was on that date, or at that commit."),
        click.option("--pipeline", metavar="NAME", type=PIPELINE,
                     help="Only deals of this pipeline."),
        click.option("--owner", metavar="NAME", help="Only this owner's records."),
        click.option("--source", metavar="NAME", help="Only records from this source."),
        click.option("--no-cache", is_flag=True,
                     help="Recompute from git without reading or writing the cache."),
    )):
        func = decorator(func)
    return func


def report_options(func: Callable) -> Callable:
    """window_options, then --format table|csv|json|markdown."""
    return window_options(format_option()(func))


@click.group("report")
def report() -> None:
    """Reports computed from git history: exact, auditable, and time-travelling.

    Every report takes --since/--until (the window), --as-of DATE|REV (the moment)
    and --pipeline/--owner/--source (filters); all but `dashboard` (an HTML page)
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
        from salescli.core.reports import REPORTS

        _, book = build_book(ctx, opts, by, leads=name in ("sources", "changes"))
        show(name, REPORTS[name](book), fmt)

    command.__doc__ = doc
    command = report_options(command)
    if by:
        command = click.option("--by", type=click.Choice(by), default=by[0],
                               show_default=True, help="Group by.")(command)
    return report.command(name)(click.pass_context(command))


_simple("funnel", """How deals created in the window moved through the pipeline's stages.

    Per stage: deals that reached it (skipping counts as reaching; won deals reached
    every stage), conversion to the next stage (the last converts to won), deals
    lost and still open there, and the median days deals spent in it (up to the
    as-of date for deals still there). Uses the default pipeline unless --pipeline.

    \b
    Examples:
      salescli report funnel
      salescli report funnel --since 2026-01-01 --owner anna
      salescli report funnel --as-of 2026-06-30 --format json
    """)
_simple("forecast", """Open deals by expected close period, weighted by probability.

    Categories: commit (probability >= 70 or forecast: commit), best-case (>= 40),
    pipeline (the rest); forecast: omit leaves a deal out. `won` rows show what was
    already won in each period shown. --since/--until limit the close dates.

    \b
    Examples:
      salescli report forecast
      salescli report forecast --by quarter --format json
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
    """
    from salescli.core.reports import ActivityRecord, activity

    repo, book = build_book(ctx, opts, by)
    records = []
    for kind in ("deal", "account", "lead"):
        for r in load_all(repo, kind):
            records.append(ActivityRecord(kind, r.id, r.owner, getattr(r, "source", None),
                                          getattr(r, "pipeline", None), r.activities))
    show("activity", activity(book, records), fmt)


@report.command("dashboard")
@window_options
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
    """
    from salescli.cli.activity import deal_views, stale_rows
    from salescli.cli.common import records_index
    from salescli.core import dashboard, reports

    target = None if out == "-" else out_path(out, force)
    repo, book = build_book(ctx, opts, by)
    q = book.query
    with records_index(repo, ("deal",)) as index:
        deals = [d for d in deal_views(index, every=True)
                 if (not q.owner or d["owner"] == q.owner)
                 and (not q.source or d["source"] == q.source)
                 and (not q.pipeline or d["pipeline"] == q.pipeline)]
    company = repo.settings.company.name
    page = dashboard.render_dashboard(
        funnel=reports.funnel(book), forecast=reports.forecast(book), lost=reports.lost(book),
        slips=reports.slips(book), stale=stale_rows(repo, deals, q.as_of_date),
        titles={d["id"]: d["title"] for d in deals}, company=company,
        generated=dt.datetime.now(dt.UTC))
    if target is None:
        echo(page.rstrip("\n"))
        return
    from salescli.store.gitio import atomic_write

    atomic_write(target, page)
    echo(f"Wrote {target}")


