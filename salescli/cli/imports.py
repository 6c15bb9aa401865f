"""`salescli import pipedrive|csv`: other tools' exports as backdated history (SPEC §10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from salescli.cli.common import DATE
from salescli.cli.common import PIPELINE
from salescli.cli.common import Group
from salescli.cli.common import echo
from salescli.cli.common import get_repo
from salescli.cli.common import terminal_safe
from salescli.cli.common import warn
from salescli.services import importer
from salescli.services import pipedrive

CSV_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("import", cls=Group)
def import_group() -> None:
    """Import a Pipedrive export or any CSV, with its history as backdated commits.

    All or nothing: every row is checked first; any error is printed with its file
    and row, and nothing is written or committed.

    \b
    Examples:
      salescli import pipedrive --deals deals.csv --organizations organizations.csv
      salescli import csv accounts.csv --kind account --map "Company=name,VAT=business_id"
    """


DATE_FORMAT = click.option(
    "--date-format", metavar="FORMAT",
    help="How the export writes dates that are not YYYY-MM-DD, e.g. %d/%m/%Y.")
DRY_RUN = click.option("--dry-run", is_flag=True,
                       help="Check every row and print what would be imported; write nothing.")
DECIMAL_COMMA = click.option(
    "--decimal-comma/--decimal-point", "decimal_comma", default=None,
    help="How the file writes amounts (default: as its amounts show).")


ENCODING = click.option(
    "--encoding", default="utf-8", show_default=True, metavar="NAME",
    help=f"The files' text encoding: Excel on Windows saves CSV as {importer.EXCEL} "
    "(a file that starts with a UTF-16 byte order mark, as Excel's Unicode Text, is read "
    "as UTF-16).")
DEFAULT_CLOSE_DATE = click.option(
    "--default-close-date", metavar="DATE", type=DATE,
    help="Expected close date for open deals that have none (YYYY-MM-DD).")


def stage_map_option(source: str) -> Callable[[Callable], Callable]:
    return click.option("--stage-map", metavar="OLD=new,...",
                        help=f"{source} stage names to stage IDs.")


def _run(ctx: click.Context, what: str, dry_run: bool, make_plan: Callable[[Any], Any]) -> None:
    """Plan under the repository lock, then write every commit at once (or none)."""
    what = terminal_safe(what, cell=True)  # a file name is data: it stays on its line
    try:
        plan, sha = importer.run_import(get_repo(ctx), dry_run, make_plan)
    except importer.ImportFailed as failed:
        for line in failed.errors:
            warn(line)
        raise
    c = plan.counts
    parts = [f"{c.get('deals', 0)} deal(s) ({c.get('open', 0)} open, {c.get('won', 0)} won, "
             f"{c.get('lost', 0)} lost)"] if "deals" in c else []
    parts += [f"{c[k]} {k if c[k] != 1 else one}" for k, one in (
        ("accounts", "account"), ("contacts", "contact"), ("leads", "lead"),
        ("activities", "activity")) if c.get(k)]
    if c.get("updated"):
        parts.append(f"{c['updated']} deal(s) updated")
    if c.get("activities updated"):
        parts.append(f"{c['activities updated']} activities updated")
    if c.get("in_step"):  # changed in both tools alike: only the tool's row is recorded
        parts.append(f"{c['in_step']} deal(s) already in step")
    summary = ", ".join(parts) or "nothing"
    for note in plan.notes:
        warn(f"note: {note}")
    added = "would add" if dry_run else "added"
    for what_, names in (("owners", plan.added_owners), ("sources", plan.added_sources)):
        if names:
            warn(f"note: {added} {what_} to salescli.yaml: {', '.join(names)}")
    if not plan.commits and plan.rows == 0:
        echo(f"Nothing to import from {what}: no rows, only a header"
             + (" (dry run)" if dry_run else ""))
    elif not plan.commits:
        # an account's or contact's details are read once: one changed since is not news
        echo(f"Nothing to import from {what}: every record is already in the repository, "
             "and no deal, activity or note changed since (no commit)"
             + (" (dry run)" if dry_run else ""))
    elif dry_run:
        echo(f"Would import from {what}: {summary} in {len(plan.commits)} commit(s) "
             "(dry run: nothing written)")
    else:
        echo(f"Imported from {what}: {summary} in {len(plan.commits)} commit(s)"
             + (f" [{sha[:7]}]" if sha else ""))


@import_group.command("pipedrive")
@click.option("--deals", "deals", type=CSV_FILE, required=True, metavar="FILE",
              help="Pipedrive's deals export (CSV).")
@click.option("--organizations", type=CSV_FILE, metavar="FILE",
              help="Pipedrive's organizations export: add times, websites, owners.")
@click.option("--persons", type=CSV_FILE, metavar="FILE",
              help="Pipedrive's people export: contacts with e-mails, phones and job title.")
@click.option("--activities", type=CSV_FILE, metavar="FILE",
              help="Pipedrive's activities export: calls, meetings, tasks of the records.")
@click.option("--notes", type=CSV_FILE, metavar="FILE",
              help="Pipedrive's notes export: notes of deals, organizations and people.")
@stage_map_option("Pipedrive")
@click.option("--pipeline-map", metavar="OLD=new,...",
              help="Pipedrive pipeline names to pipeline IDs (default: by the same name).")
@click.option("--pipeline", metavar="NAME", type=PIPELINE,
              help="Pipeline of deals whose row names none (default: settings').")
@DEFAULT_CLOSE_DATE
@DECIMAL_COMMA
@click.option("--currency", metavar="CODE",
              help="Currency of amounts without one, and of `kr` or `$` (e.g. SEK, CAD).")
@click.option("--person-accounts", is_flag=True,
              help="Make an account named after the person of a deal without organization.")
@DATE_FORMAT
@ENCODING
@DRY_RUN
@click.pass_context
def import_pipedrive(ctx: click.Context, deals: Path, organizations: Path | None,
                     persons: Path | None, activities: Path | None, notes: Path | None,
                     stage_map: str | None, pipeline_map: str | None, pipeline: str | None,
                     default_close_date: Any, decimal_comma: bool | None,
                     currency: str | None, person_accounts: bool, date_format: str | None,
                     encoding: str, dry_run: bool) -> None:
    """Import Pipedrive's CSV export: accounts, contacts and deals with their history.

    Each deal is added at its "Deal created" time in its current stage, and won or
    lost at its "Won time" / "Lost time", as backdated commits: every report works
    on the imported history. Organizations become accounts and persons their
    contacts. Stages match this pipeline's stage IDs or names, else --stage-map.
    Lost reasons match the settings' lost_reasons, else `other` with the text kept
    in lost_note. Owners and sources the settings do not list are added to them.

    \b
    Examples:
      salescli import pipedrive --deals deals.csv --organizations organizations.csv \\
          --persons people.csv
      salescli import pipedrive --deals deals.csv \\
          --stage-map "Qualified=needs-analysis,Proposal Made=proposal" --dry-run
    """
    files = pipedrive.PipedriveFiles(deals, organizations, persons, activities, notes)
    options = pipedrive.PipedriveOptions(stage_map, pipeline_map, pipeline, date_format,
                                        default_close_date, decimal_comma, currency,
                                        person_accounts, encoding)
    _run(ctx, "Pipedrive", dry_run, lambda repo: pipedrive.plan_pipedrive(repo, files, options))


@import_group.command("csv")
@click.argument("file", type=CSV_FILE)
@click.option("--kind", type=click.Choice(["account", "lead", "deal"]), required=True,
              help="What each row is.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=field,...",
              help="Columns to record fields (contact.email for a lead's or an account's "
              "contact); columns named like a field map themselves.")
@click.option("--date-column", metavar="COLUMN",
              help="The column with each record's creation time (default: `created`, "
              "else now).")
@click.option("--pipeline", metavar="NAME", type=PIPELINE,
              help="Pipeline for deals (default: settings').")
@stage_map_option("The file's")
@DEFAULT_CLOSE_DATE
@DECIMAL_COMMA
@DATE_FORMAT
@click.option("--force", is_flag=True,
              help="Import records that look like existing ones or an earlier row: an "
              "account or lead of the same name, business ID, domain, e-mail or phone; a "
              "deal of the same account and title, both open or created the same day.")
@ENCODING
@DRY_RUN
@click.pass_context
def import_csv(ctx: click.Context, file: Path, kind: str, maps: tuple[str, ...],
               date_column: str | None, pipeline: str | None, stage_map: str | None,
               default_close_date: Any, decimal_comma: bool | None, date_format: str | None,
               force: bool, encoding: str, dry_run: bool) -> None:
    """Import any CSV as accounts, leads or deals: one commit per record at its time.

    Each record is added in its own commit dated at its creation time (--date-column
    or a `created` column; now if neither). Deals name their account by ID or name
    (a new name becomes an account), enter their `stage` (default: the first), and a
    won or lost deal gets a second commit at its won_date / lost_date. Every row must
    have as many cells as the header.

    \b
    Examples:
      salescli import csv companies.csv --kind account \\
          --map "Company=name,VAT number=business_id,Web=domain,Email=contact.email"
      salescli import csv leads.csv --kind lead --map "Name=company" --date-column Added
      salescli import csv deals.csv --kind deal --map "Customer=account,Amount=value"
      salescli import csv excel.csv --kind account --encoding cp1252
    """
    _run(ctx, file.name, dry_run, lambda repo: importer.plan_csv(
        repo, kind, file, maps, date_column, date_format, pipeline, stage_map,
        decimal_comma, default_close_date, force, encoding))
