"""`today`: each deal, lead or account once, with all its reasons, most urgent first.

A record's group is its most urgent reason; the groups run in `GROUPS` order and,
within one, by weighted value (largest first), then by the group reason's date
(oldest first). Pure: the service finds the reasons, this module words and orders them.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from salescli.core.money import weighted
from salescli.core.output import day_at
from salescli.core.vocabulary import BOOKABLE

# most urgent first: a meeting is at a set hour today and needs preparing; a past
# meeting still booked is a minute's bookkeeping; an overdue next step or task is
# already late; a new lead cools by the hour (the first-contact SLA); then what is
# wrong in the pipeline (close date, stage time, silence); revisits and won customers'
# check-ins wait
GROUPS = ("meeting", "did-it-happen", "overdue", "due", "approval", "quote-expiring",
          "lead-sla", "close-date-passed", "stale", "untouched", "revisit", "after-sales")
# a sent quote whose validity ends within this many days: ask the customer now
QUOTE_EXPIRING_DAYS = 7
# a revisit put off from today's row: a quarter, the usual "not this quarter"
REVISIT_LATER_DAYS = 91


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _reason(what: str, date: dt.date, on: dt.date, detail: str, text: str) -> dict[str, Any]:
    return {"what": what, "date": date, "days": (on - date).days, "detail": detail,
            "text": text}


def _theirs(reason: dict[str, Any], owner: str | None) -> dict[str, Any]:
    """A reason that is also `owner`'s, whoever owns the record (`today --owner`): the
    one a task is for, the one who booked a meeting."""
    return {**reason, "owner": owner} if owner else reason


def meeting(date: dt.date, on: dt.date, type_: str | None, summary: str | None,
            owner: str | None = None, time: str | None = None) -> dict[str, Any]:
    """An activity booked for the day (`status: booked`): a meeting, or an imported call
    or task still to do, said as what it is; `owner`: who booked it; `time`: its start."""
    detail = summary or type_ or "meeting"
    at = f" at {time}" if time else ""
    return _theirs(_reason("meeting", date, on, detail,
                           f"{type_ or 'meeting'} booked today{at}: {detail}"), owner)


def next_step(due: dt.date, on: dt.date, action: str | None) -> dict[str, Any]:
    """The open next step, due that day or before (`due <= on`)."""
    detail = action or "next step"
    if due < on:
        return _reason("overdue", due, on, detail,
                       f"next step overdue {_days((on - due).days)}: {detail}")
    return _reason("due", due, on, detail, f"next step due today: {detail}")


def task(due: dt.date, on: dt.date, summary: str, command: str,
         owner: str | None = None) -> dict[str, Any]:
    """An open task due that day or before; `command` marks it done. A task with an
    `owner` is a reason for them too, whoever owns the record (`today --owner`)."""
    detail = f"task: {summary}"
    if due < on:
        reason = _reason("overdue", due, on, detail,
                         f"task overdue {_days((on - due).days)}: {summary} (done: {command})")
    else:
        reason = _reason("due", due, on, detail,
                         f"task due today: {summary} (done: {command})")
    return _theirs(reason, owner)


def meeting_answers(activities: Sequence[Any]) -> dict[int, int | None]:
    """Each meeting of a record's `activities` (each with `type`, `status`, `due`), by
    position from 0, with the booking it answers: None for a booking (`status:
    booked`); for a meeting held, cancelled or logged with no status, the position of
    the oldest booking still waiting for a day on or before its own (a meeting held
    before a booked day is another meeting), else None (booked and held at once).

    A meeting is logged when booked and again when held or cancelled; one marked held
    in place is no longer booked at all. A task (it has `due`) is no meeting here. A
    demo is booked and held as a meeting is, and answers a booked demo only.
    The one rule `today`, the record index and the activity reports pair meetings by.
    """
    waiting: dict[str, deque[int]] = {kind: deque() for kind in BOOKABLE}
    out: dict[int, int | None] = {}
    for n, a in enumerate(activities):
        if a.type not in BOOKABLE or a.due is not None:
            continue
        if a.status == "booked":
            waiting[a.type].append(n)
            out[n] = None
        else:
            answered = next((w for w in waiting[a.type] if activities[w].date <= a.date),
                            None)
            if answered is not None:
                waiting[a.type].remove(answered)
            out[n] = answered
    return out


def bookings(activities: Sequence[Any]) -> dict[int, bool]:
    """Each booked meeting of a record's `activities`, by position from 0: whether it is
    still pending, no later meeting of the record having answered it
    (`meeting_answers`)."""
    answers = meeting_answers(activities)
    out = {n: True for n, answered in answers.items() if activities[n].status == "booked"}
    for answered in answers.values():
        if answered is not None:
            out[answered] = False
    return out


def happened(activity: Any) -> dt.date | None:
    """The day an activity happened: a task the day it was done, anything else its
    date; None for a booking or an open task, which have not happened (yet). The rule
    of the activities table's `happened`, the activity report and goals; as contact
    (`last_activity`, after-sales), a cancelled meeting does not count."""
    if activity.status == "booked" or (activity.due is not None and activity.done is None):
        return None
    return activity.done or activity.date


def last_and_next(activities: Sequence[Any], booked: Mapping[int, bool]
                  ) -> tuple[dt.date | None, dt.date | None]:
    """A record's last activity day and its next one (Pipedrive's "last/next activity
    date"): the latest day an activity happened (`happened`; a meeting cancelled is no
    contact, as for the first-contact SLA), and the earliest day of what is planned:
    an open task's due day, a booking not yet answered (`booked`, from `bookings`).
    """
    last = nxt = None
    for n, a in enumerate(activities):
        day = happened(a)
        if day is not None:
            if a.status != "cancelled" and (last is None or day > last):
                last = day
            continue
        if a.due is not None and a.done is None:
            day = a.due
        elif booked.get(n) is False:
            continue  # a later meeting said it was held or cancelled
        else:
            day = a.date
        if nxt is None or day < nxt:
            nxt = day
    return last, nxt


def did_it_happen(date: dt.date, on: dt.date, type_: str | None, summary: str | None,
                  command: str, owner: str | None = None, time: str | None = None
                  ) -> dict[str, Any]:
    """A meeting booked for a day gone by and never marked held or cancelled; `owner`:
    who booked it; `time`: its start."""
    detail = summary or type_ or "meeting"
    return _theirs(_reason("did-it-happen", date, on, detail,
                           f"{type_ or 'meeting'} booked {day_at(date, time)}: {detail}; "
                           "did it happen? "
                           f"{command} (or cancelled)"), owner)


def after_sales(touched: dt.date, on: dt.date, command: str) -> dict[str, Any]:
    """A won customer nobody has been in touch with for after_sales_days."""
    days = (on - touched).days
    return _reason("after-sales", touched, on, f"won customer, no activity for {days} days",
                   f"won customer, no activity for {_days(days)}: check in ({command})")


def approval(discount: Any, on: dt.date, deal_id: str, detail: str,
             approvers: list[str]) -> dict[str, Any]:
    """A discount awaiting approval: a row for the approvers whose limit covers it (and
    the owner, who is told who approves it, or that nobody's limit covers it)."""
    if approvers:
        text = (f"the {discount}% discount on {deal_id} awaits approval by "
                f"{' or '.join(approvers)}: salescli deal approve {deal_id} (run by them)")
    else:
        text = (f"the {discount}% discount on {deal_id} is over every approver's limit: "
                "lower it, or raise a limit in salescli.yaml's approvers")
    return {**_reason("approval", on, on, detail, text), "approvers": approvers}


def quote_expiring(until: dt.date, on: dt.date, deal_id: str, number: str,
                   version: int) -> dict[str, Any]:
    """A sent quote whose validity ends within QUOTE_EXPIRING_DAYS (its last valid day
    `until`): follow it up, and record the answer."""
    left = (until - on).days
    when = "today" if left == 0 else f"in {_days(left)} ({until.isoformat()})"
    return _reason("quote-expiring", on, on, f"quote {number} v{version} expires {when}",
                   f"quote {number} v{version} expires {when}: accepted? salescli quote "
                   f"accept {deal_id} {number}")


def lead_sla(created: dt.date, on: dt.date, sla_days: int, command: str) -> dict[str, Any]:
    """A new lead nobody has contacted within the SLA: the call to log once they have."""
    days = (on - created).days
    return _reason("lead-sla", created, on, f"not contacted within {sla_days} days",
                   f"new lead not contacted for {_days(days)} (SLA {sla_days}): contact "
                   f"them ({command})")


def close_date_passed(close: dt.date, on: dt.date) -> dict[str, Any]:
    return _reason("close-date-passed", close, on, "update close_date, win or lose it",
                   f"close date passed {_days((on - close).days)} ago ({close.isoformat()})")


def stale(since: dt.date, on: dt.date, stage: str, max_days: int) -> dict[str, Any]:
    days = (on - since).days
    return _reason("stale", since, on, f"in {stage} for {days} days (max {max_days})",
                   f"stale {_days(days)} in {stage} (max {max_days})")


def untouched(touched: dt.date, on: dt.date) -> dict[str, Any]:
    days = (on - touched).days
    return _reason("untouched", touched, on, f"no activity for {days} days",
                   f"no activity for {_days(days)}")


def revisit(day: dt.date, on: dt.date, lost_reason: str | None, deal_id: str
            ) -> dict[str, Any]:
    """A lost deal whose `revisit` day has come: it stays until it is reopened or the
    day is put off, so the row says how to do either."""
    detail = f"lost ({lost_reason}): come back"
    when = "today" if day == on else f"since {day.isoformat()}"
    later = (on + dt.timedelta(days=REVISIT_LATER_DAYS)).isoformat()
    return _reason("revisit", day, on, detail,
                   f"revisit lost deal ({lost_reason}) {when}: reopen it (salescli deal "
                   f'reopen {deal_id} --reason "Revisited") or put it off (salescli deal '
                   f"set {deal_id} revisit={later})")


def percent(value: float | None) -> Decimal | None:
    """A probability the record index keeps as a double, as the number it was (60, 12.5)."""
    if value is None:
        return None
    exact = Decimal(repr(value))
    return exact.to_integral_value() if exact == exact.to_integral_value() else exact


def probability(status: str | None, own: Decimal | None, stage: Decimal) -> Decimal:
    """An open deal's own probability, else its stage's; a won deal's is 100, a lost one's 0."""
    if status == "won":
        return Decimal(100)
    if status == "lost":
        return Decimal(0)
    return stage if own is None else own


def reasons_text(row: Mapping[str, Any]) -> str:
    """A row's reasons as one line, for a table or CSV cell."""
    return "; ".join(r["text"] for r in row["reasons"])


def agenda(records: Iterable[dict[str, Any]], fx: Mapping[str, Decimal] | None = None,
           base: str | None = None) -> list[dict[str, Any]]:
    """One row per record that has reasons, in urgency order.

    Each record is a dict of its fields (kind, id, name, owner, value, currency,
    probability: None for a lead) and `reasons`. Weighted values in another currency are
    compared through `fx` (rates into `base`) where a rate is given.
    """
    fx = fx or {}
    ranked = []
    for rec in records:
        reasons = sorted(rec["reasons"], key=lambda r: (GROUPS.index(r["what"]), r["date"]))
        if not reasons:
            continue
        first = reasons[0]
        worth = weighted(rec.get("value"), rec.get("probability"))
        currency = rec.get("currency")
        rank = worth * fx[currency] if currency != base and currency in fx else worth
        ranked.append((rank, {
            "group": first["what"], "kind": rec["kind"], "id": rec["id"], "name": rec["name"],
            "owner": rec["owner"], "weighted": worth, "currency": currency,
            "value": rec.get("value"), "probability": rec.get("probability"),
            # the group reason's fields, where one row per reason had them
            "what": first["what"], "date": first["date"], "days": first["days"],
            "detail": first["detail"], "reasons": reasons}))
    ranked.sort(key=lambda x: (GROUPS.index(x[1]["group"]), -x[0], x[1]["date"],
                               x[1]["kind"], x[1]["id"]))
    return [row for _, row in ranked]


# `agenda`'s rows as plain data (dates as day numbers, amounts as text), to be kept
# between runs (`Index.memo`) and made again exactly
_DECIMALS = ("weighted", "value", "probability")


def pack(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows of `agenda` as plain data: `unpack(pack(rows)) == rows`."""
    out = []
    for row in rows:
        plain = dict(row)
        for key in _DECIMALS:
            if plain[key] is not None:
                plain[key] = str(plain[key])
        plain["date"] = row["date"].toordinal()
        plain["reasons"] = [{**r, "date": r["date"].toordinal()} for r in row["reasons"]]
        out.append(plain)
    return out


def unpack(plain: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    day = dt.date.fromordinal
    rows = []
    for row in plain:
        for key in _DECIMALS:
            if row[key] is not None:
                row[key] = Decimal(row[key])
        row["date"] = day(row["date"])
        for reason in row["reasons"]:
            reason["date"] = day(reason["date"])
        rows.append(row)
    return rows
