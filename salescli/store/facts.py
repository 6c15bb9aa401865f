"""What `check` keeps of its last answer for the next run to start from.

`.git/salescli/staged.sqlite` (`check --staged`) and `check.sqlite` (`check`) each hold:

- `meta`: the version of the code that wrote it and `last` (the answer, and the snapshot
  of the files it was the answer for, marshalled);
- `files`: every record file the answer read, with its ID and what it names (`a`: an
  account: a deal's account, a lead's converted account, an account's parent; `b`: a
  lead's converted deal);
- `keys`: the values of accounts and leads that may reveal a duplicate
  (core/duplicates.py), with where in the file each is.

So after a commit that changed a few records, the records that depend on them and the
duplicates they take part in are queries, not a read of 26,000 files. The file is
derived: missing, damaged or from another version, the check goes the full way and
writes it again whole; busy (another check writing), this run's answer is not kept.

Both writes are transactions in place, synchronous as SQLite's default: a torn page
that reads without error would be trusted (the old rows missing), so unlike the
record index this file is never written without its journal's sync. It is never
replaced by another file while a process may have it open: a journal left by that
process would then be rolled back into the new file (only a file that SQLite says
is no database is removed, then written anew).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FACTS_VERSION = 1
TIMEOUT = 1.0  # seconds a reader or a whole write waits for another check's write
UPDATE_TIMEOUT = 0.1  # an answer already given: not worth waiting long to keep it

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB)",
    "CREATE TABLE files (path TEXT PRIMARY KEY, kind TEXT NOT NULL, stem TEXT NOT NULL, "
    "a TEXT, b TEXT) WITHOUT ROWID",
    "CREATE TABLE keys (path TEXT NOT NULL, what TEXT NOT NULL, value TEXT NOT NULL, "
    "loc BLOB NOT NULL)",
)
_INDEXES = (  # made after a whole write's rows: faster than kept up row by row
    "CREATE INDEX files_stem ON files (kind, stem)",
    "CREATE INDEX files_a ON files (a) WHERE a IS NOT NULL",
    "CREATE INDEX files_b ON files (b) WHERE b IS NOT NULL",
    "CREATE INDEX keys_value ON keys (what, value)",
    "CREATE INDEX keys_path ON keys (path)",
)

File = tuple[str, str, str, Any, Any]  # (path, kind, stem, a, b)
Key = tuple[str, str, Any]  # (what, value, where in the file)


class Facts:
    """An open facts file, as its last write left it."""

    def __init__(self, con: sqlite3.Connection, last: dict):
        self.con, self.last = con, last

    @classmethod
    def open(cls, path: Path, version: Any) -> Facts | None:
        """The facts at `path`, or None when there are none written by `version`."""
        if not path.exists():
            return None
        con = None
        try:
            con = sqlite3.connect(path, timeout=TIMEOUT, isolation_level=None)
            # one read transaction until `update` or `close`: no other check's write can
            # come between the answer read here and the rows asked for later
            con.execute("BEGIN")
            if con.execute("PRAGMA user_version").fetchone()[0] != FACTS_VERSION:
                raise ValueError("another schema")
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            last = marshal.loads(meta["last"])
            if marshal.loads(meta["version"]) != version or not isinstance(last, dict):
                raise ValueError("another version's")
            return cls(con, last)
        except (sqlite3.Error, KeyError, ValueError, EOFError, TypeError):
            if con is not None:
                con.close()
            return None

    def close(self) -> None:
        self.con.close()  # (its read transaction ends with it)

    def files(self, paths: Iterable[str]) -> dict[str, File]:
        """path -> its row, of the `paths` the last answer read."""
        out = {}
        for p in paths:
            row = self.con.execute("SELECT path, kind, stem, a, b FROM files WHERE path = ?",
                                   (p,)).fetchone()
            if row is not None:
                out[p] = row
        return out

    def path_of(self, kind: str, stem: str) -> str | None:
        row = self.con.execute("SELECT path FROM files WHERE kind = ? AND stem = ?",
                               (kind, stem)).fetchone()
        return None if row is None else row[0]

    def naming(self, column: str, value: str) -> list[tuple[str, str]]:
        """(path, kind) of the files whose `a` or `b` (`column`) is `value`."""
        assert column in ("a", "b")
        return self.con.execute(f"SELECT path, kind FROM files WHERE {column} = ?",
                                (value,)).fetchall()

    def accounts(self) -> list[tuple[str, Any, str]]:
        """(ID, parent, path) of every account."""
        return self.con.execute(
            "SELECT stem, a, path FROM files WHERE kind = 'account'").fetchall()

    def keys_of(self, paths: Iterable[str]) -> list[tuple[str, Key]]:
        out = []
        for p in paths:
            out += [(path, (what, value, marshal.loads(loc))) for path, what, value, loc
                    in self.con.execute("SELECT path, what, value, loc FROM keys "
                                        "WHERE path = ?", (p,))]
        return out

    def sharing(self, values: Iterable[tuple[str, str]]) -> list[tuple[str, Key]]:
        """(path, key) of every key of one of `values` ((what, value) pairs)."""
        out = []
        for what, value in values:
            out += [(path, (what, value, marshal.loads(loc))) for path, loc
                    in self.con.execute("SELECT path, loc FROM keys WHERE what = ? AND "
                                        "value = ?", (what, value))]
        return out

    def update(self, last: dict, gone: Iterable[str], files: Iterable[File],
               keys: dict[str, list[Key]]) -> bool:
        """Record the answer `last`: the files `gone` went, the rows of `files` are new or
        changed, and `keys` are the keys of those paths now; the facts are closed. False
        (nothing written) when the file is busy (another check writes) or damaged."""
        con = self.con
        try:
            con.execute(f"PRAGMA busy_timeout = {int(UPDATE_TIMEOUT * 1000)}")
            try:
                gone = list(gone)
                con.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in gone))
                con.executemany("DELETE FROM keys WHERE path = ?",
                                ((p,) for p in [*gone, *keys]))
                con.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", files)
                con.executemany("INSERT INTO keys VALUES (?, ?, ?, ?)",
                                _key_rows(keys.items()))
                con.execute("UPDATE meta SET value = ? WHERE key = 'last'",
                            (marshal.dumps(last),))
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except sqlite3.Error:
            return False
        finally:
            con.close()
        return True


def write(path: Path, version: Any, last: dict, files: Iterable[File],
          keys: dict[str, list[Key]]) -> bool:
    """Write the facts whole (a full check's answer) in one transaction, replacing any
    there (a file SQLite finds no database is removed, and written anew); False when
    they cannot be written (the next run then goes the full way again)."""
    files = list(files)  # (read again when a damaged file was removed)
    for attempt in (1, 2):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(path, timeout=TIMEOUT, isolation_level=None)
            try:
                con.execute("BEGIN IMMEDIATE")
                try:
                    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE "
                                               "type = 'table'").fetchall():
                        con.execute(f'DROP TABLE "{name}"')
                    for statement in _SCHEMA:
                        con.execute(statement)
                    con.executemany("INSERT INTO files VALUES (?, ?, ?, ?, ?)", files)
                    con.executemany("INSERT INTO keys VALUES (?, ?, ?, ?)",
                                    _key_rows(keys.items()))
                    for statement in _INDEXES:
                        con.execute(statement)
                    con.executemany("INSERT INTO meta VALUES (?, ?)", (
                        ("version", marshal.dumps(version)), ("last", marshal.dumps(last))))
                    con.execute(f"PRAGMA user_version = {FACTS_VERSION}")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            finally:
                con.close()
            return True
        except sqlite3.DatabaseError as err:
            if attempt == 2 or isinstance(err, sqlite3.OperationalError):
                return False  # busy: another check writes; or not writable
            remove(path)  # not a database (damaged): made again
        except OSError:
            return False
    return False


def remove(path: Path) -> None:
    for suffix in ("", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except OSError:
            pass


def _key_rows(items: Iterable[tuple[str, list[Key]]]) -> Iterable[tuple]:
    for path, keys in items:
        for what, value, loc in keys:
            yield path, what, value, marshal.dumps(loc)
