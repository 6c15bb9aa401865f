"""Invoice arithmetic (salescli.core.invoice), pure: reference numbers and bank barcodes
against published worked examples, numbering, due dates and billing periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from salescli.core.invoice import InvoiceError
from salescli.core.invoice import barcode
from salescli.core.invoice import billed_in
from salescli.core.invoice import billing_start
from salescli.core.invoice import check_digit
from salescli.core.invoice import due_date
from salescli.core.invoice import group_reference
from salescli.core.invoice import next_number
from salescli.core.invoice import one_time_carrier
from salescli.core.invoice import period_lines
from salescli.core.invoice import reference_number
from salescli.core.invoice import reversed_lines
from salescli.core.model import Item
from salescli.core.model import Products
from salescli.core.quote import totals


@pytest.mark.parametrize(("base", "reference"), [
    # "617435 4": http://tarkistusmerkit.teppovuori.fi/tarkmerk.htm#viitenumero, as
    # quoted in https://gist.github.com/onnimonni/02514d297ff0366f1fa6a78876e616e7
    ("617435", "6174354"),
    # https://packagist.org/packages/enberg/viite: generate('123123') is "1231234"
    ("123123", "1231234"),
    # https://github.com/tanty/finnish-reference-number: 23409678 prints "2340 96783"
    ("23409678", "234096783"),
    # https://github.com/akselinurmio/virtuaaliviivakoodi README: reference 11112
    ("1111", "11112"),
])
def test_reference_numbers_of_worked_examples(base: str, reference: str):
    assert reference_number(base) == reference
    assert check_digit(base) == int(reference[-1])


def test_check_digit_ten_is_zero():
    # 1x7 + 2x3 + 3x1 = 16 -> 4; 100: 0x7 + 0x3 + 1x1 = 1 -> 9; 334: 4x7+3x3+3 = 40 -> 0
    assert (check_digit("321"), check_digit("100"), check_digit("334")) == (4, 9, 0)


def test_reference_of_an_invoice_number_and_its_print():
    # digits only, no leading zeros (never printed)
    assert reference_number("INV-2026-0001") == reference_number("20260001") == "202600017"
    assert group_reference("234096783") == "2340 96783"  # the tanty example's print
    assert group_reference("1234") == "1234"
    assert group_reference("12345678901234567890") == "12345 67890 12345 67890"


@pytest.mark.parametrize("number", ["0001", "12", "12345678901234567890"])
def test_reference_base_must_have_3_to_19_digits(number: str):
    with pytest.raises(InvoiceError, match="a reference number needs 3 to 19: set "
                       "invoice.numbering in salescli.yaml"):
        reference_number(number)


def test_barcode_of_the_worked_example():
    # https://github.com/akselinurmio/virtuaaliviivakoodi README: FI37 1590 3000 0007 76,
    # reference 11112, 12.25 €, due 2016-12-21
    code = barcode("FI37 1590 3000 0007 76", Decimal("12.25"), "11112",
                   dt.date(2016, 12, 21), "EUR")
    assert code == "437159030000007760000122500000000000000000011112161221"
    assert len(code) == 54


@pytest.mark.parametrize(("iban", "amount", "currency"), [
    ("SE45 5000 0000 0583 9825 7466", Decimal("12.25"), "EUR"),  # not a Finnish IBAN
    ("FI37 1590 3000 0007 76", Decimal("12.25"), "SEK"),  # not euros
    ("FI37 1590 3000 0007 76", Decimal("1000000.00"), "EUR"),  # a million or more
    ("FI37 1590 3000 0007 76", Decimal("-12.25"), "EUR"),  # a credit note
    ("FI37 1590 3000 0007 76", Decimal("0.00"), "EUR"),
    (None, Decimal("12.25"), "EUR"),
])
def test_no_barcode_when_the_data_do_not_allow(iban, amount, currency):
    assert barcode(iban, amount, "11112", dt.date(2016, 12, 21), currency) is None


def test_barcode_largest_amount():
    code = barcode("FI3715903000000776", Decimal("999999.99"), "11112",
                   dt.date(2027, 1, 5), "EUR")
    assert code is not None and code[17:25] == "99999999" and code.endswith("270105")


def test_due_date():
    assert due_date(dt.date(2026, 12, 20), 14) == dt.date(2027, 1, 3)
    assert due_date(dt.date(2026, 12, 20), 0) == dt.date(2026, 12, 20)


def test_numbering_is_gap_free_per_year_across_deals():
    used = ["20260001", "20260003", "20250009", "Q-2026-0004", "20270001"]
    assert next_number("{year}{seq:04d}", dt.date(2026, 5, 1), used) == "20260004"
    assert next_number("{year}{seq:04d}", dt.date(2025, 5, 1), used) == "20250010"
    assert next_number("{year}{seq:04d}", dt.date(2028, 1, 1), used) == "20280001"
    assert next_number("INV-{year}-{seq:03d}", dt.date(2026, 5, 1),
                       ["INV-2026-041"]) == "INV-2026-042"
    with pytest.raises(InvoiceError, match="invoice.numbering"):
        next_number("{year}", dt.date(2026, 5, 1), [])


@pytest.mark.parametrize(("billing", "cycles", "period", "billed"), [
    ("monthly", None, "2026-10", True),
    ("monthly", None, "2027-09", True),   # no cycles: a year's, as the quote counts them
    ("monthly", None, "2027-10", False),  # (SPEC §3.3), and not the 13th month
    ("monthly", None, "2026-09", False),  # before the won month
    ("monthly", 3, "2026-12", True),
    ("monthly", 3, "2027-01", False),  # its three cycles are used up
    ("monthly", 24, "2028-09", True),
    ("quarterly", None, "2027-01", True),
    ("quarterly", None, "2027-07", True),
    ("quarterly", None, "2027-10", False),
    ("quarterly", None, "2026-11", False),
    ("quarterly", 2, "2027-04", False),
    ("annually", None, "2026-10", True),
    ("annually", None, "2027-10", False),
    ("annually", 3, "2028-10", True),
    ("annually", None, "2027-09", False),
])
def test_billing_periods_count_from_the_won_month(billing, cycles, period, billed):
    assert billed_in(billing, cycles, dt.date(2026, 10, 15), period) is billed


def _deal(*items: Item) -> SimpleNamespace:
    return SimpleNamespace(items=list(items), won_date=dt.date(2026, 10, 15),
                           close_date=None, created=dt.date(2026, 9, 1), invoices=[])


def _inv(number: str, period: str | None = None, credit_of: str | None = None
         ) -> SimpleNamespace:
    return SimpleNamespace(number=number, period=period, credit_of=credit_of)


@pytest.mark.parametrize("invoices,carrier", [
    ([], None),
    ([_inv("1")], "1"),
    ([_inv("1"), _inv("2"), _inv("3", credit_of="1")], None),  # 2 did not carry them
    ([_inv("1"), _inv("2", credit_of="1"), _inv("3")], "3"),  # 3 did
    ([_inv("2", credit_of="1"), _inv("1")], None),  # edited out of order
])
def test_one_time_items_are_carried_by_one_live_invoice(invoices, carrier):
    assert one_time_carrier(invoices) == carrier


def test_billing_starts_at_the_first_live_invoice_or_the_win():
    deal = _deal()
    assert billing_start(deal) == dt.date(2026, 10, 15)
    # won again in February: the schedule goes on from October's invoice
    deal.won_date = dt.date(2027, 2, 10)
    deal.invoices = [_inv("1", "2026-10"), _inv("2", "2026-11")]
    assert billing_start(deal) == dt.date(2026, 10, 1)
    # October credited: November's invoice is the first live one
    deal.invoices.append(_inv("3", credit_of="1"))
    assert billing_start(deal) == dt.date(2026, 11, 1)
    # everything credited: the schedule starts at the new win
    deal.invoices.append(_inv("4", credit_of="2"))
    assert billing_start(deal) == dt.date(2027, 2, 10)


def test_period_lines_bill_one_period_and_one_time_items_first_only():
    deal = _deal(Item(name="Licence", quantity=Decimal(3), unit_price=Decimal("99.99"),
                      billing="monthly", tax_rate=Decimal("25.5")),
                 Item(name="Setup", unit_price=Decimal("500"), tax_rate=Decimal("25.5")),
                 Item(name="Books", unit_price=Decimal("49.90"), tax_rate=Decimal(10),
                      billing="annually"))
    products = Products()
    first = period_lines(deal, products, Decimal(15), "2026-10", first=True)
    assert [(line.number, line.name, line.total) for line in first] == [
        (1, "Licence", Decimal("299.97")), (2, "Setup", Decimal("500.00")),
        (3, "Books", Decimal("49.90"))]
    # VAT once per rate: 799.97 x 25.5 % = 203.99235 -> 203.99; 49.90 x 10 % = 4.99
    sums = totals(first)
    assert [(r.rate, r.vat) for r in sums.vat_rows] == [
        (Decimal("25.5"), Decimal("203.99")), (Decimal(10), Decimal("4.99"))]
    assert sums.gross == Decimal("1058.85")
    later = period_lines(deal, products, Decimal(15), "2026-11", first=False)
    assert [line.name for line in later] == ["Licence"]
    credit = totals(reversed_lines(first))
    assert (credit.net, credit.vat, credit.gross) == (-sums.net, -sums.vat, -sums.gross)
