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


def _c(name: str, type_: str, doc: str, references: str | None = None) -> Column:
    return Column(name, type_, doc, references)


# every account, lead and deal: its last and next activity day (Pipedrive's columns)
_ACTIVITY_DAYS = (
    _c("last_activity", "date", "The latest day an activity of the record happened (a "
       "task on the day it was done; bookings, open tasks and cancelled meetings have "
       "not happened)."),
    _c("next_activity", "date", "The earliest day of what is planned: an open task's due "
       "day, a booking's day (a meeting's until it is marked held or cancelled)."),
)
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
        *_ACTIVITY_DAYS,
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
        *_ACTIVITY_DAYS,
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
        *_ACTIVITY_DAYS,
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
    Table("quotes", "One row per quote document recorded on a deal (`salescli quote`); the "
          "same number and version in another format or language is one quote, with a row "
          "per document.", (
        _c("deal_id", "text", "The deal.", "deals(id)"),
        _c("line", "integer", "Position in the deal's quotes, from 1 (oldest)."),
        _c("number", "text", "Quote number, e.g. `Q-2026-0001`."),
        _c("version", "integer", "Version of that number, from 1."),
        _c("date", "date", "The day it was made."),
        _c("total", "money", "Total excluding VAT."),
        _c("currency", "text", "ISO 4217 code."),
        _c("file", "text", "The document, relative to the repository."),
        _c("status", "text", "sent, accepted or rejected (expired is not stored: a sent "
           "quote past its validity)."),
        _c("decided", "date", "The day it was accepted or rejected."),
        _c("reason", "text", "Why it was rejected."),
    ), ("deal_id", "line")),
    Table("orders", "One row per order confirmation recorded on a deal (`salescli order`).", (
        _c("deal_id", "text", "The deal.", "deals(id)"),
        _c("line", "integer", "Position in the deal's orders, from 1."),
        _c("number", "text", "Order number, e.g. `O-2026-0001`."),
        _c("date", "date", "The day it was confirmed."),
        _c("quote", "text", "The accepted quote's number."),
        _c("version", "integer", "That quote's version."),
        _c("total", "money", "Total excluding VAT."),
        _c("currency", "text", "ISO 4217 code."),
        _c("file", "text", "The document, relative to the repository."),
    ), ("deal_id", "line")),
    Table("invoices", "One row per invoice or credit note recorded on a deal "
          "(`salescli invoice`).", (
        _c("deal_id", "text", "The deal.", "deals(id)"),
        _c("line", "integer", "Position in the deal's invoices, from 1."),
        _c("number", "text", "Invoice number (gap-free per year)."),
        _c("date", "date", "Invoice date."),
        _c("due", "date", "Due date."),
        _c("period", "text", "The billing period, `YYYY-MM`, if any."),
        _c("total", "money", "Total excluding VAT (negative on a credit note)."),
        _c("vat", "money", "VAT."),
        _c("currency", "text", "ISO 4217 code."),
        _c("reference", "text", "Payment reference number."),
        _c("file", "text", "The document, relative to the repository."),
        _c("sha256", "text", "SHA-256 of the document as issued (an invoice never changes)."),
        _c("credit_of", "text", "A credit note: the number of the invoice it reverses."),
    ), ("deal_id", "line")),
    Table("activities", "One row per activity of an account, lead or deal.", (
        _c("record_kind", "text", "account, lead or deal."),
        _c("record_id", "text", "The record's ID."),
        _c("line", "integer", "Position in the record's activities, from 1 (oldest)."),
        _c("date", "date", "Date."),
        _c("time", "text", "Meetings and demos: the time of day they start, HH:MM (the "
           "wall clock), when given."),
        _c("type", "text", "call, email, meeting, demo, note or task."),
        _c("summary", "text", "Summary."),
        _c("outcome", "text", "Outcome."),
        _c("status", "text", "Meetings and demos: booked, held or cancelled."),
        _c("with", "text", "Contact IDs who took part, joined with `, `."),
        _c("owner", "text", "Who logged it."),
        _c("went_well", "text", "VALKEA evaluation: what went well."),
        _c("improve", "text", "VALKEA evaluation: what to improve."),
        _c("due", "date", "Tasks: the day it is due."),
        _c("done", "date", "Tasks: the day it was done (empty while open)."),
        _c("happened", "date", "The day it happened: a task the day it was done, anything "
           "else its date; empty for a booking and an open task (not happened yet)."),
        _c("pending", "integer", "Booked meetings and demos: 1 until a later one of the "
           "same type says it was held or cancelled (oldest booking first), then 0; empty "
           "for other activities."),
    ), ("record_kind", "record_id", "line")),
    Table("custom_fields", "One row per value of a custom field (declared per kind under "
          "`custom_fields:` in salescli.yaml) that an account, lead or deal holds.", (
        _c("record_kind", "text", "account, lead or deal."),
        _c("record_id", "text", "The record's ID."),
        _c("name", "text", "The custom field's name, as the record's key."),
        _c("type", "text", "Its declared type: text, number, money, date, choice, "
           "multi-choice or bool."),
        _c("value", "text", "The value as text: numbers as decimals, dates ISO, bool "
           "`true`/`false`, a multi-choice's choices joined with `, `."),
    ), ("record_kind", "record_id", "name")),
    Table("deal_events", "One row per change of a tracked deal field, from git history "
          "(README, \"How history is read\"): the first row of each field is its value "
          "when the deal was created "
          "(`old` empty). Merges and cherry-picks count once. A deal whose file `check` "
          "rejects now keeps its history here, to its last valid version (reports count "
          "it so), though `deals` has no row of it.", (
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
