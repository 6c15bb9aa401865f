"""`salescli export`: the records and the deal history as tables (SPEC §10)."""

from __future__ import annotations

from pathlib import Path

import click

from salescli.cli.common import UsageError
from salescli.cli.common import echo
from salescli.cli.common import get_repo
from salescli.cli.common import out_path
from salescli.cli.common import warn
from salescli.services.export import clashing_tables
from salescli.services.export import export


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(("csv", "jsonl", "sqlite")), required=True,
              help="csv and jsonl write a folder with one file per table; sqlite one database.")
@click.option("--out", "out", metavar="PATH", required=True,
              help="The folder (csv, jsonl) or database file (sqlite) to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing database or table files.")
@click.option("--raw", is_flag=True,
              help="CSV for a database or warehouse load: every value exactly as stored, "
              "no leading ' (JSON Lines and SQLite are always exact).")
@click.option("--no-cache", is_flag=True,
              help="Read every record file and the deal history from git, without the "
              "record index or the history cache.")
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, out: str, force: bool, raw: bool,
               no_cache: bool) -> None:
    """Export accounts, contacts, leads, deals, items, quotes, orders, invoices,
    activities, custom_fields and deal_events.

    Ready for DuckDB, a warehouse or a spreadsheet. Records are read as the files are
    now; `deal_events` is every change of a deal's tracked fields from git history,
    with its commit and author date. The tables and columns are documented in
    docs/export.md.

    CSV is spreadsheet-safe by default: a cell starting with =, +, -, @ or an
    invisible character (tab, carriage return, NUL...) gets a leading ' so a
    spreadsheet shows it as text instead of running it (a phone number becomes
    '+358...), and a cell with a comma, semicolon or tab is quoted. --raw writes
    every value exactly as stored, for DuckDB or a warehouse load; do not open a
    raw export in a spreadsheet.

    \b
    Examples:
      salescli export --format sqlite --out pipeline.sqlite
      salescli export --format csv --out export/
      salescli export --format jsonl --out export/ --force
      salescli export --format csv --raw --out load/
      duckdb -c "select stage, sum(value) from 'load/deals.csv' group by stage"
    """
    target = _check_target(out, fmt, force)
    counts = export(get_repo(ctx), fmt, target, warn, raw=raw, use_cache=not no_cache)
    listed = ", ".join(f"{name} {count}" for name, count in counts.items())
    shown = "csv, raw" if fmt == "csv" and raw else fmt
    echo(f"Exported to {target} ({shown}): {listed}")


def _check_target(out: str, fmt: str, force: bool) -> Path:
    """Refuse to overwrite what exists, unless --force; never write into a file's place."""
    if not out:
        out_path(out, force, stdout=False)  # refused as every --out refuses it
    if out == "-":
        raise UsageError("--out -: export writes files (a folder of tables, or a database "
                         "file); give a path")
    target = Path(out)
    if fmt == "sqlite":
        if target.is_dir():
            raise UsageError(f"--out {target}: is a folder; give a database file name")
        return out_path(out, force)
    if target.exists() and not target.is_dir():
        raise UsageError(f"--out {target}: is a file; {fmt} writes a folder of tables")
    out_path(out, force, folder=True)
    if force or not target.exists():
        return target
    clashes = clashing_tables(target, fmt)
    if clashes:
        raise UsageError(f"--out {target}: already has {clashes[0]}.{fmt}; "
                         "use --force to overwrite the table files")
    return target
