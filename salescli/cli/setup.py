"""`init`, `check` and `schema`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from salescli.cli.common import FOLDER
from salescli.cli.common import Failed
from salescli.cli.common import LazyRepository
from salescli.cli.common import SalescliError
from salescli.cli.common import UsageError
from salescli.cli.common import done
from salescli.cli.common import dumps_json
from salescli.cli.common import echo
from salescli.cli.common import get_repo
from salescli.cli.common import warn
from salescli.services.setup import check
from salescli.services.setup import json_schema
from salescli.services.setup import write_schemas


@click.command("init")
@click.argument("directory", required=False, default=".", type=FOLDER)
@click.option("--preset", default="default", show_default=True, metavar="NAME",
              help="Pipeline preset: default, meeting-led, dynamics, startup, enterprise.")
def init_cmd(directory: str, preset: str) -> None:
    """Create a pipeline repository in DIRECTORY (or adopt a git repository there).

    Writes salescli.yaml, pipelines/PRESET.yaml, products.yaml, the record folders,
    JSON Schemas wired into .vscode/settings.json for editor completion and a
    .gitattributes naming the record merge driver, and commits them; the driver is
    set in this clone's git config. Refuses to run where salescli.yaml already
    exists. `salescli hook install` adds the pre-commit hook.

    \b
    Examples:
      salescli init crm
      salescli init crm --preset enterprise
    """
    from salescli.services.init import init_repository

    root = init_repository(Path(directory), preset, warn)
    echo(f"Initialised salescli repository in {root} (pipeline: {preset})")


@click.command("check")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line per finding; json: a stable list.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only, not warnings.")
@click.option("--history", is_flag=True,
              help="Also check every stage change in git history against the pipeline's rules.")
@click.option("--no-cache", is_flag=True,
              help="Check everything again, without reading or writing the caches.")
@click.option("--staged", is_flag=True,
              help="Check the files as staged for the next commit, not the work tree.")
@click.pass_context
def check_cmd(ctx: click.Context, fmt: str, quiet: bool, history: bool, no_cache: bool,
              staged: bool) -> None:
    """Validate every record, pipeline, price list and setting.

    Prints `path:line:col: error|warning: message [code]` and exits 1 when there is
    any error, 0 otherwise (warnings alone do not fail). Use it in a pre-commit
    hook or CI.

    --history adds a warning for each stage change in git history that broke the
    pipeline's rules: skipped stages, and moves back without a recorded reason
    (hand edits included), naming the commit, the deal and the stages.

    --staged checks what the next commit will hold (git's index) instead of the
    files on disk; the pre-commit hook of `salescli hook install` runs it.

    When no checked file changed since the last run (same size, inode and times),
    the last run's findings are printed again from .git/salescli/check.cache.

    \b
    Examples:
      salescli check
      salescli check --staged
      salescli check --format json | jq '.diagnostics[] | select(.severity=="error")'
      salescli check --history
    """
    diagnostics = check(get_repo(ctx), staged=staged, history=history, quiet=quiet,
                        use_cache=not no_cache)
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    if fmt == "json":
        echo(dumps_json({
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.as_dict() for d in diagnostics],
        }))
    else:
        for d in diagnostics:
            echo(d.format())
        if diagnostics or sys.stdout.isatty():
            click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        raise Failed()


@click.command("schema")
@click.argument("kind", required=False,
                type=click.Choice(["account", "lead", "deal", "products", "settings",
                                   "pipeline"]))
@click.option("--write", is_flag=True,
              help="Write the repository's schemas/*.schema.json again (with its custom "
                   "fields) and commit them.")
@click.pass_context
def schema_cmd(ctx: click.Context, kind: str | None, write: bool) -> None:
    """Print the JSON Schema of a record KIND (what editors use for completion).

    Inside a repository, a record kind's schema carries the custom fields declared in
    its salescli.yaml. After declaring or changing custom fields, --write refreshes
    the schemas/ files `init` wired into the editor.

    \b
    Examples:
      salescli schema deal > deal.schema.json
      salescli schema --write
    """
    if write:
        if kind:
            raise UsageError("--write writes every kind's schema; give no KIND")
        change = write_schemas(LazyRepository(ctx))
        if change is None:
            echo("Schemas already current (nothing to commit)")
        else:
            done(change, "Wrote schemas/*.schema.json")
        return
    if kind is None:
        raise UsageError("give a KIND (account, lead, deal, products, settings, pipeline) "
                         "or --write")
    try:
        repo = get_repo(ctx)
    except SalescliError:  # outside a repository: the schema without custom fields
        repo = None
    echo(json.dumps(json_schema(kind, repo), indent=2))
