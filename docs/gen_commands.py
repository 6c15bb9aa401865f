"""Generate docs/commands.md from the commands' own --help, so it cannot drift.

    python docs/gen_commands.py          # rewrite docs/commands.md
    python docs/gen_commands.py --check  # exit 1 if it is out of date (the tests do this)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from generated import write_or_check

from salescli.cli import cli

TARGET = Path(__file__).with_name("commands.md")


def walk(command: click.Command, path: list[str], parent: click.Context | None):
    ctx = click.Context(command, info_name=path[-1], parent=parent, terminal_width=80,
                        max_content_width=80, **command.context_settings)
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            yield from walk(command.get_command(ctx, name), [*path, name], ctx)


def render() -> str:
    out = ["# Command reference", "",
           "Generated from `--help` by `python docs/gen_commands.py`; do not edit by hand.", ""]
    for path, command, ctx in walk(cli, ["salescli"], None):
        out += [f"## {' '.join(path)}", "", "```", command.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(out)


def main() -> int:
    return write_or_check(TARGET, render(), "gen_commands.py")


if __name__ == "__main__":
    sys.exit(main())
