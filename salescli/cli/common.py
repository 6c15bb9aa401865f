"""Options and helpers every command shares."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

# What every command needs from the core to report and print, in one place: the
# other cli/ modules import only the services and this module (tests/test_layers.py).
from salescli.core.errors import Failed  # noqa: F401
from salescli.core.errors import RecordNotFound  # noqa: F401
from salescli.core.errors import SalescliError  # noqa: F401
from salescli.core.errors import UsageError  # noqa: F401
from salescli.core.output import FORMATS  # noqa: F401
from salescli.core.output import day_at  # noqa: F401
from salescli.core.output import dumps_json  # noqa: F401
from salescli.core.output import fit_pairs  # noqa: F401
from salescli.core.output import json_array  # noqa: F401
from salescli.core.output import render  # noqa: F401
from salescli.core.output import render_fields  # noqa: F401
from salescli.core.output import render_wrapped  # noqa: F401
from salescli.core.output import terminal_safe  # noqa: F401
from salescli.core.output import to_jsonable  # noqa: F401
from salescli.core.output import totals_text  # noqa: F401
from salescli.core.vocabulary import BILLING  # noqa: F401
from salescli.core.vocabulary import DEAL_STATUSES  # noqa: F401
from salescli.core.vocabulary import LEAD_STATUSES  # noqa: F401
from salescli.core.vocabulary import MEETING_STATUSES  # noqa: F401
from salescli.core.words import a  # noqa: F401
from salescli.core.words import did_you_mean  # noqa: F401
from salescli.core.words import unknown  # noqa: F401
from salescli.services.options import Options


def get_repo(ctx: click.Context) -> Any:
    from salescli.store.repo import Repository

    root = ctx.find_root()
    # completing a word, click parses `-C PATH` but runs no group callback (no obj)
    path = (root.obj or {}).get("repo") or root.params.get("repo")
    # the shell leaves the `~` of a word being completed to us
    return Repository.discover(os.path.expanduser(path) if path else None)


def format_option(default: str = "table", choices: tuple[str, ...] = FORMATS) -> Callable:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True,
        help="Output format; json is stable for scripts.",
    )


def complete_ids(kind: str | tuple[str, ...], statuses: Sequence[str] = ()) -> Callable:
    """Shell completion of record IDs from the repository in the current directory (of
    one kind, or several: `log`'s target); with `statuses`, only the records in those
    statuses, the ones the command accepts."""
    kinds = (kind,) if isinstance(kind, str) else kind

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        from salescli.services.read import record_ids

        try:
            return [i for i in record_ids(get_repo(ctx), kinds, statuses)
                    if i.startswith(incomplete)]
        except Exception:  # completion must never print a traceback into the shell
            return []

    return complete


class Group(click.Group):
    """A command group whose unknown command is one line with a did-you-mean, exit 2:
    `no command `deals` (did you mean `deal`?)`."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        # an option where a command goes is click's to report (`--help`, a typo'd option)
        if name and not name.startswith("-") and not ctx.resilient_parsing \
                and self.get_command(ctx, name) is None:
            path, up = [], ctx
            while up.parent is not None:  # the command's path as the user typed it
                path.append(up.info_name)
                up = up.parent
            where = " ".join(["salescli", *reversed(path)])
            hint = did_you_mean(name, self.list_commands(ctx))
            # the domain's error: one line (click's own adds the usage), exit 2
            raise UsageError(f"no command `{name}`" + (f" in `{where}`" if ctx.parent else "")
                             + (hint or f"; see `{where} --help`"))
        return super().resolve_command(ctx, args)


def fit_width(width: int | None) -> int | None:
    """The columns a table for people fits: `--width`, else the terminal's when
    printing to one; None (no limit) into a pipe or a file, one record a line."""
    import sys

    if width:
        return width
    if not sys.stdout.isatty():
        return None
    import shutil  # only for a terminal: it loads the compression modules (2 ms)

    return shutil.get_terminal_size().columns


def echo(text: str) -> None:
    """Print for people: a value from a record cannot drive the terminal (ESC shows `\\x1b`)."""
    text = terminal_safe(text) + "\n"
    if len(text) <= _CHUNK:
        click.echo(text, nl=False)
        return
    # a long output in pieces: one write of it all, cut short by a reader that left
    # (`| head -1`), reports the part the pipe took and drops the rest unsaid; piece by
    # piece, the next write says BrokenPipeError (exit 1, README "Exit codes")
    import sys

    stream = sys.stdout
    for i in range(0, len(text), _CHUNK):
        stream.write(text[i:i + _CHUNK])
    stream.flush()


_CHUNK = 8192  # characters: each piece fits the stream's buffer


def warn(text: str) -> None:
    """A warning on stderr, once a run (the parts of a command may each come across it)."""
    ctx = click.get_current_context(silent=True)
    said = ctx.find_root().meta.setdefault("salescli.warned", set()) if ctx else set()
    if text not in said:
        said.add(text)
        click.echo(terminal_safe(text), err=True)


def change_options(func: Callable) -> Callable:
    """--date, -m/--message and --no-commit, the same on every mutating command, handed
    to it as one `opts: Options` (how the change is recorded: what every service takes)."""
    import functools

    @functools.wraps(func)  # keeps the options declared below this decorator
    def command(*args: Any, date: Any = None, message: str | None = None,
                no_commit: bool = False, **kwargs: Any) -> Any:
        return func(*args, opts=Options(date, message, not no_commit), **kwargs)

    command = click.option("--no-commit", is_flag=True,
                           help="Write the files but do not commit them.")(command)
    command = click.option("-m", "--message", metavar="TEXT",
                           help="Extra text for the commit message body.")(command)
    command = click.option("--date", metavar="DATE", type=DATE,
                           help="When it happened (YYYY-MM-DD, an ISO date-time, "
                           "\"yesterday 15:00\"...): the commit's author date and the "
                           "record's dates.")(command)
    return command


def _option_name(param: click.Parameter | None, default: str) -> str:
    if param is None:
        return default
    return max(param.opts, key=len) if isinstance(param, click.Option) else param.name or default


class FolderType(click.Path):
    """A folder to make or work in: `""` (a script's unset variable) is refused, never
    taken as the current folder, as an empty ID or option value is."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("empty; give a folder (`.` is this one)", param, ctx)
        return super().convert(value, param, ctx)


class DateType(click.ParamType):
    """Every date option: YYYY-MM-DD, or an ISO date-time where a moment counts (`--date`).

    A bad date is a usage error naming the option, on one line (exit 2).
    """

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        from salescli.core.dates import parse_when

        return parse_when(value, _option_name(param, "date"))


class MoneyType(click.ParamType):
    """Every money option (`--value`, `--unit-price`): Decimal cents, never negative."""

    name = "amount"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        from salescli.core.money import parse_money

        return parse_money(value, _option_name(param, "amount"))


class PipelineType(click.ParamType):
    """A pipeline named on the command line: a file in pipelines/, else a usage error."""

    name = "pipeline"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from salescli.core.ids import check_id

        check_id(value, "pipeline")
        if ctx is None:
            return value
        return _one_of(value, [p.stem for p in get_repo(ctx).pipeline_paths()], param,
                       "pipeline", "pipelines/")


class StageType(click.ParamType):
    """A stage named to filter by: a stage of some pipeline, or one deals are still in
    (a stage renamed or removed: their way to be found and moved), else a usage error.

    (A stage to move a deal into must be one of the deal's pipeline: see `known_stage`.)
    """

    name = "stage"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        if ctx is None:
            return value

        repo = get_repo(ctx)
        names: list[str] = []
        broken: list[str] = []
        for path in repo.pipeline_paths():
            try:
                names += [s.id for s in repo.pipeline(path.stem).stages if s.id not in names]
            except SalescliError:  # a broken pipeline is `check`'s to report, not a filter's
                broken.append(path.relative_to(repo.root).as_posix())
        if value not in names:
            from salescli.services.read import filter_values

            if value in filter_values(repo, "stage", not ctx.params.get("no_cache")):
                return value
        # the stage may well be in a pipeline that cannot be read: say so, not "choose one of"
        where = "any pipeline" + (f" that can be read ({', '.join(broken)} cannot: see "
                                  "`salescli check`)" if broken else "")
        return _one_of(value, names, param, "stage", where)


def _one_of(value: str, names: list[str], param: click.Parameter | None, what: str,
            where: str) -> str:
    """`value` if it is one of `names`, else the usage error naming the option, what was
    looked for and where, the nearest name, and every choice."""
    if value not in names:
        choices = f"; choose one of: {', '.join(names)}" if names else ""
        raise UsageError(f"{_option_name(param, what)}: no {what} `{value}` in {where}"
                         f"{did_you_mean(value, names)}{choices}")
    return value


class FilterType(click.ParamType):
    """A value to filter records by (`--owner`, `--source`, `--account`): one the
    repository knows (settings' list or records, read from the record index), else a
    usage error with a did-you-mean, so a typo is not taken for "no records"."""

    # what: (the plural, where the values come from)
    NAMES = {"owner": ("owners", "`owners:` in salescli.yaml"),
             "source": ("sources", "`sources:` in salescli.yaml"),
             "account": ("accounts", "`salescli account list`"),
             "industry": ("industries", "`salescli account list`"),
             "region": ("regions", "`salescli account list`"),
             "tag": ("tags", "`salescli account list`")}

    def __init__(self, what: str):
        self.what = self.name = what

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        if ctx is None:
            return value
        from salescli.services.read import filter_values

        # --no-cache is eager, so it is known here whatever the order on the command line
        known = filter_values(get_repo(ctx), self.what, not ctx.params.get("no_cache"))
        if value not in known:
            plural, see = self.NAMES[self.what]
            raise UsageError(unknown(_option_name(param, self.what), self.what, value, known,
                                     plural, see))
        return value


DATE = DateType()
FOLDER = FolderType(file_okay=False, path_type=Path)
MONEY = MoneyType()
PIPELINE = PipelineType()
STAGE = StageType()
KNOWN_OWNER = FilterType("owner")
KNOWN_SOURCE = FilterType("source")
KNOWN_ACCOUNT = FilterType("account")
KNOWN_INDUSTRY = FilterType("industry")
KNOWN_REGION = FilterType("region")
KNOWN_TAG = FilterType("tag")


def out_path(out: str, force: bool, *, folder: bool = False,
             stdout: bool = True) -> Path | None:
    """Where `--out` writes, the same in every command: never over an existing file
    unless --force, and never into a folder that does not exist (none is created);
    `-` is standard output (None), as for git and curl, where `stdout` may be.

    `folder`: the output is itself a folder (export's tables): only its parent is checked.
    """
    if not out:  # `--out ""` (an unset variable in a script): not standard output
        raise UsageError("--out: empty; give a file name" + (
            " (or - for standard output)" if stdout and not folder else ""))
    if out == "-":
        if folder:
            raise UsageError("--out -: this writes a folder of files; give its path")
        return None
    target = Path(out)
    parent = os.path.dirname(os.path.normpath(out)) or "."
    if not Path(parent).is_dir():
        raise UsageError(f"--out {out}: no folder {parent}; create it first or choose "
                         "another path")
    if folder:
        return target
    if target.is_dir():
        raise UsageError(f"--out {out}: is a folder; give a file name")
    if target.exists() and not force:
        raise UsageError(f"--out {out}: exists; use --force to overwrite it")
    return target


def done(change: Any, what: str) -> None:
    """Tell the user what was recorded, and where, like git does after a commit."""
    if change.sha:
        where = f" [{change.sha[:7]}]"
    elif change.unchanged:
        where = " (no change: nothing to commit)"
    else:
        where = " (not committed)"
    echo(f"{what}{where}")
    for note in getattr(change, "notes", ()):
        warn(f"note: {note}")
    if change.sha and change.detached:
        warn("note: committed on a detached HEAD, on no branch: `git switch -c NAME` keeps "
             "it on a new branch")


NO_CACHE = click.option("--no-cache", is_flag=True, is_eager=True,
                        help="Read every record file instead of the record index.")


def records_index(repo: Any, kinds: tuple[str, ...], no_cache: bool = False,
                  ahead: Callable[[Any], Any] | None = None) -> Any:
    """The record index with `kinds` current; invalid files are noted on stderr.
    `ahead`: the question the caller will `ask` first (`Index.open`)."""
    from salescli.services.read import records_index as opened

    return opened(repo, kinds, warn, use_cache=not no_cache, ahead=ahead)


def listing(repo: Any, kind: str, no_cache: bool, filters: Sequence[tuple[str, Any]],
            order: str, show: Callable[[list[Any]], str], where: Sequence[str] = (),
            params: Sequence[Any] = (), json: bool = False, columns: str = "",
            fields: Sequence[str] = (), select: Sequence[str] = (),
            also: tuple[str, ...] = ()) -> str:
    """A listing as the command prints it, `show(rows)`, of the rows from the record
    index: the kind's table as `t` (plus `columns`), with `t.column = value` for each
    filter given a value and the `where` clauses; with `json`, each record's JSON too
    (JSON output and custom columns need it); `fields` are `--field NAME=VALUE` filters
    on custom fields. `select`: only these columns of `t` when no JSON is asked for (a
    table of 8,000 accounts: 10 ms). `also`: the other kinds whose tables `where` reads
    (kept current too).

    What it printed is kept in the index (`Index.memo`) by the command's options and
    the configuration, as `today`'s is: run again with no record changed, it prints
    that without querying or laying out thousands of rows. Not JSON, whose records are
    the index's own text already (and ten megabytes of 10,000 deals)."""
    from salescli.services.read import custom_filter
    from salescli.store.config import config_key
    from salescli.store.index import Kept
    from salescli.store.repo import KIND_DIRS

    clauses, values = list(where), list(params)
    for column, value in filters:
        if value:
            clauses.append(f"t.{column} = ?")
            values.append(value)
    custom, custom_values = custom_filter(repo, kind, fields)
    # `where` parameters come first in the SQL, then the filters', then the fields'
    clauses, values = clauses + custom, values + custom_values
    json = json or bool(custom)
    wanted = ", ".join(f"t.{c}" for c in select) if select and not json else "t.*"
    sql = f"SELECT {wanted}{columns}" + (", r.json" if json else "") + \
        f' FROM "{KIND_DIRS[kind]}" t' + (" JOIN records r ON r.path = t.path" if json else "") \
        + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY " + order
    def question(index: Any) -> list[Any]:
        return index.query(sql, values)

    def work(said: Callable[[str], None]) -> str:
        return str(show(index.ask(question)))  # (a plain str, as the index keeps it)

    ctx = click.get_current_context()
    options = sorted((name, repr(value)) for name, value in ctx.params.items())
    kept = None if ctx.params.get("fmt") == "json" else Kept(
        f"{kind} list", lambda say: [ctx.command_path, options, config_key(repo, say)],
        then=question)
    with records_index(repo, (kind, *also), no_cache, ahead=kept or question) as index:
        return work(warn) if kept is None else index.memo(kept, work, warn)


def custom_options(func: Callable) -> Callable:
    """`--field NAME=VALUE` and `--columns LIST` of a listing (custom fields)."""
    func = click.option("--columns", metavar="A,B,...",
                        help="The table's columns, in order: its own, custom fields and "
                             "the columns of the kind's export table, e.g. last_activity "
                             "(not for --format json, which prints whole records).")(func)
    return click.option("--field", "fields", multiple=True, metavar="NAME=VALUE",
                        help="Only records whose custom field NAME is VALUE (NAME= for "
                             "none); repeat for more.")(func)


def table_columns(repo: Any, kind: str, default: Sequence[str], asked: str | None
                  ) -> tuple[list[str], list[str], list[str]]:
    """(a listing's columns as `--columns` asks, the custom fields among them, the
    columns of the kind's table among them)."""
    from salescli.services.read import listing_columns

    return listing_columns(repo, kind, asked, default)


def shown_listing(repo: Any, kind: str, rows: list[dict[str, Any]], found: list[Any],
                  layout: tuple[list[str], list[str], list[str]], fmt: str,
                  records: list[Any] | None = None) -> str:
    """A listing as printed: `rows`, one a record of `found`, with the columns that
    `table_columns` gave (the custom fields filled in from each record, the stored ones
    from its row of the kind's table), in `fmt`; JSON prints `records` (`found` when
    None) whole."""
    from salescli.services.read import custom_cells

    shown, custom, stored = layout
    if stored:
        rows = [{**row, **{c: f[c] for c in stored}} for row, f in zip(rows, found, strict=True)]
    if custom:
        cells = custom_cells(repo, kind, found, custom)
        rows = [{**row, **more} for row, more in zip(rows, cells, strict=True)]
    return render(rows, shown, fmt,
                  payload=payload(found if records is None else records) if fmt == "json"
                  else None,
                  style=number_style(repo, fmt))


def number_style(repo: Any, fmt: str) -> Any:
    """How a table shows numbers: the settings' locale for `table` and `markdown`
    (from the configuration cache: no Babel import), None (values as they are) for
    `csv` and `json`, which scripts and spreadsheets read."""
    if fmt not in ("table", "markdown"):
        return None
    from salescli.services.read import number_style as style_of

    return style_of(repo, warn)


def payload(rows: list[Any]) -> str:
    """The JSON text a listing prints: the records of index rows (with a `json` column)."""
    return json_array([r["json"] for r in rows])


def money_column(value: float | None) -> Any:
    """A money column of the index as the exact Decimal it was (cents, below 3.5e13)."""
    from decimal import Decimal

    if value is None or isinstance(value, Decimal):
        return value
    from salescli.core.money import from_float

    return from_float(value)


def complete_choices(attr: str) -> Callable:
    """Completion from a settings list (sources, lost_reasons, owners...)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
        try:
            values = getattr(get_repo(ctx).settings, attr)
            return [v for v in values if v.startswith(incomplete)]
        except Exception:  # completion must never print a traceback into the shell
            return []

    return complete


# --- write side ---


def show_notes(notes: str | None) -> None:
    """A record's free-text `notes` under its `show`, as written."""
    if notes and notes.strip():
        echo(f"\nNotes\n{notes.strip()}")


def show_activities(activities: list, fmt: str, last: int = 5) -> None:
    """The latest activities under a record's `show`, by date (one logged late with an
    earlier `--date` is not the latest), each with its number (its place in the file,
    what `task done` and `meeting held` take) and where it stands: a task due or done,
    a meeting booked, held or cancelled."""
    if not activities:
        return
    echo(f"\nLatest activities ({min(last, len(activities))} of {len(activities)})")

    def status(a: dict) -> str | None:
        if a.get("due") is not None:
            return f"done {a['done']}" if a.get("done") else f"due {a['due']}"
        return a.get("status")

    # a meeting's time of day after its date: `2026-12-08 14:00`, and in that order
    rows = [{**a, "#": n, "status": status(a),  # as JSON has them: dicts
             "date": day_at(a.get("date"), a.get("time"))}
            for n, a in enumerate(activities, start=1)]
    rows = sorted(rows, key=lambda r: str(r.get("date") or ""))[-last:]  # stable: file order
    echo(render(rows, ("#", "date", "type", "summary", "status", "outcome"), fmt))


def run_editor(path: str) -> None:
    """$VISUAL or $EDITOR on `path`, waiting for it to close."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise SalescliError("set $VISUAL or $EDITOR to the editor to use (e.g. export EDITOR=vim)")
    click.edit(filename=path, editor=editor)


def make_edit_command(kind: str) -> click.Command:
    """`salescli KIND edit ID`: $VISUAL/$EDITOR with validation, like `crontab -e`."""

    @click.command("edit")
    @click.argument("record_id", metavar=kind.upper(), shell_complete=complete_ids(kind))
    @change_options
    @click.pass_context
    def edit(ctx: click.Context, record_id: str, opts: Options) -> None:
        from salescli.services.edit import edit_in_editor

        s, rel, changed = edit_in_editor(get_repo(ctx), kind, record_id, run_editor,
                                         opts)
        if changed:
            done(s, f"Saved {rel}")
        else:
            echo(f"{rel}: no changes")

    edit.help = f"""Edit {a(kind)} in $VISUAL or $EDITOR, validated before it is committed.

    When the saved file has errors, the editor opens again with them as comments at
    the top; save a fix, or empty the file (or quit without saving) to abort.
    Nothing invalid is ever written.

    \b
    Example:
      EDITOR=nano salescli {kind} edit ID
    """
    return edit


# a report's columns, by report (SPEC §7)
REPORT_COLUMNS = {
    "funnel": ("stage", "reached", "conversion", "lost_here", "open_here", "median_days"),
    "forecast": ("period", "category", "currency", "count", "value", "weighted"),
    "cycle": ("group", "count", "median_days", "mean_days", "p75_days"),
    "lost": ("reason", "stage", "currency", "count", "value", "share"),
    "slips": ("deal", "slips", "close_date"),
    "activity": ("period", "type", "owner", "count"),
    "sources": ("source", "leads", "contacted", "qualified", "disqualified", "deals", "won",
                "lost", "won_value", "currency", "qualify_rate", "win_rate",
                "median_first_contact_hours"),
    "velocity": ("currency", "open_deals", "win_rate", "avg_won_value", "median_cycle_days",
                 "velocity"),
    "changes": ("change", "currency", "count", "value", "deals"),
    "goals": ("metric", "owner", "period", "actual", "target", "attainment", "expected",
              "pace", "currency"),
}


def show_report(name: str, payload: dict[str, Any], fmt: str, style: Any = None) -> None:
    """A report's rows, then (for people) its totals and the dates it covers, as
    resolved (`--since last-month` names its days). `style`: numbers in a locale."""
    echo(render(payload["rows"], REPORT_COLUMNS[name], fmt, payload, style))
    if fmt in ("table", "markdown"):
        echo("")
        totals = totals_text(payload["totals"], style)
        width = fit_width(None) if fmt == "table" else None
        echo(fit_pairs(totals, width) if width else totals)  # a terminal: lines that fit
        filters = payload.get("filters") or {}
        window = [f"{k} {filters[k]}" for k in ("since", "until") if filters.get(k)]
        echo(", ".join([*window, f"as of {payload['as_of']}"]))


class LazyRepository:
    """The repository of the command, found when a service first uses it.

    A write service checks its arguments before it opens the repository; given this,
    a bad argument outside any repository is still reported as the argument's error
    (exit 2), not as "not a salescli repository".
    """

    def __init__(self, ctx: click.Context):
        self._ctx = ctx
        self._repo: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._repo is None:
            self._repo = get_repo(self._ctx)
        return getattr(self._repo, name)


def lang_option(languages: Sequence[str]) -> Callable:
    """`--lang` of a document (the caller names the languages its service knows, so that
    this module imports no service)."""
    return click.option(
        "--lang", type=click.Choice(languages),
        help="Language: " + ", ".join(languages[:-1]) + f" or {languages[-1]} (default: the "
        "customer's `language`, else the settings' locale's).")


def emit(document: str | bytes) -> None:
    """Print a document; a PDF's bytes go to a file or a pipe, never to the terminal."""
    import sys

    if isinstance(document, str):
        echo(document.rstrip("\n"))
        return
    stream = sys.stdout.buffer
    if stream.isatty():
        raise UsageError("a PDF is not printed on the terminal: redirect it (> file.pdf), "
                         "or leave out --dry-run/--draft to record it")
    stream.write(document)
