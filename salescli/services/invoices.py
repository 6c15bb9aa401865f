"""`invoice`: a won deal's invoice for a billing period, or a credit note reversing one.

The arithmetic is in `salescli.core.invoice`; this module wires the deal's records to
it, renders the document and records it: `invoices/YEAR/NUMBER.EXT` and the deal's
`invoices:` entry are one commit, or neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from msgspec import Struct

from salescli.core.invoice import PERIOD  # noqa: F401 (the CLI checks --period with it)
from salescli.services.documents import Issued
from salescli.services.documents import _document
from salescli.services.documents import _plain
from salescli.services.documents import document_language
from salescli.services.documents import issue_document
from salescli.services.documents import used_numbers
from salescli.services.options import COMMIT
from salescli.services.options import Options
from salescli.services.quotes import as_quoted
from salescli.services.quotes import written_with
from salescli.services.read import Warn
from salescli.services.read import records_index

INVOICES_DIR = "invoices"


def _credited(deal: Any) -> dict[str, str]:
    """Invoice number -> the credit note that reverses it."""
    return {i.credit_of: i.number for i in deal.invoices if i.credit_of}


def _invoice_lines(repo: Any, deal: Any, period: str, warn: Warn
                   ) -> tuple[list[Any], str]:
    """The lines of the deal's next invoice for `period` (refused when there are none
    or the period is billed already)."""
    from salescli.core.invoice import InvoiceError
    from salescli.core.invoice import billing_start
    from salescli.core.invoice import live_invoices
    from salescli.core.invoice import one_time_carrier
    from salescli.core.invoice import parse_period
    from salescli.core.invoice import period_lines
    from salescli.core.invoice import won_day
    from salescli.core.quote import price_list_currency_problem

    year, month = parse_period(period)
    start = billing_start(deal)
    if (year, month) < (start.year, start.month):
        since = "was won in" if start == won_day(deal) else "is billed from"
        raise InvoiceError(f"{deal.id} {since} {start:%Y-%m}: bill a period from then on "
                           f"(--period {start:%Y-%m} or later)")
    clash = next((i for i in live_invoices(deal.invoices) if i.period == period), None)
    if clash is not None:
        raise InvoiceError(
            f"{deal.id} is invoiced for {period} already: invoice {clash.number} (credit it "
            f"with `salescli invoice {deal.id} --credit {clash.number}` to bill it again)")
    quoted, products = as_quoted(repo, deal, warn, "invoice")  # what was accepted
    problem = price_list_currency_problem(quoted, products, repo.settings.currency_of(deal))
    if problem:
        raise InvoiceError(problem)
    carrier = one_time_carrier(deal.invoices)
    threshold = repo.settings.discount_approval_threshold
    lines = period_lines(quoted, products, threshold, period, first=carrier is None)
    if _accepted_after(deal, carrier) and any(
            line.billing == "one-time"
            for line in period_lines(quoted, products, threshold, period, first=True)):
        warn(f"note: {deal.id}'s quote was accepted after invoice {carrier} billed its "
             "one-time items: one-time work the quote adds or changes is not billed again; "
             "bill it on its own (a deal of its own, say)")
    if not lines:
        raise InvoiceError(f"{deal.id} has nothing to bill for {period}: no item is due "
                           "then (choose another --period)")
    return lines, period


def _accepted_after(deal: Any, carrier: str | None) -> bool:
    """Whether the deal's quote was accepted after invoice `carrier` billed its one-time
    items: a change order, whose new one-time work no invoice bills (one-time items are
    billed once, and salescli cannot tell what of them is new)."""
    from salescli.core.quote import accepted_quote

    q = accepted_quote(deal)
    billed = next((i for i in deal.invoices if i.number == carrier), None)
    # (the day of the invoice itself: the usual accept, win and invoice in one morning)
    return None not in (q, billed) and q.decided is not None and q.decided > billed.date


def _credit_lines(repo: Any, deal: Any, number: str) -> tuple[Any, list[Any], Any]:
    """The invoice `number` credits, the reversed lines, and its recorded amounts when
    the deal no longer prices its lines the same (else None)."""
    from salescli.core.errors import SalescliError
    from salescli.core.invoice import InvoiceError
    from salescli.core.invoice import period_lines
    from salescli.core.invoice import reversed_lines
    from salescli.core.quote import totals

    original = next((i for i in deal.invoices if i.number == number), None)
    if original is None:
        known = ", ".join(i.number for i in deal.invoices if not i.credit_of) or "none"
        raise InvoiceError(f"{deal.id} has no invoice {number} to credit (its invoices: "
                           f"{known})")
    if original.credit_of:
        raise InvoiceError(f"{number} is a credit note (of invoice {original.credit_of}); "
                           "credit an invoice")
    by = _credited(deal).get(number)
    if by:
        raise InvoiceError(f"invoice {number} is credited already by credit note {by}")
    settings = repo.settings
    # the invoice's lines, with or without its one-time items, as the accepted quote
    # prices them, or as the deal and price list did when the invoice was written: when
    # one matches what was recorded, the credit note lists them
    def quoted() -> tuple[Any, Any] | None:
        try:
            return as_quoted(repo, deal)
        except SalescliError:  # the quote's items are gone: the invoice's own may do
            return None

    sources = (quoted, lambda: written_with(repo, deal, original.file, original.date))
    for source in filter(None, (made() for made in sources)):
        for first in (True, False):
            try:
                lines = period_lines(*source, settings.discount_approval_threshold,
                                     original.period or f"{original.date:%Y-%m}", first)
            except SalescliError:  # an item the price list no longer prices
                break
            sums = totals(lines, settings.prices_include_tax)
            if lines and (sums.net, sums.vat) == (original.total, original.vat):
                return original, reversed_lines(lines), None
    from salescli.core.money import CENT

    # to the cent as an invoice's amounts are written (7873.30, not 7873.3)
    return original, [], (-original.total.quantize(CENT), -original.vat.quantize(CENT))


def _latest_date(repo: Any, year: int | None, warn: Warn) -> dt.date | None:
    """The latest date of the invoices and credit notes of `year` (None: of any), of
    every deal."""
    with records_index(repo, ("deal",), warn) as index:
        rows = index.query("SELECT max(date) FROM invoices WHERE substr(date, 1, 4) = ?",
                           (str(year),)) if year else \
            index.query("SELECT max(date) FROM invoices")
    latest = rows[0][0] if rows else None
    return dt.date.fromisoformat(latest) if latest else None


def _prepare(repo: Any, deal: Any, account: Any, fmt: str, when: dt.date,
             period: str | None, credit: str | None, lang: str | None,
             used: list[str], warn: Warn) -> tuple[Any, str | bytes]:
    """The invoice or credit note the deal gets now, and its document."""
    from salescli.core.invoice import InvoiceError
    from salescli.core.invoice import build_invoice
    from salescli.core.invoice import next_number
    from salescli.core.invoice import won_day

    if credit is None and deal.status != "won":
        raise InvoiceError(f"cannot invoice {deal.id}: it is {deal.status}, not won; win it "
                           f"first with `salescli deal win {deal.id}`")
    won = won_day(deal)
    if credit is None and when < won:
        raise InvoiceError(f"cannot date an invoice of {deal.id} {when}: it was won on "
                           f"{won}; date it then or later (--date)")
    # gap-free numbers run with the dates: no invoice dated before the last one of its
    # sequence (of the year, or of all years for a numbering without {year})
    pattern = repo.settings.invoice.numbering
    yearly = "{year" in pattern
    latest = _latest_date(repo, when.year if yearly else None, warn)
    if latest is not None and when < latest:
        raise InvoiceError(f"cannot date an invoice {when}: invoices are numbered in date "
                           f"order and the last one{' this year' if yearly else ''} is "
                           f"dated {latest}; date it then or later (--date)")
    number = next_number(pattern, when, used)
    if credit is not None:
        original, lines, recorded = _credit_lines(repo, deal, credit)
        invoice = build_invoice(deal, account, repo.settings, when, number, original.period,
                                lines, credit_of=original.number, recorded=recorded)
    else:
        lines, period = _invoice_lines(repo, deal, period or f"{when:%Y-%m}", warn)
        invoice = build_invoice(deal, account, repo.settings, when, number, period, lines)
    context = {"invoice": invoice, "deal": _plain(deal), "account": _plain(account)}
    return invoice, _document(repo, "invoice", fmt, context, invoice.currency,
                              document_language(repo.settings, account, lang))


def invoice_text(repo: Any, deal_id: str, fmt: str, date: str | dt.date | None,
                 period: str | None, credit: str | None, lang: str | None,
                 warn: Warn) -> str | bytes:
    """The invoice (or credit note) the deal would get now, numbered as it would be;
    nothing is written."""
    from salescli.services.edit import today

    d = repo.load("deal", deal_id)
    account = repo.load("account", d.account)
    return _prepare(repo, d, account, fmt, today(date), period, credit, lang,
                    used_numbers(repo, "invoices", warn), warn)[1]


class InvoiceMade(Struct):
    """An invoice written to invoices/YEAR/ and recorded on the deal."""

    change: Any  # the finished change: its commit, or why there is none
    number: str
    file: str  # the document, relative to the repository
    gross: str  # the payable total with VAT, in the settings' locale
    due: dt.date
    credit_of: str | None


def make_invoice(repo: Any, deal_id: str, fmt: str, period: str | None, credit: str | None,
                 lang: str | None, warn: Warn, opts: Options = COMMIT) -> InvoiceMade:
    """Write the deal's invoice and record it on the deal: one commit, or neither."""
    from salescli.core.l10n import money
    from salescli.services.edit import today

    when = today(opts.date)

    def prepare(s: Any, d: Any) -> Issued:
        account = s.repo.load("account", d.account)
        invoice, text = _prepare(s.repo, d, account, fmt, when, period, credit, lang,
                                 used_numbers(s.repo, "invoices", warn), warn)
        path = s.root / INVOICES_DIR / str(when.year) / f"{invoice.number}.{fmt}"
        rel = s.repo.rel(path)
        ref = {"number": invoice.number, "date": invoice.date, "due": invoice.due,
               "period": invoice.period, "total": invoice.totals.net,
               "vat": invoice.totals.vat, "currency": invoice.currency,
               "reference": invoice.reference, "file": rel,
               "sha256": hashlib.sha256(
                   text.encode("utf-8") if isinstance(text, str) else text).hexdigest()}
        if invoice.credit_of:
            ref["credit_of"] = invoice.credit_of
        kind = "credit note" if invoice.credit_of else "invoice"
        # an invoice is never overwritten, whatever the records say
        return Issued(path, text, ref, f"{kind} {invoice.number}",
                      f"{rel} exists already; invoice numbers are never reused (is a "
                      "deal's `invoices:` entry missing?)", invoice)

    s, doc = issue_document(repo, deal_id, "invoice", "invoices", opts, prepare)
    invoice = doc.source
    return InvoiceMade(s, invoice.number, doc.ref["file"],
                       money(invoice.totals.gross, invoice.currency, s.repo.settings.locale),
                       invoice.due, invoice.credit_of)
