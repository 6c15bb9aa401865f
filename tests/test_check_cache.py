"""A repeated `check` answers from its cache, and never when a checked file changed."""

from __future__ import annotations

from pathlib import Path

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


def issued_invoice(repo: Repo) -> tuple[Path, Path]:
    """(an invoice file, the deal that records it with its sha256)."""
    import hashlib

    invoice = repo.root / "invoices" / "2026" / "I-1.md"
    invoice.parent.mkdir(parents=True)
    invoice.write_text("# Invoice I-1\n")
    digest = hashlib.sha256(invoice.read_bytes()).hexdigest()
    path = repo.root / DEAL
    path.write_text(path.read_text() + (
        "invoices:\n- number: I-1\n  date: 2026-10-20\n  due: 2026-11-03\n"
        "  total: 100.00\n  vat: 25.50\n  currency: EUR\n"
        f"  file: invoices/2026/I-1.md\n  sha256: {digest}\n"))
    return invoice, path


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

    key, docs, links, rows = marshal.loads(cache.read_bytes())
    rows.append((DEAL, 1, 1, "error", "planted", "from the cache"))
    cache.write_bytes(marshal.dumps((key, docs, links, rows)))
    assert "from the cache" in check(filled)[1]
    assert "from the cache" not in check(filled, "--no-cache")[1]


def test_any_change_to_a_checked_file_is_checked_again(filled: Repo, monkeypatch):
    age(filled, monkeypatch)
    assert check(filled)[0] == 0
    filled.edit(DEAL, "stage: needs-analysis", "stage: nowhere")
    code, out = check(filled)
    assert code == 1 and "nowhere" in out
    filled.edit(DEAL, "stage: nowhere", "stage: needs-analysis")
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
    assert check(filled)[0] == 0
    # same length, written at once: only the freshness rule can tell
    filled.edit(DEAL, "stage: needs-analysis", "stage: needs-analysiz")
    assert check(filled)[0] == 1


def test_after_an_edit_the_kept_facts_are_used_and_still_right(filled: Repo, monkeypatch):
    """A check after an edit re-reads the edited record only: the document tree is not
    walked again while none of its folders changed, and the invoices each deal records
    are kept by the deal file's stat. Yet a link planted with the edit, and an invoice
    edited later, are found."""
    from salescli.services import checkcache

    invoice, path = issued_invoice(filled)
    (filled.root / "quotes" / "acme-erp").mkdir(parents=True)
    age(filled, monkeypatch)
    assert check(filled)[0] == 0
    walks = []
    real = checkcache.document_tree
    monkeypatch.setattr(checkcache, "document_tree", lambda root: walks.append(1) or real(root))
    # a record edit alone: no walk of the documents, the invoice still checked (and,
    # the edit taken as settled, what it records kept)
    monkeypatch.setattr("salescli.services.staged.FRESH_NS", 0)
    filled.edit(path, "title: ", "title: New ", 1)
    assert check(filled)[0] == 0 and walks == []
    invoice.write_text("# Invoice I-1, changed\n")
    from salescli.services import check as check_mod

    read = []
    real_read = check_mod._recorded_invoices
    monkeypatch.setattr(check_mod, "_recorded_invoices",
                        lambda root, rel: read.append(rel) or real_read(root, rel))
    code, out = check(filled)
    assert code == 1 and "invoice I-1 was changed after it was issued" in out
    assert walks == [] and read == []  # no deal file read: their invoices were kept
    invoice.write_text("# Invoice I-1\n")
    # an edit and a link in a quote folder at once: the folder changed, so it is walked
    filled.edit(path, "title: New ", "title: ", 1)
    (filled.root / "quotes" / "acme-erp" / "Q-1.md").symlink_to("/etc/hostname")
    code, out = check(filled)
    assert code == 1 and "quotes/acme-erp/Q-1.md" in out and "symbolic link" in out
    assert walks == [1]


def test_a_duplicate_deal_recording_invoices_is_told_alike(filled: Repo, monkeypatch):
    """A copy of a deal file in the wrong place is reported as misplaced, its invoices
    not checked: by the cached check as by the full one."""
    invoice, path = issued_invoice(filled)
    (filled.root / "deals" / "acme-erp.yaml").write_text(path.read_text())  # misplaced
    invoice.write_text("# Invoice I-1, changed\n")
    age(filled, monkeypatch)
    assert check(filled) == check(filled, "--no-cache")
    assert check(filled)[1].count("was changed after it was issued") == 1
