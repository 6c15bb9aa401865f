"""Shared fixtures: real temporary git repositories, inputs written as YAML."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from salescli.cli import cli
from salescli.services.init import init_repository
from salescli.store.repo import Repository

# the installed command, for tests that run salescli as its own process
SALESCLI = str(Path(sys.executable).parent / "salescli")
# a close date still ahead on whatever day the tests run: a deal added without --date is
# created today, and a close date before that is refused
SOON = (dt.date.today() + dt.timedelta(days=60)).isoformat()


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Tests never depend on the machine's git config.
    identity(monkeypatch, tmp_path / "home")


def identity(mp: pytest.MonkeyPatch, home: Path) -> None:
    """The test git identity and a HOME of its own (also for module-scoped repositories)."""
    home.mkdir(parents=True, exist_ok=True)
    mp.setenv("HOME", str(home))
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        mp.setenv(var, "Anna Tester")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        mp.setenv(var, "anna@example.com")
    mp.delenv("SALESCLI_REPO", raising=False)
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Anna Tester\n\temail = anna@example.com\n"
        "[init]\n\tdefaultBranch = main\n"
    )


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout


def replaced(text: str, old: str, new: str, count: int = -1) -> str:
    """`text` with `old` replaced by `new`; fails if `old` is not there, for a test that
    sets itself up by editing a shipped file's text must not go on testing nothing."""
    assert old in text, f"the text to replace is not there: {old!r}"
    return text.replace(old, new, count)


def existing_project(root: Path) -> Path:
    """A git repository that is someone's project already: one commit of a README."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    (root / "README").write_text("mine\n")
    git(root, "add", "README")
    git(root, "commit", "-qm", "first")
    return root


class Repo:
    """A pipeline repository in a temporary folder, with helpers to write records."""

    def __init__(self, root: Path):
        self.root = root

    @property
    def repo(self) -> Repository:
        return Repository(self.root)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def edit(self, rel: str | Path, old: str, new: str, count: int = -1) -> Path:
        """Replace `old` with `new` in the file `rel` (or at an absolute path), failing
        if `old` is not there (see replaced())."""
        path = self.root / rel
        path.write_text(replaced(path.read_text(encoding="utf-8"), old, new, count),
                        encoding="utf-8")
        return path

    def commit(self, message: str = "test data") -> None:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-qm", message)

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def run(self, *args: str, input: str | None = None):
        return CliRunner().invoke(cli, ["-C", str(self.root), *args], input=input,
                                  catch_exceptions=False)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def status(self) -> str:
        return self.git("status", "--porcelain")

    def state(self) -> tuple[str, dict[str, bytes], str]:
        """HEAD, every file and git status: what a refused command leaves as it was."""
        return self.head(), self.snapshot(), self.status()

    def snapshot(self) -> dict[str, bytes]:
        """Every file's bytes outside .git, to prove a command changed nothing."""
        out = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for name in filenames:
                p = Path(dirpath) / name
                out[p.relative_to(self.root).as_posix()] = p.read_bytes()
        return out


def clock(monkeypatch: Any, *moment: int) -> None:
    """Commands run as if it were `moment` (year, month, day[, hour...], local time):
    what lies ahead of it is booked, and a change dated after it is refused."""
    import datetime as dt

    from salescli.services import options

    at = dt.datetime(*moment).timestamp()
    monkeypatch.setattr(options, "now", lambda: at)


def refused(repo: Repo, args: list[str], code: int, message: str,
            run: Callable[..., Any] | None = None) -> Any:
    """The command exits `code` with exactly `Error: message` as its one stderr line,
    prints nothing on stdout, and changes nothing: no commit, no file, no git status.

    `run` runs the command another way (timed, in a subprocess); a CompletedProcess
    counts by its returncode.
    """
    before = repo.state()
    r = (run or repo.run)(*args)
    exit_code = r.returncode if isinstance(r, subprocess.CompletedProcess) else r.exit_code
    assert exit_code == code, (args, r.stdout, r.stderr)
    assert r.stderr == f"Error: {message}\n"
    assert r.stdout == ""
    assert repo.state() == before
    return r


def in_stage(repo: Repo, rel: str, stage: str, date: str | None = None) -> None:
    """Put a deal file in `stage` by hand and commit it, on `date` if given (`deal win`
    takes a deal from the last stage only, under the default pipeline's rules.skip:
    false)."""
    path = repo.root / rel
    path.write_text(re.sub(r"^stage: .*$", f"stage: {stage}", path.read_text(), flags=re.M))
    repo.git("add", rel)
    repo.git("commit", "-qm", f"{rel} in {stage}", *(("--date", date) if date else ()))


ACCOUNT = """
id: acme-oy
name: Acme Oy
business_id: 1234567-8
domain: acme.fi
owner: anna
created: 2026-10-01
contacts:
  - id: matti-virtanen
    name: Matti Virtanen
    email: matti.virtanen@acme.fi
    phone: "+358 40 123 4567"
    role: economic-buyer
    influence: high
"""

DEAL = """
id: acme-erp
title: Order-processing automation
account: acme-oy
pipeline: default
stage: needs-analysis
status: open
value: 48000.00
currency: EUR
close_date: 2027-01-31
owner: anna
source: referral
created: 2026-10-01
stakeholders:
  - {contact: matti-virtanen, role: economic-buyer}
"""

def deal_with(**changes: str | None) -> str:
    """The valid fixture deal DEAL with some lines replaced or added (None: removed, with
    the indented lines under it: `stakeholders=None` leaves no stakeholder)."""
    base = DEAL.strip("\n").splitlines()
    keys = [ln.split(":")[0] for ln in base]
    lines: list[str | None] = list(base)
    for key, value in changes.items():
        line = f"{key}: {value}" if value is not None else None
        if key not in keys:
            lines.append(line)
            continue
        at = keys.index(key)
        lines[at] = line
        if value is None:
            for below in range(at + 1, len(keys)):
                if not keys[below].startswith(" "):
                    break
                lines[below] = None
    return "\n".join(ln for ln in lines if ln is not None) + "\n"


PRODUCTS = """
currency: EUR
products:
  - sku: silma-pro
    name: Silma.io Pro
    unit: month
    unit_price: 300.00
    tax_rate: 25.5
    billing: monthly
    tiers:                      # written out of order on purpose
      - {min: 50, unit_price: 240.00}
      - {min: 10, unit_price: 270.00}
  - sku: support
    name: Support
    unit_price: 1000.00
    tax_rate: 25.5
    billing: quarterly
  - sku: books
    name: Manual
    unit_price: 49.90
    tax_rate: 10
  - sku: untaxed
    name: No rate
    unit_price: 10.00
"""


def seller(repo: Repo, *changes: tuple[str, str]) -> None:
    """What a document needs of the settings: the seller's name (Hubble Oy) in
    salescli.yaml, then each (old, new) of `changes` made there; and the price list
    PRODUCTS in products.yaml."""
    settings = (repo.root / "salescli.yaml").read_text()
    for old, new in (("company:\n  name: null", "company:\n  name: Hubble Oy"), *changes):
        settings = replaced(settings, old, new)
    repo.write("salescli.yaml", settings)
    repo.write("products.yaml", PRODUCTS)


def acme_account(repo: Repo, contacts: str = "", created: str = "2026-10-01") -> Path:
    """Account acme-oy (Acme Oy), created on `created` and filed in that month, with
    `contacts` (YAML list items) if any."""
    text = f"id: acme-oy\nname: Acme Oy\ncreated: {created}\n"
    if contacts:
        text += "contacts:\n" + textwrap.indent(textwrap.dedent(contacts).strip("\n"), "  ") + "\n"
    return repo.write(f"accounts/{created[:7]}/acme-oy.yaml", text)


def beta_lead(repo: Repo, **changes: str | None) -> Path:
    """Lead beta-ltd (Beta Ltd, contact Sara Beta), new from the website on 2026-10-01,
    with some fields replaced or added (None: removed), filed in its created month."""
    # owner None: no owner unless given, and then before `created`, where people write it
    fields = {"id": "beta-ltd", "company": "Beta Ltd",
              "contact": "{name: Sara Beta, email: sara@beta.example}", "source": "website",
              "status": "new", "owner": None, "created": "2026-10-01", **changes}
    text = "".join(f"{key}: {value}\n" for key, value in fields.items() if value is not None)
    return repo.write(f"leads/{fields['created'][:7]}/{fields['id']}.yaml", text)


def customer(repo: Repo, fields: str = "") -> Path:
    """The documents' customer, account acme-oy: `fields` (YAML lines) after its name,
    and its one contact Matti Virtanen, CFO, the economic buyer."""
    return repo.write("accounts/2026-10/acme-oy.yaml", (
        "id: acme-oy\nname: Acme Oy\n" + textwrap.dedent(fields).lstrip("\n")
        + "created: 2026-10-01\ncontacts:\n"
        "  - {id: matti-virtanen, name: Matti Virtanen, title: CFO, role: economic-buyer}\n"))


def deals_to_quote(repo: Repo) -> None:
    """The customer's two deals to quote, in needs-analysis, written but not committed:
    acme-erp (ERP, 48,000.00, stakeholder Matti Virtanen; 40 h of integration work at
    120.00, tax 25.5 %) and beta-crm (CRM; one licence at 1,000.00, tax 24 %)."""
    repo.write("deals/2026-10/acme-erp.yaml", """
        id: acme-erp
        title: ERP
        account: acme-oy
        stage: needs-analysis
        value: 48000.00
        close_date: 2027-01-31
        created: 2026-10-01
        stakeholders:
          - {contact: matti-virtanen}
        items:
          - {name: Integration work, quantity: 40, unit: h, unit_price: 120.00, tax_rate: 25.5}
        """)
    repo.write("deals/2026-10/beta-crm.yaml", """
        id: beta-crm
        title: CRM
        account: acme-oy
        stage: needs-analysis
        close_date: 2027-01-31
        created: 2026-10-02
        items:
          - {name: Licence, quantity: 1, unit_price: 1000.00, tax_rate: 24}
        """)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "crm"
    init_repository(root, "default")
    return Repo(root)


@pytest.fixture
def filled(repo: Repo) -> Repo:
    """A repository with one account and one valid deal, committed."""
    repo.write("accounts/2026-10/acme-oy.yaml", ACCOUNT)
    repo.write("deals/2026-10/acme-erp.yaml", DEAL)
    repo.commit()
    return repo


def write_open_deals(repo: Repo, count: int, *, buyer: bool = False) -> Repo:
    """Account acme-oy and the open deals d0, d1... on it, committed. `buyer`: Matti, an
    economic buyer, on the account and on each deal, and a licence item on each deal."""
    acme_account(repo, "- {id: matti, name: Matti Virtanen, role: economic-buyer}" if buyer else "")
    for n in range(count):
        repo.write(f"deals/2026-10/d{n}.yaml", f"""
            id: d{n}
            title: Deal {n}
            account: acme-oy
            pipeline: default
            stage: needs-analysis
            status: open
            value: 1.00
            currency: EUR
            close_date: 2027-01-31
            owner: anna
            created: 2026-10-05
            """ + ("""stakeholders:
              - {contact: matti, role: economic-buyer}
            items:
              - {name: Licence, quantity: 1, unit_price: 1000.00, tax_rate: 24}
            """ if buyer else ""))
    repo.commit()
    return repo


def processes() -> Iterator[tuple[str, str, list[str]]]:
    """Each process /proc shows: its pid, its name, and the fields of its `stat` after
    the name (state, ppid, pgrp, session...)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            name, rest = stat.split(" (", 1)[1].rsplit(") ", 1)
            yield entry, name, rest.split()


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium over its DevTools protocol; CI must have it, a laptop may not."""
    from chromium_cdp import Chromium
    from chromium_cdp import find_chromium

    exe = find_chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip("no Chromium here (apt-get install chromium); CI runs this test")
    browser = Chromium(exe, tmp_path / "profile")
    yield browser
    browser.close()


# -------------------------------------------- refusals that many commands share


def bad_id(kind: str, value: str) -> str:
    """The refusal of `value` as the ID of a `kind` (deal, lead, account, contact...)."""
    return (f"invalid {kind} ID '{value}': IDs are 1-64 characters of a-z, 0-9 and '-', "
            "starting with a letter or digit")


def not_found(kind: str, value: str, near: str | None = None) -> str:
    """The refusal of `value`, an ID that no `kind` (deal, lead, account; `record`: any of
    the three) has, suggesting the ID `near` if one is given."""
    from salescli.store.repo import KIND_DIRS

    if kind == "record":
        text = (f"no deal, lead or account '{value}'; see `salescli deal list`, `lead list` or "
                "`account list` for the IDs")
    else:
        text = (f"no {kind} '{value}' in {KIND_DIRS[kind]}/; see `salescli {kind} list` for "
                "the IDs")
    return text + (f" (did you mean `{near}`?)" if near else "")


def probable_duplicate(field: str, value: str, of: str) -> str:
    """The refusal to add a record whose `field` is `value`, as that of `of` (`account
    acme-oy`, `contact matti-virtanen of account acme-oy`...)."""
    return f"probable duplicate: same {field} `{value}` as {of}; to add it anyway, use --force"


def not_an_email(field: str, value: str) -> str:
    """The refusal of `value` given as the e-mail address `field` (an option or a field)."""
    return f"{field} {value!r} is not an e-mail address (such as name@example.com)"
