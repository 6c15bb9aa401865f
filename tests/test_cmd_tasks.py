"""`task`, `meeting`, the calendar feed and what `today` makes of them (issue 16)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import Repo
from conftest import clock
from conftest import refused

DEAL = """
id: acme-erp
title: Order-processing automation
account: acme-oy
stage: needs-analysis
status: open
value: 48000.00
close_date: 2027-01-31
owner: anna
created: 2026-10-01
activities:
  - date: 2026-10-02   # the first call
    type: call
    summary: Intro
"""


@pytest.fixture
def crm(repo: Repo) -> Repo:
    repo.edit("salescli.yaml", "owners: [", "owners: [ville, ")
    repo.write("accounts/2026-10/acme-oy.yaml", """
        id: acme-oy
        name: Acme Oy
        owner: ville
        created: 2026-10-01
        """)
    repo.write("deals/2026-10/acme-erp.yaml", DEAL)
    repo.write("leads/2026-11/beta.yaml", "id: beta\ncompany: Beta\nowner: anna\n"
               "created: 2026-11-20\n")
    repo.commit()
    return repo


def ok(repo: Repo, *args: str) -> str:
    r = repo.run(*args)
    assert r.exit_code == 0, r.output
    return r.output


def unchanged(repo: Repo, *args: str) -> str:
    """`ok`, for a command that must record nothing: no commit, a clean tree."""
    head = repo.head()
    out = ok(repo, *args)
    assert repo.head() == head and repo.status() == ""
    return out


def deal_text(repo: Repo) -> str:
    return (repo.root / "deals/2026-10/acme-erp.yaml").read_text()


def test_task_add_appends_a_task_with_due_and_commits(crm: Repo):
    out = ok(crm, "task", "add", "acme-erp", "Send the contract", "--due", "2026-12-04",
             "--date", "2026-12-01")
    assert out.startswith("Added task 2 to deal acme-erp [")
    assert deal_text(crm) == DEAL.lstrip("\n") + (
        "  - date: 2026-12-01\n"
        "    type: task\n"
        "    summary: Send the contract\n"
        "    due: 2026-12-04\n"
        "    owner: anna\n")
    assert crm.git("log", "-1", "--format=%s%n%ad", "--date=short").split("\n")[:2] == [
        "deal(acme-erp): task: Send the contract", "2026-12-01"]
    assert crm.status() == ""


def test_task_add_takes_relative_dates_an_owner_and_any_kind(crm: Repo):
    ok(crm, "task", "add", "beta", "Call back", "--due", "+3d", "--owner", "ville")
    text = (crm.root / "leads/2026-11/beta.yaml").read_text()
    due = dt.date.today() + dt.timedelta(days=3)
    assert f"    due: {due.isoformat()}\n    owner: ville\n" in text
    ok(crm, "task", "add", "account:acme-oy", "Invoice", "--due", "2026-12-10")
    assert "type: task" in (crm.root / "accounts/2026-10/acme-oy.yaml").read_text()


def test_task_add_takes_a_weekday_as_the_next_one(crm: Repo):
    ok(crm, "task", "add", "acme-erp", "Demo prep", "--due", "friday")
    today = dt.date.today()
    friday = today + dt.timedelta(days=(4 - today.weekday()) % 7)
    assert f"    due: {friday.isoformat()}\n" in deal_text(crm)


def test_task_add_refuses_bad_input(crm: Repo):
    refused(crm, ["task", "add", "acme-erq", "X", "--due", "2026-12-04"], 1,
            "no deal, lead or account 'acme-erq'; see `salescli deal list`, `lead list` or "
            "`account list` for the IDs (did you mean `acme-erp`?)")
    refused(crm, ["task", "add", "acme-erp", "X", "--due", "someday"], 2,
            'invalid --due "someday" (did you mean today?): use YYYY-MM-DD, an ISO date-time, '
            'today, yesterday, tomorrow, 30d or "30 days ago", +2w (ahead), friday (a '
            'weekday), "next friday", "last friday", last-week, this-month, last-month, '
            'this-quarter, last-quarter, ytd; a day in words may take a time: "next friday '
            '14:00"')
    refused(crm, ["task", "add", "acme-erp", "X", "--due", "2026-12-04", "--owner", "bob"],
            2, "unknown owner 'bob'; choose one of: ville, anna (settings in salescli.yaml)")
    refused(crm, ["task", "add", "acme-erp", "  ", "--due", "2026-12-04"], 2,
            "SUMMARY is empty; say what is to be done")
    r = crm.run("task", "add", "acme-erp", "X")
    assert r.exit_code == 2 and "Missing option '--due'" in r.output


def test_task_done_records_the_day_keeping_comments(crm: Repo):
    ok(crm, "task", "add", "acme-erp", "Send the contract", "--due", "2026-12-04",
       "--date", "2026-12-01")
    before = deal_text(crm)
    out = ok(crm, "task", "done", "acme-erp", "2", "--date", "2026-12-03")
    assert out.startswith("Done: task 2 of deal acme-erp [")
    assert deal_text(crm) == before.replace("    due: 2026-12-04\n",
                                            "    due: 2026-12-04\n    done: 2026-12-03\n")
    assert "# the first call" in deal_text(crm)
    assert crm.git("log", "-1", "--format=%s") == \
        "deal(acme-erp): task 2 done: Send the contract\n"
    assert crm.status() == ""


def test_task_done_refuses_what_is_no_task_and_twice_records_nothing(crm: Repo):
    ok(crm, "task", "add", "acme-erp", "Send the contract", "--due", "2026-12-04")
    ok(crm, "task", "done", "acme-erp", "2", "--date", "2026-12-03")
    # twice is no error (a script may repeat itself): nothing to record
    assert unchanged(crm, "task", "done", "acme-erp", "2") == \
        "Done: task 2 of deal acme-erp, on 2026-12-03 (no change: nothing to commit)\n"
    refused(crm, ["task", "done", "acme-erp", "1"], 1,
            "activity 1 of deal acme-erp is call 'Intro', not a task with a due day; see "
            "`salescli task list acme-erp`")
    r = crm.run("task", "done", "acme-erp", "Send")  # a summary where its number goes
    assert r.exit_code == 2 and r.stderr.endswith(
        "Error: Invalid value for 'N': 'Send' is no task's number: N is the `n` column of "
        "`salescli task list acme-erp` (1, 2...)\n")
    refused(crm, ["task", "done", "acme-erp", "7"], 1,
            "deal acme-erp has no activity 7; see `salescli task list acme-erp`")
    ok(crm, "log", "task", "acme-erp", "Sent the deck", "--date", "2026-12-03")  # done
    refused(crm, ["task", "done", "acme-erp", "3"], 1,
            "activity 3 of deal acme-erp is task 'Sent the deck', not a task with a due day; "
            "see `salescli task list acme-erp`")
    r = crm.run("task", "done", "acme-erp", "0")
    assert r.exit_code == 2


def test_task_list_filters_and_numbers_stay(crm: Repo):
    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-12-04")
    ok(crm, "task", "add", "acme-erp", "Invoice", "--due", "2026-12-20", "--owner", "ville")
    ok(crm, "task", "add", "beta", "Call back", "--due", "2026-12-01")
    ok(crm, "task", "add", "acme-oy", "Renewal", "--due", "2027-01-15")

    def listed(*args: str) -> list[tuple]:
        rows = json.loads(ok(crm, "task", "list", *args, "--format", "json"))
        return [(r["due"], r["id"], r["n"], r["owner"]) for r in rows]

    assert listed() == [("2026-12-01", "beta", 1, "anna"), ("2026-12-04", "acme-erp", 2, "anna"),
                        ("2026-12-20", "acme-erp", 3, "ville"),
                        ("2027-01-15", "acme-oy", 1, "anna")]
    assert listed("--due-before", "2026-12-04") == [("2026-12-01", "beta", 1, "anna"),
                                                    ("2026-12-04", "acme-erp", 2, "anna")]
    assert listed("--owner", "ville") == [("2026-12-20", "acme-erp", 3, "ville")]
    assert listed("acme-erp") == [("2026-12-04", "acme-erp", 2, "anna"),
                                  ("2026-12-20", "acme-erp", 3, "ville")]
    # doing task 2 leaves task 3 its number
    ok(crm, "task", "done", "acme-erp", "2", "--date", "2026-12-02")
    assert listed("acme-erp") == [("2026-12-20", "acme-erp", 3, "ville")]
    rows = json.loads(ok(crm, "task", "list", "acme-erp", "--all", "--format", "json"))
    assert [(r["n"], r["done"]) for r in rows] == [(2, "2026-12-02"), (3, None)]
    table = ok(crm, "task", "list", "acme-erp")
    assert table.splitlines()[0].split() == ["due", "kind", "id", "n", "summary", "owner"]
    refused(crm, ["task", "list", "--owner", "bob"], 2,
            "--owner: no owner `bob`; owners: ville, anna")


def test_today_asks_no_lost_deal_or_disqualified_lead_whether_a_meeting_happened(crm: Repo):
    ok(crm, "log", "meeting", "acme-erp", "Demo", "--status", "booked", "--date", "2026-11-21")
    ok(crm, "log", "meeting", "beta", "Intro", "--status", "booked", "--date", "2026-11-21")

    def asked() -> list[str]:
        return sorted(r["id"] for r in today_json(crm, "2026-11-25")
                      if any(x["what"] == "did-it-happen" for x in r["reasons"]))

    assert asked() == ["acme-erp", "beta"]
    ok(crm, "deal", "lose", "acme-erp", "--reason", "price", "--date", "2026-11-22")
    ok(crm, "lead", "disqualify", "beta", "--reason", "not-icp", "--date", "2026-11-22")
    assert asked() == []  # else a question nobody needs answered, standing for ever
    ok(crm, "deal", "reopen", "acme-erp", "--reason", "Back", "--date", "2026-11-23")
    assert asked() == ["acme-erp"]


def test_today_drops_the_tasks_a_deal_was_lost_with_not_those_added_to_come_back(crm: Repo):
    # a lost deal's forgotten task stood first in `today` as overdue, for ever
    ok(crm, "task", "add", "acme-erp", "Send the contract", "--due", "2026-11-24",
       "--date", "2026-11-20")
    ok(crm, "task", "add", "beta", "Call back", "--due", "2026-11-24", "--date", "2026-11-20")

    def tasks(on: str = "2026-12-10") -> list[str]:
        return sorted(f"{r['id']}: {x['detail']}" for r in today_json(crm, on)
                      for x in r["reasons"] if x["what"] == "overdue")

    assert tasks() == ["acme-erp: task: Send the contract", "beta: task: Call back"]
    ok(crm, "task", "add", "acme-erp", "Send the invoice details", "--due", "2026-11-24",
       "--date", "2026-11-22")  # the day of the loss: part of the work that stopped
    ok(crm, "deal", "lose", "acme-erp", "--reason", "price", "--date", "2026-11-22")
    ok(crm, "lead", "disqualify", "beta", "--reason", "not-icp", "--date", "2026-11-22")
    assert tasks() == []
    ok(crm, "task", "add", "acme-erp", "Ask again after their budget year", "--due",
       "2026-12-01", "--date", "2026-11-23")
    assert tasks() == ["acme-erp: task: Ask again after their budget year"]
    ok(crm, "deal", "reopen", "acme-erp", "--reason", "Back", "--date", "2026-11-24")
    assert tasks() == ["acme-erp: task: Ask again after their budget year",
                       "acme-erp: task: Send the contract",
                       "acme-erp: task: Send the invoice details"]


def test_meeting_held_and_cancelled(crm: Repo):
    ok(crm, "log", "meeting", "acme-erp", "Demo", "--status", "booked", "--date", "2026-11-20")
    ok(crm, "log", "meeting", "acme-erp", "Workshop", "--status", "booked",
       "--date", "2026-11-27")
    rows = json.loads(ok(crm, "meeting", "list", "acme-erp", "--format", "json"))
    assert [(r["n"], r["status"], r["summary"]) for r in rows] == [
        (2, "booked", "Demo"), (3, "booked", "Workshop")]
    ok(crm, "meeting", "held", "acme-erp", "2")
    ok(crm, "meeting", "cancelled", "acme-erp", "3")
    text = deal_text(crm)
    assert "    summary: Demo\n    status: held\n" in text
    assert "    summary: Workshop\n    status: cancelled\n" in text
    assert unchanged(crm, "meeting", "held", "acme-erp", "2") == \
        "Meeting 2 of deal acme-erp: held (no change: nothing to commit)\n"
    # a meeting that happened is not cancelled after all, nor a cancelled one held
    for mark, n, was in (("cancelled", "2", "held"), ("held", "3", "cancelled")):
        refused(crm, ["meeting", mark, "acme-erp", n], 1,
                f"meeting {n} of deal acme-erp is marked {was}; to correct that, edit the "
                "record (salescli deal edit acme-erp)")
    refused(crm, ["meeting", "held", "acme-erp", "1"], 1,
            "activity 1 of deal acme-erp is call 'Intro', not a booked meeting; see "
            "`salescli meeting list acme-erp`")
    # the listing to see names the record as it was named (`deal:` where IDs clash)
    refused(crm, ["task", "done", "deal:acme-erp", "9"], 1,
            "deal acme-erp has no activity 9; see `salescli task list deal:acme-erp`")


def test_marking_one_activity_leaves_every_other_byte_as_written(crm: Repo):
    # a time and a null written by hand, plain: neither is another activity's business
    crm.edit("deals/2026-10/acme-erp.yaml", "    summary: Intro\n", """    summary: Intro
  - date: 2026-11-10
    time: 14:00   # booked by phone
    type: meeting
    summary: Workshop
    status: booked
  - date: 2026-11-12
    type: meeting
    time: null
    summary: Kick-off
    status: booked
  - date: 2026-11-13
    type: meeting
    summary: Review
    status: booked
notes: ~
""")
    crm.commit()
    before = deal_text(crm)
    ok(crm, "meeting", "held", "acme-erp", "3")
    assert deal_text(crm) == before.replace("Kick-off\n    status: booked",
                                            "Kick-off\n    status: held")
    ok(crm, "meeting", "held", "acme-erp", "4", "--outcome", "Go")
    assert deal_text(crm) == before.replace("Kick-off\n    status: booked",
                                            "Kick-off\n    status: held").replace(
        "Review\n    status: booked", "Review\n    outcome: Go\n    status: held")


def test_meeting_held_records_its_outcome_and_evaluation_on_its_day(crm: Repo):
    # the VALKEA evaluation goes on the booked meeting, not on a second meeting logged
    # as held (which counted the meeting twice); held before its day is refused
    ok(crm, "log", "meeting", "acme-erp", "Demo", "--status", "booked", "--date", "2026-11-20")
    refused(crm, ["meeting", "held", "acme-erp", "2", "--date", "2026-11-19"], 1,
            "meeting 2 of deal acme-erp is booked for 2026-11-20: mark it held on that day "
            "or later (or cancelled now)")
    ok(crm, "meeting", "held", "acme-erp", "2", "--outcome", "Pilot agreed", "--went-well",
       "Clear agenda", "--improve", "Ask about budget earlier", "--date", "2026-11-20")
    # inline, as `log meeting --went-well` writes it (FLOW_KEYS)
    assert ("    summary: Demo\n    outcome: Pilot agreed\n    status: held\n"
            "    evaluation: {went_well: Clear agenda, improve: Ask about budget earlier}\n"
            ) in deal_text(crm)
    rows = json.loads(ok(crm, "meeting", "list", "acme-erp", "--format", "json"))
    assert [(r["n"], r["status"]) for r in rows] == [(2, "held")]
    # held again, with more feedback: added to the evaluation, none of it lost
    ok(crm, "meeting", "held", "acme-erp", "2", "--improve", "Send the agenda sooner")
    assert ("    evaluation: {went_well: Clear agenda, improve: Send the agenda sooner}\n"
            ) in deal_text(crm)
    ahead = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    ok(crm, "log", "meeting", "acme-erp", "Workshop", "--date", ahead)
    refused(crm, ["meeting", "held", "acme-erp", "3"], 1,
            f"meeting 3 of deal acme-erp is booked for {ahead}: mark it held on that day or "
            "later (or cancelled now)")
    # nor is it held by dating the change ahead: no change is dated after now
    refused(crm, ["meeting", "held", "acme-erp", "3", "--date", ahead], 2,
            f"--date {ahead} is ahead of now: a change is dated when it happened; to plan "
            "something, add a task (`salescli task add TARGET SUMMARY --due DATE`) or book a "
            "meeting (`salescli log meeting TARGET SUMMARY --date DATE`)")


def today_json(repo: Repo, on: str) -> list[dict]:
    return json.loads(ok(repo, "today", "--on", on, "--format", "json"))["rows"]


def test_today_lists_tasks_due_and_meetings_to_mark(crm: Repo):
    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-11-24", "--date", "2026-11-20")
    ok(crm, "task", "add", "beta", "Call back", "--due", "2026-11-25", "--date", "2026-11-20")
    ok(crm, "task", "add", "acme-oy", "Later", "--due", "2026-11-26", "--date", "2026-11-20")
    ok(crm, "log", "meeting", "acme-erp", "Demo", "--status", "booked", "--date", "2026-11-21")
    rows = today_json(crm, "2026-11-25")
    got = {r["id"]: [x["text"] for x in r["reasons"]] for r in rows}
    by_id = {r["id"]: r for r in rows}
    assert by_id["acme-erp"]["group"] == "did-it-happen"
    assert got["acme-erp"][:2] == [
        "meeting booked 2026-11-21: Demo; did it happen? salescli meeting held acme-erp 3 "
        "(or cancelled)",
        "task overdue 1 day: Contract (done: salescli task done acme-erp 2)"]
    # a task is the lead's, not contact: the first-contact SLA still counts
    assert by_id["beta"]["group"] == "due"
    assert got["beta"] == ["task due today: Call back (done: salescli task done beta 1)",
                           "new lead not contacted for 5 days (SLA 2): contact them "
                           '(salescli log call beta "First contact")']
    assert "acme-oy" not in got  # due tomorrow
    assert [r["id"] for r in today_json(crm, "2026-11-26") if r["kind"] == "account"] == \
        ["acme-oy"]
    # done and held: gone from today
    ok(crm, "task", "done", "acme-erp", "2")
    ok(crm, "meeting", "held", "acme-erp", "3")
    ok(crm, "task", "done", "beta", "1")
    got = {r["id"]: r["group"] for r in today_json(crm, "2026-11-25")}
    assert got == {"acme-erp": "stale"}  # a task done is contact made: beta is gone
    table = ok(crm, "today", "--on", "2026-11-26")
    assert "task due today: Later (done: salescli task done acme-oy 1)" in table


def won_deal(repo: Repo, *activities: str) -> None:
    """acme-oy's won deal acme-won, with these activities (flow mappings), committed."""
    repo.write("deals/2026-10/acme-won.yaml", "id: acme-won\ntitle: Licences\n"
               "account: acme-oy\nstage: needs-analysis\nstatus: won\nvalue: 1000.00\n"
               "owner: anna\ncreated: 2026-09-10\nwon_date: 2026-10-05\nactivities:\n"
               + "".join(f"  - {a}\n" for a in activities))
    repo.commit()


def test_today_after_sales(crm: Repo, monkeypatch):
    clock(monkeypatch, 2027, 1, 20)  # the calls and the task done below have happened
    won_deal(crm, "{date: 2026-11-01, type: call, summary: Kick-off}")
    # 90 days after the last activity on its deals (acme-erp's 2026-10-02, kick-off
    # 2026-11-01), the account shows; what is logged after the day does not count
    assert "acme-oy" not in [r["id"] for r in today_json(crm, "2027-01-29")]
    rows = [r for r in today_json(crm, "2027-01-30") if r["id"] == "acme-oy"]
    assert [(r["kind"], r["group"], r["reasons"][0]["text"]) for r in rows] == [
        ("account", "after-sales", 'won customer, no activity for 90 days: check in '
         '(salescli log call acme-oy "After-sales check-in")')]
    # an activity on the account itself counts; so does a task or meeting planned
    ok(crm, "log", "call", "acme-oy", "Check-in", "--date", "2027-01-10")
    assert "acme-oy" not in [r["id"] for r in today_json(crm, "2027-01-30")]
    assert "acme-oy" in [r["id"] for r in today_json(crm, "2027-04-10")]
    ok(crm, "task", "add", "acme-won", "Renewal talk", "--due", "2027-06-01")
    assert "acme-oy" not in [r["id"] for r in today_json(crm, "2027-04-10")]
    ok(crm, "task", "done", "acme-won", "2", "--date", "2027-01-12")
    assert "acme-oy" in [r["id"] for r in today_json(crm, "2027-04-12")]
    # a setting of 0 turns it off
    crm.edit("salescli.yaml", "after_sales_days: 90", "after_sales_days: 0")
    crm.commit()
    assert "acme-oy" not in [r["id"] for r in today_json(crm, "2027-04-12")]


def test_what_happened_after_the_day_asked_about_does_not_count(crm: Repo, monkeypatch):
    """`today --on` a day gone by: a won customer's activity logged later (a call, a
    task done) is not yet contact; the activities table's `happened` says when each
    happened, and nothing for a booking or an open task."""
    clock(monkeypatch, 2027, 3, 2)
    won_deal(crm, "{date: 2026-11-01, type: call, summary: Kick-off}")
    ok(crm, "log", "call", "acme-oy", "Check-in", "--date", "2027-03-01")
    ok(crm, "task", "add", "acme-won", "Renewal talk", "--due", "2027-02-01",
       "--date", "2027-01-20")
    ok(crm, "task", "done", "acme-won", "2", "--date", "2027-02-20")
    assert "acme-oy" in [r["id"] for r in today_json(crm, "2027-02-15")]  # 106 days
    assert "acme-oy" not in [r["id"] for r in today_json(crm, "2027-02-21")]
    ok(crm, "log", "meeting", "acme-won", "Review", "--status", "booked",
       "--date", "2027-04-01")
    out = ok(crm, "sql", "SELECT line, type, happened FROM activities "
             "WHERE record_id = 'acme-won' ORDER BY line", "--format", "csv")
    assert out.splitlines() == ["line,type,happened", "1,call,2026-11-01",
                                "2,task,2027-02-20", "3,meeting,"]


def test_a_meeting_booked_and_held_long_ago_plans_nothing(crm: Repo):
    """Its booking stays in the file as booked; the held entry answered it, so it is no
    contact planned: the won customer is due an after-sales check-in all the same."""
    won_deal(crm, "{date: 2026-10-20, type: meeting, summary: Kick-off, status: booked}",
             "{date: 2026-10-20, type: meeting, summary: Kick-off, status: held}")
    assert "acme-oy" in [r["id"] for r in today_json(crm, "2027-01-30")]
    out = ok(crm, "sql", "SELECT id, last_activity, next_activity FROM deals ORDER BY id; ",
             "--format", "csv")
    assert out.splitlines() == ["id,last_activity,next_activity",
                                "acme-erp,2026-10-02,", "acme-won,2026-10-20,"]
    # a meeting booked again is planned: on its day, and no check-in is due meanwhile
    ok(crm, "log", "meeting", "acme-won", "Review", "--status", "booked",
       "--date", "2027-02-15")
    ok(crm, "task", "add", "acme-erp", "Renewal", "--due", "2027-03-01")
    out = ok(crm, "sql", "SELECT id, last_activity, next_activity FROM deals ORDER BY id",
             "--format", "csv")
    assert out.splitlines()[1:] == ["acme-erp,2026-10-02,2027-03-01",
                                    "acme-won,2026-10-20,2027-02-15"]
    assert "acme-oy" not in [r["id"] for r in today_json(crm, "2027-01-30")]
    out = ok(crm, "sql", "SELECT line, status, pending FROM activities "
             "WHERE record_id = 'acme-won' ORDER BY line", "--format", "csv")
    assert out.splitlines() == ["line,status,pending", "1,booked,0", "2,held,", "3,booked,1"]


def test_calendar_feed_parses_and_keeps_its_uids(crm: Repo, tmp_path):
    from icalendar import Calendar

    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-12-04")
    ok(crm, "log", "meeting", "beta", "Demo", "--status", "booked", "--date", "2026-12-08")
    ok(crm, "deal", "set", "acme-erp", "next_step.action=Send quote",
       "next_step.due=2026-12-02")

    def feed(name: str, *more: str) -> dict[str, tuple]:
        out = tmp_path / name
        assert ok(crm, "calendar", "--out", str(out), *more).startswith(
            f"Wrote 3 events to {out}")
        cal = Calendar.from_ical(out.read_bytes())
        return {str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
                for e in cal.walk("VEVENT")}

    first = feed("a.ics")
    assert first == {
        "salescli-deal-acme-erp-next-step": (
            dt.date(2026, 12, 2), dt.date(2026, 12, 3),
            "Next step: Send quote (Order-processing automation)"),
        "salescli-deal-acme-erp-activity-2": (
            dt.date(2026, 12, 4), dt.date(2026, 12, 5),
            "Task: Contract (Order-processing automation)"),
        "salescli-lead-beta-activity-1": (
            dt.date(2026, 12, 8), dt.date(2026, 12, 9), "Meeting: Demo (Beta)")}
    assert feed("b.ics") == first
    # an unrelated edit and another activity logged: the same UIDs
    ok(crm, "deal", "set", "acme-erp", "value=50000")
    ok(crm, "log", "call", "acme-erp", "Chat")
    assert feed("a.ics", "--force") == first
    # a cancelled meeting (one booked ahead is held on its day) and a done task leave
    # the feed
    ok(crm, "task", "done", "acme-erp", "2")
    ok(crm, "meeting", "cancelled", "beta", "1")
    out = tmp_path / "c.ics"
    assert ok(crm, "calendar", "--out", str(out)).startswith("Wrote 1 event to")


def test_a_calendar_with_nothing_planned_still_holds_a_component(crm: Repo):
    # RFC 5545: a calendar holds at least one component; with no event, UTC's zone
    from icalendar import Calendar

    feed = Calendar.from_ical(ok(crm, "calendar", "--out", "-"))
    assert [c.name for c in feed.subcomponents] == ["VTIMEZONE"]
    assert feed.subcomponents[0]["TZID"] == "UTC"
    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-12-04")
    feed = Calendar.from_ical(ok(crm, "calendar", "--out", "-"))
    assert [c.name for c in feed.subcomponents] == ["VEVENT"]


def test_calendar_sends_no_control_character(crm: Repo):
    # RFC 5545 TEXT holds none (but a tab); a terminal would obey one sent to it
    ok(crm, "task", "add", "acme-erp", "Demo \x1b]0;pwned\x07 prep", "--due", "2026-12-04")
    from icalendar import Calendar

    feed = ok(crm, "calendar", "--out", "-")
    assert "\x1b" not in feed and "\x07" not in feed
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(feed).walk("VEVENT")
            if "activity" in str(e["UID"])] == \
        ["Task: Demo \\x1b]0;pwned\\x07 prep (Order-processing automation)"]


def test_calendar_leaves_out_what_a_lost_deal_and_a_disqualified_lead_left(crm: Repo,
                                                                         tmp_path,
                                                                         monkeypatch):
    # as `today`: the deal's task and the lead's booked demo stop with them; a task
    # added after the loss, to come back to the customer, stays
    clock(monkeypatch, 2026, 12, 6, 10)  # the revisit in February lies ahead: booked
    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-12-04", "--date",
       "2026-11-20")
    ok(crm, "log", "meeting", "beta", "Demo", "--status", "booked", "--date", "2026-12-08")
    ok(crm, "deal", "lose", "acme-erp", "--reason", "price", "--date", "2026-11-30")
    ok(crm, "lead", "disqualify", "beta", "--reason", "not-icp")
    ok(crm, "task", "add", "acme-erp", "Ask again", "--due", "2027-03-01")
    ok(crm, "log", "meeting", "acme-erp", "Revisit", "--date", "2027-02-10")  # booked
    out = tmp_path / "lost.ics"
    assert ok(crm, "calendar", "--out", str(out)).startswith("Wrote 2 events to")
    text = out.read_text()
    assert "Ask again" in text and "Revisit" in text and "Contract" not in text


def test_calendar_out_refusals(crm: Repo, tmp_path):
    (tmp_path / "there.ics").write_text("mine")
    refused(crm, ["calendar", "--out", str(tmp_path / "there.ics")], 2,
            f"--out {tmp_path / 'there.ics'}: exists; use --force to overwrite it")
    assert (tmp_path / "there.ics").read_text() == "mine"
    missing = tmp_path / "no" / "feed.ics"
    refused(crm, ["calendar", "--out", str(missing)], 2,
            f"--out {missing}: no folder {tmp_path / 'no'}; create it first or choose "
            "another path")


def test_export_has_due_and_done(crm: Repo, tmp_path):
    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-12-04")
    ok(crm, "task", "done", "acme-erp", "2", "--date", "2026-12-03")
    out = ok(crm, "sql", "SELECT line, due, done FROM activities WHERE record_id = 'acme-erp' "
             "ORDER BY line", "--format", "json")
    assert [(r["line"], r["due"], r["done"]) for r in json.loads(out)] == [
        (1, None, None), (2, "2026-12-04", "2026-12-03")]


def test_calendar_owner_and_flow_style_activities(crm: Repo, tmp_path):
    from icalendar import Calendar

    # a hand-written flow-style activity list: marking a meeting keeps its style
    crm.write("accounts/2026-10/acme-oy.yaml", """
        id: acme-oy
        name: Acme Oy
        owner: ville
        created: 2026-10-01
        activities:
          - {date: 2026-12-09, type: meeting, summary: QBR, status: booked}  # quarterly
        """)
    crm.commit()
    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-12-04")  # anna's
    out = tmp_path / "ville.ics"
    ok(crm, "calendar", "--out", str(out), "--owner", "ville")
    uids = [str(e["UID"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")]
    assert uids == ["salescli-account-acme-oy-activity-1"]
    path = crm.root / "accounts/2026-10/acme-oy.yaml"
    before = path.read_text().splitlines()
    ok(crm, "meeting", "cancelled", "acme-oy", "1")
    after = path.read_text().splitlines()
    assert after[:-1] == before[:-1]  # only the changed line differs
    assert after[-1].startswith(
        "  - {date: 2026-12-09, type: meeting, summary: QBR, status: cancelled}")
    assert after[-1].endswith("# quarterly")


def test_a_meeting_is_its_record_owners_and_its_bookers(crm: Repo, tmp_path):
    """Anna books a meeting on Ville's account (acme-oy): it is on both calendars and in
    both `today --owner` lists; a task stays the one's it is for."""
    from icalendar import Calendar

    ok(crm, "log", "meeting", "acme-oy", "QBR", "--status", "booked", "--date", "2026-12-09")
    ok(crm, "task", "add", "acme-oy", "Send the minutes", "--due", "2026-12-10",
       "--owner", "anna", "--date", "2026-12-01")

    def feed(owner: str) -> list[str]:
        out = tmp_path / f"{owner}.ics"
        ok(crm, "calendar", "--out", str(out), "--owner", owner, "--force")
        return sorted(str(e["SUMMARY"]).split(" (")[0]
                      for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT"))

    assert feed("ville") == ["Meeting: QBR"]
    assert feed("anna") == ["Meeting: QBR", "Task: Send the minutes"]
    for owner in ("anna", "ville"):
        rows = json.loads(ok(crm, "today", "--on", "2026-12-09", "--owner", owner,
                             "--format", "json"))["rows"]
        assert [(r["id"], r["what"]) for r in rows if r["id"] == "acme-oy"] == [
            ("acme-oy", "meeting")]
    rows = json.loads(ok(crm, "today", "--on", "2026-12-11", "--owner", "anna",
                         "--format", "json"))["rows"]
    assert [r["what"] for r in rows if r["id"] == "acme-oy"][0] == "did-it-happen"


def test_a_booking_answered_by_a_later_meeting_is_no_question(crm: Repo, tmp_path):
    from icalendar import Calendar

    # logged when booked and again when held, as the activity report counts them
    ok(crm, "log", "meeting", "acme-erp", "Demo", "--status", "booked", "--date", "2026-11-10")
    ok(crm, "log", "meeting", "acme-erp", "Workshop", "--status", "booked",
       "--date", "2026-11-12")
    ok(crm, "log", "meeting", "acme-erp", "Demo", "--status", "held", "--date", "2026-11-13")
    ok(crm, "log", "call", "acme-erp", "Booked call", "--date", "2026-11-14")
    rows = {r["id"]: r for r in today_json(crm, "2026-11-25")}
    texts = [x["text"] for x in rows["acme-erp"]["reasons"] if x["what"] == "did-it-happen"]
    assert texts == ["meeting booked 2026-11-12: Workshop; did it happen? salescli meeting "
                     "held acme-erp 3 (or cancelled)"]
    out = tmp_path / "feed.ics"
    ok(crm, "calendar", "--out", str(out))
    uids = [str(e["UID"]) for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")]
    assert uids == ["salescli-deal-acme-erp-activity-3"]


def test_a_demo_is_booked_and_held_as_a_meeting_is(crm: Repo, tmp_path):
    from icalendar import Calendar

    out = ok(crm, "log", "demo", "acme-erp", "Product demo", "--date", "2030-01-15")
    assert out.startswith("Logged demo on deal acme-erp: 2030-01-15, booked [")
    ok(crm, "log", "demo", "acme-erp", "Pilot demo", "--status", "booked",
       "--date", "2026-11-20")
    # a meeting held after it is another meeting: the demo is still to mark
    ok(crm, "log", "meeting", "acme-erp", "Steering group", "--date", "2026-11-21")
    rows = {r["id"]: r for r in today_json(crm, "2026-11-25")}
    assert [x["text"] for x in rows["acme-erp"]["reasons"] if x["what"] == "did-it-happen"] \
        == ["demo booked 2026-11-20: Pilot demo; did it happen? salescli meeting held "
            "acme-erp 3 (or cancelled)"]
    listed = json.loads(ok(crm, "meeting", "list", "acme-erp", "--format", "json"))
    assert [(r["n"], r["type"], r["status"]) for r in listed] == [
        (2, "demo", "booked"), (3, "demo", "booked"), (4, "meeting", "held")]
    ok(crm, "meeting", "held", "acme-erp", "3", "--outcome", "Pilot agreed")
    assert "    summary: Pilot demo\n    outcome: Pilot agreed\n    status: held\n" \
        in deal_text(crm)
    rows = {r["id"]: r for r in today_json(crm, "2026-11-25")}
    assert "acme-erp" not in rows or not [
        x for x in rows["acme-erp"]["reasons"] if x["what"] == "did-it-happen"]
    feed = tmp_path / "feed.ics"
    ok(crm, "calendar", "--out", str(feed))
    assert [str(e["SUMMARY"]) for e in Calendar.from_ical(feed.read_bytes()).walk("VEVENT")
            if "activity" in str(e["UID"])] == ["Demo: Product demo (Order-processing automation)"]


def test_a_meeting_booked_at_a_time_of_day(crm: Repo, tmp_path, monkeypatch):
    from icalendar import Calendar

    # 10:00 on 2026-11-20 by the wall clock: a kick-off at 14:00 that day lies ahead
    clock(monkeypatch, 2026, 11, 20, 10)
    out = ok(crm, "log", "meeting", "acme-erp", "Pilot kick-off", "--date", "2026-11-20T14:00")
    assert out.startswith("Logged meeting on deal acme-erp: 2026-11-20 14:00, booked [")
    # another, earlier that day, comes first in today; held ahead of its time is refused
    ok(crm, "log", "demo", "acme-erp", "Pilot demo", "--date", "2026-11-20T11:00")
    refused(crm, ["log", "meeting", "acme-erp", "Lunch", "--status", "held", "--date",
                  "2026-11-20T12:00"], 2,
            "a meeting on 2026-11-20 at 12:00 is not held yet: log it booked, and `meeting "
            "held` once it has been")
    # quoted: `14:00` unquoted is the number 840 to a YAML 1.1 reader such as PyYAML
    assert "  - date: 2026-11-20\n    time: '14:00'\n    type: meeting\n" in deal_text(crm)
    listed = json.loads(ok(crm, "meeting", "list", "acme-erp", "--format", "json"))
    assert [(r["n"], r["time"], r["status"]) for r in listed] == [
        (2, "14:00", "booked"), (3, "11:00", "booked")]
    # a time given with an offset is this machine's wall clock: its day and its time
    there = dt.datetime(2026, 11, 27, 19, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    ok(crm, "log", "meeting", "acme-erp", "Call with Tokyo office", "--date",
       there.isoformat())
    here = there.astimezone()
    assert f"  - date: {here:%Y-%m-%d}\n    time: '{here:%H:%M}'\n    type: meeting\n" \
        "    summary: Call with Tokyo office\n" in deal_text(crm)
    assert re.search(r"\n2 +2026-11-20 14:00 +meeting +Pilot kick-off +booked",
                     ok(crm, "deal", "show", "acme-erp"))
    rows = {r["id"]: r for r in today_json(crm, "2026-11-20")}
    assert [x["text"] for x in rows["acme-erp"]["reasons"][:2]] == [
        "demo booked today at 11:00: Pilot demo", "meeting booked today at 14:00: Pilot kick-off"]
    feed = tmp_path / "feed.ics"
    ok(crm, "calendar", "--out", str(feed))
    event = Calendar.from_ical(feed.read_bytes()).walk("VEVENT")[1]
    start = dt.datetime(2026, 11, 20, 14).astimezone(dt.UTC)  # the wall clock's, in UTC
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (
        start, start + dt.timedelta(hours=1))
    refused(crm, ["meeting", "held", "acme-erp", "2"], 1,
            "meeting 2 of deal acme-erp starts at 14:00 on 2026-11-20: mark it held once it "
            "has begun (or cancelled now)")
    clock(monkeypatch, 2026, 11, 20, 14, 5)
    assert ok(crm, "meeting", "held", "acme-erp", "2").startswith(
        "Meeting 2 of deal acme-erp: held [")


def test_an_open_task_is_no_activity_for_goals(crm: Repo):
    settings = crm.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "goals:\n"
                        "  - {metric: activities, period: month, target: 10}\n")
    crm.commit("goals")
    ok(crm, "task", "add", "acme-erp", "Contract", "--due", "2026-11-20", "--date",
       "2026-11-10")

    def actual() -> float:
        out = ok(crm, "report", "goals", "--as-of", "2026-11-30", "--format", "json")
        return json.loads(out)["rows"][0]["actual"]

    assert actual() == 0.0
    ok(crm, "task", "done", "acme-erp", "2", "--date", "2026-11-18")
    assert actual() == 1.0


def test_bookings_are_answered_oldest_first():
    from salescli.core.model import Activity
    from salescli.core.today import bookings

    def m(status: str | None, type_: str = "meeting", due: str | None = None) -> Activity:
        return Activity.of(date=dt.date(2026, 11, 1), type=type_, summary="x", status=status,
                           due=due and dt.date.fromisoformat(due))

    assert bookings([m("booked"), m("booked"), m("held")]) == {0: False, 1: True}
    assert bookings([m(None), m("booked")]) == {1: True}
    assert bookings([m("booked"), m("cancelled"), m(None)]) == {0: False}
    # a call booked, or a task of type meeting, is no meeting to mark held
    assert bookings([m("booked", "call"), m("booked", due="2026-12-01"), m("held")]) == {}


def test_today_owner_shows_their_tasks_on_others_records(crm: Repo):
    ok(crm, "task", "add", "acme-erp", "Check the specs", "--due", "2026-11-24",
       "--owner", "ville", "--date", "2026-11-20")
    out = ok(crm, "today", "--on", "2026-11-25", "--owner", "ville", "--format", "json")
    rows = json.loads(out)["rows"]
    # acme-erp is anna's; ville sees it for his task
    assert [(r["id"], r["owner"], r["reasons"][0]["text"]) for r in rows] == [
        ("acme-erp", "anna", "task overdue 1 day: Check the specs (done: salescli task done "
         "acme-erp 2)")]
    anna = json.loads(ok(crm, "today", "--on", "2026-11-25", "--owner", "anna",
                         "--format", "json"))["rows"]
    assert sorted(r["id"] for r in anna) == ["acme-erp", "beta"]


def test_check_refuses_done_without_due(crm: Repo):
    crm.write("deals/2026-10/acme-erp.yaml", DEAL + "  - {date: 2026-11-01, type: task, "
              "summary: Call, done: 2026-11-02}\n")
    r = crm.run("check")
    assert r.exit_code == 1
    assert "`done` is for a task: give it the `due` day too" in r.output


def test_the_open_tasks_leave_out_a_disqualified_leads_as_today_does(repo: Repo):
    for args in (("lead", "add", "Zeta Oy", "--contact", "Zed", "--email", "zed@zeta.fi",
                  "--date", "2026-11-02"),
                 ("task", "add", "zeta-oy", "Research Zeta", "--due", "2026-11-06",
                  "--date", "2026-11-02"),
                 ("lead", "disqualify", "zeta-oy", "--reason", "not-icp",
                  "--date", "2026-11-03")):
        assert repo.run(*args).exit_code == 0, args
    assert repo.run("task", "list").stdout == "(none)\n"
    # asked for by its record, it is there
    assert "Research Zeta" in repo.run("task", "list", "zeta-oy").stdout


@pytest.mark.parametrize("command", [["log", "call", "acme-erp", "Checked in"],
                                     ["task", "add", "acme-erp", "Send deck", "--due", "+2d"]])
def test_the_default_owner_is_read_from_what_git_said_for_the_commit(
        crm: Repo, monkeypatch, command: list[str]):
    # the identity names the second owner, anna; git is asked for it once, in the
    # `git var -l` the commit needs anyway (a second `git var` cost a write 4 ms)
    from salescli.store import gitio

    asked: list[tuple[str, ...]] = []
    real = gitio.start_git

    def spy(cwd, *args, **kw):
        asked.append(args)
        return real(cwd, *args, **kw)

    monkeypatch.setattr(gitio, "start_git", spy)
    ok(crm, *command)
    assert deal_text(crm).endswith("    owner: anna\n")
    assert [a for a in asked if a[0] == "var"] == [("var", "-l")]


@pytest.mark.parametrize("command", [["task", "list"], ["meeting", "list"]])
def test_the_tasks_of_a_record_that_cannot_be_read_are_refused_not_none(crm: Repo,
                                                                       command: list[str]):
    """`task list ID` and `meeting list ID` of a broken file say what is wrong with it,
    as `deal show` does, rather than `(none)` as if it had nothing."""
    path = crm.root / "deals/2026-10/acme-erp.yaml"
    lines = len(path.read_text().splitlines())
    path.write_text(path.read_text() + "\tnotes: x\n")
    refused(crm, [*command, "acme-erp"], 1,
            f"deals/2026-10/acme-erp.yaml:{lines + 1}:1: error: a tab where YAML allows "
            "only spaces; indent and separate with spaces [yaml]; fix the file (see "
            "`salescli check`)")
    assert crm.run(*command, "acme-oy").exit_code == 0  # another record: as before
