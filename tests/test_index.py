"""The record index (.git/salescli/index.sqlite) never gives a wrong answer.

Every listing that reads through the index must print, byte for byte and with the same
warnings, what `--no-cache` (the same code over an index built in memory from the files)
prints, whatever happened to the files, to git and to the index file in between.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner
from conftest import ACCOUNT
from conftest import DEAL
from conftest import Repo
from conftest import deal_with
from conftest import git
from conftest import replaced
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from salescli.cli import cli
from salescli.services.init import init_repository
from salescli.store import index as index_mod
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import Repository

QUERIES = (
    ("deal", "list", "--status", "all", "--format", "json"),
    ("account", "list", "--format", "json"),
    ("lead", "list", "--format", "json"),
    # what a listing printed is kept (not JSON's): it must be what the files say too
    ("deal", "list", "--status", "all", "--format", "csv"),
    ("account", "list"),
    ("lead", "list", "--format", "markdown"),
    ("today", "--format", "json", "--on", "2026-06-01"),
    ("stale", "--format", "json", "--on", "2026-06-01"),
    # the day each open deal entered its stage (a day ahead: the board as it is now)
    ("board", "--format", "json", "--on", "2030-01-01"),
    ("sql", "SELECT * FROM deals ORDER BY id", "--format", "json"),
    # what the index works out of each record's activities, besides the deals'
    ("sql", "SELECT 'account', id, last_activity, next_activity FROM accounts UNION ALL "
     "SELECT 'lead', id, last_activity, next_activity FROM leads UNION ALL "
     "SELECT record_kind, record_id || ':' || line, pending, happened FROM activities "
     "ORDER BY 1, 2", "--format", "json"),
    # what the duplicate refusals of account add, lead add and lead convert look up
    ("sql", "SELECT * FROM keys ORDER BY kind, path, what, value, contact", "--format", "json"),
)

LEAD = """
id: beta-oy
company: Beta Oy
source: website
status: new
owner: anna
created: 2026-05-02
"""


def invoke(root: Path, *args: str) -> tuple:
    """One in-process run: what a user sees (exit code, stdout, stderr, a crash)."""
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    crash = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crash = f"{type(result.exception).__name__}: {result.exception}"
    return result.exit_code, result.stdout, result.stderr, crash


def index_file(root: Path) -> Path:
    return root / ".git" / "salescli" / "index.sqlite"


def assert_answers_agree(root: Path, queries: tuple = QUERIES) -> None:
    for query in queries:
        cached = invoke(root, *query)
        fresh = invoke(root, *query, "--no-cache")
        assert cached == fresh, f"{' '.join(query)}: the index answered differently"
        assert fresh[3] is None, f"{' '.join(query)} crashed: {fresh[3]}"


def assert_index_consistent(root: Path, kinds: tuple = index_mod.KINDS) -> None:
    """The index file, as it is (no refresh), holds for `kinds` what the files say now."""
    from salescli.core.tables import KIND_TABLES

    def rows(con: sqlite3.Connection) -> dict:
        out = {}
        for kind in kinds:
            for table in KIND_TABLES[kind]:
                where = f" WHERE record_kind = '{kind}'" if table == "activities" else ""
                out[kind, table] = sorted(
                    (tuple(r) for r in con.execute(f'SELECT * FROM "{table}"{where}')),
                    key=repr)
            out[kind, "records"] = sorted(tuple(r) for r in con.execute(
                "SELECT * FROM records WHERE kind = ?", (kind,)))
            out[kind, "keys"] = sorted((tuple(r) for r in con.execute(
                "SELECT * FROM keys WHERE kind = ?", (kind,))), key=repr)
        return out

    with index_mod.Index.open(Repository(root), kinds, use_cache=False) as memory:
        want = rows(memory.con)
    con = sqlite3.connect(index_file(root))
    try:
        stored = {k: marshal_loads(con, f"stat:{k}") for k in kinds}
        have = rows(con)
    finally:
        con.close()
    for kind in kinds:
        on_disk = index_mod.walk(str(root), kind)
        assert set(stored[kind]) == set(on_disk), f"{kind}: stat entries != files"
    assert have == want


def tables_of(path: Path) -> dict:
    """Every row of every table and the schema of an SQLite file."""
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
               for n in names if n != "meta"}
        out["sqlite_master"] = sorted(con.execute("SELECT * FROM sqlite_master").fetchall(),
                                      key=repr)
        out["user_version"] = con.execute("PRAGMA user_version").fetchall()
        return out
    finally:
        con.close()


def marshal_loads(con: sqlite3.Connection, key: str) -> dict:
    import marshal

    row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return {} if row is None else marshal.loads(row[0])


def seed(root: Path) -> Repo:
    init_repository(root, "default")
    r = Repo(root)
    r.write("accounts/2026-10/acme-oy.yaml", ACCOUNT)
    r.write("deals/2026-10/acme-erp.yaml", DEAL)
    gamma = deal_with(id="gamma-crm", stage="proposal", created="2026-03-02",
                      close_date="2026-05-10", value=None)
    r.write("deals/2026-03/gamma-crm.yaml", gamma
            + "items:\n  - {name: Work, quantity: 10, unit_price: 120.50}\n"
            + "activities:\n  - {date: 2026-04-01, type: call, summary: Intro}\n")
    r.write("leads/2026-05/beta-oy.yaml", LEAD)
    r.commit("seed")
    # a clone made long ago: every file's mtime is old, so no entry is racily clean
    old = time.time_ns() - 86400 * 10**9 * 30
    for path in root.glob("*/*/*.yaml"):
        os.utime(path, ns=(old, old))
    return r


def same_size_edit(text: str, salt: int = 0) -> str:
    """The text with one character of its title/name/company changed: same size."""
    lines = text.split("\n")
    for n, line in enumerate(lines):
        for key in ("title: ", "name: ", "company: "):
            if line.startswith(key) and len(line) > len(key):
                last = line[-1]
                options = [c for c in "qwxz" if c != last]
                lines[n] = line[:-1] + options[salt % len(options)]
                return "\n".join(lines)
    return text.replace("e", "x", 1) if "e" in text else text


# ------------------------------------------------------------ coarse timestamps


def _coarse(st: tuple) -> tuple:
    size, ino, mtime, ctime = st[:4]
    return (size, ino, mtime - mtime % 1_000_000_000, ctime - ctime % 1_000_000_000)


def coarse_clock() -> mock._patch:
    """A file system with one-second timestamps (ext3, HFS+, many network mounts): two
    writes within the same second leave the same stat, so only the racily-clean logic
    can tell them apart."""
    real_walk, real_stat = index_mod.walk, index_mod._stat

    def walk(root: str, kind: str, dirs: dict | None = None) -> dict:
        return {p: _coarse(s) for p, s in real_walk(root, kind, dirs).items()}

    def stat(full: str):
        s = real_stat(full)
        return None if s is None else _coarse(s)

    return mock.patch.multiple(index_mod, walk=walk, _stat=stat)


# ------------------------------------------------------------ the state machine


# NOSHRINK=1: report a failing sequence as found (shrinking one can take minutes)
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] if os.environ.get("NOSHRINK") \
    else list(Phase)
DEAL_SETS = ("value=1234", "value=99000.50", "close_date=2026-05-01",
             "close_date=2027-03-31", "next_step.action=Call back",
             "next_step.due=2026-05-20", "title=Renamed deal", "probability=55")


class IndexMachine(RuleBasedStateMachine):
    base: Path  # set by the test
    count = 0

    def __init__(self) -> None:
        super().__init__()
        IndexMachine.count += 1
        self.root = self.base / f"ex{IndexMachine.count}"
        self.r = seed(self.root)
        self.patch = None
        self.copies = 0  # edit_twice_fast's

    def teardown(self) -> None:
        if self.patch is not None:
            self.patch.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @initialize(clock=st.sampled_from(["coarse", "coarse", "fine", "settled"]))
    def clock(self, clock: str) -> None:
        if clock == "coarse":
            self.patch = coarse_clock()
        elif clock == "settled":
            # folders and git's index trusted by their stat at once, as a second later:
            # a read after each step takes what git vouches for and stats the rest
            # (no step runs while a read lists a folder, so none can slip between)
            self.patch = mock.patch.object(index_mod, "SCAN_FRESH_NS", 0)
        if self.patch is not None:
            self.patch.start()

    # -- helpers
    def files(self, kind: str) -> list[Path]:
        return sorted(self.root.glob(f"{KIND_DIRS[kind]}/*/*.yaml"))

    def pick(self, kind: str, n: int) -> Path | None:
        found = self.files(kind)
        return found[n % len(found)] if found else None

    def ids(self, kind: str, n: int) -> str:
        p = self.pick(kind, n)
        return p.stem if p else "nothing"

    def run(self, *args: str) -> None:
        out = invoke(self.root, *args)
        assert out[3] is None, f"{' '.join(args)} crashed: {out[3]}"

    def git(self, *args: str) -> None:
        subprocess.run(["git", *args], cwd=self.root, capture_output=True)

    # -- commands
    @rule(n=st.integers(0, 3), value=st.sampled_from(["1000", "25000.50", "0"]),
          close=st.sampled_from(["2026-05-15", "2026-07-01", "2027-01-31"]),
          acc=st.integers(0, 9), no_commit=st.booleans())
    def deal_add(self, n: int, value: str, close: str, acc: int, no_commit: bool) -> None:
        extra = ("--no-commit",) if no_commit else ()
        self.run("deal", "add", f"Deal number {n}", "--account", self.ids("account", acc),
                 "--value", value, "--close-date", close, "--force", *extra)

    @rule(n=st.integers(0, 9), assignment=st.sampled_from(DEAL_SETS), no_commit=st.booleans())
    def deal_set(self, n: int, assignment: str, no_commit: bool) -> None:
        extra = ("--no-commit",) if no_commit else ()
        self.run("deal", "set", self.ids("deal", n), assignment, *extra)

    @rule(n=st.integers(0, 9))
    def deal_advance(self, n: int) -> None:
        self.run("deal", "advance", self.ids("deal", n))

    @rule(n=st.integers(0, 9), stage=st.sampled_from(["needs-analysis", "proposal"]))
    def deal_move(self, n: int, stage: str) -> None:
        self.run("deal", "move", self.ids("deal", n), stage, "--reason", "scope")

    @rule(n=st.integers(0, 9), price=st.sampled_from(["100", "2500.25"]))
    def deal_item_add(self, n: int, price: str) -> None:
        self.run("deal", "item", "add", self.ids("deal", n), "--name", "Work",
                 "--unit-price", price, "--quantity", "3")

    @rule(n=st.integers(0, 9), won=st.booleans(), revisit=st.booleans())
    def deal_close(self, n: int, won: bool, revisit: bool) -> None:
        if won:
            self.run("deal", "win", self.ids("deal", n))
        else:
            extra = ("--revisit", "2026-04-01") if revisit else ()
            self.run("deal", "lose", self.ids("deal", n), "--reason", "price", *extra)

    @rule(n=st.integers(0, 3))
    def lead_add(self, n: int) -> None:
        self.run("lead", "add", f"Lead Company {n}", "--contact", "Pia", "--force")

    @rule(n=st.integers(0, 3))
    def account_add(self, n: int) -> None:
        self.run("account", "add", f"Account Company {n}", "--force")

    @rule(kind=st.sampled_from(["deal", "lead", "account"]), n=st.integers(0, 9),
          meeting=st.sampled_from([None, "booked", "held"]))
    def log(self, kind: str, n: int, meeting: str | None) -> None:
        # a meeting booked, then one held, answers it (the `pending` column)
        what = ("meeting", "--status", meeting) if meeting else ("call",)
        self.run("log", what[0], f"{kind}:{self.ids(kind, n)}", "Called them", *what[1:],
                 "--date", "2026-04-20")

    # -- hand edits
    @rule(kind=st.sampled_from(["deal", "lead", "account"]), n=st.integers(0, 9),
          how=st.sampled_from(["valid", "same-size", "invalid", "quoted-stage", "empty",
                               "keep-mtime"]),
          salt=st.integers(0, 3))
    def hand_edit(self, kind: str, n: int, how: str, salt: int) -> None:
        path = self.pick(kind, n)
        if path is None:
            return
        text, old = path.read_text(), time.time_ns() - 86400 * 10**9 * 40
        if how == "valid":
            text = text.replace("\nowner: ", f"\nnotes: edited {salt}\nowner: ", 1)
        elif how in ("same-size", "keep-mtime"):
            text = same_size_edit(text, salt)
        elif how == "invalid":
            text = "id: [broken\n" + text
        elif how == "quoted-stage":
            text = text.replace("\nstage: ", '\n"stage": ', 1).replace(
                '"stage": needs-analysis', '"stage": proposal')
        else:
            text = ""
        path.write_text(text)
        if how == "keep-mtime":  # as `cp -p`, `rsync -a`, `touch -r` leave it
            os.utime(path, ns=(old, old))

    @rule(n=st.integers(0, 9), salt=st.integers(0, 3), read_between=st.booleans(),
          keep_mtime=st.booleans())
    def edit_twice_fast(self, n: int, salt: int, read_between: bool, keep_mtime: bool) -> None:
        """Two same-size edits within the same clock tick (a millisecond without the
        index reading between them), the index possibly reading the file between them;
        `keep_mtime`: with an old modification time, as `cp -p`, `rsync -a` or
        `touch -r` leave a file."""
        path = self.pick("deal", n)
        if path is None:
            return
        # each copy's old mtime seconds apart from the last one's: git compares stat to
        # the second (built without USE_NSEC), so within one second of an old mtime it
        # cannot tell two copies apart, and its `git status` is as blind as this index
        # (which trusts what git vouches for) would be
        self.copies += 1
        old = time.time_ns() - 86400 * 10**9 * 40 - self.copies * 2 * 10**9
        text = path.read_text()
        first, second = same_size_edit(text, salt), same_size_edit(text, salt + 1)
        path.write_text(first)
        if keep_mtime:
            os.utime(path, ns=(old, old))
        if read_between:
            with index_mod.Index.open(Repository(self.root), ("deal",)):
                pass
        path.write_text(second)
        if keep_mtime:
            os.utime(path, ns=(old, old))

    @rule(n=st.integers(0, 9), salt=st.integers(0, 3))
    def copy_keeping_mtime(self, n: int, salt: int) -> None:
        """`cp -p` twice over a record, the index reading between: same size, same
        (old) mtime, only the change time moves, within one tick."""
        self.edit_twice_fast(n, salt, read_between=True, keep_mtime=True)

    @rule(kind=st.sampled_from(["deal", "lead", "account"]), n=st.integers(0, 9))
    def undo_edit(self, kind: str, n: int) -> None:
        """An editor's undo: the text git has indexed, written back in place, git's own
        index untouched (a file read while edited is as committed again)."""
        path = self.pick(kind, n)
        if path is None:
            return
        shown = subprocess.run(["git", "show", f":{path.relative_to(self.root).as_posix()}"],
                               cwd=self.root, capture_output=True)
        if shown.returncode == 0:
            path.write_bytes(shown.stdout)

    @rule(kind=st.sampled_from(["deal", "lead", "account"]), n=st.integers(0, 9))
    def delete_file(self, kind: str, n: int) -> None:
        path = self.pick(kind, n)
        if path is not None:
            path.unlink()

    @rule(kind=st.sampled_from(["deal", "lead", "account"]), n=st.integers(0, 9),
          month=st.sampled_from(["2025-03", "2027-11"]), same_id=st.booleans())
    def new_month_file(self, kind: str, n: int, month: str, same_id: bool) -> None:
        """A record in a month folder that did not exist: a copy (duplicate ID) or new."""
        path = self.pick(kind, n)
        if path is None:
            return
        text, name = path.read_text(), path.stem
        if not same_id:
            text = text.replace(f"id: {name}\n", f"id: {name}-copy\n", 1)
            name += "-copy"
        target = self.root / KIND_DIRS[kind] / month / f"{name}.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    @rule(kind=st.sampled_from(["deal", "lead", "account"]), n=st.integers(0, 9),
          back=st.integers(1, 3))
    def checkout_old_file(self, kind: str, n: int, back: int) -> None:
        path = self.pick(kind, n)
        if path is not None:
            self.git("checkout", f"HEAD~{back}", "--", str(path.relative_to(self.root)))

    @rule()
    def commit_all(self) -> None:
        self.git("add", "-A")
        self.git("commit", "-qm", "hand edits")

    @rule()
    def reset_hard(self) -> None:
        if len(self.r.git("log", "--format=%h").split()) > 2:
            self.git("reset", "-q", "--hard", "HEAD~1")

    @rule(pop=st.booleans())
    def stash(self, pop: bool) -> None:
        self.git("stash", "pop" if pop else "push", "-q", *(() if pop else ("-u",)))

    @rule(drop=st.booleans())
    def rebase(self, drop: bool) -> None:
        """History rewritten under the work tree: drop the commit before HEAD, or replay
        this branch onto the other one. A rebase that conflicts is aborted, as a person
        would; `--autostash` carries uncommitted edits across, as a person would."""
        if drop:
            if len(self.r.git("log", "--format=%h").split()) < 3:
                return
            target = ["--onto", "HEAD~2", "HEAD~1"]
        else:
            here = self.r.git("branch", "--show-current").strip()
            other = "other" if here == "main" else "main"
            if subprocess.run(["git", "rev-parse", "--verify", "-q", other], cwd=self.root,
                              capture_output=True).returncode != 0:
                return
            target = [other]
        done = subprocess.run(["git", "rebase", "-q", "--autostash", *target],
                              cwd=self.root, capture_output=True)
        if done.returncode != 0:
            self.git("rebase", "--abort")

    @rule(branch=st.sampled_from(["main", "other"]))
    def switch_branch(self, branch: str) -> None:
        exists = subprocess.run(["git", "rev-parse", "--verify", "-q", branch],
                                cwd=self.root, capture_output=True).returncode == 0
        self.git("checkout", "-q", *(() if exists else ("-b",)), branch)

    @rule(currency=st.sampled_from(["EUR", "USD"]))
    def edit_settings(self, currency: str) -> None:
        path = self.root / "salescli.yaml"
        path.write_text(path.read_text().replace("\ncurrency: EUR", f"\ncurrency: {currency}")
                        .replace("\ncurrency: USD", f"\ncurrency: {currency}"))

    # -- the index file itself
    # overwriting the middle of the file ("zeroed-tail") is test_damage_inside_the_file
    @rule(how=st.sampled_from(["delete", "truncate", "garbage", "empty"]),
          where=st.floats(0.05, 0.95))
    def damage_index(self, how: str, where: float) -> None:
        path = index_file(self.root)
        if not path.exists():
            return
        size = path.stat().st_size
        if how == "delete":
            path.unlink()
        elif how == "truncate":
            os.truncate(path, int(size * where))
        elif how == "garbage":
            path.write_bytes(b"this is not a database\n" * 50)
        else:
            path.write_bytes(b"")

    # -- the invariant
    @invariant()
    def index_answers_as_the_files(self) -> None:
        assert_answers_agree(self.root)


def test_index_state_machine(tmp_path: Path) -> None:
    IndexMachine.base = tmp_path
    run_state_machine_as_test(IndexMachine, settings=settings(
        max_examples=25, stateful_step_count=12, deadline=None,
        suppress_health_check=list(HealthCheck), phases=PHASES))


# ------------------------------------------------------------ examples


def test_one_second_clock_copy_keeping_mtime(repo: Repo) -> None:
    """The state machine's first find: `cp -p` twice within one change-time tick of a
    read, same size, old mtime; the index kept the first copy."""
    seed_files = seed(repo.root / "x")
    root = seed_files.root
    path = root / "deals/2026-10/acme-erp.yaml"
    old = time.time_ns() - 86400 * 10**9 * 40
    with coarse_clock():
        for salt in range(3):
            time.sleep(1 - time.time() % 1 + 0.01)  # at the start of a second
            text = path.read_text()
            path.write_text(same_size_edit(text, salt))
            os.utime(path, ns=(old, old))
            assert invoke(root, *QUERIES[0])[0] == 0
            path.write_text(same_size_edit(text, salt + 1))
            os.utime(path, ns=(old, old))
            assert_answers_agree(root, QUERIES[:1])


def test_rebase_that_drops_and_replays_commits(tmp_path: Path) -> None:
    """A rebase rewrites what the files hold without any salescli command: dropping the
    commit that advanced a deal, then replaying a branch's commits onto another."""
    r = seed(tmp_path / "crm")
    m = IndexMachine.__new__(IndexMachine)
    m.root, m.r = r.root, r
    m.run("deal", "advance", "acme-erp")
    m.run("deal", "set", "gamma-crm", "value=1234")
    assert_answers_agree(r.root)
    m.rebase(drop=True)  # the advance is gone
    subjects = r.git("log", "--format=%s").splitlines()
    assert subjects[0].startswith("deal(gamma-crm): set") and "advance" not in str(subjects)
    assert_answers_agree(r.root)
    m.switch_branch("other")
    m.run("account", "add", "Delta Oy")
    m.switch_branch("main")
    m.run("deal", "set", "acme-erp", "value=777")
    m.switch_branch("other")
    m.rebase(drop=False)  # other's commit replayed on main's
    assert "value: 777" in (r.root / "deals/2026-10/acme-erp.yaml").read_text()
    assert_answers_agree(r.root)


@pytest.fixture
def crm(tmp_path: Path) -> Path:
    return seed(tmp_path / "crm").root


def many_deals(root: Path, n: int = 40) -> None:
    for i in range(n):
        Repo(root).write(f"deals/2026-10/deal-{i:03d}.yaml",
                         replaced(DEAL, "acme-erp", f"deal-{i:03d}"))


@pytest.mark.parametrize("damage", ["truncate-half", "truncate-header", "garbage", "empty",
                                    "zeroed-tail"])
def test_damaged_index_is_rebuilt(crm: Path, damage: str) -> None:
    many_deals(crm)
    assert invoke(crm, *QUERIES[0])[0] == 0
    path = index_file(crm)
    size = path.stat().st_size
    if damage == "truncate-half":
        os.truncate(path, size // 2)
    elif damage == "truncate-header":
        os.truncate(path, 50)
    elif damage == "garbage":
        path.write_bytes(os.urandom(size))
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with open(path, "r+b") as fh:
            fh.seek(size // 2)
            fh.write(b"\0" * (size - size // 2))
    Repo(crm).write("deals/2026-10/deal-001.yaml",
                    replaced(replaced(DEAL, "acme-erp", "deal-001"), "48000.00", "1.00"))
    assert_answers_agree(crm)
    assert_index_consistent(crm)


def test_a_first_build_indexes_its_empty_tables_after_the_rows(
        crm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bulk load drops the indexes of the tables it finds empty and makes them again
    after its rows, in its transaction: every index is there after, the rows are as
    without the cache, and a later write (an index kept row by row) agrees too."""
    monkeypatch.setattr(index_mod, "BULK", 2)  # the small repository's builds are bulk
    many_deals(crm, 5)
    assert_answers_agree(crm)
    assert_index_consistent(crm)

    def names() -> set[str]:
        con = sqlite3.connect(index_file(crm))
        try:
            return {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
        finally:
            con.close()

    made = {index_mod._INDEX_OF.match(s)[1] for s in index_mod.schema_sql()
            if s.startswith("CREATE INDEX")}
    assert names() == made
    Repo(crm).write("deals/2026-10/deal-001.yaml",
                    replaced(replaced(DEAL, "acme-erp", "deal-001"), "48000.00", "1.00"))
    assert_answers_agree(crm)
    assert_index_consistent(crm)
    assert names() == made


def test_damage_inside_the_file(crm: Path) -> None:
    """A page damaged inside the file passes Index.open (header, meta and the stat tables
    read fine) and shows only when a query reaches it: that run answers from memory."""
    many_deals(crm)
    assert_answers_agree(crm)
    path = index_file(crm)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.seek(int(size * 0.45))
        fh.write(b"\xff" * 64)
    assert_answers_agree(crm)


@pytest.mark.parametrize("how", ["version", "user_version", "schema"])
def test_index_of_another_version_is_rebuilt(crm: Path, how: str) -> None:
    import marshal

    assert invoke(crm, *QUERIES[0])[0] == 0
    con = sqlite3.connect(index_file(crm), isolation_level=None)
    if how == "version":
        con.execute("UPDATE meta SET value = ? WHERE key = 'version'",
                    (marshal.dumps(["0.0.1", index_mod.schema_sql()]),))
    elif how == "user_version":
        con.execute("PRAGMA user_version = 99")
    else:
        con.execute("DROP TABLE deals")
        con.execute('CREATE TABLE deals (id TEXT, "value" REAL)')
    con.close()
    Repo(crm).write("deals/2026-10/acme-erp.yaml", replaced(DEAL, "48000.00", "7.00"))
    assert_answers_agree(crm)
    assert_index_consistent(crm)


def test_an_unusable_index_folder_still_answers(crm: Path) -> None:
    """`.git/salescli` cannot hold the index (a file stands where the folder goes; a
    folder without write permission fails the same way, but root could write there, so
    this test does not rely on permissions): answered in memory, rightly."""
    assert invoke(crm, *QUERIES[0])[0] == 0
    folder = index_file(crm).parent
    Repo(crm).write("deals/2026-10/acme-erp.yaml", replaced(DEAL, "48000.00", "7.00"))
    expected = invoke(crm, *QUERIES[0], "--no-cache")
    shutil.rmtree(folder)
    folder.write_text("not a folder\n")
    try:
        assert invoke(crm, *QUERIES[0]) == expected
    finally:
        folder.unlink()


def test_processes_racing_on_a_stale_index(crm: Path) -> None:
    many_deals(crm, 60)
    assert invoke(crm, *QUERIES[0])[0] == 0
    for i in range(60):  # every file changes
        Repo(crm).write(f"deals/2026-10/deal-{i:03d}.yaml", replaced(
            replaced(DEAL, "acme-erp", f"deal-{i:03d}"), "48000.00", f"{1000 + i}.00"))
    expected = invoke(crm, *QUERIES[0], "--no-cache")
    procs = [subprocess.Popen([sys.executable, "-m", "salescli", "-C", str(crm), *QUERIES[0]],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert (p.returncode, out, err) == expected[:3]
    assert_index_consistent(crm, ("deal",))
    assert invoke(crm, *QUERIES[0]) == expected


@pytest.mark.parametrize("lock", ["EXCLUSIVE", "IMMEDIATE"])
def test_locked_index_answers_in_time(crm: Path, lock: str) -> None:
    assert invoke(crm, *QUERIES[0])[0] == 0
    Repo(crm).write("deals/2026-10/acme-erp.yaml", replaced(DEAL, "48000.00", "7.00"))
    expected = invoke(crm, *QUERIES[0], "--no-cache")
    holder = sqlite3.connect(index_file(crm), isolation_level=None)
    holder.execute(f"BEGIN {lock}")
    try:
        start = time.monotonic()
        out = subprocess.run([sys.executable, "-m", "salescli", "-C", str(crm), *QUERIES[0]],
                             capture_output=True, text=True, timeout=60)
        took = time.monotonic() - start
        assert (out.returncode, out.stdout, out.stderr) == expected[:3]
        assert took < index_mod.TIMEOUT + 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_answers_agree(crm, QUERIES[:1])
    assert_index_consistent(crm, ("deal",))


@pytest.mark.parametrize("query", [
    "INSERT INTO deals (id) VALUES ('x')",
    "DELETE FROM records",
    "UPDATE deals SET value = 0",
    "DROP TABLE deals",
    "CREATE TABLE t (x)",
    "ATTACH DATABASE 'other.db' AS other",
    "PRAGMA user_version",
    "PRAGMA writable_schema = ON",
    "SELECT 1; SELECT 2",
    "SELECT * FROM deals; DELETE FROM deals",
    "VACUUM",
    "VACUUM INTO 'copy.db'",
    "SELECT * FROM pragma_query_only",
    "SELECT * FROM pragma_user_version",
    "SELECT * FROM pragma_table_info('deals'); PRAGMA query_only = OFF",
    "PRAGMA table_info(deals)",  # a schema pragma, but as a statement, not read by SELECT
    "PRAGMA table_list",
])
def test_sql_refuses_anything_but_reading(crm: Path, query: str) -> None:
    assert invoke(crm, "sql", "SELECT 1")[0] == 0
    before = tables_of(index_file(crm))
    code, out, err, crash = invoke(crm, "sql", query)
    assert (code, out, crash) == (2, "", None)
    assert len(err.splitlines()) == 1 and err.startswith("Error: sql:"), err
    assert tables_of(index_file(crm)) == before
    assert not (crm / "copy.db").exists() and not (crm / "other.db").exists()
    assert_answers_agree(crm, QUERIES[-1:])


def test_sql_reads_the_schema_through_its_pragmas(crm: Path) -> None:
    """The pragmas that only describe tables work as table functions, as in sqlite3."""
    code, out, err, _ = invoke(crm, "sql", "SELECT name FROM pragma_table_info('deals') "
                               "WHERE name LIKE 'account%'", "--format", "csv")
    assert (code, out, err) == (0, "name\naccount_id\n", "")
    code, out, _, _ = invoke(crm, "sql", "SELECT count(*) AS n FROM pragma_index_list("
                             "'contacts') JOIN pragma_table_list USING (name)", "--format",
                             "csv")
    assert code == 0 and out.startswith("n\n")


def test_sql_reads_a_records_lists_with_json_each(crm: Path) -> None:
    """A record's lists (stakeholders, items...) in the `records` JSON, row by row."""
    code, out, err, _ = invoke(
        crm, "sql", "SELECT count(*) AS n FROM deals d JOIN records r ON r.path = d.path, "
        "json_each(r.json, '$.stakeholders') s WHERE json_extract(s.value, '$.contact') "
        "IS NOT NULL", "--format", "csv")
    assert code == 0 and err == "" and out.startswith("n\n"), (out, err)
    code, out, err, _ = invoke(crm, "sql", "SELECT key FROM json_tree('{\"a\": 1}') "
                               "WHERE key = 'a'", "--format", "csv")
    assert (code, out, err) == (0, "key\na\n", "")


def test_sql_without_a_query_prints_the_schema(crm: Path) -> None:
    code, out, err, _ = invoke(crm, "sql")
    assert code == 0 and err == ""
    for table in ("accounts", "contacts", "leads", "deals", "items", "activities", "records"):
        assert f'CREATE TABLE "{table}"' in out or f"CREATE TABLE {table}" in out
    assert "meta" not in out
    assert invoke(crm, "sql", "--no-cache") == (code, out, err, None)


def test_ctrl_c_stops_a_long_query_as_it_stops_any_command(crm: Path) -> None:
    """SQLite says an interrupted query is an error ("interrupted"): it was a usage
    error, exit 2; Ctrl-C is `Aborted!`, exit 1, wherever it comes."""
    import signal

    proc = subprocess.Popen(
        [sys.executable, "-m", "salescli", "-C", str(crm), "sql", "WITH RECURSIVE c(x) AS "
         "(SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)  # into the endless query (sooner, Python's own Ctrl-C says the same)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, out, err) == (1, "", "\nAborted!\n")


def test_sql_sees_an_uncommitted_hand_edit_at_once(crm: Path) -> None:
    query = ("sql", "SELECT title, value FROM deals WHERE id = 'acme-erp'", "--format", "csv")
    assert invoke(crm, *query)[1].splitlines()[1] == "Order-processing automation,48000.0"
    path = crm / "deals/2026-10/acme-erp.yaml"
    text = replaced(path.read_text(), "Order-processing automation", "Hand edited")
    path.write_text(replaced(text, "48000.00", "12.50"))
    assert invoke(crm, *query)[1].splitlines()[1] == "Hand edited,12.5"


# ------------------------------------------------------------ issue 13's regression


def quoted_and_plain(root: Path) -> tuple[str, str]:
    path = root / "deals/2026-10/acme-erp.yaml"
    text = path.read_text()
    return (replaced(text, "stage: needs-analysis", '"stage": proposal'),
            replaced(text, "stage: needs-analysis", "stage: proposal"))


@pytest.mark.parametrize("amount,number", [
    ("10500.00", "0.00001"), ("12.5", "2.5e-10"), ("1e3", "1e11"), ("0.10", "33.333333"),
    ("100000000000", "1e-7"), ("0", "7"), ("1e11", "12.50"), ("999999999999.99", "5e-5")])
def test_the_json_column_reads_as_json_dumps_wrote_it(amount: str, number: str) -> None:
    """msgspec writes the index's `json` column: every listing prints the very text
    json.dumps' gave (json_array reformats both alike), and every value reads back the
    same; amounts in every spelling, dates, defaults, strings a terminal must not act
    on, and records with keys of their own (written by json.dumps still)."""
    import msgspec

    from salescli.core.output import json_array
    from salescli.core.output import to_jsonable
    from salescli.store.loader import parse_text

    texts = [
        f"id: a\ntitle: \"T\\u0007\\u001b[31m\\u2028 \\u007f \\\\ é€𝄞 </x>\"\n"
        f"account: b\nstage: lead\ncreated: 2026-11-01\nvalue: {amount}\nclose_date: 2026-12-31\n"
        f"items:\n  - {{name: x, quantity: {number}, unit_price: {amount}, discount: 12.5}}\n"
        "  - {name: y, unit_price: 1}\n"
        "next_step: {action: Call, due: 2027-01-02}\n"
        "activities:\n  - {date: 2026-11-01, type: call, summary: Hi}\n",
        f"id: a\ntitle: T\naccount: b\nstage: lead\ncreated: 2026-11-01\nvalue: {amount}\n"
        "color: red\nscore: 1e16\nseen: [2026-01-01, {at: 2.5}]\n",
        f"id: a\ntitle: T\naccount: b\nstage: lead\ncreated: 2026-11-01\nitems:\n"
        f"  - {{name: x, unit_price: {amount}, own: [1e16, 2026-01-01]}}\n",
    ]
    for text in texts:
        parsed = parse_text("deal", "deals/2026-11/a.yaml", text, declared=("color",))
        assert parsed.ok, parsed.findings
        old = json.dumps(index_mod.record_dict(parsed.model), ensure_ascii=False,
                         default=to_jsonable)
        new = index_mod.record_json(parsed.model)
        assert json.loads(new) == json.loads(old)
        assert msgspec.json.format(new.encode()) == msgspec.json.format(old.encode())
        assert json_array([new, new]) == json_array([old, old])
        if "value:" not in text:  # compact, whichever encoder wrote it (valued_rows)
            assert '"value":null' in new


def shown_from_files(root: Path, *args: str) -> tuple:
    """`invoke`, with the record index moved aside: what the files say."""
    aside = index_file(root).with_name("aside.sqlite")
    index_file(root).rename(aside)
    try:
        return invoke(root, *args)
    finally:
        aside.rename(index_file(root))


def test_deal_show_follows_the_price_list_and_the_settings(crm: Path) -> None:
    """A deal priced by its items shows the price list as it is now, in the currency
    the settings give now, as the file read would, and a broken salescli.yaml is said
    (the index's rows were made with the old ones)."""
    from conftest import PRODUCTS

    repo = Repo(crm)
    repo.write("products.yaml", PRODUCTS)
    repo.write("deals/2026-03/gamma-crm.yaml", deal_with(
        id="gamma-crm", stage="proposal", created="2026-03-02", close_date="2026-05-10",
        value=None, currency=None) + "items:\n  - {product: support, quantity: 2}\n")
    show = ("deal", "show", "gamma-crm", "--format", "json")
    assert invoke(crm, "deal", "list")[0] == 0  # the index holds the deal
    for old, new in (("unit_price: 1000.00", "unit_price: 1100.00"),):
        repo.edit("products.yaml", old, new)
        assert invoke(crm, *show) == shown_from_files(crm, *show)
        assert json.loads(invoke(crm, *show)[1])["value"] == 8800.0  # 2 x 1100 x 4
    repo.edit("salescli.yaml", "currency: EUR", "currency: SEK")
    assert invoke(crm, *show[:3]) == shown_from_files(crm, *show[:3])
    assert "SEK" in invoke(crm, *show[:3])[1]
    with (crm / "salescli.yaml").open("a") as fh:
        fh.write("garbage: [\n")
    broken = invoke(crm, *show)
    assert broken[0] == 1 and broken == shown_from_files(crm, *show)


def test_deal_show_of_an_id_in_two_files_lists_one_files_items(crm: Path) -> None:
    """Two files of one ID (`check` reports it): `deal show` shows one file, its items
    only, as the file read does, not the items of both."""
    (crm / "deals/2026-04").mkdir()
    shutil.copy(crm / "deals/2026-03/gamma-crm.yaml", crm / "deals/2026-04/gamma-crm.yaml")
    assert invoke(crm, "deal", "list")[0] == 0
    assert invoke(crm, "deal", "show", "gamma-crm") == \
        shown_from_files(crm, "deal", "show", "gamma-crm")


@pytest.mark.parametrize("cache", [(), ("--no-cache",)])
def test_deal_list_of_an_account_takes_its_childrens_deals_without_the_cache_too(
        crm: Path, cache: tuple) -> None:
    repo = Repo(crm)
    repo.write("accounts/2026-10/acme-child.yaml",
               "id: acme-child\nname: Acme Child Oy\nparent: acme-oy\ncreated: 2026-10-02\n")
    repo.write("deals/2026-10/child-deal.yaml", replaced(DEAL, "acme-erp", "child-deal")
               .replace("account: acme-oy", "account: acme-child"))
    code, out, *_ = invoke(crm, "deal", "list", "--account", "acme-oy", "--status", "all",
                           "--format", "json", *cache)
    assert code == 0 and {d["id"] for d in json.loads(out)} >= {"acme-erp", "child-deal"}


def test_quoted_stage_key_counts_in_deal_list(crm: Path) -> None:
    quoted, _ = quoted_and_plain(crm)
    (crm / "deals/2026-10/acme-erp.yaml").write_text(quoted)
    assert_answers_agree(crm, QUERIES[:1])
    deals = {d["id"]: d for d in json.loads(invoke(crm, *QUERIES[0])[1])}
    assert deals["acme-erp"]["stage"] == "proposal"
    rows = json.loads(invoke(crm, "deal", "list", "--stage", "proposal",
                             "--format", "json")[1])
    assert "acme-erp" in [d["id"] for d in rows]


@pytest.mark.parametrize("report", ["funnel", "forecast"])
def test_quoted_stage_key_counts_in_reports(crm: Path, report: str) -> None:
    """A committed hand edit `"stage": proposal` reports exactly as `stage: proposal`."""
    quoted, plain = quoted_and_plain(crm)
    path = crm / "deals/2026-10/acme-erp.yaml"
    answers = []
    for text in (plain, quoted):
        path.write_text(text)
        git(crm, "commit", "-qam", "hand edit")
        answers.append(invoke(crm, "report", report, "--format", "json",
                              "--as-of", "2027-06-30", "--since", "2026-01-01", "--no-cache"))
        git(crm, "reset", "-q", "--hard", "HEAD~1")
    assert answers[0][0] == 0
    assert answers[1] == answers[0]


def test_review_findings(crm: Path) -> None:
    """From the review of the index: a broken price list does not stop account or lead
    listings (only deal rows depend on it); `sql` with no query lists deal_events; two
    deal files sharing an ID both list, as without the index."""
    many_deals(crm)
    assert_answers_agree(crm)
    products = crm / "products.yaml"
    if products.exists():
        saved = products.read_text()
        products.write_text(saved + "currency: [\n")
        assert invoke(crm, "account", "list")[0] == 0
        assert invoke(crm, "lead", "list")[0] == 0
        products.write_text(saved)
    code, out, _err, _crash = invoke(crm, "sql")
    assert code == 0 and 'CREATE TABLE "deal_events"' in out
    first = sorted((crm / "deals").glob("*/*.yaml"))[0]
    twin = crm / "deals" / "2020-01" / first.name
    twin.parent.mkdir()
    twin.write_text(replaced(first.read_text(), "title:", "title: Twin", 1))
    assert_answers_agree(crm)
    code, out, _err, _crash = invoke(crm, "deal", "list", "--status", "all", "--format", "json")
    assert out.count(f'"id": "{first.stem}"') == 2


def test_more_ids_at_once_than_one_statement_takes(crm: Path) -> None:
    """A first build writes every ID at once: they are looked up in chunks (SQLite caps
    a statement's parameters at 32,766; a 40,000-deal repository has more)."""
    many_deals(crm, 1200)
    assert_answers_agree(crm, (QUERIES[0],))
    assert_index_consistent(crm, ("deal",))


def test_a_file_sharing_an_id_indexed_meanwhile_keeps_its_rows(crm: Path, monkeypatch) -> None:
    """Another process indexes a new file with the same ID while this one parses: its
    rows must not go with the ID's old rows (the look-up is repeated in the transaction)."""
    many_deals(crm, 3)
    assert_answers_agree(crm, (QUERIES[0],))
    first = crm / "deals" / "2026-10" / "deal-000.yaml"
    twin = crm / "deals" / "2020-01" / "deal-000.yaml"
    real = index_mod._reading

    @contextlib.contextmanager
    def racing(repo, kind, paths):
        with real(repo, kind, paths) as chunks:
            if not twin.exists():  # the other process, between this one's parse and write
                twin.parent.mkdir()
                twin.write_text(replaced(first.read_text(), "title:", "title: Twin", 1))
                with index_mod.Index.open(Repository(crm), ("deal",)):
                    pass
            yield chunks

    first.write_text(replaced(first.read_text(), "title:", "title: Changed", 1))
    monkeypatch.setattr(index_mod, "_reading", racing)
    with index_mod.Index.open(Repository(crm), ("deal",)):
        pass
    monkeypatch.undo()
    assert_answers_agree(crm, (QUERIES[0],))
    assert_index_consistent(crm, ("deal",))


# ------------------------------------------------------ what git vouches for


def settled_scan(root: Path, monkeypatch) -> None:
    """Folders and git's index trusted by their stat at once (as a second later), and
    git's index holding the files' stat as seed() left them (git status refreshes it;
    until then diff-files names them, and they are stat'ed)."""
    monkeypatch.setattr(index_mod, "SCAN_FRESH_NS", 0)
    subprocess.run(["git", "status", "-s"], cwd=root, capture_output=True)


def test_a_vouched_read_stats_no_record_file(crm: Path, monkeypatch) -> None:
    """With nothing changed since the last read, git's diff-files answers for every
    file: the read stats none of them, and still sees an edit at once."""
    settled_scan(crm, monkeypatch)
    expected = invoke(crm, *QUERIES[0])
    assert invoke(crm, *QUERIES[0]) == expected  # the scan is saved by now
    statted: list[str] = []
    real = index_mod._stat
    monkeypatch.setattr(index_mod, "_stat", lambda full: statted.append(full) or real(full))
    assert invoke(crm, *QUERIES[0]) == expected
    assert not [p for p in statted if "/deals/" in p and p.endswith(".yaml")]
    path = crm / "deals/2026-10/acme-erp.yaml"
    path.write_text(replaced(path.read_text(), "title: ", "title: Edited ", 1))
    assert invoke(crm, *QUERIES[0]) == invoke(crm, *QUERIES[0], "--no-cache")
    assert "Edited" in invoke(crm, *QUERIES[0])[1]


def test_a_read_after_a_commit_compares_git_listings(crm: Path, monkeypatch) -> None:
    """After `git add` or a commit, git's index is another: the read compares git's
    listing of the entries with the one the last read kept, not each row's blob, and
    still sees a file edited and added since (git finds it unedited then)."""

    def never(*args: object) -> None:
        raise AssertionError("every blob compared")  # no error the index recovers from

    settled_scan(crm, monkeypatch)
    invoke(crm, *QUERIES[0])
    expected = invoke(crm, *QUERIES[0])
    monkeypatch.setattr(index_mod.Index, "_unvouched", never)
    path = crm / "deals/2026-10/acme-erp.yaml"
    for n, step in enumerate((["add", "--"], ["commit", "-qm", "edited", "--"])):
        (crm / "notes.txt").write_text(f"call Anna {n}\n")  # another entry changes too
        subprocess.run(["git", "add", "notes.txt"], cwd=crm, check=True)
        assert invoke(crm, *QUERIES[0]) == expected
        path.write_text(replaced(path.read_text(), "title: ", f"title: Edited {n} ", 1))
        subprocess.run(["git", *step, str(path)], cwd=crm, check=True)
        seen = invoke(crm, *QUERIES[0])
        assert f"Edited {n}" in seen[1] and seen[3] is None
        monkeypatch.undo()
        assert seen == invoke(crm, *QUERIES[0], "--no-cache")
        settled_scan(crm, monkeypatch)
        monkeypatch.setattr(index_mod.Index, "_unvouched", never)
        expected = invoke(crm, *QUERIES[0])


def scanned_then_staged(root: Path, monkeypatch, query: tuple[str, ...]) -> Path:
    """Two reads (the scans saved), then git's index changes by a file no read knows:
    the record file a race then edits."""
    settled_scan(root, monkeypatch)
    invoke(root, *query)
    invoke(root, *query)
    (root / "notes.txt").write_text("x\n")
    subprocess.run(["git", "add", "notes.txt"], cwd=root, check=True)
    return root / "deals/2026-03/gamma-crm.yaml"


def test_git_listed_before_a_commit_meanwhile_is_not_kept(crm: Path, monkeypatch) -> None:
    """A commit lands right after git listed its index for the read (review): the scan
    and that listing are not kept, or the next read would take the file committed
    meanwhile as vouched for; a listing is kept only as git gave it before the read
    found git's index settled."""
    victim = scanned_then_staged(crm, monkeypatch, QUERIES[3])
    real = index_mod._GitView.listing
    hit: list[str] = []

    def late(self, folder):  # type: ignore[no-untyped-def]
        listed = real(self, folder)
        if not hit:
            hit.append(folder)
            victim.write_text(replaced(victim.read_text(), "title: ", "title: Stale ", 1))
            subprocess.run(["git", "add", str(victim)], cwd=crm, check=True)
        return listed

    monkeypatch.setattr(index_mod._GitView, "listing", late)
    invoke(crm, *QUERIES[3])
    monkeypatch.setattr(index_mod._GitView, "listing", real)
    assert hit
    for query in QUERIES[:3]:
        assert invoke(crm, *query) == invoke(crm, *query, "--no-cache")


def test_a_write_before_the_read_counts_its_generation(crm: Path, monkeypatch) -> None:
    """Another process writes a row after this read took the scans and before it counted
    the kind's writes (review): the read goes by the scan as of that count, which names
    the written file, so the file is looked at and its row is not trusted."""
    victim = scanned_then_staged(crm, monkeypatch, QUERIES[0])
    real = index_mod._GitView.start.__func__
    hit: list[int] = []

    def start(cls, root, git_dir, kinds, seen=()):  # type: ignore[no-untyped-def]
        if not hit:  # this read has taken the scans already
            hit.append(1)
            victim.write_text(replaced(victim.read_text(), "title: ", "title: Stale ", 1))
            other = index_mod.Index(Repository(crm), index_mod._connect(index_file(crm)),
                                    ("deal",), index_file(crm))
            other.write("deal", [str(victim.relative_to(crm))])  # another process
            other.close()
            subprocess.run(["git", "checkout", "--", str(victim)], cwd=crm, check=True)
        return real(cls, root, git_dir, kinds, seen)

    monkeypatch.setattr(index_mod._GitView, "start", classmethod(start))
    invoke(crm, *QUERIES[0])
    monkeypatch.undo()
    assert hit
    assert invoke(crm, *QUERIES[0]) == invoke(crm, *QUERIES[0], "--no-cache")


def undo_in_place(path: Path, before: bytes, mtime_ns: int) -> None:
    """An editor's undo with `cp -p`: the text and the modification time back. With
    core.trustctime off and core.checkStat minimal, git finds the file as it indexed it,
    and diff-files names it no more, though its row was read from the edited text."""
    path.write_bytes(before)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def lenient_git(root: Path) -> None:
    for key, value in (("core.trustctime", "false"), ("core.checkStat", "minimal")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)


def test_a_command_written_file_undone_in_place(crm: Path, monkeypatch) -> None:
    """`deal set --no-commit`, then the undo (git's index untouched, no read between):
    the row the command wrote is not vouched for by git's unchanged blob."""
    lenient_git(crm)
    settled_scan(crm, monkeypatch)
    invoke(crm, *QUERIES[0])
    invoke(crm, *QUERIES[0])
    path = crm / "deals/2026-10/acme-erp.yaml"
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    assert invoke(crm, "deal", "set", "acme-erp", "title=Changed", "--no-commit")[0] == 0
    undo_in_place(path, before, mtime)
    assert subprocess.run(["git", "diff-files", "--quiet"], cwd=crm).returncode == 0
    assert invoke(crm, *QUERIES[0]) == invoke(crm, *QUERIES[0], "--no-cache")
    assert "Changed" not in invoke(crm, *QUERIES[0])[1]


@pytest.mark.parametrize("phase", ["_unvouched", "_moved_entries"])
def test_a_scan_is_not_saved_over_a_write_made_meanwhile(crm: Path, monkeypatch,
                                                          phase: str) -> None:
    """Another process writes a row while a read works out what git vouches for (from
    each row's blob, or from git's listing kept by the last read): the read's scan, made
    from the rows before, is not saved over the writer's."""
    lenient_git(crm)
    settled_scan(crm, monkeypatch)
    invoke(crm, *QUERIES[0])
    path = crm / "deals/2026-10/acme-erp.yaml"
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    real = getattr(index_mod.Index, phase)
    calls: list[str] = []
    if phase == "_unvouched":  # no listing kept: each row's blob is compared
        monkeypatch.setattr(index_mod.Index, "_moved_entries", lambda *a: None)

    def meanwhile(self, kind, *args):  # type: ignore[no-untyped-def]
        found = real(self, kind, *args)
        if kind == "deal" and not calls:  # another process edits the file and takes
            calls.append(kind)            # it, and the edit is undone
            path.write_bytes(replaced(before.decode(), "title: ", "title: Meanwhile ", 1).encode())
            index_mod.take_written(Repository(crm), ["deals/2026-10/acme-erp.yaml"])
            undo_in_place(path, before, mtime)
        return found

    # git's index changes (another file is committed): the read asks git again
    (crm / "notes.txt").write_text("call Anna\n")
    subprocess.run(["git", "add", "notes.txt"], cwd=crm, check=True)
    monkeypatch.setattr(index_mod.Index, phase, meanwhile)
    invoke(crm, *QUERIES[0])
    monkeypatch.setattr(index_mod.Index, phase, real)
    assert calls
    assert invoke(crm, *QUERIES[0]) == invoke(crm, *QUERIES[0], "--no-cache")
    assert "Meanwhile" not in invoke(crm, *QUERIES[0])[1]


def test_a_listing_asked_ahead_is_asked_again_after_a_write(crm: Path, monkeypatch) -> None:
    """A listing's query runs while git looks at the files. Its answer stands only when
    no row was written before the refresh ended: after a hand edit, or a write by another
    process meanwhile, the query is asked again, of the rows as they are then."""
    settled_scan(crm, monkeypatch)
    invoke(crm, *QUERIES[0])
    expected = invoke(crm, *QUERIES[0])
    asked: list[str] = []
    real_fetch = index_mod.Index.fetch

    def fetch(self, sql, params=(), guard=None):  # type: ignore[no-untyped-def]
        asked.append(sql)
        return real_fetch(self, sql, params, guard)

    monkeypatch.setattr(index_mod.Index, "fetch", fetch)
    listing = 'FROM "deals" t'
    assert invoke(crm, *QUERIES[0]) == expected
    assert len([sql for sql in asked if listing in sql]) == 1  # asked ahead, and kept

    path = crm / "deals/2026-10/acme-erp.yaml"
    path.write_text(replaced(path.read_text(), "title: ", "title: Edited ", 1))
    asked.clear()
    assert invoke(crm, *QUERIES[0]) == invoke(crm, *QUERIES[0], "--no-cache")
    assert len([sql for sql in asked if listing in sql]) == 2 + 1  # ahead, again; --no-cache
    assert "Edited" in invoke(crm, *QUERIES[0])[1]

    real_refresh = index_mod.Index._refresh

    def meanwhile(self, kind, view, scan):  # type: ignore[no-untyped-def]
        real_refresh(self, kind, view, scan)  # nothing changed here; another process
        path.write_text(replaced(path.read_text(), "title: ", "title: Meanwhile ", 1))
        index_mod.take_written(Repository(crm), ["deals/2026-10/acme-erp.yaml"])

    invoke(crm, *QUERIES[0])  # settles the edit
    monkeypatch.setattr(index_mod.Index, "_refresh", meanwhile)
    code, out, _, crash = invoke(crm, *QUERIES[0])
    monkeypatch.setattr(index_mod.Index, "_refresh", real_refresh)
    assert (code, crash) == (0, None) and "Meanwhile" in out


@pytest.mark.parametrize("args", [
    ("today",), ("stale",), ("board",), ("report", "activity"), ("report", "goals"),
    ("report", "dashboard", "--out", "-"), ("report", "funnel"), ("deal", "list"),
], ids=lambda args: " ".join(args[:2]))
def test_no_cache_reads_the_files_and_keeps_nothing(filled: Repo, args: tuple[str, ...]):
    """`--no-cache` reads every record file and the whole history: it neither reads
    nor leaves anything under .git/salescli (report activity and the dashboard read
    the record index, and today, stale and board the kept stage days, before)."""
    shutil.rmtree(filled.root / ".git" / "salescli", ignore_errors=True)
    result = filled.run(*args, "--no-cache")
    assert result.exit_code == 0, result.output
    assert not (filled.root / ".git" / "salescli").exists()
