"""`salescli KIND edit ID`: $VISUAL/$EDITOR with validation, like `crontab -e`."""

from __future__ import annotations

import os

import click

from salescli.cli.common import change_options, complete_ids, done, echo, session
from salescli.core.errors import SalescliError

MARK = "# salescli: "
MAX_ROUNDS = 20


def _strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith(MARK):
        lines.pop(0)
    return "".join(lines)


def _header(errors: list[str]) -> str:
    lines = ["fix what is below and save, or empty the file to abort", *errors]
    return "".join(f"{MARK}{line}\n" for line in lines)


def run_editor(path: str) -> None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise SalescliError("set $VISUAL or $EDITOR to the editor to use (e.g. export EDITOR=vim)")
    click.edit(filename=path, editor=editor)


def make_edit_command(kind: str) -> click.Command:
    @click.command("edit")
    @click.argument("record_id", metavar=kind.upper(), shell_complete=complete_ids(kind))
    @change_options
    @click.pass_context
    def edit(ctx: click.Context, record_id: str, date: str | None, message: str | None,
             no_commit: bool) -> None:
        from salescli.services.check import record_errors
        from salescli.store.loader import parse_text, to_diagnostic

        with session(ctx, kind, record_id, "edit", date, message, no_commit,
                     summary="edit") as s:
            # an invalid file can be opened too: fixing it is what `edit` is for
            path = s.repo.find(kind, record_id)
            s.guard(path)
            rel = s.repo.rel(path)
            # newline="": the file reaches the editor, and comes back, with its own
            # line endings (a CRLF file stays CRLF)
            with open(path, encoding="utf-8", newline="") as fh:
                original = fh.read()
            shown = original
            import tempfile  # here: every command that registers `edit` loads this module

            with tempfile.TemporaryDirectory(prefix="salescli-") as tmp:
                scratch = os.path.join(tmp, f"{record_id}.yaml")
                for _round in range(MAX_ROUNDS):
                    with open(scratch, "w", encoding="utf-8", newline="") as fh:
                        fh.write(shown)
                    run_editor(scratch)
                    with open(scratch, encoding="utf-8", newline="") as fh:
                        edited = fh.read()
                    text = _strip_header(edited)
                    if not text.strip():
                        raise SalescliError(f"{rel}: emptied in the editor; nothing changed")
                    if edited == shown:
                        if text == original:
                            echo(f"{rel}: no changes")
                            return
                        raise SalescliError(f"{rel}: still invalid and not saved again; "
                                            "nothing changed")
                    parsed = parse_text(kind, rel, text)
                    errors = [to_diagnostic(f, text) for f in parsed.findings
                              if f.severity == "error"]
                    if not errors and parsed.model is not None:
                        errors = record_errors(s.repo, kind, rel, parsed.model)
                    if not errors:
                        break
                    shown = _header([f"line {d.line}: {d.message}" if d.line > 1 or d.column > 1
                                     else d.message for d in errors]) + text
                else:  # a scripted $EDITOR that never converges must not loop forever
                    raise SalescliError(f"{rel}: still invalid after {MAX_ROUNDS} edits; "
                                        "nothing changed")
            s.write(path, text)
        done(s, f"Saved {rel}")

    edit.help = f"""Edit a {kind} in $VISUAL or $EDITOR, validated before it is committed.

    When the saved file has errors, the editor opens again with them as comments at
    the top; save a fix, or empty the file (or quit without saving) to abort.
    Nothing invalid is ever written.

    \b
    Example:
      EDITOR=nano salescli {kind} edit ID
    """
    return edit
