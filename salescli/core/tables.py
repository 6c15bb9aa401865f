"""The tables of the record index and of `export` (SPEC §10), defined once.

Light on purpose: the record index checks its schema against these on every run.
`docs/export.md` is generated from the same definitions, so the documented schema
cannot drift from what is written.
"""

from __future__ import annotations

from typing import NamedTuple

# a column's logical type -> its SQLite type; CSV writes text, JSON Lines numbers/strings
SQL_TYPES = {"text": "TEXT", "date": "TEXT", "time": "TEXT", "integer": "INTEGER",
             "money": "REAL", "number": "REAL"}


# NamedTuples, not dataclasses: every command that reads loads these (a frozen
# dataclass costs 1 ms to define, and its 200 columns another)
class Column(NamedTuple):
    name: str
    type: str  # one of SQL_TYPES
    doc: str
    references: str | None = None  # "table(column)"


class Table(NamedTuple):
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return _NAMES[self.name]


# A table: its line `name (key, ...): doc` at the margin, then a line per column, two
# spaces in: `name type [table(column)] doc`, the reference if the column has one; a line
# indented deeper goes on with the doc above it, and `*name` puts in a group's columns.
# Text, not Python calls, so the schema reads as it is documented (docs/export.md).
def _columns(lines: list[str], groups: dict[str, tuple[Column, ...]]) -> tuple[Column, ...]:
    columns: list[Column] = []
    for line in lines:
        if line.startswith("  *"):
            columns += groups[line[3:]]
            continue
        name, type_, doc = line.split(None, 2)
        first, _, rest = doc.partition("  ")  # a reference, `accounts(id)`, stands first
        references = first if first.endswith(")") and " " not in first else None
        columns.append(Column(name, type_, rest.lstrip() if references else doc, references))
    return tuple(columns)


def _lines(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.strip("\n").splitlines():
        if line.startswith("   "):  # deeper than a column: it goes on with the doc above
            lines[-1] += " " + line.lstrip()
        else:
            lines.append(line)
    return lines


def _tables(text: str, groups: dict[str, tuple[Column, ...]]) -> tuple[Table, ...]:
    tables = []
    for block in "\n".join(_lines(text)).split("\n\n"):
        head, *lines = block.splitlines()
        title, doc = head.split(": ", 1)
        name, key = title.rstrip(")").split(" (")
        tables.append(Table(name, doc, _columns(lines, groups), tuple(key.split(", "))))
    return tuple(tables)


# every account, lead and deal: its last and next activity day (Pipedrive's columns)
_ACTIVITY_DAYS = _columns(_lines("""
  last_activity      date     The latest day an activity of the record happened (a task on the day
                              it was done; bookings, open tasks and cancelled meetings have not
                              happened).
  next_activity      date     The earliest day of what is planned: an open task's due day, a
                              booking's day (a meeting's until it is marked held or cancelled).
"""), {})
TABLES = _tables("""
accounts (id): One row per account (organisation).
  id                 text     Account ID (the file name).
  name               text     Name.
  business_id        text     Tax / company ID.
  domain             text     Web domain.
  industry           text     Industry.
  region             text     Region.
  size               text     Size band, e.g. `50-249`.
  parent             text     accounts(id)  Parent account ID (hierarchy).
  owner              text     Owner.
  created            date     Creation date, when recorded.
  tags               text     Tags joined with `, `.
  *activity_days
  notes              text     Free text.
  path               text     The record's file in the repository.

contacts (account_id, id): One row per contact of an account.
  account_id         text     accounts(id)  The account the contact belongs to.
  id                 text     Contact ID (unique within its account).
  name               text     Name.
  title              text     Job title.
  email              text     Email.
  phone              text     Phone.
  linkedin           text     LinkedIn URL.
  role               text     Buying role: economic-buyer, decision-maker, champion...
  influence          text     high, medium or low.
  reports_to         text     Contact ID of their manager in the same account.
  notes              text     Free text.

leads (id): One row per lead.
  id                 text     Lead ID.
  company            text     Company name.
  contact_name       text     Contact person.
  contact_email      text     Contact email.
  contact_phone      text     Contact phone.
  contact_title      text     Contact job title.
  source             text     Where the lead came from.
  status             text     new, contacted, qualified or disqualified.
  owner              text     Owner.
  created            date     Creation date.
  disqualify_reason  text     Why it was disqualified.
  converted_account  text     accounts(id)  Account created or matched on conversion.
  converted_deal     text     deals(id)  Deal created on conversion.
  *activity_days
  notes              text     Free text.
  path               text     The record's file in the repository.

deals (id): One row per deal, as the files are now.
  id                 text     Deal ID.
  title              text     Title.
  account_id         text     accounts(id)  The customer account.
  pipeline           text     Pipeline (the default pipeline when the file names none).
  stage              text     Current stage ID.
  status             text     open, won or lost.
  value              money    `value`, else the items' total (as reports count it).
  currency           text     ISO 4217 code (the settings' currency when not set).
  close_date         date     Expected close date.
  owner              text     Owner.
  source             text     Source.
  created            date     Creation date.
  probability        number   Probability override (0..100), if any.
  forecast           text     Forecast override: commit, best-case, pipeline or omit.
  next_step_action   text     Next step.
  next_step_due      date     Next step's due date.
  approved_by        text     Who approved a discount over the threshold.
  won_date           date     Date won.
  lost_date          date     Date lost.
  lost_reason        text     Lost reason.
  lost_note          text     Note on the loss.
  revisit            date     Date to come back to a lost deal.
  *activity_days
  notes              text     Free text.
  path               text     The record's file in the repository.

items (deal_id, line): One row per line item of a deal.
  deal_id            text     deals(id)  The deal.
  line               integer  Position in the deal's items, from 1.
  product            text     Price list SKU, if any.
  name               text     Name, for items not on the price list.
  quantity           number   Quantity.
  unit               text     Unit.
  unit_price         money    Unit price: the item's own, else the price list's tier.
  discount           number   Discount percent.
  billing            text     one-time, monthly, quarterly or annually.
  cycles             integer  Billing cycles counted (recurring items).
  tax_rate           number   VAT percent, if given on the item.
  total              money    Net total: quantity x unit price less discount, x cycles.

quotes (deal_id, line): One row per quote document recorded on a deal (`salescli quote`); the same
    number and version in another format or language is one quote, with a row per document.
  deal_id            text     deals(id)  The deal.
  line               integer  Position in the deal's quotes, from 1 (oldest).
  number             text     Quote number, e.g. `Q-2026-0001`.
  version            integer  Version of that number, from 1.
  date               date     The day it was made.
  total              money    Total excluding VAT.
  currency           text     ISO 4217 code.
  file               text     The document, relative to the repository.
  status             text     sent, accepted or rejected (expired is not stored: a sent quote past
                              its validity).
  decided            date     The day it was accepted or rejected.
  reason             text     Why it was rejected.

orders (deal_id, line): One row per order confirmation recorded on a deal (`salescli order`).
  deal_id            text     deals(id)  The deal.
  line               integer  Position in the deal's orders, from 1.
  number             text     Order number, e.g. `O-2026-0001`.
  date               date     The day it was confirmed.
  quote              text     The accepted quote's number.
  version            integer  That quote's version.
  total              money    Total excluding VAT.
  currency           text     ISO 4217 code.
  file               text     The document, relative to the repository.

invoices (deal_id, line): One row per invoice or credit note recorded on a deal (`salescli
    invoice`).
  deal_id            text     deals(id)  The deal.
  line               integer  Position in the deal's invoices, from 1.
  number             text     Invoice number (gap-free per year).
  date               date     Invoice date.
  due                date     Due date.
  period             text     The billing period, `YYYY-MM`, if any.
  total              money    Total excluding VAT (negative on a credit note).
  vat                money    VAT.
  currency           text     ISO 4217 code.
  reference          text     Payment reference number.
  file               text     The document, relative to the repository.
  sha256             text     SHA-256 of the document as issued (an invoice never changes).
  credit_of          text     A credit note: the number of the invoice it reverses.

activities (record_kind, record_id, line): One row per activity of an account, lead or deal.
  record_kind        text     account, lead or deal.
  record_id          text     The record's ID.
  line               integer  Position in the record's activities, from 1 (oldest).
  date               date     Date.
  time               text     Meetings and demos: the time of day they start, HH:MM (the wall
                              clock), when given.
  type               text     call, email, meeting, demo, note or task.
  summary            text     Summary.
  outcome            text     Outcome.
  status             text     Meetings and demos: booked, held or cancelled.
  with               text     Contact IDs who took part, joined with `, `.
  owner              text     Who logged it.
  went_well          text     VALKEA evaluation: what went well.
  improve            text     VALKEA evaluation: what to improve.
  due                date     Tasks: the day it is due.
  done               date     Tasks: the day it was done (empty while open).
  happened           date     The day it happened: a task the day it was done, anything else its
                              date; empty for a booking and an open task (not happened yet).
  pending            integer  Booked meetings and demos: 1 until a later one of the same type says
                              it was held or cancelled (oldest booking first), then 0; empty for
                              other activities.

custom_fields (record_kind, record_id, name): One row per value of a custom field (declared per kind
    under `custom_fields:` in salescli.yaml) that an account, lead or deal holds.
  record_kind        text     account, lead or deal.
  record_id          text     The record's ID.
  name               text     The custom field's name, as the record's key.
  type               text     Its declared type: text, number, money, date, choice, multi-choice or
                              bool.
  value              text     The value as text: numbers as decimals, dates ISO, bool
                              `true`/`false`, a multi-choice's choices joined with `, `.

deal_events (deal_id, seq): One row per change of a tracked deal field, from git history (README,
    "How history is read"): the first row of each field is its value when the deal was created
    (`old` empty). Merges and cherry-picks count once. A deal whose file `check` rejects now keeps
    its history here, to its last valid version (reports count it so), though `deals` has no row of
    it.
  deal_id            text     deals(id)  The deal.
  seq                integer  The event's number in the deal's history, from 1.
  time               time     The commit's author date, UTC, `YYYY-MM-DDTHH:MM:SSZ`.
  commit             text     The commit that made the change.
  field              text     stage, status, value, currency, close_date, owner, pipeline,
                              probability, forecast or lost_reason.
  old                text     Value before (money as a decimal, dates ISO).
  new                text     Value after.
""", {"activity_days": _ACTIVITY_DAYS})
# each table's column names, asked for each row written
_NAMES = {t.name: tuple(c.name for c in t.columns) for t in TABLES}
TABLE = {t.name: t for t in TABLES}
# written by `export` only, not kept in the record index: the history, and custom fields
# (which depend on the settings' declarations, read when exporting)
EXPORT_ONLY = ("deal_events", "custom_fields")


def create_sql(table: Table, unique: bool = True) -> str:
    """CREATE TABLE; without `unique` the key is an index that allows repeats (the
    record index keeps two files that share an ID, as listings show both)."""
    cols = []
    for c in table.columns:
        ref = f" REFERENCES {c.references}" if c.references else ""
        cols.append(f'  "{c.name}" {SQL_TYPES[c.type]}{ref}')
    key = ", ".join(f'"{k}"' for k in table.key)
    if not unique:
        return f'CREATE TABLE "{table.name}" (\n' + ",\n".join(cols) + "\n);\n" \
            f'CREATE INDEX "{table.name}_key" ON "{table.name}" ({key})'
    return f'CREATE TABLE "{table.name}" (\n' + ",\n".join(cols) + \
        f",\n  PRIMARY KEY ({key})\n)"


def insert_sql(table: Table) -> str:
    # INSERT OR REPLACE: a duplicated ID in the files (reported by `check`) must not
    # stop an export or the record index; the last one (by path) wins
    marks = ", ".join("?" * len(table.columns))
    return f'INSERT OR REPLACE INTO "{table.name}" VALUES ({marks})'


# which tables hold the rows of a record kind: its own, then those keyed by its ID
KIND_TABLES = {"account": ("accounts", "contacts", "activities"),
               "lead": ("leads", "activities"),
               "deal": ("deals", "items", "quotes", "orders", "invoices", "activities")}
