"""The structure of every record kind, defined once (SPEC §3).

pydantic validates the plain values the fast reader returns (about 12 µs a deal)
and publishes the same definitions as JSON Schema for editors. Field order here is
the documented key order that salescli writes and keeps.
"""

# No `from __future__ import annotations`: pydantic would then evaluate every field's
# annotation from its text (a ForwardRef compiled per field, about 2 ms a command).

import datetime as dt
import re
import sys
import types
from decimal import Decimal
from typing import Annotated, Any, Literal


def _without_pydantic_plugins() -> None:
    """Stand in for pydantic's plugin loader: salescli runs no pydantic plugins.

    pydantic looks for plugins (entry points of every installed distribution) when it
    builds its first validator; importing `importlib.metadata` for that and scanning
    costs about 18 ms of every command that validates a record. PYDANTIC_DISABLE_PLUGINS
    skips the scan but not the import. The stand-in answers "no plugins" as the loader
    does when they are disabled; were pydantic to move its loader, this does nothing.
    """
    name = "pydantic.plugin._loader"
    if name not in sys.modules:
        loader = types.ModuleType(name)
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        sys.modules[name] = loader


_without_pydantic_plugins()

from pydantic import (  # noqa: E402
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from salescli.core.ids import ID_PATTERN  # noqa: E402
from salescli.core.roles import ROLES  # noqa: E402

ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "note", "task")
LEAD_STATUSES = ("new", "contacted", "qualified", "disqualified")
DEAL_STATUSES = ("open", "won", "lost")
BILLING = ("one-time", "monthly", "quarterly", "annually")
FORECAST = ("commit", "best-case", "pipeline", "omit")
PREDICATES = ("decision_maker", "quote", "next_step", "stakeholders", "accepted_quote")
# a recorded quote's decision; `expired` is derived (a sent quote past its validity)
QUOTE_STATUSES = ("sent", "accepted", "rejected")


def _to_date(value: Any) -> Any:
    # YAML gives dates as date objects; a quoted ISO string is accepted too.
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date YYYY-MM-DD, not a date and time")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value) if len(value) == 10 else value
        except ValueError:
            raise ValueError(f"{value!r} is not a real date YYYY-MM-DD") from None
    return value


def quoted(value: Any, limit: int = 40) -> str:
    """A bad value as a message shows it: `'EURO'`, cut short if long."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


# a numeral YAML would read as a number were it not quoted
_NUMERAL = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def _to_decimal(value: Any) -> Any:
    # Money is never a float in arithmetic: take the number's shortest text form.
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        if _NUMERAL.fullmatch(value.strip()):
            raise ValueError(f"expected a number, not the text {quoted(value)} "
                             "(remove the quotes)")
        raise ValueError(f"expected a number, not {quoted(value)}")
    return value


Id = Annotated[str, Field(pattern=ID_PATTERN)]
Date = Annotated[
    dt.date,
    BeforeValidator(_to_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d\d-\d\d$"}),
]
# Below a trillion, so price x quantity stays within Decimal's 28 digits: 1e300 would
# pass as a number and then fail every quantize in listings, quotes and exports.
MAX_AMOUNT = Decimal(10) ** 12
Money = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    Field(ge=0, lt=MAX_AMOUNT, decimal_places=2),
    WithJsonSchema({"type": "number", "minimum": 0, "exclusiveMaximum": 1e12,
                    "multipleOf": 0.01}),
]
# An amount that may be negative: a credit note's total and VAT reverse an invoice's.
SignedMoney = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    Field(gt=-MAX_AMOUNT, lt=MAX_AMOUNT, decimal_places=2),
    WithJsonSchema({"type": "number", "exclusiveMinimum": -1e12, "exclusiveMaximum": 1e12,
                    "multipleOf": 0.01}),
]
Number = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    Field(ge=0, lt=MAX_AMOUNT),
    WithJsonSchema({"type": "number", "minimum": 0, "exclusiveMaximum": 1e12}),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    Field(ge=0, le=100),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100}),
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
# a record's name, company or title: not empty or blank, or it lists as nothing
NAME_PATTERN = r"\S"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Role = Literal[ROLES]  # type: ignore[valid-type]
Text = str | None
# the record's IDs in the tools it came from: `{pipedrive: 123}` makes a re-import an update
ExternalIds = dict[str, int | str]


class Record(BaseModel):
    # extra keys are kept and reported as warnings (with a did-you-mean) by check
    # defer_build: a command builds only the validators of the kinds it touches
    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True,
                              defer_build=True)


class Evaluation(Record):
    went_well: Text = None
    improve: Text = None


class Activity(Record):
    date: Date
    type: Literal[ACTIVITY_TYPES]  # type: ignore[valid-type]
    summary: str
    outcome: Text = None
    status: Literal["booked", "held", "cancelled"] | None = None
    # a task: when it is due, and the day it was done (`salescli task`)
    due: Date | None = None
    done: Date | None = None
    with_: list[Id] = Field(default_factory=list, alias="with")
    evaluation: Evaluation | None = None
    owner: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)

    @model_validator(mode="after")
    def _a_task_is_due(self) -> "Activity":
        if self.done is not None and self.due is None:
            raise ValueError("`done` is for a task: give it the `due` day too")
        return self


class Contact(Record):
    id: Id
    name: Name
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


class Address(Record):
    """A postal address in parts, as a document prints it."""

    street: Text = None
    postcode: Text = None
    city: Text = None
    country: Text = None


# an address in parts, or one free line as written or imported ("Kauppakatu 1, Turku")
AddressValue = Address | str | None
# the languages documents are written in (salescli/locale has their catalogues)
LANGUAGES = ("en", "fi", "sv")


class Account(Record):
    id: Id
    name: Name
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


class LeadContact(Record):
    name: Text = None
    email: Text = None
    phone: Text = None
    title: Text = None


class Conversion(Record):
    account: Id
    deal: Id | None = None


class Lead(Record):
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


class Stakeholder(Record):
    contact: Id
    role: Role | None = None


class NextStep(Record):
    action: Text = None
    due: Date | None = None


class Item(Record):
    product: Id | None = None
    name: Text = None
    quantity: Number = Decimal(1)
    unit: Text = None
    unit_price: Money | None = None
    discount: Percent = Decimal(0)
    billing: Literal[BILLING] = "one-time"  # type: ignore[valid-type]
    cycles: int | None = Field(default=None, ge=1)
    tax_rate: Percent | None = None

    @model_validator(mode="after")
    def _named(self) -> "Item":
        if not self.product and not self.name:
            raise ValueError("an item needs a `product` (a price list SKU) or a `name`")
        if not self.product and self.unit_price is None:
            raise ValueError("an item without `product` needs a `unit_price`")
        return self


class QuoteRef(Record):
    number: str
    version: int = Field(ge=1)
    date: Date
    total: Money
    currency: Currency
    file: str
    # missing reads as sent (quotes recorded before there was a status)
    status: Literal[QUOTE_STATUSES] = "sent"  # type: ignore[valid-type]
    decided: Date | None = None  # the day it was accepted or rejected
    reason: Text = None  # why it was rejected


class OrderRef(Record):
    """An order confirmation recorded on a deal (`salescli order`), from an accepted quote."""

    number: str
    date: Date
    quote: str
    version: int = Field(ge=1)
    total: Money
    currency: Currency
    file: str


class InvoiceRef(Record):
    """An issued invoice or credit note: its document is immutable (`sha256`)."""

    number: str
    date: Date
    due: Date
    period: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    total: SignedMoney  # excluding VAT; negative on a credit note
    vat: SignedMoney
    currency: Currency
    reference: str | None = None
    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    credit_of: str | None = None  # a credit note: the number of the invoice it reverses


class Deal(Record):
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


class Tier(Record):
    min: Number
    unit_price: Money


class Product(Record):
    sku: Id
    name: str
    unit: Text = None
    unit_price: Money
    tax_rate: Percent | None = None
    billing: Literal[BILLING] = "one-time"  # type: ignore[valid-type]
    tiers: list[Tier] = Field(default_factory=list)
    description: Text = None


class Products(Record):
    currency: Currency | None = None
    products: list[Product] = Field(default_factory=list)


class Company(Record):
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


class QuoteSettings(Record):
    validity_days: int = Field(default=30, ge=0)
    numbering: str = "Q-{year}-{seq:04d}"
    terms: Text = None


class OrderSettings(Record):
    numbering: str = "O-{year}-{seq:04d}"


class InvoiceSettings(Record):
    # gap-free per year across all deals: `{year}` the invoice date's, `{seq}` the next
    numbering: str = "{year}{seq:04d}"


GOAL_METRICS = ("deals_won", "won_value", "meetings_booked", "meetings_held", "new_leads",
                "activities")
GOAL_PERIODS = ("week", "month", "quarter", "year")


class Goal(Record):
    """A target for a period: `{metric: won_value, period: month, target: 50000}`,
    the team's, or one owner's (`owner: anna`)."""

    metric: Literal[GOAL_METRICS]  # type: ignore[valid-type]
    period: Literal[GOAL_PERIODS]  # type: ignore[valid-type]
    target: Number
    owner: Text = None


class Requirements(Record):
    requires: list[str] = Field(default_factory=list)


class Outcome(Requirements):
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
FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
CUSTOM_TYPES = ("text", "number", "money", "date", "choice", "multi-choice", "bool")


class CustomField(Record):
    """A field a team adds to a kind of record (`custom_fields` in salescli.yaml)."""

    type: Literal[CUSTOM_TYPES]  # type: ignore[valid-type]
    choices: list[str] = Field(default_factory=list)
    label: Text = None

    @model_validator(mode="after")
    def _choices(self) -> "CustomField":
        if self.type in ("choice", "multi-choice") and not self.choices:
            raise ValueError(f"a `{self.type}` field needs `choices: [...]`")
        return self


class CustomFields(Record):
    """`custom_fields` of salescli.yaml: per kind, field name -> its type."""

    account: dict[FieldName, CustomField] = Field(default_factory=dict)
    lead: dict[FieldName, CustomField] = Field(default_factory=dict)
    deal: dict[FieldName, CustomField] = Field(default_factory=dict)


class Settings(Record):
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
    lead_first_contact_sla_days: int = Field(default=2, ge=0)
    follow_up_days: int = Field(default=14, ge=0)
    # `today` lists won customers with no activity for this many days; 0 turns it off
    after_sales_days: int = Field(default=90, ge=0)
    prices_include_tax: bool = False
    # days from an invoice's date to its due date; quotes and orders print it too
    payment_terms_days: int = Field(default=14, ge=0, le=365)
    quote: QuoteSettings = Field(default_factory=QuoteSettings)
    order: OrderSettings = Field(default_factory=OrderSettings)
    invoice: InvoiceSettings = Field(default_factory=InvoiceSettings)
    fx: dict[Currency, Number] = Field(default_factory=dict)
    goals: list[Goal] = Field(default_factory=list)
    custom_fields: CustomFields = Field(default_factory=CustomFields)
    # what a lead needs to enter each status: `lead_flow: {qualified: {requires: [source]}}`
    lead_flow: dict[Literal[LEAD_FLOW[1:]], Requirements] = Field(  # type: ignore[valid-type]
        default_factory=_default_lead_flow)


class Stage(Record):
    id: Id
    name: Text = None
    # the name in the documents' other languages: `names: {fi: Tarjous, sv: Offert}`
    names: dict[Literal[LANGUAGES], str] = Field(  # type: ignore[valid-type]
        default_factory=dict)
    probability: Percent
    max_days: int | None = Field(default=None, ge=1)
    requires: list[str] = Field(default_factory=list)
    checklist: list[str] = Field(default_factory=list)
    # the checklist in other languages, item for item: `checklists: {fi: [...], sv: [...]}`.
    # Deals tick `checklist`'s own wording, so translations never change what is ticked.
    checklists: dict[Literal[LANGUAGES], list[str]] = Field(  # type: ignore[valid-type]
        default_factory=dict)

    @model_validator(mode="after")
    def _checklists_match(self) -> "Stage":
        for lang, items in self.checklists.items():
            if len(items) != len(self.checklist):
                raise ValueError(f"checklists.{lang} has {len(items)} items; it translates "
                                 f"checklist item for item ({len(self.checklist)})")
        return self

    def localized_name(self, lang: str) -> str | None:
        return self.names.get(lang) or self.name  # type: ignore[call-overload]

    def localized_checklist(self, lang: str) -> list[str]:
        return list(self.checklists.get(lang) or self.checklist)  # type: ignore[call-overload]


class Rules(Record):
    skip: bool = False
    backward: Literal["never", "with-reason", "free"] = "with-reason"


class Pipeline(Record):
    name: Id
    stages: list[Stage] = Field(min_length=1)
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


def key_order(kind: str) -> list[str]:
    """The documented key order of a kind, as its YAML keys."""
    return [f.alias or name for name, f in MODELS[kind].model_fields.items()]


def json_schema(kind: str, settings: Settings | None = None) -> dict[str, Any]:
    """The kind's JSON Schema; with `settings`, carrying its custom fields too."""
    schema = MODELS[kind].model_json_schema(by_alias=True)
    if settings is not None and kind in ("account", "lead", "deal"):
        from salescli.core.custom import json_schema as field_schema

        for name, field in getattr(settings.custom_fields, kind).items():
            schema["properties"][name] = field_schema(field)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"salescli {kind}"
    return schema
