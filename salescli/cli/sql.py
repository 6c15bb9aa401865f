"""`salescli sql`: read-only SQL over the record index, always current."""

from __future__ import annotations

import click

from salescli.cli.common import NO_CACHE
from salescli.cli.common import echo
from salescli.cli.common import format_option
from salescli.cli.common import get_repo
from salescli.cli.common import render
from salescli.cli.common import warn
from salescli.services.sql import run_query
from salescli.services.sql import schema


@click.command("sql")
@click.argument("query", required=False)
@NO_CACHE
@format_option()
@click.pass_context
def sql_cmd(ctx: click.Context, query: str | None, no_cache: bool, fmt: str) -> None:
    """Ask your pipeline anything in SQL (SQLite, read-only); no QUERY prints the schema.

    The tables are those of `export --format sqlite` (accounts, contacts, leads, deals,
    items, quotes, orders, invoices, activities, custom_fields, deal_events;
    docs/export.md) plus `records`: one row per record file with the whole record as
    JSON (`json_extract(json, '$.next_step.action')`).
    They are the files as they are now, uncommitted edits included: every run brings
    the record index up to date first; `deal_events` (every change of a tracked deal
    field, from git history) is read from the history cache when a query names it,
    `custom_fields` from the records then.
    Dates are ISO text, money a number.

    \b
    Examples:
      salescli sql
      salescli sql "SELECT owner, stage, count(*), sum(value) FROM deals
                    WHERE status = 'open' GROUP BY owner, stage"
      salescli sql "SELECT source, avg(status = 'won') AS win_rate FROM deals
                    WHERE status != 'open' GROUP BY source" --format csv
      salescli sql "SELECT substr(date, 1, 7) AS month, sum(total) FROM invoices
                    GROUP BY month ORDER BY month"
    """
    repo = get_repo(ctx)
    if not query or not query.strip():
        echo(schema(repo, warn, use_cache=not no_cache))
        return
    names, rows = run_query(repo, query, warn, use_cache=not no_cache)
    echo(render(rows, names, fmt))
