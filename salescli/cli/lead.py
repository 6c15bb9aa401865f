"""`salescli lead ...`: leads, new -> contacted -> qualified (converted) or disqualified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from salescli.cli.common import DATE
from salescli.cli.common import KNOWN_OWNER
from salescli.cli.common import KNOWN_SOURCE
from salescli.cli.common import LEAD_STATUSES
from salescli.cli.common import MONEY
from salescli.cli.common import NO_CACHE
from salescli.cli.common import PIPELINE
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
from salescli.cli.common import render
from salescli.cli.common import render_fields
from salescli.cli.common import show_activities
from salescli.cli.common import show_notes
from salescli.cli.common import shown_listing
from salescli.cli.common import table_columns
from salescli.cli.common import warn
from salescli.services import leads
from salescli.services.options import Options
from salescli.services.read import custom_shown
from salescli.services.read import find

LEAD_ID = click.argument("lead_id", metavar="LEAD", shell_complete=complete_ids("lead"))


def lead_id(statuses: tuple[str, ...]) -> Callable:
    """The LEAD argument of a status change: completion offers the leads it takes."""
    return click.argument("lead_id", metavar="LEAD",
                          shell_complete=complete_ids("lead", statuses))


@click.group("lead", cls=Group)
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


COLUMNS = ("id", "company", "contact", "source", "status", "owner", "created")


@lead.command("list")
@click.option("--status", type=click.Choice([*LEAD_STATUSES, "all"]), default="all",
              show_default=True)
@click.option("--source", type=KNOWN_SOURCE, help="Only leads from this source.",
              shell_complete=complete_choices("sources"))
@click.option("--owner", type=KNOWN_OWNER, help="Only leads of this owner.",
              shell_complete=complete_choices("owners"))
@custom_options
@NO_CACHE
@format_option()
@click.pass_context
def lead_list(ctx: click.Context, status: str, source: str | None, owner: str | None,
              fields: tuple[str, ...], columns: str | None, no_cache: bool, fmt: str) -> None:
    """List leads, newest first (by creation date).

    \b
    Examples:
      salescli lead list --status new --source website
      salescli lead list --field employees=40 --columns id,company,employees
    """
    repo = get_repo(ctx)
    _, custom, stored = layout = table_columns(repo, "lead", COLUMNS, columns)

    def show(found: list) -> str:
        rows = [{"id": x["id"], "company": x["company"], "contact": x["contact_name"],
                 "source": x["source"], "status": x["status"], "owner": x["owner"],
                 "created": x["created"]} for x in found]
        return shown_listing(repo, "lead", rows, found, layout, fmt)

    echo(listing(repo, "lead", no_cache,
                 (("status", None if status == "all" else status), ("source", source),
                  ("owner", owner)), "t.created IS NULL, t.created DESC, t.id, t.path", show,
                 json=fmt == "json" or bool(custom),
                 fields=fields, select=("id", "company", "contact_name", "source",
                                        "status", "owner", "created", *stored)))


@lead.command("show")
@LEAD_ID
@format_option()
@click.pass_context
def lead_show(ctx: click.Context, lead_id: str, fmt: str) -> None:
    """Show one lead: its fields, notes and latest activities.

    \b
    Example:
      salescli lead show beta-ltd --format json
    """
    repo = get_repo(ctx)
    x, _ = find(repo, "lead", lead_id)
    if fmt == "json":
        echo(render([], (), "json", payload=x))
        return
    c = x.get("contact") or {}
    converted = x.get("converted")
    fields = [("id", x["id"]), ("company", x["company"]), ("contact", c.get("name")),
              ("title", c.get("title")), ("email", c.get("email")), ("phone", c.get("phone")),
              ("source", x.get("source")), ("status", x.get("status")),
              ("owner", x.get("owner")), ("created", x.get("created")),
              ("disqualify_reason", x.get("disqualify_reason")),
              ("converted", f"{converted['account']} / {converted.get('deal') or '-'}"
               if converted else None), *custom_shown(repo, "lead", x)]
    echo(render_fields([(k, v) for k, v in fields if v is not None], fmt))
    show_notes(x.get("notes"))
    show_activities(x.get("activities") or [], fmt)


# --------------------------------------------------------------- changes


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
             owner: str | None, force: bool, opts: Options) -> None:
    """Add a new lead, refusing one whose company, e-mail or phone is already known.

    A lead with the company of an existing lead (ignoring case and accents), or the
    e-mail or phone of an existing lead or account contact, is a probable duplicate:
    the command names it and adds nothing, unless --force.

    \b
    Examples:
      salescli lead add "Beta Ltd" --contact "Sara Beta" --email sara@beta.example --source website
      salescli lead add "Gamma Oy" --phone "+358 40 765 4321" --source event --date 2026-11-03
    """
    s, record_id = leads.add(
        LazyRepository(ctx), company, lead_id=lead_id, contact_name=contact_name, email=email,
        phone=phone, title=title, source=source, owner=owner, force=force, warn=warn,
        opts=opts)
    done(s, f"Added lead {record_id}")


@lead.command("set")
@LEAD_ID
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def lead_set(ctx: click.Context, lead_id: str, assignments: tuple[str, ...], opts: Options) -> None:
    """Set fields of a lead; contact.* reaches the contact's name, email, phone and title.

    The status changes with `lead contact|qualify|disqualify|convert`.

    \b
    Examples:
      salescli lead set beta-ltd source=referral owner=ville
      salescli lead set beta-ltd contact.email=sara.beta@beta.example contact.title=COO
    """
    s, summary = leads.set_fields(LazyRepository(ctx), lead_id, assignments,
                                  opts)
    done(s, f"Updated lead {lead_id}: {summary}")


lead.add_command(make_edit_command("lead"))


@lead.command("contact")
@lead_id(leads.FROM["contact"])
@change_options
@click.pass_context
def lead_contact(ctx: click.Context, lead_id: str, opts: Options) -> None:
    """Mark a new lead contacted (the first contact; --date when it happened).

    The lead needs what the settings' `lead_flow` requires of a contacted lead: by
    default its contact's name and an e-mail or phone (`salescli lead set`).

    \b
    Example:
      salescli lead contact beta-ltd --date 2026-11-02
    """
    s = leads.contact(LazyRepository(ctx), lead_id, opts)
    done(s, f"Lead {lead_id}: contacted")


@lead.command("qualify")
@lead_id(leads.FROM["qualify"])
@change_options
@click.pass_context
def lead_qualify(ctx: click.Context, lead_id: str, opts: Options) -> None:
    """Mark a lead qualified without converting it yet (`lead convert` does both).

    The lead needs what the settings' `lead_flow` requires up to qualified.

    \b
    Example:
      salescli lead qualify beta-ltd
    """
    s = leads.qualify(LazyRepository(ctx), lead_id, opts)
    done(s, f"Lead {lead_id}: qualified")
    echo(f"Next: salescli lead convert {lead_id} --value AMOUNT --close-date DATE "
         "(or --no-deal for the account only)")


@lead.command("disqualify")
@lead_id(leads.FROM["disqualify"])
@click.option("--reason", required=True, metavar="REASON",
              help="One of the settings' lead_disqualify_reasons.",
              shell_complete=complete_choices("lead_disqualify_reasons"))
@click.option("--note", metavar="TEXT", help="What was learned, appended to the lead's notes.")
@change_options
@click.pass_context
def lead_disqualify(ctx: click.Context, lead_id: str, reason: str, note: str | None,
                    opts: Options) -> None:
    """Disqualify a lead, with a reason from the settings' lead_disqualify_reasons.

    \b
    Examples:
      salescli lead disqualify gamma-oy --reason not-icp
      salescli lead disqualify gamma-oy --reason budget-or-tech --note "On-prem only until 2028"
    """
    s = leads.disqualify(LazyRepository(ctx), lead_id, reason, note,
                         opts)
    done(s, f"Lead {lead_id}: disqualified ({reason})")


# ---------------------------------------------------------------- convert


@lead.command("convert")
@lead_id(leads.FROM["convert"])
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
                 stage: str | None, pipeline: str | None, opts: Options) -> None:
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
    c = leads.convert(LazyRepository(ctx), lead_id, account_id=account_id, no_deal=no_deal,
                      title=title, value=value, close_date=close_date, stage=stage,
                      pipeline=pipeline, warn=warn, opts=opts)
    parts = [f"account {c.account} ({c.why})"]
    if c.contact:
        parts.append(f"contact {c.contact}" + ("" if c.new_contact else " (existing)"))
    parts.append(f"deal {c.deal} in {c.stage}" if c.deal else "no deal")
    done(c.change, f"Converted lead {lead_id}: " + ", ".join(parts))
