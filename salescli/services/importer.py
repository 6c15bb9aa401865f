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

Nothing is written before the end: `pipedrive.plan_pipedrive` and `plan_csv` return a
`Plan` (commits, settings additions, notes) or raise `ImportFailed` with every error.
Planning reads the repository (the record index for records imported earlier, and one
`git log` for what a re-imported row said last time), never changes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Container
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from msgspec import Struct
from msgspec import field

from salescli.core.cells import Ambiguous
from salescli.core.cells import Dates
from salescli.core.cells import currency_code
from salescli.core.cells import detect_decimal_comma
from salescli.core.cells import parse_amount
from salescli.core.cells import split_multi
from salescli.core.commitmsg import subject
from salescli.core.dates import day_of
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.ids import KINDS
from salescli.core.ids import is_valid_id
from salescli.core.words import plural
from salescli.services.accounts import contact_record
from salescli.services.deals import CLOSE_FIELDS
from salescli.services.deals import closing

UTC = dt.timezone.utc  # noqa: UP017 -- the name reads better next to dt.datetime
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
# An export writes its user's local time, read here as UTC (there is no zone in it): a
# time up to 14 hours ahead (UTC+14) may be now where it was written.
LATEST = dt.timedelta(hours=14)


class ImportFailed(SalescliError):
    """Some rows are wrong: `errors` holds every `FILE:ROW: message`; nothing was written."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"import failed with {len(errors)} error(s); nothing was imported")


# what an import writes; it refuses to run while any of these has uncommitted changes
RECORD_PATHS = ("salescli.yaml", "products.yaml", "pipelines", "accounts", "deals", "leads")


def run_import(repo: Any, dry_run: bool, make_plan: Callable[[Any], Plan]
               ) -> tuple[Plan, str | None]:
    """Plan under the repository lock, then write every commit at once (or none);
    returns (the plan, the new HEAD or None). `make_plan(repo)` raises ImportFailed
    with every error."""
    from salescli.store.gitio import RepoLock
    from salescli.store.gitio import append_history
    from salescli.store.gitio import fast_import_skips
    from salescli.store.gitio import remove_stale_commit_refs
    from salescli.store.gitio import uncommitted

    with RepoLock(repo.git_dir):
        from salescli.store.repo import busy_error
        from salescli.store.repo import in_progress

        busy = in_progress(repo.git_dir)
        if busy:
            raise SalescliError(busy_error(busy))
        if not dry_run:
            remove_stale_commit_refs(repo.root)  # as every mutating command does
        dirty = uncommitted(repo.root, RECORD_PATHS)
        if dirty and not dry_run:
            # the import is checked against these as committed, as its commits will be
            raise SalescliError(f"{dirty[0]}: has uncommitted changes; an import needs the "
                                "records, settings, pipelines and price list committed "
                                "first: commit or stash it (git status)")
        plan = make_plan(repo)
        skipped = fast_import_skips(repo.root) if plan.commits else []
        if skipped:  # said, as a commit through `git commit` would have run them
            plan.notes.append(
                f"the import's commits are history written with their own dates (git "
                f"fast-import): {' and '.join(skipped)} "
                f"{'would' if dry_run else 'did'} not run for them (a pre-commit hook "
                f"does)")
        sha = None
        if not dry_run and plan.commits:
            sha = append_history(repo.root, [
                (int(c.when.timestamp()), c.message, c.files) for c in plan.commits],
                pre_commit=True)
    return plan, sha


# ----------------------------------------------------------------- reading CSV


def norm_name(text: Any) -> str:
    """`ACME  Oy` -> `acme oy`: a name as rows of one export may spell it (case, spacing,
    Unicode forms: `Å` composed or as `A` and a ring)."""
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def accents_aside(text: Any) -> str:
    """`Åbo  OY`, `ABO-OY` -> `abo oy`: `norm_name` without accents, and hyphens, dots,
    commas and underscores as spaces. Other symbols stay: `A&B Oy` and `A/B Oy`, which
    one ID (`a-b-oy`) would fold alike, are two names."""
    decomposed = unicodedata.normalize("NFKD", norm_name(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SEPARATORS.sub(" ", unicodedata.normalize("NFC", bare)).split())


_SEPARATORS = re.compile(r"[-_.,]")


def norm_header(text: str) -> str:
    """`Deal - Currency of Value` -> `deal currency of value`: case, spacing, dashes."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


class Table(Struct):
    """A CSV file: its name for messages, its headers and its rows with their line numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]

    def column(self, aliases: Iterable[str]) -> int | None:
        """The first header matching one of the (normalised) aliases."""
        normal = [norm_header(h) for h in self.headers]
        return next((self.only(normal, alias) for alias in aliases if alias in normal), None)

    def only(self, normal: list[str], header: str) -> int:
        """The column of the (normalised) `header` in `normal`, the headers normalised;
        a file with two such columns is refused: which holds the value is a guess."""
        first = normal.index(header)
        if header in normal[first + 1:]:
            second = normal.index(header, first + 1)
            raise UsageError(f"{self.name}: two columns named {shown(self.headers[first])} "
                             f"(columns {first + 1} and {second + 1}); rename or remove one")
        return first


# Excel on Windows saves "CSV" in the ANSI code page: cp1252 in Western Europe and the US
EXCEL = "cp1252"
# text codecs that are no file's encoding: they read escapes, host names or nothing
_NOT_FILE_ENCODINGS = {"unicode-escape", "raw-unicode-escape", "idna", "punycode",
                       "undefined", "utf-7"}
# byte order marks, longest first: UTF-32's starts as UTF-16's does
_BOMS = (("utf-32", (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")),
         ("utf-16", (b"\xff\xfe", b"\xfe\xff")))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_table(path: Path, name: str | None = None, encoding: str = "utf-8") -> Table:
    """Read a CSV export in `encoding` (`--encoding`); a BOM, `;` or tab delimiters and
    quoted newlines are fine. UTF-8 (the default) reads a UTF-16 or UTF-32 file by its
    byte order mark (Excel's "Unicode Text" is UTF-16)."""
    import codecs

    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    if info is None or info.name in _NOT_FILE_ENCODINGS or \
            not getattr(info, "_is_text_encoding", True):
        raise UsageError(f"--encoding: {encoding!r} is not a file's text encoding; give "
                         f"one such as utf-8, {EXCEL} (Excel on Windows) or latin-1")
    data = path.read_bytes()
    utf8 = info.name in ("utf-8", "utf-8-sig")  # a UTF-8 BOM is read either way
    read = next((bom for bom, marks in _BOMS if utf8 and data.startswith(marks)),
                "utf-8-sig" if utf8 else encoding)
    if not utf8 and not data.isascii() and _is_utf8(data):
        # cp1252 would read `Ä` as `Ã„`: a name imported wrong, and no error to tell
        raise UsageError(f"{path}: is UTF-8 text (its letters beyond ASCII read as UTF-8), "
                         f"not {encoding}; leave out --encoding")
    try:
        text = data.decode(read)
    except UnicodeError as err:
        at = f" (byte {err.start})" if isinstance(err, UnicodeDecodeError) else ""
        if read != "utf-8-sig" and utf8:  # a byte order mark, then no such text
            how = "the file may be cut short or damaged; export it again"
        elif utf8:
            how = (f"export it as UTF-8 CSV, or give its encoding with --encoding (Excel on "
                   f"Windows: --encoding {EXCEL})")
        else:
            how = "give its encoding with --encoding, or export it as UTF-8 CSV"
        shown = "UTF-8" if read == "utf-8-sig" else read.upper() if utf8 else encoding
        raise UsageError(f"{path}: not {shown} text{at}; {how}") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    # strict: a quote left open must not swallow the rows after it into one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    label = name or path.name
    line = 1
    try:
        headers = next(reader)
        if not any(cell.strip() for cell in headers):  # a blank first line: no header
            raise UsageError(f"{label}: " + ("its first line is blank; the header row goes "
                             "there" if text.strip() else "the file is empty; expected a "
                             "header row"))
        rows: list[tuple[int, list[str]]] = []
        ragged: list[tuple[int, int]] = []
        line = reader.line_num + 1
        for row in reader:
            # a quoted cell's line breaks as the file wrote them (`\r\n`): stored as `\n`
            row = [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in row]
            if any(cell.strip() for cell in row):
                rows.append((line, row))
                if len(row) != len(headers):
                    ragged.append((line, len(row)))
            line = reader.line_num + 1
    except StopIteration:
        raise UsageError(f"{label}: the file is empty; expected a header row") from None
    except csv.Error as err:
        why = ('a quoted cell that starts here never ends (a missing `"`)'
               if "end of data" in str(err) else str(err))
        raise UsageError(f"{label}:{line}: not valid CSV: {why}; fix the file or export "
                         "it again") from None
    if ragged:  # a cell's text split at a stray delimiter, or cut short: columns shift
        lines = ", ".join(str(n) for n, _ in ragged[:10]) + (", ..." if len(ragged) > 10
                                                               else "")
        line, cells = ragged[0]
        count = f"{cells} cells" + (f" (line {line})" if len(ragged) > 1 else "")
        raise UsageError(f"{label}:{lines}: {count} where the header has {len(headers)}; "
                         f"a cell with an unquoted "
                         f"{'tab' if delimiter == chr(9) else repr(delimiter)} or line break? "
                         "Quote it, or export the file again")
    return Table(label, headers, rows)


# ------------------------------------------------------------------- values


def id_problem(explicit: str, kind: str, taken: Container[str]) -> str | None:
    """Why a row's own ID cannot be its record's: malformed, or another record's."""
    if not is_valid_id(explicit):
        return (f"{shown(explicit)} is not a valid {kind} ID (a-z, 0-9 and '-', at most 64 "
                "characters)")
    if explicit in taken:
        return f"{shown(explicit)} is taken: another {kind} (here, or an earlier row) has it"
    return None


def shown(value: str) -> str:
    """A cell as the user typed it, for a message: in double quotes, never a repr."""
    from salescli.core.output import quoted

    return quoted(value.strip())


def plain_text(html_text: str) -> str:
    """Pipedrive's notes are HTML (`<p>Call back<br>Tuesday</p>`): their text, its lines kept."""
    import html

    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", "", html_text)  # code, not text
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]*>", "", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


# ------------------------------------------------------------------ planning

PIPEDRIVE_LABELS = {
    "id": "id", "external_id": "Deal - ID", "probability": "Probability", "title": "Title",
    "status": "Status", "created": "Deal created",
    "value": "Value", "currency": "Currency", "stage": "Stage",
    "close_date": "Expected close date", "won_time": "Won time", "lost_time": "Lost time",
    "close_time": "Close time", "organization": "Organization", "lost_reason": "Lost reason",
}


class Commit(Struct):
    """One commit to write: its author date, message and the files it changes."""

    when: dt.datetime
    subject: str
    event: str
    files: dict[str, str]
    body: str = ""
    trailers: tuple[tuple[str, str], ...] = ()

    @property
    def message(self) -> str:
        from salescli.core.commitmsg import commit_message

        return commit_message(self.subject, self.event, message=self.body,
                              trailers=self.trailers)


class Plan(Struct):
    commits: list[Commit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    added_owners: list[str] = field(default_factory=list)
    added_sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int | None = None  # the files' rows: 0, a header alone (nothing to import)


class Source(Struct):
    """Where a planned record came from, for error messages: `deals.csv:17`."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Planned(Struct):
    """A record being planned: its data (current version), folder and versions in time.

    A record already in the repository has `existing_text` (its file as committed) and
    `data` as that text reads; new versions of it are edits of that text.
    """

    kind: str
    id: str
    data: dict[str, Any]
    created: dt.datetime
    source: Source
    existing_text: str | None = None  # a record already in the repository
    rel: str = ""
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> planned
    activities: list[dict[str, Any]] = field(default_factory=list)  # planned, with `done`
    last_activity: dt.date | None = None  # Pipedrive's `Last activity date`
    next_activity: dt.date | None = None  # and `Next activity date`


class Event(Struct):
    when: dt.datetime
    rank: int  # at one moment: settings, account, contact, deal, close, activity
    record: Planned
    subject: str
    event: str
    change: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] | None = None
    activity: dict[str, Any] | None = None
    # the row's tracked fields as the tool had them (`Pipedrive-Fields: stage=...`): what
    # a later import compares with, to tell the tool's changes from the user's edits
    fields: str | None = None
    where: Source | None = None  # the row it comes from, when not the record's own
    # (external_ids, {field: value or None}) for an activity the record already has
    activity_change: tuple[dict[str, Any], dict[str, Any]] | None = None


# a deal's fields a re-import keeps in step with the tool, in their trailer's order
TRACKED = ("pipeline", "stage", "status", "value", "currency", "close_date", "probability",
           "owner")


def fields_text(external: str, fields: dict[str, Any], status: str) -> str:
    """`id=1001 pipeline=default stage=proposal status=open value=18500.00 ...`: what
    the tool's row `external` said of the TRACKED fields (empty cells left out)."""
    given = {**fields, "status": status}
    return " ".join([f"id={external}", *(f"{k}={given[k]}" for k in TRACKED
                                          if given.get(k) is not None)])


def parse_fields(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split() if "=" in part)


class Pending(Struct):
    """A row of a deal imported earlier that differs from the deal as it is now."""

    where: Source
    deal: Planned
    row: dict[str, str]
    change: dict[str, Any]
    fields: str
    closed_at: dt.datetime | None


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
        self._learnt: dict[str, str] = {}  # what earlier imports mapped (`learn`)

    def plan(self, names: Iterable[str]) -> None:
        from salescli.core.ids import fold
        from salescli.core.ids import slugify

        distinct = sorted({n.strip() for n in names if n and n.strip()})

        def first_word(name: str) -> str:  # the first with letters: `- Ville` is ville
            return slugify(next((w for w in name.split() if fold(w)), name))

        firsts: dict[str, set[str]] = {}
        for name in distinct:
            firsts.setdefault(first_word(name), set()).add(slugify(name))
        for name in distinct:
            full, first = slugify(name), first_word(name)
            if not full:  # `!!!` names no one: the row has no owner (source)
                continue
            # `Anna Berg` is not `anna` when the export also has `Anna Lindholm`
            unique_first = self.by_first_word and len(firsts[first]) == 1
            candidates = [full, first] if unique_first else [full]
            # a settings entry the name matches, else what an earlier import gave it
            match = next((c for c in candidates if c in self.known),
                         self._learnt.get(name))
            if match is None:
                match = first if unique_first else full
                if match not in self.known:
                    self.known.append(match)
                    self.added.append(match)
            self._map[name] = match

    def learn(self, mapping: dict[str, str]) -> None:
        """Names an earlier import mapped, for a name that no longer matches an entry
        of its own (`Planner.learn_owners`): `Anna Lindholm` stays `anna` once the
        export also has an `Anna Berg`."""
        self._learnt.update(mapping)

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
    slug = slugify(text)  # "" for no text, and for `???`: no reason to make of it
    if slug and (not reasons or slug in reasons):
        return slug, None
    padded = f"-{slug}-"
    for reason in reasons if slug else ():
        if f"-{reason}-" in padded:
            return reason, text
    return ("other" if "other" in reasons or not reasons else None), text or None


class Planner:
    """Builds the records and events of one import against one repository.

    With a `tool` (`pipedrive`), records remember their ID there (`external_ids`), and a
    row whose ID the repository already holds updates that record instead of adding one:
    running the same import twice changes nothing.
    """

    def __init__(self, repo: Any, dates: Dates, pipeline: str | None = None,
                 tool: str | None = None):
        from salescli.core.ids import slugify

        self.repo = repo
        # the duplicate keys of existing records, by the kinds asked (`_known_keys`)
        self.known_keys: dict[tuple[str, ...], dict[tuple[str, str], str]] = {}
        self.settings = repo.settings
        self.dates = dates
        self.pipe = repo.pipeline(pipeline)
        self.pipes: dict[str, Any] = {self.pipe.name: self.pipe}
        self.tool = tool
        self.errors: list[str] = []
        # problems many rows share, reported once: kind -> detail -> rows
        self.problems: dict[str, dict[str, list[Source]]] = {}
        self.events: list[Event] = []
        self.taken = {kind: set(repo.ids(kind)) for kind in KINDS}
        # normalised name -> account (a namesake another organisation: name NUL its ID)
        self.accounts: dict[str, Planned] = {}
        self.named: dict[str, Planned] = {}  # the name as written -> account
        self.folded: dict[str, Planned] = {}  # the name, accents aside -> account
        self.records: list[Planned] = []
        self.owners = Names(self.settings.owners, by_first_word=True)
        self.sources = Names(self.settings.sources, by_first_word=False)
        # the accounts already here, by name, folded name and ID (`existing_account`)
        self._here: dict[str, dict[str, list[str]]] | None = None
        self._loaded: dict[str, Planned] = {}  # path -> a record already here, as read
        # account -> (title, who, status, created day) of its deals here, and of the
        # accounts asked, with titles folded and the rows planned (`deals_of`)
        self._deals_here: dict[str, list[tuple[str, str, str, str]]] | None = None
        self._deals: dict[str, list[tuple[str, str, str, str]]] = {}
        self.force = False  # import a deal that looks like one here anyway (--force)
        self.created_now: set[str] = set()  # rows without a creation time: created now
        self._slug = slugify
        self.skipped_deleted = 0
        # a record with no time of its own in the export is created at the import
        self.now = dt.datetime.now(UTC).replace(microsecond=0)
        self.missing_requires = 0
        self.labels = dict(PIPEDRIVE_LABELS)  # field -> the column's name in messages
        self.decimal_comma: bool | None = False
        self.currency_hint: str | None = None
        self.person_accounts = False
        # the tool's IDs: of records already here (path), and of planned ones
        self.known, self.known_titles = _known_ids(repo, tool) if tool else ({}, {})
        self.by_external: dict[tuple[str, str], Planned] = {}
        self.seen: set[str] = set()  # deal IDs this export holds
        self.deleted_known: list[str] = []  # imported earlier, `deleted` in this export
        self.renamed: dict[str, str] = {}  # account ID -> its new name in the tool
        self.pending: list[Pending] = []  # rows of deals imported earlier that differ
        self.updated = 0
        self.unchanged = 0
        self.in_step = 0
        self.updated_activities = 0
        self.source_name = {"pipedrive": "Pipedrive"}.get(tool or "", "the export")
        self._last: dict[str, str] | None = None  # `last_fields`, read once

    # -- errors and values
    def error(self, where: Source | str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def problem(self, kind: str, detail: str, where: Source) -> None:
        """A problem many rows may share (an unknown stage): one line for all of them."""
        self.problems.setdefault(kind, {}).setdefault(detail, []).append(where)

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
        except Ambiguous:  # the same for every such cell: said once
            self.problem("ambiguous date", column, where)
            return None
        except ValueError as err:
            self.error(where, f"{column}: {err}")
            return None
        # a date alone (noon UTC) may be today's; a time must not be later than now
        late = when.date() > dt.date.today() if ":" not in value else \
            when > self.now + LATEST
        if happened and late:
            self.error(where, f"{column} {shown(value)} is " + (
                f"after today ({dt.date.today():%Y-%m-%d})" if when.date() > dt.date.today()
                else f"later than now ({self.now:%H:%M} UTC)") + "; fix the date in the export")
            return None
        if happened and when < EPOCH:
            self.error(where, f"{column} {shown(value)} is before 1970, earlier than "
                       "git can date a commit; fix the date in the export")
            return None
        # a time ahead is committed now (a date alone keeps its day: its commit is
        # dated by the planner, never ahead)
        return min(when, self.now) if happened and ":" in value else when

    def amount(self, where: Source, column: str, value: str, hint: str | None = None
               ) -> tuple[Any, str | None]:
        """(amount, the currency its cell names) or (None, None) after reporting why;
        `hint`: the currency the row names, else --currency, settles a `kr`."""
        try:
            return parse_amount(value, self.decimal_comma, hint or self.currency_hint)
        except Ambiguous:  # `kr`: the same for every such cell, said once
            self.problem("currency", column, where)
            return None, None
        except ValueError as err:
            self.error(where, f"{column}: {err}")
            return None, None

    def new_id(self, kind: str, name: str) -> str:
        from salescli.core.ids import kind_or_name_id

        ident = kind_or_name_id(kind, name, self.taken[kind])
        self.taken[kind].add(ident)
        return ident

    def pipeline(self, name: str) -> Any:
        if name not in self.pipes:
            self.pipes[name] = self.repo.pipeline(name)
        return self.pipes[name]

    def _existing(self, kind: str, rel: str, where: Source) -> Planned:
        """A record already in the repository, as its committed file reads (read once:
        rows that spell its name differently plan on one record)."""
        from salescli.store.yamlio import load_fast

        if rel in self._loaded:
            return self._loaded[rel]
        text = (self.repo.root / rel).read_text(encoding="utf-8")
        data = load_fast(text)
        planned = Planned(kind, data["id"], data, self.now, where, existing_text=text, rel=rel)
        external = (data.get("external_ids") or {}).get(self.tool) if self.tool else None
        if external is not None:
            self.by_external[(kind, str(external))] = planned
        self._loaded[rel] = planned
        return planned

    def existing_account(self, name: str) -> str | None:
        """The path of the account already here that `name` names, as the README says:
        the one of that name (case and spacing aside), else the only one whose name is
        alike but for accents (`Åbo Oy`, `ABO OY`), else the one of that ID (`acme-oy`,
        `ACME-OY`). Not by the name's slug: `A/B Oy` is not the account `a-b-oy`,
        `A&B Oy`."""
        if self._here is None:
            from salescli.services.read import records_index

            with records_index(self.repo, ("account",), lambda _: None) as index:
                rows = index.query("SELECT id, name, path FROM accounts ORDER BY path")
            self._here = {"name": {}, "folded": {}, "id": {}}
            for r in rows:
                for by, key in (("name", norm_name(r["name"])),
                                ("folded", accents_aside(r["name"])), ("id", r["id"])):
                    self._here[by].setdefault(key, []).append(r["path"])
        for by, key in (("name", norm_name(name)), ("folded", accents_aside(name)),
                        ("id", name.strip().casefold())):
            paths = self._here[by].get(key, [])
            if len(paths) == 1:
                return paths[0]
        return None

    def external(self, kind: str, ident: str, where: Source) -> Planned | None:
        """The record of this kind with this ID in the tool: planned, or in the repository."""
        found = self.by_external.get((kind, ident))
        if found is None and ident in self.known.get(kind, {}):
            found = self._existing(kind, self.known[kind][ident], where)
            if kind == "account":
                self.accounts.setdefault(norm_name(found.data["name"]),
                                         found)
        return found

    # -- accounts and contacts
    def another(self, data: dict[str, Any], external: str | None) -> bool:
        """Whether a record of the same name is another of the tool's (its ID differs):
        two organisations or people of one name stay two, nothing of either lost."""
        theirs = (data.get("external_ids") or {}).get(self.tool) if self.tool else None
        return bool(external) and theirs is not None and str(theirs) != external

    def account(self, name: str, when: dt.datetime, where: Source,
                extra: dict[str, Any] | None = None, external: str | None = None) -> Planned:
        """The account of this name (or tool ID): existing, already planned, or new;
        created by `when`."""
        key = norm_name(name)
        planned = self.external("account", external, where) if external else None
        if planned is not None and planned.existing_text is not None and \
                norm_name(planned.data.get("name", "")) != key:
            self.renamed[planned.id] = name.strip()  # kept as it is here: said
        if planned is None:  # by name, unless the tool says it is another organisation
            for named in (self.named.get(name.strip()), self.accounts.get(key)):
                if named is not None and not self.another(named.data, external):
                    planned = named
                    break
        if planned is None:
            rel = self.existing_account(name)
            if rel is not None:
                found = self._existing("account", rel, where)
                if not self.another(found.data, external):
                    planned = found
        if planned is None:  # a row before spelt it alike but for accents (`Åbo`, `Abo`)
            named = self.folded.get(accents_aside(name))
            if named is not None and not self.another(named.data, external):
                planned = named
        if planned is None:
            ident = self.new_id("account", name)
            planned = Planned("account", ident, {"id": ident, "name": name.strip()}, when,
                              where)
            self.records.append(planned)
        self.folded.setdefault(accents_aside(name), planned)
        # a deal row naming it so finds it (a name changed in the tool: the ID said which)
        if self.accounts.setdefault(key, planned) is not planned:
            self.accounts[f"{key}\0{planned.id}"] = planned
        self.named.setdefault(name.strip(), planned)
        if external and planned.existing_text is None:
            self.by_external[("account", external)] = planned
        if planned.existing_text is None:
            planned.created = min(planned.created, when)
            if external and self.tool:
                planned.data.setdefault("external_ids", {self.tool: id_value(external)})
            for k, v in (extra or {}).items():
                if v not in (None, "", []) and k not in planned.data:
                    planned.data[k] = v
        return planned

    def contact(self, account: Planned, name: str, when: dt.datetime,
                details: dict[str, Any] | None = None, external: str | None = None) -> str:
        """The contact ID of `name` (or tool ID) in `account`, planning its addition at
        `when`."""
        from salescli.core.ids import kind_or_name_id

        key = named = norm_name(name)
        people = account.contacts
        if external:
            key = next((k for k, p in people.items()
                        if str((p["data"].get("external_ids") or {}).get(self.tool)) == external),
                       key)
            if key in people and self.another(people[key]["data"], external):
                key = f"{key}\0{external}"  # two people of one name, both kept
        if key in people:
            person = people[key]
            person["when"] = min(person["when"], when)
            if external and self.tool:
                person["data"].setdefault("external_ids", {self.tool: id_value(external)})
            for k, v in (details or {}).items():
                if v and not person["data"].get(k):
                    person["data"][k] = v
            return person["data"]["id"]
        taken = {p["data"]["id"] for p in people.values()}
        if account.existing_text is not None:
            for c in account.data.get("contacts") or []:
                theirs = (c.get("external_ids") or {}).get(self.tool) if self.tool else None
                if (external and str(theirs) == external) or (
                        norm_name(c.get("name", "")) == named
                        and not self.another(c, external)):
                    return c["id"]
                taken.add(c.get("id"))
        cid = kind_or_name_id("contact", name, taken)
        data = {"id": cid, "name": name.strip(), **{k: v for k, v in (details or {}).items()
                                                      if v}}
        if external and self.tool:
            data["external_ids"] = {self.tool: id_value(external)}
        people[key] = {"data": data, "when": when}
        return cid

    # -- deals
    def stage_of(self, name: str, stage_map: dict[str, str], pipe: Any) -> str | None:
        key = norm_header(name)
        if key in stage_map:
            return stage_map[key]
        slug = self._slug(name)
        for st in pipe.stages:  # its ID, its name, or its name in a document language
            if slug and slug in (st.id, *(self._slug(n) for n in (st.name, *st.names.values())
                                          if n)):
                return st.id
        return None if name.strip() else pipe.stages[0].id

    def pipeline_of(self, where: Source, name: str, pipeline_map: dict[str, str]) -> Any:
        """The pipeline a row names (`Deal - Pipeline`), or the import's; None if unknown."""
        if not name.strip():
            return self.pipe
        ident = pipeline_map.get(norm_header(name)) or self._slug(name)
        if (self.repo.root / "pipelines" / f"{ident}.yaml").is_file() and is_valid_id(ident):
            return self.pipeline(ident)
        if (slug := self._slug(name)) and slug == self._slug(self.pipe.name):
            return self.pipe
        self.problem("pipeline", name.strip(), where)
        return None

    def deal(self, where: Source, row: dict[str, str], stage_map: dict[str, str],
             default_close: dt.date | None, pipeline_map: dict[str, str] | None = None
             ) -> None:
        """Plan one deal from a row of normalised fields (title, value, stage...)."""
        L = self.labels
        errors_before = len(self.errors)
        problems_before = _count(self.problems)
        external = row.get("external_id", "").strip()
        if external and str(id_value(external)) in self.seen:
            self.error(where, f"{L['external_id']} {shown(external)} appears twice in the "
                       "export; each deal once")
            return
        if external:
            external = str(id_value(external))  # as the file keeps it: `00123` stays text
            self.seen.add(external)
        status = row.get("status", "").strip().casefold() or "open"
        known = self.external("deal", external, where) if external else None
        if status == "deleted":
            self.skipped_deleted += 1
            if known is not None:
                self.deleted_known.append(external)
            return
        title = " ".join(row.get("title", "").split())  # a line break in a cell is no title
        explicit = row.get("id", "").strip()
        if explicit and (problem := id_problem(explicit, "deal", self.taken["deal"])):
            self.error(where, f"{L['id']}: {problem}")
        if not title:
            self.error(where, f"{L['title']}: missing; every deal needs a title")
        if status not in ("open", "won", "lost"):
            self.error(where, f"{L['status']}: {shown(row['status'])} is not open, won or lost")
        created = self.when(where, L["created"], row.get("created", ""))
        if created is None and not row.get("created", "").strip():
            self.error(where, f"{L['created']}: missing; the deal's creation time is its "
                       "history's start")
        value = currency = column = None
        if row.get("currency", "").strip():
            try:
                column = currency_code(row["currency"], self.currency_hint)
            except ValueError as err:
                self.error(where, f"{L['currency']}: {err}")
        if row.get("value", "").strip():
            # the row's currency says what its amount's `kr` or `$` is
            value, currency = self.amount(where, L["value"], row["value"], column)
        if column is not None:
            if currency and currency != column:
                self.error(where, f"{L['value']} {shown(row['value'])} is in {currency}, but "
                           f"{L['currency']} says {column}; fix one of them")
            currency = column
        probability = None
        if row.get("probability", "").strip():
            probability = _percent(row["probability"])
            if probability is None:
                self.error(where, f"{L['probability']}: {shown(row['probability'])} is not a "
                           "percentage from 0 to 100")
        pipe = self.pipeline_of(where, row.get("pipeline", ""), pipeline_map or {})
        stage = None
        if pipe is not None:
            stage = self.stage_of(row.get("stage", ""), stage_map, pipe)
            if stage is None:
                self.problem(f"stage {pipe.name}", row["stage"].strip(), where)
            elif stage not in [s.id for s in pipe.stages]:
                self.problem(f"mapped {pipe.name}", f"{row['stage'].strip()}={stage}", where)
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
            self.error(where, f"{L[f'{status}_time']} {closed_at:%Y-%m-%d} is before the deal "
                       f"was created ({created:%Y-%m-%d}" + (
                           ", the import's time: the row has no creation date; give the "
                           "column that has it with --date-column COLUMN)"
                           if str(where) in self.created_now else ")"))
        close_date = close.date() if close else None
        reason = note = None
        if status == "lost":
            reason, note = lost_reason(row.get("lost_reason", ""),
                                       list(self.settings.lost_reasons))
            if reason is None:
                self.error(where, f"{L['lost_reason']}: {shown(row.get('lost_reason', ''))} "
                           "matches none of the settings' lost_reasons, which have no `other`")
        fields = {"pipeline": pipe.name if pipe else None, "stage": stage, "value": value,
                  "currency": currency, "close_date": close_date, "probability": probability,
                  "owner": self.owners.get(row.get("owner", ""))}
        if known is not None:
            if len(self.errors) == errors_before and _count(self.problems) == problems_before:
                self.update(where, known, row, fields, status, closed_at, reason, note)
            return
        if status == "open" and close_date is None and not row.get("close_date", "").strip():
            close_date = default_close
            if close_date is None:
                self.error(where, f"{L['close_date']}: missing; an open deal needs one (fill "
                           "it in, or pass --default-close-date YYYY-MM-DD)")
        org = row.get("organization", "").strip()
        person = row.get("person", "").strip()
        if not org and not person:
            self.error(where, f"{L['organization']}: missing, and no contact person either; "
                       "a deal belongs to an account")
        elif not org and not self.person_accounts:
            self.problem("no organization", person, where)
        if len(self.errors) > errors_before or _count(self.problems) > problems_before \
                or created is None:
            return
        account = self.account(org or person, created, where,
                               external=row.get("org_id", "").strip() or None)
        if not external:  # a row of the tool's is its deal by its ID, not its title
            found = None if self.force else self.same_deal(title, account.id, status,
                                                           created.date())
            if found:  # `import pipedrive` has no --force: its rows have their IDs
                self.error(where, f"probable duplicate: {found}; leave the row out, or " + (
                    f"export the file with its {L['external_id']} column" if self.tool
                    else "import with --force"))
                return
            self.deals_of(account.id).append((self._slug(title), f"the row at {where}",
                                              status, created.date().isoformat()))
        stakeholders = None
        if person:
            cid = self.contact(account, person, created,
                               external=row.get("person_id", "").strip() or None)
            stakeholders = [{"contact": cid}]
        ident = explicit or self.new_id("deal", title)
        self.taken["deal"].add(ident)
        tags = [t.strip() for t in row.get("label", "").split(",") if t.strip()]
        data: dict[str, Any] = {
            "id": ident, "title": title, "account": account.id, "pipeline": fields["pipeline"],
            "stage": stage, "status": "open", "value": value,
            "currency": currency or self.currency_hint or self.settings.currency,
            "close_date": close_date or (closed_at.date() if closed_at else None),
            "owner": fields["owner"], "source": self.sources.get(row.get("source", "")),
            "tags": tags or None, "created": created.date(), "stakeholders": stakeholders,
            "probability": probability,
            "notes": row.get("notes", "").strip() or None,
            "external_ids": {self.tool: id_value(external)} if external and self.tool
            else None,
        }
        deal = Planned("deal", ident, data, created, where)
        deal.last_activity = self._day(where, L.get("last_activity", "Last activity date"),
                                       row.get("last_activity", ""))
        deal.next_activity = self._day(where, L.get("next_activity", "Next activity date"),
                                       row.get("next_activity", ""), happened=False)
        self.records.append(deal)
        if external:
            self.by_external[("deal", external)] = deal
        said = fields_text(external, fields, status) if external else None
        self.events.append(Event(created, 3, deal, f"add in {stage}", "add", fields=said))
        if closed_at is not None:
            self.events.append(Event(
                closed_at, 4, deal, "won" if status == "won" else f"lost ({reason})",
                "win" if status == "won" else "lose",
                closing(status, closed_at.date(), reason, note), fields=said))

    def deals_of(self, account: str) -> list[tuple[str, str, str, str]]:
        """(folded title, who, status, created day) of the deals of `account`: those
        already here (one read of the record index for the whole file; titles folded
        only for the accounts asked), then the rows planned."""
        if self._deals_here is None:
            from salescli.services.read import records_index

            with records_index(self.repo, ("deal",), lambda _: None) as index:
                rows = index.query("SELECT id, title, account_id, status, created "
                                   "FROM deals ORDER BY path")
            self._deals_here = {}
            for r in rows:
                self._deals_here.setdefault(r["account_id"], []).append(
                    (r["title"], f"deal {r['id']} of account {r['account_id']}",
                     r["status"], r["created"]))
        if account not in self._deals:
            self._deals[account] = [(self._slug(title), who, status, created) for
                                    title, who, status, created in
                                    self._deals_here.get(account, [])]
        return self._deals[account]

    def same_deal(self, title: str, account: str, status: str, day: dt.date) -> str | None:
        """`same title `T` as WHO` when a deal of `account` has this title (case and
        accents aside, as `deal add` sees it) and both are open, or were created the same
        day (a file of closed deals imported twice)."""
        from salescli.services.edit import probable_duplicate

        return probable_duplicate({"title": (self._slug(title), title)}, (
            (who, {"title": folded}) for folded, who, theirs, created in self.deals_of(account)
            if (status == theirs == "open") or created == day.isoformat()))

    def _day(self, where: Source, column: str, value: str,
             happened: bool = True) -> dt.date | None:
        when = self.when(where, column, value, happened)
        return when.date() if when else None

    def update(self, where: Source, deal: Planned, row: dict[str, str],
               fields: dict[str, Any], status: str, closed_at: dt.datetime | None,
               reason: str | None, note: str | None) -> None:
        """A row of a deal imported earlier: one commit of what changed since, or nothing.

        Only what the row says counts: an empty cell never clears a value, and fields
        the tool does not track (notes, items, stakeholders) are left as they are.
        """
        from salescli.core.money import to_cents

        current = deal.data
        change: dict[str, Any] = {}
        for key, value in fields.items():
            if value is None:
                continue
            before = current.get(key)
            same = (to_cents(before) == to_cents(value) if key in ("value", "probability")
                    and before is not None else before == value)
            if not same:
                change[key] = value
        if status != current.get("status", "open"):
            change["status"] = status
            # what the old status left behind goes, as `deal reopen` clears it; a deal
            # now lost keeps a day to come back set in salescli (no export has one)
            change.update({k: None for k in CLOSE_FIELDS if current.get(k) is not None
                           and (status, k) != ("lost", "revisit")})
            if closed_at is not None:
                change.update(closing(status, closed_at.date(), reason, note))
        external = row.get("external_id", "").strip()
        self.pending.append(Pending(where, deal, row, change,
                                    fields_text(external, fields, status), closed_at))

    def settle(self) -> None:
        """The update commits of the rows that differ from their deals now.

        A field counts only where the tool changed it since the last import (its
        `{Tool}-Fields:` trailer says what the row said then): a value the user changed
        in salescli meanwhile stays theirs until the tool changes it too. A deal whose
        last import left no trailer follows the tool.
        """
        base = self.last_fields() if self.pending else {}
        for p in self.pending:
            now = parse_fields(p.fields)
            said = base.get(now["id"])
            then = parse_fields(said) if said is not None else None
            change = p.change
            if then is not None:  # only what the tool changed since
                change = {k: v for k, v in change.items()
                          if then.get(k if k in TRACKED else "status") !=
                          now.get(k if k in TRACKED else "status")}
            if not change:
                if then is not None and then != now:
                    # the file already says what the tool now says: no edit, but the
                    # next import must compare with this row, not the older one
                    self.events.append(Event(self.now, 4, p.deal,
                                             f"in step with {self.source_name}", "sync",
                                             fields=p.fields, where=p.where))
                    self.in_step += 1
                else:
                    self.unchanged += 1
                continue
            pipeline = now.get("pipeline")
            if "stage" in change and "pipeline" not in change and pipeline and \
                    p.deal.data.get("pipeline") != pipeline:
                change = {"pipeline": pipeline, **change}
            when = p.closed_at if change.get("status") in ("won", "lost") else None
            if when is None and "stage" in change:
                when = self.when(p.where, self.labels.get("stage_change", "Last stage change"),
                                 p.row.get("stage_change", ""))
            when = when or self.when(p.where, self.labels.get("update_time", "Update time"),
                                     p.row.get("update_time", "")) or self.now
            event = {"won": "win", "lost": "lose", "open": "reopen"}.get(
                change.get("status", ""), "move" if "stage" in change else "set")
            what = ", ".join(f"{k} {v}" for k, v in change.items()
                             if k in TRACKED and k != "pipeline")
            self.updated += 1
            self.events.append(Event(when, 4, p.deal,
                                     f"update from {self.source_name}: {what}"[:72], event,
                                     change, fields=p.fields, where=p.where))
        self.pending = []

    def last_fields(self) -> dict[str, str]:
        """The tool's deal ID -> what its row said at the last import (`_last_fields`)."""
        if self._last is None:
            self._last = _last_fields(self.repo, f"{self.source_name}-Fields")
        return self._last

    def learn_owners(self, rows: Iterable[dict[str, str]]) -> None:
        """Give the export's owner names the owners earlier imports gave them: a deal
        here whose last imported row said `owner=anna` names anna's name in this
        export, so a new `Anna Berg` does not turn `Anna Lindholm` (`anna`) into
        `anna-lindholm` on all her deals. A name or owner of several: the most said."""
        from collections import Counter

        known = self.known.get("deal", {})
        rows = [r for r in rows if r.get("owner", "").strip()
                and str(id_value(r.get("external_id", "").strip())) in known]
        said = self.last_fields() if rows else {}
        pairs: Counter[tuple[str, str]] = Counter()
        for row in rows:
            then = parse_fields(said.get(str(id_value(row["external_id"].strip())), ""))
            if then.get("owner") in self.settings.owners:
                pairs[(row["owner"].strip(), then["owner"])] += 1
        learnt: dict[str, str] = {}
        for (name, owner), _ in pairs.most_common():
            if name not in learnt and owner not in learnt.values():
                learnt[name] = owner
        self.owners.learn(learnt)

    # -- activities and notes
    def activity(self, where: Source, target: Planned, when: dt.datetime,
                 activity: dict[str, Any], done: bool = True,
                 due: dt.date | None = None) -> None:
        """Plan `activity` on `target` at `when`, unless the record already has it; `due`:
        its day in the tool when not its date (the tool's activity dates count it so)."""
        mine = [*(target.data.get("activities") or []), *target.activities] \
            if target.existing_text is not None else target.activities
        ext = (activity.get("external_ids") or {}).get(self.tool) if self.tool else None
        for old in mine:
            theirs = (old.get("external_ids") or {}).get(self.tool) if self.tool else None
            if ext is not None and theirs == ext:
                self._activity_changed(where, target, when, old, activity)
                return
            # the same day, type and summary is the same activity, unless the tool says
            # they are two (two calls "Call" on one day are common)
            if (ext is None or theirs is None) and \
                    all(old.get(k) == activity.get(k) for k in ("date", "type", "summary")):
                return
        target.activities.append({**activity, "done": done,
                                  "day": due or activity["date"]})
        summary = f"log {activity['type']}: {activity['summary']}".split("\n")[0][:72]
        self.events.append(Event(when, 5, target, summary, "log", activity=activity,
                                 where=where))

    def _activity_changed(self, where: Source, target: Planned, when: dt.datetime,
                          old: dict[str, Any], new: dict[str, Any]) -> None:
        """An activity imported earlier that the tool has since done or moved: one
        commit of its new date and status (`booked` -> held), at the time it was done."""
        if target.existing_text is None or old in target.activities:
            return  # planned in this import: nothing to compare yet
        from salescli.core.vocabulary import BOOKABLE

        # a meeting or demo logged with no status was held (as `today.meeting_answers`
        # reads it): one imported before demos were booked is not changed by `held`
        said = {**old, "status": old.get("status") or (
            "held" if old.get("type") in BOOKABLE and new.get("status") == "held" else None)}
        change = {k: new.get(k) for k in ("date", "time", "status", "due", "done")
                  if said.get(k) != new.get(k)}
        if not change:
            return
        what = ", ".join(f"{k} {v if v is not None else '-'}" for k, v in change.items())
        self.updated_activities += 1
        self.events.append(Event(when, 5, target,
                                 f"update {new['type']}: {new['summary']}"[:60] + f" ({what})",
                                 "set", where=where,
                                 activity_change=(new["external_ids"], change)))

    # -- from plan to commits
    def finish(self, body: str) -> Plan:
        """Account and contact events, validation of every version, then the commits."""
        self._report_problems()
        if self.errors:
            raise ImportFailed(self.errors)
        for deal in self.records:
            if deal.kind == "deal":
                self._activity_dates(deal)
        for account in list(self.accounts.values()):
            if account.existing_text is None:
                account.data["created"] = account.created.date()
                self.events.append(Event(account.created, 1, account, "add", "add"))
            for person in account.contacts.values():
                # a new account exists from its creation; one already here, always
                when = person["when"] if account.existing_text is not None \
                    else max(person["when"], account.created)
                self.events.append(Event(when, 2, account, f"add contact {person['data']['id']}",
                                         "contact", contact=contact_record(person["data"])))
        for ev in self.events:  # nothing happens to a record before it exists, or later
            if ev.record.existing_text is None:  # than now (a date alone is noon UTC)
                ev.when = max(ev.when, ev.record.created)
            ev.when = min(ev.when, self.now)
        self.events.sort(key=lambda e: (e.when, e.rank))
        settings_text = self._settings_text()
        plan = Plan(added_owners=self.owners.added, added_sources=self.sources.added)
        if settings_text is not None and self.events:
            added = ", ".join(f"owner {o}" for o in self.owners.added) + \
                (", " if self.owners.added and self.sources.added else "") + \
                ", ".join(f"source {s}" for s in self.sources.added)
            plan.commits.append(Commit(self.events[0].when,
                                       subject("repo", "settings", f"add {added}"),
                                       "set", {"salescli.yaml": settings_text}, body))
        texts = self._replay(plan, body)
        self._validate(texts)
        if self.errors:
            raise ImportFailed(self.errors)
        gone = sorted(set(self.known.get("deal", {})) - self.seen
                      | set(self.deleted_known), key=_id_order)
        if gone:
            plan.notes.append(
                f"{len(gone)} deal(s) imported earlier are not in this export (deleted in "
                f"{self.source_name}?); salescli keeps them: {self.source_name} ID(s) "
                + ", ".join(gone[:10]) + (", ..." if len(gone) > 10 else ""))
        return plan

    def _activity_dates(self, deal: Planned) -> None:
        """`Last activity date` as an activity where the import has none that late, and
        `Next activity date` as the next step."""
        if deal.last_activity is not None and not any(
                a["day"] >= deal.last_activity for a in deal.activities if a["done"]):
            when = dt.datetime.combine(deal.last_activity, dt.time(12), UTC)
            self.activity(deal.source, deal, when, {
                "date": deal.last_activity, "type": "note",
                "summary": f"Last activity in {self.source_name}"})
        if deal.next_activity is not None and deal.data.get("status", "open") == "open":
            due = [a["summary"] for a in deal.activities
                   if not a["done"] and a["date"] == deal.next_activity]
            deal.data["next_step"] = {
                "action": due[0] if due else f"Next activity in {self.source_name}",
                "due": deal.next_activity}

    def _report_problems(self) -> None:
        """One line per problem that rows share, with the option that fixes it."""
        for kind, found in self.problems.items():
            names = list(found)
            rows = [w for ws in found.values() for w in ws]
            lines = sorted({w.line for w in rows})  # a row once
            where = f"{rows[0].file}:{', '.join(map(str, lines[:5]))}" + \
                (", ..." if len(lines) > 5 else "")
            # each with its first row where the lines above stop before some name's
            listed = ", ".join(f"{n} line {found[n][0].line}" if len(lines) > 5 else n
                               for n in names[:8]) + (", ..." if len(names) > 8 else "")
            if kind.startswith("stage "):
                pipe = self.pipes[kind.split(" ", 1)[1]]
                ids = ", ".join(s.id for s in pipe.stages)
                fix = ",".join(f"{n}=STAGE" for n in names)
                self.errors.append(
                    f"{where}: {plural(len(names), 'stage')} not in pipeline {pipe.name} "
                    f"({listed}): use --stage-map \"{fix}\" with STAGE one of {ids}")
            elif kind.startswith("mapped "):
                pipe = self.pipes[kind.split(" ", 1)[1]]
                self.errors.append(
                    f"{where}: --stage-map names stage(s) pipeline {pipe.name} does not have "
                    f"({listed}); its stages: {', '.join(s.id for s in pipe.stages)}")
            elif kind == "pipeline":
                have = ", ".join(p.stem for p in self.repo.pipeline_paths())
                fix = ",".join(f"{n}=PIPELINE" for n in names)
                self.errors.append(
                    f"{where}: {plural(len(names), 'pipeline')} not in this repository "
                    f"({listed}): use --pipeline-map \"{fix}\" with PIPELINE one of "
                    f"{have}, or add the pipeline under pipelines/")
            elif kind == "ambiguous date":
                self.errors.append(
                    f"{where}: {plural(len(rows), 'date')} could be day/month or month/day "
                    f"({listed}); pass --date-format %d/%m/%Y or --date-format %m/%d/%Y")
            elif kind == "currency":
                self.errors.append(
                    f"{where}: {plural(len(rows), 'amount')} in kr could be SEK, NOK, DKK or "
                    f"ISK ({listed}); pass --currency SEK (or NOK, DKK, ISK)")
            elif kind == "no organization":
                self.errors.append(
                    f"{where}: {plural(len(rows), 'deal')} with a contact person but no "
                    "organization: fill in the organization, or pass --person-accounts to "
                    "make an account named after each person")

    def _settings_text(self) -> str | None:
        from salescli.core.model import key_order
        from salescli.store.repo import SETTINGS_FILE
        from salescli.store.yamlio import load_fast
        from salescli.store.yamlio import set_values

        if not self.owners.added and not self.sources.added:
            return None
        text = (self.repo.root / SETTINGS_FILE).read_text(encoding="utf-8")
        now = load_fast(text)
        # only those two lines change: the diff shows the new names, nothing else
        return set_values(text, {key: [*(now.get(key) or []), *names.added]
                                 for key, names in (("owners", self.owners),
                                                    ("sources", self.sources)) if names.added},
                          key_order("settings"))

    def _replay(self, plan: Plan, body: str) -> dict[str, tuple[Planned, list[str]]]:
        """Apply the events in time order; every version's text, by path."""
        from salescli.core.model import key_order
        from salescli.services.edit import FLOW_KEYS
        from salescli.services.edit import appended
        from salescli.store.repo import KIND_DIRS
        from salescli.store.yamlio import YamlProblem
        from salescli.store.yamlio import dump_record
        from salescli.store.yamlio import roundtrip_edit
        from salescli.store.yamlio import set_values

        flow = FLOW_KEYS
        order = {k: key_order(k) for k in KINDS}
        texts: dict[str, tuple[Planned, list[str]]] = {}
        for ev in self.events:
            rec = ev.record
            if not rec.rel:
                month = rec.created.strftime("%Y-%m")
                rec.rel = f"{KIND_DIRS[rec.kind]}/{month}/{rec.id}.yaml"
            source = ev.where or rec.source
            trailers = ((f"{self.source_name}-Fields", ev.fields),) \
                if ev.fields and self.tool else ()
            if ev.event == "sync":  # what the tool said, recorded; nothing to change
                plan.commits.append(Commit(ev.when, subject(rec.kind, rec.id, ev.subject),
                                           ev.event, {}, f"{body} ({source})", trailers))
                continue
            if rec.existing_text is not None:
                text = texts[rec.rel][1][-1] if rec.rel in texts else rec.existing_text
                try:
                    if ev.contact is not None:
                        text = appended(text, rec.kind, "contacts", ev.contact)
                    if ev.activity is not None:
                        text = appended(text, rec.kind, "activities", ev.activity)
                    if ev.activity_change is not None:
                        text = roundtrip_edit(text, _activity_update(*ev.activity_change))
                    sets = {k: v for k, v in ev.change.items() if v is not None}
                    if sets:
                        text = set_values(text, sets, order[rec.kind])
                    drop = [k for k, v in ev.change.items() if v is None]
                    if drop:
                        text = roundtrip_edit(text, lambda data, d=drop: [  # type: ignore
                            data.pop(k, None) for k in d])
                except YamlProblem as p:
                    self.error(rec.source, f"{rec.rel}: cannot update it: {p}")
                    continue
            else:
                if ev.contact is not None:
                    rec.data["contacts"] = [*(rec.data.get("contacts") or []), ev.contact]
                if ev.activity is not None:  # newest last, as SPEC §3.6 keeps them
                    rec.data["activities"] = sorted(
                        [*(rec.data.get("activities") or []), ev.activity],
                        key=lambda a: a["date"])
                rec.data.update(ev.change)
                text = dump_record(rec.data, order[rec.kind], flow)
            texts.setdefault(rec.rel, (rec, []))[1].append(text)
            plan.commits.append(Commit(ev.when, subject(rec.kind, rec.id, ev.subject), ev.event,
                                       {rec.rel: text}, f"{body} ({source})", trailers))
        return texts

    def _validate(self, texts: dict[str, tuple[Planned, list[str]]]) -> None:
        """What `check` would say about each record's first and last version."""
        from salescli.core.model import Settings
        from salescli.core.rules import known_requirement
        from salescli.core.rules import missing_requirements
        from salescli.services.check import AccountInfo
        from salescli.services.check import Context
        from salescli.services.check import validate
        from salescli.store.loader import parse_text

        settings = self.settings.model_copy(update={
            "owners": list(self.owners.known), "sources": list(self.sources.known)})
        assert isinstance(settings, Settings)
        ctx = Context(settings=settings, products=self.repo.products,
                      pipelines=dict(self.pipes), ids=dict(self.taken))
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
                    if f.severity == "error":  # the record, not its file: maybe not yet one
                        self.error(rec.source, f"{rec.kind} {rec.id}: {f.message}")
                if rec.kind == "deal" and parsed.model is not None and text is versions[-1] \
                        and parsed.model.status == "open":
                    pipe = ctx.pipelines.get(parsed.model.pipeline or self.pipe.name, self.pipe)
                    stage = next((s for s in pipe.stages if s.id == parsed.model.stage),
                                 None)
                    roles = ctx.accounts.get(parsed.model.account)
                    if stage is not None and missing_requirements(
                            [r for r in stage.requires if known_requirement(r)], parsed.model,
                            roles.contacts if roles else {}):
                        self.missing_requires += 1


def _activity_update(ids: dict[str, Any], change: dict[str, Any]) -> Callable[[Any], None]:
    """The edit that gives the activity with these `external_ids` its new fields (None:
    the field goes)."""
    from salescli.core.model import Activity
    from salescli.core.model import field_names
    from salescli.store.yamlio import set_in

    order = field_names(Activity)

    def mutate(data: Any) -> None:
        for activity in data.get("activities") or []:
            if dict(activity.get("external_ids") or {}) == ids:
                for key, value in change.items():
                    if value is None:
                        activity.pop(key, None)
                    else:  # a new key (a task's `done`) in its documented place
                        set_in(activity, key, value, order)
    return mutate


def _known_ids(repo: Any, tool: str) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """kind -> the tool's ID -> path of the records already here that came from it, and
    the deals' titles (casefolded) -> their IDs in the tool, from the record index (a
    re-import reads only the files it changes)."""
    from salescli.services.read import records_index

    found: dict[str, dict[str, str]] = {"account": {}, "deal": {}}
    titles: dict[str, list[str]] = {}
    with records_index(repo, ("account", "deal"), lambda _: None) as index:
        for row in index.query(
                "SELECT kind, path, json_extract(json, '$.external_ids.' || ?) AS ext, "
                "json_extract(json, '$.title') AS title FROM records "
                "WHERE valid AND kind IN ('account', 'deal') AND ext IS NOT NULL", (tool,)):
            found[row["kind"]][str(row["ext"])] = row["path"]
            if row["kind"] == "deal":
                titles.setdefault(str(row["title"]).casefold(), []).append(str(row["ext"]))
    return found, titles


def _last_fields(repo: Any, key: str) -> dict[str, str]:
    """The tool's ID -> the `key:` trailer (`id=1001 stage=...`) of the newest commit
    that has one for it: what the tool's row said at the last import. One `git log`
    over the history, by message, so neither paths nor renames matter."""
    from salescli.store.gitio import git

    found: dict[str, str] = {}
    out = git(repo.root, "log", f"--format=%(trailers:key={key},valueonly,separator=%x1e)",
              f"--grep=^{key}: ", "HEAD", "--").stdout
    for value in out.replace("\n", "\x1e").split("\x1e"):
        ident = parse_fields(value).get("id")
        if ident is not None and ident not in found:
            found[ident] = value.strip()
    return found


def id_value(text: str) -> int | str:
    """A tool's ID as the file keeps it: `123` a number, anything else (`00123`) text."""
    return int(text) if text.isdigit() and len(text) < 16 and str(int(text)) == text \
        else text


def _id_order(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (0, text)


def _count(problems: dict[str, dict[str, list[Source]]]) -> int:
    return sum(len(rows) for found in problems.values() for rows in found.values())


def _percent(text: str) -> Any:
    """`40`, `40 %`, `40,5` -> the percentage, or None for what is none from 0 to 100."""
    from decimal import Decimal
    from decimal import InvalidOperation

    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() and 0 <= value <= 100 else None


# ------------------------------------------------------------ columns and rows


def match_columns(table: Table, columns: dict[str, tuple[str, ...]],
                  prefix: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for name, aliases in columns.items():
        index = table.column([f"{prefix} {a}" for a in aliases] + list(aliases))
        if index is not None and index not in found.values():
            found[name] = index
    return found


def columns_starting(table: Table, prefix: str, start: str) -> list[int]:
    """Every column named `start...` (`Person - Email - Work`, `- Home`), in file order."""
    heads = [norm_header(h) for h in table.headers]
    return [i for i, h in enumerate(heads)
            if h.removeprefix(prefix + " ").split(" ")[0] == start]


def nul_cells(table: Table, columns: dict[str, int], also: Iterable[int] = ()) -> list[str]:
    """`FILE:ROW: COLUMN: ...` for every imported cell (of `columns`, and the columns
    `also` read by their names' pattern: e-mails, phones) that holds a NUL character.

    A NUL is not text (a record file holding one is refused); in an export it is
    damage, so its row is refused like any other bad cell, never silently changed.
    """
    used = sorted({*columns.values(), *also})
    return [f"{table.name}:{line}: {table.headers[i]}: contains a NUL character (byte 0); "
            "remove it from the export"
            for line, cells in table.rows for i in used if i < len(cells) and "\0" in cells[i]]


def rows_of(table: Table, columns: dict[str, int]) -> Iterable[tuple[Source, dict[str, str]]]:
    for line, cells in table.rows:
        yield Source(table.name, line), {
            name: cells[i] if i < len(cells) else "" for name, i in columns.items()}


def cells_of(cells: list[str], indexes: Iterable[int]) -> list[str]:
    """Every value of these columns in one row, several per cell split, in order."""
    out: list[str] = []
    for i in indexes:
        for part in split_multi(cells[i] if i < len(cells) else ""):
            if part.casefold() not in {o.casefold() for o in out}:
                out.append(part)
    return out


def map_pairs(text: str | None) -> list[str]:
    """`Demo booked, waiting=proposal,Won=won` -> its `OLD=new` pairs: a piece without
    `=` is the start of the next one (a comma in a stage's or column's name); the last
    piece is kept as it is, for the caller to refuse."""
    pairs: list[str] = []
    start = ""
    for piece in (text or "").split(","):
        if "=" in piece:
            pairs.append(start + piece)
            start = ""
        elif piece.strip() or start:
            start += piece + ","
    if start.strip(","):
        pairs.append(start.removesuffix(","))
    return pairs


def parse_map(text: str | None, option: str, allowed: Iterable[str], what: str
              ) -> dict[str, str]:
    """`Qualified=needs-analysis,Proposal Made=proposal` -> normalised name -> ID."""
    mapping: dict[str, str] = {}
    known = sorted(set(allowed))
    for pair in map_pairs(text):
        old, sep, new = pair.rpartition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(f"{option}: expected OLD=new, got {shown(pair)}")
        if new.strip() not in known:
            raise UsageError(f"{option}: `{new.strip()}` is not a {what} "
                             f"({', '.join(known)})")
        mapping[norm_header(old)] = new.strip()
    return mapping


def amounts_decimal_comma(table: Table, columns: dict[str, int]) -> bool | None:
    """Whether the file's amounts (`value`) use a decimal comma (`detect_decimal_comma`);
    a file of both is refused at the first cell of the rarer style, for the user to fix."""
    values = [(where, row.get("value", "")) for where, row in rows_of(table, columns)]
    try:
        return detect_decimal_comma(value for _, value in values)
    except ValueError as err:
        styles = [(where, style) for where, value in values
                  if (style := detect_decimal_comma([value])) is not None]
        counts = {style: sum(s == style for _, s in styles) for _, style in styles}
        # the fewer; of as many, the one that came second
        rarer = min(counts, key=lambda style: (counts[style], style == styles[0][1]))
        where = next(w for w, style in styles if style == rarer)
        raise ImportFailed([f"{where}: {err}"]) from None


def date_cells(tables: Iterable[tuple[Table, dict[str, int]]],
                names: tuple[str, ...]) -> Iterable[str]:
    for table, columns in tables:
        for _, cells in table.rows:
            for name in names:
                i = columns.get(name)
                if i is not None and i < len(cells):
                    yield cells[i]


def dates_reading(fmt: str | None) -> Dates:
    """The dates of an import read with `--date-format` (None: as the cells show)."""
    try:
        return Dates(fmt)
    except ValueError as err:  # a --date-format strptime cannot read
        raise UsageError(str(err)) from None


def summarise(planner: Planner, plan: Plan) -> None:
    deals = [r for r in planner.records if r.kind == "deal"]
    counts = {"accounts": sum(
        r.kind == "account" and r.existing_text is None for r in planner.records),
        "leads": sum(r.kind == "lead" for r in planner.records)}
    if deals:
        counts["deals"] = len(deals)
        for status in ("open", "won", "lost"):
            counts[status] = sum(d.data["status"] == status for d in deals)
    counts["contacts"] = sum(len(a.contacts) for a in planner.accounts.values())
    counts["activities"] = sum(ev.activity is not None for ev in planner.events)
    counts["updated"] = planner.updated
    counts["in_step"] = planner.in_step
    counts["activities updated"] = planner.updated_activities
    counts["unchanged"] = planner.unchanged
    counts["commits"] = len(plan.commits)
    plan.counts = counts
    if planner.skipped_deleted:
        plan.notes.append(f"skipped {planner.skipped_deleted} deleted deal(s)")
    for ident, name in sorted(planner.renamed.items()):
        plan.notes.append(f"account {ident} is named {shown(name)} in {planner.source_name} "
                          "now; it keeps its name here (`salescli account set "
                          f"{ident} name=...` to change it)")
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
            raise UsageError(f"{what}: {table.name} has no column {shown(name)}; its columns: "
                             + ", ".join(table.headers))
        return table.only(normal, norm_header(name))

    found: dict[str, int] = {}
    for pair in (p for text in maps for p in map_pairs(text)):
        col, sep, name = pair.rpartition("=")
        name = name.strip()
        if not sep or name not in fields:
            raise UsageError(f"--map: expected COLUMN=FIELD with FIELD one of "
                             f"{', '.join(fields)}; got {shown(pair)}")
        if name in found:
            raise UsageError(f"--map: two columns for {name} ({shown(table.headers[found[name]])}"
                             f" and {shown(col.strip())}); map one")
        found[name] = column(col.strip(), "--map")
    if date_column:
        found["created"] = column(date_column, "--date-column")
    for name in fields:
        key = norm_header(name.replace("_", " ").replace(".", " "))
        if name not in found and key in normal and normal.index(key) not in found.values():
            found[name] = table.only(normal, key)
    unused = [h for i, h in enumerate(table.headers) if i not in found.values()]
    return found, unused


def plan_csv(repo: Any, kind: str, path: Path, maps: Iterable[str] = (),
             date_column: str | None = None, date_format: str | None = None,
             pipeline: str | None = None, stage_map: str | None = None,
             decimal_comma: bool | None = None, default_close: Any = None,
             force: bool = False, encoding: str = "utf-8") -> Plan:
    """Plan a generic CSV's import: one record per row, added at its `created` time.

    Deals go through the same planner as Pipedrive's (an account named by ID or name,
    created if new; won/lost a separate commit at won_date/lost_date; `stage_map` the
    file's stage names to IDs; `default_close` the close date of an open deal without
    one). Amounts as `decimal_comma` says, else as they show. A record that looks like
    an existing one, or an earlier row, is refused unless `force`.
    """
    if kind not in CSV_FIELDS:
        raise UsageError(f"--kind must be one of {', '.join(CSV_FIELDS)}")
    given = [o for o, v in (("--stage-map", stage_map), ("--default-close-date", default_close),
                            ("--decimal-comma/--decimal-point", decimal_comma)) if v is not None]
    if given and kind != "deal":  # a deal's stage, close date and value
        raise UsageError(f"{', '.join(given)}: for --kind deal only")
    table = read_table(path, encoding=encoding)
    columns, unused = csv_columns(table, kind, maps, date_column)
    name_field = {"account": "name", "lead": "company", "deal": "title"}[kind]
    if name_field not in columns:
        raise UsageError(f"{table.name}: no column for `{name_field}`; map one with "
                         f"--map \"COLUMN={name_field}\"")
    dates = dates_reading(date_format)
    planner = Planner(repo, dates, pipeline)
    planner.force = force
    planner.labels = {**{_DEAL_ROW.get(f, f): f for f in CSV_FIELDS["deal"]},
                      **{_DEAL_ROW.get(f, f): table.headers[i] for f, i in columns.items()}}
    planner.labels.setdefault("close_time", "close_time")
    planner.labels.setdefault("organization", "account")
    planner.errors += nul_cells(table, columns)
    date_fields = ("created", "close_date", "won_date", "lost_date")
    dates.observe(date_cells([(table, columns)], date_fields))
    planner.decimal_comma = decimal_comma
    if decimal_comma is None:  # amounts as the file writes them: 18 500,00 or 18,500.00
        planner.decimal_comma = amounts_decimal_comma(table, columns)
    stages = parse_map(stage_map, "--stage-map", [s.id for s in repo.pipeline(pipeline).stages],
                       "stage") if kind == "deal" else {}
    rows = list(rows_of(table, columns))
    planner.owners.plan(row.get("owner", "") for _, row in rows)
    planner.sources.plan(row.get("source", "") for _, row in rows)
    now = planner.now.strftime("%Y-%m-%d %H:%M:%S")
    seen: dict[tuple[str, str], str] = {}  # a duplicate key -> the row that had it first
    for where, row in rows:
        if not row.get("created", "").strip():
            row["created"] = now
            planner.created_now.add(str(where))
        if kind == "deal":
            planner.deal(where, {_DEAL_ROW.get(k, k): v for k, v in row.items()}, stages,
                         day_of(default_close))
        else:
            _plan_record(planner, kind, where, row, columns, table, seen, force)
    plan = planner.finish(f"Imported from {table.name}")
    plan.rows = len(table.rows)
    summarise(planner, plan)
    if unused:
        plan.notes.append("columns not imported: " + ", ".join(unused))
    return plan


def _plan_record(planner: Planner, kind: str, where: Source, row: dict[str, str],
                 columns: dict[str, int], table: Table, seen: dict[tuple[str, str], str],
                 force: bool = False) -> None:
    """An account or a lead from one row, added in one commit at its `created` time;
    a probable duplicate (`seen`: the keys of the rows before) refused unless `force`."""
    from salescli.core.ids import kind_or_name_id

    errors_before = len(planner.errors)
    created = planner.when(where, table.headers[columns["created"]] if "created" in columns
                           else "created", row["created"])
    name = row["name" if kind == "account" else "company"].strip()
    if not name:
        planner.error(where, f"{'name' if kind == 'account' else 'company'}: missing")
    explicit = row.get("id", "").strip()
    if explicit and (problem := id_problem(explicit, kind, planner.taken[kind])):
        planner.error(where, f"id: {problem}")
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
        cid = kind_or_name_id("contact", person["name"], ())
        data["contacts"] = [contact_record({"id": cid, **person})]
    found = None if force else _duplicate(planner, kind, data, where, seen)
    if found:
        planner.error(where, f"probable duplicate: {found}; leave the row out, or import "
                      "with --force")
        return
    record = Planned(kind, ident, data, created, where)
    planner.records.append(record)
    planner.events.append(Event(created, 1, record, "add", "add"))


def _duplicate(planner: Planner, kind: str, data: dict[str, Any], where: Source,
               seen: dict[tuple[str, str], str]) -> str | None:
    """What makes a row's account or lead look like an existing record or an earlier
    row, as `account add` and `lead add` would refuse it: `same WHAT `v` as WHO`."""
    from salescli.core.duplicates import norm_business_id
    from salescli.core.duplicates import norm_domain
    from salescli.core.duplicates import norm_email
    from salescli.core.duplicates import norm_phone
    from salescli.core.ids import slugify

    people = data.get("contacts") or [data.get("contact") or {}]
    named = "name" if kind == "account" else "company"  # as `account add`, `lead add` fold it
    given = [(named, data[named], slugify),
             ("business_id", data.get("business_id"), norm_business_id),
             ("domain", data.get("domain"), norm_domain),
             *(("e-mail", p.get("email"), norm_email) for p in people),
             *(("phone", p.get("phone"), norm_phone) for p in people)]
    keys = {(what, norm(value)): value for what, value, norm in given if value and norm(value)}
    known = _known_keys(planner, ("account",) if kind == "account" else ("lead", "account"))
    for (what, value), written in keys.items():
        who = known.get((what, value)) or seen.get((what, value))
        if who:
            return f"same {what.replace('_', ' ')} `{written}` as {who}"
    for key in keys:  # the rows after this one are told of it
        seen.setdefault(key, f"the row at {where}")
    return None


def _known_keys(planner: Planner, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """(what, value) -> who has it, of the records of `kinds`: one look-up for a whole
    file (one a row refreshed the record index each time: 11 ms a row). An account's
    `name` is kept folded in the index; a lead's `company` is folded here."""
    cache = planner.known_keys
    if kinds not in cache:
        from salescli.services.read import records_index

        with records_index(planner.repo, kinds, lambda _: None) as index:
            rows = index.query(
                "SELECT kind, id, what, value, contact FROM keys WHERE kind IN "
                f"({', '.join('?' * len(kinds))}) AND what IN "
                "('name', 'business_id', 'domain', 'e-mail', 'phone') ORDER BY path", kinds)
            leads = index.query("SELECT id, company FROM leads ORDER BY path") \
                if "lead" in kinds else []
        found: dict[tuple[str, str], str] = {}
        for r in rows:
            found.setdefault((r["what"], r["value"]), f"{r['kind']} {r['id']}" if not
                             r["contact"] else f"contact {r['contact']} of account {r['id']}")
        for r in leads:
            if company := planner._slug(r["company"]):  # `!!!` has no name to match by
                found.setdefault(("company", company), f"lead {r['id']}")
        cache[kinds] = found
    return cache[kinds]
