"""A pipeline in a folder of a bigger repository (`crm/` of a monorepo): every command
commits its files under that folder, as `git commit` would, and leaves nothing staged
or changed behind."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import SOON
from conftest import Repo
from conftest import existing_project
from conftest import git

from salescli.services.init import init_repository

LATER = (dt.date.fromisoformat(SOON) + dt.timedelta(days=28)).isoformat()


@pytest.fixture
def crm(tmp_path: Path) -> Repo:
    top = existing_project(tmp_path / "mono")
    init_repository(top / "crm", "default")
    return Repo(top / "crm")


def clean_and_under_crm(r: Repo) -> None:
    top = r.root.parent
    assert git(top, "status", "--porcelain") == ""
    files = git(top, "ls-tree", "-r", "--name-only", "HEAD").split()
    assert [f for f in files if not f.startswith("crm/")] == ["README"]


@pytest.mark.parametrize("hooked", [False, True], ids=["direct", "with-a-hook"])
def test_commands_commit_under_the_folder(crm: Repo, hooked: bool) -> None:
    r = crm
    clean_and_under_crm(r)
    if hooked:  # a commit hook of the user's: salescli leaves the commit to `git commit`
        hook = r.root.parent / ".git" / "hooks" / "pre-commit"
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
    owner = "anna"  # the owner init finds in the git identity of the tests
    for args in (["account", "add", "Acme Oy", "--owner", owner],
                 ["deal", "add", "ERP", "--account", "acme-oy", "--value", "1000",
                  "--close-date", SOON, "--owner", owner],
                 ["deal", "set", "erp", "value=2000"],
                 ["deal", "set", "erp", f"close_date={LATER}"],
                 ["log", "call", "erp", "Intro call"]):
        result = r.run(*args)
        assert result.exit_code == 0, (args, result.output)
        clean_and_under_crm(r)
    assert r.run("check").exit_code == 0
    assert "acme-oy" in r.run("account", "list").output


def test_an_import_commits_under_the_folder(crm: Repo, tmp_path: Path) -> None:
    companies = tmp_path / "companies.csv"
    companies.write_text("Company,Web,Added\nBeta Ltd,beta.example,2024-04-02\n")
    result = crm.run("import", "csv", str(companies), "--kind", "account",
                     "--map", "Company=name,Web=domain", "--date-column", "Added")
    assert result.exit_code == 0, result.output
    clean_and_under_crm(crm)
    assert (crm.root / "accounts/2024-04/beta-ltd.yaml").is_file()


def test_reports_read_the_history_under_the_folder(crm: Repo) -> None:
    """git prints the log's paths from the top of the repository (`crm/deals/...`): the
    history is read relative to the pipeline's folder, so reports count its deals."""
    owner = "anna"
    for args in (["account", "add", "Acme Oy", "--owner", owner],
                 ["deal", "add", "ERP", "--account", "acme-oy", "--value", "1000",
                  "--close-date", SOON, "--owner", owner]):
        assert crm.run(*args).exit_code == 0
    funnel = crm.run("report", "funnel", "--format", "json")
    assert funnel.exit_code == 0, funnel.output
    import json

    assert json.loads(funnel.stdout)["totals"]["deals"] == 1


def test_two_pipelines_in_one_repository_keep_their_own_caches(tmp_path: Path) -> None:
    """`fi/` and `se/` in one repository: each command answers for its own pipeline,
    from its own caches (the second used to read the first's history cache: its funnel
    counted the other pipeline's deal)."""
    top = existing_project(tmp_path / "mono")
    init_repository(top / "fi", "default")
    init_repository(top / "se", "default")
    fi, se = Repo(top / "fi"), Repo(top / "se")
    for args in (["account", "add", "Acme Oy", "--owner", "anna"],
                 ["deal", "add", "ERP", "--account", "acme-oy", "--value", "1000",
                  "--close-date", SOON, "--owner", "anna"]):
        assert fi.run(*args).exit_code == 0
    fi.write("accounts/broken.yaml", "id: broken\nname: [\n")
    fi.git("add", "accounts/broken.yaml")
    commands = (["report", "funnel", "--format", "json"],
                ["report", "forecast", "--format", "json"], ["today", "--format", "json"],
                ["stale", "--format", "json"], ["deal", "list", "--format", "json"],
                ["account", "list", "--format", "json"], ["check"], ["check", "--staged"])
    answers: dict[tuple[str, ...], str] = {}
    for r in (fi, se, fi, se):  # each after the other's run: caches warm both times
        for args in commands:
            got = r.run(*args)
            fresh = r.run(*args, "--no-cache")
            assert (got.exit_code, got.output) == (fresh.exit_code, fresh.output), (r, args)
            answers[(r.root.name, *args)] = got.output
    assert "acme-oy" in answers[("fi", "deal", "list", "--format", "json")]
    assert "acme-oy" not in answers[("se", "deal", "list", "--format", "json")]
    assert "broken" in answers[("fi", "check", "--staged")]
    assert "broken" not in answers[("se", "check", "--staged")]
    caches = top / ".git" / "salescli" / "roots"
    assert sorted(p.name for p in caches.iterdir()) == ["fi", "se"]


def test_the_first_command_of_a_pipeline_in_a_folder_keeps_its_caches(crm: Repo) -> None:
    # `.git/salescli/roots/` did not exist yet: every cache was left unwritten (each
    # report read the whole history again) until a listing made the folder
    shutil.rmtree(crm.root.parent / ".git" / "salescli", ignore_errors=True)
    assert crm.run("report", "funnel").exit_code == 0
    folder = crm.root.parent / ".git" / "salescli" / "roots" / "crm"
    assert (folder / "deal-timelines.cache").is_file(), sorted(folder.parent.parent.rglob("*"))
    assert crm.run("check", "--staged").exit_code == 0
    assert (folder / "staged.sqlite").is_file(), sorted(p.name for p in folder.iterdir())


def test_a_pipeline_in_a_folder_of_a_shallow_clone_refuses_its_history(crm: Repo) -> None:
    # the clone's git directory is the bigger repository's, above the pipeline's folder
    (crm.root.parent / ".git" / "shallow").write_text("0123abcd\n")
    result = crm.run("report", "funnel")
    assert result.exit_code == 1
    assert "this clone is shallow (git clone --depth)" in result.stderr


@pytest.mark.parametrize("hooked", [False, True], ids=["direct", "with-a-hook"])
def test_a_call_keeps_the_stage_days_of_a_pipeline_in_a_folder(
        crm: Repo, hooked: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # the files a commit wrote are named from the top of the work tree (`crm/deals/...`)
    from salescli.store import history

    if hooked:
        hook = crm.root.parent / ".git" / "hooks" / "pre-commit"
        hook.write_text("#!/bin/sh\nexit 0\n")
        hook.chmod(0o755)
    assert crm.run("account", "add", "Acme Oy", "--owner", "anna").exit_code == 0
    assert crm.run("deal", "add", "ERP", "--account", "acme-oy", "--value", "1000",
                   "--close-date", SOON, "--owner", "anna").exit_code == 0
    kept = history.stage_entered(crm.root)
    assert crm.run("log", "call", "erp", "Intro call").exit_code == 0
    monkeypatch.setattr(history, "load_history", lambda *a, **k: pytest.fail("read"))
    monkeypatch.setattr(history, "_moves_resumed", lambda *a, **k: pytest.fail("read"))
    assert history.stage_entered(crm.root) == kept
