"""`review REV_RANGE`: a hand-built branch checked figure by figure."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import Repo
from conftest import deal_with

DEAL = "deals/2026-10/acme-erp.yaml"
BETA = deal_with(id="beta-crm", title="CRM rollout", value="10000", close_date="2027-02-28",
                 source=None, created="2026-11-03", stakeholders=None)


def commit(repo: Repo, when: str, message: str) -> str:
    repo.git("add", "-A")
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "commit", "-qm", message], cwd=repo.root, env=env, check=True)
    return repo.head()


def edit(repo: Repo, old: str, new: str) -> None:
    repo.edit(DEAL, old, new)


@pytest.fixture
def branch(filled: Repo) -> Repo:
    """main: acme-erp open in needs-analysis at 48,000 (10 %). feature: four commits."""
    filled.git("checkout", "-qb", "feature")
    edit(filled, "stage: needs-analysis", "stage: proposal")
    edit(filled, "value: 48000.00", "value: 52000.00")
    commit(filled, "2026-11-02T10:00:00Z", "advance and raise")
    filled.write("deals/2026-11/beta-crm.yaml", BETA)
    commit(filled, "2026-11-03T10:00:00Z", "new deal")
    edit(filled, "close_date: 2027-01-31", "close_date: 2027-03-31")
    commit(filled, "2026-11-04T10:00:00Z", "slip")
    edit(filled, "stage: proposal", "stage: needs-analysis")
    commit(filled, "2026-11-05T10:00:00Z", "back without a reason")
    return filled


def rows(payload: dict) -> dict:
    return {r["change"]: (r["count"], r["value"], r["deals"]) for r in payload["rows"]
            if r["count"]}


def test_review_of_a_branch_figure_by_figure(branch: Repo):
    r = branch.run("review", "main..feature", "--format", "json")
    assert r.exit_code == 0, r.output
    p = json.loads(r.output)
    assert p["commits"] == 4
    assert rows(p) == {
        "new": (1, 10000.0, ["beta-crm"]),
        "advanced": (1, 52000.0, ["acme-erp"]),
        "moved-back": (1, 52000.0, ["acme-erp"]),
        "value-up": (1, 4000.0, ["acme-erp"]),        # 52,000 - 48,000
        "slipped": (1, 52000.0, ["acme-erp"]),
    }
    pipe = p["pipeline"]
    assert pipe["before"] == {"EUR": {"count": 1, "value": 48000.0, "weighted": 4800.0}}
    # after: acme-erp back in needs-analysis (10 %): 5,200; beta-crm 10 %: 1,000
    assert pipe["after"] == {"EUR": {"count": 2, "value": 62000.0, "weighted": 6200.0}}
    assert pipe["change"] == {"EUR": {"count": 1, "value": 14000.0, "weighted": 1400.0}}
    assert [v["message"].split(": ", 1)[1] for v in p["violations"]] == [
        "deal acme-erp moved back proposal -> needs-analysis without a recorded reason "
        "(rules.backward: with-reason; use `deal move --reason`)"]
    assert [(e["deal"], e["change"], e["old"], e["new"]) for e in p["events"]] == [
        ("acme-erp", "advanced", "needs-analysis", "proposal"),
        ("acme-erp", "value-up", 48000.0, 52000.0),  # money, not cents
        ("beta-crm", "new", None, None),
        ("acme-erp", "slipped", "2027-01-31", "2027-03-31"),
        ("acme-erp", "moved-back", "proposal", "needs-analysis"),
    ]


def test_markdown_is_a_pull_request_comment(branch: Repo):
    r = branch.run("review", "main..feature")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("### Pipeline review: `main..feature`\n\n4 commit(s).")
    assert "| value-up | 1 | 4,000.00 EUR | acme-erp (48,000.00 → 52,000.00) |" in r.output
    # a move back without a `Reason:` shows its stages only
    assert "| moved-back | 1 | 52,000.00 EUR | acme-erp (proposal → needs-analysis) |" \
        in r.output
    assert "| EUR | 2 (+1) | 62,000.00 (+14,000.00) | 6,200.00 (+1,400.00) |" in r.output
    assert "**Pipeline rules broken in this range**" in r.output


def test_after_a_merge_the_range_counts_each_change_once(branch: Repo):
    branch.git("checkout", "-q", "main")
    edit(branch, "title: Order-processing automation", "title: Order automation")
    base = commit(branch, "2026-11-06T10:00:00Z", "main moves on")
    branch.git("merge", "-q", "--no-ff", "feature", "-m", "merge feature")
    # the pull request as GitHub shows it: from the merge base
    p = json.loads(branch.run("review", "main~1...feature", "--format", "json").output)
    assert rows(p)["advanced"] == (1, 52000.0, ["acme-erp"])
    # after merging: main's first parent to the merge, every change once
    p = json.loads(branch.run("review", f"{base}..main", "--format", "json").output)
    assert p["commits"] == 5  # four on the branch and the merge
    assert {k: v[0] for k, v in rows(p).items()} == {
        "new": 1, "advanced": 1, "moved-back": 1, "value-up": 1, "slipped": 1}


def test_a_branch_named_like_a_record_folder_is_a_revision(branch: Repo):
    # `git log -1 leads` is ambiguous (a branch, or the folder leads/): it failed
    branch.git("branch", "leads", "feature")
    p = json.loads(branch.run("review", "main..leads", "--format", "json").output)
    assert p["commits"] == 4
    r = branch.run("report", "forecast", "--as-of", "leads", "--format", "json")
    assert r.exit_code == 0, r.output


def test_bad_ranges_are_usage_errors(branch: Repo):
    before = branch.snapshot()
    r = branch.run("review", "main..nope")
    assert r.exit_code == 2 and "unknown revision 'nope'" in r.output
    r = branch.run("review", "--", "--upload-pack=x..main")
    assert r.exit_code == 2
    for spec in ("main..leads..main", "main..leads...main", "main...leads..main",
                 "main....leads"):
        r = branch.run("review", spec)  # never git's "bad revision" of a SHA not typed
        assert r.exit_code == 2 and r.stderr == (
            f"Error: invalid range '{spec}': use A..B, A...B or A (as A..HEAD)\n"), r.output
    assert branch.snapshot() == before


def test_markdown_says_why_deals_were_lost_or_moved_back_and_how_values_changed(filled: Repo):
    # base: acme-erp (48,000) and beta (10,000, a second deal), both in needs-analysis
    def ok(*args: str) -> None:
        r = filled.run(*args)
        assert r.exit_code == 0, (args, r.output)

    ok("deal", "add", "Beta", "--account", "acme-oy", "--id", "beta", "--value", "10000",
       "--close-date", "2027-03-31", "--date", "2026-11-01")
    ok("deal", "item", "add", "acme-erp", "--name", "Integration work", "--quantity", "40",
       "--unit-price", "120", "--date", "2026-11-01")  # what `proposal` requires
    base = filled.head()
    ok("deal", "advance", "acme-erp", "--date", "2026-11-02")
    ok("deal", "move", "acme-erp", "needs-analysis", "--reason", "Scope | changed <b>",
       "--date", "2026-11-03")
    ok("deal", "set", "acme-erp", "value=52000", "--date", "2026-11-04")
    ok("deal", "lose", "beta", "--reason", "budget", "--note", "Frozen until Q3",
       "--date", "2026-11-05")
    r = filled.run("review", f"{base}..HEAD")
    assert r.exit_code == 0, r.output
    md = r.output
    # the summary: each deal with its lost reason and note, the move back's reason
    # (escaped for a table cell and for HTML), the value's change
    assert "| lost | 1 | 10,000.00 EUR | beta (budget: Frozen until Q3) |" in md, md
    # (at its value then: 48,000 before the value went up a day later)
    assert "| moved-back | 1 | 48,000.00 EUR | acme-erp (proposal → needs-analysis: " \
        "Scope \\| changed &lt;b&gt;) |" in md, md
    assert "| value-up | 1 | 4,000.00 EUR | acme-erp (48,000.00 → 52,000.00) |" in md, md
    # every change, with its why
    assert "| acme-erp | moved-back | proposal | needs-analysis | Scope \\| changed &lt;b&gt; |" \
        in md, md
    assert "| beta | lost | open | lost | budget: Frozen until Q3 |" in md, md
    assert "| acme-erp | value-up | 48,000.00 | 52,000.00 |  |" in md, md
    assert "Pipeline rules broken" not in md  # the move back has its reason
    # JSON: the reason and note on the events
    p = json.loads(filled.run("review", f"{base}..HEAD", "--format", "json").output)
    why = {e["change"]: (e["reason"], e["note"]) for e in p["events"]}
    assert why == {"advanced": (None, None), "moved-back": ("Scope | changed <b>", None),
                   "value-up": (None, None), "lost": ("budget", "Frozen until Q3")}


def test_a_long_lost_note_is_cut_in_the_comment_and_whole_in_json(filled: Repo):
    base = filled.head()
    note = "The buyer's board froze every new project until the autumn budget round " * 2
    r = filled.run("deal", "lose", "acme-erp", "--reason", "timing", "--note", note.strip())
    assert r.exit_code == 0, r.output
    md = filled.run("review", f"{base}..HEAD").output
    assert "| lost | 1 | 48,000.00 EUR | acme-erp (timing: The buyer's board froze every " \
        "new project until the autumn…) |" in md, md
    p = json.loads(filled.run("review", f"{base}..HEAD", "--format", "json").output)
    assert [e["note"] for e in p["events"]] == [note.strip()]


def test_a_note_is_text_not_markdown_in_the_comment(filled: Repo):
    base = filled.head()
    r = filled.run("deal", "lose", "acme-erp", "--reason", "timing", "--note",
                   "_maybe_ *later*")
    assert r.exit_code == 0, r.output
    md = filled.run("review", f"{base}..HEAD").output
    assert "timing: \\_maybe\\_ \\*later\\*" in md, md  # no emphasis in a PR comment


def test_review_shows_every_change_a_reviewer_needs_and_a_rename(filled: Repo):
    # a reopen, an owner or probability change and a close date pulled in moved the
    # pipeline, yet the review said "no change to deals or leads"; a rename said removed
    filled.write("deals/2026-11/beta-crm.yaml", BETA)
    settings = filled.root / "salescli.yaml"
    settings.write_text(settings.read_text().replace("owners: [anna]", "owners: [anna, ville]"))
    filled.commit("beta")
    filled.git("checkout", "-qb", "week")
    for args in (("deal", "set", "acme-erp", "owner=ville", "probability=60"),
                 ("deal", "set", "acme-erp", "close_date=2026-12-20"),
                 ("deal", "rename", "beta-crm", "crm-rollout")):
        r = filled.run(*args)
        assert r.exit_code == 0, (args, r.output)
    p = json.loads(filled.run("review", "main..week", "--format", "json").output)
    assert [(e["change"], e["deal"], e["old"], e["new"]) for e in p["events"]] == [
        ("owner", "acme-erp", "anna", "ville"), ("probability", "acme-erp", None, 60),
        ("pulled-in", "acme-erp", "2027-01-31", "2026-12-20")]
    assert (p["renamed"], p["removed"]) == ([{"from": "beta-crm", "to": "crm-rollout"}], [])
    assert all(r["count"] == 0 for r in p["rows"])  # report changes' kinds: none of these
    text = filled.run("review", "main..week").output
    assert "no change" not in text
    assert "| owner | 1 |  | acme-erp (anna → ville) |" in text
    assert "| probability | 1 |  | acme-erp (- → 60) |" in text
    assert "| renamed | 1 |  | beta-crm → crm-rollout |" in text


def test_a_two_dot_range_starts_where_the_branch_left_its_base(branch: Repo):
    # main went on after the branch left it: the pipeline before the branch's commits
    # is the one they started from, not main's now (GitHub's pull request view)
    branch.git("checkout", "-q", "main")
    edit(branch, "value: 48000.00", "value: 40000.00")
    commit(branch, "2026-11-06T10:00:00Z", "main moves on")
    two = json.loads(branch.run("review", "main..feature", "--format", "json").output)
    three = json.loads(branch.run("review", "main...feature", "--format", "json").output)
    assert two["pipeline"] == three["pipeline"]
    assert two["pipeline"]["before"] == {"EUR": {"count": 1, "value": 48000.0,
                                                 "weighted": 4800.0}}


def test_a_deal_priced_by_its_items_changes_value_and_a_deletion_is_no_old_rename(
        filled: Repo):
    # history keeps such a value as its items: review said "no change" when a quantity
    # moved the pipeline; and a deal renamed long ago, its old ID given to a new deal
    # deleted in the range, showed as that old rename
    filled.write("deals/2026-11/beta-crm.yaml", BETA.replace("value: 10000\n", "") +
                 "items:\n  - {name: Work, quantity: 10, unit_price: 100}\n")
    filled.commit("beta priced by its items")
    assert filled.run("deal", "rename", "beta-crm", "crm-old").exit_code == 0
    filled.write("deals/2026-11/beta-crm.yaml", BETA)
    filled.commit("a new deal under the old ID")
    filled.git("checkout", "-qb", "week")
    filled.edit("deals/2026-11/crm-old.yaml", "quantity: 10", "quantity: 15")
    filled.commit("more work")
    assert filled.run("deal", "delete", "beta-crm", "--reason", "duplicate").exit_code == 0
    p = json.loads(filled.run("review", "main..week", "--format", "json").output)
    assert [(e["change"], e["deal"], e["old"], e["new"], e["value"]) for e in p["events"]] \
        == [("value-up", "crm-old", 1000.0, 1500.0, 500.0)]
    assert (p["renamed"], p["removed"]) == ([], ["beta-crm"])


def test_events_are_in_commit_order_with_their_author_time_in_utc(filled: Repo):
    # two commits in one second: the later-named deal first, so that order is the commits'
    filled.git("checkout", "-qb", "week")
    filled.write("deals/2026-11/beta-crm.yaml", BETA)
    commit(filled, "2026-11-03T12:00:00+02:00", "new deal")
    edit(filled, "value: 48000.00", "value: 50000.00")
    commit(filled, "2026-11-03T12:00:00+02:00", "raise")
    p = json.loads(filled.run("review", "main..week", "--format", "json").output)
    assert [(e["time"], e["deal"], e["change"]) for e in p["events"]] == [
        ("2026-11-03T10:00:00Z", "beta-crm", "new"),
        ("2026-11-03T10:00:00Z", "acme-erp", "value-up")]
