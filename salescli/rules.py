"""Pipeline rules, pure: what a stage requires and whether a deal meets it (SPEC §2)."""

from __future__ import annotations

from typing import Any

from salescli.model import PREDICATES, Deal

BUYER_ROLES = ("economic-buyer", "decision-maker")


def known_requirement(name: str) -> bool:
    fields = {(f.alias or n) for n, f in Deal.model_fields.items()}
    return name in PREDICATES or name in fields


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _contact_roles(account: Any) -> dict[str, str | None]:
    return {c.id: c.role for c in (account.contacts if account else [])}


def has_decision_maker(deal: Deal, account: Any = None) -> bool:
    roles = _contact_roles(account)
    return any(
        (s.role or roles.get(s.contact)) in BUYER_ROLES for s in deal.stakeholders
    )


def missing_requirements(requires: list[str], deal: Deal, account: Any = None) -> list[str]:
    """The names in `requires` that `deal` does not meet, in the pipeline's order."""
    missing = []
    for name in requires:
        if name == "decision_maker":
            ok = has_decision_maker(deal, account)
        elif name == "quote":
            ok = bool(deal.quotes)
        elif name == "next_step":
            ok = deal.next_step is not None and _present(deal.next_step.action)
        elif name == "stakeholders":
            ok = bool(deal.stakeholders)
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
    }.get(name, f"`{name}`")
