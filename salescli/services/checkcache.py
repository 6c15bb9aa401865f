"""`check` answers from a cache when no file it reads changed (SPEC §9: < 0.5 s warm).

The cache key is every checked file's path, size, inode and modification and change
times (what git's own index trusts), the record folders themselves (a folder replaced
by a link), every folder under `quotes/` and `templates/` (check refuses links
there, at any depth: replacing an entry changes its folder's times), and the code
that checks (`code_stamp`). A run that saw a file changed in the last two seconds is
not cached (git's "racily clean" problem). The cache lives in `.git/salescli/
check.cache`; this module imports nothing heavy, so a warm `check` never loads the
models or the YAML parser. When the cache does not hold, `staged.check_work_tree`
re-reads only what changed.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path
from typing import Any

from salescli import __version__
from salescli.store.runtime import FRESH_NS

CACHE_VERSION = 2
_FILES = ("salescli.yaml", "products.yaml")
_FOLDERS = ("pipelines", "accounts", "deals", "leads")
# the modules whose rules decide what check says: another version of them, another answer
_CODE = ("services/check.py", "store/loader.py", "core/model.py", "core/record.py",
         "core/rules.py", "store/yamlio.py", "services/staged.py", "core/ids.py",
         "core/custom.py")


def code_stamp() -> tuple:
    """salescli's version and the size and time of the modules that check."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out: list[Any] = [__version__]
    for name in _CODE:
        try:
            st = os.stat(os.path.join(here, name))
            out.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((name,))
    return tuple(out)


def _lstat(root: str, rel: str) -> tuple:
    try:
        st = os.lstat(os.path.join(root, rel))
    except OSError:
        return (rel,)
    return (rel, st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_mode)


def stamp(root: Path) -> list[tuple]:
    """What the checked files and the record folders look like on disk now."""
    from salescli.store.loader import walk_files

    top = os.fspath(root)
    rels = [*_FILES, *_FOLDERS]
    for folder in _FOLDERS:
        rels += walk_files(top, folder)
    # issued invoices: check compares them with their recorded sha256, so an edit to one
    # is a change too
    for dirpath, _dirs, files in os.walk(os.path.join(top, "invoices")):
        rels += sorted(os.path.relpath(os.path.join(dirpath, f), top) for f in files)
    return [_lstat(top, rel) for rel in rels]


def document_folders(root: Path) -> list[str]:
    """Every folder under quotes/ and templates/ (links are listed, never followed)."""
    top = os.fspath(root)
    out: list[str] = []
    from salescli.store.repo import DOCUMENT_DIRS

    stack = list(DOCUMENT_DIRS)
    while stack:
        rel = stack.pop()
        out.append(rel)
        full = os.path.join(top, rel)
        if os.path.islink(full):
            continue
        try:
            stack += [f"{rel}/{e.name}" for e in os.scandir(full)
                      if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    return sorted(out)


def cached_check(root: Path, git_dir: Path | None, use_cache: bool = True) -> list[Any]:
    """`run_check(root)`, or its answer from the last run when nothing changed since."""
    if not use_cache or git_dir is None:
        from salescli.services.check import run_check

        return run_check(root)
    top = os.fspath(root)
    now = stamp(root)
    path = git_dir / "salescli" / "check.cache"
    from salescli.core.diagnostics import Diagnostic

    try:
        saved, docs, rows = marshal.loads(path.read_bytes())
        # the folders the last run saw, as they are now: a new one shows in its parent
        if saved == [CACHE_VERSION, code_stamp(), now] \
                and docs == [_lstat(top, rel) for rel, *_ in docs]:
            return [Diagnostic(*row) for row in rows]
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no cache, or not ours: check from what changed
    from salescli.services.staged import check_work_tree

    docs = [_lstat(top, rel) for rel in document_folders(root)]
    diagnostics = check_work_tree(root, git_dir)  # reads again only what changed
    fresh = time.time_ns() - FRESH_NS
    # Like git's "racily clean" entries: a file written in the last moments may be
    # written again within the same clock tick, same size, and look unchanged; such
    # a run is not cached. A file edited while checking must be checked again too.
    # (the change time too: `cp -p` gives an old mtime to a file written just now)
    settled = all(len(f) == 1 or max(f[3], f[4]) < fresh for f in [*now, *docs])
    if settled and stamp(root) == now:
        rows = [(d.path, d.line, d.column, d.severity, d.code, d.message)
                for d in diagnostics]
        from salescli.store.gitio import atomic_path

        try:
            path.parent.mkdir(exist_ok=True)
            with atomic_path(path, durable=False) as tmp, open(tmp, "wb") as fh:
                fh.write(marshal.dumps(([CACHE_VERSION, code_stamp(), now], docs, rows)))
        except OSError:  # an unwritable cache only costs time next run
            pass
    return diagnostics
