"""History from git as reports see it (SPEC §6): branches and merges, cherry-picks,
conflicts resolved in a merge, rebase, renamed and deleted deals, the cache, and
`--as-of REV`. Each figure is computed by hand in a comment.
"""

from __future__ import annotations

import subprocess

import pytest
from conftest import Repo
from test_reports import change_rows
from test_reports import cli
from test_reports import commit_at
from test_reports import cycle_row
from test_reports import edit_deal
from test_reports import forecast_row
from test_reports import funnel_row
from test_reports import git_at
from test_reports import make_crm
from test_reports import report
from test_reports import rows
from test_reports import write_deal


@pytest.fixture
def crm(repo: Repo) -> Repo:
    return make_crm(repo)


def one_slip_funnel_forecast(repo: Repo, day: str, deals: int, funnel: list[tuple],
                             forecast: list[tuple]) -> None:
    """The reports as of `day` on the default pipeline: `slips`, one of `deals` slipped
    once; `funnel`, its rows (funnel_row's fields) of the stages reached, in order, every
    later stage never reached; `forecast`, its rows of open deals (forecast_row's fields
    but the category: `pipeline`)."""
    out = report(repo, "slips", "--as-of", day)
    assert out["totals"] == {"deals": deals, "slipped": 1, "slips": 1, "two_or_more": 0}
    stages = ("needs-analysis", "proposal", "negotiation", "contracting")
    never = [(stage, 0, None, 0, 0, None) for stage in stages[len(funnel):]]
    out = report(repo, "funnel", "--as-of", day)
    assert out["rows"] == [funnel_row(*row) for row in [*funnel, *never]]
    out = report(repo, "forecast", "--as-of", day)
    assert out["rows"] == [forecast_row(period, "pipeline", *row) for period, *row in forecast]


# ------------------------------------------------------------- merges never double count


@pytest.fixture
def merged(crm: Repo) -> Repo:
    """m1 advanced on a branch (merged --no-ff); m3's slip cherry-picked and also merged;
    m2's value edited on two branches and the conflict resolved in the merge."""
    r = crm
    write_deal(r, "m1", "2026-04-01", value="1000.00", close_date="2026-06-30", commit=False)
    write_deal(r, "m2", "2026-04-01", value="5000.00", close_date="2026-06-30", commit=False)
    write_deal(r, "m3", "2026-04-01", value="2000.00", close_date="2026-04-30", commit=False)
    commit_at(r, "2026-04-01", "three deals")
    r.git("checkout", "-qb", "feature")
    edit_deal(r, "m1", "2026-04-05", stage="proposal")
    r.git("checkout", "-q", "main")
    r.git("checkout", "-qb", "hotfix")
    edit_deal(r, "m3", "2026-04-06", close_date="2026-05-31")
    r.git("checkout", "-q", "main")
    edit_deal(r, "m2", "2026-04-06", value="7000.00")
    # the hotfix picked onto main (author date kept: 04-06), later the branch merged too
    git_at(r, "2026-04-06", "cherry-pick", "hotfix", committed="2026-04-07")
    git_at(r, "2026-04-08", "merge", "--no-ff", "-q", "-m", "merge feature", "feature")
    git_at(r, "2026-04-08", "merge", "--no-ff", "-q", "-m", "merge hotfix", "hotfix")
    # a conflict: main sets m2 to 8000, branch `other` to 9000; resolved to 8500 on 04-10
    r.git("checkout", "-qb", "other")
    edit_deal(r, "m2", "2026-04-09", value="9000.00")
    r.git("checkout", "-q", "main")
    edit_deal(r, "m2", "2026-04-09", value="8000.00")
    out = subprocess.run(["git", "merge", "--no-ff", "other"], cwd=r.root,
                         capture_output=True, text=True)
    assert out.returncode != 0, "expected a conflict"
    r.git("checkout", "--theirs", "--", "deals/2026-04/m2.yaml")
    edit_deal(r, "m2", None, value="8500.00")
    assert "<<<<<<<" not in (r.root / "deals/2026-04/m2.yaml").read_text()
    r.git("add", "-A")
    git_at(r, "2026-04-10", "commit", "-qm", "merge other: m2 at 8500")
    return r


def test_merged_branch_counts_each_change_once(merged: Repo):
    # new: m1 1000 + m2 5000 + m3 2000 (values when created) on 04-01
    # advanced: m1 once (on the branch 04-05, not again at the merge 04-08)
    # slipped: m3 once although the commit exists twice (original and cherry-pick)
    # value-up on m2: 5000 -> 7000 (04-06, main) +2000; 7000 -> 9000 (04-09, other) +2000;
    #   7000 -> 8000 (04-09, main) +1000; the resolution 8000 -> 8500 at the merge (04-10,
    #   against the first parent) +500 -> 4 events, +5500
    out = report(merged, "changes", "--as-of", "2026-04-10", "--since", "2026-04-01",
                 "--until", "2026-04-10")
    assert rows(out) == change_rows({
        "new": ("EUR", 3, 8000.0, ["m1", "m2", "m3"]),
        "advanced": ("EUR", 1, 1000.0, ["m1"]),
        "value-up": ("EUR", 4, 5500.0, ["m2"]),
        "slipped": ("EUR", 1, 2000.0, ["m3"]),
    })
    assert out["totals"] == {"events": 9}
    # the merges' own day: only the conflict resolution is a change, once, at the merge
    out = report(merged, "changes", "--as-of", "2026-04-10", "--since", "2026-04-10")
    assert rows(out) == change_rows({"value-up": ("EUR", 1, 500.0, ["m2"])})
    out = report(merged, "changes", "--as-of", "2026-04-10", "--since", "2026-04-08",
                 "--until", "2026-04-08")
    assert out["totals"] == {"events": 0}
    # slips: m3 once; funnel: m1 reached proposal once
    # n-a days: m1 4 (04-01..04-05), m2 and m3 04-01 noon..04-10 end = 9.5 -> 9.5
    # proposal: m1 04-05 noon..04-10 end = 5.5
    # forecast: m1 1000 at 30 % + m2 8500 and m3 2000 at 10 % -> 300 + 850 + 200
    one_slip_funnel_forecast(
        merged, "2026-04-10", deals=3,
        funnel=[("needs-analysis", 3, 0.3333, 0, 2, 9.5), ("proposal", 1, 0.0, 0, 1, 5.5)],
        forecast=[("2026-05", 1, 2000.0, 200.0), ("2026-06", 2, 9500.0, 1150.0)])


def test_as_of_a_branch_and_a_tag(merged: Repo):
    r = merged
    # --as-of REV: the history reachable from REV, at REV's committer time.
    # `feature` (committed 04-05): m1 in proposal; m2 5000; m3 close 04-30 (no slip)
    out = report(r, "changes", "--as-of", "feature", "--since", "2026-04-01")
    assert out["as_of"] == "2026-04-05"
    assert rows(out) == change_rows({
        "new": ("EUR", 3, 8000.0, ["m1", "m2", "m3"]),
        "advanced": ("EUR", 1, 1000.0, ["m1"]),
    })
    # `hotfix` (committed 04-06): m3 slipped; m1 not advanced there
    out = report(r, "slips", "--as-of", "hotfix")
    assert out["totals"] == {"deals": 3, "slipped": 1, "slips": 1, "two_or_more": 0}
    out = report(r, "funnel", "--as-of", "hotfix")
    assert [row["reached"] for row in out["rows"]] == [3, 0, 0, 0]
    # a tag on main before the conflict, then a late commit backdated before the tag:
    # --as-of the tag leaves it out (not reachable), --as-of its date takes it in.
    r.git("tag", "v1", "HEAD^1")  # main's 04-09 edit of m2 (8000), committed 04-09
    out = report(r, "forecast", "--as-of", "v1")
    assert out["as_of"] == "2026-04-09"
    # m1 1000 x 30 % + m2 8000 x 10 % (06-30); m3 2000 x 10 % (05-31)
    assert out["rows"] == [  # no won rows: nothing won
        forecast_row("2026-05", "pipeline", 1, 2000.0, 200.0),
        forecast_row("2026-06", "pipeline", 2, 9000.0, 1100.0),
    ]
    edit_deal(r, "m3", None, value="2600.00")
    r.git("add", "-A")
    git_at(r, "2026-04-07", "commit", "-qm", "late entry", committed="2026-04-12")
    out = report(r, "forecast", "--as-of", "v1")
    assert out["rows"][0]["value"] == 2000.0          # not reachable from v1
    out = report(r, "forecast", "--as-of", "2026-04-09")
    assert out["rows"][0] == {"period": "2026-05", "category": "pipeline", "currency": "EUR",
                              "count": 1, "value": 2600.0, "weighted": 260.0}
    out = report(r, "changes", "--as-of", "2026-04-09", "--since", "2026-04-07",
                 "--until", "2026-04-07")
    assert rows(out) == change_rows({"value-up": ("EUR", 1, 600.0, ["m3"])})


# ----------------------------------------------------------------------------- rebase


def test_rebase_keeps_event_times(crm: Repo):
    r = crm
    write_deal(r, "r1", "2026-04-01", value="1000.00", close_date="2026-06-30")
    r.git("checkout", "-qb", "topic")
    edit_deal(r, "r1", "2026-04-03", stage="proposal")
    edit_deal(r, "r1", "2026-04-05", value="3000.00")
    r.git("checkout", "-q", "main")
    write_deal(r, "r2", "2026-04-04", value="500.00", close_date="2026-05-15")
    r.git("checkout", "-q", "topic")
    args = ("--as-of", "2026-04-10", "--since", "2026-04-01")
    # on topic before the rebase: r2 is not reachable
    before = report(r, "changes", *args)
    assert rows(before) == change_rows({
        "new": ("EUR", 1, 1000.0, ["r1"]),
        "advanced": ("EUR", 1, 1000.0, ["r1"]),  # on 04-03, before the value went up
        "value-up": ("EUR", 1, 2000.0, ["r1"]),
    })
    git_at(r, "2026-04-11", "rebase", "-q", "main")  # committer dates change, author kept
    after = report(r, "changes", *args)
    assert rows(after) == change_rows({
        "new": ("EUR", 2, 1500.0, ["r1", "r2"]),
        "advanced": ("EUR", 1, 1000.0, ["r1"]),
        "value-up": ("EUR", 1, 2000.0, ["r1"]),
    })
    # funnel: r1 and r2 reach needs-analysis, r1 proposal (04-03 noon..04-10 end = 7.5)
    out = report(r, "funnel", "--as-of", "2026-04-10")
    assert [row["reached"] for row in out["rows"]] == [2, 1, 0, 0]
    assert out["rows"][1]["median_days"] == 7.5


# --------------------------------------------------------- a renamed and a deleted deal


@pytest.fixture
def renamed(crm: Repo) -> Repo:
    r = crm
    write_deal(r, "old-name", "2026-05-01", value="4000.00", close_date="2026-06-30")
    # added at midnight: earlier than its created: noon, so creation is the commit's time
    write_deal(r, "gone", "2026-05-02T00:00:00+00:00", created="2026-05-02",
               value="1500.00", close_date="2026-06-30")
    edit_deal(r, "old-name", "2026-05-05", stage="proposal")
    r.git("mv", "deals/2026-05/old-name.yaml", "deals/2026-05/new-name.yaml")
    edit_deal(r, "new-name", "2026-05-10", id="new-name")
    edit_deal(r, "gone", "2026-05-12", close_date="2026-07-31")
    r.git("rm", "-q", "deals/2026-05/gone.yaml")
    commit_at(r, "2026-05-15", "drop gone")
    cli(r, "deal", "win", "new-name", "--date", "2026-05-20")
    return r


def test_renamed_deal_keeps_its_history(renamed: Repo):
    # new-name: created 05-01 (as old-name), proposal 05-05, won 05-20: 19 days
    out = report(renamed, "cycle", "--as-of", "2026-05-31")
    assert out["rows"] == [cycle_row("all", 1, 19.0, 19.0, 19.0)]
    out = report(renamed, "funnel", "--as-of", "2026-05-31")
    assert out["rows"] == [
        funnel_row("needs-analysis", 1, 1.0, 0, 0, 4.0),    # 05-01..05-05
        funnel_row("proposal", 1, 1.0, 0, 0, 15.0),         # 05-05..05-20
        funnel_row("negotiation", 1, 1.0, 0, 0, None),      # won: reached, never entered
        funnel_row("contracting", 1, 1.0, 0, 0, None),
    ]
    assert out["totals"] == {"deals": 1, "won": 1, "lost": 0, "open": 0, "win_rate": 1.0}
    # one new deal (the rename is not a new deal), advanced once, won once; `gone` left
    out = report(renamed, "changes", "--as-of", "2026-05-31", "--since", "2026-05-01")
    assert rows(out) == change_rows({
        "new": ("EUR", 1, 4000.0, ["new-name"]),
        "advanced": ("EUR", 1, 4000.0, ["new-name"]),
        "won": ("EUR", 1, 4000.0, ["new-name"]),
    })
    assert out["totals"] == {"events": 3}


def test_renamed_deal_has_its_old_id_before_the_rename(renamed: Repo):
    # As of 05-07 the deal was old-name (the rename is on 05-10): the state as it was.
    out = report(renamed, "changes", "--as-of", "2026-05-07", "--since", "2026-05-01")
    assert rows(out) == change_rows({
        "new": ("EUR", 2, 5500.0, ["gone", "old-name"]),
        "advanced": ("EUR", 1, 4000.0, ["old-name"]),
    })


def test_deleted_deal_leaves_reports_from_its_deletion(renamed: Repo):
    # as of 05-14 `gone` is there: created 05-02 00:00, slipped 05-12
    # n-a: new-name 4, gone 05-02 00:00..05-14 end = 13.0 -> 8.5;
    # proposal: new-name 05-05 noon..05-14 end = 9.5
    # forecast: new-name 4000 x 30 % (06-30); gone 1500 x 10 % (07-31)
    one_slip_funnel_forecast(
        renamed, "2026-05-14", deals=2,
        funnel=[("needs-analysis", 2, 0.5, 0, 1, 8.5), ("proposal", 1, 0.0, 0, 1, 9.5)],
        forecast=[("2026-06", 1, 4000.0, 1200.0), ("2026-07", 1, 1500.0, 150.0)])
    # from its deletion (05-15) on it is in no report
    for day in ("2026-05-15", "2026-05-31"):
        out = report(renamed, "slips", "--as-of", day)
        assert out["totals"] == {"deals": 1, "slipped": 0, "slips": 0, "two_or_more": 0}
        out = report(renamed, "funnel", "--as-of", day)
        assert out["totals"]["deals"] == 1
    out = report(renamed, "forecast", "--as-of", "2026-05-15")
    assert out["totals"] == {"open": {"EUR": {"count": 1, "value": 4000.0,
                                              "weighted": 1200.0}}}


@pytest.mark.parametrize("cached", [True, False])
def test_a_deleted_deal_brought_back_is_one_deal_absent_in_between(renamed: Repo,
                                                                   cached: bool):
    # `gone` (deleted 05-15) back by a revert on 06-01, in proposal since the revert;
    # with `cached`, the deletion was read into the history cache first
    r = renamed
    if cached:
        report(r, "funnel")
    r.git("checkout", "HEAD~2", "--", "deals/2026-05/gone.yaml")  # before `drop gone`
    edit_deal(r, "gone", None, stage="proposal")
    r.git("add", "-A")
    commit_at(r, "2026-06-01", "bring gone back")
    for day, deals in (("2026-05-14", 2), ("2026-05-20", 1), ("2026-06-02", 2)):
        out = report(r, "funnel", "--as-of", day)
        assert out["totals"]["deals"] == deals, day
    out = report(r, "forecast", "--as-of", "2026-05-16")  # not there: new-name alone
    assert out["totals"] == {"open": {"EUR": {"count": 1, "value": 4000.0,
                                              "weighted": 1200.0}}}
    out = report(r, "forecast", "--as-of", "2026-06-02")
    assert out["rows"][-1] == forecast_row("2026-07", "pipeline", 1, 1500.0, 450.0)
    # `gone` is new once (05-02), not again on its return, which is its move to proposal
    out = report(r, "changes", "--since", "2026-05-01", "--as-of", "2026-06-30")
    assert rows(out) == change_rows({
        "new": ("EUR", 2, 5500.0, ["gone", "new-name"]),
        "advanced": ("EUR", 2, 5500.0, ["gone", "new-name"]),
        "won": ("EUR", 1, 4000.0, ["new-name"]),
        "slipped": ("EUR", 1, 1500.0, ["gone"]),
    })


# ------------------------------------------------------------------------------ cache


def test_cache_follows_new_commits_reset_and_rebase(crm: Repo):
    r = crm
    args = ("--as-of", "2026-04-30", "--since", "2026-04-01")
    write_deal(r, "c1", "2026-04-01", value="1000.00", close_date="2026-06-30")
    write_deal(r, "c2", "2026-04-02", value="2000.00", close_date="2026-06-30")
    first = report(r, "changes", *args)  # fills the cache
    assert first["totals"] == {"events": 2}
    # new commits on top: one now, one backdated before everything cached
    cli(r, "deal", "set", "c1", "value=1500", "--date", "2026-04-10")
    edit_deal(r, "c2", "2026-04-03", close_date="2026-07-31")
    out = report(r, "changes", *args)  # cached run (incremental) == --no-cache (in report)
    assert rows(out) == change_rows({
        "new": ("EUR", 2, 3000.0, ["c1", "c2"]),          # 1000 + 2000 when created
        "value-up": ("EUR", 1, 500.0, ["c1"]),
        "slipped": ("EUR", 1, 2000.0, ["c2"]),
    })
    out = report(r, "slips", *args)
    assert out["totals"] == {"deals": 2, "slipped": 1, "slips": 1, "two_or_more": 0}
    # reset drops the slip again
    r.git("reset", "-q", "--hard", "HEAD~1")
    out = report(r, "changes", *args)
    assert rows(out) == change_rows({
        "new": ("EUR", 2, 3000.0, ["c1", "c2"]),
        "value-up": ("EUR", 1, 500.0, ["c1"]),
    })
    out = report(r, "forecast", "--as-of", "2026-04-30")
    assert out["totals"] == {"open": {"EUR": {"count": 2, "value": 3500.0,
                                              "weighted": 350.0}}}  # 10 % of 1500 + 2000
    # rewrite: an interactive-style rebase that drops the c2 commit
    r.git("rebase", "-q", "--onto", "HEAD~2", "HEAD~1")
    out = report(r, "changes", *args)
    assert rows(out) == change_rows({
        "new": ("EUR", 1, 1000.0, ["c1"]),
        "value-up": ("EUR", 1, 500.0, ["c1"]),
    })
    out = report(r, "forecast", "--as-of", "2026-04-30")
    assert out["totals"] == {"open": {"EUR": {"count": 1, "value": 1500.0,
                                              "weighted": 150.0}}}
    # read again from the cache written by the run before: the same answer
    assert report(r, "forecast", "--as-of", "2026-04-30") == out


def test_a_resumed_fold_ends_where_a_fresh_one_does_after_an_id_lives_twice(crm: Repo):
    # x from 01-10, deleted 02-01; another x from 03-05 in another month, renamed y on
    # 03-10; then the first x's deletion reverted (06-01): each report, read through
    # the cache folded before the revert and afresh (`report` compares them), agrees
    r = crm
    write_deal(r, "x", "2026-01-10", value="1000.00")
    r.git("rm", "-q", "deals/2026-01/x.yaml")
    commit_at(r, "2026-02-01", "drop x")
    dropped = r.head()
    write_deal(r, "x", "2026-03-05", value="5000.00")
    r.git("mv", "deals/2026-03/x.yaml", "deals/2026-03/y.yaml")
    edit_deal(r, "y", "2026-03-10", id="y")
    out = report(r, "funnel", "--since", "2026-01-01")  # the cache, folded to here
    assert out["totals"]["deals"] == 1  # y: the first x is deleted
    git_at(r, "2026-06-01", "revert", "--no-edit", dropped)
    for day, deals in (("2026-01-20", 1), ("2026-02-20", 0), ("2026-03-20", 1),
                       ("2026-06-02", 2)):
        out = report(r, "forecast", "--as-of", day)
        assert sum(v["count"] for v in out["totals"]["open"].values()) == deals, day


def test_a_file_moved_to_another_month_folder_keeps_its_history(crm: Repo):
    # x created 01-10 (proposal 02-01), its file moved to the 2026-03 folder on 06-01:
    # one deal, created 01-10, new once
    r = crm
    write_deal(r, "x", "2026-01-10", value="1000.00")
    edit_deal(r, "x", "2026-02-01", stage="proposal")
    (r.root / "deals/2026-03").mkdir()
    r.git("mv", "deals/2026-01/x.yaml", "deals/2026-03/x.yaml")
    commit_at(r, "2026-06-01", "file x where we want it")
    out = report(r, "changes", "--since", "2026-01-01", "--as-of", "2026-06-30")
    assert rows(out) == change_rows({"new": ("EUR", 1, 1000.0, ["x"]),
                                     "advanced": ("EUR", 1, 1000.0, ["x"])})
    out = report(r, "funnel", "--since", "2026-01-01", "--until", "2026-01-31")
    assert out["totals"]["deals"] == 1
