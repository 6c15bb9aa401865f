from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Repo
from conftest import existing_project
from conftest import git

from salescli.cli import cli
from salescli.services.init import presets


def test_presets_are_the_five_seed_pipelines():
    assert presets() == ["default", "dynamics", "enterprise", "meeting-led", "startup"]


@pytest.mark.parametrize("preset", ["default", "meeting-led", "dynamics", "startup", "enterprise"])
def test_init_each_preset_then_check_passes(tmp_path: Path, preset: str):
    target = tmp_path / "x"
    result = CliRunner().invoke(cli, ["init", str(target), "--preset", preset])
    assert result.exit_code == 0, result.output
    check = CliRunner().invoke(cli, ["-C", str(target), "check"])
    assert check.exit_code == 0, check.output
    assert check.output == ""
    assert (target / "pipelines" / f"{preset}.yaml").is_file()
    log = git(target, "log", "--format=%s%n%b")
    assert f"repo(x): init with preset {preset}" in log
    assert "Salescli-Event: init" in log
    assert git(target, "status", "--porcelain") == ""


def test_init_writes_settings_owner_and_editor_schemas(repo: Repo):
    settings = (repo.root / "salescli.yaml").read_text()
    assert "owners: [anna]" in settings
    assert "default_pipeline: default" in settings
    vscode = json.loads((repo.root / ".vscode/settings.json").read_text())
    assert vscode["yaml.schemas"]["./schemas/deal.schema.json"] == ["deals/*/*.yaml"]
    schema = json.loads((repo.root / "schemas/deal.schema.json").read_text())
    assert sorted(schema["properties"]["status"]["enum"]) == ["lost", "open", "won"]
    assert "title" in schema["required"]


def test_init_refuses_an_existing_repository(repo: Repo):
    before = repo.head()
    result = repo.run("init", str(repo.root))
    assert result.exit_code == 1
    assert "salescli.yaml already exists" in result.output
    assert repo.head() == before


def test_init_adopts_an_existing_git_repository(tmp_path: Path):
    root = existing_project(tmp_path / "existing")
    result = CliRunner().invoke(cli, ["init", str(root), "--preset", "startup"])
    assert result.exit_code == 0, result.output
    assert git(root, "rev-list", "--count", "HEAD").strip() == "2"
    assert (root / "README").read_text() == "mine\n"


def test_init_unknown_preset_is_a_usage_error(tmp_path: Path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "y"), "--preset", "nope"])
    assert result.exit_code == 2
    assert "unknown preset 'nope'" in result.output
    assert not (tmp_path / "y").exists()


def test_commands_outside_a_repository_say_how_to_start(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check"])
    assert result.exit_code == 1
    assert "not a salescli repository" in result.output
    assert "salescli init" in result.output
    # in a bare repository (a server's copy) init is the wrong advice: a clone is right
    subprocess.run(["git", "init", "-q", "--bare", "srv.git"], check=True)
    monkeypatch.chdir(tmp_path / "srv.git")
    result = CliRunner().invoke(cli, ["deal", "list"])
    assert (result.exit_code, result.output) == (1, (
        f"Error: {(tmp_path / 'srv.git').resolve()} is a bare git repository: it has no work "
        "tree to hold records; run salescli in a clone of it (git clone)\n"))


def test_adopting_keeps_the_repositorys_own_pipeline_price_list_and_commented_vscode(
        tmp_path: Path):
    root = tmp_path / "own"
    (root / "pipelines").mkdir(parents=True)
    (root / ".vscode").mkdir()
    git(root, "init", "-q")
    mine = {"pipelines/default.yaml": "name: default\nstages:\n  - {id: only, probability: 5}\n",
            "products.yaml": "currency: USD\nproducts: []\n",
            ".vscode/settings.json": '{\n  // mine\n  "editor.fontSize": 14\n}\n'}
    for rel, text in mine.items():
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "mine")
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    assert ".vscode/settings.json is not plain JSON" in result.stderr
    for rel, text in mine.items():
        assert (root / rel).read_text() == text
    assert git(root, "status", "--porcelain") == ""


def test_init_takes_the_owner_from_the_identity_git_commits_with(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    # GIT_AUTHOR_NAME only (no user.name): the owner a commit's author is
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Anna Founder")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "anna@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Anna Founder")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "anna@example.com")
    from salescli.services.init import init_repository

    init_repository(tmp_path / "crm", "default")
    assert "\nowners: [anna]" in (tmp_path / "crm" / "salescli.yaml").read_text()


def test_init_commits_its_files_where_the_users_excludes_ignore_them(tmp_path: Path):
    """Many founders ignore `.vscode/` everywhere (a global excludes file): init still
    commits the editor settings it writes for the team, as every command's commit
    takes what salescli writes."""
    target = tmp_path / "x"
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    (target / ".git" / "info" / "exclude").write_text(".vscode/\n")
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert ".vscode/settings.json" in git(target, "ls-tree", "-r", "--name-only", "HEAD")
    assert git(target, "status", "--porcelain") == ""


def test_a_failed_first_commit_leaves_nothing_staged(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    """On a branch with no commit yet, git's index takes the files before salescli
    finds there is no HEAD to build on; when the commit then fails, nothing stays
    staged and no file written stays."""
    from salescli.store import gitio

    start = gitio.begin

    def failing_add(cwd, *args, **kw):
        return start(cwd, *(("add", "--no-such-option") if args[:1] == ("add",) else args),
                     **kw)

    target = tmp_path / "x"
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    monkeypatch.setattr(gitio, "begin", failing_add)
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 1 and "commit failed, nothing changed" in result.output
    assert git(target, "status", "--porcelain", "--untracked-files=all") == ""


def test_git_tracing_to_stderr_does_not_break_a_first_commit(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    """GIT_TRACE=1 (debugging git) wrote trace lines where salescli reads git's words:
    on a branch with no commit yet, "no HEAD" read as a failure of git."""
    for key in ("GIT_TRACE", "GIT_TRACE2_PERF"):
        monkeypatch.setenv(key, "1")
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "x")])
    assert result.exit_code == 0, result.output
    assert git(tmp_path / "x", "status", "--porcelain") == ""


def test_a_repository_option_naming_no_folder_says_so(tmp_path: Path):
    """`-C PATH` to a typo or a file: said as `git -C` says it, not as a folder that
    could be made a repository."""
    (tmp_path / "file").write_text("x")
    for path, why in ((tmp_path / "typo", "no such folder"), (tmp_path / "file", "not a folder")):
        result = CliRunner().invoke(cli, ["-C", str(path), "deal", "list"])
        assert (result.exit_code, result.output) == (
            1, f"Error: cannot change to {path.resolve()}: {why}\n")
