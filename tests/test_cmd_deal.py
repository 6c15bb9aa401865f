"""Deal commands end to end: every command, every refusal, nothing written on refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import SOON
from conftest import Repo
from conftest import acme_account
from conftest import deal_with
from conftest import in_stage
from conftest import refused
from conftest import replaced

from salescli.core.dates import HELP as DATE_HELP

DEAL_FILE = "deals/2026-10/acme-erp.yaml"


@pytest.fixture
def acct(repo: Repo) -> Repo:
    acme_account(repo, """
        - id: matti-virtanen
          name: Matti Virtanen
          role: economic-buyer
        - id: liisa-k
          name: Liisa K
        """)
    repo.commit()
    return repo


@pytest.fixture
def deal(acct: Repo) -> Repo:
    r = acct.run("deal", "add", "ERP integration", "--account", "acme-oy", "--id", "acme-erp",
                 "--value", "48000", "--close-date", "2027-01-31", "--date", "2026-10-05")
    assert r.exit_code == 0, r.output
    return acct


def subject(repo: Repo) -> str:
    return repo.git("log", "-1", "--format=%s").strip()


def test_add_writes_the_documented_record_in_its_month(deal: Repo):
    text = (deal.root / DEAL_FILE).read_text()
    # conftest's fixture deal, less what `deal add` was not given
    assert text == deal_with(title="ERP integration", source=None, created="2026-10-05",
                             stakeholders=None)
    assert subject(deal) == "deal(acme-erp): add in needs-analysis"
    assert deal.git("log", "-1", "--format=%aI%n%b").split() == [
        "2026-10-05T12:00:00+00:00", "Salescli-Event:", "add"]
    assert deal.git("show", "--name-only", "--format=", "HEAD").split() == [DEAL_FILE]
    assert deal.run("check").exit_code == 0


def test_add_id_from_title_and_unique(acct: Repo):
    for force in ((), ("--force",)):  # the same title again is a probable duplicate
        assert acct.run("deal", "add", "Äänekoski pilot", "--account", "acme-oy",
                        "--value", "1", "--close-date", SOON, *force).exit_code == 0
    assert sorted(acct.repo.ids("deal")) == ["aanekoski-pilot", "aanekoski-pilot-2"]


@pytest.mark.parametrize("args,code,message", [
    (["--account", "nope", "--value", "1", "--close-date", SOON], 1,
     "no account 'nope' in accounts/; see `salescli account list` for the IDs"),
    (["--account", "acme-oy", "--value", "1"], 2,
     "--close-date is required: an open deal needs an expected close date"),
    (["--account", "acme-oy", "--close-date", SOON], 1,
     "cannot add the deal in `needs-analysis`: `needs-analysis` requires `value`"),
    (["--account", "acme-oy", "--value", "1", "--close-date", "2027-13-01"], 2,
     f'invalid --close-date "2027-13-01": use {DATE_HELP}'),
    # a year typed wrong: the deal would be overdue the moment it is added
    (["--account", "acme-oy", "--value", "1", "--close-date", "2026-01-31", "--date",
      "2026-11-02"], 2, "--close-date 2026-01-31 is before the deal is created (2026-11-02); "
     "give the day you expect it to close"),
    (["--account", "acme-oy", "--value", "1", "--close-date", SOON, "--stage",
      "negotiation"], 1,
     "cannot add the deal in `negotiation`: `proposal` requires a stakeholder with role "
     "economic-buyer or decision-maker; `proposal` requires `items`; `negotiation` requires "
     "a recorded quote (`salescli quote DEAL`)"),
    (["--account", "acme-oy", "--value", "1", "--close-date", SOON, "--source", "tv"], 2,
     "unknown source 'tv'; choose one of: website, referral, linkedin, event, outbound, "
     "partner, inbound (settings in salescli.yaml)"),
    (["--account", "acme-oy", "--value", "1", "--close-date", SOON, "--id", "../x"], 2,
     "invalid deal ID '../x': IDs are 1-64 characters of a-z, 0-9 and '-', starting with a "
     "letter or digit"),
    (["--account", "acme-oy", "--value", "1", "--close-date", SOON, "--currency",
      "EUX"], 2, "--currency EUX: not an ISO 4217 currency code"),
])
def test_add_refusals(acct: Repo, args: list[str], code: int, message: str):
    extra = ["--date", "2026-11-02"] if "--currency" in args else []
    refused(acct, ["deal", "add", "X", *args, *extra], code, message)


def test_advance_checks_requires_then_moves(deal: Repo):
    refused(deal, ["deal", "advance", "acme-erp"], 1,
            "cannot move acme-erp to `proposal`: `proposal` requires a stakeholder with role "
            "economic-buyer or decision-maker; `proposal` requires `items`")
    assert deal.run("deal", "stakeholder", "acme-erp", "matti-virtanen").exit_code == 0
    assert subject(deal) == "deal(acme-erp): stakeholder matti-virtanen"
    assert deal.run("deal", "item", "add", "acme-erp", "--name", "Work", "--quantity", "40",
                    "--unit", "h", "--unit-price", "120", "--tax-rate", "25.5").exit_code == 0
    r = deal.run("deal", "advance", "acme-erp", "--date", "2026-10-20")
    assert r.exit_code == 0 and "needs-analysis -> proposal" in r.stdout
    assert subject(deal) == "deal(acme-erp): needs-analysis -> proposal"
    assert "Salescli-Event: advance" in deal.git("log", "-1", "--format=%b")
    text = (deal.root / DEAL_FILE).read_text()
    assert "stage: proposal\n" in text
    assert "  - {contact: matti-virtanen}\n" in text
    assert "  - {name: Work, quantity: 40, unit: h, unit_price: 120.00, tax_rate: 25.5}\n" in text
    refused(deal, ["deal", "advance", "acme-erp"], 1,
            "cannot move acme-erp to `negotiation`: `negotiation` requires a recorded quote "
            "(`salescli quote acme-erp`)")
    # backward moves need a reason, recorded in the commit
    refused(deal, ["deal", "move", "acme-erp", "needs-analysis"], 1,
            "cannot move acme-erp to `needs-analysis`: moving back needs --reason "
            "(rules.backward: with-reason)")
    assert deal.run("deal", "move", "acme-erp", "needs-analysis", "--reason",
                    "Scope changed").exit_code == 0
    assert deal.git("log", "-1", "--format=%b").startswith("Reason: Scope changed\n")
    stages = "choose one of: needs-analysis, proposal, negotiation, contracting"
    for stage, code, why in (
            ("contracting", 1, "moving to `contracting` skips `proposal`, `negotiation`; "
             "pipeline `default` does not allow skipping (rules.skip: false); `negotiation` "
             "requires a recorded quote (`salescli quote acme-erp`)"),
            # a stage the pipeline does not have is a usage error (README, "Exit codes")
            ("nowhere", 2, f"no stage `nowhere` in pipeline `default`; {stages}"),
            ("proposl", 2, "no stage `proposl` in pipeline `default` (did you mean "
             f"`proposal`?); {stages}")):
        refused(deal, ["deal", "move", "acme-erp", stage], code,
                f"cannot move acme-erp to `{stage}`: {why}")


def test_advance_refuses_a_stage_the_pipeline_no_longer_has(deal: Repo):
    # a stage renamed in the pipeline file: "advance" has no next stage to go to, and
    # must not send the deal back to the first one; `deal move` puts it in a stage
    deal.edit("pipelines/default.yaml", "- id: needs-analysis", "- id: discovery")
    deal.commit("rename a stage")
    refused(deal, ["deal", "advance", "acme-erp"], 1,
            "cannot advance acme-erp: its stage `needs-analysis` is not in pipeline `default` "
            "(discovery, proposal, negotiation, contracting); put it in one with "
            "`salescli deal move acme-erp STAGE`")
    r = deal.run("deal", "move", "acme-erp", "discovery")
    assert r.exit_code == 0, r.output
    assert subject(deal) == "deal(acme-erp): needs-analysis -> discovery"

def test_a_commit_on_a_detached_head_says_so(deal: Repo):
    deal.git("checkout", "-q", "--detach")
    r = deal.run("deal", "set", "acme-erp", "next_step.action=Call")
    assert r.exit_code == 0, r.output
    assert r.stderr == ("note: committed on a detached HEAD, on no branch: `git switch -c "
                        "NAME` keeps it on a new branch\n")
    deal.git("switch", "-q", "-c", "kept")
    r = deal.run("deal", "set", "acme-erp", "next_step.action=Call again")
    assert r.exit_code == 0 and r.stderr == "", r.output

def test_move_to_a_stage_of_another_pipeline(deal: Repo):
    deal.write("pipelines/startup.yaml", """
        name: startup
        stages:
          - {id: talk, probability: 20}
          - {id: trial, probability: 50, requires: [items]}
        won: {requires: []}
        lost: {requires: [lost_reason]}
        """)
    deal.commit("a second pipeline")
    refused(deal, ["deal", "set", "acme-erp", "pipeline=startup"], 2,
            "`pipeline` is not set directly: use `deal move ID STAGE --pipeline NAME` "
            "(a stage of it)")
    # as a deal added there would start in it: what the stages up to it require
    refused(deal, ["deal", "move", "acme-erp", "trial", "--pipeline", "startup"], 1,
            "cannot move acme-erp to `trial` of pipeline `startup`: `trial` requires `items`")
    refused(deal, ["deal", "move", "acme-erp", "proposal", "--pipeline", "startup"], 2,
            "cannot move acme-erp to `proposal` of pipeline `startup`: no stage `proposal` "
            "in pipeline `startup`; choose one of: talk, trial")
    r = deal.run("deal", "move", "acme-erp", "talk", "--pipeline", "startup")
    assert r.exit_code == 0, r.output
    assert subject(deal) == "deal(acme-erp): pipeline default -> startup, needs-analysis -> talk"
    text = (deal.root / DEAL_FILE).read_text()
    assert "\npipeline: startup\nstage: talk\n" in text
    assert deal.run("check").exit_code == 0
    assert deal.run("deal", "item", "add", "acme-erp", "--name", "Pilot", "--unit-price", "900",
                    "--tax-rate", "25.5").exit_code == 0
    r = deal.run("deal", "advance", "acme-erp")
    assert r.exit_code == 0 and "talk -> trial" in r.stdout, r.output
    funnel = json.loads(deal.run("report", "funnel", "--pipeline", "startup", "--format",
                                 "json").stdout)
    assert [row["reached"] for row in funnel["rows"]] == [1, 1]
    # its time in default's needs-analysis is no stage of startup's
    assert [row["median_days"] is not None for row in funnel["rows"]] == [True, True]
    # history reads the move as one into another pipeline: no move back, no rule broken
    changes = json.loads(deal.run("report", "changes", "--since", "2026-01-01", "--format",
                                  "json").stdout)
    assert {r["change"]: r["count"] for r in changes["rows"]}.get("moved-back", 0) == 0
    assert {r["change"]: r["count"] for r in changes["rows"]}.get("advanced") == 1
    r = deal.run("check", "--history")
    assert r.exit_code == 0 and "history" not in r.stdout, r.output

def test_set_is_typed_validated_and_round_trip(deal: Repo):
    deal.edit(DEAL_FILE, "value: 48000.00", "value: 48000.00   # list price")
    deal.commit("a comment")
    r = deal.run("deal", "set", "acme-erp", "value=52000", "next_step.action=Send quote",
                 "next_step.due=2026-12-01")
    assert r.exit_code == 0, r.output
    diff = [ln for ln in deal.git("diff", "HEAD~1", "--", DEAL_FILE).splitlines()
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert diff == ["-value: 48000.00   # list price", "+value: 52000.00   # list price",
                    "+next_step: {action: Send quote, due: 2026-12-01}"]
    assert subject(deal) == "deal(acme-erp): set value, next_step.action, next_step.due"
    before = "close_date {} is before the deal is created ({}); give the day you expect it to close"
    for field, code, message in (
            ("stage=won", 2, "`stage` is not set directly: use `deal advance` or `deal move`"),
            ("close_date=soon", 2, f'invalid close_date "soon": use {DATE_HELP}'),  # as --date
            # a year typed wrong, refused as `deal add` refuses it; and the other way
            ("close_date=2026-01-31", 2, before.format("2026-01-31", "2026-10-05")),
            ("created=2027-02-01", 2, "created 2027-02-01 is ahead of today: a record is "
             "created on a day that has come"),
            ("account=ghost", 1, "deals/2026-10/acme-erp.yaml: account `ghost` does not exist; "
             "add it with `salescli account add` or fix `account:`; nothing was changed"),
            ("novalue", 2, "expected FIELD=VALUE, got 'novalue'")):
        refused(deal, ["deal", "set", "acme-erp", field], code, message)
    refused(deal, ["deal", "set", "acme-erp", "close_date=2025-01-31", "created=2025-02-01"], 2,
            before.format("2025-01-31", "2025-02-01"))
    # both at once, as they will be
    r = deal.run("deal", "set", "acme-erp", "created=2025-01-01", "close_date=2025-06-01")
    assert r.exit_code == 0, r.output


def test_win_lose_reopen(deal: Repo):
    refused(deal, ["deal", "lose", "acme-erp", "--reason", "weather"], 2,
            "unknown lost reason 'weather' (did you mean `other`?); choose one of: price, "
            "budget, timing, no-need, competitor, no-response, requirements, other "
            "(settings in salescli.yaml)")
    assert deal.run("deal", "lose", "acme-erp", "--reason", "budget", "--note", "Frozen",
                    "--revisit", "2027-09-01", "--date", "2026-11-20").exit_code == 0
    text = (deal.root / DEAL_FILE).read_text()
    assert "status: lost\n" in text and "lost_date: 2026-11-20\n" in text
    assert "lost_reason: budget\nlost_note: Frozen\nrevisit: 2027-09-01\n" in text
    assert subject(deal) == "deal(acme-erp): lost (budget)"
    refused(deal, ["deal", "win", "acme-erp"], 1, "cannot win acme-erp: the deal is already lost")
    refused(deal, ["deal", "advance", "acme-erp"], 1,
            "cannot move acme-erp to `proposal`: the deal is lost; reopen it first "
            "(salescli deal reopen)")
    refused(deal, ["deal", "reopen", "acme-erp", "--reason", "Budget back", "--stage",
                   "negotiation"], 1,
            "cannot reopen acme-erp into `negotiation`: moving to `negotiation` skips "
            "`proposal`; pipeline `default` does not allow skipping (rules.skip: false); "
            "`proposal` requires a stakeholder with role economic-buyer or decision-maker; "
            "`proposal` requires `items`; `negotiation` requires a recorded quote "
            "(`salescli quote acme-erp`)")
    assert deal.run("deal", "reopen", "acme-erp", "--reason", "Budget back").exit_code == 0
    text = (deal.root / DEAL_FILE).read_text()
    assert "status: open\n" in text and "lost" not in text and "revisit" not in text
    assert deal.git("log", "-1", "--format=%b").startswith("Reason: Budget back")
    # rules.skip: false: won only from the last stage, as if every stage was passed
    refused(deal, ["deal", "win", "acme-erp"], 1,
            "cannot win acme-erp: pipeline `default` is won only from `contracting` "
            "(rules.skip: false), not from `needs-analysis` (advance it there first: "
            "salescli deal advance)")
    in_stage(deal, DEAL_FILE, "contracting")
    assert deal.run("deal", "win", "acme-erp", "--date", "2026-12-01").exit_code == 0
    assert "status: won\n" in (deal.root / DEAL_FILE).read_text()
    assert "won_date: 2026-12-01\n" in (deal.root / DEAL_FILE).read_text()
    assert deal.run("check").exit_code == 0


def test_reopen_says_when_the_close_date_has_passed_and_takes_a_new_one(deal: Repo):
    # `today` would flag the reopened deal at once: "close date passed 442 days ago"
    deal.edit(DEAL_FILE, "close_date: 2027-01-31", "close_date: 2025-09-21")
    deal.commit()
    lose = ["deal", "lose", "acme-erp", "--reason", "budget"]
    r = deal.run(*lose)
    assert r.exit_code == 0, r.output
    r = deal.run("deal", "reopen", "acme-erp", "--reason", "Revisited")
    assert r.exit_code == 0, r.output
    assert r.stderr == ("note: acme-erp still expects to close on 2025-09-21, which has "
                        "passed; give it a day: salescli deal set acme-erp close_date=+1m\n")
    assert "close_date: 2025-09-21\n" in (deal.root / DEAL_FILE).read_text()
    assert deal.run(*lose).exit_code == 0
    r = deal.run("deal", "reopen", "acme-erp", "--reason", "Again", "--close-date", SOON)
    assert (r.exit_code, r.stderr) == (0, ""), r.output
    assert f"close_date: {SOON}\n" in (deal.root / DEAL_FILE).read_text()


def test_items_discount_approval_and_remove(deal: Repo):
    deal.edit("salescli.yaml", "approvers: {}", "approvers: {ville: 30}")
    deal.commit()
    # the git identity (Anna Tester) is no approver: she cannot approve in ville's name
    refused(deal, ["deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "10",
                   "--discount", "20", "--approved-by", "ville"], 1,
            "cannot record ville's approval: you (Anna Tester <anna@example.com>) are not one "
            "of the approvers: ville (up to 30%)")
    refused(deal, ["deal", "item", "add", "acme-erp", "ghost-sku"], 2,
            "no product 'ghost-sku' in products.yaml")
    refused(deal, ["deal", "item", "add", "acme-erp"], 2,
            "give either a PRODUCT from products.yaml or --name")
    r = deal.run("deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "10",
                 "--discount", "20")
    assert r.exit_code == 0 and r.stdout.endswith(
        "Pending approval: the 20% discount is over the 15% approval threshold and not "
        "approved; an approver runs `salescli deal approve acme-erp`\n")
    assert "approved_by" not in (deal.root / DEAL_FILE).read_text()
    refused(deal, ["deal", "item", "remove", "acme-erp", "5"], 1,  # not found
            "acme-erp has no item '5'; see `salescli deal show acme-erp` for the numbers")
    assert deal.run("deal", "item", "remove", "acme-erp", "1").exit_code == 0
    assert subject(deal) == "deal(acme-erp): remove item Work"
    assert "items: []" in (deal.root / DEAL_FILE).read_text()


def test_stakeholder_role_and_removal(deal: Repo):
    refused(deal, ["deal", "stakeholder", "acme-erp", "ghost"], 1,
            "deals/2026-10/acme-erp.yaml: stakeholder `ghost` is not a contact of account "
            "`acme-oy`; nothing was changed")
    assert deal.run("deal", "stakeholder", "acme-erp", "liisa-k", "--role",
                    "champion").exit_code == 0
    assert "{contact: liisa-k, role: champion}" in (deal.root / DEAL_FILE).read_text()
    assert deal.run("deal", "stakeholder", "acme-erp", "liisa-k", "--remove").exit_code == 0
    assert "liisa-k" not in (deal.root / DEAL_FILE).read_text()


def test_a_stakeholder_is_refused_while_the_account_cannot_be_read(deal: Repo):
    """The account's contacts vouch for a new stakeholder: with its file broken (even
    committed so), `deal stakeholder` says so rather than commit a name nobody checked."""
    account = deal.root / "accounts/2026-10/acme-oy.yaml"
    lines = len(account.read_text().splitlines())
    account.write_text(account.read_text() + "\tnotes: x\n")
    deal.commit("a broken account")
    refused(deal, ["deal", "stakeholder", "acme-erp", "ghost"], 1,
            f"accounts/2026-10/acme-oy.yaml:{lines + 1}:1: error: a tab where YAML allows "
            "only spaces; indent and separate with spaces [yaml]; fix the file (see "
            "`salescli check`)")


def test_no_commit_and_dirty_refusal(deal: Repo):
    before = deal.head()
    assert deal.run("deal", "set", "acme-erp", "value=1", "--no-commit").exit_code == 0
    assert deal.head() == before and deal.status() == f" M {DEAL_FILE}\n"
    dirty = (f"Error: {DEAL_FILE}: has uncommitted changes; commit or discard them first "
             f"(git diff HEAD -- {DEAL_FILE})")
    # said first, as git is asked before the file is read: also before a refused value,
    # and before the file's own problems (git answers while the command reads and edits)
    for value in ("value=2", "account=nobody"):
        r = deal.run("deal", "set", "acme-erp", value)
        assert (r.exit_code, r.stderr.strip()) == (1, dirty)
    (deal.root / DEAL_FILE).write_text("id: acme-erp\ntitle: [unclosed\n")
    r = deal.run("deal", "set", "acme-erp", "value=2")
    assert (r.exit_code, r.stderr.strip()) == (1, dirty)
    assert deal.head() == before


@pytest.mark.parametrize("failure", [ValueError("a bug after the read"), KeyboardInterrupt()],
                         ids=["error", "interrupt"])
def test_a_dirty_file_is_refused_before_a_failure_after_reading_it(deal: Repo, failure):
    """The record's git status is awaited at the end when the command fails before
    writing: an error gives way to the refusal, as when the status was asked first; an
    interrupt is not held up by it. Files written before are put back either way."""
    from salescli.core.errors import SalescliError
    from salescli.services.edit import Session
    from salescli.store.repo import Repository

    path = deal.root / DEAL_FILE
    path.write_text(path.read_text() + "# my note\n")
    files, before = deal.snapshot(), deal.head()
    note = deal.root / "deals/2026-10/new-one.yaml"
    expected = SalescliError if isinstance(failure, Exception) else KeyboardInterrupt
    with pytest.raises(expected) as raised, \
            Session(Repository(deal.root), "deal", "acme-erp", "set") as s:
        s.write(note, "id: new-one\n")  # a file written first
        s.load("deal", "acme-erp")
        raise failure
    if expected is SalescliError:
        assert str(raised.value) == (f"{DEAL_FILE}: has uncommitted changes; commit or "
                                     f"discard them first (git diff HEAD -- {DEAL_FILE})")
    assert deal.snapshot() == files and deal.head() == before and not note.exists()


def test_held_index_lock_restores_files_and_leaves_the_lock(deal: Repo):
    lock = deal.root / ".git" / "index.lock"
    lock.write_text("")
    before, files = deal.head(), deal.snapshot()
    r = deal.run("deal", "set", "acme-erp", "value=1")
    assert r.exit_code == 1
    assert "commit failed, nothing changed" in r.stderr and "index.lock" in r.stderr
    assert lock.exists() and deal.head() == before and deal.snapshot() == files


@pytest.mark.parametrize("bad", ["../x", "/abs", "-rf", "--output=/tmp/x", "Acme", "", "a" * 300])
def test_hostile_ids_refused_before_anything(deal: Repo, bad: str):
    before, files = deal.head(), deal.snapshot()
    for args in (["deal", "set", "--", bad, "value=1"], ["deal", "advance", "--", bad],
                 ["deal", "win", "--", bad], ["log", "call", "--", bad, "x"]):
        r = deal.run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "invalid" in r.stderr and "Traceback" not in r.output
    assert (deal.head(), deal.snapshot()) == (before, files)


def test_edit_reopens_until_valid(deal: Repo, tmp_path: Path, monkeypatch):
    # an "editor" that first saves an invalid status, then fixes it
    script = tmp_path / "ed.py"
    state = tmp_path / "n"
    script.write_text(textwrap.dedent(f"""
        import sys, pathlib
        p = pathlib.Path(sys.argv[1]); n = pathlib.Path({str(state)!r})
        count = int(n.read_text()) if n.exists() else 0
        n.write_text(str(count + 1))
        text = p.read_text()
        if count == 0:
            p.write_text(text.replace("owner: anna", "owner: anna\\nstatus: opne"
                                      ).replace("status: open\\n", ""))
        else:
            assert text.startswith("# salescli: "), text
            # the line the header names is the bad one, as the editor numbers it
            lines = text.splitlines()
            said = next(x for x in lines if x.startswith("# salescli: line "))
            assert "status: opne" in lines[int(said.split()[3].rstrip(":")) - 1], text
            p.write_text(text.replace("status: opne", "status: open"))
        """))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    r = deal.run("deal", "edit", "acme-erp")
    assert r.exit_code == 0, r.output
    assert state.read_text() == "2"
    text = (deal.root / DEAL_FILE).read_text()
    assert "# salescli" not in text and "status: open" in text
    assert subject(deal) == "deal(acme-erp): edit"


def test_edit_aborts_on_empty_file(deal: Repo, tmp_path: Path, monkeypatch):
    script = tmp_path / "empty.py"
    script.write_text("import sys, pathlib; pathlib.Path(sys.argv[1]).write_text('')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    refused(deal, ["deal", "edit", "acme-erp"], 1,
            f"{DEAL_FILE}: emptied in the editor; nothing changed")


def test_six_parallel_deal_set_commands(acct: Repo):
    for n in range(6):
        assert acct.run("deal", "add", f"D{n}", "--account", "acme-oy", "--value", "1",
                        "--close-date", SOON, "--date", "2026-10-05").exit_code == 0
    base = acct.head()
    env = {**os.environ, "SALESCLI_REPO": str(acct.root)}
    procs = [subprocess.Popen([sys.executable, "-m", "salescli", "deal", "set", f"d{n}",
                               f"value={n + 100}"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for n in range(6)]
    for p in procs:
        assert p.wait() == 0, p.stderr.read()
    shas = acct.git("log", "--format=%H", f"{base}..HEAD").split()
    assert len(shas) == 6
    for sha in shas:
        files = acct.git("show", "--name-only", "--format=", sha).split()
        assert len(files) == 1
    assert acct.status() == ""


def test_set_keeps_text_exactly_as_typed(deal: Repo):
    assert deal.run("deal", "set", "acme-erp", "notes=#1 priority: call back",
                    "next_step.action=Call #urgent", "owner=anna").exit_code == 0
    text = (deal.root / DEAL_FILE).read_text()
    assert "notes: '#1 priority: call back'\n" in text
    assert "next_step: {action: 'Call #urgent'}\n" in text
    refused(deal, ["deal", "set", "acme-erp", "next_step=#x"], 2,
            "`next_step` is a group of fields: set its parts (next_step.FIELD=VALUE) or use "
            "`edit`")


@pytest.mark.parametrize("args,message", [
    (["--currency", "eur"], "--currency 'eur': expected a 3-letter code such as EUR"),
    (["--value", "nan"], "--value: 'nan' is not an amount of money; use digits such as 48000 "
                         "or 48000.50"),
    (["--value", "-5"], "--value: '-5' is negative; an amount of money is 0 or more"),
    (["--value", "1.234"], "--value: 1.234 has more than 2 decimals; money is kept to the cent"),
])
def test_add_bad_values_are_one_line_usage_errors(acct: Repo, args: list[str], message: str):
    base = ["deal", "add", "X", "--account", "acme-oy", "--value", "1", "--close-date",
            "2027-01-01"]
    if "--value" in args:
        base = base[:5] + base[7:]
    refused(acct, [*base, *args], 2, message)


def test_edit_refuses_an_id_that_does_not_match_the_file(deal: Repo, tmp_path: Path,
                                                        monkeypatch):
    script = tmp_path / "ed.py"
    script.write_text("import re, sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      "p.write_text(re.sub('(?m)^id: acme-erp$', 'id: other', p.read_text()))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    refused(deal, ["deal", "edit", "acme-erp"], 1,
            f"{DEAL_FILE}: still invalid and not saved again; nothing changed")


def test_new_lists_go_to_their_documented_place(deal: Repo):
    assert deal.run("deal", "set", "acme-erp", "notes=Met at Slush").exit_code == 0
    assert deal.run("log", "call", "acme-erp", "Intro").exit_code == 0
    assert deal.run("deal", "stakeholder", "acme-erp", "matti-virtanen").exit_code == 0
    keys = [ln.split(":")[0] for ln in (deal.root / DEAL_FILE).read_text().splitlines()
            if ln and not ln.startswith((" ", "#"))]
    assert keys[-4:] == ["created", "stakeholders", "activities", "notes"]


def test_a_change_that_changes_nothing_succeeds_and_commits_nothing(deal: Repo):
    assert deal.run("deal", "stakeholder", "acme-erp", "liisa-k").exit_code == 0
    before, files = deal.head(), deal.snapshot()
    for args in (["stakeholder", "acme-erp", "liisa-k"], ["set", "acme-erp", "value=48000"]):
        r = deal.run("deal", *args)
        assert r.exit_code == 0, r.output
        assert r.stdout.endswith("(no change: nothing to commit)\n")
        assert (deal.head(), deal.snapshot(), deal.status()) == (before, files, "")


def test_advance_changes_one_line_and_leaves_the_others_as_written(deal: Repo):
    # the user's own spelling of numbers, comments and spacing survive a stage change
    path = deal.root / DEAL_FILE
    text = replaced(path.read_text(), "value: 48000.00", "value: 48_000.00   # list price")
    text = replaced(text, "stage: needs-analysis", "stage: needs-analysis  # since the call")
    path.write_text(text + "# kept last\n")
    deal.commit()
    assert deal.run("deal", "stakeholder", "acme-erp", "matti-virtanen").exit_code == 0
    assert deal.run("deal", "item", "add", "acme-erp", "--name", "Work",
                    "--unit-price", "100").exit_code == 0
    before = path.read_text()
    # adding to lists splices one line in: every other byte as written
    assert "\nvalue: 48_000.00   # list price\n" in before
    assert before.endswith("# kept last\n")
    r = deal.run("deal", "advance", "acme-erp")
    assert r.exit_code == 0, r.output
    moved = before.replace("stage: needs-analysis  #", "stage: proposal        #")
    assert path.read_text() == moved  # the comment keeps its column
    assert deal.run("deal", "set", "acme-erp", "close_date=2027-03-31").exit_code == 0
    assert path.read_text() == moved.replace("2027-01-31", "2027-03-31")


def test_adding_to_lists_adds_lines_and_keeps_the_files_own_indentation(deal: Repo):
    # the user's activities at the key's column, the rest as salescli writes them: an
    # item, a stakeholder or a quote added is one or two lines more, nothing re-indented
    assert deal.run("log", "call", "acme-erp", "First").exit_code == 0
    path = deal.root / DEAL_FILE
    path.write_text(path.read_text().replace("\n  - date:", "\n- date:").replace(
        "\n    ", "\n  "))
    deal.commit("hand: tidy activities")
    for args, added in ((["deal", "item", "add", "acme-erp", "--name", "Work", "--quantity",
                          "4", "--unit-price", "100", "--tax-rate", "25.5"], 2),
                        (["deal", "item", "add", "acme-erp", "--name", "More", "--unit-price",
                          "50", "--tax-rate", "25.5"], 1),
                        (["deal", "stakeholder", "acme-erp", "matti-virtanen"], 2),
                        (["deal", "stakeholder", "acme-erp", "liisa-k"], 1)):
        before = path.read_text().splitlines()
        r = deal.run(*args)
        assert r.exit_code == 0, r.output
        after = path.read_text().splitlines()
        assert len(after) == len(before) + added and all(line in after for line in before), \
            path.read_text()
    assert "\n- date: " in path.read_text() and "\nitems:\n  - {name: Work, " in path.read_text()

def test_a_close_dated_before_the_deals_last_move_is_recorded_with_a_note(deal: Repo):
    # the reports disagreed about it without a word: the funnel counts the commit, report
    # lost the lost_date
    in_stage(deal, DEAL_FILE, "proposal", "2026-11-10T12:00:00")
    r = deal.run("deal", "lose", "acme-erp", "--reason", "budget", "--date", "2026-11-05")
    assert r.exit_code == 0, r.output
    assert r.stderr == (
        "note: the loss dated 2026-11-05, but it entered `proposal` on 2026-11-10: history "
        "keeps changes in commit order, so the funnel, report changes and review count this "
        "one now; report lost, cycle and the forecast's won rows by its date\n")
    assert "lost_date: 2026-11-05\n" in (deal.root / DEAL_FILE).read_text()
    r = deal.run("deal", "reopen", "acme-erp", "--reason", "Back", "--date", "2026-11-12")
    assert r.stderr == "Error: cannot reopen acme-erp into `proposal`: `proposal` requires " \
        "a stakeholder with role economic-buyer or decision-maker; `proposal` requires " \
        "`items`\n"  # in the words every refusal uses
    r = deal.run("deal", "reopen", "acme-erp", "--reason", "Back", "--stage",
                 "needs-analysis", "--date", "2026-11-12")
    assert (r.exit_code, r.stderr) == (0, ""), r.output  # after the loss: nothing to say


def test_json_gives_a_deal_priced_by_its_items_their_total_as_its_value(deal: Repo):
    # no value of its own: 40 h x 120.00 = 4800.00, as the table, csv, sql and reports
    assert deal.run("deal", "item", "add", "acme-erp", "--name", "Work", "--quantity", "40",
                    "--unit-price", "120").exit_code == 0
    assert deal.run("deal", "set", "acme-erp", "value=").exit_code == 0
    assert "\nvalue:\n" in (deal.root / DEAL_FILE).read_text()  # none of its own
    listed = json.loads(deal.run("deal", "list", "--format", "json").stdout)
    shown = json.loads(deal.run("deal", "show", "acme-erp", "--format", "json").stdout)
    assert listed[0]["value"] == shown["value"] == 4800.0
    csv = deal.run("deal", "list", "--format", "csv").stdout
    assert ",4800.00," in csv


def test_set_takes_tags_as_a_list_and_names_the_command_for_other_lists(deal: Repo):
    for given, written in (("tags=a,b", "tags: [a, b]"), ("tags=[c, d]", "tags: [c, d]"),
                           ('tags="e, f",g', "tags: ['e, f', g]"),
                           ('tags=[h, "i,j"]', "tags: [h, 'i,j']"), ("tags=", "tags: []")):
        r = deal.run("deal", "set", "acme-erp", given)
        assert r.exit_code == 0, r.output
        assert written + "\n" in (deal.root / DEAL_FILE).read_text()
    for given, message in (
            ("stakeholders=", "`stakeholders` is a list of entries: add or remove one with "
                              "`deal stakeholder DEAL CONTACT [--remove]`"),
            ("tags=[a]]", "`tags`: expected texts separated by commas, or a list like "
                          "[a, \"b, c\"]; got '[a]]'"),
            ("items=x", "`items` is a list of entries: use `deal item add` and "
                        "`deal item remove`")):
        refused(deal, ["deal", "set", "acme-erp", given], 2, message)


def test_an_edit_lands_on_what_was_committed_while_the_editor_ran(deal: Repo, tmp_path: Path,
                                                                   monkeypatch):
    """HEAD is read at the commit, not when the command began: another commit made
    while `deal edit` waits for the editor is built on, never refused."""
    script = tmp_path / "meanwhile.py"
    script.write_text(textwrap.dedent(f"""\
        import pathlib, subprocess, sys
        root = pathlib.Path({str(deal.root)!r})
        (root / "notes.txt").write_text("elsewhere\\n")
        subprocess.run(["git", "add", "notes.txt"], cwd=root, check=True)
        subprocess.run(["git", "commit", "-qm", "meanwhile"], cwd=root, check=True)
        p = pathlib.Path(sys.argv[1])
        p.write_text(p.read_text().replace("value: 48000.00", "value: 50000.00"))
        """))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    r = deal.run("deal", "edit", "acme-erp")
    assert r.exit_code == 0, r.output
    assert deal.git("log", "-2", "--format=%s").split("\n")[:2] == [
        "deal(acme-erp): edit", "meanwhile"]
    assert "value: 50000.00" in deal.git("show", f"HEAD:{DEAL_FILE}")
    assert deal.status() == ""
