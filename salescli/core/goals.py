"""Goals: a target per period for deals won, won value, meetings, new leads or
activities, and how far the period's figures have got (`report goals`, the dashboard).

Pure: the leads and wins come from the history as of the report's moment (a `Book`;
wins by won_date, as the forecast's won rows, with those recorded late from the history
as it is now), the activities from the records (`ActivityRecord`, as `report activity`
counts them), the goals from the settings. Like hledger's budget report, each goal is
measured over the period (week, month, quarter, year) that holds the as-of date: the
actual so far, the target, attainment, and pace — the actual against what an even pace
would have reached by now.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salescli.core.dates import add_months
from salescli.core.dates import period as period_bounds
from salescli.core.dates import utc_day
from salescli.core.money import cents
from salescli.core.reports import ActivityRecord
from salescli.core.reports import Book
from salescli.core.reports import Query
from salescli.core.reports import activity
from salescli.core.reports import period as period_name


def bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday first), month, quarter or year holding `day`."""
    return period_bounds(f"this-{period}", day)


def label(period: str, start: dt.date) -> str:
    """`2026-W49`, `2026-11`, `2026-Q4` as every report names a period; `2026`."""
    return str(start.year) if period == "year" else period_name(start, period)


# the metrics counted from the records' activities, as `report activity` counts them;
# the wins, by won_date; the new leads, from the history as of the report's moment
FROM_ACTIVITIES = ("activities", "meetings_booked", "meetings_held")
WON = ("deals_won", "won_value")


def activity_span(wanted: list[Any], on: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days the activity goals of `wanted` count as of `on` (None: there are none)."""
    spans = [bounds(g.period, on) for g in wanted if g.metric in FROM_ACTIVITIES]
    return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None


def actual(metric: str, book: Book, records: list[ActivityRecord], start: dt.date,
           end: dt.date, owner: str | None, known: Book | None = None) -> Decimal:
    """The metric over [start, end], for one owner or (None) the team; `known`: the
    history as it is now, for the wins recorded after the book's moment."""
    def inside(day: dt.date | None) -> bool:
        return day is not None and start <= day <= end

    def wins(of: Book) -> list[Any]:
        return [d for d in of.with_status("won") if inside(d.closed_on("won"))
                and (owner is None or d.owner == owner)]

    if metric in WON:
        # the wins the history held at the book's moment (one undone since still
        # counts), and those recorded late, after it, dated within the period
        won = wins(book)
        if known is not None and known is not book:
            have = {d.id for d in won}
            won += [d for d in wins(known) if d.id not in have]
        if metric == "deals_won":
            return Decimal(len(won))
        # in the settings' currency (other currencies through `fx`, as every report)
        return cents(sum((d.value or Decimal(0) for d in won if d.currency == book.base),
                         Decimal(0)))
    if metric == "new_leads":
        return Decimal(sum(1 for tl, state in book.leads if inside(utc_day(tl.created))
                           and (owner is None or state.get("owner") == owner)))
    return Decimal(activity_totals(book, records, start, end, owner)[metric])


def activity_totals(book: Book, records: list[ActivityRecord], start: dt.date,
                    end: dt.date, owner: str | None) -> dict[str, Any]:
    """`report activity`'s totals over [start, end] under the book's --source and
    --pipeline: one rule of which records' activities count, and of which meetings."""
    q = book.query
    span = Query(as_of=dt.datetime.combine(end, dt.time.max, dt.UTC).timestamp(),
                 since=start, until=end, pipeline=q.pipeline, owner=owner, source=q.source)
    # no deals: the activities per won deal are not asked
    return activity(Book((), book.config, span), records)["totals"]


def goals(book: Book, records: list[ActivityRecord], wanted: list[Any],
          owner: str | None = None, known: Book | None = None) -> dict[str, Any]:
    """`report goals`: a row per goal of the settings; with `owner`, that owner's goals
    and the team's. `book` holds every owner's deals: a team goal counts them all.
    `known` (default: none) is the history as it is now: a win counts in the period of
    its won_date, and one recorded late comes in the history after that day."""
    on = book.query.as_of_date
    rows = []
    for g in wanted:
        if owner and g.owner not in (None, owner):
            continue
        start, end = bounds(g.period, on)
        # what happened counts up to the as-of day: the records are as they are now, and
        # may hold meetings and activities dated after it, as `known` may hold wins (the
        # book's figures stop there by themselves); a booking counts for the period it
        # is booked in
        until = end if g.metric == "meetings_booked" else min(end, on)
        got = actual(g.metric, book, records, start, until, g.owner, known)
        money = g.metric == "won_value"
        target = cents(Decimal(g.target)) if money else Decimal(g.target)  # as `actual` is
        elapsed = Decimal((on - start).days + 1) / Decimal((end - start).days + 1)
        expected = cents(target * elapsed)
        rows.append({
            "metric": g.metric, "owner": g.owner, "period": label(g.period, start),
            "start": start, "end": end, "target": target, "actual": got,
            "attainment": round(float(got / target), 4) if target else None,
            "expected": expected,
            "pace": round(float(got / expected), 4) if expected else None,
            "currency": book.base if money else None})
    met = sum(1 for r in rows if r["attainment"] is not None and r["attainment"] >= 1)
    behind = sum(1 for r in rows if r["pace"] is not None and r["pace"] < 1)
    payload = book.payload("goals", rows, {"goals": len(rows), "met": met,
                                           "behind_pace": behind})
    payload["filters"]["owner"] = owner
    return payload


def won_by_month(book: Book, months: int = 12) -> list[tuple[str, Decimal]]:
    """Won value (settings' currency) per month, the last `months` up to the as-of date."""
    end = book.query.as_of_date
    totals = {period_name(add_months(end, n - months + 1), "month"): Decimal(0)
              for n in range(months)}
    for d in book.with_status("won"):
        won = d.closed_on("won")
        key = period_name(won, "month") if won and won <= end else None
        if key in totals and d.currency == book.base:
            totals[key] += d.value or Decimal(0)
    return list(totals.items())
