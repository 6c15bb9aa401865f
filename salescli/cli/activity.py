"""`salescli log`, `today` and `stale`: what happened, and what needs doing now."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from salescli.cli.common import (
    change_options,
    done,
    echo,
    format_option,
    get_repo,
    load_all,
    session,
    warn,
)
from salescli.errors import UsageError
from salescli.output import render

KINDS = ("deal", "lead", "account")


def resolve_target(repo: Any, target: str) -> tuple[str, str]:
    """`acme-erp` or `deal:acme-erp` -> (kind, id): deals first, then leads, then accounts."""
    from salescli.errors import RecordNotFound
    from salescli.ids import check_id

    kind, sep, record_id = target.partition(":")
    if sep:
        if kind not in KINDS:
            raise UsageError(f"unknown kind {kind!r} in {target!r}; use deal:, lead: or account:")
        repo.find(kind, record_id)
        return kind, record_id
    check_id(target, "record")
    found = []
    for kind in KINDS:
        try:
            repo.find(kind, target)
            found.append(kind)
        except RecordNotFound:
            continue
    if not found:
        raise UsageError(f"no deal, lead or account {target!r}")
    if len(found) > 1:
        raise UsageError(f"{target!r} is a {' and a '.join(found)}; say which, e.g. "
                         f"{found[0]}:{target}")
    return found[0], target


def _log_command(activity_type: str) -> click.Command:
    @click.command(activity_type)
    @click.argument("target", metavar="TARGET")
    @click.argument("summary")
    @click.option("--outcome", metavar="TEXT", help="What came of it.")
    @click.option("--status", type=click.Choice(["booked", "held", "cancelled"]),
                  help="Meetings: booked, held or cancelled (default: held, or booked when "
                       "--date is in the future).")
    @click.option("--with", "with_", multiple=True, metavar="CONTACT",
                  help="Contact IDs who took part (repeatable).")
    @click.option("--went-well", metavar="TEXT", help="VALKEA evaluation: what went well.")
    @click.option("--improve", metavar="TEXT", help="VALKEA evaluation: what to improve.")
    @change_options
    @click.pass_context
    def log_cmd(ctx: click.Context, target: str, summary: str, outcome: str | None,
                status: str | None, with_: tuple[str, ...], went_well: str | None,
                improve: str | None, date: str | None, message: str | None,
                no_commit: bool) -> None:
        from salescli.edit import default_owner, today
        from salescli.ids import check_id

        repo = get_repo(ctx)
        kind, record_id = resolve_target(repo, target)
        when = today(date)
        if activity_type == "meeting" and status is None:
            status = "booked" if when > dt.date.today() else "held"
        elif status and activity_type != "meeting":
            raise UsageError("--status is for meetings (booked, held, cancelled)")
        activity: dict[str, Any] = {"date": when, "type": activity_type, "summary": summary}
        if outcome:
            activity["outcome"] = outcome
        if status:
            activity["status"] = status
        if with_:
            activity["with"] = [check_id(c, "contact") for c in with_]
        if went_well or improve:
            activity["evaluation"] = {k: v for k, v in
                                      (("went_well", went_well), ("improve", improve)) if v}
        owner = default_owner(repo)
        if owner:
            activity["owner"] = owner
        with session(ctx, kind, record_id, "log", date, message, no_commit,
                     summary=f"{activity_type}: {summary}"[:72]) as s:
            record = s.load(kind, record_id)

            def append(data: Any) -> None:  # where the text cannot simply take the item
                from ruamel.yaml.comments import CommentedSeq

                from salescli.model import key_order
                from salescli.yamlio import block, flow, inline, set_in

                styled = dict(activity)  # `with` and `evaluation` written inline
                if "with" in styled:
                    styled["with"] = inline(styled["with"])
                if "evaluation" in styled:
                    styled["evaluation"] = flow(styled["evaluation"])
                if not data.get("activities"):
                    set_in(data, "activities", CommentedSeq(), key_order(kind))
                data["activities"].append(block(styled))

            s.append(record, "activities", activity, append)
        done(s, f"Logged {activity_type} on {kind} {record_id}")

    log_cmd.help = f"""Log a {activity_type} on a deal, lead or account (TARGET is its ID,
    or KIND:ID when IDs clash).

    \b
    Examples:
      salescli log {activity_type} acme-erp "Intro {activity_type}" --outcome "Next step agreed"
      salescli log meeting acme-erp "First meeting" --status held --went-well "Clear agenda" \\
          --improve "Ask about budget earlier"
    """
    return log_cmd


@click.group("log")
def log() -> None:
    """Record an activity: call, email, meeting, demo, note or task.

    \b
    Examples:
      salescli log call acme-erp "Intro call" --outcome "Meeting booked"
      salescli log meeting acme-erp "First meeting" --status held --went-well "..." --improve "..."
    """


for _type in ("call", "email", "meeting", "demo", "note", "task"):
    log.add_command(_log_command(_type))


# -------------------------------------------------------------------- views


def _last_touch(record: Any) -> dt.date:
    dates = [a.date for a in record.activities if a.status != "booked"]
    return max(dates) if dates else record.created


def stale_rows(repo: Any, deals: list[Any], on: dt.date) -> list[dict]:
    """Open deals longer in their stage than its max_days (time since they entered it)."""
    from salescli.history import stage_entered

    entered = stage_entered(repo.root, repo.git_dir)
    rows = []
    from salescli.errors import SalescliError

    for d in deals:
        if d.status != "open":
            continue
        try:
            pipe = repo.pipeline(d.pipeline)
        except SalescliError as err:  # one broken reference must not hide the others
            warn(f"warning: {d.id}: {err}")
            continue
        stage = next((s for s in pipe.stages if s.id == d.stage), None)
        if stage is None or not stage.max_days:
            continue
        since = max(entered.get(d.id, d.created), d.created)
        days = (on - since).days
        if days > stage.max_days:
            rows.append({"id": d.id, "title": d.title, "stage": d.stage, "since": since,
                         "days": days, "max_days": stage.max_days, "owner": d.owner})
    rows.sort(key=lambda r: -r["days"])
    return rows


def today_rows(repo: Any, on: dt.date) -> list[dict]:
    """Everything that needs attention on `on`, most urgent kind first."""
    settings = repo.settings
    deals = load_all(repo, "deal")
    rows: list[dict] = []

    def add(what: str, kind: str, r: Any, name: str, date: dt.date, detail: str) -> None:
        rows.append({"what": what, "kind": kind, "id": r.id, "name": name, "date": date,
                     "days": (on - date).days, "owner": r.owner, "detail": detail})

    for d in deals:
        if d.status == "open":
            ns = d.next_step
            if ns and ns.due and ns.due <= on:
                add("overdue" if ns.due < on else "due", "deal", d, d.title, ns.due,
                    ns.action or "next step")
            if d.close_date and d.close_date < on:
                add("close-date-passed", "deal", d, d.title, d.close_date,
                    "update close_date, win or lose it")
            touched = _last_touch(d)
            if (on - touched).days >= settings.follow_up_days:
                add("untouched", "deal", d, d.title, touched,
                    f"no activity for {(on - touched).days} days")
        elif d.status == "lost" and d.revisit and d.revisit <= on:
            add("revisit", "deal", d, d.title, d.revisit, f"lost ({d.lost_reason}): come back")
    for r in stale_rows(repo, deals, on):
        rows.append({"what": "stale", "kind": "deal", "id": r["id"], "name": r["title"],
                     "date": r["since"], "days": r["days"], "owner": r["owner"],
                     "detail": f"in {r['stage']} for {r['days']} days (max {r['max_days']})"})
    sla = settings.lead_first_contact_sla_days
    for lead in load_all(repo, "lead"):
        if lead.status == "new" and not lead.activities and (on - lead.created).days > sla:
            add("lead-sla", "lead", lead, lead.company, lead.created,
                f"not contacted within {sla} days")
    order = ["overdue", "due", "stale", "close-date-passed", "untouched", "revisit", "lead-sla"]
    rows.sort(key=lambda r: (order.index(r["what"]), r["date"], r["id"]))
    return rows


ON = click.option("--on", "on", metavar="DATE",
                  help="Evaluate as of this date instead of today (YYYY-MM-DD).")
OWNER = click.option("--owner", help="Only this owner's records.")


def _on(value: str | None) -> dt.date:
    from salescli.edit import today

    return today(value)


@click.command("today")
@ON
@OWNER
@format_option()
@click.pass_context
def today_cmd(ctx: click.Context, on: str | None, owner: str | None, fmt: str) -> None:
    """What needs you today: next steps due or overdue, stale deals, close dates passed,
    deals untouched for follow_up_days, revisits due, leads past the first-contact SLA.

    \b
    Examples:
      salescli today
      salescli today --owner anna --format json
    """
    repo = get_repo(ctx)
    day = _on(on)
    rows = [r for r in today_rows(repo, day) if not owner or r["owner"] == owner]
    columns = ("what", "kind", "id", "name", "date", "days", "owner", "detail")
    payload = {"date": day, "rows": rows}
    echo(render(rows, columns, fmt, payload=payload))


@click.command("stale")
@ON
@OWNER
@format_option()
@click.pass_context
def stale_cmd(ctx: click.Context, on: str | None, owner: str | None, fmt: str) -> None:
    """Open deals longer in their stage than its max_days, longest first.

    The time counts from when the deal entered its stage, read from git history.

    \b
    Example:
      salescli stale --format markdown
    """
    repo = get_repo(ctx)
    day = _on(on)
    rows = [r for r in stale_rows(repo, load_all(repo, "deal"), day)
            if not owner or r["owner"] == owner]
    columns = ("id", "title", "stage", "since", "days", "max_days", "owner")
    echo(render(rows, columns, fmt, payload={"date": day, "rows": rows}))
