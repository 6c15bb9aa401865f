"""One reader: the history scan answers only what the full reader would answer.

`fast_fields` reads the fields reports need from every committed version; it must
either defer (None) or give exactly what `full_fields` gives, and `full_fields` reads
with `yamlio.load_fast`, the reader `check` uses. The texts below are built from
fragments so that the constructs which once fooled a line scan come up often: quoted
and explicit keys, `key :`, flow mappings, multi-line plain and quoted scalars, a
`stage:` line inside a block or quoted scalar, anchors, aliases and tags, comments,
document markers, duplicate keys, BOM, CRLF, tabs and YAML 1.2 typing.
"""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from salescli.store import yamlio
from salescli.store.history import FIELDS
from salescli.store.history import REQUIRED
from salescli.store.history import fast_fields
from salescli.store.history import full_fields
from salescli.store.history import read_fields


def by_libyaml(kind: str, blob: bytes) -> tuple | None:
    """full_fields with the block reader switched off: libyaml's events read every
    version, so a slip shared by the scan and the block reader would still show."""
    with mock.patch.object(yamlio, "load_block", return_value=yamlio.NOT_BLOCK):
        return full_fields(kind, blob)


def agree(kind: str, blob: bytes, generated: bool = False) -> tuple | None:
    """The scan's answer, after checking it against both full readings."""
    fast = fast_fields(kind, blob)
    if generated:  # how often the scan answers: --hypothesis-show-statistics
        event("answered by the scan" if fast is not None else "deferred")
    full = full_fields(kind, blob)
    assert full == by_libyaml(kind, blob), blob
    if fast is not None:
        assert fast == full, blob
    assert read_fields(kind, blob) == full, blob
    return fast


# ------------------------------------------------------------------- fragments

# values the block reader reads itself, and values that take it off its path
PLAIN_SCALARS = ["proposal", "won", "open", "lost", "no", "on", "yes", "010", "0o17", "1:20",
                 "1_000", "12000.50", "-5", "null", "~", "", "2027-01-31", "EUR", "anna",
                 "anna smith", "a#b", "50", "101", "'q'", '"q"', "[a, b]", "{a: 1}", "é"]
ODD_SCALARS = ["0x1F", "1e3", "+3", ".5", ".inf", "-.nan", "true", "False", "2027-1-31",
               "2027-02-30", "2026-11-23T10:00:00Z", "a #b", "a: b", "-", "- x", "?", "? x",
               "|", ">", "'it''s'", '"a\\tb"', '"\\u00e9"', "[]", "{}", "%x", "@x", "`x`",
               "<<", "x,y", "proposal  ", "{a: 1, a: 2}", "[a,]", "'a", '"a', "[a", "*a"]
SCALAR = st.one_of(st.sampled_from(PLAIN_SCALARS), st.sampled_from(ODD_SCALARS),
                   st.text(alphabet="abz019 .:-_#'\"[]{}!&*|>?,%@", max_size=10))

KEY_NAMES = ["stage", "status", "value", "currency", "close_date", "owner", "pipeline",
             "probability", "forecast", "lost_reason", "won_date", "notes", "tags",
             "next_step", "items", "id", "created"]
# mostly the plain form: a version with one odd key among plain ones is the hard case
KEY_FORMS = ["{k}:"] * 8 + ['"{k}":', "'{k}':", "{k} :", "? {k}\n:", "{k}\t:",
                            "!!str {k}:", "&k {k}:", "*k :", "{k}: #", "? {k}"]


@st.composite
def values(draw: st.DrawFn) -> str:
    """What follows a key's colon, up to the end of its part (no final newline)."""
    s = draw(SCALAR)
    t = draw(SCALAR)
    return draw(st.sampled_from([f" {s}"] * 12 + [
        f"  {s}   # a comment", f" {s}\t# tab comment", f" {s}#x", f"\t{s}",
        f" !!str {s}", f" &a {s}", " *a", f" !x {s}", f" ! {s}",
        f" {s}\n  {t}", f" {s}\n\n  {t}", f" {s}\n# c\n  {t}", f" {s}\n\t{t}",
        f" {s}\n  # indented comment", f" {s}\n{t}",
        f" |\n  stage: {s}\n  x", f" >-\n  {s}\n  {t}", f" |2\n   stage: {s}",
        f" |\nstage: {s}", f" |+\n  {s}\n", f" >\n\n  {s}",
        f' "a\nstage: {s}"', f" 'a\n  stage: {s}'", f' "multi\n  {t}"',
        f" 'x\nstage: {s}\n'", f' "{s}"', f" '{s}'",
        f" {{stage: {s}}}", f" {{a: 1, stage: {s}}}", f" [a, {s}]", f" {{\nstage: {s}\n}}",
        f" [a,\n  {s}]", f" {{a: {{stage: {s}}}}}",
        f"\n  stage: {s}\n  x: 1", f"\n  a: {s}\n  a: {t}", f"\n- {s}\n- {t}",
        f"\n  - {s}\n  - stage: {t}", f"\n  - {{stage: {s}}}", f"\n  - date: {s}",
        f"\n- a: {s}\n  b: {t}", f"\n  a:\n    b: {s}\n   c: {t}",
        f"\n\tstage: {s}", "", " ", "  # only a comment",
    ]))


PLAIN_VALUES = [" {s}", "  {s}  # a comment", " [a, b]", " {{a: {s}, b: 2}}", "\n  - {s}",
                "\n- {s}\n- b", "\n  a: {s}\n  b:\n    - c", "\n- a: {s}\n  b: 2", ""]


# values each field's schema accepts, with the YAML 1.2 typing traps among them
VALID = {"stage": ["proposal", "won", "negotiation"], "status": ["open", "won", "lost"],
         "value": ["010", "1_000", "12000.50", "0o17", "0", "null"],
         "currency": ["EUR", "SEK"], "close_date": ["2027-01-31", "2028-02-29", "~"],
         "owner": ["anna", "no", "on", "anna smith", "1:20", "a#b", "'q'", "é"],
         "probability": ["010", "50", "0"], "forecast": ["commit", "best-case", ""],
         "lost_reason": ["no", "1:20", "too expensive", "'it''s'", '"q"'],
         "won_date": ["2027-01-31"], "pipeline": ["default"], "source": ["referral"]}
OTHER_KEYS = ["notes", "tags", "next_step", "activities", "stakeholders", "x-custom"]


@st.composite
def plain_entries(draw: st.DrawFn) -> str:
    """A key as people write it, with a value the block reader reads itself."""
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(VALID)))
        value = draw(st.sampled_from(VALID[name]))
        return f"{name}: {value}" + draw(st.sampled_from(["", "", "  # a comment", "   "]))
    value = draw(st.sampled_from(PLAIN_VALUES)).format(s=draw(st.sampled_from(PLAIN_SCALARS)))
    return draw(st.sampled_from(OTHER_KEYS)) + ":" + value


@st.composite
def odd_entries(draw: st.DrawFn) -> str:
    key = draw(st.sampled_from(KEY_FORMS)).format(k=draw(st.sampled_from(KEY_NAMES)))
    return key + draw(values())


entries = st.one_of(plain_entries(), odd_entries())


PLAIN = {"deal": {"id": "x", "title": "X", "account": "a", "created": "2026-01-01",
                  "stage": "proposal", "status": "open", "value": "100"},
         "lead": {"id": "x", "company": "Acme", "created": "2026-01-01", "status": "new"}}


@st.composite
def records(draw: st.DrawFn, kind: str) -> bytes:
    # mostly plain lines, so that the scan answers often and its answers are checked
    lines = [f"{k}: {v}" for k, v in PLAIN[kind].items()
             if k in REQUIRED[kind] or draw(st.booleans())]
    for extra in draw(st.lists(entries, max_size=3)):
        lines.insert(draw(st.integers(0, len(lines))), extra)
    if draw(st.integers(0, 29)) == 0:  # the whole record as one flow mapping
        body = "{" + ", ".join(lines).replace("\n", " ") + "}\n"
    else:
        body = "\n".join(lines) + draw(st.sampled_from(["\n"] * 6 + ["", "\n\n", "\n  \n"]))
    text = (draw(st.sampled_from([""] * 30 + ["\ufeff", "---\n", "--- # doc\n", "# c\n",
                                              "\n", "%YAML 1.2\n---\n", "  ", "- "]))
            + body
            + draw(st.sampled_from([""] * 30 + ["...\n", "---\n", "# end\n",
                                                "---\nstage: won\n", "...\n# after\n"])))
    newline = draw(st.sampled_from(["\n"] * 30 + ["\r\n", "\r"]))
    return text.replace("\n", newline).encode()


# fast enough for the suite: each example parses a record three ways
FAST = settings(max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(records("deal"))
def test_the_scan_defers_or_reads_deals_as_the_full_reader(blob: bytes):
    agree("deal", blob, generated=True)


@settings(FAST, max_examples=250)
@given(records("lead"))
def test_the_scan_defers_or_reads_leads_as_the_full_reader(blob: bytes):
    agree("lead", blob, generated=True)


@settings(FAST, max_examples=300)
@given(st.lists(st.sampled_from(["stage: proposal", "stage: won", "notes: |",
                                 "  stage: won", "notes: 'a", "stage: won'", 'notes: "a',
                                 'stage: won"', "- x", "  - y", "# stage: won", "  x: 1",
                                 "value: 010", "owner: no", "lost_reason: 1:20", "tags: [a,",
                                 "stage: b]", "---", "...", "? stage", ": won",
                                 '"stage": won', "stage : won", "&a x: 1", "y: *a"]),
                max_size=6))
def test_any_order_of_lines_is_read_as_the_full_reader_reads_it(lines: list[str]):
    # whole lines shuffled: continuations, scalars that swallow a `stage:` line, ...
    blob = ("id: x\ntitle: X\naccount: a\ncreated: 2026-01-01\n"
            + "".join(line + "\n" for line in lines)).encode()
    agree("deal", blob, generated=True)


# ------------------------------------------------------------------- examples

HEAD = "id: x\ntitle: X\naccount: a\ncreated: 2026-01-01\n"
REJECTED = object()  # `check` rejects the version: reports skip it


@pytest.mark.parametrize("text, stage", [
    # keys written unusually: the same key for the reader
    (HEAD + '"stage": proposal\n', "proposal"),
    (HEAD + "'stage': proposal\n", "proposal"),
    (HEAD + "stage : proposal\n", "proposal"),
    (HEAD + "? stage\n: proposal\n", "proposal"),
    (HEAD + "? stage\n", None),  # an explicit key with no value: null
    (HEAD + "!!str stage: proposal\n", "proposal"),
    # flow mappings, top-level or nested
    ("{id: x, title: X, account: a, created: 2026-01-01, stage: proposal}\n", "proposal"),
    (HEAD + "next_step: {stage: won}\nstage: proposal\n", "proposal"),
    (HEAD + "next_step: {\nstage: won\n}\nstage: proposal\n", "proposal"),
    (HEAD + "tags: [a,\nstage: won]\n", None),  # `stage: won` is inside the list
    # a plain scalar continued on the next indented line (or after a blank one)
    (HEAD + "stage: prop\n  osal\n", REJECTED),  # `prop osal` is no stage ID
    (HEAD + "lost_reason: too\n  expensive\n", ("lost_reason", "too expensive")),
    (HEAD + "lost_reason: too\n\n  expensive\n", ("lost_reason", "too\nexpensive")),
    (HEAD + "lost_reason: too\n# c\n  expensive\n", REJECTED),
    (HEAD + "notes: a\n  stage: won\n", REJECTED),  # `: ` inside a plain scalar
    # a `stage:` line inside a block or quoted scalar is text
    (HEAD + "notes: |\n  stage: won\nstage: proposal\n", "proposal"),
    (HEAD + "notes: >-\n  stage: won\nstage: proposal\n", "proposal"),
    (HEAD + "notes: |\nstage: proposal\n", "proposal"),  # empty block, then the key
    (HEAD + "notes: 'a\nstage: won'\nstage: proposal\n", "proposal"),
    (HEAD + 'notes: "a\nstage: won"\nstage: proposal\n', "proposal"),
    (HEAD + "notes: 'a\nstage: won\nfoo: y'\n", None),  # all one quoted scalar
    (HEAD + "stage: proposal\nnotes: 'a\nstage: won\n'\n", "proposal"),
    # anchors, aliases and tags: refused in records, except the string tags
    (HEAD + "stage: !!str proposal\n", "proposal"),
    (HEAD + "stage: ! proposal\n", "proposal"),
    (HEAD + "stage: &a proposal\n", REJECTED),
    (HEAD + "notes: &a x\nstage: proposal\n", REJECTED),
    (HEAD + "stage: proposal\nnotes: *a\n", REJECTED),
    (HEAD + "stage: proposal\nnotes: !!binary aGk=\n", REJECTED),
    (HEAD + "stage: proposal\nnext_step:\n  due: &d 2026-01-01\n", REJECTED),
    # comments after values, and lines of comments
    (HEAD + "stage: proposal # moved\n", "proposal"),
    (HEAD + "stage: proposal\t# moved\n", REJECTED),  # tabs libyaml reads, check refuses
    (HEAD + "owner: anna#not a comment\n", ("owner", "anna#not a comment")),
    (HEAD + "stage: proposal\n  # indented comment\nvalue: 1\n", "proposal"),
    ("# a comment first\n\n" + HEAD + "stage: proposal\n", "proposal"),
    # document markers
    ("---\n" + HEAD + "stage: proposal\n", "proposal"),
    (HEAD + "stage: proposal\n...\n", "proposal"),
    (HEAD + "stage: proposal\n---\nstage: won\n", REJECTED),  # two documents
    ("%YAML 1.2\n---\n" + HEAD + "stage: proposal\n", REJECTED),
    # duplicate keys, at the top or nested
    (HEAD + "stage: proposal\nstage: won\n", REJECTED),
    (HEAD + "stage: proposal\n'stage': won\n", REJECTED),
    (HEAD + "stage: proposal\nnext_step: {a: 1, a: 2}\n", REJECTED),
    (HEAD + "stage: proposal\nnext_step:\n  a: 1\n  a: 2\n", REJECTED),
    # BOM, CRLF, tabs
    ("\ufeff" + HEAD + "stage: proposal\n", "proposal"),
    ((HEAD + "stage: proposal\n").replace("\n", "\r\n"), "proposal"),
    ((HEAD + "lost_reason: too\n  expensive\n").replace("\n", "\r\n"),
     ("lost_reason", "too expensive")),
    (HEAD + "stage:\tproposal\n", REJECTED),
    (HEAD + "stage: proposal\nnext_step:\n\ta: 1\n", REJECTED),
    # what the scan never sees can still make the whole version one `check` rejects
    (HEAD + "stage: proposal\nactivities:\n  - date: 2027-02-30\n", REJECTED),
    (HEAD + "stage: proposal\nnotes: [unclosed\n", REJECTED),
    (HEAD + "stage: proposal\nnext_step:\n  <<: {a: 1}\n", REJECTED),
    (HEAD + "stage: proposal\nnotes: a\x01b\n", REJECTED),
    (HEAD + "stage: proposal\nnotes: a\x85b\n", REJECTED),
    (HEAD + "stage: proposal\nnotes: " + "[" * 70 + "]" * 70 + "\n", REJECTED),
    (HEAD + "stage: proposal\n- stray\n", REJECTED),
    (HEAD + "lost_reason: price\n  too high\n", ("lost_reason", "price too high")),
    (HEAD + "<<<<<<< HEAD\nstage: proposal\n=======\nstage: won\n>>>>>>> b\n", REJECTED),
])
def test_each_construct_is_read_as_the_full_reader_reads_it(text: str, stage):
    # `stage` is the stage the reader gives, or (field, value), or REJECTED
    blob = text.encode()
    agree("deal", blob)
    fields = read_fields("deal", blob)
    if stage is REJECTED:
        assert fields is None
        return
    name, value = stage if isinstance(stage, tuple) else ("stage", stage)
    assert fields is not None and fields[FIELDS["deal"].index(name)] == value


def test_invalid_utf8_anywhere_rejects_the_version():
    blob = (HEAD + "stage: proposal\nnotes: ").encode() + b"\xff\n"
    assert agree("deal", blob) is None and read_fields("deal", blob) is None


@pytest.mark.parametrize("line, name, value", [
    # YAML 1.2 typing, answered by the scan itself
    ("owner: no", "owner", "no"),
    ("owner: on", "owner", "on"),
    ("owner: yes", "owner", "yes"),
    ("value: 010", "value", 1000),         # ten, in cents
    ("value: 0o17", "value", 1500),
    ("value: 1_000", "value", 100000),
    ("probability: 010", "probability", 10),
    ("lost_reason: 1:20", "lost_reason", "1:20"),
    ("lost_reason: no", "lost_reason", "no"),
    ("close_date: 2027-01-31", "close_date", "2027-01-31"),
    ("owner: anna   # since May", "owner", "anna"),
    ("owner: anna  ", "owner", "anna"),
    ("forecast:", "forecast", None),
    ("forecast: ~", "forecast", None),
])
def test_plain_values_are_answered_by_the_scan_with_yaml_1_2_types(line, name, value):
    blob = (HEAD + "stage: proposal\n" + line + "\n").encode()
    fast = agree("deal", blob)
    assert fast is not None, "a plain block record is the scan's to answer"
    assert fast[FIELDS["deal"].index(name)] == value


def test_a_typical_record_is_answered_by_the_scan():
    blob = (HEAD + "pipeline: default\nstage: proposal   # after the demo\nstatus: open\n"
            "value: 48000.00\ncurrency: EUR\nclose_date: 2027-01-31\nowner: anna\n"
            "stakeholders:\n  - {contact: matti, role: economic-buyer}\n"
            "next_step: {action: Call, due: 2026-08-26}\n"
            "activities:\n- date: 2026-06-29\n  type: meeting\n  with: [matti]\n"
            "probability: null\nforecast:\n").encode()
    fast = agree("deal", blob)
    assert fast is not None and fast[:5] == ("proposal", "open", 4800000, "EUR", "2027-01-31")


@pytest.mark.parametrize("text", [
    '{id: x, stage: proposal, value: 10}\n',
    HEAD + "stage: proposal\nitems:\n  - {product: p, quantity: 2, unit_price: 10}\n",
    HEAD + '"stage": proposal\n',
    HEAD + "stage: proposal\n  indented\n",
    HEAD + "stage: |\n  proposal\n",
])
def test_what_is_not_plain_block_style_goes_to_the_full_reader(text: str):
    assert fast_fields("deal", text.encode()) is None
