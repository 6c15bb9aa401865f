"""`merge-driver` (what git calls to merge a record), `hook install` and `hook uninstall`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def _key_order(path: str) -> list[str]:
    """The documented key order of the record kind `path` is a file of (deals/...)."""
    from salescli.core.model import key_order
    from salescli.store.repo import KIND_DIRS

    kind = next((k for part in Path(path).parts[:-2] for k, d in KIND_DIRS.items()
                 if d == part), None)  # (a salescli repository in a subfolder: sub/deals/)
    return list(key_order(kind)) if kind else []


def _version(path: str) -> str:
    """One version's text for the merge, with the byte-order mark decode drops: the
    merged file keeps ours'."""
    from salescli.store.merge import BOM
    from salescli.store.yamlio import decode

    data = Path(path).read_bytes()
    return (BOM if data.startswith(BOM.encode()) else "") + decode(data)


def merge_record(base: str, ours: str, theirs: str, path: str, marker_size: int,
                 warn: Callable[[str], None]) -> bool:
    """Merge BASE, OURS and THEIRS (file paths) field by field into OURS; a version that
    is not a readable record (or has a comment the field merge would drop) is merged line
    by line by `git merge-file` instead. False when conflicts are left (marked in OURS)
    or the merge failed; `warn` says which."""
    from salescli.store.gitio import atomic_write
    from salescli.store.gitio import merge_file

    name = path or ours
    try:
        from salescli.store.merge import merge_texts

        texts = [_version(p) for p in (base, ours, theirs)]
        result = merge_texts(*texts, marker_size=marker_size, order=_key_order(path))
    except Exception as err:  # never fail a merge on our account: git's line merge instead
        reason = getattr(err, "message", None) or str(err) or type(err).__name__
        warn(f"salescli merge-driver: {name}: merged line by line ({reason})")
        try:
            conflicts = merge_file(Path.cwd(), ours, base, theirs, marker_size)
        except Exception as failed:
            warn(f"salescli merge-driver: {name}: {failed}")
            return False
        return not conflicts
    atomic_write(Path(ours), result.text)
    if result.conflicts:
        warn(f"salescli merge-driver: {name}: both sides changed "
             f"{', '.join(result.conflicts)}; resolve the conflict markers")
        return False
    return True


def install(repo: Any, force: bool, commit: bool, say: Callable[[str], None]) -> None:
    """List the merge driver in .gitattributes (committed unless not `commit`), set it in
    this clone's git config and install the hooks that check each commit and merge; `say`
    tells each step's outcome as it is done."""
    from salescli.core.ids import slugify
    from salescli.store.gitio import Change
    from salescli.store.hooks import ATTRIBUTES_FILE
    from salescli.store.hooks import gitattributes_text
    from salescli.store.hooks import install_hooks
    from salescli.store.hooks import refuse_foreign_hook
    from salescli.store.hooks import register_merge_driver

    refuse_foreign_hook(repo.root, force)  # before anything is changed
    path = repo.root / ATTRIBUTES_FILE
    text = gitattributes_text(path.read_text("utf-8") if path.exists() else None)
    if text is not None:
        with Change(repo, "repo", slugify(repo.root.name, fallback="repo"),
                    "register the salescli merge driver", "hook", commit=commit) as change:
            change.write(path, text)
        say(f"merge driver listed in {ATTRIBUTES_FILE}"
            + (" and committed" if commit else " (not committed)"))
    else:
        say(f"merge driver already listed in {ATTRIBUTES_FILE}")
    changed = register_merge_driver(repo.root)
    say("merge driver set in .git/config" if changed else "merge driver already set in git config")
    # the hooks last: the .gitattributes commit above must not depend on them
    for line in install_hooks(repo.root, force):
        say(line)
    from salescli.store.runtime import own_path

    if own_path():  # this salescli runs by its path: git will not find it by name
        say("note: salescli is not on PATH: its own commits find it, but a `git commit` "
            "or `git merge` of yours will stop, saying so; activate its virtualenv, or "
            "put salescli's folder on PATH")


def uninstall(repo: Any, say: Callable[[str], None]) -> None:
    """Undo `install` in this clone: this pipeline leaves the hooks (`uninstall_plan`),
    and the merge driver leaves git's config unless another pipeline of the repository
    uses it. .gitattributes, which is committed and the team's, is left as it is.
    Everything is looked at before anything changes; `say` tells each step."""
    from salescli.store.hooks import ATTRIBUTES_FILE
    from salescli.store.hooks import merge_driver_set
    from salescli.store.hooks import other_pipelines
    from salescli.store.hooks import pipeline_folder
    from salescli.store.hooks import uninstall_plan
    from salescli.store.hooks import unregister_merge_driver

    root = repo.root
    here = pipeline_folder(root)
    plan = uninstall_plan(root, here)
    others = other_pipelines(root, here)
    drop = not others and merge_driver_set(root)
    if drop:  # first: git config may be locked, and then nothing has changed
        unregister_merge_driver(root)
    for line, change in plan:
        if change is not None:
            change()
        say(line)
    if others and merge_driver_set(root):
        say("merge driver kept in this clone's git config: the repository's other "
            f"pipelines use it ({', '.join(p + '/' for p in others)})")
    elif drop:
        still = merge_driver_set(root, "")  # in another config of the user's
        say(f"merge driver removed from this clone's git config (still listed in "
            f"{ATTRIBUTES_FILE}, which is committed" + (
                "; another git config of yours still sets it: `git config --show-origin "
                "--get merge.salescli.driver` says where)" if still
                else ": git merges records line by line here)"))
    else:
        say("merge driver not set in this clone's git config")
