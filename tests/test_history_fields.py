"""The history engine's line scan must agree with the full parser on every value."""

from __future__ import annotations

import conftest
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from salescli.store.history import fast_fields
from salescli.store.history import full_fields
from salescli.store.history import read_fields

# conftest's deal, moved to proposal (a comment on the line), with null and empty fields
# and a block scalar
DEAL = (conftest.replaced(conftest.DEAL.lstrip("\n"), "stage: needs-analysis",
                          "stage: proposal   # moved after the demo")
        + "probability: null\nforecast:\nnotes: |\n  stage: this line is inside a block scalar\n"
        ).encode()


def test_block_record_is_read_by_the_line_scan():
    plain = DEAL[:DEAL.index(b"notes: |")]
    fields = fast_fields("deal", plain)
    assert fields is not None and fields == full_fields("deal", plain)
    assert fields[:5] == ("proposal", "open", 4800000, "EUR", "2027-01-31")
    # a block scalar is the full reader's to read; its `stage:` line is only text
    assert fast_fields("deal", DEAL) is None
    assert read_fields("deal", DEAL) == fields


@pytest.mark.parametrize("text", [
    b'{id: x, stage: proposal, value: 10}\n',                 # flow style
    b'id: x\nstage: "proposal"\nvalue: 10\n',                 # quoted
    b'id: x\nstage: prop\n  osal\n',                          # a plain scalar over two lines
    b'id: x\nstage:\n- proposal\n',                           # a sequence at column 0
    b'id: x\nstage: proposal\r\nvalue: 1\r\n',                # CRLF
    b'id: x\nitems:\n  - {name: Work, quantity: 2, unit_price: 10}\n',  # value from items
    b'id: x\nstage: proposal\nstage: won\n',                  # duplicate key
    b'id: x\nclose_date: 2027-02-30\n',                       # no such day
    b'id: x\n"stage": proposal\n',                          # a quoted key
    b"id: x\n'stage': proposal\n",
    b'id: x\nstage : proposal\n',                           # a space before the colon
    b'id: x\n? stage\n: proposal\n',                         # an explicit key
    b'id: x\n---\nstage: proposal\n',                        # a second document
])
def test_unusual_records_fall_back_to_the_full_parser(text: bytes):
    assert fast_fields("deal", text) is None


def test_value_from_items_is_kept_for_pricing():
    fields = read_fields("deal", b"id: x\ntitle: X\naccount: a\ncreated: 2026-01-01\n"
                                 b"items:\n  - {name: Work, quantity: 2, unit_price: 10}\n")
    assert fields is not None
    assert fields[2] == ("items", ((None, "2", "10", None, None, None),))


def test_a_version_that_does_not_parse_reads_as_none():
    assert read_fields("deal", b"id: x\nstage: [unclosed\n") is None
    assert read_fields("deal", b"<<<<<<< HEAD\nstage: a\n=======\nstage: b\n>>>>>>> x\n") is None


SCALARS = st.one_of(
    st.sampled_from(["proposal", "no", "on", "010", "1:20", "0x1F", "1e3", "-5", "+3", ".5",
                     "null", "~", "", "true", "2027-01-31", "2027-1-31", "12000.50", "1_000",
                     "anna smith", "a #b", "a# b", "-", "- x", "'q'", '"q"', "[1]", "{a: 1}",
                     ".inf", "-.nan", "0o17", "2026-11-23T10:00:00Z", "a: b", "?", "|", ">"]),
    st.text(alphabet="abcz019 .:-_#'\"[]{}!&*+/", max_size=12),
)


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(st.sampled_from(["stage", "status", "value", "currency", "close_date",
                                        "owner", "probability", "created", "won_date"]),
                       SCALARS, max_size=6),
       st.sampled_from(["", "  # note", "\t# note"]))
def test_line_scan_and_full_parser_agree(values: dict[str, str], comment: str):
    # with the keys every deal has, so that a valid version is answered by the scan
    values.setdefault("created", "2026-01-01")
    text = "id: x\ntitle: X\naccount: a\n" + "".join(
        f"{k}: {v}{comment}\n" for k, v in values.items())
    blob = text.encode()
    fast = fast_fields("deal", blob)
    if fast is not None:  # when the scan answers, it must give the parser's answer
        assert fast == full_fields("deal", blob), text


def test_a_damaged_cache_is_recomputed(filled):
    import marshal

    from salescli.store.history import CACHE_VERSION

    first = filled.run("report", "funnel", "--format", "json").output
    folder = filled.root / ".git" / "salescli"
    for name in ("deal-timelines.cache", "deal-history.cache"):
        (folder / name).write_bytes(marshal.dumps({"v": CACHE_VERSION, "rev": filled.head(),
                                                   "timelines": [("x",)]}))
    assert filled.run("report", "funnel", "--format", "json").output == first
    (folder / "deal-timelines.cache").write_bytes(b"\x00garbage")
    assert filled.run("report", "funnel", "--format", "json").output == first


def test_an_older_revision_is_read_from_the_cached_history(filled):
    import os
    import subprocess

    for when, old, new in (("2026-10-10T09:00:00Z", "needs-analysis", "proposal"),
                           ("2026-10-20T09:00:00Z", "proposal", "negotiation")):
        filled.edit("deals/2026-10/acme-erp.yaml", f"stage: {old}", f"stage: {new}")
        filled.git("add", "-A")
        subprocess.run(["git", "commit", "-qm", new], cwd=filled.root, check=True,
                       env={**os.environ, "GIT_AUTHOR_DATE": when})
    filled.run("report", "funnel")  # caches HEAD's history
    args = ("report", "funnel", "--as-of", "HEAD~1", "--format", "json")
    cached = filled.run(*args).output
    assert cached == filled.run(*args, "--no-cache").output
    assert '"open_here": 1' in cached and "proposal" in cached


def test_as_of_shaped_like_an_option_is_a_usage_error(filled):
    r = filled.run("report", "funnel", "--as-of", "-x")
    assert r.exit_code == 2
    assert '--as-of: "-x" is neither a date (YYYY-MM-DD, last-month, 30d...) nor a known ' \
        'revision' in r.output


# Keys written in ways the line scan cannot read (a hand-edited `"stage": proposal` was
# once read as no stage by the reports while `deal list` read it as proposal).
STAGE_LINES = st.sampled_from([
    "stage: proposal", '"stage": proposal', "'stage': proposal", "stage : proposal",
    "? stage\n: proposal", "stage:\tproposal", "stage: proposal # moved", "stage: won",
    "\tstage: won", "---", "%YAML 1.2", "? notes\n: x",
])
OTHERS = st.sampled_from(["notes: |\n  stage: won\n", "notes: plain\n  text\n", "tags: [a]\n",
                          "# stage: won\n", "- stray\n", ""])


@settings(max_examples=400, deadline=None)
@given(st.lists(STAGE_LINES, min_size=1, max_size=3), OTHERS, st.booleans())
def test_the_scan_reads_keys_as_the_parser_does(lines: list[str], other: str, first: bool):
    body = "".join(line + "\n" for line in lines)
    text = "id: x\ntitle: X\naccount: a\ncreated: 2026-01-01\n" + (
        other + body if first else body + other)
    blob = text.encode()
    fast = fast_fields("deal", blob)
    if fast is not None:
        assert fast == full_fields("deal", blob), text


@pytest.mark.parametrize("line", ['"stage": proposal', "'stage': proposal", "stage : proposal",
                                  "? stage\n: proposal", "stage:   proposal   # hand edit"])
def test_a_hand_edited_stage_key_counts_in_every_report(filled, tmp_path, line: str):
    """`deal list` and the reports read the same stage, however its key is written:
    the funnel, the forecast and export's deal_events are those of `stage: proposal`."""
    import json
    import os
    import subprocess

    from conftest import git

    path = filled.root / "deals/2026-10/acme-erp.yaml"
    original = path.read_text()

    def commit_with(stage_line: str) -> dict:
        path.write_text(conftest.replaced(original, "stage: needs-analysis", stage_line))
        subprocess.run(["git", "commit", "-qam", "hand edit"], cwd=filled.root, check=True,
                       env={**os.environ, "GIT_AUTHOR_DATE": "2026-10-15T09:00:00Z"})
        listed = json.loads(filled.run("deal", "list", "--format", "json").output)
        assert [d["stage"] for d in listed] == ["proposal"]
        seen: dict = {}
        for cache in (["--no-cache"], []):
            for report in ("funnel", "forecast"):
                out = filled.run("report", report, *cache, "--format", "json").output
                seen[report, bool(cache)] = json.loads(out)
            out_dir = tmp_path / f"export-{len(list(tmp_path.iterdir()))}"
            done = filled.run("export", "--format", "jsonl", "--out", str(out_dir), *cache)
            assert done.exit_code == 0, done.output
            seen["deal_events", bool(cache)] = [
                {k: v for k, v in json.loads(row).items() if k != "commit"}
                for row in (out_dir / "deal_events.jsonl").read_text().splitlines()]
        return seen

    edited = commit_with(line)
    git(filled.root, "reset", "-q", "--hard", "HEAD~1")
    plain = commit_with("stage: proposal")
    assert edited == plain
    for cache in (True, False):
        funnel = edited["funnel", cache]
        assert {r["stage"]: r["reached"] for r in funnel["rows"]}["proposal"] == 1, funnel
        forecast = edited["forecast", cache]
        assert sum(row["weighted"] for row in forecast["rows"]) > 0, forecast
        moves = [(e["old"], e["new"]) for e in edited["deal_events", cache]
                 if e["field"] == "stage"]
        assert moves == [(None, "needs-analysis"), ("needs-analysis", "proposal")], moves


def test_the_keys_every_record_has_are_the_models_required_fields():
    # history keeps its own copy so that reading it needs no model; this keeps
    # the copy honest
    import msgspec

    from salescli.core.model import MODELS
    from salescli.core.record import fields_of
    from salescli.store.history import REQUIRED

    for kind, names in REQUIRED.items():
        assert names == tuple(n for n, f in fields_of(MODELS[kind]).items()
                              if f.default is f.factory is msgspec.NODEFAULT)
