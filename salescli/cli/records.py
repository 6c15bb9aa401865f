"""Read-only views of records: `account|lead|deal list|show`."""

from __future__ import annotations

import click

from salescli.cli.common import complete_ids, echo, format_option, get_repo, load_all, record_json
from salescli.cli.deal import show_activities
from salescli.output import render, render_fields

# ----------------------------------------------------------------------- accounts


@click.group("account")
def account() -> None:
    """Accounts (organisations) with their contacts.

    \b
    Examples:
      salescli account list --owner anna
      salescli account show acme-oy --format json
    """


@account.command("list")
@click.option("--owner", help="Only accounts of this owner.")
@click.option("--industry", help="Only this industry.")
@click.option("--region", help="Only this region.")
@click.option("--tag", help="Only accounts with this tag.")
@format_option()
@click.pass_context
def account_list(ctx: click.Context, owner: str | None, industry: str | None,
                 region: str | None, tag: str | None, fmt: str) -> None:
    """List accounts.

    \b
    Example:
      salescli account list --industry wholesale --format csv
    """
    repo = get_repo(ctx)
    rows = []
    models = []
    for a in load_all(repo, "account"):
        if (owner and a.owner != owner) or (industry and a.industry != industry) \
                or (region and a.region != region) or (tag and tag not in a.tags):
            continue
        models.append(a)
        rows.append({"id": a.id, "name": a.name, "business_id": a.business_id,
                     "domain": a.domain, "industry": a.industry, "owner": a.owner,
                     "contacts": len(a.contacts)})
    columns = ("id", "name", "business_id", "domain", "industry", "owner", "contacts")
    echo(render(rows, columns, fmt, payload=[record_json(m) for m in models]))


@account.command("show")
@click.argument("account_id", metavar="ACCOUNT", shell_complete=complete_ids("account"))
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


# -------------------------------------------------------------------------- leads


@click.group("lead")
def lead() -> None:
    """Leads: new -> contacted -> qualified (converted) or disqualified.

    \b
    Examples:
      salescli lead list --status new
      salescli lead show beta-ltd
    """


@lead.command("list")
@click.option("--status", type=click.Choice(["new", "contacted", "qualified", "disqualified",
                                             "all"]), default="all", show_default=True)
@click.option("--source", help="Only leads from this source.")
@click.option("--owner", help="Only leads of this owner.")
@format_option()
@click.pass_context
def lead_list(ctx: click.Context, status: str, source: str | None, owner: str | None,
              fmt: str) -> None:
    """List leads.

    \b
    Example:
      salescli lead list --status new --source website
    """
    repo = get_repo(ctx)
    models = [
        x for x in load_all(repo, "lead")
        if (status == "all" or x.status == status) and (not source or x.source == source)
        and (not owner or x.owner == owner)
    ]
    rows = [{"id": x.id, "company": x.company,
             "contact": x.contact.name if x.contact else None, "source": x.source,
             "status": x.status, "owner": x.owner, "created": x.created} for x in models]
    columns = ("id", "company", "contact", "source", "status", "owner", "created")
    echo(render(rows, columns, fmt, payload=[record_json(m) for m in models]))


@lead.command("show")
@click.argument("lead_id", metavar="LEAD", shell_complete=complete_ids("lead"))
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
