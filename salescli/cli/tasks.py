"""`salescli task`, `meeting` and `calendar`: scheduled work and where it shows up."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any

import click

from salescli.cli.common import DATE
from salescli.cli.common import KNOWN_OWNER
from salescli.cli.common import NO_CACHE
from salescli.cli.common import Group
from salescli.cli.common import change_options
from salescli.cli.common import complete_choices
from salescli.cli.common import complete_ids
from salescli.cli.common import done
from salescli.cli.common import echo
from salescli.cli.common import format_option
from salescli.cli.common import get_repo
from salescli.cli.common import out_path
from salescli.cli.common import render
from salescli.cli.common import warn
from salescli.services.activity import TARGETS
from salescli.services.calendar import write_calendar
from salescli.services.options import Options
from salescli.services.tasks import add_task
from salescli.services.tasks import complete_task
from salescli.services.tasks import mark_meeting
from salescli.services.tasks import meeting_list
from salescli.services.tasks import task_list

TARGET = click.argument("target", metavar="TARGET",
                        shell_complete=complete_ids(TARGETS))
class Position(click.IntRange):
    """An activity's N as `task list` / `meeting list` number them, from 1."""

    def __init__(self, listing: str):
        super().__init__(min=1)
        self.listing = listing

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            target = (ctx.params.get("target") if ctx else None) or "TARGET"
            self.fail(f"{value!r} is no {self.listing}'s number: N is the `n` column of "
                      f"`salescli {self.listing} list {target}` (1, 2...)", param, ctx)


def position_arg(listing: str) -> Callable:
    return click.argument("number", metavar="N", type=Position(listing))


@click.group("task", cls=Group)
def task() -> None:
    """Tasks: work due on a deal, lead or account, listed by `today` until done.

    A task is an activity with `due` (and `done` once done). N is the activity's
    number in the record (its place in `activities:`, from 1), as `task list` shows
    it: numbers never change when other tasks are done or activities logged.

    \b
    Examples:
      salescli task add acme-erp "Send the contract" --due friday
      salescli task list --owner anna --due-before +1w
      salescli task done acme-erp 4
    """


@task.command("add")
@TARGET
@click.argument("summary")
@click.option("--due", required=True, metavar="DATE", type=DATE,
              help="When it is due: YYYY-MM-DD, tomorrow, friday, +3d, +2w...")
@click.option("--owner", metavar="OWNER", shell_complete=complete_choices("owners"),
              help="Whose task it is (default: yours, as in `log`).")
@change_options
@click.pass_context
def task_add(ctx: click.Context, target: str, summary: str, due: dt.date, owner: str | None,
             opts: Options) -> None:
    """Add a task due on a day to a deal, lead or account (TARGET is its ID, or KIND:ID).

    \b
    Examples:
      salescli task add acme-erp "Send the contract" --due 2026-12-04
      salescli task add lead:nordic-ai "Call back" --due tomorrow --owner anna
    """
    change, kind, record_id, number = add_task(
        get_repo(ctx), target, summary, due, owner=owner, opts=opts)
    done(change, f"Added task {number} to {kind} {record_id}")


@task.command("done")
@TARGET
@position_arg("task")
@change_options
@click.pass_context
def task_done(ctx: click.Context, target: str, number: int, opts: Options) -> None:
    """Record task N of a record as done (today, or --date).

    \b
    Examples:
      salescli task done acme-erp 4
      salescli task done acme-erp 4 --date yesterday
    """
    change, kind, record_id, task = complete_task(get_repo(ctx), target, number, opts)
    was = f", on {task.done.isoformat()}" if task.done is not None else ""
    done(change, f"Done: task {number} of {kind} {record_id}{was}")


@task.command("list")
@click.argument("target", metavar="[TARGET]", required=False,
                shell_complete=complete_ids(TARGETS))
@click.option("--owner", type=KNOWN_OWNER, help="Only this owner's tasks (a task without "
              "an owner is its record's owner's).", shell_complete=complete_choices("owners"))
@click.option("--due-before", metavar="DATE", type=DATE,
              help="Only tasks due on or before this day.")
@click.option("--all", "every", is_flag=True, help="Done tasks too, with the day done.")
@NO_CACHE
@format_option()
@click.pass_context
def task_list_cmd(ctx: click.Context, target: str | None, owner: str | None,
                  due_before: dt.date | None, every: bool, no_cache: bool, fmt: str) -> None:
    """Open tasks, soonest due first: everyone's, one owner's or one record's.

    N is what `task done TARGET N` takes.

    \b
    Examples:
      salescli task list
      salescli task list acme-erp --all
      salescli task list --owner anna --due-before +1w --format csv
    """
    rows = task_list(get_repo(ctx), target, owner, due_before, every, warn, use_cache=not no_cache)
    columns = ("due", "kind", "id", "n", "summary", "owner")
    echo(render(rows, columns + ("done",) if every else columns, fmt))


@click.group("meeting", cls=Group)
def meeting() -> None:
    """Booked meetings and demos: list a record's, mark one held or cancelled.

    `log meeting` (or `log demo`) books one (a date ahead) or records one held. N is
    the activity's number in the record, as `meeting list` and `today` show it.

    \b
    Examples:
      salescli log meeting acme-erp "Demo" --date 2026-12-08
      salescli meeting list acme-erp
      salescli meeting held acme-erp 3
    """


@meeting.command("held")
@TARGET
@position_arg("meeting")
@click.option("--outcome", metavar="TEXT", help="What came of it.")
@click.option("--went-well", metavar="TEXT", help="VALKEA evaluation: what went well.")
@click.option("--improve", metavar="TEXT", help="VALKEA evaluation: what to improve.")
@change_options
@click.pass_context
def meeting_held(ctx: click.Context, target: str, number: int, outcome: str | None,
                 went_well: str | None, improve: str | None, opts: Options) -> None:
    """Mark meeting N of a record held, with what came of it and its evaluation.

    A meeting booked for a later day is held on that day or later.

    \b
    Example:
      salescli meeting held acme-erp 3 --outcome "Pilot agreed" --went-well "Clear agenda" \\
          --improve "Ask about budget earlier"
    """
    change, kind, record_id, _ = mark_meeting(get_repo(ctx), target, number, "held", opts,
                                              outcome, went_well, improve)
    done(change, f"Meeting {number} of {kind} {record_id}: held")


@meeting.command("cancelled")
@TARGET
@position_arg("meeting")
@change_options
@click.pass_context
def meeting_cancelled(ctx: click.Context, target: str, number: int, opts: Options) -> None:
    """Mark meeting N of a record cancelled.

    \b
    Example:
      salescli meeting cancelled acme-erp 3
    """
    change, kind, record_id, _ = mark_meeting(get_repo(ctx), target, number, "cancelled",
                                              opts)
    done(change, f"Meeting {number} of {kind} {record_id}: cancelled")


@meeting.command("list")
@TARGET
@NO_CACHE
@format_option()
@click.pass_context
def meeting_list_cmd(ctx: click.Context, target: str, no_cache: bool, fmt: str) -> None:
    """A record's meetings (booked, held or cancelled) with their numbers.

    \b
    Example:
      salescli meeting list acme-erp
    """
    rows = meeting_list(get_repo(ctx), target, warn, use_cache=not no_cache)
    echo(render(rows, ("n", "date", "time", "status", "type", "summary"), fmt))


@click.command("calendar")
@click.option("--out", "out", metavar="FILE.ics", required=True,
              help="The iCalendar file to write ('-' for standard output).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--owner", type=KNOWN_OWNER, help="Only this owner's: their tasks, their "
              "records' meetings and next steps, and the meetings they booked.",
              shell_complete=complete_choices("owners"))
@NO_CACHE
@click.pass_context
def calendar_cmd(ctx: click.Context, out: str, force: bool, owner: str | None,
                 no_cache: bool) -> None:
    """Write booked meetings, open tasks and deals' next steps as an iCalendar feed.

    Each is an all-day event, except a meeting or demo booked at a time of day: an
    hour from then, in UTC. UIDs come from the record ID and the activity's number
    (or `next-step`), so importing or subscribing again updates events instead of
    duplicating them.

    \b
    Examples:
      salescli calendar --out ~/sales.ics
      salescli calendar --out ~/sales.ics --owner anna --force
    """
    target = out_path(out, force)
    count, feed = write_calendar(get_repo(ctx), target, owner, warn,
                                 use_cache=not no_cache)
    if target is None:  # `--out -`: the feed itself, CRLF as RFC 5545 has it, for a pipe
        stream = sys.stdout.buffer
        if stream.isatty():  # for people: no escape sequence of a record reaches it
            echo(feed.replace("\r\n", "\n").rstrip("\n"))
        else:
            stream.write(feed.encode("utf-8"))
        return
    echo(f"Wrote {count} event{'' if count == 1 else 's'} to {target}")
