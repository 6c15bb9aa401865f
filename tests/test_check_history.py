"""`check --history`: stage changes in history that broke the pipeline's rules."""

from __future__ import annotations

import json
import os

from conftest import Repo

DEAL = "deals/2026-10/acme-erp.yaml"


def hand_edit(repo: Repo, old: str, new: str, when: str, message: str = "hand edit") -> str:
    repo.edit(DEAL, f"stage: {old}", f"stage: {new}")
    repo.git("add", DEAL)
    env = {**os.environ, "GIT_AUTHOR_DATE": when}
    import subprocess

    subprocess.run(["git", "commit", "-qm", message], cwd=repo.root, env=env, check=True)
    return repo.head()


def findings(repo: Repo, *args: str) -> list[dict]:
    r = repo.run("check", "--history", "--format", "json", *args)
    assert r.exit_code == 0, r.output  # warnings only: history cannot be undone
    return [d for d in json.loads(r.output)["diagnostics"] if d["code"] == "history"]


def test_skips_and_reasonless_moves_back_are_warned_with_commit_deal_and_stages(filled: Repo):
    skip = hand_edit(filled, "needs-analysis", "negotiation", "2026-10-10T09:00:00Z")
    back = hand_edit(filled, "negotiation", "proposal", "2026-10-12T09:00:00Z")
    fine = hand_edit(filled, "proposal", "needs-analysis", "2026-10-14T09:00:00Z",
                     "deal(acme-erp): move\n\nReason: Scope changed")
    found = findings(filled)
    assert [f["message"] for f in found] == [
        f"commit {skip[:7]} (2026-10-10): deal acme-erp skipped proposal "
        "(needs-analysis -> negotiation); pipeline `default` has rules.skip: false",
        f"commit {back[:7]} (2026-10-12): deal acme-erp moved back negotiation -> proposal "
        "without a recorded reason (rules.backward: with-reason; use `deal move --reason`)",
    ]
    assert fine not in json.dumps(found)
    assert all(f["path"] == DEAL and f["severity"] == "warning" for f in found)
    assert findings(filled, "--no-cache") == found


def test_rules_come_from_the_pipeline(filled: Repo):
    filled.edit("pipelines/default.yaml", "skip: false", "skip: true")
    filled.edit("pipelines/default.yaml", "backward: with-reason", "backward: free")
    filled.commit("allow skipping and moving back")
    hand_edit(filled, "needs-analysis", "contracting", "2026-10-10T09:00:00Z")
    hand_edit(filled, "contracting", "proposal", "2026-10-11T09:00:00Z")
    assert findings(filled) == []


def test_commands_that_follow_the_rules_leave_no_warning(filled: Repo):
    r = filled.run("deal", "move", "acme-erp", "needs-analysis", "--reason", "x")
    assert r.exit_code == 1  # already there: refused, nothing in history
    assert findings(filled) == []
    r = filled.run("check", "--history")
    assert r.exit_code == 0 and r.output == ""


def test_an_approved_by_written_by_someone_else_is_warned(filled: Repo):
    path = filled.root / DEAL
    import subprocess

    def write_approval(who: str, author: str, email: str, when: str) -> str:
        text = path.read_text().split("approved_by:")[0]
        path.write_text(text + f"approved_by: {who}\n")
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_AUTHOR_NAME": author,
               "GIT_AUTHOR_EMAIL": email}
        subprocess.run(["git", "commit", "-qam", "approve"], cwd=filled.root, env=env,
                       check=True)
        return filled.head()

    forged = write_approval("ville", "Anna Tester", "anna@example.com", "2026-10-10T09:00:00Z")
    write_approval("sara", "Sara Nyberg", "sn@example.com", "2026-10-11T09:00:00Z")
    write_approval("ville", "V. Korpela", "ville@example.com", "2026-10-12T09:00:00Z")
    assert [f["message"] for f in findings(filled)] == [
        f"commit {forged[:7]} (2026-10-10): deal acme-erp approved_by `ville` written by "
        "Anna Tester <anna@example.com>, not by ville"]
    assert findings(filled, "--no-cache") == findings(filled)
