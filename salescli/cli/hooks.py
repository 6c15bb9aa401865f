"""`merge-driver` (what git calls to merge a record) and `hook install`."""

from __future__ import annotations

from pathlib import Path

import click

from salescli.cli.common import echo, get_repo, warn
from salescli.core.errors import Failed


@click.command("merge-driver")
@click.argument("base", type=click.Path(dir_okay=False))
@click.argument("ours", type=click.Path(dir_okay=False))
@click.argument("theirs", type=click.Path(dir_okay=False))
@click.argument("path", required=False, default="")
@click.option("--marker-size", type=click.IntRange(1, 64), default=7, show_default=True,
              help="Length of the conflict markers (git's %L).")
def merge_driver_cmd(base: str, ours: str, theirs: str, path: str, marker_size: int) -> None:
    """Merge two edits of one record field by field (git calls this during a merge).

    BASE, OURS and THEIRS are the common ancestor's, our and their version; the
    result is written to OURS. Fields changed on one side take that side's value,
    nested fields merge one by one, activities added on both sides are all kept,
    and only a field both sides changed differently becomes a conflict, marked with
    the standard <<<<<<< ours / ======= / >>>>>>> theirs lines around it (exit 1;
    `salescli check` reports them). A version that is not a readable record is
    merged line by line by `git merge-file` instead, so nothing is lost.

    `salescli init` and `salescli hook install` register it in .gitattributes and
    the repository's git config; salescli must be on PATH when git runs.

    \b
    Example (what git runs; PATH is the record's path, for messages):
      salescli merge-driver .merge_file_O .merge_file_A .merge_file_B deals/2026-10/acme-erp.yaml
    """
    from salescli.store.gitio import atomic_write, merge_file
    from salescli.store.yamlio import decode

    name = path or ours
    try:
        from salescli.store.merge import merge_texts

        texts = [decode(Path(p).read_bytes()) for p in (base, ours, theirs)]
        result = merge_texts(*texts, marker_size=marker_size)
    except Exception as err:  # never fail a merge on our account: git's line merge instead
        reason = getattr(err, "message", None) or str(err) or type(err).__name__
        warn(f"salescli merge-driver: {name}: merged line by line ({reason})")
        try:
            conflicts = merge_file(Path.cwd(), ours, base, theirs, marker_size)
        except Exception as failed:
            warn(f"salescli merge-driver: {name}: {failed}")
            raise Failed() from None
        if conflicts:
            raise Failed() from None
        return
    atomic_write(Path(ours), result.text)
    if result.conflicts:
        warn(f"salescli merge-driver: {name}: both sides changed "
             f"{', '.join(result.conflicts)}; resolve the conflict markers")
        raise Failed()


@click.group("hook")
def hook() -> None:
    """Git hooks and the merge driver for this repository.

    \b
    Example:
      salescli hook install
    """


@hook.command("install")
@click.option("--force", is_flag=True,
              help="Replace a pre-commit hook that is not salescli's (it is kept beside it).")
@click.option("--no-commit", is_flag=True, help="Write .gitattributes but do not commit it.")
@click.pass_context
def hook_install(ctx: click.Context, force: bool, no_commit: bool) -> None:
    """Install the pre-commit hook and the record merge driver in this repository.

    The hook runs `salescli check --staged --quiet` before every commit: a commit
    whose records have errors is stopped (skip once with `git commit --no-verify`).
    The merge driver (`salescli merge-driver`) is listed in .gitattributes, which is
    committed, and set in this clone's git config; every clone runs this command
    once (`salescli init` already did it for the clone it created). Both call
    `salescli` from PATH. Running it again is harmless.

    \b
    Examples:
      salescli hook install
      salescli hook install --force     # replace another pre-commit hook
    """
    from salescli.core.ids import slugify
    from salescli.store.gitio import Change
    from salescli.store.hooks import (
        ATTRIBUTES_FILE,
        gitattributes_text,
        install_pre_commit,
        refuse_foreign_hook,
        register_merge_driver,
    )

    repo = get_repo(ctx)
    refuse_foreign_hook(repo.root, force)  # before anything is changed
    path = repo.root / ATTRIBUTES_FILE
    text = gitattributes_text(path.read_text("utf-8") if path.exists() else None)
    if text is not None:
        with Change(repo, "repo", slugify(repo.root.name) or "repo",
                    "register the salescli merge driver", "hook", commit=not no_commit) as change:
            change.write(path, text)
        echo(f"merge driver listed in {ATTRIBUTES_FILE}"
             + (" (not committed)" if no_commit else " and committed"))
    else:
        echo(f"merge driver already listed in {ATTRIBUTES_FILE}")
    changed = register_merge_driver(repo.root)
    echo("merge driver set in .git/config" if changed else "merge driver already set in git config")
    # the hook last: the .gitattributes commit above must not depend on it
    echo(install_pre_commit(repo.root, force))
