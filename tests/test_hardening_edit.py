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
