"""Pipeline rules, pure: what a stage requires and whether a deal meets it (SPEC §2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from salescli.model import PREDICATES, Deal

BUYER_ROLES = ("economic-buyer", "decision-maker")


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
