"""`task` and `meeting`: work scheduled on a deal, lead or account, and marking it done.

A task is an activity with `due` (and `done` once done). Tasks and meetings are named
by their activity number: the position in the record's `activities:` list, from 1
(the `line` of the record index and of `export`). Activities are only ever appended,
so a number stays the same when other tasks are done or more activities are logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from salescli.core.errors import RecordNotFound
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.ids import KINDS
from salescli.services.activity import append_activity
from salescli.services.activity import first_contact
from salescli.services.activity import resolve_target
from salescli.services.options import COMMIT
from salescli.services.options import Options
from salescli.services.read import Warn
from salescli.services.read import records_index

# open (or, with `every`, all) tasks with the name and owner of their record; a task
# without an owner is its record's owner's
_TASKS = """SELECT a.due, a.done, a.record_kind AS kind, a.record_id AS id, a.line AS n,
  a.summary, coalesce(a.owner, d.owner, x.owner, ac.owner) AS owner,
  coalesce(d.title, x.company, ac.name) AS name
FROM activities a
LEFT JOIN deals d ON a.record_kind = 'deal' AND d.id = a.record_id
LEFT JOIN leads x ON a.record_kind = 'lead' AND x.id = a.record_id
LEFT JOIN accounts ac ON a.record_kind = 'account' AND ac.id = a.record_id
WHERE a.due IS NOT NULL {where}
ORDER BY a.due, a.record_kind, a.record_id, a.line"""


def add_task(repo: Any, target: str, summary: str, due: str | dt.date, *,
             owner: str | None = None, opts: Options = COMMIT) -> tuple[Any, str, str, int]:
    """Append a task due on `due` to a deal's, lead's or account's activities and commit;
    returns (change, kind, record_id, the task's number)."""
    from salescli.core.dates import day_of
    from salescli.services.edit import choose
    from salescli.services.edit import today

    if not summary.strip():
        raise UsageError("SUMMARY is empty; say what is to be done")
    kind, record_id = resolve_target(repo, target)
    when = today(opts.date)
    due_day = day_of(due, "--due") or when
    owner = choose(owner, repo.settings.owners, "owner") if owner is not None else None
    activity, line = task_added(summary, when, due_day, owner)
    with opts.session(repo, kind, record_id, "task", summary=line) as s:
        number = append_activity(s, kind, record_id, activity,
                                 owned_by_default=owner is None)
    return s, kind, record_id, number


def task_added(summary: str, when: dt.date, due: dt.date, owner: str | None
               ) -> tuple[dict[str, Any], str]:
    """The rule step of `task add` (the demo's too): the task appended to a record's
    activities and the commit summary."""
    activity: dict[str, Any] = {"date": when, "type": "task", "summary": summary, "due": due}
    if owner:
        activity["owner"] = owner
    return activity, f"task: {summary}"[:72]


def task_done(activities: Any, kind: str, record_id: str, number: int,
              target: str | None = None) -> tuple[Any, str]:
    """The rule step of `task done` (the demo's too): task `number` of a record's
    validated `activities`, if it is a task, and the commit summary. A task done
    already (`task.done`) stays as it is: nothing to record, as for any command run
    twice."""
    # a task logged (`log task`) was done as it was logged: it has no due day
    task = _activity(activities, kind, record_id, number, "task", "a task with a due day",
                     lambda a: a.due is not None, target)
    return task, f"task {number} done: {task.summary}"[:72]


def _activity(activities: Any, kind: str, record_id: str, number: int, what: str,
              label: str, fits: Callable[[Any], bool], target: str | None = None) -> Any:
    """Activity `number` of a record's validated `activities` when it `fits` (is a
    task, a booked meeting), or why not: `what` names its listing (`salescli what
    list TARGET`, the record as the user named it: `deal:ID` where IDs clash), `label`
    it."""
    listing = f"`salescli {what} list {target or record_id}`"
    if not 1 <= number <= len(activities):
        raise RecordNotFound(f"{kind} {record_id} has no activity {number}; see {listing}")
    found = activities[number - 1]
    if not fits(found):
        raise SalescliError(f"activity {number} of {kind} {record_id} is {found.type} "
                            f"{found.summary!r}, not {label}; see {listing}")
    return found


def _set_on_activity(s: Any, record: Any, number: int, key: str, value: Any,
                     **more: Any) -> None:
    """Set `key` (and the `more` keys given a value) on activity `number`: only those
    keys written, every other byte kept."""
    from salescli.core.model import Activity
    from salescli.core.model import field_names

    changes = {k: v for k, v in {key: value, **more}.items() if v is not None}
    s.set(record, changes, ("activities", number - 1), field_names(Activity))


def _before(meeting: Any, date: dt.date | dt.datetime | None) -> bool:
    """The change (now, or at a `--date` with a time) comes before the meeting's start;
    a `--date` without a time is held to the day only."""
    from salescli.core.dates import start_at
    from salescli.services import options

    if date is not None and not isinstance(date, dt.datetime):
        return False
    start = start_at(meeting.date, meeting.time)
    moment = options.now() if date is None else min(date.timestamp(), options.now())
    return start.timestamp() > moment


def complete_task(repo: Any, target: str, number: int, opts: Options = COMMIT
                  ) -> tuple[Any, str, str, Any]:
    """Record task `number` of a record as done on the change's date (today); returns
    (change, kind, record_id, the task)."""
    from salescli.services.edit import today

    kind, record_id = resolve_target(repo, target)
    when = today(opts.date)
    with opts.session(repo, kind, record_id, "task") as s:
        record = s.load(kind, record_id)
        task, s.summary = task_done(record.model.activities, kind, record_id, number,
                                    target)
        if task.done is None:
            _set_on_activity(s, record, number, "done", when)
            if kind == "lead" and first_contact(s, record_id):  # a task done is contact
                s.notes.append(f"lead {record_id}: new -> contacted")
    return s, kind, record_id, task


def mark_meeting(repo: Any, target: str, number: int, status: str,
                 opts: Options = COMMIT, outcome: str | None = None,
                 went_well: str | None = None, improve: str | None = None
                 ) -> tuple[Any, str, str, Any]:
    """Mark meeting `number` of a record held or cancelled, with what came of it and
    its VALKEA evaluation when given; returns (change, kind, record_id, the meeting)."""
    from salescli.services.edit import today

    if status not in ("held", "cancelled"):
        raise UsageError(f"a meeting is marked held or cancelled, not {status!r}")
    kind, record_id = resolve_target(repo, target)
    with opts.session(repo, kind, record_id, "log") as s:
        record = s.load(kind, record_id)
        meeting = _activity(record.model.activities, kind, record_id, number, "meeting",
                            "a booked meeting", lambda a: a.status is not None, target)
        s.summary = f"{meeting.type} {number} {status}: {meeting.summary}"[:72]
        if meeting.status not in ("booked", status):  # held is not cancelled after all
            raise SalescliError(
                f"meeting {number} of {kind} {record_id} is marked {meeting.status}; to "
                f"correct that, edit the record (salescli {kind} edit {record_id})")
        # held: on its day or later, never before it (nor marked so ahead of time)
        if status == "held" and meeting.date > min(today(opts.date), today(None)):
            raise SalescliError(
                f"meeting {number} of {kind} {record_id} is booked for {meeting.date}: mark "
                "it held on that day or later (or cancelled now)")
        if status == "held" and meeting.time is not None and _before(meeting, opts.date):
            raise SalescliError(
                f"meeting {number} of {kind} {record_id} starts at {meeting.time} on "
                f"{meeting.date}: mark it held once it has begun (or cancelled now)")
        # added to what the evaluation says already (a second `held` adds feedback)
        said = meeting.evaluation
        given = {k: v for k, v in (("went_well", went_well), ("improve", improve)) if v}
        evaluation = {**{k: getattr(said, k) for k in ("went_well", "improve")
                         if said is not None and getattr(said, k)}, **given} if given else None
        if meeting.status != status or outcome or evaluation:  # else nothing to record
            _set_on_activity(s, record, number, "status", status, outcome=outcome,
                             evaluation=evaluation)
    return s, kind, record_id, meeting


def task_list(repo: Any, target: str | None, owner: str | None,
              due_before: str | dt.date | None, every: bool, warn: Warn,
              use_cache: bool = True) -> list[dict]:
    """Open tasks (`every`: done ones too), soonest due first: of one record, one owner's,
    or due on or before a day."""
    from salescli.core.dates import day_of
    from salescli.services.read import MOOT_ACTIVITY

    where, params = [], []
    if not every:
        where.append("a.done IS NULL")
        if target is None:  # as `today` and the calendar: not a disqualified lead's, say
            where.append(f"NOT ({MOOT_ACTIVITY})")
    if target is not None:  # `""` (a script's unset variable) is refused, not everyone's
        kind, record_id = resolve_target(repo, target)
        where.append("a.record_kind = ? AND a.record_id = ?")
        params += [kind, record_id]
    if owner:
        where.append("coalesce(a.owner, d.owner, x.owner, ac.owner) = ?")
        params.append(owner)
    before = day_of(due_before, "--due-before")
    if before:
        where.append("a.due <= ?")
        params.append(before.isoformat())
    sql = _TASKS.format(where="".join(f" AND {w}" for w in where))
    with records_index(repo, KINDS, warn, use_cache,
                       about=(kind, record_id) if target is not None else None) as index:
        rows = [dict(r) for r in index.query(sql, tuple(params))]
    for r in rows:
        for key in ("due", "done"):
            if r[key]:
                r[key] = dt.date.fromisoformat(r[key])
    return rows


_MEETINGS = """SELECT a.date, a.time, a.status, a.record_kind AS kind, a.record_id AS id,
  a.line AS n, a.type, a.summary
FROM activities a WHERE a.status IS NOT NULL AND a.record_kind = ? AND a.record_id = ?
ORDER BY a.line"""


def meeting_list(repo: Any, target: str, warn: Warn, use_cache: bool = True) -> list[dict]:
    """The meetings of one record (booked, held or cancelled), by number."""
    kind, record_id = resolve_target(repo, target)
    with records_index(repo, (kind,), warn, use_cache, about=(kind, record_id)) as index:
        rows = [dict(r) for r in index.query(_MEETINGS, (kind, record_id))]
    for r in rows:
        r["date"] = dt.date.fromisoformat(r["date"])
    return rows
