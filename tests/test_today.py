"""`today`: each deal or lead once with all its reasons, grouped by urgency, by weighted
value within a group, `--limit` (issue 18)."""

from __future__ import annotations

import datetime as dt
import json
import shlex
from decimal import Decimal

import pytest
from conftest import Repo
from conftest import acme_account
from conftest import replaced

from salescli.core import today as core

ON = "2026-11-25"  # follow_up_days 14, lead SLA 2 days; max_days needs-analysis 21, proposal 14


def deal(id_: str, *, stage: str = "needs-analysis", value: str = "1000.00",
         created: str = "2026-11-10", close: str = "2027-03-31", extra: str = "",
         activity: str | None = "2026-11-20") -> str:
    text = f"""
id: {id_}
title: Deal {id_}
account: acme-oy
pipeline: default
stage: {stage}
status: open
value: {value}
currency: EUR
close_date: {close}
owner: anna
created: {created}
"""
    text += extra
    if activity:
        text += f"activities:\n  - {{date: {activity}, type: call, summary: Call}}\n"
    return text


def commit_on(repo: Repo, day: str) -> None:
    """Commit everything as of `day`: the stage time counts from the author date."""
    repo.git("add", "-A")
    repo.git("commit", "-qm", f"data of {day}", "--date", f"{day}T12:00:00Z")


@pytest.fixture
def crm(repo: Repo) -> Repo:
    acme_account(repo, created="2026-09-01")
    # stale since 2026-09-01 and since 2026-10-01: the same weighted value, so by date
    repo.write("deals/2026-09/stale-old.yaml", deal("stale-old", created="2026-09-01"))
    commit_on(repo, "2026-09-01")
    repo.write("deals/2026-10/stale-new.yaml", deal("stale-new", created="2026-10-01"))
    # three reasons: next step overdue, stale in proposal (max 14), no activity at all
    repo.write("deals/2026-10/triple.yaml", deal(
        "triple", stage="proposal", created="2026-10-01", activity=None,
        extra="next_step: {action: Send quote, due: 2026-11-20}\n"))
    commit_on(repo, "2026-10-01")
    files = {
        # overdue: 50 000 x own 5 % = 2 500 > triple's 1 000 x 30 % > 100 x 10 %
        "big-overdue": deal("big-overdue", value="50000.00", extra=(
            "probability: 5\nnext_step: {action: Call the CEO, due: 2026-11-24}\n")),
        "small-overdue": deal("small-overdue", value="100.00",
                              extra="next_step: {action: Send agenda, due: 2026-11-01}\n"),
        "due-today": deal("due-today", extra="next_step: {action: Book demo, due: 2026-11-25}\n"),
        "passed": deal("passed", close="2026-11-15"),
        "quiet": deal("quiet", created="2026-11-05", activity="2026-11-08"),
        # a meeting booked for the day; another booked for tomorrow does not count
        "meet": deal("meet", value="10.00", created="2026-11-20", activity=None, extra=(
            "activities:\n"
            "  - {date: 2026-11-25, type: meeting, summary: Demo at their office, "
            "status: booked}\n")),
        "later": deal("later", activity=None, extra=(
            "activities:\n"
            "  - {date: 2026-11-20, type: call, summary: Call}\n"
            "  - {date: 2026-11-26, type: meeting, summary: Next week, status: booked}\n")),
    }
    for name, text in files.items():
        repo.write(f"deals/2026-11/{name}.yaml", text)
    repo.write("deals/2026-11/kickoff.yaml", replaced(deal(
        "kickoff", value="5000.00", activity=None, extra="won_date: 2026-11-15\n" + (
            "activities:\n"
            "  - {date: 2026-11-25, type: meeting, summary: Kick-off, status: booked}\n")),
        "status: open", "status: won"))
    repo.write("deals/2026-10/parked.yaml", replaced(deal(
        "parked", created="2026-10-01", activity=None,
        extra="lost_date: 2026-10-15\nlost_reason: timing\nrevisit: 2026-11-25\n"),
        "status: open", "status: lost"))
    repo.write("leads/2026-11/beta.yaml", "id: beta\ncompany: Beta\ncreated: 2026-11-20\n")
    repo.write("leads/2026-11/gamma.yaml", """
        id: gamma
        company: Gamma
        created: 2026-11-24
        activities:
          - {date: 2026-11-25, type: meeting, summary: Intro meeting, status: booked}
        """)
    commit_on(repo, "2026-11-10")
    assert repo.run("check").exit_code == 0, repo.run("check").output
    return repo


def today(repo: Repo, *args: str) -> dict:
    r = repo.run("today", "--on", ON, "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_each_record_once_grouped_by_urgency_and_weighted_value(crm: Repo):
    rows = today(crm)["rows"]
    # (kind, id, weighted value) by group, the groups in the order today shows them
    expected = {
        # meetings booked for the day: a won deal counts in full, a lead 0
        "meeting": [("deal", "kickoff", 5000.0), ("deal", "meet", 1.0), ("lead", "gamma", 0)],
        "overdue": [("deal", "big-overdue", 2500.0), ("deal", "triple", 300.0),
                    ("deal", "small-overdue", 10.0)],
        "due": [("deal", "due-today", 100.0)],
        "lead-sla": [("lead", "beta", 0)],
        "close-date-passed": [("deal", "passed", 100.0)],
        # the same weighted value: the longer stale first
        "stale": [("deal", "stale-old", 100.0), ("deal", "stale-new", 100.0)],
        "untouched": [("deal", "quiet", 100.0)],
        "revisit": [("deal", "parked", 0)],
    }
    assert [(r["group"], r["kind"], r["id"], r["weighted"]) for r in rows] == \
        [(group, *row) for group, grouped in expected.items() for row in grouped]
    assert len({(r["kind"], r["id"]) for r in rows}) == len(rows)


def test_a_revisit_says_how_to_reopen_the_deal_or_put_it_off(crm: Repo):
    # a revisit row stays until one of the two is done: both commands work as pasted
    parked = next(r for r in today(crm)["rows"] if r["id"] == "parked")
    text = parked["reasons"][0]["text"]
    assert text == ('revisit lost deal (timing) today: reopen it (salescli deal reopen parked '
                    '--reason "Revisited") or put it off (salescli deal set parked '
                    'revisit=2027-02-24)'), text
    put_off = shlex.split(text.split("put it off (")[1].rstrip(")"))
    assert crm.run(*put_off[1:]).exit_code == 0
    assert "parked" not in [r["id"] for r in today(crm)["rows"]]
    assert "parked" in [r["id"] for r in today(crm, "--on", "2027-02-24")["rows"]]


def test_a_record_with_three_reasons_is_one_row(crm: Repo):
    triple = next(r for r in today(crm)["rows"] if r["id"] == "triple")
    assert triple == {
        "group": "overdue", "kind": "deal", "id": "triple", "name": "Deal triple",
        "owner": "anna", "weighted": 300.0, "currency": "EUR", "value": 1000.0,
        "probability": 30,
        # the group reason's fields, as one row per reason had them
        "what": "overdue", "date": "2026-11-20", "days": 5, "detail": "Send quote",
        "reasons": [
            {"what": "overdue", "date": "2026-11-20", "days": 5, "detail": "Send quote",
             "text": "next step overdue 5 days: Send quote"},
            {"what": "stale", "date": "2026-10-01", "days": 55,
             "detail": "in proposal for 55 days (max 14)",
             "text": "stale 55 days in proposal (max 14)"},
            {"what": "untouched", "date": "2026-10-01", "days": 55,
             "detail": "no activity for 55 days", "text": "no activity for 55 days"},
        ]}
    table = crm.run("today", "--on", ON).stdout.splitlines()
    assert table[0].split() == ["group", "kind", "id", "name", "owner", "weighted", "currency",
                                "reasons"]
    line = next(x for x in table if " triple " in x)
    assert line.endswith("next step overdue 5 days: Send quote; stale 55 days in proposal "
                         "(max 14); no activity for 55 days")
    assert sum(" triple " in x for x in table) == 1


def test_a_table_for_a_terminal_wraps_each_reason_under_its_column(crm: Repo):
    # a table 318 columns wide wrapped every row on a terminal; into a pipe (above) it
    # stays a record a line, for grep
    table = crm.run("today", "--on", ON, "--width", "100").stdout.splitlines()
    assert max(map(len, table)) <= 100
    at = table.index(next(x for x in table if " triple " in x))
    start = table[1].rfind(" ") + 1
    assert table[at][start:] == "next step overdue 5 days: Send quote"
    assert [x[start:] for x in table[at + 1:at + 3]] == [
        "stale 55 days in proposal (max 14)", "no activity for 55 days"]
    assert all(not x[:start].strip() for x in table[at + 1:at + 3])
    # narrower: the ID, owner and weighted value only, and the reasons wrapped
    narrow = crm.run("today", "--on", ON, "--width", "80").stdout.splitlines()
    assert narrow[0].split() == ["group", "id", "owner", "weighted", "reasons"]
    assert max(map(len, narrow)) <= 80
    at, start = narrow.index(next(x for x in narrow if " triple " in x)), narrow[1].rfind(" ")
    below = [x[start + 1:] for x in narrow[at + 1:]]
    text = " ".join([narrow[at][start + 1:], *below[:next(i for i, x in enumerate(
        narrow[at + 1:] + ["end"]) if x[:start].strip())]])
    assert text == "next step overdue 5 days: Send quote stale 55 days in proposal (max 14) " \
                   "no activity for 55 days"
    # narrower still: each record's reasons on lines below it (--width is never ignored)
    stacked = crm.run("today", "--on", ON, "--width", "40").stdout.splitlines()
    assert stacked[0].split() == ["group", "id", "owner", "weighted"]
    at = stacked.index(next(x for x in stacked if " triple " in x))
    assert stacked[at + 1:at + 4] == ["    next step overdue 5 days: Send quote",
                                      "    stale 55 days in proposal (max 14)",
                                      "    no activity for 55 days"]


def test_json_and_csv_shape(crm: Repo):
    out = today(crm)
    assert out["date"] == ON
    assert set(out) == {"date", "rows"}
    lead = next(r for r in out["rows"] if r["id"] == "beta")
    assert lead == {
        "group": "lead-sla", "kind": "lead", "id": "beta", "name": "Beta", "owner": None,
        "weighted": 0, "currency": None, "value": None, "probability": None,
        "what": "lead-sla", "date": "2026-11-20", "days": 5,
        "detail": "not contacted within 2 days",
        "reasons": [{"what": "lead-sla", "date": "2026-11-20", "days": 5,
                     "detail": "not contacted within 2 days",
                     "text": "new lead not contacted for 5 days (SLA 2): contact them "
                             '(salescli log call beta "First contact")'}]}
    meet = next(r for r in out["rows"] if r["id"] == "meet")
    assert meet["reasons"] == [{"what": "meeting", "date": ON, "days": 0,
                                "detail": "Demo at their office",
                                "text": "meeting booked today: Demo at their office"}]
    csv = crm.run("today", "--on", ON, "--format", "csv").stdout.splitlines()
    assert csv[0] == "group,kind,id,name,owner,weighted,currency,value,probability,date,days," \
                     "reasons"
    assert csv[1] == "meeting,deal,kickoff,Deal kickoff,anna,5000.00,EUR,5000.00,100," \
                     f"{ON},0,meeting booked today: Kick-off"
    # a lead has no value, so no weighted one either (JSON: 0, for sums)
    assert any(line.startswith("lead-sla,lead,beta,Beta,,,,,,2026-11-20,5,") for line in csv)
    assert 'overdue,deal,triple,Deal triple,anna,300.00,EUR,1000.00,30,2026-11-20,5,' \
           '"next step overdue 5 days: Send quote; stale 55 days in proposal (max 14); ' \
           'no activity for 55 days"' in csv


def test_limit_takes_the_first_records_after_sorting(crm: Repo):
    assert [r["id"] for r in today(crm, "--limit", "4")["rows"]] == \
        ["kickoff", "meet", "gamma", "big-overdue"]
    # after the owner filter: the leads have no owner
    assert [r["id"] for r in today(crm, "--owner", "anna", "--limit", "3")["rows"]] == \
        ["kickoff", "meet", "big-overdue"]
    table = crm.run("today", "--on", ON, "--limit", "1").stdout.splitlines()
    assert len(table) == 3 and table[2].startswith("meeting")
    for bad in ("0", "-1"):
        r = crm.run("today", "--limit", bad)
        assert r.exit_code == 2
        assert r.stderr == (f"Error: Invalid value for '--limit': {bad} is not in the range "
                            "x>=1 (see `salescli today --help`)\n")


def test_a_meeting_booked_today_comes_first(crm: Repo):
    assert crm.run("log", "meeting", "stale-new", "Pricing call", "--status", "booked",
                   "--date", ON).exit_code == 0
    rows = today(crm)["rows"]
    first = [r for r in rows if r["group"] == "meeting"]
    assert [r["id"] for r in first] == ["kickoff", "stale-new", "meet", "gamma"]
    assert [x["what"] for x in first[1]["reasons"]] == ["meeting", "stale"]
    assert rows[:4] == first
    # the day after, the meeting is no reason any more
    rows = today(crm, "--on", "2026-11-27")["rows"]
    assert "meeting" not in {x["what"] for r in rows for x in r["reasons"]}


def test_weighted_values_in_other_currencies_rank_through_fx():
    on = dt.date(2026, 11, 25)

    def record(id_: str, value: str, currency: str) -> dict:
        return {"kind": "deal", "id": id_, "name": id_, "owner": "anna",
                "value": Decimal(value), "currency": currency, "probability": Decimal(50),
                "reasons": [core.untouched(dt.date(2026, 11, 1), on)]}

    records = [record("eur", "1000.00", "EUR"), record("sek", "5000.00", "SEK"),
               record("usd", "1500.00", "USD"), record("nok", "300.00", "NOK")]
    # USD 750 x 0.92 = EUR 690 > EUR 500 > SEK 2 500 x 0.09 = EUR 225 > NOK 150, which has
    # no rate and counts at face value
    rows = core.agenda(records, {"SEK": Decimal("0.09"), "USD": Decimal("0.92")}, "EUR")
    assert [(r["id"], r["weighted"], r["currency"]) for r in rows] == [
        ("usd", Decimal("750.00"), "USD"), ("eur", Decimal("500.00"), "EUR"),
        ("sek", Decimal("2500.00"), "SEK"), ("nok", Decimal("150.00"), "NOK")]


def test_stage_days_after_a_write_fold_only_the_new_commits(crm: Repo):
    """Right after writes (a next step, a call, stage moves there and back, a hand edit
    written as a quoted key, a backdated move, a deal added), the day each deal
    entered its stage comes from the new commits folded onto the history cache, which
    is not rewritten for a few commits; the days are what a read from nothing gives."""
    from salescli.store import history

    timelines = crm.root / ".git" / "salescli" / "deal-timelines.cache"

    def from_nothing() -> dict:
        return history.stage_entered(crm.root, use_cache=False)  # every commit read

    history.stage_entered(crm.root)
    written = timelines.stat().st_mtime_ns
    deal_file = "deals/2026-10/triple.yaml"
    crm.edit(deal_file, "Send quote", "Send the quote")
    commit_on(crm, "2026-11-12")
    assert crm.run("log", "call", "triple", "Called", "--date", "2026-11-13").exit_code == 0
    assert history.stage_entered(crm.root) == from_nothing()
    crm.edit(deal_file, "stage: proposal", "stage: negotiation")
    commit_on(crm, "2026-11-14")
    crm.edit("deals/2026-11/quiet.yaml", "stage: needs-analysis", '"stage": proposal')
    crm.edit(deal_file, "stage: negotiation", "stage: proposal")
    commit_on(crm, "2026-11-15")
    moved = history.stage_entered(crm.root)
    assert moved["triple"] == moved["quiet"] == dt.date(2026, 11, 15)
    assert moved == from_nothing()
    # a move authored before the deal's last change counts right after that change
    crm.edit(deal_file, "stage: proposal", "stage: negotiation")
    commit_on(crm, "2026-11-01")
    backdated = history.stage_entered(crm.root)
    assert backdated["triple"] == dt.date(2026, 11, 15) and backdated == from_nothing()
    crm.write("deals/2026-11/fresh.yaml", deal("fresh", created="2026-11-16"))
    commit_on(crm, "2026-11-16")
    added = history.stage_entered(crm.root)
    assert "fresh" in added and added == from_nothing()
    # an ID change (the file renamed), a deal deleted, and a branch merged
    crm.git("mv", "deals/2026-11/fresh.yaml", "deals/2026-11/renamed.yaml")
    crm.edit("deals/2026-11/renamed.yaml", "id: fresh", "id: renamed")
    crm.git("rm", "-q", "deals/2026-11/later.yaml")
    commit_on(crm, "2026-11-17")
    crm.git("checkout", "-qb", "side")
    crm.edit("deals/2026-11/passed.yaml", "stage: needs-analysis", "stage: proposal")
    commit_on(crm, "2026-11-18")
    crm.git("checkout", "-q", "main")
    crm.edit(deal_file, "stage: negotiation", "stage: contracting")
    commit_on(crm, "2026-11-19")
    crm.git("merge", "-q", "--no-edit", "side")
    merged = history.stage_entered(crm.root)
    assert "renamed" in merged and "fresh" not in merged and "later" not in merged
    assert merged["passed"] == dt.date(2026, 11, 18) and merged == from_nothing()
    assert timelines.stat().st_mtime_ns == written  # a few commits: not rewritten


def test_stage_days_after_writes_that_move_no_deal_read_no_history(crm: Repo, monkeypatch):
    """A command that moves no deal's stage (a call logged, a next step or a value set,
    a note on an account) notes that its commit leaves every stage day as it was: the
    days kept for the commit before answer, with no history read. A move, a hand
    commit or a commit through a hook notes nothing, and the days are read again."""
    from salescli.store import history

    caches = crm.root / ".git" / "salescli"

    def from_nothing() -> dict:
        return history.stage_entered(crm.root, use_cache=False)  # every commit read

    def unread() -> dict:
        """stage_entered, failing if it reads any history."""
        with monkeypatch.context() as m:
            for name in ("load_history", "_moves_resumed"):
                m.setattr(history, name, lambda *a, **k: pytest.fail("history read"))
            return history.stage_entered(crm.root)

    kept = history.stage_entered(crm.root)
    for args in (["log", "call", "triple", "Called"],
                 ["deal", "set", "triple", "next_step.action=Call again"],
                 ["deal", "set", "triple", "value=1500"],
                 ["log", "note", "acme-oy", "Met their CFO"]):
        assert crm.run(*args).exit_code == 0
        assert unread() == kept == from_nothing()
    r = crm.run("deal", "move", "triple", "needs-analysis", "--reason", "Scope changed")
    assert r.exit_code == 0, r.output  # a move: read again
    moved = history.stage_entered(crm.root)
    assert moved["triple"] == dt.datetime.now(dt.UTC).date() != kept["triple"]
    assert moved == from_nothing()
    assert crm.run("log", "call", "triple", "Called again").exit_code == 0
    assert unread() == moved
    # by hand, the value only: noted by no one, so read again (and right)
    crm.edit("deals/2026-10/triple.yaml", "value: 1500.00", "value: 1200.00")
    commit_on(crm, "2026-11-20")
    assert history.stage_entered(crm.root) == moved == from_nothing()
    # through `git commit` and a hook of the user's (as with `salescli hook install`):
    # noted when the hook staged no other deal ...
    hook = crm.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n")
    hook.chmod(0o755)
    assert crm.run("log", "call", "triple", "Through the hook").exit_code == 0
    assert unread() == moved
    # ... and not when it staged one, here a stage moved (hooks may stage anything)
    hook.write_text("#!/bin/sh\nsed -i 's/^stage: needs-analysis/stage: proposal/' "
                    "deals/2026-11/passed.yaml && git add deals/2026-11/passed.yaml\n")
    assert crm.run("log", "call", "triple", "Through a busy hook").exit_code == 0
    assert "+stage: proposal" in crm.git("show", "HEAD", "--", "deals/2026-11/passed.yaml")
    staged_by_hook = history.stage_entered(crm.root)
    assert staged_by_hook == from_nothing() != moved
    notes = caches / history.SAME_STAGES_FILE
    hook.unlink()
    # a stage git was told not to look at (assume-unchanged), committed by a call: the
    # note judges the commit and its parent, not the file as it was on disk
    history.stage_entered(crm.root)
    crm.git("update-index", "--assume-unchanged", "deals/2026-11/quiet.yaml")
    crm.edit("deals/2026-11/quiet.yaml", "stage: needs-analysis", "stage: proposal")
    assert crm.run("log", "call", "quiet", "Called").exit_code == 0
    assert "+stage: proposal" in crm.git("show", "HEAD", "--", "deals/2026-11/quiet.yaml")
    assert history.stage_entered(crm.root) == from_nothing() != staged_by_hook
    # damaged notes, or another version's, are no notes (and never an error)
    from salescli.store.runtime import save_cache

    for n in range(4):
        assert crm.run("log", "call", "triple", f"Call {n}").exit_code == 0  # noted
        head = crm.head()
        save_cache(notes, [{"v": history.CACHE_VERSION, "same": {head: ["x"], "a": "b"}},
                           {head: "0" * 40}, {"v": -1, "same": {head: "0" * 40}}, [head]][n])
        assert history.stage_entered(crm.root) == from_nothing()


def test_the_answer_is_kept_while_all_it_is_made_of_holds(crm: Repo, monkeypatch):
    """`today` run again with nothing changed reads its answer back from the record
    index; a hand edit, another day, a commit, a settings change or a damaged memo each
    work it out again, and the answer is always what a read without the index gives."""
    import marshal
    import sqlite3

    from salescli.services import activity

    def fresh(*args: str) -> dict:
        return today(crm, "--no-cache", *args)

    first = today(crm)
    worked: list[str] = []
    real = activity._work_out_today

    def counted(repo, index, on, config, warn, use_cache=True):
        if index.path is not None:  # not a --no-cache read
            worked.append(on.isoformat())
        return real(repo, index, on, config, warn, use_cache)

    monkeypatch.setattr(activity, "_work_out_today", counted)
    assert today(crm) == first and worked == []  # kept
    assert today(crm, "--owner", "anna", "--limit", "2")["rows"] == first["rows"][:2]
    assert worked == []  # owner and limit are applied to the kept answer

    crm.edit("deals/2026-11/passed.yaml", "close_date: 2026-11-15", "close_date: 2027-01-15")
    edited = today(crm)
    assert worked == [ON] and edited != first and edited == fresh()
    assert today(crm, "--on", "2026-11-26") == fresh("--on", "2026-11-26")
    assert len(worked) == 2
    commit_on(crm, "2026-11-20")  # HEAD moves: when each deal entered its stage
    assert today(crm) == fresh() and len(worked) == 3
    crm.edit("salescli.yaml", "follow_up_days: 14", "follow_up_days: 3")
    assert today(crm) == fresh() != edited and len(worked) == 4

    index = crm.root / ".git" / "salescli" / "index.sqlite"
    kept = ("memo:today", "memo:today shown")  # the rows, and the output made of them
    with sqlite3.connect(index) as con:
        con.execute("UPDATE meta SET value = x'00ff' WHERE key IN (?, ?)", kept)
    con.close()
    assert today(crm) == fresh() and len(worked) == 5
    assert today(crm) == fresh() and len(worked) == 5  # kept anew
    # the answer damaged under an intact stamp (it is read only when the stamp matches)
    with sqlite3.connect(index) as con:
        for key in kept:
            (value,), = con.execute("SELECT value FROM meta WHERE key = ?", (key,))
            stamp, _ = marshal.loads(value)
            con.execute("UPDATE meta SET value = ? WHERE key = ?",
                        (marshal.dumps([stamp, b"\x00\xff"]), key))
    con.close()
    assert today(crm) == fresh() and len(worked) == 6
    assert today(crm) == fresh() and len(worked) == 6


def test_what_today_printed_is_printed_again_without_making_it(crm: Repo, monkeypatch):
    """Run again with nothing changed, `today` prints what it printed (kept with its
    format and width); another format, width, owner or limit, or a change, makes it
    again, and what it prints is always what a read without the index prints."""
    from salescli.cli import activity as cli_activity

    made: list[list] = []
    real = cli_activity.today_shown

    def spied(repo, on, owner, warn, shape, show, **kw):
        def counted(day, rows):
            made.append(shape)
            return show(day, rows)
        return real(repo, on, owner, warn, shape, counted, **kw)

    monkeypatch.setattr(cli_activity, "today_shown", spied)

    def printed(*args: str) -> str:
        r = crm.run("today", "--on", ON, *args)
        fresh = crm.run("today", "--on", ON, "--no-cache", *args)
        assert r.exit_code == 0 and r.stdout == fresh.stdout, r.output
        made.pop()  # (the read without the index made it)
        return r.stdout

    first = printed()
    assert made == [["table", None]]
    assert printed() == first and len(made) == 1  # kept
    wide = printed("--width", "120")
    assert wide != first and made[-1] == ["table", 120]
    assert printed("--width", "120") == wide and len(made) == 2
    printed("--format", "csv")
    printed("--owner", "anna")
    assert len(made) == 4
    printed("--format", "json")
    assert printed("--format", "json") and len(made) == 5  # JSON is kept too
    printed("--owner", "anna")
    assert len(made) == 6
    crm.edit("deals/2026-11/passed.yaml", "close_date: 2026-11-15", "close_date: 2027-01-15")
    assert printed("--owner", "anna") != first and len(made) == 7


def test_a_kept_answer_says_its_warnings_again(crm: Repo, monkeypatch):
    """A deal in a pipeline that does not exist is left out of the stage check with a
    warning, on every run, also when the answer is read back."""
    from salescli.services import activity

    crm.edit("deals/2026-11/quiet.yaml", "pipeline: default", "pipeline: gone")
    first = crm.run("today", "--on", ON)
    monkeypatch.setattr(activity, "_work_out_today", None)  # the kept answer, or a failure
    again = crm.run("today", "--on", ON)
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert again.stderr == first.stderr and "quiet: pipelines/gone.yaml" in first.stderr



def test_a_hand_edit_settling_keeps_the_answer(crm: Repo, monkeypatch):
    """A file read the instant after it was edited is kept by its content until its
    stat can be trusted (git's racily clean rule); when it settles, no row changes, so
    the kept answer stands."""
    from salescli.services import activity
    from salescli.store import index as index_mod

    crm.edit("deals/2026-11/passed.yaml", "close_date: 2026-11-15", "close_date: 2026-11-16")
    first = today(crm)
    monkeypatch.setattr(index_mod, "FRESH_NS", 0)  # every file old enough to trust now
    monkeypatch.setattr(activity, "_work_out_today", None)  # the kept answer, or a failure
    assert today(crm) == first


def test_one_rule_pairs_a_meeting_with_the_booking_it_answers():
    """`today` (what is still booked) and the activity reports (what counts as a new
    booking) pair meetings by one rule: the oldest booking still waiting is answered;
    a meeting that is a task (it has `due`) is neither booking nor answer."""
    from salescli.core.model import Activity
    from salescli.core.reports import ActivityRecord
    from salescli.core.reports import activity_events

    def A(type: str, status: str | None, due: str | None, owner: None) -> Activity:  # noqa: N802
        return Activity.of(date=dt.date(2026, 11, 1), type=type, summary="x", status=status,
                           due=due and dt.date.fromisoformat(due), owner=owner)

    def meeting(status: str | None, due: str | None = None) -> Activity:
        return A(type="meeting", status=status, due=due, owner=None)

    log = [meeting("booked"), meeting("booked"), meeting(None, due="2026-11-20"),
           meeting("held"), A(type="call", status=None, due=None, owner=None),
           meeting("cancelled"), meeting("held")]
    assert core.meeting_answers(log) == {0: None, 1: None, 3: 0, 5: 1, 6: None}
    assert core.bookings(log) == {0: False, 1: False}
    record = ActivityRecord("deal", "d", "anna", None, None, log)
    assert [(new, answered) for _, _, new, answered in activity_events(record)] == [
        (True, None), (True, None), (False, None), (False, "held"), (False, None),
        (False, "cancelled"), (True, "held")]  # the task (2) is not held: it is no meeting
    # a meeting held before the day a booking is for is another meeting: the demo on
    # 12-10 is still booked after the intro held on 12-06
    demo = Activity.of(date=dt.date(2026, 12, 10), type="meeting", summary="Demo",
                       status="booked")
    intro = Activity.of(date=dt.date(2026, 12, 6), type="meeting", summary="Intro",
                        status="held")
    assert core.meeting_answers([demo, intro]) == {0: None, 1: None}
    assert core.bookings([demo, intro]) == {0: True}
    held = Activity.of(date=dt.date(2026, 12, 10), type="meeting", summary="Demo",
                       status="held")
    assert core.meeting_answers([demo, intro, held]) == {0: None, 1: None, 2: 0}


def test_an_answer_looked_up_ahead_yields_to_a_write_meanwhile(crm: Repo, monkeypatch):
    """`today` looks its kept answer up while git looks at the files. Another process
    writing a row before the record index is up to date makes it work the answer out
    again, from the rows as they are then."""
    from salescli.store import index as index_mod
    from salescli.store.repo import Repository

    first = today(crm)
    assert today(crm) == first  # kept by now: found by the look-up ahead
    real = index_mod.Index._refresh
    wrote: list[str] = []

    def meanwhile(self, kind, view, scan):  # type: ignore[no-untyped-def]
        real(self, kind, view, scan)
        if not wrote:  # another process's `deal set`, after the look-up
            wrote.append(kind)
            crm.edit("deals/2026-11/passed.yaml", "close_date: 2026-11-15",
                     "close_date: 2027-01-15")
            index_mod.take_written(Repository(crm.root), ["deals/2026-11/passed.yaml"])

    monkeypatch.setattr(index_mod.Index, "_refresh", meanwhile)
    answer = today(crm)
    monkeypatch.setattr(index_mod.Index, "_refresh", real)
    assert wrote and answer != first and answer == today(crm, "--no-cache")


def test_a_settings_warning_is_said_when_the_look_up_is_asked_again(crm: Repo, monkeypatch):
    """The configuration is read (and its warnings said) as `today` looks its kept
    answer up, while git looks at the files. When rows changed meanwhile, the look-up is
    asked again, and what the configuration said the first time is said all the same,
    once (read again from its cache, it would say nothing)."""
    from salescli.store import config

    monkeypatch.setattr(config, "FRESH_NS", 0)  # the configuration's cache kept at once
    today(crm)
    crm.edit("salescli.yaml", "locale: en_US", "locale: xx_YY")
    crm.edit("deals/2026-11/passed.yaml", "close_date: 2026-11-15", "close_date: 2027-01-15")
    for _ in range(2):  # and again, the configuration read from its cache
        r = crm.run("today", "--on", ON, "--format", "json")
        assert r.exit_code == 0 and r.stderr.count("warning: ") == 1, r.stderr
        assert "unknown locale 'xx_YY'" in r.stderr, r.stderr


def test_a_note_or_a_cancelled_meeting_is_no_first_contact_of_a_lead(crm: Repo):
    # beta (new since 11-20, SLA 2 days): a note, then a meeting cancelled, leave its
    # SLA row; a call is a contact
    for args in (("log", "note", "beta", "Looked them up", "--date", "2026-11-21"),
                 ("log", "meeting", "beta", "Intro", "--status", "cancelled", "--date",
                  "2026-11-22")):
        assert crm.run(*args).exit_code == 0
        assert [r["id"] for r in today(crm)["rows"] if r["group"] == "lead-sla"] == ["beta"]
    assert crm.run("log", "call", "beta", "Reached Sara", "--date", "2026-11-23").exit_code == 0
    assert [r["id"] for r in today(crm)["rows"] if r["group"] == "lead-sla"] == []


def test_a_cancelled_meeting_is_no_last_activity_of_a_deal(crm: Repo):
    # quiet's last contact was 11-08: a meeting cancelled on 11-20 does not make it
    # touched (nor its last_activity), as it is no first contact of a lead
    r = crm.run("log", "meeting", "quiet", "Demo", "--status", "cancelled", "--date",
                "2026-11-20")
    assert r.exit_code == 0, r.output
    quiet = next(r for r in today(crm)["rows"] if r["id"] == "quiet")
    assert quiet["group"] == "untouched" and quiet["date"] == "2026-11-08"
    listed = crm.run("deal", "list", "--columns", "id,last_activity", "--format", "csv")
    assert "\nquiet,2026-11-08\n" in listed.stdout, listed.stdout


def test_a_command_to_paste_names_the_kind_where_another_kind_has_the_id(repo: Repo):
    # a converted lead, its account and its deal share one ID: `task done beta-ltd 1`
    # would be refused as ambiguous, `task done deal:beta-ltd 1` is not
    for args in (("lead", "add", "Beta Ltd", "--contact", "Sara Beta", "--email",
                  "sara@beta.example", "--date", "2026-11-20"),
                 ("lead", "contact", "beta-ltd", "--date", "2026-11-21"),
                 ("lead", "convert", "beta-ltd", "--value", "12000", "--close-date",
                  "2027-02-26", "--date", "2026-11-22"),
                 ("task", "add", "deal:beta-ltd", "Send case study", "--due", ON,
                  "--date", "2026-11-22"),
                 ("log", "meeting", "deal:beta-ltd", "Demo", "--status", "booked",
                  "--date", "2026-11-24")):
        assert repo.run(*args).exit_code == 0, args
    reasons = [r["text"] for r in today(repo)["rows"][0]["reasons"]]
    assert any("salescli meeting held deal:beta-ltd 2 " in t for t in reasons), reasons
    assert any("salescli task done deal:beta-ltd 1)" in t for t in reasons), reasons
    r = repo.run("task", "done", "deal:beta-ltd", "1")
    assert r.exit_code == 0, r.output


def test_a_reopened_deal_is_in_its_stage_since_the_reopening(repo: Repo):
    # lost for seven weeks, then reopened: not stale the day it comes back (max 21)
    acme_account(repo, created="2026-09-01")
    repo.commit()
    for args in (("deal", "add", "ERP", "--id", "erp", "--account", "acme-oy", "--value",
                  "10000", "--close-date", "2027-06-30", "--date", "2026-09-01"),
                 ("today", "--on", "2026-09-02"),  # the stage days kept: then carried on
                 ("deal", "lose", "erp", "--reason", "timing", "--date", "2026-09-10"),
                 ("deal", "reopen", "erp", "--reason", "Budget back", "--date", "2026-11-01")):
        assert repo.run(*args).exit_code == 0, args
    for cache in ((), ("--no-cache",)):
        r = repo.run("stale", "--on", "2026-11-01", "--format", "json", *cache)
        assert json.loads(r.stdout)["rows"] == [], r.output
        r = repo.run("stale", "--on", "2026-11-30", "--format", "json", *cache)
        assert [(x["since"], x["days"]) for x in json.loads(r.stdout)["rows"]] == [
            ("2026-11-01", 29)], r.output


def test_a_stage_typo_of_a_hand_edit_is_said_by_today_and_stale(repo: Repo):
    acme_account(repo, created="2026-09-01")
    repo.commit()
    assert repo.run("deal", "add", "ERP", "--id", "erp", "--account", "acme-oy", "--value",
                    "10000", "--close-date", "2026-12-31", "--date", "2026-09-01").exit_code == 0
    repo.edit("deals/2026-09/erp.yaml", "stage: needs-analysis", "stage: needs-analysys")
    for args in (("today", "--on", ON), ("stale",)):  # (a past day's stale reads history)
        for _ in range(2):  # and from today's kept answer
            r = repo.run(*args)
            assert r.exit_code == 0 and r.stderr == (
                "warning: erp: stage `needs-analysys` is not in pipeline `default`: it is "
                "never stale and weighs 0 %; see `salescli check`\n"), (args, r.stderr)
