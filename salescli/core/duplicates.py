"""What may reveal that two accounts or leads are one organisation or person (seed
001's duplicate check): a business ID, a web domain, an e-mail, a phone, a name.

One rule for `check`'s probable duplicates, the refusals of `account add` and `lead
add`, `lead convert`'s match of an existing account, and the record index, which keeps
each record's keys (`identity_keys`) so those refusals are one query, not a read of
every record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# e-mail domains shared by many people: never evidence of the same organisation
FREE_MAIL = frozenset((
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
    "gmx.com", "gmx.de", "gmx.net", "mail.com", "yandex.com", "zoho.com", "fastmail.com",
    "hey.com", "luukku.com", "suomi24.fi", "kolumbus.fi", "elisanet.fi", "saunalahti.fi",
    "welho.com", "hotmail.fi", "outlook.fi",
))

# (what, normalised value, loc) that may reveal a duplicate record
DupKey = tuple[str, str, tuple]
# (what, normalised value, the contact's ID or None, the contact's position or None)
IdentityKey = tuple[str, str, str | None, int | None]
# The record index keeps these values (identity_keys): a change to what they are (a
# normalisation, FREE_MAIL, how a name folds) must bump INDEX_VERSION in store/index.py,
# or indexes built before it would go on answering by the old rule.


def norm_phone(phone: str | None) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:] if len(digits) >= 7 else ""  # compare national numbers


def norm_domain(value: str | None) -> str:
    value = re.sub(r"^[a-z]+://", "", (value or "").lower().strip()).split("/")[0]
    return value.removeprefix("www.")


def norm_email(value: str | None) -> str:
    return (value or "").strip().lower()


def norm_business_id(value: Any) -> str:
    return str(value or "").replace(" ", "").upper()


def same_contact(contacts: Sequence[Any], other: Any, by_name: bool = True) -> int | None:
    """The position among `contacts` of the one who is contact `other`: the one with an
    e-mail of theirs (`email` or `emails`), else a phone (`phone` or `phones`), else
    (`by_name`) the one alone with their name; None when nobody is (two of the name
    and nothing to tell them apart)."""
    for norm, one, more in ((norm_email, "email", "emails"), (norm_phone, "phone", "phones")):
        theirs = {norm(v) for v in (getattr(other, one), *getattr(other, more))} - {""}
        if theirs:
            hit = next((i for i, c in enumerate(contacts)
                        if theirs & {norm(v) for v in (getattr(c, one), *getattr(c, more))}),
                       None)
            if hit is not None:
                return hit
    if not by_name:
        return None
    named = namesakes(contacts, other.name)
    return named[0] if len(named) == 1 else None


def namesakes(contacts: Sequence[Any], name: str) -> list[int]:
    """The positions among `contacts` of those named `name` (case aside)."""
    name = name.casefold()
    return [i for i, c in enumerate(contacts) if c.name.casefold() == name]


def contact_emails(contact: Any) -> list[tuple[tuple, str | None]]:
    """(where in the contact, the address) of its `email` and each of its `emails`."""
    return [(("email",), contact.email),
            *((("emails", j), e) for j, e in enumerate(contact.emails))]


def repeated_emails(contacts: Sequence[Any]) -> list[tuple[tuple, str, str]]:
    """(where in `contacts`, the address, the ID of the contact before with it) of each
    e-mail address (`email` or `emails`) of a contact that an earlier contact of the
    account has too: one person twice, whom `contact add` (`same_contact`) refuses."""
    first: dict[str, str] = {}  # address -> the first contact with it
    out = []
    for i, c in enumerate(contacts):
        for loc, email in contact_emails(c):
            value = norm_email(email)
            earlier = first.setdefault(value, c.id) if value else c.id
            if earlier != c.id:  # (an ID listed twice is check's `duplicate-contact`)
                out.append((("contacts", i, *loc), value, earlier))
    return out


def duplicate_keys(kind: str, model: Any) -> list[DupKey]:
    """An account's business ID, domain and its contacts' e-mails and phones; an
    unconverted lead's contact's e-mail, phone and (unless a free mail service's)
    e-mail domain. Empty values left out."""
    keys: list[DupKey] = []
    if kind == "account":
        keys.append(("business_id", norm_business_id(model.business_id), ("business_id",)))
        keys.append(("domain", norm_domain(model.domain), ("domain",)))
        for i, c in enumerate(model.contacts):
            keys.append(("e-mail", norm_email(c.email), ("contacts", i, "email")))
            keys.append(("phone", norm_phone(c.phone), ("contacts", i, "phone")))
    elif kind == "lead" and model.converted is None and model.contact is not None:
        # a converted lead shares its data with its account on purpose
        c = model.contact
        keys.append(("e-mail", norm_email(c.email), ("contact", "email")))
        keys.append(("phone", norm_phone(c.phone), ("contact", "phone")))
        domain = norm_domain(c.email.split("@", 1)[1]) if c.email and "@" in c.email else ""
        if domain not in FREE_MAIL:
            keys.append(("domain", domain, ("contact", "email")))
    return [k for k in keys if k[1]]


# a deal's documents numbered across all deals (`quote make`, `order`): the key's `what`
# -> the deal's list of them
NUMBERED = {"quote number": "quotes", "order number": "orders"}


def number_keys(deal: Any) -> list[DupKey]:
    """A deal's quote and order confirmation numbers, each a document's that no other
    deal's may have (a quote's versions share their number: one document's)."""
    return [(what, doc.number, (key, i, "number")) for what, key in NUMBERED.items()
            for i, doc in enumerate(getattr(deal, key)) if doc.number]


def identity_keys(kind: str, model: Any) -> list[IdentityKey]:
    """What the record index keeps of a record for the duplicate look-ups: its
    duplicate_keys, a contact's named by ID and position, and an account's name folded
    as its ID would be (`Acme Oy` and `ACME OY` are one name)."""
    from salescli.core.ids import slugify

    keys: list[IdentityKey] = []
    if kind == "account" and (name := slugify(model.name)):  # `!!!` has no name to match
        keys.append(("name", name, None, None))
    for what, value, loc in duplicate_keys(kind, model):
        if loc[0] == "contacts":  # its position from 1, as every `line` column counts
            keys.append((what, value, model.contacts[loc[1]].id, loc[1] + 1))
        else:
            keys.append((what, value, None, None))
    return keys
