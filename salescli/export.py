"""Export tables (SPEC §10): the records and the deal history as flat, typed rows.

Pure: records and timelines in, rows out; no files, no git, no click. The writers
for CSV, JSON Lines and SQLite take the rows and the table definitions below, and
`docs/export.md` is generated from the same definitions, so the documented schema
cannot drift from what is written.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from salescli.gitio import atomic_file
from salescli.history import TRACKED, Timeline
from salescli.money import CENT, deal_value, item_total, unit_price
from salescli.output import csv_line, neutralise

FORMATS = ("csv", "jsonl", "sqlite")
# a column's logical type -> its SQLite type; CSV writes text, JSON Lines numbers/strings
SQL_TYPES = {"text": "TEXT", "date": "TEXT", "time": "TEXT", "integer": "INTEGER",
             "money": "REAL", "number": "REAL"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of SQL_TYPES
    doc: str
    references: str | None = None  # "table(column)"


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, doc: str, references: str | None = None) -> Column:
    return Column(name, type_, doc, references)


TABLES: tuple[Table, ...] = (
    Table("accounts", "One row per account (organisation).", (
        _c("id", "text", "Account ID (the file name)."),
        _c("name", "text", "Name."),
        _c("business_id", "text", "Tax / company ID."),
        _c("domain", "text", "Web domain."),
        _c("industry", "text", "Industry."),
        _c("region", "text", "Region."),
        _c("size", "text", "Size band, e.g. `50-249`."),
        _c("parent", "text", "Parent account ID (hierarchy).", "accounts(id)"),
        _c("owner", "text", "Owner."),
        _c("created", "date", "Creation date, when recorded."),
        _c("tags", "text", "Tags joined with `, `."),
        _c("notes", "text", "Free text."),
        _c("path", "text", "The record's file in the repository."),
    ), ("id",)),
    Table("contacts", "One row per contact of an account.", (
        _c("account_id", "text", "The account the contact belongs to.", "accounts(id)"),
        _c("id", "text", "Contact ID (unique within its account)."),
        _c("name", "text", "Name."),
        _c("title", "text", "Job title."),
        _c("email", "text", "Email."),
        _c("phone", "text", "Phone."),
        _c("linkedin", "text", "LinkedIn URL."),
        _c("role", "text", "Buying role: economic-buyer, decision-maker, champion..."),
        _c("influence", "text", "high, medium or low."),
        _c("reports_to", "text", "Contact ID of their manager in the same account."),
        _c("notes", "text", "Free text."),
    ), ("account_id", "id")),
    Table("leads", "One row per lead.", (
        _c("id", "text", "Lead ID."),
        _c("company", "text", "Company name."),
        _c("contact_name", "text", "Contact person."),
        _c("contact_email", "text", "Contact email."),
        _c("contact_phone", "text", "Contact phone."),
        _c("contact_title", "text", "Contact job title."),
        _c("source", "text", "Where the lead came from."),
        _c("status", "text", "new, contacted, qualified or disqualified."),
        _c("owner", "text", "Owner."),
        _c("created", "date", "Creation date."),
        _c("disqualify_reason", "text", "Why it was disqualified."),
        _c("converted_account", "text", "Account created or matched on conversion.",
           "accounts(id)"),
        _c("converted_deal", "text", "Deal created on conversion.", "deals(id)"),
        _c("notes", "text", "Free text."),
        _c("path", "text", "The record's file in the repository."),
    ), ("id",)),
    Table("deals", "One row per deal, as the files are now.", (
        _c("id", "text", "Deal ID."),
        _c("title", "text", "Title."),
        _c("account_id", "text", "The customer account.", "accounts(id)"),
        _c("pipeline", "text", "Pipeline (the default pipeline when the file names none)."),
        _c("stage", "text", "Current stage ID."),
        _c("status", "text", "open, won or lost."),
        _c("value", "money", "`value`, else the items' total (as reports count it)."),
        _c("currency", "text", "ISO 4217 code (the settings' currency when not set)."),
        _c("close_date", "date", "Expected close date."),
        _c("owner", "text", "Owner."),
        _c("source", "text", "Source."),
        _c("created", "date", "Creation date."),
        _c("probability", "number", "Probability override (0..100), if any."),
        _c("forecast", "text", "Forecast override: commit, best-case, pipeline or omit."),
        _c("next_step_action", "text", "Next step."),
        _c("next_step_due", "date", "Next step's due date."),
        _c("approved_by", "text", "Who approved a discount over the threshold."),
        _c("won_date", "date", "Date won."),
        _c("lost_date", "date", "Date lost."),
        _c("lost_reason", "text", "Lost reason."),
        _c("lost_note", "text", "Note on the loss."),
        _c("revisit", "date", "Date to come back to a lost deal."),
        _c("notes", "text", "Free text."),
        _c("path", "text", "The record's file in the repository."),
    ), ("id",)),
    Table("items", "One row per line item of a deal.", (
        _c("deal_id", "text", "The deal.", "deals(id)"),
        _c("line", "integer", "Position in the deal's items, from 1."),
        _c("product", "text", "Price list SKU, if any."),
        _c("name", "text", "Name, for items not on the price list."),
        _c("quantity", "number", "Quantity."),
        _c("unit", "text", "Unit."),
        _c("unit_price", "money", "Unit price: the item's own, else the price list's tier."),
        _c("discount", "number", "Discount percent."),
        _c("billing", "text", "one-time, monthly, quarterly or annually."),
        _c("cycles", "integer", "Billing cycles counted (recurring items)."),
        _c("tax_rate", "number", "VAT percent, if given on the item."),
        _c("total", "money", "Net total: quantity x unit price less discount, x cycles."),
    ), ("deal_id", "line")),
    Table("activities", "One row per activity of an account, lead or deal.", (
        _c("record_kind", "text", "account, lead or deal."),
        _c("record_id", "text", "The record's ID."),
        _c("line", "integer", "Position in the record's activities, from 1 (oldest)."),
        _c("date", "date", "Date."),
        _c("type", "text", "call, email, meeting, demo, note or task."),
        _c("summary", "text", "Summary."),
        _c("outcome", "text", "Outcome."),
        _c("status", "text", "Meetings: booked, held or cancelled."),
        _c("with", "text", "Contact IDs who took part, joined with `, `."),
        _c("owner", "text", "Who logged it."),
        _c("went_well", "text", "VALKEA evaluation: what went well."),
        _c("improve", "text", "VALKEA evaluation: what to improve."),
    ), ("record_kind", "record_id", "line")),
    Table("deal_events", "One row per change of a tracked deal field, from git history "
          "(SPEC §6): the first row of each field is its value when the deal was created "
          "(`old` empty). Merges and cherry-picks count once.", (
        _c("deal_id", "text", "The deal.", "deals(id)"),
        _c("seq", "integer", "The event's number in the deal's history, from 1."),
        _c("time", "time", "The commit's author date, UTC, `YYYY-MM-DDTHH:MM:SSZ`."),
        _c("commit", "text", "The commit that made the change."),
        _c("field", "text", "stage, status, value, currency, close_date, owner, pipeline, "
           "probability, forecast or lost_reason."),
        _c("old", "text", "Value before (money as a decimal, dates ISO)."),
        _c("new", "text", "Value after."),
    ), ("deal_id", "seq")),
)
TABLE = {t.name: t for t in TABLES}

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
               "notes": a.notes, "path": _path(paths, a)}


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
               "notes": lead.notes, "path": _path(paths, lead)}


def deal_rows(deals: Iterable[Any], products: Any, currency: str, default_pipeline: str,
              paths: Paths = None) -> Iterator[Row]:
    for d in deals:
        ns = d.next_step
        yield {"id": d.id, "title": d.title, "account_id": d.account,
               "pipeline": d.pipeline or default_pipeline, "stage": d.stage,
               "status": d.status, "value": _priced(deal_value, d, products),
               "currency": d.currency or currency, "close_date": d.close_date,
               "owner": d.owner, "source": d.source, "created": d.created,
               "probability": d.probability, "forecast": d.forecast,
               "next_step_action": ns and ns.action, "next_step_due": ns and ns.due,
               "approved_by": d.approved_by, "won_date": d.won_date, "lost_date": d.lost_date,
               "lost_reason": d.lost_reason, "lost_note": d.lost_note, "revisit": d.revisit,
               "notes": d.notes, "path": _path(paths, d)}


def item_rows(deals: Iterable[Any], products: Any) -> Iterator[Row]:
    from salescli.money import CYCLES_PER_YEAR

    for d in deals:
        for n, item in enumerate(d.items, 1):
            yield {"deal_id": d.id, "line": n, "product": item.product, "name": item.name,
                   "quantity": item.quantity, "unit": item.unit,
                   "unit_price": _priced(unit_price, item, products),
                   "discount": item.discount, "billing": item.billing,
                   "cycles": item.cycles or CYCLES_PER_YEAR[item.billing],
                   "tax_rate": item.tax_rate, "total": _priced(item_total, item, products)}


def activity_rows(records: Iterable[tuple[str, Any]]) -> Iterator[Row]:
    """Activities of (kind, record) pairs, in the records' own order."""
    for kind, r in records:
        for n, a in enumerate(r.activities, 1):
            ev = a.evaluation
            yield {"record_kind": kind, "record_id": r.id, "line": n, "date": a.date,
                   "type": a.type, "summary": a.summary, "outcome": a.outcome,
                   "status": a.status, "with": _join(a.with_), "owner": a.owner,
                   "went_well": ev and ev.went_well, "improve": ev and ev.improve}


def event_rows(timelines: Iterable[Timeline], money: Callable[[Any], Decimal | None],
               ids: set[str] | None = None) -> Iterator[Row]:
    """Counted changes of tracked fields of the deals that exist now (`ids`, if given).

    `money` turns a stored value (cents, or items to price) into money.
    """
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


def _priced(fn: Callable[[Any, Any], Decimal | None], thing: Any, products: Any) -> Any:
    try:
        value = fn(thing, products)
    except AttributeError:  # priced from a price list the repository does not have
        return None
    return None if value is None else value.quantize(CENT)


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
    return str(value) if raw else neutralise(str(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _sql_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _typed(table: Table, rows: Iterable[Row]) -> Iterator[list[Any]]:
    types = [c.type for c in table.columns]
    for row in rows:
        yield [_plain(row.get(name), t) for name, t in zip(table.names, types, strict=True)]


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


def create_sql(table: Table) -> str:
    cols = []
    for c in table.columns:
        ref = f" REFERENCES {c.references}" if c.references else ""
        cols.append(f'  "{c.name}" {SQL_TYPES[c.type]}{ref}')
    key = ", ".join(f'"{k}"' for k in table.key)
    return f'CREATE TABLE "{table.name}" (\n' + ",\n".join(cols) + \
        f",\n  PRIMARY KEY ({key})\n)"


def write_sqlite(path: Path, tables: dict[str, Iterable[Row]]) -> list[Path]:
    """One SQLite database with a typed table per export table, built beside `path`."""
    from salescli.gitio import atomic_path

    with atomic_path(path) as tmp:
        con = sqlite3.connect(tmp)
        try:
            for table in TABLES:
                con.execute(create_sql(table))
                marks = ", ".join("?" * len(table.columns))
                # INSERT OR REPLACE: a duplicated ID in the files (reported by `check`)
                # must not stop the export; the last one wins
                con.executemany(f'INSERT OR REPLACE INTO "{table.name}" VALUES ({marks})',
                                ([_sql_value(v) for v in values]
                                 for values in _typed(table, tables[table.name])))
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
