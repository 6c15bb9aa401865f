"""Generate docs/commands.md from the commands' own --help, so it cannot drift.

    python docs/gen_commands.py          # rewrite docs/commands.md
    python docs/gen_commands.py --check  # exit 1 if it is out of date (the tests do this)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

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
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print("docs/commands.md is out of date: run python docs/gen_commands.py",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
