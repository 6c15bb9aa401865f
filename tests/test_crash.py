"""Crash safety (SPEC §5): a mutating command killed (SIGKILL) at any point loses nothing.

Defined outcomes of a kill, each checked here:
- before the write or after the commit: the record equals HEAD's version (the old one,
  or the new one committed in exactly one new commit of only the command's paths);
- after the rename, before the commit: the record is the complete new version,
  uncommitted (staged too, killed just before HEAD moves); the next command on it
  refuses ("has uncommitted changes", with a `git diff HEAD` that shows it), the
  user commits or discards it (`git reset -q -- FILE`, then `git checkout -- FILE`
  or, for a new record, deleting it);
- after salescli wrote its commit, before HEAD moved: `refs/salescli/commit-PID`
  points at that orphan commit; the next mutating command deletes it;
- before the rename: a `.NAME.XXXXXXXX.tmp` file may remain; the next mutating
  command deletes it under the repository lock;
- while git commits: git's `.git/index.lock` may remain; the next command refuses
  with git's message, nothing changed, and works once the user removes the lock.
Never a half-written record, never a record that fails to parse.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SALESCLI
from conftest import Repo
from conftest import processes
from conftest import write_open_deals

from salescli.store.gitio import TEMP_RE


@pytest.fixture
def crm(repo: Repo) -> Repo:
    return write_open_deals(repo, 3, buyer=True)


def wait_session_gone(sid: int) -> None:
    """Wait for every process of a session (orphaned git children) to end."""
    for _ in range(500):
        alive = any(int(fields[3]) == sid and fields[0] != "Z" for _, _, fields in processes())
        if not alive:
            return
        time.sleep(0.01)
    raise AssertionError(f"session {sid} still running")


def temp_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(".*.tmp")
                  if ".git" not in p.parts and TEMP_RE.match(p.name))


def command(i: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """A mutating command and the record paths it writes."""
    n = rng.randrange(3)
    deal = f"deals/2026-10/d{n}.yaml"
    choice = i % 5
    if choice == 0:
        return ["deal", "set", f"d{n}", f"value={1000 + i}"], [deal]
    if choice == 1:
        return ["log", "note", f"d{n}", f"note {i}", "--date", "2026-10-20"], [deal]
    if choice == 2:
        return (["account", "add", f"Firm {i}", "--id", f"firm-{i}", "--date", "2026-11-02"],
                [f"accounts/2026-11/firm-{i}.yaml"])
    if choice == 3:
        return (["deal", "add", f"New {i}", "--account", "acme-oy", "--id", f"new-{i}",
                 "--value", "5", "--close-date", "2027-02-01", "--date", "2026-11-03"],
                [f"deals/2026-11/new-{i}.yaml"])
    # needs-analysis -> proposal once; later a refusal (a quote is required), also killed
    return ["deal", "advance", f"d{n}", "--date", "2026-10-21"], [deal]


def at(repo: Repo, rev: str, rel: str) -> bytes | None:
    proc = subprocess.run(["git", "show", f"{rev}:{rel}"], cwd=repo.root, capture_output=True)
    return proc.stdout if proc.returncode == 0 else None


def discard(repo: Repo, rel: str) -> None:
    """What a user does with an uncommitted change they do not want: back to HEAD."""
    repo.git("reset", "-q", "--", rel)
    if at(repo, "HEAD", rel) is None:
        (repo.root / rel).unlink()
    else:
        repo.git("checkout", "--", rel)


def test_sigkill_at_random_points_loses_nothing(crm: Repo):
    env = {**os.environ, "SALESCLI_REPO": str(crm.root)}
    rng = random.Random(20261123)
    spans = []
    for value in (2, 3):  # the second run is warm, as the killed ones are
        started = time.monotonic()
        assert subprocess.run([SALESCLI, "deal", "set", "d0", f"value={value}"], env=env,
                              stdout=subprocess.DEVNULL).returncode == 0
        spans.append(time.monotonic() - started)
    span = spans[-1]
    seen: dict[str, int] = {}
    for i in range(40):
        args, paths = command(i, rng)
        head = crm.head()
        proc = subprocess.Popen([SALESCLI, *args], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        # mostly where the write and commit are (they come last); a quarter each early
        # and late, so both plain outcomes occur whatever the machine's load
        low, high = ((0.05, 0.3), (1.5, 2.5), (0.55, 1.0), (0.55, 1.0))[i % 4]
        time.sleep(rng.uniform(low, high) * span)
        if i % 2:  # the whole process group, git included (a power cut, in effect)
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # salescli alone: an orphaned git child finishes on its own
            proc.kill()
        proc.wait()
        wait_session_gone(proc.pid)
        outcome = []
        if temp_files(crm.root):
            outcome.append("temp file")  # removed by the next command (asserted below)
        # git killed while it held a lock: the index's, HEAD's, the branch's or
        # packed-refs' (salescli.lock is salescli's own flock file, never stale)
        git_dir = crm.root / ".git"
        locks = sorted(str(p.relative_to(git_dir)) for p in git_dir.rglob("*.lock")
                       if p.name != "salescli.lock")
        if locks:
            outcome.append("+".join(locks))
        if set(locks) & {"index.lock", "HEAD.lock", "refs/heads/main.lock", "packed-refs.lock"}:
            # a deal the killed command did not touch (that one may be left uncommitted),
            # set to a value no step gives it, so the probe has something to commit
            probe = next(f"d{k}" for k in range(3) if f"deals/2026-10/d{k}.yaml" not in paths)
            r = crm.run("deal", "set", probe, f"value={2000 + i}")
            assert r.exit_code == 1 and ".lock': File exists" in r.stderr, r.output
            assert crm.git("status", "--porcelain", "--", f"deals/2026-10/{probe}.yaml") == ""
        for name in locks:
            (git_dir / name).unlink()  # as git's message tells the user
        new_head = crm.head()
        if new_head != head:
            outcome.append("committed")
            assert crm.git("rev-parse", "HEAD^").strip() == head
            assert crm.git("show", "--name-only", "--format=", "HEAD").split() == paths
        for rel in paths:
            text = (crm.root / rel).read_bytes() if (crm.root / rel).exists() else None
            if text == at(crm, "HEAD", rel):
                continue
            # killed between the rename and the commit: the whole new version, uncommitted
            outcome.append("uncommitted")
            assert text is not None and b"\0" not in text
            check = crm.run("check")
            assert check.exit_code == 0, (args, check.output)
            refused = crm.run(*args[:3], *(["value=1"] if args[1] == "set" else args[3:]))
            if args[1] in ("set", "note", "advance"):
                assert refused.exit_code == 1 and "has uncommitted changes" in refused.stderr
            discard(crm, rel)
            again = crm.run(*args, "--no-commit")
            assert again.exit_code == 0, again.output
            assert (crm.root / rel).read_bytes() == text  # exactly what the command writes
            discard(crm, rel)
        status = crm.git("status", "--porcelain", "--untracked-files=all")
        assert set(status.splitlines()) <= {f"?? {t}" for t in temp_files(crm.root)}, status
        key = "+".join(outcome) or "nothing happened"
        seen[key] = seen.get(key, 0) + 1
    # the next command works and sweeps any temp file and private ref a kill left behind
    last = crm.run("deal", "set", "d1", "value=77")
    assert last.exit_code == 0, (last.output, seen)
    assert temp_files(crm.root) == [] and crm.status() == ""
    assert crm.git("for-each-ref", "refs/salescli/") == ""
    assert crm.run("check").exit_code == 0
    print("kill outcomes:", seen)
    assert seen.get("committed", 0) and seen.get("nothing happened", 0)


def test_a_stale_temp_file_is_removed_by_the_next_command(crm: Repo):
    stale = crm.root / "deals/2026-10/.d0.yaml.k3j_x9a2.tmp"
    stale.write_text("id: d0\ntitle: half")
    own = crm.root / "deals/2026-10/.notes.tmp"  # not our pattern: the user's, kept
    own.write_text("mine")
    assert crm.run("deal", "set", "d2", "value=3").exit_code == 0
    assert not stale.exists() and own.read_text() == "mine"


def _hook(repo: Repo, body: str) -> None:
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\n" + body)
    hook.chmod(0o755)


def test_killed_between_write_and_commit_leaves_the_new_version_uncommitted(crm: Repo):
    # the hook plays SIGKILL after the rename: salescli dies, its `git commit` with it
    _hook(crm, "kill -9 $(cut -d' ' -f4 /proc/$PPID/stat) $PPID\n")
    head, rel = crm.head(), "deals/2026-10/d1.yaml"
    proc = subprocess.run([SALESCLI, "deal", "set", "d1", "value=9"], capture_output=True,
                          env={**os.environ, "SALESCLI_REPO": str(crm.root)})
    assert proc.returncode == -signal.SIGKILL
    (crm.root / ".git" / "hooks" / "pre-commit").unlink()
    assert crm.head() == head and "value: 9.00" in (crm.root / rel).read_text()
    assert temp_files(crm.root) == []
    assert crm.run("check").exit_code == 0
    # git held its index.lock while the hook ran: the next command says so, changes nothing
    files = crm.snapshot()
    r = crm.run("deal", "set", "d2", "value=10")
    assert r.exit_code == 1 and "index.lock': File exists" in r.stderr, r.stderr
    assert r.stderr.endswith("Another git process seems to be running in this repository; "
                             "if none is (one crashed), remove that file and try again\n")
    assert crm.snapshot() == files and crm.head() == head
    (crm.root / ".git" / "index.lock").unlink()  # as git's message tells the user
    r = crm.run("deal", "set", "d1", "value=10")
    assert r.exit_code == 1 and f"{rel}: has uncommitted changes" in r.stderr
    assert crm.run("deal", "set", "d2", "value=10").exit_code == 0  # other records: fine
    crm.git("commit", "-qm", "keep it", "--", rel)  # or `git checkout -- FILE` to drop it
    assert crm.run("deal", "set", "d1", "value=10").exit_code == 0


def _git_that_kills(tmp_path: Path, at: str) -> dict[str, str]:
    """An environment whose `git` SIGKILLs salescli (its caller) instead of running
    `git AT ...`: the command dies at exactly that step, with no git left running."""
    real = shutil.which("git")
    assert real
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "git").write_text(
        f'#!/bin/sh\nif [ "$1" = "{at}" ]; then kill -9 $PPID; exit 1; fi\n'
        f'exec {real} "$@"\n')
    (fake / "git").chmod(0o755)
    return {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}


DEAL_D0 = "deals/2026-10/d0.yaml"


# each step of a direct commit, and what a kill just before it leaves
@pytest.mark.parametrize("at, status, ref", [
    ("update-index", " M", False),  # written, nothing else
    # the index takes the file while git hashes it and fast-import writes the commit:
    # killed as those start, the staging git already runs, and finishes
    ("hash-object", "M ", False),
    ("fast-import", "M ", False),
    ("update-ref", "M ", True),     # staged, the commit on the private ref only
])
def test_a_kill_at_each_step_leaves_a_documented_state(crm: Repo, tmp_path: Path, at: str,
                                                        status: str, ref: bool):
    head, before = crm.head(), (crm.root / DEAL_D0).read_bytes()
    env = {**_git_that_kills(tmp_path, at), "SALESCLI_REPO": str(crm.root)}
    proc = subprocess.run([SALESCLI, "deal", "advance", "d0"], env=env, capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert crm.head() == head
    expected, deadline = f"{status} {DEAL_D0}\n", time.monotonic() + 10
    # a git the killed command started may still be finishing
    while (said := crm.git("status", "--porcelain", "--untracked-files=all")) != expected \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert said == expected
    refs = crm.git("for-each-ref", "--format=%(refname)", "refs/salescli/").split()
    assert len(refs) == ref and all(r.startswith("refs/salescli/commit-") for r in refs)
    # the refusal names a command that shows the change, staged or not
    r = crm.run("deal", "set", "d0", "value=5")
    assert r.exit_code == 1 and r.stderr.strip() == (
        f"Error: {DEAL_D0}: has uncommitted changes; commit or discard them first "
        f"(git diff HEAD -- {DEAL_D0})")
    assert "+stage: proposal" in crm.git("diff", "HEAD", "--", DEAL_D0)
    # any other command sweeps the dead process's ref and leaves the record alone
    assert crm.run("deal", "set", "d1", "value=5").exit_code == 0
    assert crm.git("for-each-ref", "refs/salescli/") == ""
    assert crm.git("status", "--porcelain", "--", DEAL_D0) == f"{status} {DEAL_D0}\n"
    # what the README says to do drops it
    crm.git("reset", "-q", "--", DEAL_D0)
    crm.git("checkout", "--", DEAL_D0)
    assert crm.status() == "" and (crm.root / DEAL_D0).read_bytes() == before


def test_a_kill_after_head_moved_leaves_the_commit(crm: Repo, tmp_path: Path):
    # configured maintenance is left to git to decide: it runs after HEAD moved
    crm.git("config", "maintenance.auto", "true")
    head = crm.head()
    env = {**_git_that_kills(tmp_path, "maintenance"), "SALESCLI_REPO": str(crm.root)}
    proc = subprocess.run([SALESCLI, "deal", "advance", "d0"], env=env, capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert crm.git("rev-parse", "HEAD^").strip() == head and crm.status() == ""
    assert crm.git("for-each-ref", "refs/salescli/") == ""


@pytest.mark.parametrize("at, status", [("update-index", "??"), ("update-ref", "A ")])
def test_a_killed_add_leaves_a_new_record_to_delete(crm: Repo, tmp_path: Path, at: str,
                                                    status: str):
    rel = "deals/2026-11/new.yaml"
    env = {**_git_that_kills(tmp_path, at), "SALESCLI_REPO": str(crm.root)}
    proc = subprocess.run([SALESCLI, "deal", "add", "New", "--account", "acme-oy", "--id",
                           "new", "--value", "5", "--close-date", "2027-02-01", "--date",
                           "2026-11-03"], env=env, capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert crm.git("status", "--porcelain", "--untracked-files=all") == f"{status} {rel}\n"
    shown = f"git status -- {rel}" if status == "??" else f"git diff HEAD -- {rel}"
    r = crm.run("deal", "set", "new", "value=6")
    assert r.exit_code == 1 and r.stderr.strip().endswith(f"first ({shown})"), r.stderr
    crm.git("reset", "-q", "--", rel)  # as the README says: unstage, then delete it
    (crm.root / rel).unlink()
    assert crm.status() == ""
    assert crm.run("deal", "set", "d1", "value=5").exit_code == 0
    assert crm.git("for-each-ref", "refs/salescli/") == ""


def test_a_live_processs_ref_is_kept_and_a_dead_ones_removed(crm: Repo):
    head = crm.head()
    live = subprocess.Popen(["sleep", "60"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    try:
        for pid in (live.pid, dead.pid):
            crm.git("update-ref", f"refs/salescli/commit-{pid}", head)
        crm.git("update-ref", "refs/salescli/import", head)  # not a commit ref: kept
        assert crm.run("deal", "set", "d1", "value=5").exit_code == 0
        assert crm.git("for-each-ref", "--format=%(refname)", "refs/salescli/").split() == [
            f"refs/salescli/commit-{live.pid}", "refs/salescli/import"]
    finally:
        live.kill()
        live.wait()
    assert crm.run("deal", "set", "d1", "value=6").exit_code == 0
    assert crm.git("for-each-ref", "--format=%(refname)", "refs/salescli/").split() == [
        "refs/salescli/import"]


def test_an_import_sweeps_stale_refs_too(crm: Repo, tmp_path: Path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    crm.git("update-ref", f"refs/salescli/commit-{dead.pid}", crm.head())
    export = tmp_path / "accounts.csv"
    export.write_text("name,created\nBeta Oy,2026-10-01\n", encoding="utf-8")
    assert crm.run("import", "csv", str(export), "--kind", "account", "--dry-run").exit_code == 0
    assert crm.git("for-each-ref", "refs/salescli/") != ""  # a dry run changes nothing
    assert crm.run("import", "csv", str(export), "--kind", "account").exit_code == 0
    assert crm.git("for-each-ref", "refs/salescli/") == ""


@pytest.mark.parametrize("through_git_commit", [False, True])
def test_an_interrupt_before_head_moves_restores_everything(crm: Repo, through_git_commit: bool,
                                                            monkeypatch: pytest.MonkeyPatch):
    from salescli.store import gitio

    real = gitio.git
    if through_git_commit:  # a commit hook: salescli commits with `git commit`
        _hook(crm, "true\n")
    step = ("commit",) if through_git_commit else ("update-ref", "-m")

    def interrupted(cwd, *args, **kw):  # Ctrl-C as the commit is about to land
        if args[:len(step)] == step:
            raise KeyboardInterrupt
        return real(cwd, *args, **kw)

    monkeypatch.setattr(gitio, "git", interrupted)
    head, files = crm.head(), crm.snapshot()
    r = crm.run("deal", "add", "New", "--account", "acme-oy", "--id", "new", "--value", "5",
                "--close-date", "2027-02-01", "--date", "2026-11-03")
    assert r.exit_code == 1 and "Aborted" in r.output
    assert (crm.head(), crm.snapshot(), crm.status()) == (head, files, "")
    r = crm.run("deal", "advance", "d0")
    assert r.exit_code == 1 and "Aborted" in r.output
    assert (crm.head(), crm.snapshot(), crm.status()) == (head, files, "")
    assert crm.git("for-each-ref", "refs/salescli/") == ""
