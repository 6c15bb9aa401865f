"""`sql`: read-only SQL over the record index, always current."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from salescli.core.errors import UsageError
from salescli.services.read import Warn
from salescli.services.read import records_index


def schema(repo: Any, warn: Warn, use_cache: bool = True) -> str:
    """The CREATE statements of the tables a query can use."""
    from salescli.store.index import KINDS

    with records_index(repo, KINDS, warn, use_cache) as index:
        return schema_text(index)


def run_query(repo: Any, query: str, warn: Warn,
              use_cache: bool = True) -> tuple[list[str], list[dict[str, Any]]]:
    """The column names (made unique) and rows of a read-only query; a query that would
    change anything, or that SQLite refuses, is a usage error."""
    import sqlite3

    from salescli.store.index import KINDS

    with records_index(repo, KINDS, warn, use_cache) as index:
        events = re.search(r"\bdeal_events\b", query, re.I) is not None
        custom = re.search(r"\bcustom_fields\b", query, re.I) is not None

        def guard(con: sqlite3.Connection) -> None:
            # (again, on a connection made after damage was found)
            if events:
                _add_events(repo, index, warn)
            if custom:
                _add_custom_fields(repo, index)
            index.con.execute("PRAGMA query_only = ON")  # the connection in use now
            # a schema pragma's table declares itself on first use (an update of
            # sqlite_master the authorizer would refuse): declared before it watches
            for name in _SCHEMA_PRAGMAS.intersection(
                    m.lower() for m in re.findall(r"\bpragma_(\w+)", query, re.I)):
                index.con.execute(f"SELECT * FROM pragma_{name}('records') LIMIT 0")
            # so do json_each and json_tree (a record's lists: its stakeholders, items...)
            for name in {m.lower() for m in re.findall(r"\bjson_(each|tree)\b", query, re.I)}:
                index.con.execute(f"SELECT * FROM json_{name}('[]') LIMIT 0")
            index.con.set_authorizer(_read_only())
            # SQLite runs without the interpreter: this lets Ctrl-C stop a long query
            index.con.set_progress_handler(lambda: 0, 100_000)

        try:
            names, found = index.fetch(query, guard=guard)
        except (sqlite3.Error, sqlite3.Warning) as err:
            if str(err) == "interrupted":  # Ctrl-C, which SQLite says so: as any command's
                raise KeyboardInterrupt from None
            raise UsageError(f"sql: {_reason(err)}") from None
        names = _unique(names)
    return names, [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in found]


# what a query may do: read tables and call functions, nothing that changes a file
_ALLOWED = frozenset(("SQLITE_SELECT", "SQLITE_READ", "SQLITE_FUNCTION", "SQLITE_RECURSIVE"))


# the pragmas that only describe the schema, for `pragma_table_info('deals')` and the like
_SCHEMA_PRAGMAS = frozenset(("table_info", "table_xinfo", "table_list", "index_list",
                             "index_info", "index_xinfo", "foreign_key_list"))


def _read_only() -> Callable[..., int]:
    """The authorizer of a query: reading tables and calling functions, and a schema
    pragma only as a table function inside the SELECT (`pragma_table_info('deals')`);
    a PRAGMA statement is refused, whatever it asks."""
    import sqlite3

    allowed = {getattr(sqlite3, n) for n in _ALLOWED if hasattr(sqlite3, n)}
    selecting = False  # SQLite authorizes a SELECT before the tables it reads

    def authorize(action: int, arg1: str | None = None, *_: Any) -> int:
        nonlocal selecting
        if action == sqlite3.SQLITE_PRAGMA:
            ok = selecting and (arg1 or "").lower() in _SCHEMA_PRAGMAS
        else:
            ok = action in allowed
            selecting = selecting or (ok and action == sqlite3.SQLITE_SELECT)
        return sqlite3.SQLITE_OK if ok else sqlite3.SQLITE_DENY

    return authorize


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


def _add_events(repo: Any, index: Any, warn: Warn) -> None:
    """A temporary `deal_events` table: the history of the deals that exist now (a file
    `check` rejects included)."""
    from salescli.core.reports import price
    from salescli.core.tables import TABLE
    from salescli.core.tables import create_sql
    from salescli.core.tables import insert_sql
    from salescli.services.export import deal_files
    from salescli.store import export
    from salescli.store.config import config_of
    from salescli.store.history import load_history

    config = config_of(repo, warn)
    history = load_history(repo.root, kinds=("deal",))
    ids = deal_files(index)
    table = TABLE["deal_events"]
    con = index.con
    con.execute(create_sql(table).replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    con.executemany(insert_sql(table), export.sql_values(
        table, export.event_rows(history.timelines, lambda v: price(v, config), ids)))


def _add_custom_fields(repo: Any, index: Any) -> None:
    """A temporary `custom_fields` table: the values of the settings' custom fields the
    records hold (export's table; it depends on the declarations, so it is not kept)."""
    from salescli.core.tables import TABLE
    from salescli.core.tables import create_sql
    from salescli.core.tables import insert_sql
    from salescli.services.export import custom_rows
    from salescli.store import export

    table = TABLE["custom_fields"]
    index.con.execute(create_sql(table).replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    index.con.executemany(insert_sql(table), export.sql_values(table, custom_rows(repo, index)))


def _plain(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def schema_text(index: Any) -> str:
    """The CREATE statements of the tables a query can use, custom_fields and
    deal_events (made when a query names them) included."""
    from salescli.core.tables import TABLE
    from salescli.core.tables import create_sql

    rows = index.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name != 'meta' "
                       "AND sql IS NOT NULL ORDER BY rowid")
    custom = ("-- from the records and the settings' custom_fields, when a query names it\n"
              + create_sql(TABLE["custom_fields"]))
    events = "-- from git history, when a query names it\n" + create_sql(TABLE["deal_events"])
    return ";\n\n".join([*(r["sql"] for r in rows), custom, events]) + ";"
