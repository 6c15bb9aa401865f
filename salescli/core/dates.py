"""Dates a user types: the one parser behind every date option (`--date`, `--close-date`,
`--on`, `--since`...) and git's author date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salescli.core.errors import UsageError


def parse_when(value: str, what: str = "date") -> dt.date | dt.datetime:
    """YYYY-MM-DD as a date; an ISO date-time (`2026-11-20T14:30+02:00`) as a datetime."""
    try:
        if "T" in value or " " in value:
            return dt.datetime.fromisoformat(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"invalid {what} {value!r}: use YYYY-MM-DD or an ISO date-time") \
            from None


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


def noon_utc(day: dt.date) -> dt.datetime:
    """The moment a bare date stands for: noon UTC, so no time zone moves it a day."""
    return dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
