"""Shell completion offers record IDs, stage names and reasons from the repository."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import Repo


def complete(repo: Repo, words: str) -> list[str]:
    env = {**os.environ, "_SALESCLI_COMPLETE": "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split(" ")) - 1)}
    out = subprocess.run([sys.executable, "-m", "salescli"], cwd=repo.root, env=env,
                         capture_output=True, text=True).stdout
    return [line.split(",", 1)[1] for line in out.splitlines() if "," in line]


def test_completes_ids_stages_and_reasons(filled: Repo):
    assert complete(filled, "salescli deal show ac") == ["acme-erp"]
    assert complete(filled, "salescli deal move acme-erp pro") == ["proposal"]
    assert complete(filled, "salescli deal lose acme-erp --reason bu") == ["budget"]
    assert complete(filled, "salescli account show ") == ["acme-oy"]
