"""Shell completion offers record IDs, stage names and reasons from the repository."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import DEAL
from conftest import Repo
from conftest import beta_lead
from conftest import replaced


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


def test_completes_only_the_records_a_command_takes(filled: Repo):
    for status in ("won", "lost"):
        text = replaced(DEAL, "acme-erp", f"acme-{status}")
        filled.write(f"deals/2026-10/acme-{status}.yaml", replaced(
            text, "status: open",
            f"status: {status}" + ("\nlost_reason: budget" if status == "lost" else "")))
    for status in ("new", "contacted", "qualified", "disqualified", "converted"):
        more = {"disqualified": {"disqualify_reason": "not-icp"},
                "converted": {"converted": "{account: acme-oy}"}}.get(status, {})
        beta_lead(filled, id=f"lead-{status}",
                  status="qualified" if status == "converted" else status, **more)
    filled.commit("deals and leads in every status")
    open_deals, closed = ["acme-erp"], ["acme-lost", "acme-won"]
    expected = {
        "deal advance": open_deals, "deal move": open_deals, "deal win": open_deals,
        "deal lose": open_deals, "deal reopen": closed,
        "deal show": ["acme-erp", "acme-lost", "acme-won"],
        "lead contact": ["lead-new"],
        "lead qualify": ["lead-contacted", "lead-new"],
        "lead disqualify": ["lead-contacted", "lead-new", "lead-qualified"],
        "lead convert": ["lead-contacted", "lead-new", "lead-qualified"],
        "lead show": ["lead-contacted", "lead-converted", "lead-disqualified", "lead-new",
                      "lead-qualified"],
    }
    for command, ids in expected.items():
        prefix = "acme-" if command.startswith("deal") else "lead-"
        assert complete(filled, f"salescli {command} {prefix}") == ids, command


def test_log_completes_every_kind_of_target(filled: Repo):
    assert complete(filled, "salescli log call acme") == ["acme-erp", "acme-oy"]


def test_completes_from_the_repository_of_dash_c(filled: Repo, tmp_path):
    # from another folder, `-C PATH` (as the command itself takes it) says where
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "_SALESCLI_COMPLETE": "bash_complete",
           "COMP_WORDS": f"salescli -C {filled.root} deal show ac", "COMP_CWORD": "5"}
    out = subprocess.run([sys.executable, "-m", "salescli"], cwd=elsewhere, env=env,
                         capture_output=True, text=True).stdout
    assert out.splitlines() == ["plain,acme-erp"]
