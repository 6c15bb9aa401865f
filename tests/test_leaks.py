"""No leaks: library calls leave no git child process and no open file behind."""

from __future__ import annotations

import os
import threading
import time

import pytest
from conftest import DEAL
from conftest import Repo
from conftest import processes
from conftest import replaced

from salescli.core.errors import SalescliError
from salescli.services.edit import Session
from salescli.store import gitio
from salescli.store import history

DEAL_PATH = "deals/2026-10/acme-erp.yaml"


def children() -> set[str]:
    """Processes (zombies too: a child never waited for) whose parent is this one.

    Compared with a count taken before: earlier tests may leave multiprocessing's own
    long-lived helper (its resource tracker) running, which is not ours to judge.
    """
    return {f"{pid} {name}" for pid, name, fields in processes()
            if int(fields[1]) == os.getpid()}


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def calls(filled: Repo):
    """One library call each time, round the ways salescli reaches git and files."""
    repo = filled.repo
    n = 0
    while True:
        match n % 5:
            case 0:
                history.load_history(repo.root)
            case 1:
                history.load_history(repo.root, use_cache=False)
            case 2:
                gitio.git(repo.root, "rev-parse", "HEAD")
            case 3:
                repo.load("deal", "acme-erp")
            case 4:
                with Session(repo, "deal", "acme-erp", "set", commit=False) as s:
                    s.set(s.load("deal", "acme-erp"), {"value": 1000 + n})
                gitio.git(repo.root, "checkout", "--", DEAL_PATH)
        n += 1
        yield


def test_a_thousand_library_calls_leave_no_child_and_no_open_file(filled: Repo):
    filled.run("log", "note", "acme-erp", "history", "--date", "2026-10-20")
    steps = calls(filled)
    for _ in range(5):  # imports, lazily opened files and caches settle first
        next(steps)
    fds, before = open_fds(), children()
    for _ in range(1000):
        next(steps)
    assert children() - before == set()
    assert open_fds() <= fds + 2
    assert filled.status() == ""


@pytest.mark.parametrize("where", ["reader thread", "log parser"])
def test_a_failing_history_read_leaves_no_git_behind(filled: Repo, monkeypatch, where):
    for n in range(3):  # enough history that git is still running when the read fails
        filled.write(f"deals/2026-10/d{n}.yaml", replaced(DEAL, "acme-erp", f"d{n}"))
        filled.commit(f"d{n}")
    repo = filled.repo
    history.load_history(repo.root, use_cache=False)  # warm
    fds, threads, before = open_fds(), threading.active_count(), children()

    def boom(*args, **kw):
        raise SalescliError("boom")

    monkeypatch.setattr(history, "read_fields" if where == "reader thread" else "_parse_log",
                        boom)
    for _ in range(20):
        with pytest.raises(SalescliError, match="boom"):
            history.load_history(repo.root, use_cache=False)
    assert children() - before == set()
    assert open_fds() <= fds + 2
    for _ in range(100):  # the blob reader thread ends once its git is gone
        if threading.active_count() <= threads:
            break
        time.sleep(0.01)
    assert threading.active_count() <= threads


def test_a_commit_that_fails_before_reading_head_leaves_no_git_behind(filled: Repo,
                                                                       monkeypatch):
    """The direct commit reads HEAD while git hashes the files: a failure while hashing
    ends that git too."""
    from salescli.core.errors import CommitFailed

    def boom(self, stats, filemode):
        raise CommitFailed("commit failed, nothing changed: boom")

    monkeypatch.setattr(gitio.Change, "_blobs", boom)
    head, fds, before = filled.head(), open_fds(), children()
    for n in range(5):
        r = filled.run("deal", "set", "acme-erp", f"value={1000 + n}")
        assert r.exit_code == 1 and "boom" in r.stderr
    assert children() - before == set()
    assert open_fds() <= fds + 2
    assert filled.head() == head and filled.status() == ""
