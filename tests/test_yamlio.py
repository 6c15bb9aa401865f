"""The two YAML readers: safety, YAML 1.2 values, agreement, and round-trip edits."""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from salescli.core.model import key_order
from salescli.store.yamlio import RoundTrip
from salescli.store.yamlio import YamlProblem
from salescli.store.yamlio import apply_sets
from salescli.store.yamlio import decode
from salescli.store.yamlio import load_fast
from salescli.store.yamlio import plain
from salescli.store.yamlio import roundtrip_edit


def load_roundtrip(text: str) -> Any:
    """The round-trip reader's values (ruamel types)."""
    return RoundTrip(text).data


def edit_text(text: str, changes: dict[str, Any], order: Sequence[str] = ()) -> str:
    """`changes` (`{"value": 52000, "next_step.due": date}`) applied to a record's text
    by the round trip, as `deal set` applies them."""
    return roundtrip_edit(text, lambda data: apply_sets(data, changes, order))


@pytest.mark.parametrize("text,value", [
    ("no", "no"), ("on", "on"), ("yes", "yes"), ("y", "y"), ("off", "off"),
    ("true", True), ("False", False), ("010", 10), ("0o10", 8), ("0x1F", 31),
    ("1:20", "1:20"), ("1_000", 1000), ("1e3", 1000.0), (".5", 0.5), ("~", None),
    ("null", None), ("", None), ("2026-11-01", dt.date(2026, 11, 1)), ("2026-1-1", "2026-1-1"),
    ("'010'", "010"), ("+1", 1), ("-.inf", -math.inf),
])
def test_yaml_12_values(text: str, value: object):
    assert load_fast(f"a: {text}\n") == {"a": value}
    assert plain(load_roundtrip(f"a: {text}\n")) == {"a": value}


@pytest.mark.parametrize("text,code,line", [
    ("a: &x [1]\nb: *x\n", "unsupported", 1),
    ("a: !!python/object/apply:os.system [ls]\n", "unsupported", 1),
    ("a: !custom x\n", "unsupported", 1),
    ("<<: {a: 1}\n", "unsupported", 1),
    ("a: 1\na: 2\n", "duplicate-key", 2),
    ("a: 1\n---\nb: 2\n", "multiple-documents", 2),
    ("a: 2026-02-30\n", "yaml", 1),
    ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", "too-deep", 1),
    ("- " * 5_000 + "x\n", "too-deep", 1),
    ("x: 1\n<<<<<<< ours\n", "conflict", 2),
])
def test_refused(text: str, code: str, line: int):
    with pytest.raises(YamlProblem) as err:
        load_fast(text)
    assert (err.value.code, err.value.line) == (code, line)


def test_billion_laughs_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    with pytest.raises(YamlProblem, match="anchors and aliases"):
        load_fast(bomb)


@pytest.mark.parametrize("data,code", [
    (b"a: 1\0", "encoding"), (b"a: \xff\n", "encoding"), (b"a: 1" + b" " * 1_000_001, "too-large"),
])
def test_decode_refuses(data: bytes, code: str):
    with pytest.raises(YamlProblem) as err:
        decode(data)
    assert err.value.code == code


def test_decode_accepts_a_bom():
    assert decode(b"\xef\xbb\xbfa: 1\n") == "a: 1\n"


# ---- the fast reader agrees with the round-trip reader on every value (SPEC §9)

_plain_chars = st.sampled_from(list("0123456789abcdefnoOyYtTxX_.:+-~eE ") + ["inf", "nan",
                                                                             "null", "true"])
scalar_text = st.lists(_plain_chars, min_size=1, max_size=12).map("".join)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _outcome(reader, text: str) -> object:
    try:
        return ("ok", reader(text))
    except YamlProblem:
        return ("refused",)
    except Exception:  # noqa: BLE001 - both readers must fail, however they fail
        return ("refused",)


@settings(max_examples=600, deadline=None)
@given(scalar_text)
def test_fast_and_roundtrip_readers_agree_on_plain_scalars(text: str):
    doc = f"key: {text}\n"
    fast = _outcome(load_fast, doc)
    rt = _outcome(lambda t: plain(load_roundtrip(t)), doc)
    assert fast[0] == rt[0], (doc, fast, rt)
    if fast[0] == "ok":
        assert _same(fast[1], rt[1]), (doc, fast, rt)


record_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
              st.floats(allow_nan=False, allow_infinity=True), st.text(max_size=20),
              st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), children, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), record_value,
                       min_size=1, max_size=6))
def test_fast_and_roundtrip_readers_agree_on_dumped_records(data: dict):
    # Text as ruamel writes it (quoting, escapes, block and flow styles).
    from salescli.store.yamlio import dump_new

    text = dump_new(data)
    fast = _outcome(load_fast, text)
    rt = _outcome(lambda t: plain(load_roundtrip(t)), text)
    assert fast[0] == rt[0] == "ok", (text, fast, rt)
    assert _same(fast[1], rt[1]), text


# ---- golden round-trip edits

COMMENTED = """\
# Acme's ERP deal -- discussed with Matti on the phone
id: acme-erp
title: 'Order-processing automation'   # their words
account: acme-oy
stage: proposal
status: open
value: 48000.00            # list price before discount
currency: EUR
close_date: 2027-01-31
created: 2026-10-01
stakeholders:
  - {contact: matti-virtanen, role: economic-buyer}
next_step: {action: Send revised quote, due: 2026-11-25}
items:
  # integration is quoted separately
  - {product: silma-pro, quantity: 12, discount: 10, billing: monthly, cycles: 12}
contacts_seen:
  - name: Matti
    when: 2026-10-02
notes: |
  Wants integration with their WMS.
  Budget approved in Q4.
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(),
                                               lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_golden_one_field_changes_one_line():
    after = edit_text(COMMENTED, {"value": Decimal("52000.00")}, key_order("deal"))
    assert changed_lines(COMMENTED, after) == [
        "-value: 48000.00            # list price before discount",
        "+value: 52000.00            # list price before discount",
    ]


def test_golden_nested_field_in_flow_mapping():
    after = edit_text(COMMENTED, {"next_step.due": dt.date(2026, 12, 1)}, key_order("deal"))
    assert changed_lines(COMMENTED, after) == [
        "-next_step: {action: Send revised quote, due: 2026-11-25}",
        "+next_step: {action: Send revised quote, due: 2026-12-01}",
    ]


def test_new_key_goes_to_its_documented_place():
    after = edit_text(COMMENTED, {"owner": "anna"}, key_order("deal"))
    assert changed_lines(COMMENTED, after) == ["+owner: anna"]
    lines = after.splitlines()
    assert lines.index("owner: anna") == lines.index("close_date: 2027-01-31") + 1


@pytest.mark.parametrize("text,expected", [
    ("a:\n  b: 1\nc:\n  - x\n", (2, 4, 2)),
    ("a:\n    b: 1\nc:\n- x\n", (4, 2, 0)),
    ("c:\n    -   x\n", (2, 8, 4)),
    ("a: 1\n", (2, 4, 2)),
    ("_:\n- \n", (2, 2, 0)),
])
def test_guess_indent(text: str, expected: tuple):
    from salescli.store.yamlio import guess_indent

    assert guess_indent(text) == expected


def test_edit_in_another_indent_style_keeps_it():
    text = "id: x\nstakeholders:\n- contact: a\n  role: other\nmeta:\n    k: 1\n"
    after = edit_text(text, {"id": "z"}, key_order("deal"))
    assert changed_lines(text, after) == ["-id: x", "+id: z"]


def test_edit_keeps_every_other_value():
    after = edit_text(COMMENTED, {"stage": "negotiation"}, key_order("deal"))
    before, now = load_fast(COMMENTED), load_fast(after)
    assert now.pop("stage") == "negotiation"
    before.pop("stage")
    assert now == before


# ---- found by the property tests (tests/test_properties.py)


def test_the_round_trip_keeps_a_plain_time_and_a_null_as_written():
    text = ("id: x\nnotes: null   # none yet\nactivities:\n  - date: 2026-12-10\n"
            "    time: 14:00   # by phone\n    summary: A\n  - date: 2026-12-11\n"
            "    time: ~\n    summary: B\n")
    out = roundtrip_edit(text, lambda d: d["activities"][1].__setitem__("summary", "C"))
    assert out == text.replace("summary: B", "summary: C")


def test_a_null_that_became_a_block_is_not_put_back():
    # the null line the edit filled stays filled; the one beside it stays as written
    text = "id: x\nnext_step: null\nnotes: null  # none\ntags: ~\n"
    out = roundtrip_edit(text, lambda d: d.__setitem__("next_step", {"action": "Call"}))
    assert out == "id: x\nnext_step:\n  action: Call\nnotes: null  # none\ntags: ~\n"
    out = roundtrip_edit(text, lambda d: d.__setitem__("tags", ["a"]))
    assert out == "id: x\nnext_step: null\nnotes: null  # none\ntags:\n  - a\n"


def test_untouched_float_keeps_every_digit():
    text = "a: 1.912138534355494e+24\nb: 1\n"
    after = edit_text(text, {"b": 2})
    assert load_fast(after)["a"] == 1.912138534355494e+24
    assert edit_text("a: 48000.00\nb: 1\n", {"b": 2}) == "a: 48000.00\nb: 2\n"


@pytest.mark.parametrize("value", [":0", ": a", "?x"])
def test_flow_values_the_fast_reader_would_refuse_are_quoted(value: str):
    from salescli.store.yamlio import dump_new

    text = edit_text("id: x\nnext_step: {action: a}\n", {"next_step.action": value})
    assert load_fast(text)["next_step"] == {"action": value}
    assert load_fast(dump_new({"tags": [value]}, ["tags"])) == {"tags": [value]}


@pytest.mark.parametrize("text,changes", [
    ("id:\n  -\n# about what follows\n", {"id": "x"}),
    ("id:\n  a:\n# about what follows\n", {"title": "t"}),
    ("id: x\n# about what follows\n", {"title": ["a", "b"]}),
])
def test_comments_after_the_record_stay_last(text: str, changes: dict):
    from salescli.services.edit import sets
    from salescli.store.yamlio import RoundTrip

    rt = RoundTrip(text)
    sets(rt.data, changes, "deal")
    after = rt.dump()
    assert after.endswith("\n# about what follows\n") and after.count("# about") == 1, after


@pytest.mark.parametrize("text", [
    "id: x\nactivities: []\n# about what follows\n",
    "id: x\nactivities:\n# about what follows\n",
    "id: x\n# about what follows\n",
    "id: x\nactivities:\n  - {date: 2026-01-01, type: call, summary: a}\n# about what follows\n",
])
def test_an_entry_appended_through_the_round_trip_is_styled_as_a_new_record(text: str):
    # where the text cannot take a spliced entry, the commands and an import append it
    # through the round trip: nested values inline as a new record writes them, the
    # list in its documented place, the comments after the record still last
    from salescli.services.edit import appended

    item = {"date": dt.date(2026, 3, 2), "type": "meeting", "summary": "Kickoff",
            "with": ["matti"], "evaluation": {"went_well": "agenda"},
            "external_ids": {"pipedrive": 7}}
    after = appended(text, "deal", "activities", item)
    assert after.endswith("\n# about what follows\n") and after.count("# about") == 1, after
    assert "    with: [matti]\n    evaluation: {went_well: agenda}\n" \
        "    external_ids: {pipedrive: 7}\n" in after, after
    assert load_fast(after)["activities"][-1] == item


def test_a_tab_and_a_control_character_are_refused_not_a_traceback():
    with pytest.raises(YamlProblem) as err:
        load_fast("a: 1\nv: x\t\x1b\n")
    assert err.value.line == 2 and "U+001B" in err.value.message


# ---- values spliced into the text, without the round trip

simple_value = st.one_of(
    st.sampled_from(["proposal", "anna", "Acme Oy", "no", "1:20", "a-b", "x#y", "é"]),
    st.integers(-10**6, 10**6), st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
                       st.one_of(simple_value, record_value), min_size=1, max_size=6),
       st.data())
def test_setting_a_value_reads_as_the_round_trip_edit(data: dict, draw):
    from salescli.store.yamlio import dump_new
    from salescli.store.yamlio import set_values

    text = dump_new(data) + draw.draw(st.sampled_from(["", "# after\n"]))
    key = draw.draw(st.sampled_from(sorted(data)))
    value = draw.draw(st.one_of(simple_value, st.text(max_size=12)))
    spliced = set_values(text, {key: value})
    expected = {**load_fast(text), key: value}
    assert _same(load_fast(spliced), expected), spliced
    assert _same(load_fast(spliced), load_fast(edit_text(text, {key: value})))
    if not isinstance(data[key], dict | list) or not data[key]:  # one line: only it changes
        changed = changed_lines(text, spliced)
        # the key as written: `null` or `true` as a key is quoted ('null': x)
        written = changed[0][1:].split(":")[0].strip("'\"") if changed else None
        assert spliced == text or (len(changed) == 2 and written == key), changed


@pytest.mark.parametrize("text,changes,expected", [
    ("a: 1\nstage: x   # since May\nb: 2\n", {"stage": "won"},
     "a: 1\nstage: won # since May\nb: 2\n"),  # the comment keeps its column
    ("stage: x  # c\n", {"stage": "proposal"}, "stage: proposal # c\n"),
    ("d: 2026-01-01\n", {"d": dt.date(2026, 2, 1)}, "d: 2026-02-01\n"),
    ("a: 'x #y'\n", {"a": "z"}, "a: 'z'\n"),  # the field's quoting stays
    ('a: "x"  # c\n', {"a": "it's"}, 'a: "it\'s" # c\n'),
    ("a: x\n", {"a": "it's: y"}, "a: 'it''s: y'\n"),  # would not read back as text
    ("a: 1\n", {"a": "010"}, "a: '010'\n"),  # would read back as a number
    ("a: x\n", {"a": "tab\there"}, 'a: "tab\\there"\n'),
    ("a:\n  b: 1\n", {"a": "z"}, "a: z\n"),  # a block mapping
    ("id: x\ntags:  # mine\n  - a\n  # inner\n  - b  # last\n# about z\nz: 1\n",
     {"tags": ["c", "d"]}, "id: x\ntags: [c, d]  # mine\n# about z\nz: 1\n"),
    ("a:\nid:\n- -\n# foot\n", {"id": Decimal("0.00")}, "a:\nid: 0.00\n# foot\n"),
    ("id:\n  a: |\n    t\n\n# foot", {"id": None}, "id:\n\n# foot"),
    ("a: 1\n", {"b": "z"}, "a: 1\nb: z\n"),
    ("id: x\nowner: y  # who\n# footer\n", {"title": "T", "currency": "EUR"},
     "id: x\ntitle: T\ncurrency: EUR\nowner: y  # who\n# footer\n"),  # documented order
    ("id: x\nnext_step: {action: a}\n", {"next_step.due": dt.date(2027, 1, 2)},
     "id: x\nnext_step: {action: a, due: 2027-01-02}\n"),
    ("id: x\nnext_step: {}\n", {"next_step.action": "Call: now"},
     "id: x\nnext_step: {action: 'Call: now'}\n"),
    ("id: x\nnext_step:\n  action: a\n# c\n", {"next_step.due": dt.date(2027, 1, 2)},
     "id: x\nnext_step:\n  action: a\n  due: 2027-01-02\n# c\n"),
    ("id: x\nnext_step: soon\n", {"next_step.due": dt.date(2027, 1, 2)},
     "id: x\nnext_step: {due: 2027-01-02}\n"),
    ("id: x\nprobability: 40  # c\n", {"probability": None}, "id: x\nprobability:     # c\n"),
    ("id: x\nnotes: |\n  a\n\n  b\n\nz: 1\n", {"notes": "c"}, "id: x\nnotes: |-\n  c\n\nz: 1\n"),
    ("id: x\nnotes: >2\n   a\nz: 1\n", {"notes": " b\n"}, "id: x\nnotes: >2\n   b\nz: 1\n"),
    ("id: x\nnotes: |\n  a\nz: 1\n", {"notes": None}, "id: x\nnotes:\nz: 1\n"),
    ("id: x\nnotes: |+\n  a\n\n", {"notes": "b\n\n"}, 'id: x\nnotes: "b\\n\\n"\n\n'),
    ("id: x", {"value": Decimal("5.00")}, "id: x\nvalue: 5.00\n"),
])
def test_set_values(text: str, changes: dict, expected: str):
    from salescli.store.yamlio import set_values

    assert set_values(text, changes, key_order("deal")) == expected


def test_unprintable_classes_are_the_complement_of_printable():
    # the two classes are spelled as the few bad ranges (cheap to compile); they must
    # hold exactly what the negated _PRINTABLE class holds, on every code point
    import re

    from salescli.store.yamlio import _BLOCK_BAD
    from salescli.store.yamlio import _PRINTABLE
    from salescli.store.yamlio import _UNPRINTABLE

    negated = re.compile(f"[^{_PRINTABLE}]")
    text = "".join(map(chr, range(0x110000)))
    assert [m.start() for m in _UNPRINTABLE.finditer(text)] == \
        [m.start() for m in negated.finditer(text)]
    assert [m.start() for m in _BLOCK_BAD.finditer(text)] == \
        [m.start() for m in negated.finditer(text) if m.start() != 10]


APPEND_BASE = (
    "id: d\n"
    "activities:\n"
    "  - date: 2026-10-01   # first\n"
    "    type: call\n"
    "    summary: |\n"
    "      two\n"
    "      lines\n"
    "  # a comment after the last item\n"
    "notes: x\n"
)


def test_append_item_splices_a_block_item_after_the_last_one():
    from salescli.store.yamlio import append_item

    item = {"date": dt.date(2026, 11, 5), "type": "meeting", "summary": "a: b, 'q'",
            "with": ["matti", "liisa"], "evaluation": {"went_well": "Clear", "improve": "x"},
            "outcome": None}
    out = append_item(APPEND_BASE, "activities", item)
    assert out == APPEND_BASE.replace("      lines\n", (
        "      lines\n"
        "  - date: 2026-11-05\n"
        "    type: meeting\n"
        "    summary: 'a: b, ''q'''\n"
        "    with: [matti, liisa]\n"
        "    evaluation: {went_well: Clear, improve: x}\n"
        "    outcome:\n"))
    crlf = APPEND_BASE.replace("\n", "\r\n")
    assert append_item(crlf, "activities", item) == out.replace("\n", "\r\n")
    # text that no style of one line holds as plain: escaped, and read back exactly
    odd = append_item(APPEND_BASE, "activities", {"summary": "tab\there \x85 010"})
    assert load_fast(odd)["activities"][-1] == {"summary": "tab\there \x85 010"}


@pytest.mark.parametrize("text", [
    "id: d\n",                                   # no list yet: the round trip makes it
    "id: d\nactivities: []\n",
    "id: d\nactivities: [{date: 2026-10-01}]\n",  # a flow list
    "id: d\nactivities:\n  - x\n",                # items that are not mappings
    "id: d\nactivities:\n  -\n    date: 2026-10-01\n",
])
def test_append_item_leaves_what_it_cannot_splice_to_the_round_trip(text: str):
    from salescli.store.yamlio import append_item

    assert append_item(text, "activities", {"summary": "x"}) is None


def test_pyyaml_reader_class_takes_the_cheap_spelling_of_the_same_set():
    import re
    import subprocess
    import sys

    from salescli.store.yamlio import _PYYAML_NON_PRINTABLE
    from salescli.store.yamlio import _PYYAML_NON_PRINTABLE_FAST

    text = "".join(map(chr, range(0x110000)))
    assert [m.start() for m in re.finditer(_PYYAML_NON_PRINTABLE_FAST, text)] == \
        [m.start() for m in re.finditer(_PYYAML_NON_PRINTABLE, text)]
    code = ("import salescli.store.yamlio as y; y._fast(); import yaml.reader as r; "
            "print(r.Reader.NON_PRINTABLE.pattern == y._PYYAML_NON_PRINTABLE_FAST)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr


@pytest.mark.parametrize("phone", ["+358401111111", "+1", "+358 40 111 1111", "+44 20 1234"])
def test_a_phone_is_written_so_it_reads_back_as_text(phone):
    # `+358401111111` unquoted is the integer 358401111111 under YAML 1.2: an imported
    # phone failed `contacts[0].phone: expected text`
    from salescli.store.yamlio import dump_record

    text = dump_record({"phone": phone}, ["phone"], frozenset())
    assert load_fast(text) == {"phone": phone}, text


# Every whole record salescli writes (a command's `add`, the demo, an import) comes from
# dump_record; ruamel's dump_new is the reference it must equal, on any value a user
# can type (long, multi-line, quoted, trailing newline, empty collections), and it must
# read back at any nesting (a text longer than a line width was once folded for the top
# level and written nested: unreadable).
_ANY_TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=300),
    st.builds(lambda word, n, tail: " ".join([word] * n) + tail,
              st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6),
              st.integers(600, 1400), st.sampled_from(["", ",", ")", " #x"])))
_SHORT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_MONEY = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**6,
                     max_value=10**6)
_SLUG = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
_ACCOUNTS = st.fixed_dictionaries({"id": _SLUG, "name": _ANY_TEXT}, optional={
    "notes": _ANY_TEXT, "tags": st.lists(_SHORT, max_size=3), "created": st.dates(),
    "address": st.one_of(_ANY_TEXT, st.fixed_dictionaries({"street": _ANY_TEXT,
                                                           "city": _SHORT})),
    "external_ids": st.dictionaries(st.sampled_from(["pipedrive", "hubspot"]), _SHORT,
                                    max_size=2),
    "contacts": st.lists(st.fixed_dictionaries({"id": _SLUG, "name": _ANY_TEXT}, optional={
        "title": _SHORT, "notes": _ANY_TEXT, "emails": st.lists(_SHORT, max_size=2)}),
        max_size=2)})
_DEALS = st.fixed_dictionaries({"id": _SLUG, "title": _ANY_TEXT, "account": _SHORT}, optional={
    "value": _MONEY, "notes": _ANY_TEXT, "tags": st.lists(_SHORT, max_size=3),
    "next_step": st.fixed_dictionaries({"action": _ANY_TEXT, "due": st.dates()}),
    "items": st.lists(st.fixed_dictionaries(
        {"product": _SHORT, "quantity": st.integers(1, 100)},
        optional={"discount": _MONEY, "billing": _SHORT}), max_size=3),
    "stakeholders": st.lists(st.fixed_dictionaries({"contact": _SLUG, "role": _SHORT}),
                             max_size=2),
    "checklist": st.dictionaries(_SLUG, st.lists(_ANY_TEXT, max_size=2), max_size=2),
    "activities": st.lists(st.fixed_dictionaries(
        {"date": st.dates(), "type": _SHORT, "summary": _ANY_TEXT},
        optional={"outcome": _ANY_TEXT, "with": st.lists(_SLUG, max_size=2),
                  "evaluation": st.fixed_dictionaries({"went_well": _ANY_TEXT})}),
        max_size=3)})


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.tuples(st.just("account"), _ACCOUNTS), st.tuples(st.just("deal"), _DEALS)))
def test_the_record_writer_writes_what_ruamel_writes(case: tuple[str, dict]):
    from salescli.services.edit import FLOW_KEYS
    from salescli.store.yamlio import dump_new
    from salescli.store.yamlio import dump_record

    kind, data = case
    order = key_order(kind)
    text = dump_record(data, order, FLOW_KEYS)
    assert text == dump_new({k: data[k] for k in order if k in data}, FLOW_KEYS)
    load_fast(text)  # and it reads back (a YamlProblem if not)


@pytest.mark.parametrize("word", ["no", "On", "yes", "OFF", "y", "0b101", "14:00"])
def test_every_writer_quotes_text_yaml_1_1_reads_as_another_type(word: str):
    """`name: no` is text to salescli (YAML 1.2) but False to PyYAML, which a team's
    script may read records with: each writer quotes such a new value, as a key too."""
    import yaml

    from salescli.store.yamlio import apply_sets
    from salescli.store.yamlio import dump_record
    from salescli.store.yamlio import roundtrip_edit
    from salescli.store.yamlio import set_values

    written = [
        dump_record({"id": "a", "name": word, "checklist": {word: []}}, ["id", "name",
                                                                         "checklist"],
                    frozenset()),
        set_values("id: a\nname: x\n", {"name": word}),
        roundtrip_edit("id: a\nname: x\n", lambda d: apply_sets(d, {"name": word})),
    ]
    for text in written:
        assert yaml.safe_load(text)["name"] == word, text
    assert list(yaml.safe_load(written[0])["checklist"]) == [word]
    # a value written plain by hand stays as it was when another field changes
    kept = roundtrip_edit(f"id: a\nname: {word}\n", lambda d: apply_sets(d, {"id": "b"}))
    assert kept == f"id: b\nname: {word}\n"
