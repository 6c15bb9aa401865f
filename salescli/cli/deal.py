"""`salescli deal ...`: deals and their moves through a pipeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import click

from salescli.cli.common import BILLING
from salescli.cli.common import DATE
from salescli.cli.common import DEAL_STATUSES
from salescli.cli.common import KNOWN_ACCOUNT
from salescli.cli.common import KNOWN_OWNER
from salescli.cli.common import KNOWN_SOURCE
from salescli.cli.common import MONEY
from salescli.cli.common import NO_CACHE
from salescli.cli.common import PIPELINE
from salescli.cli.common import STAGE
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
from salescli.cli.common import money_column
from salescli.cli.common import number_style
from salescli.cli.common import render
from salescli.cli.common import render_fields
from salescli.cli.common import show_activities
from salescli.cli.common import show_notes
from salescli.cli.common import shown_listing
from salescli.cli.common import table_columns
from salescli.cli.common import warn
from salescli.services import deals
from salescli.services.accounts import ROLES
from salescli.services.options import Options
from salescli.services.read import FAMILY_SQL
from salescli.services.read import custom_shown
from salescli.services.read import find


def complete_stages(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    try:
        return deals.stage_names(get_repo(ctx), incomplete)
    except Exception:  # completion must never print a traceback into the shell
        return []


DEAL_ID = click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))
# completion offers the deals the command takes: open ones to move or close, closed
# ones to reopen
OPEN_DEAL_ID = click.argument("deal_id", metavar="DEAL",
                              shell_complete=complete_ids("deal", deals.OPEN))
CLOSED_DEAL_ID = click.argument("deal_id", metavar="DEAL",
                                shell_complete=complete_ids("deal", deals.CLOSED))


@click.group("deal", cls=Group)
def deal() -> None:
    """Deals moving through a pipeline's stages.

    \b
    Examples:
      salescli deal add "ERP integration" --account acme-oy --value 48000 --close-date 2027-01-31
      salescli deal advance acme-erp
      salescli deal list --stage proposal --owner anna
    """


# ------------------------------------------------------------------- views


COLUMNS = ("id", "title", "account", "stage", "status", "value", "currency", "close_date",
           "owner")


@deal.command("list")
@click.option("--status", type=click.Choice([*DEAL_STATUSES, "all"]), default="open",
              show_default=True)
@click.option("--stage", type=STAGE, help="Only deals in this stage.",
              shell_complete=complete_stages)
@click.option("--owner", type=KNOWN_OWNER, help="Only deals of this owner.",
              shell_complete=complete_choices("owners"))
@click.option("--account", "account_id", type=KNOWN_ACCOUNT,
              help="Only deals of this account and of its child accounts.",
              shell_complete=complete_ids("account"))
@click.option("--no-children", is_flag=True,
              help="With --account: only the account's own deals, not its child accounts'.")
@click.option("--pipeline", type=PIPELINE, help="Only deals in this pipeline.")
@click.option("--source", type=KNOWN_SOURCE, help="Only deals from this source.",
              shell_complete=complete_choices("sources"))
@custom_options
@NO_CACHE
@format_option()
@click.pass_context
def deal_list(ctx: click.Context, status: str, stage: str | None, owner: str | None,
              account_id: str | None, no_children: bool, pipeline: str | None,
              source: str | None, fields: tuple[str, ...], columns: str | None,
              no_cache: bool, fmt: str) -> None:
    """List deals (open ones unless --status says otherwise), by close date.

    --account takes in the deals of the account's child accounts too (a group
    company's subsidiaries, recursively), unless --no-children.

    \b
    Examples:
      salescli deal list --stage proposal --owner anna
      salescli deal list --account acme-group --status all
      salescli deal list --account acme-group --no-children
      salescli deal list --field competitor=SAP --columns id,title,value,competitor
      salescli deal list --columns id,title,owner,last_activity,next_activity
      salescli deal list --status all --format json
    """
    repo = get_repo(ctx)
    _, custom, stored = layout = table_columns(repo, "deal", COLUMNS, columns)
    where, params = [], []
    if account_id and not no_children:
        where, params = [f"t.account_id IN ({FAMILY_SQL})"], [account_id]

    def show(found: list) -> str:
        # an open deal whose discount awaits an approver lists as `pending approval`
        rows = [{"id": d["id"], "title": d["title"], "account": d["account_id"],
                 "stage": d["stage"],
                 "status": "pending approval" if deals.awaiting(
                     repo, d["status"], d["top_discount"], d["approved_by"]) else d["status"],
                 "value": money_column(d["value"]),
                 "currency": d["currency"], "close_date": d["close_date"], "owner": d["owner"]}
                for d in found]
        return shown_listing(repo, "deal", rows, found, layout, fmt,
                             deals.valued_rows(found) if fmt == "json" else None)

    echo(listing(
        repo, "deal", no_cache,
        (("status", None if status == "all" else status), ("stage", stage), ("owner", owner),
         ("account_id", account_id if no_children else None), ("pipeline", pipeline),
         ("source", source)),
        # ties in file order, as the records were always read
        "t.close_date IS NULL, coalesce(t.close_date, t.created), t.id, t.path", show,
        where, params, json=fmt == "json" or bool(custom), fields=fields,
        columns=deals.TOP_DISCOUNT, also=("account",) if where else ()))  # the family's


@deal.command("show")
@DEAL_ID
@format_option()
@click.pass_context
def deal_show(ctx: click.Context, deal_id: str, fmt: str) -> None:
    """Show one deal: stage, value, next step, stakeholders, items, the checklist of
    its stage (ticked items marked x), notes, the latest activities; a discount
    awaiting approval.

    \b
    Example:
      salescli deal show acme-erp
    """
    repo = get_repo(ctx)
    d, row = find(repo, "deal", deal_id)  # its row: value, currency, pipeline
    if d.get("quotes"):  # each with its status today: expired is derived, never stored
        from salescli.services.quotes import quote_rows

        d = {**d, "quotes": quote_rows(repo, d, dt.date.today())}
    if fmt == "json":
        echo(render([], (), "json", payload=deals.valued(d, row["value"])))
        return
    ns = d.get("next_step")
    next_step = None
    if ns and ns.get("action"):
        next_step = ns["action"] + (f" (due {ns['due']})" if ns.get("due") else "")
    fields = [("id", d["id"]), ("title", d["title"]), ("account", d["account"]),
              ("pipeline", row["pipeline"]), ("stage", d.get("stage")),
              ("status", d["status"]), ("value", money_column(row["value"])),
              ("currency", row["currency"]), ("close_date", d.get("close_date")),
              ("owner", d.get("owner")), ("source", d.get("source")),
              ("created", d.get("created")), ("next_step", next_step),
              ("probability", d.get("probability")), ("approved_by", d.get("approved_by")),
              ("won_date", d.get("won_date")), ("lost_date", d.get("lost_date")),
              ("lost_reason", d.get("lost_reason")), ("revisit", d.get("revisit"))]
    pending = deals.awaiting(repo, d["status"], deals.top_discount(d), d.get("approved_by"))
    if pending:
        fields.insert(6, ("approval", f"pending: {pending} "
                                      f"(an approver runs `salescli deal approve {d['id']}`)"))
    style = number_style(repo, fmt)
    fields += custom_shown(repo, "deal", d)
    echo(render_fields([(k, v) for k, v in fields if v is not None], fmt, style))
    if d.get("stakeholders"):
        echo("\nStakeholders")
        echo(render([{"contact": s["contact"], "role": s.get("role")}
                     for s in d["stakeholders"]], ("contact", "role"), fmt))
    if row.get("items"):  # priced as the quote prices them: tier, billing, total
        echo("\nItems")
        rows = [{"#": i["line"], "item": i["product"] or i["name"],
                 "quantity": i["quantity"], "unit_price": money_column(i["unit_price"]),
                 "discount": i["discount"], "billing": i["billing"], "cycles": i["cycles"],
                 "total": money_column(i["total"]), "currency": row["currency"]}
                for i in row["items"]]
        echo(render(rows, ("#", "item", "quantity", "unit_price", "discount", "billing",
                           "cycles", "total"), fmt, style=style))
    if d.get("quotes"):
        echo("\nQuotes")
        echo(render([{**q, "total": money_column(q["total"])} for q in d["quotes"]],
                    ("number", "version", "date", "status", "total", "currency", "file"), fmt,
                    style=style))
    if d.get("orders"):
        echo("\nOrders")
        echo(render([{**o, "total": money_column(o["total"])} for o in d["orders"]],
                    ("number", "date", "quote", "version", "total", "currency", "file"), fmt,
                    style=style))
    if d.get("invoices"):
        echo("\nInvoices")
        echo(render([{**i, "total": money_column(i["total"]), "vat": money_column(i["vat"])}
                     for i in d["invoices"]],
                    ("number", "date", "due", "period", "total", "vat", "currency",
                     "credit_of", "file"), fmt, style=style))
    checklist = deals.checklist_rows(repo, d, row["pipeline"])
    if checklist:
        echo(f"\nChecklist ({d['stage']})")
        echo(render(checklist, ("#", "done", "item"), fmt))
    show_notes(d.get("notes"))
    show_activities(d.get("activities") or [], fmt)


# --------------------------------------------------------------- changes


@deal.command("add")
@click.argument("title")
@click.option("--account", "account_id", required=True, metavar="ACCOUNT",
              help="The account (organisation) the deal is with.",
              shell_complete=complete_ids("account"))
@click.option("--value", metavar="AMOUNT", type=MONEY, help="Expected value, e.g. 48000.")
@click.option("--close-date", metavar="DATE", type=DATE,
              help="Expected close date (YYYY-MM-DD, +3m...); required: an open deal has one.")
@click.option("--id", "deal_id", metavar="ID", help="The deal's ID (default: from the title).")
@click.option("--pipeline", metavar="NAME", type=PIPELINE,
              help="Pipeline (default: settings' default).")
@click.option("--stage", metavar="STAGE", help="Stage to start in (default: the first).",
              shell_complete=complete_stages)
@click.option("--source", help="Where it came from (settings' sources).",
              shell_complete=complete_choices("sources"))
@click.option("--owner", help="Who owns it (default: you, if you are in the settings' owners).",
              shell_complete=complete_choices("owners"))
@click.option("--currency", metavar="CODE", help="ISO 4217 code (default: settings' currency).")
@click.option("--force", is_flag=True,
              help="Add it even if an open deal of the account has the same title.")
@change_options
@click.pass_context
def deal_add(ctx: click.Context, title: str, account_id: str, value: Decimal | None,
             close_date: dt.date | None, deal_id: str | None, pipeline: str | None,
             stage: str | None, source: str | None, owner: str | None, currency: str | None,
             force: bool, opts: Options) -> None:
    """Add a deal in the first stage of its pipeline (or --stage), checking what it requires.

    An open deal of the same account with the same title (ignoring case and accents)
    is a probable duplicate: the command names it and adds nothing, unless --force.

    \b
    Examples:
      salescli deal add "ERP integration" --account acme-oy --value 48000 --close-date 2027-01-31
      salescli deal add "Pilot" --account beta-ltd --value 9000 --close-date +3m \\
        --id beta-pilot --source referral
    """
    s, record_id, target = deals.add(
        LazyRepository(ctx), title, account_id, value=value, close_date=close_date, deal_id=deal_id,
        pipeline=pipeline, stage=stage, source=source, owner=owner, currency=currency,
        force=force, opts=opts)
    done(s, f"Added deal {record_id} in {target}")


@deal.command("set")
@DEAL_ID
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def deal_set(ctx: click.Context, deal_id: str, assignments: tuple[str, ...], opts: Options) -> None:
    """Set fields; dotted paths reach into nested ones. Values are typed and validated.

    \b
    Examples:
      salescli deal set acme-erp value=52000 close_date=2027-02-28
      salescli deal set acme-erp next_step.action="Send quote" next_step.due=2026-12-01
      salescli deal set acme-erp probability=        # empty: back to the stage's
    """
    s, summary = deals.set_fields(LazyRepository(ctx), deal_id, assignments,
                                  opts)
    done(s, f"Updated deal {deal_id}: {summary}")


@deal.command("rename")
@DEAL_ID
@click.argument("new_id", metavar="NEW")
@change_options
@click.pass_context
def deal_rename(ctx: click.Context, deal_id: str, new_id: str, opts: Options) -> None:
    """Give a deal a new ID: its file is renamed and the leads converted into it follow,
    in one commit. History and reports follow the deal under its new ID.

    \b
    Example:
      salescli deal rename erp-integration acme-erp
    """
    s = deals.rename(LazyRepository(ctx), deal_id, new_id, opts)
    done(s, f"Renamed deal {deal_id} to {new_id}")


@deal.command("delete")
@DEAL_ID
@click.option("--reason", required=True, metavar="TEXT",
              help="Why it goes: the commit's Reason: line (a duplicate, a test deal...).")
@change_options
@click.pass_context
def deal_delete(ctx: click.Context, deal_id: str, reason: str, opts: Options) -> None:
    """Delete a deal created by mistake (a duplicate, a test): its file goes in one commit
    with the reason. The history keeps it until then: reports as of an earlier date
    count it. A deal that was lost is `deal lose`, not deleted.

    \b
    Example:
      salescli deal delete acme-erp-2 --reason "duplicate of acme-erp"
    """
    s = deals.delete(LazyRepository(ctx), deal_id, reason, opts)
    done(s, f"Deleted deal {deal_id}")


def _move(ctx: click.Context, deal_id: str, target: str | None, reason: str | None,
          opts: Options, pipeline: str | None = None) -> None:
    s = deals.move(LazyRepository(ctx), deal_id, target, reason, opts, pipeline)
    done(s, f"Moved deal {deal_id}: {s.summary}")


def _reason(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return deals.reason(value)


REASON = click.option("--reason", metavar="TEXT", callback=_reason,
                      help="Why (recorded in the commit).")


@deal.command("advance")
@OPEN_DEAL_ID
@REASON
@change_options
@click.pass_context
def deal_advance(ctx: click.Context, deal_id: str, reason: str | None, opts: Options) -> None:
    """Move a deal to the next stage, if it meets what that stage requires.

    Prints exactly what is missing otherwise, and changes nothing.

    \b
    Example:
      salescli deal advance acme-erp
    """
    _move(ctx, deal_id, None, reason, opts)


@deal.command("move")
@OPEN_DEAL_ID
@click.argument("stage", shell_complete=complete_stages)
@REASON
@click.option("--pipeline", metavar="NAME", type=PIPELINE,
              help="Move it to STAGE of this pipeline instead (what every stage up to "
              "STAGE requires must hold).")
@change_options
@click.pass_context
def deal_move(ctx: click.Context, deal_id: str, stage: str, reason: str | None,
              pipeline: str | None, opts: Options) -> None:
    """Move a deal to a named stage, under the pipeline's skip and backward rules.

    With --pipeline, to a stage of another pipeline: the deal then follows that one
    (its history keeps where it was before).

    \b
    Examples:
      salescli deal move acme-erp proposal --reason "Scope changed"
      salescli deal move acme-erp negotiation
      salescli deal move acme-erp trial --pipeline startup
    """
    _move(ctx, deal_id, stage, reason, opts, pipeline)


@deal.command("win")
@OPEN_DEAL_ID
@click.option("--value", metavar="AMOUNT", type=MONEY,
              help="The won value (default: the accepted quote's total excluding VAT).")
@change_options
@click.pass_context
def deal_win(ctx: click.Context, deal_id: str, value: Decimal | None, opts: Options) -> None:
    """Mark a deal won (won_date: --date or today).

    Only from the stages its pipeline wins from: the last one, unless the pipeline has
    rules.skip: true or lists them (`won: {from: [...]}`); and with what `won` requires
    (e.g. `won: {requires: [accepted_quote]}`). The deal's value becomes its accepted
    quote's total excluding VAT (`salescli quote accept`), unless --value is given.

    \b
    Examples:
      salescli deal win acme-erp --date 2026-12-01   # the day it was signed
      salescli deal win acme-erp --value 21000
    """
    s, source = deals.win(LazyRepository(ctx), deal_id, opts,
                          value)
    done(s, f"Won deal {deal_id}" + (f" ({source})" if source else ""))


@deal.command("lose")
@OPEN_DEAL_ID
@click.option("--reason", required=True, metavar="REASON",
              help="One of the settings' lost_reasons.",
              shell_complete=complete_choices("lost_reasons"))
@click.option("--note", metavar="TEXT", help="What happened, in a sentence.")
@click.option("--revisit", metavar="DATE", type=DATE, help="When to come back (shows in `today`).")
@change_options
@click.pass_context
def deal_lose(ctx: click.Context, deal_id: str, reason: str, note: str | None,
              revisit: dt.date | None, opts: Options) -> None:
    """Mark a deal lost, with a reason from the settings' lost_reasons.

    \b
    Examples:
      salescli deal lose acme-erp --reason budget --note "Frozen until Q3" --revisit 2027-09-01
      salescli deal lose acme-erp --reason competitor
    """
    s = deals.lose(LazyRepository(ctx), deal_id, reason, note, revisit,
                   opts)
    done(s, f"Lost deal {deal_id} ({reason})")


@deal.command("reopen")
@CLOSED_DEAL_ID
@click.option("--reason", required=True, metavar="TEXT", callback=_reason,
              help="Why (recorded in the commit).")
@click.option("--stage", metavar="STAGE", help="Stage to reopen into (default: its last one).",
              shell_complete=complete_stages)
@click.option("--close-date", metavar="DATE", type=DATE,
              help="When it is now expected to close (default: the day it had).")
@change_options
@click.pass_context
def deal_reopen(ctx: click.Context, deal_id: str, reason: str, stage: str | None,
                close_date: dt.date | None, opts: Options) -> None:
    """Reopen a won or lost deal into a stage (its last one unless --stage).

    Into another stage, the pipeline's rules hold as for `deal move`: no skipping
    ahead unless `rules.skip`, and what the stage requires must be met.

    \b
    Example:
      salescli deal reopen acme-erp --reason "Budget unfrozen" --stage proposal \\
        --close-date +2m
    """
    s, target = deals.reopen(LazyRepository(ctx), deal_id, reason, stage, opts,
                             close_date, warn)
    done(s, f"Reopened deal {deal_id} into {target}")


@deal.command("stakeholder")
@DEAL_ID
@click.argument("contact_id", metavar="CONTACT")
@click.option("--role", type=click.Choice(ROLES),
              help="Their role in this deal (default: their role as the account's contact).")
@click.option("--remove", is_flag=True, help="Remove them from the deal.")
@change_options
@click.pass_context
def deal_stakeholder(ctx: click.Context, deal_id: str, contact_id: str, role: str | None,
                     remove: bool, opts: Options) -> None:
    """Add a contact of the deal's account as a stakeholder, or change their role.

    \b
    Examples:
      salescli deal stakeholder acme-erp matti-virtanen --role economic-buyer
      salescli deal stakeholder acme-erp liisa-k --remove
    """
    s = deals.stakeholder(LazyRepository(ctx), deal_id, contact_id, role, remove,
                          opts)
    done(s, f"Deal {deal_id}: {s.summary}")


@deal.group("item", cls=Group)
def deal_item() -> None:
    """Items (products or services) of a deal: what a quote is made of.

    \b
    Examples:
      salescli deal item add acme-erp silma-pro --quantity 12 --discount 10
      salescli deal item remove acme-erp 2
    """


@deal_item.command("add")
@DEAL_ID
@click.argument("product", required=False, metavar="[PRODUCT]")
@click.option("--name", help="Name of an item that is not in the price list.")
@click.option("--quantity", default="1", show_default=True, help="How many units.")
@click.option("--unit", help="Unit (h, day, month...).")
@click.option("--unit-price", type=MONEY, help="Price of one unit (default: the price list's).")
@click.option("--discount", default="0", show_default=True, help="Discount percent.")
@click.option("--billing", type=click.Choice(BILLING),
              help="How it is billed (default: the product's, else one-time).")
@click.option("--cycles", type=click.IntRange(min=1),
              help="Billing periods (default: one year of them).")
@click.option("--tax-rate", help="VAT percent (default: the product's).")
@click.option("--approved-by", metavar="OWNER",
              help="Approve a discount over the threshold at once: your own owner ID, "
              "as an approver whose limit covers it.")
@change_options
@click.pass_context
def deal_item_add(ctx: click.Context, deal_id: str, product: str | None, name: str | None,
                  quantity: str, unit: str | None, unit_price: Decimal | None, discount: str,
                  billing: str | None, cycles: int | None, tax_rate: str | None,
                  approved_by: str | None, opts: Options) -> None:
    """Add an item: a price-list PRODUCT, or --name with --unit-price.

    A discount over the settings' discount_approval_threshold is recorded and the
    deal awaits approval (`deal approve`, run by an approver) before a real quote.

    \b
    Examples:
      salescli deal item add acme-erp silma-pro --quantity 12 --discount 10 --billing monthly
      salescli deal item add acme-erp --name "Integration work" --quantity 40 \\
          --unit h --unit-price 120 --tax-rate 25.5
    """
    s, pending = deals.item_add(
        LazyRepository(ctx), deal_id, product, name=name, quantity=quantity, unit=unit,
        unit_price=unit_price, discount=discount, billing=billing, cycles=cycles,
        tax_rate=tax_rate, approved_by=approved_by, opts=opts)
    done(s, f"Deal {deal_id}: added {s.summary}")
    if pending:
        echo(f"Pending approval: {pending}; an approver runs `salescli deal approve {deal_id}`")


@deal_item.command("remove")
@DEAL_ID
@click.argument("which", metavar="NUMBER|PRODUCT")
@change_options
@click.pass_context
def deal_item_remove(ctx: click.Context, deal_id: str, which: str, opts: Options) -> None:
    """Remove an item by its number in `deal show` (1, 2...) or its product.

    \b
    Example:
      salescli deal item remove acme-erp 2
    """
    s = deals.item_remove(LazyRepository(ctx), deal_id, which,
                          opts)
    done(s, f"Deal {deal_id}: {s.summary}")


@deal.command("approve")
@OPEN_DEAL_ID
@change_options
@click.pass_context
def deal_approve(ctx: click.Context, deal_id: str, opts: Options) -> None:
    """Approve a deal's discount, as an approver whose limit covers it.

    A discount over the settings' discount_approval_threshold awaits approval. You
    are the owner ID your git identity maps to (the first word of user.name, the
    whole name, or user.email's local part, as IDs); it must be one of the settings'
    `approvers` with a limit of at least the deal's largest discount. It is recorded
    as `approved_by`. A discount raised later past your limit awaits approval again.

    \b
    Example:
      salescli deal approve acme-erp
    """
    s, me = deals.approve(LazyRepository(ctx), deal_id, opts)
    done(s, f"Approved deal {deal_id}: approved_by {me}")


def _tick(ctx: click.Context, deal_id: str, item: str, ticked: bool, opts: Options) -> None:
    s, text = deals.tick(LazyRepository(ctx), deal_id, item, ticked,
                         opts)
    done(s, f"Deal {deal_id}: {'ticked' if ticked else 'unticked'} {text!r}")


@deal.command("tick")
@OPEN_DEAL_ID
@click.argument("item", metavar="ITEM")
@change_options
@click.pass_context
def deal_tick(ctx: click.Context, deal_id: str, item: str, opts: Options) -> None:
    """Tick an item of the checklist of the deal's stage, by number or text.

    ITEM is its number in `deal show`, or its text. A stage whose pipeline says
    `requires: [checklist]` is left (advance, move ahead, win) only with every item
    ticked.

    \b
    Examples:
      salescli deal tick acme-erp 1
      salescli deal tick acme-erp "Budget and selection criteria known"
    """
    _tick(ctx, deal_id, item, True, opts)


@deal.command("untick")
@OPEN_DEAL_ID
@click.argument("item", metavar="ITEM")
@change_options
@click.pass_context
def deal_untick(ctx: click.Context, deal_id: str, item: str, opts: Options) -> None:
    """Untick an item of the checklist of the deal's stage, by number or text.

    \b
    Example:
      salescli deal untick acme-erp 2
    """
    _tick(ctx, deal_id, item, False, opts)


deal.add_command(make_edit_command("deal"))
