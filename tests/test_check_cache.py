"""A repeated `check` answers from its cache, and never when a checked file changed."""

from __future__ import annotations

from conftest import Repo

DEAL = "deals/2026-10/acme-erp.yaml"


def age(repo: Repo, monkeypatch) -> None:
    """Make every file look written a minute ago, as in a repository at rest.

    utime cannot set a change time back, and the cache trusts only files whose mtime
    and ctime both settled: the racy window is closed, as a minute's rest would.
    """
    import os
    import time

    monkeypatch.setattr("salescli.services.checkcache.FRESH_NS", 0)

    past = time.time() - 60
    for folder, _, files in os.walk(repo.root):
        if ".git" not in folder.split(os.sep):
            for name in [*files, "."]:  # folders too: check stamps quotes/ and templates/
                os.utime(os.path.join(folder, name), (past, past))


def check(repo: Repo, *args: str) -> tuple[int, str]:
    r = repo.run("check", "--format", "json", *args)
    return r.exit_code, r.output


def test_an_unchanged_repository_is_answered_from_the_cache(filled: Repo, monkeypatch):
    cache = filled.root / ".git" / "salescli" / "check.cache"
    first = check(filled)
    assert not cache.exists()  # just written: not trusted to a cache yet
    age(filled, monkeypatch)
    first = check(filled)
    assert first[0] == 0 and cache.exists()
    assert check(filled) == first
    # a cached answer is the same answer: prove it was used by planting a finding
    import marshal

    key, docs, rows = marshal.loads(cache.read_bytes())
    rows.append((DEAL, 1, 1, "error", "planted", "from the cache"))
    cache.write_bytes(marshal.dumps((key, docs, rows)))
    assert "from the cache" in check(filled)[1]
    assert "from the cache" not in check(filled, "--no-cache")[1]


def test_any_change_to_a_checked_file_is_checked_again(filled: Repo, monkeypatch):
    age(filled, monkeypatch)
    assert check(filled)[0] == 0
    path = filled.root / DEAL
    path.write_text(path.read_text().replace("stage: needs-analysis", "stage: nowhere"))
    code, out = check(filled)
    assert code == 1 and "nowhere" in out
    path.write_text(path.read_text().replace("stage: nowhere", "stage: needs-analysis"))
    assert check(filled)[0] == 0
    filled.write("deals/2026-10/broken.yaml", "id: broken\n: :\n")  # a new file
    assert check(filled)[0] == 1
    (filled.root / "deals/2026-10/broken.yaml").unlink()
    assert check(filled)[0] == 0
    settings = filled.root / "salescli.yaml"
    settings.write_text(settings.read_text() + "currency: 12\n")
    assert check(filled)[0] == 1


def test_a_damaged_cache_is_ignored(filled: Repo, monkeypatch):
    age(filled, monkeypatch)
    first = check(filled)
    (filled.root / ".git" / "salescli" / "check.cache").write_bytes(b"\x00garbage")
    assert check(filled) == first


def test_a_same_size_edit_in_the_same_clock_tick_is_never_missed(filled: Repo):
    path = filled.root / DEAL
    assert check(filled)[0] == 0
    # same length, written at once: only the freshness rule can tell
    path.write_text(path.read_text().replace("stage: needs-analysis", "stage: needs-analysiz"))
    assert check(filled)[0] == 1
