"""The approval and checklist rules, pure: no repository, no git."""

from __future__ import annotations

import textwrap
from decimal import Decimal as D

import pytest

from salescli.core.approvals import approval_problem
from salescli.core.approvals import identity_names
from salescli.core.approvals import who_of
from salescli.core.rules import checklist_item
from salescli.core.rules import close_problems
from salescli.core.rules import move_problems
from salescli.store.loader import parse_text


def load(kind: str, text: str):
    parsed = parse_text(kind, f"{kind}.yaml", textwrap.dedent(text).lstrip())
    assert parsed.ok, parsed.findings
    return parsed.model


PIPE = load("pipeline", """
    name: default
    stages:
      - {id: qualify, probability: 10, requires: [checklist],
         checklist: [Need known, Budget known]}
      - {id: propose, probability: 50, checklist: [Quote sent]}
      - {id: close, probability: 80}
    rules: {skip: true}
    """)


def deal(stage: str, ticks: str = "{}"):
    return load("deal", f"""
        id: d
        title: D
        account: a
        stage: {stage}
        created: 2026-10-01
        checklist: {ticks}
        """)


@pytest.mark.parametrize("discount,approved_by,expected", [
    ("15", None, None),  # at the threshold: nothing to approve
    ("20", None, "the 20% discount is over the 15% approval threshold and not approved"),
    ("20", "ghost", "the 20% discount is over the 15% approval threshold and approved_by "
                    "`ghost` is not one of the settings' approvers"),
    ("20", "sara", "the 20% discount is over the 15% approval threshold and approved_by "
                   "`sara` may approve up to 18%"),
    ("18", "sara", None),
    ("30", "ville", None),
])
def test_approval_problem(discount: str, approved_by: str | None, expected: str | None):
    approvers = {"ville": D(30), "sara": D(18)}
    assert approval_problem(D(discount), approved_by, D(15), approvers) == expected


def test_without_approvers_any_name_counts_but_none_is_not_an_approval():
    assert approval_problem(D(40), "anyone", D(15), {}) is None
    assert approval_problem(D(40), None, D(15), {}) is not None


def test_identity_names_and_who_of():
    names = identity_names("Ville Korpela", "ville.k@hubble.fi")
    assert names == ["ville", "ville-korpela", "ville-k"]
    assert who_of(names, ["ville-k", "anna"]) == "ville-k"
    assert who_of(names, ["anna"]) is None
    assert identity_names("", "") == []
    assert identity_names("Åsa", "x@y") == ["asa", "x"]


def test_a_stage_requiring_its_checklist_is_left_only_when_it_is_done():
    open_ = deal("qualify", "{qualify: [Budget known]}")
    problem = ("`qualify` requires its checklist done before leaving; open: 1. Need known "
               "(tick them: salescli deal tick d 1)")
    assert move_problems(PIPE, open_, "propose") == [problem]
    assert move_problems(PIPE, open_, "close") == [problem]  # skipping leaves it too
    assert close_problems(PIPE, open_, "won") == [problem]
    assert close_problems(PIPE, open_, "lost") == ["`lost` requires `lost_reason`"]
    done = deal("qualify", "{qualify: [Budget known, Need known]}")
    assert move_problems(PIPE, done, "propose") == []
    # a stage without `requires: [checklist]` is left with items open
    assert move_problems(PIPE, deal("propose"), "close") == []


def test_moving_back_is_not_held_up_by_the_checklist():
    strict = PIPE.model_copy(deep=True)
    strict.stages[1].requires = ["checklist"]
    assert move_problems(strict, deal("propose"), "close") == [
        "`propose` requires its checklist done before leaving; open: 1. Quote sent "
        "(tick them: salescli deal tick d 1)"]
    assert move_problems(strict, deal("propose"), "qualify", reason="x") == []


def test_checklist_item_by_number_or_text():
    stage = PIPE.stages[0]
    assert checklist_item(stage, "2") == (2, "Budget known")
    assert checklist_item(stage, " need KNOWN ") == (1, "Need known")
    assert checklist_item(stage, "3") == (
        "no item `3` in the checklist of `qualify`; items: 1. Need known; 2. Budget known")
    assert checklist_item(stage, "Budget knwn") == (
        "no item `Budget knwn` in the checklist of `qualify` (did you mean `Budget known`?); "
        "items: 1. Need known; 2. Budget known")
    assert checklist_item(PIPE.stages[2], "1") == "stage `close` has no checklist"
