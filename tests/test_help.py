"""Every command explains itself, with an example; the reference is generated from it."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from salescli.cli import cli

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
from gen_commands import render  # noqa: E402
from gen_commands import walk  # noqa: E402

ALL = [(path, cmd) for path, cmd, _ in walk(cli, ["salescli"], None)]


@pytest.mark.parametrize("path,command", ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_has_help_with_an_example(path: list[str], command):
    result = CliRunner().invoke(cli, [*path[1:], "--help"])
    assert result.exit_code == 0
    assert command.help and command.help.strip(), f"{' '.join(path)} has no help"
    assert "Example" in result.output, f"{' '.join(path)} --help shows no example"
    assert _examples(command), f"{' '.join(path)} --help shows no command line to run"


def test_command_reference_is_up_to_date():
    assert (ROOT / "docs" / "commands.md").read_text() == render(), (
        "docs/commands.md is out of date: run python docs/gen_commands.py")


def test_help_imports_nothing_heavy():
    code = ("import sys; from salescli.cli import cli; "
            "cli.main(['--help'], standalone_mode=False); "
            "heavy = [m for m in ('ruamel.yaml', 'yaml', 'msgspec', 'salescli.core.model',"
            " 'tabulate', 'jinja2', 'git', 'babel', 'slugify') if m in sys.modules];"
            " print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", [["deal", "list"], ["account", "list"],
                                     ["lead", "list"], ["stale"], ["task", "list"],
                                     ["report", "funnel"], ["report", "forecast"]])
def test_listings_and_reports_on_what_is_indexed_load_no_msgspec(filled, command):
    # the record index answers them: the model layer's library (5-10 ms to import) is
    # for reading and writing records, not for the classes every read defines
    # files written moments ago are read again (git's racily clean rule): here trusted
    code = ("import sys; import salescli.store.index as ix, salescli.store.config as cf; "
            "ix.FRESH_NS = ix.SCAN_FRESH_NS = cf.FRESH_NS = 0; "
            "from salescli.cli import cli; "
            f"cli.main({['-C', str(filled.root), *command]!r}, standalone_mode=False); "
            "print('msgspec' in sys.modules)")
    run = [sys.executable, "-c", code]
    subprocess.run(run, capture_output=True, check=True)  # the index takes the records
    out = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_help_made_from_a_noun_has_its_article():
    # `Edit a {kind}`, `Log a {type}`: "an account", "an email", never "a account"
    text = render()
    assert "Edit an account in $VISUAL" in text and "Edit a deal in $VISUAL" in text
    assert "Log an email on a deal" in text and "Log a call on a deal" in text
    assert not re.findall(r"(?i)\ba [aeiou]\w*", text)


# what may come before a command: a `$ ` prompt, a CI step's `run:`, `EDITOR=nano`
_BEFORE = re.compile(r"^(?:\$ |-?\s*run:\s+)?(?:[A-Z_][A-Z0-9_]*=\S*\s+)*")


def _command_lines(lines: list[str]) -> list[str]:
    """The `salescli ...` command lines among `lines`; a command line ending in a
    backslash, or inside an open quote, goes on on the next line, up to a blank one
    (where a quote left open is what the line is: it then fails to parse)."""
    found, held = [], ""
    for line in [*lines, ""]:
        text = line.strip()
        if not text:
            found += [held] if held else []
            held = ""
            continue
        if not held:
            text = _BEFORE.sub("", text)
            if not text.startswith("salescli "):
                continue
        text, held = f"{held} {text}".strip(), ""
        if text.endswith("\\"):
            held = text[:-1].strip()
            continue
        try:
            shlex.split(text, comments=True)
        except ValueError:  # a quoted SQL query over several lines
            held = text
            continue
        found.append(text)
    return found


def _examples(command: click.Command) -> list[str]:
    """The command lines of a command's help after its "Example(s):" heading."""
    lines, under = [], False
    for line in (command.help or "").splitlines():
        if re.fullmatch(r"\s*Examples?\b.*:\s*", line):
            under = True
        elif under and not line.strip() and not (lines and lines[-1].rstrip().endswith(
                "\\")):
            under = False
        elif under:
            lines.append(line)
    return _command_lines(lines)


def _code_lines(markdown: str) -> list[str]:
    """The command lines of a Markdown text's code blocks; a usage pattern
    (`salescli deal list [--status S]`) is no command line."""
    lines, inside = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            lines.append("")  # (a block's last line goes on in no other)
        elif inside:
            lines.append(line)
    return [c for c in _command_lines(lines) if not any(a.startswith("[") for a in
                                                         _arguments(c))]


def _arguments(example: str) -> list[str]:
    """An example's arguments as the shell splits them, up to a pipe, a redirection or a
    comment (`salescli board --format json | jq ...`)."""
    lexer = shlex.shlex(example, posix=True, punctuation_chars="|<>;&")
    lexer.whitespace_split = True
    words = []
    for word in lexer:
        if set(word) <= set("|<>;&"):
            break
        words.append(word)
    return words[1:]


def _parses(example: str) -> None:
    """`example` as the shell would pass it, parsed as salescli parses it (sub-commands,
    options, their values, arguments) without running it. Values are not converted:
    that would look up records."""
    args = _arguments(example)
    ctx = click.Context(cli, info_name="salescli")
    command: click.Command = cli
    try:
        while isinstance(command, click.Group):
            command.parse_args(ctx, args)
            name, command, args = command.resolve_command(
                ctx, [*ctx._protected_args, *ctx.args])
            ctx = click.Context(command, info_name=name, parent=ctx,
                                **command.context_settings)
        values, rest, _ = command.make_parser(ctx).parse_args(args)
    except click.UsageError as err:
        pytest.fail(f"`{example}`: {err.format_message()}")
    if "help" in values or "version" in values:
        return
    missing = [p.opts[0] for p in command.params if p.required and (
        values.get(p.name) in (None, ()) or p.value_is_missing(values[p.name]))]
    assert not missing, f"`{example}` lacks {missing}"
    assert not rest or ctx.allow_extra_args, f"`{example}`: extra arguments {rest}"
    for p in command.params:  # a choice is checked too: it looks nothing up
        given = values.get(p.name)
        if isinstance(p.type, click.Choice) and isinstance(given, str | list | tuple):
            for value in [given] if isinstance(given, str) else given:
                try:
                    p.type.convert(value, p, ctx)
                except click.BadParameter as err:
                    pytest.fail(f"`{example}`: {err.format_message()}")


EXAMPLES = [ex for _, cmd in ALL for ex in _examples(cmd)]
DOCUMENTED = [ex for doc in ("README.md", "docs/ci.md", "docs/export.md",
                             "docs/hostile-input.md")
              for ex in _code_lines((ROOT / doc).read_text(encoding="utf-8"))]


def test_the_examples_are_found():
    assert len(EXAMPLES) > 150 and len(DOCUMENTED) > 100
    assert "salescli deal edit ID" in EXAMPLES  # (`EDITOR=nano salescli deal edit ID`)
    assert "salescli check" in _code_lines("```yaml\n- run: salescli check\n```\n")
    # a quote left open is one line, which then fails to parse; never the rest of a text
    assert _command_lines(['salescli deal set x title="Oops', "salescli board", "",
                           "salescli today", "nothing's due", "salescli stale"]) == [
        'salescli deal set x title="Oops salescli board', "salescli today",
        "salescli stale"]
    for found in (EXAMPLES, DOCUMENTED):  # a query over several lines is one
        assert any(ex.startswith('salescli sql "SELECT') and ex.endswith('"') and
                   "GROUP BY" in ex for ex in found)
    assert "salescli deal list --stage proposal --format json" in DOCUMENTED


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLES)
def test_every_example_in_the_help_is_a_valid_command_line(example: str):
    # the options and arguments a help shows stay real
    _parses(example)


@pytest.mark.parametrize("example", DOCUMENTED, ids=DOCUMENTED)
def test_every_command_line_in_the_docs_is_valid(example: str):
    _parses(example)
