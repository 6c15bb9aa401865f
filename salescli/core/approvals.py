"""Discount approvals, pure and light (no record model: listings and `today` use them):
whether a discount awaits approval, and which owner ID a git identity is."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal


def approval_problem(discount: Decimal, approved_by: str | None, threshold: Decimal,
                     approvers: Mapping[str, Decimal]) -> str | None:
    """Why a deal whose largest discount is `discount` awaits approval; None when it
    needs none or has it.

    Approved means `approved_by` names an approver whose limit covers the discount.
    With no `approvers` in the settings any name counts, as before approvers existed.
    """
    if discount <= threshold:
        return None
    over = f"the {discount}% discount is over the {threshold}% approval threshold"
    if not approved_by:
        return f"{over} and not approved"
    if not approvers:
        return None
    if approved_by not in approvers:
        return f"{over} and approved_by `{approved_by}` is not one of the settings' approvers"
    if approvers[approved_by] < discount:
        return (f"{over} and approved_by `{approved_by}` may approve up to "
                f"{approvers[approved_by]}%")
    return None


def identity_names(name: str | None, email: str | None) -> list[str]:
    """The owner IDs a git identity may go by: the first word of its name, the whole
    name, and the e-mail's local part, each as an ID (`Ville Korpela
    <ville.k@x.fi>`: ville, ville-korpela, ville-k)."""
    from salescli.core.ids import slugify

    names = []
    if name and name.strip():
        names += [slugify(name.split()[0]), slugify(name)]
    if email and "@" in email:
        names.append(slugify(email.rsplit("@", 1)[0]))
    return list(dict.fromkeys(n for n in names if n))


def who_of(names: Iterable[str], known: Iterable[str]) -> str | None:
    """The first of an identity's `names` that is one of `known` (owner IDs)."""
    known = set(known)
    return next((n for n in names if n in known), None)
