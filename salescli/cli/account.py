"""`salescli account ...` and `salescli contact ...`: organisations and their people."""

from __future__ import annotations

import click

from salescli.cli.common import KNOWN_INDUSTRY
from salescli.cli.common import KNOWN_OWNER
from salescli.cli.common import KNOWN_REGION
from salescli.cli.common import KNOWN_TAG
from salescli.cli.common import NO_CACHE
from salescli.cli.common import Group
from salescli.cli.common import LazyRepository
from salescli.cli.common import change_options
from salescli.cli.common import complete_choices
from salescli.cli.common import complete_ids
from salescli.cli.common import custom_options
from salescli.cli.common import done
from salescli.cli.common import echo
from salescli.cli.common import format_option
from salescli.cli.common import get_repo
from salescli.cli.common import listing
from salescli.cli.common import make_edit_command
from salescli.cli.common import number_style
from salescli.cli.common import render
from salescli.cli.common import render_fields
from salescli.cli.common import show_activities
from salescli.cli.common import show_notes
from salescli.cli.common import shown_listing
from salescli.cli.common import table_columns
from salescli.cli.common import warn
from salescli.services import accounts
from salescli.services.options import Options
from salescli.services.read import custom_shown
from salescli.services.read import find
from salescli.services.read import rollup

INFLUENCE = ("high", "medium", "low")

ACCOUNT_ID = click.argument("account_id", metavar="ACCOUNT",
                            shell_complete=complete_ids("account"))


def complete_contacts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Contact IDs of the account named earlier on the command line."""
    try:
        return accounts.contact_ids(get_repo(ctx), ctx.params["account_id"], incomplete)
    except Exception:  # completion must never print a traceback into the shell
        return []


# ------------------------------------------------------------------------ accounts


@click.group("account", cls=Group)
def account() -> None:
    """Accounts (organisations) with their contacts.

    \b
    Examples:
      salescli account add "Acme Oy" --business-id 1234567-8 --domain acme.fi --owner anna
      salescli account list --owner anna
      salescli account show acme-oy --format json
    """


COLUMNS = ("id", "name", "business_id", "domain", "industry", "owner", "contacts")


@account.command("list")
@click.option("--owner", type=KNOWN_OWNER, help="Only accounts of this owner.",
              shell_complete=complete_choices("owners"))
@click.option("--industry", type=KNOWN_INDUSTRY, help="Only this industry.")
@click.option("--region", type=KNOWN_REGION, help="Only this region.")
@click.option("--tag", type=KNOWN_TAG, help="Only accounts with this tag.")
@custom_options
@NO_CACHE
@format_option()
@click.pass_context
def account_list(ctx: click.Context, owner: str | None, industry: str | None,
                 region: str | None, tag: str | None, fields: tuple[str, ...],
                 columns: str | None, no_cache: bool, fmt: str) -> None:
    """List accounts, by name.

    \b
    Examples:
      salescli account list --industry wholesale --format csv
      salescli account list --field icp_fit=true --columns id,name,icp_fit
    """
    repo = get_repo(ctx)
    _, custom, stored = layout = table_columns(repo, "account", COLUMNS, columns)
    tagged = "EXISTS (SELECT 1 FROM records r2, json_each(r2.json, '$.tags') " \
        "WHERE r2.path = t.path AND value = ?)"

    def show(found: list) -> str:
        rows = [{k: a[k] for k in COLUMNS} for a in found]
        return shown_listing(repo, "account", rows, found, layout, fmt)

    echo(listing(
        repo, "account", no_cache, (("owner", owner), ("industry", industry), ("region", region)),
        "lower(t.name), t.id, t.path", show, [tagged] if tag else [], [tag] if tag else [],
        json=fmt == "json" or bool(custom),
        columns=", (SELECT count(*) FROM contacts c WHERE c.account_id = t.id) AS contacts",
        fields=fields, select=[*COLUMNS[:-1], *stored]))


@account.command("show")
@ACCOUNT_ID
@format_option()
@click.pass_context
def account_show(ctx: click.Context, account_id: str, fmt: str) -> None:
    """Show one account: its fields, child accounts, contacts, and the deals of the
    account and of its child accounts (recursively), with totals per status and currency;
    notes and the latest activities.

    \b
    Examples:
      salescli account show acme-group
      salescli account show acme-oy --format json
    """
    repo = get_repo(ctx)
    a, _ = find(repo, "account", account_id)
    family = rollup(repo, account_id, warn)
    if fmt == "json":
        # the record as it is, with the roll-up beside it under one key
        echo(render([], (), "json", payload={**a, "rollup": family}))
        return
    echo(render_fields(accounts.shown_fields(a) + custom_shown(repo, "account", a), fmt))
    if family["children"]:
        echo("\nChild accounts")
        echo(render(family["children"], ("id", "name", "parent", "owner"), fmt))
    if a.get("contacts"):
        echo("\nContacts")
        columns = ("id", "name", "title", "role", "influence", "email", "phone")
        echo(render(a["contacts"], columns, fmt))
    if family["deals"]:
        style = number_style(repo, fmt)
        echo("\nDeals" + (" (with child accounts)" if family["children"] else ""))
        echo(render(family["deals"], ("id", "title", "account_id", "stage", "status", "value",
                                      "currency", "close_date", "owner"), fmt, style=style))
        echo("\nTotals")
        echo(render(family["totals"], ("status", "currency", "count", "value"), fmt,
                    style=style))
    show_notes(a.get("notes"))
    show_activities(a.get("activities") or [], fmt)


@account.command("rename")
@ACCOUNT_ID
@click.argument("new_id", metavar="NEW")
@change_options
@click.pass_context
def account_rename(ctx: click.Context, account_id: str, new_id: str, opts: Options) -> None:
    """Give an account a new ID: its file is renamed, and its deals, its child accounts
    and the leads converted into it follow, in one commit.

    \b
    Example:
      salescli account rename acme acme-oy
    """
    s = accounts.rename(LazyRepository(ctx), account_id, new_id,
                        opts)
    done(s, f"Renamed account {account_id} to {new_id}")


@account.command("merge")
@click.argument("duplicate", metavar="DUPLICATE", shell_complete=complete_ids("account"))
@click.argument("into", metavar="INTO", shell_complete=complete_ids("account"))
@change_options
@click.pass_context
def account_merge(ctx: click.Context, duplicate: str, into: str, opts: Options) -> None:
    """Merge a duplicate account into another: its contacts, activities (after INTO's,
    whose numbers stay), tags and the fields INTO lacks move over; its deals, child
    accounts and converted leads name INTO; the duplicate's file goes. One commit.

    A contact already in INTO (the same e-mail, else phone, else the only one of the
    name) is one person: INTO's keeps its ID and gains what it lacks (a title, a
    phone, another e-mail in `emails`); stakeholders and `with:` follow.

    \b
    Example:
      salescli account merge acme-oy-2 acme-oy
    """
    s = accounts.merge(LazyRepository(ctx), duplicate, into,
                       opts)
    done(s, f"Merged account {duplicate} into {into}")


@account.command("add")
@click.argument("name")
@click.option("--id", "account_id", metavar="ID", help="The account's ID (default: from the name).")
@click.option("--business-id", metavar="ID", help="Tax / company ID (duplicate detection).")
@click.option("--address", help="Postal address on one line, as invoices print it "
              "(parts later with `account set billing_address.city=...`).")
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
                business_id: str | None, address: str | None, domain: str | None,
                industry: str | None, region: str | None, size: str | None, parent: str | None,
                owner: str | None, tags: tuple[str, ...], force: bool, opts: Options) -> None:
    """Add an account, refusing one that looks like an existing account.

    An account with the same business ID, web domain or name as an existing one is
    a probable duplicate: the command names it and adds nothing, unless --force.

    \b
    Examples:
      salescli account add "Acme Oy" --business-id 1234567-8 --domain acme.fi --owner anna
      salescli account add "Acme Logistics" --parent acme-oy --tag wholesale --tag logistics
      salescli account add "Pori Steel Oy" --address "Satamakatu 3, 28100 Pori"
    """
    s, record_id = accounts.add(
        LazyRepository(ctx), name, account_id=account_id, business_id=business_id,
        address=address, domain=domain,
        industry=industry, region=region, size=size, parent=parent, owner=owner, tags=tags,
        force=force, warn=warn, opts=opts)
    done(s, f"Added account {record_id}")


@account.command("set")
@ACCOUNT_ID
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def account_set(ctx: click.Context, account_id: str, assignments: tuple[str, ...],
                opts: Options) -> None:
    """Set fields of an account. Values are typed and validated; tags are comma-separated.

    Contacts have their own command (`salescli contact add|set`), activities are
    logged with `salescli log`.

    \b
    Examples:
      salescli account set acme-oy industry=wholesale region=Satakunta
      salescli account set acme-oy tags=wholesale,key-account parent=acme-group
      salescli account set acme-oy size=        # empty: no value
    """
    s, summary = accounts.set_fields(LazyRepository(ctx), account_id, assignments,
                                     opts)
    done(s, f"Updated account {account_id}: {summary}")


account.add_command(make_edit_command("account"))


# ------------------------------------------------------------------------ contacts


@click.group("contact", cls=Group)
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
@click.option("--role", type=click.Choice(accounts.ROLES), help="Their role in buying.")
@click.option("--influence", type=click.Choice(INFLUENCE), help="How much their word weighs.")
@click.option("--reports-to", metavar="CONTACT", shell_complete=complete_contacts,
              help="The contact of this account they report to (org chart).")
@click.option("--force", is_flag=True,
              help="Add them even if a contact of the account has their e-mail, phone or "
              "name.")
@change_options
@click.pass_context
def contact_add(ctx: click.Context, account_id: str, name: str, contact_id: str | None,
                email: str | None, phone: str | None, title: str | None, linkedin: str | None,
                role: str | None, influence: str | None, reports_to: str | None,
                force: bool, opts: Options) -> None:
    """Add a contact (a person) to an account, refusing one the account has already (the
    same e-mail or phone, else the only contact of the name) unless --force.

    \b
    Examples:
      salescli contact add acme-oy "Matti Virtanen" --email matti@acme.fi \\
          --role economic-buyer --influence high
      salescli contact add acme-oy "Liisa Koski" --title CTO --reports-to matti-virtanen
    """
    s, cid = accounts.contact_add(
        LazyRepository(ctx), account_id, name, contact_id=contact_id, email=email, phone=phone,
        title=title, linkedin=linkedin, role=role, influence=influence, reports_to=reports_to,
        force=force, opts=opts)
    done(s, f"Account {account_id}: added contact {cid}")


@contact.command("set")
@ACCOUNT_ID
@click.argument("contact_id", metavar="CONTACT", shell_complete=complete_contacts)
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def contact_set(ctx: click.Context, account_id: str, contact_id: str,
                assignments: tuple[str, ...], opts: Options) -> None:
    """Set fields of a contact: name, title, email, phone, linkedin, role, influence...

    \b
    Examples:
      salescli contact set acme-oy matti-virtanen title=CFO role=decision-maker
      salescli contact set acme-oy liisa-koski reports_to=matti-virtanen phone=
    """
    s, summary = accounts.contact_set(LazyRepository(ctx), account_id, contact_id, assignments,
                                      opts)
    done(s, f"Account {account_id}: contact {contact_id}: {summary}")
