"""The write path every mutating command uses (SPEC §5), tested directly."""

from __future__ import annotations

import multiprocessing
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import DEAL
from conftest import Repo
from conftest import replaced

from salescli.core.errors import CommitFailed
from salescli.core.errors import RepositoryBusy
from salescli.core.errors import SalescliError
from salescli.store.gitio import Change
from salescli.store.gitio import RepoLock
from salescli.store.gitio import atomic_write
from salescli.store.gitio import author_date

DEAL_PATH = "deals/2026-10/acme-erp.yaml"


def change_value(repo: Repo, value: str, **kw) -> Change:
    path = repo.root / DEAL_PATH
    with Change(repo.repo, "deal", "acme-erp", f"value -> {value}", "set", **kw) as change:
        change.write(path, replaced(path.read_text(), "48000.00", value))
    return change


def test_commit_has_subject_trailer_and_exactly_its_paths(filled: Repo):
    (filled.root / "notes.txt").write_text("staged work\n")
    filled.git("add", "notes.txt")
    (filled.root / "salescli.yaml").write_text(
        (filled.root / "salescli.yaml").read_text() + "# unstaged edit\n")
    change = change_value(filled, "52000.00")
    assert filled.head().startswith(change.sha)
    assert filled.git("log", "-1", "--format=%s%n%n%b").strip() == (
        "deal(acme-erp): value -> 52000.00\n\nSalescli-Event: set")
    assert filled.git("show", "--name-only", "--format=", "HEAD").split() == [DEAL_PATH]
    # the user's other work is exactly as it was
    assert sorted(filled.status().splitlines()) == [" M salescli.yaml", "A  notes.txt"]


def test_message_and_author_date(filled: Repo):
    change_value(filled, "1.00", date="2026-06-30", message="Budget cut")
    assert filled.git("log", "-1", "--format=%aI").strip() == "2026-06-30T12:00:00+00:00"
    body = filled.git("log", "-1", "--format=%b")
    assert body.startswith("Budget cut\n\nSalescli-Event: set")


def test_author_date_forms():
    assert author_date("2026-01-02") == "2026-01-02T12:00:00+00:00"
    assert author_date("2026-01-02T08:30:00+02:00") == "2026-01-02T08:30:00+02:00"
    with pytest.raises(SalescliError, match='invalid date "2026-13-01"'):
        author_date("2026-13-01")


def test_new_file_is_added_and_committed(filled: Repo):
    path = filled.root / "deals/2026-11/new-deal.yaml"
    with Change(filled.repo, "deal", "new-deal", "add", "add") as change:
        change.write(path, replaced(DEAL, "acme-erp", "new-deal"))
    assert filled.git("show", "--name-status", "--format=", "HEAD").split() == [
        "A", "deals/2026-11/new-deal.yaml"]
    assert filled.status() == ""


def test_no_commit_leaves_the_change_in_the_work_tree(filled: Repo):
    before = filled.head()
    change_value(filled, "7.00", commit=False)
    assert filled.head() == before
    assert filled.status() == f" M {DEAL_PATH}\n"


@pytest.mark.parametrize("setup,message", [
    (lambda r: (r.root / DEAL_PATH).write_text(DEAL + "notes: mine\n"),
     f"{DEAL_PATH}: has uncommitted changes; commit or discard them first"),
    (lambda r: r.git("add", "-f", DEAL_PATH) if (r.root / DEAL_PATH).write_text(
        DEAL + "x: 1\n") else None,
     f"{DEAL_PATH}: has uncommitted changes"),
    (lambda r: (r.root / ".git" / "MERGE_HEAD").write_text(r.head()),
     "the repository is in the middle of a merge; finish it (resolve, `git add`, `git merge "
     "--continue`) or abort it (`git merge --abort`) first"),
    (lambda r: (r.root / ".git" / "rebase-merge").mkdir(),
     "the repository is in the middle of a rebase"),
])
def test_refusals_write_and_commit_nothing(filled: Repo, setup, message: str):
    setup(filled)
    before, files, status = filled.head(), filled.snapshot(), filled.status()
    with pytest.raises(SalescliError, match=re.escape(message)):
        change_value(filled, "1.00")
    assert (filled.head(), filled.snapshot(), filled.status()) == (before, files, status)


def test_committed_conflict_markers_are_refused(filled: Repo):
    (filled.root / DEAL_PATH).write_text(DEAL + "<<<<<<< HEAD\nnotes: a\n=======\n>>>>>>> b\n")
    filled.commit("oops, committed a conflict")
    before = filled.snapshot()
    with pytest.raises(SalescliError, match=f"{DEAL_PATH}:16: merge conflict markers"):
        change_value(filled, "1.00")
    assert filled.snapshot() == before


def test_rejecting_hook_restores_files_and_index(filled: Repo):
    hook = filled.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'error: pipeline frozen for the audit' >&2\nexit 1\n")
    hook.chmod(0o755)
    before, files = filled.head(), filled.snapshot()
    new = filled.root / "deals/2026-11/other.yaml"
    with pytest.raises(CommitFailed, match="pipeline frozen for the audit"):
        with Change(filled.repo, "deal", "acme-erp", "two files", "set") as change:
            change.write(filled.root / DEAL_PATH, replaced(DEAL, "48000.00", "1.00"))
            change.write(new, replaced(DEAL, "acme-erp", "other"))
    assert (filled.head(), filled.snapshot(), filled.status()) == (before, files, "")


def test_held_index_lock_gives_a_clear_error_and_is_left_alone(filled: Repo):
    lock = filled.root / ".git" / "index.lock"
    lock.write_text("someone else's\n")
    before = filled.snapshot()
    with pytest.raises(CommitFailed) as err:
        change_value(filled, "1.00")
    assert "index.lock" in str(err.value)
    assert str(err.value).startswith("commit failed, nothing changed: fatal: Unable to create")
    assert lock.read_text() == "someone else's\n"
    assert filled.snapshot() == before
    lock.unlink()
    assert filled.status() == ""


def test_an_error_inside_the_change_restores_files(filled: Repo):
    before, files = filled.head(), filled.snapshot()
    with pytest.raises(RuntimeError):
        with Change(filled.repo, "deal", "acme-erp", "x", "set") as change:
            change.write(filled.root / DEAL_PATH, "broken")
            change.write(filled.root / "deals/2026-12/n.yaml", "new")
            raise RuntimeError("validation failed after writing")
    assert (filled.head(), filled.snapshot()) == (before, files)


def test_lock_waits_then_fails_clearly(filled: Repo):
    with RepoLock(filled.repo.git_dir):
        with pytest.raises(RepositoryBusy, match="another salescli command is changing"):
            with RepoLock(filled.repo.git_dir, timeout=0.2):
                pass
    with RepoLock(filled.repo.git_dir, timeout=0.2):
        pass  # released


def test_atomic_write_leaves_no_temp_file_and_a_normal_mode(tmp_path: Path):
    target = tmp_path / "a" / "b.yaml"
    atomic_write(target, "x: 1\n")
    atomic_write(target, "x: 2\n")
    assert target.read_text() == "x: 2\n"
    assert os.listdir(target.parent) == ["b.yaml"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _parallel_writer(args: tuple[str, int]) -> str:
    root, n = args
    from salescli.store.repo import Repository

    repo = Repository(Path(root))
    path = repo.root / f"deals/2026-10/deal-{n}.yaml"
    with Change(repo, "deal", f"deal-{n}", "value", "set") as change:
        change.write(path, replaced(path.read_text(), "48000.00", f"{n}.00"))
    return change.sha


def test_six_parallel_writers_make_six_commits_of_one_file_each(filled: Repo):
    for n in range(6):
        filled.write(f"deals/2026-10/deal-{n}.yaml", replaced(DEAL, "acme-erp", f"deal-{n}"))
    filled.commit("six deals")
    base = filled.head()
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        shas = pool.map(_parallel_writer, [(str(filled.root), n) for n in range(6)])
    assert len(set(shas)) == 6
    log = filled.git("log", "--format=%H", f"{base}..HEAD").split()
    assert sorted(log) == sorted(shas)
    for sha in log:
        files = filled.git("show", "--name-only", "--format=", sha).split()
        assert len(files) == 1
        n = files[0].split("deal-")[1].split(".")[0]
        assert f"value: {n}.00" in filled.git("show", f"{sha}:{files[0]}")
    assert filled.status() == ""


def _write_hook(repo: Repo, name: str, body: str) -> None:
    hook = repo.root / ".git" / "hooks" / name
    hook.write_text(f"#!/bin/sh\n{body}\n")
    hook.chmod(0o755)


def _recorded(repo: Repo) -> tuple:
    """What a commit records, apart from its id and committer time."""
    return (repo.git("log", "-1", "--format=%T %P%n%an <%ae> %aI%n%B"),
            repo.git("reflog", "-1", "--format=%gs").strip(),
            sorted(repo.status().splitlines()))


@pytest.mark.parametrize("message", [None, "  Budget cut \n\n\n  second line  \n",
                                     "Äänekoski: budjetti 12 000 € 🙂"])
def test_direct_commit_records_what_git_commit_records(filled: Repo, tmp_path: Path,
                                                        message: str | None):
    # with a hook present salescli commits through `git commit --only`; without, it
    # writes the commit itself: the two must record the same thing
    twin = Repo(tmp_path / "twin")
    subprocess.run(["git", "clone", "-q", str(filled.root), str(twin.root)], check=True)
    for repo in (filled, twin):
        repo.git("config", "user.name", "Anna")
        repo.git("config", "user.email", "anna@example.com")
        (repo.root / "notes.txt").write_text("staged work\n")
        repo.git("add", "notes.txt")
    _write_hook(twin, "post-commit", "touch .git/post-commit-ran")
    for repo in (filled, twin):
        change_value(repo, "52000.00", date="2026-06-30", message=message)
    assert (twin.root / ".git" / "post-commit-ran").exists()
    assert not (filled.root / ".git" / "post-commit-ran").exists()
    assert _recorded(filled) == _recorded(twin)
    assert _recorded(filled)[1].startswith("commit: deal(acme-erp): value -> 52000.00")
    assert filled.git("for-each-ref", "refs/salescli").strip() == ""


@pytest.mark.parametrize("bare", [False, True])
def test_signing_configured_goes_through_git_commit(filled: Repo, bare: bool):
    if bare:  # `[commit] gpgsign` with no value: git reads it as true
        with open(filled.root / ".git" / "config", "a") as fh:
            fh.write("[commit]\n\tgpgsign\n")
    else:
        filled.git("config", "commit.gpgsign", "true")
    filled.git("config", "gpg.program", "false")  # signing fails: git commit was asked
    before, files = filled.head(), filled.snapshot()
    with pytest.raises(CommitFailed, match="gpg failed to sign"):
        change_value(filled, "1.00")
    assert (filled.head(), filled.snapshot(), filled.status()) == (before, files, "")


def test_direct_commit_refuses_when_head_moved_meanwhile(filled: Repo, monkeypatch):
    from salescli.store import gitio

    real, start = gitio.git, gitio.begin

    def racing(cwd, *args, **kw):  # someone commits between reading HEAD and moving it
        if args[:1] == ("fast-import",):  # another tool's commit, of HEAD's tree
            tree = real(cwd, "rev-parse", "HEAD^{tree}").stdout.strip()
            theirs = real(cwd, "commit-tree", tree, "-p", "HEAD", "-m", "theirs").stdout
            real(cwd, "update-ref", "HEAD", theirs.strip())
        return start(cwd, *args, **kw)

    monkeypatch.setattr(gitio, "begin", racing)
    files = filled.snapshot()
    with pytest.raises(CommitFailed, match="commit failed, nothing changed"):
        change_value(filled, "1.00")
    assert filled.git("log", "-1", "--format=%s").strip() == "theirs"
    assert filled.snapshot() == files and filled.status() == ""
    assert filled.git("for-each-ref", "refs/salescli").strip() == ""


def remove_stale_temps(root: Path, git_dir: Path) -> list[Path]:
    """The temp-file sweep of a mutating command that succeeds: its record saved."""
    from salescli.store.gitio import sweep_stale_temps

    sweep = sweep_stale_temps(root, git_dir / "salescli")
    sweep.save()
    return sweep.removed


def test_stale_temp_files_are_found_in_changed_folders_only(filled: Repo, monkeypatch):
    # a folder is listed again only when its ctime changed: any new file changes it
    import time

    from salescli.store import gitio

    later = time.time_ns() + 10_000_000_000  # every folder's change is old: recorded
    monkeypatch.setattr(gitio.time, "time_ns", lambda: later)
    root, git_dir = filled.root, filled.root / ".git"
    state = git_dir / "salescli" / "temps.scanned"
    assert remove_stale_temps(root, git_dir) == []
    assert "deals/2026-10" in state.read_text()
    os.utime(root / "deals/2026-10", ns=(0, 0))  # mtime can be set back; ctime cannot
    stale = [root / "deals/2026-10/.acme-erp.yaml.ab12cd34.tmp",
             root / "deals/.x.yaml.ab12cd34.tmp", root / "deals/2027-01/.y.yaml.ab12cd34.tmp"]
    (root / "deals/2027-01").mkdir()  # a new folder: its parent changed
    for path in stale:
        path.write_text("half\n")
    os.utime(root / "deals/2026-10", ns=(0, 0))
    assert sorted(remove_stale_temps(root, git_dir)) == sorted(stale)
    assert not any(p.exists() for p in stale)
    # a damaged record is only a cache: every folder is listed
    stale[0].write_text("half\n")
    state.write_bytes(b"\xff\x00garbage\n12 x\n")
    assert remove_stale_temps(root, git_dir) == [stale[0]]
    state.unlink()
    stale[0].write_text("half\n")
    assert remove_stale_temps(root, git_dir) == [stale[0]]


def test_folders_are_recorded_clean_only_when_their_change_is_old(filled: Repo, monkeypatch):
    import time

    from salescli.store import gitio

    root, git_dir = filled.root, filled.root / ".git"
    state = git_dir / "salescli" / "temps.scanned"
    remove_stale_temps(root, git_dir)
    # just changed (a coarse clock could give the next change the same time): recorded
    # without a stamp, to be listed again
    assert "0 0 deals/2026-10\n" in state.read_text()
    later = time.time_ns() + 10_000_000_000
    monkeypatch.setattr(gitio.time, "time_ns", lambda: later)
    remove_stale_temps(root, git_dir)
    recorded = {line.split(" ", 2)[2] for line in state.read_text().splitlines()}
    assert {"deals", "deals/2026-10", "accounts"} <= recorded


def test_a_recently_changed_folder_is_listed_while_its_parent_is_unchanged(filled: Repo,
                                                                          monkeypatch):
    import time

    from salescli.store import gitio

    root, git_dir = filled.root, filled.root / ".git"
    real = time.time_ns
    monkeypatch.setattr(gitio.time, "time_ns", lambda: real() + 10_000_000_000)
    remove_stale_temps(root, git_dir)  # every folder recorded clean
    monkeypatch.setattr(gitio.time, "time_ns", real)
    for name in (".a.yaml.ab12cd34.tmp", ".b.yaml.ab12cd34.tmp"):
        stale = root / "deals/2026-10" / name
        stale.write_text("half\n")  # the month folder changes; `deals` does not
        assert remove_stale_temps(root, git_dir) == [stale]


@pytest.mark.parametrize("packed", [False, True])
def test_a_dead_processs_commit_ref_is_swept_loose_or_packed(filled: Repo, packed: bool):
    # a command asks git for refs/salescli/commit-* only when the ref store may hold one
    from salescli.store.gitio import _may_hold_commit_refs

    git_dir = filled.root / ".git"
    assert not _may_hold_commit_refs(git_dir)
    filled.git("update-ref", "refs/salescli/import", filled.head())  # not a commit ref
    assert not _may_hold_commit_refs(git_dir)
    dead = subprocess.Popen(["true"])
    dead.wait()
    filled.git("update-ref", f"refs/salescli/commit-{dead.pid}", filled.head())
    if packed:
        filled.git("pack-refs", "--all")
        assert not list((git_dir / "refs/salescli").glob("commit-*"))
    assert _may_hold_commit_refs(git_dir)
    assert filled.run("deal", "set", "acme-erp", "value=5").exit_code == 0
    assert filled.git("for-each-ref", "--format=%(refname)", "refs/salescli/").split() == [
        "refs/salescli/import"]


def test_maintenance_is_left_to_git_when_it_may_have_work(filled: Repo, monkeypatch):
    from salescli.store import gitio
    from salescli.store.gitio import _maintenance_due
    from salescli.store.gitio import git_vars

    root, git_dir = filled.root, filled.root / ".git"
    assert not _maintenance_due(git_dir, git_vars(root))
    loose = git_dir / "objects" / "17"
    loose.mkdir(exist_ok=True)
    # empty stand-ins; the repository's own objects in 17/ (if its hashes put any
    # there) must survive, or the commands below find objects missing
    fakes = [loose / f"{n:038x}" for n in range(14)]
    for path in fakes:  # half of gc.auto's 6700 / 256, in git's own estimate
        path.write_bytes(b"")
    assert _maintenance_due(git_dir, git_vars(root))
    for path in fakes:
        path.unlink()
    (loose / f"{0:038x}").write_bytes(b"")
    assert not _maintenance_due(git_dir, git_vars(root))
    for key, value in (("gc.auto", "256"), ("gc.auto", "7k"),
                       ("maintenance.strategy", "incremental")):
        filled.git("config", key, value)
        assert _maintenance_due(git_dir, git_vars(root)), key
        filled.git("config", "--unset", key)
    (loose / f"{0:038x}").unlink()
    # due: the command runs `git maintenance run --auto`; not due: no process at all
    ran = []
    real = gitio.git

    def spy(cwd, *args, **kw):
        ran.append(args[0])
        return real(cwd, *args, **kw)

    monkeypatch.setattr(gitio, "git", spy)
    assert filled.run("deal", "set", "acme-erp", "value=5").exit_code == 0
    assert "maintenance" not in ran
    filled.git("config", "maintenance.auto", "true")
    assert filled.run("deal", "set", "acme-erp", "value=6").exit_code == 0
    assert "maintenance" in ran


def test_a_folder_salescli_may_not_write_in_is_named_not_its_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from salescli.store import gitio

    def refused(path: str, *args: object) -> int:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(gitio.os, "open", refused)
    with pytest.raises(PermissionError) as err:
        with gitio.atomic_path(tmp_path / "acme.yaml"):
            pass
    assert err.value.filename == str(tmp_path)
    assert err.value.strerror == ("Permission denied: cannot write a file in this folder; "
                                  "check its permissions")


def test_a_failed_commit_git_cannot_unstage_says_how_to_mend_it(filled: Repo, monkeypatch):
    """fast-import fails while git's index has taken the file, and `git reset` fails
    too: the file is put back, and the message says the index still stages it."""
    from salescli.store import gitio

    real, start = gitio.git, gitio.begin

    def failing(cwd, *args, **kw):
        if args[:1] == ("fast-import",):
            return start(cwd, "fast-import", "--no-such-option", **kw)
        return start(cwd, *args, **kw)

    def no_reset(cwd, *args, **kw):
        if args[:1] == ("reset",):
            return subprocess.CompletedProcess(args, 128, "", "fatal: index.lock exists")
        return real(cwd, *args, **kw)

    monkeypatch.setattr(gitio, "begin", failing)
    monkeypatch.setattr(gitio, "git", no_reset)
    before, files = filled.head(), filled.snapshot()
    with pytest.raises(CommitFailed, match=r"git could not unstage.*run `git reset -q -- "
                                           r"deals/2026-10/acme-erp.yaml`"):
        change_value(filled, "1.00")
    assert (filled.head(), filled.snapshot()) == (before, files)
    assert filled.status() == "MM deals/2026-10/acme-erp.yaml\n"
    filled.git("reset", "-q", "--", "deals/2026-10/acme-erp.yaml")  # as it says
    assert filled.status() == ""


def test_a_failed_commit_leaves_the_record_index_as_the_files(filled: Repo, monkeypatch):
    """The record index takes the new file while git commits; a failed commit puts the
    file back, and the index takes it again."""
    from salescli.store import gitio

    start = gitio.begin
    assert filled.run("deal", "list", "--format", "json").exit_code == 0  # an index
    monkeypatch.setattr(gitio, "begin", lambda cwd, *args, **kw: start(
        cwd, *(("fast-import", "--no-such-option") if args[:1] == ("fast-import",)
               else args), **kw))
    r = filled.run("deal", "set", "acme-erp", "value=1")
    assert r.exit_code == 1 and "commit failed, nothing changed" in r.stderr
    monkeypatch.undo()
    # the index's own row, before any read compares stats
    import sqlite3

    with sqlite3.connect(filled.root / ".git/salescli/index.sqlite") as con:
        assert con.execute("SELECT value FROM deals WHERE id = 'acme-erp'"
                           ).fetchall() == [(48000.0,)]
    listed = filled.run("deal", "list", "--status", "all", "--format", "json")
    fresh = filled.run("deal", "list", "--status", "all", "--format", "json", "--no-cache")
    assert listed.exit_code == 0 and listed.stdout == fresh.stdout
    assert '"value": 48000.0,' in listed.stdout


def test_git_ended_by_an_interrupt_leaves_no_index_lock(filled: Repo, monkeypatch):
    # salescli alone interrupted (a SIGINT sent to its process, not to the terminal's
    # whole group) while git holds git's index.lock: git is ended so that it removes the
    # lock; SIGKILL left it, and every git command after failed on it
    import time

    from salescli.store import gitio

    lock = filled.root / ".git" / "index.lock"
    started = gitio.begin(filled.root, "update-index", "--stdin", stdin=True)  # waits
    deadline = time.monotonic() + 10
    while not lock.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert lock.exists()

    def interrupted(self, *args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(subprocess.Popen, "communicate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gitio.finish(started)
    monkeypatch.undo()
    assert started.returncode is not None and not lock.exists()
    assert filled.run("deal", "set", "acme-erp", "value=7").exit_code == 0


def _git_index(repo: Repo) -> tuple[bytes, int]:
    index = repo.root / ".git" / "index"
    return index.read_bytes(), index.stat().st_mtime_ns


@pytest.mark.parametrize("args, code", [
    (("value=lots",), 2),  # refused as it is validated
    (("owner=anna",), 0),  # what the file holds already: nothing to commit
    (("account=nobody",), 1),  # refused by the records: no such account
])
def test_a_change_that_commits_nothing_leaves_gits_index_as_it_was(filled: Repo, args, code):
    # git's index is rewritten only by a commit (update-index, or `git commit`)
    state, before = filled.state(), _git_index(filled)  # (git status may write it)
    assert filled.run("deal", "set", "acme-erp", *args).exit_code == code
    assert _git_index(filled) == before and filled.state() == state
    assert not (filled.root / ".git" / "index.lock").exists()


def test_an_interrupt_after_the_record_is_read_leaves_gits_index_as_it_was(
        filled: Repo, monkeypatch):
    from salescli.services import check

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "record_errors", interrupted)  # as the change is validated
    state, before = filled.state(), _git_index(filled)  # (git status may write it)
    assert filled.run("deal", "set", "acme-erp", "value=7").exit_code == 1  # Aborted!
    assert _git_index(filled) == before and filled.state() == state
    assert not (filled.root / ".git" / "index.lock").exists()
    monkeypatch.undo()
    assert filled.run("deal", "set", "acme-erp", "value=7").exit_code == 0


def test_an_index_lock_held_fails_a_commands_commit_in_gits_words(filled: Repo):
    lock = filled.root / ".git" / "index.lock"
    lock.write_text("someone else's\n")
    state = filled.state()
    r = filled.run("deal", "set", "acme-erp", "value=7")
    assert r.exit_code == 1 and "commit failed, nothing changed: fatal: Unable to create" \
        in r.stderr and "index.lock" in r.stderr, r.stderr
    assert lock.read_text() == "someone else's\n" and filled.state()[:2] == state[:2]
    lock.unlink()
    assert filled.state() == state
