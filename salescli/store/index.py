"""The record index: every record of the work tree as SQLite rows, kept current by stat.

`.git/salescli/index.sqlite` holds, for accounts, leads and deals:

- the tables of `export --format sqlite` (accounts, contacts, leads, deals, items,
  activities; docs/export.md), so a listing is a query and `salescli sql` can ask
  anything;
- `records`: one row per record file (path, kind, ID, whether it is valid, the first
  problem if not, the whole validated record as JSON, the git blob ID of the text read);
- `meta`: the schema and salescli version, the configuration the rows were derived
  with, and per kind what each file looked like on disk (size, inode, modification
  and change times: what git's own index trusts) when it was read, and the kind's
  `scan`: git's index file as last seen, the stat of each folder when listed, and the
  files git could not vouch for then (with `gen`, counting the kind's writes).

A read re-reads only files whose stat changed; nothing changed means no parse and no
write. It stats only what git cannot vouch for (`_GitView`): a file that `git diff-files`
finds as git indexed it, with the blob the row was read from, is as read. The rest (and
everything when git cannot tell) is stat'ed, as `git status` does. The index is
derived, never the source of truth: missing, from another version, damaged or locked
by another process, it is rebuilt or bypassed (built in memory for this run), never an
error. `--no-cache` builds it in memory from the files, through the same code, so
both answers are the same by construction.

Like git's "racily clean" entries, a file modified within FRESH_NS of being read may
change again within the same clock tick with the same size: such an entry keeps a
digest of the content and is compared by content until it is old enough.

What git vouches for is as sure as `git status`: git compares stat to the second
(unless built with USE_NSEC), so a file written twice within one second, same size,
its modification time set back to within one second of the last (`cp -p` of two
files made in one second) looks unedited to git, to `git status` and so to this
index; `--no-cache` reads it.
"""

from __future__ import annotations

import bisect
import itertools
import marshal
import os
import sqlite3
import time
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from salescli import __version__
from salescli.core.errors import SalescliError
from salescli.core.later import later
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import KINDS
from salescli.store.repo import file_id
from salescli.store.runtime import FRESH_NS
from salescli.store.runtime import code_stamp
from salescli.store.runtime import plain_loads
from salescli.store.runtime import start_git

INDEX_VERSION = 10  # 2: items priced with their product's billing; 3: records.blob;
# 4: last/next activity, pending meetings; 5: activities.happened; 6: keys;
# 7: a cancelled meeting is no last activity; 8: demos are booked as meetings are, and
# activities.time; 9: records.json compact (`record_json`); 10: no `name` key for an
# account named with nothing that folds to an ID (`!!!` folded to `record`)
INDEX_FILE = "index.sqlite"
TIMEOUT = 5.0  # seconds to wait for another process's update before bypassing the file

Warn = Callable[[str], None]
Stat = tuple  # (size, inode, mtime_ns, ctime_ns) or, while fresh, (... , digest)

_INTERNAL = (
    """CREATE TABLE records (
  path TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  valid INTEGER NOT NULL,
  problem TEXT,
  json TEXT,
  blob TEXT
)""",
    "CREATE INDEX records_kind ON records (kind, id)",
    # the files that are no valid record, which every read warns of: found without
    # reading each record's row and its JSON (25 ms on 26,000 records)
    "CREATE INDEX records_invalid ON records (kind, path) WHERE NOT valid",
    # which blob each row was read from, when git's index changed (a commit): from the
    # index alone, not each row past its JSON (200 -> 30 ms on 26,000 records)
    "CREATE INDEX records_blob ON records (kind, path, blob)",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB)",
    # what may reveal a duplicate (core/duplicates.py): `account add`, `lead add` and
    # `lead convert` ask for a value here instead of reading every record
    """CREATE TABLE keys (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  path TEXT NOT NULL,
  what TEXT NOT NULL,
  value TEXT NOT NULL,
  contact TEXT,
  line INTEGER
)""",
    "CREATE INDEX keys_value ON keys (what, value)",
    "CREATE INDEX keys_id ON keys (kind, id)",
    "CREATE INDEX deals_status ON deals (status, close_date)",
    # listings and look-ups go by file: in path order, joined to `records` by path
    "CREATE INDEX accounts_path ON accounts (path)",
    "CREATE INDEX leads_path ON leads (path)",
    "CREATE INDEX deals_path ON deals (path)",
    # `today`: the activities booked for a day, without reading them all
    "CREATE INDEX activities_booked ON activities (status, date)",
    # `today` and `task list`: the open tasks due by a day
    "CREATE INDEX activities_due ON activities (done, due)",
    # `today` and `calendar`: the meetings still to mark held or cancelled
    "CREATE INDEX activities_pending ON activities (date) WHERE pending",
    # `today`: the deals of the accounts won, and when each was last and next in touch
    "CREATE INDEX deals_account ON deals (account_id, last_activity, next_activity)",
)


# a folder listed (or git's index, without its checksum) within this of its last change
# may change again within the same clock tick and keep its stat: it is looked at again
SCAN_FRESH_NS = FRESH_NS

# a command's writes go into a small patch of the stat table (loading and saving the
# whole table cost a write about 25 ms on 10,000 deals); a listing folds it in
PATCH_LIMIT = 256


def index_path(repo: Any) -> Path:
    return repo.state_dir / INDEX_FILE


_INDEX_OF = later(r'CREATE INDEX "?(\w+)"? ON "?(\w+)')  # its name, its table
BULK = 1000  # files a write reads that make it a bulk load (`_unindex_empty`)


def schema_sql() -> list[str]:
    """CREATE statements of the index: the export tables, then its own."""
    from salescli.core.tables import EXPORT_ONLY
    from salescli.core.tables import TABLES
    from salescli.core.tables import create_sql

    return [part for t in TABLES if t.name not in EXPORT_ONLY
            for part in create_sql(t, unique=False).split(";\n")] + list(_INTERNAL)


# ------------------------------------------------------------------ the files


def walk(root: str, kind: str, dirs: dict[str, Stat | None] | None = None
         ) -> dict[str, Stat]:
    """path -> stat of every `FOLDER/YYYY-MM/*.yaml` of a kind, as Repository lists them.
    `dirs` gets the stat of the kind's folder ("") and of each month folder, each taken
    before it was listed: a folder whose stat holds has the same files (_GitView)."""
    from salescli.store.repo import KIND_DIRS

    folder = KIND_DIRS[kind]
    out: dict[str, Stat] = {}
    for month, path in _months(root, folder, dirs):
        prefix = f"{folder}/{month}/"
        with os.scandir(path) as files:
            for f in files:
                if f.name.endswith(".yaml"):
                    try:
                        s = f.stat(follow_symlinks=False)
                    except OSError:  # removed while listed
                        continue
                    out[prefix + f.name] = (s.st_size, s.st_ino, s.st_mtime_ns, s.st_ctime_ns)
    return out


def _months(root: str, folder: str, dirs: dict[str, Stat | None] | None = None
            ) -> list[tuple[str, str]]:
    """(name, path) of each month folder of `folder`; their stats (and the folder's)
    go into `dirs` when given."""
    from salescli.store.repo import MONTH_RE

    base = os.path.join(root, folder)
    if dirs is not None:
        dirs[""] = _stat(base)
    if os.path.islink(base):
        return []
    try:
        entries = list(os.scandir(base))
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for month in entries:
        if MONTH_RE.match(month.name) and month.is_dir(follow_symlinks=False):
            if dirs is not None:
                dirs[month.name] = _stat(month.path)
            out.append((month.name, month.path))
    return out


def _names(root: str, folder: str, month: str) -> list[str]:
    """The record files of one month folder, by path (no stat)."""
    try:
        names = os.listdir(os.path.join(root, folder, month))
    except OSError:
        return []
    return [f"{folder}/{month}/{n}" for n in names if n.endswith(".yaml")]


def _digest(full: str) -> str | None:
    """The digest of a file's text as a record is read from it (None: unreadable)."""
    from salescli.store.loader import read_text

    return _text_digest(read_text(full, "", []))  # never blocking on a FIFO


def _text_digest(text: str | None) -> str | None:
    """The git blob ID of the text as UTF-8: what git's own index names a file by, so
    a file git says is as committed needs no stat when its blob is the one indexed."""
    if text is None:
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return _sha1(b"blob %d\0%s" % (len(data), data)).hexdigest()


_HASHED = [0]  # texts hashed by this process


def _sha1(data: bytes) -> Any:
    """SHA-1 of the first few texts by Python's own module, of more by OpenSSL's:
    loading `hashlib` (OpenSSL) costs 3 ms, a tenth of a write's own work, and its
    SHA-1 is 6 times as fast, which an index built from nothing needs."""
    _HASHED[0] += 1
    if _HASHED[0] <= 64:
        try:
            from _sha1 import sha1

            return sha1(data)
        except ImportError:  # pragma: no cover - a Python built without it
            pass
    import hashlib

    return hashlib.sha1(data, usedforsecurity=False)


# ------------------------------------------------------------------ the index


class Index:
    """A connection to the index, brought up to date for the kinds asked for."""

    def __init__(self, repo: Any, con: sqlite3.Connection, kinds: Sequence[str] = (),
                 path: Path | None = None):
        self.repo = repo
        self.root = os.fspath(repo.root)
        self.con = con
        self.kinds = tuple(kinds)
        self.path = path  # None: in memory
        # question -> the answer it gave while the rows were brought up to date
        self._ahead: dict[Callable[[Index], Any], Any] = {}
        self._asked: dict[Callable[[Index], Any], Any] = {}
        self._asking_ahead = False

    # -- opening
    @classmethod
    def open(cls, repo: Any, kinds: Sequence[str] = KINDS, use_cache: bool = True,
             ahead: Callable[[Index], Any] | None = None) -> Index:
        """The index with every record of `kinds` current; in memory if `use_cache` is off
        or the file cannot be used. `ahead`: the question the caller will `ask` first,
        asked while git looks at the files (see `refresh`)."""
        path = None
        if use_cache:
            try:
                path = index_path(repo)
            except Exception:  # no git directory: nothing to keep an index in
                path = None
        for attempt in (1, 2):
            if path is None:
                break
            index = None
            try:
                index = cls(repo, _connect(path), kinds, path)
                index.refresh(kinds, ahead)
                return index
            except BaseException as err:
                if index is not None:
                    index.close()
                if not isinstance(err, sqlite3.Error | OSError | ValueError | EOFError
                                  | TypeError):
                    raise
                busy = "locked" in str(err) or "busy" in str(err)
                # held by another process, or .git not writable: answer without it
                if busy or isinstance(err, OSError) or attempt == 2:
                    break
                _remove(path)  # damaged or not ours: rebuilt
        index = cls(repo, _connect(None), kinds)
        index.refresh(kinds)
        return index

    def _in_memory(self) -> None:
        """Damage a query found (SQLite keeps no checksums, so a bad page shows only when
        read): the file goes, to be rebuilt next time, and this run answers from memory."""
        self.con.close()
        if self.path is not None:
            _remove(self.path)
        self.con, self.path = _connect(None), None
        self.refresh(self.kinds)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- meta
    def _meta(self, key: str) -> Any:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else plain_loads(row[0])

    def _set_meta(self, key: str, value: Any) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                         (key, marshal.dumps(value)))

    # -- answers derived from the rows
    def memo(self, kept: Kept, compute: Callable[[Warn], Any], warn: Warn) -> Any:
        """`compute(warn)`'s answer, kept in the index while the rows of its kinds, the
        code and `kept.key(warn)` (plain data: all else the answer depends on) are what
        it was worked out from: a read that finds nothing changed does not work it out
        again. Pass the same `kept` to `open(ahead=...)` to look it up while git works.

        The answer and its warnings must be plain data (marshal's); the warnings are
        said again when the answer is reused. What it was made of is read before it is
        worked out: an input that changes meanwhile leaves it kept under a stamp no later
        run matches. An index in memory keeps nothing.
        """
        if self.path is None:
            return compute(warn)
        key_said, stamp, found = self.ask(kept)
        for line in key_said:
            warn(line)
        if found is not None:
            for line in found[1]:
                warn(line)
            return found[0]
        said: list[str] = []

        def collect(line: str) -> None:
            said.append(line)
            warn(line)

        answer = compute(collect)
        try:
            # kept only when no other process holds the file, and when what it was made
            # of, asked again, is the same: a HEAD or configuration changed meanwhile
            # (which may change back) leaves it unkept
            if stamp is not None and kept.still():
                self.con.execute("PRAGMA busy_timeout = 0")
                try:
                    self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                     (f"memo:{kept.name}", marshal.dumps(
                                         [stamp, marshal.dumps([answer, said])])))
                finally:
                    self.con.execute(f"PRAGMA busy_timeout = {int(TIMEOUT * 1000)}")
        except (ValueError, sqlite3.DatabaseError):
            pass  # busy, damaged or read-only: worked out again next time
        return answer

    def ask(self, question: Callable[[Index], Any]) -> Any:
        """`question(self)`: the answer it gave while the index was brought up to date,
        when it was asked ahead (`open`) and no row was written since; else asked now."""
        if question in self._ahead:
            return self._ahead.pop(question)
        return question(self)

    def ask_ahead(self, question: Callable[[Index], Any]) -> None:
        """While a question is asked ahead (`refresh`): ask `question` too, for `ask`
        (what a memo's miss will ask next; see `Kept`)."""
        if self._asking_ahead:
            self._asked[question] = question(self)

    # -- bringing it up to date
    def refresh(self, kinds: Sequence[str] = KINDS,
                ahead: Callable[[Index], Any] | None = None) -> None:
        """Re-read the files of `kinds` that changed since they were last read.

        `ahead(self)` is answered from the rows as they are while git works (a listing's
        query takes as long as `git diff-files`, on the other core). The answer is kept
        for `ask` only when no row was written until the refresh ended (the generations,
        bumped with every write by any process, are the same): it is then the answer the
        rows would give now. Damage it finds is left to the refresh and `ask`."""
        self._ahead, self._asked = {}, {}
        if "deal" in kinds:
            self.check_config()
        # git's own index vouches for the files as committed: only the others are stat'ed
        scans = {kind: self._meta(f"scan:{kind}") for kind in kinds} \
            if self.path is not None else {}
        view = _GitView.start(self.root, self.repo.git_dir, kinds,
                              [scan[0] if scan else None for scan in scans.values()]) \
            if self.path is not None and kinds else None
        try:
            if view is not None and ahead is not None:
                gens = self._gens()
                self._asking_ahead = True
                try:
                    answer = ahead(self)
                except Exception:  # damage, or the question's own error: asked again
                    ahead = None  # by `ask`, after the refresh, where it is said
                finally:
                    self._asking_ahead = False
            for kind in kinds:
                self._refresh(kind, view, scans.get(kind))
            if view is not None and ahead is not None and self._gens() == gens:
                self._ahead = {**self._asked, ahead: answer}
        finally:
            if view is not None:
                view.close()

    def _gens(self) -> list:
        return self.con.execute("SELECT key, value FROM meta WHERE key LIKE 'gen:%' "
                                "ORDER BY key").fetchall()

    def _refresh(self, kind: str, view: _GitView | None, scan: list | None) -> None:
        """Bring one kind up to date. With the kind's `scan` from the last read, only the
        files git cannot vouch for are stat'ed; else (no scan, a month folder came or
        went, git could not tell) every file is, as `git status` does."""
        from salescli.store.repo import KIND_DIRS

        folder = KIND_DIRS[kind]
        scan = scan if view is not None else None
        dirty = view.dirty(folder) if view is not None else None
        gen = self._meta(f"gen:{kind}") or 0  # before any row is looked at
        if scan is not None:  # as of that generation: a write since read it unvouched more
            scan = self._meta(f"scan:{kind}")
        dirs: dict[str, Stat | None] = {}
        unmatched: set[str] | None = None
        current: dict[str, Stat] | None = None
        if scan is not None and dirty is not None and self._dirs_hold(folder, scan[1], dirs):
            sig, old_dirs, was = scan
            same = sig is not None and sig == view.sig
            if same and not dirty and not was and dirs == old_dirs and view.settled():
                return  # nothing changed: no file is stat'ed, no row read
            stored = self._stats(kind)
            known = set(stored) | set(was)
            listed = {m for m, st in dirs.items() if m and st != old_dirs.get(m)}
            if listed:  # a month folder gained or lost files: it is listed again
                known = {p for p in known if p.split("/", 2)[1] not in listed}
                for month in listed:
                    known.update(_names(self.root, folder, month))
            # git's index unchanged since: what it vouched for holds but for the files
            # edited since (dirty) and new ones; changed (a commit): also those whose
            # entry in it changed, when its listing then is kept, else it is asked again
            moved = (set(), set()) if same else self._moved_entries(kind, sig, view)
            if moved is None:
                unmatched = self._unvouched(kind, known, dirty, view)
            else:  # an entry git changed is judged again, as _unvouched judges it
                entries, unvouched = moved
                unmatched = {p for p in known if p in dirty or p not in stored
                             or (p in unvouched if p in entries else p in was)}
            if unmatched is not None and view.settled():
                unmatched |= known - stored.keys()  # no stat kept: never trusted
                current = {p: stored[p] for p in known if p not in unmatched}
                for p in unmatched:
                    st = _stat(os.path.join(self.root, p))
                    if st is not None:
                        current[p] = st
                unmatched &= set(current)
        if current is None:
            dirs.clear()
            current, stored, unmatched = walk(self.root, kind, dirs), self._stats(kind), None
        wrote = self._update(kind, current, stored) if current != stored else 0
        if view is None:
            return
        if unmatched is None:  # asked of the rows as they are now
            unmatched = self._unvouched(kind, set(current), dirty, view)
        if unmatched is not None:
            self._save_scan(kind, view, dirs, unmatched, gen + wrote)

    def _dirs_hold(self, folder: str, stored: dict[str, Stat | None],
                   dirs: dict[str, Stat | None]) -> bool:
        """Fill `dirs` with the folder's and its month folders' stats now; False when the
        folder itself changed (a month folder came or went): then everything is listed."""
        base = _stat(os.path.join(self.root, folder))
        if base is None or base != stored.get(""):
            return False
        dirs[""] = base
        for month in stored:
            if month:
                dirs[month] = _stat(os.path.join(self.root, folder, month))
        return True

    def _moved_entries(self, kind: str, sig: Any, view: _GitView
                       ) -> tuple[set[str], set[str]] | None:
        """(The files of `kind` whose entry in git's index is not what it was when git's
        index was `sig`, the last scan's; those of them git cannot vouch for now, as
        `_unvouched` judges), from the listing of git's entries kept then and the one
        now: a read after a commit compares two texts and the rows of the few files that
        changed, not every row's blob (45 -> 15 ms on 26,000 records). None when that
        listing is not kept.

        A file whose entry is the same was vouched for then or is among the scan's
        unvouched files; its row changed since only by a write that unvouched it."""
        kept = self._meta(f"listing:{kind}")
        now = view.listing(KIND_DIRS[kind])
        if now is None or not isinstance(kept, list) or len(kept) != 2 or kept[0] != sig \
                or sig is None or not isinstance(kept[1], bytes):
            return None
        if kept[1] == now:
            return set(), set()
        before, after = set(kept[1].split(b"\0")), set(now.split(b"\0"))
        moved = {os.fsdecode(line.partition(b"\t")[2]) for line in before ^ after}
        rows = dict(self._records_where(kind, "path", sorted(moved), "path, blob"))
        return moved, _disagree(moved, _vouchable(after - before), rows)

    def _unvouched(self, kind: str, paths: set[str], dirty: set[str] | None,
                   view: _GitView) -> set[str] | None:
        """The files among `paths` git cannot vouch for: not in its index as a plain
        file, edited since (`dirty`), or with another blob than the indexed one. None
        when git cannot tell."""
        from salescli.store.repo import KIND_DIRS

        blobs = view.blobs(KIND_DIRS[kind])
        if blobs is None or dirty is None:
            return None
        indexed = dict(self.con.execute("SELECT path, blob FROM records WHERE kind = ?",
                                        (kind,)).fetchall())
        return dirty & paths | _disagree(paths, blobs, indexed)

    def _save_scan(self, kind: str, view: _GitView, dirs: dict[str, Stat | None],
                   unmatched: set[str], gen: int) -> None:
        """Keep what this refresh found for the next one, unless another process wrote
        rows of the kind meanwhile (its files would be vouched for by what was read
        before). A folder or git index changed this instant is looked at again."""
        fresh = time.time_ns() - SCAN_FRESH_NS
        sig = view.sig if view.settled() and view.sig and (
            view.sig[4] or _changed(view.sig) < fresh) else None
        dirs = {m: st if st is not None and _changed(st) < fresh else None
                for m, st in dirs.items()}
        scan = [sig, dirs, sorted(unmatched)]
        old = self._meta(f"scan:{kind}")
        if old == scan:
            return
        # git's entries as this scan saw them, once for each state of git's index: what
        # the next read after a commit compares with (_moved_entries). Only a listing
        # git gave before `sig` was found settled above is of that index.
        listing = view.listed(KIND_DIRS[kind]) \
            if sig is not None and (not isinstance(old, list) or old[:1] != [sig]) else None
        try:
            with _transaction(self.con):
                if (self._meta(f"gen:{kind}") or 0) == gen:
                    self._set_meta(f"scan:{kind}", scan)
                    if listing is not None:
                        self._set_meta(f"listing:{kind}", [sig, listing])
        except sqlite3.OperationalError:  # busy: the next read saves it
            pass

    def check_config(self) -> None:
        """Deal rows as the settings and price list now are (currency, default pipeline,
        prices): other ones than the rows were derived with drop them, to be read again.
        Only deal rows depend on them: listing accounts or leads never reads them, so a
        broken price list stops no one; a broken one stops a deal's answer here."""
        from salescli.store.repo import PRODUCTS_FILE
        from salescli.store.repo import SETTINGS_FILE

        config_stat = [_stat(os.path.join(self.root, f))
                       for f in (SETTINGS_FILE, PRODUCTS_FILE)]
        if self._meta("config-stat") != config_stat:
            self._check_config(config_stat)

    def _check_config(self, config_stat: list) -> None:
        key = self._config_key()
        with _transaction(self.con):
            if self._meta("config") != key:
                self._drop_kind("deal")
                self._set_meta("config", key)
            fresh = time.time_ns() - FRESH_NS
            # a config file written this instant is looked at again next time
            self._set_meta("config-stat", [s if not s or _changed(s) < fresh else None
                                           for s in config_stat])

    def _config_key(self) -> list:
        import json

        from salescli.core.output import to_jsonable

        settings, products = self.repo.settings, self.repo.products
        return [settings.currency, settings.default_pipeline,
                json.dumps(to_jsonable(products.model_dump(mode="python", by_alias=True)))]

    def _drop_kind(self, kind: str) -> None:
        from salescli.core.tables import KIND_TABLES

        for table in KIND_TABLES[kind]:
            if table == "activities":
                self.con.execute("DELETE FROM activities WHERE record_kind = ?", (kind,))
            else:
                self.con.execute(f'DELETE FROM "{table}"')
        self.con.execute("DELETE FROM records WHERE kind = ?", (kind,))
        self.con.execute("DELETE FROM keys WHERE kind = ?", (kind,))
        self.con.execute("DELETE FROM meta WHERE key IN (?, ?, ?)",
                         (f"stat:{kind}", f"stat-patch:{kind}", f"scan:{kind}"))
        self._unvouch(kind, ())

    def _update(self, kind: str, current: dict[str, Stat], stored: dict[str, Stat]) -> int:
        """Re-read the files whose stat changed; how many transactions wrote rows (and
        bumped the kind's generation)."""
        changed = [p for p, st in current.items() if stored.get(p) != st]
        removed = [p for p in stored if p not in current]
        known: dict[str, Stat] = {}
        reread: list[str] = []
        for p in changed:
            old = stored.get(p)
            # a fresh entry whose content is the same: only its stat moved on
            if old is not None and len(old) == 5 and old[:1] == current[p][:1] \
                    and _digest(os.path.join(self.root, p)) == old[4]:
                known[p] = current[p]
            else:
                reread.append(p)
        fresh = time.time_ns() - FRESH_NS
        if not reread and not removed and all(_changed(st) >= fresh for st in known.values()):
            return 0  # files read moments ago, as read: nothing would change
        self.write(kind, reread, removed, current, known)
        return 1 if reread or removed else 0  # only stats moved on: no row was written

    def write(self, kind: str, paths: Iterable[str], removed: Iterable[str] = (),
              current: dict[str, Stat] | None = None, known: dict[str, Stat] | None = None
              ) -> None:
        """Read `paths` of `kind` again and forget `removed`, in one transaction.

        `current` is the stat of every file of the kind when the caller looked (the
        files of the IDs involved are read again with them); `known` are entries whose
        content did not change.
        """
        self._ahead = {}  # answered from rows this changes
        # without `current` (a command wrote `paths`): each file's stat now
        stat_of = current.get if current is not None \
            else (lambda p: _stat(os.path.join(self.root, p)))
        stats: dict[str, Stat] = {}
        gone = list(removed)
        for p in paths:
            st = stat_of(p)
            if st is None:
                gone.append(p)
            else:
                stats[p] = st
        removed = gone
        # the IDs whose rows change: every file of such an ID is read (a duplicate ID
        # in two month folders shares rows; `check` reports it). A new file is among
        # `paths`; every other file of the kind has its `records` row.
        ids = {file_id(p) for p in [*paths, *removed]}
        gone_set = set(removed)
        for p in self._siblings(kind, ids):
            if p not in stats and p not in gone_set:
                st = stat_of(p)
                if st is None:
                    removed.append(p)  # gone meanwhile: its row goes too
                    gone_set.add(p)
                else:
                    stats[p] = st
        # many files are parsed by workers while the rows of those already parsed go in
        with _reading(self.repo, kind, sorted(stats)) as chunks, _transaction(self.con):
            # a file sharing one of these IDs that another process indexed meanwhile:
            # read it too, now, or its rows would go with the others (rare)
            indexed = self._siblings(kind, ids)
            late = [p for p in indexed if p not in stats and p not in gone_set]
            for p in late:
                st = _stat(os.path.join(self.root, p))
                if st is None:
                    removed.append(p)
                else:
                    stats[p] = st
            self._delete(kind, indexed)
            # a first build: the indexes of its empty tables are made after its rows
            unindexed = self._unindex_empty(kind) if len(stats) >= BULK else []
            if stats or removed:  # else only stats move on (files read settled): no row
                self._unvouch(kind, [*stats, *removed])
            digests: dict[str, str | None] = {}
            more = [_read(self.repo, kind, sorted(p for p in late if p in stats))] \
                if any(p in stats for p in late) else []
            for records, tables, part in itertools.chain(chunks, more):
                self._insert(records, tables)
                digests |= part
            for statement in unindexed:
                self.con.execute(statement)
            fresh = time.time_ns() - FRESH_NS  # after the last file was read
            # a command's few files go into the small patch, not the whole table of stats
            patch = current is None
            stored = dict(self._meta(f"stat-patch:{kind}") or {}) if patch \
                else self._stats(kind)
            for p in removed:
                if patch:
                    stored[p] = None
                else:
                    stored.pop(p, None)
            for p, st in stats.items():
                if _changed(st) >= fresh:  # racily clean: compare by content until it is old
                    digest = digests.get(p)  # of the text parsed, not of a later read
                    st = (*st, digest) if digest is not None else None
                if st is None:
                    if patch:
                        stored[p] = None
                    else:
                        stored.pop(p, None)
                else:
                    stored[p] = st
            for p, st in (known or {}).items():
                stored[p] = st if _changed(st) < fresh else stored.get(p, st)
            if patch and len(stored) <= PATCH_LIMIT:
                self._set_meta(f"stat-patch:{kind}", stored)
            else:
                if patch:
                    whole = self._stats(kind)
                    for p, st in stored.items():
                        if st is None:
                            whole.pop(p, None)
                        else:
                            whole[p] = st
                    stored = whole
                self._set_meta(f"stat:{kind}", stored)
                self.con.execute("DELETE FROM meta WHERE key = ?", (f"stat-patch:{kind}",))

    def _unindex_empty(self, kind: str) -> list[str]:
        """Drop the indexes of the still empty tables `kind` writes (in the caller's
        transaction: no reader sees them gone); returns their CREATE statements, for
        after the rows. Indexing sorted rows at the end costs less than each row as it
        goes in (a fifth of a first build's inserting on 10,000 deals)."""
        from salescli.core.tables import KIND_TABLES

        tables = {*KIND_TABLES[kind], "records", "keys"}
        empty = {t for t in tables
                 if self.con.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() is None}
        made = []
        for statement in schema_sql():
            found = _INDEX_OF.match(statement)
            if found is not None and found[2] in empty:
                self.con.execute(f'DROP INDEX "{found[1]}"')
                made.append(statement)
        return made

    def _unvouch(self, kind: str, paths: Iterable[str]) -> None:
        """The rows of `paths` are written (in the caller's transaction): the kind's scan
        stats them from now on, and a scan made from rows read before is not saved."""
        self._set_meta(f"gen:{kind}", (self._meta(f"gen:{kind}") or 0) + 1)
        scan = self._meta(f"scan:{kind}")
        if scan is not None:
            scan[2] = sorted(set(scan[2]).union(paths))
            self._set_meta(f"scan:{kind}", scan)

    def _stats(self, kind: str) -> dict[str, Any]:
        """path -> stat (with the digest of a racily clean one) of every file indexed: the
        table, with the patch of what commands wrote since (None: gone)."""
        stored = self._meta(f"stat:{kind}") or {}
        for p, st in (self._meta(f"stat-patch:{kind}") or {}).items():
            if st is None:
                stored.pop(p, None)
            else:
                stored[p] = st
        return stored

    def _siblings(self, kind: str, ids: set[str]) -> list[str]:
        """The indexed files of `kind` whose file name is one of `ids`."""
        return [r[0] for r in self._records_where(kind, "id", sorted(ids), "path")]

    def _records_where(self, kind: str, column: str, values: list[str], select: str
                       ) -> list[tuple]:
        """`select` of the `records` rows of `kind` whose `column` is one of `values`."""
        out: list[tuple] = []
        for i in range(0, len(values), 500):  # SQLite caps the parameters of a statement
            part = values[i:i + 500]
            out += self.con.execute(f"SELECT {select} FROM records WHERE kind = ? AND "
                                    f"{column} IN ({', '.join('?' * len(part))})",
                                    (kind, *part)).fetchall()
        return out

    def _delete(self, kind: str, indexed: list[str]) -> None:
        """Forget the `indexed` files of `kind` (every file of their IDs): their records
        and their IDs' rows of every table. Only indexed files have rows, so the first
        build of an index deletes nothing (it took 60,000 statements on 10,000 deals)."""
        from salescli.core.tables import KIND_TABLES

        own, *children = KIND_TABLES[kind]
        key = "account_id" if kind == "account" else "deal_id"  # of contacts, items...
        for record_id in {file_id(p) for p in indexed}:
            self.con.execute(f'DELETE FROM "{own}" WHERE id = ?', (record_id,))
            self.con.execute("DELETE FROM keys WHERE kind = ? AND id = ?", (kind, record_id))
            for table in children:
                if table == "activities":
                    self.con.execute("DELETE FROM activities WHERE record_kind = ? AND "
                                     "record_id = ?", (kind, record_id))
                else:
                    self.con.execute(f'DELETE FROM "{table}" WHERE "{key}" = ?',
                                     (record_id,))
        self.con.executemany("DELETE FROM records WHERE path = ?", ((p,) for p in indexed))

    def _insert(self, records: list[tuple], tables: list[tuple[str, list[list]]]) -> None:
        from salescli.core.tables import TABLE
        from salescli.core.tables import insert_sql

        self.con.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)", records)
        for name, values in tables:
            sql = _INSERT_KEYS if name == "keys" else insert_sql(TABLE[name])
            self.con.executemany(sql, values)

    # -- reading
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.fetch(sql, params)[1]

    def fetch(self, sql: str, params: Sequence[Any] = (),
              guard: Callable[[sqlite3.Connection], None] | None = None
              ) -> tuple[list[str], list[sqlite3.Row]]:
        """(column names, rows) of a query; `guard` prepares the connection first."""
        for attempt in (1, 2):
            try:
                if guard is not None:
                    guard(self.con)
                cursor = self.con.execute(sql, params)
                return [d[0] for d in cursor.description or ()], cursor.fetchall()
            except sqlite3.DatabaseError as err:
                # a damaged file, not the query's own mistake (or its refusal)
                damaged = getattr(err, "sqlite_errorname", "").startswith(
                    ("SQLITE_CORRUPT", "SQLITE_NOTADB"))
                if attempt == 2 or self.path is None or not damaged or self._asking_ahead:
                    raise
                self._in_memory()
        raise AssertionError("unreachable")

    def current(self, kind: str, rel: str) -> sqlite3.Row | None:
        """The `records` row of the file `rel` if the index holds it as it is on disk
        and valid; None otherwise (then the caller reads the file)."""
        full = os.path.join(self.root, rel)
        st = _stat(full)
        stored = self._stats(kind).get(rel)
        if st is None or stored is None:
            return None
        # an entry read moments after it was written is kept with its digest until a
        # listing sees it settled: the same stat and content still hold
        if stored != st and not (len(stored) == 5 and stored[:4] == st
                                 and _digest(full) == stored[4]):
            return None
        found = self.query("SELECT * FROM records WHERE path = ? AND valid", (rel,))
        return found[0] if found else None

    def invalid(self, kind: str) -> list[str]:
        """Paths of the files of `kind` that are not valid records, sorted."""
        # named: without it SQLite takes records_blob, also (kind, path), and looks up
        # every row of the kind for `valid` (30 ms on 10,000 deals instead of none)
        return [r[0] for r in self.query(
            "SELECT path FROM records INDEXED BY records_invalid WHERE kind = ? AND NOT valid "
            "ORDER BY path", (kind,))]


@contextmanager
def _reading(repo: Any, kind: str, paths: list[str]
             ) -> Iterator[Iterable[tuple[list[tuple], list[tuple[str, list[list]]],
                                          dict[str, str | None]]]]:
    """The parsed `paths` in chunks, in path order: each chunk's (records rows,
    [(table, rows)], digests of the texts read). Many files are parsed on every core,
    the workers starting at once, so the caller stores a chunk while later ones are
    parsed; a few are parsed here, before the caller's transaction begins."""
    from salescli.store.runtime import chunked

    def configure() -> None:  # validated once, inherited on fork
        repo.settings, repo.products  # noqa: B018

    with chunked(lambda k, p: _read(repo, k, p), [(kind, paths)], ordered=True,
                 before_fork=configure if kind == "deal" else None) as chunks:
        yield chunks


def _read(repo: Any, kind: str, paths: list[str]
          ) -> tuple[list[tuple], list[tuple[str, list[list]]], dict[str, str | None]]:
    """Parse and validate `paths`: their `records` rows, their rows of every table, and
    the digest of each text parsed (what a racily clean entry is compared by later)."""
    from salescli.core.tables import TABLE
    from salescli.store import export
    from salescli.store.loader import parse_file

    root = os.fspath(repo.root)
    records, good = [], []
    digests: dict[str, str | None] = {}
    custom = _custom_fields(repo, kind)
    for rel in paths:
        p = parse_file(root, kind, rel, custom)
        digests[rel] = _text_digest(p.text)
        if p.ok:
            doc = record_json(p.model)
            records.append((rel, kind, file_id(rel), 1, None, doc, digests[rel]))
            good.append((rel, p.model))
        else:
            problem = p.diagnostics()[0].format() if p.findings else f"{rel}: invalid"
            records.append((rel, kind, file_id(rel), 0, problem, None, digests[rel]))
    if not good:
        return records, [], digests
    settings = repo.settings if kind == "deal" else None
    tables = export.record_tables(kind, good, settings and repo.products, settings)
    out = [(name, list(export.sql_values(TABLE[name], rows))) for name, rows in tables.items()]
    if kind in ("account", "lead"):
        from salescli.core.duplicates import identity_keys

        out.append(("keys", [(kind, m.id, rel, *key) for rel, m in good
                             for key in identity_keys(kind, m)]))
    return records, out, digests


_INSERT_KEYS = "INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?, ?)"


def _custom_fields(repo: Any, kind: str) -> Collection[str]:
    """The kind's declared custom fields: no unknown keys, so no did-you-mean is looked
    for them (the index keeps no warnings). None when the settings cannot be read: a
    broken salescli.yaml stops no account or lead listing."""
    from salescli.core.custom import declared

    try:
        return declared(repo.settings, kind)
    except Exception:
        return ()


_RECORD_PATH = later(rf"({'|'.join(KIND_DIRS.values())})/\d{{4}}-\d\d/[^/]+\.yaml")
_FOLDER_KIND = {folder: kind for kind, folder in KIND_DIRS.items()}


def take_written(repo: Any, rels: Iterable[str]) -> None:
    """After a command wrote `rels` (under the repository lock): the index takes the
    records among them now, so the next read parses nothing. No index, no work; a
    failure here costs only a re-read later (the stat tells)."""
    path = index_path(repo)
    by_kind: dict[str, list[str]] = {}
    for rel in rels:
        if _RECORD_PATH.fullmatch(rel):
            by_kind.setdefault(_FOLDER_KIND[rel.split("/", 1)[0]], []).append(rel)
    if not by_kind or not path.exists():
        return
    try:
        with Index(repo, _connect(path)) as index:
            for kind, paths in by_kind.items():
                index.write(kind, paths)
    except (sqlite3.Error, OSError, ValueError, EOFError, TypeError):
        pass


def record_dict(model: Any) -> dict:
    """A validated record as plain values in the file's key names (JSON output, index)."""
    return model.model_dump(mode="python", by_alias=True)


_ENCODER: list[Any] = []  # msgspec's JSON encoder, made when the index first writes


def record_json(model: Any) -> str:
    """The record's `json` column: `to_jsonable(record_dict(model))` as compact JSON
    text (`"value":null`, whichever encoder wrote it; `json_array`, `json_extract` and
    `json.loads` read it).

    Written by msgspec from the record itself, in C, where json.dumps called Python
    for every date and amount (a third of building the index's rows); each amount is
    written as json.dumps writes its to_jsonable value. The record's keys of its own
    (custom fields, unknown keys), which msgspec does not see, are written by json.dumps
    after them, as record_dict puts them; a record with such keys deeper down goes
    through json.dumps whole.
    """
    import json

    from salescli.core.output import to_jsonable

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, default=to_jsonable,
                          separators=(",", ":"))

    if not model.model_flat:
        return dumps(record_dict(model))
    if not _ENCODER:
        import msgspec

        def amount(value: Any) -> Any:  # (msgspec writes a plain Decimal itself)
            return msgspec.Raw(repr(to_jsonable(value)))

        _ENCODER.append(msgspec.json.Encoder(enc_hook=amount, decimal_format="number"))
    text = _ENCODER[0].encode(model).decode()
    extra = model.model_extra
    if not extra:
        return text
    rest = dumps(extra)
    return f"{text[:-1]},{rest[1:]}" if text != "{}" else rest


def _changed(st: Stat) -> int:
    """When a file last changed: its mtime can be set back (`cp -p`, `touch -r`,
    `rsync -a`), its change time cannot."""
    return max(st[2], st[3])


def _stat(full: str) -> Stat | None:
    try:
        s = os.lstat(full)
    except OSError:
        return None
    return (s.st_size, s.st_ino, s.st_mtime_ns, s.st_ctime_ns)


_UNTOLD = object()
_UNREADABLE = (ValueError, EOFError, TypeError, sqlite3.DatabaseError)  # a damaged memo
# what keeps a key from being told: damage, a file gone, settings that cannot be read
_UNTELLABLE = (*_UNREADABLE, OSError, SalescliError)


class Kept:
    """The look-up of the answer `Index.memo` keeps under `name`: a question for
    `Index.ask`, so that it can be asked ahead, while git looks at the files. `then`:
    the question working the answer out asks first, asked ahead too when none is kept
    (a listing's query: a miss after a write then costs no more than it did unkept)."""

    def __init__(self, name: str, key: Callable[[Warn], Any],
                 then: Callable[[Index], Any] | None = None):
        self.name, self.key, self.then = name, key, then
        # `key(warn)` once: what it is made of does not depend on the rows, and what it
        # said (a broken pipeline, read once into a cache) is said even when the look-up
        # asked ahead is asked again
        self._keyed: tuple[list[str], Any] | None = None

    def __call__(self, index: Index) -> tuple[list[str], list | None, tuple | None]:
        """(what `key` said, the stamp of the answer now (None when it cannot be told),
        the kept (answer, warnings) when kept under that stamp)."""
        looked = self._look(index)
        if looked[2] is None and self.then is not None:
            index.ask_ahead(self.then)
        return looked

    def still(self) -> bool:
        """Whether what the answer is made of is still what it was when first looked
        up (`key` asked again)."""
        try:
            return self._keyed is not None and self.key(lambda _: None) == self._keyed[1]
        except _UNTELLABLE:
            return False

    def _look(self, index: Index) -> tuple[list[str], list | None, tuple | None]:
        if self._keyed is None:
            said: list[str] = []
            try:
                self._keyed = said, self.key(said.append)
            except _UNTELLABLE:
                # (broken settings: working it out says so, or answers without them)
                self._keyed = said, _UNTOLD
        said, key = self._keyed
        if key is _UNTOLD:
            return said, None, None  # what the answer is made of cannot be told
        try:
            # every write of a kind's rows bumps its generation (`_unvouch`), in the same
            # transaction; a rebuilt index starts with no memo at all
            stamp = [key, [index._meta(f"gen:{kind}") or 0 for kind in index.kinds],
                     code_stamp()]
        except (*_UNREADABLE, OSError):
            return said, None, None
        try:
            # the answer (a megabyte for `today` on 10,000 deals) is read only under
            # its stamp: after a write, the look-up that misses costs nothing
            kept = index._meta(f"memo:{self.name}")
            if isinstance(kept, list) and len(kept) == 2 and kept[0] == stamp:
                answer, said_then = plain_loads(kept[1])
                if isinstance(said_then, list) and all(type(x) is str for x in said_then):
                    return said, stamp, (answer, said_then)
        except _UNREADABLE:
            pass  # damaged: worked out again, and kept anew
        return said, stamp, None


class _GitView:
    """What git's own index says of the record files (the index of `git add`): a file
    `git diff-files` finds as git indexed it has the content of its indexed blob. So a
    record whose row was read from that blob needs no stat: git took it (in C, on every
    core), and a read of 10,000 deals stats only the files git cannot vouch for.

    `sig` is the stat of git's index file before git was asked: a file whose row was
    vouched for stays so while it holds (`settled`), as long as git finds it unedited.
    """

    def __init__(self, root: str, index_file: str, folders: list[str],
                 seen: Sequence[tuple | None] = ()):
        self.root, self.index_file, self.folders = root, index_file, folders
        self.sig = _index_sig(index_file)
        self._dirty: set[str] | None = None
        self._listings: dict[str, bytes | None] = {}
        self._blobs: dict[str, dict[str, str] | None] = {}
        # started at once: git works while the caller reads its own meta; the blobs too
        # when git's index is not the one a scan saw (`seen`: each kind's), as after a
        # commit: both git processes at once, on two cores
        self._diff: Any = _git_popen(root, "diff-files", "-z", "--name-only", "--relative",
                                     "--", *folders)
        self._ls: Any = self._ls_files(folders) if any(sig != self.sig for sig in seen) \
            else None

    @classmethod
    def start(cls, root: str, git_dir: Path, kinds: Sequence[str],
              seen: Sequence[tuple | None] = ()) -> _GitView | None:
        """None where git's index may not be the one in `git_dir` (a hook's temporary
        index, GIT_DIR) or git cannot run: then every file is stat'ed."""
        if any(v in os.environ for v in ("GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE")):
            return None
        try:
            return cls(root, os.path.join(git_dir, "index"), [KIND_DIRS[k] for k in kinds],
                       seen)
        except OSError:
            return None

    def dirty(self, folder: str) -> set[str] | None:
        """The files under `folder` git finds changed (or gone) since it indexed them;
        None when git could not tell."""
        if self._diff is not None:
            out, _ = self._diff.communicate()
            if self._diff.returncode == 0:
                self._dirty = {p for p in os.fsdecode(out).split("\0") if p}
            self._diff = None
        if self._dirty is None:
            return None
        return {p for p in self._dirty if p.startswith(folder + "/")}

    def listed(self, folder: str) -> bytes | None:
        """The listing of `folder` when git gave it already; else None."""
        return self._listings.get(folder)

    def listing(self, folder: str) -> bytes | None:
        """git's entries of the files under `folder` (`ls-files -s -v -z`, as printed);
        None when git could not tell."""
        if folder not in self._listings:
            # one git process for every folder of the read: its output is in path order,
            # each folder's entries in one run
            folders = self.folders if folder in self.folders else [folder]
            self._listings.update(dict.fromkeys(folders))
            try:
                proc, self._ls = self._ls or self._ls_files(folders), None
                out, _ = proc.communicate()
                if proc.returncode == 0:
                    lines = out.split(b"\0")[:-1]
                    paths = [line.partition(b"\t")[2] for line in lines]
                    for f in folders:
                        name = os.fsencode(f)
                        start = bisect.bisect_left(paths, name + b"/")
                        end = bisect.bisect_left(paths, name + b"0")  # "0": after "/"
                        self._listings[f] = b"\0".join(lines[start:end])
            except OSError:
                pass
        return self._listings[folder]

    def blobs(self, folder: str) -> dict[str, str] | None:
        """path -> blob of the files under `folder` in git's index that git compares by
        stat: plain files, merged, neither assumed unchanged nor skipped."""
        if folder not in self._blobs:
            listing = self.listing(folder)
            if listing is None:
                self._blobs[folder] = None
            else:
                self._blobs[folder] = _vouchable(listing.split(b"\0"))
        return self._blobs[folder]

    def _ls_files(self, folders: list[str]) -> Any:
        return _git_popen(self.root, "ls-files", "-s", "-v", "-z", "--", *folders)

    def settled(self) -> bool:
        """Git's index is still the one `sig` saw: the answers agree with each other."""
        return self.sig is not None and _index_sig(self.index_file) == self.sig

    def close(self) -> None:
        for proc in (self._diff, self._ls):
            if proc is not None:
                proc.kill()
                proc.wait()
        self._diff = self._ls = None


def _disagree(paths: Iterable[str], blobs: dict[str, str], rows: dict[str, str | None]
              ) -> set[str]:
    """The files among `paths` git cannot vouch for: not in its index as a plain file
    (`blobs`, `_vouchable`), or with another blob than the row was read from."""
    return {p for p in paths if blobs.get(p) is None or blobs[p] != rows.get(p)}


def _vouchable(lines: Iterable[bytes]) -> dict[str, str]:
    """path -> blob of the entries of `ls-files -s -v -z` lines that git compares by
    stat: "H 100644 <blob> 0\t<path>", tag H (cached), a plain file, stage 0."""
    found = {}
    for e in map(os.fsdecode, lines):
        if e[:9] in ("H 100644 ", "H 100755 ") and e[49:52] == " 0\t":
            found[e[52:]] = e[9:49]
    return found


def _index_sig(index_file: str) -> tuple | None:
    """Git's index file as it is: its stat and its last 20 bytes, the checksum git
    writes of the whole file (zeros with index.skipHash: then the stat alone, trusted
    only once it is old enough, as a record file's)."""
    try:
        with open(index_file, "rb") as fh:
            s = os.fstat(fh.fileno())
            fh.seek(max(0, s.st_size - 20))
            tail = fh.read(20)
    except OSError:
        return None
    return (s.st_size, s.st_ino, s.st_mtime_ns, s.st_ctime_ns, tail.strip(b"\0") and tail)


def _git_popen(root: str, *args: str) -> Any:
    import subprocess

    return start_git(root, *args, stderr=subprocess.DEVNULL)  # a failure: stat instead


def _connect(path: Path | None) -> sqlite3.Connection:
    """An autocommit connection (transactions are explicit: `_transaction`)."""
    if path is None:
        con = sqlite3.connect(":memory:", isolation_level=None)
        _create(con)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(path, timeout=TIMEOUT, isolation_level=None)
        try:
            if not _current(con):
                with _transaction(con):
                    if not _current(con):  # another process may have made it meanwhile
                        for kind, name in con.execute(
                                "SELECT type, name FROM sqlite_master WHERE type IN "
                                "('table', 'view') AND name NOT LIKE 'sqlite_%'").fetchall():
                            con.execute(f'DROP {kind} IF EXISTS "{name}"')
                        _create(con)
        except BaseException:
            con.close()
            raise
        # derived data: a crash of the machine mid-write at worst leaves a file the
        # next run finds damaged (rebuilt) or stale (re-read by stat); no fsync per run
        con.execute("PRAGMA synchronous = OFF")
    con.row_factory = sqlite3.Row
    return con


def _current(con: sqlite3.Connection) -> bool:
    """The file is an index of this schema, written by this version of salescli."""
    if con.execute("PRAGMA user_version").fetchone()[0] != INDEX_VERSION:
        return False
    mine = con.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    # a schema edited in salescli/tables.py without a new release counts as another one
    return mine is not None and marshal.loads(mine[0]) == [__version__, schema_sql()]


@contextmanager
def _transaction(con: sqlite3.Connection) -> Iterator[None]:
    # IMMEDIATE: one writer at a time from its first read, so what it read stays true
    con.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _create(con: sqlite3.Connection) -> None:
    for statement in schema_sql():
        con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('version', ?)",
                (marshal.dumps([__version__, schema_sql()]),))
    con.execute(f"PRAGMA user_version = {INDEX_VERSION}")


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass
