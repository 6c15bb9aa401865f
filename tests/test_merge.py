"""The record merge driver (SPEC §5): the pure three-way merge, then real `git merge`s."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import Repo
from conftest import replaced

from salescli.core.model import key_order
from salescli.store.merge import Unmergeable
from salescli.store.merge import conflict_text
from salescli.store.merge import merge_texts
from salescli.store.yamlio import conflict_marker_line
from salescli.store.yamlio import load_fast


def y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


BASE = y("""
    id: acme-erp
    title: Order-processing automation   # the buyer's own words
    account: acme-oy
    stage: proposal
    value: 48000.00
    close_date: 2027-01-31
    owner: anna
    tags: [erp, wholesale]
    stakeholders:
      - {contact: matti-virtanen, role: economic-buyer}
    next_step: {action: Send quote, due: 2026-11-25}
    activities:
      - date: 2026-11-01
        type: call
        summary: Intro call
    # free text below
    notes: ""
    """)


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        text = replaced(text, old, new, 1)
    return text


def activity(day: str, kind: str, summary: str) -> str:
    return f"  - date: {day}\n    type: {kind}\n    summary: {summary}\n"


INTRO = activity("2026-11-01", "call", "Intro call")


# ------------------------------------------------------------------ pure merge


def clean_merge(base: str, ours: str, theirs: str) -> str:
    """The merged text, which must have no conflict."""
    result = merge_texts(base, ours, theirs)
    assert result.clean, result.conflicts
    return result.text


def test_different_fields_both_kept_and_ours_comments_stay():
    ours = edit(BASE, ("value: 48000.00", "value: 52000.00  # after the workshop"))
    theirs = edit(BASE, ("close_date: 2027-01-31", "close_date: 2027-02-28"))
    merged = clean_merge(BASE, ours, theirs)
    # a round-trip edit of ours: only theirs' changed value differs
    assert merged == edit(ours, ("close_date: 2027-01-31", "close_date: 2027-02-28"))


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


@pytest.mark.parametrize(("bom", "eol"), [("", "\r\n"), ("\ufeff", "\n"), ("\ufeff", "\r\n")])
def test_a_windows_record_keeps_its_line_breaks_and_byte_order_mark(bom: str, eol: str):
    # ruamel writes LF with no mark: the merge commit rewrote every line of the file
    def dress(text: str) -> str:
        return bom + text.replace("\n", eol)

    ours = edit(BASE, ("value: 48000.00", "value: 52000.00"))
    theirs = edit(BASE, ("close_date: 2027-01-31", "close_date: 2027-02-28"))
    merged = clean_merge(dress(BASE), dress(ours), dress(theirs))
    assert merged == dress(edit(ours, ("close_date: 2027-01-31", "close_date: 2027-02-28")))
    # the conflict markers too
    other = edit(theirs, ("value: 48000.00", "value: 50000.00"))
    result = merge_texts(dress(BASE), dress(ours), dress(other)).text
    assert result.startswith(bom + "id: acme-erp" + eol)
    assert "value: 52000.00\n=======\nvalue: 50000.00\n>>>>>>> theirs\n".replace("\n", eol) \
        in result


def test_the_merge_driver_keeps_ours_byte_order_mark_and_crlf(tmp_path):
    from salescli.services.hooks import merge_record

    ours = edit(BASE, ("value: 48000.00", "value: 52000.00"))
    theirs = edit(BASE, ("close_date: 2027-01-31", "close_date: 2027-02-28"))
    for name, text in (("O", BASE), ("A", ours), ("B", theirs)):
        (tmp_path / name).write_bytes(b"\xef\xbb\xbf" + crlf(text).encode())
    assert merge_record(str(tmp_path / "O"), str(tmp_path / "A"), str(tmp_path / "B"),
                        DEAL, 7, print)
    want = edit(ours, ("close_date: 2027-01-31", "close_date: 2027-02-28"))
    assert (tmp_path / "A").read_bytes() == b"\xef\xbb\xbf" + crlf(want).encode()


def test_a_comment_one_side_added_is_never_dropped():
    # ruamel's tree of ours has no place for theirs' comment beside ours' value, or at
    # the end: the field merge silently dropped them; now git's line merge does it
    ours = edit(BASE, ("value: 48000.00", "value: 52000.00"))
    for added in (("close_date: 2027-01-31", "close_date: 2027-01-31  # firm: board 30.1."),
                  ('notes: ""\n', 'notes: ""\n# champion on leave until 8.1.\n'),
                  ("# free text below", "# free text below, keep it short")):
        with pytest.raises(Unmergeable, match="would drop the comment `# "):
            merge_texts(BASE, ours, edit(BASE, added))
    # ours' comment on an activity theirs edited went with ours' version of it
    commented = edit(BASE, ("    summary: Intro call", "    summary: Intro call  # short"))
    with pytest.raises(Unmergeable, match="would drop the comment `# short`"):
        merge_texts(BASE, commented, edit(BASE, ("    type: call", "    type: meeting")))
    # where the merge carries it (in an activity theirs logged), it is a field merge still
    logged = INTRO + activity("2026-11-12", "demo", "Demo  # went well")
    merged = clean_merge(BASE, ours, edit(BASE, (INTRO, logged)))
    assert merged == edit(ours, (INTRO, logged))


def keep(text: str, side: str) -> str:
    """`text` with each conflict resolved to `side` ("ours" or "theirs")."""
    out, at = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith(("<<<<<<< ", "=======", ">>>>>>> ")):
            at = {"<": "ours", "=": "theirs", ">": None}[line[0]]
        elif at in (None, side):
            out.append(line)
    return "".join(out)


def test_a_win_and_a_move_back_on_two_sides_conflict_as_one_state():
    # merged field by field they gave `stage: needs-analysis` with `status: won`, a
    # state no command makes (the pipeline wins only from its last stage)
    ours = edit(BASE, ("owner: anna", "status: won\nwon_date: 2026-12-01\nowner: anna"))
    theirs = edit(BASE, ("stage: proposal", "stage: needs-analysis"),
                  ("value: 48000.00", "value: 50000.00"))
    result = merge_texts(BASE, ours, theirs)
    assert result.conflicts == ["stage", "status", "won_date"]
    assert "<<<<<<< ours\nstage: proposal\n" in result.text
    assert "value: 50000.00" in result.text  # the rest merges as ever
    # one side's move and the other's unrelated edit still merge, and so does one side
    # going further than the other (both advanced, one also won)
    assert clean_merge(BASE, theirs, edit(BASE, ("owner: anna", "owner: ville")))
    advanced = edit(BASE, ("stage: proposal", "stage: negotiation"))
    won = edit(advanced, ("owner: anna", "status: won\nwon_date: 2026-12-01\nowner: anna"))
    assert load_fast(clean_merge(BASE, won, advanced))["status"] == "won"


def test_a_win_from_another_stage_and_a_move_back_conflict_as_one_state():
    # ours moved on to the last stage and won, theirs moved back: only `stage` was in
    # the conflict, so keeping theirs' gave a deal won in the stage it was moved back to
    won = edit(BASE, ("stage: proposal", "stage: negotiation"),
               ("owner: anna", "status: won\nwon_date: 2026-12-01\nowner: anna"))
    back = edit(BASE, ("stage: proposal", "stage: needs-analysis"))
    for a, b in ((won, back), (back, won)):
        result = merge_texts(BASE, a, b)
        assert result.conflicts == ["stage", "status", "won_date"]
        assert {keep(result.text, side) for side in ("ours", "theirs")} == {won, back}


def test_same_field_same_value_is_no_conflict():
    ours = edit(BASE, ("value: 48000.00", "value: 52000.00"))
    theirs = edit(BASE, ("value: 48000.00", "value: 52000.00"), ("owner: anna", "owner: ville"))
    merged = clean_merge(BASE, ours, theirs)
    assert load_fast(merged)["value"] == 52000.0
    assert load_fast(merged)["owner"] == "ville"


def test_same_field_changed_differently_is_a_conflict_around_that_field_only():
    ours = edit(BASE, ("value: 48000.00", "value: 52000.00"))
    theirs = edit(BASE, ("value: 48000.00", "value: 50000.00"), ("owner: anna", "owner: ville"))
    result = merge_texts(BASE, ours, theirs)
    assert result.conflicts == ["value"]
    assert "<<<<<<< ours\nvalue: 52000.00\n=======\nvalue: 50000.00\n>>>>>>> theirs\n" \
        in result.text
    assert "owner: ville" in result.text  # the clean part of the merge is done
    assert conflict_marker_line(result.text) == 5
    # keeping either side leaves a valid record
    kept = result.text.replace("<<<<<<< ours\nvalue: 52000.00\n=======\n", "")
    kept = kept.replace(">>>>>>> theirs\n", "")
    assert load_fast(kept)["value"] == 50000.0


def test_activities_appended_on_both_sides_are_unioned_newest_last():
    ours = edit(BASE, (INTRO, INTRO + activity("2026-11-20", "meeting", "First meeting")))
    theirs = edit(BASE, (INTRO, INTRO + activity("2026-11-10", "email", "Sent the deck")
                         + activity("2026-11-20", "meeting", "First meeting")))
    merged = clean_merge(BASE, ours, theirs)
    assert merged == edit(BASE, (INTRO, INTRO
                                 + activity("2026-11-10", "email", "Sent the deck")
                                 + activity("2026-11-20", "meeting", "First meeting")))
    # the comment about `notes` stays above notes, not inside the activities
    assert merged.count("# free text below") == 1


def test_an_activity_edited_on_one_side_while_the_other_appends():
    ours = edit(BASE, ("summary: Intro call", "summary: Intro call, budget confirmed"))
    theirs = edit(BASE, (INTRO, INTRO + activity("2026-11-12", "demo", "Demo")))
    data = load_fast(merge_texts(BASE, ours, theirs).text)
    assert [a["summary"] for a in data["activities"]] == ["Intro call, budget confirmed", "Demo"]


def test_activities_added_on_both_sides_never_renumber_the_ones_both_had():
    # an activity's number is its handle (`task done 1`, the calendar's UID): the new
    # ones, dated earlier or not, go after the ones the base had
    task = "  - {date: 2026-12-06, type: task, summary: Send agenda, due: 2026-12-10}\n"
    base = edit(BASE, (INTRO, INTRO + task))
    ours = edit(base, (task, task + activity("2026-12-06", "call", "Call A")))
    theirs = edit(base, (task, task + activity("2026-11-30", "email", "Email B")))
    for a, b in ((ours, theirs), (theirs, ours)):
        merged = load_fast(clean_merge(base, a, b))["activities"]
        assert [x["summary"] for x in merged[:2]] == ["Intro call", "Send agenda"]
        assert [x["summary"] for x in merged[2:]] == ["Email B", "Call A"]

def test_an_activity_logged_again_by_theirs_is_kept_though_the_base_had_it():
    # the same call may be logged twice: only a new item on both sides is taken once
    base = THREE
    ours = edit(base, (EMAIL, EMAIL + activity("2026-12-03", "meeting", "Demo")))
    theirs = edit(base, (EMAIL, EMAIL + NOTE))
    merged = load_fast(clean_merge(base, ours, theirs))["activities"]
    assert [x["summary"] for x in merged] == ["Intro call", "Same note", "Mail",
                                              "Same note", "Demo"]  # new ones by date


def test_an_activity_replaced_by_another_on_one_side_and_edited_on_the_other_conflicts():
    # ours deleted the email and logged a meeting in its place; theirs edited the email:
    # no hybrid of the two, a modify/delete conflict
    ours = edit(THREE, (EMAIL, activity("2026-12-03", "meeting", "Demo")))
    theirs = edit(THREE, ("summary: Mail", "summary: Mail\n    outcome: replied"))
    result = merge_texts(THREE, ours, theirs)
    assert result.conflicts == ["activities[3]"]  # after ours' meeting

def test_activities_added_where_the_base_had_none():
    base = edit(BASE, (f"activities:\n{INTRO}", "activities: []\n"))
    ours = edit(base, ("activities: []\n", "activities:\n" + activity("2026-11-20", "call", "B")))
    theirs = edit(base, ("activities: []\n", "activities:\n" + activity("2026-11-02", "call", "A")))
    merged = clean_merge(base, ours, theirs)
    assert [a["summary"] for a in load_fast(merged)["activities"]] == ["A", "B"]


NOTE, EMAIL = activity("2026-11-07", "note", "Same note"), activity("2026-12-01", "email", "Mail")
THREE = edit(BASE, (INTRO, INTRO + NOTE + EMAIL))


def test_an_activity_deleted_on_one_side_and_another_edited_keep_their_places():
    # ours deleted a duplicate note; theirs edited the call: the call stays first
    ours = edit(THREE, (NOTE, ""))
    theirs = edit(THREE, ("summary: Intro call", "summary: Intro call (45 min)"))
    for a, b in ((ours, theirs), (theirs, ours)):
        merged = load_fast(clean_merge(THREE, a, b))
        assert [x["summary"] for x in merged["activities"]] == ["Intro call (45 min)", "Mail"]


def test_an_activity_deleted_on_one_side_and_edited_on_the_other_conflicts():
    # as git's modify/delete: neither side's version is taken silently
    ours = edit(THREE, (NOTE, ""))
    theirs = edit(THREE, ("summary: Same note", "summary: Edited note"))
    assert merge_texts(THREE, ours, theirs).conflicts == ["activities[1]"]
    assert merge_texts(THREE, theirs, ours).conflicts == ["activities[1]"]


def test_an_activity_deleted_and_one_added_on_the_same_side_lines_up_by_content():
    # ours: the note gone and a call added (as long as the base); theirs: the email edited
    ours = edit(THREE, (NOTE, ""), (EMAIL, EMAIL + activity("2026-12-02", "call", "Call")))
    theirs = edit(THREE, ("summary: Mail", "summary: Mail, with the offer"))
    merged = load_fast(clean_merge(THREE, ours, theirs))
    assert [x["summary"] for x in merged["activities"]] == [
        "Intro call", "Mail, with the offer", "Call"]

def test_lines_of_a_block_text_changed_apart_merge_as_in_git():
    base = edit(BASE, ('notes: ""\n',
                       "notes: |\n  Budget 50k\n  Pilot in Turku\n  Decision in Q1\n"))
    ours = edit(base, ("Budget 50k", "Budget 60k"))
    theirs = edit(base, ("Decision in Q1", "Decision in February"))
    merged = clean_merge(base, ours, theirs)
    assert merged.endswith("notes: |\n  Budget 60k\n  Pilot in Turku\n  Decision in February\n")
    # the same line changed differently on both sides is still a conflict
    both = edit(base, ("Budget 50k", "Budget 55k"))
    assert merge_texts(base, ours, both).conflicts == ["notes"]

def test_nested_next_step_fields_merge_one_by_one():
    ours = edit(BASE, ("due: 2026-11-25", "due: 2026-12-01"))
    theirs = edit(BASE, ("action: Send quote", "action: Send revised quote"))
    merged = clean_merge(BASE, ours, theirs)
    assert "next_step: {action: Send revised quote, due: 2026-12-01}\n" in merged
    both = edit(BASE, ("due: 2026-11-25", "due: 2026-12-03"))
    assert merge_texts(BASE, ours, both).conflicts == ["next_step.due"]


ACCOUNT = y("""
    id: acme-oy
    name: Acme Oy
    contacts:
      - id: matti-virtanen
        name: Matti Virtanen
        title: CFO
        phone: "+358 40 123 4567"
      - id: liisa-k
        name: Liisa K
    """)


def test_contacts_merge_by_id():
    ours = edit(ACCOUNT, ('phone: "+358 40 123 4567"', 'phone: "+358 40 765 4321"'))
    theirs = edit(ACCOUNT, ("title: CFO", "title: CEO"),
                  ("  - id: liisa-k\n    name: Liisa K\n",
                   "  - id: sara-b\n    name: Sara B\n"))  # liisa left, sara joined
    merged = clean_merge(ACCOUNT, ours, theirs)
    contacts = load_fast(merged)["contacts"]
    assert contacts == [
        {"id": "matti-virtanen", "name": "Matti Virtanen", "title": "CEO",
         "phone": "+358 40 765 4321"},
        {"id": "sara-b", "name": "Sara B"},
    ]
    assert "'" not in merged and '"+358 40 765 4321"' in merged  # quoting kept


def test_one_contact_changed_on_both_sides_conflicts_on_that_field():
    ours = edit(ACCOUNT, ("title: CFO", "title: CEO"))
    theirs = edit(ACCOUNT, ("title: CFO", "title: COO"))
    assert merge_texts(ACCOUNT, ours, theirs).conflicts == ["contacts[0].title"]


def test_items_merge_by_product_or_name_and_tags_as_sets():
    base = edit(BASE, ("next_step:", "items:\n  - {product: silma-pro, quantity: 12}\n"
                       "  - {name: Integration work, quantity: 40}\nnext_step:"))
    ours = edit(base, ("quantity: 12", "quantity: 15"), ("[erp, wholesale]", "[erp, urgent]"))
    theirs = edit(base, ("quantity: 40", "quantity: 60"), ("[erp, wholesale]",
                                                           "[erp, wholesale, pilot]"))
    data = load_fast(merge_texts(base, ours, theirs).text)
    assert data["items"] == [{"product": "silma-pro", "quantity": 15},
                             {"name": "Integration work", "quantity": 60}]
    assert data["tags"] == ["erp", "urgent", "pilot"]


def test_items_added_at_the_end_on_both_sides_keep_ours_first():
    # as activities do: the quote's lines do not change order under the one who merges
    base = edit(BASE, ("next_step:", "items:\n  - {product: silma-pro, quantity: 12}\n"
                       "next_step:"))
    ours = edit(base, ("quantity: 12}\n", "quantity: 12}\n  - {name: Ours, quantity: 1}\n"))
    theirs = edit(base, ("quantity: 12}\n", "quantity: 12}\n  - {name: Theirs, quantity: 1}\n"))
    data = load_fast(clean_merge(base, ours, theirs))
    assert [i.get("name", i.get("product")) for i in data["items"]] == [
        "silma-pro", "Ours", "Theirs"]

def test_a_tag_replaced_differently_on_both_sides_keeps_both():
    ours = edit(BASE, ("[erp, wholesale]", "[erp, retail]"))
    theirs = edit(BASE, ("[erp, wholesale]", "[erp, b2b]"))
    merged = clean_merge(BASE, ours, theirs)
    assert "tags: [erp, retail, b2b]\n" in merged


def test_a_key_only_theirs_added_goes_where_the_record_kind_puts_it():
    # ours set a probability, theirs a forecast (after probability in a deal); without
    # the order, forecast went after the key it follows in theirs: next_step
    ours = edit(BASE, ("next_step: {action: Send quote, due: 2026-11-25}\n",
                       "next_step: {action: Send quote, due: 2026-11-25}\nprobability: 40\n"))
    theirs = edit(BASE, ("next_step: {action: Send quote, due: 2026-11-25}\n",
                         "next_step: {action: Send quote, due: 2026-11-25}\nforecast: commit\n"))
    want = "next_step: {action: Send quote, due: 2026-11-25}\nprobability: 40\nforecast: commit\n"
    assert want in merge_texts(BASE, ours, theirs, order=key_order("deal")).text
    assert "next_step: {action: Send quote, due: 2026-11-25}\nforecast: commit\n" \
        "probability: 40\n" in clean_merge(BASE, ours, theirs)  # no kind known: theirs' place


def test_the_merge_driver_knows_the_kind_by_the_records_path(tmp_path):
    from salescli.services.hooks import merge_record

    ours = edit(BASE, ("next_step: {action: Send quote, due: 2026-11-25}\n",
                       "next_step: {action: Send quote, due: 2026-11-25}\nprobability: 40\n"))
    theirs = edit(BASE, ("next_step: {action: Send quote, due: 2026-11-25}\n",
                         "next_step: {action: Send quote, due: 2026-11-25}\nforecast: commit\n"))
    for name, text in (("O", BASE), ("A", ours), ("B", theirs)):
        (tmp_path / name).write_text(text)
    assert merge_record(str(tmp_path / "O"), str(tmp_path / "A"), str(tmp_path / "B"),
                        "crm/deals/2026-10/acme-erp.yaml", 7, print)
    assert "probability: 40\nforecast: commit\n" in (tmp_path / "A").read_text()


def test_keys_removed_on_one_side():
    ours = edit(BASE, ("owner: anna\n", ""))
    theirs = edit(BASE, ("value: 48000.00", "value: 50000.00"))
    data = load_fast(merge_texts(BASE, ours, theirs).text)
    assert "owner" not in data and data["value"] == 50000.0
    changed = edit(BASE, ("owner: anna", "owner: ville"))
    assert merge_texts(BASE, ours, changed).conflicts == ["owner"]


def test_both_sides_added_the_file():
    ours = "id: x\ntitle: A\nvalue: 1\n"
    theirs = "id: x\ntitle: B\nvalue: 1\nowner: anna\n"
    result = merge_texts("", ours, theirs)
    assert result.conflicts == ["title"]
    assert "owner: anna" in result.text


def test_text_equal_on_a_side_is_taken_byte_for_byte():
    odd = replaced(BASE, "value: 48000.00", "value:    48000.00")
    assert merge_texts(BASE, BASE, odd).text == odd
    assert merge_texts(BASE, odd, BASE).text == odd


@pytest.mark.parametrize("broken", ["id: x\n  title: [\n", "- a\n- b\n",
                                    "id: x\n<<<<<<< HEAD\nv: 1\n=======\nv: 2\n>>>>>>> b\n"])
def test_unreadable_version_is_unmergeable(broken: str):
    with pytest.raises(Unmergeable):
        merge_texts(BASE, broken, edit(BASE, ("owner: anna", "owner: ville")))


def test_conflict_text_marks_only_differing_lines():
    assert conflict_text("a\nb\nc\n", "a\nB\nc\n", 3) == "a\n<<< ours\nb\n===\nB\n>>> theirs\nc\n"


# ------------------------------------------------------ the command git calls


def test_merge_driver_falls_back_to_a_line_merge(tmp_path: Path):
    base, ours, theirs = (tmp_path / n for n in ("O", "A", "B"))
    base.write_text("id: x\ntitle: t\nvalue: 1\nowner: anna\n")
    ours.write_text("id: x\ntitle: t\nvalue: 1\nowner: [anna\n")  # not YAML
    theirs.write_text("id: x\ntitle: u\nvalue: 1\nowner: anna\n")
    proc = subprocess.run(
        [sys.executable, "-m", "salescli", "merge-driver", str(base), str(ours), str(theirs),
         "deals/2026-10/x.yaml"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "deals/2026-10/x.yaml: merged line by line" in proc.stderr
    assert ours.read_text() == "id: x\ntitle: u\nvalue: 1\nowner: [anna\n"


# -------------------------------------------------------------- real git merges


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # git runs `salescli` from PATH, as it would for a user with salescli installed
    bin_dir = os.path.dirname(sys.executable)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))


DEAL = "deals/2026-10/acme-erp.yaml"


def _branches(filled: Repo, ours: list[list[str]], theirs: list[list[str]]) -> None:
    filled.git("checkout", "-qb", "theirs")
    for args in theirs:
        assert filled.run(*args).exit_code == 0
    filled.git("checkout", "-q", "main")
    for args in ours:
        assert filled.run(*args).exit_code == 0


def _merge(filled: Repo) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "merge", "--no-edit", "theirs"], cwd=filled.root,
                          capture_output=True, text=True)


def test_git_merge_of_different_fields_and_activities_has_no_conflict(filled: Repo, on_path):
    assert "merge=salescli" in (filled.root / ".gitattributes").read_text()
    _branches(
        filled,
        ours=[["deal", "set", "acme-erp", "value=52000"],
              ["log", "call", "acme-erp", "Pricing call", "--date", "2026-11-20"]],
        theirs=[["deal", "set", "acme-erp", "close_date=2027-02-28"],
                ["log", "email", "acme-erp", "Sent the deck", "--date", "2026-11-10"]],
    )
    proc = _merge(filled)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = load_fast((filled.root / DEAL).read_text())
    assert data["value"] == 52000
    assert str(data["close_date"]) == "2027-02-28"
    assert [a["summary"] for a in data["activities"]] == ["Sent the deck", "Pricing call"]
    assert filled.status() == ""
    assert filled.run("check").exit_code == 0


def test_git_merge_of_one_field_changed_differently_conflicts_and_check_reports_it(
        filled: Repo, on_path):
    _branches(filled, ours=[["deal", "set", "acme-erp", "value=52000"]],
              theirs=[["deal", "set", "acme-erp", "value=50000", "title=ERP pilot"]])
    proc = _merge(filled)
    assert proc.returncode == 1
    assert f"CONFLICT (content): Merge conflict in {DEAL}" in proc.stdout
    assert filled.status().startswith(f"UU {DEAL}")
    text = (filled.root / DEAL).read_text()
    assert "<<<<<<< ours\nvalue: 52000" in text and "title: ERP pilot" in text
    result = filled.run("check")
    assert result.exit_code == 1
    assert f"{DEAL}:" in result.output and "merge conflict markers" in result.output
    # the advice fits this conflict: markers to resolve, not a file to keep or drop
    assert f"{DEAL}:1:1: error: a conflict git has not resolved: both sides changed it; " \
           "resolve the conflict markers, then `git add` it, or abort the merge [unmerged]" \
           in result.output


def test_git_merge_keeps_the_comments_a_teammate_added_by_hand(filled: Repo, on_path):
    # the field merge dropped them (exit 0, nothing said); git's line merge keeps them
    filled.git("checkout", "-qb", "theirs")
    filled.edit(DEAL, "close_date: 2027-01-31\n", "close_date: 2027-01-31  # firm: board 30.1.\n")
    filled.edit(DEAL, "role: economic-buyer}\n", "role: economic-buyer}\n# on leave until 8.1.\n")
    filled.commit("notes on the deal")
    filled.git("checkout", "-q", "main")
    assert filled.run("deal", "set", "acme-erp", "value=52000").exit_code == 0
    proc = _merge(filled)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{DEAL}: merged line by line (the field merge would drop the comment " \
           "`# firm: board 30.1.`)" in proc.stderr
    text = (filled.root / DEAL).read_text()
    assert "value: 52000.00\n" in text and "close_date: 2027-01-31  # firm: board 30.1.\n" in text
    assert text.endswith("# on leave until 8.1.\n")


def test_check_reports_a_file_changed_on_one_side_and_deleted_on_the_other(filled: Repo,
                                                                           on_path):
    # git leaves the changed version in the tree, without markers: check passed
    _branches(filled, ours=[["deal", "delete", "acme-erp", "--reason", "duplicate"]],
              theirs=[["deal", "set", "acme-erp", "value=52000"]])
    assert _merge(filled).returncode == 1
    assert filled.status().startswith(f"DU {DEAL}")
    result = filled.run("check")
    assert result.exit_code == 1
    assert f"{DEAL}:1:1: error: a conflict git has not resolved: changed on one side, " \
           "deleted on the other; keep it (`git add`) or drop it (`git rm`), or abort the " \
           "merge [unmerged]" in result.output
    filled.git("rm", "-q", DEAL)
    assert filled.run("check").exit_code == 0


def test_without_salescli_on_path_git_merges_line_by_line(filled: Repo, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    _branches(filled, ours=[["deal", "set", "acme-erp", "value=52000"]],
              theirs=[["deal", "set", "acme-erp", "title=ERP pilot"]])
    proc = _merge(filled)
    assert "salescli is not on PATH: merging deals/2026-10/acme-erp.yaml line by line" \
        in proc.stderr
    assert proc.returncode == 0  # lines apart: git's own merge manages this one
    data = load_fast((filled.root / DEAL).read_text())
    assert (data["value"], data["title"]) == (52000, "ERP pilot")
