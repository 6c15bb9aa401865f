"""`check`'s duplicates that come of two branches merged: one person twice among an
account's contacts (a warning), one quote or order number on two deals (an error). The
same from the kept facts, with `--no-cache` and as staged (the hook)."""

from __future__ import annotations

import pytest
from conftest import Repo
from conftest import customer
from conftest import seller

ACME = "accounts/2026-10/acme-oy.yaml"
X, Y = "deals/2026-10/x.yaml", "deals/2026-10/y.yaml"


def findings(repo: Repo) -> tuple[int, list[str]]:
    """`check`'s exit code and lines, the same every way: from the facts kept by the run
    before (then from its cache), from scratch, and as staged (every change staged, as
    the hook sees a commit of it)."""
    repo.git("add", "-A")
    r = repo.run("check")
    answer = r.exit_code, [ln for ln in r.stdout.splitlines() if "[" in ln]
    for args in ([], ["--no-cache"], ["--staged"], ["--staged", "--no-cache"]):
        again = repo.run("check", *args)
        assert (again.exit_code, [ln for ln in again.stdout.splitlines() if "[" in ln]) \
            == answer, args
    return answer


def test_one_e_mail_on_two_contacts_of_an_account_is_a_probable_duplicate(filled: Repo):
    assert findings(filled) == (0, [])  # the kept facts, for the edit to be read from
    filled.write(ACME, """
        id: acme-oy
        name: Acme Oy
        created: 2026-10-01
        contacts:
          - {id: matti-virtanen, name: Matti Virtanen}
          - {id: pia-uusi, name: Pia Uusi, email: pia@acme.fi, phone: "09 123 4567"}
          - {id: pia-m-uusi, name: Pia M. Uusi, email: Pia@Acme.fi}
          - {id: front-desk, name: Front Desk, phone: "09 123 4567"}
          - {id: pekka, name: Pekka, email: pekka@acme.fi, emails: [pekka@acme.fi, pia@acme.fi]}
        """)
    # a phone the account's people share is its switchboard: no one person twice
    assert findings(filled) == (0, [
        f"{ACME}:7:48: warning: probable duplicate: same e-mail `pia@acme.fi` as contact "
        "`pia-uusi` [duplicate]",
        f"{ACME}:9:76: warning: probable duplicate: same e-mail `pia@acme.fi` as contact "
        "`pia-uusi` [duplicate]"])


@pytest.fixture
def two_deals(repo: Repo) -> Repo:
    """Deals x and y of acme-oy, each with an item to quote."""
    seller(repo)
    customer(repo)
    for deal in ("x", "y"):
        repo.write(f"deals/2026-10/{deal}.yaml", f"""
            id: {deal}
            title: Deal {deal}
            account: acme-oy
            stage: needs-analysis
            value: 1000.00
            close_date: 2027-01-31
            created: 2026-10-01
            items:
              - {{name: Work, quantity: 1, unit_price: 1000.00, tax_rate: 25.5}}
            """)
    repo.commit()
    return repo


def on_two_branches(repo: Repo, ours: list[str], theirs: list[str]) -> None:
    """`ours` run on main and `theirs` on a branch from it, then the branch merged."""
    repo.git("checkout", "-qb", "theirs")
    assert repo.run(*theirs).exit_code == 0
    repo.git("checkout", "-q", "main")
    assert repo.run(*ours).exit_code == 0
    repo.git("merge", "-q", "--no-edit", "theirs")  # no file of both: no conflict


def twice(repo: Repo, key: str, command: str) -> None:
    """Two branches each give a document of `key` (quotes, orders) its first number."""
    if key == "orders":  # Q-2026-0001 and Q-2026-0002, accepted
        for deal in ("x", "y"):
            assert repo.run("quote", deal, "--date", "2026-11-20").exit_code == 0
            assert repo.run("quote", "accept", deal, "--date", "2026-11-21").exit_code == 0
    assert findings(repo) == (0, [])
    on_two_branches(repo, [command, "y", "--date", "2026-11-22"],
                    [command, "x", "--date", "2026-11-22"])


@pytest.mark.parametrize("key,command,number,line,again", [
    ("quotes", "quote", "quote number `Q-2026-0001`", 11, "quote make"),
    ("orders", "order", "order number `O-2026-0001`", 13, "order"),
])
def test_a_document_number_two_branches_gave_two_deals_is_an_error(
        two_deals: Repo, key: str, command: str, number: str, line: int, again: str):
    twice(two_deals, key, command)
    assert findings(two_deals) == (1, [
        f"{Y}:{line}:14: error: {number} is also recorded on {X}: a number is given once; "
        f"renumber this deal's: remove its `{key}:` entries of that number and their files "
        f"under {key}/y/, then `salescli {again} y` gives the next free number "
        "[duplicate-number]"])


def test_a_quote_number_given_twice_is_renumbered_as_the_error_says(two_deals: Repo):
    twice(two_deals, "quotes", "quote")
    two_deals.edit(Y, two_deals.root.joinpath(Y).read_text().split("quotes:")[1], "\n")
    two_deals.edit(Y, "quotes:\n", "")
    two_deals.git("rm", "-q", "quotes/y/Q-2026-0001-v1.md")
    two_deals.commit("y's quote unrecorded")
    assert findings(two_deals) == (0, [])
    r = two_deals.run("quote", "make", "y", "--date", "2026-11-23")
    assert r.stdout.startswith("Quote Q-2026-0002 v1 for y"), r.output


def test_a_new_version_of_a_deals_quote_is_no_number_given_twice(two_deals: Repo):
    assert two_deals.run("quote", "x", "--date", "2026-11-20").exit_code == 0
    two_deals.edit(X, "quantity: 1,", "quantity: 2,")
    two_deals.commit("x changed")
    r = two_deals.run("quote", "x", "--date", "2026-11-21")
    assert r.stdout.startswith("Quote Q-2026-0001 v2 for x"), r.output
    assert findings(two_deals) == (0, [])
