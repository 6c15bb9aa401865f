"""Quote arithmetic and numbering, pure: no git, no files, no terminal (SPEC §8).

    quote = build_quote(deal, account, products, settings, date, used_numbers)

gives a plain `Quote` the templates render. The rules:

- A line's unit price is the item's own, else the price list's highest tier whose
  `min` <= quantity (`money.unit_price`). Its net is quantity x unit price less the
  discount, rounded half-up to the cent *per line* (`money.line_net`), for one billing
  period; its total is that net x its cycles (one year of billing unless `cycles`).
- VAT is computed once per rate on the sum of that rate's line totals and rounded
  half-up (the per-rate rule of EN 16931 e-invoices), so the VAT rows add up to the
  document's VAT to the cent. With `prices_include_tax: true` the line amounts are
  gross and the VAT is extracted from them: gross x rate / (100 + rate).
- The number comes from the settings' pattern (`Q-{year}-{seq:04d}`): `{year}` is the
  quote date's year, `{seq}` one more than the highest used that year by any deal.
  A deal's later quotes are new versions of its latest number (`v2`, `v3`...).
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from msgspec import Struct

from salescli.core.errors import SalescliError
from salescli.core.later import later
from salescli.core.money import CYCLES_PER_YEAR
from salescli.core.money import cents
from salescli.core.money import item_billing
from salescli.core.money import line_net
from salescli.core.money import product_of
from salescli.core.money import unit_price

RECURRING = ("monthly", "quarterly", "annually")
# a quote number becomes a file name: quotes/DEAL/NUMBER-vN.md
_SAFE_NUMBER = later(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class QuoteError(SalescliError):
    """The deal cannot be quoted as it stands (exit 1)."""


class Line(Struct, frozen=True):
    number: int
    sku: str | None
    name: str
    description: str | None
    quantity: Decimal
    unit: str | None
    list_price: Decimal      # the price list's base price (before tiers), or the item's own
    unit_price: Decimal      # after volume tiers
    discount: Decimal        # percent
    billing: str             # one-time | monthly | quarterly | annually
    cycles: int
    tax_rate: Decimal
    net: Decimal             # one billing period, rounded to the cent
    total: Decimal           # net x cycles
    over_threshold: bool     # its discount needs approval


class VatRow(Struct, frozen=True):
    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


class Totals(Struct, frozen=True):
    one_time: Decimal                       # one-time lines' nets
    recurring: dict[str, Decimal]           # billing -> sum of its lines' per-period nets
    lines: Decimal                          # every line's total, as priced
    net: Decimal                            # excluding VAT
    vat: Decimal
    gross: Decimal                          # payable, including VAT
    vat_rows: tuple[VatRow, ...]


class Party(Struct, frozen=True):
    name: str | None
    business_id: str | None = None
    address: tuple[str, ...] = ()  # the postal address as printed, a line each
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    vat_number: str | None = None
    iban: str | None = None
    bic: str | None = None


def address_lines(value: Any) -> tuple[str, ...]:
    """An address as printed: a free line as written, or its parts as a letter has them
    (street; postcode and city; country)."""
    if not value:
        return ()
    if isinstance(value, str):
        return (value.strip(),)
    part = value.get if isinstance(value, dict) else lambda name: getattr(value, name)
    place = " ".join(str(p) for p in (part("postcode"), part("city")) if p)
    return tuple(str(line) for line in (part("street"), place, part("country")) if line)


class Person(Struct, frozen=True):
    id: str
    name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    role: str | None = None


class Document(Struct, frozen=True, kw_only=True):
    """What every document of a deal prints (a quote, an order confirmation, an
    invoice): its number and date, the deal, the two parties, the priced lines."""

    number: str
    date: dt.date
    currency: str
    deal_id: str
    title: str
    seller: Party
    buyer: Party
    contact: Person | None
    lines: tuple[Line, ...]
    totals: Totals
    prices_include_tax: bool


class Quote(Document, frozen=True, kw_only=True):
    version: int
    valid_until: dt.date
    terms: str | None
    draft: bool
    approved_by: str | None
    threshold: Decimal

    @property
    def unapproved(self) -> list[int]:
        """Numbers of the lines whose discount is over the threshold with no approver."""
        if self.approved_by:
            return []
        return [line.number for line in self.lines if line.over_threshold]

    @property
    def file_name(self) -> str:
        return f"{self.number}-v{self.version}"


# ------------------------------------------------------------------ lines and totals


def price_lines(items: Sequence[Any], products: Any, threshold: Decimal) -> list[Line]:
    """The deal's items as priced lines; an item that cannot be priced is an error."""
    lines = []
    for n, item in enumerate(items, 1):
        product = product_of(item, products)
        if item.product and product is None and item.unit_price is None:
            raise QuoteError(f"item {n}: product `{item.product}` is not in products.yaml")
        price = unit_price(item, products)
        net = line_net(item, products)
        assert price is not None and net is not None  # priced above or refused
        tax = item.tax_rate if item.tax_rate is not None else (
            product.tax_rate if product is not None else None)
        if tax is None:
            raise QuoteError(f"item {n} ({item.product or item.name}) has no tax_rate: set it "
                             "on the item or its product in products.yaml (0 for none)")
        billing = item_billing(item, products)
        cycles = item.cycles or CYCLES_PER_YEAR[billing]
        lines.append(Line(
            number=n, sku=item.product, name=item.name or product.name,
            description=product.description if product is not None else None,
            quantity=item.quantity, unit=item.unit or (product.unit if product else None),
            list_price=item.unit_price if item.unit_price is not None else product.unit_price,
            unit_price=price, discount=item.discount, billing=billing, cycles=cycles,
            tax_rate=tax, net=net, total=net * cycles,
            over_threshold=item.discount > threshold,
        ))
    return lines


def totals(lines: Sequence[Line], prices_include_tax: bool = False) -> Totals:
    """Subtotals, VAT per rate (rounded once per rate) and the totals."""
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        by_rate[line.tax_rate] = by_rate.get(line.tax_rate, Decimal(0)) + line.total
    rows = []
    for rate in sorted(by_rate, reverse=True):
        amount = by_rate[rate]
        if prices_include_tax:
            vat = cents(amount * rate / (100 + rate))
            rows.append(VatRow(rate, amount - vat, vat, amount))
        else:
            vat = cents(amount * rate / 100)
            rows.append(VatRow(rate, amount, vat, amount + vat))
    recurring = {}
    for billing in RECURRING:
        nets = [line.net for line in lines if line.billing == billing]
        if nets:
            recurring[billing] = sum(nets, Decimal(0))
    zero = Decimal("0.00")
    return Totals(
        one_time=sum((line.net for line in lines if line.billing == "one-time"), zero),
        recurring=recurring,
        lines=sum((line.total for line in lines), zero),
        net=sum((r.net for r in rows), zero),
        vat=sum((r.vat for r in rows), zero),
        gross=sum((r.gross for r in rows), zero),
        vat_rows=tuple(rows),
    )


# ------------------------------------------------------------------------ numbering


def _pattern_fields(pattern: str, setting: str = "quote.numbering"
                    ) -> list[tuple[str, str | None, str]]:
    """(literal, field, spec) parts of a numbering pattern; only {year} and {seq}."""
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError as err:
        raise SalescliError(f"salescli.yaml: {setting} {pattern!r}: {err}") from None
    fields = [f for _, f, _, _ in parts if f is not None]
    if any(f not in ("year", "seq") for f in fields) or "seq" not in fields \
            or any(conv for *_, conv in parts):
        raise SalescliError(f"salescli.yaml: {setting} {pattern!r} must use {{seq}} and "
                            "may use {year}, e.g. \"Q-{year}-{seq:04d}\"")
    return [(lit, f, spec or "") for lit, f, spec, _ in parts]


def format_number(pattern: str, year: int, seq: int,
                  setting: str = "quote.numbering") -> str:
    # only {year} and {seq}: a pattern never reaches attributes
    _pattern_fields(pattern, setting)
    try:
        number = pattern.format(year=year, seq=seq)
    except (ValueError, TypeError) as err:
        raise SalescliError(f"salescli.yaml: {setting} {pattern!r}: {err}") from None
    if not _SAFE_NUMBER.match(number):
        raise SalescliError(f"salescli.yaml: {setting} gives {number!r}, which cannot "
                            "be a file name; use letters, digits, '.', '_' and '-'")
    return number


def used_sequence(pattern: str, year: int, numbers: Iterable[str],
                  setting: str = "quote.numbering") -> int:
    """The highest `{seq}` among `numbers` made by `pattern` in `year` (0 if none)."""
    regex, named = "", False
    for literal, field, spec in _pattern_fields(pattern, setting):
        regex += re.escape(literal)
        if field == "year":
            regex += re.escape(format(year, spec))
        elif field == "seq":
            regex += r"\d+" if named else r"(?P<seq>\d+)"
            named = True
    compiled = re.compile(f"^{regex}$")
    found = [int(m.group("seq")) for n in numbers if (m := compiled.match(n))]
    return max(found, default=0)


def number_and_version(deal: Any, pattern: str, date: dt.date,
                       used_numbers: Iterable[str]) -> tuple[str, int]:
    """A deal's next quote: a new version of its latest number, else a fresh number."""
    if deal.quotes:
        number = deal.quotes[-1].number
        version = max(q.version for q in deal.quotes if q.number == number) + 1
        return number, version
    seq = used_sequence(pattern, date.year, used_numbers) + 1
    return format_number(pattern, date.year, seq), 1


# ----------------------------------------------------------------------- the parties


def contact_person(deal: Any, account: Any) -> Person | None:
    """The deal's economic buyer (by deal role, else contact role), else first stakeholder."""
    contacts = {c.id: c for c in account.contacts} if account is not None else {}
    chosen = None
    for s in deal.stakeholders:
        role = s.role or (contacts[s.contact].role if s.contact in contacts else None)
        if role == "economic-buyer":
            chosen = (s, role)
            break
    if chosen is None and deal.stakeholders:
        s = deal.stakeholders[0]
        chosen = (s, s.role or (contacts[s.contact].role if s.contact in contacts else None))
    if chosen is None:
        return None
    stakeholder, role = chosen
    c = contacts.get(stakeholder.contact)
    if c is None:
        return Person(id=stakeholder.contact, name=stakeholder.contact, role=role)
    return Person(id=c.id, name=c.name, title=c.title, email=c.email, phone=c.phone, role=role)


def price_list_currency_problem(deal: Any, products: Any, currency: str) -> str | None:
    """Why the deal's items cannot take the price list's prices: they are in another
    currency than the deal (None when they can, or no item uses them)."""
    uses_list = any(i.unit_price is None for i in deal.items)
    if uses_list and products.currency and products.currency != currency:
        return (f"{deal.id} is in {currency} but products.yaml prices are in "
                f"{products.currency}; give the items a unit_price in {currency}")
    return None


def seller(settings: Any) -> Party:
    c = settings.company
    return Party(c.name, c.business_id, address_lines(c.address), c.email, c.phone,
                 c.website, c.vat_number, c.iban, c.bic)


def buyer(account: Any) -> Party:
    """The customer, at its billing address (its address when it has none)."""
    return Party(account.name, account.business_id,
                 address_lines(account.billing_address or account.address),
                 website=account.domain, vat_number=account.vat_number)


# ------------------------------------------------------------------------- the quote


def build_quote(deal: Any, account: Any, products: Any, settings: Any, date: dt.date,
                used_numbers: Iterable[str], *, draft: bool = False,
                number: tuple[str, int] | None = None) -> Quote:
    """The deal's next quote. Refuses an unapproved discount unless `draft`."""
    from salescli.core.approvals import approval_problem

    if not deal.items:
        raise QuoteError(f"{deal.id} has no items to quote; add them with "
                         f"`salescli deal item add {deal.id} PRODUCT`")
    currency = settings.currency_of(deal)
    problem = price_list_currency_problem(deal, products, currency)
    if problem:
        raise QuoteError(problem)
    threshold = settings.discount_approval_threshold
    pending = approval_problem(max((i.discount for i in deal.items), default=Decimal(0)),
                               deal.approved_by, threshold, settings.approvers)
    lines = price_lines(deal.items, products, threshold)
    quote_number, version = number or number_and_version(
        deal, settings.quote.numbering, date, used_numbers)
    quote = Quote(
        number=quote_number, version=version, date=date,
        valid_until=date + dt.timedelta(days=settings.quote.validity_days),
        currency=currency, deal_id=deal.id, title=deal.title,
        seller=seller(settings), buyer=buyer(account), contact=contact_person(deal, account),
        lines=tuple(lines), totals=totals(lines, settings.prices_include_tax),
        prices_include_tax=settings.prices_include_tax, terms=settings.quote.terms,
        # an approval that does not cover the discount (core.rules) is none
        draft=draft, approved_by=None if pending else deal.approved_by, threshold=threshold,
    )
    if quote.unapproved and not draft:
        worst = max(lines, key=lambda line: line.discount)
        raise QuoteError(
            f"cannot quote {deal.id}: {pending} (item {worst.number}); an approver runs "
            f"`salescli deal approve {deal.id}`, or render a --draft")
    if not draft and not (settings.company.name or "").strip():
        raise QuoteError("a quote needs the seller's name: set company.name in salescli.yaml "
                         "(or render a --draft)")
    return quote


# ------------------------------------------------------------------- a quote's status


def quote_status(status: str | None, date: dt.date, on: dt.date, validity_days: int) -> str:
    """A recorded quote's status on `on`: as recorded (a missing one reads as sent), or
    `expired`, never stored: a sent quote of `date` past its validity_days."""
    status = status or "sent"
    if status == "sent" and on > date + dt.timedelta(days=validity_days):
        return "expired"
    return status


def find_quote(deal: Any, which: str | None) -> int:
    """The index in `deal.quotes` of the quote `which` names: None for the deal's latest,
    a number for its latest version, `NUMBER-vN` or `vN` for a version (of the latest
    number). Refuses with the numbers there are."""
    if not deal.quotes:
        raise SalescliError(f"{deal.id} has no quote; make one with `salescli quote {deal.id}`")
    if which is None:
        return len(deal.quotes) - 1
    number, version = which, None
    m = re.fullmatch(r"(?:(.+)-)?v(\d+)", which)
    if m and not any(q.number == which for q in deal.quotes):
        number, version = m.group(1) or deal.quotes[-1].number, int(m.group(2))
    found = [i for i, q in enumerate(deal.quotes)
             if q.number == number and (version is None or q.version == version)]
    if not found:
        known = ", ".join(dict.fromkeys(f"{q.number} v{q.version}" for q in deal.quotes))
        raise SalescliError(f"{deal.id} has no quote {which}; its quotes: {known}")
    return max(found, key=lambda i: deal.quotes[i].version)


def is_latest_version(deal: Any, index: int) -> bool:
    """Whether the quote at `index` is its number's latest version on the deal."""
    q = deal.quotes[index]
    return q.version == max(x.version for x in deal.quotes if x.number == q.number)


def quoted_value(q: Any, currency: str) -> Decimal | None:
    """The value a deal takes from its accepted quote `q` (`deal win`, and a new version
    accepted once won): its total excluding VAT, to the cent as recorded (2400.00,
    never 2400.0), when it is in the deal's `currency`; else None."""
    from salescli.core.money import cents

    return cents(q.total) if q is not None and q.currency == currency else None


def accepted_quote(deal: Any) -> Any:
    """The deal's accepted quote, or None: its latest accepted version (a new version
    of an accepted quote, accepted, is what the customer agreed to last)."""
    return next((q for q in reversed(deal.quotes) if q.status == "accepted"), None)
