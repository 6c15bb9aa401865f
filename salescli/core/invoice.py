"""Invoice arithmetic and numbering, pure: no git, no files, no terminal (issue 17).

    invoice = build_invoice(deal, account, products, settings, date, period, used_numbers)

gives a plain `Invoice` the templates render. The rules:

- Lines are priced exactly as the deal's quote (`core.quote.price_lines`, VAT once per
  rate), but an invoice bills ONE period of each recurring line: its total is its net.
- One-time items go on the deal's first invoice only (or, once it is credited, on the
  next one). A monthly item is billed every month from the won_date's month, a
  quarterly one every third month from it, an annual one in that month each year; an
  item's `cycles` limits how many periods. A deal won again goes on with its schedule.
- Numbers follow `invoice.numbering` ("{year}{seq:04d}") and are gap-free per year
  across all deals: the next is one more than the highest used in the invoice's year.
- The Finnish reference number (viitenumero) is the number's digits and a 7-3-1 check
  digit; the bank barcode (virtuaaliviivakoodi, version 4) is made when the data allow.
- A credit note has its own number from the same sequence and the reversed lines of
  the invoice it credits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from msgspec.structs import replace

from salescli.core.errors import SalescliError
from salescli.core.later import later
from salescli.core.money import CYCLES_PER_YEAR
from salescli.core.quote import Document
from salescli.core.quote import Line
from salescli.core.quote import Totals
from salescli.core.quote import VatRow
from salescli.core.quote import buyer
from salescli.core.quote import contact_person
from salescli.core.quote import format_number
from salescli.core.quote import price_lines
from salescli.core.quote import seller
from salescli.core.quote import totals
from salescli.core.quote import used_sequence

PERIOD = later(r"^(\d{4})-(0[1-9]|1[0-2])$")
# months between two billings of an item, from the deal's won month
EVERY = {"monthly": 1, "quarterly": 3, "annually": 12}


class InvoiceError(SalescliError):
    """The deal cannot be invoiced as asked (exit 1)."""


class Invoice(Document, frozen=True, kw_only=True):
    due: dt.date
    terms_days: int
    period: str | None         # YYYY-MM billed
    reference: str | None      # the reference number, digits only
    reference_printed: str | None  # grouped in fives from the right
    barcode: str | None        # the 54 digits of the virtual bank barcode
    credit_of: str | None      # a credit note: the invoice it reverses

    @property
    def credit(self) -> bool:
        return self.credit_of is not None


# ---------------------------------------------------------------- reference, barcode


def check_digit(base: str) -> int:
    """The 7-3-1 check digit of a Finnish reference number's base digits: weights
    7, 3, 1, 7, 3, 1... from the right; the check is 10 less the sum's last digit."""
    total = sum(int(d) * (7, 3, 1)[i % 3] for i, d in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def reference_number(number: str) -> str:
    """The reference number of an invoice number: its digits (no leading zeros, which
    are never printed) and the check digit. The base must have 3 to 19 digits."""
    base = re.sub(r"\D", "", number).lstrip("0")
    if not 3 <= len(base) <= 19:
        raise InvoiceError(
            f"invoice number {number!r} has {len(base)} digits; a reference number needs "
            "3 to 19: set invoice.numbering in salescli.yaml, e.g. \"{year}{seq:04d}\"")
    return f"{base}{check_digit(base)}"


def group_reference(reference: str) -> str:
    """A reference number as printed: groups of five digits from the right."""
    head = len(reference) % 5
    groups = ([reference[:head]] if head else []) + [
        reference[i:i + 5] for i in range(head, len(reference), 5)]
    return " ".join(groups)


def barcode(iban: str | None, amount: Decimal, reference: str | None, due: dt.date,
            currency: str) -> str | None:
    """The virtual bank barcode, version 4 (national reference): "4", the 16 digits of
    a Finnish IBAN, euros (6) and cents (2), "000", the reference padded to 20 and the
    due date YYMMDD: 54 digits. None unless EUR, a Finnish IBAN, a reference and an
    amount above zero and below 1,000,000 €."""
    account = re.sub(r"\s", "", iban or "").upper()
    if currency != "EUR" or not reference or not re.fullmatch(r"FI\d{16}", account):
        return None
    if not Decimal(0) < amount < Decimal(1_000_000):
        return None
    cents = int((amount * 100).to_integral_value())
    return (f"4{account[2:]}{cents // 100:06d}{cents % 100:02d}000{int(reference):020d}"
            f"{due:%y%m%d}")


def due_date(date: dt.date, terms_days: int) -> dt.date:
    return date + dt.timedelta(days=terms_days)


# ---------------------------------------------------------------------- numbering


def next_number(pattern: str, date: dt.date, used_numbers: Iterable[str]) -> str:
    """One more than the highest number used in the date's year, by any deal."""
    try:
        seq = used_sequence(pattern, date.year, used_numbers) + 1
        return format_number(pattern, date.year, seq)
    except InvoiceError:
        raise
    except SalescliError as err:  # the shared checks name the quote's setting
        raise InvoiceError(str(err).replace("quote.numbering", "invoice.numbering")
                           .replace("Q-{year}-{seq:04d}", "{year}{seq:04d}")) from None


# ------------------------------------------------------------------------ periods


def parse_period(text: str) -> tuple[int, int]:
    m = PERIOD.match(text)
    if not m:
        raise InvoiceError(f"period {text!r} is not a month YYYY-MM, e.g. 2026-11")
    return int(m.group(1)), int(m.group(2))


def won_day(deal: Any) -> dt.date:
    """The day the deal was won (one recorded won without a date: its close date, else
    its creation): no invoice is dated before it."""
    return deal.won_date or deal.close_date or deal.created


def live_invoices(invoices: Sequence[Any]) -> list[Any]:
    """The invoices that stand: no credit note, and none a credit note reverses."""
    credited = {i.credit_of for i in invoices if i.credit_of}
    return [i for i in invoices if not i.credit_of and i.number not in credited]


def billing_start(deal: Any) -> dt.date:
    """The day billing counts its months from: the won date; or the first month a live
    invoice (not credited) billed, when earlier: a deal reopened and won again goes on
    with its schedule (cycles billed stay billed), it does not start it again."""
    start = won_day(deal)
    billed = [i.period for i in live_invoices(deal.invoices) if i.period]
    if billed:
        year, month = parse_period(min(billed))
        if (year, month) < (start.year, start.month):
            return dt.date(year, month, 1)
    return start


def one_time_carrier(invoices: Sequence[Any]) -> str | None:
    """The number of the live invoice that carries the one-time items, or None: the
    deal's first invoice does; once a credit note reverses the invoice that carried
    them, the next invoice does, whatever its period."""
    carrier = None
    for i in invoices:  # in the order they were written
        if i.credit_of:
            if i.credit_of == carrier:
                carrier = None
        elif carrier is None:
            carrier = i.number
    # (a list edited out of order: a carrier credited by a note above it carries nothing)
    return carrier if carrier in {i.number for i in live_invoices(invoices)} else None


def billed_in(billing: str, cycles: int | None, start: dt.date, period: str) -> bool:
    """Whether a recurring item is billed in `period`: counted in months from the
    `start` month, every EVERY[billing] months, at most `cycles` times (none given: a
    year of them, as the quote and the deal's value count it)."""
    year, month = parse_period(period)
    months = (year * 12 + month) - (start.year * 12 + start.month)
    step = EVERY[billing]
    if months < 0 or months % step:
        return False
    return months // step < (cycles or CYCLES_PER_YEAR[billing])


def period_lines(deal: Any, products: Any, threshold: Decimal, period: str,
                 first: bool) -> list[Line]:
    """The deal's lines billed in `period`: one period of each recurring item due then,
    and the one-time items when `first`. Numbered as on the invoice."""
    start = billing_start(deal)
    priced = price_lines(deal.items, products, threshold)
    out = []
    for item, line in zip(deal.items, priced, strict=True):
        if line.billing == "one-time":
            if not first:
                continue
        elif not billed_in(line.billing, item.cycles, start, period):
            continue
        out.append(replace(line, number=len(out) + 1, cycles=1, total=line.net))
    return out


def reversed_lines(lines: Sequence[Line]) -> list[Line]:
    """A credit note's lines: the same items with the quantities and amounts negated."""
    return [replace(line, quantity=-line.quantity, net=-line.net,
                                total=-line.total) for line in lines]


def summary_totals(net: Decimal, vat: Decimal) -> Totals:
    """Totals of recorded amounts alone (a credit of an invoice whose lines the deal no
    longer prices the same): one VAT row at the rate they imply."""
    rate = (vat * 100 / net).quantize(Decimal("0.1")).normalize() if net else Decimal(0)
    row = VatRow(rate, net, vat, net + vat)
    return Totals(one_time=net, recurring={}, lines=net, net=net, vat=vat, gross=net + vat,
                  vat_rows=(row,))


# ------------------------------------------------------------------------ the invoice


def seller_problem(settings: Any) -> str | None:
    """What an invoice needs printed of the seller and the settings lack."""
    c = settings.company
    for key, what in (("name", "name"), ("business_id", "business ID"), ("iban", "IBAN")):
        if not (getattr(c, key) or "").strip():
            return f"an invoice needs the seller's {what}: set company.{key} in salescli.yaml"
    return None


def build_invoice(deal: Any, account: Any, settings: Any, date: dt.date, number: str,
                  period: str | None, lines: Sequence[Line], *,
                  credit_of: str | None = None, recorded: tuple[Decimal, Decimal] | None = None
                  ) -> Invoice:
    """An invoice (or credit note) of `lines`; `recorded` (net, VAT) stands in for the
    lines' totals when a credit note cannot list the credited invoice's lines."""
    problem = seller_problem(settings)
    if problem:
        raise InvoiceError(problem)
    to = buyer(account)
    if not to.address:
        raise InvoiceError(f"an invoice needs the buyer's address: `salescli account set "
                           f"{account.id} billing_address.street=... billing_address.postcode"
                           "=... billing_address.city=...`")
    currency = settings.currency_of(deal)
    due = due_date(date, settings.payment_terms_days)
    sums = totals(lines, settings.prices_include_tax) if recorded is None \
        else summary_totals(*recorded)
    reference = reference_number(number)
    return Invoice(
        number=number, date=date, due=due, terms_days=settings.payment_terms_days,
        period=period, currency=currency, deal_id=deal.id, title=deal.title,
        seller=seller(settings), buyer=to, contact=contact_person(deal, account),
        lines=tuple(lines), totals=sums, prices_include_tax=settings.prices_include_tax,
        reference=reference, reference_printed=group_reference(reference),
        barcode=barcode(settings.company.iban, sums.gross, reference, due, currency),
        credit_of=credit_of,
    )
