"""`salescli account ...` and `salescli contact ...`: organisations and their people."""

from __future__ import annotations

from typing import Any

import click

from salescli.cli.common import (
    NO_CACHE,
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
from salescli.cli.deal import show_activities
from salescli.core.errors import RecordNotFound, SalescliError
from salescli.core.output import render, render_fields

# salescli.core.model.ROLES, spelled out so `--help` does not import pydantic (a test keeps
# the two equal)
ROLE_CHOICES = ("economic-buyer", "decision-maker", "technical-evaluator", "champion",
                "end-user", "approver", "influencer", "other")
INFLUENCE = ("high", "medium", "low")
# changed by other commands, never by `account set`
ACCOUNT_RULED = {"id": "it is the file name",
                 "contacts": "use `salescli contact add` or `salescli contact set`",
                 "activities": "use `salescli log`"}
CONTACT_RULED = {"id": "it is how deals and other contacts refer to the contact"}

ACCOUNT_ID = click.argument("account_id", metavar="ACCOUNT",
                            shell_complete=complete_ids("account"))


def complete_contacts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Contact IDs of the account named earlier on the command line."""
    try:
        account = get_repo(ctx).load("account", ctx.params["account_id"])
        return [c.id for c in account.contacts if c.id.startswith(incomplete)]
    except Exception:  # completion must never print a traceback into the shell
        return []


# ------------------------------------------------------------------------ accounts


@click.group("account")
def account() -> None:
    """Accounts (organisations) with their contacts.

    \b
    Examples:
      salescli account add "Acme Oy" --business-id 1234567-8 --domain acme.fi --owner anna
      salescli account list --owner anna
      salescli account show acme-oy --format json
    """


@account.command("list")
@click.option("--owner", help="Only accounts of this owner.")
@click.option("--industry", help="Only this industry.")
@click.option("--region", help="Only this region.")
@click.option("--tag", help="Only accounts with this tag.")
@NO_CACHE
@format_option()
@click.pass_context
def account_list(ctx: click.Context, owner: str | None, industry: str | None,
                 region: str | None, tag: str | None, no_cache: bool, fmt: str) -> None:
    """List accounts.

    \b
    Example:
      salescli account list --industry wholesale --format csv
    """
    repo = get_repo(ctx)
    tagged = "EXISTS (SELECT 1 FROM records r2, json_each(r2.json, '$.tags') " \
        "WHERE r2.path = t.path AND value = ?)"
    found = listing(
        repo, "account", no_cache, (("owner", owner), ("industry", industry), ("region", region)),
        "t.path", [tagged] if tag else [], [tag] if tag else [], json=fmt == "json",
        columns=", (SELECT count(*) FROM contacts c WHERE c.account_id = t.id) AS contacts")
    rows = [{k: a[k] for k in ("id", "name", "business_id", "domain", "industry", "owner",
                               "contacts")} for a in found]
    columns = ("id", "name", "business_id", "domain", "industry", "owner", "contacts")
    echo(render(rows, columns, fmt, payload=payload(found) if fmt == "json" else None))


@account.command("show")
@ACCOUNT_ID
@format_option()
@click.pass_context
def account_show(ctx: click.Context, account_id: str, fmt: str) -> None:
    """Show one account with its contacts.

    \b
    Example:
      salescli account show acme-oy
    """
    repo = get_repo(ctx)
    a = repo.load("account", account_id)
    if fmt == "json":
        echo(render([], (), "json", payload=record_json(a)))
        return
    fields = [("id", a.id), ("name", a.name), ("business_id", a.business_id),
              ("domain", a.domain), ("industry", a.industry), ("region", a.region),
              ("size", a.size), ("parent", a.parent), ("owner", a.owner), ("tags", a.tags)]
    echo(render_fields([(k, v) for k, v in fields if v not in (None, [])], fmt))
    if a.contacts:
        echo("\nContacts")
        rows = [{"id": c.id, "name": c.name, "title": c.title, "role": c.role,
                 "influence": c.influence, "email": c.email, "phone": c.phone}
                for c in a.contacts]
        echo(render(rows, ("id", "name", "title", "role", "influence", "email", "phone"), fmt))
    show_activities(a.activities, fmt)


def account_keys(model: Any) -> dict[str, str]:
    """What identifies an account for duplicate detection, normalised as `check` does."""
    from salescli.core.ids import slugify
    from salescli.services.check import duplicate_keys

    keys = {what: value for what, value, loc in duplicate_keys("account", model)
            if what in ("business_id", "domain")}
    keys["name"] = slugify(model.name)
    return keys


def find_duplicate(repo: Any, draft: Any) -> str | None:
    """`same X `v` as account ID` for the first existing account that looks like `draft`."""
    from salescli.services.edit import probable_duplicate

    keys = account_keys(draft)
    shown = {"business_id": draft.business_id, "domain": draft.domain, "name": draft.name}
    mine = {what: (keys[what], shown[what]) for what in ("business_id", "domain", "name")
            if what in keys}
    return probable_duplicate(mine, ((f"account {a.id}", account_keys(a))
                                     for a in load_views(repo, "account")))


@account.command("add")
@click.argument("name")
@click.option("--id", "account_id", metavar="ID", help="The account's ID (default: from the name).")
@click.option("--business-id", metavar="ID", help="Tax / company ID (duplicate detection).")
@click.option("--domain", help="Web domain, e.g. acme.fi (duplicate detection).")
@click.option("--industry", help="Industry, e.g. wholesale.")
@click.option("--region", help="Region, e.g. Satakunta.")
@click.option("--size", help="Company size, e.g. 50-249.")
@click.option("--parent", metavar="ACCOUNT", help="The parent account (group company).",
              shell_complete=complete_ids("account"))
@click.option("--owner", help="Who owns it (default: you, if you are in the settings' owners).",
              shell_complete=complete_choices("owners"))
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag; repeat for more.")
@click.option("--force", is_flag=True, help="Add it even if it looks like an existing account.")
@change_options
@click.pass_context
def account_add(ctx: click.Context, name: str, account_id: str | None,
                business_id: str | None, domain: str | None, industry: str | None,
                region: str | None, size: str | None, parent: str | None, owner: str | None,
                tags: tuple[str, ...], force: bool, date: str | None, message: str | None,
                no_commit: bool) -> None:
    """Add an account, refusing one that looks like an existing account.

    An account with the same business ID, web domain or name as an existing one is
    a probable duplicate: the command names it and adds nothing, unless --force.

    \b
    Examples:
      salescli account add "Acme Oy" --business-id 1234567-8 --domain acme.fi --owner anna
      salescli account add "Acme Logistics" --parent acme-oy --tag wholesale --tag logistics
    """
    from salescli.core.model import Account
    from salescli.services.edit import choose, default_owner, new_id, refuse_duplicate, today

    repo = get_repo(ctx)
    settings = repo.settings
    record_id = new_id(repo, "account", name, account_id)
    if parent:
        repo.find("account", parent)
    created = today(date)
    data = {
        "id": record_id, "name": name, "business_id": business_id, "domain": domain,
        "industry": industry, "region": region, "size": size, "parent": parent,
        "owner": choose(owner, settings.owners, "owner") or default_owner(repo),
        "created": created, "tags": list(tags) or None,
    }
    if not force:
        refuse_duplicate(find_duplicate(repo, Account.model_validate(
            {k: v for k, v in data.items() if v is not None})))
    with session(ctx, "account", record_id, "add", date, message, no_commit,
                 summary="add") as s:
        s.create("account", record_id, data, created)
    done(s, f"Added account {record_id}")


def _parent_cycle(repo: Any, account_id: str, parent: str) -> list[str] | None:
    """The chain `account -> parent -> ... -> account` that setting `parent` would close."""
    chain = [account_id]
    node: str | None = parent
    while node is not None and node not in chain:
        chain.append(node)
        try:
            node = repo.load("account", node).parent
        except SalescliError:
            return None  # an unknown parent is `check`'s error, reported on save
    return [*chain, node] if node == account_id else None


@account.command("set")
@ACCOUNT_ID
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def account_set(ctx: click.Context, account_id: str, assignments: tuple[str, ...],
                date: str | None, message: str | None, no_commit: bool) -> None:
    """Set fields of an account. Values are typed and validated; tags are comma-separated.

    Contacts have their own command (`salescli contact add|set`), activities are
    logged with `salescli log`.

    \b
    Examples:
      salescli account set acme-oy industry=wholesale region=Satakunta
      salescli account set acme-oy tags=wholesale,key-account parent=acme-group
      salescli account set acme-oy size=        # empty: no value
    """
    from salescli.core.model import Account
    from salescli.services.edit import assignments_for, check_listed, describe
    from salescli.store.yamlio import inline, split_tags

    changes = assignments_for(assignments, "an account", Account, ACCOUNT_RULED)
    summary, subject = describe(changes)
    if "tags" in changes:
        changes["tags"] = inline(split_tags(changes["tags"]))
    with session(ctx, "account", account_id, "set", date, message, no_commit,
                 summary=f"set {subject}") as s:
        check_listed(changes, s.repo.settings)
        record = s.load("account", account_id)
        parent = changes.get("parent")
        if isinstance(parent, str):
            s.repo.find("account", parent)
            cycle = _parent_cycle(s.repo, account_id, parent)
            if cycle:
                raise SalescliError(f"cannot make {parent} the parent of {account_id}: "
                                    "the hierarchy would have a cycle: " + " -> ".join(cycle))
        s.set(record, changes)
    done(s, f"Updated account {account_id}: {summary}")


def _register_edit() -> None:
    from salescli.cli.editor import make_edit_command

    account.add_command(make_edit_command("account"))


_register_edit()


# ------------------------------------------------------------------------ contacts


@click.group("contact")
def contact() -> None:
    """Contacts: the people of an account, with their role in buying.

    \b
    Examples:
      salescli contact add acme-oy "Matti Virtanen" --email matti@acme.fi --role economic-buyer
      salescli contact set acme-oy matti-virtanen title=CFO influence=high
    """


@contact.command("add")
@ACCOUNT_ID
@click.argument("name")
@click.option("--id", "contact_id", metavar="ID",
              help="The contact's ID within the account (default: from the name).")
@click.option("--email", help="E-mail address.")
@click.option("--phone", help="Phone number, e.g. \"+358 40 123 4567\".")
@click.option("--title", help="Job title, e.g. CFO.")
@click.option("--linkedin", metavar="URL", help="LinkedIn profile address.")
@click.option("--role", type=click.Choice(ROLE_CHOICES), help="Their role in buying.")
@click.option("--influence", type=click.Choice(INFLUENCE), help="How much their word weighs.")
@click.option("--reports-to", metavar="CONTACT", shell_complete=complete_contacts,
              help="The contact of this account they report to (org chart).")
@change_options
@click.pass_context
def contact_add(ctx: click.Context, account_id: str, name: str, contact_id: str | None,
                email: str | None, phone: str | None, title: str | None, linkedin: str | None,
                role: str | None, influence: str | None, reports_to: str | None,
                date: str | None, message: str | None, no_commit: bool) -> None:
    """Add a contact (a person) to an account.

    \b
    Examples:
      salescli contact add acme-oy "Matti Virtanen" --email matti@acme.fi \\
          --role economic-buyer --influence high
      salescli contact add acme-oy "Liisa Koski" --title CTO --reports-to matti-virtanen
    """
    from salescli.core.ids import check_id, slugify, unique_id
    from salescli.core.model import Contact
    from salescli.services.edit import add_contact, check_name, field_names

    check_name("contact", name)
    if contact_id:
        check_id(contact_id, "contact")
    if reports_to:
        check_id(reports_to, "contact")
    with session(ctx, "account", account_id, "contact", date, message, no_commit) as s:
        record = s.load("account", account_id)
        taken = [c.id for c in record.model.contacts]
        if contact_id in taken:
            raise SalescliError(f"account {account_id} already has a contact `{contact_id}`; "
                                "choose another --id")
        if reports_to and reports_to not in taken:
            raise SalescliError(f"cannot add {name}: --reports-to `{reports_to}` is not a "
                                f"contact of account {account_id}")
        cid = contact_id or unique_id(slugify(name), taken)
        values = {"id": cid, "name": name, "title": title, "email": email, "phone": phone,
                  "linkedin": linkedin, "role": role, "influence": influence,
                  "reports_to": reports_to}
        person = {k: values[k] for k in field_names(Contact) if values.get(k) is not None}
        s.summary = f"add contact {cid}"
        s.update(record, lambda data: add_contact(data, person))
    done(s, f"Account {account_id}: added contact {cid}")


@contact.command("set")
@ACCOUNT_ID
@click.argument("contact_id", metavar="CONTACT", shell_complete=complete_contacts)
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def contact_set(ctx: click.Context, account_id: str, contact_id: str,
                assignments: tuple[str, ...], date: str | None, message: str | None,
                no_commit: bool) -> None:
    """Set fields of a contact: name, title, email, phone, linkedin, role, influence...

    \b
    Examples:
      salescli contact set acme-oy matti-virtanen title=CFO role=decision-maker
      salescli contact set acme-oy liisa-koski reports_to=matti-virtanen phone=
    """
    from salescli.core.ids import check_id
    from salescli.core.model import Contact
    from salescli.services.edit import assignments_for, describe, field_names
    from salescli.store.yamlio import apply_sets, keep_tail

    check_id(contact_id, "contact")
    changes = assignments_for(assignments, "a contact", Contact, CONTACT_RULED)
    summary, subject = describe(changes)
    with session(ctx, "account", account_id, "contact", date, message, no_commit,
                 summary=f"contact {contact_id}: set {subject}") as s:
        record = s.load("account", account_id)
        ids = [c.id for c in record.model.contacts]
        if contact_id not in ids:
            raise RecordNotFound(f"no contact `{contact_id}` in account {account_id}; see "
                                 f"`salescli account show {account_id}`")
        boss = changes.get("reports_to")
        if boss is not None and (boss == contact_id or boss not in ids):
            raise SalescliError(f"cannot set reports_to of {contact_id}: `{boss}` is not "
                                f"another contact of account {account_id}")
        index = ids.index(contact_id)
        order = field_names(Contact)

        def change(data: Any) -> None:
            person = data["contacts"][index]
            keep_tail(person, lambda: apply_sets(person, changes, order))

        s.update(record, change)
    done(s, f"Account {account_id}: contact {contact_id}: {summary}")
