"""Edits never corrupt a record (issue 12): a `set` writes exactly the typed value, in
the file's own line endings, and leaves every other byte as it was; or it refuses with
one line and changes nothing. Every test goes through the real CLI."""

from __future__ import annotations

import json

import pytest
from conftest import ACCOUNT, Repo

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


def refused(repo: Repo, data: bytes | str, assignments: list[str], code: int,
            message: str) -> None:
    """`deal set` fails with exactly `message` and changes nothing at all."""
    put(repo, data)
    before, files = repo.head(), repo.snapshot()
    r = repo.run("deal", "set", "acme-erp", *assignments)
    assert r.exit_code == code, r.output
    assert r.stderr.strip() == f"Error: {message}"
    assert (repo.head(), repo.snapshot(), repo.status()) == (before, files, "")


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
    refused(acct, BASE, [f"probability={typed}"], 2,
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


def test_a_crlf_typed_into_a_literal_block_keeps_its_cr(acct: Repo):
    after = set_ok(acct, BASE + "notes: |\n  old\n", "notes=a\r\nb")
    assert after.decode() == BASE + 'notes: "a\\r\\nb"\n'
    assert shown(acct)["notes"] == "a\r\nb"


def test_several_lines_typed_into_a_literal_block_stay_a_literal_block(acct: Repo):
    after = set_ok(acct, BASE + "notes: |  # kept\n    old\n\nsource: referral\n",
                   "notes=first\n  second\n")
    assert after.decode() == BASE + ("notes: |  # kept\n    first\n      second\n\n"
                                     "source: referral\n")
    assert shown(acct)["notes"] == "first\n  second\n"


def test_several_lines_typed_into_a_one_line_field_are_escaped(acct: Repo):
    after = set_ok(acct, BASE + "notes: old  # kept\n", "notes=a\nb")
    assert after.decode() == BASE + 'notes: "a\\nb" # kept\n'
    assert shown(acct)["notes"] == "a\nb"


def test_a_value_its_field_style_cannot_hold_is_escaped(acct: Repo):
    after = set_ok(acct, BASE + "notes: old\n", "notes=a\tb")
    assert after.decode() == BASE + 'notes: "a\\tb"\n'
    after = set_ok(acct, BASE + "notes: 'old'\n", "notes=it's\x1b")
    assert after.decode() == BASE + 'notes: "it\'s\\e"\n'
    assert shown(acct)["notes"] == "it's\x1b"


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
    text = BASE.replace("stage: needs-analysis\n", "stage: needs-analysis\r\n")
    after = set_ok(acct, text, "title=New")
    assert after.decode() == text.replace("Order-processing automation", "New")
