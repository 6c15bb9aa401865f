"""The line reader (`load_block`) agrees with libyaml's event reader whenever it answers.

`load_fast` reads a record with `load_block` and falls back to libyaml's events
(`load_events`) when the block reader gives up. The block reader only pays off if it
never answers differently: these tests write YAML text directly (not through an
emitter, so broken and odd text is generated too) and compare the two readers.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from salescli.store.yamlio import NOT_BLOCK
from salescli.store.yamlio import YamlProblem
from salescli.store.yamlio import load_block
from salescli.store.yamlio import load_events
from salescli.store.yamlio import load_fast


def _same(a: object, b: object) -> bool:
    """Equal values of equal types, keys in the same order (1 is not 1.0 or True)."""
    if isinstance(a, dict):
        return (isinstance(b, dict) and list(a) == list(b)
                and all(_same(a[k], b[k]) for k in a))
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


def assert_agree(text: str) -> object:
    fast = load_block(text)
    try:
        slow: object = load_events(text)
    except YamlProblem:
        slow = NOT_BLOCK
    except Exception:  # noqa: BLE001 - libyaml refused it in some other way
        slow = NOT_BLOCK
    if fast is not NOT_BLOCK:
        assert slow is not NOT_BLOCK, f"block reader accepted what libyaml refuses:\n{text}"
        assert _same(fast, slow), f"readers disagree:\n{text}\nblock: {fast!r}\nlibyaml: {slow!r}"
    return fast


# ---- text generation: scalars in every style, including broken ones

# characters that matter to YAML's grammar, plus ordinary ones
_TRICKY = list("abcXYZ019 .-_:#'\",[]{}?&*!|>%@`~+/=()") + ["\u00e4", "\u00a0", "\u20ac"]
_WORDS = ["no", "on", "yes", "true", "False", "null", "~", "010", "0o7", "0x1F", "1_000",
          "1e3", ".5", "-.inf", ".nan", "1:20", "2026-11-23", "2026-02-30", "2026-1-1",
          "25000.00", "-5", "+3", "<<", "-", "---", "...", "a: b", "x #y", "x#y", "'q'",
          "O'Brien", "Smith, John", "http://x.fi/a", "Q-2026-0001", "a  b", "é"]
_SAFE = ["anna", "Acme Oy", "2026-11-23", "48000.00", "12", "erp", "Kick-off, scope",
         "ville.virtanen@acme.fi", "+358 50 123 4567", "a-b", "Åbo €"]
word = st.one_of(st.sampled_from(_SAFE), st.sampled_from(_SAFE), st.sampled_from(_WORDS),
                 st.lists(st.sampled_from(_TRICKY), min_size=1, max_size=8).map("".join))


@st.composite
def scalar(draw: st.DrawFn) -> str:
    w = draw(word)
    style = draw(st.sampled_from(["plain", "plain", "plain", "single", "double", "comment"]))
    if style == "single":
        return "'" + w.replace("'", draw(st.sampled_from(["''", "'"]))) + "'"
    if style == "double":
        return '"' + w + '"'
    if style == "comment":
        return w + draw(st.sampled_from([" # note", "  #x", "#x"]))
    return w


@st.composite
def flow(draw: st.DrawFn, depth: int = 0) -> str:
    item = scalar() if depth else st.one_of(scalar(), scalar(), scalar(), flow(depth + 1))
    items = draw(st.lists(item, max_size=4))
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(["a", "b", "k_1", "x-y", "true", "a b"]),
                             min_size=len(items), max_size=len(items), unique=True))
        sep = draw(st.sampled_from([": ", ": ", ":  ", ":", " : "]))
        body = ", ".join(f"{k}{sep}{v}" for k, v in zip(keys, items, strict=True))
        return "{" + body + draw(st.sampled_from(["", ",", " "])) + "}"
    return "[" + draw(st.sampled_from([", ", ",", " , "])).join(items) + "]"


# a flow collection, nested or not, may have a comment after it (`fx: {}  # note`)
value = st.one_of(scalar(), scalar(), flow(), st.just(""),
                  st.tuples(flow(), st.sampled_from([" # c", "  # ]", " #", "#c", " # x # y"]))
                  .map("".join))
key = st.one_of(st.sampled_from(["id", "title", "value", "with", "a", "b", "_x", "k-1"]),
                st.sampled_from(["true", "1", "a b", "é", "id"]))


_IDENTS = ["id", "title", "value", "with", "a", "b", "_x", "k-1", "owner", "date"]


@st.composite
def block(draw: st.DrawFn, indent: int, depth: int, clean: bool) -> list[str]:
    """Lines of a block mapping or sequence at `indent`.

    Not `clean`: odd keys, odd indents and stray comments, so much of it is broken.
    """
    pad = " " * indent
    lines: list[str] = []
    is_seq = depth > 0 and draw(st.booleans())
    names = draw(st.permutations(_IDENTS)) if clean else None
    for n in range(draw(st.integers(1, 4))):
        if not clean and draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", "# c", pad + "# c"])))
        name = names[n] if names else draw(key)
        dashes = draw(st.integers(1, 3))
        head = pad + ("-" + " " * dashes if is_seq else "")
        step = 2 if clean else draw(st.sampled_from([2, 2, 2, 4, 1, 0]))
        if is_seq and draw(st.booleans()):
            head = head + f"{name}: "  # `- key: value` opens a mapping
            if clean:
                step = 1 + dashes + 2  # nested below that key
        elif not is_seq:
            head += f"{name}:" + (" " if clean else draw(st.sampled_from([" ", "  ", ""])))
        nested = depth < 3 and draw(st.integers(0, 3)) == 0
        if nested:
            lines.append(head.rstrip(" ") + draw(st.sampled_from(["", "", "  # c"])))
            lines += draw(block(indent + step, depth + 1, clean))
        else:
            lines.append(head + draw(value))
    return lines


@st.composite
def document(draw: st.DrawFn) -> str:
    lines = draw(block(0, 0, draw(st.booleans())))
    end = draw(st.sampled_from(["\n", "", "\n\n", "\n# end\n"]))
    return "\n".join(lines) + end


@settings(max_examples=1500, deadline=None)
@given(document())
def test_block_reader_agrees_with_libyaml(text: str):
    assert_agree(text)


@settings(max_examples=500, deadline=None)
@given(document(), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(
    [*_TRICKY, "\n", "\n  ", "- ", ": ", "\t", "\r", "\x85", "\ufeff"])), max_size=3))
def test_block_reader_agrees_on_damaged_text(text: str, edits: list[tuple[int, str]]):
    for at, char in edits:
        at %= len(text) + 1
        text = text[:at] + char + text[at:]
    assert_agree(text)


RECORD = """\
# a deal as salescli writes it, with a user's comments
id: acme-erp
title: Acme ERP integration   # their words
account: acme-oy
stage: proposal
status: open
value: 48000.00
close_date: 2027-01-31
created: 2026-10-01
stakeholders:
  - {contact: matti-virtanen, role: economic-buyer}
next_step: {action: 'Send revised quote, v2', due: 2026-11-25}
tags: [erp, "q4"]
activities:
  - date: 2026-10-02
    type: meeting
    summary: Kick-off, scope
    with: [matti-virtanen]
    evaluation: {went_well: 'Their processes, not our product', improve: Shorter}
  -   date: 2026-10-09
      type: call
      summary: Follow-up
checklist:
  proposal:
  - scope agreed
"""


def test_a_real_record_takes_the_block_reader():
    data = assert_agree(RECORD)
    assert data is not NOT_BLOCK
    assert data["title"] == "Acme ERP integration"
    assert data["next_step"] == {"action": "Send revised quote, v2", "due": dt.date(2026, 11, 25)}
    assert data["activities"][0]["summary"] == "Kick-off, scope"
    assert data["activities"][1] == {"date": dt.date(2026, 10, 9), "type": "call",
                                     "summary": "Follow-up"}
    assert data["checklist"] == {"proposal": ["scope agreed"]}


def test_flow_values_are_fresh_objects():
    # lines are memoised: a caller that mutates one record must not change the next
    first = load_fast("tags: [a]\n")
    first["tags"].append("b")
    assert load_fast("tags: [a]\n") == {"tags": ["a"]}


def test_what_the_block_reader_leaves_to_libyaml_still_fails_with_its_message():
    for text, code in [("a: 1\na: 2\n", "duplicate-key"), ("a: &x 1\n", "unsupported"),
                       ("a: 1\n=======\n", "conflict"), ("a: 2026-02-30\n", "yaml")]:
        assert load_block(text) is NOT_BLOCK
        try:
            load_fast(text)
        except YamlProblem as err:
            assert err.code == code
        else:
            raise AssertionError(text)


def test_every_shipped_preset_and_demo_record_agrees(tmp_path: Path):
    from salescli.services.demo import build_demo

    root = tmp_path / "demo"
    build_demo(root, deals=40, seed=7, end=dt.date(2026, 11, 1))
    texts = [p.read_text("utf-8") for p in sorted(root.rglob("*.yaml")) if ".git" not in p.parts]
    answered = [assert_agree(t) is not NOT_BLOCK for t in texts]
    assert len(texts) > 80 and sum(answered) >= 0.95 * len(texts)


def test_settings_and_pipelines_as_init_writes_them_take_the_block_reader():
    # a comment after a flow collection, and `won: {requires: []}`: no libyaml to import
    text = """\
fx: {}                     # rates into `currency`, e.g. {USD: 0.92}
quote: {validity_days: 30, numbering: "Q-{year}-{seq:04d}", terms: "Net 14 days"}
won: {requires: []}
lost: {requires: [lost_reason]}
stages:
  - {id: a, requires: [account, value], checklist: []}
"""
    data = assert_agree(text)
    assert data is not NOT_BLOCK
    assert data["won"] == {"requires": []} and data["lost"] == {"requires": ["lost_reason"]}
    assert data["quote"]["numbering"] == "Q-{year}-{seq:04d}"
    # fresh objects all the way down: the lines are memoised
    data["lost"]["requires"].append("x")
    assert load_fast(text)["lost"] == {"requires": ["lost_reason"]}


def test_every_config_file_init_writes_takes_the_block_reader(tmp_path: Path):
    from salescli.services.init import init_files
    from salescli.services.init import presets

    for preset in presets():
        for rel, text in init_files(tmp_path, preset, "anna").items():
            if rel.endswith(".yaml") and rel.split("/")[0] not in ("templates", "schemas"):
                assert assert_agree(text) is not NOT_BLOCK, (preset, rel)
