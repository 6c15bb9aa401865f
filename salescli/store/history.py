"""The history engine: every deal's and lead's timeline, read from git (SPEC §6).

The pipeline, as data flows:

1. one streamed `git log --raw -m` over `deals/` and `leads/` names every version of
   every record file, the commit that made it and its author date (the event time,
   which `--date` sets and a rebase keeps);
2. the blobs those versions name go, while the log is still streaming, to one
   `git cat-file --batch`; only the fields reports need are read from each, by the
   reader `check` uses, one top-level key at a time so that the keys every version
   repeats are read once (`fast_fields`), and by that reader whole where a key's part
   is not plain block style (`full_fields`);
3. the versions, oldest first, fold into a `Timeline` per record: field changes with
   their time and commit. A rename (an ID change: one file deleted and one added in a
   commit, same month folder) continues the old timeline; a deletion ends it.

Merges never double count: a plain commit's change is its diff against its parent;
at a merge only a value that differs from every parent is a new change (a conflict
resolution), attributed to the merge. A cherry-pick repeats its original's author
date, so the same change at the same moment counts once.

Parsed blobs (by object id) and versions (by commit) are cached in
`.git/salescli/history.cache`; a new commit on top of the cached one reads only the
new commits, and a rewritten history (rebase, reset) re-reads the log but re-parses
only blobs it has not seen.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from salescli.core.dates import DAY_SECONDS
from salescli.core.dates import iso_day
from salescli.core.dates import noon_utc
from salescli.core.dates import utc_ordinal
from salescli.core.later import later
from salescli.core.money import to_cents
from salescli.store import gitio
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import file_id
from salescli.store.repo import refuse_shallow
from salescli.store.repo import state_dir
from salescli.store.runtime import gc_paused
from salescli.store.runtime import load_cache
from salescli.store.runtime import save_cache

NULL = "0" * 40
DEAL_FIELDS = ("stage", "status", "value", "currency", "close_date", "owner", "pipeline",
               "probability", "forecast", "lost_reason", "source", "created", "won_date",
               "lost_date", "approved_by")
LEAD_FIELDS = ("status", "source", "owner", "created")
FIELDS = {"deal": DEAL_FIELDS, "lead": LEAD_FIELDS}
# the fields whose changes are events (SPEC §6); the others are read for filters
TRACKED = ("stage", "status", "value", "currency", "close_date", "owner", "pipeline",
           "probability", "forecast", "lost_reason")
# keys a record cannot be without (the model's required fields, as a test checks;
# copied so that reading history needs no model): a version lacking
# one is what `check` rejects, so reports skip it; read for that only
REQUIRED = {"deal": ("id", "title", "account", "created"), "lead": ("id", "company", "created")}
_SCANNED = {kind: names + tuple(n for n in REQUIRED[kind] if n not in names)
            for kind, names in FIELDS.items()}
_SCANNED_SET = {kind: frozenset(names) for kind, names in _SCANNED.items()}
# 8: `"stage": x` and other unusual keys go to the parser; 9: the scan reads each
# top-level key's part with the parser's block reader, so a version the parser rejects
# (an anchor, a bad date or a duplicate key anywhere) is never answered by the scan;
# 10: deals' approved_by (`check --history` compares it with the commit's author)
# 12: timelines keep their changes as marshal bytes, parsed when a report asks
# 13: the counted changes kept as digests (_seen_key)
# 14: a deleted file brought back (a revert) goes on with its deal's timeline
# 15: a file moved to another month folder keeps its timeline
# 16: `moves` has the pipeline's changes too (`deal move --pipeline`)
# 17: a reopened deal is in its stage since the reopen (`stage_since`)
# 18: a version with a tab `check` refuses is skipped, as check skips it
# 19: `created:` counts only when an earlier day than the commit's (creation_time)
# 20: the version after a rejected one changes what the last valid one held
CACHE_VERSION = 20
DEFER_VERSIONS = 200  # load_history(defer_save=True): fewer new versions, no rewrite
_PATH_RE = later(r"^(deals|leads)/(\d{4}-\d\d)/([a-z0-9][a-z0-9-]{0,63})\.yaml$")
_KIND = {"deals": "deal", "leads": "lead"}
_MOVES = frozenset(("stage", "status", "pipeline"))  # Timeline.moves: what the funnel reads
_NONES = {kind: (None,) * len(names) for kind, names in FIELDS.items()}

Progress = Callable[[int], None]


# ------------------------------------------------------------------ reading a blob


# A version splits into parts, one per top-level key: the key's line, the lines nested
# under it, and the comment and blank lines after them. Each part starts at a line with
# something at column 0 that is neither a comment nor a `- ` entry (an entry at column 0
# belongs to the key above it), so the split is where the parser's block reader
# (`yamlio.load_block`) is at its top-level mapping between two keys, and the parts
# read one at a time give what it gives reading the version whole.
_PARTS = later(rb"\n(?=[^ \n#-]|-[^ \n])")


def _normal(name: str, value: Any) -> Any:
    """A field value in a form the cache can hold: str, int, float or None."""
    if value is None:
        return None
    if name == "value":
        if isinstance(value, bool):
            return None
        try:
            return to_cents(value)
        except (ArithmeticError, ValueError):  # not a number, or inf/nan
            return None
    if name == "probability":
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return value if isinstance(value, str) else str(value)


def _items_value(items: Any) -> Any:
    """A deal without `value`: its items, kept so the value is priced when reported."""
    if not isinstance(items, list) or not items:
        return None
    keep = ("product", "quantity", "unit_price", "discount", "billing", "cycles")
    out = []
    for item in items:
        if not isinstance(item, dict):
            return None
        out.append(tuple(None if item.get(k) is None else str(item.get(k)) for k in keep))
    return ("items", tuple(out))


@functools.cache  # from the model itself: one definition of valid
def _annotation(kind: str, name: str) -> Any:
    from salescli.core.model import MODELS
    from salescli.core.record import fields_of

    return fields_of(MODELS[kind])[name].annotation


def field_ok(kind: str, name: str, value: Any) -> bool:
    """Whether one field's value passes the record's schema, as `check` validates it."""
    from salescli.core.record import validate_value

    try:
        validate_value(_annotation(kind, name), value)
    except (ValueError, TypeError):
        return False
    return True


_OTHER = object()  # the value of a key reports do not read: only its validity matters
_UNSURE = ()  # a part the full reader is to read
# parts repeat across versions (the same `stage: proposal`, `items:` or activities):
# per kind, part -> (key, value), or _UNSURE
_part_memo: dict[str, dict[bytes, tuple]] = {k: {} for k in FIELDS}
_REQUIRED_SET = {kind: frozenset(names) for kind, names in REQUIRED.items()}


def _part(kind: str, part: bytes) -> tuple:
    """One top-level key's part: its key and (if reports read it) its value in cache
    form; _UNSURE when the block reader cannot vouch for it or its value breaks the
    schema (the full reader then decides)."""
    from salescli.store.yamlio import load_block

    try:
        text = part.decode("utf-8")
    except UnicodeDecodeError:
        return _UNSURE
    data = load_block(text)  # NOT_BLOCK (not a dict) where it is unsure
    if type(data) is not dict or len(data) != 1:
        return _UNSURE
    ((name, value),) = data.items()
    if name not in _SCANNED_SET[kind]:
        return name, _OTHER
    if not field_ok(kind, name, value):
        return _UNSURE
    return name, _normal(name, value)


def fast_fields(kind: str, blob: bytes) -> tuple | None:
    """The wanted fields as `full_fields` reads them, or None: not sure, ask it.

    Each top-level key's part is read by the same block reader the full reader tries
    first (`yamlio.load_block`), and remembered, so a key a version shares with
    earlier ones costs a dict lookup. The answer is the full reader's: a part the
    block reader is unsure of (a quoted or explicit key, a flow or multi-line value,
    a tag, an anchor, a tab, CR, BOM or `---`), a key twice, a missing required key or
    a value the schema rejects makes it None, and the full reader decides.
    """
    memo = _part_memo[kind]
    if len(memo) > 200_000:  # about 70,000 on a 10,000-deal demo: some 20 MB
        memo.clear()
    parts = _PARTS.split(blob)
    hits = list(map(memo.get, parts))  # the loops run in C: this is the hot path
    if None in hits:  # parts not seen before
        for i, hit in enumerate(hits):
            if hit is None:
                hits[i] = memo[parts[i]] = _part(kind, parts[i])
    if _UNSURE in hits:
        return None
    found = dict(hits)
    if len(found) != len(parts) or not found.keys() >= _REQUIRED_SET[kind]:
        return None  # a key twice (the parser names it), or a required key missing
    if kind == "deal" and found.get("value") is None and "items" in found:
        return None  # priced from its items: needs them parsed
    return tuple(map(found.get, FIELDS[kind]))


def full_fields(kind: str, blob: bytes) -> tuple | None:
    """The wanted fields by the full parser; None when `check` rejects the version.

    Rejected: it does not parse, is not a mapping, lacks a key every record has
    (REQUIRED), or a field reports read breaks the record's schema (a status
    `maybe`, a value `"12k"`). Reports skip such versions, as they skip files
    `check` rejects.
    """
    from salescli.store.yamlio import YamlProblem
    from salescli.store.yamlio import load_fast

    try:
        data = load_fast(blob.decode("utf-8"))  # as check reads it
    except (YamlProblem, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    for name in _SCANNED[kind]:
        if name in data:
            if not field_ok(kind, name, data[name]):
                return None
        elif name in REQUIRED[kind]:
            return None
    names = FIELDS[kind]
    values = {n: _normal(n, data.get(n)) for n in names}
    if kind == "deal" and values["value"] is None:
        if "items" in data and not field_ok(kind, "items", data["items"]):
            return None  # the value comes from them
        values["value"] = _items_value(data.get("items"))
    return tuple(values[n] for n in names)


def read_fields(kind: str, blob: bytes) -> tuple | None:
    """The fields reports need from one version (None: `check` rejects it)."""
    fields = fast_fields(kind, blob)
    return fields if fields is not None else full_fields(kind, blob)


# ---------------------------------------------------------------- reading the log

# A version: (author time, order, commit, path, parent blob ids, blob id). `order` is
# the commit's place in history, parents first.
Version = tuple[int, int, str, str, tuple[str, ...], str]


def _parse_log(chunks: Iterable[bytes], want: Callable[[str, str], None],
               progress: Progress | None) -> list[Version]:
    """Versions from `git log --raw -z -m --format=%x01%H %at %P`, newest commit first."""
    versions: list[Version] = []
    commit, when, parents = "", 0, 0
    section = -1  # which parent this part of a merge's output compares against
    changes: dict[str, list] = {}
    graph: list[tuple[str, list[str]]] = []  # (commit, parents), as git printed them
    count = 0

    def flush() -> None:
        nonlocal count
        if not commit:
            return
        count += 1
        if progress and count % 500 == 0:
            progress(500)
        for path, (olds, new) in changes.items():
            for i, old in enumerate(olds):
                if old is None:  # not in this parent's diff: unchanged against it
                    olds[i] = new
            kind = _KIND[path.split("/", 1)[0]]
            want(new, kind)
            for old in olds:
                want(old, kind)
            versions.append((when, 0, commit, path, tuple(olds), new))
        changes.clear()

    rest = b""
    pending_meta: list[bytes] | None = None
    for chunk in chunks:
        fields = (rest + chunk).split(b"\0")
        rest = fields.pop()
        for raw in fields:
            if pending_meta is not None:
                path = raw.decode("utf-8", "surrogateescape")
                meta, pending_meta = pending_meta, None
                if _PATH_RE.match(path):
                    entry = changes.get(path)
                    if entry is None:
                        entry = changes[path] = [[None] * parents, meta[3].decode()]
                    if section < parents:
                        entry[0][section] = meta[2].decode()
                continue
            raw = raw.lstrip(b"\n")
            if raw.startswith(b"\x01"):
                head = raw[1:].split()
                sha = head[0].decode()
                if sha == commit:
                    section += 1  # -m repeats a merge once per parent
                    continue
                flush()
                commit, when = sha, int(head[1])
                parents, section = max(1, len(head) - 2), 0
                graph.append((sha, [p.decode() for p in head[2:]]))
            elif raw.startswith(b":"):
                pending_meta = raw.split()
    flush()
    if progress and count % 500:
        progress(count % 500)
    order = _topological(graph)
    return [(v[0], order[v[2]], *v[2:]) for v in versions]


def _topological(graph: list[tuple[str, list[str]]]) -> dict[str, int]:
    """commit -> its place with every parent first (0 = oldest).

    git's default order is newest first and topological unless committer dates go
    backwards (a backdated import, a skewed clock); a depth-first walk fixes those.
    """
    parents_of = dict(graph)
    order: dict[str, int] = {}
    for start, _ in reversed(graph):
        if start in order:
            continue
        stack = [(start, iter(parents_of[start]))]
        while stack:
            sha, parents = stack[-1]
            for parent in parents:
                if parent in parents_of and parent not in order:
                    stack.append((parent, iter(parents_of[parent])))
                    break
            else:
                stack.pop()
                order.setdefault(sha, len(order))
    return order


def _read_history(root: Path, folder: str, rev: str, exclude: str | None,
                  blobs: dict[str, tuple | None], progress: Progress | None) -> list[Version]:
    # --parents: the parents among the commits shown, to order them. --date-order: git
    # simplifies the history for the path before it prints any of it; streamed, with
    # commits of the same second on merged branches, it may print a commit without its
    # parent and diff it as if every file were new (a deal "created" at its proposal)
    # --relative: paths from the pipeline's folder, as the records are named (a pipeline
    # in `crm/` of a bigger repository had no history at all: `crm/deals/...` is no deal)
    args = ["log", "--parents", "--date-order", "--raw", "-z", "--no-abbrev", "--no-renames",
            "--relative", "-m", "--format=%x01%H %at %P", rev]
    if exclude:
        args.append("^" + exclude)
    args += ["--", folder]
    kinds: dict[str, str] = {}  # blob -> the kind of record it is a version of

    def missing(sha: str) -> str:
        return (f"git cat-file: object {sha} named by the history of "
                f"{kinds.get(sha, 'record')}s is missing; run `git fsck` (or fetch the "
                "missing objects) first")

    def take(sha: str, data: bytes) -> None:  # in cat-file's reader thread
        blobs[sha] = read_fields(kinds[sha], data)

    # each blob the log names is asked for as the log streams, and read meanwhile
    with gitio.CatFile(root, missing, buffer=True) as cat, gitio.Stream(root, *args) as log:

        def want(sha: str, kind: str) -> None:
            if sha != NULL and sha not in blobs and sha not in kinds:
                kinds[sha] = kind
                cat.want(sha)

        cat.stream_to(take)
        versions = _parse_log(log.chunks(), want, progress)
        cat.finish()
    return versions


# ---------------------------------------------------------------------- timelines

Change = tuple[int, str, str, Any, Any, bool]  # (time, commit, field, old, new, counted)


@dataclass(slots=True)
class Timeline:
    """One record's life: when it existed, and every change of its fields, oldest first."""

    kind: str
    path: str
    created: int                                  # creation_time: author time or `created:`
    _changes: list[Change] | None = field(default_factory=list, repr=False)  # .changes
    alive: list[tuple[int, bool]] = field(default_factory=list)  # (time, exists)
    _cur: list = field(default_factory=list, repr=False)  # the fields after the last change
    last: int = 0                                 # time of the latest change so far
    moves: list[tuple[int, str, Any]] = field(default_factory=list)  # stage/status/pipeline
    paths: list[tuple[int, str]] = field(default_factory=list)  # earlier files (ID changes)
    _later: _Deferred | None = field(default=None, repr=False)  # what fills _changes

    @property
    def changes(self) -> list[Change]:
        """Every change of the tracked fields, oldest first (from a cache: read when
        first asked; the funnel and the forecast never ask, 35 ms on 10,000 deals)."""
        if self._changes is None and self._later is not None:
            self._later.fill()
        return self._changes  # type: ignore[return-value]

    @property
    def id(self) -> str:
        return file_id(self.path)

    def id_at(self, at: float) -> str:
        """The ID the record had at `at` (an ID change renames its file)."""
        return file_id(self.path_at(at))

    def path_at(self, at: float) -> str:
        """The file the record was at `at`."""
        path = self.paths[0][1] if self.paths else self.path
        for when, moved_to in self.paths[1:]:
            if when > at:
                break
            path = moved_to
        return path

    def exists(self, at: float) -> bool:
        state = False
        for time, alive in self.alive:
            if time > at:
                break
            state = alive
        return state

    @property
    def fields(self) -> tuple[str, ...]:
        """The names of `values`, in order."""
        return FIELDS[self.kind]

    def values(self, at: float) -> list[Any]:
        """The fields as they were at `at`, in `fields` order (None: not set); the list
        kept for the latest version is returned as it is: not to be changed."""
        if at >= self.last and self._cur:
            return self._cur
        state = self.state(at)
        return [state.get(name) for name in FIELDS[self.kind]]

    def state(self, at: float) -> dict[str, Any]:
        """The fields as they were at `at` (epoch seconds)."""
        if at >= self.last and self._cur:
            return dict(zip(FIELDS[self.kind], self._cur, strict=True))
        out: dict[str, Any] = {}
        for time, _, name, _, new, _ in self.changes:
            if time > at:
                break
            out[name] = new
        return out

    def stage_since(self, at: float) -> float:
        """When the record entered the stage it was in at `at`: its last stage change up
        to then, or its reopening, if later (a deal lost for two months is not stale the
        day it is reopened); `moves` has every one `changes` has, without loading them."""
        return next((t for t, name, new in reversed(self.moves) if t <= at and (
            name == "stage" or (name == "status" and new == "open"))), self.created)

    def history(self, name: str, at: float) -> list[tuple[int, Any]]:
        """(time, value) each time `name` changed, up to `at`."""
        return [(c[0], c[4]) for c in self.changes if c[2] == name and c[0] <= at]

    def events(self, at: float) -> list[Change]:
        """Changes that count as events (merges and cherry-picks counted once)."""
        return [c for c in self.changes if c[5] and c[0] <= at]


def noon(date: str | None) -> int | None:
    """A `created:` date as epoch seconds at noon UTC (the same rule as `--date`)."""
    day = iso_day(date)
    return None if day is None else int(noon_utc(day).timestamp())


def creation_time(when: int, created: str | None) -> int:
    """A record's creation time (SPEC §6): the author time `when` of the commit adding
    it, or its `created:` day (noon UTC) when that is an earlier day (an import
    backdating it). On the commit's own day the commit's time stands, wherever it was
    made: the day counts only from a day (24 h) past its noon, as no time zone is more
    than 12 h behind UTC; else a lead added at 23:00 would wait from noon."""
    day = noon(created)
    return day if day is not None and when - day >= DAY_SECONDS else when


def _rename_pairs(group: list[Version], blobs: dict[str, tuple | None]) -> dict[str, str]:
    """old path -> new path for an ID change inside one plain commit, or a move of a
    file to another month folder (the same file name)."""
    deleted = [v for v in group if v[5] == NULL and len(v[4]) == 1 and v[4][0] != NULL]
    added = [v for v in group if v[5] != NULL and len(v[4]) == 1 and v[4][0] == NULL]
    pairs: dict[str, str] = {}
    for d in deleted:
        folder, name = d[3].rsplit("/", 1)
        kind_folder = folder.split("/", 1)[0]
        moved = [a for a in added if a[3].endswith("/" + name)
                 and a[3].split("/", 1)[0] == kind_folder]
        if moved:
            pairs[d[3]] = moved[0][3]
            added.remove(moved[0])
            continue
        old = blobs.get(d[4][0])
        candidates = [a for a in added if a[3].rsplit("/", 1)[0] == folder]
        at = FIELDS[_KIND[folder.split("/", 1)[0]]].index("created")
        same = [a for a in candidates
                if old and blobs.get(a[5]) and blobs[a[5]][at] == old[at]]
        pick = (same or candidates)[:1]
        if pick:
            pairs[d[3]] = pick[0][3]
            added.remove(pick[0])
    return pairs


Rejected = dict[str, list[tuple[int, bool]]]  # path -> (time, its version is rejected)


def _note(rejected: Rejected, path: str, when: int, bad: bool) -> None:
    """Record whether `path`'s version from `when` on is one `check` rejects."""
    states = rejected.get(path)
    if states is None:
        if bad:
            rejected[path] = [(when, True)]
    elif states[-1][1] != bad:
        states.append((max(when, states[-1][0]), bad))


@dataclass(slots=True)
class Fold:
    """Where folding versions into timelines got to: a later commit's versions continue
    from here, so a report after one more commit folds that commit only.

    `done` are the timelines whose file was deleted, `live` those whose file exists (by
    path, in the order they were created), `seen` the changes counted so far (a
    cherry-pick repeats one, author time included, and counts once).
    """

    done: list[Timeline] = field(default_factory=list)
    live: dict[str, Timeline] = field(default_factory=dict)
    seen: set[int] = field(default_factory=set)  # _seen_key of each counted change

    @property
    def timelines(self) -> list[Timeline]:
        return self.done + list(self.live.values())


def build_timelines(versions: list[Version], blobs: dict[str, tuple | None],
                    rejected: Rejected | None = None, fold: Fold | None = None
                    ) -> list[Timeline]:
    """Fold versions (any order) into one timeline per record, oldest change first.

    A version `check` rejects (None in `blobs`) changes nothing; `rejected` learns
    when each file held one, so reports can say what they skipped. With `fold`, the
    versions continue that fold (they must all come after the versions folded into
    it), which ends where folding every version at once would.
    """
    rejected = {} if rejected is None else rejected
    fold = Fold() if fold is None else fold
    # parents before children (git log's order), whatever the author dates say
    versions = sorted(versions, key=lambda v: (v[1], v[3]))
    live, done, seen = fold.live, fold.done, fold.seen
    # the last life of each ID whose file was deleted (one ID lives once at a time): of
    # `done` alone, so that a fold resumed from the cache goes on as this one does
    gone = {(tl.kind, tl.id): tl for tl in done}
    i = 0
    while i < len(versions):
        j = i
        while j < len(versions) and versions[j][2] == versions[i][2]:
            j += 1
        group = versions[i:j]
        i = j
        renames = _rename_pairs(group, blobs) if len(group) > 1 else {}
        renamed_to = {new: old for old, new in renames.items()}
        for when, _, commit, path, olds, new in group:
            if path in renames:
                _note(rejected, path, when, False)
                continue  # handled with the file it became
            kind = _KIND[path.split("/", 1)[0]]
            names = FIELDS[kind]
            if path in renamed_to:
                old_path = renamed_to[path]
                tl = live.pop(old_path, None)
                if tl is not None:
                    if not tl.paths:
                        tl.paths.append((tl.created, tl.path))
                    tl.path = path
                    tl.paths.append((max(when, tl.last), path))
                    live[path] = tl
                    olds = (next(v[4][0] for v in group if v[3] == old_path),)
            newf = blobs.get(new) if new != NULL else None
            _note(rejected, path, when, new != NULL and newf is None)
            tl = live.get(path)
            if new == NULL:
                if tl is not None:  # its history ends; its last fields stay readable
                    tl.last = max(when, tl.last)
                    tl.alive.append((tl.last, False))
                    done.append(live.pop(path))
                    gone[(kind, tl.id)] = tl
                continue
            if newf is None:
                continue  # a version `check` rejects changes nothing
            revived = False
            if tl is None:
                key = (kind, file_id(path))
                before = gone.get(key)
                if before is not None and before.path == path:
                    # the file back where it was (a revert): the same deal lives again,
                    # changed from how it was when deleted, and absent in between
                    done.remove(before)
                    earlier = next((t for t in reversed(done) if (t.kind, t.id) == key), None)
                    if earlier is None:
                        del gone[key]
                    else:
                        gone[key] = earlier
                    tl = live[path] = before
                    when = max(when, tl.last)
                    tl.alive.append((when, True))
                    revived = True
                else:
                    start = creation_time(when, newf[names.index("created")]
                                          if "created" in names else None)
                    if before is not None and start < before.last:
                        start = when  # `created:` of the ID's earlier life: not this one's
                    tl = live[path] = Timeline(kind, path, start, alive=[(start, True)],
                                               _cur=[None] * len(names), last=start)
                    when = start
            cur = tl._cur
            if revived:  # against its fields when it was deleted
                parents = [tuple(cur)]
            elif len(olds) == 1:
                oldf = blobs.get(olds[0]) if olds[0] != NULL else None
                if oldf == newf:
                    continue  # only untracked parts changed (activities, notes...)
                # after a version check rejected: against the last valid one (the fields
                # as they stood), not as if the deal were made anew
                parents = [oldf or tuple(cur)]
            else:
                parents = [blobs.get(o) or (tuple(cur) if o != NULL else _NONES[kind])
                           for o in olds]
            # a commit authored before its parent's change happens, for us, right after it
            moment = max(when, tl.last)
            for k, value in enumerate(newf):
                if len(parents) == 1:
                    old = parents[0][k]
                    if value == old:
                        continue
                else:  # a merge: only a value new to every parent is a change of its own
                    if value == cur[k]:
                        continue
                    old = parents[0][k]
                    if any(p[k] == value for p in parents):
                        tl.changes.append((moment, commit, names[k], old, value, False))
                        tl.last = moment
                        cur[k] = value
                        if names[k] in _MOVES:
                            tl.moves.append((moment, names[k], value))
                        continue
                key = _seen_key(tl.path, k, old, value, when)
                counted = key not in seen  # a cherry-pick repeats its author time
                seen.add(key)
                tl.changes.append((moment, commit, names[k], old, value, counted))
                tl.last = moment
                cur[k] = value
                if names[k] in _MOVES:
                    tl.moves.append((moment, names[k], value))
    return fold.timelines


# -------------------------------------------------------------------------- cache


@dataclass
class History:
    """Everything reports need from git: timelines and the moment they describe."""

    rev: str | None
    timelines: list[Timeline]
    rejected: Rejected = field(default_factory=dict)

    def newest(self) -> float:
        """The latest moment anything in it changed at (0 for nothing): as of any moment
        after it, it reads as it does at that one."""
        # each list is oldest first: its last entry is its latest
        times = [states[-1][0] for states in self.rejected.values() if states]
        for tl in self.timelines:
            times.append(tl.last)
            times.extend(t for t, *_ in (*tl.alive[-1:], *tl.moves[-1:], *tl.paths[-1:]))
        return max(times, default=0)

    def rejected_at(self, at: float) -> list[str]:
        """Record files that held, at `at`, a version `check` rejects: reports skip them."""
        out = []
        for path, states in self.rejected.items():
            bad = False
            for when, state in states:
                if when > at:
                    break
                bad = state
            if bad:
                out.append(path)
        return sorted(out)


def _cache_paths(root: Path, kind: str) -> tuple[Path, Path, Path]:
    # timelines answer a repeated report; the counted changes let the next commit's
    # versions continue their fold; versions and blobs make a full fold cheap
    folder = state_dir(root)
    return (folder / f"{kind}-timelines.cache", folder / f"{kind}-seen.cache",
            folder / f"{kind}-history.cache")



def _load_cache(path: Path, *keys: str) -> dict | None:
    """A cache file's data, or None when it is missing, stale or not ours (never an error)."""
    data = load_cache(path)
    # "shallow": made on a shallow clone by an earlier version, before one was refused
    if not isinstance(data, dict) or data.get("v") != CACHE_VERSION \
            or not isinstance(data.get("rev"), str) or not all(k in data for k in keys) \
            or data.get("shallow"):
        return None
    return data


def _changes_file(timelines_file: Path) -> Path:
    """Where the changes of the timelines in `timelines_file` are kept: a file of their
    own, read only when a report asks for them (`Timeline.changes`). A report as of now
    needs the timelines' last values and moves alone (2 of the 7 MB on 10,000 deals)."""
    return timelines_file.with_name(timelines_file.name.replace("-timelines", "-changes"))


def _pack(timelines: list[Timeline]) -> tuple[dict[str, Any], list]:
    """(The timelines as cache data, their changes apart)."""
    return ({"timelines": [(t.kind, t.path, t.created, t.last, None, t.alive, t._cur,
                            t.moves, t.paths) for t in timelines]},
            [t.changes for t in timelines])


def _unpack(data: dict[str, Any], timelines_file: Path,
            again: Callable[[], list[Timeline]] | None = None) -> list[Timeline]:
    """Timelines from cache data; `again` folds them afresh if their changes turn out
    missing or damaged when first asked."""
    if not isinstance(data["changes"], str | bytes):
        raise TypeError("damaged cache")
    # the token of the changes file saved with them (bytes: the changes themselves, as
    # caches before the file of their own kept them)
    later = _Deferred(data["changes"], _changes_file(timelines_file), again)
    later.timelines = [Timeline(kind, path, created, None, alive, cur, last, moves, paths,
                                later)
                       for kind, path, created, last, _, alive, cur, moves, paths
                       in data["timelines"]]
    return later.timelines


class _Deferred:
    """The changes of cached timelines, parsed for all of them when one is first asked."""

    def __init__(self, token: str | bytes, path: Path,
                 again: Callable[[], list[Timeline]] | None):
        self.token, self.path, self.again, self.timelines = token, path, again, []

    def fill(self) -> None:
        from salescli.store.runtime import plain_loads

        try:
            if isinstance(self.token, bytes):
                changes = plain_loads(self.token)
            else:  # saved with the timelines: the same token, else of another fold
                saved = load_cache(self.path)
                if not isinstance(saved, dict) or saved.get("token") != self.token:
                    raise ValueError("damaged cache")
                changes = saved.get("changes")
            if not isinstance(changes, list) or len(changes) != len(self.timelines):
                raise ValueError("damaged cache")
        except (ValueError, EOFError, TypeError):
            if self.again is None:
                raise
            fresh = self.again()  # the same commit's fold: the same timelines, in order
            changes = [tl.changes for tl in fresh]
        for tl, own in zip(self.timelines, changes, strict=True):
            tl._changes, tl._later = own, None


def load_history(root: Path, rev: str = "HEAD", *,
                 kinds: Sequence[str] = ("deal", "lead"), use_cache: bool = True,
                 progress: Progress | None = None, defer_save: bool = False) -> History:
    """Timelines of every record of `kinds` reachable from `rev`.

    Each kind is its own log (a report that needs only deals never reads leads) and
    its own cache. With `defer_save`, a cache continued by fewer than DEFER_VERSIONS
    versions is not rewritten: the next load folds them again, in milliseconds.
    """
    refuse_shallow(root)
    head = gitio.rev_parse(root, rev)
    if head is None:
        if rev != "HEAD":
            raise gitio.SalescliError(f"unknown revision {rev!r}: give a commit, branch or tag")
        return History(None, [])
    history = History(head, [])
    with gc_paused():  # millions of small tuples: it more than doubles a cache load
        for kind in kinds:
            timelines, rejected = _kind_history(root, kind, head, rev == "HEAD" and use_cache,
                                                use_cache, progress,
                                                DEFER_VERSIONS if defer_save else 0)
            history.timelines += timelines
            history.rejected.update(rejected)
    return history


def _kind_history(root: Path, kind: str, head: str, write: bool,
                  read: bool, progress: Progress | None, defer: int = 0
                  ) -> tuple[list[Timeline], Rejected]:
    timelines_file, seen_file, history_file = _cache_paths(root, kind)
    warm = _load_cache(timelines_file, "timelines", "changes", "rejected", "done") \
        if read else None
    if warm and warm["rev"] == head and isinstance(warm["rejected"], dict):
        try:
            def again() -> list[Timeline]:
                return _kind_history(root, kind, head, write, False, None)[0]

            return _unpack(warm, timelines_file, again), warm["rejected"]
        except (TypeError, ValueError):  # a damaged cache is only recomputed
            pass
    folder = KIND_DIRS[kind] + "/"
    # commits since the timelines (a write, a pull): only their versions are folded, with
    # their blobs read from git; the history cache catches up when next needed. (Whether
    # the history grew costs one git process; the counted changes, a 3 MB read.)
    resumed = _resumed(warm, timelines_file, _load_cache(seen_file, "seen")) \
        if warm and _grows_from(root, warm["rev"], head) else None
    if resumed:
        fold, rejected = resumed
        blobs: dict[str, tuple | None] = {}
        newer = _read_history(root, folder, head, warm["rev"], blobs, progress)
        timelines = build_timelines(newer, blobs, rejected, fold)
        if write and len(newer) >= defer:
            _save_fold(timelines_file, seen_file, head, fold, rejected)
        return timelines, rejected
    cache = _load_cache(history_file, "versions", "blobs") if read else None
    blobs = cache["blobs"] if cache else {}
    if cache and cache["rev"] == head:
        versions = cache["versions"]
    elif cache and _grows_from(root, cache["rev"], head):
        # only the commits since the cached one; their order follows the cached ones
        newer = _read_history(root, folder, head, cache["rev"], blobs, progress)
        top = max((v[1] for v in cache["versions"]), default=-1) + 1
        versions = cache["versions"] + [(v[0], top + v[1], *v[2:]) for v in newer]
    elif cache and _descends(root, head, cache["rev"]):
        # an older commit of the cached history (--as-of REV, review's base): its part
        reachable = set(gitio.rev_list(root, head))
        versions = [v for v in cache["versions"] if v[2] in reachable]
    else:  # first run, or a rewritten history: the log again, known blobs not re-read
        versions = _read_history(root, folder, head, None, blobs, progress)
    fold, rejected = Fold(), {}
    timelines = build_timelines(versions, blobs, rejected, fold)
    if write:
        if cache is None or cache["rev"] != head:
            used = {s for v in versions for s in (v[5], *v[4])}
            save_cache(history_file, {"v": CACHE_VERSION, "rev": head, "versions": versions,
                                       "blobs": {s: f for s, f in blobs.items() if s in used}})
        _save_fold(timelines_file, seen_file, head, fold, rejected)
    return timelines, rejected


def _seen_key(path: str, field_: int, old: Any, new: Any, when: int) -> int:
    """A counted change as a 128-bit digest: the fold's set of them is read back and
    made in milliseconds (a set of 136,000 tuples of text cost 130 ms of every report
    right after a commit, on 10,000 deals), and two changes agree on it only if they are
    the same change (a collision needs about 2^64 changes)."""
    import hashlib  # here: its import costs 9 ms, and only a fold that reads new commits asks

    text = repr((path, field_, old, new, when)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")


def _save_fold(timelines_file: Path, seen_file: Path, head: str, fold: Fold,
               rejected: Rejected) -> None:
    data, changes = _pack(fold.timelines)
    token = os.urandom(8).hex()  # pairs the two files: one without the other is not used
    if not save_cache(_changes_file(timelines_file), {"token": token, "changes": changes}):
        return  # the last pair stays as it was: the timelines without their changes are not
    save_cache(timelines_file, {"v": CACHE_VERSION, "rev": head, "done": len(fold.done),
                                 **data, "changes": token, "rejected": rejected})
    save_cache(seen_file, {"v": CACHE_VERSION, "rev": head, "seen": tuple(fold.seen)})


def _resumed(warm: dict, timelines_file: Path, seen: dict | None, moves_only: bool = False
             ) -> tuple[Fold, Rejected] | None:
    """The fold the caches stopped at (None: missing, damaged, or of another commit).

    With `moves_only` the fold goes on for the timelines' moves alone: their changes are
    neither loaded nor kept, nor counted (`seen` is not asked for), and the timelines
    are for `stage_entered` only.
    """
    if not isinstance(warm["rejected"], dict) or not isinstance(warm["done"], int):
        return None
    if not moves_only and (not seen or seen["rev"] != warm["rev"]
                           or not isinstance(seen["seen"], tuple)
                           or not all(type(key) is int for key in seen["seen"])):
        return None  # the counted changes are _seen_key digests of this very fold
    try:
        timelines = _unpack(warm, timelines_file)
        for tl in timelines:
            if moves_only:
                tl._changes, tl._later = [], None  # appended to, never read
            else:
                tl.changes  # noqa: B018  # they go on: every change there is, now
        counted = set() if moves_only else set(seen["seen"])  # type: ignore[index]
        rejected = {path: list(states) for path, states in warm["rejected"].items()}
    except (TypeError, ValueError, EOFError, AttributeError):  # damaged: folded again
        return None
    n = warm["done"]
    if not 0 <= n <= len(timelines):
        return None
    return Fold(timelines[:n], {tl.path: tl for tl in timelines[n:]}, counted), rejected


def _grows_from(root: Path, old: str, new: str) -> bool:
    """Whether every commit `new` adds to `old`'s history descends from `old`.

    Only then do the added commits come after all of old's in git's order, so folding
    them after the cached fold is what folding everything gives. A merged branch that
    began before `old` does not: its commits sort among old's (a cherry-pick on it
    would count at another commit). Not when `old` is gone (pruned after a rebase).
    """
    proc = gitio.git(root, "rev-list", "--parents", "--topo-order", "--reverse",
                     f"^{old}", new, "--", check=False)
    added = proc.stdout.splitlines()
    if proc.returncode != 0 or not added:  # nothing added: `new` is old's or behind it
        return proc.returncode == 0 and old == new
    descendants = {old}
    for line in added:
        commit, *parents = line.split()
        if not descendants.intersection(parents):
            return False
        descendants.add(commit)
    return True


def _descends(root: Path, old: str, new: str) -> bool:
    """Whether commit `new` contains `old`; not when the cached commit is gone."""
    try:
        return gitio.is_ancestor(root, old, new)
    except gitio.SalescliError:  # pruned after a rebase: the log is read again, and
        return False             # a repository git refuses fails there, loudly


def _moves_resumed(root: Path, head: str) -> list[Timeline] | None:
    """The deals' timelines at `head` for their stage moves alone, from the timelines
    cache and the few commits since (None: the cache does not lead there, or many).

    Only `moves`, `created`, `alive` and `paths` are to be read of them: the changes the
    commits since make are not kept, nor counted against the changes before (which are
    not loaded: a third of a resume's time). They never leave `stage_entered`.
    """
    timelines_file = _cache_paths(root, "deal")[0]
    warm = _load_cache(timelines_file, "timelines", "changes", "rejected", "done")
    if not warm or warm["rev"] != head and not _grows_from(root, warm["rev"], head):
        return None
    with gc_paused():
        resumed = _resumed(warm, timelines_file, None, moves_only=True)
        if resumed is None:  # damaged: the usual way rebuilds it
            return None
        blobs: dict[str, tuple | None] = {}
        newer = _read_history(root, KIND_DIRS["deal"] + "/", head, warm["rev"], blobs,
                              None) if warm["rev"] != head else []
        if len(newer) >= DEFER_VERSIONS:
            return None  # the caches catch up the usual way, once for every report
        fold, rejected = resumed
        return build_timelines(newer, blobs, rejected, fold)


STAGE_ENTERED_FILE = "stage-entered.cache"
# commits salescli made that moved no deal's stage: {commit: parent}
SAME_STAGES_FILE = "stage-entered.same"
SAME_STAGES_KEPT = 500
_STAGE, _STATUS = DEAL_FIELDS.index("stage"), DEAL_FIELDS.index("status")


def note_commit(root: Path, parent: str, sha: str,
                written: Iterable[tuple[str, bytes | None, bytes | None]]) -> None:
    """After salescli made commit `sha` on `parent` of the files `written` (path, bytes
    before, after): when no deal came or went, and each deal written was a version
    reports read before and after with the same stage (and not reopened), no timeline
    gained a stage move (`stage_since` reads only those and `created`), so
    `stage_entered` at `parent` holds at `sha`. Noted for `today` after `log call`,
    `deal set`, `deal win`..., which then reads no history. A note is a fact about two
    commits, true whatever happens later; one that cannot be written only costs time."""
    folder = KIND_DIRS["deal"] + "/"
    for rel, before, after in written:
        if rel.startswith(folder):
            if before is None or after is None:
                return
            old, new = read_fields("deal", before), read_fields("deal", after)
            # a version reports skip is no help: the next one is read against none; a
            # reopened deal is in its stage since (`stage_since`)
            if old is None or new is None or old[_STAGE] != new[_STAGE] \
                    or (old[_STATUS] != new[_STATUS] and new[_STATUS] == "open"):
                return
    path = state_dir(root) / SAME_STAGES_FILE
    same = _notes(path)
    same[sha] = parent
    if len(same) > SAME_STAGES_KEPT:  # the oldest notes go: a long walk is not worth it
        same = dict(list(same.items())[-SAME_STAGES_KEPT:])
    save_cache(path, {"v": CACHE_VERSION, "same": same})


def _notes(path: Path) -> dict:
    """The notes of note_commit; none from another version (what a version reports read
    may differ) or a damaged file."""
    data = load_cache(path)
    if isinstance(data, dict) and data.get("v") == CACHE_VERSION \
            and isinstance(data.get("same"), dict):
        return data["same"]
    return {}


def _same_stages(path: Path, rev: str, head: str) -> bool:
    """Whether the notes of note_commit lead from `head` back to `rev`."""
    same = _notes(path.with_name(SAME_STAGES_FILE))
    at: Any = head
    for _ in range(len(same)):
        at = same.get(at)
        if not isinstance(at, str):
            return False
        if at == rev:
            return True
    return False


def stage_entered(root: Path, use_cache: bool = True) -> dict[str, dt.date]:
    """deal id -> the day it entered the stage it is in now (or was created in it).

    Kept in its own small cache by HEAD: `today` and `stale` need these 10,000 dates,
    not the whole history (loading the timelines cache costs ten times more). It holds
    too at commits that note_commit found moved no deal's stage. Without
    `use_cache`, the whole history is read, and nothing kept.
    """
    refuse_shallow(root)
    head = gitio.rev_parse(root, "HEAD") if use_cache else None  # None: nothing kept
    path = state_dir(root) / STAGE_ENTERED_FILE
    saved = _load_cache(path, "entered") if head is not None else None
    if head is not None and saved and isinstance(saved["entered"], dict) \
            and (saved["rev"] == head or _same_stages(path, saved["rev"], head)):
        try:
            return {k: dt.date.fromordinal(v) for k, v in saved["entered"].items()}
        except (TypeError, ValueError, OverflowError):
            pass  # damaged: computed again
    now = float("inf")
    # right after a write: the few new commits folded onto the timelines cache, which is
    # not rewritten for them (that cost `today` after each commit 0.2 s on 10,000 deals)
    timelines = _moves_resumed(root, head) if head is not None else None
    if timelines is None:
        timelines = load_history(root, kinds=("deal",), use_cache=use_cache,
                                 defer_save=True).timelines
    days = {tl.id: utc_ordinal(tl.stage_since(now)) for tl in timelines if tl.exists(now)}
    if head is not None:
        save_cache(path, {"v": CACHE_VERSION, "rev": head, "entered": days})
    return {k: dt.date.fromordinal(v) for k, v in days.items()}
