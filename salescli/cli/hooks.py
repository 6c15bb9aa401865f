"""`merge-driver` (what git calls to merge a record), `hook install` and `hook uninstall`."""

from __future__ import annotations

import click

from salescli.cli.common import Failed
from salescli.cli.common import Group
from salescli.cli.common import echo
from salescli.cli.common import get_repo
from salescli.cli.common import warn
from salescli.services.hooks import install
from salescli.services.hooks import merge_record
from salescli.services.hooks import uninstall


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
    if not merge_record(base, ours, theirs, path, marker_size, warn):
        raise Failed()


@click.group("hook", cls=Group)
def hook() -> None:
    """Git hooks and the merge driver for this repository.

    \b
    Examples:
      salescli hook install
      salescli hook uninstall
    """


@hook.command("install")
@click.option("--force", is_flag=True,
              help="Replace a pre-commit or pre-merge-commit hook that is not salescli's "
              "(it is kept beside it).")
@click.option("--no-commit", is_flag=True, help="Write .gitattributes but do not commit it.")
@click.pass_context
def hook_install(ctx: click.Context, force: bool, no_commit: bool) -> None:
    """Install the commit hooks and the record merge driver in this repository.

    The hooks run `salescli check --staged --quiet` before every commit and every
    merge commit: one whose records have errors is stopped (skip once with
    `git commit --no-verify` or `git merge --no-verify`).
    The merge driver (`salescli merge-driver`) is listed in .gitattributes, which is
    committed, and set in this clone's git config; every clone runs this command
    once (`salescli init` already did it for the clone it created). Both call
    `salescli` from PATH. Running it again is harmless. In a repository holding several
    pipelines, each one's install adds it to the one hook; a commit checks those it
    stages something in.

    \b
    Examples:
      salescli hook install
      salescli hook install --force     # replace another pre-commit hook
    """
    install(get_repo(ctx), force, commit=not no_commit, say=echo)


@hook.command("uninstall")
@click.pass_context
def hook_uninstall(ctx: click.Context) -> None:
    """Remove the commit hooks and the record merge driver from this clone.

    Undoes `salescli hook install` here: the pre-commit and pre-merge-commit hooks
    no longer check this pipeline's records (removed when they check no other
    pipeline of the repository; a hook that `install --force` replaced is put
    back), and the merge driver leaves this clone's git config unless another
    pipeline of the repository uses it; git then merges records line by line.
    A hook salescli did not write as it is (another tool's, one you added lines
    to, a symbolic link) is left alone and named, and so is .gitattributes: it is
    committed, and your teammates' clones still use it. Everything is looked at
    before anything changes. Running it again is harmless; `salescli hook install`
    sets it all up again.

    \b
    Example:
      salescli hook uninstall
    """
    uninstall(get_repo(ctx), say=echo)
