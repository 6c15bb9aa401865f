"""Export tables (SPEC §10): the records and the deal history as flat, typed rows.

Pure: records and timelines in, rows out; no files, no git, no click. The writers
for CSV, JSON Lines and SQLite take the rows and the table definitions below, and
`docs/export.md` is generated from the same definitions, so the documented schema
cannot drift from what is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from salescli.core.money import CENT
from salescli.core.money import deal_value
from salescli.core.money import from_float
from salescli.core.money import item_total
from salescli.core.money import unit_price
from salescli.core.output import csv_cell
from salescli.core.output import csv_line
from salescli.core.tables import KIND_TABLES  # noqa: F401 (export.TABLES is this module's API too)
from salescli.core.tables import SQL_TYPES  # noqa: F401 (export.TABLES is this module's API too)
from salescli.core.tables import TABLE  # noqa: F401 (export.TABLES is this module's API too)
from salescli.core.tables import TABLES  # noqa: F401 (export.TABLES is this module's API too)
from salescli.core.tables import Table  # noqa: F401 (export.TABLES is this module's API too)
from salescli.core.tables import create_sql  # noqa: F401 (export.TABLES is this module's API too)
from salescli.core.tables import insert_sql  # noqa: F401 (export.TABLES is this module's API too)
from salescli.core.today import bookings
from salescli.core.today import happened
from salescli.core.today import last_and_next
from salescli.store.gitio import atomic_file

if TYPE_CHECKING:  # the history engine loads only for an export, not for the index
    from salescli.store.history import Timeline

FORMATS = ("csv", "jsonl", "sqlite")

Row = dict[str, Any]
Paths = Mapping[str, str] | None  # record id -> its file, for the `path` column


# ------------------------------------------------------------------- rows


def _join(values: Iterable[Any]) -> str | None:
    text = ", ".join(str(v) for v in values)
    return text or None


def account_rows(accounts: Iterable[Any], paths: Paths = None) -> Iterator[Row]:
    for a in accounts:
        yield {"id": a.id, "name": a.name, "business_id": a.business_id, "domain": a.domain,
               "industry": a.industry, "region": a.region, "size": a.size, "parent": a.parent,
               "owner": a.owner, "created": a.created, "tags": _join(a.tags),
               **_activity_days(a), "notes": a.notes, "path": _path(paths, a)}


def contact_rows(accounts: Iterable[Any]) -> Iterator[Row]:
    for a in accounts:
        for c in a.contacts:
            yield {"account_id": a.id, "id": c.id, "name": c.name, "title": c.title,
                   "email": c.email, "phone": c.phone, "linkedin": c.linkedin, "role": c.role,
                   "influence": c.influence, "reports_to": c.reports_to, "notes": c.notes}


def lead_rows(leads: Iterable[Any], paths: Paths = None) -> Iterator[Row]:
    for lead in leads:
        contact, conv = lead.contact, lead.converted
        yield {"id": lead.id, "company": lead.company,
               "contact_name": contact and contact.name,
               "contact_email": contact and contact.email,
               "contact_phone": contact and contact.phone,
               "contact_title": contact and contact.title,
               "source": lead.source, "status": lead.status, "owner": lead.owner,
               "created": lead.created, "disqualify_reason": lead.disqualify_reason,
               "converted_account": conv and conv.account, "converted_deal": conv and conv.deal,
               **_activity_days(lead), "notes": lead.notes, "path": _path(paths, lead)}


def deal_rows(deals: Iterable[Any], products: Any, settings: Any,
              paths: Paths = None) -> Iterator[Row]:
    for d in deals:
        ns = d.next_step
        yield {"id": d.id, "title": d.title, "account_id": d.account,
               "pipeline": settings.pipeline_of(d), "stage": d.stage,
               "status": d.status, "value": _priced(deal_value, d, products),
               "currency": settings.currency_of(d), "close_date": d.close_date,
               "owner": d.owner, "source": d.source, "created": d.created,
               "probability": d.probability, "forecast": d.forecast,
               "next_step_action": ns and ns.action, "next_step_due": ns and ns.due,
               "approved_by": d.approved_by, "won_date": d.won_date, "lost_date": d.lost_date,
               "lost_reason": d.lost_reason, "lost_note": d.lost_note, "revisit": d.revisit,
               **_activity_days(d), "notes": d.notes, "path": _path(paths, d)}


def item_rows(deals: Iterable[Any], products: Any) -> Iterator[Row]:
    """Each item priced as the quote prices it: its product's billing where the item
    names none, the tier price, the total over its cycles."""
    from salescli.core.money import CYCLES_PER_YEAR
    from salescli.core.money import item_billing

    for d in deals:
        for n, item in enumerate(d.items, 1):
            billing = _priced(item_billing, item, products, money=False) or item.billing
            yield {"deal_id": d.id, "line": n, "product": item.product, "name": item.name,
                   "quantity": item.quantity, "unit": item.unit,
                   "unit_price": _priced(unit_price, item, products),
                   "discount": item.discount, "billing": billing,
                   "cycles": item.cycles or CYCLES_PER_YEAR[billing],
                   "tax_rate": item.tax_rate, "total": _priced(item_total, item, products)}


def document_rows(deals: Iterable[Any], key: str) -> Iterator[Row]:
    """The documents each deal records under `key` (quotes, orders, invoices), one row
    each, in the deal's order."""
    names = TABLE[key].names[2:]
    for d in deals:
        for n, ref in enumerate(getattr(d, key), 1):
            yield {"deal_id": d.id, "line": n, **{name: getattr(ref, name) for name in names}}


def activity_rows(records: Iterable[tuple[str, Any]]) -> Iterator[Row]:
    """Activities of (kind, record) pairs, in the records' own order."""
    for kind, r in records:
        booked = bookings(r.activities)
        for n, a in enumerate(r.activities):
            ev = a.evaluation
            yield {"record_kind": kind, "record_id": r.id, "line": n + 1, "date": a.date,
                   "time": a.time, "type": a.type, "summary": a.summary, "outcome": a.outcome,
                   "status": a.status, "with": _join(a.with_), "owner": a.owner,
                   "went_well": ev and ev.went_well, "improve": ev and ev.improve,
                   "due": a.due, "done": a.done, "happened": happened(a),
                   "pending": None if n not in booked else int(booked[n])}


def _activity_days(record: Any) -> Row:
    last, nxt = last_and_next(record.activities, bookings(record.activities))
    return {"last_activity": last, "next_activity": nxt}


def custom_field_rows(records: Iterable[tuple[str, Mapping[str, Any]]],
                      declared: Mapping[str, Mapping[str, Any]]) -> Iterator[Row]:
    """The declared custom fields (kind -> name -> definition) that (kind, record as
    JSON) pairs hold, in the records' order and the declaration's."""
    from salescli.core.custom import cell

    for kind, doc in records:
        for name, field in declared.get(kind, {}).items():
            if doc.get(name) is not None:
                yield {"record_kind": kind, "record_id": doc["id"], "name": name,
                       "type": field.type, "value": cell(doc[name], field)}


def event_rows(timelines: Iterable[Timeline], money: Callable[[Any], Decimal | None],
               ids: set[str] | None = None) -> Iterator[Row]:
    """Counted changes of tracked fields of the deals that exist now (`ids`, if given).

    `money` turns a stored value (cents, or items to price) into money.
    """
    from salescli.store.history import TRACKED

    alive = [tl for tl in timelines
             if tl.kind == "deal" and tl.exists(float("inf")) and (ids is None or tl.id in ids)]
    for tl in sorted(alive, key=lambda t: t.id):
        seq = 0
        for when, commit, name, old, new, counted in tl.changes:
            if not counted or name not in TRACKED:
                continue
            seq += 1
            yield {"deal_id": tl.id, "seq": seq,
                   "time": dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "commit": commit, "field": name,
                   "old": _event_value(name, old, money), "new": _event_value(name, new, money)}


def _event_value(name: str, value: Any, money: Callable[[Any], Decimal | None]) -> str | None:
    if value is None:
        return None
    if name == "value":
        priced = money(value)
        return None if priced is None else format(priced, "f")
    return str(value)


def _path(paths: Paths, record: Any) -> str | None:
    return paths.get(record.id) if paths else None


def _priced(fn: Callable[[Any, Any], Any], thing: Any, products: Any, money: bool = True
            ) -> Any:
    try:
        value = fn(thing, products)
    except AttributeError:  # priced from a price list the repository does not have
        return None
    return value.quantize(CENT) if money and value is not None else value


# ---------------------------------------------------------------- writers


def _plain(value: Any, type_: str) -> Any:
    """A value as CSV text, JSON and SQLite want it (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if type_ in ("money", "number"):
        return Decimal(value) if not isinstance(value, Decimal) else value
    if type_ == "integer":
        return int(value)
    return str(value)


def _csv_cell(value: Any, raw: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    # OWASP: a cell a spreadsheet would run as a formula gets a leading quote, unless
    # the file is for a database load, which needs `+358...` exactly as stored
    return str(value) if raw else csv_cell(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _typed(table: Table, rows: Iterable[Row]) -> Iterator[list[Any]]:
    types = [c.type for c in table.columns]
    for row in rows:
        yield [_plain(row.get(name), t) for name, t in zip(table.names, types, strict=True)]


def _sql_text(value: Any) -> str:
    if type(value) is str:  # most cells: first, and cheapest
        return value
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _sql_number(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return float(value if isinstance(value, Decimal) else Decimal(value))


def _sql_integer(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else int(value)


# a non-empty value as its SQLite column takes it: `_plain`, then Decimals as REAL;
# one function per column, chosen once (the record index converts ~850,000 cells
# when it is built on 10,000 deals)
_SQL = {"money": _sql_number, "number": _sql_number, "integer": _sql_integer}


def sql_values(table: Table, rows: Iterable[Row]) -> Iterator[list[Any]]:
    """`rows` as the values of `table`'s SQLite columns, in column order."""
    cells = [(c.name, _SQL.get(c.type, _sql_text)) for c in table.columns]
    for row in rows:
        yield [None if (v := row.get(name)) is None else cast(v) for name, cast in cells]


# each table's rows in the order the records are read (path order; a record's own
# order within it), from the record index
# (rows of a record are inserted together, in path order among files sharing an ID,
# so rowid keeps their order without a join that would repeat them)
_ORDER = {
    "accounts": "FROM accounts t ORDER BY t.path",
    "contacts": "FROM contacts t ORDER BY (SELECT min(a.path) FROM accounts a "
                "WHERE a.id = t.account_id), t.rowid",
    "leads": "FROM leads t ORDER BY t.path",
    "deals": "FROM deals t ORDER BY t.path",
    **{name: f"FROM {name} t ORDER BY (SELECT min(d.path) FROM deals d "
             "WHERE d.id = t.deal_id), t.rowid"
       for name in ("items", "quotes", "orders", "invoices")},
    "activities": "FROM activities t ORDER BY CASE t.record_kind WHEN 'account' THEN 0 "
                  "WHEN 'lead' THEN 1 ELSE 2 END, CASE t.record_kind "
                  "WHEN 'account' THEN (SELECT min(path) FROM accounts WHERE id = t.record_id) "
                  "WHEN 'lead' THEN (SELECT min(path) FROM leads WHERE id = t.record_id) "
                  "ELSE (SELECT min(path) FROM deals WHERE id = t.record_id) END, t.rowid",
}


def index_rows(query: Callable[[str], list[Any]]) -> dict[str, list[Row]]:
    """The record tables as rows, read from the record index (`query` runs SQL on it):
    an export is a copy of the index. Money comes back as the cents it was; the other
    numbers as the records wrote them (`40.0` stays 40.0 in CSV), from their JSON."""
    out = {}
    written: dict[str, Any] = {}  # deal id -> its record, for the numbers as written
    for name, source in _ORDER.items():
        table = TABLE[name]
        cols = ", ".join(f't."{c}"' for c in table.names)
        extra = ", (SELECT json FROM records r WHERE r.path = t.path) AS doc" \
            if name == "deals" else ""
        kinds = {c.name: c.type for c in table.columns}
        rows = []
        for row in query(f"SELECT {cols}{extra} {source}"):
            values = {k: _from_sql(row[k], kinds[k]) for k in table.names}
            if name == "deals":
                written[row["id"]] = json.loads(row["doc"], parse_float=Decimal)
                values["probability"] = written[row["id"]].get("probability")
            elif name == "items":
                items = written.get(row["deal_id"], {}).get("items") or []
                item = items[row["line"] - 1] if 0 < row["line"] <= len(items) else {}
                for key in ("quantity", "discount", "tax_rate"):
                    if key in item:
                        values[key] = item[key]
            rows.append(values)
        out[name] = rows
    return out


def _from_sql(value: Any, type_: str) -> Any:
    if not isinstance(value, float):
        return value
    if type_ == "money":
        return from_float(value)
    return Decimal(repr(value))


def record_tables(kind: str, pairs: list[tuple[str, Any]], products: Any, settings: Any
                  ) -> dict[str, list[Row]]:
    """The rows of (path, record) pairs of one kind, per table of KIND_TABLES[kind]."""
    models = [m for _, m in pairs]
    own = {"account": lambda: account_rows(models),
           "lead": lambda: lead_rows(models),
           "deal": lambda: deal_rows(models, products, settings)}
    rows = list(own[kind]())
    for row, (path, _) in zip(rows, pairs, strict=True):  # by position: two files may
        row["path"] = path                              # share an ID (check refuses it)
    out = {KIND_TABLES[kind][0]: rows}
    if kind == "account":
        out["contacts"] = list(contact_rows(models))
    if kind == "deal":
        out["items"] = list(item_rows(models, products))
        for key in ("quotes", "orders", "invoices"):
            out[key] = list(document_rows(models, key))
    out["activities"] = list(activity_rows((kind, m) for m in models))
    return out


def write_csv(folder: Path, tables: dict[str, Iterable[Row]], raw: bool = False) -> list[Path]:
    """One `TABLE.csv` per table: UTF-8, RFC 4180, a header row.

    Spreadsheet-safe unless `raw`: formula cells neutralised. Either way a cell with
    `;` or a tab is quoted (`csv_line`); quoting never changes a value.
    """
    out = []
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        path = folder / f"{table.name}.csv"
        with atomic_file(path, newline="") as f:
            f.write(csv_line(table.names, "\r\n"))  # RFC 4180 line ends
            for values in _typed(table, tables[table.name]):
                f.write(csv_line([_csv_cell(v, raw) for v in values], "\r\n"))
        out.append(path)
    return out


def write_jsonl(folder: Path, tables: dict[str, Iterable[Row]]) -> list[Path]:
    """One `TABLE.jsonl` per table: one JSON object a line, every column present."""
    out = []
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES:
        path = folder / f"{table.name}.jsonl"
        with atomic_file(path, newline="") as f:
            for values in _typed(table, tables[table.name]):
                obj = {n: _json_value(v) for n, v in zip(table.names, values, strict=True)}
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        out.append(path)
    return out


def write_sqlite(path: Path, tables: dict[str, Iterable[Row]]) -> list[Path]:
    """One SQLite database with a typed table per export table, built beside `path`."""
    import sqlite3

    from salescli.store.gitio import atomic_path

    with atomic_path(path) as tmp:
        con = sqlite3.connect(tmp)
        try:
            for table in TABLES:
                con.execute(create_sql(table))
                con.executemany(insert_sql(table), sql_values(table, tables[table.name]))
            con.commit()
        finally:
            con.close()
    return [path]


WRITERS: dict[str, Callable[[Path, dict[str, Iterable[Row]]], list[Path]]] = {
    "csv": write_csv, "jsonl": write_jsonl, "sqlite": write_sqlite,
}


# ------------------------------------------------------------------ schema doc


def schema_markdown() -> str:
    """The tables and columns as Markdown, for docs/export.md."""
    out = []
    for table in TABLES:
        out += [f"### `{table.name}`", "", table.doc, "",
                f"Primary key: {', '.join(f'`{k}`' for k in table.key)}.", "",
                "| column | type | SQLite | description |", "|---|---|---|---|"]
        for c in table.columns:
            doc = c.doc + (f" References `{c.references}`." if c.references else "")
            out.append(f"| `{c.name}` | {c.type} | {SQL_TYPES[c.type]} | {doc} |")
        out.append("")
    return "\n".join(out)
