"""The cells of other tools' CSV exports (the import contract, "Cells"): dates, amounts
and currencies, lists of e-mails or phones. Pure: strings in, values out; a cell that
cannot be read raises ValueError with one line that shows it as typed."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from salescli.core.later import later
from salescli.core.money import CENT

UTC = dt.timezone.utc  # noqa: UP017 -- the name reads better next to dt.datetime

# ------------------------------------------------------------------------ dates

_ISO = later(r"^\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?(?:Z|[+-]\d\d:?\d\d)?$")
_CLOCK = r"(\d{1,2}):(\d\d)(?::(\d\d))?"  # 14:30, 14:30:00
_TIME = f"(?: {_CLOCK}(?: ?([AaPp][Mm]))?)?"  # after a date: 10:15, 10:15 AM
_TIME_OF_DAY = later(f"^{_CLOCK}(?: ?([AaPp]\\.?[Mm]\\.?))?$")  # a time alone: 2:30 p.m.
_DOTTED = later(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME + "$")
_SLASHED = later(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + "$")

_DATE_DIRECTIVES = set("aAwdbBhmyYjUWGVuxc")
_TIME_DIRECTIVES = set("HIMSpXc")
# shorthands glibc's strftime knows but Python's strptime refuses
_SHORTHANDS = {"T": "%H:%M:%S", "R": "%H:%M", "D": "%m/%d/%y", "F": "%Y-%m-%d"}
_TIME_SUFFIXES = (" %H:%M:%S", " %H:%M", " %I:%M %p", " %I:%M:%S %p")
_PROBE = dt.datetime(2024, 3, 4, 10, 15, 30, tzinfo=UTC)


def _quoted(text: str) -> str:
    """A value as the user typed it, for a message: `"31.02.2024"`, not a repr."""
    return f'"{text}"'


def _strptime_formats(fmt: str) -> list[tuple[str, bool]]:
    """The strptime formats to try for a `--date-format`, each with whether it reads a
    bare date (noon UTC); ValueError (naming the option) for a format strptime cannot use.

    A format with its own time is used as is (a second %H:%M would redefine its groups),
    then its date alone, as a date column of the same export writes it; a format without
    a time is tried alone, then followed by the usual times.
    """
    expanded = re.sub(r"%(.)", lambda m: _SHORTHANDS.get(m[1], m[0]), fmt)
    directives = list(re.finditer(r"%(.)", expanded))
    if not any(m[1] in _DATE_DIRECTIVES for m in directives):
        raise ValueError(f"--date-format {_quoted(fmt)} has no date in it; use directives "
                         "such as %d, %m and %Y")
    timed = next((m for m in directives if m[1] in _TIME_DIRECTIVES), None)
    if timed is None:
        formats = [(expanded, True)] + [(expanded + s, False) for s in _TIME_SUFFIXES]
    else:
        formats = [(expanded, False)]
        day = expanded[:timed.start()].rstrip(" T,@-")
        if any(m[1] in _DATE_DIRECTIVES for m in re.finditer(r"%(.)", day)):
            formats.append((day, True))
    for candidate, _ in formats:
        try:  # what strftime writes, strptime must read back (bad directives, %G alone...)
            dt.datetime.strptime(_PROBE.strftime(candidate), candidate)
        except Exception:  # re.error for a repeated directive, not only ValueError
            raise ValueError(f"--date-format {_quoted(fmt)} is not a format strptime can "
                             "read (see `man strftime`)") from None
    return formats


class Ambiguous(ValueError):
    """A cell that reads two ways (`03/04/2025`, `kr`) as every such cell of the file
    does: one option settles them all, so an import says it once."""


class Dates:
    """Dates and timestamps of one import, UTC; `03/04/2024` needs the file to say which.

    ISO (`2024-03-04`, `2024-03-04 10:15:00`) and dotted day-first (`4.3.2024`) dates
    are read as they are. Slashed dates are day/month or month/day: if any slashed
    date of the import has a first part over 12, all are day-first; a second part
    over 12, month-first; otherwise they are ambiguous and need `--date-format`.
    A time may follow a dotted or slashed date: `10:15`, `10:15:30`, `10:15 AM`.
    """

    def __init__(self, fmt: str | None = None):
        self.fmt = fmt
        self.order: str | None = None  # "dmy" | "mdy" | None (unknown)
        self._formats = _strptime_formats(fmt) if fmt else []

    def observe(self, values: Iterable[str]) -> None:
        day_first = month_first = False
        for value in values:
            m = _SLASHED.match(value.strip())
            if m:
                day_first |= int(m.group(1)) > 12
                month_first |= int(m.group(2)) > 12
        if day_first != month_first:
            self.order = "dmy" if day_first else "mdy"

    def parse(self, value: str) -> dt.datetime:
        """A UTC datetime; a bare date is noon UTC, as `--date` reads one."""
        text = value.strip()
        if _ISO.match(text):
            try:
                when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{_quoted(text)} is not a real date and time") from None
            if len(text) == 10:
                when = when.replace(hour=12)
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        if self.fmt:
            return self._parse_format(text)
        m = _DOTTED.match(text)
        day_first = True
        if not m:
            m = _SLASHED.match(text)
            if m and self.order is None:
                raise Ambiguous(
                    f"{_quoted(text)} is ambiguous (day/month or month/day?): pass "
                    "--date-format %d/%m/%Y or --date-format %m/%d/%Y")
            day_first = self.order == "dmy"
        if not m:
            raise ValueError(f"{_quoted(text)} is not a date (use YYYY-MM-DD or "
                             "YYYY-MM-DD HH:MM:SS, or pass --date-format)")
        a, b, year, hh, mm, ss, half = m.groups()
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
        try:
            if hh is None:
                return dt.datetime(int(year), month, day, 12, tzinfo=UTC)
            return dt.datetime(int(year), month, day, _hour(int(hh), half), int(mm),
                               int(ss or 0), tzinfo=UTC)
        except ValueError:
            what = "a real date" if hh is None else "a real date and time"
            raise ValueError(f"{_quoted(text)} is not {what}") from None

    def _parse_format(self, text: str) -> dt.datetime:
        for fmt, bare_date in self._formats:
            try:
                when = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            if bare_date:
                when = when.replace(hour=12)
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        raise ValueError(f"{_quoted(text)} does not match --date-format {self.fmt}")


def _hour(hour: int, half: str | None) -> int:
    """A clock's hour on the 24-hour clock: 12 AM is 0, 12 PM is 12; AM/PM needs 1-12."""
    if half is None:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError("an hour with AM or PM is 1 to 12")
    return hour % 12 + (12 if half.replace(".", "").casefold() == "pm" else 0)


def time_of_day(text: str) -> str | None:
    """`14:30`, `9:05`, `14:30:00` or `2:30 PM` (an export in a US locale) as HH:MM, as
    a date cell's time reads; None if it is no time of day."""
    found = _TIME_OF_DAY.match(text.strip())
    if found is None:
        return None
    hours, minutes, _, half = found.groups()
    try:
        hour = _hour(int(hours), half)
    except ValueError:
        return None
    return f"{hour:02d}:{minutes}" if hour < 24 and int(minutes) < 60 else None


# ---------------------------------------------------------------------- amounts

_GROUPING = " \u00a0\u202f'\u2019"  # space, no-break space, narrow no-break space, apostrophes
_MINUS = "-\u2212"
# symbols and local abbreviations; a 3-letter code is taken as it is
_SYMBOLS = {
    "€": "EUR", "£": "GBP", "us$": "USD", "ca$": "CAD", "a$": "AUD", "au$": "AUD",
    "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "r$": "BRL", "fr.": "CHF", "fr": "CHF",
    "zł": "PLN", "kč": "CZK", "ft": "HUF", "₹": "INR", "₩": "KRW", "₺": "TRY", "₪": "ILS",
    "₴": "UAH", "₽": "RUB",
}
# currencies whose own symbol is a bare `$`: a hint among them says which `$` is meant
_DOLLARS = {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "JMD", "BSD", "BBD", "BZD",
            "BMD", "BND", "KYD", "XCD", "FJD", "GYD", "LRD", "NAD", "SBD", "SRD", "TTD",
            "MXN", "ARS", "CLP", "COP", "CUP", "DOP", "UYU"}
_CROWNS = ("SEK", "NOK", "DKK", "ISK")


def currency_code(text: str, hint: str | None = None) -> str:
    """A currency cell or an amount's symbol as an ISO code: `eur` -> EUR, `€` -> EUR.

    `hint` (the `--currency` the user passed) tells which currency an ambiguous symbol
    means: `$` with CAD is CAD, `¥` with CNY is CNY, `kr` needs SEK, NOK, DKK or ISK.
    """
    shown = text.strip()
    key = shown.casefold()
    hint = hint.strip().upper() if hint else None
    if re.fullmatch(r"[a-z]{3}", key, re.ASCII):
        return key.upper()
    if key == "$":
        return hint if hint in _DOLLARS else "USD"
    if key in ("¥", "￥"):
        return "CNY" if hint == "CNY" else "JPY"
    if key in ("kr", "kr."):
        if hint in _CROWNS:
            return hint
        raise Ambiguous(f"{_quoted(shown)} could be SEK, NOK, DKK or ISK: pass --currency SEK")
    if key in _SYMBOLS:
        return _SYMBOLS[key]
    raise ValueError(f"{_quoted(shown)} is not a currency: use a 3-letter code such as EUR")


def _parts(text: str) -> tuple[str, str, str]:
    """(before, number, after): the number runs from the first digit to the last."""
    digits = [m.start() for m in re.finditer(r"\d", text)]
    if not digits:
        return text, "", ""
    return text[:digits[0]], text[digits[0]:digits[-1] + 1], text[digits[-1] + 1:]


def _decimal_sign(number: str) -> str | None:
    """`,` or `.` when the number's own shape says which is its decimal sign, else None."""
    number = "".join(c for c in number if c not in _GROUPING)
    comma, point = number.rfind(","), number.rfind(".")
    if comma >= 0 and point >= 0:
        return "," if comma > point else "."
    sign = "," if comma >= 0 else "." if point >= 0 else None
    if sign is None:
        return None
    if re.search(rf"\{sign}\d{{1,2}}$", number):
        return sign
    if number.count(sign) > 1:  # repeated, it can only group thousands: the other decimal
        return "." if sign == "," else ","
    return None  # `18,500`, `18.500`: a thousand or three decimals, nothing says which


def detect_decimal_comma(values: Iterable[str]) -> bool | None:
    """Whether a file's amounts use a decimal comma (True), a point (False) or do not
    say (None: only `18500` or `18,500`). A file that says both is refused."""
    seen: dict[str, str] = {}
    for value in values:
        sign = _decimal_sign(_parts(value.strip())[1])
        if sign is not None:
            seen.setdefault(sign, value.strip())
    if len(seen) == 2:
        raise ValueError(f"amounts mix decimal commas ({_quoted(seen[','])}) and decimal "
                         f"points ({_quoted(seen['.'])}); pass --decimal-comma or "
                         "--decimal-point")
    return None if not seen else "," in seen


def parse_amount(text: str, decimal_comma: bool | None,
                 currency_hint: str | None = None) -> tuple[Decimal, str | None]:
    """An amount as an export writes it, to the cent, and its currency if the cell names
    one: `€18,500.00`, `18 500,00 €`, `EUR 18500`, `18'500.00`.

    Thousands may be grouped by spaces (no-break or narrow too), apostrophes or the
    separator that is not the decimal one, in groups of three. `decimal_comma` None
    (the file did not say) reads a decimal point, but refuses `18.500`: a German
    eighteen thousand five hundred, or eighteen and a half.
    """
    from salescli.core.record import MAX_AMOUNT

    shown = text.strip()
    before, number, after = _parts(shown)
    marks = [m for m in (before.strip().strip(_MINUS).strip(), after.strip()) if m]
    point = "," if decimal_comma else "."
    groups = f"[{_GROUPING}{'.' if decimal_comma else ','}]"
    if not number or not all(map(_is_currency_like, marks)) or not re.fullmatch(
            rf"(?:\d{{1,3}}(?P<g>{groups})\d{{3}}(?:(?P=g)\d{{3}})*|\d+)(?:\{point}\d+)?",
            number):
        raise ValueError(f"{_quoted(shown)} is not a number")
    codes = {currency_code(m, currency_hint) for m in marks}
    if len(codes) > 1:
        raise ValueError(f"{_quoted(shown)} names two currencies")
    amount = Decimal("".join(c for c in number if c.isdigit() or c == point).replace(",", "."))
    if amount and any(c in _MINUS for c in before):
        raise ValueError(f"{_quoted(shown)} is negative; an amount of money is 0 or more")
    if decimal_comma is None and re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", number):
        small = format(Decimal(number).normalize(), "f")
        raise ValueError(f"{_quoted(shown)} could be {number.replace('.', '')} or {small}: "
                         "pass --decimal-comma or --decimal-point")
    if amount >= MAX_AMOUNT:  # before quantize, which fails past Decimal's 28 digits
        raise ValueError(f"{_quoted(shown)} is too large; an amount is below {MAX_AMOUNT:,}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{_quoted(shown)} has more than 2 decimals; money is kept to the cent")
    return amount.quantize(CENT), codes.pop() if codes else None


def _is_currency_like(mark: str) -> bool:
    """Text beside a number that may name its currency (a letter or a currency sign),
    rather than some other mark that makes the cell no number (`(`, `+`, `.`)."""
    return any(c.isalpha() or unicodedata.category(c) == "Sc" for c in mark)


# ------------------------------------------------------------------------ lists


def split_multi(cell: str) -> list[str]:
    """The e-mails or phones Pipedrive writes in one cell (`a@x.fi, b@x.fi; c@x.fi`):
    each once (compared without case), in order."""
    parts: dict[str, str] = {}
    for part in re.split(r"[,;]", cell):
        if part.strip():
            parts.setdefault(part.strip().casefold(), part.strip())
    return list(parts.values())
