"""The cells of other tools' exports (import contract, "Cells"): dates, amounts,
currencies and lists, read by the pure salescli.core.cells."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from salescli.core.cells import Dates
from salescli.core.cells import currency_code
from salescli.core.cells import detect_decimal_comma
from salescli.core.cells import parse_amount
from salescli.core.cells import split_multi

UTC = dt.timezone.utc  # noqa: UP017 -- as the module names it


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


def refusal(call: Callable[..., object], *args: object) -> str:
    """The message of the ValueError that `call(*args)` must raise: each refusal here is
    pinned to its exact sentence."""
    with pytest.raises(ValueError) as err:
        call(*args)
    return str(err.value)


# ------------------------------------------------------------------------ dates


@pytest.mark.parametrize(("fmt", "value", "expected"), [
    # the two formats that crashed with "redefinition of group name 'M'"
    ("%m/%d/%Y %I:%M %p", "03/04/2024 10:15 PM", at(2024, 3, 4, 22, 15)),
    ("%m/%d/%Y %I:%M %p", "03/04/2024 12:15 am", at(2024, 3, 4, 0, 15)),
    ("%d.%m.%Y %H:%M", "04.03.2024 10:15", at(2024, 3, 4, 10, 15)),
    ("%d.%m.%Y %H:%M", "04.03.2024 00:00", at(2024, 3, 4, 0, 0)),  # midnight stays midnight
    # a format with a time still reads the bare dates of the same export: noon
    ("%m/%d/%Y %I:%M %p", "03/04/2024", at(2024, 3, 4, 12)),
    ("%d.%m.%Y %H:%M", "4.3.2024", at(2024, 3, 4, 12)),
    ("%Y-%m-%dT%H:%M", "2024-3-4", at(2024, 3, 4, 12)),
    # a format without a time reads the usual times after it
    ("%d/%m/%Y", "04/03/2024", at(2024, 3, 4, 12)),
    ("%d/%m/%Y", "04/03/2024 00:00", at(2024, 3, 4, 0)),
    ("%d/%m/%Y", "04/03/2024 10:15", at(2024, 3, 4, 10, 15)),
    ("%d/%m/%Y", "04/03/2024 10:15:30", at(2024, 3, 4, 10, 15, 30)),
    ("%d/%m/%Y", "04/03/2024 10:15 pm", at(2024, 3, 4, 22, 15)),
    ("%m/%d/%Y", "03/04/2024 1:05:06 AM", at(2024, 3, 4, 1, 5, 6)),
    ("%d-%b-%Y", " 04-Mar-2024 ", at(2024, 3, 4, 12)),
    # shorthands Python's strptime lacks
    ("%d.%m.%Y %T", "04.03.2024 10:15:30", at(2024, 3, 4, 10, 15, 30)),
    ("%D %R", "03/04/24 10:15", at(2024, 3, 4, 10, 15)),
    ("%F", "2024-03-04", at(2024, 3, 4, 12)),
    # an offset in the value is honoured, then UTC
    ("%Y/%m/%d %H:%M%z", "2024/03/04 10:15+0200", at(2024, 3, 4, 8, 15)),
    # ISO is read whatever the format
    ("%d/%m/%Y", "2024-03-04 10:15:00", at(2024, 3, 4, 10, 15)),
])
def test_any_date_format_with_or_without_a_time(fmt: str, value: str, expected: dt.datetime):
    assert Dates(fmt).parse(value) == expected


@pytest.mark.parametrize(("fmt", "value", "message"), [
    ("%m/%d/%Y %I:%M %p", "03/04/2024 13:15 PM",
     '"03/04/2024 13:15 PM" does not match --date-format %m/%d/%Y %I:%M %p'),
    ("%m/%d/%Y %I:%M %p", "03/04/2024 10:15",
     '"03/04/2024 10:15" does not match --date-format %m/%d/%Y %I:%M %p'),
    ("%d.%m.%Y", " 31.02.2024 ", '"31.02.2024" does not match --date-format %d.%m.%Y'),
    ("%d/%m/%Y", "4/3/24", '"4/3/24" does not match --date-format %d/%m/%Y'),
])
def test_a_value_the_date_format_does_not_read(fmt: str, value: str, message: str):
    assert refusal(lambda: Dates(fmt).parse(value)) == message


@pytest.mark.parametrize(("fmt", "message"), [
    ("%H:%M", '--date-format "%H:%M" has no date in it; use directives such as %d, %m and %Y'),
    ("dd.mm.yyyy", '--date-format "dd.mm.yyyy" has no date in it; use directives such as '
                   "%d, %m and %Y"),
    ("%d/%m/%Y %H:%M %M", '--date-format "%d/%m/%Y %H:%M %M" is not a format strptime can '
                          "read (see `man strftime`)"),
    ("%d/%m/%Y %q", '--date-format "%d/%m/%Y %q" is not a format strptime can read '
                    "(see `man strftime`)"),
    ("%G-%m-%d", '--date-format "%G-%m-%d" is not a format strptime can read '
                 "(see `man strftime`)"),
    ("%d.%m.%Y %", '--date-format "%d.%m.%Y %" is not a format strptime can read '
                   "(see `man strftime`)"),
])
def test_an_unusable_date_format_is_refused_at_once(fmt: str, message: str):
    assert refusal(Dates, fmt) == message


@pytest.mark.parametrize(("value", "expected"), [
    ("2024-03-04", at(2024, 3, 4, 12)),
    ("2024-03-04 10:15:00", at(2024, 3, 4, 10, 15)),
    ("2024-03-04T10:15:00Z", at(2024, 3, 4, 10, 15)),
    ("2024-03-04T10:15:00+02:00", at(2024, 3, 4, 8, 15)),
    ("4.3.2024", at(2024, 3, 4, 12)),
    ("4.3.2024 10:15", at(2024, 3, 4, 10, 15)),
    ("04.03.2024 10:15:30", at(2024, 3, 4, 10, 15, 30)),
    # slashed, once the import has said month-first (12/31/2024 below)
    ("03/04/2024", at(2024, 3, 4, 12)),
    ("03/04/2024 10:15", at(2024, 3, 4, 10, 15)),
    ("3/4/2024 10:15 AM", at(2024, 3, 4, 10, 15)),
    ("3/4/2024 10:15 PM", at(2024, 3, 4, 22, 15)),
    ("03/04/2024 12:05:33 pm", at(2024, 3, 4, 12, 5, 33)),
    ("03/04/2024 12:05 AM", at(2024, 3, 4, 0, 5)),
    ("03/04/2024 12:00 am", at(2024, 3, 4, 0, 0)),
    ("03/04/2024 1:00AM", at(2024, 3, 4, 1, 0)),
    ("03/04/2024 11:59 PM", at(2024, 3, 4, 23, 59)),
    ("  03/04/2024  ", at(2024, 3, 4, 12)),
])
def test_dates_found_without_a_format(value: str, expected: dt.datetime):
    dates = Dates()
    dates.observe(["12/31/2024", "", "2024-01-01"])
    assert dates.parse(value) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("31.02.2024", '"31.02.2024" is not a real date'),
    ("4.3.2024 24:00", '"4.3.2024 24:00" is not a real date and time'),
    ("2024-13-01", '"2024-13-01" is not a real date and time'),
    (" 02/30/2024 ", '"02/30/2024" is not a real date'),
    ("03/04/2024 13:15 PM", '"03/04/2024 13:15 PM" is not a real date and time'),
    ("03/04/2024 0:15 AM", '"03/04/2024 0:15 AM" is not a real date and time'),
    ("03/04/2024 10:61", '"03/04/2024 10:61" is not a real date and time'),
    ("next Tuesday", '"next Tuesday" is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, '
                     "or pass --date-format)"),
    ("03/04/24", '"03/04/24" is not a date (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, '
                 "or pass --date-format)"),
])
def test_what_is_no_date(value: str, message: str):
    dates = Dates()
    dates.observe(["12/31/2024"])
    assert refusal(dates.parse, value) == message


AMBIGUOUS = ('"03/04/2024 10:15 AM" is ambiguous (day/month or month/day?): pass '
             "--date-format %d/%m/%Y or --date-format %m/%d/%Y")


@pytest.mark.parametrize(("seen", "expected"), [
    (["25/12/2024"], at(2024, 4, 3, 10, 15)),  # a first part over 12: day-first
    (["12/25/2024 9:00 PM"], at(2024, 3, 4, 10, 15)),  # a second part over 12: month-first
    ([], None),  # nothing says
    (["03/04/2024", "4.3.2024", "2024-12-31"], None),  # dotted and ISO say nothing of slashes
    (["25/12/2024", "12/25/2024"], None),  # both: the import contradicts itself
])
def test_the_import_settles_the_order_of_slashed_dates(seen: list[str],
                                                       expected: dt.datetime | None):
    dates = Dates()
    dates.observe(seen)
    if expected is None:
        assert refusal(dates.parse, "03/04/2024 10:15 AM") == AMBIGUOUS
    else:
        assert dates.parse("03/04/2024 10:15 AM") == expected


def test_a_format_settles_slashed_dates_without_observing():
    assert Dates("%d/%m/%Y").parse("03/04/2024 10:15 AM") == at(2024, 4, 3, 10, 15)


# ---------------------------------------------------------------------- amounts


@pytest.mark.parametrize(("text", "comma", "expected", "currency"), [
    # everything money.parse_grouped reads, and more
    ("18500", False, "18500.00", None),
    ("48000.5", False, "48000.50", None),
    ("48,000.50", False, "48000.50", None),
    ("48 000.50", False, "48000.50", None),
    ("48\u00a0000.50", False, "48000.50", None),
    ("1,000,000", False, "1000000.00", None),
    ("1.000", False, "1.00", None),  # three decimals that are zeros: to the cent
    ("0", False, "0.00", None),
    ("-0", False, "0.00", None),
    # decimal comma, grouped by spaces, no-break spaces, points, apostrophes
    ("18 500,00", True, "18500.00", None),
    ("18\u00a0500,00", True, "18500.00", None),
    ("18\u202f500,5", True, "18500.50", None),
    ("18.500,00", True, "18500.00", None),
    ("1.234.567,89", True, "1234567.89", None),
    ("18.500", True, "18500.00", None),
    ("18500,5", True, "18500.50", None),
    ("1'234'567,89", True, "1234567.89", None),
    # decimal point, grouped by commas, spaces, apostrophes
    ("18'500.00", False, "18500.00", None),
    ("1’234.56", False, "1234.56", None),
    ("1\u202f234.56", False, "1234.56", None),
    # a currency before or after, with or without a space (euros: the test below)
    ("18500 SEK", False, "18500.00", "SEK"),
    ("$1,200", False, "1200.00", "USD"),
    ("US$ 1,200.50", False, "1200.50", "USD"),
    ("£ 99.99", False, "99.99", "GBP"),
    ("Fr. 1'234.50", False, "1234.50", "CHF"),
    ("1 234,50 zł", True, "1234.50", "PLN"),
    ("$1,200 USD", False, "1200.00", "USD"),  # the same currency twice is one
    # decimal_comma None (the file did not say): a point, but never `18.500`
    ("18,500", None, "18500.00", None),
    ("18500", None, "18500.00", None),
    ("0.500", None, "0.50", None),
    ("1234.500", None, "1234.50", None),
])
def test_amounts(text: str, comma: bool | None, expected: str, currency: str | None):
    assert parse_amount(text, comma) == (Decimal(expected), currency)


@pytest.mark.parametrize(("text", "comma"), [
    ("€18,500.00", False), ("€ 18,500.00", False), ("18 500,00 €", True),
    ("18\u00a0500,00\u00a0€", True), ("18500€", True), ("EUR 18500", False), ("eur18500", False),
])
def test_euros_before_or_after_with_or_without_a_space(text: str, comma: bool):
    """Each way of writing 18,500 euros with their currency reads as 18500.00 EUR."""
    assert parse_amount(text, comma) == (Decimal("18500.00"), "EUR")


def test_a_currency_hint_says_which_symbol():
    assert parse_amount("1 200 kr", True, "SEK") == (Decimal("1200.00"), "SEK")
    assert parse_amount("kr. 1.200,00", True, "dkk") == (Decimal("1200.00"), "DKK")
    assert parse_amount("$1,200", False, "CAD") == (Decimal("1200.00"), "CAD")
    assert parse_amount("$1,200", False, "EUR") == (Decimal("1200.00"), "USD")
    assert parse_amount("¥1,200", False, "CNY") == (Decimal("1200.00"), "CNY")


@pytest.mark.parametrize(("text", "comma", "message"), [
    ("", False, '"" is not a number'),
    ("   ", False, '"" is not a number'),
    ("abc", False, '"abc" is not a number'),
    ("1,2,3", False, '"1,2,3" is not a number'),
    ("1.2.3", True, '"1.2.3" is not a number'),
    ("1,23,456.00", False, '"1,23,456.00" is not a number'),  # Indian grouping
    ("1234,567.00", False, '"1234,567.00" is not a number'),
    ("18 50", False, '"18 50" is not a number'),
    ("18  500", False, '"18  500" is not a number'),
    ("1 234,567.00", False, '"1 234,567.00" is not a number'),  # two kinds of grouping
    ("18 500,00", False, '"18 500,00" is not a number'),  # a comma is no decimal point
    ("18,500.00", True, '"18,500.00" is not a number'),
    ("1.234.567", None, '"1.234.567" is not a number'),
    ("5.", False, '"5." is not a number'),
    (".5", False, '".5" is not a number'),
    ("(5)", False, '"(5)" is not a number'),
    ("+5", False, '"+5" is not a number'),
    ("5 - 6", False, '"5 - 6" is not a number'),
    ("-5", False, '"-5" is negative; an amount of money is 0 or more'),
    (" -48,000.50 ", False, '"-48,000.50" is negative; an amount of money is 0 or more'),
    ("€ -5", False, '"€ -5" is negative; an amount of money is 0 or more'),
    ("-18 500,00 €", True, '"-18 500,00 €" is negative; an amount of money is 0 or more'),
    ("\u22125", False, '"\u22125" is negative; an amount of money is 0 or more'),
    ("1.005", False, '"1.005" has more than 2 decimals; money is kept to the cent'),
    ("1,005", True, '"1,005" has more than 2 decimals; money is kept to the cent'),
    ("18.500", None, '"18.500" could be 18500 or 18.5: pass --decimal-comma or '
                     "--decimal-point"),
    ("€1.000", None, '"€1.000" could be 1000 or 1: pass --decimal-comma or --decimal-point'),
    ("1" * 30, False, f'"{"1" * 30}" is too large; an amount is below 1,000,000,000,000'),
    ("1 200 kr", True, '"kr" could be SEK, NOK, DKK or ISK: pass --currency SEK'),
    ("5 XYZ1", False, '"5 XYZ1" is not a number'),
    ("5 EURO", False, '"EURO" is not a currency: use a 3-letter code such as EUR'),
    ("$1,200 EUR", False, '"$1,200 EUR" names two currencies'),
])
def test_what_is_no_amount(text: str, comma: bool | None, message: str):
    assert refusal(parse_amount, text, comma) == message


@pytest.mark.parametrize(("text", "expected"), [
    # what the importer's old parse_grouped read, and read the same
    ("48000", "48000.00"), ("48000.5", "48000.50"), ("48,000.50", "48000.50"),
    ("48 000.50", "48000.50"), ("0.1", "0.10"), ("48\u00a0000", "48000.00"),
    ("1,000,000.00", "1000000.00"), ("1.000", "1.00"), ("-0", "0.00"), ("007", "7.00")])
def test_parse_amount_reads_spreadsheet_amounts(text: str, expected: str):
    assert parse_amount(text, False) == (Decimal(expected), None)


@pytest.mark.parametrize(("values", "expected"), [
    ([], None),
    (["", "  "], None),
    (["18500", "18,500", "18.500", "€ 1 200", "abc"], None),
    (["18500,5"], True),
    (["18 500,00"], True),
    (["18.500,00"], True),
    (["1.234.567"], True),  # repeated, a point groups thousands
    (["€18,5"], True),
    (["1'234,56 CHF"], True),
    (["18500.5"], False),
    (["1,200.50"], False),
    (["1,234,567"], False),
    (["$1,200", "EUR 18500.00", "18,500"], False),
    (["1'234.56"], False),
])
def test_the_decimal_sign_of_a_file(values: list[str], expected: bool | None):
    assert detect_decimal_comma(values) is expected


def test_a_file_that_says_both_decimal_signs_is_refused():
    assert refusal(detect_decimal_comma, ["18500", " 18 500,00 ", "1,200.50", "3,5"]) == (
        'amounts mix decimal commas ("18 500,00") and decimal points ("1,200.50"); pass '
        "--decimal-comma or --decimal-point")


# ------------------------------------------------------------------- currencies


@pytest.mark.parametrize(("text", "hint", "expected"), [
    ("EUR", None, "EUR"), ("eur", None, "EUR"), (" Sek ", None, "SEK"),
    ("CHF", None, "CHF"), ("Fr.", None, "CHF"),
    ("€", None, "EUR"), ("£", None, "GBP"), ("zł", None, "PLN"),
    ("$", None, "USD"), ("US$", None, "USD"), ("$", "CAD", "CAD"), ("$", "aud", "AUD"),
    ("$", "nzd", "NZD"), ("$", "SGD", "SGD"), ("$", "HKD", "HKD"), ("$", "EUR", "USD"),
    ("US$", "CAD", "USD"),
    ("¥", None, "JPY"), ("¥", "CNY", "CNY"), ("¥", "USD", "JPY"),
    ("kr", "SEK", "SEK"), ("kr.", "NOK", "NOK"), ("KR", "dkk", "DKK"), ("kr", "ISK", "ISK"),
    ("EUR", "USD", "EUR"),
])
def test_currency_codes(text: str, hint: str | None, expected: str):
    assert currency_code(text, hint) == expected


@pytest.mark.parametrize(("text", "hint"), [("kr", None), ("kr.", "EUR")])
def test_a_krona_without_a_hint_of_which_is_refused(text: str, hint: str | None):
    """kr is the Swedish, Norwegian, Danish or Icelandic krona: no hint, or one that is
    none of them, leaves it open."""
    assert refusal(currency_code, text, hint) == (
        f'"{text}" could be SEK, NOK, DKK or ISK: pass --currency SEK')


@pytest.mark.parametrize("text", ["XYZ1", "EURO", "", "€€"])
def test_what_is_no_currency(text: str):
    assert refusal(currency_code, text, None) == (
        f'"{text}" is not a currency: use a 3-letter code such as EUR')


# ------------------------------------------------------------------------ lists


@pytest.mark.parametrize(("cell", "expected"), [
    ("", []),
    ("anna@beta.fi", ["anna@beta.fi"]),
    ("anna@beta.fi, ben@beta.fi", ["anna@beta.fi", "ben@beta.fi"]),
    ("anna@beta.fi;ben@beta.fi ; ;", ["anna@beta.fi", "ben@beta.fi"]),
    ("Anna@Beta.fi, anna@beta.fi, ben@beta.fi", ["Anna@Beta.fi", "ben@beta.fi"]),
    ("+358 40 111 1111, +358401111111", ["+358 40 111 1111", "+358401111111"]),
])
def test_several_emails_or_phones_in_one_cell(cell: str, expected: list[str]):
    assert split_multi(cell) == expected


# --------------------------------------------------------------------- property

BEFORE = ["", "€", "€ ", "$", "EUR ", "eur", "£\u00a0"]
AFTER = ["", "€", " €", " EUR", "EUR", "\u00a0€"]


def grouped(whole: int, sep: str) -> str:
    return f"{whole:,}".replace(",", sep)


# each convention: how one amount is written, from whole units and cents (None: no
# decimals written)
CONVENTIONS = {
    "us": (",", "."), "finnish": (" ", ","), "finnish-nbsp": ("\u00a0", ","),
    "german": (".", ","), "swiss": ("'", "."), "plain-point": ("", "."),
    "plain-comma": ("", ","),
}


def written(cents: int, convention: str, decimals: bool, symbol: tuple[str, str]) -> str:
    group, point = CONVENTIONS[convention]
    number = grouped(cents // 100, group) if group else str(cents // 100)
    if decimals:
        number += f"{point}{cents % 100:02}"
    return symbol[0] + number + symbol[1]


@st.composite
def one_file(draw: st.DrawFn, decimals: bool) -> tuple[list[str], list[Decimal]]:
    """Amounts of one file written in one convention, each with or without a symbol
    before or after; without decimals, the amounts are whole."""
    convention = draw(st.sampled_from(sorted(CONVENTIONS)))
    amounts = draw(st.lists(st.integers(0, 10**11 if decimals else 10**9),
                            min_size=1, max_size=5))
    if not decimals:
        amounts = [a * 100 for a in amounts]
    cells = []
    for cents in amounts:
        symbol = draw(st.one_of(st.tuples(st.sampled_from(BEFORE), st.just("")),
                                st.tuples(st.just(""), st.sampled_from(AFTER))))
        cells.append(written(cents, convention, decimals, symbol))
    return cells, [Decimal(c) / 100 for c in amounts]


@settings(max_examples=300, deadline=None)
@given(one_file(decimals=True))
def test_any_convention_reads_back_the_amounts(file: tuple[list[str], list[Decimal]]):
    cells, amounts = file
    detected = detect_decimal_comma(cells)
    for cell, amount in zip(cells, amounts, strict=True):
        assert parse_amount(cell, detected)[0] == amount
        if detected is None:
            assert parse_amount(cell, False)[0] == amount


@settings(max_examples=300, deadline=None)
@given(one_file(decimals=False))
def test_whole_amounts_are_read_right_or_refused_never_misread(
        file: tuple[list[str], list[Decimal]]):
    cells, amounts = file
    detected = detect_decimal_comma(cells)
    for cell, amount in zip(cells, amounts, strict=True):
        try:
            assert parse_amount(cell, detected)[0] == amount
        except ValueError as err:  # only `18.500` when nothing in the file says
            assert detected is None and "pass --decimal-comma or --decimal-point" in str(err)
