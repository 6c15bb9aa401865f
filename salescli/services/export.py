"""`export`: the records and the deal history as tables (SPEC §10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salescli.core.ids import KINDS
from salescli.services.read import Warn
from salescli.services.read import records_index


def clashing_tables(target: Path, fmt: str) -> list[str]:
    """The table files of a csv or jsonl export that `target` (a folder) already has."""
    from salescli.store import export

    return [t.name for t in export.TABLES if (target / f"{t.name}.{fmt}").exists()]


def export(repo: Any, fmt: str, target: Path, warn: Warn, raw: bool = False,
           use_cache: bool = True) -> dict[str, int]:
    """Write every table to `target` (a folder of csv or jsonl files, or one SQLite
    database); returns each table's row count, in the order written."""
    from salescli.core.reports import price
    from salescli.services.reports import history_for
    from salescli.store import export
    from salescli.store.config import config_of

    config = config_of(repo, warn)
    with records_index(repo, KINDS, warn, use_cache) as index:
        tables = export.index_rows(index.query)
        tables["custom_fields"] = custom_rows(repo, index)
        ids = deal_files(index)
    history, _ = history_for(repo, None, use_cache, warn)
    tables["deal_events"] = list(export.event_rows(
        history.timelines, lambda v: price(v, config), ids))
    if fmt == "csv":
        export.write_csv(target, tables, raw=raw)
    else:
        export.WRITERS[fmt](target, tables)
    return {name: len(rows) for name, rows in tables.items()}


def deal_files(index: Any) -> set[str]:
    """The IDs of the deal files there are now, valid or not: a deal whose file `check`
    rejects keeps its history, as reports keep its last valid version."""
    return {r["id"] for r in index.query("SELECT id FROM records WHERE kind = 'deal'")}


def custom_rows(repo: Any, index: Any) -> list[dict[str, Any]]:
    """The `custom_fields` table: what the records hold of the declared custom fields."""
    import json
    from decimal import Decimal

    from salescli.core.custom import declared
    from salescli.store import export

    fields = {kind: declared(repo.settings, kind) for kind in KINDS}
    if not any(fields.values()):
        return []
    found = index.query("SELECT kind, json FROM records WHERE valid ORDER BY "
                        "CASE kind WHEN 'account' THEN 0 WHEN 'lead' THEN 1 ELSE 2 END, path")
    return list(export.custom_field_rows(
        ((r["kind"], json.loads(r["json"], parse_float=Decimal)) for r in found), fields))
