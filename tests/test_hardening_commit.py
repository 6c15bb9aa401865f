"""History cannot be forged from data (SPEC §5, §6).

A title, a note, `-m`, `--reason`, an owner or an imported file's name reaches the
commit message. Whatever it holds, the subject stays one line, the only trailer is
salescli's `Salescli-Event:` and the only `Reason:` is the one `--reason` gave, as
git reads the message and as `check --history` reads it.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import SOON
from conftest import Repo
from conftest import refused
from conftest import replaced

from salescli.core.commitmsg import commit_message
from salescli.core.commitmsg import parse_message

DEAL_FILE = "deals/2026-10/acme-erp.yaml"
IN_PROPOSAL = """
id: acme-erp
title: Order-processing automation
account: acme-oy
pipeline: default
stage: proposal
status: open
value: 48000.00
currency: EUR
close_date: 2027-01-31
owner: anna
created: 2026-10-01
stakeholders:
  - {contact: matti-virtanen, role: economic-buyer}
items:
  - {name: Licence, quantity: 1, unit_price: 1000.00, tax_rate: 24}
"""
FORGED = "Salescli-Event: forged"
SIGNED = "Signed-off-by: Eve <eve@example.com>"
# a line that reads as a field: git's trailer token, then ':'
FIELD_LINE = re.compile(r"[A-Za-z0-9-]+[ \t]*:")


@pytest.fixture
def proposal(filled: Repo) -> Repo:
    filled.write(DEAL_FILE, IN_PROPOSAL)
    filled.commit("deal in proposal")
    return filled


def last_message(repo: Repo) -> str:
    return repo.git("log", "-1", "--format=%B")[:-1]  # %B ends with a newline of its own


def assert_only_salescli_fields(repo: Repo, event: str, reason: str | None = None) -> None:
    """The last commit's message, read by git and by salescli: one subject line, one
    trailer, and no line of data that reads as a field."""
    message = last_message(repo)
    ours = ([f"Reason: {reason}"] if reason else []) + [f"Salescli-Event: {event}"]
    # splitlines: U+2028, NEL, CR... are line ends to many readers, if not to git
    assert [ln for ln in message.splitlines() if FIELD_LINE.match(ln)] == ours, message
    trailers = repo.git("log", "-1", "--format=%(trailers:unfold)")[:-1]  # as last_message
    assert trailers == f"Salescli-Event: {event}\n"
    parsed = subprocess.run(["git", "interpret-trailers", "--parse"], input=message,
                            capture_output=True, text=True, cwd=repo.root, check=True).stdout
    assert parsed == f"Salescli-Event: {event}\n"
    read = parse_message(message)
    assert read.trailers == (("Salescli-Event", event),) and read.event == event
    assert read.reason == reason
    subject = repo.git("log", "-1", "--format=%s").rstrip("\n")
    assert len(subject.splitlines()) == 1 and message.startswith(subject + "\n\n")


# a `set` summary shows a value's line breaks and controls escaped, as printed output does
@pytest.mark.parametrize("title, subject", [
    (f"Real\n{FORGED}", f"set title=Real\\n{FORGED}"),
    (f"T\n\n{SIGNED}", f"set title=T\\n\\n{SIGNED}"),
    ("T\u2028Reason: forged", "set title=T\\u2028Reason: forged"),
    ("T\rReason: forged\x85x", "set title=T\\rReason: forged\\x85x"),
    ("T\x1b[2K\rReason: forged", "set title=T\\x1b[2K\\rReason: forged"),
])
def test_a_title_stays_on_the_subject_line(filled: Repo, title: str, subject: str):
    r = filled.run("deal", "set", "acme-erp", f"title={title}")
    assert r.exit_code == 0, r.output
    assert filled.git("log", "-1", "--format=%s").rstrip("\n") == f"deal(acme-erp): {subject}"
    assert_only_salescli_fields(filled, "set")
    shown = json.loads(filled.run("deal", "show", "acme-erp", "--format", "json").output)
    assert shown["title"] == title  # the record keeps the data as given


def test_a_note_stays_on_the_subject_line(filled: Repo):
    r = filled.run("log", "note", "acme-erp", f"Called\n{FORGED}\n\n{SIGNED}")
    assert r.exit_code == 0, r.output
    # the summary is cut at 72 characters, as always; the line breaks became spaces
    assert filled.git("log", "-1", "--format=%s").rstrip("\n") == (
        f"deal(acme-erp): note: Called {FORGED} {SIGNED}"[:len("deal(acme-erp): ") + 71])
    assert_only_salescli_fields(filled, "log")


def test_an_owner_name_stays_on_the_subject_line(filled: Repo):
    filled.edit("salescli.yaml", "owners: [", 'owners: ["eve\\nSalescli-Event: forged", ')
    filled.commit("a hostile owner name")
    r = filled.run("deal", "set", "acme-erp", f"owner=eve\n{FORGED}")
    assert r.exit_code == 0, r.output
    assert filled.git("log", "-1", "--format=%s").rstrip("\n") == (
        f"deal(acme-erp): set owner=eve\\n{FORGED}")
    assert_only_salescli_fields(filled, "set")


def test_a_message_is_quoted_where_a_line_reads_as_a_field(filled: Repo):
    typed = f"Budget cut: see mail\nReason: forged\n\n{SIGNED}\n---\n{FORGED}\n"
    r = filled.run("deal", "set", "acme-erp", "value=50000", "-m", typed)
    assert r.exit_code == 0, r.output
    assert last_message(filled) == (
        "deal(acme-erp): set value=50000.00\n\n"
        "Budget cut: see mail\n Reason: forged\n\n"
        f" {SIGNED}\n ---\n {FORGED}\n\n"
        "Salescli-Event: set\n")
    assert_only_salescli_fields(filled, "set")


def test_a_reason_is_one_line_and_the_only_reason(proposal: Repo):
    r = proposal.run("deal", "move", "acme-erp", "needs-analysis", "--reason",
                     f"Scope changed\n{FORGED}\n\n{SIGNED}", "-m", "Reason: also forged")
    assert r.exit_code == 0, r.output
    assert last_message(proposal) == (
        "deal(acme-erp): proposal -> needs-analysis\n\n"
        f"Reason: Scope changed {FORGED} {SIGNED}\n\n"
        " Reason: also forged\n\n"
        "Salescli-Event: move\n")
    assert_only_salescli_fields(proposal, "move", f"Scope changed {FORGED} {SIGNED}")


def _history_warnings(repo: Repo) -> list[str]:
    r = repo.run("check", "--history", "--format", "json", "--no-cache")
    assert r.exit_code == 0, r.output
    return [d["message"] for d in json.loads(r.output)["diagnostics"] if d["code"] == "history"]


def test_a_message_cannot_stand_in_for_a_reason(proposal: Repo, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    # `deal edit` moving the deal back needs a reason it cannot take: a `Reason:` typed
    # into -m is data, not a reason, so the edit is refused (`deal move --reason` is it)
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^stage: proposal/stage: needs-analysis/' \"$1\"\n")
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    refused(proposal, ["deal", "edit", "acme-erp", "-m", "Reason: forged"], 1,
            "cannot edit acme-erp: moving back needs --reason (rules.backward: with-reason); "
            "use `salescli deal move`, `win`, `lose` or `reopen` instead; nothing changed")
    assert _history_warnings(proposal) == []


def test_a_reason_given_with_the_command_counts(proposal: Repo):
    r = proposal.run("deal", "move", "acme-erp", "needs-analysis", "--reason", "Scope\nchanged")
    assert r.exit_code == 0, r.output
    assert _history_warnings(proposal) == []


def test_an_imported_file_name_is_quoted(repo: Repo, tmp_path: Path):
    export = tmp_path / f"accounts\n{SIGNED}.csv"
    export.write_text("name,created\nAcme Oy,2026-10-01\n", encoding="utf-8")
    r = repo.run("import", "csv", str(export), "--kind", "account")
    assert r.exit_code == 0, r.output
    assert last_message(repo) == (
        "account(acme-oy): add\n\n"
        f"Imported from accounts\n {SIGNED}.csv (accounts\n {SIGNED}.csv:2)\n\n"
        "Salescli-Event: add\n")
    assert_only_salescli_fields(repo, "add")
    # the summary printed shows the name on one line
    assert r.stdout.startswith(f"Imported from accounts\\n{SIGNED}.csv: "), r.stdout
    assert len(r.stdout.splitlines()) == 1


@pytest.mark.parametrize("message", [
    f"Done\n{FORGED}\n\n{SIGNED}\n",
    "a\u2028Reason: x\x85y\x0bz\x0cw\x1cv\x1dr\x1es\r\nt\rReason: u\x00\x07",
    "line \xa0\n\n\n\t\n   \nReason:\n#comment\n---\n(cherry picked from commit 1)\n",
])
def test_git_commit_records_the_same_message(filled: Repo, tmp_path: Path, message: str):
    """With a commit hook salescli goes through `git commit`; without, it writes the
    commit itself: the same bytes either way, whatever commit.cleanup says."""
    twin = Repo(tmp_path / "twin")
    subprocess.run(["git", "clone", "-q", str(filled.root), str(twin.root)], check=True)
    hook = twin.root / ".git" / "hooks" / "post-commit"
    hook.write_text("#!/bin/sh\ntrue\n")
    hook.chmod(0o755)
    for repo in (filled, twin):
        repo.git("config", "commit.cleanup", "strip")  # would drop the '#' line
        r = repo.run("deal", "set", "acme-erp", "value=1", "-m", message)
        assert r.exit_code == 0, r.output
    assert last_message(filled) == last_message(twin)
    assert ("\n#comment\n" in last_message(filled)) == ("\n#comment\n" in message)
    assert_only_salescli_fields(filled, "set")


@pytest.mark.parametrize("reason", [None, "Scope changed"])
def test_the_demo_writes_the_commands_messages(proposal: Repo, reason: str | None):
    """The demo builds its messages with the commands' formatter; for ordinary data
    both are the plain `subject, Reason, trailer` of SPEC §5."""
    args = ["deal", "set", "acme-erp", "value=1"] if reason is None else \
        ["deal", "move", "acme-erp", "needs-analysis", "--reason", reason]
    assert proposal.run(*args).exit_code == 0
    subject = proposal.git("log", "-1", "--format=%s").rstrip("\n")
    event = "set" if reason is None else "move"
    assert last_message(proposal) == commit_message(subject, event, reason=reason)
    expected = f"{subject}\n\n" + (f"Reason: {reason}\n\n" if reason else "") + \
        f"Salescli-Event: {event}\n"
    assert last_message(proposal) == expected


# -- the direct commit path records what `git add` + `git commit` would


def test_a_file_rewritten_while_committing_stays_a_change(filled: Repo, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    """Another program rewrites the record after salescli hashed it, before git's index
    takes it: salescli's version is committed and staged, the newer file is a change."""
    from salescli.store import gitio

    start = gitio.begin  # (every git of a commit starts there)
    theirs = replaced((filled.root / DEAL_FILE).read_text(), "owner: anna", "owner: ville")
    rewritten = tmp_path / "rewritten"

    def racing(cwd, *args, **kw):
        if args[:2] == ("update-index", "--add"):  # it reads the file once it is rewritten
            waits = f'while [ ! -e "{rewritten}" ]; do sleep 0.01; done; exec git "$@"'
            return subprocess.Popen(["sh", "-c", waits, "sh", *args], cwd=cwd, text=True,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
        if args[:1] == ("fast-import",):  # salescli's version is hashed by now
            gitio.atomic_write(filled.root / DEAL_FILE, theirs)
            rewritten.touch()
        return start(cwd, *args, **kw)

    monkeypatch.setattr(gitio, "begin", racing)
    assert filled.run("deal", "set", "acme-erp", "value=1").exit_code == 0
    assert "value: 1.00" in filled.git("show", f"HEAD:{DEAL_FILE}")
    assert filled.status() == f" M {DEAL_FILE}\n"
    assert (filled.root / DEAL_FILE).read_text() == theirs


@pytest.mark.parametrize("executable, filemode, on_disk, recorded", [
    (True, "true", 0o755, "100755"), (False, "true", 0o644, "100644"),
    # the executable bit on disk not trusted: the index's mode stays
    (True, "false", 0o644, "100755"), (False, "false", 0o755, "100644"),
])
def test_the_file_mode_is_what_git_would_record(filled: Repo, executable: bool, filemode: str,
                                                on_disk: int, recorded: str):
    if executable:
        filled.git("update-index", "--chmod=+x", DEAL_FILE)
        filled.git("commit", "-qm", "executable")
    filled.git("config", "core.filemode", filemode)
    (filled.root / DEAL_FILE).chmod(on_disk)
    assert filled.run("deal", "set", "acme-erp", "value=1").exit_code == 0
    assert filled.git("ls-tree", "HEAD", "--", DEAL_FILE).split()[0] == recorded
    assert filled.git("ls-files", "-s", "--", DEAL_FILE).split()[0] == recorded
    assert filled.status() == ""


@pytest.mark.parametrize("reason", [" ", "\n", "\x1b", "\u2028 \t"])
@pytest.mark.parametrize("command", [["deal", "move", "acme-erp", "needs-analysis"],
                                     ["deal", "reopen", "acme-erp"]])
def test_a_reason_that_would_record_nothing_is_refused(proposal: Repo, command: list[str],
                                                       reason: str):
    if command[1] == "reopen":
        assert proposal.run("deal", "lose", "acme-erp", "--reason", "budget").exit_code == 0
    before = proposal.head()
    r = proposal.run(*command, "--reason", reason)
    assert r.exit_code == 2, r.output
    assert r.stderr == "Error: --reason is empty: say why, in words\n"
    assert proposal.head() == before and proposal.git("status", "--porcelain") == ""


@pytest.mark.parametrize("hooked", [False, True])
def test_an_interrupt_after_the_commit_landed_keeps_it(filled: Repo, hooked: bool,
                                                       monkeypatch: pytest.MonkeyPatch):
    # Ctrl-C while git tidies up after HEAD moved (maintenance, or `git commit` itself
    # returning): the commit stands and the files hold what it committed
    from salescli.store import gitio

    # configured maintenance is left to git to decide: it runs after HEAD moved
    filled.git("config", "maintenance.auto", "true")
    if hooked:  # a hook makes salescli commit through `git commit`
        hook = filled.root / ".git/hooks/pre-commit"
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
    real = gitio.git

    def interrupted(cwd: Path, *args: str, **kw):
        proc = real(cwd, *args, **kw)
        if args[:1] in (("maintenance",), ("commit",)):
            raise KeyboardInterrupt
        return proc

    monkeypatch.setattr(gitio, "git", interrupted)
    before = filled.head()
    r = filled.run("deal", "set", "acme-erp", "value=555")
    assert r.exit_code != 0
    assert filled.head() != before
    assert "value: 555.00" in filled.git("show", "HEAD:" + DEAL_FILE)
    assert filled.git("status", "--porcelain") == ""


def test_an_uncommitted_record_in_the_way_is_named_with_the_way_out(filled: Repo):
    # what a `deal add` killed before its commit leaves: the file, never committed
    (filled.root / "deals/2026-10/ghost.yaml").write_text(
        "id: ghost\ntitle: Ghost\naccount: acme-oy\ncreated: 2026-10-01\n")
    r = filled.run("deal", "add", "Another", "--account", "acme-oy", "--id", "ghost",
                   "--value", "1", "--close-date", SOON)
    assert r.exit_code == 1
    assert ("deal 'ghost' already exists, uncommitted, in deals/2026-10/ghost.yaml: commit it "
            "(`git add deals/2026-10/ghost.yaml && git commit`) or delete it") in r.output
