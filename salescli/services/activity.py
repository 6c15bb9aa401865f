"""`log`, `today` and `stale`: what happened, and what needs doing now.

Imported by the `today` and `stale` commands, which are timed against `git status`
(SPEC §9): what is heavy (the record models, ruamel) is imported where it is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from salescli.core.errors import RecordNotFound
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.words import a
from salescli.services import options
from salescli.services.options import COMMIT
from salescli.services.options import Options
from salescli.services.read import Warn
from salescli.services.read import records_index

# where a target's ID is looked for: deals first, then leads, then accounts
TARGETS = ("deal", "lead", "account")


def resolve_target(repo: Any, target: str) -> tuple[str, str]:
    """`acme-erp` or `deal:acme-erp` -> (kind, id): deals first, then leads, then accounts.

    A bare ID never means a converted lead: its work goes on as the account and deal it
    became (which usually share its ID); `lead:ID` still names it.
    """
    from salescli.core.ids import check_id

    kind, sep, record_id = target.partition(":")
    if sep:
        if kind not in TARGETS:
            raise UsageError(f"unknown kind {kind!r} in {target!r}; use deal:, lead: or account:")
        repo.find(kind, record_id)
        return kind, record_id
    check_id(target, "record")
    found = kinds_with(repo, target)
    if not found:
        raise RecordNotFound(f"no deal, lead or account {target!r}; see `salescli deal list`, "
                             "`lead list` or `account list` for the IDs", TARGETS, target)
    if "lead" in found:
        try:
            converted = repo.load("lead", target).converted
        except SalescliError:  # an invalid lead file: `check`'s to report, the lead stays
            converted = None
        if converted is not None:
            found.remove("lead")
            if not found:  # its account and deal renamed since: say where the work is
                became = " and ".join(f"{k} {v}" for k, v in (
                    ("account", converted.account), ("deal", converted.deal)) if v)
                raise SalescliError(f"lead {target} was converted into {became}: name "
                                    f"them (or lead:{target} for the lead itself)")
    if len(found) > 1:
        raise UsageError(f"{target!r} is {' and '.join(map(a, found))}; say which, e.g. "
                         f"{found[0]}:{target}")
    return found[0], target


def kinds_with(repo: Any, record_id: str) -> list[str]:
    """The kinds, in TARGETS order, that have a record of this ID (files looked up, no
    record read)."""
    found = []
    for kind in TARGETS:
        try:
            repo.find(kind, record_id)
            found.append(kind)
        except RecordNotFound:
            continue
    return found


def log_activity(repo: Any, activity_type: str, target: str, summary: str, *,
                 outcome: str | None = None, status: str | None = None,
                 with_: tuple[str, ...] = (), went_well: str | None = None,
                 improve: str | None = None, opts: Options = COMMIT) -> Any:
    """Append an activity to a deal's, lead's or account's record and commit it; returns
    the finished change (its commit, or why there is none), where it went, what was
    logged and whether it marked a new lead contacted, as `(change, kind, record_id,
    activity, contacted)`."""
    from salescli.core.dates import wall_clock
    from salescli.core.vocabulary import BOOKABLE
    from salescli.services.edit import today

    kind, record_id = resolve_target(repo, target)
    # a date-time later today is ahead too: booked, not held
    when = opts.date
    timed = isinstance(when, dt.datetime)
    ahead = timed and when.timestamp() > options.now()  # type: ignore[union-attr]
    if activity_type in BOOKABLE:  # a meeting's day and start on this machine's clock
        when = wall_clock(when)
    day = today(when)
    activity, line = logged(activity_type, summary, day, None,
                            outcome=outcome, status=status, with_=with_,
                            went_well=went_well, improve=improve, ahead=ahead,
                            at=when.time() if timed else None)  # type: ignore[union-attr]
    if activity_type in BOOKABLE and (ahead or day > today(None)):
        opts = opts._replace(date=None)  # booked now for a day to come
    # else the session refuses a call, e-mail or note dated ahead: not happened yet
    with opts.session(repo, kind, record_id, "log", summary=line) as s:
        append_activity(s, kind, record_id, activity, owned_by_default=True)
        contacted = kind == "lead" and reaches(activity) and first_contact(s, record_id)
    return s, kind, record_id, activity, contacted


def reaches(activity: dict[str, Any]) -> bool:
    """An activity that is contact with the lead: not a note, a cancelled meeting or a
    task still open (REACHES below says it in SQL, for the SLA and `report sources`)."""
    return activity["type"] != "note" and activity.get("status") != "cancelled" and (
        activity.get("due") is None or activity.get("done") is not None)


def first_contact(s: Any, lead_id: str) -> bool:
    """The lead marked contacted in Session `s`'s commit, if the activity `s` records
    was its first contact (`reaches`); False if it was contacted already, or the
    settings' lead_flow holds it back (a note says why)."""
    from salescli.services import leads

    record = s.load("lead", lead_id)
    try:
        changes = leads.first_contact(record.model, s.repo.settings.lead_flow)
    except SalescliError as err:  # the call is history all the same
        s.notes.append(f"lead {lead_id} stays new: {err}")
        return False
    if changes:
        s.set(record, changes)
    return bool(changes)


def _known_contacts(repo: Any, kind: str, record_id: str, model: Any,
                    with_: Sequence[str]) -> None:
    """Refuse a `--with` that names no contact of the account (the deal's account): a
    typo would otherwise be history, and the agenda and reports would not know them."""
    if kind == "lead":
        raise UsageError(f"--with names contacts of an account, and lead {record_id} has none "
                         "yet; put the person in the summary, or convert the lead first")
    account_id = record_id if kind == "account" else model.account
    try:
        account = model if kind == "account" else repo.load("account", account_id)
    except RecordNotFound:
        return  # the deal names no account: its validation says so, as without --with
    known = [c.id for c in account.contacts]
    unknown = [c for c in with_ if c not in known]
    if unknown:
        raise SalescliError(
            f"--with {unknown[0]}: not a contact of account {account_id} ("
            + (f"its contacts: {', '.join(known)}" if known else "it has none yet")
            + f"); add them with `salescli contact add {account_id} NAME` first")


def logged(activity_type: str, summary: str, when: dt.date, owner: str | None, *,
           outcome: str | None = None, status: str | None = None,
           with_: Sequence[str] = (), went_well: str | None = None,
           improve: str | None = None, ahead: bool = False, at: dt.time | None = None,
           today: dt.date | None = None) -> tuple[dict[str, Any], str]:
    """The rule step of `log` (the demo's too): the activity an entry appends, in the
    documented key order, and the commit summary. A meeting without a status is booked
    when it lies ahead (a later day than `today`, or `ahead`: a later time today), else
    held, and is not held ahead of time; `at`, the time of day it was given with, is a
    meeting's or demo's start."""
    from salescli.core.ids import check_id
    from salescli.core.vocabulary import BOOKABLE
    from salescli.services.edit import today as today_of

    if not summary.strip():  # a commit subject `call:` says nothing of what happened
        raise UsageError(f"SUMMARY is empty; say what the {activity_type} was about")
    later = ahead or when > (today or today_of(None))
    if activity_type in BOOKABLE and status is None:
        status = "booked" if later else "held"
    elif status and activity_type not in BOOKABLE:
        raise UsageError("--status is for meetings and demos (booked, held, cancelled)")
    elif status == "held" and later:  # as `meeting held` refuses it
        raise UsageError(f"a {activity_type} on {when}{f' at {at:%H:%M}' if at else ''} is "
                         "not held yet: log it booked, and `meeting held` once it has been")
    activity: dict[str, Any] = {"date": when}
    if at is not None and activity_type in BOOKABLE:  # a call's time is its commit's
        activity["time"] = f"{at:%H:%M}"
    activity.update({"type": activity_type, "summary": summary})
    if outcome:
        activity["outcome"] = outcome
    if status:
        activity["status"] = status
    if with_:
        activity["with"] = list(dict.fromkeys(check_id(c, "contact") for c in with_))
    if went_well or improve:
        activity["evaluation"] = {k: v for k, v in
                                  (("went_well", went_well), ("improve", improve)) if v}
    if owner:
        activity["owner"] = owner
    return activity, f"{activity_type}: {summary}"[:72]


def append_activity(s: Any, kind: str, record_id: str, activity: dict[str, Any],
                    owned_by_default: bool = False) -> int:
    """Append `activity` (plain values) to the record in Session `s`, its `with` held
    to the account's contacts; its number, from 1. `owned_by_default`: its owner, last,
    is the one the git identity names (`default_owner`), from what git said as the
    session began (the record is read meanwhile)."""
    from salescli.services.edit import default_owner

    record = s.load(kind, record_id)
    owner = default_owner(s.repo, s) if owned_by_default else None
    if owner:
        activity["owner"] = owner
    if activity.get("with"):
        _known_contacts(s.repo, kind, record_id, record.model, activity["with"])
    s.append(record, "activities", activity)
    return len(record.model.activities) + 1


# what `today`, `stale` and the dashboard need of every deal, from the record index;
# `touched` is the last activity that happened (a booked meeting or an open task has not)
_DEALS = """SELECT d.id, d.title, d.status, d.stage, d.pipeline, d.owner, d.source, d.created,
  d.close_date, d.next_step_action, d.next_step_due, d.revisit, d.lost_reason,
  d.value, d.currency, d.probability, d.last_activity AS touched
FROM deals d {where} ORDER BY d.path"""
# what `stale` needs of the open deals
_OPEN_DEALS = """SELECT d.id, d.title, d.status, d.stage, d.pipeline, d.owner, d.created
FROM deals d WHERE d.status = 'open' ORDER BY d.path"""
# `reaches` over the record index's activities (`a`): contact with the lead
REACHES = """(a.due IS NULL OR a.done IS NOT NULL) AND a.type <> 'note'
  AND coalesce(a.status, '') <> 'cancelled'"""
# the leads the first-contact SLA can concern: new, and never contacted (no activity
# that reaches them)
_LEADS = f"""SELECT x.id, x.company, x.status, x.owner, x.created FROM leads x
WHERE x.status = 'new' AND NOT EXISTS (SELECT 1 FROM activities a
  WHERE a.record_kind = 'lead' AND a.record_id = x.id AND {REACHES})
ORDER BY x.path"""
# activities booked for a day
_BOOKED = """SELECT a.record_kind, a.record_id, a.type, a.summary, a.owner, a.time
FROM activities a
WHERE a.status = 'booked' AND a.date = ?
ORDER BY a.record_kind, a.record_id, coalesce(a.time, ''), a.line"""
# the meetings booked for a day gone by that no later meeting answers, still to mark
# held or cancelled (an imported call still to do is the deal's next step already); not
# a lost deal's or a disqualified lead's: nobody works those, so the question would stand
# for ever (a reopened deal asks again). A deal ID in two files, which check reports, is
# lost if either file says so: activities know the ID, not the file.
_UNHELD = """SELECT a.record_kind, a.record_id, a.line, a.date, a.time, a.type, a.summary,
  a.owner FROM activities a INDEXED BY activities_pending WHERE a.pending AND a.date < ?
  AND NOT EXISTS (SELECT 1 FROM deals d INDEXED BY deals_key WHERE a.record_kind = 'deal'
    AND d.id = a.record_id AND d.status = 'lost')
  AND NOT EXISTS (SELECT 1 FROM leads l WHERE a.record_kind = 'lead'
    AND l.id = a.record_id AND l.status = 'disqualified')
ORDER BY a.record_kind, a.record_id, a.line"""
# open tasks due by the day; not those a deal was lost with (added by the day it was
# lost: the work stopped there, and they would stay overdue for ever; one added later, to
# come back, shows), nor a disqualified lead's
_TASKS_DUE = """SELECT a.record_kind, a.record_id, a.line, a.due, a.summary, a.owner
FROM activities a
WHERE a.done IS NULL AND a.due <= ?
  AND NOT EXISTS (SELECT 1 FROM deals d INDEXED BY deals_key WHERE a.record_kind = 'deal'
    AND d.id = a.record_id AND d.status = 'lost'
    AND (d.lost_date IS NULL OR a.date <= d.lost_date))
  AND NOT EXISTS (SELECT 1 FROM leads l WHERE a.record_kind = 'lead'
    AND l.id = a.record_id AND l.status = 'disqualified')
ORDER BY a.record_kind, a.record_id, a.line"""
# won customers and their last activity by the day, on the account or any of its deals
# (winning counts as one; a meeting booked or a task open is contact planned: the day),
# from each record's last and next activity; only a record whose last activity is after
# the day (`--on` in the past) has its activities looked at, through their index
_AFTER_SALES = """WITH won AS (
  SELECT account_id AS id, max(coalesce(won_date, created)) AS won FROM deals
  WHERE status = 'won' AND coalesce(won_date, created) <= ?1 GROUP BY account_id),
touches AS (
  SELECT w.id, 'deal' AS kind, d.id AS record, d.last_activity AS last,
    d.next_activity AS next FROM won w CROSS JOIN deals d ON d.account_id = w.id
  UNION ALL
  SELECT w.id, 'account', ac.id, ac.last_activity, ac.next_activity
  FROM won w CROSS JOIN accounts ac ON ac.id = w.id),
touch AS (
  SELECT id, CASE WHEN count(next) THEN ?1 ELSE max(CASE WHEN last IS NULL
    OR last <= ?1 THEN last ELSE (
    SELECT max(a.happened) FROM activities a
    WHERE a.record_kind = kind AND a.record_id = record AND a.happened <= ?1
      AND coalesce(a.status, '') != 'cancelled') END) END
    AS touched
  FROM touches GROUP BY id)
SELECT ac.id, ac.name, ac.owner, won.won, touch.touched
FROM accounts ac JOIN won ON won.id = ac.id LEFT JOIN touch ON touch.id = ac.id
GROUP BY ac.id ORDER BY ac.path"""
_ACCOUNTS = """SELECT x.id, x.name, x.owner FROM accounts x
WHERE x.id IN ({ids}) ORDER BY x.path"""
_BOOKED_LEADS = """SELECT x.id, x.company, x.owner FROM leads x
WHERE x.id IN ({ids}) ORDER BY x.path"""
_DATES = ("created", "close_date", "next_step_due", "revisit", "touched")
# open deals with a discount: those over the approval threshold may await an approver
_DISCOUNTED = """SELECT d.id, d.approved_by, max(i.discount) AS discount
FROM deals d JOIN items i ON i.deal_id = d.id
WHERE d.status = 'open' AND i.discount > 0 GROUP BY d.path ORDER BY d.path"""

# open deals' latest quote, when still sent (a missing status reads as sent)
# (a deal ID in two files, which check reports, has the quotes of both under one ID:
# none of them is followed up until it is one file again)
_LATEST_QUOTES = """SELECT d.id, q.number, q.version, q.date
FROM deals d JOIN quotes q ON q.deal_id = d.id
WHERE d.status = 'open' AND q.status = 'sent'
  AND q.line = (SELECT max(line) FROM quotes WHERE deal_id = d.id)
  AND NOT EXISTS (SELECT 1 FROM deals o WHERE o.id = d.id AND o.path != d.path)
ORDER BY d.path"""


def deal_views(index: Any, every: bool = False, booked: Sequence[str] = ()) -> list[dict]:
    """The valid deals that can need attention (open, lost with a revisit date, or one of
    `booked`: those with an activity booked for the day), or `every` deal, as dicts of
    the fields above, dates as dates, in path order."""
    out = []
    where, params = "", tuple(booked)
    if not every:
        where = "WHERE d.status = 'open' OR (d.status = 'lost' AND d.revisit IS NOT NULL)"
        if booked:
            where += f" OR d.id IN ({', '.join('?' * len(booked))})"
    for row in index.query(_DEALS.format(where=where), params):
        d = dict(row)
        for key in _DATES:
            if d[key]:
                d[key] = dt.date.fromisoformat(d[key])
        d["touched"] = d["touched"] or d["created"]
        out.append(d)
    return out


def stale_rows(repo: Any, deals: list[dict], on: dt.date, warn: Warn,
               config: Any = None, use_cache: bool = True) -> list[dict]:
    """Open deals longer in their stage than its max_days (time since they entered it),
    by `config` (else the repository's); without `use_cache`, the days they entered it
    are read from the whole history."""
    from salescli.core.errors import SalescliError
    from salescli.store.config import config_of
    from salescli.store.history import stage_entered

    config = config_of(repo, warn) if config is None else config
    # a deal as it stood on a past day knows since when (board.open_then)
    entered = {} if all("since" in d for d in deals) else stage_entered(repo.root, use_cache)
    rows = []
    for d in deals:
        if d["status"] != "open":
            continue
        limits = config.max_days.get(d["pipeline"])
        if limits is None:
            config.stages_of(d["pipeline"])  # one that cannot be read is the error
            try:  # a missing pipeline: its error, once per deal
                repo.pipeline(d["pipeline"])
            except SalescliError as err:  # one broken reference must not hide the others
                warn(f"warning: {d['id']}: {err}")
            continue
        max_days = limits.get(d["stage"])
        if not max_days:
            if d["stage"] not in config.stage_ids(d["pipeline"]):  # a hand edit's typo
                warn(f"warning: {d['id']}: stage `{d['stage']}` is not in pipeline "
                     f"`{config.pipeline_or_default(d['pipeline'])}`: it is never stale and "
                     "weighs 0 %; see `salescli check`")
            continue
        since = d.get("since") or max(entered.get(d["id"], d["created"]), d["created"])
        days = (on - since).days
        if days > max_days:
            rows.append({"id": d["id"], "title": d["title"], "stage": d["stage"],
                         "since": since, "days": days, "max_days": max_days,
                         "owner": d["owner"]})
    rows.sort(key=lambda r: -r["days"])
    return rows


def _day_key(repo: Any, on: dt.date) -> Callable[[Warn], list]:
    """What an answer about the day `on` is kept by besides the record index's rows:
    the day, the configuration and HEAD (when each deal entered its stage)."""
    from salescli.store.config import config_key
    from salescli.store.gitio import rev_parse

    def key(say: Warn) -> list:
        return [on.toordinal(), config_key(repo, say), rev_parse(repo.root, "HEAD")]

    return key


def _kept_rows(repo: Any, on: dt.date) -> Any:
    """The look-up of `_rows`' answer (`_day_key`)."""
    from salescli.store.index import Kept

    return Kept("today", _day_key(repo, on))


def _rows(repo: Any, index: Any, kept: Any, on: dt.date, warn: Warn,
          use_cache: bool) -> list[dict]:
    """Every deal, lead and account that needs attention on `on`, once each with all
    its reasons, most urgent group first (salescli.core.today), kept in the record
    index (`Index.memo`) under `kept` (`_kept_rows`)."""
    from salescli.core import today
    from salescli.store.config import config_of

    # the configuration's own warnings are said as it is read, never kept
    return today.unpack(index.memo(kept, lambda said: today.pack(_work_out_today(
        repo, index, on, config_of(repo, warn), said, use_cache)), warn))


def today_shown(repo: Any, on: str | dt.date | None, owner: str | None, warn: Warn,
                shape: list, show: Callable[[dt.date, list[dict]], str],
                use_cache: bool = True, limit: int | None = None) -> str:
    """`today`: what needs attention on the day `on` names (one owner's, or all; the
    first `limit` records only when given), as the command prints it, `show(day,
    rows)`. Kept in the record index as its rows are (`_rows`), and by `shape` too
    (plain data: all else `show` depends on, the format and the width), so that `today`
    run again with nothing changed prints what it printed before without making it
    again (laying out 2,800 rows of the 10,000-deal demo costs more than reading them)."""
    from salescli.store.index import Kept

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, not {limit}")
    when = _on_day(on)
    rows_kept = _kept_rows(repo, when)
    kept = Kept("today shown", lambda say: [rows_kept.key(say), owner, limit, shape])

    def work(said: Warn) -> str:
        rows = [mine for r in _rows(repo, index, rows_kept, when, said, use_cache)
                if (mine := _owners_part(r, owner))]
        return str(show(when, rows[:limit]))  # (plain str, as the index keeps it)

    with records_index(repo, TARGETS, warn, use_cache, ahead=kept) as index:
        return index.memo(kept, work, warn)


def _work_out_today(repo: Any, index: Any, on: dt.date, config: Any, warn: Warn,
                    use_cache: bool = True) -> list[dict]:
    from salescli.core import today
    from salescli.core.money import from_float
    from salescli.services.read import pasted_target

    day = on.isoformat()
    booked = index.query(_BOOKED, (day,))  # one look-up each, by its index
    unheld = index.query(_UNHELD, (day,))
    tasks = index.query(_TASKS_DUE, (day,))
    customers = index.query(_AFTER_SALES, (day,)) if config.after_sales_days else []
    wanted = [*booked, *unheld, *tasks]
    ids = {kind: sorted({b["record_id"] for b in wanted if b["record_kind"] == kind})
           for kind in TARGETS}
    deals = deal_views(index, booked=ids["deal"])
    leads = index.query(_LEADS)
    discounted = index.query(_DISCOUNTED)
    sent = index.query(_LATEST_QUOTES)
    booked_leads = index.query(_BOOKED_LEADS.format(ids=", ".join("?" * len(ids["lead"]))),
                               tuple(ids["lead"])) if ids["lead"] else []
    accounts = index.query(_ACCOUNTS.format(ids=", ".join("?" * len(ids["account"]))),
                           tuple(ids["account"])) if ids["account"] else []
    records: dict[tuple[str, str], dict] = {}

    def row(kind: str, x: Any, name: str,
            money: Callable[[], tuple] = lambda: (None, None, None)) -> dict:
        """The record's row of the day, made once: its reasons are added to it."""
        key = (kind, x["id"])
        if key not in records:
            value, currency, probability = money()
            records[key] = {"kind": kind, "id": x["id"], "name": x[name], "owner": x["owner"],
                            "value": value, "currency": currency, "probability": probability,
                            "reasons": []}
        return records[key]

    def deal(d: dict) -> dict:
        return row("deal", d, "title", lambda: (
            None if d["value"] is None else from_float(d["value"]), d["currency"],
            today.probability(d["status"], today.percent(d["probability"]),
                              config.stage_probability(d["pipeline"], d["stage"]))))

    def lead(x: Any) -> dict:
        return row("lead", x, "company")

    def account(x: Any) -> dict:
        return row("account", x, "name")

    shared: list[Callable[[str, str], str]] = []

    def target(kind: str, record_id: str) -> str:
        """The record as a command to paste names it (one query, on the first row that
        has a command)."""
        if not shared:
            shared.append(pasted_target(index))
        return shared[0](kind, record_id)

    by_id = {d["id"]: d for d in deals}
    for d in deals:
        reasons = deal(d)["reasons"]
        if d["status"] == "open":
            due = d["next_step_due"]
            if due and due <= on:
                reasons.append(today.next_step(due, on, d["next_step_action"]))
            if d["close_date"] and d["close_date"] < on:
                reasons.append(today.close_date_passed(d["close_date"], on))
            if (on - d["touched"]).days >= config.follow_up_days:
                reasons.append(today.untouched(d["touched"], on))
        elif d["status"] == "lost" and d["revisit"] and d["revisit"] <= on:
            reasons.append(today.revisit(d["revisit"], on, d["lost_reason"], d["id"]))
    if discounted:
        from salescli.core.approvals import approval_problem

        for x in discounted:
            top = today.percent(x["discount"])
            why = approval_problem(top, x["approved_by"], config.approval_threshold,
                                   config.approvers)
            if why and x["id"] in by_id:
                covering = [k for k, v in config.approvers.items() if v >= top]
                deal(by_id[x["id"]])["reasons"].append(
                    today.approval(top, on, x["id"], why, covering))
    for x in sent:  # sent quotes about to expire: ask for the answer while it counts
        until = dt.date.fromisoformat(x["date"]) + dt.timedelta(days=config.quote_validity_days)
        if x["id"] in by_id and 0 <= (until - on).days <= today.QUOTE_EXPIRING_DAYS:
            deal(by_id[x["id"]])["reasons"].append(
                today.quote_expiring(until, on, x["id"], x["number"], x["version"]))
    for r in stale_rows(repo, deals, on, warn, config, use_cache):
        deal(by_id[r["id"]])["reasons"].append(
            today.stale(r["since"], on, r["stage"], r["max_days"]))
    for x in leads:
        created = dt.date.fromisoformat(x["created"])
        if (on - created).days > config.sla_days:
            lead(x)["reasons"].append(today.lead_sla(
                created, on, config.sla_days,
                f'salescli log call {target("lead", x["id"])} "First contact"'))
    found = {"deal": (by_id, deal), "lead": ({x["id"]: x for x in booked_leads}, lead),
             "account": ({x["id"]: x for x in accounts}, account)}

    def reasons(b: Any) -> list | None:
        known, entry = found[b["record_kind"]]
        record = known.get(b["record_id"])
        # None: an invalid file's activity (the warning named it)
        return None if record is None else entry(record)["reasons"]

    for b in booked:
        if (rs := reasons(b)) is not None:
            rs.append(today.meeting(on, on, b["type"], b["summary"], b["owner"], b["time"]))

    for b in unheld:
        if (rs := reasons(b)) is not None:
            rs.append(today.did_it_happen(
                dt.date.fromisoformat(b["date"]), on, b["type"], b["summary"],
                f"salescli meeting held {target(b['record_kind'], b['record_id'])} "
                f"{b['line']}", b["owner"], b["time"]))
    for t in tasks:
        if (rs := reasons(t)) is not None:
            rs.append(today.task(dt.date.fromisoformat(t["due"]), on, t["summary"],
                                 f"salescli task done {target(t['record_kind'], t['record_id'])}"
                                 f" {t['line']}", t["owner"]))
    for c in customers:
        touched = max(filter(None, (c["won"], c["touched"])))
        last = dt.date.fromisoformat(touched)
        if (on - last).days >= config.after_sales_days:
            account(c)["reasons"].append(today.after_sales(
                last, on, f'salescli log call {target("account", c["id"])} '
                          '"After-sales check-in"'))
    return today.agenda(records.values(), config.fx, config.currency)


def reasons_text(row: dict) -> str:
    """A `today` row's reasons as one line, for a table or CSV cell."""
    from salescli.core.today import reasons_text as text

    return text(row)


def _on_day(on: str | dt.date | None) -> dt.date:
    """The day `--on` names (a date-time counts by its own date), else today."""
    from salescli.core.dates import day_of

    return day_of(on, "--on") or dt.date.today()


def _owners_part(row: dict, owner: str | None) -> dict | None:
    """The row as `owner` sees it: all of their own records; of another's, only the
    discounts they may approve and the tasks that are theirs (None: nothing of theirs)."""
    if not owner or row["owner"] == owner:
        return row
    theirs = [r for r in row["reasons"]
              if owner in r.get("approvers", ()) or r.get("owner") == owner]
    if not theirs:
        return None
    first = theirs[0]
    return {**row, "group": first["what"], "what": first["what"], "date": first["date"],
            "days": first["days"], "detail": first["detail"], "reasons": theirs}


def stale_shown(repo: Any, on: str | dt.date | None, owner: str | None, warn: Warn,
                shape: list, show: Callable[[dt.date, list[dict]], str],
                use_cache: bool = True) -> str:
    """`stale`: the open deals past their stage's max_days on the day `on` names, as
    the command prints them, `show(day, rows)`. From today on, kept in the record index
    as `today`'s output is, by the day, the configuration, HEAD (when each deal entered
    its stage), the owner and `shape` (plain data: all else `show` depends on)."""
    from salescli.store.index import Kept

    when = _on_day(on)
    if when < dt.date.today():  # the pipeline as it stood then, as `board --on` shows it
        from salescli.services.board import open_then

        deals = [{**d, "status": "open"} for d in open_then(repo, when, None, owner, warn,
                                                            use_cache)]
        return show(when, stale_rows(repo, deals, when, warn, use_cache=use_cache))
    day = _day_key(repo, when)
    kept = Kept("stale shown", lambda say: [day(say), owner, shape])

    def work(said: Warn) -> str:
        # only what stale_rows reads: no last activity looked up for each deal
        deals = [{**row, "created": dt.date.fromisoformat(row["created"])}
                 for row in index.query(_OPEN_DEALS)]
        rows = [r for r in stale_rows(repo, deals, when, said, use_cache=use_cache)
                if not owner or r["owner"] == owner]
        return str(show(when, rows))  # (plain str, as the index keeps it)

    with records_index(repo, ("deal",), warn, use_cache, ahead=kept) as index:
        return index.memo(kept, work, warn)
