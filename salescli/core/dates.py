"""Dates a user types: the one parser behind every date option (`--date`, `--close-date`,
`--on`, `--since`...) and git's author date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salescli.core.errors import UsageError
from salescli.core.later import later

# options whose period word means the period's last day (`--until last-month`: its end)
# (`--close-date this-quarter`: the quarter's end, not its start, already past)
END_OPTIONS = frozenset(("until", "as_of", "close_date", "revisit", "default_close_date",
                         "end", "due", "due_before"))


def _is_end(what: str) -> bool:
    """`--until`, `--close-date`, `next_step.due`: an option or field that is a deadline."""
    return what.lstrip("-").replace("-", "_").rsplit(".", 1)[-1] in END_OPTIONS


_PERIODS = ("this-week", "last-week", "this-month", "last-month", "this-quarter",
            "last-quarter", "this-year", "last-year", "ytd")
# a weekday is the next one (today counts) for a deadline, else the last one
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WORDS = ("today", "yesterday", "tomorrow", *_PERIODS, *_WEEKDAYS)
_SHORT = later(r"([+-]?)(\d{1,4})\s*([dwmy])")
_AGO = later(r"(\d{1,4})\s+(day|week|month|year)s?\s+ago")
# a day said in words, then a time of day: `next tuesday 14:00`, `tomorrow at 9.30`
_AT = later(r"(.*?\S)\s+(?:at\s+)?([01]?\d|2[0-3])[:.]([0-5]\d)")
HELP = ("YYYY-MM-DD, an ISO date-time, today, yesterday, tomorrow, 30d or \"30 days ago\", "
        "+2w (ahead), friday (a weekday), \"next friday\", \"last friday\", last-week, "
        "this-month, last-month, this-quarter, last-quarter, ytd; a day in words may take "
        "a time: \"next friday 14:00\"")


def parse_when(value: str, what: str = "date", today: dt.date | None = None
               ) -> dt.date | dt.datetime:
    """The date a user typed: YYYY-MM-DD as a date, an ISO date-time
    (`2026-11-20T14:30+02:00`) as a datetime, or a date relative to `today`: `yesterday`,
    `30d` / `30 days ago`, `+2w` (ahead), `last-month`... A period names its first day,
    or its last for an option in END_OPTIONS (`--until last-month`)."""
    text = value.strip()
    if text[:4].isdigit() and "-" in text:  # ISO, or nothing
        try:
            if "T" in text or " " in text:
                return dt.datetime.fromisoformat(text)
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    else:
        at = _AT.fullmatch(text)
        try:
            day = relative_day((at[1] if at else text).casefold(), today or dt.date.today(),
                               _is_end(what))
        except (ValueError, OverflowError):  # `9999y`: before year 1 or after 9999
            raise UsageError(f"invalid {what} \"{value}\": out of the calendar's range") \
                from None
        if day is not None:  # a time of day given: the local wall-clock time, as ISO's
            return dt.datetime.combine(day, dt.time(int(at[2]), int(at[3]))) if at else day
    from salescli.core.words import nearest

    near = nearest(text.casefold(), _WORDS)
    hint = f" (did you mean {near}?)" if near else ""
    raise UsageError(f"invalid {what} \"{value}\"{hint}: use {HELP}")


def relative_day(text: str, today: dt.date, end: bool = False) -> dt.date | None:
    """`yesterday`, `7d`, `+2w`, `3 months ago`, `last-quarter`... as a day, or None."""
    text = text.replace("_", "-")
    if text in ("today", "now"):
        return today
    if text in ("yesterday", "tomorrow"):
        return today + dt.timedelta(days=-1 if text == "yesterday" else 1)
    m = _SHORT.fullmatch(text)
    ago = _AGO.fullmatch(text)
    if m or ago:
        sign, count, unit = (m.group(1), int(m.group(2)), m.group(3)) if m else \
            ("", int(ago.group(1)), ago.group(2)[0])  # type: ignore[union-attr]
        n = count if sign == "+" else -count
        if unit == "d":
            return today + dt.timedelta(days=n)
        if unit == "w":
            return today + dt.timedelta(weeks=n)
        return add_months(today, n * (12 if unit == "y" else 1))
    which, _, name = text.replace(" ", "-").rpartition("-")
    day = next((n for n, full in enumerate(_WEEKDAYS) if name in (full, full[:3])), None)
    if day is not None and which in ("", "next", "last"):
        ahead = (day - today.weekday()) % 7
        if which == "next":  # after today, whatever the option
            return today + dt.timedelta(days=ahead or 7)
        if which == "last":  # before today
            return today - dt.timedelta(days=(7 - ahead) % 7 or 7)
        return today + dt.timedelta(days=ahead if end else ahead - 7 if ahead else 0)
    if text in _PERIODS:
        first, last = period(text, today)
        return last if end else first
    return None


def period(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of `this-month`, `last-quarter`, `ytd`... around `today`."""
    which, _, unit = name.partition("-")
    if name == "ytd":
        return dt.date(today.year, 1, 1), today
    if unit == "week":
        first = today - dt.timedelta(days=today.weekday()) - \
            dt.timedelta(weeks=1 if which == "last" else 0)
        return first, first + dt.timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    start = dt.date(today.year, (today.month - 1) // months * months + 1, 1)
    if which == "last":
        start = add_months(start, -months)
    return start, add_months(start, months) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole months, kept within the month (31 January + 1 = 28/29 February)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def wall_clock(when: Any) -> Any:
    """`when` on this machine's wall clock: a date-time with an offset as the local one
    (a meeting's day and start, as the calendar shows them); anything else as it is."""
    if isinstance(when, dt.datetime) and when.tzinfo is not None:
        return when.astimezone().replace(tzinfo=None)
    return when


def start_at(day: dt.date, time: str) -> dt.datetime:
    """A meeting's start on this machine's wall clock (a naive, local date-time)."""
    return dt.datetime.combine(day, dt.time.fromisoformat(time))


def day_of(value: str | dt.date | None, what: str = "date") -> dt.date | None:
    """The calendar day of a user's date: a date-time counts by its own date."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_when(value, what)
    return value.date() if isinstance(value, dt.datetime) else value


def iso_day(text: Any) -> dt.date | None:
    """A date as a record file holds it (`2026-11-20`), or None when `text` is no date:
    what reports and history read from files they do not validate."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


DAY_SECONDS = 86_400
_EPOCH = dt.date(1970, 1, 1).toordinal()


def utc_ordinal(epoch: float) -> int:
    """The ordinal (`date.toordinal`) of the UTC day of a Unix time, by arithmetic:
    `datetime.fromtimestamp` costs a microsecond each, 10 ms over 10,000 deals."""
    return _EPOCH + int(epoch // DAY_SECONDS)


def utc_day(epoch: float) -> dt.date:
    """The UTC day of a Unix time (`utc_ordinal`)."""
    return dt.date.fromordinal(utc_ordinal(epoch))


def noon_utc(day: dt.date) -> dt.datetime:
    """The moment a bare date stands for: noon UTC, so no time zone moves it a day."""
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
