"""`check` answers from a cache when no file it reads changed (SPEC §9: < 0.5 s warm).

The cache key is every checked file's path, size, inode and modification and change
times (what git's own index trusts), plus salescli's version; a run that saw a file
modified in the last two seconds is not cached (git's "racily clean" problem). The cache lives in
`.git/salescli/check.cache`; this module imports nothing heavy, so a warm `check`
never loads the models or the YAML parser.
"""

from __future__ import annotations

import marshal
import os
import time
from pathlib import Path
from typing import Any

from salescli import __version__

CACHE_VERSION = 1
FRESH_NS = 2_000_000_000  # files modified this recently are not trusted to a cache
_FILES = ("salescli.yaml", "products.yaml")
_FOLDERS = ("pipelines", "accounts", "deals", "leads")
# check looks for symbolic links here: a folder's own times change when an entry in it
# is added, removed or replaced by a link (`quotes/DEAL`), so the folders themselves
# will do, and cost two lstat calls
_DOCUMENT_FOLDERS = ("quotes", "templates")


def stamp(root: Path) -> list[tuple]:
    """What the checked files look like on disk now."""
    from salescli.loader import walk_files

    out: list[tuple] = []
    rels = [*_FILES]
    for folder in _FOLDERS:
        rels += walk_files(root, folder)
    rels += _DOCUMENT_FOLDERS
    for rel in rels:
        try:
            st = os.lstat(os.path.join(root, rel))
        except OSError:
            out.append((rel,))
            continue
        out.append((rel, st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
    return out


def cached_check(root: Path, git_dir: Path | None, use_cache: bool = True) -> list[Any]:
    """`run_check(root)`, or its answer from the last run when nothing changed since."""
    if not use_cache or git_dir is None:
        from salescli.check import run_check

        return run_check(root)
    key = (CACHE_VERSION, __version__, stamp(root))
    path = git_dir / "salescli" / "check.cache"
    from salescli.diagnostics import Diagnostic

    try:
        saved, rows = marshal.loads(path.read_bytes())
        if saved == key:
            return [Diagnostic(*row) for row in rows]
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no cache, or not ours: check from scratch
    from salescli.staged import check_work_tree

    diagnostics = check_work_tree(root, git_dir)  # reads again only what changed
    fresh = time.time_ns() - FRESH_NS
    # Like git's "racily clean" entries: a file written in the last moments may be
    # written again within the same clock tick, same size, and look unchanged; such
    # a run is not cached. A file edited while checking must be checked again too.
    if stamp(root) == key[2] and not any(len(f) > 1 and f[3] > fresh for f in key[2]):
        rows = [(d.path, d.line, d.column, d.severity, d.code, d.message)
                for d in diagnostics]
        from salescli.gitio import atomic_path

        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                fh.write(marshal.dumps((key, rows)))
        except OSError:  # an unwritable cache only costs time next run
            pass
    return diagnostics
