"""`salescli hook install` and `check --staged`, in real repositories with real commits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEAL
from conftest import SOON
from conftest import Repo
from conftest import refused
from conftest import replaced

from salescli.store.hooks import DRIVER
from salescli.store.hooks import HOOK_MARK

DEAL_PATH = "deals/2026-10/acme-erp.yaml"


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # git runs `salescli` from PATH, as it would for a user with salescli installed
    bin_dir = os.path.dirname(sys.executable)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))


def hook_file(repo: Repo, name: str = "pre-commit") -> Path:
    return repo.root / ".git" / "hooks" / name


CRM = "deals/2026-10/crm.yaml"


def commit_past_the_hook(repo: Repo, value: str) -> None:
    """A teammate's deal with a broken `value`, committed with --no-verify."""
    repo.write(CRM, replaced(DEAL, "acme-erp", "crm").replace("value: 48000.00",
                                                              f"value: {value}"))
    repo.git("add", CRM)
    repo.git("commit", "-q", "--no-verify", "-m", "crm")


def commit(repo: Repo, *paths: str) -> subprocess.CompletedProcess:
    repo.git("add", "--", *paths)
    return subprocess.run(["git", "commit", "-qm", "change"], cwd=repo.root,
                          capture_output=True, text=True)


def test_install_is_idempotent(filled: Repo, on_path):
    head = filled.head()
    first = filled.run("hook", "install")
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "merge driver already listed in .gitattributes",  # init did it
        "merge driver already set in git config",
        f"pre-commit hook installed: {hook_file(filled)}",
        f"pre-merge-commit hook installed: {hook_file(filled, 'pre-merge-commit')}",
    ]
    script = hook_file(filled).read_text()
    assert script.startswith("#!/bin/sh\n" + HOOK_MARK)
    assert "salescli -C . check --staged --quiet" in script
    assert os.access(hook_file(filled), os.X_OK)
    merging = hook_file(filled, "pre-merge-commit").read_text()
    assert merging == script.replace("git commit --no-verify", "git merge --no-verify") \
        .replace("(pre-commit)", "(pre-merge-commit)").replace("salescli pre-commit hook: ",
                                                               "salescli pre-merge-commit hook: ")
    again = filled.run("hook", "install")
    assert again.exit_code == 0
    assert again.output.splitlines()[-2:] == [
        f"pre-commit hook already installed: {hook_file(filled)}",
        f"pre-merge-commit hook already installed: {hook_file(filled, 'pre-merge-commit')}"]
    assert hook_file(filled).read_text() == script
    assert filled.head() == head and filled.status() == ""


def test_install_in_an_existing_repository_commits_gitattributes(filled: Repo):
    filled.git("rm", "-q", ".gitattributes")
    filled.git("commit", "-qm", "before salescli had a merge driver")
    filled.git("config", "--unset-all", "merge.salescli.driver")
    result = filled.run("hook", "install")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == ["merge driver listed in .gitattributes and committed",
                                             "merge driver set in .git/config"]
    assert "deals/**/*.yaml merge=salescli" in (filled.root / ".gitattributes").read_text()
    assert filled.git("log", "-1", "--format=%s").strip() == \
        "repo(crm): register the salescli merge driver"
    assert filled.git("config", "--get", "merge.salescli.driver").strip() == DRIVER
    assert filled.status() == ""


def test_install_keeps_the_users_own_gitattributes_lines(filled: Repo):
    filled.write(".gitattributes", "*.pdf binary\n")
    filled.commit()
    assert filled.run("hook", "install").exit_code == 0
    text = (filled.root / ".gitattributes").read_text()
    assert text.startswith("*.pdf binary\n") and "leads/**/*.yaml merge=salescli\n" in text


def test_install_refuses_a_foreign_hook_unless_forced(filled: Repo, on_path):
    hook = hook_file(filled)
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\nexec make lint\n")
    filled.git("config", "--unset-all", "merge.salescli.driver")
    result = filled.run("hook", "install")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {hook} exists and is not salescli's hook; add `salescli check --staged` to it "
        "yourself, or run `salescli hook install --force` to replace it (the old one is kept "
        "as pre-commit.before-salescli)\n")
    assert hook.read_text() == "#!/bin/sh\nexec make lint\n"
    # refused before anything changed
    assert subprocess.run(["git", "config", "--get", "merge.salescli.driver"], cwd=filled.root,
                          capture_output=True).returncode == 1
    forced = filled.run("hook", "install", "--force")
    assert forced.exit_code == 0
    assert forced.output.splitlines()[-2] == (f"pre-commit hook installed: {hook} (the old hook "
                                             f"is kept as {hook}.before-salescli)")
    assert HOOK_MARK in hook.read_text()
    assert Path(f"{hook}.before-salescli").read_text() == "#!/bin/sh\nexec make lint\n"


def test_the_hook_blocks_an_invalid_record_and_lets_a_valid_one_through(filled: Repo, on_path):
    assert filled.run("hook", "install").exit_code == 0
    head = filled.head()
    filled.write(DEAL_PATH, replaced(DEAL, "value: 48000.00", "value: lots"))
    proc = commit(filled, DEAL_PATH)
    assert proc.returncode == 1
    # git sends a hook's output to stderr
    assert f"{DEAL_PATH}:7:8: error: value: expected a number" in proc.stderr
    assert filled.head() == head
    filled.write(DEAL_PATH, replaced(DEAL, "value: 48000.00", "value: 52000.00"))
    proc = commit(filled, DEAL_PATH)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert filled.head() != head


def test_a_merge_that_would_commit_an_invalid_record_is_stopped(filled: Repo, on_path):
    # each branch is valid alone: one renames the account, the other adds a deal naming
    # its old ID; git merges them without a conflict, and runs pre-merge-commit
    assert filled.run("hook", "install").exit_code == 0
    main = filled.git("branch", "--show-current").strip()
    filled.git("checkout", "-q", "-b", "rename")
    assert filled.run("account", "rename", "acme-oy", "acme-group").exit_code == 0
    filled.git("checkout", "-q", main)
    assert filled.run("deal", "add", "CRM", "--account", "acme-oy", "--id", "crm",
                      "--value", "1000", "--close-date", SOON).exit_code == 0
    head = filled.head()
    proc = subprocess.run(["git", "merge", "--no-edit", "rename"], cwd=filled.root,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "account `acme-oy` does not exist" in proc.stderr, proc.stderr
    assert filled.head() == head
    filled.git("merge", "--abort")

def test_salescli_commands_commit_through_the_hook(filled: Repo, on_path):
    # `commit --only` uses a temporary index: the hook must check that one
    assert filled.run("hook", "install").exit_code == 0
    filled.write("deals/2026-10/broken.yaml", "id: broken\nvalue: [\n")  # not staged
    result = filled.run("deal", "set", "acme-erp", "value=52000")
    assert result.exit_code == 0, result.output
    assert filled.git("log", "-1", "--format=%s").strip() == "deal(acme-erp): set value=52000.00"


def test_a_commit_through_the_hook_is_reported_beside_an_unmerged_entry(filled: Repo, on_path):
    # a `git stash pop` that conflicted leaves an unmerged entry: `git commit` then says
    # "PATH: needs merge" before its summary line; the commit happened all the same
    assert filled.run("hook", "install").exit_code == 0
    assert filled.run("deal", "add", "CRM", "--account", "acme-oy", "--id", "crm",
                      "--value", "1000", "--close-date", SOON).exit_code == 0
    filled.edit(DEAL_PATH, "value: 48000.00", "value: 1100.00")
    filled.git("stash", "-q")
    assert filled.run("deal", "set", "acme-erp", "value=1200").exit_code == 0
    popped = subprocess.run(["git", "stash", "pop"], cwd=filled.root, capture_output=True)
    assert popped.returncode != 0 and filled.status().startswith("UU ")
    r = filled.run("log", "call", "crm", "Intro call")
    assert r.exit_code == 0, r.output
    sha = filled.git("rev-parse", "--short=7", "HEAD").strip()
    assert r.stdout.rstrip().endswith(f"[{sha}]") and "not committed" not in r.stdout

def test_a_hook_refusing_another_file_says_it_is_not_this_changes(filled: Repo, on_path):
    # a command writing another record is refused by the hook, and says whose file it is
    # and what to do
    assert filled.run("hook", "install").exit_code == 0
    commit_past_the_hook(filled, "1,100")
    why = "value: expected a number, not '1,100' [schema]"
    refused(filled, ["log", "call", "acme-erp", "Intro call"], 1,
            f"commit failed, nothing changed: a hook refused it for {CRM}, which this change "
            f"does not touch: {CRM}:7:8: error: {why}; fix that file first (see `salescli check`)")

def test_a_salescli_run_by_its_path_commits_through_its_own_hook(filled: Repo):
    # README's install: `.venv/bin/salescli`, the virtualenv not activated; the hook
    # calls `salescli` by name, and finds this one
    env = {**os.environ, "PATH": "/usr/bin:/bin"}

    def salescli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "salescli", *args], cwd=filled.root,
                              capture_output=True, text=True, env=env)

    installed = salescli("hook", "install")
    assert installed.returncode == 0, installed.stderr
    assert "note: salescli is not on PATH: its own commits find it" in installed.stdout
    done = salescli("deal", "set", "acme-erp", "value=52000")
    assert done.returncode == 0, done.stderr
    assert filled.git("log", "-1", "--format=%s").strip() == "deal(acme-erp): set value=52000.00"
    # the hook did run: a broken record committed past it stops the next command
    commit_past_the_hook(filled, "lots")
    stopped = salescli("log", "call", "acme-erp", "Intro call")
    assert stopped.returncode == 1
    assert f"a hook refused it for {CRM}" in stopped.stderr, stopped.stderr


def test_the_hook_explains_when_salescli_is_not_on_path(filled: Repo, monkeypatch):
    assert filled.run("hook", "install").exit_code == 0
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    filled.write(DEAL_PATH, replaced(DEAL, "value: 48000.00", "value: 52000.00"))
    proc = commit(filled, DEAL_PATH)
    assert proc.returncode == 1
    assert "salescli is not on PATH, so the records were not checked" in proc.stderr
    assert "git commit --no-verify" in proc.stderr


def test_check_staged_reads_the_index_not_the_work_tree(filled: Repo):
    path = filled.write(DEAL_PATH, replaced(DEAL, "value: 48000.00", "value: lots"))
    filled.git("add", "--", DEAL_PATH)
    path.write_text(DEAL.lstrip("\n"))  # fixed on disk, still broken in the index
    assert filled.run("check").exit_code == 0
    staged = filled.run("check", "--staged")
    assert staged.exit_code == 1
    assert f"{DEAL_PATH}:7:8: error: " in staged.output
    filled.git("add", "--", DEAL_PATH)
    path.write_text("id: [\n")  # broken on disk only
    assert filled.run("check", "--staged").exit_code == 0
    assert filled.run("check").exit_code == 1


def test_one_hook_checks_every_pipeline_of_the_repository(tmp_path: Path, on_path):
    """`fi/`, `it's $x/` and `old/` in one repository: each `hook install` adds its
    pipeline to the one hook (the second used to replace the first), which checks those
    with something staged and says which one an error is in; a pipeline not in the
    checkout is skipped, never dropped."""
    import json

    from conftest import existing_project

    from salescli.services.init import init_repository

    top = existing_project(tmp_path / "mono")
    names = ("fi", "it's $x", "old")
    for name in names:
        init_repository(top / name, "default")
    fi, odd, old = (Repo(top / name) for name in names)
    for r in (old, fi, odd):
        assert r.run("hook", "install").exit_code == 0
    hook = top / ".git" / "hooks" / "pre-commit"
    assert f"# pipelines: {json.dumps(sorted(names))}\n" in hook.read_text()
    assert f"# pipelines: {json.dumps(sorted(names))}\n" in hook.with_name(
        "pre-merge-commit").read_text()
    # a hook of an earlier version had pre-commit alone: the merge hook, new, learns
    # every pipeline that one checks when any of them installs again
    hook.with_name("pre-merge-commit").unlink()
    assert fi.run("hook", "install").exit_code == 0
    assert f"# pipelines: {json.dumps(sorted(names))}\n" in hook.with_name(
        "pre-merge-commit").read_text()
    for r in (fi, odd):
        head = r.head()
        r.write("accounts/2026-10/broken.yaml", "id: broken\nname: [\n")
        proc = commit(r, "accounts/2026-10/broken.yaml")
        assert proc.returncode == 1 and "accounts/2026-10/broken.yaml:" in proc.stderr, proc
        assert f"salescli: the errors above are in {r.root.name}/" in proc.stderr
        assert r.head() == head
        r.git("rm", "-q", "--cached", "accounts/2026-10/broken.yaml")
    # committed past the hook: a commit with nothing staged in it does not check it
    odd.git("add", "accounts/2026-10/broken.yaml")
    odd.git("commit", "-qm", "broken on purpose", "--no-verify")
    fi.write("accounts/2026-10/fine.yaml", "id: fine\nname: Fine Oy\n")
    assert commit(fi, "accounts/2026-10/fine.yaml").returncode == 0
    # a pipeline gone from the checkout (another branch's) is skipped, and kept
    old.git("rm", "-rq", ".")
    old.git("commit", "-qm", "old pipeline gone", "--no-verify")
    assert fi.run("hook", "install").exit_code == 0
    assert json.dumps(sorted(names)) in hook.read_text()
    fi.write("accounts/2026-10/finer.yaml", "id: finer\nname: Finer Oy\n")
    assert commit(fi, "accounts/2026-10/finer.yaml").returncode == 0


def test_a_hook_of_an_earlier_version_keeps_its_pipeline(tmp_path: Path):
    # hooks before the `# pipelines:` line named their one pipeline in its `exec` line
    from salescli.store.hooks import hooked_pipelines

    earlier = ("#!/bin/sh\n" + HOOK_MARK + " (written...)\nif command -v salescli; then\r\n"
               "  exec salescli -C 'my crm' check --staged --quiet\r\nfi\n")
    assert hooked_pipelines(earlier) == ["my crm"]
    assert hooked_pipelines('# pipelines: ["a", "b\\nc"]\n') == ["a", "b\nc"]
    assert hooked_pipelines("# pipelines: [1]\n") == hooked_pipelines("# pipelines: [\n") == []


def test_uninstall_undoes_install_and_leaves_gitattributes(filled: Repo, on_path):
    attributes = (filled.root / ".gitattributes").read_text()
    assert filled.run("hook", "install").exit_code == 0
    head = filled.head()
    done = filled.run("hook", "uninstall")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        f"pre-commit hook removed: {hook_file(filled)}",
        f"pre-merge-commit hook removed: {hook_file(filled, 'pre-merge-commit')}",
        "merge driver removed from this clone's git config (still listed in .gitattributes, "
        "which is committed: git merges records line by line here)",
    ]
    assert not hook_file(filled).exists() and not hook_file(filled, "pre-merge-commit").exists()
    assert subprocess.run(["git", "config", "--get-regexp", "^merge\\.salescli\\."],
                          cwd=filled.root, capture_output=True).returncode == 1
    assert (filled.root / ".gitattributes").read_text() == attributes
    assert filled.head() == head and filled.status() == ""
    # a record broken on purpose commits now; and a merge of records still works, line
    # by line (git's own merge for a driver no longer defined)
    filled.write(CRM, "id: crm\nvalue: [\n")
    assert commit(filled, CRM).returncode == 0
    filled.git("rm", "-q", CRM)
    filled.git("commit", "-qm", "gone")
    filled.git("checkout", "-qb", "side")
    deal = filled.root / DEAL_PATH
    filled.write(DEAL_PATH, replaced(deal.read_text(), "owner: anna", "owner: ville"))
    filled.git("commit", "-qam", "side")
    filled.git("checkout", "-q", "-")
    filled.write(DEAL_PATH, deal.read_text() + "notes: main\n")
    filled.git("commit", "-qam", "main")
    filled.git("merge", "-q", "--no-edit", "side")
    assert "owner: ville" in deal.read_text() and "notes: main" in deal.read_text()
    again = filled.run("hook", "uninstall")
    assert again.exit_code == 0 and again.output.splitlines() == [
        "no pre-commit hook installed", "no pre-merge-commit hook installed",
        "merge driver not set in this clone's git config"]
    assert filled.run("hook", "install").exit_code == 0
    assert HOOK_MARK in hook_file(filled).read_text()
    assert filled.git("config", "--get", "merge.salescli.driver").strip() == DRIVER


def test_uninstall_puts_back_the_hook_install_replaced_and_leaves_others_alone(
        filled: Repo, on_path):
    hook = hook_file(filled)
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\nexec make lint\n")
    hook.chmod(0o755)
    assert filled.run("hook", "install", "--force").exit_code == 0
    merging = hook_file(filled, "pre-merge-commit")
    merging.write_text("#!/bin/sh\nexec make test\n")  # the user's own, since
    done = filled.run("hook", "uninstall")
    assert done.exit_code == 0
    assert done.output.splitlines()[:2] == [
        f"pre-commit hook removed; the one it replaced is back: {hook}",
        f"pre-merge-commit hook is not salescli's: left as it is: {merging}"]
    assert hook.read_text() == "#!/bin/sh\nexec make lint\n" and os.access(hook, os.X_OK)
    assert not Path(f"{hook}.before-salescli").exists()
    assert merging.read_text() == "#!/bin/sh\nexec make test\n"


def test_uninstall_in_one_pipeline_keeps_the_others_checked(tmp_path: Path, on_path):
    import json

    from conftest import existing_project

    from salescli.services.init import init_repository

    top = existing_project(tmp_path / "mono")
    for name in ("fi", "se"):
        init_repository(top / name, "default")
    fi, se = Repo(top / "fi"), Repo(top / "se")
    for r in (fi, se):
        assert r.run("hook", "install").exit_code == 0
    hook = top / ".git" / "hooks" / "pre-commit"
    done = fi.run("hook", "uninstall")
    assert done.exit_code == 0
    assert done.output.splitlines() == [
        f"pre-commit hook no longer checks fi/; it still checks se/: {hook}",
        f"pre-merge-commit hook no longer checks fi/; it still checks se/: "
        f"{hook.with_name('pre-merge-commit')}",
        "merge driver kept in this clone's git config: the repository's other pipelines "
        "use it (se/)"]
    assert f"# pipelines: {json.dumps(['se'])}\n" in hook.read_text()
    se.write("accounts/2026-10/broken.yaml", "id: broken\nname: [\n")
    assert commit(se, "accounts/2026-10/broken.yaml").returncode == 1  # still checked
    se.git("rm", "-q", "--cached", "accounts/2026-10/broken.yaml")
    fi.write("accounts/2026-10/broken.yaml", "id: broken\nname: [\n")
    assert commit(fi, "accounts/2026-10/broken.yaml").returncode == 0  # no longer
    again = fi.run("hook", "uninstall")
    assert again.exit_code == 0 and again.output.splitlines()[0] == (
        f"pre-commit hook does not check fi/: left as it is: {hook}")
    assert f"# pipelines: {json.dumps(['se'])}\n" in hook.read_text()
    assert se.run("hook", "uninstall").exit_code == 0
    assert not hook.exists()
    # the driver is the whole repository's: it stays while another pipeline is there
    assert fi.git("config", "--get", "merge.salescli.driver").strip() == DRIVER
    fi.git("rm", "-rq", ".")
    fi.git("commit", "-qm", "fi/ gone", "--no-verify")
    said = se.run("hook", "uninstall")
    assert said.output.splitlines()[-1].startswith("merge driver removed")
    assert subprocess.run(["git", "config", "--get", "merge.salescli.driver"], cwd=top,
                          capture_output=True).returncode == 1


def test_uninstall_changes_nothing_it_cannot_finish(filled: Repo, on_path):
    assert filled.run("hook", "install").exit_code == 0
    before = hook_file(filled).read_text()
    merging = hook_file(filled, "pre-merge-commit")
    merging.unlink()
    merging.mkdir()
    refused(filled, ["hook", "uninstall"], 1, f"{merging}: is a folder where git looks for "
            "the pre-merge-commit hook; move it away first")
    assert hook_file(filled).read_text() == before
    merging.rmdir()
    lock = filled.root / ".git" / "config.lock"
    lock.write_text("")
    r = filled.run("hook", "uninstall")
    assert r.exit_code == 1 and r.output == (
        "Error: git config failed: error: could not lock config file .git/config; if "
        ".git/config.lock exists, another git process seems to be running in this "
        "repository; if none is (one crashed), remove that file and try again\n")
    assert hook_file(filled).read_text() == before
    assert filled.git("config", "--get", "merge.salescli.driver").strip() == DRIVER
    lock.unlink()
    assert filled.run("hook", "uninstall").exit_code == 0
    assert not hook_file(filled).exists()


def test_uninstall_leaves_what_salescli_did_not_write(filled: Repo, tmp_path: Path, on_path):
    assert filled.run("hook", "install").exit_code == 0
    hook, merging = hook_file(filled), hook_file(filled, "pre-merge-commit")
    # a hook the user added to, and one linked to a script shared by several clones
    hook.write_text(hook.read_text() + "make lint\n")
    shared = tmp_path / "shared-hook"
    shared.write_text(merging.read_text())
    merging.unlink()
    merging.symlink_to(shared)
    done = filled.run("hook", "uninstall")
    assert done.exit_code == 0
    assert done.output.splitlines()[:2] == [
        "pre-commit hook has lines salescli did not write (yours, or an older salescli's): "
        f"left as it is; take ./ out of it yourself: {hook}",
        f"pre-merge-commit hook is a symbolic link (to {shared}): left as it is; edit what "
        f"it leads to yourself, or remove the link and run this again: {merging}"]
    assert hook.read_text().endswith("make lint\n") and shared.exists()
    assert merging.is_symlink()
    # install leaves the link too (it wrote through it once, into the shared script), and
    # a link to a folder is named as a link, not as a file it cannot read
    shared.write_text(shared.read_text() + "# edited\n")
    done = filled.run("hook", "install")
    assert done.exit_code == 0 and (
        f"pre-merge-commit hook is a symbolic link (to {shared}): left as it is; edit what "
        f"it leads to yourself, or remove the link and run this again: {merging}"
        in done.output.splitlines())
    assert merging.is_symlink() and shared.read_text().endswith("# edited\n")
    merging.unlink()
    merging.symlink_to(tmp_path)
    assert filled.run("hook", "uninstall").exit_code == 0
    assert filled.run("hook", "install").exit_code == 0 and merging.is_symlink()


def test_install_force_never_overwrites_a_kept_hook(filled: Repo, on_path):
    hook = hook_file(filled)
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\nexec make lint\n")
    Path(f"{hook}.before-salescli").write_text("#!/bin/sh\nexec make test\n")
    refused(filled, ["hook", "install", "--force"], 1, f"{hook}.before-salescli exists "
            f"already, so {hook} could not be kept there; move one of them away first")
    assert hook.read_text() == "#!/bin/sh\nexec make lint\n"
    assert Path(f"{hook}.before-salescli").read_text() == "#!/bin/sh\nexec make test\n"


def test_uninstall_leaves_a_hook_whose_pipelines_it_cannot_read(filled: Repo, on_path):
    hook = hook_file(filled)
    hook.parent.mkdir(parents=True, exist_ok=True)
    text = ("#!/bin/sh\n" + HOOK_MARK + "\nsalescli -C sub1 check --staged --quiet || status=1"
            "\nsalescli -C sub2 check --staged --quiet || status=1\nexit $status\n")
    hook.write_text(text)
    done = filled.run("hook", "uninstall")
    assert done.exit_code == 0 and done.output.splitlines()[0] == (
        "pre-commit hook is salescli's but does not say which pipelines it checks: left as "
        f"it is; take ./ out of it yourself: {hook}")
    assert hook.read_text() == text



def test_install_keeps_a_hook_of_ours_with_lines_of_the_users(filled: Repo, on_path):
    assert filled.run("hook", "install").exit_code == 0
    hook = hook_file(filled)
    script = hook.read_text()
    hook.write_text(script.replace("#!/bin/sh\n", "#!/bin/sh\nmake lint || exit 1\n"))
    kept = Path(f"{hook}.salescli-previous")
    done = filled.run("hook", "install")
    assert done.exit_code == 0
    assert f"pre-commit hook installed: {hook} (the one before had lines this salescli does " \
           f"not write, yours or an older salescli's: it is kept as {kept})" \
           in done.output.splitlines()
    assert hook.read_text() == script and "make lint" in kept.read_text()
    # a hook as salescli writes it is rewritten with nothing kept; another copy to keep
    # where one is kept already is refused before anything changes
    assert filled.run("hook", "install").exit_code == 0
    hook.write_text(script + "# mine\n")
    refused(filled, ["hook", "install"], 1, f"{kept} exists already, so {hook}, which has "
            "lines salescli does not write, could not be kept there; move one of them away "
            "first")
    assert hook.read_text() == script + "# mine\n" and "make lint" in kept.read_text()
