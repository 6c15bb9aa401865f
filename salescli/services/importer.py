"""Import other tools' exports as backdated history (SPEC §10).

The flow, one way, nothing written until the end:

1. read each CSV (UTF-8, a BOM and `;` or tab delimiters allowed) and match its
   headers loosely to the fields we know (`Deal - Add time` or `Deal - Deal created`);
2. turn rows into planned records and their events (an account's creation, a
   contact added, a deal added in its stage, won or lost) at the export's own times,
   collecting every problem as `FILE:ROW: message` instead of stopping at the first;
3. render every version of every record as salescli writes it and validate it as
   `salescli check` would;
4. only when there are no errors, hand the commits, oldest first, to
   `gitio.append_history`, which writes them in one `git fast-import` on top of HEAD.

This module is pure: no git, no click. `plan_pipedrive` and `plan_csv` return a
`Plan` (commits, settings additions, notes) or raise `ImportFailed` with every error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salescli.core.errors import SalescliError, UsageError
from salescli.core.ids import is_valid_id
from salescli.core.money import parse_grouped

UTC = dt.timezone.utc  # noqa: UP017 -- the name reads better next to dt.datetime
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
# a date-only cell is noon UTC: a day's slack lets today's date in from any time zone
LATEST = dt.timedelta(days=1)


class ImportFailed(SalescliError):
    """Some rows are wrong: `errors` holds every `FILE:ROW: message`; nothing was written."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"import failed with {len(errors)} error(s); nothing was imported")


# what an import writes; it refuses to run while any of these has uncommitted changes
RECORD_PATHS = ("salescli.yaml", "accounts", "deals", "leads")


def run_import(repo: Any, dry_run: bool, make_plan: Callable[[Any], Plan]
               ) -> tuple[Plan, str | None]:
    """Plan under the repository lock, then write every commit at once (or none);
    returns (the plan, the new HEAD or None). `make_plan(repo)` raises ImportFailed
    with every error."""
    from salescli.store.gitio import (
        RepoLock,
        append_history,
        in_progress,
        remove_stale_commit_refs,
        uncommitted,
    )

    with RepoLock(repo.git_dir):
        busy = in_progress(repo.git_dir)
        if busy:
            raise SalescliError(f"the repository is in the middle of {busy}; finish or abort "
                                "it first")
        if not dry_run:
            remove_stale_commit_refs(repo.root)  # as every mutating command does
        dirty = uncommitted(repo.root, RECORD_PATHS)
        if dirty and not dry_run:
            raise SalescliError(f"{dirty[0]}: has uncommitted changes; an import needs the "
                                "records and salescli.yaml committed first (git status)")
        plan = make_plan(repo)
        sha = None
        if not dry_run and plan.commits:
            sha = append_history(repo.root, [
                (int(c.when.timestamp()), c.message, c.files) for c in plan.commits])
    return plan, sha


# ----------------------------------------------------------------- reading CSV


def norm_header(text: str) -> str:
    """`Deal - Currency of Value` -> `deal currency of value`: case, spacing, dashes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


@dataclass
class Table:
    """A CSV file: its name for messages, its headers and its rows with their line numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def column(self, aliases: Iterable[str]) -> int | None:
        """The first header matching one of the (normalised) aliases."""
        normal = [norm_header(h) for h in self.headers]
        for alias in aliases:
            if alias in normal:
                return normal.index(alias)
        return None


def read_table(path: Path, name: str | None = None) -> Table:
    """Read a CSV export; a BOM, `;` or tab delimiters and quoted newlines are fine."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UsageError(f"{path}: not UTF-8 text (byte {err.start}); export it as UTF-8 "
                         "CSV") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    label = name or path.name
    try:
        headers = next(reader)
    except StopIteration:
        raise UsageError(f"{label}: the file is empty; expected a header row") from None
    rows: list[tuple[int, list[str]]] = []
    line = reader.line_num + 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as err:
        raise UsageError(f"{label}:{line}: not valid CSV: {err}") from None
    return Table(label, headers, rows)


# ------------------------------------------------------------------- values

_ISO = re.compile(r"^\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?(?:Z|[+-]\d\d:?\d\d)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d\d)(?::(\d\d))?)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d\d)(?::(\d\d))?)?$")


class Dates:
    """Dates and timestamps of one import, UTC; `03/04/2024` needs the file to say which.

    ISO (`2024-03-04`, `2024-03-04 10:15:00`) and dotted day-first (`4.3.2024`) dates
    are read as they are. Slashed dates are day/month or month/day: if any slashed
    date of the import has a first part over 12, all are day-first; a second part
    over 12, month-first; otherwise they are ambiguous and need `--date-format`.
    """

    def __init__(self, fmt: str | None = None):
        self.fmt = fmt
        self.order: str | None = None  # "dmy" | "mdy" | None (unknown)

    def observe(self, values: Iterable[str]) -> None:
        day_first = month_first = False
        for value in values:
            m = _SLASHED.match(value.strip())
            if m:
                day_first |= int(m.group(1)) > 12
                month_first |= int(m.group(2)) > 12
        if day_first != month_first:
            self.order = "dmy" if day_first else "mdy"

    def parse(self, value: str) -> dt.datetime:
        """A UTC datetime; a bare date is noon UTC, as `--date` reads one."""
        text = value.strip()
        if _ISO.match(text):
            try:
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{value!r} is not a real date and time") from None
            if len(text) == 10:
                when = when.replace(hour=12)
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        if self.fmt:
            for suffix in ("", " %H:%M:%S", " %H:%M"):
                try:
                    when = dt.datetime.strptime(text, self.fmt + suffix)
                except ValueError:
                    continue
                if not suffix and when.time() == dt.time(0):
                    when = when.replace(hour=12)
                return when.replace(tzinfo=UTC)
            raise ValueError(f"{value!r} does not match --date-format {self.fmt}")
        m = _DOTTED.match(text)
        day_first = True
        if not m:
            m = _SLASHED.match(text)
            if m and self.order is None:
                raise ValueError(
                    f"{value!r} is ambiguous (day/month or month/day?): pass "
                    "--date-format %d/%m/%Y or --date-format %m/%d/%Y")
            day_first = self.order == "dmy"
        if not m:
            raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or "
                             "YYYY-MM-DD HH:MM:SS, or pass --date-format)")
        a, b, year, hh, mm, ss = m.groups()
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
        try:
            if hh is None:
                return dt.datetime(int(year), month, day, 12, tzinfo=UTC)
            return dt.datetime(int(year), month, day, int(hh), int(mm), int(ss or 0), tzinfo=UTC)
        except ValueError:
            raise ValueError(f"{value!r} is not a real date") from None


def first_of(value: str) -> str:
    """Pipedrive lists several e-mails or phones in one cell: keep the first."""
    return value.split(",")[0].strip()


# ------------------------------------------------------------------ planning

PIPEDRIVE_LABELS = {
    "id": "Deal - ID", "title": "Title", "status": "Status", "created": "Deal created",
    "value": "Value", "currency": "Currency", "stage": "Stage",
    "close_date": "Expected close date", "won_time": "Won time", "lost_time": "Lost time",
    "close_time": "Close time", "organization": "Organization", "lost_reason": "Lost reason",
}


@dataclass
class Commit:
    """One commit to write: its author date, message and the files it changes."""

    when: dt.datetime
    subject: str
    event: str
    files: dict[str, str]
    body: str = ""

    @property
    def message(self) -> str:
        from salescli.core.commitmsg import commit_message

        return commit_message(self.subject, self.event, message=self.body)


@dataclass
class Plan:
    commits: list[Commit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    added_owners: list[str] = field(default_factory=list)
    added_sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Source:
    """Where a planned record came from, for error messages: `deals.csv:17`."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Planned:
    """A record being planned: its data (current version), folder and versions in time."""

    kind: str
    id: str
    data: dict[str, Any]
    created: dt.datetime
    source: Source
    existing_text: str | None = None  # an account already in the repository
    rel: str = ""
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> planned


@dataclass
class Event:
    when: dt.datetime
    rank: int  # at one moment: settings, account, contact, deal, close
    record: Planned
    subject: str
    event: str
    change: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] | None = None


class Names:
    """Owners and sources by what the export calls them, as slugs the settings list.

    A name matches a settings entry by its slug or its first word's slug
    (`Anna Lindholm` -> `anna`); a name that matches none becomes a new entry (its
    first word's slug unless another imported name claims it too).
    """

    def __init__(self, known: Iterable[str], by_first_word: bool):
        self.known = list(known)
        self.by_first_word = by_first_word
        self.added: list[str] = []
        self._map: dict[str, str] = {}

    def plan(self, names: Iterable[str]) -> None:
        from salescli.core.ids import slugify

        distinct = sorted({n.strip() for n in names if n and n.strip()})
        firsts: dict[str, set[str]] = {}
        for name in distinct:
            firsts.setdefault(slugify(name.split()[0]), set()).add(slugify(name))
        for name in distinct:
            full, first = slugify(name), slugify(name.split()[0])
            candidates = [full, first] if self.by_first_word else [full]
            match = next((c for c in candidates if c in self.known), None)
            if match is None:
                unique_first = self.by_first_word and len(firsts[first]) == 1
                match = first if unique_first else full
                if match not in self.known:
                    self.known.append(match)
                    self.added.append(match)
            self._map[name] = match

    def get(self, name: str) -> str | None:
        return self._map.get(name.strip()) if name and name.strip() else None


def lost_reason(text: str, reasons: list[str]) -> tuple[str | None, str | None]:
    """(lost_reason, lost_note) for an export's free-text reason.

    The settings reason whose slug equals the text's; else the first settings reason
    that appears as words in it (`Price too high` -> price); else `other`. Whenever
    the text is not exactly a settings reason, it is kept in lost_note.
    """
    from salescli.core.ids import slugify

    text = text.strip()
    if not text:
        return ("other" if "other" in reasons or not reasons else None), None
    slug = slugify(text)
    if not reasons:
        return slug, None
    if slug in reasons:
        return slug, None
    padded = f"-{slug}-"
    for reason in reasons:
        if f"-{reason}-" in padded:
            return reason, text
    return ("other" if "other" in reasons else None), text


class Planner:
    """Builds the records and events of one import against one repository."""

    def __init__(self, repo: Any, dates: Dates, pipeline: str | None = None):
        from salescli.core.ids import slugify

        self.repo = repo
        self.settings = repo.settings
        self.dates = dates
        self.pipe = repo.pipeline(pipeline)
        self.errors: list[str] = []
        self.events: list[Event] = []
        self.taken = {kind: set(repo.ids(kind)) for kind in ("account", "deal", "lead")}
        self.accounts: dict[str, Planned] = {}  # normalised name -> account
        self.records: list[Planned] = []
        self.owners = Names(self.settings.owners, by_first_word=True)
        self.sources = Names(self.settings.sources, by_first_word=False)
        # existing accounts, by name and by ID, so imports reuse them
        self.existing: dict[str, Path] = {}
        for path in repo.record_paths("account"):
            self.existing[path.stem] = path
        self._slug = slugify
        self.skipped_deleted = 0
        # a record with no time of its own in the export is created at the import
        self.now = dt.datetime.now(UTC).replace(microsecond=0)
        self.missing_requires = 0
        self.labels = dict(PIPEDRIVE_LABELS)  # field -> the column's name in messages

    # -- errors and values
    def error(self, where: Source | str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def when(self, where: Source, column: str, value: str,
             happened: bool = True) -> dt.datetime | None:
        """A cell's time; one that `happened` (a creation, a win) lies in git's range.

        Such a time dates a commit and names the record's month folder: 2999 would
        make `deals/2999-11/`, and git cannot date a commit before 1970.
        """
        if not value.strip():
            return None
        try:
            when = self.dates.parse(value)
        except ValueError as err:
            self.error(where, f"{column}: {err}")
            return None
        if happened and when > self.now + LATEST:
            self.error(where, f"{column}: {value.strip()!r} is in the future (today is "
                       f"{self.now:%Y-%m-%d}); fix the date in the export")
            return None
        if happened and when < EPOCH:
            self.error(where, f"{column}: {value.strip()!r} is before 1970, earlier than "
                       "git can date a commit; fix the date in the export")
            return None
        return when

    def new_id(self, kind: str, name: str) -> str:
        from salescli.core.ids import unique_id

        ident = unique_id(self._slug(name), self.taken[kind])
        self.taken[kind].add(ident)
        return ident

    # -- accounts and contacts
    def account(self, name: str, when: dt.datetime, where: Source,
                extra: dict[str, Any] | None = None) -> Planned:
        """The account of this name: existing, already planned, or new; created by `when`."""
        key = " ".join(name.casefold().split())
        planned = self.accounts.get(key)
        if planned is None:
            slug = self._slug(name)
            path = self.existing.get(slug)
            if path is not None:
                planned = Planned("account", slug, {}, when, where,
                                  existing_text=path.read_text(encoding="utf-8"),
                                  rel=self.repo.rel(path))
            else:
                ident = self.new_id("account", name)
                planned = Planned("account", ident, {"id": ident, "name": name.strip()}, when,
                                  where)
                self.records.append(planned)
            self.accounts[key] = planned
        if planned.existing_text is None:
            planned.created = min(planned.created, when)
            for k, v in (extra or {}).items():
                if v not in (None, "") and k not in planned.data:
                    planned.data[k] = v
        return planned

    def contact(self, account: Planned, name: str, when: dt.datetime,
                details: dict[str, Any] | None = None) -> str:
        """The contact ID of `name` in `account`, planning its addition at `when`."""
        from salescli.core.ids import unique_id

        key = " ".join(name.casefold().split())
        people = account.contacts
        if key in people:
            person = people[key]
            person["when"] = min(person["when"], when)
            for k, v in (details or {}).items():
                if v and not person["data"].get(k):
                    person["data"][k] = v
            return person["data"]["id"]
        taken = {p["data"]["id"] for p in people.values()}
        if account.existing_text is not None:
            from salescli.store.loader import parse_text

            model = parse_text("account", account.rel, account.existing_text).model
            existing = {c.name.casefold(): c.id for c in (model.contacts if model else [])}
            if key in existing:
                return existing[key]
            taken |= set(existing.values())
        cid = unique_id(self._slug(name), taken)
        data = {"id": cid, "name": name.strip(), **{k: v for k, v in (details or {}).items()
                                                      if v}}
        people[key] = {"data": data, "when": when}
        return cid

    # -- deals
    def stage_of(self, name: str, stage_map: dict[str, str]) -> str | None:
        ids = [s.id for s in self.pipe.stages]
        key = norm_header(name)
        if key in stage_map:
            return stage_map[key]
        slug = self._slug(name)
        for st in self.pipe.stages:
            if slug in (st.id, self._slug(st.name or "")):
                return st.id
        return None if name.strip() else ids[0]

    def deal(self, where: Source, row: dict[str, str], stage_map: dict[str, str],
             default_close: dt.date | None) -> None:
        """Plan one deal from a row of normalised fields (title, value, stage...)."""
        L = self.labels
        errors_before = len(self.errors)
        title = row.get("title", "").strip()
        explicit = row.get("id", "").strip()
        if explicit and (not is_valid_id(explicit) or explicit in self.taken["deal"]):
            self.error(where, f"{L['id']}: {explicit!r} is not a free deal ID (a-z, 0-9, '-')")
        if not title:
            self.error(where, f"{L['title']}: missing; every deal needs a title")
        status = row.get("status", "").strip().casefold() or "open"
        if status == "deleted":
            self.skipped_deleted += 1
            return
        if status not in ("open", "won", "lost"):
            self.error(where, f"{L['status']}: {row['status']!r} is not open, won or lost")
        created = self.when(where, L["created"], row.get("created", ""))
        if created is None and not row.get("created", "").strip():
            self.error(where, f"{L['created']}: missing; the deal's creation time is its history's "
                       "start")
        value = currency = None
        if row.get("value", "").strip():
            try:
                value = parse_grouped(row["value"])
            except ValueError as err:
                self.error(where, f"{L['value']}: {err}")
        if row.get("currency", "").strip():
            currency = row["currency"].strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", currency):
                self.error(where, f"{L['currency']}: {row['currency']!r} is not a 3-letter code "
                           "such as EUR")
        stage = self.stage_of(row.get("stage", ""), stage_map)
        if stage is None:
            ids = ", ".join(s.id for s in self.pipe.stages)
            self.error(where, f"{L['stage']}: {row['stage']!r} is not a stage of pipeline "
                       f"`{self.pipe.name}` ({ids}); map it with --stage-map "
                       f"\"{row['stage'].strip()}=STAGE\"")
        # an expected close date is a plan, not an event: any year is the user's to write
        close = self.when(where, L["close_date"], row.get("close_date", ""), happened=False)
        closed_at = None
        if status in ("won", "lost"):
            column = L[f"{status}_time"]
            before = len(self.errors)
            closed_at = self.when(where, column, row.get(f"{status}_time", "")) \
                or self.when(where, L["close_time"], row.get("close_time", ""))
            if closed_at is None and len(self.errors) == before:
                self.error(where, f"{column}: missing for a {status} deal")
        if created and closed_at and closed_at < created:
            self.error(where, f"{'Won' if status == 'won' else 'Lost'} time {closed_at:%Y-%m-%d} "
                       f"is before the deal was created ({created:%Y-%m-%d})")
        close_date = close.date() if close else None
        if status == "open" and close_date is None:
            close_date = default_close
            if close_date is None:
                self.error(where, f"{L['close_date']}: missing; an open deal needs one (fill "
                           "it in, or pass --default-close-date YYYY-MM-DD)")
        org = row.get("organization", "").strip()
        person = row.get("person", "").strip()
        if not org and not person:
            self.error(where, f"{L['organization']}: missing, and no contact person either; a deal "
                       "belongs to an account")
        if len(self.errors) > errors_before or created is None:
            return
        account = self.account(org or person, created, where)
        stakeholders = None
        if person:
            cid = self.contact(account, person, created)
            stakeholders = [{"contact": cid}]
        ident = explicit or self.new_id("deal", title)
        self.taken["deal"].add(ident)
        data: dict[str, Any] = {
            "id": ident, "title": title, "account": account.id, "pipeline": self.pipe.name,
            "stage": stage, "status": "open", "value": value,
            "currency": currency or self.settings.currency,
            "close_date": close_date or (closed_at.date() if closed_at else None),
            "owner": self.owners.get(row.get("owner", "")),
            "source": self.sources.get(row.get("source", "")),
            "created": created.date(), "stakeholders": stakeholders,
            "notes": row.get("notes", "").strip() or None,
        }
        deal = Planned("deal", ident, data, created, where)
        self.records.append(deal)
        self.events.append(Event(created, 3, deal, f"add in {stage}", "add"))
        if closed_at is not None:
            if status == "won":
                change: dict[str, Any] = {"status": "won", "won_date": closed_at.date()}
                self.events.append(Event(closed_at, 4, deal, "won", "win", change))
            else:
                reason, note = lost_reason(row.get("lost_reason", ""),
                                           list(self.settings.lost_reasons))
                if reason is None:
                    self.error(where, f"{L['lost_reason']}: {row.get('lost_reason')!r} matches "
                               "none of the settings' lost_reasons, which have no `other`")
                    return
                change = {"status": "lost", "lost_date": closed_at.date(),
                          "lost_reason": reason, "lost_note": note}
                self.events.append(Event(closed_at, 4, deal, f"lost ({reason})", "lose",
                                         change))

    # -- from plan to commits
    def finish(self, body: str) -> Plan:
        """Account and contact events, validation of every version, then the commits."""
        if self.errors:
            raise ImportFailed(self.errors)
        for account in list(self.accounts.values()):
            if account.existing_text is None:
                account.data["created"] = account.created.date()
                self.events.append(Event(account.created, 1, account, "add", "add"))
            for person in account.contacts.values():
                when = max(person["when"], account.created)
                self.events.append(Event(when, 2, account, f"add contact {person['data']['id']}",
                                         "contact", contact=person["data"]))
        self.events.sort(key=lambda e: (e.when, e.rank))
        settings_text = self._settings_text()
        plan = Plan(added_owners=self.owners.added, added_sources=self.sources.added)
        if settings_text is not None and self.events:
            added = ", ".join(f"owner {o}" for o in self.owners.added) + \
                (", " if self.owners.added and self.sources.added else "") + \
                ", ".join(f"source {s}" for s in self.sources.added)
            plan.commits.append(Commit(self.events[0].when, f"repo(settings): add {added}",
                                       "set", {"salescli.yaml": settings_text}, body))
        texts = self._replay(plan, body)
        self._validate(texts)
        if self.errors:
            raise ImportFailed(self.errors)
        return plan

    def _settings_text(self) -> str | None:
        from salescli.store.repo import SETTINGS_FILE
        from salescli.store.yamlio import RoundTrip, inline

        if not self.owners.added and not self.sources.added:
            return None
        rt = RoundTrip((self.repo.root / SETTINGS_FILE).read_text(encoding="utf-8"))
        for key, names in (("owners", self.owners), ("sources", self.sources)):
            if names.added:
                current = list(rt.data.get(key) or [])
                rt.data[key] = inline([*current, *names.added])
        return rt.dump()

    def _replay(self, plan: Plan, body: str) -> dict[str, tuple[Planned, list[str]]]:
        """Apply the events in time order; every version's text, by path."""
        from salescli.core.model import key_order
        from salescli.services.edit import FLOW_KEYS
        from salescli.store.repo import KIND_DIRS
        from salescli.store.yamlio import dump_record

        flow = frozenset(FLOW_KEYS)
        order = {k: key_order(k) for k in ("account", "deal", "lead")}
        texts: dict[str, tuple[Planned, list[str]]] = {}
        for ev in self.events:
            rec = ev.record
            if not rec.rel:
                month = rec.created.strftime("%Y-%m")
                rec.rel = f"{KIND_DIRS[rec.kind]}/{month}/{rec.id}.yaml"
            if rec.existing_text is not None:
                text = _append_contact(texts[rec.rel][1][-1] if rec.rel in texts
                                       else rec.existing_text, ev.contact or {})
            else:
                if ev.contact is not None:
                    rec.data["contacts"] = [*(rec.data.get("contacts") or []), ev.contact]
                rec.data.update(ev.change)
                text = dump_record(rec.data, order[rec.kind], flow)
            texts.setdefault(rec.rel, (rec, []))[1].append(text)
            plan.commits.append(Commit(ev.when, f"{rec.kind}({rec.id}): {ev.subject}", ev.event,
                                       {rec.rel: text}, f"{body} ({rec.source})"))
        return texts

    def _validate(self, texts: dict[str, tuple[Planned, list[str]]]) -> None:
        """What `check` would say about each record's first and last version."""
        from salescli.core.model import Settings
        from salescli.core.rules import known_requirement, missing_requirements
        from salescli.services.check import AccountInfo, Context, validate
        from salescli.store.loader import parse_text

        settings = self.settings.model_copy(update={
            "owners": list(self.owners.known), "sources": list(self.sources.known)})
        assert isinstance(settings, Settings)
        ctx = Context(settings=settings, products=self.repo.products,
                      pipelines={self.pipe.name: self.pipe}, ids=dict(self.taken))
        for path in self.repo.pipeline_paths():
            if path.stem not in ctx.pipelines:
                try:
                    ctx.pipelines[path.stem] = self.repo.pipeline(path.stem)
                except SalescliError:
                    continue
        parsed_accounts = {}
        for rel, (rec, versions) in texts.items():
            if rec.kind == "account":
                parsed = parse_text("account", rel, versions[-1])
                parsed_accounts[rel] = (rec, parsed)
                if parsed.model is not None:
                    ctx.accounts[rec.id] = AccountInfo(
                        parsed.model.parent, {c.id: c.role for c in parsed.model.contacts})
        for rel, (rec, versions) in texts.items():
            candidates = [versions[-1]] if rec.kind == "account" else \
                list(dict.fromkeys([versions[0], versions[-1]]))
            for text in candidates:
                parsed = parsed_accounts[rel][1] if rec.kind == "account" \
                    else parse_text(rec.kind, rel, text)
                for f in validate(parsed, ctx):
                    if f.severity == "error":
                        self.error(rec.source, f"{rel}: {f.message}")
                if rec.kind == "deal" and parsed.model is not None and text is versions[-1] \
                        and parsed.model.status == "open":
                    stage = next((s for s in self.pipe.stages if s.id == parsed.model.stage),
                                 None)
                    roles = ctx.accounts.get(parsed.model.account)
                    if stage is not None and missing_requirements(
                            [r for r in stage.requires if known_requirement(r)], parsed.model,
                            roles.contacts if roles else {}):
                        self.missing_requires += 1


def _append_contact(text: str, person: dict[str, Any]) -> str:
    """An existing account's text with one more contact, round trip (comments kept)."""
    from salescli.services.edit import add_contact
    from salescli.store.yamlio import RoundTrip

    rt = RoundTrip(text)
    add_contact(rt.data, person)
    return rt.dump()


# ------------------------------------------------------------------ Pipedrive

# field -> header aliases (normalised), tried with the file's prefix (`deal `) and without
DEAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "deal title", "name"),
    "value": ("value",),
    "currency": ("currency", "currency of value", "value currency"),
    "stage": ("stage",),
    "status": ("status",),
    "organization": ("organization", "organization name", "organisation",
                     "organisation name"),
    "person": ("contact person", "person", "person name", "contact person name"),
    "close_date": ("expected close date",),
    "lost_reason": ("lost reason",),
    "owner": ("owner", "owner name", "deal owner", "user"),
    "created": ("deal created", "add time", "created", "deal created on", "created at"),
    "won_time": ("won time",),
    "lost_time": ("lost time",),
    "close_time": ("close time", "deal closed on", "closed on"),
    "source": ("source", "source channel", "lead source"),
}
ORG_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "organization", "organization name"),
    "owner": ("owner", "owner name"),
    "created": ("add time", "organization created", "created"),
    "domain": ("website", "domain", "web domain"),
}
PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "person", "full name"),
    "organization": ("organization", "organization name", "organisation"),
    "email": ("email", "email work", "email other", "email home", "e mail"),
    "phone": ("phone", "phone work", "phone mobile", "phone other", "phone home"),
    "title": ("job title", "title"),
    "created": ("add time", "person created", "created"),
}
REQUIRED_DEAL_COLUMNS = {"title": "Deal - Title", "stage": "Deal - Stage",
                         "status": "Deal - Status",
                         "created": "Deal - Deal created (or Deal - Add time)"}


def match_columns(table: Table, columns: dict[str, tuple[str, ...]],
                  prefix: str) -> dict[str, int]:
    found = {}
    for name, aliases in columns.items():
        index = table.column([f"{prefix} {a}" for a in aliases] + list(aliases))
        if index is not None:
            found[name] = index
    return found


def nul_cells(table: Table, columns: dict[str, int]) -> list[str]:
    """`FILE:ROW: COLUMN: ...` for every imported cell that holds a NUL character.

    A NUL is not text (a record file holding one is refused); in an export it is
    damage, so its row is refused like any other bad cell, never silently changed.
    """
    used = sorted(set(columns.values()))
    return [f"{table.name}:{line}: {table.headers[i]}: contains a NUL character (byte 0); "
            "remove it from the export"
            for line, cells in table.rows for i in used if i < len(cells) and "\0" in cells[i]]


def rows_of(table: Table, columns: dict[str, int]) -> Iterable[tuple[Source, dict[str, str]]]:
    for line, cells in table.rows:
        yield Source(table.name, line), {
            name: cells[i] if i < len(cells) else "" for name, i in columns.items()}


def parse_stage_map(text: str | None, pipeline: Any) -> dict[str, str]:
    """`Qualified=needs-analysis,Proposal Made=proposal` -> normalised name -> stage id."""
    mapping: dict[str, str] = {}
    ids = [s.id for s in pipeline.stages]
    for pair in (text or "").split(","):
        if not pair.strip():
            continue
        old, sep, new = pair.rpartition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(f"--stage-map: expected OLD=new, got {pair.strip()!r}")
        if new.strip() not in ids:
            raise UsageError(f"--stage-map: `{new.strip()}` is not a stage of pipeline "
                             f"`{pipeline.name}` ({', '.join(ids)})")
        mapping[norm_header(old)] = new.strip()
    return mapping


def _date_cells(tables: Iterable[tuple[Table, dict[str, int]]],
                names: tuple[str, ...]) -> Iterable[str]:
    for table, columns in tables:
        for _, cells in table.rows:
            for name in names:
                i = columns.get(name)
                if i is not None and i < len(cells):
                    yield cells[i]


def plan_pipedrive(repo: Any, deals: Path, organizations: Path | None = None,
                   persons: Path | None = None, stage_map: str | None = None,
                   pipeline: str | None = None, date_format: str | None = None,
                   default_close: dt.date | None = None) -> Plan:
    """Plan a Pipedrive export's import: accounts, contacts, deals and their closes.

    `default_close`: a date-time counts by its own day."""
    from salescli.core.dates import day_of

    default_close = day_of(default_close)
    dates = Dates(date_format)
    planner = Planner(repo, dates, pipeline)
    mapping = parse_stage_map(stage_map, planner.pipe)
    deal_table = read_table(deals)
    deal_cols = match_columns(deal_table, DEAL_COLUMNS, "deal")
    missing = [label for key, label in REQUIRED_DEAL_COLUMNS.items() if key not in deal_cols]
    if missing:
        raise UsageError(f"{deal_table.name}: no column {', '.join(missing)}; is this "
                         "Pipedrive's deals export? Headers found: "
                         + ", ".join(deal_table.headers[:12]))
    tables = [(deal_table, deal_cols)]
    org_table = read_table(organizations) if organizations else None
    person_table = read_table(persons) if persons else None
    org_cols = match_columns(org_table, ORG_COLUMNS, "organization") if org_table else {}
    person_cols = match_columns(person_table, PERSON_COLUMNS, "person") if person_table else {}
    for table, cols, what in ((org_table, org_cols, "Organization - Name"),
                              (person_table, person_cols, "Person - Name")):
        if table is not None:
            if "name" not in cols:
                raise UsageError(f"{table.name}: no column {what}")
            tables.append((table, cols))
    for table, cols in tables:
        planner.errors += nul_cells(table, cols)
    dates.observe(_date_cells(tables, ("created", "close_date", "won_time", "lost_time",
                                       "close_time")))
    owner_names = [row.get("owner", "") for t, c in tables if "owner" in c
                   for _, row in rows_of(t, c)]
    planner.owners.plan(owner_names)
    planner.sources.plan(row.get("source", "") for _, row in rows_of(deal_table, deal_cols))

    for where, row in rows_of(deal_table, deal_cols):
        planner.deal(where, row, mapping, default_close)
    # organizations and persons after deals: their own add times and details win,
    # and an organization or person no deal mentions is imported too
    if org_table is not None:
        for where, row in rows_of(org_table, org_cols):
            name = row["name"].strip()
            if not name:
                planner.error(where, "Organization - Name: missing")
                continue
            when = planner.when(where, "Add time", row.get("created", ""))
            domain = re.sub(r"^[a-z]+://", "", row.get("domain", "").strip().lower())
            planner.account(name, when or planner.now, where, {
                "domain": domain.removeprefix("www.").split("/")[0] or None,
                "owner": planner.owners.get(row.get("owner", ""))})
    persons_skipped = 0
    if person_table is not None:
        for where, row in rows_of(person_table, person_cols):
            name, org = row["name"].strip(), row.get("organization", "").strip()
            if not name:
                planner.error(where, "Person - Name: missing")
                continue
            if not org:
                persons_skipped += 1
                continue
            when = planner.when(where, "Add time", row.get("created", "")) or planner.now
            account = planner.account(org, when, where)
            planner.contact(account, name, when, {
                "title": row.get("title", "").strip(), "email": first_of(row.get("email", "")),
                "phone": first_of(row.get("phone", ""))})
    plan = planner.finish("Imported from Pipedrive")
    _summarise(planner, plan)
    if persons_skipped:
        plan.notes.append(f"skipped {persons_skipped} person(s) without an organization "
                          "(salescli keeps people as contacts of an account)")
    return plan


def _summarise(planner: Planner, plan: Plan) -> None:
    deals = [r for r in planner.records if r.kind == "deal"]
    counts = {"accounts": sum(
        r.kind == "account" and r.existing_text is None for r in planner.records),
        "leads": sum(r.kind == "lead" for r in planner.records)}
    if deals:
        counts["deals"] = len(deals)
        for status in ("open", "won", "lost"):
            counts[status] = sum(d.data["status"] == status for d in deals)
    counts["contacts"] = sum(len(a.contacts) for a in planner.accounts.values())
    counts["commits"] = len(plan.commits)
    plan.counts = counts
    if planner.skipped_deleted:
        plan.notes.append(f"skipped {planner.skipped_deleted} deleted deal(s)")
    if planner.missing_requires:
        plan.notes.append(
            f"{planner.missing_requires} open deal(s) lack what their stage requires "
            "(stakeholders, items, quotes...): imports enter stages as they were; "
            "`salescli check` lists them as warnings")


# ------------------------------------------------------------------ any CSV

CSV_FIELDS: dict[str, tuple[str, ...]] = {
    "account": ("id", "name", "business_id", "domain", "industry", "region", "size", "owner",
                "created", "tags", "notes", "contact.name", "contact.email", "contact.phone",
                "contact.title"),
    "lead": ("id", "company", "contact.name", "contact.email", "contact.phone",
             "contact.title", "source", "status", "owner", "created", "disqualify_reason",
             "notes"),
    "deal": ("id", "title", "account", "value", "currency", "stage", "status", "close_date",
             "owner", "source", "created", "won_date", "lost_date", "lost_reason", "notes"),
}
# a deal's CSV fields under the names the deal planner reads
_DEAL_ROW = {"account": "organization", "won_date": "won_time", "lost_date": "lost_time"}


def csv_columns(table: Table, kind: str, maps: Iterable[str],
                date_column: str | None) -> tuple[dict[str, int], list[str]]:
    """field -> column: `--map COLUMN=field,...`, then headers named like a field.

    Returns the columns and the headers left unused.
    """
    fields = CSV_FIELDS[kind]
    normal = [norm_header(h) for h in table.headers]

    def column(name: str, what: str) -> int:
        if norm_header(name) not in normal:
            raise UsageError(f"{what}: {table.name} has no column {name!r}; its columns: "
                             + ", ".join(table.headers))
        return normal.index(norm_header(name))

    found: dict[str, int] = {}
    for pair in (p for text in maps for p in text.split(",") if p.strip()):
        col, sep, name = pair.rpartition("=")
        name = name.strip()
        if not sep or name not in fields:
            raise UsageError(f"--map: expected COLUMN=FIELD with FIELD one of "
                             f"{', '.join(fields)}; got {pair.strip()!r}")
        found[name] = column(col.strip(), "--map")
    if date_column:
        found["created"] = column(date_column, "--date-column")
    for name in fields:
        key = norm_header(name.replace("_", " ").replace(".", " "))
        if name not in found and key in normal and normal.index(key) not in found.values():
            found[name] = normal.index(key)
    unused = [h for i, h in enumerate(table.headers) if i not in found.values()]
    return found, unused


def plan_csv(repo: Any, kind: str, path: Path, maps: Iterable[str] = (),
             date_column: str | None = None, date_format: str | None = None,
             pipeline: str | None = None) -> Plan:
    """Plan a generic CSV's import: one record per row, added at its `created` time.

    Deals go through the same planner as Pipedrive's (an account named by ID or name,
    created if new; won/lost a separate commit at won_date/lost_date).
    """
    if kind not in CSV_FIELDS:
        raise UsageError(f"--kind must be one of {', '.join(CSV_FIELDS)}")
    table = read_table(path)
    columns, unused = csv_columns(table, kind, maps, date_column)
    name_field = {"account": "name", "lead": "company", "deal": "title"}[kind]
    if name_field not in columns:
        raise UsageError(f"{table.name}: no column for `{name_field}`; map one with "
                         f"--map \"COLUMN={name_field}\"")
    dates = Dates(date_format)
    planner = Planner(repo, dates, pipeline)
    planner.labels = {**{_DEAL_ROW.get(f, f): f for f in CSV_FIELDS["deal"]},
                      **{_DEAL_ROW.get(f, f): table.headers[i] for f, i in columns.items()}}
    planner.labels.setdefault("close_time", "close_time")
    planner.labels.setdefault("organization", "account")
    planner.errors += nul_cells(table, columns)
    date_fields = ("created", "close_date", "won_date", "lost_date")
    dates.observe(_date_cells([(table, columns)], date_fields))
    rows = list(rows_of(table, columns))
    planner.owners.plan(row.get("owner", "") for _, row in rows)
    planner.sources.plan(row.get("source", "") for _, row in rows)
    now = planner.now.strftime("%Y-%m-%d %H:%M:%S")
    for where, row in rows:
        if not row.get("created", "").strip():
            row["created"] = now
        if kind == "deal":
            planner.deal(where, {_DEAL_ROW.get(k, k): v for k, v in row.items()}, {}, None)
        else:
            _plan_record(planner, kind, where, row, columns, table)
    plan = planner.finish(f"Imported from {table.name}")
    _summarise(planner, plan)
    if unused:
        plan.notes.append("columns not imported: " + ", ".join(unused))
    return plan


def _plan_record(planner: Planner, kind: str, where: Source, row: dict[str, str],
                 columns: dict[str, int], table: Table) -> None:
    """An account or a lead from one row, added in one commit at its `created` time."""
    errors_before = len(planner.errors)
    created = planner.when(where, table.headers[columns["created"]] if "created" in columns
                           else "created", row["created"])
    name = row["name" if kind == "account" else "company"].strip()
    if not name:
        planner.error(where, f"{'name' if kind == 'account' else 'company'}: missing")
    explicit = row.get("id", "").strip()
    if explicit and (not is_valid_id(explicit) or explicit in planner.taken[kind]):
        planner.error(where, f"id: {explicit!r} is not a free {kind} ID (a-z, 0-9, '-')")
    if kind == "account" and name and planner._slug(name) in planner.existing:
        planner.error(where, f"account {planner._slug(name)!r} already exists")
    if created is None or len(planner.errors) > errors_before:
        return
    ident = explicit or planner.new_id(kind, name)
    planner.taken[kind].add(ident)
    data: dict[str, Any] = {"id": ident}
    # in the documented key order of a contact (name, title, email, phone)
    person = {k: row[f"contact.{k}"].strip() for k in ("name", "title", "email", "phone")
              if row.get(f"contact.{k}", "").strip()}
    for key, value in row.items():
        value = value.strip()
        if not value or key in ("id", "created") or key.startswith("contact."):
            continue
        if key == "owner":
            data[key] = planner.owners.get(value)
        elif key == "source":
            data[key] = planner.sources.get(value)
        elif key == "tags":
            data[key] = [t.strip() for t in value.split(",") if t.strip()]
        elif key == "status":
            data[key] = value.casefold()
        else:
            data[key] = value
    data["name" if kind == "account" else "company"] = name
    data["created"] = created.date()
    if person and kind == "lead":
        data["contact"] = {k: person[k] for k in ("name", "email", "phone", "title")
                           if k in person}
    elif person:
        if "name" not in person:
            planner.error(where, "contact.name: missing for the account's contact")
            return
        data["contacts"] = [{"id": planner._slug(person["name"]), **person}]
    record = Planned(kind, ident, data, created, where)
    planner.records.append(record)
    planner.events.append(Event(created, 1, record, "add", "add"))
