"""The facts of a VALKEA meeting agenda, pure: no git, no files, no terminal.

VALKEA (seed 000, section 4.3) is Valmistautuminen (preparation), Avaus (opening),
Läsnäolo (presence: listening), Kannanotto (position), Eteneminen (progress) and
Arviointi (evaluation). `build_agenda` gathers what the repository knows for each
phase; the template (`agenda-valkea.md.j2`, in en, fi and sv through salescli/locale)
words it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from msgspec import Struct
from msgspec import field

from salescli.core.money import deal_value
from salescli.core.money import item_billing
from salescli.core.money import line_net
from salescli.core.money import product_of
from salescli.core.money import unit_price
from salescli.core.roles import BUYER_ROLES
from salescli.core.rules import describe_missing
from salescli.core.rules import leaving_problems
from salescli.core.rules import missing_requirements
from salescli.core.vocabulary import BOOKABLE

# the meeting's goal by the kind of stage the deal is in; other stage names fall back
# to their position in the pipeline
DISCOVER = {"prospect", "contacted", "meeting", "needs-analysis", "qualify", "cold",
            "engaged", "prospecting", "lead", "discovery"}
PROPOSE = {"proposal", "develop", "propose", "demo", "presentation", "solution"}
AGREE = {"negotiation", "contracting", "close", "trial", "decision", "closing"}
LATEST = 5


class Person(Struct, frozen=True):
    id: str
    name: str
    title: str | None
    role: str | None
    influence: str | None
    reports_to: str | None
    email: str | None
    phone: str | None
    decides: bool


class Position(Struct, frozen=True):
    name: str
    quantity: Decimal
    unit: str | None
    unit_price: Decimal | None
    discount: Decimal
    billing: str
    net: Decimal | None


class Missing(Struct, frozen=True):
    name: str          # the requirement as the pipeline names it
    text: str          # what to get, in English (describe_missing)


class Agenda(Struct, frozen=True):
    date: dt.date
    deal: Any
    account: Any
    stage: Any | None             # the deal's pipeline stage, if any
    next_stage: Any | None        # the stage after it (None in the last stage)
    next_name: str                # its id, or "won" after the last stage
    goal: str                     # first | discover | propose | agree | won | lost
    first_meeting: bool
    open_checklist: list[str]
    stakeholders: list[Person]
    others: list[Person]          # the account's contacts not on the deal
    activities: list[Any]         # the latest of the deal's and the account's, oldest first
    next_step: Any | None
    next_step_overdue: bool
    value: Decimal | None
    currency: str
    positions: list[Position]
    latest_quote: Any | None
    history: list[Any]            # the account's other deals
    missing: list[Missing]
    last_evaluation: Any | None   # the latest activity with an evaluation
    deciders: list[Person] = field(default_factory=list)
    owner_name: str | None = None  # the deal's owner as people know them, else their ID
    offering: list[str] = field(default_factory=list)  # what is offered, each name once
    booked: int | None = None     # the number of the deal's meeting booked for `date`
    time: str | None = None       # and its start (HH:MM), if booked at a time


def goal_kind(pipeline: Any, deal: Any, first_meeting: bool) -> str:
    if deal.status in ("won", "lost"):
        return deal.status
    if first_meeting:
        return "first"
    ids = [s.id for s in pipeline.stages]
    if deal.stage in DISCOVER:
        return "discover"
    if deal.stage in PROPOSE:
        return "propose"
    if deal.stage in AGREE:
        return "agree"
    where = ids.index(deal.stage) / max(len(ids) - 1, 1) if deal.stage in ids else 0
    return "discover" if where < 0.34 else "propose" if where < 0.67 else "agree"


def held_meetings(activities: Iterable[Any], before: dt.date, at: str | None = None
                  ) -> list[Any]:
    """Meetings and demos that took place before the date (one logged without status
    counts), or that day before `at` (HH:MM) when both have a time."""
    return [a for a in activities if a.type in BOOKABLE and a.status in ("held", None)
            and (a.date < before or (a.date == before and at is not None
                                     and a.time is not None and a.time < at))]


def people(deal: Any, account: Any) -> tuple[list[Person], list[Person]]:
    """(the deal's stakeholders, the account's other contacts), with roles and influence."""
    contacts = {c.id: c for c in account.contacts}
    names = {c.id: c.name for c in account.contacts}

    def person(contact_id: str, role: str | None) -> Person:
        c = contacts.get(contact_id)
        if c is None:
            return Person(contact_id, contact_id, None, role, None, None, None, None,
                          role in BUYER_ROLES)
        role = role or c.role
        return Person(c.id, c.name, c.title, role, c.influence,
                      names.get(c.reports_to, c.reports_to) if c.reports_to else None,
                      c.email, c.phone, role in BUYER_ROLES)

    on_deal = [person(s.contact, s.role) for s in deal.stakeholders]
    ids = {s.contact for s in deal.stakeholders}
    others = [person(c.id, None) for c in account.contacts if c.id not in ids]
    return on_deal, others


def positions(deal: Any, products: Any) -> list[Position]:
    out = []
    for item in deal.items:
        product = product_of(item, products)
        out.append(Position(
            name=item.name or (product.name if product is not None else item.product or "?"),
            quantity=item.quantity, unit=item.unit or (product.unit if product else None),
            unit_price=unit_price(item, products), discount=item.discount,
            billing=item_billing(item, products), net=line_net(item, products)))
    return out


def build_agenda(deal: Any, account: Any, pipeline: Any, products: Any, settings: Any,
                 date: dt.date, other_deals: Sequence[Any] = (),
                 first_meeting: bool | None = None, owner_name: str | None = None,
                 at: str | None = None) -> Agenda:
    """Everything the six phases need, from the deal, its account and their history.
    `owner_name`: the owner's name, when known (else the agenda shows their ID); `at`:
    the meeting's time of day (HH:MM), when the agenda was asked for one."""
    ids = [s.id for s in pipeline.stages]
    index = ids.index(deal.stage) if deal.stage in ids else None
    stage = pipeline.stages[index] if index is not None else None
    if index is None:
        next_stage, next_name, requires = pipeline.stages[0], ids[0], pipeline.stages[0].requires
    elif index + 1 < len(ids):
        next_stage = pipeline.stages[index + 1]
        next_name, requires = next_stage.id, next_stage.requires
    else:
        next_stage, next_name, requires = None, "won", pipeline.won.requires
    roles = {c.id: c.role for c in account.contacts}
    missing = [Missing(name, describe_missing(name, deal.id))
               for name in missing_requirements(list(requires), deal, roles)]
    if leaving_problems(pipeline, deal):  # `requires: [checklist]`: done before moving on
        missing.insert(0, Missing("checklist", describe_missing("checklist")))
    if deal.status != "open":
        missing = []
    activities = sorted([*deal.activities, *account.activities], key=lambda a: a.date)
    if first_meeting is None:
        first_meeting = not held_meetings(activities, date, at)
    ticked = set(deal.checklist.get(deal.stage, [])) if deal.stage else set()
    stakeholders, others = people(deal, account)
    evaluated = [a for a in activities if a.evaluation is not None and a.date <= date]
    next_step = deal.next_step if deal.next_step and deal.next_step.action else None
    offered = positions(deal, products)
    # the meeting booked that day (at `at`, if asked for a time; else the first of the day)
    booked = min(((a.time or "", n, a) for n, a in enumerate(deal.activities, 1)
                  if a.type in BOOKABLE and a.status == "booked" and a.due is None
                  and a.date == date and (at is None or a.time == at)),
                 key=lambda b: b[:2], default=None)
    return Agenda(
        date=date, deal=deal, account=account, stage=stage, next_stage=next_stage,
        next_name=next_name, goal=goal_kind(pipeline, deal, first_meeting),
        first_meeting=first_meeting,
        open_checklist=[c for c in (stage.checklist if stage else []) if c not in ticked],
        stakeholders=stakeholders, others=others,
        activities=[a for a in activities if a.date <= date][-LATEST:],
        next_step=next_step,
        next_step_overdue=bool(next_step and next_step.due and next_step.due < date),
        value=deal_value(deal, products), currency=settings.currency_of(deal),
        positions=offered,
        latest_quote=deal.quotes[-1] if deal.quotes else None,
        history=sorted((d for d in other_deals if d.account == deal.account and d.id != deal.id),
                       key=lambda d: d.created),
        missing=missing,
        last_evaluation=evaluated[-1] if evaluated else None,
        deciders=[p for p in stakeholders if p.decides],
        owner_name=owner_name or deal.owner,
        offering=list(dict.fromkeys(p.name for p in offered)),
        booked=booked[1] if booked else None, time=booked[2].time if booked else at,
    )
