"""The cells of other tools' exports (import contract, "Cells"): dates, amounts,
currencies and lists, read by the pure salescli.core.cells."""

from __future__ import annotations

import datetime as dt

import pytest

from salescli.core.cells import Dates

UTC = dt.timezone.utc  # noqa: UP017 -- as the module names it


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


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
    with pytest.raises(ValueError) as err:
        Dates(fmt).parse(value)
    assert str(err.value) == message


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
    with pytest.raises(ValueError) as err:
        Dates(fmt)
    assert str(err.value) == message


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
    with pytest.raises(ValueError) as err:
        dates.parse(value)
    assert str(err.value) == message


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
        with pytest.raises(ValueError) as err:
            dates.parse("03/04/2024 10:15 AM")
        assert str(err.value) == AMBIGUOUS
    else:
        assert dates.parse("03/04/2024 10:15 AM") == expected


def test_a_format_settles_slashed_dates_without_observing():
    assert Dates("%d/%m/%Y").parse("03/04/2024 10:15 AM") == at(2024, 4, 3, 10, 15)

