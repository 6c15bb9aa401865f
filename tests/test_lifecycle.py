"""A lifecycle that cannot be bypassed: won and lost are stages of the rules (deal win,
deal edit, check, check --staged, check --history), and the lead flow's criteria."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Repo
from conftest import deal_with
from conftest import in_stage
from conftest import refused

from salescli.core.model import Deal
from salescli.core.model import Lead
from salescli.core.model import Pipeline
from salescli.core.model import Settings
from salescli.core.rules import change_problems
from salescli.core.rules import close_from
from salescli.core.rules import lead_flow_problems

D = "deals/2026-10/acme-erp.yaml"
SKIP_MESSAGE = ("pipeline `default` is won only from `contracting` (rules.skip: false), "
                "not from `needs-analysis`")


def pipeline(**extra: object) -> Pipeline:
    return Pipeline.model_validate({
        "name": "p", "stages": [{"id": s, "probability": 10 * i}
                                for i, s in enumerate(("a", "b", "c"))], **extra})


def deal(**fields: object) -> Deal:
    return Deal.model_validate({"id": "d", "title": "D", "account": "x", "created": "2026-10-01",
                                "stage": "a", **fields})


# ------------------------------------------------------------------ the rules, pure


def test_won_only_from_the_last_stage_unless_skip_or_listed():
    assert close_from(pipeline(), "won") == ["c"]
    assert close_from(pipeline(), "lost") == ["a", "b", "c"]
    assert close_from(pipeline(rules={"skip": True}), "won") == ["a", "b", "c"]
    assert close_from(pipeline(won={"from": ["b", "c"]}), "won") == ["b", "c"]
    assert close_from(pipeline(lost={"from": ["a"]}), "lost") == ["a"]


def test_a_hand_change_is_held_to_the_commands_rules():
    p = pipeline()
    assert change_problems(p, deal(), deal(stage="b")) == []
    assert change_problems(p, deal(), deal(stage="c")) == [
        "moving to `c` skips `b`; pipeline `p` does not allow skipping (rules.skip: false)"]
    assert change_problems(p, deal(stage="c"), deal(stage="c", status="won")) == []
    assert change_problems(p, deal(stage="b"), deal(stage="b", status="won")) == [
        "pipeline `p` is won only from `c` (rules.skip: false), not from `b` "
        "(advance it there first: salescli deal advance)"]
    assert change_problems(p, deal(stage="c", status="won"), deal(stage="c")) == [
        "the deal is won: reopen it with `salescli deal reopen --reason`"]
    # with a reason (the commit's, for check --staged), reopening is what `deal reopen` does
    assert change_problems(p, deal(stage="c", status="won"), deal(stage="c"),
                           reason="Back") == []
    assert change_problems(p, deal(stage="b", status="lost"), deal(stage="c", status="lost")) \
        == ["the deal is lost: its stage stays; reopen it first (salescli deal reopen)"]


def test_lead_flow_requires_up_to_the_status_entered():
    flow = Settings().lead_flow
    bare = Lead.model_validate({"id": "l", "company": "L", "created": "2026-10-01"})
    assert lead_flow_problems(flow, bare, "contacted") == [
        "contact.name", "contact.email|contact.phone"]
    assert lead_flow_problems(flow, bare, "qualified") == [
        "contact.name", "contact.email|contact.phone"]  # passing contacted counts
    named = Lead.model_validate({"id": "l", "company": "L", "created": "2026-10-01",
                                 "contact": {"name": "Sara", "phone": "1"}})
    assert lead_flow_problems(flow, named, "qualified") == []
    custom = Settings.model_validate({"lead_flow": {"qualified": {"requires": ["source"]}}})
    assert lead_flow_problems(custom.lead_flow, bare, "contacted") == []
    assert lead_flow_problems(custom.lead_flow, bare, "qualified") == ["source"]


# ------------------------------------------------------------------ deal win


def test_win_from_where_the_pipeline_lets_a_deal_win(filled: Repo):
    refused(filled, ["deal", "win", "acme-erp"], 1,
            f"cannot win acme-erp: {SKIP_MESSAGE} (advance it there first: salescli deal "
            "advance)")
    filled.edit("pipelines/default.yaml", "won: {requires: []}",
                "won: {requires: [next_step], from: [proposal, contracting]}")
    filled.commit("won from proposal too, with a next step")
    in_stage(filled, D, "proposal")
    refused(filled, ["deal", "win", "acme-erp"], 1,
            "cannot win acme-erp: `won` requires a next step (`next_step.action`)")
    assert filled.run("deal", "set", "acme-erp", "next_step.action=Invoice").exit_code == 0
    r = filled.run("deal", "win", "acme-erp", "--date", "2026-11-02")
    assert r.exit_code == 0, r.output
    assert filled.run("check").exit_code == 0


def test_skip_true_wins_from_any_stage(filled: Repo):
    filled.edit("pipelines/default.yaml", "skip: false", "skip: true")
    filled.commit("skipping allowed")
    r = filled.run("deal", "win", "acme-erp", "--date", "2026-11-02")
    assert r.exit_code == 0, r.output


def test_win_dated_before_the_deal_was_created_is_refused(filled: Repo):
    in_stage(filled, D, "contracting")
    refused(filled, ["deal", "win", "acme-erp", "--date", "2026-09-01"], 1,
            f"{D}: `won_date` 2026-09-01 is before the deal was created (2026-10-01); "
            "nothing was changed")


# ------------------------------------------------------------------ check


CHECK_CASES = [
    ({"status": "won"}, [
        "5:8: warning: won in stage `needs-analysis`, but " + SKIP_MESSAGE + " [lifecycle]",
        "6:9: error: a won deal needs a `won_date` (the day it was won; `salescli deal win "
        "--date` records it) [won-date]"]),
    ({"stage": "contracting", "status": "lost", "lost_reason": "budget"}, [
        "6:9: error: a lost deal needs a `lost_date` (the day it was lost; `salescli deal "
        "lose --date` records it) [lost-date]"]),
    ({"stage": "contracting", "status": "won", "won_date": "2026-09-30"}, [
        "15:11: error: `won_date` 2026-09-30 is before the deal was created (2026-10-01) "
        "[date-order]"]),
    ({"lost_date": "2026-11-01"}, [
        "15:12: warning: `lost_date` on an open deal: remove it, or set the status the date "
        "belongs to [status-fields]"]),
    ({"stage": "contracting", "status": "won", "won_date": "2026-11-01"}, []),
]


@pytest.mark.parametrize("changes,expected", CHECK_CASES, ids=[str(c[0]) for c in CHECK_CASES])
def test_check_flags_status_stage_and_dates_that_disagree(filled: Repo, changes: dict,
                                                          expected: list[str]):
    filled.write(D, deal_with(**changes))
    r = filled.run("check")
    assert [ln for ln in r.stdout.splitlines() if ln] == [f"{D}:{e}" for e in expected]
    assert r.exit_code == (1 if any(": error:" in e for e in expected) else 0)


def test_check_names_unknown_from_stages_and_lead_requirements(filled: Repo):
    filled.edit("pipelines/default.yaml", "won: {requires: []}",
                "won: {requires: [], from: [signed]}")
    settings = filled.root / "salescli.yaml"
    settings.write_text(settings.read_text()
                        + "lead_flow: {contacted: {requires: [contact.mail]}}\n")
    r = filled.run("check", "--format", "json")
    assert r.exit_code == 1
    found = {(d["path"], d["code"], d["message"]) for d in json.loads(r.stdout)["diagnostics"]}
    assert ("pipelines/default.yaml", "unknown-stage",
            "`won.from` names `signed`, which is not a stage of this pipeline "
            "(needs-analysis, proposal, negotiation, contracting)") in found
    assert ("salescli.yaml", "unknown-requirement",
            "lead_flow `contacted` requires `contact.mail`, which is neither a lead field nor "
            "contact.FIELD (name, email, phone, title), nor such names joined by `|` "
            "(one of them)") in found


# ------------------------------------------------------------------ deal edit


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    script = tmp_path / "ed.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      f"p.write_text(p.read_text().replace({old!r}, {new!r}))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


def test_deal_edit_cannot_win_or_skip_by_hand(filled: Repo, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch):
    editor(tmp_path, monkeypatch, "stage: needs-analysis\nstatus: open\n",
           "stage: negotiation\nstatus: won\nwon_date: 2026-11-01\n")
    refused(filled, ["deal", "edit", "acme-erp"], 1,
            "cannot edit acme-erp: moving to `negotiation` skips `proposal`; pipeline "
            "`default` does not allow skipping (rules.skip: false); `proposal` requires "
            "`items`; `negotiation` requires a recorded quote (`salescli quote acme-erp`); "
            "pipeline `default` is won only from `contracting` (rules.skip: false), not from "
            "`negotiation` (advance it there first: salescli deal advance); use `salescli "
            "deal move`, `win`, `lose` or `reopen` instead; nothing changed")


def test_deal_edit_may_move_as_deal_move_would(filled: Repo, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch):
    editor(tmp_path, monkeypatch, "stage: needs-analysis\n",
           "stage: proposal\nitems: [{name: Work, unit_price: 100}]\n")
    r = filled.run("deal", "edit", "acme-erp")
    assert r.exit_code == 0, r.output
    assert "stage: proposal\n" in (filled.root / D).read_text()


def test_deal_edit_cannot_reopen_without_a_reason(filled: Repo, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    assert filled.run("deal", "lose", "acme-erp", "--reason", "budget").exit_code == 0
    editor(tmp_path, monkeypatch, "status: lost\n", "status: open\n")
    r = filled.run("deal", "edit", "acme-erp")
    assert r.exit_code == 1
    assert "reopen it with `salescli deal reopen --reason`" in r.stderr


# ------------------------------------------------------------------ check --staged


@pytest.fixture
def hooked(filled: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    # git runs `salescli` from PATH, as it would for a user with salescli installed
    bin_dir = os.path.dirname(sys.executable)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))
    assert filled.run("hook", "install").exit_code == 0
    return filled


def hand_commit(repo: Repo, old: str, new: str,
                date: str | None = None) -> subprocess.CompletedProcess:
    """Replace `old` with `new` in D and commit it with git itself (hooks run), authored
    on `date` if given."""
    repo.edit(D, old, new)
    repo.git("add", D)
    env = {**os.environ, "GIT_AUTHOR_DATE": date} if date else None
    return subprocess.run(["git", "commit", "-qm", "by hand"], cwd=repo.root,
                          capture_output=True, text=True, env=env)


def history_findings(repo: Repo) -> list[str]:
    """The messages of `check --history`'s history findings: warnings, so it exits 0
    (history cannot be undone)."""
    r = repo.run("check", "--history", "--format", "json")
    assert r.exit_code == 0, r.output
    return [d["message"] for d in json.loads(r.stdout)["diagnostics"]
            if d["code"] == "history"]


def test_the_hook_refuses_a_win_by_hand_and_lets_the_commands_through(hooked: Repo):
    head = hooked.head()
    r = hand_commit(hooked, "status: open\n", "status: won\nwon_date: 2026-11-01\n")
    assert r.returncode != 0
    assert (f"{D}:1:1: error: changed by hand from the committed version: {SKIP_MESSAGE} "
            "(advance it there first: salescli deal advance); use `salescli deal move`, "
            "`win`, `lose` or `reopen` [lifecycle]") in r.stdout + r.stderr
    assert hooked.head() == head
    hooked.git("checkout", "HEAD", "--", D)
    # every command's own commit passes the hook: forward, back with a reason, close, reopen
    for args in (("deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "1"),
                 ("deal", "advance", "acme-erp"),
                 ("deal", "move", "acme-erp", "needs-analysis", "--reason", "Scope changed"),
                 ("deal", "lose", "acme-erp", "--reason", "budget"),
                 ("deal", "reopen", "acme-erp", "--reason", "Budget back")):
        r = hooked.run(*args)
        assert r.exit_code == 0, (args, r.output)
    # a legal move by hand is a legal move
    r = hand_commit(hooked, "stage: needs-analysis\n", "stage: proposal\n")
    assert r.returncode == 0, r.stdout + r.stderr


# ------------------------------------------------------------------ check --history


def test_history_reports_a_past_win_from_the_wrong_stage(filled: Repo):
    r = hand_commit(filled, "status: open\n", "status: won\nwon_date: 2026-11-01\n",
                    "2026-11-01T09:00:00Z")
    assert r.returncode == 0, r.stdout + r.stderr
    sha = filled.head()
    assert history_findings(filled) == [
        f"commit {sha[:7]} (2026-11-01): deal acme-erp won in stage "
        f"`needs-analysis`, but {SKIP_MESSAGE}"]


# ------------------------------------------------------------------ leads


def test_lead_contact_and_qualify_need_the_contacts_name_and_a_way_to_reach_them(repo: Repo):
    assert repo.run("lead", "add", "Beta Ltd", "--source", "website").exit_code == 0
    missing = ("it needs contact.name, contact.email or contact.phone (add: salescli lead "
               "set beta-ltd contact.name=... contact.email=...)")
    refused(repo, ["lead", "contact", "beta-ltd"], 1, f"cannot mark beta-ltd contacted: {missing}")
    refused(repo, ["lead", "qualify", "beta-ltd"], 1, f"cannot qualify beta-ltd: {missing}")
    refused(repo, ["lead", "convert", "beta-ltd", "--no-deal"], 1,
            f"cannot convert beta-ltd: {missing}")
    assert repo.run("lead", "set", "beta-ltd", "contact.name=Sara Beta").exit_code == 0
    refused(repo, ["lead", "contact", "beta-ltd"], 1,
            "cannot mark beta-ltd contacted: it needs contact.email or contact.phone (add: "
            "salescli lead set beta-ltd contact.email=...)")
    assert repo.run("lead", "set", "beta-ltd", "contact.phone=+358 40 111 2222").exit_code == 0
    r = repo.run("lead", "contact", "beta-ltd")
    assert r.exit_code == 0, r.output
    assert repo.run("check").exit_code == 0


def test_lead_flow_comes_from_the_settings(repo: Repo):
    settings = repo.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "lead_flow:\n  qualified: {requires: [source]}\n")
    repo.commit("lead flow")
    assert repo.run("lead", "add", "Beta Ltd").exit_code == 0
    assert repo.run("lead", "contact", "beta-ltd").exit_code == 0  # nothing required
    refused(repo, ["lead", "qualify", "beta-ltd"], 1,
            "cannot qualify beta-ltd: it needs source (add: salescli lead set beta-ltd "
            "source=...)")


def test_check_warns_of_a_lead_past_what_its_status_requires(repo: Repo):
    repo.write("leads/2026-10/beta-ltd.yaml", """
        id: beta-ltd
        company: Beta Ltd
        contact: {name: Sara Beta}
        status: contacted
        created: 2026-10-01
        """)
    r = repo.run("check")
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        "leads/2026-10/beta-ltd.yaml:4:9: warning: a contacted lead needs contact.email or "
        "contact.phone (the settings' lead_flow) [requirement]"]


def test_lead_edit_into_contacted_needs_the_same(repo: Repo, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch):
    assert repo.run("lead", "add", "Beta Ltd", "--contact", "Sara Beta").exit_code == 0
    editor(tmp_path, monkeypatch, "status: new", "status: contacted")
    refused(repo, ["lead", "edit", "beta-ltd"], 1,
            "cannot edit beta-ltd into contacted: it needs contact.email or contact.phone "
            "(add: salescli lead set beta-ltd contact.email=...)")


def test_history_reports_a_reopen_by_hand_without_a_reason(filled: Repo):
    in_stage(filled, D, "contracting", "2026-10-02T12:00:00")
    for args in (("win", "acme-erp", "--date", "2026-10-03"),
                 ("reopen", "acme-erp", "--reason", "Signed the wrong one", "--date",
                  "2026-10-04"),  # with a reason: no finding
                 ("win", "acme-erp", "--date", "2026-10-05")):
        assert filled.run("deal", *args).exit_code == 0
    r = hand_commit(filled, "status: won\n", "status: open\n", "2026-10-06T09:00:00Z")
    assert r.returncode == 0, r.stdout + r.stderr
    sha = filled.head()
    assert [m for m in history_findings(filled) if "reopened" in m] == [
        f"commit {sha[:7]} (2026-10-06): deal acme-erp reopened (won) "
        "without a recorded reason (use `deal reopen --reason`)"]
