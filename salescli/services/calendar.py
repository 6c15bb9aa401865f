"""`salescli calendar`: booked meetings, open tasks and next steps as an iCalendar feed.

Every item is an all-day event, but a meeting or demo booked at a time of day, which
is an hour from its start (the records keep no end). A UID names what
the event is, never when it was exported: the record and the activity's number (its
place in `activities:`, which appending never changes), or the deal's `next-step`; a
calendar app that imports or subscribes again updates the event, not a duplicate.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from salescli.core.ids import KINDS
from salescli.services.read import MOOT_ACTIVITY
from salescli.services.read import Warn
from salescli.services.read import pasted_target
from salescli.services.read import records_index

_NAME = "coalesce(d.title, x.company, ac.name)"
_JOINS = """LEFT JOIN deals d ON a.record_kind = 'deal' AND d.id = a.record_id
LEFT JOIN leads x ON a.record_kind = 'lead' AND x.id = a.record_id
LEFT JOIN accounts ac ON a.record_kind = 'account' AND ac.id = a.record_id"""
# open tasks on their due day, and the meetings booked that no later meeting answers;
# an imported call still to do is its deal's next step already. Not a moot one
# (MOOT_ACTIVITY: a disqualified lead's, a lost deal's dated by its loss)
_ACTIVITIES = f"""SELECT a.record_kind, a.record_id, a.line, a.type, a.summary, a.status,
  coalesce(a.due, a.date) AS day, a.time, a.due IS NOT NULL AS task,
  coalesce(a.owner, d.owner, x.owner, ac.owner) AS owner,
  coalesce(d.owner, x.owner, ac.owner) AS record_owner, {_NAME} AS name
FROM activities a {_JOINS}
WHERE ((a.due IS NOT NULL AND a.done IS NULL) OR a.pending)
  AND NOT ({MOOT_ACTIVITY})
ORDER BY a.record_kind, a.record_id, a.line"""
_NEXT_STEPS = """SELECT id, title, next_step_action, next_step_due AS day, owner FROM deals
WHERE status = 'open' AND next_step_due IS NOT NULL ORDER BY next_step_due, path"""


# a booked meeting's length in the feed (the records keep its start only)
MEETING_LENGTH = dt.timedelta(hours=1)


def calendar_events(repo: Any, owner: str | None, warn: Warn,
                    use_cache: bool = True) -> list[dict[str, Any]]:
    """The feed's events as {uid, day, time (a meeting's, if given), summary,
    description}, soonest first."""
    with records_index(repo, KINDS, warn, use_cache) as index:
        activities = index.query(_ACTIVITIES)
        steps = index.query(_NEXT_STEPS)
        target = pasted_target(index)
    events = []
    for a in activities:
        # a task is the one's it is for; a meeting also the record owner's
        if owner and owner != a["owner"] and (a["task"] or owner != a["record_owner"]):
            continue
        kind, record_id, line = a["record_kind"], a["record_id"], a["line"]
        what = "Task" if a["task"] else a["type"].capitalize()  # Meeting, Demo, Call...
        done = f"salescli {'task done' if a['task'] else 'meeting held'} " \
            f"{target(kind, record_id)} {line}"
        events.append({
            "uid": f"salescli-{kind}-{record_id}-activity-{line}",
            "day": dt.date.fromisoformat(a["day"]), "time": a["time"],
            "summary": f"{what}: {a['summary']} "
            f"({a['name'] or record_id})",
            "description": f"{kind} {record_id}, activity {line}. Then: {done}"})
    for d in steps:
        if owner and d["owner"] != owner:
            continue
        events.append({
            "uid": f"salescli-deal-{d['id']}-next-step",
            "day": dt.date.fromisoformat(d["day"]),
            "summary": f"Next step: {d['next_step_action'] or 'next step'} ({d['title']})",
            "description": f"deal {d['id']}. Then: salescli deal set {d['id']} "
                           "next_step.action=... next_step.due=..."})
    events.sort(key=lambda e: (e["day"], e.get("time") or "", e["uid"]))
    return events


def _utc_zone() -> Any:
    """UTC as a VTIMEZONE: RFC 5545 wants a calendar to hold a component, and a feed
    with nothing planned has no event (the zone is the one timed events are in)."""
    from icalendar import Timezone
    from icalendar import TimezoneStandard

    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(0))
    standard.add("tzoffsetto", dt.timedelta(0))
    zone = Timezone()
    zone.add("tzid", "UTC")
    zone.add_component(standard)
    return zone


def write_calendar(repo: Any, out: Path | None, owner: str | None, warn: Warn,
                   use_cache: bool = True) -> tuple[int, str]:
    """Write the feed to `out` (None: only make it); the number of events, and the feed."""
    from icalendar import Calendar
    from icalendar import Event

    from salescli.core.dates import start_at
    from salescli.core.output import terminal_safe
    from salescli.store.gitio import atomic_write

    events = calendar_events(repo, owner, warn, use_cache)
    cal = Calendar()
    cal.add("prodid", "-//salescli//salescli calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "salescli")
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for e in events:
        ev = Event()
        ev.add("uid", e["uid"])
        ev.add("dtstamp", stamp)
        if e.get("time"):  # this machine's wall clock, in UTC: every calendar app reads it
            start = start_at(e["day"], e["time"]).astimezone(dt.UTC)
            ev.add("dtstart", start)
            ev.add("dtend", start + MEETING_LENGTH)
        else:
            ev.add("dtstart", e["day"])  # a date: an all-day event
            ev.add("dtend", e["day"] + dt.timedelta(days=1))
        # RFC 5545 TEXT holds no control character but a tab (line breaks are escaped):
        # shown as everything salescli prints shows them (`\x1b`), not sent raw
        ev.add("summary", terminal_safe(e["summary"]))
        ev.add("description", terminal_safe(e["description"]))
        cal.add_component(ev)
    if not events:
        cal.add_component(_utc_zone())
    feed = cal.to_ical().decode("utf-8")
    if out is not None:
        atomic_write(out, feed)
    return len(events), feed
