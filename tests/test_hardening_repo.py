"""The repository's state is never silently misread, and nothing is written outside it.

A repository git refuses, a missing identity, a failed `init`, committed records that
`check` rejects, and symlinked folders: each is one clear error (or one warning) and
leaves the repository exactly as it was.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import Repo

# ------------------------------------------------------- a repository git refuses


@pytest.fixture
def dubious(filled: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """`filled`, with git refusing it for "dubious ownership".

    As root (CI, this machine) the repository really belongs to someone else; as
    another user git's own switch for the same check stands in for the chown.
    """
    filled.run("report", "funnel")  # a warm cache must not hide the refusal either
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "1234:1234", str(filled.root)], check=True)
    else:
        monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    assert subprocess.run(["git", "status"], cwd=filled.root,
                          capture_output=True).returncode != 0
    return filled


def _refused(r, root: Path) -> None:
    assert r.exit_code == 1, r.output
    assert "dubious ownership" in r.stderr
    assert f"git config --global --add safe.directory {root}" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


def _trusted_head(repo: Repo) -> str:
    return subprocess.run(["git", "-c", f"safe.directory={repo.root}", "rev-parse", "HEAD"],
                          cwd=repo.root, capture_output=True, text=True).stdout.strip()


@pytest.mark.parametrize("args", [
    ("report", "funnel"),
    ("report", "funnel", "--no-cache"),
    ("report", "forecast", "--format", "json"),
    ("report", "changes"),
    ("stale",),
    ("today",),
    ("check", "--history"),
    ("review", "HEAD"),
    ("deal", "set", "acme-erp", "value=1"),
])
def test_a_repository_git_refuses_is_an_error_with_gits_fix(dubious: Repo, args: tuple):
    head, files = _trusted_head(dubious), dubious.snapshot()
    r = dubious.run(*args)
    _refused(r, dubious.root)
    assert "deals: 0" not in r.stdout and "(none)" not in r.stdout
    assert (_trusted_head(dubious), dubious.snapshot()) == (head, files)


def test_export_of_a_repository_git_refuses_writes_nothing(dubious: Repo, tmp_path: Path):
    out = tmp_path / "export"
    r = dubious.run("export", "--format", "jsonl", "--out", str(out))
    _refused(r, dubious.root)
    assert not out.exists()
