"""Read-only views of records: `account|lead|deal list|show`."""

from __future__ import annotations

from typing import Any

import click

from salescli.cli.common import complete_ids, echo, format_option, get_repo, warn
from salescli.output import render, render_fields


def load_all(repo: Any, kind: str) -> list[Any]:
    """Every valid record of a kind; invalid files are skipped with one note on stderr."""
    from salescli.loader import parse_file

    models, bad = [], []
    for path in repo.record_paths(kind):
        parsed = parse_file(repo.root, kind, path)
        (models if parsed.ok else bad).append(parsed.model if parsed.ok else parsed.path)
    if bad:
        warn(f"warning: skipped {len(bad)} invalid file(s) such as {bad[0]}; "
             "run `salescli check` for details")
    return models


def _record_json(model: Any) -> dict:
    return model.model_dump(mode="python", by_alias=True, exclude_none=False)


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
    echo(render(rows, columns, fmt, payload=[_record_json(m) for m in models]))


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
        echo(render([], (), "json", payload=_record_json(a)))
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
    _activities(a.activities, fmt)


def _activities(activities: list, fmt: str, last: int = 5) -> None:
    if not activities:
        return
    echo(f"\nLatest activities ({min(last, len(activities))} of {len(activities)})")
    rows = [{"date": x.date, "type": x.type, "summary": x.summary, "outcome": x.outcome}
            for x in activities[-last:]]
    echo(render(rows, ("date", "type", "summary", "outcome"), fmt))


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
    echo(render(rows, columns, fmt, payload=[_record_json(m) for m in models]))


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
        echo(render([], (), "json", payload=_record_json(x)))
        return
    c = x.contact
    fields = [("id", x.id), ("company", x.company), ("contact", c.name if c else None),
              ("email", c.email if c else None), ("phone", c.phone if c else None),
              ("source", x.source), ("status", x.status), ("owner", x.owner),
              ("created", x.created), ("disqualify_reason", x.disqualify_reason),
              ("converted", f"{x.converted.account} / {x.converted.deal or '-'}"
               if x.converted else None)]
    echo(render_fields([(k, v) for k, v in fields if v is not None], fmt))
    _activities(x.activities, fmt)


# -------------------------------------------------------------------------- deals


@click.group("deal")
def deal() -> None:
    """Deals moving through a pipeline's stages.

    \b
    Examples:
      salescli deal list --stage proposal --owner anna
      salescli deal show acme-erp --format json
    """


def _deal_row(d: Any, products: Any) -> dict:
    from salescli.money import deal_value

    return {"id": d.id, "title": d.title, "account": d.account, "stage": d.stage,
            "status": d.status, "value": deal_value(d, products), "currency": d.currency,
            "close_date": d.close_date, "owner": d.owner}


@deal.command("list")
@click.option("--status", type=click.Choice(["open", "won", "lost", "all"]), default="open",
              show_default=True)
@click.option("--stage", help="Only deals in this stage.")
@click.option("--owner", help="Only deals of this owner.")
@click.option("--account", "account_id", help="Only deals of this account.")
@click.option("--pipeline", help="Only deals in this pipeline.")
@click.option("--source", help="Only deals from this source.")
@format_option()
@click.pass_context
def deal_list(ctx: click.Context, status: str, stage: str | None, owner: str | None,
              account_id: str | None, pipeline: str | None, source: str | None,
              fmt: str) -> None:
    """List deals (open ones unless --status says otherwise), by close date.

    \b
    Examples:
      salescli deal list --stage proposal --owner anna
      salescli deal list --status all --format json
    """
    repo = get_repo(ctx)
    default_pipeline = repo.settings.default_pipeline
    currency = repo.settings.currency
    models = [
        d for d in load_all(repo, "deal")
        if (status == "all" or d.status == status) and (not stage or d.stage == stage)
        and (not owner or d.owner == owner) and (not account_id or d.account == account_id)
        and (not pipeline or (d.pipeline or default_pipeline) == pipeline)
        and (not source or d.source == source)
    ]
    models.sort(key=lambda d: (d.close_date is None, d.close_date or d.created, d.id))
    products = repo.products
    rows = []
    for d in models:
        row = _deal_row(d, products)
        row["currency"] = row["currency"] or currency
        rows.append(row)
    columns = ("id", "title", "account", "stage", "status", "value", "currency",
               "close_date", "owner")
    echo(render(rows, columns, fmt, payload=[_record_json(m) for m in models]))


@deal.command("show")
@click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
@format_option()
@click.pass_context
def deal_show(ctx: click.Context, deal_id: str, fmt: str) -> None:
    """Show one deal: stage, value, next step, stakeholders, items, activities.

    \b
    Example:
      salescli deal show acme-erp
    """
    repo = get_repo(ctx)
    d = repo.load("deal", deal_id)
    if fmt == "json":
        echo(render([], (), "json", payload=_record_json(d)))
        return
    row = _deal_row(d, repo.products)
    next_step = None
    if d.next_step and d.next_step.action:
        next_step = d.next_step.action + (f" (due {d.next_step.due})" if d.next_step.due else "")
    fields = [("id", d.id), ("title", d.title), ("account", d.account),
              ("pipeline", d.pipeline or repo.settings.default_pipeline), ("stage", d.stage),
              ("status", d.status), ("value", row["value"]),
              ("currency", d.currency or repo.settings.currency), ("close_date", d.close_date),
              ("owner", d.owner), ("source", d.source), ("created", d.created),
              ("next_step", next_step), ("probability", d.probability),
              ("won_date", d.won_date), ("lost_date", d.lost_date),
              ("lost_reason", d.lost_reason), ("revisit", d.revisit)]
    echo(render_fields([(k, v) for k, v in fields if v is not None], fmt))
    if d.stakeholders:
        echo("\nStakeholders")
        echo(render([{"contact": s.contact, "role": s.role} for s in d.stakeholders],
                    ("contact", "role"), fmt))
    if d.items:
        echo("\nItems")
        rows = [{"item": i.product or i.name, "quantity": i.quantity, "unit_price": i.unit_price,
                 "discount": i.discount, "billing": i.billing} for i in d.items]
        echo(render(rows, ("item", "quantity", "unit_price", "discount", "billing"), fmt))
    _activities(d.activities, fmt)
