"""Leads: `lead add|set|contact|qualify|disqualify|convert`, each one load -> rule
check -> edit -> commit (salescli.services.edit.Session).

Each operation takes the repository and the change's `Options`, raises a
SalescliError naming what is wrong (nothing written), and returns the finished
Session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING
from typing import Any

from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.services import deals
from salescli.services.deals import known_stage
from salescli.services.options import COMMIT
from salescli.services.options import Options

if TYPE_CHECKING:
    from salescli.services.edit import Session
    from salescli.services.read import Warn

LEAD_RULED = {"id": "it is the file name",
              "status": "use `salescli lead contact`, `lead qualify`, `lead disqualify` or "
                        "`lead convert`",
              "converted": "use `salescli lead convert`",
              "disqualify_reason": "use `salescli lead disqualify --reason`",
              "activities": "use `salescli log`"}


# ------------------------------------------------------------------ duplicates


def find_duplicate(repo: Any, draft: Any, warn: Warn) -> str | None:
    """`same X `v` as WHO` for the first lead with this lead's company (ignoring case and
    accents), or lead or contact with its e-mail or phone (`warn` names the invalid
    files left out)."""
    from salescli.core.duplicates import duplicate_keys
    from salescli.core.ids import slugify
    from salescli.services.edit import name_twins
    from salescli.services.edit import probable_duplicate
    from salescli.services.read import key_matches

    c = draft.contact
    shown = {"e-mail": c.email if c else None, "phone": c.phone if c else None}
    mine = {"company": (slugify(draft.company), draft.company)}
    mine |= {what: (value, shown[what]) for what, value, _ in duplicate_keys("lead", draft)
             if what in shown}
    others = [(f"lead {x.id}", {"company": slugify(x.company)})
              for x in name_twins(repo, "lead", draft.company,
                                  "; to add it anyway, use --force")]
    if len(mine) > 1:  # an e-mail or phone to look for: the leads' and contacts' that match
        people: dict[tuple, tuple[str, dict[str, str]]] = {}
        for r in key_matches(repo, ("lead", "account"),
                             [(w, v) for w, (v, _) in mine.items() if w != "company"], warn,
                             "; to add it anyway, use --force"):
            who = f"lead {r['id']}" if r["kind"] == "lead" else \
                f"contact {r['contact']} of account {r['id']}"
            # one entry per file and contact, as each was compared before the index
            place = (r["kind"], r["path"], r["line"])
            people.setdefault(place, (who, {}))[1][r["what"]] = r["value"]
        others += people.values()
    return probable_duplicate(mine, others)


# ------------------------------------------------------------------ changes


def add(repo: Any, company: str, *, lead_id: str | None = None,
        contact_name: str | None = None, email: str | None = None, phone: str | None = None,
        title: str | None = None, source: str | None = None, owner: str | None = None,
        force: bool = False, warn: Warn, opts: Options = COMMIT) -> tuple[Session, str]:
    """`lead add`, refusing a probable duplicate unless `force`; returns (the change,
    the lead's ID). `warn` names the invalid files duplicates were not looked for in."""
    from salescli.core.model import Lead
    from salescli.core.rules import given_email
    from salescli.services.edit import choose
    from salescli.services.edit import default_owner
    from salescli.services.edit import new_id
    from salescli.services.edit import refuse_duplicate
    from salescli.services.edit import today

    email = given_email(email)
    settings = repo.settings
    record_id = new_id(repo, "lead", company, lead_id)
    created = today(opts.date)
    person = {k: v for k, v in (("name", contact_name), ("email", email), ("phone", phone),
                                ("title", title)) if v is not None}
    data = {
        "id": record_id, "company": company, "contact": person or None,
        "source": choose(source, settings.sources, "source"), "status": "new",
        "owner": choose(owner, settings.owners, "owner") or default_owner(repo),
        "created": created,
    }
    if not force:
        refuse_duplicate(find_duplicate(repo, Lead.model_validate(
            {k: v for k, v in data.items() if v is not None}), warn))
    with opts.session(repo, "lead", record_id, "add",
                      summary="add" + (f" from {data['source']}" if data["source"] else "")) as s:
        s.create("lead", record_id, data, created)
    return s, record_id


def set_fields(repo: Any, lead_id: str, assignments: tuple[str, ...],
               opts: Options = COMMIT) -> tuple[Session, str]:
    """`lead set FIELD=VALUE...`; returns (the change, `k=v, ...` for the user)."""
    from salescli.core.model import Lead
    from salescli.core.model import LeadContact
    from salescli.services.edit import assignments_for
    from salescli.services.edit import check_listed
    from salescli.services.edit import custom_fields
    from salescli.services.edit import describe

    changes = assignments_for(assignments, "a lead", Lead, LEAD_RULED, {"contact": LeadContact},
                              lambda: custom_fields(repo, "lead"))
    summary, subject = describe(changes)
    with opts.session(repo, "lead", lead_id, "set", summary=f"set {subject}") as s:
        check_listed(changes, s.repo.settings)
        s.set(s.load("lead", lead_id), changes, given=True)
    return s, summary


# the statuses each status change starts from (SPEC 3.2): the rule, and what shell
# completion offers the command (a converted lead is in none)
FROM = {"contact": ("new",), "qualify": ("new", "contacted"),
        "disqualify": ("new", "contacted", "qualified"),
        "convert": ("new", "contacted", "qualified")}


def refuse_status(lead_model: Any, doing: str, allowed: tuple[str, ...]) -> None:
    """Refuse a status change the lead flow does not have (SPEC 3.2).

    `doing` names the change with `{id}` for the lead: "mark {id} contacted".
    """
    x = lead_model
    doing = doing.format(id=x.id)
    if x.converted is not None:
        raise SalescliError(f"cannot {doing}: it was converted to account "
                            f"{x.converted.account}")
    if x.status not in allowed:
        raise SalescliError(f"cannot {doing}: it is {x.status}, not " + " or ".join(allowed))


# The rule step of each status change, shared by the commands (through a Session)
# and the demo (on its own records): the lead as a model, and back (the commit
# summary, the changes).


def refuse_flow(flow: Any, lead: Any, target: str, doing: str) -> None:
    """Refuse a status the lead lacks what the settings' lead_flow requires for."""
    from salescli.core.rules import describe_lead_missing
    from salescli.core.rules import lead_flow_problems

    missing = lead_flow_problems(flow, lead, target)
    if missing:
        raise SalescliError(f"cannot {doing.format(id=lead.id)}: "
                            + describe_lead_missing(missing, lead.id))


def edited(repo: Any, before: Any, after: Any) -> None:
    """`lead edit`: a status moved on by hand needs what `lead_flow` requires of it."""
    from salescli.core.model import LEAD_FLOW

    order = list(LEAD_FLOW)
    if after.status in order and before.status in order \
            and order.index(after.status) > order.index(before.status):
        refuse_flow(repo.settings.lead_flow, after.model_copy(update={"status": before.status}),
                    after.status, f"edit {{id}} into {after.status}")


def contacted(lead: Any, flow: Any) -> tuple[str, dict[str, Any]]:
    """`lead contact`: a new lead contacted for the first time, with what the settings'
    `lead_flow` requires of a contacted lead."""
    if lead.status == "contacted" and lead.converted is None:
        return "contacted", {}  # again: nothing to change, as git add of the same file
    refuse_status(lead, "mark {id} contacted", FROM["contact"])
    refuse_flow(flow, lead, "contacted", "mark {id} contacted")
    return "new -> contacted", {"status": "contacted"}


def first_contact(lead: Any, flow: Any) -> dict[str, Any]:
    """What an activity that reached a lead changes (`log call LEAD`): a new one gets the
    status `lead contact` gives; SalescliError if the settings' lead_flow asks more of a
    contacted lead than it has."""
    if lead.status != "new" or lead.converted is not None:
        return {}
    return contacted(lead, flow)[1]


def qualified(lead: Any, flow: Any) -> tuple[str, dict[str, Any]]:
    """`lead qualify`: qualified, not converted yet, with what `lead_flow` requires."""
    if lead.status == "qualified" and lead.converted is None:
        return "qualified", {}
    refuse_status(lead, "qualify {id}", FROM["qualify"])
    refuse_flow(flow, lead, "qualified", "qualify {id}")
    return f"{lead.status} -> qualified", {"status": "qualified"}


def disqualified(lead: Any, why: str) -> tuple[str, dict[str, Any]]:
    """`lead disqualify` for the reason `why` (one of the settings' reasons)."""
    if lead.status == "disqualified" and lead.disqualify_reason == why:
        return f"disqualified ({why})", {}
    refuse_status(lead, "disqualify {id}", FROM["disqualify"])
    return f"disqualified ({why})", {"status": "disqualified", "disqualify_reason": why}


def lead_person(x: Any) -> dict[str, Any]:
    """The lead's contact as `lead convert` takes it into an account (without its ID):
    named by their name, else e-mail, else phone; {} for nobody (a title alone)."""
    c = x.contact
    person = {k: getattr(c, k) for k in ("name", "title", "email", "phone")
              if c is not None and getattr(c, k) is not None}
    person["name"] = person.get("name") or person.get("email") or person.get("phone")
    # in the documented order, as an account's contacts are written
    return {k: person[k] for k in ("name", "title", "email", "phone") if k in person} \
        if person["name"] else {}


def converted_account(x: Any, account_id: str, owner: str | None, created: dt.date,
                      person: dict[str, Any]) -> dict[str, Any]:
    """The new account `lead convert` makes of lead `x` (the demo's too), with `person`
    (`lead_person` and its ID) as its contact; the domain from their e-mail unless it
    is a free mail service's."""
    from salescli.core.duplicates import FREE_MAIL

    email = (x.contact.email or "") if x.contact else ""
    domain = email.rsplit("@", 1)[1].lower() if "@" in email else None
    business_id = getattr(x, "business_id", None)  # not a lead field, but typed in
    contact = {k: person[k] for k in ("id", "name", "title", "email", "phone") if k in person}
    return {"id": account_id, "name": x.company,
            "business_id": None if business_id is None else str(business_id),
            "domain": domain if domain not in FREE_MAIL else None,
            "owner": owner, "created": created, "contacts": [contact] if contact else None}


def converted_lead(account_id: str, deal_id: str | None) -> dict[str, Any]:
    """What `lead convert` sets on the lead."""
    return {"status": "qualified", "converted": {"account": account_id, "deal": deal_id}}


def converted_summary(account_id: str, deal_id: str | None) -> str:
    """The commit summary of `lead convert`."""
    return f"convert -> account {account_id}, " + (f"deal {deal_id}" if deal_id else "no deal")


def _step(repo: Any, lead_id: str, event: str,
          rule: Callable[[Any, Any], tuple[str, dict]], opts: Options) -> Session:
    """A lead moved on by one rule step (which names the change and says what it sets)."""
    with opts.session(repo, "lead", lead_id, event) as s:
        record = s.load("lead", lead_id)
        s.summary, changes = rule(record.model, s.repo.settings.lead_flow)
        if changes:
            s.set(record, changes)
    return s


def contact(repo: Any, lead_id: str, opts: Options = COMMIT) -> Session:
    """`lead contact`: a new lead contacted for the first time."""
    return _step(repo, lead_id, "contact", contacted, opts)


def qualify(repo: Any, lead_id: str, opts: Options = COMMIT) -> Session:
    """`lead qualify`: qualified, not converted yet."""
    return _step(repo, lead_id, "qualify", qualified, opts)


def _append_note(data: Any, note: str) -> None:
    from salescli.core.model import key_order
    from salescli.store.yamlio import literal
    from salescli.store.yamlio import set_in

    old = data.get("notes")
    text = f"{str(old).rstrip()}\n{note}" if old and str(old).strip() else note
    set_in(data, "notes", literal(text + "\n") if "\n" in text else text,
           key_order("lead"))


def disqualify(repo: Any, lead_id: str, why: str, note: str | None = None,
               opts: Options = COMMIT) -> Session:
    """`lead disqualify`, for one of the settings' lead_disqualify_reasons; `note` is
    appended to the lead's notes."""
    from salescli.services.edit import choose
    from salescli.services.edit import sets
    from salescli.store.yamlio import keep_tail

    with opts.session(repo, "lead", lead_id, "disqualify") as s:
        choose(why, s.repo.settings.lead_disqualify_reasons, "disqualify reason")
        record = s.load("lead", lead_id)
        s.summary, changes = disqualified(record.model, why)
        note = (note or "").strip() or None
        notes = str(record.model.notes or "").rstrip()
        told = note is None or notes == note or notes.endswith("\n" + note)

        def disqualify(data: Any) -> None:
            sets(data, changes, "lead")
            if note:
                keep_tail(data, lambda: _append_note(data, note))

        if changes or not told:  # again with the same last note: nothing to change
            s.update(record, disqualify)
    return s


# ------------------------------------------------------------------ convert


def _matching_account(repo: Any, x: Any, warn: Warn) -> tuple[str, str] | None:
    """The existing account a lead belongs to (its ID), and why: business id, domain,
    person, name. Each clue in that order decides alone; two accounts matching one clue
    is ambiguous."""
    from salescli.core.duplicates import FREE_MAIL
    from salescli.core.duplicates import duplicate_keys
    from salescli.core.duplicates import norm_business_id
    from salescli.core.ids import slugify
    from salescli.services.read import key_matches

    lead_keys = {what: value for what, value, _ in duplicate_keys("lead", x)}
    if lead_keys.get("domain") in FREE_MAIL:
        del lead_keys["domain"]
    business_id = norm_business_id(getattr(x, "business_id", None))
    if business_id:
        lead_keys["business_id"] = business_id
    if name := slugify(x.company):  # a company `!!!` has no name to match by
        lead_keys["name"] = name
    rows = key_matches(repo, ("account",), list(lead_keys.items()), warn,
                       ", or name the account with --account")
    for what in ("business_id", "domain", "e-mail", "phone", "name"):
        if what not in lead_keys:
            continue
        # each file once (two files of one ID are two accounts to choose between)
        wanted = (what, lead_keys[what])
        found = [i for _, i in dict.fromkeys((r["path"], r["id"]) for r in rows
                                             if (r["what"], r["value"]) == wanted)]
        if len(found) > 1:
            raise SalescliError(f"cannot convert {x.id}: accounts {', '.join(found)} "
                                f"all have its {what.replace('_', ' ')}; choose one with --account")
        if found:
            return found[0], f"same {what.replace('_', ' ')} {lead_keys[what]}"
    return None


def _same_person(account: Any, person: dict[str, Any]) -> str | None:
    """The ID of the account's contact with the person's e-mail or phone, if any."""
    from salescli.core.duplicates import duplicate_keys
    from salescli.core.model import Lead

    probe = Lead.model_validate({"id": "probe", "company": "-", "created": "2000-01-01",
                                 "contact": person})
    mine = {(w, v) for w, v, _ in duplicate_keys("lead", probe) if w in ("e-mail", "phone")}
    for what, value, loc in duplicate_keys("account", account):
        if (what, value) in mine:
            return account.contacts[loc[1]].id
    return None


@dataclass
class Converted:
    """What `lead convert` made: the account (and why that one), contact and deal."""

    change: Session
    account: str
    why: str  # "new", "existing" or "existing, same WHAT VALUE"
    contact: str | None
    new_contact: bool
    deal: str | None
    stage: str | None


def convert(repo: Any, lead_id: str, *, account_id: str | None = None, no_deal: bool = False,
            title: str | None = None, value: Decimal | None = None,
            close_date: dt.date | None = None, stage: str | None = None,
            pipeline: str | None = None, warn: Warn, opts: Options = COMMIT) -> Converted:
    """`lead convert`: the lead qualified into an account (named, matched or new), its
    contact (unless the account has them) and a deal in the pipeline's first stage,
    checked against what that stage requires, in one commit. `warn` names the invalid
    account files not matched against."""
    from salescli.core.ids import check_id
    from salescli.core.ids import kind_or_name_id
    from salescli.services.edit import default_owner
    from salescli.services.edit import new_id
    from salescli.services.edit import sets
    from salescli.services.edit import today

    deal_options = [name for name, given in (("--title", title), ("--value", value),
                                             ("--close-date", close_date), ("--stage", stage),
                                             ("--pipeline", pipeline)) if given is not None]
    repo.find("lead", lead_id)  # an unknown lead first, before what its deal would need
    if no_deal and deal_options:
        raise UsageError(f"--no-deal creates no deal: drop {', '.join(deal_options)}")
    created = today(opts.date)
    due = None if no_deal else deals.close_day(
        close_date, created, "the new deal needs an expected close date (or use --no-deal)")
    amount = value
    if account_id is not None:
        check_id(account_id, "account")

    with opts.session(repo, "lead", lead_id, "convert") as s:
        repo = s.repo
        record = s.load("lead", lead_id)
        x = record.model
        refuse_status(x, "convert {id}", FROM["convert"])
        refuse_flow(repo.settings.lead_flow, x, "qualified", "convert {id}")
        owner = x.owner or default_owner(repo)

        # 1. the account: named, matched or new
        existing, why = None, "new"
        if account_id is not None:
            existing, why = s.load("account", account_id), "existing"
        else:
            match = _matching_account(repo, x, warn)
            if match:
                existing = s.load("account", match[0])
                why = f"existing, {match[1]}"
        contacts = existing.model.contacts if existing else []

        # 2. the lead's contact, unless the account has them already
        person = lead_person(x)
        contact_id, new_contact = None, False
        if person:
            if existing:
                contact_id = _same_person(existing.model, person)
            if contact_id is None:
                contact_id = kind_or_name_id("contact", person["name"],
                                             [p.id for p in contacts])
                new_contact = True
                person = {"id": contact_id, **person}

        # 3. the deal, checked before anything is written
        deal_id = target = None
        if not no_deal:
            pipe = repo.pipeline(pipeline)
            target = stage if stage is not None else pipe.stages[0].id
            known_stage(pipe, target, f"convert {lead_id} with a deal in `{target}`")
            title = title if title is not None else x.company
            deal_id = new_id(repo, "deal", title, hint="give the deal a --title that has one")
            deal_data = {
                "id": deal_id, "title": title, "account": None,
                "pipeline": pipe.name, "stage": target, "status": "open", "value": amount,
                "currency": repo.settings.currency, "close_date": due, "owner": owner,
                "source": x.source, "created": created,
                "stakeholders": [{"contact": contact_id}] if contact_id else None,
            }
            roles = {p.id: p.role for p in contacts}
            if contact_id:
                roles.setdefault(contact_id, None)
            deals.added(pipe, {**deal_data, "account": "draft"}, lambda: roles,
                        f"convert {lead_id} with a deal in `{target}`")

        # 4. the writes, all in this one commit
        if existing:
            account_ref = existing.id
            if new_contact:
                s.append(existing, "contacts", person)
        else:
            account_ref = new_id(repo, "account", x.company,
                                 hint="name an existing account with --account, or give the "
                                 f"lead a company that has one (`salescli lead set {lead_id} "
                                 "company=...`)")
            s.create("account", account_ref,
                     converted_account(x, account_ref, owner, created, person), created)
        if deal_id:
            s.create("deal", deal_id, {**deal_data, "account": account_ref}, created)

        def converted(data: Any) -> None:
            from salescli.store.yamlio import flow

            changes = converted_lead(account_ref, deal_id)
            sets(data, {**changes, "converted": flow(changes["converted"])}, "lead")

        s.update(record, converted)
        s.summary = converted_summary(account_ref, deal_id)
    return Converted(s, account_ref, why, contact_id, new_contact, deal_id, target)
