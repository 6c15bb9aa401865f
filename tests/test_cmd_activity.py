"""`log`, `today` and `stale` on histories built with backdated commands."""

from __future__ import annotations

import json

import pytest
from conftest import Repo
from conftest import acme_account
from conftest import clock
from conftest import refused


@pytest.fixture
def crm(repo: Repo) -> Repo:
    acme_account(repo, "- {id: matti, name: Matti, role: economic-buyer}", created="2026-09-01")
    repo.commit()

    def ok(*args: str) -> None:
        r = repo.run(*args)
        assert r.exit_code == 0, r.output

    # fresh: created 2026-11-01, in its first stage since then
    ok("deal", "add", "Fresh", "--account", "acme-oy", "--value", "10", "--close-date",
       "2027-03-01", "--date", "2026-11-01")
    # moved: created 2026-09-10, entered proposal 2026-10-01 (max_days 14)
    ok("deal", "add", "Moved", "--account", "acme-oy", "--value", "20", "--close-date",
       "2026-11-15", "--date", "2026-09-10")
    ok("deal", "stakeholder", "moved", "matti", "--date", "2026-09-11")
    ok("deal", "item", "add", "moved", "--name", "Work", "--unit-price", "20",
       "--date", "2026-09-12")
    ok("deal", "advance", "moved", "--date", "2026-10-01")
    ok("deal", "set", "moved", "next_step.action=Send quote", "next_step.due=2026-11-20",
       "--date", "2026-10-02")
    ok("log", "call", "moved", "Follow-up", "--date", "2026-11-10")
    # lost with a revisit date
    ok("deal", "add", "Parked", "--account", "acme-oy", "--value", "30", "--close-date",
       "2026-12-01", "--date", "2026-10-01")
    ok("deal", "lose", "parked", "--reason", "timing", "--revisit", "2026-11-25",
       "--date", "2026-10-15")
    repo.write("leads/2026-11/beta.yaml", "id: beta\ncompany: Beta\ncreated: 2026-11-20\n")
    repo.commit()
    return repo


def test_log_with_names_contacts_of_the_account(crm: Repo):
    """`--with` takes the contacts of the account (a deal's: its account's); a typo is
    refused, not recorded, and `check` warns of one written by hand."""
    refused(crm, ["log", "meeting", "fresh", "Kickoff", "--with", "matti", "--with", "mati"],
            1, "--with mati: not a contact of account acme-oy (its contacts: matti); add "
            "them with `salescli contact add acme-oy NAME` first")
    refused(crm, ["log", "call", "acme-oy", "Hello", "--with", "liisa"], 1,
            "--with liisa: not a contact of account acme-oy (its contacts: matti); add them "
            "with `salescli contact add acme-oy NAME` first")
    refused(crm, ["log", "call", "lead:beta", "Hello", "--with", "matti"], 2,
            "--with names contacts of an account, and lead beta has none yet; put the "
            "person in the summary, or convert the lead first")
    assert crm.run("log", "call", "acme-oy", "Hello", "--with", "matti", "--with", "matti"
                   ).exit_code == 0
    assert "    with: [matti]\n" in (crm.root / "accounts/2026-09/acme-oy.yaml").read_text()
    deal = crm.root / "deals/2026-11/fresh.yaml"
    deal.write_text(deal.read_text() + "activities:\n  - {date: 2026-11-02, type: call, "
                    "summary: Hi, with: [matti, mati]}\n")
    r = crm.run("check")
    assert r.exit_code == 0, r.output  # a warning: history is what it is
    assert "deals/2026-11/fresh.yaml:" in r.stdout and "activity 1 was with `mati`, who is " \
        "not a contact of account `acme-oy`; add them with `salescli contact add` or fix " \
        "`with:` [unknown-contact]" in r.stdout, r.stdout


def test_log_appends_an_activity_block(crm: Repo):
    r = crm.run("log", "meeting", "fresh", "First meeting", "--with", "matti", "--went-well",
                "Clear agenda", "--improve", "Ask budget", "--date", "2026-11-05")
    assert r.exit_code == 0, r.output
    text = (crm.root / "deals/2026-11/fresh.yaml").read_text()
    assert text.endswith(
        "activities:\n"
        "  - date: 2026-11-05\n"
        "    type: meeting\n"
        "    summary: First meeting\n"
        "    status: held\n"
        "    with: [matti]\n"
        "    evaluation: {went_well: Clear agenda, improve: Ask budget}\n"
        "    owner: anna\n")
    assert crm.git("log", "-1", "--format=%s").strip() == "deal(fresh): meeting: First meeting"
    assert crm.run("log", "note", "acme-oy", "Met at event").exit_code == 0
    assert "summary: Met at event" in (crm.root / "accounts/2026-09/acme-oy.yaml").read_text()
    assert crm.run("log", "email", "lead:beta", "Sent intro").exit_code == 0
    assert crm.run("check").exit_code == 0


def test_log_refusals(crm: Repo):
    refused(crm, ["log", "call", "nobody", "x"], 1,  # not found (README, "Exit codes")
            "no deal, lead or account 'nobody'; see `salescli deal list`, `lead list` or "
            "`account list` for the IDs")
    refused(crm, ["log", "call", "fresh", "x", "--status", "held"], 2,
            "--status is for meetings and demos (booked, held, cancelled)")
    refused(crm, ["log", "call", "thing:fresh", "x"], 2,
            "unknown kind 'thing' in 'thing:fresh'; use deal:, lead: or account:")
    # an ID of two kinds: each named with its article
    crm.write("accounts/2026-09/fresh.yaml", "id: fresh\nname: Fresh\ncreated: 2026-09-01\n")
    crm.commit()
    refused(crm, ["log", "call", "fresh", "x"], 2,
            "'fresh' is a deal and an account; say which, e.g. deal:fresh")


def test_stale_counts_from_stage_entry(crm: Repo):
    rows = json.loads(crm.run("stale", "--on", "2026-11-23", "--format", "json").stdout)["rows"]
    # moved: in proposal since 2026-10-01 -> 53 days > 14; fresh: 22 days > 21
    assert [(r["id"], r["since"], r["days"], r["max_days"]) for r in rows] == [
        ("moved", "2026-10-01", 53, 14), ("fresh", "2026-11-01", 22, 21)]
    assert json.loads(crm.run("stale", "--on", "2026-11-22", "--format",
                              "json").stdout)["rows"][-1]["id"] == "moved"
    assert len(json.loads(crm.run("stale", "--on", "2026-10-10", "--format",
                                  "json").stdout)["rows"]) == 0


def test_what_stale_printed_is_printed_again_until_a_deal_or_head_changes(
        crm: Repo, monkeypatch):
    """From today on, `stale` keeps what it printed as `today` does: by the format, the
    day, HEAD (when each deal entered its stage) and the deals; always what a read
    without the index prints."""
    from salescli.services import activity

    made: list[int] = []
    real = activity.stale_rows

    def counted(*args, **kw):  # type: ignore[no-untyped-def]
        made.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(activity, "stale_rows", counted)

    def printed(*args: str) -> str:
        r = crm.run("stale", "--on", "2030-01-01", *args)
        fresh = crm.run("stale", "--on", "2030-01-01", "--no-cache", *args)
        assert r.exit_code == 0 and r.stdout == fresh.stdout, r.output
        made.pop()  # (the read without the index made it)
        return r.stdout

    first = printed()
    assert "fresh" in first and len(made) == 1
    assert printed() == first and len(made) == 1  # kept
    assert printed("--format", "csv") != first and len(made) == 2
    assert printed("--on", "2030-01-02") != first and len(made) == 3
    crm.edit("deals/2026-11/fresh.yaml", "title: Fresh", "title: Renewed")
    assert "Renewed" in printed() and len(made) == 4
    crm.commit()  # HEAD moves: when each deal entered its stage is read again
    printed()
    assert len(made) == 5


def test_today_lists_what_needs_attention(crm: Repo):
    out = json.loads(crm.run("today", "--on", "2026-11-25", "--format", "json").stdout)
    assert out["date"] == "2026-11-25"
    # one row per record, in the group of its most urgent reason, with all its reasons
    got = [(r["group"], r["id"], [(x["what"], x["date"], x["days"]) for x in r["reasons"]])
           for r in out["rows"]]
    assert got == [
        ("overdue", "moved", [("overdue", "2026-11-20", 5),
                              ("close-date-passed", "2026-11-15", 10),
                              ("stale", "2026-10-01", 55),
                              ("untouched", "2026-11-10", 15)]),  # follow_up_days is 14
        ("lead-sla", "beta", [("lead-sla", "2026-11-20", 5)]),
        ("stale", "fresh", [("stale", "2026-11-01", 24), ("untouched", "2026-11-01", 24)]),
        ("revisit", "parked", [("revisit", "2026-11-25", 0)]),
    ]
    table = crm.run("today", "--on", "2026-11-25").stdout
    assert table.splitlines()[0].split()[:3] == ["group", "kind", "id"]
    assert "next step overdue 5 days: Send quote; close date passed 10 days ago" in table


def test_today_on_a_quiet_day(crm: Repo):
    assert crm.run("today", "--on", "2026-10-05").stdout.strip() == "(none)"


def test_a_second_activity_is_spliced_in_without_ruamel(crm: Repo):
    import subprocess
    import sys

    path = crm.root / "deals/2026-11/fresh.yaml"
    assert crm.run("log", "call", "fresh", "First", "--date", "2026-11-05").exit_code == 0
    before = path.read_text()
    code = ("import sys; from salescli.cli import main; sys.argv = ['salescli', '-C', "
            f"{str(crm.root)!r}, 'log', 'meeting', 'fresh', 'Second', '--with', 'matti', "
            "'--went-well', 'Clear agenda', '--date', '2026-11-06']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in sys.modules if m.startswith('ruamel')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert path.read_text() == before + (
        "  - date: 2026-11-06\n"
        "    type: meeting\n"
        "    summary: Second\n"
        "    status: held\n"
        "    with: [matti]\n"
        "    evaluation: {went_well: Clear agenda}\n"
        "    owner: anna\n")
    assert crm.run("check").exit_code == 0


def test_a_meeting_later_today_is_booked_and_one_gone_by_held(crm: Repo, monkeypatch):
    import datetime as dt

    from salescli.services import options

    # 10:00 UTC on 2026-11-20: a demo at 15:00 that day lies ahead, one at 08:00 was held
    now = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC).timestamp()
    monkeypatch.setattr(options, "now", lambda: now)
    for when in ("2026-11-20T15:00+00:00", "2026-11-20T08:00+00:00"):
        r = crm.run("log", "meeting", "fresh", "Demo", "--date", when)
        assert r.exit_code == 0, r.output
    text = (crm.root / "deals/2026-11/fresh.yaml").read_text()
    assert text.count("    status: booked\n") == 1 and text.count("    status: held\n") == 1
    assert text.index("status: booked") < text.index("status: held")


def test_the_demo_books_and_holds_by_its_own_clock():
    """`salescli demo --end` a day to come: its demos on that day are held, by the
    demo's clock, not booked by the real one (the same seed and end, the same HEAD)."""
    import datetime as dt

    from salescli.services.activity import logged

    day = dt.date.today() + dt.timedelta(days=30)
    act, _ = logged("demo", "Product demo", day, None, today=day)
    assert act["status"] == "held"
    assert logged("demo", "Product demo", day, None)[0]["status"] == "booked"


AHEAD = ("is ahead of now: a change is dated when it happened; to plan something, add a "
         "task (`salescli task add TARGET SUMMARY --due DATE`) or book a meeting (`salescli "
         "log meeting TARGET SUMMARY --date DATE`)")


def test_what_has_not_happened_yet_is_not_recorded_as_done(crm: Repo, monkeypatch):
    # 10:00 on 2026-12-02: a call on Friday, or at 18:00 today, has not happened; a
    # meeting then is booked, and a quote may be dated ahead (a document's own date)
    clock(monkeypatch, 2026, 12, 2, 10)
    for args in (["log", "call", "moved", "Call Matti", "--date", "2026-12-04"],
                 ["log", "note", "moved", "Later", "--date", "2026-12-02T18:00"],
                 ["deal", "add", "Future", "--account", "acme-oy", "--value", "1",
                  "--close-date", "2027-03-01", "--date", "2026-12-04"],
                 ["deal", "advance", "fresh", "--date", "2026-12-03"],
                 ["lead", "add", "Gamma Oy", "--date", "2026-12-03"]):
        refused(crm, args, 2, f"--date {args[-1]} {AHEAD}")
    for args in (["log", "call", "moved", "Call Matti", "--date", "2026-12-02T10:00"],
                 ["log", "meeting", "moved", "Workshop", "--date", "2026-12-04"],
                 ["log", "call", "moved", "Earlier", "--date", "2026-12-02"]):
        r = crm.run(*args)
        assert r.exit_code == 0, r.output
    # the meeting two days ahead of that clock is booked, by the same clock
    assert "Logged meeting on deal moved: 2026-12-04, booked [" in \
        crm.run("log", "meeting", "moved", "Review", "--date", "2026-12-04").output


def test_a_booking_for_a_day_to_come_is_committed_now_not_on_that_day(crm: Repo):
    import datetime as dt

    day = (dt.date.today() + dt.timedelta(days=4)).isoformat()
    r = crm.run("log", "meeting", "fresh", "Workshop", "--date", day)
    assert r.exit_code == 0, r.output
    assert "    status: booked\n" in (crm.root / "deals/2026-11/fresh.yaml").read_text()
    # git log shows when it was booked: today, not a commit from the future
    assert crm.git("log", "-1", "--format=%ad", "--date=short").strip() == \
        dt.date.today().isoformat()


def test_show_numbers_the_latest_activities_and_says_where_each_stands(crm: Repo):
    # the number is what `task done N` and `meeting held N` take (the place in the
    # file); a task is due or done, a meeting booked, held or cancelled; by date, so a
    # call logged late with an earlier --date is not shown as the latest
    for args in (("log", "meeting", "fresh", "Workshop", "--status", "booked", "--date",
                  "2026-11-20"),
                 ("task", "add", "fresh", "Send agenda", "--due", "2026-11-18", "--date",
                  "2026-11-10"),
                 ("log", "call", "fresh", "Check-in call", "--date", "2026-11-12"),
                 ("task", "done", "fresh", "2", "--date", "2026-11-15")):
        assert crm.run(*args).exit_code == 0, args
    shown = crm.run("deal", "show", "fresh").stdout.split("Latest activities ")[1]
    assert shown.splitlines()[:5] == [
        "(3 of 3)",
        "#    date        type     summary        status           outcome",
        "---  ----------  -------  -------------  ---------------  ---------",
        "2    2026-11-10  task     Send agenda    done 2026-11-15",
        "3    2026-11-12  call     Check-in call"], shown
    for n in range(4, 8):  # the five latest by date: not the two logged first
        assert crm.run("log", "note", "fresh", f"Note {n}", "--date", f"2026-11-2{n}"
                       ).exit_code == 0
    shown = crm.run("deal", "show", "fresh").stdout.split("Latest activities ")[1]
    assert [line.split()[:2] for line in shown.splitlines()[3:8]] == [
        ["1", "2026-11-20"], ["4", "2026-11-24"], ["5", "2026-11-25"], ["6", "2026-11-26"],
        ["7", "2026-11-27"]], shown


def test_an_empty_summary_is_refused(crm: Repo):
    # `log call X ""` committed `summary: ''` under the subject `deal(X): call:`
    for summary in ("", "   "):
        refused(crm, ["log", "call", "acme-oy", summary], 2,
                "SUMMARY is empty; say what the call was about")


def test_log_says_the_day_it_logged_on(crm: Repo):
    # `--date tuesday` is the last Tuesday, held: the line says so; `next tuesday` books
    import datetime as dt

    r = crm.run("log", "meeting", "acme-oy", "Kick-off", "--date", "next tuesday")
    assert r.exit_code == 0, r.output
    today = dt.date.today()
    ahead = today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)
    assert r.stdout.startswith(f"Logged meeting on account acme-oy: {ahead}, booked ["), \
        r.stdout
    r = crm.run("log", "call", "acme-oy", "Intro", "--date", "yesterday")
    assert r.stdout.startswith(f"Logged call on account acme-oy: "
                               f"{today - dt.timedelta(days=1)} ["), r.stdout


def test_a_logged_task_says_how_to_add_one_to_do(crm: Repo):
    # `log task` wrote a task no `today`, `task list` or calendar ever showed
    r = crm.run("log", "task", "acme-oy", "Sent the contract")
    assert r.exit_code == 0 and r.stderr == (
        "note: a logged task is one done; to be reminded of one to do: salescli task add "
        "acme-oy SUMMARY --due DATE\n"), r.stderr


def test_stale_worked_out_while_head_moved_is_not_kept(crm: Repo, monkeypatch):
    """What `stale` is kept by is asked again once it is worked out: a commit meanwhile
    (another terminal) leaves it unkept, so a reset back does not find its days."""
    from salescli.services import activity

    # a hand edit into proposal, not committed: in it since the deal was created
    crm.edit("deals/2026-11/fresh.yaml", "stage: needs-analysis", "stage: proposal")
    real = activity.stale_rows

    def meanwhile(*args, **kw):  # type: ignore[no-untyped-def]
        crm.git("commit", "-qam", "fresh to proposal")  # in it since this commit
        return real(*args, **kw)

    monkeypatch.setattr(activity, "stale_rows", meanwhile)
    assert crm.run("stale", "--on", "2030-01-01").exit_code == 0
    monkeypatch.setattr(activity, "stale_rows", real)
    crm.git("reset", "-q", "--soft", "HEAD~1")  # the same files, HEAD as it was
    r = crm.run("stale", "--on", "2030-01-01")
    assert r.stdout == crm.run("stale", "--on", "2030-01-01", "--no-cache").stdout
