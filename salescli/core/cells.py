"""The cells of other tools' CSV exports (the import contract, "Cells"). Pure: strings
in, values out; a cell that cannot be read raises ValueError with one line that shows
it as typed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

UTC = dt.timezone.utc  # noqa: UP017 -- the name reads better next to dt.datetime

# ------------------------------------------------------------------------ dates

_ISO = re.compile(r"^\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?(?:Z|[+-]\d\d:?\d\d)?$")
_TIME = r"(?: (\d{1,2}):(\d\d)(?::(\d\d))?(?: ?([AaPp][Mm]))?)?"
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME + "$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + "$")

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
                raise ValueError(
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
    return hour % 12 + (12 if half.casefold() == "pm" else 0)

