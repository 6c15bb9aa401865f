"""Pipeline rules, pure: what a stage requires and whether a deal meets it (SPEC §2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from salescli.core.later import later
from salescli.core.model import LEAD_FLOW
from salescli.core.model import Deal
from salescli.core.model import Lead
from salescli.core.model import LeadContact
from salescli.core.record import fields_of
from salescli.core.roles import BUYER_ROLES
from salescli.core.vocabulary import PREDICATES

# an address mail can go to: a name of RFC 5322's characters (any letter too), @, a
# domain of dotted labels of letters, digits and inner hyphens (the slips are a name or a
# phone number in the e-mail field, `matti@acme` without its .fi, or punctuation pasted
# with it: `(a@b.fi)`, `"a@b.fi"`, `a@b.fi?subject=Hi`)
_LABEL = r"[^\W_](?:(?:[^\W_]|-)*[^\W_])?"
_EMAIL = later(rf"[\w.!#$%&'*+/=?^`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+")


def bad_email(text: str | None) -> bool:
    """`text` is given (even empty or blank) but is no e-mail address (`mailto:`, a name
    and an address `Anna <a@b.fi>`, spaces around it are none either)."""
    return text is not None and not _EMAIL.fullmatch(str(text))


def given_email(email: str | None, option: str = "--email") -> str | None:
    """An e-mail address typed for `option`, spaces around it dropped (None: none
    given); refused if it is none."""
    if email is None or not email.strip():
        return None
    if bad_email(email.strip()):
        from salescli.core.errors import UsageError

        raise UsageError(f"{option} {email!r} is not an e-mail address (such as "
                         "name@example.com)")
    return email.strip()


@functools.cache  # check asks once per open deal
def loop_closed(start: str, first: str | None, up: Callable[[str], str | None]
                ) -> list[str] | None:
    """The chain `start -> first -> ... -> start` that linking `start` to `first` would
    close, following `up` (an account's parent, a contact's manager); None: no loop."""
    chain, node = [start], first
    while node is not None and node not in chain:
        chain.append(node)
        node = up(node)
    return [*chain, node] if node == start else None


def known_requirement(name: str) -> bool:
    fields = {(f.alias or n) for n, f in fields_of(Deal).items()}
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
        elif name == "accepted_quote":
            ok = any(q.status == "accepted" for q in deal.quotes)
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


def describe_missing(name: str, deal_id: str | None = None) -> str:
    """What the user should do about a missing requirement of deal `deal_id`, in their
    words (the command to run names the deal)."""
    deal_id = deal_id or "DEAL"
    return {
        "decision_maker": "a stakeholder with role economic-buyer or decision-maker",
        "quote": f"a recorded quote (`salescli quote {deal_id}`)",
        "accepted_quote": f"an accepted quote (`salescli quote accept {deal_id}`)",
        "next_step": "a next step (`next_step.action`)",
        "stakeholders": "at least one stakeholder",
        "checklist": "its checklist ticked before leaving",
    }.get(name, f"`{name}`")


def stage_index(pipeline: Any, stage_id: str | None) -> int | None:
    ids = [s.id for s in pipeline.stages]
    return ids.index(stage_id) if stage_id in ids else None


def unknown_stage(pipeline: Any, stage_id: str) -> str | None:
    """Why `stage_id` is not a stage of the pipeline, or None if it is."""
    from salescli.core.words import did_you_mean

    ids = [s.id for s in pipeline.stages]
    if stage_id in ids:
        return None
    return (f"no stage `{stage_id}` in pipeline `{pipeline.name}`{did_you_mean(stage_id, ids)}"
            f"; choose one of: {', '.join(ids)}")


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
            # a new deal (no stage yet) has no file a command could name yet
            problems.append(f"`{stage.id}` requires "
                            f"{describe_missing(name, deal.id if deal.stage else None)}")
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


def close_from(pipeline: Any, outcome: str) -> list[str]:
    """The stages a deal may be won or lost (`outcome`) from: the pipeline's
    `won.from`/`lost.from`, else any stage, except that without rules.skip a deal is
    won only from the last stage (winning counts as having passed every stage)."""
    given = getattr(pipeline, outcome).from_
    if given is not None:
        return list(given)
    ids = [s.id for s in pipeline.stages]
    return ids[-1:] if outcome == "won" and not pipeline.rules.skip else ids


def close_stage_problem(pipeline: Any, stage: str | None, outcome: str) -> str | None:
    """Why a deal in `stage` may not be won or lost (`outcome`); None if it may."""
    allowed = close_from(pipeline, outcome)
    if stage in allowed or stage not in [s.id for s in pipeline.stages]:
        return None  # an unknown stage is reported as such, not here
    why = (f"{outcome}.from" if getattr(pipeline, outcome).from_ is not None
           else "rules.skip: false")
    return (f"pipeline `{pipeline.name}` is {outcome} only from "
            f"{', '.join(f'`{s}`' for s in allowed) or 'no stage'} ({why}), "
            f"not from `{stage}`")


def close_problems(pipeline: Any, deal: Deal, outcome: str,
                   contact_roles: Mapping[str, str | None] = NO_ROLES) -> list[str]:
    """Why `deal` may not be won or lost (`outcome`); [] if it may."""
    if deal.status != "open":
        return [f"the deal is already {deal.status}"]
    problems = []
    stage = close_stage_problem(pipeline, deal.stage, outcome)
    if stage:
        problems.append(stage + (" (advance it there first: salescli deal advance)"
                                 if outcome == "won" else ""))
    requires = [r for r in getattr(pipeline, outcome).requires if known_requirement(r)]
    if outcome == "won":  # winning leaves the stage forward; losing ignores checklists
        problems += leaving_problems(pipeline, deal)
    return problems + [f"`{outcome}` requires {describe_missing(name, deal.id)}"
                       for name in missing_requirements(requires, deal, contact_roles)]


# what the command for each status change is, for a refusal of the same change by hand
STATUS_COMMANDS = {"won": "salescli deal win", "lost": "salescli deal lose",
                   "open": "salescli deal reopen --reason"}


def change_problems(pipeline: Any, old: Deal, new: Deal,
                    contact_roles: Mapping[str, str | None] = NO_ROLES,
                    reason: str | None = None) -> list[str]:
    """Why changing `old` into `new` by hand (stage, status) breaks the rules that
    `deal move`, `win`, `lose` and `reopen` hold; [] if it does not.

    `reason` is the change's reason (for moving back or reopening), if it has one.
    """
    if (old.pipeline or None) != (new.pipeline or None):
        return []  # into another pipeline: its stages are checked as a new deal's
    if old.stage == new.stage and old.status == new.status:
        return []
    ids = [s.id for s in pipeline.stages]
    if new.stage is not None and new.stage not in ids:
        return []  # reported as an unknown stage
    if old.status != "open":
        if new.status == old.status:
            return [f"the deal is {old.status}: its stage stays; reopen it first "
                    "(salescli deal reopen)"]
        if new.status != "open" or not reason:
            return [f"the deal is {old.status}: reopen it with `{STATUS_COMMANDS['open']}`"]
        old = old.model_copy(update={"status": "open"})
    problems: list[str] = []
    if new.stage is not None and new.stage != old.stage:
        problems += move_problems(pipeline, new.model_copy(update={
            "stage": old.stage, "status": "open"}), new.stage, contact_roles, reason)
    if new.status in ("won", "lost"):
        problems += close_problems(pipeline, new.model_copy(update={"status": "open"}),
                                   new.status, contact_roles)
    return problems


# ------------------------------------------------------------------ leads


def _lead_value(lead: Lead, name: str) -> Any:
    head, _, rest = name.partition(".")
    value = getattr(lead, head, None)
    return getattr(value, rest, None) if rest and value is not None else value


@functools.cache
def known_lead_requirement(name: str) -> bool:
    """A name a lead_flow `requires` may hold: a lead field, `contact.FIELD`, or
    alternatives `A|B` (one of them)."""
    fields = set(fields_of(Lead)) - {"contact"}
    fields |= {f"contact.{f}" for f in fields_of(LeadContact)}
    return all(part in fields for part in name.split("|"))


def lead_missing(requires: list[str], lead: Lead) -> list[str]:
    """The names in `requires` that `lead` does not meet, in their order."""
    return [name for name in requires
            if not any(_present(_lead_value(lead, part)) for part in name.split("|"))]


def lead_flow_problems(flow: Mapping[str, Any], lead: Lead, target: str) -> list[str]:
    """What `lead` lacks to enter status `target`: what every status of the flow up to
    it requires (passing a status counts as reaching it), as the missing names."""
    order = list(LEAD_FLOW)
    here = order.index(lead.status) if lead.status in order else 0
    there = order.index(target)
    missing: list[str] = []
    for status in order[here + 1:there + 1]:
        rule = flow.get(status)
        if rule is not None:
            missing += [n for n in lead_missing(
                [r for r in rule.requires if known_lead_requirement(r)], lead)
                if n not in missing]
    return missing


def describe_lead_missing(names: list[str], lead_id: str) -> str:
    """The missing names, and the `lead set` that adds them."""
    shown = ", ".join(" or ".join(n.split("|")) for n in names)
    sets = " ".join(f"{n.split('|')[0]}=..." for n in names)
    return f"it needs {shown} (add: salescli lead set {lead_id} {sets})"


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
