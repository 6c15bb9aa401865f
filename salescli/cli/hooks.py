"""`merge-driver` (what git calls to merge a record) and `hook install`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from salescli.cli.common import echo, get_repo, warn


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
    from salescli.gitio import atomic_write, merge_file
    from salescli.yamlio import decode

    name = path or ours
    try:
        from salescli.merge import merge_texts

        texts = [decode(Path(p).read_bytes()) for p in (base, ours, theirs)]
        result = merge_texts(*texts, marker_size=marker_size)
    except Exception as err:  # never fail a merge on our account: git's line merge instead
        reason = getattr(err, "message", None) or str(err) or type(err).__name__
        warn(f"salescli merge-driver: {name}: merged line by line ({reason})")
        try:
            conflicts = merge_file(Path.cwd(), ours, base, theirs, marker_size)
        except Exception as failed:
            warn(f"salescli merge-driver: {name}: {failed}")
            sys.exit(1)
        sys.exit(1 if conflicts else 0)
    atomic_write(Path(ours), result.text)
    if result.conflicts:
        warn(f"salescli merge-driver: {name}: both sides changed "
             f"{', '.join(result.conflicts)}; resolve the conflict markers")
        sys.exit(1)

