"""`report goals`: targets per period from the settings, measured from history and
activities, with attainment and pace; the dashboard shows them."""

from __future__ import annotations

import json

from conftest import Repo
from conftest import deal_with
from conftest import in_stage
from conftest import refused

GOALS = """
goals:
  - {metric: won_value, period: month, target: 50000}
  - {metric: deals_won, period: quarter, target: 4}
  - {metric: meetings_held, period: month, target: 2, owner: anna}
  - {metric: activities, period: month, target: 10}
"""


def with_goals(repo: Repo, *goals: str) -> None:
    """The settings with these goals (`{metric: ..., period: ..., target: ...}`), committed."""
    settings = repo.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "goals:\n" + "".join(f"  - {g}\n"
                                                                     for g in goals))
    repo.commit("goals")


def actuals(repo: Repo, as_of: str) -> dict[str, float]:
    result = repo.run("report", "goals", "--as-of", as_of, "--format", "json")
    return {r["metric"]: r["actual"] for r in json.loads(result.output)["rows"]}


def test_goals_attainment_and_pace(filled: Repo):
    settings = filled.root / "salescli.yaml"
    settings.write_text(settings.read_text() + GOALS)
    filled.commit("goals")
    in_stage(filled, "deals/2026-10/acme-erp.yaml", "contracting", "2026-11-01T12:00:00")
    for args in (("log", "meeting", "acme-erp", "Kick-off", "--status", "held",
                  "--date", "2026-11-10"),
                 ("log", "call", "acme-erp", "Follow-up", "--date", "2026-11-12"),
                 ("deal", "win", "acme-erp", "--date", "2026-11-20")):
        result = filled.run(*args)
        assert result.exit_code == 0, result.output
    result = filled.run("report", "goals", "--as-of", "2026-11-30", "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    rows = {r["metric"]: r for r in got["rows"]}
    # November: acme-erp won at 48,000.00 on the 20th, out of 50,000; the month is over
    assert rows["won_value"]["period"] == "2026-11"
    assert (rows["won_value"]["actual"], rows["won_value"]["attainment"]) == (48000.0, 0.96)
    assert rows["won_value"]["expected"] == 50000.0 and rows["won_value"]["pace"] == 0.96
    # Q4 (October to December): 1 of 4 deals, 61 of 92 days gone: expected 2.65
    assert (rows["deals_won"]["period"], rows["deals_won"]["actual"]) == ("2026-Q4", 1.0)
    assert rows["deals_won"]["expected"] == 2.65
    assert rows["meetings_held"]["actual"] == 1.0 and rows["meetings_held"]["owner"] == "anna"
    assert rows["activities"]["actual"] == 2.0  # the meeting and the call
    assert got["totals"] == {"goals": 4, "met": 0, "behind_pace": 4}
    # CSV: a money goal's target in cents, as its actual and expected; counts as counts
    result = filled.run("report", "goals", "--as-of", "2026-11-30", "--format", "csv")
    assert result.output.splitlines()[1:3] == [
        "won_value,,2026-11,48000.00,50000.00,0.96,50000.00,0.96,EUR",
        "deals_won,,2026-Q4,1,4,0.25,2.65,0.3774,"]
    # --owner: that owner's goals and the team's, never another owner's
    result = filled.run("report", "goals", "--as-of", "2026-11-30", "--owner", "anna",
                        "--format", "json")
    assert len(json.loads(result.output)["rows"]) == 4
    page = filled.run("report", "dashboard", "--out", "-", "--as-of", "2026-11-30").output
    assert '<section id="goals">' in page and "0 of 4 goals met so far; 4 behind pace." in page
    assert 'data-chart="won-by-month"' in page and 'class="marker"' in page


def test_a_meeting_booked_before_the_period_and_held_in_it_is_no_new_booking(filled: Repo):
    # only records with an activity in a goal's period are read, but all of their
    # activities: whether a meeting is a new booking depends on the bookings before it
    with_goals(filled, "{metric: meetings_booked, period: week, target: 1}",
               "{metric: meetings_held, period: week, target: 1}")
    for args in (("log", "meeting", "acme-erp", "Demo", "--status", "booked",
                  "--date", "2026-11-20"),
                 ("log", "meeting", "acme-erp", "Demo", "--status", "held",
                  "--date", "2026-11-24")):
        assert filled.run(*args).exit_code == 0
    result = filled.run("report", "goals", "--as-of", "2026-11-25", "--format", "json")
    rows = {r["metric"]: r for r in json.loads(result.output)["rows"]}
    assert rows["meetings_booked"]["period"] == "2026-W48"
    assert (rows["meetings_booked"]["actual"], rows["meetings_held"]["actual"]) == (0.0, 1.0)


def test_goals_as_of_a_day_count_nothing_dated_after_it(filled: Repo):
    # the activities are read as the records are now: a meeting later in the week must
    # not count as of a day before it (the history's figures stop at --as-of anyway)
    with_goals(filled, "{metric: meetings_held, period: week, target: 2}",
               "{metric: activities, period: week, target: 2}",
               "{metric: meetings_booked, period: week, target: 2}")
    for day in ("2026-11-23", "2026-11-26"):
        assert filled.run("log", "meeting", "acme-erp", "Demo", "--status", "held",
                          "--date", day).exit_code == 0
    for as_of, held in (("2026-11-24", 1.0), ("2026-11-26", 2.0), ("2026-11-22", 0.0)):
        got = actuals(filled, as_of)
        assert (got["meetings_held"], got["activities"]) == (held, held), as_of
    # a meeting booked for later in the period is a booking of the period already
    booked = actuals(filled, "2026-11-24")["meetings_booked"]
    assert filled.run("log", "meeting", "acme-erp", "Steering", "--status", "booked",
                      "--date", "2026-11-27").exit_code == 0
    assert actuals(filled, "2026-11-24")["meetings_booked"] == booked + 1


def test_a_meeting_that_is_a_task_is_neither_booked_nor_held(filled: Repo):
    # a hand-written meeting with `due` is a task, as `today` takes it: done, it
    # happened (an activity), but it answers no booking and was never booked
    with_goals(filled, "{metric: meetings_booked, period: week, target: 1}",
               "{metric: meetings_held, period: week, target: 1}",
               "{metric: activities, period: week, target: 1}")
    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    deal.write_text(deal.read_text() + "activities:\n"
                    "  - {date: 2026-11-23, type: meeting, summary: Demo, due: 2026-11-24, "
                    "done: 2026-11-24}\n")
    filled.commit("a meeting as a task")
    assert actuals(filled, "2026-11-25") == {"meetings_booked": 0.0, "meetings_held": 0.0,
                                             "activities": 1.0}


def test_goals_count_meetings_under_source_and_pipeline_as_report_activity_does(
        filled: Repo):
    # every metric of one goals table is filtered alike: a meeting counts under --source
    # and --pipeline by its record's, as `report activity` counts it (an account's
    # meetings under neither; a lead's under its source, under no pipeline)
    filled.write("pipelines/startup.yaml", """
        name: startup
        stages:
          - {id: talk, probability: 20}
        won: {requires: []}
        lost: {requires: [lost_reason]}
        """)
    filled.write("deals/2026-10/web-shop.yaml", deal_with(
        id="web-shop", title="Web shop", pipeline="startup", stage="talk",
        source="website"))
    filled.commit("a deal from the website, in another pipeline")
    with_goals(filled, "{metric: meetings_held, period: month, target: 4}",
               "{metric: meetings_booked, period: month, target: 4}",
               "{metric: activities, period: month, target: 4}")
    assert filled.run("lead", "add", "Beta Oy", "--source", "website",
                      "--date", "2026-11-02").exit_code == 0
    for record, day in (("acme-erp", "2026-11-10"), ("web-shop", "2026-11-11"),
                        ("web-shop", "2026-11-12"), ("acme-oy", "2026-11-13"),
                        ("beta-oy", "2026-11-16")):
        result = filled.run("log", "meeting", record, "Meeting", "--status", "held",
                            "--date", day)
        assert result.exit_code == 0, result.output
    for flags, held in (((), 5), (("--source", "referral"), 1), (("--source", "website"), 3),
                        (("--pipeline", "default"), 1), (("--pipeline", "startup"), 2)):
        goals = json.loads(filled.run("report", "goals", "--as-of", "2026-11-30", *flags,
                                      "--format", "json").output)
        got = {r["metric"]: r["actual"] for r in goals["rows"]}
        activity = json.loads(filled.run("report", "activity", "--since", "2026-11-01",
                                         "--as-of", "2026-11-30", *flags,
                                         "--format", "json").output)["totals"]
        assert got == {m: float(activity[m]) for m in got} == {
            "meetings_held": held, "meetings_booked": held, "activities": held}, flags


def test_a_win_recorded_late_counts_once_in_the_month_it_was_won(filled: Repo):
    # the win is committed after a change dated 1 December, dated 28 November: goals
    # count it by its won_date as the forecast's won rows do, in November (as of its last
    # day too, when the history did not hold it yet), never in December as well
    with_goals(filled, "{metric: won_value, period: month, target: 50000}",
               "{metric: deals_won, period: month, target: 1}")
    in_stage(filled, "deals/2026-10/acme-erp.yaml", "contracting", "2026-11-01T12:00:00")
    for args in (("deal", "set", "acme-erp", "value=52000", "--date", "2026-12-01"),
                 ("deal", "win", "acme-erp", "--date", "2026-11-28")):
        result = filled.run(*args)
        assert result.exit_code == 0, result.output
    assert actuals(filled, "2026-11-30") == {"won_value": 52000.0, "deals_won": 1.0}
    assert actuals(filled, "2026-12-05") == {"won_value": 0.0, "deals_won": 0.0}
    assert actuals(filled, "HEAD") == {"won_value": 0.0, "deals_won": 0.0}
    forecast = json.loads(filled.run("report", "forecast", "--since", "2026-11-01",
                                     "--as-of", "2026-12-05", "--format", "json").output)
    assert [(r["period"], r["value"]) for r in forecast["rows"]
            if r["category"] == "won"] == [("2026-11", 52000.0)]


def test_a_win_undone_since_still_counts_as_of_its_period(filled: Repo):
    # won in November, reopened in December: November as it was held the win, as the
    # forecast's won rows and `changes` as of then count it
    with_goals(filled, "{metric: deals_won, period: month, target: 1}")
    in_stage(filled, "deals/2026-10/acme-erp.yaml", "contracting", "2026-11-01T12:00:00")
    for args in (("deal", "win", "acme-erp", "--date", "2026-11-10"),
                 ("deal", "reopen", "acme-erp", "--reason", "Signed by the wrong person",
                  "--date", "2026-12-01")):
        result = filled.run(*args)
        assert result.exit_code == 0, result.output
    assert actuals(filled, "2026-11-30") == {"deals_won": 1.0}
    assert actuals(filled, "2026-12-05") == {"deals_won": 0.0}


def test_a_goal_with_an_unknown_metric_is_a_settings_error(filled: Repo):
    settings = filled.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "goals:\n  - {metric: calls, period: month, "
                        "target: 5}\n")
    result = filled.run("check")
    assert result.exit_code == 1
    assert "goals[0].metric: should be 'deals_won', 'won_value'" in result.output


def test_no_goals_says_where_they_come_from(filled: Repo):
    result = filled.run("report", "goals")
    assert result.exit_code == 0
    assert "note: no goals to measure: add `goals:` to salescli.yaml" in result.stderr


def test_goals_take_no_window(filled: Repo):
    # a goal's period is its own: a window would be printed and silently not used
    for flag in ("--since", "--until"):
        refused(filled, ["report", "goals", flag, "2026-01-01"], 2,
                "report goals takes no --since/--until: each goal is measured over its own "
                "week, month, quarter or year holding the as-of date; for another period, "
                "give --as-of a day in it")
