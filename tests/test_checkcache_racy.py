"""`check` keeps its answer only for files that settled, by change time as well as
modification time: `cp -p` writes a file now and gives it an old mtime."""

from __future__ import annotations

import os
import time

from conftest import Repo
from conftest import replaced

from salescli.services import checkcache


def test_cp_p_twice_within_one_clock_tick(filled: Repo, monkeypatch) -> None:
    real = checkcache._lstat

    def coarse(root: str, rel: str) -> tuple:  # a file system with one-second times
        st = real(root, rel)
        return st if len(st) == 1 else (*st[:3], st[3] // 10**9 * 10**9,
                                        st[4] // 10**9 * 10**9, st[5])

    monkeypatch.setattr(checkcache, "_lstat", coarse)
    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    text = deal.read_text()
    broken = replaced(text, "stage: needs-analysis", "stage: needs-analysiX")
    assert len(broken) == len(text) and broken != text
    old = time.time_ns() - 40 * 86400 * 10**9
    time.sleep(1 - time.time() % 1 + 0.01)  # at the start of a second
    deal.write_text(text)
    for path in [filled.root, *filled.root.rglob("*")]:  # as if cloned long ago, by mtime
        if ".git" not in path.relative_to(filled.root).parts:
            os.utime(path, ns=(old, old), follow_symlinks=False)
    assert filled.run("check").exit_code == 0
    deal.write_text(broken)  # the same size, the same old mtime, the same second
    os.utime(deal, ns=(old, old))
    result = filled.run("check")
    assert result.exit_code == 1, result.output
    assert "needs-analysiX" in result.output
