"""A commit on top of the cached history is folded on its own: the timelines a report
gets after each new commit are exactly those of folding the whole history again.

Each step below adds commits that test the fold's memory: a cherry-pick (its change
counts once, so the changes counted earlier must be remembered), merges with and
without a conflict, an ID change (a renamed file), a deleted deal, a version `check`
rejects, and a history rewritten under the cache. Where the new commits include some
that began before the cached commit (a merged branch older than it, a rewrite), git's
order puts them among the cached ones, and the history is folded again.
"""

from __future__ import annotations

import marshal
import re
import subprocess
from pathlib import Path

import pytest
from conftest import Repo
from test_reports import commit_at
from test_reports import edit_deal
from test_reports import git_at
from test_reports import make_crm
from test_reports import write_deal

from salescli.core.errors import SalescliError
from salescli.store.history import _pack
from salescli.store.history import load_history


def cached_rev(r: Repo, name: str) -> str | None:
    path = r.root / ".git" / "salescli" / name
    return marshal.loads(path.read_bytes())["rev"] if path.exists() else None


def plain(timelines: list) -> tuple:
    """Timelines as comparable data: as the cache keeps them, and their changes."""
    data, changes = _pack(timelines)
    return data["timelines"], changes


def agree(r: Repo, resumed: bool) -> None:
    """The cached answer (and the caches it leaves) equal a fold of everything."""
    head = r.git("rev-parse", "HEAD").strip()
    before = cached_rev(r, "deal-history.cache")
    cached = load_history(r.root, kinds=("deal",))
    fresh = load_history(r.root, kinds=("deal",), use_cache=False)
    assert plain(cached.timelines) == plain(fresh.timelines)
    assert cached.rejected == fresh.rejected
    # a resumed fold leaves the history cache where it was; a full fold moves it on
    assert (cached_rev(r, "deal-history.cache") == before != head) is resumed
    assert cached_rev(r, "deal-timelines.cache") == cached_rev(r, "deal-seen.cache") == head
    again = load_history(r.root, kinds=("deal",))  # the warm cache
    assert plain(again.timelines) == plain(fresh.timelines)


@pytest.fixture
def crm(repo: Repo) -> Repo:
    r = make_crm(repo)
    write_deal(r, "m1", "2026-04-01", value="1000.00", commit=False)
    write_deal(r, "m2", "2026-04-01", value="5000.00", commit=False)
    write_deal(r, "m3", "2026-04-01", value="2000.00", close_date="2026-04-30", commit=False)
    commit_at(r, "2026-04-01", "three deals")
    agree(r, resumed=False)  # the first fold
    return r


def on_branch(r: Repo, branch: str, deal: str, when: str, **fields: str) -> None:
    """One commit on a new branch, then back on main."""
    r.git("checkout", "-qb", branch)
    edit_deal(r, deal, when, **fields)
    r.git("checkout", "-q", "main")


def test_each_new_commit_continues_the_fold(crm: Repo) -> None:
    r = crm
    edit_deal(r, "m1", "2026-04-02", stage="proposal")
    agree(r, resumed=True)

    # a hotfix branch picked onto main (its change counts once), then merged as well
    on_branch(r, "hotfix", "m3", "2026-04-06", close_date="2026-05-31")
    edit_deal(r, "m2", "2026-04-06", value="7000.00")
    agree(r, resumed=True)
    git_at(r, "2026-04-06", "cherry-pick", "hotfix", committed="2026-04-07")
    agree(r, resumed=True)
    # the hotfix's own commit is older than main's last ones: in git's order it sorts
    # among them (and is the one that counts), so the history is folded again
    git_at(r, "2026-04-08", "merge", "--no-ff", "-q", "-m", "merge hotfix", "hotfix")
    agree(r, resumed=False)

    # a merge that resolves a conflict: a value new to both parents
    on_branch(r, "other", "m2", "2026-04-09", value="9000.00")
    edit_deal(r, "m2", "2026-04-09", value="8000.00")
    agree(r, resumed=True)
    out = subprocess.run(["git", "merge", "--no-ff", "other"], cwd=r.root,
                         capture_output=True, text=True)
    assert out.returncode != 0, "expected a conflict"
    r.git("checkout", "--theirs", "--", "deals/2026-04/m2.yaml")
    edit_deal(r, "m2", None, value="8500.00")
    commit_at(r, "2026-04-10", "merge other: m2 at 8500")
    agree(r, resumed=False)  # a branch that began before the cached commit, again
    edit_deal(r, "m2", "2026-04-10", close_date="2026-07-31")
    agree(r, resumed=True)
    # a merge of a branch that began after it: a fold that goes on
    on_branch(r, "late", "m3", "2026-04-11", value="2100.00")
    git_at(r, "2026-04-11", "merge", "--no-ff", "-q", "-m", "merge late", "late")
    agree(r, resumed=True)

    # an ID change renames the file; a deal deleted; a version check rejects, then fixed
    r.run("deal", "set", "m3", "id=m3-renewal")
    agree(r, resumed=True)
    r.git("rm", "-q", "--", next(r.root.glob("deals/*/m1.yaml")).relative_to(r.root).as_posix())
    commit_at(r, "2026-04-12", "m1 was a duplicate")
    agree(r, resumed=True)
    edit_deal(r, "m2", "2026-04-13", value="lots")
    agree(r, resumed=True)
    assert list(load_history(r.root, kinds=("deal",)).rejected)
    edit_deal(r, "m2", "2026-04-14", value="8600.00")
    agree(r, resumed=True)

    # history rewritten under the caches: the commit they describe is gone
    r.git("reset", "-q", "--hard", "HEAD~1")
    agree(r, resumed=False)  # behind the caches: nothing to continue
    r.git("reset", "-q", "--hard", "HEAD@{1}")
    r.git("reset", "-q", "--hard", "HEAD~2")  # the caches' commit is on no branch now
    edit_deal(r, "m2", "2026-04-15", value="100.00")
    agree(r, resumed=False)
    edit_deal(r, "m2", "2026-04-16", stage="proposal")
    agree(r, resumed=True)


def test_a_damaged_fold_cache_is_folded_again(crm: Repo) -> None:
    folder = crm.root / ".git" / "salescli"
    seen, timelines = folder / "deal-seen.cache", folder / "deal-timelines.cache"

    def damage(path: Path, **changes: object) -> None:
        data = marshal.loads(path.read_bytes())
        path.write_bytes(marshal.dumps({**data, **changes}))

    damages = [
        lambda: seen.write_bytes(marshal.dumps({"v": 0})),
        lambda: seen.write_bytes(b"garbage"),
        lambda: damage(seen, seen=(1, ("a", 0, None, None, 0))),  # not digests only
        lambda: damage(seen, seen=[1, 2]),  # not a tuple
        lambda: damage(timelines, done=10**6),
        lambda: damage(timelines, done=-1),
    ]
    for day, how in enumerate(damages, start=2):
        edit_deal(crm, "m1", f"2026-04-{day:02d}", value=f"{day}.00")
        how()
        agree(crm, resumed=False)


def test_commits_of_one_second_keep_their_parents(crm: Repo) -> None:
    """A merge of a branch that changed no deal, then a branch of two deal commits, all
    within one second: git's streamed, path-limited log printed the first of them
    without its parent, as if the deal were created there (review of issue 13)."""
    r, when = crm, "2026-04-02"
    r.git("checkout", "-qb", "notes")
    (r.root / "notes.txt").write_text("no deal here\n")
    commit_at(r, when, "notes only")
    r.git("checkout", "-q", "main")
    git_at(r, when, "merge", "-q", "--no-ff", "-m", "merge notes", "notes")
    r.git("checkout", "-qb", "feat")
    edit_deal(r, "m1", when, stage="proposal")
    edit_deal(r, "m1", when, stage="negotiation")
    r.git("checkout", "-q", "main")
    git_at(r, when, "merge", "-q", "--no-ff", "-m", "merge feat", "feat")
    history = load_history(r.root, kinds=("deal",), use_cache=False)
    m1 = next(tl for tl in history.timelines if tl.id == "m1")
    assert [(name, new) for _, name, new in m1.moves][-2:] == [
        ("stage", "proposal"), ("stage", "negotiation")]
    assert sum(1 for c in m1.changes if c[2] == "stage") == 3  # created, and two moves
    agree(r, resumed=True)


def test_a_shallow_clone_is_refused_until_made_whole(crm: Repo, tmp_path: Path) -> None:
    """A shallow clone (CI's default checkout) dated every deal from its oldest commit
    there: slips, stage days and the week's changes came out zero, with exit 0. History
    is refused there, with the fix; made whole, it agrees with a fresh read."""
    edit_deal(crm, "m1", "2026-04-02", stage="proposal")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{crm.root}", str(clone)],
                   check=True)
    r = Repo(clone)
    message = ("this clone is shallow (git clone --depth): its history starts partway, so "
               "reports and stage days would be wrong; fetch the rest with `git fetch "
               "--unshallow` (in CI: fetch-depth: 0)")
    with pytest.raises(SalescliError, match=re.escape(message)):
        load_history(clone, kinds=("deal",))
    for args in (["report", "slips"], ["today"], ["review", "HEAD~0..HEAD"]):
        result = r.run(*args)
        assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n"), args
    assert r.run("deal", "list").exit_code == 0  # what needs no history works
    result = r.run("deal", "lose", "m1", "--reason", "price", "--date", "2026-04-03",
                   "--no-commit")  # a dated write too: its note would need the history
    assert result.exit_code == 0, result.output
    r.git("checkout", "-q", ".")
    r.git("fetch", "-q", "--unshallow")
    agree(r, resumed=False)
    edit_deal(crm, "m1", "2026-04-03", value="1500.00")
    r.git("pull", "-q", "--ff-only")
    agree(r, resumed=True)


def test_a_cache_is_loaded_whole_and_out_of_the_collectors_way(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cache reads back as it was saved, or as None when damaged; in a command's
    process what it loads is frozen, so the cyclic collector does not rescan it for the
    rest of the command."""
    import gc

    from salescli.store import runtime
    from salescli.store.runtime import load_cache
    from salescli.store.runtime import save_cache

    monkeypatch.setattr(runtime, "FREEZE_LOADED", True)  # as salescli's main() sets it

    path = tmp_path / "salescli" / "x.cache"
    data = {"v": 1, "rows": [[f"deals/2026-11/d{n}.yaml", n, None] for n in range(500)]}
    save_cache(path, data)
    try:
        loaded = load_cache(path)
        assert loaded == data
        # the collector's generations no longer hold the loaded lists
        young = {id(o) for o in gc.get_objects()}
        assert id(loaded["rows"]) not in young and id(loaded["rows"][0]) not in young
        assert gc.is_tracked(loaded["rows"])  # only frozen: reference counting frees it
    finally:
        gc.unfreeze()
    path.write_bytes(path.read_bytes()[:100])  # truncated
    assert load_cache(path) is None
    assert load_cache(tmp_path / "missing.cache") is None


def test_changes_are_read_with_their_timelines_only(crm: Repo, monkeypatch) -> None:
    """The changes file of another fold of as many timelines (another commit's) is not
    taken for this one's, not even when another process saved it after these timelines
    were read; an intact pair at HEAD is read without folding anything."""
    from salescli.store import history

    root, git_dir = crm.root, crm.root / ".git"
    folder = git_dir / "salescli"
    path, changes = folder / "deal-timelines.cache", folder / "deal-changes.cache"
    fresh = plain(load_history(root, kinds=("deal",), use_cache=False).timelines)
    load_history(root, kinds=("deal",))
    first = (path.read_bytes(), changes.read_bytes())
    head = crm.git("rev-parse", "HEAD").strip()
    deal = sorted(root.glob("deals/*/*.yaml"))[0]
    text = deal.read_text()
    assert "\nowner: anna\n" in text
    deal.write_text(text.replace("\nowner: anna\n", "\nowner: ben\n", 1))  # a change
    crm.commit("changed")
    load_history(root, kinds=("deal",))
    later = changes.read_bytes()
    crm.git("reset", "-q", "--hard", head)
    path.write_bytes(first[0])
    changes.write_bytes(later)  # another fold's changes, as many of them
    assert plain(load_history(root, kinds=("deal",)).timelines) == fresh
    path.write_bytes(first[0])
    changes.write_bytes(first[1])
    monkeypatch.setattr(history, "_read_history", None)  # any fold: a crash
    assert plain(load_history(root, kinds=("deal",)).timelines) == fresh
    read = load_history(root, kinds=("deal",)).timelines
    monkeypatch.undo()
    changes.unlink()  # replaced by another process's fold: renamed over
    changes.write_bytes(later)
    assert plain(read) == fresh  # folded again


def test_damaged_changes_in_the_cache_are_folded_again(crm: Repo) -> None:
    """The timelines cache keeps their changes in a file of its own, read only when a
    report asks: cut, missing, or of another fold (a write cut between the two files),
    they are folded afresh then, never an error and never a wrong answer. A cache of an
    earlier salescli, its changes kept inline as marshal bytes, is still read."""
    fresh = load_history(crm.root, kinds=("deal",), use_cache=False)
    folder = crm.root / ".git" / "salescli"
    path, changes = folder / "deal-timelines.cache", folder / "deal-changes.cache"
    load_history(crm.root, kinds=("deal",))
    kept = changes.read_bytes()
    token = marshal.loads(path.read_bytes())["changes"]
    for damage in (kept[: len(kept) // 2], b"",
                   marshal.dumps({**marshal.loads(kept), "token": "another fold"})):
        changes.write_bytes(damage)
        cached = load_history(crm.root, kinds=("deal",))
        assert plain(cached.timelines) == plain(fresh.timelines)
        changes.write_bytes(kept)
    changes.unlink()
    cached = load_history(crm.root, kinds=("deal",))
    assert plain(cached.timelines) == plain(fresh.timelines)
    data = marshal.loads(path.read_bytes())
    assert data["changes"] != token  # folded again, and kept anew
    data["changes"] = marshal.dumps(marshal.loads(changes.read_bytes())["changes"])
    path.write_bytes(marshal.dumps(data))
    changes.unlink()
    cached = load_history(crm.root, kinds=("deal",))
    assert plain(cached.timelines) == plain(fresh.timelines)
    # read from the inline bytes, not folded again (that would keep the new form)
    assert isinstance(marshal.loads(path.read_bytes())["changes"], bytes)
