"""`salescli lead ...`: leads, new -> contacted -> qualified (converted) or disqualified."""

from __future__ import annotations

from typing import Any

import click

from salescli.cli.common import (
    DATE,
    MONEY,
    NO_CACHE,
    PIPELINE,
    change_options,
    complete_choices,
    complete_ids,
    done,
    echo,
    format_option,
    get_repo,
    listing,
    load_views,
    payload,
    record_json,
    session,
)
from salescli.cli.deal import known_stage, refuse, show_activities
from salescli.core.errors import SalescliError, UsageError
from salescli.core.output import render, render_fields

LEAD_RULED = {"id": "it is the file name",
              "status": "use `salescli lead contact`, `lead qualify`, `lead disqualify` or "
                        "`lead convert`",
              "converted": "use `salescli lead convert`",
              "disqualify_reason": "use `salescli lead disqualify --reason`",
              "activities": "use `salescli log`"}
# mail providers: their domain says nothing about the company behind an address

LEAD_ID = click.argument("lead_id", metavar="LEAD", shell_complete=complete_ids("lead"))


@click.group("lead")
def lead() -> None:
    """Leads: new -> contacted -> qualified (converted) or disqualified.

    \b
    Examples:
      salescli lead add "Beta Ltd" --contact "Sara Beta" --email sara@beta.example --source website
      salescli lead contact beta-ltd
      salescli lead convert beta-ltd --value 12000 --close-date 2027-02-28
      salescli lead list --status new
    """


# ------------------------------------------------------------------- views


@lead.command("list")
@click.option("--status", type=click.Choice(["new", "contacted", "qualified", "disqualified",
                                             "all"]), default="all", show_default=True)
@click.option("--source", help="Only leads from this source.")
@click.option("--owner", help="Only leads of this owner.")
@NO_CACHE
@format_option()
@click.pass_context
def lead_list(ctx: click.Context, status: str, source: str | None, owner: str | None,
              no_cache: bool, fmt: str) -> None:
    """List leads.

    \b
    Example:
      salescli lead list --status new --source website
    """
    repo = get_repo(ctx)
    found = listing(repo, "lead", no_cache,
                    (("status", None if status == "all" else status), ("source", source),
                     ("owner", owner)), "t.path", json=fmt == "json")
    rows = [{"id": x["id"], "company": x["company"], "contact": x["contact_name"],
             "source": x["source"], "status": x["status"], "owner": x["owner"],
             "created": x["created"]} for x in found]
    columns = ("id", "company", "contact", "source", "status", "owner", "created")
    echo(render(rows, columns, fmt, payload=payload(found) if fmt == "json" else None))


@lead.command("show")
@LEAD_ID
@format_option()
@click.pass_context
def lead_show(ctx: click.Context, lead_id: str, fmt: str) -> None:
    """Show one lead.

    \b
    Example:
      salescli lead show beta-ltd --format json
    """
    repo = get_repo(ctx)
    x = repo.load("lead", lead_id)
    if fmt == "json":
        echo(render([], (), "json", payload=record_json(x)))
        return
    c = x.contact
    fields = [("id", x.id), ("company", x.company), ("contact", c.name if c else None),
              ("email", c.email if c else None), ("phone", c.phone if c else None),
              ("source", x.source), ("status", x.status), ("owner", x.owner),
              ("created", x.created), ("disqualify_reason", x.disqualify_reason),
              ("converted", f"{x.converted.account} / {x.converted.deal or '-'}"
               if x.converted else None)]
    echo(render_fields([(k, v) for k, v in fields if v is not None], fmt))
    show_activities(x.activities, fmt)


# --------------------------------------------------------------- changes


def _people(repo: Any) -> list[tuple[str, dict[str, str]]]:
    """(who, {e-mail, phone}) of every lead and account contact, normalised."""
    from salescli.services.check import duplicate_keys

    out = []
    for x in load_views(repo, "lead"):
        out.append((f"lead {x.id}", {what: value for what, value, _ in duplicate_keys("lead", x)
                                     if what in ("e-mail", "phone")}))
    for a in load_views(repo, "account"):
        people: dict[int, dict[str, str]] = {}
        for what, value, loc in duplicate_keys("account", a):
            if what in ("e-mail", "phone"):
                people.setdefault(loc[1], {})[what] = value
        out += [(f"contact {a.contacts[i].id} of account {a.id}", keys)
                for i, keys in people.items()]
    return out


def find_duplicate(repo: Any, draft: Any) -> str | None:
    """`same X `v` as WHO` for the first lead with this lead's company (ignoring case and
    accents), or lead or contact with its e-mail or phone."""
    from salescli.core.ids import slugify
    from salescli.services.check import duplicate_keys
    from salescli.services.edit import name_twins, probable_duplicate

    c = draft.contact
    shown = {"e-mail": c.email if c else None, "phone": c.phone if c else None}
    mine = {"company": (slugify(draft.company), draft.company)}
    mine |= {what: (value, shown[what]) for what, value, _ in duplicate_keys("lead", draft)
             if what in shown}
    others = [(f"lead {x.id}", {"company": slugify(x.company)})
              for x in name_twins(repo, "lead", draft.company)]
    if len(mine) > 1:  # an e-mail or phone to look for: every lead's and contact's
        others += _people(repo)
    return probable_duplicate(mine, others)


@lead.command("add")
@click.argument("company")
@click.option("--id", "lead_id", metavar="ID", help="The lead's ID (default: from the company).")
@click.option("--contact", "contact_name", metavar="NAME", help="The person to talk to.")
@click.option("--email", help="Their e-mail address.")
@click.option("--phone", help="Their phone number.")
@click.option("--title", help="Their job title.")
@click.option("--source", help="Where it came from (settings' sources).",
              shell_complete=complete_choices("sources"))
@click.option("--owner", help="Who follows it up (default: you, if in the settings' owners).",
              shell_complete=complete_choices("owners"))
@click.option("--force", is_flag=True,
              help="Add it even if it looks like an existing lead (same company, e-mail or "
              "phone) or contact.")
@change_options
@click.pass_context
def lead_add(ctx: click.Context, company: str, lead_id: str | None, contact_name: str | None,
             email: str | None, phone: str | None, title: str | None, source: str | None,
             owner: str | None, force: bool, date: str | None, message: str | None,
             no_commit: bool) -> None:
    """Add a new lead, refusing one whose company, e-mail or phone is already known.

    A lead with the company of an existing lead (ignoring case and accents), or the
    e-mail or phone of an existing lead or account contact, is a probable duplicate:
    the command names it and adds nothing, unless --force.

    \b
    Examples:
      salescli lead add "Beta Ltd" --contact "Sara Beta" --email sara@beta.example --source website
      salescli lead add "Gamma Oy" --phone "+358 40 765 4321" --source event --date 2026-11-03
    """
    from salescli.core.model import Lead
    from salescli.services.edit import choose, default_owner, new_id, refuse_duplicate, today

    repo = get_repo(ctx)
    settings = repo.settings
    record_id = new_id(repo, "lead", company, lead_id)
    created = today(date)
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
            {k: v for k, v in data.items() if v is not None})))
    with session(ctx, "lead", record_id, "add", date, message, no_commit,
                 summary="add" + (f" from {data['source']}" if data["source"] else "")) as s:
        s.create("lead", record_id, data, created)
    done(s, f"Added lead {record_id}")


@lead.command("set")
@LEAD_ID
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def lead_set(ctx: click.Context, lead_id: str, assignments: tuple[str, ...], date: str | None,
             message: str | None, no_commit: bool) -> None:
    """Set fields of a lead; contact.* reaches the contact's name, email, phone and title.

    The status changes with `lead contact|qualify|disqualify|convert`.

    \b
    Examples:
      salescli lead set beta-ltd source=referral owner=ville
      salescli lead set beta-ltd contact.email=sara.beta@beta.example contact.title=COO
    """
    from salescli.core.model import Lead, LeadContact
    from salescli.services.edit import assignments_for, check_listed, describe

    changes = assignments_for(assignments, "a lead", Lead, LEAD_RULED, {"contact": LeadContact})
    summary, subject = describe(changes)
    with session(ctx, "lead", lead_id, "set", date, message, no_commit,
                 summary=f"set {subject}") as s:
        check_listed(changes, s.repo.settings)
        s.set(s.load("lead", lead_id), changes)
    done(s, f"Updated lead {lead_id}: {summary}")


def _register_edit() -> None:
    from salescli.cli.editor import make_edit_command

    lead.add_command(make_edit_command("lead"))


_register_edit()


def _refuse_status(lead_model: Any, doing: str, allowed: tuple[str, ...]) -> None:
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


@lead.command("contact")
@LEAD_ID
@change_options
@click.pass_context
def lead_contact(ctx: click.Context, lead_id: str, date: str | None, message: str | None,
                 no_commit: bool) -> None:
    """Mark a new lead contacted (the first contact; --date when it happened).

    \b
    Example:
      salescli lead contact beta-ltd --date 2026-11-02
    """
    with session(ctx, "lead", lead_id, "contact", date, message, no_commit,
                 summary="new -> contacted") as s:
        record = s.load("lead", lead_id)
        _refuse_status(record.model, "mark {id} contacted", ("new",))
        s.set(record, {"status": "contacted"})
    done(s, f"Lead {lead_id}: contacted")


@lead.command("qualify")
@LEAD_ID
@change_options
@click.pass_context
def lead_qualify(ctx: click.Context, lead_id: str, date: str | None, message: str | None,
                 no_commit: bool) -> None:
    """Mark a lead qualified without converting it yet (`lead convert` does both).

    \b
    Example:
      salescli lead qualify beta-ltd
    """
    with session(ctx, "lead", lead_id, "qualify", date, message, no_commit) as s:
        record = s.load("lead", lead_id)
        _refuse_status(record.model, "qualify {id}", ("new", "contacted"))
        s.summary = f"{record.model.status} -> qualified"
        s.set(record, {"status": "qualified"})
    done(s, f"Lead {lead_id}: qualified")
    echo(f"Next: salescli lead convert {lead_id} --value AMOUNT --close-date DATE "
         "(or --no-deal for the account only)")


def _append_note(data: Any, note: str) -> None:
    from ruamel.yaml.scalarstring import LiteralScalarString

    from salescli.core.model import key_order
    from salescli.store.yamlio import set_in

    old = data.get("notes")
    text = f"{str(old).rstrip()}\n{note}" if old and str(old).strip() else note
    set_in(data, "notes", LiteralScalarString(text + "\n") if "\n" in text else text,
           key_order("lead"))


@lead.command("disqualify")
@LEAD_ID
@click.option("--reason", required=True, metavar="REASON",
              help="One of the settings' lead_disqualify_reasons.",
              shell_complete=complete_choices("lead_disqualify_reasons"))
@click.option("--note", metavar="TEXT", help="What was learned, appended to the lead's notes.")
@change_options
@click.pass_context
def lead_disqualify(ctx: click.Context, lead_id: str, reason: str, note: str | None,
                    date: str | None, message: str | None, no_commit: bool) -> None:
    """Disqualify a lead, with a reason from the settings' lead_disqualify_reasons.

    \b
    Examples:
      salescli lead disqualify gamma-oy --reason not-icp
      salescli lead disqualify gamma-oy --reason budget-or-tech --note "On-prem only until 2028"
    """
    from salescli.services.edit import choose, sets
    from salescli.store.yamlio import keep_tail

    with session(ctx, "lead", lead_id, "disqualify", date, message, no_commit,
                 summary=f"disqualified ({reason})") as s:
        choose(reason, s.repo.settings.lead_disqualify_reasons, "disqualify reason")
        record = s.load("lead", lead_id)
        _refuse_status(record.model, "disqualify {id}", ("new", "contacted", "qualified"))

        def disqualify(data: Any) -> None:
            sets(data, {"status": "disqualified", "disqualify_reason": reason}, "lead")
            if note:
                keep_tail(data, lambda: _append_note(data, note))

        s.update(record, disqualify)
    done(s, f"Lead {lead_id}: disqualified ({reason})")


# ---------------------------------------------------------------- convert


def _norm_business_id(value: Any) -> str:
    return str(value or "").replace(" ", "").upper()


def _matching_account(accounts: list[Any], x: Any) -> tuple[Any, str] | None:
    """The existing account a lead belongs to, and why: business id, domain, person, name.

    Each clue in that order decides alone; two accounts matching one clue is ambiguous.
    """
    from salescli.core.ids import slugify
    from salescli.services.check import FREE_MAIL, duplicate_keys

    lead_keys = {what: value for what, value, _ in duplicate_keys("lead", x)}
    if lead_keys.get("domain") in FREE_MAIL:
        del lead_keys["domain"]
    business_id = _norm_business_id(getattr(x, "business_id", None))
    if business_id:
        lead_keys["business_id"] = business_id
    lead_keys["name"] = slugify(x.company)
    for what in ("business_id", "domain", "e-mail", "phone", "name"):
        if what not in lead_keys:
            continue
        found = []
        for a in accounts:
            keys = {(w, v) for w, v, _ in duplicate_keys("account", a)}
            keys.add(("name", slugify(a.name)))
            if (what, lead_keys[what]) in keys:
                found.append(a)
        if len(found) > 1:
            raise SalescliError(f"cannot convert {x.id}: accounts {', '.join(a.id for a in found)} "
                                f"all have its {what.replace('_', ' ')}; choose one with --account")
        if found:
            return found[0], f"same {what.replace('_', ' ')} {lead_keys[what]}"
    return None


def _same_person(account: Any, person: dict[str, Any]) -> str | None:
    """The ID of the account's contact with the person's e-mail or phone, if any."""
    from salescli.core.model import Lead
    from salescli.services.check import duplicate_keys

    probe = Lead.model_validate({"id": "probe", "company": "-", "created": "2000-01-01",
                                 "contact": person})
    mine = {(w, v) for w, v, _ in duplicate_keys("lead", probe) if w in ("e-mail", "phone")}
    for what, value, loc in duplicate_keys("account", account):
        if (what, value) in mine:
            return account.contacts[loc[1]].id
    return None


@lead.command("convert")
@LEAD_ID
@click.option("--account", "account_id", metavar="ACCOUNT",
              help="Use this existing account (default: one matching the lead, else a new one).",
              shell_complete=complete_ids("account"))
@click.option("--no-deal", is_flag=True,
              help="Qualified but no need yet: create the account only.")
@click.option("--title", help="The deal's title (default: the lead's company).")
@click.option("--value", metavar="AMOUNT", type=MONEY,
              help="The deal's expected value, e.g. 12000.")
@click.option("--close-date", metavar="DATE", type=DATE, help="The deal's expected close date.")
@click.option("--stage", metavar="STAGE", help="Stage to start the deal in (default: the first).")
@click.option("--pipeline", metavar="NAME", type=PIPELINE,
              help="Pipeline (default: settings' default).")
@change_options
@click.pass_context
def lead_convert(ctx: click.Context, lead_id: str, account_id: str | None, no_deal: bool,
                 title: str | None, value: Any, close_date: Any,
                 stage: str | None, pipeline: str | None, date: Any,
                 message: str | None, no_commit: bool) -> None:
    """Qualify a lead into an account, its contact and a deal, in one commit.

    The account is --account, else an existing account with the lead's business ID,
    e-mail domain, e-mail, phone or company name, else a new one. The lead's
    contact is added to it (unless it is there already), and a deal starts in the
    pipeline's first stage, checked against what that stage requires.

    \b
    Examples:
      salescli lead convert beta-ltd --value 12000 --close-date 2027-02-28
      salescli lead convert beta-ltd --account beta-group --title "Pilot" --value 5000 \\
          --close-date 2027-01-15
      salescli lead convert gamma-oy --no-deal
    """
    from salescli.core.dates import day_of
    from salescli.core.ids import check_id, slugify, unique_id
    from salescli.core.model import Deal
    from salescli.core.rules import move_problems
    from salescli.services.check import FREE_MAIL
    from salescli.services.edit import add_contact, default_owner, new_id, sets, today

    deal_options = [name for name, given in (("--title", title), ("--value", value),
                                             ("--close-date", close_date), ("--stage", stage),
                                             ("--pipeline", pipeline)) if given is not None]
    if no_deal and deal_options:
        raise UsageError(f"--no-deal creates no deal: drop {', '.join(deal_options)}")
    due = day_of(close_date)
    if not no_deal and due is None:
        raise UsageError("--close-date is required: the new deal needs an expected close date "
                         "(or use --no-deal)")
    amount = value
    if account_id:
        check_id(account_id, "account")
    created = today(date)

    with session(ctx, "lead", lead_id, "convert", date, message, no_commit) as s:
        repo = s.repo
        record = s.load("lead", lead_id)
        x = record.model
        _refuse_status(x, "convert {id}", ("new", "contacted", "qualified"))
        owner = x.owner or default_owner(repo)

        # 1. the account: named, matched or new
        existing, why = None, "new"
        if account_id:
            existing, why = s.load("account", account_id), "existing"
        else:
            match = _matching_account(load_views(repo, "account"), x)
            if match:
                existing = s.load("account", match[0].id)
                why = f"existing, {match[1]}"
        contacts = existing.model.contacts if existing else []

        # 2. the lead's contact, unless the account has them already
        c = x.contact
        person = {k: getattr(c, k) for k in ("name", "title", "email", "phone")
                  if c is not None and getattr(c, k) is not None}
        contact_id, new_contact = None, False
        name = person.get("name") or person.get("email") or person.get("phone")
        if name:  # a title alone is nobody to talk to
            if existing:
                contact_id = _same_person(existing.model, person)
            if contact_id is None:
                contact_id = unique_id(slugify(name), [p.id for p in contacts])
                new_contact = True
                person = {"id": contact_id, **person, "name": name}
                person = {k: person[k] for k in ("id", "name", "title", "email", "phone")
                          if k in person}
        else:
            person = {}

        # 3. the deal, checked before anything is written
        deal_id = target = None
        if not no_deal:
            pipe = repo.pipeline(pipeline)
            target = stage or pipe.stages[0].id
            known_stage(pipe, target, f"convert {lead_id} with a deal in `{target}`")
            deal_id = new_id(repo, "deal", title or x.company)
            deal_data = {
                "id": deal_id, "title": title or x.company, "account": None,
                "pipeline": pipe.name, "stage": target, "status": "open", "value": amount,
                "currency": repo.settings.currency, "close_date": due, "owner": owner,
                "source": x.source, "created": created,
                "stakeholders": [{"contact": contact_id}] if contact_id else None,
            }
            roles = {p.id: p.role for p in contacts}
            if contact_id:
                roles.setdefault(contact_id, None)
            given = {k: v for k, v in deal_data.items() if v is not None}  # as written
            draft = Deal.model_validate({**given, "account": "draft", "stage": None})
            refuse(move_problems(pipe, draft, target, roles),
                   f"convert {lead_id} with a deal in `{target}`")

        # 4. the writes, all in this one commit
        if existing:
            account_ref = existing.id
            if new_contact:
                s.update(existing, lambda data: add_contact(data, person))
        else:
            account_ref = new_id(repo, "account", x.company)
            email = (c.email or "") if c else ""
            domain = email.rsplit("@", 1)[1].lower() if "@" in email else None
            business_id = getattr(x, "business_id", None)  # not a lead field, but typed in
            s.create("account", account_ref, {
                "id": account_ref, "name": x.company,
                "business_id": None if business_id is None else str(business_id),
                "domain": domain if domain not in FREE_MAIL else None,
                "owner": owner, "created": created,
                "contacts": [person] if person else None,
            }, created)
        if deal_id:
            s.create("deal", deal_id, {**deal_data, "account": account_ref}, created)

        def convert(data: Any) -> None:
            from salescli.store.yamlio import flow

            sets(data, {"status": "qualified",
                        "converted": flow({"account": account_ref, "deal": deal_id})}, "lead")

        s.update(record, convert)
        s.summary = f"convert -> account {account_ref}, " + (
            f"deal {deal_id}" if deal_id else "no deal")
    parts = [f"account {account_ref} ({why})"]
    if contact_id:
        parts.append(f"contact {contact_id}" + ("" if new_contact else " (existing)"))
    parts.append(f"deal {deal_id} in {target}" if deal_id else "no deal")
    done(s, f"Converted lead {lead_id}: " + ", ".join(parts))
