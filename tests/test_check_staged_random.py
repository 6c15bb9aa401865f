"""Random sequences of edits, additions, removals and moves of accounts, leads and deals
(in the index, the work tree or both), commits, resets and stashes: after every step
`check --staged` (check_staged) says exactly what a full check of git's index says,
and `check` of the work tree (check_work_tree) exactly what run_check says, whether
from a cold cache, from what the last run kept (the quick way) or asked again at once.
A hypothesis state machine, derandomized; FRESH_NS is 0 so that every run keeps its
answer for the next to start from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import identity
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test
from test_check_staged import reference

from salescli.services import staged
from salescli.services.check import run_check
from salescli.services.init import init_repository

# Small pools, so that records name each other, collide and come and go often. Every ID
# can be added; the ones the first commit lacks (gamma-oy, nobody-oy, new-deal...) are
# named by other records from the start.
ACCOUNT_IDS = ("acme-oy", "beta-oy", "gamma-oy", "nobody-oy")
LEAD_IDS = ("lead-a", "lead-b", "lead-c")
DEAL_IDS = ("acme-erp", "beta-crm", "new-deal", "ghost-deal")
CONTACTS = ("matti", "sara", "liisa")
EMAILS = ("matti@acme.fi", "sara@beta.fi", "liisa@gamma.fi", "info@acme.fi", None)
DOMAINS = ("acme.fi", "beta.fi", "gamma.fi", "fresh.fi", None)
BUSINESS_IDS = ("1234567-8", "7654321-0", None)
NAMES = ("Acme Oy", "Beta Oy", "Fresh Oy")
ROLES = ("economic-buyer", "champion", None)
STAGES = ("needs-analysis", "proposal", "nowhere")
LEAD_STATUSES = ("new", "qualified", "disqualified")
FOLDERS = {"account": "accounts", "lead": "leads", "deal": "deals"}
POOLS = {"account": ACCOUNT_IDS, "lead": LEAD_IDS, "deal": DEAL_IDS}
STATE = "# state: "  # the last line of each file: the fields it was written from


# ------------------------------------------------------------------ the records


def base(kind: str, rid: str) -> dict[str, Any]:
    """A new record of `kind` with the ID `rid`: only what it must have."""
    name = rid.replace("-", " ").title()
    if kind == "account":
        return {"kind": kind, "id": rid, "name": name, "business_id": None, "domain": None,
                "parent": None, "contacts": [], "notes": 0, "broken": False}
    if kind == "lead":
        return {"kind": kind, "id": rid, "company": name, "email": None, "status": "new",
                "converted": None, "notes": 0, "broken": False}
    return {"kind": kind, "id": rid, "account": "acme-oy", "stage": "needs-analysis",
            "stakeholders": [], "notes": 0, "broken": False}


def render(p: dict[str, Any]) -> str:
    """The YAML text of the record `p`, its fields in its last line (`fields`)."""
    state = f"{STATE}{json.dumps(p, sort_keys=True)}\n"
    if p["broken"]:
        return "id: [unclosed\n" + state
    # the notes first: each one moves every line a diagnostic is on
    lines = [f"# note {n}" for n in range(p["notes"])] + [f"id: {p['id']}"]
    if p["kind"] == "account":
        lines.append(f"name: {p['name']}")
        for key in ("business_id", "domain"):
            if p[key] is not None:
                lines.append(f"{key}: {p[key]}")
        if p["contacts"]:
            lines.append("contacts:")
        for cid, email, role in p["contacts"]:
            lines += [f"  - id: {cid}", f"    name: {cid.title()} Person"]
            lines += [f"    email: {email}"] if email else []
            lines += [f"    role: {role}"] if role else []
        if p["parent"] is not None:  # last: an edit above moves the line a cycle is on
            lines.append(f"parent: {p['parent']}")
    elif p["kind"] == "lead":
        lines.append(f"company: {p['company']}")
        if p["email"]:
            lines += ["contact:", "  name: Someone", f"  email: {p['email']}"]
        lines += [f"status: {p['status']}", "created: 2026-10-02"]
        if p["converted"]:
            account, deal = p["converted"]
            lines += ["converted:", f"  account: {account}"]
            lines += [f"  deal: {deal}"] if deal else []
    else:
        lines += ["title: A deal", f"account: {p['account']}", "pipeline: default",
                  f"stage: {p['stage']}", "status: open", "value: 1000.00", "currency: EUR",
                  "close_date: 2027-01-31", "owner: anna", "created: 2026-10-01"]
        if p["stakeholders"]:
            lines.append("stakeholders:")
        lines += [f"  - {{contact: {c}, role: economic-buyer}}" for c in p["stakeholders"]]
    return "\n".join(lines) + "\n" + state


def fields(text: str | None) -> dict[str, Any] | None:
    """The record a text of `render` was written from (None: no such text)."""
    if not text:
        return None
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    return json.loads(last[len(STATE):]) if last.startswith(STATE) else None


def edited(p: dict[str, Any], change: tuple) -> dict[str, Any]:
    """The record `p` with one `change` (of the strategies below) made."""
    p = json.loads(json.dumps(p))
    what, *args = change
    contacts = p.get("contacts", [])
    if what == "note":
        p["notes"] += 1
    elif what == "broken":
        p["broken"] = not p["broken"]
    elif what == "contact+":
        contacts.append(list(args))
    elif what.startswith("contact") and contacts:
        i = args[0] % len(contacts)
        if what == "contact-":
            del contacts[i]
        else:  # contact-id, contact-email, contact-role: field 0, 1, 2
            contacts[i][("contact-id", "contact-email", "contact-role").index(what)] = args[1]
    elif what == "converted":
        p["converted"] = None if args[0] is None else list(args)
    elif what == "stakeholders":
        p["stakeholders"] = list(args[0])
    elif not what.startswith("contact"):
        p[what] = args[0]
    return p


def changes(kind: str) -> st.SearchStrategy[tuple]:
    """One change to a record of `kind`."""
    one = st.sampled_from
    common = [st.tuples(st.just("note")), st.tuples(st.just("broken"))]
    if kind == "account":
        return st.one_of(
            st.tuples(st.just("contact+"), one(CONTACTS), one(EMAILS), one(ROLES)),
            st.tuples(st.just("contact-"), st.integers(0, 3)),
            st.tuples(st.just("contact-id"), st.integers(0, 3), one(CONTACTS)),
            st.tuples(st.just("contact-email"), st.integers(0, 3), one(EMAILS)),
            st.tuples(st.just("contact-role"), st.integers(0, 3), one(ROLES)),
            st.tuples(st.just("parent"), one((*ACCOUNT_IDS, None))),
            st.tuples(st.just("parent"), one((*ACCOUNT_IDS, None))),
            st.tuples(st.just("domain"), one(DOMAINS)),
            st.tuples(st.just("business_id"), one(BUSINESS_IDS)),
            st.tuples(st.just("name"), one(NAMES)),
            *common)
    if kind == "lead":
        converted = st.tuples(st.just("converted"), one((*ACCOUNT_IDS, None)),
                              one((*DEAL_IDS, None)))
        return st.one_of(
            converted, converted,
            st.tuples(st.just("email"), one(EMAILS)),
            st.tuples(st.just("company"), one(NAMES)),
            st.tuples(st.just("status"), one(LEAD_STATUSES)),
            *common)
    return st.one_of(
        st.tuples(st.just("account"), one(ACCOUNT_IDS)),
        st.tuples(st.just("stakeholders"), st.lists(one(CONTACTS), max_size=2).map(tuple)),
        st.tuples(st.just("stage"), one(STAGES)),
        *common)


def build(kind: str, rid: str, *changes: tuple) -> dict[str, Any]:
    p = base(kind, rid)
    for change in changes:
        p = edited(p, change)
    return p


FIRST = {  # the first commit: a cycle of parents, a duplicate, known and unknown references
    "accounts/2026-10/acme-oy.yaml": build(
        "account", "acme-oy", ("business_id", "1234567-8"), ("domain", "acme.fi"),
        ("contact+", "matti", "matti@acme.fi", "economic-buyer"), ("parent", "beta-oy")),
    "accounts/2026-10/beta-oy.yaml": build(
        "account", "beta-oy", ("parent", "acme-oy"), ("domain", "beta.fi"),
        ("contact+", "sara", "sara@beta.fi", "champion")),
    "leads/2026-10/lead-a.yaml": build("lead", "lead-a", ("email", "info@acme.fi")),
    "leads/2026-10/lead-b.yaml": build("lead", "lead-b", ("email", "sara@beta.fi"),
                                       ("converted", "acme-oy", "new-deal")),
    "leads/2026-10/lead-c.yaml": build("lead", "lead-c", ("converted", "beta-oy", "acme-erp")),
    "deals/2026-10/acme-erp.yaml": build("deal", "acme-erp", ("stakeholders", ["matti"])),
    "deals/2026-10/beta-crm.yaml": build("deal", "beta-crm", ("account", "gamma-oy"),
                                         ("stakeholders", ["sara"])),
}


# ------------------------------------------------------------------ the steps

TARGET = st.sampled_from(("both", "both", "both", "work", "index"))
PICK = st.integers(0, 50)  # one of the kind's files now there, by position (modulo)
# where a new file goes: its month folder mostly; another month's (a second file with
# the ID), the folder's top (misplaced), a name differing only by case
PLACES = st.sampled_from(("2026-10", "2026-10", "2026-10", "2026-10", "2026-11", "top",
                          "case"))


def _add(kind: str, ids: tuple[str, ...]) -> st.SearchStrategy[tuple]:
    return st.tuples(st.just("add"), st.just(kind), st.sampled_from(ids), PLACES,
                     st.lists(changes(kind), max_size=3), TARGET)


EDIT_ACCOUNT = st.tuples(st.just("edit"), st.just("account"), PICK, changes("account"), TARGET)
EDIT_LEAD = st.tuples(st.just("edit"), st.just("lead"), PICK, changes("lead"), TARGET)
EDIT_DEAL = st.tuples(st.just("edit"), st.just("deal"), PICK, changes("deal"), TARGET)
ADD = st.one_of(_add("account", ACCOUNT_IDS), _add("lead", LEAD_IDS), _add("deal", DEAL_IDS))
REMOVE = st.tuples(st.just("remove"), st.sampled_from(("account", "account", "lead", "deal")),
                   PICK, TARGET)
CYCLE = st.tuples(st.just("cycle"), PICK, PICK, TARGET)  # two accounts, each the other's parent
GIT = st.tuples(st.just("git"), st.sampled_from(("commit", "commit", "reset", "reset --hard",
                                                 "add -A", "stash")))
# a second file of a record there: in another month, at the folder's top, by another case
TWIN = st.tuples(st.just("twin"), st.sampled_from(("account", "account", "lead", "deal")), PICK,
                 st.sampled_from(("2026-11", "top", "case")), TARGET)
# a file moved (git mv) to another month folder, or renamed to another ID (its `id:` too)
MOVE = st.tuples(st.just("move"), st.sampled_from(("account", "account", "lead", "deal")), PICK,
                 st.one_of(st.none(), st.integers(0, 3)), st.sampled_from(("2026-10", "2026-11")),
                 TARGET)
# the record another one names (a lead's converted account or deal, a deal's account, an
# account's parent) comes, or goes if it is there
NAMED = st.tuples(st.just("named"), st.sampled_from(("lead", "lead", "deal", "account")),
                  st.booleans(), PICK, TARGET)
BROKEN = st.tuples(st.just("edit"), st.sampled_from(tuple(FOLDERS)), PICK,
                   st.just(("broken",)), TARGET)  # invalid YAML, or valid again
OPS = st.one_of(EDIT_ACCOUNT, EDIT_LEAD, EDIT_DEAL, ADD, REMOVE, CYCLE, GIT, BROKEN, TWIN,
                MOVE, NAMED)


class Tree:
    """A pipeline repository the steps change, in the index, the work tree or both."""

    def __init__(self, root: Path):
        self.root = root
        self.clock = time.time_ns() - 10**13  # unique past mtimes: see `put`

    def git(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        done = subprocess.run(["git", *args], cwd=self.root, input=stdin, text=True,
                              capture_output=True)
        if check and done.returncode:
            raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
        return done.stdout

    def put(self, rel: str, text: str) -> None:
        """Write `rel` on disk. Its mtime is set to one no file had before: with FRESH_NS
        at 0, two writes of the same size in one clock tick (ext4 stamps files at a
        jiffy's granularity) could otherwise keep one stat, which is the racy case
        FRESH_NS exists for and not what this test looks at."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.clock += 1_000_000
        os.utime(path, ns=(self.clock, self.clock))

    def texts(self) -> dict[str, bytes]:
        return {rel: (self.root / rel).read_bytes() for rel in self.on_disk()}

    def restamp(self, before: dict[str, bytes]) -> None:
        """A new unique mtime (`put`) for each record file git wrote: not as it was
        `before`."""
        for rel, now in self.texts().items():
            if before.get(rel) != now:
                self.clock += 1_000_000
                os.utime(self.root / rel, ns=(self.clock, self.clock))

    def on_disk(self, folder: str | None = None) -> set[str]:
        out = set()
        for top in [folder] if folder else FOLDERS.values():
            for dirpath, _, files in os.walk(self.root / top):
                out.update(Path(dirpath, f).relative_to(self.root).as_posix() for f in files)
        return out

    def files(self, kind: str) -> list[str]:
        """The kind's record files (not .gitkeep) in the index or on disk."""
        folder = FOLDERS[kind]
        listed = {*self.git("ls-files", "-z", "--", folder).split("\0"), *self.on_disk(folder)}
        return sorted(f for f in listed if f.endswith(".yaml"))

    def text(self, rel: str, target: str) -> str | None:
        """The file's text where `target` is (the index's for "index"), else the other's."""
        path = self.root / rel
        work = path.read_text(encoding="utf-8") if path.exists() else None
        index = self.git("cat-file", "-p", f":{rel}", check=False) or None
        return (index or work) if target == "index" else (work or index)

    def write(self, rel: str, text: str, target: str) -> None:
        if target in ("both", "work"):
            self.put(rel, text)
        if target == "both":
            self.git("add", "--", rel)
        elif target == "index":
            blob = self.git("hash-object", "-w", "--stdin", stdin=text).strip()
            self.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{rel}")

    @staticmethod
    def place(kind: str, rid: str, place: str) -> str:
        """The path of a file of record `rid` in the month folder `place`, or at the
        folder's top, or in 2026-10 with its ID's words capitalised."""
        folder = FOLDERS[kind]
        return {"top": f"{folder}/{rid}.yaml", "case": f"{folder}/2026-10/{rid.title()}.yaml"
                }.get(place, f"{folder}/{place}/{rid}.yaml")

    def remove(self, rel: str, target: str) -> None:
        if target in ("both", "index"):
            self.git("rm", "-q", "-f", "--cached", "--ignore-unmatch", "--", rel)
        if target in ("both", "work"):
            (self.root / rel).unlink(missing_ok=True)

    def apply(self, op: tuple) -> None:
        what = op[0]
        if what == "edit":
            _, kind, pick, change, target = op
            rels = self.files(kind)
            if rels:
                rel = rels[pick % len(rels)]
                p = fields(self.text(rel, target))
                if p is not None:
                    self.write(rel, render(edited(p, change)), target)
        elif what == "add":
            _, kind, rid, place, more, target = op
            self.write(self.place(kind, rid, place), render(build(kind, rid, *more)), target)
        elif what == "twin":
            _, kind, pick, place, target = op
            rels = self.files(kind)
            p = fields(self.text(rels[pick % len(rels)], target)) if rels else None
            if p is not None:
                self.write(self.place(kind, p["id"], place), render(p), target)
        elif what == "move":
            _, kind, pick, rename, place, target = op
            rels = self.files(kind)
            rel = rels[pick % len(rels)] if rels else ""
            p = fields(self.text(rel, target)) if rels else None
            if p is not None:
                if rename is not None:
                    p["id"] = POOLS[kind][rename % len(POOLS[kind])]
                new = self.place(kind, p["id"], place)
                if new != rel:
                    self.write(new, render(p), target)
                    self.remove(rel, target)
        elif what == "named":
            _, kind, deal, pick, target = op
            rels = self.files(kind)
            p = fields(self.text(rels[pick % len(rels)], target)) if rels else None
            if p is not None and not p["broken"]:
                named = "deal" if kind == "lead" and deal else "account"
                rid = (p["converted"] or [None, None])[deal] if kind == "lead" else \
                    p["account"] if kind == "deal" else p["parent"]
                if rid is not None:
                    rel = self.place(named, rid, "2026-10")
                    if self.text(rel, target) is None:
                        self.write(rel, render(base(named, rid)), target)
                    else:
                        self.remove(rel, target)
        elif what == "cycle":
            _, one, other, target = op
            rels = self.files("account")
            picked = [rels[n % len(rels)] for n in (one, other)] if rels else []
            records = [fields(self.text(rel, target)) for rel in picked]
            if len(set(picked)) == 2 and None not in records:
                (a, pa), (b, pb) = zip(picked, records, strict=True)
                self.write(a, render(edited(pa, ("parent", pb["id"]))), target)
                self.write(b, render(edited(pb, ("parent", pa["id"]))), target)
        elif what == "remove":
            _, kind, pick, target = op
            rels = self.files(kind)
            if rels:
                self.remove(rels[pick % len(rels)], target)
        elif op[1] == "commit":
            self.git("commit", "-q", "--no-verify", "--allow-empty", "-m", "x")
        elif op[1] == "stash":
            self.stash()
        else:
            before = self.texts()
            self.git(*op[1].split(), *(("--", *FOLDERS.values()) if op[1] == "add -A" else ()))
            self.restamp(before)

    def stash(self) -> None:
        """Stash, check, and pop back with the index (or, failing that, drop it)."""
        before = self.texts()
        self.git("stash", "-q")
        self.restamp(before)
        self.verify(False)
        before = self.texts()
        if self.git("stash", "list").strip():
            popped = subprocess.run(["git", "stash", "pop", "-q", "--index"], cwd=self.root,
                                    capture_output=True).returncode == 0
            if not popped:
                self.git("reset", "-q", "--hard")
                self.git("stash", "drop", "-q")
            self.restamp(before)

    def verify(self, twice: bool) -> None:
        root, git_dir = self.root, self.root / ".git"
        for name, want, check in (
                ("check_staged", reference(root), staged.check_staged),
                ("check_work_tree", run_check(root), staged.check_work_tree)):
            for n in range(2 if twice else 1):
                got = check(root, git_dir)
                assert got == want, (
                    f"{name} (call {n + 1}) differs from a full check\n"
                    f"  missing: {sorted(set(want) - set(got))}\n"
                    f"  extra:   {sorted(set(got) - set(want))}\n"
                    f"  git status:\n{self.git('status', '--short')}")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first commit, made once: each example works on a copy."""
    top = tmp_path_factory.mktemp("random-check")
    with pytest.MonkeyPatch.context() as mp:
        identity(mp, top / "home")
        root = top / "crm"
        init_repository(root, "default")
        tree = Tree(root)
        for rel, p in FIRST.items():
            tree.put(rel, render(p))
        tree.git("add", "-A")
        tree.git("commit", "-q", "--no-verify", "-m", "records")
    return root


class Steps(RuleBasedStateMachine):
    """Each step one change or a few (a run after several), the checkers asked after it
    once or twice (the second answer from what the first kept)."""

    template: Path  # set by the test

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        root = Path(self.tmp.name) / "crm"
        shutil.copytree(self.template, root, symlinks=True)
        self.tree = Tree(root)
        self.tree.verify(True)  # cold, then from the cache

    # one change of a kind, by a rule of its own: each example runs some of the rules
    # (hypothesis's swarm testing), the checkers asked after each step
    def step(self, ops: list[tuple], twice: bool) -> None:
        for op in ops:
            self.tree.apply(op)
        self.tree.verify(twice)

    @rule(op=EDIT_ACCOUNT, twice=st.booleans())
    def edit_account(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=EDIT_LEAD, twice=st.booleans())
    def edit_lead(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=EDIT_DEAL, twice=st.booleans())
    def edit_deal(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=BROKEN, twice=st.booleans())
    def break_or_mend(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=ADD, twice=st.booleans())
    def add(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=REMOVE, twice=st.booleans())
    def remove(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=CYCLE, twice=st.booleans())
    def cycle(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=TWIN, twice=st.booleans())
    def twin(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=MOVE, twice=st.booleans())
    def move(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=NAMED, twice=st.booleans())
    def named(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(op=GIT, twice=st.booleans())
    def git(self, op: tuple, twice: bool) -> None:
        self.step([op], twice)

    @rule(ops=st.lists(OPS, min_size=2, max_size=3), twice=st.booleans())
    def several(self, ops: list[tuple], twice: bool) -> None:
        """A few changes, then one run: the next run sees them all at once."""
        self.step(ops, twice)

    def teardown(self) -> None:
        self.tmp.cleanup()


def test_random_steps_check_as_a_full_check(template: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        # a file written this instant is otherwise never kept: no cache would be tested
        mp.setattr(staged, "FRESH_NS", 0)
        mp.setattr(Steps, "template", template, raising=False)
        run_state_machine_as_test(Steps, settings=settings(
            max_examples=30, stateful_step_count=20, deadline=None, derandomize=True,
            database=None, suppress_health_check=[HealthCheck.too_slow]))
