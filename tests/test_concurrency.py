"""Concurrency (SPEC §5): parallel mutating commands never mix or lose changes."""

from __future__ import annotations

import os
import subprocess

from conftest import SALESCLI
from conftest import Repo
from conftest import write_open_deals


def test_twenty_parallel_commands_make_twenty_clean_commits(repo: Repo):
    write_open_deals(repo, 6)
    base = repo.head()
    # d0..d5 each get a set; d0 and d1 also get 4 notes each (same file: the lock
    # serialises them, so none may be lost); 6 new records
    commands = [["deal", "set", f"d{n}", f"value={100 + n}"] for n in range(6)]
    commands += [["log", "note", f"d{n % 2}", f"note {n}", "--date", "2026-10-20"]
                 for n in range(8)]
    commands += [["deal", "add", f"New {n}", "--account", "acme-oy", "--id", f"new-{n}",
                  "--value", "5", "--close-date", "2027-02-01", "--date", "2026-11-03"]
                 for n in range(3)]
    commands += [["account", "add", f"Firm {n}", "--id", f"firm-{n}", "--date", "2026-11-02"]
                 for n in range(3)]
    assert len(commands) == 20
    env = {**os.environ, "SALESCLI_REPO": str(repo.root), "SALESCLI_LOCK_TIMEOUT": "120"}
    procs = [subprocess.Popen([SALESCLI, *args], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for args in commands]
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    shas = repo.git("log", "--format=%H", f"{base}..HEAD").split()
    assert len(shas) == 20
    touched = []
    for sha in shas:
        subject = repo.git("log", "-1", "--format=%s", sha).strip()
        files = repo.git("show", "--name-only", "--format=", sha).split()
        kind, rid = subject.split("(", 1)[0], subject.split("(", 1)[1].split(")")[0]
        assert files == [f"{kind}s/{'2026-11' if '-' in rid else '2026-10'}/{rid}.yaml"], (
            subject, files)
        touched.append(rid)
    assert sorted(touched) == sorted(
        [f"d{n}" for n in range(6)] + ["d0", "d1"] * 4
        + [f"new-{n}" for n in range(3)] + [f"firm-{n}" for n in range(3)])
    assert repo.status() == ""
    for n in range(6):  # every change is in the final files: no lost update
        text = (repo.root / f"deals/2026-10/d{n}.yaml").read_text()
        assert f"value: {100 + n}.00" in text
        for k in range(8):
            assert (f"summary: note {k}\n" in text) == (k % 2 == n), (n, k)
    for n in range(3):
        assert (repo.root / f"deals/2026-11/new-{n}.yaml").is_file()
        assert (repo.root / f"accounts/2026-11/firm-{n}.yaml").is_file()


def test_a_lock_timeout_that_is_no_number_is_refused_before_anything(filled: Repo,
                                                                     monkeypatch):
    for bad in ("abc", "-1", "nan"):
        monkeypatch.setenv("SALESCLI_LOCK_TIMEOUT", bad)
        before = filled.state()
        result = filled.run("deal", "set", "acme-erp", "value=1")
        assert result.exit_code == 2
        assert result.stderr.startswith(f"Error: SALESCLI_LOCK_TIMEOUT='{bad}':")
        assert filled.state() == before
