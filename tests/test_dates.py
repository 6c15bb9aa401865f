"""One parser for every date option: ISO dates and times, and dates relative to today."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from salescli.core.dates import parse_when
from salescli.core.errors import UsageError

TODAY = dt.date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize("case", [
    "--since 2026-01-31 = 2026-01-31",
    "--on today = 2026-12-02",
    "--on Yesterday = 2026-12-01",
    "--due tomorrow = 2026-12-03",
    "--since 30d = 2026-11-02",
    "--since 30 days ago = 2026-11-02",
    "--since 1 week ago = 2026-11-25",
    "--since 2w = 2026-11-18",
    "--due +2w = 2026-12-16",
    "--due +10d = 2026-12-12",
    "--since 3m = 2026-09-02",
    "--since 1y = 2025-12-02",
    "--since last-week = 2026-11-23",  # Monday to Sunday
    "--until last-week = 2026-11-29",
    "--since this-month = 2026-12-01",
    "--since last-month = 2026-11-01",
    "--until last-month = 2026-11-30",
    "--as-of last-month = 2026-11-30",  # the state at the month's end
    "--since this-quarter = 2026-10-01",
    "--since last-quarter = 2026-07-01",
    "--until last-quarter = 2026-09-30",
    "--until last-year = 2025-12-31",
    "--since ytd = 2026-01-01",
    # a weekday: the next one for a deadline, else the last one; today counts for both
    "--due friday = 2026-12-04",
    "--due-before Monday = 2026-12-07",
    "--due wednesday = 2026-12-02",
    "--since fri = 2026-11-27",
    "--date wed = 2026-12-02",
    # `next` / `last` say which, whatever the option: never today
    "--date next tuesday = 2026-12-08",
    "--date Next-Wed = 2026-12-09",
    "--due last friday = 2026-11-27",
    "--on last wednesday = 2026-11-25",
])
def test_every_form(case: str):
    """`OPTION TEXT = DATE`: TEXT given to OPTION on TODAY means DATE."""
    option, text_and_date = case.split(" ", 1)
    text, expected = text_and_date.rsplit(" = ", 1)
    assert parse_when(text, option, today=TODAY) == dt.date.fromisoformat(expected)


def test_a_month_back_stays_within_the_month():
    assert parse_when("1m", "--since", today=dt.date(2026, 3, 31)) == dt.date(2026, 2, 28)
    assert parse_when("last-quarter", "--since", today=dt.date(2026, 1, 15)) == \
        dt.date(2025, 10, 1)


def test_a_date_and_time_stays_a_moment():
    assert parse_when("2026-11-20T14:30+02:00", "--date") == \
        dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))


@pytest.mark.parametrize("text,expected", [
    ("next tuesday 14:00", dt.datetime(2026, 12, 8, 14, 0)),
    ("tomorrow at 9.30", dt.datetime(2026, 12, 3, 9, 30)),
    ("Friday 8:05", dt.datetime(2026, 11, 27, 8, 5)),  # --date: the last one
    ("today 23:59", dt.datetime(2026, 12, 2, 23, 59)),
])
def test_a_day_in_words_takes_a_time_of_day(text: str, expected: dt.datetime):
    assert parse_when(text, "--date", today=TODAY) == expected
    with pytest.raises(UsageError):  # no such time, or no day before it
        parse_when(text.replace(text.split()[-1], "24:00"), "--date", today=TODAY)
    with pytest.raises(UsageError):
        parse_when("someday 14:00", "--date", today=TODAY)


@pytest.mark.parametrize("text,hint", [
    ("lastweek", " (did you mean last-week?)"),
    ("tomorow", " (did you mean tomorrow?)"),
    ("2026-02-30", ""),
    ("31.12.2026", ""),
    ("", ""),
])
def test_what_is_no_date_is_refused_with_the_forms(text: str, hint: str):
    with pytest.raises(UsageError) as err:
        parse_when(text, "--since", today=TODAY)
    assert str(err.value).startswith(f'invalid --since "{text}"{hint}: use YYYY-MM-DD, ')


def test_relative_dates_from_the_command_line(filled):
    result = filled.run("today", "--on", "yesterday", "--format", "json")
    assert result.exit_code == 0, result.output
    result = filled.run("report", "funnel", "--as-of", "last-month", "--format", "json")
    assert result.exit_code == 0, result.output
    month_end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    assert json.loads(result.output)["as_of"] == month_end.isoformat()
    result = filled.run("report", "changes", "--since", "lastweek")
    assert result.exit_code == 2
    assert 'invalid --since "lastweek" (did you mean last-week?)' in result.output


def test_a_report_for_people_names_the_dates_it_resolved(filled):
    result = filled.run("report", "changes", "--since", "ytd")
    assert result.exit_code == 0, result.output
    today = dt.date.today()
    assert result.output.splitlines()[-1] == \
        f"since {today.replace(month=1, day=1)}, as of {today}"


def test_a_period_is_its_end_where_a_date_is_a_deadline():
    # `--close-date this-quarter` is the quarter's last day, never its first (past) one
    assert parse_when("this-quarter", "--close-date", today=TODAY) == dt.date(2026, 12, 31)
    assert parse_when("this-month", "--revisit", today=TODAY) == dt.date(2026, 12, 31)


def test_a_date_out_of_the_calendar_is_refused_in_one_line():
    with pytest.raises(UsageError) as err:
        parse_when("9999y", "--since", today=TODAY)
    assert str(err.value) == 'invalid --since "9999y": out of the calendar\'s range'


def test_as_of_takes_every_date_form_and_names_a_near_word(filled):
    result = filled.run("report", "funnel", "--as-of", "2026-11-01T12:00")
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "as of 2026-11-01"
    result = filled.run("report", "funnel", "--as-of", "yesteday")
    assert result.exit_code == 2
    assert '--as-of: "yesteday" (did you mean yesterday?) is neither a date' in result.output


def test_set_takes_relative_dates_for_date_fields(filled):
    result = filled.run("deal", "set", "acme-erp", "close_date=+30d", "next_step.due=tomorrow",
                        "next_step.action=Call")
    assert result.exit_code == 0, result.output
    text = (filled.root / "deals/2026-10/acme-erp.yaml").read_text()
    today = dt.date.today()
    assert f"close_date: {today + dt.timedelta(days=30)}\n" in text
    assert f"due: {today + dt.timedelta(days=1)}" in text
    result = filled.run("deal", "set", "acme-erp", "close_date=someday")
    assert result.exit_code == 2
    assert result.output.startswith('Error: invalid close_date "someday" (did you mean today?)')
