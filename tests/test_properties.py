"""Property tests (issue 7): round-trip edits keep every value, `check` never crashes on
arbitrary input, and the deal commands agree with a plain model of the pipeline rules."""

from __future__ import annotations

import datetime as dt
import math
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import replaced
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test

from salescli.cli import cli as cli_main
from salescli.core.model import key_order
from salescli.services.check import run_check
from salescli.services.edit import FLOW_KEYS
from salescli.services.edit import sets
from salescli.store.yamlio import RoundTrip
from salescli.store.yamlio import YamlProblem
from salescli.store.yamlio import dump_new
from salescli.store.yamlio import load_fast
from salescli.store.yamlio import plain
from salescli.store.yamlio import roundtrip_edit


def fast(examples: int) -> settings:
    # bounded for a slow shared machine; conftest's autouse git identity and the
    # module's repository are meant to be shared by all examples
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

# ---------------------------------------------------------------- strategies

_HOSTILE = list("'\":#-?&*!|>%@`{}[],\\ \t\n") + ["  lead", "trail  ", "a: b", "# c", "- x",
                                                 "ä", "€", "日本", "🙂", "\r\n", "\x00", "\x1b",
                                                 "\x85", "\u2028", "\u2029", "\ufeff"]
text_value = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)),
            max_size=30),
    st.lists(st.sampled_from(_HOSTILE), max_size=8).map("".join),
    st.sampled_from(["yes", "no", "on", "off", "null", "~", "010", "1:20", "2026-02-30",
                     "1e3", ".inf", "<<", "=", "---", "...", "", " ", "true"]),
)
scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-10**15, 10**15),
    st.floats(allow_nan=False), text_value,
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
)


def _nest(children: st.SearchStrategy, keys: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=3))


# named functions, not lambdas: hypothesis reads a lambda's source to see it recurses,
# and warns when it cannot find it
def _nest_plain(children: st.SearchStrategy) -> st.SearchStrategy:
    return _nest(children, st.from_regex(r"[a-z_]{1,8}", fullmatch=True))


value = st.recursive(scalar, _nest_plain, max_leaves=8)
DEAL_KEYS = key_order("deal")
record_key = st.one_of(st.sampled_from(DEAL_KEYS), st.from_regex(r"[a-z][a-z_]{0,10}",
                                                                  fullmatch=True))
record = st.dictionaries(record_key, value, min_size=1, max_size=8)
comment_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=15)


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


def _expected(v: object) -> object:
    """What a value reads back as: money (Decimal) is written as a YAML number."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and "." not in str(v) else float(v)
    if isinstance(v, dict):
        return {k: _expected(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_expected(x) for x in v]
    return v


money = st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False)
edit_value = st.one_of(value, money)


# ------------------------------------------------- 1. round trip keeps every value


@fast(120)
@given(record, st.dictionaries(record_key, edit_value, max_size=4),
       st.lists(comment_text, min_size=3, max_size=3), st.data())
def test_round_trip_edit_keeps_every_value(data: dict, changes: dict, comments: list,
                                           draw: st.DataObject):

    # a dotted edit inside a flow mapping, as `deal set next_step.due=...` does
    if draw.draw(st.booleans(), "dotted"):
        changes["next_step.action"] = draw.draw(text_value, "action")
        if not isinstance(data.get("next_step"), dict):
            data.pop("next_step", None)
    text = dump_new(data, FLOW_KEYS)
    # the user's comments: a header, an end-of-line one on a scalar key, a footer
    head, eol, foot = (f"# {c.strip()}" for c in comments)
    rt = RoundTrip(text)
    plain_keys = [k for k, v in rt.data.items() if not isinstance(v, dict | list)
                  and not (isinstance(v, str) and "\n" in v)]
    if plain_keys:
        rt.data.yaml_add_eol_comment(eol, plain_keys[0])
    text = head + "\n" + rt.dump() + foot + "\n"
    before = load_fast(text)
    assert _same(before, data), text

    expected = {k: v for k, v in data.items()}
    for key, new in changes.items():
        top, _, sub = key.partition(".")
        if new is None and (top not in data or sub and not (
                isinstance(data[top], dict) and sub in data[top])):
            continue  # clearing a key that is not there changes nothing
        if sub:
            nested = dict(expected.get(top) or {}) if isinstance(expected.get(top), dict) else {}
            nested[sub] = new
            expected[top] = nested
        else:
            expected[key] = new
    expected = _expected(expected)
    try:  # the path of Session.update: load, `sets`, dump, and the dump read back
        after = roundtrip_edit(text, lambda tree: sets(tree, changes, "deal"))
    except YamlProblem as p:
        # refused only where ruamel alone would write the change wrong (its emitter
        # garbles a block list that starts with `{}` under a key with a comment:
        # `- x   -`), never written
        assert p.code == "cannot-edit" and "cannot write" in p.message, p.message
        rt = RoundTrip(text)
        sets(rt.data, changes, "deal")
        try:
            garbled = not _same(load_fast(rt.dump()), expected)
        except YamlProblem:
            garbled = True
        assert garbled, (text, changes)
        event("refused: ruamel would write it wrong")
        return
    fast = load_fast(after)
    assert _same(fast, expected), (text, changes, after)
    assert _same(plain(RoundTrip(after).data), expected), after
    # every comment is still there (the eol one too, even when its key was edited).
    # ruamel itself drops a comment after a nested empty item (`-   -`) on a plain
    # load and dump; an edit must not lose more than that.
    kept = RoundTrip(text).dump()
    assert after.startswith(head + "\n"), after
    if kept.rstrip("\n").endswith(foot):
        assert after.rstrip("\n").endswith(foot), after
    if plain_keys and eol in kept:
        assert eol in after, after


def test_an_edit_ruamel_would_write_wrong_is_refused():
    # ruamel 0.19.1 writes this list as `- {}`, `- x   -`: read back, a list in a list
    rt = RoundTrip("id: 1  # c\n")
    sets(rt.data, {"id": [{}, "x", None]}, "deal")
    assert load_fast(rt.dump()) != {"id": [{}, "x", None]}
    with pytest.raises(YamlProblem, match="cannot write `id.1.` faithfully"):
        roundtrip_edit("id: 1  # c\n", lambda tree: sets(tree, {"id": [{}, "x", None]}, "deal"))


@fast(200)
@given(text_value.filter(lambda s: "\x00" not in s))
def test_set_text_field_reads_back_exactly_as_typed(typed: str):
    # `deal set notes=TEXT` keeps the text as typed, whatever it looks like as YAML
    from salescli.core.model import Deal
    from salescli.services.edit import assignments_for

    changes = assignments_for((f"notes={typed}",), "a deal", Deal, {})
    rt = RoundTrip("id: x\ntitle: X  # keep\nnotes: old\n")
    sets(rt.data, changes, "deal")
    after = rt.dump()
    # `notes=` and `notes=null` clear the field, as a null does in a record
    cleared = typed.strip() in ("", "~", "null", "Null", "NULL")
    expected = None if cleared else typed
    assert load_fast(after)["notes"] == expected, after
    assert "# keep" in after


# ------------------------------------------------------- 2. check never crashes


@pytest.fixture(scope="module")
def check_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from salescli.services.init import init_repository

    root = tmp_path_factory.mktemp("props") / "crm"
    init_repository(root, "default")
    return root


FIELD_NAMES = sorted({*DEAL_KEYS, *key_order("account"), *key_order("lead")})
near_key = st.one_of(st.sampled_from(FIELD_NAMES),
                     st.sampled_from(FIELD_NAMES).map(lambda k: k[:-1] or k),
                     st.sampled_from(FIELD_NAMES).map(str.upper), text_value)


def _nest_near(children: st.SearchStrategy) -> st.SearchStrategy:
    return _nest(children, near_key)


yamlish = st.recursive(scalar, _nest_near, max_leaves=12)
KIND_FILES = {"deal": "deals/2026-10/x.yaml", "account": "accounts/2026-10/acme-oy.yaml",
              "lead": "leads/2026-10/x.yaml"}
raw_bytes = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(["id: x\n", "a:\n", "  - b\n", "- [\n", "{", "&a x\n", "*a\n",
                              "!!python/object x\n", "<<: {}\n", "---\n", "%YAML 1.1\n",
                              "<<<<<<< ours\n", "\t", ": \n", "? x\n", "key: 'open\n",
                              "stakeholders: [1, {}]\n", "items: {a: 1}\n", "value: -1e999\n",
                              "close_date: 2026-02-30\n", "\ufeff", "stage: [x]\n", "\x1b",
                              "\x85", "\u2028", "notes: a\tb\n", "\r"]),
             max_size=10).map(lambda parts: "".join(parts).encode("utf-8")),
)


def _check_survives(root: Path, kind: str, data: bytes) -> None:
    path = root / KIND_FILES[kind]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    try:
        diagnostics = run_check(root)
    finally:
        path.unlink()
    assert isinstance(diagnostics, list)


@fast(200)
@given(st.sampled_from(sorted(KIND_FILES)), raw_bytes)
def test_check_never_crashes_on_arbitrary_bytes(check_repo: Path, kind: str, data: bytes):
    _check_survives(check_repo, kind, data)


@fast(200)
@given(st.sampled_from(sorted(KIND_FILES)),
       st.one_of(yamlish, st.dictionaries(near_key, yamlish, max_size=8)))
def test_check_never_crashes_on_arbitrary_documents(check_repo: Path, kind: str, doc: object):
    text = dump_new(doc if isinstance(doc, dict) else {"value": doc})
    _check_survives(check_repo, kind, text.encode("utf-8"))


# ----------------------------------------------- 3. the deal commands vs a model

ACCOUNT = """\
id: acme-oy
name: Acme Oy
owner: anna
created: 2026-10-01
contacts:
  - {id: matti, name: Matti, role: economic-buyer}
  - {id: liisa, name: Liisa, role: champion}
  - {id: pekka, name: Pekka}
"""
CONTACT_ROLES = {"matti": "economic-buyer", "liisa": "champion", "pekka": None}
BUYER_ROLES = ("economic-buyer", "decision-maker")
STAGES = ["needs-analysis", "proposal", "negotiation", "contracting"]
LOST_REASONS = ["price", "budget", "timing", "competitor"]


class PipelineModel:
    """The default pipeline's rules (SPEC §2), written out plainly for one deal."""

    def __init__(self) -> None:
        self.stage, self.status = STAGES[0], "open"
        self.value: Decimal | None = Decimal(1000)
        self.stakeholders: dict[str, str | None] = {}
        self.items = self.quotes = 0

    def met(self, requirement: str) -> bool:
        return {
            "account": True, "close_date": True, "value": self.value is not None,
            "decision_maker": any((role or CONTACT_ROLES[c]) in BUYER_ROLES
                                  for c, role in self.stakeholders.items()),
            "items": self.items > 0, "quote": self.quotes > 0, "lost_reason": True,
        }[requirement]

    REQUIRES = {"needs-analysis": ["account", "value", "close_date"],
                "proposal": ["decision_maker", "items"], "negotiation": ["quote"],
                "contracting": []}

    def may_move(self, target: str, reason: str | None) -> bool:
        if self.status != "open" or target == self.stage:
            return False
        here, there = STAGES.index(self.stage), STAGES.index(target)
        if there < here:  # backward: with-reason; only the target's requires
            return bool(reason) and all(self.met(r) for r in self.REQUIRES[target])
        if there > here + 1:  # skip: false
            return False
        return all(self.met(r) for r in self.REQUIRES[target])


class DealCommands(RuleBasedStateMachine):
    """Each rule runs the real CLI on one deal; the model says whether it may."""

    root: Path
    counter = 0

    def __init__(self) -> None:
        super().__init__()
        self.model = PipelineModel()
        DealCommands.counter += 1
        self.deal = f"deal-{DealCommands.counter}"
        self.path = self.root / "deals" / "2026-10" / f"{self.deal}.yaml"

    def run(self, *args: str) -> int:
        result = CliRunner().invoke(cli_main, ["-C", str(self.root), *args])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        self.output = result.output
        return result.exit_code

    def head(self) -> str:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=self.root, check=True,
                              capture_output=True, text=True).stdout.strip()

    def attempt(self, allowed: bool, command: str, *extra: str, changes: bool = True) -> bool:
        """Run a deal command; it succeeds exactly when the model allows it. A refusal
        changes nothing, a success makes exactly one commit, and a success that
        `changes` nothing (a stakeholder added again) makes none and says so."""
        before, head = self.path.read_bytes(), self.head()
        code = self.run("deal", *command.split(), self.deal, *extra)
        assert (code == 0) == allowed, (command, extra, code, self.output, vars(self.model))
        event(f"{command} {'done' if allowed else 'refused'}")
        if allowed and changes:
            parents = subprocess.run(["git", "rev-list", f"{head}..HEAD"], cwd=self.root,
                                     capture_output=True, text=True, check=True).stdout.split()
            assert len(parents) == 1, command
        else:
            assert self.path.read_bytes() == before and self.head() == head, command
        if allowed and not changes:
            assert "(no change: nothing to commit)" in self.output, self.output
        return allowed

    @initialize(ready=st.booleans())
    def add(self, ready: bool) -> None:
        code = self.run("deal", "add", "Props", "--account", "acme-oy", "--id", self.deal,
                        "--value", "1000", "--close-date", "2027-01-31", "--date", "2026-10-05")
        assert code == 0
        if ready:  # half the deals start with what `proposal` needs, so later stages are reached
            self.stakeholder("matti", None)
            self.item("120")

    @rule()
    def advance(self) -> None:
        m = self.model
        here = STAGES.index(m.stage)
        target = STAGES[here + 1] if here + 1 < len(STAGES) else None
        ok = target is not None and m.may_move(target, None)
        if self.attempt(ok, "advance"):
            m.stage = target

    @rule(stage=st.sampled_from(STAGES), reason=st.sampled_from([None, "Scope changed"]))
    def move(self, stage: str, reason: str | None) -> None:
        m = self.model
        ok = m.may_move(stage, reason)
        if self.attempt(ok, "move", stage, *(("--reason", reason) if reason else ())):
            m.stage = stage

    @rule()
    def win(self) -> None:
        # rules.skip: false: won only from the last stage
        ok = self.model.status == "open" and self.model.stage == STAGES[-1]
        if self.attempt(ok, "win"):
            self.model.status = "won"

    @rule(reason=st.sampled_from([*LOST_REASONS, "not-a-reason"]))
    def lose(self, reason: str) -> None:
        ok = self.model.status == "open" and reason in LOST_REASONS
        if self.attempt(ok, "lose", "--reason", reason):
            self.model.status = "lost"

    @rule(stage=st.sampled_from([None, *STAGES]))
    def reopen(self, stage: str | None) -> None:
        m = self.model
        target = stage or m.stage
        # into its last stage: what that stage requires; into another: the move rules
        # from its last stage, with the reopen's reason
        if target == m.stage:
            ok = all(m.met(r) for r in m.REQUIRES[target])
        else:
            status, m.status = m.status, "open"
            ok = m.may_move(target, "Budget unfrozen")
            m.status = status
        ok = ok and m.status != "open"
        if self.attempt(ok, "reopen", "--reason", "Budget unfrozen",
                        *(("--stage", stage) if stage else ())):
            m.status, m.stage = "open", target

    @rule(contact=st.sampled_from(sorted(CONTACT_ROLES)),
          role=st.sampled_from([None, "decision-maker", "economic-buyer", "champion"]))
    def stakeholder(self, contact: str, role: str | None) -> None:
        m = self.model
        # adding someone again without a new role succeeds and has nothing to commit
        changes = contact not in m.stakeholders or (role is not None
                                                    and m.stakeholders[contact] != role)
        if self.attempt(True, "stakeholder", contact, *(("--role", role) if role else ()),
                        changes=changes) and changes:
            m.stakeholders[contact] = role

    @rule(price=st.sampled_from(["120", "0", "99.50"]))
    def item(self, price: str) -> None:
        if self.attempt(True, "item add", "--name", "Integration work", "--unit-price", price,
                        "--quantity", "2", "--tax-rate", "25.5"):
            self.model.items += 1

    @rule(value=st.sampled_from([None, "0", "52000", "48000.50"]))
    def set_value(self, value: str | None) -> None:
        m = self.model
        new = None if value is None else Decimal(value)
        # setting the value it already has succeeds with nothing to commit
        if self.attempt(True, "set", f"value={value or ''}", changes=new != m.value):
            m.value = new

    @precondition(lambda self: self.model.items > 0)
    @rule()
    def quote(self) -> None:
        before = self.head()
        code = self.run("quote", self.deal, "--date", "2026-11-01")
        commits = subprocess.run(["git", "rev-list", f"{before}..HEAD"], cwd=self.root,
                                 capture_output=True, text=True).stdout.count("\n")
        if self.model.status == "lost":  # reopened first, or nothing
            assert code == 1, self.output
            assert f"{self.deal} is lost: reopen it before you quote it" in self.output
            assert commits == 0
            return
        if code == 1:  # the same content again, still valid: no new version, no commit
            assert self.model.quotes > 0 and "is unchanged and already written" in self.output
            assert commits == 0
            return
        assert code == 0, self.output
        assert commits == 1
        self.model.quotes += 1

    @invariant()
    def file_matches_model(self) -> None:
        if not self.path.exists():
            return
        data = load_fast(self.path.read_text("utf-8"))
        assert (data["stage"], data["status"]) == (self.model.stage, self.model.status)
        event(f"reached {self.model.stage}")
        rel = self.path.relative_to(self.root).as_posix()
        errors = [d for d in run_check(self.root) if d.path == rel and d.severity == "error"]
        assert not errors, errors


def test_deal_commands_follow_the_pipeline_rules(tmp_path: Path):
    from salescli.services.init import init_repository

    root = tmp_path / "crm"
    init_repository(root, "default")
    (root / "accounts" / "2026-10").mkdir(parents=True)
    (root / "accounts" / "2026-10" / "acme-oy.yaml").write_text(ACCOUNT, encoding="utf-8")
    settings_file = root / "salescli.yaml"  # a quote names its seller
    settings_file.write_text(replaced(settings_file.read_text(encoding="utf-8"),
                                      "company:\n  name: null", "company:\n  name: Hubble Oy"),
                             encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "account"], cwd=root, check=True)
    DealCommands.root = root  # one repository per run; each example adds its own deal
    run_state_machine_as_test(DealCommands, settings=settings(
        max_examples=30, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))


# ----------------------------------------------- 4. the lead commands vs a model

DISQUALIFY_REASONS = ["not-icp", "no-need", "unreachable", "budget-or-tech"]


class LeadCommands(RuleBasedStateMachine):
    """The lead flow (SPEC 3.2): new -> contacted -> qualified (converted) or disqualified.

    Each rule runs the real CLI on one lead; a plain model says whether it may, and
    what the lead and the repository hold after it.
    """

    root: Path
    counter = 0

    def __init__(self) -> None:
        super().__init__()
        LeadCommands.counter += 1
        n = LeadCommands.counter
        self.lead = f"lead-{n}"
        self.path = self.root / "leads" / "2026-11" / f"{self.lead}.yaml"
        self.status, self.converted, self.notes = "new", False, 0
        self.reason: str | None = None
        self.last_note: str | None = None
        self.company = f"Lead Company {n}"

    run = DealCommands.run
    head = DealCommands.head

    def attempt(self, allowed: bool, *args: str, same: bool = False) -> bool:
        """Run a status change the model `allowed` (one commit), or refuses (nothing
        changes), or finds `same` as it is (a repeat: exit 0, nothing changes)."""
        before, head = self.path.read_bytes(), self.head()
        code = self.run("lead", args[0], self.lead, *args[1:])
        assert (code == 0) == (allowed or same), (args, code, self.output, self.status,
                                                  self.converted)
        event(f"{args[0]} {'done' if allowed else 'again' if same else 'refused'}")
        if allowed:
            assert subprocess.run(["git", "rev-list", "--count", f"{head}..HEAD"], cwd=self.root,
                                  capture_output=True, text=True).stdout.strip() == "1", args
        else:
            assert self.path.read_bytes() == before and self.head() == head, args
        return allowed

    @property
    def open(self) -> bool:
        return not self.converted and self.status != "disqualified"

    @initialize()
    def add(self) -> None:
        n = LeadCommands.counter
        code = self.run("lead", "add", self.company, "--id", self.lead, "--contact",
                        f"Person {n}", "--email", f"p{n}@lead{n}.example", "--source",
                        "website", "--date", "2026-11-02")
        assert code == 0, self.output

    @rule()
    def contact(self) -> None:
        if self.attempt(self.open and self.status == "new", "contact",
                        same=self.open and self.status == "contacted"):
            self.status = "contacted"

    @rule()
    def qualify(self) -> None:
        if self.attempt(self.open and self.status in ("new", "contacted"), "qualify",
                        same=self.open and self.status == "qualified"):
            self.status = "qualified"

    @rule(reason=st.sampled_from([*DISQUALIFY_REASONS, "weather"]),
          note=st.sampled_from([None, "On-prem only", "Budget: next year # maybe"]))
    def disqualify(self, reason: str, note: str | None) -> None:
        ok = self.open and reason in DISQUALIFY_REASONS
        # disqualified already for this reason: a new note is added, else nothing changes
        again = not self.converted and self.status == "disqualified" and reason == self.reason
        ok = ok or (again and note is not None and note != self.last_note)
        if self.attempt(ok, "disqualify", "--reason", reason, *(("--note", note) if note else ()),
                        same=again):
            self.status, self.notes, self.reason = "disqualified", self.notes + bool(note), reason
            self.last_note = note or self.last_note

    @rule(deal=st.booleans())
    def convert(self, deal: bool) -> None:
        extra = (("--value", "1200", "--close-date", "2027-03-31") if deal else ("--no-deal",))
        if self.attempt(self.open, "convert", *extra, "--date", "2026-11-10"):
            self.status, self.converted = "qualified", True

    @rule(source=st.sampled_from(["referral", "event", "website"]))
    def set_source(self, source: str) -> None:
        before = load_fast(self.path.read_text("utf-8"))
        code = self.run("lead", "set", self.lead, f"source={source}")
        assert code == 0, self.output
        assert load_fast(self.path.read_text("utf-8")) == {**before, "source": source}

    @invariant()
    def file_matches_model(self) -> None:
        if not self.path.exists():
            return
        data = load_fast(self.path.read_text("utf-8"))
        assert data["status"] == self.status
        assert ("converted" in data) == self.converted
        assert (data.get("disqualify_reason") is not None) == (self.status == "disqualified")
        assert str(data.get("notes") or "").count("\n") + bool(data.get("notes")) >= self.notes
        if self.converted:  # the account (and deal) it became are real records
            account = data["converted"]["account"]
            assert list(self.root.glob(f"accounts/*/{account}.yaml")), account
            if data["converted"].get("deal"):
                assert list(self.root.glob(f"deals/*/{data['converted']['deal']}.yaml"))
        rel = self.path.relative_to(self.root).as_posix()
        errors = [d for d in run_check(self.root) if d.severity == "error"]
        assert not errors, (rel, errors)


def test_lead_commands_follow_the_lead_flow(tmp_path: Path):
    from salescli.services.init import init_repository

    root = tmp_path / "crm"
    init_repository(root, "default")
    LeadCommands.root = root
    run_state_machine_as_test(LeadCommands, settings=settings(
        max_examples=15, stateful_step_count=12, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
