"""`salescli review REV_RANGE`: what a branch or pull request does to the pipeline."""

from __future__ import annotations

import click

from salescli.cli.common import dumps_json
from salescli.cli.common import echo
from salescli.cli.common import get_repo
from salescli.cli.common import warn
from salescli.services.review import markdown
from salescli.services.review import review


@click.command("review")
@click.argument("rev_range", metavar="REV_RANGE")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="markdown for a pull-request comment; json for scripts.")
@click.option("--no-cache", is_flag=True, help="Read history without the cache.")
@click.pass_context
def review_cmd(ctx: click.Context, rev_range: str, fmt: str, no_cache: bool) -> None:
    """What the commits of REV_RANGE do to the pipeline.

    Deals added, advanced, moved back, won, lost, value changes and slipped close
    dates made by the range's commits, each deal with its why: a lost deal's lost
    reason and note (cut when long), a move back's stages and the `Reason:` of its
    commit (what `deal move --reason` records), a value's old -> new; deals reopened,
    close dates pulled in, owner, probability, forecast, currency or pipeline
    changed, renamed or removed; the open pipeline's value and weighted value before
    and after; stage changes that broke the pipeline's rules. In JSON each event has
    `reason` (the lost reason, or the move back's `Reason:`) and `note` (the lost
    note), null where none. REV_RANGE is `BASE..HEAD` or `BASE...HEAD` (the same:
    before is their merge base, as a pull request shows) or one revision (that
    revision..HEAD).

    \b
    Examples:
      salescli review main..feature
      salescli review origin/main...HEAD --format json
      salescli review main...HEAD > comment.md && gh pr comment --body-file comment.md
    """
    payload = review(get_repo(ctx), rev_range, warn, use_cache=not no_cache)
    echo(dumps_json(payload) if fmt == "json" else markdown(payload))
