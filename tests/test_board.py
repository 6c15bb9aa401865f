"""`salescli board`: open deals as columns per stage, in the terminal and as data."""

from __future__ import annotations

import json

import pytest
from conftest import Repo
from conftest import write_open_deals


def deal(repo: Repo, ident: str, stage: str, value: str, owner: str = "anna",
         status: str = "open", probability: str = "null") -> None:
    repo.write(f"deals/2026-10/{ident}.yaml", f"""
        id: {ident}
        title: Deal {ident}
        account: acme-oy
        pipeline: default
        stage: {stage}
        status: {status}
        value: {value}
        currency: EUR
        close_date: 2027-01-31
        owner: {owner}
        created: 2026-10-05
        probability: {probability}
        """ + ("won_date: 2026-10-20\n" if status == "won" else ""))


@pytest.fixture
def pipeline(repo: Repo) -> Repo:
    write_open_deals(repo, 0)  # the account
    deal(repo, "small", "needs-analysis", "1000.00")
    deal(repo, "big", "needs-analysis", "48000.00", owner="ville")
    deal(repo, "quoted", "proposal", "12000.50", probability="50")
    deal(repo, "done", "proposal", "99000.00", status="won")
    repo.commit()
    return repo


def test_columns_side_by_side_largest_first(pipeline: Repo):
    result = pipeline.run("board", "--width", "120", "--on", "2026-11-04")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split(" │ ")[:2] == ["Needs analysis (10%)".ljust(27),
                                          "Proposal (30%)".ljust(27)]
    assert lines[1].split(" │ ")[0].strip() == "2 · €49,000"
    assert lines[1].split(" │ ")[1].strip() == "1 · €12,001"  # whole units: 12,000.50
    column = [line.split(" │ ")[0].strip() for line in lines[3:]]
    assert column[:3] == ["Deal big", "€48,000 · 30 d", "acme-oy · ville"]
    assert column[4:7] == ["Deal small", "€1,000 · 30 d", "acme-oy · anna"]
    assert "Deal done" not in result.output  # won: off the board
    # weighted: 48,000 x 10 % + 1,000 x 10 % + 12,000.50 x 50 % (the deal's own)
    assert lines[-1] == ("3 open deal(s) in pipeline default: €61,001, weighted "
                         "€10,900; as of 2026-11-04")


def test_a_narrow_terminal_stacks_the_stages(pipeline: Repo):
    result = pipeline.run("board", "--width", "40", "--on", "2026-11-04")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:5] == [
        "Needs analysis (10%) · 2 · €49,000",
        "  Deal big",
        "    €48,000 · 30 d · acme-oy · ville",
        "  Deal small",
        "    €1,000 · 30 d · acme-oy · anna"]


def test_the_board_in_the_settings_locale(pipeline: Repo):
    pipeline.edit("salescli.yaml", "locale: en_US", "locale: fi_FI")
    result = pipeline.run("board", "--width", "40", "--on", "2026-11-04")
    assert result.exit_code == 0, result.output
    nbsp = "\xa0"  # Babel's (CLDR's) no-break spaces
    assert result.output.splitlines()[:3] == [
        f"Needs analysis (10{nbsp}%) · 2 · 49{nbsp}000{nbsp}€",
        "  Deal big", f"    48{nbsp}000{nbsp}€ · 30 d · acme-oy · ville"]
    assert result.output.splitlines()[-1] == (
        f"3 open deal(s) in pipeline default: 61{nbsp}001{nbsp}€, weighted "
        f"10{nbsp}900{nbsp}€; as of 2026-11-04")


def test_days_count_from_entering_the_stage_and_owner_filters(pipeline: Repo):
    # a hand edit, committed on 2026-10-25: the history dates the stage change
    deal(pipeline, "small", "proposal", "1000.00")
    pipeline.git("add", "-A")
    pipeline.git("-c", "user.name=T", "commit", "-qm", "small to proposal",
                 "--date", "2026-10-25T12:00:00Z")
    result = pipeline.run("board", "--owner", "anna", "--on", "2026-11-04", "--format", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    cards = {c["stage"]: [(d["id"], d["days"]) for d in c["cards"]] for c in got["columns"]}
    assert cards == {"needs-analysis": [], "proposal": [("quoted", 30), ("small", 10)],
                     "negotiation": [], "contracting": []}
    assert got["totals"] == {"count": 2, "value": {"EUR": 13000.5},
                             "weighted": {"EUR": 6300.25}}


def test_csv_is_one_row_per_deal(pipeline: Repo):
    result = pipeline.run("board", "--format", "csv", "--on", "2026-11-04")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "stage,id,title,account,owner,value,currency,days,weighted",
        "needs-analysis,big,Deal big,acme-oy,ville,48000.00,EUR,30,4800.00"]


def test_an_unknown_pipeline_is_a_usage_error(pipeline: Repo):
    result = pipeline.run("board", "--pipeline", "nope")
    assert result.exit_code == 2
    assert "no pipeline `nope`" in result.output


def test_an_unknown_owner_is_a_usage_error(pipeline: Repo):
    result = pipeline.run("board", "--owner", "vile")
    assert result.exit_code == 2
    assert "--owner: no owner `vile` (did you mean `ville`?)" in result.output


def test_a_date_and_time_counts_by_its_day_and_a_narrow_board_fits(pipeline: Repo):
    result = pipeline.run("board", "--on", "2026-11-04T10:00", "--width", "30")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(len(line) <= 30 for line in lines[:-1])  # the footer is one sentence
    assert lines[1:3] == ["  Deal big", "    €48,000 · 30 d · acme-oy …"]


def test_today_from_the_index_and_a_past_day_from_the_history_agree(pipeline: Repo):
    now = json.loads(pipeline.run("board", "--format", "json").output)
    then = json.loads(pipeline.run("board", "--on", "yesterday", "--format", "json").output)
    assert now["totals"] == then["totals"]
    assert [[c["id"] for c in col["cards"]] for col in now["columns"]] == \
        [[c["id"] for c in col["cards"]] for col in then["columns"]]
    assert [col["name"] for col in then["columns"]][:2] == ["Needs analysis", "Proposal"]


def test_a_past_day_shows_each_deal_as_it_stood_in_board_and_stale(repo: Repo):
    from test_reports import commit_at

    write_open_deals(repo, 0)
    deal(repo, "moved", "needs-analysis", "1000.00")
    deal(repo, "old-name", "needs-analysis", "2000.00")
    commit_at(repo, "2026-10-05", "two deals")
    # moved to proposal on 11-20; old-name renamed (its ID changed) on 11-20 too
    repo.edit("deals/2026-10/moved.yaml", "stage: needs-analysis", "stage: proposal")
    repo.git("mv", "deals/2026-10/old-name.yaml", "deals/2026-10/new-name.yaml")
    repo.edit("deals/2026-10/new-name.yaml", "id: old-name", "id: new-name")
    commit_at(repo, "2026-11-20", "moved on, renamed")
    # on 11-01 both had been in needs-analysis for 27 days (max 21): both stale then
    board = json.loads(repo.run("board", "--on", "2026-11-01", "--format", "json").output)
    cards = {c["id"]: c for col in board["columns"] for c in col["cards"]}
    assert {k: (c["stage"], c["days"], c["title"], c["account"]) for k, c in cards.items()} \
        == {"moved": ("needs-analysis", 27, "Deal moved", "acme-oy"),
            "old-name": ("needs-analysis", 27, "Deal old-name", "acme-oy")}
    for cached in ((), ("--no-cache",)):
        stale = json.loads(repo.run("stale", "--on", "2026-11-01", "--format", "json",
                                    *cached).output)
        assert [(r["id"], r["stage"], r["days"]) for r in stale["rows"]] == [
            ("moved", "needs-analysis", 27), ("old-name", "needs-analysis", 27)]
    # a deal deleted since has no record to name its title and account: its ID stands in
    repo.git("rm", "-q", "deals/2026-10/moved.yaml")
    commit_at(repo, "2026-11-25", "moved was a duplicate")
    result = repo.run("board", "--on", "2026-11-01", "--width", "120")
    assert result.exit_code == 0 and "Deal moved" not in result.output, result.output
    board = json.loads(repo.run("board", "--on", "2026-11-01", "--format", "json").output)
    assert [(c["id"], c["title"], c["account"]) for col in board["columns"]
            for c in col["cards"] if c["id"] == "moved"] == [("moved", "moved", "")]
