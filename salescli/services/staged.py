"""`check` and `check --staged`, re-validating only what changed.

The pre-commit hook runs `check --staged` before every commit, so it must cost what
the commit changed, not what the repository holds; `check` after an edit likewise.
A file's diagnostics depend on its path and content, the configuration, and the few
facts of other records it refers to (does its account exist, which contacts and
roles that account has, does its parent exist).

Two ways, one answer:

- **Since the last answer** (`_changed_records`): the last answer and the facts it was
  computed with (what each record names, the keys that may reveal a duplicate or a
  document number given twice: `check.across_keys`) are kept
  in `.git/salescli/staged.sqlite` (`check.sqlite` for the work tree; store/facts.py).
  When only record files changed, came or went since, the answer is the last one with
  the diagnostics of those files, of the files naming them, and of the duplicates and
  the hierarchy they take part in worked out again: a few files read, a few queries.
- **The full way** (everything else: another configuration, a first run, a file that
  is misplaced or whose name clashes): every file is looked at. Each record file's
  diagnostics are kept in `staged.cache` by path and staged blob (git's index names
  every blob) and in `check.memo` by path and stat, with the configuration's keys and
  the referred facts they were computed with; only files whose key no longer holds are
  parsed again, and the checks across files are computed from the facts.

The answer is exactly what a full check of the same files says (tests compare the two,
`test_check_staged_random.py` after random sequences of changes).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from collections.abc import ItemsView
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import KeysView
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from salescli.core.diagnostics import Diagnostic
from salescli.store.gitio import CatFile
from salescli.store.gitio import Started
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import PIPELINES_DIR
from salescli.store.repo import PRODUCTS_FILE
from salescli.store.repo import SETTINGS_FILE
from salescli.store.repo import file_id
from salescli.store.repo import state_dir
from salescli.store.runtime import FRESH_NS
from salescli.store.runtime import load_cache
from salescli.store.runtime import save_cache

CACHE_VERSION = 7  # 5: .last keeps HEAD and the staged diff; 6: the facts file; 7: deal keys
CACHE_FILE = "staged.cache"
WORK_TREE_CACHE = "check.memo"
FACTS_SUFFIX = ".sqlite"  # the last answer and its facts (store/facts.py): staged.sqlite
HEAD_FILES = "head-files.cache"  # HEAD's record files, by commit
INVOICES_MEMO = "invoices.memo"  # the invoices each deal file records, by its stat
_SYMLINK = "120000"


# folders whose staged changes the hook judges without checking their files: an issued
# invoice may not change (`Snapshot.extra`)
EXTRA_SPECS = ("invoices",)
_EXTRA_PREFIX = tuple(f"{f}/" for f in EXTRA_SPECS)
# the configuration, listed from HEAD at once by the hook (`Entries`)
CONFIG_SPECS = (SETTINGS_FILE, PRODUCTS_FILE, PIPELINES_DIR)


def _covered(path: str) -> bool:
    """Whether listing `CONFIG_SPECS` lists `path` when HEAD has it."""
    return path in CONFIG_SPECS or path.startswith(f"{PIPELINES_DIR}/")


def index_entries(root: Path, specs: list[str], cache: Path | None = None,
                  meanwhile: Callable[[str], None] | None = None
                  ) -> tuple[Mapping[str, tuple[str, str]], dict[str, tuple[str, ...]] | None,
                             str | None]:
    """(path -> (mode, blob) of git's index (GIT_INDEX_FILE honoured) under `specs`,
    what the index changes from HEAD when one diff found it, the HEAD that diff started
    from).

    With `cache`: HEAD's files as `git diff-index --cached` says the index changed them
    (`Entries`), so the pre-commit hook reads the few staged files and the configuration,
    not the 26,000 entries `ls-files` prints on a big repository. The changes are each
    path's raw fields (old mode, new mode, old blob, new blob, status), the `EXTRA_SPECS`
    folders' too; they and HEAD are None when the index was listed whole instead.
    `meanwhile(HEAD)` is called while git works on that diff.
    """
    if cache is not None:
        from salescli.store.gitio import rev_parse

        head = rev_parse(root, "HEAD")
        if head is not None:
            # what the index changes from HEAD, and HEAD's configuration, asked at once
            with Started(root, "diff-index", "--cached", "-z", *_RAW, head, "--", *specs,
                         *EXTRA_SPECS) as index_diff, \
                    Started(root, "ls-tree", "-r", "-z", head, "--",
                            *CONFIG_SPECS) as config:
                if meanwhile is not None:
                    meanwhile(head)
                changes = _parse_raw(index_diff.result())
                if _merged(changes):
                    entries = Entries(root, head, specs, cache, _tree(config.result()),
                                      changes)
                    return entries, changes, head
    from salescli.store.gitio import git

    out: dict[str, tuple[str, str]] = {}
    listed = git(root, "ls-files", "-s", "-z", "--", *specs).stdout
    for entry in listed.split("\0"):
        meta, _, path = entry.partition("\t")
        if path:
            mode, blob, stage = meta.split()
            if stage == "0" or path not in out:  # a conflict lists stages 1-3
                out[path] = (mode, blob)
    return out, None, None


def _tree(listed: str) -> dict[str, tuple[str, str]]:
    """path -> (mode, blob) of `git ls-tree -r -z` output."""
    entries = {}
    for entry in listed.split("\0"):
        meta, _, path = entry.partition("\t")
        if path:
            mode, _, blob = meta.split()
            entries[path] = (mode, blob)
    return entries


class Entries(Mapping[str, tuple[str, str]]):
    """git's index under the specs as HEAD's files plus the index's changes, HEAD's
    read only as far as asked. The configuration (listed at once, a few files) and the
    paths the index or the commits since the last run changed are known; another path
    is looked up in HEAD when asked; going through them all (a listing of a record
    folder) loads HEAD's files whole (`_head_entries`, kept in the cache by commit). A
    commit's hook that only edits deals so never reads the 3 MB of a 26,000-file
    repository's entries."""

    def __init__(self, root: Path, head: str, specs: list[str], cache: Path,
                 config: dict[str, tuple[str, str]], changes: dict[str, tuple[str, ...]]):
        self.root, self.head, self.specs, self.cache = root, head, specs, cache
        self.head_known: dict[str, tuple[str, str] | None] = dict(config)
        self.changes = changes
        self.whole: dict[str, tuple[str, str]] | None = None
        self.moves: dict[str, dict[str, tuple[str, ...]]] = {}  # learnt: commit -> diff

    def learn(self, since: str, raw: dict[str, tuple[str, ...]]) -> None:
        """Know HEAD's side of the raw diff from commit `since` to HEAD."""
        self.moves[since] = raw
        for path, change in raw.items():
            self.head_known[path] = None if change[4] == "D" else (change[1], change[3])

    def know(self, paths: Iterable[str]) -> None:
        """Know HEAD's entries of `paths` (None: HEAD has no such file), asking git once
        for those not known yet."""
        from salescli.store.gitio import git

        if self.whole is not None:
            return
        unknown = sorted({p for p in paths if p not in self.changes and p not in
                          self.head_known and not _covered(p)
                          and any(p == s or p.startswith(f"{s}/") for s in self.specs)})
        for i in range(0, len(unknown), 500):  # (a command line's length)
            chunk = unknown[i:i + 500]
            listed = _tree(git(self.root, "ls-tree", "-r", "-z", self.head, "--",
                               *(f":(literal){p}" for p in chunk),  # never a pattern
                               env=_PATHSPECS).stdout)
            for p in chunk:
                self.head_known[p] = listed.get(p)

    def loaded(self) -> dict[str, tuple[str, str]]:
        """Every entry, HEAD's files loaded whole."""
        if self.whole is None:
            entries = dict(_head_entries(self.root, self.head, self.specs, self.cache,
                                         self.moves))
            _apply(self.changes, entries, _EXTRA_PREFIX)
            self.whole = entries
        return self.whole

    def __getitem__(self, path: str) -> tuple[str, str]:
        if self.whole is None:
            if path not in self.changes and path not in self.head_known \
                    and not _covered(path):
                if not any(path == s or path.startswith(f"{s}/") for s in self.specs):
                    raise KeyError(path)  # not a file of the specs, as the whole has it
                self.know([path])
            change = self.changes.get(path)
            if change is not None and not path.startswith(_EXTRA_PREFIX):
                if change[4] == "D":
                    raise KeyError(path)
                return change[1], change[3]
            found = self.head_known.get(path)
            if found is None:
                raise KeyError(path)
            return found
        return self.loaded()[path]

    def __contains__(self, path: object) -> bool:
        try:
            self[path]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.loaded())

    def __len__(self) -> int:
        return len(self.loaded())

    def keys(self) -> KeysView[str]:
        return self.loaded().keys()

    def items(self) -> ItemsView[str, tuple[str, str]]:
        return self.loaded().items()

    def under(self, folder: str) -> dict[str, tuple[str, str]] | None:
        """The entries of `folder` (the folder's own too) without loading HEAD's files
        whole, when the configuration listed it; else None."""
        if self.whole is not None or not _covered(folder):
            return None
        prefix = folder + "/"
        paths = {p for p in (*self.head_known, *self.changes)
                 if p == folder or p.startswith(prefix)}
        return {p: self[p] for p in paths if p in self}


def _head_entries(root: Path, head: str, specs: list[str], cache: Path,
                  moves: dict[str, dict[str, tuple[str, ...]]] | None = None
                  ) -> dict[str, tuple[str, str]]:
    """The files of commit `head` under `specs`, from `cache`.

    The cache holds the files of the commit it was made at; a later HEAD is that
    commit's files plus `git diff-tree` between the two (or the diff from that commit
    already in `moves`: a run after a run that read everything), so only a first run
    lists the whole tree.
    """
    from salescli.store.gitio import git

    entries: dict[str, tuple[str, str]] | None = None
    try:
        saved = load_cache(cache)
        if saved[0] == CACHE_VERSION and saved[2] == specs and isinstance(saved[3], dict) \
                and isinstance(saved[1], str):
            if saved[1] == head:
                return saved[3]
            raw = (moves or {}).get(saved[1])
            if raw is None:
                raw = _moved(_start_moves(root, saved[1], head, specs))
            if raw is not None:
                _apply(raw, saved[3])
                entries = saved[3]
    except (ValueError, TypeError, IndexError, KeyError):
        pass  # missing or damaged: listed again
    if entries is None:
        entries = _tree(git(root, "ls-tree", "-r", "-z", head, "--", *specs).stdout)
    save_cache(cache, [CACHE_VERSION, head, specs, entries])
    return entries


# raw diffs as ls-tree and ls-files name paths: from `root` (--relative; salescli.yaml may
# sit in a folder of a bigger repository), submodules whatever .gitmodules says
_RAW = ("--no-renames", "--relative", "--ignore-submodules=none")


def _parse_raw(raw: str) -> dict[str, tuple[str, ...]]:
    """path -> (old mode, new mode, old blob, new blob, status) of a `-z` raw diff."""
    fields = raw.split("\0")
    return {path: tuple(meta.lstrip(":").split())
            for meta, path in zip(fields[0:-1:2], fields[1::2], strict=True)}


def _merged(changes: dict[str, tuple[str, ...]]) -> bool:
    """No path of raw `changes` is unmerged (during a merge conflict one has no one
    blob: `ls-files` lists its stages instead)."""
    return all(c[4] != "U" for c in changes.values())


def _apply(changes: dict[str, tuple[str, ...]], entries: dict[str, tuple[str, str]],
           outside: tuple[str, ...] = ()) -> None:
    """Apply raw `changes` (`_merged`) to `entries`, one under an `outside` folder left
    out."""
    for path, (_, new_mode, _, new_blob, status) in changes.items():
        if outside and path.startswith(outside):
            continue
        if status == "D":
            entries.pop(path, None)
        else:
            entries[path] = (new_mode, new_blob)


class Snapshot:
    """The files `check` reads, as git's index holds them (`check --staged`); a context
    manager: its blobs are read by one git process, ended on leaving."""

    head: str | None = None  # HEAD, when one diff from it found the index
    last: dict | None = None  # the last run's answer, when read while git listed the index
    facts: Any = None  # the facts file it was read from (store/facts.Facts), if any

    def __init__(self, root: Path, cache: Path | None = None, facts: Path | None = None):
        self.root = root
        self._moves: dict[str, Started] = {}
        self.specs = specs = [SETTINGS_FILE, PRODUCTS_FILE, PIPELINES_DIR,
                              *KIND_DIRS.values()]
        # path -> (mode, key): the key changes whenever the content does (None: never
        # kept); and what the index changes from HEAD, when one diff found it (else None)
        self.blobs = CatFile(root, lambda sha: f"git cat-file: staged object {sha} is "
                             "missing; run `git fsck` first")
        if cache is not None:  # the hook: git opens its packs while the index is diffed
            self.blobs.start()
        try:
            self.entries, self.changes, self.head = index_entries(
                root, specs, cache,
                None if facts is None else lambda head: self._ahead(facts, head))
        except BaseException:
            self.close()
            raise

    def _ahead(self, path: Path, head: str) -> None:
        """The last run's answer read, and git started on what the commits since it
        changed, while git lists the index."""
        self.last = _open_facts(self, path)
        prior = self.last.get("head")
        if prior != head:
            started = _start_moves(self.root, prior, head, self.specs)
            if started is not None:
                self._moves[prior] = started

    def moved_from(self, commit: Any) -> dict[str, tuple[str, ...]] | None:
        """path -> raw diff of the files that commit `commit` and HEAD differ in; None
        when git cannot tell."""
        started = self._moves.pop(commit, None)
        if started is None:
            started = _start_moves(self.root, commit, self.head or "HEAD", self.specs)
        return _moved(started)

    def close(self) -> None:
        self.blobs.close()
        if self.facts is not None:
            self.facts.close()
        for started in self._moves.values():
            started.__exit__()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def every_entry(self) -> dict[str, tuple[str, str]]:
        """The entries as a plain dict: HEAD's files loaded whole when read lazily."""
        if isinstance(self.entries, Entries):
            self.entries = self.entries.loaded()
        return self.entries

    def listed(self, folder: str) -> tuple[bool, list[str]]:
        known = self.entries.under(folder) if isinstance(self.entries, Entries) else None
        return _listed(self.entries if known is None else known, folder)

    def parse(self, kind: str, rels: list[str]) -> dict[str, Any]:
        from salescli.store.loader import parse_blob

        if isinstance(self.entries, Entries):
            self.entries.know(rels)  # one git for those HEAD's files not known yet
        blobs = self.blobs.read(sorted({self.entries[r][1] for r in rels
                                        if self.entries[r][0] != _SYMLINK}))
        return {rel: parse_blob(kind, rel, blobs.get(self.entries[rel][1], b""),
                                self.entries[rel][0] == _SYMLINK) for rel in rels}

    def texts(self, rels: set[str]) -> dict[str, str | None]:
        if isinstance(self.entries, Entries):
            self.entries.know(rels)  # one git for those HEAD's files not known yet
        blobs = self.blobs.read(sorted({self.entries[r][1] for r in rels}))
        return {r: blobs[self.entries[r][1]].decode("utf-8", errors="replace")
                if self.entries[r][1] in blobs else None for r in rels}

    def index_changes(self) -> dict[str, tuple[str, ...]]:
        """What the index changes from HEAD (path -> old mode, new mode, old blob, new
        blob, status) for the deals and `EXTRA_SPECS`: the snapshot's own diff, else
        (the index was listed whole) one asked now; none before the first commit."""
        if self.changes is None:
            from salescli.store.gitio import git
            from salescli.store.gitio import rev_parse

            self.changes = {}
            if rev_parse(self.root, "HEAD") is not None:
                self.changes = _parse_raw(git(self.root, "diff-index", "--cached", "-z",
                                              *_RAW, "HEAD", "--", KIND_DIRS["deal"],
                                              *EXTRA_SPECS).stdout)
        return self.changes

    def extra(self) -> list[Diagnostic]:
        # documents and templates are not exported for --staged; an issued invoice is
        # immutable, so a commit may not change one
        from salescli.services.check import invoice_edit

        return [invoice_edit(rel, change[4])
                for rel, change in sorted(self.index_changes().items())
                if rel.startswith(_EXTRA_PREFIX) and change[4] in ("M", "D", "T")]


class WorkTree(Snapshot):
    """The files `check` reads, as they are on disk; a file's key is its stat, and a
    file changed within the last FRESH_NS is never kept (it may change again within
    the same clock tick, same size)."""

    def __init__(self, root: Path, look: Any = None, memo: Path | None = None):
        import time

        from salescli.services.checkcache import Look

        self.root = root
        # the files and their stat as the result cache saw them (checkcache.Look)
        self.look = look if look is not None else Look(root)
        self.memo = memo  # where the deals' recorded invoices are kept (None: not kept)
        top = os.fspath(root)
        self.links, self.files = self.look.links, self.look.files
        fresh = time.time_ns() - FRESH_NS
        # the record folders too: one replaced by a link (or back) changes the answer
        self.entries = {f: (_SYMLINK, "link") if f in self.links else ("040000", "folder")
                        for f in KIND_DIRS.values()}
        # a dangling price list is no price list, as check reads it (os.path.exists)
        files = [SETTINGS_FILE] + ([PRODUCTS_FILE] if os.path.exists(
            os.path.join(top, PRODUCTS_FILE)) else [])
        stats = self.look.stats
        for rel in [*files, *(r for rs in self.files.values() for r in rs)]:
            st = stats.get(rel, (rel,))
            if len(st) == 1:  # gone meanwhile
                continue
            _, size, ino, mtime, ctime, mode = st
            key = None if max(mtime, ctime) >= fresh else f"{size}:{ino}:{mtime}:{ctime}"
            self.entries[rel] = (_SYMLINK if stat.S_ISLNK(mode) else "100644", key)

    def close(self) -> None:
        if self.facts is not None:
            self.facts.close()

    def listed(self, folder: str) -> tuple[bool, list[str]]:
        return folder in self.links, self.files.get(folder, [])

    def parse(self, kind: str, rels: list[str]) -> dict[str, Any]:
        from salescli.store.loader import parse_file

        return {rel: parse_file(self.root, kind, rel) for rel in rels}

    def texts(self, rels: set[str]) -> dict[str, str | None]:
        from salescli.store.loader import read_text

        # regular files' only: a FIFO in a record's place must not block the hook
        return {rel: read_text(os.path.join(self.root, rel), rel, []) for rel in rels}

    def extra(self) -> list[Diagnostic]:
        from salescli.services.check import Context
        from salescli.services.check import _document_links
        from salescli.services.check import _record_files
        from salescli.services.check import invoice_edits

        root = os.fspath(self.root)
        # the deal files check reads: not a misplaced or duplicate one
        deals = _record_files(root, "deal", Context(), [], self.listed(KIND_DIRS["deal"]))
        keys = {rel: self.entries[rel][1] for rel in deals if rel in self.entries}
        return _document_links(root, self.look.documents()[1]) \
            + invoice_edits(root, keys, self.memo)


def check_staged(root: Path, git_dir: Path, use_cache: bool = True,
                 transitions: bool = False) -> list[Diagnostic]:
    """`check` of the files as staged in git's index; with `transitions`, also the stage
    and status changes by hand that the rules refuse (`staged_transitions`), from the
    same look at the index (the pre-commit hook's `check --staged`)."""
    folder = state_dir(root)
    with Snapshot(root, *(folder / HEAD_FILES, _facts_path(folder / CACHE_FILE))
                  if use_cache else ()) as snap:
        found = check_snapshot(snap, folder / CACHE_FILE, use_cache)
        if transitions:
            found = sorted({*found, *staged_transitions(snap, git_dir)})
        return found


# set by salescli's import for the hook it runs: another tool's history is recorded as
# it happened (`check --history` reports what broke the rules)
IMPORTING = "SALESCLI_IMPORTING"


def staged_transitions(snap: Snapshot, git_dir: Path) -> list[Diagnostic]:
    """Errors for the staged deals whose stage or status the index changes from HEAD's
    as `deal move`, `win`, `lose` and `reopen` would not.

    The reason of a move back or a reopen is in the commit message, which the hook cannot
    see yet: those pass here, and `check --history` reports the ones without one. A merge
    brings changes already committed elsewhere: not checked here either.
    """

    if os.environ.get(IMPORTING) or (git_dir / "MERGE_HEAD").exists():
        return []
    folder = KIND_DIRS["deal"]
    changed = {path: (old_blob, new_blob)
               for path, (old_mode, new_mode, old_blob, new_blob, status)
               in snap.index_changes().items()
               if path.startswith(folder + "/") and status == "M"
               and _SYMLINK not in (old_mode, new_mode)}
    if not changed:
        return []
    blobs = snap.blobs.read(sorted({b for pair in changed.values() for b in pair}))
    changed = {rel: pair for rel, pair in changed.items()
               if _moves(blobs[pair[0]], blobs[pair[1]])}
    if not changed:
        return []
    from salescli.core.model import Settings
    from salescli.core.rules import change_problems
    from salescli.store.loader import parse_blob

    # the configuration and accounts as staged, read only when a deal moved
    config = snap.parse("settings", [SETTINGS_FILE]) if SETTINGS_FILE in snap.entries else {}
    settings = (config[SETTINGS_FILE].model if config else None) or Settings()
    models = {}
    for rel, (old_blob, new_blob) in sorted(changed.items()):
        old = parse_blob("deal", rel, blobs[old_blob], False).model
        new = parse_blob("deal", rel, blobs[new_blob], False).model
        if old is not None and new is not None:  # one that does not parse is reported so
            models[rel] = (old, new)
    accounts = _account_files(snap, {new.account for _, new in models.values()})
    out = []
    for rel, (old, new) in models.items():
        name = settings.pipeline_of(new)
        pipe_rel = f"{PIPELINES_DIR}/{name}.yaml"
        if pipe_rel not in snap.entries:
            continue
        pipe = snap.parse("pipeline", [pipe_rel])[pipe_rel].model
        if pipe is None:
            continue
        account_rel = accounts.get(new.account)
        account = snap.parse("account", [account_rel])[account_rel].model \
            if account_rel else None
        roles = {c.id: c.role for c in account.contacts} if account else {}
        # the reason, if one is needed, is the commit message's: assume it is given
        for problem in change_problems(pipe, old, new, roles, reason="(in the commit)"):
            out.append(Diagnostic(rel, 1, 1, "error", "lifecycle",
                                  f"changed by hand from the committed version: {problem}; "
                                  "use `salescli deal move`, `win`, `lose` or `reopen`"))
    return out


def _account_files(snap: Snapshot, ids: set[Any]) -> dict[str, str]:
    """account ID -> its file in git's index (in any month folder), for `ids`: looked up
    by git when the entries are read lazily, rather than loading them all."""
    from salescli.core.ids import is_valid_id
    from salescli.store.gitio import git

    prefix = KIND_DIRS["account"] + "/"
    if isinstance(snap.entries, Entries):
        wanted = sorted(i for i in ids if isinstance(i, str) and is_valid_id(i))
        if not wanted:
            return {}
        # an ID is a safe name, never a pattern; the user's pathspec settings are not ours
        paths = git(snap.root, "ls-files", "-z", "--",
                    *(f":(glob){prefix}**/{i}.yaml" for i in wanted), env=_PATHSPECS).stdout
        paths = [p for p in paths.split("\0") if p]
    else:
        paths = [p for p in snap.entries if p.startswith(prefix) and p.endswith(".yaml")]
    return {file_id(p): p for p in paths}


# git's pathspecs as salescli writes them, whatever the user's environment says
_PATHSPECS = {v: "0" for v in ("GIT_LITERAL_PATHSPECS", "GIT_GLOB_PATHSPECS",
                               "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS")}


def _moves(old: bytes, new: bytes) -> bool:
    """Whether a deal's pipeline, stage or status may differ between two versions: the
    only changes `change_problems` judges. Read with the fast reader, so an edit of
    anything else (the hook's usual case) costs no model, settings or pipeline; a text
    it cannot read is judged in full."""
    from salescli.store.yamlio import load_fast

    try:
        a, b = (load_fast(v.decode("utf-8")) for v in (old, new))
    except Exception:  # the full parse reports or judges it
        return True
    if not isinstance(a, dict) or not isinstance(b, dict):
        return True
    return any(a.get(k) != b.get(k) for k in ("pipeline", "stage", "status"))


def check_work_tree(root: Path, git_dir: Path | None, use_cache: bool = True,
                    look: Any = None) -> list[Diagnostic]:
    """`check` of the files on disk, reading again only the files that changed; `look`
    is the files as the caller's checkcache.Look saw them (else looked at here)."""
    if git_dir is None:
        use_cache = False
    path = state_dir(root) / WORK_TREE_CACHE if git_dir is not None \
        else Path(WORK_TREE_CACHE)  # (never read nor written without a git directory)
    memo = path.with_name(INVOICES_MEMO) if use_cache else None
    with WorkTree(root, look, memo) as snap:
        return check_snapshot(snap, path, use_cache)


def check_snapshot(snap: Snapshot, cache_path: Path, use_cache: bool) -> list[Diagnostic]:
    from salescli.store.runtime import gc_paused

    with gc_paused():  # a cache of 26,000 entries: the collector would walk it repeatedly
        return _check(snap, cache_path, use_cache)


_UNKNOWN = object()  # a fact not kept (a file changed this instant): equal to nothing


def _facts_path(cache_path: Path) -> Path:
    return cache_path.with_suffix(FACTS_SUFFIX)


def _open_facts(snap: Snapshot, path: Path) -> dict:
    """The last answer kept at `path` ({} when none), its facts open as `snap.facts`."""
    from salescli.store.facts import Facts

    snap.facts = Facts.open(path, _version())
    return {} if snap.facts is None else snap.facts.last


def _check(snap: Snapshot, cache_path: Path, use_cache: bool) -> list[Diagnostic]:
    entries = snap.entries
    config: list[tuple[str, str]] = [("settings", SETTINGS_FILE)]
    if PRODUCTS_FILE in entries:
        config.append(("products", PRODUCTS_FILE))
    config += [("pipeline", rel) for rel in snap.listed(PIPELINES_DIR)[1]]
    config_key = [entries.get(rel) for _, rel in config]
    if any(e is not None and e[1] is None for e in config_key):
        use_cache = False  # a configuration file changed this instant: keep nothing
    last = snap.last if snap.last is not None else \
        _open_facts(snap, _facts_path(cache_path)) if use_cache else {}
    # what changed since the last run, when it ran with this configuration
    since = _since_last(snap, last) if last.get("config") == config_key else None
    if since == []:
        # nothing changed since the last run (a commit tried again): its answer
        return sorted({*(Diagnostic(*d) for d in _answer(last)), *snap.extra()})
    return _check_changed(snap, cache_path, use_cache, config, config_key, last, since)


def _start_moves(root: Path, old: Any, new: str, specs: list[str]) -> Started | None:
    """git started on what the files under `specs` differ in between commits `old` and
    `new` (`_moved`); None when `old` is no commit ID."""
    if not isinstance(old, str) or not all(c in "0123456789abcdef" for c in old):
        return None  # a commit ID from our own cache, never an option
    return Started(root, "diff-tree", "-r", "-z", *_RAW, old, new, "--", *specs)


def _moved(started: Started | None) -> dict[str, tuple[str, ...]] | None:
    """path -> raw diff of the files that `_start_moves` found changed; None when git
    cannot tell (the old commit gone in a rewritten history)."""
    if started is None:
        return None
    with started:
        out = started.answer()
    if out is None:
        return None
    raw = _parse_raw(out)
    return raw if _merged(raw) else None


def _last_entries(snap: Snapshot) -> dict[str, Any]:
    """What the last answer keeps of the files: for the index found by one diff from HEAD, only
    HEAD and that diff (a commit's hook then reads and writes kilobytes, not the 3 MB of
    26,000 entries); else every entry."""
    if snap.head is None or snap.changes is None:
        return {"entries": dict(snap.entries)}
    return {"head": snap.head,
            "staged": {p: None if c[4] == "D" else (c[1], c[3])
                       for p, c in snap.changes.items() if not p.startswith(_EXTRA_PREFIX)}}


def _since_last(snap: Snapshot, last: dict) -> list[tuple[str, Any, Any]] | None:
    """(path, its entry at the last run, now) of each file whose entry changed since
    (None for a file not there); None when the last run cannot tell."""
    entries = snap.entries
    if "entries" in last:
        prev = last["entries"]
        return [(p, prev.get(p), entries.get(p)) for p in sorted(entries.keys() | prev.keys())
                if prev.get(p) != entries.get(p)]
    staged, head, changes = last.get("staged"), snap.head, snap.changes
    if not isinstance(staged, dict) or head is None or changes is None:
        return None
    older: dict[str, tuple[str, ...]] | None = {}
    if last.get("head") != head:  # HEAD moved on from the last run's (a commit since)
        older = snap.moved_from(last.get("head"))
        if older is None:
            return None
        if isinstance(entries, Entries):
            entries.learn(last["head"], older)

    def old_side(raw: tuple[str, ...]) -> Any:
        return None if raw[4] == "A" else (raw[0], raw[2])

    def before(p: str) -> Any:
        if p in staged:  # as the index had it then
            return staged[p]
        if p in older:  # as the last run's HEAD had it
            return old_side(older[p])
        return old_side(changes[p]) if p in changes else entries.get(p)  # as HEAD has it

    paths = {p for p in (*staged, *older, *changes) if not p.startswith(_EXTRA_PREFIX)}
    return [(p, before(p), entries.get(p)) for p in sorted(paths)
            if before(p) != entries.get(p)]


def _check_changed(snap: Snapshot, cache_path: Path, use_cache: bool,
                   config: list[tuple[str, str]], config_key: list, last: dict,
                   since: list[tuple[str, Any, Any]] | None) -> list[Diagnostic]:
    from salescli.core.diagnostics import error
    from salescli.services.check import AccountInfo
    from salescli.services.check import Context
    from salescli.services.check import _record_files
    from salescli.services.check import check_hierarchy
    from salescli.services.check import duplicate_groups
    from salescli.services.check import validate
    from salescli.store.loader import Parsed
    from salescli.store.loader import to_diagnostic
    from salescli.store.repo import KINDS

    entries = snap.entries
    ctx = Context()
    out: list[Diagnostic] = []

    # 1. configuration, parsed (a few files), as check does
    parsed_by_rel: dict[str, Any] = {}
    for kind in ("settings", "products", "pipeline"):
        parsed_by_rel |= snap.parse(kind, [r for k, r in config if k == kind and r in entries])
    parsed_config = []
    for kind, rel in config:
        if rel not in entries:  # no settings file: as check of a tree without it
            parsed_config.append(Parsed(kind, rel, None, findings=[error(
                rel, "io", f"cannot read: {os.strerror(errno.ENOENT)}")]))
        else:
            parsed_config.append(parsed_by_rel[rel])
    ctx.take_pipelines(parsed_config)
    ctx.settings = parsed_config[0].model
    ctx.products = next((p.model for p in parsed_config if p.kind == "products"), None)
    if since is not None and snap.facts is not None:
        import sqlite3

        try:
            quick = _changed_records(snap, ctx, last, since, snap.facts)
        except sqlite3.DatabaseError:  # the facts damaged: the full way writes them again
            quick = None
        if quick is not None:
            own, across, delta = quick
            if delta is not None:
                kept = {k: v for k, v in last.items() if k not in ("entries", "head", "staged")}
                snap.facts.update({**kept, **_last_entries(snap), "out": own,
                                   "across": across}, *delta)
            return sorted({*(Diagnostic(*d) for d in _answer({"out": own, "across": across})),
                           *snap.extra()})
    if snap.facts is not None:  # read, not to be written over: written whole below
        snap.facts.close()
        snap.facts = None
    entries = snap.every_entry()  # every file is looked at from here
    # every entry was computed with one configuration: another one, and none holds
    saved = _load(cache_path, "entries") if use_cache else {}
    memo: dict[tuple[str, str], tuple] = saved.get("entries", {}) \
        if use_cache and saved.get("config") == config_key else {}
    rels = {kind: _record_files(os.fspath(snap.root), kind, ctx, out,
                                snap.listed(KIND_DIRS[kind]))
            for kind in KIND_DIRS}
    for parsed in parsed_config:
        out.extend(to_diagnostic(f, parsed.text) for f in validate(parsed, ctx))

    # 2. records: accounts first (deals refer to them), then leads and deals
    fresh: dict[tuple[str, str], tuple] = {}
    accounts: dict[str, AccountInfo] = {}
    account_paths: dict[str, str] = {}
    keys: list[tuple[str, Any]] = []

    account_files = {file_id(r): r for r in rels["account"]}

    def deps(kind: str, refs: Any) -> Any:
        """The facts of other records the diagnostics of a record depend on: whether
        what it names exists, and for a deal its account's file (its contacts)."""
        if kind == "account":
            return refs in ctx.ids["account"] if refs else None
        if kind == "lead":
            return None if refs is None else (refs[0] in ctx.ids["account"],
                                               bool(refs[1]) and refs[1] in ctx.ids["deal"])
        account = account_files.get(refs) if refs in ctx.ids["account"] else None
        if account is None:
            return None
        return entries[account] if entries[account][1] is not None else _UNKNOWN

    missed = False
    for kind in KINDS:
        if kind == "deal":
            ctx.accounts = accounts
        missing: list[str] = []
        for rel in rels[kind]:
            key = (rel, entries[rel])
            hit = memo.get(key) if key[1][1] is not None else None
            if hit is not None and deps(kind, hit[0]) == hit[1]:
                fresh[key] = hit
            else:
                missing.append(rel)
        missed = missed or bool(missing)
        for rel, (refs, found, facts) in _validate_many(snap, ctx, kind, missing).items():
            fresh[(rel, entries[rel])] = (refs, deps(kind, refs), found, facts)
        for rel in rels[kind]:
            entry = fresh[(rel, entries[rel])]
            out.extend(Diagnostic(*d) for d in entry[2])
            if entry[3]:
                keys.extend((rel, k) for k in entry[3][0])
                if kind == "account":
                    stem = file_id(rel)
                    accounts[stem] = AccountInfo(*entry[3][1])
                    account_paths[stem] = rel

    # 3. across files, from the facts
    across = _located(snap, [(None, f) for f in check_hierarchy(accounts, account_paths)]
                      + duplicate_groups(keys))
    result = sorted({*out, *(Diagnostic(*a[:6]) for a in across)})
    extra = snap.extra()
    if use_cache and (missed or len(fresh) != len(memo)):
        kept = {k: v for k, v in fresh.items() if k[1][1] is not None and v[1] is not _UNKNOWN}
        _save(cache_path, {"config": config_key, "entries": kept})
    if use_cache and all(e[1] is not None for e in entries.values()):
        # what the next run needs to redo only the records that changed since this one
        from salescli.store import facts

        rows, record_keys = [], {}
        for kind in KIND_DIRS:
            for rel in rels[kind]:
                refs, _, _, found = fresh[(rel, entries[rel])]
                rows.append(_row(kind, rel, refs))
                if found:
                    record_keys[rel] = list(found[0])
        facts.write(_facts_path(cache_path), _version(), {
            "config": config_key, **_last_entries(snap), "across": across,
            "out": [_plain(d) for d in sorted(set(out))]}, rows, record_keys)
        facts.remove(cache_path.with_name(cache_path.name + ".last"))  # versions before
    return sorted({*result, *extra})


def _validate_many(snap: Snapshot, ctx: Any, kind: str, rels: list[str]
                   ) -> dict[str, tuple]:
    """rel -> (what it names, its diagnostics, its facts) of the files of `kind` to check
    again, on every core when there are many (a first run, a new configuration), as
    check itself runs; the workers inherit the snapshot and context on fork."""
    from salescli.store.runtime import chunked

    parent = os.getpid()

    def validated(kind: str, rels: list[str]) -> dict[str, tuple]:
        try:
            return _validated(snap, ctx, kind, rels)
        finally:
            # a worker's own git cat-file ends with its chunk: a pool's workers are
            # killed, never exiting, and would leave it behind unwaited
            if os.getpid() != parent and getattr(snap, "blobs", None) is not None:
                snap.blobs.close()

    out: dict[str, tuple] = {}
    with chunked(validated, [(kind, rels)]) as parts:
        for part in parts:
            out |= part
    return out


def _validated(snap: Snapshot, ctx: Any, kind: str, rels: list[str]) -> dict[str, tuple]:
    from salescli.services.check import AccountInfo
    from salescli.services.check import across_keys
    from salescli.services.check import validate
    from salescli.store.loader import to_diagnostic

    out = {}
    for rel, parsed in snap.parse(kind, rels).items():
        found = [_plain(to_diagnostic(f, parsed.text)) for f in validate(parsed, ctx)]
        m = parsed.model
        facts: tuple = ()
        if m is not None:
            facts = (tuple(across_keys(kind, m)),
                     tuple(AccountInfo(m.parent, {c.id: c.role for c in m.contacts}))
                     if kind == "account" else None)
        out[rel] = (_refs(kind, m), found, facts)
    return out


def _refs(kind: str, model: Any) -> Any:
    """What a record names that its diagnostics depend on."""
    if model is None:
        return None
    if kind == "account":
        return model.parent
    if kind == "lead":
        c = model.converted
        return None if c is None else (c.account, c.deal)
    return model.account


def _row(kind: str, rel: str, refs: Any) -> tuple[str, str, str, Any, Any]:
    """A record file's row of the facts: (path, kind, ID, the account it names, the deal
    a lead names)."""
    if kind == "lead":
        refs = (None, None) if refs is None else refs
    else:
        refs = (refs, None)
    return (rel, kind, file_id(rel),
            *(r if isinstance(r, str) else None for r in refs))


def _plain(d: Diagnostic) -> tuple:
    """A diagnostic as the facts keep it (marshal keeps plain values)."""
    return (d.path, d.line, d.column, d.severity, d.code, d.message)


def _answer(last: dict) -> list[tuple]:
    """The diagnostics of a kept answer: each file's own, and those across files."""
    return [*last["out"], *(a[:6] for a in last["across"])]


def _located(snap: Snapshot, findings: list[tuple[Any, Any]]) -> list[tuple]:
    """(path, line, column, severity, code, message, what, value) of each (group,
    finding) across files; the group (what, value) of a duplicate, (None, None) for the
    hierarchy."""
    from salescli.store.loader import to_diagnostic

    texts = snap.texts({f.path for _, f in findings}) if findings else {}
    return [(*_plain(to_diagnostic(f, texts.get(f.path))), *(group or (None, None)))
            for group, f in findings]


class _Ids:
    """The IDs of a kind after the changes, as the facts know them before: a set for
    `in`, asked of the facts file."""

    def __init__(self, facts: Any, kind: str, came: dict[str, str], went: set[str]):
        self.facts, self.kind, self.came, self.went = facts, kind, came, went

    def __contains__(self, stem: object) -> bool:
        if stem in self.came:
            return True
        return isinstance(stem, str) and stem not in self.went \
            and self.facts.path_of(self.kind, stem) is not None

    def path_of(self, stem: str) -> str | None:
        return self.came.get(stem) if stem in self.came \
            else None if stem in self.went else self.facts.path_of(self.kind, stem)


class _Accounts:
    """ctx.accounts for a deal: the contacts of the account it names, read when asked."""

    def __init__(self, snap: Snapshot, ids: _Ids):
        self.snap, self.ids = snap, ids
        self.read: dict[str, Any] = {}

    def get(self, account: Any) -> Any:
        if account not in self.read:
            self.read_all([account])
        return self.read[account]

    def read_all(self, accounts: Iterable[Any]) -> None:
        """Read the accounts named (at once: one git lists and reads them all)."""
        from salescli.services.check import AccountInfo

        rels = {a: self.ids.path_of(a) if isinstance(a, str) else None
                for a in set(accounts) if a not in self.read}
        parsed = self.snap.parse("account", [r for r in rels.values() if r is not None])
        for a, rel in rels.items():
            m = parsed[rel].model if rel is not None else None
            self.read[a] = None if m is None else \
                AccountInfo(m.parent, {c.id: c.role for c in m.contacts})


def _kind_of(path: str) -> str | None:
    folder, sep, _ = path.partition("/")
    return _FOLDER_KINDS.get(folder) if sep else None


_FOLDER_KINDS = {folder: kind for kind, folder in KIND_DIRS.items()}
# more files changed than this (a branch switched, a pull): the full way is faster, its
# memo answering for the files it saw before and every core reading the others
QUICK_LIMIT = 1000


def _changed_records(snap: Snapshot, ctx: Any, last: dict, since: list[tuple[str, Any, Any]],
                     facts: Any) -> tuple[list[tuple], list[tuple], tuple | None] | None:
    """(Each file's own diagnostics, those across files, what the facts take in for the
    next run to start from: None when it may not) when, since the last run, only record
    files changed, came or went: the last answer with the diagnostics of those files,
    and of the files whose diagnostics depend on them, worked out again.

    A record's own diagnostics depend on other files only by what it names: whether its
    account (parent, converted account) and a lead's converted deal exist, and a deal's
    account's contacts. So a file re-read takes with it the files naming its ID (when
    it came or went; for an account changed, the deals naming it). The duplicates are
    worked out again for the values the changed files had or have, the hierarchy when
    an account came, went or changed its parent. None (the full way) when a file that
    was not read (misplaced, a second file of one ID) went, or a file came or went in a
    folder where the last answer said something of a file's place or name, or one came
    that is misplaced, a link, or of an ID taken: the folder must be listed again."""
    from salescli.services.check import FILE_CODES
    from salescli.services.check import AccountInfo
    from salescli.services.check import across_keys
    from salescli.services.check import check_hierarchy
    from salescli.services.check import duplicate_groups
    from salescli.services.check import misfiled
    from salescli.services.check import validate
    from salescli.store.loader import to_diagnostic

    if len(since) > QUICK_LIMIT:
        return None
    entries = snap.entries
    edited: list[str] = []
    came: dict[str, dict[str, str]] = {kind: {} for kind in KIND_DIRS}  # kind: ID -> path
    went: dict[str, str] = {}
    for p, old, new in since:
        kind = _kind_of(p)
        if kind is None:
            return None  # a record folder itself (a link now, or no more), pipelines/x.md
        if new is None:
            went[p] = kind
        elif old is None:
            stem = file_id(p)
            if entries[p][0] == _SYMLINK or misfiled(kind, p) is not None or \
                    stem in came[kind] or facts.path_of(kind, stem) is not None:
                return None
            came[kind][stem] = p
        else:
            edited.append(p)
    known = facts.files([*edited, *went])
    if any(p not in known for p in went):
        return None
    if went or any(came.values()):
        folders = {KIND_DIRS[k] for k in (*went.values(), *(k for k in came if came[k]))}
        if any(d[4] in FILE_CODES and d[0].split("/", 1)[0] in folders for d in last["out"]):
            return None
    gone = {kind: {known[p][2] for p, k in went.items() if k == kind} for kind in KIND_DIRS}
    ids = {kind: _Ids(facts, kind, came[kind], gone[kind]) for kind in KIND_DIRS}
    ctx.ids = ids
    ctx.accounts = _Accounts(snap, ids["account"])

    # the files to read again: the changed ones (a misplaced one is not read at all),
    # those that came, and those that depend on them
    changed = {p: known[p][1] for p in edited if p in known}
    todo = {**changed, **{p: kind for kind in KIND_DIRS for p in came[kind].values()}}
    for p, kind in [*todo.items(), *went.items()]:
        stem = file_id(p)
        named: list[tuple[str, str]] = []
        if kind == "account":  # what names it; a changed one's contacts: its deals'
            named = [n for n in facts.naming("a", stem) if p not in changed or n[1] == "deal"]
        elif kind == "deal" and p not in changed:  # came or went: leads naming it
            named = facts.naming("b", stem)
        for path, k in named:
            if path not in went:
                todo.setdefault(path, k)

    drop = {*todo, *went}
    own = {d for d in last["out"] if d[0] not in drop}
    rows: dict[str, tuple] = {}
    new_keys: dict[str, list] = {}
    read = {kind: snap.parse(kind, [p for p, k in todo.items() if k == kind])
            for kind in KIND_DIRS}
    ctx.accounts.read_all(p.model.account for p in read["deal"].values() if p.model)
    for kind in KIND_DIRS:
        for rel, parsed in read[kind].items():
            own.update(_plain(to_diagnostic(f, parsed.text)) for f in validate(parsed, ctx))
            m = parsed.model
            rows[rel] = _row(kind, rel, _refs(kind, m))
            new_keys[rel] = [] if m is None else across_keys(kind, m)

    # across files: the duplicates of the values the re-read files had or have
    rekeyed = [*todo, *went]
    values = {k[:2] for _, k in facts.keys_of(rekeyed)} | \
        {k[:2] for keys in new_keys.values() for k in keys}
    others = [(p, k) for p, k in facts.sharing(values) if p not in drop]
    findings = duplicate_groups(others + [(p, k) for p, keys in new_keys.items() for k in keys])
    across = [a for a in last["across"] if a[6] is not None and tuple(a[6:8]) not in values]
    # the hierarchy, when an account came, went, or changed its parent, or a cycle
    # reported is in a file read again
    hierarchy = [a for a in last["across"] if a[6] is None]
    if came["account"] or "account" in went.values() \
            or any(rows[p][3] != known[p][3] for p, k in changed.items() if k == "account") \
            or any(a[0] in drop for a in hierarchy):
        parents = {stem: (parent, path) for stem, parent, path in facts.accounts()
                   if path not in drop}
        parents |= {row[2]: (row[3], row[0]) for p, row in rows.items() if row[1] == "account"}
        findings += [(None, f) for f in check_hierarchy(
            {stem: AccountInfo(parent, {}) for stem, (parent, _) in parents.items()},
            {stem: path for stem, (_, path) in parents.items()})]
    else:
        across += hierarchy
    across += _located(snap, findings)
    # a file changed this instant is read, but this answer is not kept for the next run
    # to start from: it may change again unseen (the next run starts from the last kept)
    keep = all(new is None or new[1] is not None for _, _, new in since)
    return list(own), across, (list(went), list(rows.values()), new_keys) if keep else None


def _listed(entries: dict[str, tuple[str, str]], folder: str) -> tuple[bool, list[str]]:
    """(the folder is a symbolic link, its files as walk_files lists a checked-out tree)."""
    if entries.get(folder, ("",))[0] == _SYMLINK:
        return True, []
    prefix = folder + "/"
    return False, sorted(p for p, (mode, _) in entries.items() if p.startswith(prefix)
                         and (p.endswith((".yaml", ".yml")) or mode == _SYMLINK))


def _version() -> tuple:
    from salescli.store.runtime import code_stamp

    # another version of the code that checks: nothing kept holds
    return (CACHE_VERSION, code_stamp())


def _load(path: Path, key: str) -> dict:
    try:
        version, saved = load_cache(path)
        if version == _version() and isinstance(saved, dict) \
                and isinstance(saved.get(key), dict):
            return saved
    except (ValueError, TypeError):
        pass
    return {}


def _save(path: Path, memo: dict) -> None:
    save_cache(path, (_version(), memo))
