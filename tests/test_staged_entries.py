"""`check --staged` lists git's index as HEAD's files plus `git diff-index --cached`
(HEAD's kept by commit): the same entries `git ls-files -s` gives, in every state the
index can be in."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import Repo
from conftest import existing_project
from conftest import replaced

from salescli.services.staged import Entries
from salescli.services.staged import index_entries

SPECS = ["salescli.yaml", "products.yaml", "pipelines", "deals", "accounts", "leads"]


def both(root: Path, cache: Path) -> dict:
    listed = index_entries(root, SPECS)[0]
    lazily(root, cache, listed)
    fast = index_entries(root, SPECS, cache)[0]
    assert fast == listed
    assert index_entries(root, SPECS, cache)[0] == listed  # from the cache this time
    return listed


def lazily(root: Path, cache: Path, listed: dict) -> None:
    """Each path asked of the hook's entries one by one, and the pipelines' listing,
    without loading HEAD's files whole: what `ls-files` lists."""
    entries = index_entries(root, SPECS, cache)[0]
    if not isinstance(entries, Entries):
        return  # no commit yet, or a merge conflict: listed whole
    for path, entry in listed.items():
        assert entries[path] == entry
    # HEAD's files too (one the index deletes is no entry), and names git could read as
    # patterns or folders
    head = subprocess.run(["git", "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", *SPECS],
                          cwd=root, capture_output=True, text=True).stdout.split("\0")
    for gone in (*filter(None, head), "deals/2026-10/gone.yaml", "pipelines/gone.yaml",
                 "salescli.yaml/x", "invoices/x.yaml", "deals", "elsewhere.yaml", "deals/*",
                 ":(glob)deals/**", "deals/2026-1?/acme-erp.yaml"):
        assert (gone in entries) == (gone in listed) and entries.get(gone) == listed.get(gone)
    assert entries.under("pipelines") == {p: e for p, e in listed.items()
                                          if p == "pipelines" or p.startswith("pipelines/")}
    assert entries.whole is None


@pytest.fixture
def r(filled: Repo) -> Repo:
    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    filled.write("deals/2026-10/acme-crm.yaml", replaced(deal.read_text(), "acme-erp", "acme-crm"))
    filled.commit()
    return filled


def test_every_state_of_the_index(r: Repo, tmp_path: Path) -> None:
    root, cache = r.root, tmp_path / "head-files.cache"
    deals = sorted(root.glob("deals/*/*.yaml"))
    assert len(deals) >= 2
    base = both(root, cache)
    # modified, added, deleted, an intent to add, a file turned into a link: all staged
    deals[0].write_text(deals[0].read_text() + "# staged edit\n")
    new = root / "deals" / deals[0].parent.name / "brand-new.yaml"
    new.write_text(replaced(deals[0].read_text(), deals[0].stem, "brand-new"))
    r.git("add", "--", str(deals[0]), str(new))
    r.git("rm", "-q", "--cached", "--", str(deals[1]))
    later = root / "leads" / "later.yaml"
    later.parent.mkdir(exist_ok=True)
    later.write_text("id: later\n")
    r.git("add", "-N", "--", str(later))
    account = next(root.glob("accounts/*/*.yaml"))
    account.unlink()
    account.symlink_to(deals[0])
    r.git("add", "--", str(account))
    after = both(root, cache)
    assert after[str(account.relative_to(root))][0] == "120000"
    assert after != base and str(deals[1].relative_to(root)) not in after
    # an unstaged edit changes nothing
    deals[0].write_text("not staged\n")
    assert both(root, cache) == after
    # committed: HEAD moved, the cache follows it
    r.git("commit", "-qm", "staged changes")
    assert both(root, cache) == index_entries(root, SPECS)[0]
    # another index file, as `git commit -a` and partial commits give the hook
    env = {**os.environ, "GIT_INDEX_FILE": str(tmp_path / "other-index")}
    subprocess.run(["git", "read-tree", "HEAD~1"], cwd=root, env=env, check=True)
    os.environ["GIT_INDEX_FILE"] = env["GIT_INDEX_FILE"]
    try:
        assert both(root, cache) == base
    finally:
        del os.environ["GIT_INDEX_FILE"]


def test_a_damaged_cache_is_listed_again(r: Repo, tmp_path: Path) -> None:
    cache = tmp_path / "head-files.cache"
    expected = both(r.root, cache)
    import marshal

    from salescli.services.staged import CACHE_VERSION

    gone = [CACHE_VERSION, "0" * 40, SPECS, {"deals/x.yaml": ("100644", "0" * 40)}]
    for junk in (b"", b"garbage", b"\x00" * 40, marshal.dumps(gone)):
        cache.write_bytes(junk)
        assert index_entries(r.root, SPECS, cache)[0] == expected


def test_the_files_of_head_follow_it_by_tree_diffs(r: Repo, tmp_path: Path) -> None:
    """After each commit, a reset back and a branch switch: the cached files of the
    commit before plus git diff-tree are the files of the new one."""
    cache = tmp_path / "head-files.cache"
    both(r.root, cache)
    deal = sorted(r.root.glob("deals/*/*.yaml"))[0]
    for n in range(3):
        deal.write_text(deal.read_text() + f"# commit {n}\n")
        r.write(f"leads/2026-10/lead-{n}.yaml", f"id: lead-{n}\n")
        r.commit(f"commit {n}")
        both(r.root, cache)
    r.git("reset", "-q", "--hard", "HEAD~2")
    both(r.root, cache)
    r.git("checkout", "-qb", "other")
    r.git("rm", "-q", "--", str(deal))
    r.commit("deal gone")
    assert str(deal.relative_to(r.root)) not in both(r.root, cache)


def test_a_merge_conflict_lists_the_stages(r: Repo, tmp_path: Path) -> None:
    root = r.root
    deal = sorted(root.glob("deals/*/*.yaml"))[0]
    text = deal.read_text()
    r.git("checkout", "-qb", "other")
    deal.write_text(replaced(text, "status: open", "status: open\n# other"))
    r.git("commit", "-qam", "other")
    r.git("checkout", "-q", "-")
    deal.write_text(replaced(text, "status: open", "status: open\n# mine"))
    r.git("commit", "-qam", "mine")
    merged = subprocess.run(["git", "-c", "merge.salescli.driver=false", "merge", "other"],
                            cwd=root, capture_output=True)
    assert merged.returncode != 0
    both(root, tmp_path / "head-files.cache")


def test_no_commit_yet(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "deals").mkdir()
    (root / "deals" / "x.yaml").write_text("id: x\n")
    subprocess.run(["git", "add", "deals"], cwd=root, check=True)
    assert list(both(root, tmp_path / "head-files.cache")) == ["deals/x.yaml"]


def test_a_pipeline_in_a_folder_of_a_bigger_repository(tmp_path: Path) -> None:
    """salescli.yaml in `crm/` of a monorepo: git prints paths from the top unless asked."""
    from salescli.services.init import init_repository

    top = existing_project(tmp_path / "mono")
    init_repository(top / "crm", "default")
    r = Repo(top / "crm")
    r.write("deals/2026-10/x.yaml", "id: x\n")
    r.write("deals/2026-10/y.yaml", "id: y\n")
    r.commit()
    cache = tmp_path / "head-files.cache"
    base = both(r.root, cache)
    assert "deals/2026-10/x.yaml" in base
    r.write("deals/2026-10/x.yaml", "id: x\nstatus: maybe\n")
    r.git("add", "deals")
    r.git("rm", "-q", "--cached", "deals/2026-10/y.yaml")
    after = both(r.root, cache)
    assert after["deals/2026-10/x.yaml"] != base["deals/2026-10/x.yaml"]
    assert "deals/2026-10/y.yaml" not in after


def test_one_git_reads_every_blob_of_a_check(r: Repo) -> None:
    """The hook's blobs come from one `git cat-file --batch`, asked again and again:
    a request longer than a pipe holds neither blocks nor mixes answers, a missing
    object is one clear error, and closing ends the process."""
    from salescli.core.errors import SalescliError
    from salescli.store.gitio import CatFile

    texts = [f"blob {n}\n".encode() * (n % 7 + 1) for n in range(3000)]
    for n, text in enumerate(texts):
        (r.root / f"b{n}").write_bytes(text)
    shas = subprocess.run(["git", "hash-object", "-w", "--stdin-paths"], cwd=r.root,
                          input="".join(f"b{n}\n" for n in range(len(texts))), text=True,
                          capture_output=True, check=True).stdout.split()
    reader = CatFile(r.root, lambda sha: f"object {sha} is missing; run `git fsck` first")
    try:
        assert reader.read(shas) == dict(zip(shas, texts, strict=True))
        first = reader.stream.proc
        assert reader.read(shas[:2]) == {shas[0]: texts[0], shas[1]: texts[1]}
        assert reader.stream.proc is first  # the same process answered again
        with pytest.raises(SalescliError, match=f"object {'0' * 40} is missing; run `git fsck`"):
            reader.read(["0" * 40])
        assert first.returncode is not None  # ended: its unread answers would mix
        assert reader.read(shas[:1]) == {shas[0]: texts[0]}  # a new one answers
        second = reader.stream.proc
    finally:
        reader.close()
    assert second.returncode is not None
