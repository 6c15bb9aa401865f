"""The reports of `report`, `review`, `export` and the dashboard: the history they read,
the moment they describe, and the Book (SPEC §7) their figures come from.

`report funnel` is timed against `git status` (SPEC §9): the history and the reports
are imported where they are used.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from salescli.core.errors import UsageError
from salescli.core.ids import KINDS
from salescli.core.later import later
from salescli.services.read import Warn
from salescli.services.read import records_index
from salescli.store.config import config_of

_DATE = later(r"^\d{4}-\d\d-\d\d$")
# a progress bar for reading history: made with a function that counts the commits
# there are to read (run in the background), called with each batch read, then closed
Progress = Callable[[Callable[[], int]], Any]


def commit_count(root: Any, rev: str) -> int:
    """How many commits `rev` has: what a progress bar counts up to."""
    from salescli.store import gitio

    return int(gitio.git(root, "rev-list", "--count", rev, "--").stdout.strip() or 0)


def history_for(repo: Any, as_of: str | None, use_cache: bool, warn: Warn,
                kinds: tuple[str, ...] = ("deal",),
                progress: Progress | None = None, now: float | None = None
                ) -> tuple[Any, float]:
    """The history a report reads and the moment it describes (`--as-of DATE|REV`,
    else `now`, by default the clock's)."""
    from salescli.store import gitio
    from salescli.store.history import load_history

    rev, moment = "HEAD", time.time() if now is None else now
    if as_of is not None:  # a date in any form the date options take, else a revision
        import re

        when, refused = _as_of_when(as_of)
        if isinstance(when, dt.datetime):
            moment = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
        elif when is not None:
            moment = dt.datetime.combine(when, dt.time.max, dt.UTC).timestamp()
        elif as_of.startswith("-") or gitio.rev_parse(repo.root, as_of) is None:
            if _DATE.match(as_of):
                raise refused
            hint = re.search(r" \(did you mean [^)]*\)", str(refused))
            raise UsageError(
                f"--as-of: \"{as_of}\"{hint.group(0) if hint else ''} is neither a date "
                "(YYYY-MM-DD, last-month, 30d...) nor a known revision")
        else:
            rev = as_of
            moment = gitio.commit_time(repo.root, as_of)
    bar = progress(lambda: commit_count(repo.root, rev)) if progress else None
    try:
        history = load_history(repo.root, rev, kinds=kinds,
                               use_cache=use_cache, progress=bar)
    finally:
        if bar:
            bar.close()
    warn_skipped(history.rejected_at(moment), warn)
    return history, moment


def warn_skipped(paths: list[str], warn: Warn) -> None:
    """Say which committed records the history left out: the ones `check` rejects."""
    if paths:
        warn(f"warning: skipped {len(paths)} committed record file(s) that `salescli check` "
             f"rejects, such as {paths[0]}; each counts as its last valid version, if any; "
             "fix and commit them (see `salescli check`)")


def build_book(repo: Any, window: Mapping[str, Any], warn: Warn, by: str | None = None,
               leads: bool = False, progress: Progress | None = None,
               ahead: bool = False, read: tuple[Any, float] | None = None,
               query: Any = None) -> Any:
    """The Book of the reports for `window` (the options every report takes: since,
    until, as_of, pipeline, owner, source, no_cache). Only with `ahead` (the forecast's
    close dates) may the window start after the as-of date. `read`: the history and
    moment `history_for` gave already (then `window["as_of"]` is not read again);
    `query`: the `query_of` that moment, made already."""
    from salescli.core.reports import Book

    kinds = ("deal", "lead") if leads else ("deal",)
    history, moment = read or history_for(repo, window["as_of"], not window["no_cache"],
                                          warn, kinds, progress)
    if query is None:
        query = query_of(repo, window, moment, warn, by, ahead)
    config = config_of(repo, warn)
    return Book(history.timelines, config, query, history.rejected_at(moment))


def query_of(repo: Any, window: Mapping[str, Any], moment: float, warn: Warn,
             by: str | None = None, ahead: bool = False) -> Any:
    """The Query of a report of `window` as of `moment` (see `build_book`)."""
    from salescli.core.dates import day_of
    from salescli.core.reports import Query

    account = window.get("account")
    query = Query(as_of=moment, since=day_of(window["since"]),
                  until=day_of(window["until"]), pipeline=window["pipeline"],
                  owner=window["owner"], source=window["source"], by=by, account=account,
                  deal_ids=account_deals(repo, account, not window.get("no_children"), warn)
                  if account else None)
    # as given: a forecast's window may lie after the as-of date (Query clamps `until`)
    if query.asked_until and query.since and query.asked_until < query.since:
        raise UsageError("--until is before --since")
    if not ahead and query.since and query.since > query.as_of_date:
        raise UsageError(f"--since {query.since} is after the as-of date {query.as_of_date}: "
                         "nothing is known of it yet (--as-of sets a later one)")
    return query


def account_deals(repo: Any, account_id: str, children: bool, warn: Warn) -> frozenset[str]:
    """The IDs of the deals of an account (and of its child accounts, recursively), as
    the files are now: what `--account` limits a report to."""
    from salescli.services.read import FAMILY_SQL

    with records_index(repo, ("account", "deal"), warn) as index:
        rows = index.query(f"SELECT id FROM deals WHERE account_id IN ({FAMILY_SQL})"
                           if children else "SELECT id FROM deals WHERE account_id = ?",
                           (account_id,))
    return frozenset(r[0] for r in rows)


def account_family(repo: Any, account_id: str, children: bool, warn: Warn) -> frozenset[str]:
    """The account and (unless not `children`) its child accounts, recursively."""
    from salescli.services.read import FAMILY_SQL

    if not children:
        return frozenset((account_id,))
    with records_index(repo, ("account",), warn) as index:
        return frozenset(r[0] for r in index.query(FAMILY_SQL, (account_id,)))


def _of_account(records: list[Any], repo: Any, window: Mapping[str, Any], deal_ids: Any,
                warn: Warn) -> list[Any]:
    """With --account: the activities of its deals and of the accounts themselves."""
    account = window.get("account")
    if not account:
        return records
    family = account_family(repo, account, not window.get("no_children"), warn)
    return [r for r in records if (r.kind == "deal" and r.id in deal_ids)
            or (r.kind == "account" and r.id in family)]


def report(repo: Any, name: str, window: Mapping[str, Any], warn: Warn,
           by: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """One of the reports computed from history alone (funnel, forecast, cycle...)."""
    from salescli.core.reports import KEPT
    from salescli.core.reports import REPORTS
    from salescli.core.reports import sources

    if name in KEPT:
        return _kept(repo, name, window, warn, by, progress)
    book = build_book(repo, window, warn, by, leads=name in ("sources", "changes"),
                      progress=progress, ahead=name == "forecast")
    payload = sources(book, first_reached(repo, warn, not window["no_cache"])) \
        if name == "sources" else REPORTS[name](book)
    warn_uncounted(book, warn)
    return payload


def _kept(repo: Any, name: str, window: Mapping[str, Any], warn: Warn, by: str | None,
          progress: Progress | None = None) -> dict[str, Any]:
    """A report of `core.reports.KEPT` (`funnel`, `forecast`). As of now (no --as-of,
    --account or --no-cache), what it worked out is kept (`.git/salescli/NAME.memo`) by
    the commit, the day, the configuration, the price list and the options
    (`_report_key`): run again, it reads no history, and the funnel adds up only the
    days of the deals still open in their stages, to this moment. Kept only when no
    change in the history is dated after the moment it was worked out at (one dated
    ahead counts from then on), and when what it is kept by did not change meanwhile
    (a commit or checkout in another terminal)."""
    from salescli.core.reports import KEPT
    from salescli.store.repo import refuse_shallow
    from salescli.store.runtime import load_cache
    from salescli.store.runtime import save_cache

    parts_of, report_at = KEPT[name]
    ahead = name == "forecast"  # (its close dates may lie after the as-of date)
    if window["as_of"] is not None or window["no_cache"] or window.get("account"):
        book = build_book(repo, window, warn, by, progress=progress, ahead=ahead)
        out = report_at(parts_of(book), book.query)
        warn_uncounted(book, warn)
        return out
    moment = time.time()
    query = query_of(repo, window, moment, warn, by, ahead)
    refuse_shallow(repo.root)  # before git is asked: a broken `shallow` file fails it
    key = _report_key(repo, window, by, query)
    memo = repo.state_dir / f"{name}.memo"
    kept = load_cache(memo) if key is not None else None
    if isinstance(kept, list) and len(kept) == 4 and kept[0] == key \
            and isinstance(kept[1], int | float) and kept[1] <= moment \
            and isinstance(kept[3], list) and all(type(x) is str for x in kept[3]):
        try:
            out = report_at(kept[2], query)
        except (LookupError, TypeError, ValueError, ArithmeticError):
            out = None  # damaged: worked out again, and kept anew
        if out is not None:
            for line in kept[3]:  # (in the order they were said, the settings' too)
                warn(line)
            return out
    said: list[str] = []

    def collect(line: str) -> None:
        said.append(line)
        warn(line)

    read = history_for(repo, None, True, collect, progress=progress, now=moment)
    book = build_book(repo, window, collect, by, read=read, query=query)
    parts = parts_of(book)
    warn_uncounted(book, collect)
    newest = read[0].newest()
    if key is not None and read[0].rev == key[1] and newest <= moment \
            and _report_key(repo, window, by, query) == key:
        save_cache(memo, [key, newest, parts, said])
    return report_at(parts, query)


def _report_key(repo: Any, window: Mapping[str, Any], by: str | None, query: Any
                ) -> list | None:
    """What a kept report is kept by (`_kept`); None when it cannot be told (no commit
    yet, settings that cannot be read: the report says why, or answers without them)."""
    import hashlib

    from salescli.core.errors import SalescliError
    from salescli.store.config import config_key
    from salescli.store.gitio import rev_parse
    from salescli.store.repo import PRODUCTS_FILE
    from salescli.store.runtime import code_stamp

    head = rev_parse(repo.root, "HEAD")
    if head is None:
        return None
    try:  # (the forecast prices deals by their items with it)
        products = hashlib.sha1((repo.root / PRODUCTS_FILE).read_bytes()).hexdigest()
    except OSError:
        products = None
    try:  # (its warnings are said as the report is worked out, and kept with it)
        config = config_key(repo, lambda _: None)
    except (SalescliError, OSError):
        return None
    return [code_stamp(), head, config, products, by,
            sorted((option, repr(value)) for option, value in window.items()),
            query.as_of_date.toordinal()]


def first_reached(repo: Any, warn: Warn, use_cache: bool = True) -> dict[str, dt.date]:
    """lead id -> the day of its first activity that reaches it (`activity.REACHES`, as
    `log` and `today`'s lead SLA count contact: a task on the day it was done), from
    the record index: what `report sources` counts as first contact."""
    from salescli.services.activity import REACHES

    with records_index(repo, ("lead",), warn, use_cache) as index:
        rows = index.query(f"""SELECT a.record_id, min(coalesce(a.done, a.date)) AS day
FROM activities a WHERE a.record_kind = 'lead' AND {REACHES} GROUP BY a.record_id""")
    return {r["record_id"]: dt.date.fromisoformat(r["day"]) for r in rows}


def warn_uncounted(book: Any, warn: Warn) -> None:
    """Say what a report could not count that no figure shows: open deals without a
    close date (not in the forecast), and stages their pipeline does not have (renamed
    or removed: their deals count in no stage)."""
    if book.undated:
        warn(f"warning: {len(book.undated)} open deal(s), such as {min(book.undated)}, "
             "have no close_date: the forecast leaves them out; set one (see "
             "`salescli check`)")
    for (pipeline, stage), ids in sorted(book.unknown.items()):
        first = min(ids)
        warn(f"warning: {len(ids)} deal(s), such as {first}, were in stage `{stage}`, which "
             f"pipeline `{pipeline}` does not have: the report counts them in no stage "
             "(weighted by their own probability, if any, else at 0 %); to rename a stage, "
             f"change its `name` and keep its `id`; `salescli deal list --stage {stage}` "
             "lists the deals still in it")


# every activity with what its record says of owner, source and pipeline, record by
# record in the records' own order: what `report activity` and goals count
_ACTIVITIES = """SELECT a.record_kind AS kind, a.record_id AS id, a.date, a.type, a.summary,
  a.status, a.owner, a.due, a.done, coalesce(d.owner, l.owner, c.owner) AS record_owner,
  coalesce(d.source, l.source) AS source, d.pipeline
FROM activities a
LEFT JOIN deals d ON a.record_kind = 'deal' AND d.id = a.record_id
LEFT JOIN leads l ON a.record_kind = 'lead' AND l.id = a.record_id
LEFT JOIN accounts c ON a.record_kind = 'account' AND c.id = a.record_id
WHERE coalesce(d.id, l.id, c.id) IS NOT NULL {within}
ORDER BY a.record_kind = 'lead', a.record_kind = 'account', a.record_id, a.line"""
# a record with an activity dated within a span (each of its activities is read: whether
# a meeting is a new booking depends on those before it); the records found once
_WITHIN = """AND (a.record_kind, a.record_id) IN (SELECT w.record_kind, w.record_id
  FROM activities w WHERE w.date BETWEEN ? AND ?)"""


def activity_records(repo: Any, warn: Warn, within: tuple[dt.date, dt.date] | None = None,
                     use_cache: bool = True) -> list[Any]:
    """Every valid record's activities (only the records with one dated `within` the
    span, when given), from the record index: no record file is read."""
    from salescli.core.dates import iso_day
    from salescli.core.model import Activity
    from salescli.core.reports import ActivityRecord

    records: list[Any] = []
    sql = _ACTIVITIES.format(within=_WITHIN if within else "")
    with records_index(repo, KINDS, warn, use_cache) as index:
        for row in index.query(sql, tuple(d.isoformat() for d in within or ())):
            if not records or (records[-1].kind, records[-1].id) != (row["kind"], row["id"]):
                records.append(ActivityRecord(row["kind"], row["id"], row["record_owner"],
                                              row["source"], row["pipeline"]))
            records[-1].activities.append(Activity(  # typed by the index: no validation
                date=dt.date.fromisoformat(row["date"]), type=row["type"],
                summary=row["summary"], status=row["status"], owner=row["owner"],
                due=iso_day(row["due"]), done=iso_day(row["done"])))
    return records


def goals_report(repo: Any, window: Mapping[str, Any], warn: Warn,
                 progress: Progress | None = None) -> dict[str, Any]:
    """`report goals`: each goal of the settings over its period holding the as-of date.
    A team goal counts every owner's deals, so the history is read unfiltered."""
    from salescli.core.goals import WON
    from salescli.core.goals import activity_span
    from salescli.core.goals import goals

    if window.get("since") or window.get("until"):
        raise UsageError("report goals takes no --since/--until: each goal is measured over "
                         "its own week, month, quarter or year holding the as-of date; for "
                         "another period, give --as-of a day in it")
    team = {**window, "owner": None}
    read = history_for(repo, window["as_of"], not window["no_cache"], warn, ("deal", "lead"),
                       progress)
    book = build_book(repo, team, warn, leads=True, read=read)
    wanted = list(repo.settings.goals)
    # a win counts by its won_date, as the history knows it now: one recorded late (its
    # commit dated after the day) is past --as-of that day; --as-of REV: REV's history.
    # A date reads HEAD's history, the one known now: the same history, at this moment
    known = None
    as_of = window["as_of"]
    if as_of and _as_of_when(as_of)[0] is not None and any(g.metric in WON for g in wanted):
        history, now = read[0], time.time()
        if history.rejected_at(now) != history.rejected_at(read[1]):  # said for now too
            warn_skipped(history.rejected_at(now), warn)
        known = build_book(repo, {**team, "as_of": None}, warn, read=(history, now))
    # only the records with an activity in a period an activity goal counts (a week's
    # meetings: a few hundred of 29,000 activities on the 10,000-deal demo)
    span = activity_span(wanted, book.query.as_of_date)
    records = activity_records(repo, warn, span, not window["no_cache"]) if span else []
    return goals(book, records, wanted, window["owner"], known)


def _as_of_when(as_of: str) -> tuple[Any, UsageError | None]:
    """--as-of as a day or a moment, else (None, why not): then it may be a revision
    (a date first, as `history_for` reads it)."""
    from salescli.core.dates import parse_when

    try:
        return parse_when(as_of, "--as-of"), None
    except UsageError as err:
        return None, err


def activity_report(repo: Any, window: Mapping[str, Any], warn: Warn, by: str,
                    progress: Progress | None = None) -> dict[str, Any]:
    """Activities by period, type and owner, from the records as they are now."""
    from salescli.core.reports import activity

    book = build_book(repo, window, warn, by, progress=progress)
    records = activity_records(repo, warn, use_cache=not window["no_cache"])
    return activity(book, _of_account(records, repo, window, book.query.deal_ids, warn))


def dashboard_page(repo: Any, window: Mapping[str, Any], warn: Warn, by: str,
                   out: Path | None = None, progress: Progress | None = None) -> str:
    """The board's HTML page; written to `out` (atomically) when one is given."""
    from salescli.core import dashboard
    from salescli.core import reports
    from salescli.core.goals import won_by_month
    from salescli.services.activity import deal_views
    from salescli.services.activity import stale_rows

    book = build_book(repo, window, warn, by, progress=progress)
    q = book.query
    use_cache = not window["no_cache"]
    with records_index(repo, ("deal",), warn, use_cache) as index:
        deals = [d for d in deal_views(index, every=True)
                 if (not q.owner or d["owner"] == q.owner)
                 and (q.deal_ids is None or d["id"] in q.deal_ids)
                 and (not q.source or d["source"] == q.source)
                 and (not q.pipeline or d["pipeline"] == q.pipeline)]
    company = repo.settings.company.name
    page = dashboard.render_dashboard(
        funnel=reports.funnel(book), forecast=reports.forecast(book), lost=reports.lost(book),
        slips=reports.slips(book),
        stale=stale_rows(repo, deals, q.as_of_date, warn, use_cache=use_cache),
        titles={d["id"]: d["title"] for d in deals}, board=reports.board(book),
        # a goal's period is its own: the page's window does not narrow it
        goals=goals_report(repo, {**window, "since": None, "until": None}, warn),
        won=won_by_month(book), base=book.base,
        company=company,
        generated=dt.datetime.now(dt.UTC))
    warn_uncounted(book, warn)
    if out is not None:
        from salescli.store.gitio import atomic_write

        atomic_write(out, page)
    return page
