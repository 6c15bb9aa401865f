"""`salescli sql`: read-only SQL over the record index, always current."""

from __future__ import annotations

import re
from typing import Any

import click

from salescli.cli.common import NO_CACHE, echo, format_option, get_repo, records_index
from salescli.store.index import KINDS


@click.command("sql")
@click.argument("query", required=False)
@NO_CACHE
@format_option()
@click.pass_context
def sql_cmd(ctx: click.Context, query: str | None, no_cache: bool, fmt: str) -> None:
    """Ask your pipeline anything in SQL (SQLite, read-only); no QUERY prints the schema.

    The tables are those of `export --format sqlite` (accounts, contacts, leads, deals,
    items, activities, deal_events; docs/export.md) plus `records`: one row per record
    file with the whole record as JSON (`json_extract(json, '$.next_step.action')`).
    They are the files as they are now, uncommitted edits included: every run brings
    the record index up to date first; `deal_events` (every change of a tracked deal
    field, from git history) is read from the history cache when a query names it.
    Dates are ISO text, money a number.

    \b
    Examples:
      salescli sql
      salescli sql "SELECT owner, stage, count(*), sum(value) FROM deals
                    WHERE status = 'open' GROUP BY owner, stage"
      salescli sql "SELECT source, avg(status = 'won') AS win_rate FROM deals
                    WHERE status != 'open' GROUP BY source" --format csv
    """
    import sqlite3

    from salescli.core.errors import UsageError

    repo = get_repo(ctx)
    with records_index(repo, KINDS, no_cache) as index:
        if not query or not query.strip():
            echo(schema_text(index))
            return
        events = re.search(r"\bdeal_events\b", query, re.I) is not None

        def guard(con: sqlite3.Connection) -> None:
            if events:  # (again, on a connection made after damage was found)
                _add_events(repo, index)
            index.con.execute("PRAGMA query_only = ON")  # the connection in use now
            index.con.set_authorizer(_read_only)
            # SQLite runs without the interpreter: this lets Ctrl-C stop a long query
            index.con.set_progress_handler(lambda: 0, 100_000)

        try:
            names, found = index.fetch(query, guard=guard)
        except (sqlite3.Error, sqlite3.Warning) as err:
            raise UsageError(f"sql: {_reason(err)}") from None
        names = _unique(names)
    rows = [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in found]
    from salescli.core.output import render

    echo(render(rows, names, fmt))


# what a query may do: read tables and call functions, nothing that changes a file
_ALLOWED = frozenset(("SQLITE_SELECT", "SQLITE_READ", "SQLITE_FUNCTION", "SQLITE_RECURSIVE"))


def _read_only(action: int, *_: Any) -> int:
    import sqlite3

    name = next((n for n in _ALLOWED if getattr(sqlite3, n, None) == action), None)
    return sqlite3.SQLITE_OK if name else sqlite3.SQLITE_DENY


def _reason(err: Exception) -> str:
    text = str(err)
    if text == "not authorized":
        return "not allowed: queries are read-only (SELECT and WITH only)"
    if "one statement at a time" in text:
        return "one statement at a time"
    return text


def _unique(names: list[str]) -> list[str]:
    """Column names made unique (`SELECT a.id, d.id`): the second is `id_2`."""
    out: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate in out:
            n += 1
            candidate = f"{name}_{n}"
        out.append(candidate)
    return out


def _add_events(repo: Any, index: Any) -> None:
    """A temporary `deal_events` table: the history of the deals that exist now."""
    from salescli.cli.common import warn
    from salescli.core.reports import price
    from salescli.core.tables import TABLE, create_sql, insert_sql
    from salescli.store import export
    from salescli.store.config import config_of
    from salescli.store.history import load_history

    config = config_of(repo, warn)
    history = load_history(repo.root, repo.git_dir, kinds=("deal",))
    ids = {r["id"] for r in index.query("SELECT id FROM deals")}
    table = TABLE["deal_events"]
    con = index.con
    con.execute(create_sql(table).replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    con.executemany(insert_sql(table), export.sql_values(
        table, export.event_rows(history.timelines, lambda v: price(v, config), ids)))


def _plain(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def schema_text(index: Any) -> str:
    """The CREATE statements of the tables a query can use, deal_events (made when a
    query names it) included."""
    from salescli.core.tables import TABLE, create_sql

    rows = index.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name != 'meta' "
                       "AND sql IS NOT NULL ORDER BY rowid")
    events = "-- from git history, when a query names it\n" + create_sql(TABLE["deal_events"])
    return ";\n\n".join([*(r["sql"] for r in rows), events]) + ";"
