"""Discount approvals (`deal approve`, approvers with limits) and stage checklists
(`deal tick`, `requires: [checklist]`) end to end."""

from __future__ import annotations

import json
import re

import pytest
from conftest import Repo
from conftest import acme_account
from conftest import refused
from conftest import replaced

DEAL_FILE = "deals/2026-10/acme-erp.yaml"


def as_(mp: pytest.MonkeyPatch, name: str, email: str) -> None:
    """Run the next commands as this git identity."""
    for who in ("AUTHOR", "COMMITTER"):
        mp.setenv(f"GIT_{who}_NAME", name)
        mp.setenv(f"GIT_{who}_EMAIL", email)


@pytest.fixture
def deal(repo: Repo) -> Repo:
    settings = repo.root / "salescli.yaml"
    text = re.sub(r"(?m)^owners: .*$", "owners: [anna, ville, sara]", settings.read_text())
    text = replaced(text, "company:\n  name: null", "company:\n  name: Hubble Oy")  # the seller
    settings.write_text(re.sub(r"(?m)^approvers: .*$", "approvers: {ville: 30, sara: 18}",
                               text))
    acme_account(repo, "- {id: matti-virtanen, name: Matti Virtanen, role: economic-buyer}")
    repo.write(DEAL_FILE, """
        id: acme-erp
        title: ERP integration
        account: acme-oy
        stage: needs-analysis
        value: 48000
        close_date: 2027-01-31
        owner: anna
        created: 2026-10-01
        stakeholders:
          - {contact: matti-virtanen, role: economic-buyer}
        """)
    repo.commit()
    return repo


def require_checklist(repo: Repo) -> None:
    """Make the default pipeline's needs-analysis require its checklist done, committed."""
    repo.edit("pipelines/default.yaml", "requires: [account, value, close_date]",
              "requires: [account, value, close_date, checklist]")
    repo.commit()


def discount(repo: Repo, percent: str) -> None:
    r = repo.run("deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "100",
                 "--tax-rate", "0", "--discount", percent)
    assert r.exit_code == 0, r.output


# ------------------------------------------------------------------- approvals


def test_a_discount_over_the_threshold_is_recorded_and_waits_for_an_approver(
        deal: Repo, monkeypatch: pytest.MonkeyPatch):
    discount(deal, "20")
    show = deal.run("deal", "show", "acme-erp").stdout
    assert ("\napproval    pending: the 20% discount is over the 15% approval threshold and not "
            "approved (an approver runs `salescli deal approve acme-erp`)") in show
    listed = deal.run("deal", "list").stdout
    assert "pending approval" in listed and " open " not in listed
    refused(deal, ["quote", "acme-erp"], 1,
            "cannot quote acme-erp: the 20% discount is over the 15% approval threshold and "
            "not approved (item 1); an approver runs `salescli deal approve acme-erp`, or "
            "render a --draft")
    assert deal.run("quote", "acme-erp", "--draft").exit_code == 0
    # Anna, the deal's owner, is no approver
    refused(deal, ["deal", "approve", "acme-erp"], 1,
            "cannot approve acme-erp: you (Anna Tester <anna@example.com>) are not one of the "
            "approvers: ville (up to 30%), sara (up to 18%)")
    # sara is, but only up to 18%
    as_(monkeypatch, "Sara Nyberg", "sara@example.com")
    refused(deal, ["deal", "approve", "acme-erp"], 1,
            "cannot approve acme-erp: the 20% discount is over your approval limit of 18%; "
            "approvers: ville (up to 30%), sara (up to 18%)")
    # ville by his e-mail's local part (his user.name is not his owner ID)
    as_(monkeypatch, "V. Korpela", "ville@example.com")
    r = deal.run("deal", "approve", "acme-erp")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Approved deal acme-erp: approved_by ville [")
    assert "approved_by: ville\n" in (deal.root / DEAL_FILE).read_text()
    assert deal.git("log", "-1", "--format=%s|%an").strip() == (
        "deal(acme-erp): approve 20% discount (ville)|V. Korpela")
    assert "approval" not in deal.run("deal", "show", "acme-erp").stdout
    assert "pending" not in deal.run("deal", "list").stdout
    assert deal.run("quote", "acme-erp").exit_code == 0
    assert deal.run("check").exit_code == 0


def test_a_discount_raised_past_the_approvers_limit_is_pending_again(
        deal: Repo, monkeypatch: pytest.MonkeyPatch):
    discount(deal, "16")
    as_(monkeypatch, "Sara Nyberg", "sara@example.com")
    assert deal.run("deal", "approve", "acme-erp").exit_code == 0
    assert "pending" not in deal.run("deal", "list").stdout
    r = deal.run("deal", "item", "add", "acme-erp", "--name", "More", "--unit-price", "10",
                 "--tax-rate", "0", "--discount", "25")
    assert r.stdout.endswith(
        "Pending approval: the 25% discount is over the 15% approval threshold and "
        "approved_by `sara` may approve up to 18%; an approver runs `salescli deal approve "
        "acme-erp`\n")
    assert "pending approval" in deal.run("deal", "list").stdout


def test_approved_by_on_item_add_is_the_approver_themselves(
        deal: Repo, monkeypatch: pytest.MonkeyPatch):
    args = ["deal", "item", "add", "acme-erp", "--name", "Work", "--unit-price", "100",
            "--tax-rate", "0", "--discount", "20"]
    refused(deal, [*args, "--approved-by", "nobody-at-all"], 1,
            "cannot record nobody-at-all's approval: you (Anna Tester <anna@example.com>) are "
            "not one of the approvers: ville (up to 30%), sara (up to 18%)")
    as_(monkeypatch, "Ville Korpela", "vk@example.com")
    refused(deal, [*args, "--approved-by", "sara"], 1,
            "--approved-by sara: you are ville; an approval is recorded by the approver "
            "themselves (--approved-by ville, or sara runs `salescli deal approve acme-erp`)")
    r = deal.run(*args, "--approved-by", "ville")
    assert r.exit_code == 0 and "Pending" not in r.stdout
    assert "approved_by: ville\n" in (deal.root / DEAL_FILE).read_text()


def test_approve_is_refused_without_approvers_or_anything_to_approve(
        deal: Repo, monkeypatch: pytest.MonkeyPatch):
    as_(monkeypatch, "Ville Korpela", "ville@example.com")
    refused(deal, ["deal", "approve", "acme-erp"], 1,
            "cannot approve acme-erp: no discount is over the 15% approval threshold "
            "(the largest is 0%)")
    discount(deal, "20")
    deal.edit("salescli.yaml", "approvers: {ville: 30, sara: 18}", "approvers: {}")
    deal.commit()
    refused(deal, ["deal", "approve", "acme-erp"], 1,
            "cannot approve acme-erp: there are no approvers; list them in salescli.yaml as "
            "owner IDs with the largest discount each may approve, e.g. `approvers: "
            "{ville: 30}`")
    refused(deal, ["deal", "approve", "ghost"], 1,
            "no deal 'ghost' in deals/; see `salescli deal list` for the IDs")


def test_deal_set_cannot_name_a_non_approver(deal: Repo):
    discount(deal, "20")  # a value outside a settings list: a usage error
    refused(deal, ["deal", "set", "acme-erp", "approved_by=nobody-at-all"], 2,
            "approved_by `nobody-at-all` is not one of the settings' approvers (ville, "
            "sara); an approver runs `salescli deal approve acme-erp`; nothing was changed")


def test_deal_set_approved_by_is_the_approver_themselves(
        deal: Repo, monkeypatch: pytest.MonkeyPatch):
    """As `item add --approved-by`: `set approved_by=ville` is no way for anna to approve
    in ville's name."""
    discount(deal, "16")
    refused(deal, ["deal", "set", "acme-erp", "approved_by=ville"], 1,
            "cannot record ville's approval: you (Anna Tester <anna@example.com>) are not one "
            "of the approvers: ville (up to 30%), sara (up to 18%)")
    as_(monkeypatch, "Sara Nyberg", "sara@example.com")
    refused(deal, ["deal", "set", "acme-erp", "approved_by=ville"], 1,
            "approved_by=ville: you are sara; an approval is recorded by the approver "
            "themselves (approved_by=sara, or ville runs `salescli deal approve acme-erp`)")
    as_(monkeypatch, "Ville Korpela", "vk@example.com")
    assert deal.run("deal", "set", "acme-erp", "approved_by=ville").exit_code == 0
    assert "approved_by: ville\n" in (deal.root / DEAL_FILE).read_text()


def test_today_shows_the_approval_to_the_approvers_whose_limit_covers_it(
        deal: Repo, monkeypatch: pytest.MonkeyPatch):
    discount(deal, "20")
    args = ["today", "--on", "2026-11-02", "--format", "json"]
    mine = json.loads(deal.run(*args, "--owner", "anna").stdout)["rows"]
    assert [(r["group"], r["id"]) for r in mine] == [("approval", "acme-erp")]
    ville = json.loads(deal.run(*args, "--owner", "ville").stdout)["rows"]
    assert [(r["group"], r["owner"], [x["text"] for x in r["reasons"]]) for r in ville] == [
        ("approval", "anna",
         ["the 20% discount on acme-erp awaits approval by ville: salescli deal approve "
          "acme-erp (run by them)"])]
    assert ville[0]["reasons"][0]["approvers"] == ["ville"]
    # sara may approve up to 18%: not hers
    assert json.loads(deal.run(*args, "--owner", "sara").stdout)["rows"] == []
    as_(monkeypatch, "Ville Korpela", "ville@example.com")
    assert deal.run("deal", "approve", "acme-erp").exit_code == 0
    assert json.loads(deal.run(*args, "--owner", "ville").stdout)["rows"] == []
    assert "approval" not in deal.run("today", "--on", "2026-11-02").stdout
    # over every approver's limit (ville 30 %): the owner is told so, not to run approve
    discount(deal, "35")
    [row] = json.loads(deal.run(*args, "--owner", "anna").stdout)["rows"]
    assert row["reasons"][0]["text"] == (
        "the 35% discount on acme-erp is over every approver's limit: lower it, or raise "
        "a limit in salescli.yaml's approvers")


def test_check_warns_of_an_approver_who_is_not_an_owner(deal: Repo):
    deal.edit("salescli.yaml", "sara: 18", "sarah: 18")
    r = deal.run("check")
    assert r.exit_code == 0
    assert "warning: approver `sarah` is not in the settings' owners [unknown-owner]" in r.stdout


# ------------------------------------------------------------------ checklists


def test_tick_and_untick_by_number_or_text_shown_in_deal_show(deal: Repo):
    r = deal.run("deal", "tick", "acme-erp", "2")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Deal acme-erp: ticked 'Budget and selection criteria known' [")
    assert deal.run("deal", "tick", "acme-erp", "goals and constraints KNOWN").exit_code == 0
    text = (deal.root / DEAL_FILE).read_text()
    assert text.endswith("checklist:\n  needs-analysis:\n    - Budget and selection criteria "
                         "known\n    - Goals and constraints known\n")
    assert deal.git("log", "-1", "--format=%s").strip() == (
        "deal(acme-erp): tick needs-analysis: Goals and constraints known")
    show = deal.run("deal", "show", "acme-erp").stdout
    assert show.endswith(
        "\nChecklist (needs-analysis)\n"
        "#    done    item\n"
        "---  ------  ----------------------------------------\n"
        "1    x       Goals and constraints known\n"
        "2    x       Budget and selection criteria known\n"
        "3            Decision makers and buying process known\n")
    # ticking again changes nothing
    again = deal.run("deal", "tick", "acme-erp", "1")
    assert again.exit_code == 0 and "(no change: nothing to commit)" in again.stdout
    assert deal.run("deal", "untick", "acme-erp", "1").exit_code == 0
    assert deal.run("deal", "untick", "acme-erp", "2").exit_code == 0
    assert "checklist" not in (deal.root / DEAL_FILE).read_text()
    assert deal.run("check").exit_code == 0


def test_an_unknown_item_is_refused_with_the_list(deal: Repo):
    refused(deal, ["deal", "tick", "acme-erp", "Budget and selection criteria knwon"], 1,
            "cannot tick acme-erp: no item `Budget and selection criteria knwon` in the "
            "checklist of `needs-analysis` (did you mean `Budget and selection criteria "
            "known`?); items: 1. Goals and constraints known; 2. Budget and selection "
            "criteria known; 3. Decision makers and buying process known")
    refused(deal, ["deal", "untick", "acme-erp", "4"], 1,
            "cannot untick acme-erp: no item `4` in the checklist of `needs-analysis`; items: "
            "1. Goals and constraints known; 2. Budget and selection criteria known; "
            "3. Decision makers and buying process known")


def test_requires_checklist_holds_the_stage_until_its_checklist_is_done(deal: Repo):
    require_checklist(deal)
    discount(deal, "0")  # proposal requires items
    refused(deal, ["deal", "advance", "acme-erp"], 1,
            "cannot move acme-erp to `proposal`: `needs-analysis` requires its checklist done "
            "before leaving; open: 1. Goals and constraints known, 2. Budget and selection "
            "criteria known, 3. Decision makers and buying process known (tick them: "
            "salescli deal tick acme-erp 1)")
    for n in ("1", "3"):
        assert deal.run("deal", "tick", "acme-erp", n).exit_code == 0
    refused(deal, ["deal", "win", "acme-erp"], 1,
            "cannot win acme-erp: pipeline `default` is won only from `contracting` "
            "(rules.skip: false), not from `needs-analysis` (advance it there first: "
            "salescli deal advance); `needs-analysis` requires its checklist done before "
            "leaving; open: 2. Budget and selection criteria known (tick them: salescli deal "
            "tick acme-erp 2)")
    # losing is never held up by a checklist
    assert deal.run("deal", "lose", "acme-erp", "--reason", "price").exit_code == 0
    assert deal.run("deal", "reopen", "acme-erp", "--reason", "Back").exit_code == 0
    assert deal.run("deal", "tick", "acme-erp", "2").exit_code == 0
    r = deal.run("deal", "advance", "acme-erp")
    assert r.exit_code == 0, r.output
    # the ticks of the stage left stay, and are that stage's
    assert "needs-analysis:\n" in (deal.root / DEAL_FILE).read_text()
    assert deal.run("check").exit_code == 0


def test_tick_changes_only_the_checklist_lines_of_a_hand_written_file(deal: Repo):
    # the deal edited by hand: comments, and a checklist ticked early and notes in place of
    # its stakeholders
    deal.edit(DEAL_FILE, "id: acme-erp\ntitle: ERP integration\n",
              "# Acme's ERP deal: keep this comment\n"
              "id: acme-erp\ntitle: ERP integration   # as they call it\n")
    deal.edit(DEAL_FILE, "stakeholders:\n  - {contact: matti-virtanen, role: economic-buyer}\n",
              "checklist:\n"
              "  proposal: [Commercial proposal sent]   # ticked early, on purpose\n"
              "notes: |\n"
              "  Met at the fair.\n"
              "# the end\n")
    deal.commit()
    before = (deal.root / DEAL_FILE).read_text()
    assert deal.run("deal", "tick", "acme-erp", "3").exit_code == 0
    after = (deal.root / DEAL_FILE).read_text()
    diff = deal.git("diff", "-U0", "HEAD~1", "--", DEAL_FILE).splitlines()
    assert [ln for ln in diff if ln[:1] in "+-" and ln[:3] not in ("+++", "---")] == [
        "+  needs-analysis:", "+    - Decision makers and buying process known"]
    assert after.replace("  needs-analysis:\n    - Decision makers and buying process "
                         "known\n", "") == before
    assert deal.run("deal", "untick", "acme-erp", "3").exit_code == 0
    assert (deal.root / DEAL_FILE).read_text() == before


def test_the_agenda_names_the_checklist_a_stage_needs_done_before_moving_on(deal: Repo):
    require_checklist(deal)
    agenda = deal.run("agenda", "acme-erp", "--date", "2026-11-20").stdout
    assert ("Before **Proposal**, still missing:\n- [ ] this stage's checklist all ticked "
            "(`salescli deal tick acme-erp N`)\n- [ ] the items to offer\n") in agenda
    for n in ("1", "2", "3"):
        assert deal.run("deal", "tick", "acme-erp", n).exit_code == 0
    agenda = deal.run("agenda", "acme-erp", "--date", "2026-11-20").stdout
    assert "checklist all ticked" not in agenda
