"""`salescli deal ...`: deals and their moves through a pipeline."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import click

from salescli.cli.common import (
    DATE,
    MONEY,
    NO_CACHE,
    PIPELINE,
    STAGE,
    change_options,
    complete_choices,
    complete_ids,
    done,
    echo,
    format_option,
    get_repo,
    listing,
    money_column,
    payload,
    session,
)
from salescli.core.errors import RecordNotFound, SalescliError, UsageError
from salescli.core.output import render, render_fields

MONEY_FIELDS = ("value", "unit_price")
# changed only by the commands that apply the pipeline's rules
RULED_FIELDS = {"id": "it is the file name", "stage": "use `deal advance` or `deal move`",
                "status": "use `deal win`, `deal lose` or `deal reopen`",
                "won_date": "use `deal win --date`", "lost_date": "use `deal lose --date`"}


def refuse(problems: list[str], what: str) -> None:
    if problems:
        raise SalescliError(f"cannot {what}: " + "; ".join(problems))


def known_stage(pipe: Any, target: str, what: str) -> Any:
    """The stage `target` of the pipeline; a stage it does not have is a usage error."""
    from salescli.core.rules import unknown_stage

    problem = unknown_stage(pipe, target)
    if problem:
        raise UsageError(f"cannot {what}: {problem}")
    return next(s for s in pipe.stages if s.id == target)


def _roles(repo: Any, deal: Any) -> dict[str, str | None]:
    account = repo.load("account", deal.account)
    return {c.id: c.role for c in account.contacts}


def _pipeline(repo: Any, deal: Any) -> Any:
    return repo.pipeline(deal.pipeline or repo.settings.default_pipeline)


def complete_stages(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    try:
        repo = get_repo(ctx)
        return [s.id for path in repo.pipeline_paths()
                for s in repo.pipeline(path.stem).stages if s.id.startswith(incomplete)]
    except Exception:  # completion must never print a traceback into the shell
        return []


DEAL_ID = click.argument("deal_id", metavar="DEAL", shell_complete=complete_ids("deal"))


@click.group("deal")
def deal() -> None:
    """Deals moving through a pipeline's stages.

    \b
    Examples:
      salescli deal add "ERP integration" --account acme-oy --value 48000 --close-date 2027-01-31
      salescli deal advance acme-erp
      salescli deal list --stage proposal --owner anna
    """


# ------------------------------------------------------------------- views


def _deal_row(d: Any, products: Any, currency: str) -> dict:
    from salescli.core.money import deal_value

    return {"id": d.id, "title": d.title, "account": d.account, "stage": d.stage,
            "status": d.status, "value": deal_value(d, products),
            "currency": d.currency or currency, "close_date": d.close_date, "owner": d.owner}


@deal.command("list")
@click.option("--status", type=click.Choice(["open", "won", "lost", "all"]), default="open",
              show_default=True)
@click.option("--stage", type=STAGE, help="Only deals in this stage.",
              shell_complete=complete_stages)
@click.option("--owner", help="Only deals of this owner.",
              shell_complete=complete_choices("owners"))
@click.option("--account", "account_id", help="Only deals of this account.",
              shell_complete=complete_ids("account"))
@click.option("--pipeline", type=PIPELINE, help="Only deals in this pipeline.")
@click.option("--source", help="Only deals from this source.",
              shell_complete=complete_choices("sources"))
@NO_CACHE
@format_option()
@click.pass_context
def deal_list(ctx: click.Context, status: str, stage: str | None, owner: str | None,
              account_id: str | None, pipeline: str | None, source: str | None,
              no_cache: bool, fmt: str) -> None:
    """List deals (open ones unless --status says otherwise), by close date.

    \b
    Examples:
      salescli deal list --stage proposal --owner anna
      salescli deal list --status all --format json
    """
    repo = get_repo(ctx)
    found = listing(
        repo, "deal", no_cache,
        (("status", None if status == "all" else status), ("stage", stage), ("owner", owner),
         ("account_id", account_id), ("pipeline", pipeline), ("source", source)),
        # ties in file order, as the records were always read
        "t.close_date IS NULL, coalesce(t.close_date, t.created), t.id, t.path",
        json=fmt == "json")
    rows = [{"id": d["id"], "title": d["title"], "account": d["account_id"],
             "stage": d["stage"], "status": d["status"], "value": money_column(d["value"]),
             "currency": d["currency"], "close_date": d["close_date"], "owner": d["owner"]}
            for d in found]
    columns = ("id", "title", "account", "stage", "status", "value", "currency",
               "close_date", "owner")
    echo(render(rows, columns, fmt, payload=payload(found) if fmt == "json" else None))


def show_activities(activities: list, fmt: str, last: int = 5) -> None:
    if not activities:
        return
    echo(f"\nLatest activities ({min(last, len(activities))} of {len(activities)})")
    rows = [{"date": x.date, "type": x.type, "summary": x.summary, "outcome": x.outcome}
            for x in activities[-last:]]
    echo(render(rows, ("date", "type", "summary", "outcome"), fmt))


def _indexed_deal(repo: Any, deal_id: str) -> tuple[dict, dict] | None:
    """(the record, its deals row) from the record index when it holds the file as it
    is now: no YAML and no validation for the most frequent look-up."""
    import json
    import sqlite3

    from salescli.store.index import Index, index_path

    if not index_path(repo.git_dir).exists():
        return None
    rel = repo.rel(repo.find("deal", deal_id))
    try:
        with Index.open(repo, ()) as index:
            found = index.current("deal", rel)
            row = found and index.con.execute("SELECT * FROM deals WHERE path = ?",
                                              (rel,)).fetchone()
    except sqlite3.Error:
        return None
    if not found or not row:
        return None
    # JSON numbers back to the Decimals the model holds (it reads floats by their repr)
    return json.loads(found["json"], parse_float=Decimal), dict(row)


def _plain_deal(repo: Any, deal_id: str) -> tuple[dict, dict]:
    """(the record, its deals row), read and validated from its file."""
    import json

    from salescli.core.money import deal_value
    from salescli.core.output import to_jsonable
    from salescli.store.index import record_dict

    d = repo.load("deal", deal_id)
    doc = json.loads(json.dumps(record_dict(d), default=to_jsonable), parse_float=Decimal)
    row = {"value": deal_value(d, repo.products), "currency": d.currency or
           repo.settings.currency, "pipeline": d.pipeline or repo.settings.default_pipeline}
    return doc, row


@deal.command("show")
@DEAL_ID
@format_option()
@click.pass_context
def deal_show(ctx: click.Context, deal_id: str, fmt: str) -> None:
    """Show one deal: stage, value, next step, stakeholders, items, activities.

    \b
    Example:
      salescli deal show acme-erp
    """
    from types import SimpleNamespace

    repo = get_repo(ctx)
    d, row = _indexed_deal(repo, deal_id) or _plain_deal(repo, deal_id)
    if fmt == "json":
        echo(render([], (), "json", payload=d))
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
    echo(render_fields([(k, v) for k, v in fields if v is not None], fmt))
    if d.get("stakeholders"):
        echo("\nStakeholders")
        echo(render([{"contact": s["contact"], "role": s.get("role")}
                     for s in d["stakeholders"]], ("contact", "role"), fmt))
    if d.get("items"):
        echo("\nItems")
        rows = [{"#": n, "item": i.get("product") or i.get("name"),
                 "quantity": i.get("quantity"), "unit_price": i.get("unit_price"),
                 "discount": i.get("discount"), "billing": i.get("billing")}
                for n, i in enumerate(d["items"], 1)]
        echo(render(rows, ("#", "item", "quantity", "unit_price", "discount", "billing"), fmt))
    show_activities([SimpleNamespace(**a) for a in d.get("activities") or []], fmt)


# --------------------------------------------------------------- changes


@deal.command("add")
@click.argument("title")
@click.option("--account", "account_id", required=True, metavar="ACCOUNT",
              help="The account (organisation) the deal is with.",
              shell_complete=complete_ids("account"))
@click.option("--value", metavar="AMOUNT", type=MONEY, help="Expected value, e.g. 48000.")
@click.option("--close-date", metavar="DATE", type=DATE,
              help="Expected close date (YYYY-MM-DD).")
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
             force: bool, date: str | None, message: str | None, no_commit: bool) -> None:
    """Add a deal in the first stage of its pipeline (or --stage), checking what it requires.

    An open deal of the same account with the same title (ignoring case and accents)
    is a probable duplicate: the command names it and adds nothing, unless --force.

    \b
    Examples:
      salescli deal add "ERP integration" --account acme-oy --value 48000 --close-date 2027-01-31
      salescli deal add "Pilot" --account beta-ltd --id beta-pilot --source referral
    """
    from salescli.core.dates import day_of
    from salescli.core.ids import slugify
    from salescli.core.model import Deal
    from salescli.core.rules import move_problems
    from salescli.services.edit import (
        choose,
        default_owner,
        name_twins,
        new_id,
        probable_duplicate,
        refuse_duplicate,
        today,
    )

    repo = get_repo(ctx)
    settings = repo.settings
    repo.find("account", account_id)
    record_id = new_id(repo, "deal", title, deal_id)
    if not force:
        # one account may well have a closed deal, or another's deal, of the same title
        refuse_duplicate(probable_duplicate(
            {"title": (slugify(title), title)},
            ((f"open deal {d.id} of account {account_id}", {"title": slugify(d.title)})
             for d in name_twins(repo, "deal", title)
             if d.account == account_id and d.status == "open")))
    pipe = repo.pipeline(pipeline)
    target = stage or pipe.stages[0].id
    known_stage(pipe, target, f"add the deal in `{target}`")
    created = today(date)
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        raise UsageError(f"--currency {currency!r}: expected a 3-letter code such as EUR")
    due = day_of(close_date)
    if due is None:
        raise UsageError("--close-date is required: an open deal needs an expected close date")
    data = {
        "id": record_id, "title": title, "account": account_id,
        "pipeline": pipe.name, "stage": target, "status": "open", "value": value,
        "currency": currency or settings.currency, "close_date": due,
        "owner": choose(owner, settings.owners, "owner") or default_owner(repo),
        "source": choose(source, settings.sources, "source"), "created": created,
    }
    draft = Deal.model_validate({**data, "stage": None})
    refuse(move_problems(pipe, draft, target, _roles(repo, draft)), f"add the deal in `{target}`")
    with session(ctx, "deal", record_id, "add", date, message, no_commit,
                 summary=f"add in {target}") as s:
        s.create("deal", record_id, data, created)
    done(s, f"Added deal {record_id} in {target}")


@deal.command("set")
@DEAL_ID
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@change_options
@click.pass_context
def deal_set(ctx: click.Context, deal_id: str, assignments: tuple[str, ...], date: str | None,
             message: str | None, no_commit: bool) -> None:
    """Set fields; dotted paths reach into nested ones. Values are typed and validated.

    \b
    Examples:
      salescli deal set acme-erp value=52000 close_date=2027-02-28
      salescli deal set acme-erp next_step.action="Send quote" next_step.due=2026-12-01
      salescli deal set acme-erp probability=        # empty: back to the stage's
    """
    from salescli.core.model import Deal, NextStep
    from salescli.core.money import parse_money
    from salescli.services.edit import assignments_for, check_listed, describe

    changes = assignments_for(assignments, "a deal", Deal, RULED_FIELDS,
                              {"next_step": NextStep})
    for key in MONEY_FIELDS:
        if key in changes:
            changes[key] = parse_money(changes[key], key)
    summary, subject = describe(changes)
    with session(ctx, "deal", deal_id, "set", date, message, no_commit,
                 summary=f"set {subject}") as s:
        check_listed(changes, s.repo.settings)
        s.set(s.load("deal", deal_id), changes)
    done(s, f"Updated deal {deal_id}: {summary}")


def _move(ctx: click.Context, deal_id: str, target: str | None, reason: str | None,
          event: str, date: str | None, message: str | None, no_commit: bool) -> None:
    from salescli.core.rules import move_problems, stage_index

    with session(ctx, "deal", deal_id, event, date, message, no_commit) as s:
        record = s.load("deal", deal_id)
        d = record.model
        pipe = _pipeline(s.repo, d)
        if target is None:  # advance: the next stage
            here = stage_index(pipe, d.stage)
            if here is not None and here + 1 >= len(pipe.stages):
                raise SalescliError(f"cannot advance {deal_id}: `{d.stage}` is the last stage; "
                                    f"win it with `salescli deal win {deal_id}`")
            target = pipe.stages[0 if here is None else here + 1].id
        known_stage(pipe, target, f"move {deal_id} to `{target}`")
        refuse(move_problems(pipe, d, target, _roles(s.repo, d), reason),
               f"move {deal_id} to `{target}`")
        s.summary = f"{d.stage} -> {target}"
        s.reason = reason
        s.set(record, {"stage": target})
    done(s, f"Moved deal {deal_id}: {s.summary}")


def _reason(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # what the commit will record: a reason of blanks or line breaks would pass the
    # move rules yet record nothing, so it is refused here
    from salescli.core.commitmsg import reason_text

    if value is not None and reason_text(value) is None:
        raise UsageError("--reason is empty: say why, in words")
    return reason_text(value)


REASON = click.option("--reason", metavar="TEXT", callback=_reason,
                      help="Why (recorded in the commit).")


@deal.command("advance")
@DEAL_ID
@REASON
@change_options
@click.pass_context
def deal_advance(ctx: click.Context, deal_id: str, reason: str | None, date: str | None,
                 message: str | None, no_commit: bool) -> None:
    """Move a deal to the next stage, if it meets what that stage requires.

    Prints exactly what is missing otherwise, and changes nothing.

    \b
    Example:
      salescli deal advance acme-erp
    """
    _move(ctx, deal_id, None, reason, "advance", date, message, no_commit)


@deal.command("move")
@DEAL_ID
@click.argument("stage", shell_complete=complete_stages)
@REASON
@change_options
@click.pass_context
def deal_move(ctx: click.Context, deal_id: str, stage: str, reason: str | None,
              date: str | None, message: str | None, no_commit: bool) -> None:
    """Move a deal to a named stage, under the pipeline's skip and backward rules.

    \b
    Examples:
      salescli deal move acme-erp proposal --reason "Scope changed"
      salescli deal move acme-erp negotiation
    """
    _move(ctx, deal_id, stage, reason, "move", date, message, no_commit)


@deal.command("win")
@DEAL_ID
@change_options
@click.pass_context
def deal_win(ctx: click.Context, deal_id: str, date: str | None, message: str | None,
             no_commit: bool) -> None:
    """Mark a deal won (won_date: --date or today).

    \b
    Example:
      salescli deal win acme-erp --date 2026-12-15
    """
    from salescli.core.rules import close_problems
    from salescli.services.edit import today

    with session(ctx, "deal", deal_id, "win", date, message, no_commit, summary="won") as s:
        record = s.load("deal", deal_id)
        d = record.model
        refuse(close_problems(_pipeline(s.repo, d), d, "won", _roles(s.repo, d)),
               f"win {deal_id}")
        s.set(record, {"status": "won", "won_date": today(date)})
    done(s, f"Won deal {deal_id}")


@deal.command("lose")
@DEAL_ID
@click.option("--reason", required=True, metavar="REASON",
              help="One of the settings' lost_reasons.",
              shell_complete=complete_choices("lost_reasons"))
@click.option("--note", metavar="TEXT", help="What happened, in a sentence.")
@click.option("--revisit", metavar="DATE", type=DATE, help="When to come back (shows in `today`).")
@change_options
@click.pass_context
def deal_lose(ctx: click.Context, deal_id: str, reason: str, note: str | None,
              revisit: dt.date | None, date: dt.date | None, message: str | None,
              no_commit: bool) -> None:
    """Mark a deal lost, with a reason from the settings' lost_reasons.

    \b
    Examples:
      salescli deal lose acme-erp --reason budget --note "Frozen until Q3" --revisit 2027-09-01
      salescli deal lose acme-erp --reason competitor
    """
    from salescli.core.dates import day_of
    from salescli.core.rules import close_problems
    from salescli.services.edit import choose, today

    revisit_date = day_of(revisit)
    with session(ctx, "deal", deal_id, "lose", date, message, no_commit,
                 summary=f"lost ({reason})") as s:
        choose(reason, s.repo.settings.lost_reasons, "lost reason")
        record = s.load("deal", deal_id)
        d = record.model.model_copy(update={"lost_reason": reason})
        refuse(close_problems(_pipeline(s.repo, d), d, "lost", _roles(s.repo, d)),
               f"lose {deal_id}")
        changes: dict[str, Any] = {"status": "lost", "lost_date": today(date),
                                   "lost_reason": reason}
        if note:
            changes["lost_note"] = note
        if revisit_date:
            changes["revisit"] = revisit_date
        s.set(record, changes)
    done(s, f"Lost deal {deal_id} ({reason})")


@deal.command("reopen")
@DEAL_ID
@click.option("--reason", required=True, metavar="TEXT", callback=_reason,
              help="Why (recorded in the commit).")
@click.option("--stage", metavar="STAGE", help="Stage to reopen into (default: its last one).",
              shell_complete=complete_stages)
@change_options
@click.pass_context
def deal_reopen(ctx: click.Context, deal_id: str, reason: str, stage: str | None,
                date: str | None, message: str | None, no_commit: bool) -> None:
    """Reopen a won or lost deal into a stage (its last one unless --stage).

    Into another stage, the pipeline's rules hold as for `deal move`: no skipping
    ahead unless `rules.skip`, and what the stage requires must be met.

    \b
    Example:
      salescli deal reopen acme-erp --reason "Budget unfrozen" --stage proposal
    """
    from salescli.core.rules import missing_requirements, move_problems

    with session(ctx, "deal", deal_id, "reopen", date, message, no_commit) as s:
        record = s.load("deal", deal_id)
        d = record.model
        if d.status == "open":
            raise SalescliError(f"cannot reopen {deal_id}: it is open")
        pipe = _pipeline(s.repo, d)
        target = stage or d.stage or pipe.stages[0].id
        entering = known_stage(pipe, target, f"reopen {deal_id} into `{target}`")
        roles = _roles(s.repo, d)
        if target != d.stage:
            # into another stage: the pipeline's rules for moving from its last stage
            # (skipping, going back with the reason given here) hold as for `deal move`
            problems = move_problems(pipe, d.model_copy(update={"status": "open"}), target,
                                     roles, reason)
        else:
            problems = [f"`{target}` requires `{m}`"
                        for m in missing_requirements(entering.requires, d, roles)]
        refuse(problems, f"reopen {deal_id} into `{target}`")
        s.summary = f"reopen ({d.status}) into {target}"
        s.reason = reason

        def reopen(data: Any) -> None:
            for key in ("won_date", "lost_date", "lost_reason", "lost_note", "revisit"):
                data.pop(key, None)
            data["status"] = "open"
            data["stage"] = target

        s.update(record, reopen)
    done(s, f"Reopened deal {deal_id} into {target}")


@deal.command("stakeholder")
@DEAL_ID
@click.argument("contact_id", metavar="CONTACT")
@click.option("--role", type=click.Choice(["economic-buyer", "decision-maker",
                                           "technical-evaluator", "champion", "end-user",
                                           "approver", "influencer", "other"]),
              help="Their role in this deal (default: their role as the account's contact).")
@click.option("--remove", is_flag=True, help="Remove them from the deal.")
@change_options
@click.pass_context
def deal_stakeholder(ctx: click.Context, deal_id: str, contact_id: str, role: str | None,
                     remove: bool, date: str | None, message: str | None,
                     no_commit: bool) -> None:
    """Add a contact of the deal's account as a stakeholder, or change their role.

    \b
    Examples:
      salescli deal stakeholder acme-erp matti-virtanen --role economic-buyer
      salescli deal stakeholder acme-erp liisa-k --remove
    """
    from salescli.core.ids import check_id
    from salescli.store.yamlio import flow

    check_id(contact_id, "contact")
    with session(ctx, "deal", deal_id, "stakeholder", date, message, no_commit) as s:
        record = s.load("deal", deal_id)

        def change(data: Any) -> None:
            from ruamel.yaml.comments import CommentedSeq

            from salescli.core.model import key_order
            from salescli.store.yamlio import set_in

            if "stakeholders" not in data or data["stakeholders"] is None:
                set_in(data, "stakeholders", CommentedSeq(), key_order("deal"))
            people = data["stakeholders"]
            index = next((i for i, p in enumerate(people) if p.get("contact") == contact_id),
                         None)
            if remove:
                if index is None:
                    raise RecordNotFound(f"{contact_id} is not a stakeholder of {deal_id}")
                del people[index]
            elif index is None:
                people.append(flow({"contact": contact_id, **({"role": role} if role else {})}))
            elif role:
                people[index]["role"] = role

        s.summary = (f"stakeholder {contact_id} removed" if remove
                     else f"stakeholder {contact_id}" + (f" ({role})" if role else ""))
        s.update(record, change)
    done(s, f"Deal {deal_id}: {s.summary}")


@deal.group("item")
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
@click.option("--billing", type=click.Choice(["one-time", "monthly", "quarterly", "annually"]),
              help="How it is billed (default: the product's, else one-time).")
@click.option("--cycles", type=click.IntRange(min=1),
              help="Billing periods (default: one year of them).")
@click.option("--tax-rate", help="VAT percent (default: the product's).")
@click.option("--approved-by", metavar="NAME",
              help="Who approved a discount over the settings' threshold.")
@change_options
@click.pass_context
def deal_item_add(ctx: click.Context, deal_id: str, product: str | None, name: str | None,
                  quantity: str, unit: str | None, unit_price: Decimal | None, discount: str,
                  billing: str | None, cycles: int | None, tax_rate: str | None,
                  approved_by: str | None, date: str | None, message: str | None,
                  no_commit: bool) -> None:
    """Add an item: a price-list PRODUCT, or --name with --unit-price.

    \b
    Examples:
      salescli deal item add acme-erp silma-pro --quantity 12 --discount 10 --billing monthly
      salescli deal item add acme-erp --name "Integration work" --quantity 40 \\
          --unit h --unit-price 120 --tax-rate 25.5
    """
    from salescli.core.ids import check_id
    from salescli.store.yamlio import flow

    if bool(product) == bool(name):
        raise UsageError("give either a PRODUCT from products.yaml or --name")

    def number(value: str | None, what: str) -> Decimal | None:
        if value is None:
            return None
        try:
            result = Decimal(value)
        except ArithmeticError:
            result = None
        if result is None or not result.is_finite() or result < 0:
            raise UsageError(f"{what} must be a number of at least 0, not {value!r}")
        return result

    item: dict[str, Any] = {}
    if product:
        item["product"] = check_id(product, "product")
    else:
        item["name"] = name
    item["quantity"] = number(quantity, "--quantity")
    if unit:
        item["unit"] = unit
    if unit_price is not None:
        item["unit_price"] = unit_price
    if number(discount, "--discount"):
        item["discount"] = number(discount, "--discount")
    if billing:
        item["billing"] = billing
    if cycles:
        item["cycles"] = cycles
    if tax_rate is not None:
        item["tax_rate"] = number(tax_rate, "--tax-rate")
    with session(ctx, "deal", deal_id, "item", date, message, no_commit,
                 summary=f"item {product or name} x {quantity}") as s:
        record = s.load("deal", deal_id)
        threshold = s.repo.settings.discount_approval_threshold
        if item.get("discount", 0) > threshold and not (approved_by or record.model.approved_by):
            raise SalescliError(f"a {item['discount']}% discount is over the {threshold}% "
                                "approval threshold: add --approved-by NAME")
        if product and product not in {p.sku for p in s.repo.products.products}:
            raise UsageError(f"no product {product!r} in products.yaml")

        def add(data: Any) -> None:
            from ruamel.yaml.comments import CommentedSeq

            from salescli.core.model import key_order
            from salescli.store.yamlio import set_in

            if not data.get("items"):
                set_in(data, "items", CommentedSeq(), key_order("deal"))
            data["items"].append(flow(item))
            if approved_by:
                set_in(data, "approved_by", approved_by, key_order("deal"))

        s.update(record, add)
    done(s, f"Deal {deal_id}: added {s.summary}")


@deal_item.command("remove")
@DEAL_ID
@click.argument("which", metavar="NUMBER|PRODUCT")
@change_options
@click.pass_context
def deal_item_remove(ctx: click.Context, deal_id: str, which: str, date: str | None,
                     message: str | None, no_commit: bool) -> None:
    """Remove an item by its number in `deal show` (1, 2...) or its product.

    \b
    Example:
      salescli deal item remove acme-erp 2
    """
    with session(ctx, "deal", deal_id, "item", date, message, no_commit) as s:
        record = s.load("deal", deal_id)
        items = record.model.items
        if which.isdigit() and 1 <= int(which) <= len(items):
            index = int(which) - 1
        else:
            index = next((i for i, it in enumerate(items) if it.product == which), None)
            if index is None:
                raise RecordNotFound(f"{deal_id} has no item {which!r}; see `salescli deal "
                                     f"show {deal_id}` for the numbers")
        s.summary = f"remove item {items[index].product or items[index].name}"
        s.update(record, lambda data: data["items"].pop(index))
    done(s, f"Deal {deal_id}: {s.summary}")


def _register_edit() -> None:
    from salescli.cli.editor import make_edit_command

    deal.add_command(make_edit_command("deal"))


_register_edit()
