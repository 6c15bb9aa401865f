"""The command line: the only package that knows about the terminal.

Subcommands load lazily so `salescli --help` imports nothing heavy (SPEC §9).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from salescli import __version__
from salescli.cli.common import FolderType
from salescli.cli.common import Group
from salescli.core.errors import EnvironmentProblem
from salescli.core.errors import Failed
from salescli.core.errors import RecordNotFound
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError

# Each command: its name, where it lives under salescli.cli ("module:attribute", imported
# only when the command runs or its help is shown), and the summary that --help lists.
_COMMANDS = """
init          setup:init_cmd          Create a pipeline repository.
demo          demo:demo_cmd           Build a demo repository with two years of history.
check         setup:check_cmd         Validate every record, pipeline and setting.
account       account:account         Accounts (organisations) and their contacts.
contact       account:contact         Contacts of an account.
lead          lead:lead               Leads before they become accounts and deals.
deal          deal:deal               Deals moving through a pipeline.
schema        setup:schema_cmd        Print the JSON Schema of a record kind.
log           activity:log            Record a call, email, meeting, demo, note or task.
task          tasks:task              Tasks due on a deal, lead or account.
meeting       tasks:meeting           Mark booked meetings and demos held or cancelled.
calendar      tasks:calendar_cmd      Meetings, tasks and next steps as an iCalendar feed.
today         activity:today_cmd      What needs attention today.
stale         activity:stale_cmd      Deals past their stage's max_days.
board         board:board_cmd         Open deals as columns per stage.
invoice       invoices:invoice_cmd    Invoice a won deal for a billing period, or credit an invoice.
quote         documents:quote_group   Make a deal's quote; record its acceptance or rejection.
order         documents:order_cmd     Record a numbered order confirmation of an accepted quote.
agenda        documents:agenda_cmd    A VALKEA meeting agenda for a deal.
render        documents:render_cmd    Render any template for a record.
report        report:report           Funnel, forecast and other reports from history.
review        review:review_cmd       What a branch or pull request does to deals.
hook          hooks:hook              Install or remove the commit hooks and the merge driver.
merge-driver  hooks:merge_driver_cmd  Merge two edits of a record field by field (git runs this).
import        imports:import_group    Import a Pipedrive export or a CSV, with backdated history.
sql           sql:sql_cmd             Ask the records anything in SQL (read-only).
export        export:export_cmd       Export records and deal history as CSV, JSON Lines or SQLite.
"""
COMMANDS = {name: (f"salescli.cli.{where}", summary) for name, where, summary in
            (line.split(None, 2) for line in _COMMANDS.strip().splitlines())}


class LazyGroup(Group):
    """A group whose subcommands are imported on first use; domain errors become one line."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attr = self.lazy[name][0].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table above, so --help does not import every command.
        rows = [(name, self.lazy[name][1]) for name in sorted(self.lazy)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            # Python decodes non-UTF-8 argv bytes to lone surrogates, which fail only
            # later, when a value is encoded for a file: refuse them before any work.
            if any("\ud800" <= ch <= "\udfff" for ch in arg):
                shown = arg.encode("utf-8", "replace").decode("utf-8")
                raise _terminal_safe(as_click(UsageError(
                    f"argument {shown!r} is not valid UTF-8 text; check the terminal's encoding")))
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # `salescli --nope`
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        # every error of a subcommand, click's own too ("Got unexpected extra argument (...)")
        try:
            return self._invoke(ctx)
        except click.UsageError as exc:  # click's own: a missing argument, a bad choice...
            raise _one_line(exc) from None
        except click.ClickException as exc:
            raise _terminal_safe(exc) from None

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Failed as err:  # the command's output said what failed
            raise click.exceptions.Exit(exit_code(err)) from None
        except RecordNotFound as err:
            raise as_click(err, near_id(ctx, err)) from None
        except SalescliError as err:
            raise as_click(err) from None
        except ValueError as err:
            # the model's ValidationError on input a command did not check itself:
            # still one line, never a traceback
            if type(err).__name__ != "ValidationError":
                raise
            first = err.errors()[0]  # type: ignore[attr-defined]
            where = ".".join(str(p) for p in first["loc"])
            raise as_click(UsageError(f"{where}: {first['msg']}")) from None
        except OSError as err:
            if isinstance(err, BrokenPipeError):
                raise
            if isinstance(err, FileNotFoundError) and err.filename == "git":
                raise as_click(EnvironmentProblem(
                    "git is not installed or not on PATH; install git and try again")) from None
            where = f"{err.filename}: " if err.filename else ""
            raise as_click(EnvironmentProblem(f"{where}{err.strerror or err}")) from None


# The one map from an error's category to the exit code (README, "Exit codes"):
# the first category the error belongs to decides.
EXIT_CODES: tuple[tuple[type[SalescliError], int], ...] = (
    (UsageError, 2),          # called wrongly: malformed ID, date or amount, unknown stage...
    (RecordNotFound, 1),      # the record (or its contact, item, stakeholder) is not there
    (EnvironmentProblem, 1),  # not a repository, git missing or failing, lock held
    (Failed, 1),              # the output said what failed (check's findings)
    (SalescliError, 1),       # refused by a rule or by validation
)


def exit_code(err: SalescliError) -> int:
    return next(code for category, code in EXIT_CODES if isinstance(err, category))


def as_click(err: SalescliError, hint: str = "") -> click.ClickException:
    """The error as click prints it: `Error: MESSAGE` on stderr, exit by its category."""
    exc = click.ClickException(str(err) + hint)
    exc.exit_code = exit_code(err)
    return exc


def near_id(ctx: click.Context, err: RecordNotFound) -> str:
    """` (did you mean `acme-erp`?)` for a record ID not found, from the IDs the record
    index holds; "" when none is near or the IDs cannot be read."""
    if not err.record_id:
        return ""
    from salescli.cli.common import did_you_mean
    from salescli.cli.common import get_repo
    from salescli.services.read import record_ids

    try:
        return did_you_mean(err.record_id, record_ids(get_repo(ctx), err.kinds))
    except (SalescliError, OSError):  # the error stands without its hint
        return ""


def _one_line(exc: click.UsageError) -> click.ClickException:
    """click's usage error as every error is (README, "Exit codes"): one line, exit 2,
    `Error: Missing argument 'DEAL' (see `salescli deal show --help`)`, not the usage
    block above click's message."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):  # `salescli deal`: its help
        return exc
    message = exc.format_message().rstrip(".")
    if exc.ctx and "`salescli " not in message:  # (a message may name its own way out)
        path = exc.ctx.command_path.split(" ", 1)[1:]  # the program as its users call it
        message += f" (see `{' '.join(['salescli', *path])} --help`)"
    return _terminal_safe(as_click(UsageError(message)))


def _terminal_safe(exc: click.ClickException) -> click.ClickException:
    """The error with control characters escaped, line breaks and tabs too: messages
    echo IDs, values and paths, and an error is one line (`no item 'a\\nb'`)."""
    from salescli.core.output import terminal_safe

    exc.message = terminal_safe(exc.message, cell=True)
    return exc


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-C", "--repo", "repo", metavar="PATH", envvar="SALESCLI_REPO",
              # only "" here: a typo or a file is said as `git -C` says it, and a folder
              # one may enter but not list is one to run in, as for git
              type=FolderType(readable=False),
              help="Run as if started in PATH (also env SALESCLI_REPO).")
@click.version_option(__version__, prog_name="salescli")
@click.pass_context
def cli(ctx: click.Context, repo: str | None) -> None:
    """A git-native sales pipeline: deals, accounts and leads as YAML files in git.

    \b
    Examples:
      salescli init crm && cd crm
      salescli check
      salescli deal list --stage proposal --format json
    """
    ctx.obj = {"repo": repo}


def _output_streams() -> None:
    """stdout and stderr that take any text. A closed one (`salescli today >&-`) is
    /dev/null. Where the locale's encoding is not UTF-8 (latin-1 has no € and no box
    lines), a terminal shows what it cannot as `?`, and a pipe or file gets UTF-8, the
    records' own encoding (as git writes), so no script's data is altered."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
            continue
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding in ("utf8", "") or not hasattr(stream, "reconfigure"):
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8")
        except (OSError, ValueError):  # (a stream that cannot say or change)
            continue


def main() -> None:
    from salescli.store import runtime

    runtime.FREEZE_LOADED = True  # one command, one process (runtime.plain_loads)
    _output_streams()
    try:
        cli.main(prog_name="salescli")
    except BrokenPipeError:
        # `salescli deal list | head`: the reader left; exit quietly like git does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
