"""`salescli log`, `today` and `stale`: what happened, and what needs doing now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click

from salescli.cli.common import DATE
from salescli.cli.common import KNOWN_OWNER
from salescli.cli.common import MEETING_STATUSES
from salescli.cli.common import NO_CACHE
from salescli.cli.common import Group
from salescli.cli.common import a
from salescli.cli.common import change_options
from salescli.cli.common import complete_choices
from salescli.cli.common import complete_ids
from salescli.cli.common import day_at
from salescli.cli.common import done
from salescli.cli.common import echo
from salescli.cli.common import fit_width
from salescli.cli.common import format_option
from salescli.cli.common import get_repo
from salescli.cli.common import number_style
from salescli.cli.common import render
from salescli.cli.common import render_wrapped
from salescli.cli.common import warn
from salescli.services.activity import TARGETS
from salescli.services.activity import log_activity
from salescli.services.activity import reasons_text
from salescli.services.activity import stale_shown
from salescli.services.activity import today_shown
from salescli.services.options import Options


def _log_command(activity_type: str) -> click.Command:
    @click.command(activity_type)
    @click.argument("target", metavar="TARGET",
                    shell_complete=complete_ids(TARGETS))
    @click.argument("summary")
    @click.option("--outcome", metavar="TEXT", help="What came of it.")
    @click.option("--status", type=click.Choice(MEETING_STATUSES),
                  help="Meetings and demos: booked, held or cancelled (default: held, or "
                       "booked when --date is in the future).")
    @click.option("--with", "with_", multiple=True, metavar="CONTACT",
                  help="Contact IDs who took part (repeatable): contacts of the account, "
                  "or of the deal's account.")
    @click.option("--went-well", metavar="TEXT", help="VALKEA evaluation: what went well.")
    @click.option("--improve", metavar="TEXT", help="VALKEA evaluation: what to improve.")
    @change_options
    @click.pass_context
    def log_cmd(ctx: click.Context, target: str, summary: str, outcome: str | None,
                status: str | None, with_: tuple[str, ...], went_well: str | None,
                improve: str | None, opts: Options) -> None:
        change, kind, record_id, activity, contacted = log_activity(
            get_repo(ctx), activity_type, target, summary, outcome=outcome, status=status,
            with_=with_, went_well=went_well, improve=improve, opts=opts)
        # the day it landed on, said: `--date tuesday` is the last one (`next tuesday` ahead)
        when = ", ".join(v for v in (day_at(activity["date"], activity.get("time")),
                                     activity.get("status")) if v)
        done(change, f"Logged {activity_type} on {kind} {record_id}: {when}"
                     + ("; new -> contacted" if contacted else ""))
        if activity_type == "task":  # one to do is `task add`: today and calendar show it
            warn(f"note: a logged task is one done; to be reminded of one to do: salescli "
                 f"task add {target} SUMMARY --due DATE")

    log_cmd.help = f"""Log {a(activity_type)} on a deal, lead or account (TARGET is its ID,
    or KIND:ID when IDs clash). A call, email, meeting or demo on a new lead marks it
    contacted in the same commit, as `lead contact` does.

    \b
    Examples:
      salescli log {activity_type} acme-erp "Intro {activity_type}" --outcome "Next step agreed"
      salescli log meeting acme-erp "First meeting" --status held --went-well "Clear agenda" \\
          --improve "Ask about budget earlier"
    """
    return log_cmd


@click.group("log", cls=Group)
def log() -> None:
    """Record an activity: call, email, meeting, demo, note or task.

    \b
    Examples:
      salescli log call acme-erp "Intro call" --outcome "Meeting booked"
      salescli log meeting acme-erp "First meeting" --status held --went-well "..." --improve "..."
    """


for _type in ("call", "email", "meeting", "demo", "note", "task"):
    log.add_command(_log_command(_type))


def on_option(help: str) -> Callable[[Callable], Callable]:
    return click.option("--on", "on", metavar="DATE", type=DATE, help=help)


OWNER = click.option("--owner", type=KNOWN_OWNER, help="Only this owner's records.",
                     shell_complete=complete_choices("owners"))


@click.command("today")
@on_option("The day to look at instead of today (tomorrow, friday, 2026-12-24...), with "
           "the records as they are now.")
@click.option("--owner", type=KNOWN_OWNER, help="Only this owner's records; of others', "
              "their tasks due, the meetings they booked and the discounts they may "
              "approve.",
              shell_complete=complete_choices("owners"))
@click.option("--limit", type=click.IntRange(min=1), metavar="N",
              help="Only the first N records, after sorting.")
@click.option("--width", type=click.IntRange(40), metavar="N",
              help="Columns the table fits, each reason on a line of its own (default: "
              "the terminal's; into a pipe, a record a line).")
@NO_CACHE
@format_option()
@click.pass_context
def today_cmd(ctx: click.Context, on: str | None, owner: str | None, limit: int | None,
              width: int | None, no_cache: bool, fmt: str) -> None:
    """What needs you today: each deal, lead or account once, with all its reasons.

    \b
    A record's group is its most urgent reason; groups, most urgent first:
      meeting            an activity booked for the day (status: booked)
      did-it-happen      a meeting booked for a past day, not marked held or cancelled
                         (`salescli meeting held|cancelled TARGET N`); not on a
                         lost deal or a disqualified lead
      overdue            next step or task past its due date
      due                next step or task due that day (`salescli task done TARGET N`)
      approval           a discount awaiting approval (with --owner: the approver's too)
      quote-expiring     a sent quote whose validity ends within 7 days
                         (`salescli quote accept DEAL NUMBER` when the customer says yes)
      lead-sla           new lead not contacted within the first-contact SLA
      close-date-passed  open deal whose close date has passed
      stale              longer in its stage than the stage's max_days
      untouched          no activity for follow_up_days
      revisit            lost deal whose revisit date has come
      after-sales        won customer (an account with a won deal) with no activity on
                         it or its deals for after_sales_days (salescli.yaml; 0: off)

    Within a group, by weighted value, largest first (value x probability: the deal's
    own, else its stage's; a won deal counts in full, a lost deal and a lead count 0),
    then by the date of the group's reason, oldest first.

    A table or CSV line per record joins its reasons with `; `; JSON lists them as
    {what, date, days, detail, text}.

    \b
    Examples:
      salescli today --limit 10
      salescli today --owner anna --format json
    """
    repo = get_repo(ctx)
    fits = fit_width(width) if fmt == "table" else None

    def show(day: dt.date, rows: list[dict]) -> str:
        if fmt == "json":
            return render(rows, (), fmt, payload={"date": day, "rows": rows})
        for r in rows:  # a lead or an account has no value: no weighted one to show
            if r["value"] is None:
                r["weighted"] = None
        columns = ("group", "kind", "id", "name", "owner", "weighted", "currency", "reasons")
        if fmt == "csv":
            columns = ("group", "kind", "id", "name", "owner", "weighted", "currency",
                       "value", "probability", "date", "days", "reasons")
        style = number_style(repo, fmt)
        if fits:  # a terminal: a reason a line, wrapped under its column; if narrow, fewer
            # columns (the ID is what commands take; the weighted value has its currency)
            def texts(r: dict) -> list[str]:
                return [x["text"] for x in r["reasons"]]

            text = render_wrapped(rows, columns, texts, fits, style) or render_wrapped(
                rows, ("group", "id", "owner", "weighted", "reasons"), texts, fits, style,
                20, stack=True)
            if text:
                return text
        for r in rows:  # its reasons as one line (the rows are this run's own: 2,900
            r["reasons"] = reasons_text(r)  # copies of them cost 4 ms on 10,000 deals)
        return render(rows, columns, fmt, style=style)

    # what it printed is kept, by the format and the width: run again with nothing
    # changed, it is printed again as it was
    echo(today_shown(repo, on, owner, warn, [fmt, fits], show, use_cache=not no_cache,
                     limit=limit))


@click.command("stale")
@on_option("Evaluate on this date instead of today (2026-11-30, 7d for a week ago...); "
           "a past day shows the deals as they stood then, from history.")
@OWNER
@NO_CACHE
@format_option()
@click.pass_context
def stale_cmd(ctx: click.Context, on: str | None, owner: str | None, no_cache: bool,
              fmt: str) -> None:
    """Open deals longer in their stage than its max_days, longest first.

    The time counts from when the deal entered its stage, read from git history.

    \b
    Example:
      salescli stale --format markdown
    """
    repo = get_repo(ctx)

    def show(day: dt.date, rows: list[dict]) -> str:
        columns = ("id", "title", "stage", "since", "days", "max_days", "owner")
        return render(rows, columns, fmt, payload={"date": day, "rows": rows},
                      style=number_style(repo, fmt))

    # kept, as `today`'s output is: run again with nothing changed, printed as it was
    echo(stale_shown(repo, on, owner, warn, [fmt], show, use_cache=not no_cache))
