"""The structure of every record kind, defined once (SPEC §3).

Each kind is a `Record` (salescli/core/record.py: msgspec Structs, validated in
microseconds) and publishes the same definitions as JSON Schema for editors. Field
order here is the documented key order that salescli writes and keeps.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated
from typing import Any
from typing import Literal

from salescli.core.ids import ID_PATTERN
from salescli.core.ids import KINDS
from salescli.core.record import Field
from salescli.core.record import Matching
from salescli.core.record import Money
from salescli.core.record import NonNegative
from salescli.core.record import Number
from salescli.core.record import Percent
from salescli.core.record import Positive
from salescli.core.record import Record
from salescli.core.record import SignedMoney
from salescli.core.record import fields_of
from salescli.core.record import msgspec  # (imported there once, the cheap way)
from salescli.core.record import schema_hook
from salescli.core.roles import ROLES
from salescli.core.vocabulary import ACTIVITY_TYPES
from salescli.core.vocabulary import BILLING
from salescli.core.vocabulary import BOOKABLE  # noqa: F401 (model.BOOKABLE, as before)
from salescli.core.vocabulary import DEAL_STATUSES
from salescli.core.vocabulary import FORECAST
from salescli.core.vocabulary import LANGUAGES
from salescli.core.vocabulary import LEAD_STATUSES
from salescli.core.vocabulary import MEETING_STATUSES
from salescli.core.vocabulary import QUOTE_STATUSES

Id = Matching(ID_PATTERN, "{value} is not a valid ID (a-z, 0-9 and '-', at most 64 "
                           "characters)")
# YAML gives dates as date objects; a quoted ISO string is accepted too
Date = Annotated[dt.date, msgspec.Meta(extra_json_schema={"pattern": r"^\d{4}-\d\d-\d\d$"})]
Currency = Matching(r"^[A-Z]{3}$", "{value} is not a 3-letter currency code such as EUR")
# a record's name, company or title: not empty or blank, or it lists as nothing
Name = Matching(r"\S", "should not be empty")
Role = Literal[ROLES]  # type: ignore[valid-type]
Text = str | None
# the record's IDs in the tools it came from: `{pipedrive: 123}` makes a re-import an update
ExternalIds = dict[str, int | str]
Month = Matching(r"^\d{4}-(0[1-9]|1[0-2])$", "{value} is not a month YYYY-MM")
# a time of day on the wall clock, 24-hour: when a booked meeting starts
Time = Matching(r"^([01]\d|2[0-3]):[0-5]\d$", "{value} is not a time of day HH:MM (24-hour)")
Sha256 = Matching(r"^[0-9a-f]{64}$", "{value} is not a SHA-256 digest (64 hex digits)")


class Evaluation(Record, kw_only=True):
    went_well: Text = None
    improve: Text = None


class Activity(Record, kw_only=True):
    date: Date
    time: Time | None = None  # a meeting's or demo's start (`log meeting --date "fri 14:00"`)
    type: Literal[ACTIVITY_TYPES]  # type: ignore[valid-type]
    summary: str
    outcome: Text = None
    status: Literal[MEETING_STATUSES] | None = None  # type: ignore[valid-type]
    # a task: when it is due, and the day it was done (`salescli task`)
    due: Date | None = None
    done: Date | None = None
    with_: list[Id] = Field(default_factory=list, alias="with")
    evaluation: Evaluation | None = None
    owner: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.done is not None and self.due is None:
            raise ValueError("`done` is for a task: give it the `due` day too")


class Address(Record, kw_only=True):
    """A postal address in parts, as a document prints it."""

    street: Text = None
    postcode: Text = None
    city: Text = None
    country: Text = None


# an address in parts, or one free line as written or imported ("Kauppakatu 1, Turku")
AddressValue = Address | str | None


class Named(Record, kw_only=True):
    """An account or a contact: an ID, then the name it goes by (their first keys)."""

    id: Id
    name: Name


class Contact(Named, kw_only=True):
    title: Text = None
    email: Text = None
    phone: Text = None
    emails: list[str] = Field(default_factory=list)  # more than the main one, as imported
    phones: list[str] = Field(default_factory=list)
    linkedin: Text = None
    role: Role | None = None
    influence: Literal["high", "medium", "low"] | None = None
    reports_to: Id | None = None
    notes: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)


class Account(Named, kw_only=True):
    business_id: Text = None
    vat_number: Text = None
    address: AddressValue = None
    billing_address: AddressValue = None  # where invoices go; `address` when unset
    visiting_address: AddressValue = None
    language: Literal[LANGUAGES] | None = None  # type: ignore[valid-type]  # its documents'
    domain: Text = None
    industry: Text = None
    region: Text = None
    size: Text = None
    parent: Id | None = None
    owner: Text = None
    created: Date | None = None
    tags: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    notes: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)


class Conversion(Record, kw_only=True):
    account: Id
    deal: Id | None = None


class LeadContact(Record, kw_only=True):
    name: Text = None
    email: Text = None
    phone: Text = None
    title: Text = None


class Lead(Record, kw_only=True):
    id: Id
    company: Name
    contact: LeadContact | None = None
    source: Text = None
    status: Literal[LEAD_STATUSES] = "new"  # type: ignore[valid-type]
    owner: Text = None
    created: Date
    disqualify_reason: Text = None
    converted: Conversion | None = None
    activities: list[Activity] = Field(default_factory=list)
    notes: Text = None


class Stakeholder(Record, kw_only=True):
    contact: Id
    role: Role | None = None


class NextStep(Record, kw_only=True):
    action: Text = None
    due: Date | None = None


class Item(Record, kw_only=True):
    product: Id | None = None
    name: Text = None
    quantity: Number = Decimal(1)
    unit: Text = None
    unit_price: Money | None = None
    discount: Percent = Decimal(0)
    billing: Literal[BILLING] = "one-time"  # type: ignore[valid-type]
    cycles: Positive | None = None
    tax_rate: Percent | None = None

    def __post_init__(self) -> None:
        if not self.product and not self.name:
            raise ValueError("an item needs a `product` (a price list SKU) or a `name`")
        if not self.product and self.unit_price is None:
            raise ValueError("an item without `product` needs a `unit_price`")


class QuoteRef(Record, kw_only=True):
    number: str
    version: Positive
    date: Date
    total: Money
    currency: Currency
    file: str
    # missing reads as sent (quotes recorded before there was a status)
    status: Literal[QUOTE_STATUSES] = "sent"  # type: ignore[valid-type]
    decided: Date | None = None  # the day it was accepted or rejected
    reason: Text = None  # why it was rejected


class OrderRef(Record, kw_only=True):
    """An order confirmation recorded on a deal (`salescli order`), from an accepted quote."""

    number: str
    date: Date
    quote: str
    version: Positive
    total: Money
    currency: Currency
    file: str


class InvoiceRef(Record, kw_only=True):
    """An issued invoice or credit note: its document is immutable (`sha256`)."""

    number: str
    date: Date
    due: Date
    period: Month | None = None
    total: SignedMoney  # excluding VAT; negative on a credit note
    vat: SignedMoney
    currency: Currency
    reference: str | None = None
    file: str
    sha256: Sha256
    credit_of: str | None = None  # a credit note: the number of the invoice it reverses


class Deal(Record, kw_only=True):
    id: Id
    title: Name
    account: Id
    pipeline: Id | None = None
    stage: Id | None = None
    status: Literal[DEAL_STATUSES] = "open"  # type: ignore[valid-type]
    value: Money | None = None
    currency: Currency | None = None
    close_date: Date | None = None
    owner: Text = None
    source: Text = None
    tags: list[str] = Field(default_factory=list)
    created: Date
    stakeholders: list[Stakeholder] = Field(default_factory=list)
    next_step: NextStep | None = None
    probability: Percent | None = None
    forecast: Literal[FORECAST] | None = None  # type: ignore[valid-type]
    items: list[Item] = Field(default_factory=list)
    approved_by: Text = None
    won_date: Date | None = None
    lost_date: Date | None = None
    lost_reason: Text = None
    lost_note: Text = None
    revisit: Date | None = None
    quotes: list[QuoteRef] = Field(default_factory=list)
    orders: list[OrderRef] = Field(default_factory=list)
    invoices: list[InvoiceRef] = Field(default_factory=list)
    checklist: dict[str, list[str]] = Field(default_factory=dict)
    activities: list[Activity] = Field(default_factory=list)
    notes: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)


class Tier(Record, kw_only=True):
    min: Number
    unit_price: Money


class Product(Record, kw_only=True):
    sku: Id
    name: str
    unit: Text = None
    unit_price: Money
    tax_rate: Percent | None = None
    billing: Literal[BILLING] = "one-time"  # type: ignore[valid-type]
    tiers: list[Tier] = Field(default_factory=list)
    description: Text = None


class Products(Record, kw_only=True):
    currency: Currency | None = None
    products: list[Product] = Field(default_factory=list)


class Company(Record, kw_only=True):
    """The seller, as quotes, orders and invoices print it."""

    name: Text = None
    business_id: Text = None
    vat_number: Text = None
    address: AddressValue = None
    email: Text = None
    phone: Text = None
    website: Text = None
    iban: Text = None
    bic: Text = None
    offering: Text = None  # what you sell, in a phrase: the agenda's first-meeting line


class QuoteSettings(Record, kw_only=True):
    validity_days: NonNegative = 30
    numbering: str = "Q-{year}-{seq:04d}"
    terms: Text = None


class OrderSettings(Record, kw_only=True):
    numbering: str = "O-{year}-{seq:04d}"


class InvoiceSettings(Record, kw_only=True):
    # gap-free per year across all deals: `{year}` the invoice date's, `{seq}` the next
    numbering: str = "{year}{seq:04d}"


GOAL_METRICS = ("deals_won", "won_value", "meetings_booked", "meetings_held", "new_leads",
                "activities")
GOAL_PERIODS = ("week", "month", "quarter", "year")


class Goal(Record, kw_only=True):
    """A target for a period: `{metric: won_value, period: month, target: 50000}`,
    the team's, or one owner's (`owner: anna`)."""

    metric: Literal[GOAL_METRICS]  # type: ignore[valid-type]
    period: Literal[GOAL_PERIODS]  # type: ignore[valid-type]
    target: Number
    owner: Text = None


class Requirements(Record, kw_only=True):
    requires: list[str] = Field(default_factory=list)


class Outcome(Requirements, kw_only=True):
    """`won:` or `lost:` of a pipeline: what closing needs, and the stages it may close
    from (`from: [contracting]`; unset: the last stage for `won` without rules.skip,
    any stage otherwise)."""

    from_: list[Id] | None = Field(default=None, alias="from")


# the lead statuses a lead passes on its way, in order (SPEC 3.2)
LEAD_FLOW = ("new", "contacted", "qualified")


def _default_lead_flow() -> dict[str, Requirements]:
    # seed 001 §4.1: leaving the first stage needs the contact's name and a way to reach them
    return {"contacted": Requirements(requires=["contact.name", "contact.email|contact.phone"])}


# a custom field's name: a YAML key as the documented ones are (`lost_reason`)
FieldName = Matching(r"^[a-z][a-z0-9_]{0,63}$", "{value} is not a field name (a-z, 0-9 and "
                     "'_', starting with a letter)")
CUSTOM_TYPES = ("text", "number", "money", "date", "choice", "multi-choice", "bool")


class CustomField(Record, kw_only=True):
    """A field a team adds to a kind of record (`custom_fields` in salescli.yaml)."""

    type: Literal[CUSTOM_TYPES]  # type: ignore[valid-type]
    choices: list[str] = Field(default_factory=list)
    label: Text = None

    def __post_init__(self) -> None:
        if self.type in ("choice", "multi-choice") and not self.choices:
            raise ValueError(f"a `{self.type}` field needs `choices: [...]`")


class CustomFields(Record, kw_only=True):
    """`custom_fields` of salescli.yaml: per kind, field name -> its type."""

    account: dict[FieldName, CustomField] = Field(default_factory=dict)
    lead: dict[FieldName, CustomField] = Field(default_factory=dict)
    deal: dict[FieldName, CustomField] = Field(default_factory=dict)


class Settings(Record, kw_only=True):
    company: Company = Field(default_factory=Company)
    currency: Currency = "EUR"
    locale: str = "en_US"
    default_pipeline: Id = "default"
    owners: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    lost_reasons: list[str] = Field(default_factory=list)
    lead_disqualify_reasons: list[str] = Field(default_factory=list)
    discount_approval_threshold: Percent = Decimal(15)
    # owner ID -> the largest discount (percent) they may approve: `{ville: 30}`
    approvers: dict[str, Percent] = Field(default_factory=dict)
    lead_first_contact_sla_days: NonNegative = 2
    follow_up_days: NonNegative = 14
    # `today` lists won customers with no activity for this many days; 0 turns it off
    after_sales_days: NonNegative = 90
    prices_include_tax: bool = False
    # days from an invoice's date to its due date; quotes and orders print it too
    payment_terms_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 14
    quote: QuoteSettings = Field(default_factory=QuoteSettings)
    order: OrderSettings = Field(default_factory=OrderSettings)
    invoice: InvoiceSettings = Field(default_factory=InvoiceSettings)
    fx: dict[Currency, Number] = Field(default_factory=dict)
    goals: list[Goal] = Field(default_factory=list)
    custom_fields: CustomFields = Field(default_factory=CustomFields)
    # what a lead needs to enter each status: `lead_flow: {qualified: {requires: [source]}}`
    lead_flow: dict[Literal[LEAD_FLOW[1:]], Requirements] = Field(  # type: ignore[valid-type]
        default_factory=_default_lead_flow)

    # A deal that names no currency or pipeline has these settings'; one rule for all.
    def currency_of(self, deal: Any) -> str:
        return deal.currency or self.currency

    def pipeline_of(self, deal: Any) -> str:
        return deal.pipeline or self.default_pipeline


class Stage(Record, kw_only=True):
    id: Id
    name: Text = None
    # the name in the documents' other languages: `names: {fi: Tarjous, sv: Offert}`
    names: dict[Literal[LANGUAGES], str] = Field(  # type: ignore[valid-type]
        default_factory=dict)
    probability: Percent
    max_days: Positive | None = None
    requires: list[str] = Field(default_factory=list)
    checklist: list[str] = Field(default_factory=list)
    # the checklist in other languages, item for item: `checklists: {fi: [...], sv: [...]}`.
    # Deals tick `checklist`'s own wording, so translations never change what is ticked.
    checklists: dict[Literal[LANGUAGES], list[str]] = Field(  # type: ignore[valid-type]
        default_factory=dict)

    def __post_init__(self) -> None:
        for lang, items in self.checklists.items():
            if len(items) != len(self.checklist):
                raise ValueError(f"checklists.{lang} has {len(items)} items; it translates "
                                 f"checklist item for item ({len(self.checklist)})")

    def localized_name(self, lang: str) -> str | None:
        return self.names.get(lang) or self.name  # type: ignore[call-overload]

    def localized_checklist(self, lang: str) -> list[str]:
        return list(self.checklists.get(lang) or self.checklist)  # type: ignore[call-overload]


class Rules(Record, kw_only=True):
    skip: bool = False
    backward: Literal["never", "with-reason", "free"] = "with-reason"


class Pipeline(Record, kw_only=True):
    name: Id
    stages: Annotated[list[Stage], msgspec.Meta(min_length=1)]
    won: Outcome = Field(default_factory=Outcome)
    lost: Outcome = Field(default_factory=lambda: Outcome(requires=["lost_reason"]))
    rules: Rules = Field(default_factory=Rules)


# kind -> model; the JSON Schema files and `check` both read this one table.
MODELS: dict[str, type[Record]] = {
    "account": Account,
    "lead": Lead,
    "deal": Deal,
    "products": Products,
    "settings": Settings,
    "pipeline": Pipeline,
}


def field_names(model: Any) -> list[str]:
    """A model's keys in their documented order, as its YAML writes them."""
    return [f.alias or name for name, f in fields_of(model).items()]


def key_order(kind: str) -> list[str]:
    """The documented key order of a kind, as its YAML keys."""
    return field_names(MODELS[kind])


def json_schema(kind: str, settings: Settings | None = None) -> dict[str, Any]:
    """The kind's JSON Schema; with `settings`, carrying its custom fields too."""
    found = _ecma(msgspec.json.schema(MODELS[kind], schema_hook=schema_hook))
    defs = found.pop("$defs")
    schema = defs.pop(MODELS[kind].__name__)
    if defs:
        schema["$defs"] = defs
    if settings is not None and kind in KINDS:
        from salescli.core.custom import json_schema as field_schema

        for name, field in getattr(settings.custom_fields, kind).items():
            schema["properties"][name] = field_schema(field)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"salescli {kind}"
    return schema


def _ecma(schema: Any) -> Any:
    """The schema with its patterns as editors read them: `\\Z` (Python's end of text,
    which the records are checked with) as JSON Schema's `$`."""
    if isinstance(schema, dict):
        return {k: (v[:-2] + "$" if k == "pattern" and isinstance(v, str) and v.endswith("\\Z")
                    else _ecma(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_ecma(v) for v in schema]
    return schema
