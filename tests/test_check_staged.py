"""`check --staged` re-validates only what changed, and says exactly what `check` of
the staged files says (the reference: check run on git's index checked out)."""

import os
import tempfile
import time
from pathlib import Path

import pytest
from conftest import replaced

from salescli.services.check import run_check
from salescli.services.staged import check_staged
from salescli.store import runtime
from salescli.store.gitio import git
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import PIPELINES_DIR
from salescli.store.repo import PRODUCTS_FILE
from salescli.store.repo import SETTINGS_FILE

ACCOUNT2 = """
id: beta-oy
name: Beta Oy
business_id: 1234567-8
parent: acme-oy
contacts:
  - {id: sara, name: Sara Beta, email: matti.virtanen@acme.fi, role: champion}
"""


def export_index(root: Path, dest: Path, pathspecs: list[str]) -> Path:
    """The staged (index) version of the files under `pathspecs`, copied into `dest`:
    the folder in `dest` that stands for `root` (git writes paths from the top level).
    Honours GIT_INDEX_FILE, as a pre-commit hook's `git commit` does."""
    prefix = git(root, "rev-parse", "--show-prefix").stdout.strip()
    files = git(root, "ls-files", "-z", "--", *pathspecs).stdout
    if files:
        git(root, "checkout-index", "-z", "--stdin", f"--prefix={dest}/", input=files)
    return dest / prefix if prefix else dest


def reference(root: Path) -> list:
    specs = [SETTINGS_FILE, PRODUCTS_FILE, PIPELINES_DIR, *KIND_DIRS.values()]
    with tempfile.TemporaryDirectory() as tmp:
        return run_check(export_index(root, Path(tmp), specs))


def same(filled) -> list:
    """check_staged, cold and then from its cache, equals the reference."""
    root, git_dir = filled.root, filled.root / ".git"
    want = reference(root)
    assert check_staged(root, git_dir, use_cache=False) == want
    assert check_staged(root, git_dir) == want  # fills or uses the cache
    assert check_staged(root, git_dir) == want  # from the cache
    return want


def stage(filled, rel: str, text: str | None) -> None:
    if text is None:
        filled.git("rm", "-q", "--cached", "--", rel)
    else:
        filled.write(rel, text)
        filled.git("add", "--", rel)


def test_each_change_is_seen_from_the_cache(filled):
    deal = "deals/2026-10/acme-erp.yaml"
    text = (filled.root / deal).read_text()
    assert same(filled) == []
    stage(filled, deal, replaced(text, "stage: needs-analysis", "stage: nowhere"))
    assert [d.code for d in same(filled)] == ["unknown-stage"]
    stage(filled, deal, text)  # back: the old entry holds again
    assert same(filled) == []
    # the account goes: the deal that names it is checked again, though unchanged
    stage(filled, "accounts/2026-10/acme-oy.yaml", None)
    assert {d.code for d in same(filled)} == {"unknown-account"}
    filled.git("reset", "-q")
    # the account loses the deal's stakeholder: the deal's diagnostics change
    account = (filled.root / "accounts/2026-10/acme-oy.yaml").read_text()
    stage(filled, "accounts/2026-10/acme-oy.yaml",
          replaced(account, "id: matti-virtanen", "id: someone-else"))
    assert "unknown-contact" in {d.code for d in same(filled)}
    filled.git("reset", "-q")
    # across files: a duplicate business ID and e-mail, a parent cycle
    stage(filled, "accounts/2026-10/beta-oy.yaml", ACCOUNT2)
    assert {d.code for d in same(filled)} == {"duplicate"}
    stage(filled, "accounts/2026-10/acme-oy.yaml", account + "parent: beta-oy\n")
    assert "parent-cycle" in {d.code for d in same(filled)}


def test_configuration_and_unusual_files(filled):
    settings = (filled.root / SETTINGS_FILE).read_text()
    deal = "deals/2026-10/acme-erp.yaml"
    text = (filled.root / deal).read_text()
    stage(filled, deal, replaced(text, "owner: anna", "owner: nobody-known"))
    same(filled)
    owners = next(line for line in settings.splitlines() if line.startswith("owners:"))
    stage(filled, SETTINGS_FILE, replaced(settings, owners, "owners: [anna]"))  # another one
    assert "unknown-owner" in {d.code for d in same(filled)}
    stage(filled, "deals/2026-10/broken.yaml", "id: [unclosed\n")
    stage(filled, "deals/misplaced.yaml", text)
    stage(filled, "deals/2026-10/Acme-Erp.yaml", text)
    os.symlink("acme-erp.yaml", filled.root / "deals/2026-10/linked.yaml")
    filled.git("add", "--", "deals/2026-10/linked.yaml")
    same(filled)
    stage(filled, SETTINGS_FILE, None)
    same(filled)


def test_the_work_tree_does_not_count(filled):
    """Only what is staged: an unstaged broken edit is not reported."""
    (filled.root / "deals/2026-10/acme-erp.yaml").write_text("id: [unclosed\n")
    assert same(filled) == []


@pytest.mark.parametrize("damage", [b"", b"garbage", b"\x00" * 100])
def test_a_damaged_cache_is_only_recomputed(filled, damage):
    same(filled)
    (filled.root / ".git" / "salescli" / "staged.cache").write_bytes(damage)
    same(filled)


@pytest.mark.parametrize("damage", ["empty", "garbage", "zeros", "truncated", "half"])
def test_damaged_facts_are_written_again(filled, damage):
    """The last answer's facts (staged.sqlite) damaged anyhow: the full way, never a
    traceback or a wrong answer, and the next run starts from the facts written again."""
    facts = filled.root / ".git" / "salescli" / "staged.sqlite"
    account = "accounts/2026-10/acme-oy.yaml"
    text = (filled.root / account).read_text()
    same(filled)
    data = facts.read_bytes()
    facts.write_bytes({"empty": b"", "garbage": b"garbage" * 1000, "zeros": bytes(len(data)),
                       "truncated": data[:4096], "half": data[:len(data) // 2]
                       + bytes(len(data) - len(data) // 2)}[damage])
    stage(filled, account, replaced(text, "id: matti-virtanen", "id: someone-else"))
    assert "unknown-contact" in {d.code for d in same(filled)}
    stage(filled, account, text)
    assert same(filled) == []


def test_facts_locked_by_another_check(filled, monkeypatch):
    """Another process writing the facts: this check answers right and leaves them be."""
    import sqlite3

    from salescli.store import facts as facts_module

    monkeypatch.setattr(facts_module, "TIMEOUT", 0.05)
    account = "accounts/2026-10/acme-oy.yaml"
    text = (filled.root / account).read_text()
    same(filled)
    other = sqlite3.connect(filled.root / ".git" / "salescli" / "staged.sqlite",
                            isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        stage(filled, account, replaced(text, "id: matti-virtanen", "id: someone-else"))
        want = reference(filled.root)
        assert "unknown-contact" in {d.code for d in want}
        assert check_staged(filled.root, filled.root / ".git") == want
        assert check_staged(filled.root, filled.root / ".git") == want
    finally:
        other.execute("ROLLBACK")
        other.close()
    stage(filled, account, text)
    assert same(filled) == []


# --------------------------------------------------------------- the work tree


def same_on_disk(filled, monkeypatch) -> list:
    """check_work_tree, cold and from its memo, equals a full check of the files."""
    from salescli.services import staged

    monkeypatch.setattr(staged, "FRESH_NS", 0)  # the test's files are all this instant's
    root, git_dir = filled.root, filled.root / ".git"
    want = run_check(root)
    assert staged.check_work_tree(root, git_dir, use_cache=False) == want
    assert staged.check_work_tree(root, git_dir) == want
    assert staged.check_work_tree(root, git_dir) == want
    return want


def test_work_tree_changes_are_seen_from_the_memo(filled, monkeypatch):
    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    account = filled.root / "accounts/2026-10/acme-oy.yaml"
    text, account_text = deal.read_text(), account.read_text()
    assert same_on_disk(filled, monkeypatch) == []
    deal.write_text(replaced(text, "stage: needs-analysis", "stage: nowhere"))
    assert [d.code for d in same_on_disk(filled, monkeypatch)] == ["unknown-stage"]
    deal.write_text(text)
    account.write_text(replaced(account_text, "id: matti-virtanen", "id: someone-else"))
    assert "unknown-contact" in {d.code for d in same_on_disk(filled, monkeypatch)}
    account.unlink()
    assert "unknown-account" in {d.code for d in same_on_disk(filled, monkeypatch)}
    filled.write("accounts/2026-10/acme-oy.yaml", account_text)
    filled.write("accounts/2026-10/beta-oy.yaml", ACCOUNT2)
    assert {d.code for d in same_on_disk(filled, monkeypatch)} == {"duplicate"}
    os.symlink("../deals", filled.root / "quotes" / "linked")  # documents: never a link
    assert "symlink" in {d.code for d in same_on_disk(filled, monkeypatch)}
    settings = (filled.root / SETTINGS_FILE).read_text()
    owners = next(line for line in settings.splitlines() if line.startswith("owners:"))
    (filled.root / SETTINGS_FILE).write_text(replaced(settings, owners, "owners: [nobody]"))
    assert "unknown-owner" in {d.code for d in same_on_disk(filled, monkeypatch)}


def test_a_file_changed_this_instant_is_never_kept(filled):
    """Without the test's override: a file written in the last two seconds is read again
    every run (it could change again within the same clock tick, same size)."""
    from salescli.services.staged import check_work_tree

    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    git_dir = filled.root / ".git"
    assert check_work_tree(filled.root, git_dir) == []
    text = deal.read_text()
    deal.write_text(replaced(text, "stage: needs-analysis", "stage: nowhere"))
    assert [d.code for d in check_work_tree(filled.root, git_dir)] == ["unknown-stage"]
    deal.write_text(replaced(text, "stage: needs-analysis", "stage: nowhera"))  # same size
    assert [d.message for d in check_work_tree(filled.root, git_dir)][0].startswith(
        "stage `nowhera`")


def test_a_deal_changed_this_instant_is_read_alone_and_not_kept(filled, monkeypatch):
    """`check` right after an edit (a script that writes, then checks) reads the deal
    alone, and does not start the next run from that answer: the file may change
    again within the same clock tick, same size."""
    from salescli.services import staged

    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    git_dir = filled.root / ".git"
    # a shorter window than git's, so that the fixture's files are past it in a test
    monkeypatch.setattr(staged, "FRESH_NS", 500_000_000)
    time.sleep(0.6)
    assert staged.check_work_tree(filled.root, git_dir) == []
    full = []
    every_entry = staged.Snapshot.every_entry
    monkeypatch.setattr(staged.Snapshot, "every_entry",
                        lambda self: full.append(1) or every_entry(self))
    text = deal.read_text()
    for stage in ("nowhere", "nowhera", "needs-analysis"):  # the same size, twice
        deal.write_text(replaced(text, "stage: needs-analysis", f"stage: {stage}"))
        assert staged.check_work_tree(filled.root, git_dir) == run_check(filled.root)
        assert full == []


def test_only_deals_changed_since_the_last_run(filled):
    """The quick way (the last answer with the changed deals' diagnostics replaced)
    gives what a full check gives, whatever the deal now names."""
    deal = "deals/2026-10/acme-erp.yaml"
    text = (filled.root / deal).read_text()
    stage(filled, "deals/2026-10/other.yaml", replaced(text, "acme-erp", "other"))
    same(filled)
    for edited in (replaced(text, "account: acme-oy", "account: nobody-oy"),
                   replaced(text, "contact: matti-virtanen", "contact: someone-else"),
                   replaced(text, "stage: needs-analysis", "stage: proposal"),
                   replaced(text, "owner: anna", "owner: [anna]"),
                   text, "id: [unclosed\n", text):
        stage(filled, deal, edited)
        assert check_staged(filled.root, filled.root / ".git") == reference(filled.root)


def test_second_review_findings(filled, monkeypatch):
    """A record folder swapped for a link and back, a dangling price list link, and a
    link deep under quotes/: check says what a full check says, cached or not."""
    from salescli.services.checkcache import cached_check

    root, git_dir = filled.root, filled.root / ".git"
    assert same_on_disk(filled, monkeypatch) == []
    deals = root / "deals"
    moved = root.parent / "deals-elsewhere"
    deals.rename(moved)
    os.symlink(moved, deals)
    assert "symlink" in {d.code for d in same_on_disk(filled, monkeypatch)}
    deals.unlink()
    deals.mkdir()
    assert same_on_disk(filled, monkeypatch) == run_check(root)
    (root / "products.yaml").unlink(missing_ok=True)
    os.symlink("nowhere.yaml", root / "products.yaml")
    assert same_on_disk(filled, monkeypatch) == run_check(root)
    # check's result cache: a link two folders down under quotes/
    (root / "products.yaml").unlink()
    folder = root / "quotes" / "acme-erp"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Q-1.md").write_text("quote\n")
    monkeypatch.setattr("salescli.services.checkcache.FRESH_NS", 0)
    assert cached_check(root, git_dir) == run_check(root)
    (folder / "Q-1.md").unlink()
    os.symlink("/etc/hostname", folder / "Q-1.md")
    assert cached_check(root, git_dir) == run_check(root) != []


def test_many_files_are_checked_on_every_core_alike(filled, monkeypatch):
    """Without a memo (a first run) the files are validated by forked workers when
    there are many: the same answer as one process, for the work tree and the index."""
    from salescli.services import staged

    monkeypatch.setattr(runtime, "PARALLEL_FROM", 2)
    monkeypatch.setattr(runtime, "CHUNK", 1)
    filled.write("accounts/2026-10/beta-oy.yaml", ACCOUNT2)
    deal = (filled.root / "deals/2026-10/acme-erp.yaml").read_text()
    for n in range(4):
        filled.write(f"deals/2026-10/d{n}.yaml", replaced(
            replaced(deal, "acme-erp", f"d{n}"),
            "stage: needs-analysis", "stage: nowhere" if n % 2 else "stage: needs-analysis"))
    filled.git("add", "-A")
    assert check_staged(filled.root, filled.root / ".git", use_cache=False) \
        == reference(filled.root)
    assert staged.check_work_tree(filled.root, filled.root / ".git", use_cache=False) \
        == run_check(filled.root)


def test_commits_between_runs(filled):
    """The pre-commit hook's life: a run before each commit, HEAD moved on (or back)
    since the last one. The last run keeps only HEAD and what was staged on it; each
    answer still equals the reference, whatever moved where."""
    root, git_dir = filled.root, filled.root / ".git"
    deal = "deals/2026-10/acme-erp.yaml"
    text = (root / deal).read_text()
    other = "deals/2026-10/other.yaml"
    stage(filled, other, replaced(text, "acme-erp", "other"))
    filled.git("commit", "-qm", "other")

    def hook() -> None:
        assert check_staged(root, git_dir) == reference(root)

    hook()
    steps = [
        (deal, replaced(text, "stage: needs-analysis", "stage: nowhere")),  # an error...
        (deal, text),                                  # ...committed, then fixed
        (other, replaced(replaced(text, "acme-erp", "other"), "owner: anna", "owner: [anna]")),
        (deal, replaced(text, "owner: anna", "owner: nobody-known")),
        (other, None),                                 # a file goes
        (other, replaced(text, "acme-erp", "other")),    # and comes back
    ]
    for rel, new in steps:
        stage(filled, rel, new)
        hook()
        filled.git("commit", "-qm", f"edit {rel}")
        hook()  # nothing staged on the new HEAD
    # HEAD back and sideways: a soft reset keeps the index, an amend replaces HEAD
    filled.git("reset", "-q", "--soft", "HEAD~2")
    hook()
    stage(filled, deal, replaced(text, "stage: needs-analysis", "stage: proposal"))
    hook()
    filled.git("commit", "-q", "--amend", "-m", "amended")
    hook()
    filled.git("reset", "-q", "--hard", "HEAD~3")
    hook()
    stage(filled, deal, replaced(text, "stage: needs-analysis", "stage: nowhere"))
    hook()


def test_a_commit_the_hook_never_saw(filled):
    """`git commit --no-verify` (or any commit no run preceded): what HEAD gained since
    the last run counts, though nothing is staged on either side."""
    root, git_dir = filled.root, filled.root / ".git"
    deal = "deals/2026-10/acme-erp.yaml"
    text = (root / deal).read_text()
    assert check_staged(root, git_dir) == reference(root) == []
    stage(filled, deal, replaced(text, "stage: needs-analysis", "stage: nowhere"))
    filled.git("commit", "-qm", "unchecked")  # no run between
    assert [d.code for d in check_staged(root, git_dir)] == ["unknown-stage"]
    filled.git("reset", "-q", "--hard", "HEAD~1")  # and back, no run between either
    filled.git("commit", "-q", "--allow-empty", "-m", "empty")
    assert check_staged(root, git_dir) == reference(root) == []


def test_an_edit_of_a_deal_never_reads_head_whole(filled, monkeypatch):
    """The hook before each commit of an edited deal (a stage moved too) reads the few
    files it needs: the files of HEAD (3 MB on 10,000 deals) are neither listed nor read
    from their cache."""
    from salescli.services import staged

    root, git_dir = filled.root, filled.root / ".git"
    deal = "deals/2026-10/acme-erp.yaml"
    text = (root / deal).read_text()
    assert check_staged(root, git_dir) == reference(root)  # the first run lists them
    whole = []
    monkeypatch.setattr(staged, "_head_entries", lambda *a: whole.append(a) or {})
    for n, edit in enumerate(("# one\n", "stage: nowhere\n", "# three\n", "stage: proposal\n")):
        stage(filled, deal, text + edit if n % 2 == 0 else replaced(
            text, "stage: needs-analysis", edit.strip()))
        found = check_staged(root, git_dir, transitions=True)
        assert whole == []
        # as when the index is listed whole (no cache): a move by hand is judged with the
        # account's contacts, its file looked up alone
        assert found == check_staged(root, git_dir, use_cache=False, transitions=True)
        assert set(reference(root)) <= set(found)
        assert ("lifecycle" in {d.code for d in found}) == (n == 3)
        filled.git("commit", "-qm", f"edit {n}")


def test_an_account_edit_reads_its_deals_at_once(filled, monkeypatch):
    """The hook of a commit that edits an account reads the account and the deals that
    name it, looked up in HEAD by one git, never HEAD's files whole; past QUICK_LIMIT
    changed files it goes the full way. The answer is a full check's either way."""
    from salescli.services import staged
    from salescli.store import gitio

    root, git_dir = filled.root, filled.root / ".git"
    deal = (root / "deals/2026-10/acme-erp.yaml").read_text()
    for n in range(5):
        stage(filled, f"deals/2026-10/erp-{n}.yaml", replaced(deal, "acme-erp", f"erp-{n}"))
    filled.git("commit", "-qm", "deals")
    assert check_staged(root, git_dir) == reference(root)
    whole, trees = [], []
    head_entries = staged._head_entries
    monkeypatch.setattr(staged, "_head_entries",
                        lambda *a: whole.append(a) or head_entries(*a))
    git = gitio.git
    monkeypatch.setattr(gitio, "git", lambda cwd, *args, **kw: (
        trees.append(args) if args[0] == "ls-tree" else None) or git(cwd, *args, **kw))
    account = "accounts/2026-10/acme-oy.yaml"
    text = (root / account).read_text()
    stage(filled, account, replaced(text, "id: matti-virtanen", "id: someone-else"))
    found = check_staged(root, git_dir)
    assert found == reference(root)
    assert {d.path for d in found if d.code == "unknown-contact"} == {
        "deals/2026-10/acme-erp.yaml", *(f"deals/2026-10/erp-{n}.yaml" for n in range(5))}
    assert whole == [] and len(trees) == 1
    monkeypatch.setattr(staged, "QUICK_LIMIT", 1)
    stage(filled, account, text)
    stage(filled, "deals/2026-10/erp-0.yaml", deal)  # (another ID: an error)
    assert check_staged(root, git_dir) == reference(root)
    assert whole  # the full way


def test_duplicates_of_a_lead_edit_are_located_at_once(filled, monkeypatch):
    """A lead sharing an e-mail with others, edited: the duplicate warnings of the files
    it shares it with are located from texts looked up in HEAD by one git."""
    from conftest import beta_lead

    from salescli.store import gitio

    root, git_dir = filled.root, filled.root / ".git"
    for n in range(6):
        beta_lead(filled, id=f"lead-{n}", company=f"Company {n}")
    filled.git("add", "leads")
    filled.git("commit", "-qm", "leads")
    assert check_staged(root, git_dir) == reference(root)
    trees = []
    git = gitio.git
    monkeypatch.setattr(gitio, "git", lambda cwd, *args, **kw: (
        trees.append(args) if args[0] == "ls-tree" else None) or git(cwd, *args, **kw))
    rel = "leads/2026-10/lead-0.yaml"
    stage(filled, rel, "# first\n" + (root / rel).read_text())
    found = check_staged(root, git_dir)
    assert found == reference(root)
    assert {d.path for d in found if d.code == "duplicate"} == {
        f"leads/2026-10/lead-{n}.yaml" for n in range(6)}
    assert len(trees) == 1


LEAD = """
id: beta-lead
company: Beta Oy
status: qualified
created: 2026-10-02
converted: {account: acme-oy, deal: beta-erp}
"""


@pytest.mark.parametrize("where", ["index", "work tree"])
def test_deals_that_come_since_the_last_run(filled, monkeypatch, where):
    """A deal file that comes (`deal add`, each commit that adds one) is checked alone
    (with a lead that names it), unless its ID or name can change what another file
    says of its place or name: taken by another deal, or next to a file whose name
    folds to its own. Either way the answer is a full check's."""
    from salescli.services import staged

    monkeypatch.setattr(staged, "FRESH_NS", 0)  # the test's files are all this instant's
    root, git_dir = filled.root, filled.root / ".git"
    text = (root / "deals/2026-10/acme-erp.yaml").read_text()
    full = []
    every_entry = staged.Snapshot.every_entry
    monkeypatch.setattr(staged.Snapshot, "every_entry",
                        lambda self: full.append(1) or every_entry(self))

    def check() -> list:
        if where == "index":
            return check_staged(root, git_dir)
        return staged.check_work_tree(root, git_dir)

    def add(rel: str, body: str, alone: bool) -> None:
        full.clear()
        filled.write(rel, body)
        filled.git("add", "--", rel)
        assert check() == (reference(root) if where == "index" else run_check(root)), rel
        assert (full == []) == alone, rel

    stage(filled, "leads/2026-10/beta-lead.yaml", LEAD)
    assert "unknown-deal" in {d.code for d in check()}
    deal = replaced(text, "id: acme-erp", "id: new-erp")
    add("deals/2026-10/new-erp.yaml", deal, True)
    add("deals/2026-11/next-erp.yaml", replaced(deal, "new-erp", "next-erp")
        .replace("account: acme-oy", "account: nobody-oy"), True)
    add("deals/2026-10/other.yaml", "id: [unclosed\n", True)
    # the lead's deal comes: the lead is checked again, and its diagnostic goes
    add("deals/2026-10/beta-erp.yaml", replaced(deal, "new-erp", "beta-erp"), True)
    add("deals/2026-11/new-erp.yaml", deal, False)  # another deal's ID
    add("deals/2026-10/again.yaml", replaced(deal, "new-erp", "again"), False)
    add("deals/misplaced.yaml", deal, False)
    add("deals/2026-10/Bad_Id.yaml", deal, False)
    add("deals/2026-10/later.yaml", replaced(deal, "new-erp", "later"), False)  # ^ said so
    filled.git("rm", "-q", "--cached", "deals/misplaced.yaml", "deals/2026-10/Bad_Id.yaml",
               "deals/2026-11/new-erp.yaml")
    for rel in ("deals/misplaced.yaml", "deals/2026-10/Bad_Id.yaml",
                "deals/2026-11/new-erp.yaml"):
        (root / rel).unlink()
    check()
    add("deals/2026-10/bad-id.yaml", deal, True)
    add("deals/2026-10/New-Name.yaml", deal, False)
    add("deals/2026-10/new-name.yaml", replaced(deal, "new-erp", "new-name"), False)
    # an edit after those: as before, the deal alone
    add("deals/2026-10/new-erp.yaml", replaced(deal, "stage: needs-analysis",
                                               "stage: nowhere"), True)
    filled.git("rm", "-q", "--cached", "deals/2026-10/New-Name.yaml")
    (root / "deals/2026-10/New-Name.yaml").unlink()
    check()
    full.clear()
    os.symlink("bad-id.yaml", root / "deals/2026-10/linked.yaml")
    filled.git("add", "--", "deals/2026-10/linked.yaml")
    assert check() == (reference(root) if where == "index" else run_check(root))
    assert full
