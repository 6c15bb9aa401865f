"""`check` answers from a cache when no file it reads changed (SPEC §9: < 0.5 s warm).

The cache key is every checked file's path, size, inode and modification and change
times (what git's own index trusts), the record folders themselves (a folder replaced
by a link), every folder under `quotes/` and `templates/` (check refuses links
there, at any depth: replacing an entry changes its folder's times), and the code
that checks (`runtime.code_stamp`). A run that saw a file changed in the last two seconds is
not cached (git's "racily clean" problem). The cache lives in `.git/salescli/
check.cache`; this module imports nothing heavy, so a warm `check` never loads the
models or the YAML parser. When the cache does not hold, `staged.check_work_tree`
re-reads only what changed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from salescli.store.repo import state_dir
from salescli.store.runtime import FRESH_NS
from salescli.store.runtime import code_stamp
from salescli.store.runtime import load_cache
from salescli.store.runtime import save_cache

CACHE_VERSION = 4
_FILES = ("salescli.yaml", "products.yaml")
_FOLDERS = ("pipelines", "accounts", "deals", "leads")
def _lstat(root: str, rel: str) -> tuple:
    try:
        st = os.lstat(f"{root}/{rel}")  # os.path.join cost more than the lstat here
    except OSError:
        return (rel,)
    return (rel, st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_mode)


class Look:
    """One look at what `check` reads on disk, for both of its caches: the files of
    each folder as walk_files lists them (none in a record folder that is a symbolic
    link: check refuses the folder, whatever it holds), the lstat of each, of the
    configuration files, of the folders themselves (one replaced by a link) and of the
    issued invoices (check compares them with their recorded sha256, so an edit to one
    is a change too). The result cache's key (`stamp`) and the per-file memo
    (`staged.WorkTree`) are both made from it: a check after an edit stats each file
    once, not three times."""

    def __init__(self, root: Path):
        from salescli.store.loader import walk_files
        from salescli.store.repo import KIND_DIRS

        self.root = root
        top = os.fspath(root)
        self.links = {f for f in KIND_DIRS.values() if os.path.islink(os.path.join(top, f))}
        self.files = {f: [] if f in self.links else walk_files(top, f) for f in _FOLDERS}
        rels = [*_FILES, *_FOLDERS, *(r for f in _FOLDERS for r in self.files[f])]
        for dirpath, _dirs, files in os.walk(os.path.join(top, "invoices")):
            rels += sorted(os.path.relpath(os.path.join(dirpath, f), top) for f in files)
        self.stats = {rel: _lstat(top, rel) for rel in rels}
        self._documents: tuple[list[str], list[str]] | None = None

    def stamp(self) -> list[tuple]:
        """What the checked files and the record folders look like on disk now."""
        return list(self.stats.values())

    def documents(self) -> tuple[list[str], list[str]]:
        """`document_tree`, walked once."""
        if self._documents is None:
            self._documents = document_tree(self.root)
        return self._documents

    def set_documents(self, folders: list[str], links: list[str]) -> None:
        """The document tree as known without a walk (no folder of it changed)."""
        self._documents = (folders, links)


def document_tree(root: Path | str) -> tuple[list[str], list[str]]:
    """(every folder under quotes/ and templates/, sorted; every symbolic link among
    them and their files): links are listed, never followed."""
    from salescli.store.repo import DOCUMENT_DIRS

    top = os.fspath(root)
    folders: list[str] = []
    links: list[str] = []
    stack = list(DOCUMENT_DIRS)
    while stack:
        rel = stack.pop()
        folders.append(rel)
        full = os.path.join(top, rel)
        if os.path.islink(full):
            links.append(rel)
            continue
        try:
            entries = list(os.scandir(full))
        except OSError:
            continue
        for e in entries:
            if e.is_symlink():
                links.append(f"{rel}/{e.name}")
            elif e.is_dir(follow_symlinks=False):
                stack.append(f"{rel}/{e.name}")
    return sorted(folders), sorted(links)


def cached_check(root: Path, git_dir: Path | None, use_cache: bool = True) -> list[Any]:
    """`run_check(root)`, or its answer from the last run when nothing changed since."""
    if not use_cache or git_dir is None:
        from salescli.services.check import run_check

        return run_check(root)
    top = os.fspath(root)
    look = Look(root)
    now = look.stamp()
    path = state_dir(root) / "check.cache"
    from salescli.core.diagnostics import Diagnostic

    try:
        saved, docs, links, rows = load_cache(path)
        # the folders the last run saw, as they are now: a new one shows in its parent
        if docs == [_lstat(top, rel) for rel, *_ in docs]:
            if saved == [CACHE_VERSION, code_stamp(), now]:
                return [Diagnostic(*row) for row in rows]
            # no entry came, went or was replaced in any of them: the same tree (a walk
            # of thousands of quote folders saved)
            look.set_documents([rel for rel, *_ in docs], links)
    except (OSError, ValueError, TypeError):
        pass  # no cache, or not ours: check from what changed
    from salescli.services.staged import check_work_tree

    folders, links = look.documents()
    docs = [_lstat(top, rel) for rel in folders]
    diagnostics = check_work_tree(root, git_dir, look=look)  # reads again what changed
    fresh = time.time_ns() - FRESH_NS
    # Like git's "racily clean" entries: a file written in the last moments may be
    # written again within the same clock tick, same size, and look unchanged; such
    # a run is not cached. (the change time too: `cp -p` gives an old mtime to a file
    # written just now.) A file edited while checking needs no second look: its times
    # are then newer than the settled ones in the key, so the next run misses.
    settled = all(len(f) == 1 or max(f[3], f[4]) < fresh for f in [*now, *docs])
    if settled:
        rows = [(d.path, d.line, d.column, d.severity, d.code, d.message)
                for d in diagnostics]
        save_cache(path, ([CACHE_VERSION, code_stamp(), now], docs, links, rows))
    return diagnostics
