"""Edits never corrupt a record (issue 12): a `set` writes exactly the typed value, in
the file's own line endings, and leaves every other byte as it was; or it refuses with
one line and changes nothing. Every test goes through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ACCOUNT
from conftest import Repo
from conftest import refused
from conftest import replaced
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from salescli.services.edit import parse_assignments

DEAL_FILE = "deals/2026-10/acme-erp.yaml"
BASE = ("id: acme-erp\ntitle: Order-processing automation\naccount: acme-oy\n"
        "pipeline: default\nstage: needs-analysis\nstatus: open\nvalue: 48000.00\n"
        "currency: EUR\nclose_date: 2027-01-31\nowner: anna\ncreated: 2026-10-01\n")
NEW_TITLE = BASE.replace("Order-processing automation", "New")


@pytest.fixture
def acct(repo: Repo) -> Repo:
    repo.write("accounts/2026-10/acme-oy.yaml", ACCOUNT)
    repo.commit()
    return repo


def put(repo: Repo, data: bytes | str) -> None:
    """The deal file holds exactly `data` (bytes as given: CRLF, BOM...), committed."""
    path = repo.root / DEAL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty", "-m", "test data")


def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """$EDITOR is the shell `script` (the file to edit is $1)."""
    path = tmp_path / "editor.sh"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(path))
    monkeypatch.delenv("VISUAL", raising=False)


def file_bytes(repo: Repo) -> bytes:
    return (repo.root / DEAL_FILE).read_bytes()


def set_ok(repo: Repo, data: bytes | str, *assignments: str) -> bytes:
    """`deal set` succeeds, commits, and `check` accepts what it wrote: the new bytes."""
    put(repo, data)
    before = repo.head()
    r = repo.run("deal", "set", "acme-erp", *assignments)
    assert r.exit_code == 0, r.output
    assert repo.head() != before and repo.status() == ""
    checked = repo.run("check")
    assert checked.exit_code == 0, checked.output
    return file_bytes(repo)


def shown(repo: Repo) -> dict:
    r = repo.run("deal", "show", "acme-erp", "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def set_refused(repo: Repo, data: bytes | str, assignments: list[str], code: int,
                message: str) -> None:
    """`deal set` on the record `data` fails with exactly `message`, changing nothing."""
    put(repo, data)
    refused(repo, ["deal", "set", "acme-erp", *assignments], code, message)


# ------------------------------------------- a line break typed into a value


def test_a_typed_line_break_shows_escaped_on_one_line(acct: Repo):
    put(acct, BASE)
    r = acct.run("deal", "set", "acme-erp", "notes=a\nb\x85")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Updated deal acme-erp: notes=a\\nb\\x85 [")
    assert r.stdout.count("\n") == 1
    assert acct.git("log", "-1", "--format=%B").startswith(
        "deal(acme-erp): set notes=a\\nb\\x85\n\nSalescli-Event: set")


@pytest.mark.parametrize("typed", ["40\nowner: x", "40\r", "40\r\nowner: x", "40\u2028x"])
def test_a_line_break_in_a_number_is_refused_not_cut(acct: Repo, typed: str):
    set_refused(acct, BASE, [f"probability={typed}"], 2,
                "`probability` is one line: the value given has a line break "
                "(only text fields may hold several lines)")


# ---------------------------- the round trip (log, items...), the byte-order mark


@pytest.mark.parametrize("eol", ["\r\n", "\r"])
def test_logging_an_activity_keeps_the_line_endings(acct: Repo, eol: str):
    put(acct, "\ufeff" + (BASE + "# about what follows\n").replace("\n", eol))
    r = acct.run("log", "call", "acme-erp", "Intro call", "--date", "2026-11-02")
    assert r.exit_code == 0, r.output
    after = file_bytes(acct).decode()
    assert after.startswith("\ufeff" + BASE.replace("\n", eol))
    assert "\n" not in after.replace(eol, "") and after.endswith(f"# about what follows{eol}")
    assert acct.run("check").exit_code == 0


@pytest.mark.parametrize("eol", ["\r\n", "\n"])
def test_deal_edit_keeps_the_line_endings(acct: Repo, eol: str, tmp_path,
                                          monkeypatch: pytest.MonkeyPatch):
    put(acct, "\ufeff" + BASE.replace("\n", eol))
    editor(tmp_path, monkeypatch, "sed -i 's/^owner: anna/owner: ben/' \"$1\"")
    r = acct.run("deal", "edit", "acme-erp")
    assert r.exit_code == 0, r.output
    assert file_bytes(acct).decode() == "\ufeff" + BASE.replace("owner: anna", "owner: ben"
                                                                 ).replace("\n", eol)
    assert acct.git("show", "--numstat", "--format=", "HEAD").split()[:2] == ["1", "1"]


def test_deal_edit_opens_a_file_with_committed_conflict_markers(acct: Repo, tmp_path,
                                                               monkeypatch: pytest.MonkeyPatch):
    """A merge committed with its markers: `edit` is the way to mend the file (every
    other command refuses it); what is saved is checked as ever."""
    put(acct, BASE + "<<<<<<< HEAD\nnotes: ours\n=======\nnotes: theirs\n>>>>>>> other\n")
    editor(tmp_path, monkeypatch, "sed -i '/^[<=>]\\{7\\}/d; /^notes: theirs/d' \"$1\"")
    r = acct.run("deal", "edit", "acme-erp")
    assert r.exit_code == 0, r.output
    assert file_bytes(acct).decode() == BASE + "notes: ours\n"
    assert acct.run("check").exit_code == 0


def test_deal_edit_opens_no_editor_while_gits_index_is_locked(acct: Repo, tmp_path,
                                                              monkeypatch: pytest.MonkeyPatch):
    """The commit would fail after the user typed it all: said before the editor opens."""
    put(acct, BASE)
    opened = tmp_path / "opened"
    editor(tmp_path, monkeypatch, f"touch {opened}")
    lock = acct.root / ".git/index.lock"
    lock.touch()
    r = acct.run("deal", "edit", "acme-erp")
    lock.unlink()
    assert r.exit_code == 1 and not opened.exists()
    assert r.stderr.startswith(f"Error: cannot edit {DEAL_FILE} now: fatal: Unable to "
                               f"create '{lock}': File exists. Another git process")
    assert acct.status() == ""


def test_a_structural_edit_refuses_what_it_cannot_keep(acct: Repo):
    put(acct, BASE + "x: ! 007\n")
    before, files = acct.head(), acct.snapshot()
    r = acct.run("log", "call", "acme-erp", "Intro call")
    assert r.exit_code == 1, r.output
    assert r.stderr.strip() == (
        f"Error: {DEAL_FILE}:12: cannot keep `x` as written: the round trip would turn "
        "'007' into 7; write the value quoted "
        "(or make this change with `salescli deal edit acme-erp`)")
    assert (acct.head(), acct.snapshot(), acct.status()) == (before, files, "")


def test_a_layout_the_round_trip_cannot_read_is_refused_in_one_line(acct: Repo):
    put(acct, BASE + "notes: # k\n  # c\n  value\n\n")
    before, files = acct.head(), acct.snapshot()
    r = acct.run("log", "call", "acme-erp", "Intro call")
    assert r.exit_code == 1, r.output
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output
    assert r.stderr.startswith(f"Error: {DEAL_FILE}:")
    assert "salescli deal edit acme-erp" in r.stderr
    assert (acct.head(), acct.snapshot(), acct.status()) == (before, files, "")


def test_a_file_keeps_its_byte_order_mark(acct: Repo):
    after = set_ok(acct, "\ufeff" + BASE + "notes: 'é'\n", "title=New")
    assert after.decode() == "\ufeff" + NEW_TITLE \
        + "notes: 'é'\n"


# ------------------------------------------ U+0085, U+2028, U+2029 in any field style


@pytest.mark.parametrize("old", ["notes: 'old'\n", "notes: old\n", 'notes: "old"\n',
                                 "notes: |\n  old\n", "notes: >\n  old\n"])
@pytest.mark.parametrize("char,escape", [("\x85", "\\N"), ("\u2028", "\\L"),
                                         ("\u2029", "\\P")])
def test_a_hidden_line_break_is_stored_escaped_whatever_the_field_style(
        acct: Repo, old: str, char: str, escape: str):
    after = set_ok(acct, BASE + old, f"notes=a{char}b")
    assert after.decode() == BASE + f'notes: "a{escape}b"\n'
    assert shown(acct)["notes"] == f"a{char}b"


# ------------------------------------------- line breaks and controls in a text value


@pytest.mark.parametrize("old,typed,new", [
    # a CRLF typed into a literal block keeps its CR
    ("notes: |\n  old\n", "a\r\nb", 'notes: "a\\r\\nb"\n'),
    # several lines typed into a literal block stay a literal block
    ("notes: |  # kept\n    old\n\nsource: referral\n", "first\n  second\n",
     "notes: |  # kept\n    first\n      second\n\nsource: referral\n"),
    # several lines typed into a one-line field are escaped
    ("notes: old  # kept\n", "a\nb", 'notes: "a\\nb" # kept\n'),
    # a value its field style cannot hold is escaped
    ("notes: old\n", "a\tb", 'notes: "a\\tb"\n'),
    ("notes: 'old'\n", "it's\x1b", 'notes: "it\'s\\e"\n'),
], ids=["crlf-in-a-literal-block", "lines-in-a-literal-block", "lines-in-a-one-line-field",
        "tab-in-a-plain-field", "escape-in-a-quoted-field"])
def test_a_typed_text_is_written_as_its_field_style_can_hold_it(acct: Repo, old: str,
                                                                typed: str, new: str):
    after = set_ok(acct, BASE + old, f"notes={typed}")
    assert after.decode() == BASE + new
    assert shown(acct)["notes"] == typed


# ------------------------------------------------------ every other byte as it was


def test_a_non_specific_tag_elsewhere_survives_an_edit(acct: Repo):
    after = set_ok(acct, BASE + "x: ! 007\n", "title=New")
    assert after.decode() == NEW_TITLE + "x: ! 007\n"


def test_a_comment_on_an_empty_value_stays(acct: Repo):
    after = set_ok(acct, BASE + "notes:  # todo\nsource: referral\n", "notes=hello")
    assert after.decode() == BASE + "notes: hello # todo\nsource: referral\n"
    after = set_ok(acct, BASE + "notes:            # todo\n", "notes=hello")
    assert after.decode() == BASE + "notes: hello      # todo\n"


@pytest.mark.parametrize("layout,changed", [
    # ruamel: NotImplementedError: overlap in comment
    ("notes: # k\n  # c\n  value\n\n", "notes: # k\n  # c\n  new text\n\n"),
    # ruamel: AssertionError
    ("notes:\n  # c\n  |  # e\n  value\n", "notes:\n  # c\n  |-  # e\n  new text\n"),
    ("notes:\n  # first\n  # second\n  value\nsource: referral\n",
     "notes:\n  # first\n  # second\n  new text\nsource: referral\n"),
])
def test_comment_lines_between_a_key_and_its_value(acct: Repo, layout: str, changed: str):
    after = set_ok(acct, BASE + layout, "title=New")
    assert after.decode() == NEW_TITLE + layout
    after = set_ok(acct, BASE + layout, "notes=new text")
    assert after.decode() == BASE + changed
    assert shown(acct)["notes"] == "new text"


@pytest.mark.parametrize("eol", ["\r\n", "\r"])
def test_a_file_keeps_its_line_endings(acct: Repo, eol: str):
    text = (BASE + "notes: |\n  line one\n  line two\n").replace("\n", eol)
    after = set_ok(acct, text, "title=New", "source=referral", "next_step.action=Call")
    assert after.decode() == (
        NEW_TITLE.replace("owner: anna\n", "owner: anna\nsource: referral\n")
        + "next_step: {action: Call}\nnotes: |\n  line one\n  line two\n"
    ).replace("\n", eol)
    assert shown(acct)["notes"] == "line one\nline two\n"


def test_mixed_line_endings_are_kept_line_by_line(acct: Repo):
    text = replaced(BASE, "stage: needs-analysis\n", "stage: needs-analysis\r\n")
    after = set_ok(acct, text, "title=New")
    assert after.decode() == text.replace("Order-processing automation", "New")


def test_a_block_list_set_inline_keeps_the_comments_after_it(acct: Repo):
    path = acct.root / "accounts/2026-10/acme-oy.yaml"
    text = replaced(path.read_text(), "owner: anna\n", "tags:  # mine\n  - a\n  - b  # old\n"
                    "# who looks after them\nowner: anna\n")
    path.write_text(text)
    acct.commit()
    r = acct.run("account", "set", "acme-oy", "tags=c,d")
    assert r.exit_code == 0, r.output
    assert path.read_text() == text.replace("tags:  # mine\n  - a\n  - b  # old\n",
                                            "tags: [c, d]  # mine\n")


# ------------------------------------------------------------------ property tests

STYLES = ("plain", "single", "double", "literal", "folded", "flow", "comment-between")
HOSTILE = list("'\":#-?&*!|>%@`{}[],\\ ") + [
    "\t", "\n", "\r", "\r\n", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff",
    "  lead", "trail  ", "a: b", "# c", "- x", "ä", "€", "日本", "🙂", "yes", "010", "null"]
hostile_text = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    st.lists(st.sampled_from(HOSTILE), max_size=8).map("".join),
)
EOLS = st.sampled_from(["\n", "\r\n", "\r"])


def _field(style: str, old: str) -> str | None:
    """`notes` (or `next_step.action`) holding `old` in `style`, with a comment; LF."""
    from salescli.store.yamlio import double_quoted

    if style == "plain":
        return f"notes: {old}  # keep\n"
    if style == "single":
        return "notes: '" + old.replace("'", "''") + "'  # keep\n"
    if style == "double":
        return f"notes: {double_quoted(old)}  # keep\n"
    if style in ("literal", "folded"):
        if style == "folded" and "\n" in old.rstrip("\n"):
            return None  # folding joins lines: only one line reads back as written
        chomp = "" if old.endswith("\n") else "-"
        lines = "".join(f"  {line}\n" if line else "\n" for line in old.rstrip("\n").split("\n"))
        return f"notes: {'|' if style == 'literal' else '>'}{chomp}  # keep\n{lines}"
    if style == "flow":
        return f"next_step: {{action: {double_quoted(old)}, due: 2026-11-25}}  # keep\n"
    return f"notes:  # keep\n  # about the notes\n  {double_quoted(old)}\n"


def _read(text: str) -> object:
    """The record as salescli reads the file (raw U+2028 and the like refused), or None."""
    from salescli.store.yamlio import YamlProblem
    from salescli.store.yamlio import decode
    from salescli.store.yamlio import load_fast

    try:
        return load_fast(decode(text.encode()))
    except YamlProblem:
        return None


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(STYLES), hostile_text, st.one_of(st.none(), hostile_text), EOLS)
def test_a_set_writes_the_value_and_keeps_every_other_byte(style: str, old: str,
                                                           new: str | None, eol: str):
    from salescli.core.model import key_order
    from salescli.store.yamlio import set_values

    head = "# a deal\nid: x\ntitle: 'T'  # theirs\n"
    tail = "owner: anna  # who\nitems:\n  - {name: Work, quantity: 1}\n\n# footer\n"
    field = _field(style, old)
    assume(field is not None)
    head, field, tail = (part.replace("\n", eol) for part in (head, field, tail))
    before = _read(head + field + tail)
    key = "next_step.action" if style == "flow" else "notes"
    where = before["next_step"] if style == "flow" and before else before
    assume(isinstance(where, dict) and where.get(key.rpartition(".")[2]) == old)

    after = set_values(head + field + tail, {key: new}, key_order("deal"))
    where[key.rpartition(".")[2]] = new  # the old record with only that value changed
    assert _read(after) == before, after
    assert after.startswith(head) and after.endswith(tail), after
    middle = after[len(head):len(after) - len(tail)]
    assert "# keep" in middle, after  # the comment on the value's line stays
    assert all(m.group() == eol for m in re.finditer(r"\r\n|\r|\n", middle)), after


@pytest.fixture(scope="module")
def prop_repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    from salescli.services.init import init_repository

    repo = Repo(tmp_path_factory.mktemp("edit") / "crm")
    init_repository(repo.root, "default")
    repo.write("accounts/2026-10/acme-oy.yaml", ACCOUNT)
    repo.commit()
    return repo


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(STYLES), hostile_text,
       hostile_text.filter(lambda s: "\x00" not in s), EOLS, st.booleans())
def test_deal_set_writes_the_typed_value_and_keeps_every_other_byte(
        prop_repo: Repo, style: str, old: str, typed: str, eol: str, bom: bool):
    field = _field(style, old)
    assume(field is not None)
    head = ("\ufeff" if bom else "") + BASE.replace("\n", eol)
    field = field.replace("\n", eol)
    before = _read(head.lstrip("\ufeff") + field)
    where = before.get("next_step") if style == "flow" and before else before
    assume(isinstance(where, dict) and where.get("action" if style == "flow" else "notes") == old)
    put(prop_repo, head + field)
    r = prop_repo.run("deal", "set", "acme-erp",
                      f"{'next_step.action' if style == 'flow' else 'notes'}={typed}")
    assert r.exit_code == 0, r.output
    after = file_bytes(prop_repo).decode()
    assert after.startswith(head), after
    assert "# keep" in after[len(head):]
    data = shown(prop_repo)
    value = data["next_step"]["action"] if style == "flow" else data["notes"]
    # which typed values clear a field is parse_assignments' to say (`null` does; across
    # one of YAML's line breaks, NEL too, or beside a no-break space it is text)
    cleared = parse_assignments([f"x={typed}"])["x"] is None
    assert value == (None if cleared else typed)
    assert prop_repo.run("check").exit_code == 0
