"""Pipeline rules, pure: what a stage requires and whether a deal meets it (SPEC §2)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from salescli.core.model import PREDICATES, Deal
from salescli.core.roles import BUYER_ROLES


@functools.cache  # check asks once per open deal
def known_requirement(name: str) -> bool:
    fields = {(f.alias or n) for n, f in Deal.model_fields.items()}
    return name in PREDICATES or name in fields


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


NO_ROLES: Mapping[str, str | None] = {}


def has_decision_maker(deal: Deal, contact_roles: Mapping[str, str | None] = NO_ROLES) -> bool:
    """A stakeholder whose role (on the deal, else as the account's contact) decides."""
    return any(
        (s.role or contact_roles.get(s.contact)) in BUYER_ROLES for s in deal.stakeholders
    )


def missing_requirements(requires: list[str], deal: Deal,
                         contact_roles: Mapping[str, str | None] = NO_ROLES) -> list[str]:
    """The names in `requires` that `deal` does not meet, in the pipeline's order.

    `contact_roles` maps the account's contact IDs to their roles.
    """
    missing = []
    for name in requires:
        if name == "decision_maker":
            ok = has_decision_maker(deal, contact_roles)
        elif name == "quote":
            ok = bool(deal.quotes)
        elif name == "next_step":
            ok = deal.next_step is not None and _present(deal.next_step.action)
        elif name == "stakeholders":
            ok = bool(deal.stakeholders)
        elif name == "checklist":
            ok = True  # a condition for leaving the stage, not for being in it: open_items
        else:
            ok = _present(getattr(deal, name, None))
        if not ok:
            missing.append(name)
    return missing


def describe_missing(name: str) -> str:
    """What the user should do about a missing requirement, in their words."""
    return {
        "decision_maker": "a stakeholder with role economic-buyer or decision-maker",
        "quote": "a recorded quote (`salescli quote DEAL`)",
        "next_step": "a next step (`next_step.action`)",
        "stakeholders": "at least one stakeholder",
        "checklist": "its checklist ticked before leaving",
    }.get(name, f"`{name}`")


def stage_index(pipeline: Any, stage_id: str | None) -> int | None:
    ids = [s.id for s in pipeline.stages]
    return ids.index(stage_id) if stage_id in ids else None


def unknown_stage(pipeline: Any, stage_id: str) -> str | None:
    """Why `stage_id` is not a stage of the pipeline, or None if it is."""
    ids = [s.id for s in pipeline.stages]
    if stage_id in ids:
        return None
    return f"no stage `{stage_id}` in pipeline `{pipeline.name}` ({', '.join(ids)})"


def move_problems(pipeline: Any, deal: Deal, target: str,
                  contact_roles: Mapping[str, str | None] = NO_ROLES,
                  reason: str | None = None) -> list[str]:
    """Why `deal` may not move to stage `target` under the pipeline's rules; [] if it may.

    A new deal (no stage yet) may start in a later stage without `rules.skip`, as
    imports do, but it must meet what every stage up to it requires.
    """
    ids = [s.id for s in pipeline.stages]
    if deal.status != "open":
        return [f"the deal is {deal.status}; reopen it first (salescli deal reopen)"]
    if target not in ids:
        return [unknown_stage(pipeline, target) or ""]
    here = stage_index(pipeline, deal.stage)
    there = ids.index(target)
    if here == there:
        return [f"the deal is already in `{target}`"]
    problems = []
    if here is not None and there < here:
        if pipeline.rules.backward == "never":
            problems.append(f"pipeline `{pipeline.name}` does not allow moving back "
                            "(rules.backward: never)")
        elif pipeline.rules.backward == "with-reason" and not reason:
            problems.append("moving back needs --reason (rules.backward: with-reason)")
        entering = [pipeline.stages[there]]
    else:
        first = 0 if here is None else here + 1
        skipped = ids[first:there]
        if skipped and here is not None and not pipeline.rules.skip:
            problems.append(f"moving to `{target}` skips {', '.join(f'`{s}`' for s in skipped)}"
                            f"; pipeline `{pipeline.name}` does not allow skipping "
                            "(rules.skip: false)")
        # skipping counts as reaching: what the skipped stages require must hold too
        entering = pipeline.stages[first:there + 1]
        problems += leaving_problems(pipeline, deal)
    for stage in entering:
        for name in missing_requirements(
                [r for r in stage.requires if known_requirement(r)], deal, contact_roles):
            problems.append(f"`{stage.id}` requires {describe_missing(name)}")
    return problems


def transition_problem(pipeline: Any, old: str, new: str, has_reason: bool) -> str | None:
    """What a stage change already made (in history) broke of the pipeline's rules."""
    ids = [s.id for s in pipeline.stages]
    if old not in ids or new not in ids:
        return None
    here, there = ids.index(old), ids.index(new)
    if there > here + 1 and not pipeline.rules.skip:
        skipped = ", ".join(ids[here + 1:there])
        return (f"skipped {skipped} ({old} -> {new}); "
                f"pipeline `{pipeline.name}` has rules.skip: false")
    if there < here:
        if pipeline.rules.backward == "never":
            return (f"moved back {old} -> {new}; "
                    f"pipeline `{pipeline.name}` has rules.backward: never")
        if pipeline.rules.backward == "with-reason" and not has_reason:
            return (f"moved back {old} -> {new} without a recorded reason "
                    "(rules.backward: with-reason; use `deal move --reason`)")
    return None


def close_problems(pipeline: Any, deal: Deal, outcome: str,
                   contact_roles: Mapping[str, str | None] = NO_ROLES) -> list[str]:
    """Why `deal` may not be won or lost (`outcome`); [] if it may."""
    if deal.status != "open":
        return [f"the deal is already {deal.status}"]
    requires = [r for r in getattr(pipeline, outcome).requires if known_requirement(r)]
    problems = [f"`{outcome}` requires {describe_missing(name)}"
                for name in missing_requirements(requires, deal, contact_roles)]
    # winning leaves the stage forward; losing is never held up by a checklist
    return leaving_problems(pipeline, deal) + problems if outcome == "won" else problems


# ------------------------------------------------------------------ checklists


def current_stage(pipeline: Any, deal: Deal) -> Any:
    """The deal's stage in the pipeline, or None."""
    return next((s for s in pipeline.stages if s.id == deal.stage), None)


def open_items(stage: Any, deal: Deal) -> list[tuple[int, str]]:
    """The stage's checklist items the deal has not ticked, as (number, text)."""
    ticked = set(deal.checklist.get(stage.id) or [])
    return [(n, item) for n, item in enumerate(stage.checklist, 1) if item not in ticked]


def leaving_problems(pipeline: Any, deal: Deal) -> list[str]:
    """Why the deal may not leave its stage forward: `requires: [checklist]` on the
    stage wants every item of its checklist ticked first."""
    stage = current_stage(pipeline, deal)
    if stage is None or "checklist" not in stage.requires:
        return []
    left = open_items(stage, deal)
    if not left:
        return []
    items = ", ".join(f"{n}. {text}" for n, text in left)
    return [f"`{stage.id}` requires its checklist done before leaving; open: {items} "
            f"(tick them: salescli deal tick {deal.id} {left[0][0]})"]


def checklist_item(stage: Any, which: str) -> tuple[int, str] | str:
    """The stage's checklist item `which` names (its number as shown, or its text,
    case aside) as (number, text); else why not, with the list or a did-you-mean."""
    from salescli.core.words import did_you_mean

    items = list(stage.checklist)
    if not items:
        return f"stage `{stage.id}` has no checklist"
    if which.strip().isdigit() and 1 <= int(which) <= len(items):
        return int(which), items[int(which) - 1]
    for n, item in enumerate(items, 1):
        if item.casefold() == which.strip().casefold():
            return n, item
    listed = "; ".join(f"{n}. {item}" for n, item in enumerate(items, 1))
    return (f"no item `{which}` in the checklist of `{stage.id}`"
            f"{did_you_mean(which, items)}; items: {listed}")


# ------------------------------------------------------------------ approvals


def largest_discount(deal: Deal) -> Decimal:
    """The deal's largest item discount, in percent (0 without items)."""
    return max((item.discount for item in deal.items), default=Decimal(0))


def pending_approval(deal: Deal, settings: Any) -> str | None:
    """`approval_problem` of a deal under the settings, for an open deal."""
    if deal.status != "open":
        return None
    from salescli.core.approvals import approval_problem

    return approval_problem(largest_discount(deal), deal.approved_by,
                            settings.discount_approval_threshold, settings.approvers)
