"""The demo's history is the commands' own: each kind of change the demo commits, run as
the salescli command where the demo made it (checked out at the commit before, as the
same person, on the same day), writes the same files and the same commit subject.

This is what keeps the demo from drifting into a second product (issue 14): a change to
a command's output that the demo does not share fails here.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from conftest import git

from salescli.services.demo import build_demo
from salescli.store.yamlio import load_fast

END = dt.date(2026, 11, 30)
PER_EVENT = 20  # commits of each kind, spread over the history


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    root = tmp_path_factory.mktemp("replay") / "crm"
    build_demo(root, deals=40, seed=1, end=END)
    return Repo(root)


def text(value: Any) -> str:
    """A value as a user types it on the command line."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (Decimal, float)):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value)


def options(values: dict[str, Any], names: dict[str, str]) -> list[str]:
    """`--option value` for each of `names` (field -> option) that has a value."""
    out = []
    for field, option in names.items():
        value = values.get(field)
        if isinstance(value, list):
            for v in value:
                out += [option, text(v)]
        elif value is not None:
            out += [option, text(value)]
    return out


def changed(before: dict, after: dict) -> dict[str, Any]:
    """Top-level and `next_step.` fields whose value differs, as `set` takes them."""
    out = {}
    for key in [*after, *(k for k in before if k not in after)]:  # in the file's order
        old, new = before.get(key), after.get(key)
        if key == "next_step" and isinstance(new, dict):
            out.update({f"next_step.{k}": v for k, v in new.items()
                        if (old or {}).get(k) != v})
        elif old != new:
            out[key] = new
    return out


def assignments(values: dict[str, Any]) -> list[str]:
    return [f"{k}={text(v)}" for k, v in values.items()]


def new_entry(before: dict | None, after: dict, key: str) -> tuple[int, dict]:
    """The entry a change appended to list `key`: its number from 1, and it."""
    old = (before or {}).get(key) or []
    new = after.get(key) or []
    assert len(new) == len(old) + 1, (key, old, new)
    return len(new), new[-1]


def command(event: str, kind: str, record_id: str, before: dict | None, after: dict,
            subject: str, body: str, files: dict[str, tuple[dict | None, dict]]
            ) -> list[str]:
    """The command line that makes this change."""
    reason = next((line[len("Reason: "):] for line in body.splitlines()
                   if line.startswith("Reason: ")), None)
    if event == "log":
        _, act = new_entry(before, after, "activities")
        evaluation = act.get("evaluation") or {}
        return ["log", act["type"], f"{kind}:{record_id}", act["summary"],
                *options(act, {"outcome": "--outcome", "status": "--status", "with": "--with"}),
                *options(evaluation, {"went_well": "--went-well", "improve": "--improve"})]
    if event == "task":
        done = re.search(r"\): task (\d+) done: ", subject)
        if done:
            return ["task", "done", f"{kind}:{record_id}", done.group(1)]
        _, act = new_entry(before, after, "activities")
        return ["task", "add", f"{kind}:{record_id}", act["summary"], "--due",
                text(act["due"])]
    if event == "tick":
        stage, item = subject.split("tick ", 1)[1].split(": ", 1)
        return ["deal", "tick", record_id, item]
    if event == "set":
        return [kind, "set", record_id, *assignments(changed(before or {}, after))]
    if event in ("advance", "win"):
        return ["deal", event, record_id]
    if event == "move":
        return ["deal", "move", record_id, after["stage"], "--reason", reason]
    if event == "lose":
        return ["deal", "lose", record_id, "--reason", after["lost_reason"],
                *options(after, {"lost_note": "--note", "revisit": "--revisit"})]
    if event == "item":
        if " remove item " in f" {subject.split(': ', 1)[1]} ":
            gone = [i for i, item in enumerate(before["items"], 1)
                    if item not in after["items"]]
            return ["deal", "item", "remove", record_id, str(gone[0])]
        _, item = new_entry(before, after, "items")
        approved = after.get("approved_by") if after.get("approved_by") != (
            before or {}).get("approved_by") else None
        return ["deal", "item", "add", record_id, item["product"],
                *options(item, {"quantity": "--quantity", "discount": "--discount",
                                "billing": "--billing"}),
                *(["--approved-by", approved] if approved else [])]
    if event == "stakeholder":
        contact = subject.split("stakeholder ", 1)[1].split()[0]
        role = next((s.get("role") for s in after["stakeholders"] if s["contact"] == contact),
                    None)
        return ["deal", "stakeholder", record_id, contact, *(["--role", role] if role else [])]
    if event == "contact" and kind == "lead":
        return ["lead", "contact", record_id]
    if event == "contact":
        old = {c["id"]: c for c in (before or {}).get("contacts") or []}
        for c in after["contacts"]:
            if c["id"] not in old:
                return ["contact", "add", record_id, c["name"], "--id", c["id"],
                        *options(c, {"email": "--email", "phone": "--phone", "title": "--title",
                                     "role": "--role", "influence": "--influence"})]
            if c != old[c["id"]]:
                return ["contact", "set", record_id, c["id"],
                        *assignments(changed(old[c["id"]], c))]
    if event in ("qualify", "disqualify"):
        return ["lead", event, record_id,
                *(["--reason", after["disqualify_reason"]] if event == "disqualify" else [])]
    if event == "quote":
        return ["quote", record_id]
    if event == "quote-accept":
        return ["quote", "accept", record_id]
    if event == "add" and kind == "account":
        return ["account", "add", after["name"], "--id", record_id,
                *options(after, {"business_id": "--business-id", "address": "--address",
                                 "domain": "--domain", "industry": "--industry",
                                 "region": "--region", "size": "--size", "owner": "--owner",
                                 "tags": "--tag"})]
    if event == "add" and kind == "lead":
        contact = after.get("contact") or {}
        return ["lead", "add", after["company"], "--id", record_id,
                *options(contact, {"name": "--contact", "email": "--email", "phone": "--phone",
                                   "title": "--title"}),
                *options(after, {"source": "--source", "owner": "--owner"})]
    if event == "add" and kind == "deal":
        return ["deal", "add", after["title"], "--account", after["account"], "--id", record_id,
                *options(after, {"value": "--value", "close_date": "--close-date",
                                 "source": "--source", "owner": "--owner",
                                 "currency": "--currency"})]
    if event == "convert":
        deal = next((a for p, (b, a) in files.items() if p.startswith("deals/") and b is None),
                    None)
        if deal is None:
            return ["lead", "convert", record_id, "--no-deal"]
        return ["lead", "convert", record_id, "--title", deal["title"],
                *options(deal, {"value": "--value", "close_date": "--close-date"})]
    raise AssertionError(f"no command for {event} {kind} {record_id}: {subject}")


def replays(demo: Repo) -> list[tuple[str, str]]:
    """(event, commit) for PER_EVENT commits of each kind of change, spread evenly from
    its first to its last (a quote re-issued before a win comes late)."""
    out: dict[str, list[str]] = {}
    log = demo.git("log", "--reverse", "--format=%H%x09%(trailers:key=Salescli-Event,"
                   "valueonly)")
    for line in log.splitlines():
        sha, _, event = line.partition("\t")
        if event and event != "init":
            out.setdefault(event, []).append(sha)
    picked = []
    for event, shas in sorted(out.items()):
        step = max(1, (len(shas) - 1) / max(1, PER_EVENT - 1))
        picked += [(event, shas[i]) for i in sorted({round(n * step) for n in
                                                     range(PER_EVENT)}) if i < len(shas)]
    return picked


KINDS = {"deals": "deal", "leads": "lead", "accounts": "account"}


def show(root: Path, spec: str) -> str | None:
    """A file at a commit (`SHA:PATH`), or None where it is not."""
    proc = subprocess.run(["git", "show", spec], cwd=root, capture_output=True, text=True,
                          encoding="utf-8")
    return proc.stdout if proc.returncode == 0 else None


def made(root: Path, rev: str) -> tuple[str, list[str]]:
    """A commit's whole message and the files it changed."""
    out = subprocess.run(["git", "show", "--name-only", "--format=%B%x00", rev], cwd=root,
                         capture_output=True, text=True, encoding="utf-8", check=True).stdout
    message, _, files = out.partition("\0")
    return message, sorted(files.split())


def test_every_kind_of_demo_change_is_replayed(demo: Repo):
    events = {event for event, _ in replays(demo)}
    assert events >= {"add", "advance", "contact", "convert", "disqualify", "item", "lose",
                      "log", "move", "qualify", "quote", "quote-accept", "set",
                      "stakeholder", "task", "tick", "win"}, events


def test_the_commands_replay_the_demos_changes(demo: Repo, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "copy"
    git(tmp_path, "clone", "-q", str(demo.root), str(root))
    copy = Repo(root)
    differences = []
    for event, sha in replays(copy):
        author, day, subject, body = copy.git(
            "log", "-1", "--format=%an%x00%ad%x00%s%x00%b", "--date=short", sha).split("\0")
        message, paths = made(root, sha)
        files: dict[str, tuple[dict | None, dict]] = {}
        for path in paths:
            if path.endswith(".yaml"):
                before = show(root, f"{sha}~:{path}")
                files[path] = (None if before is None else load_fast(before),
                               load_fast(show(root, f"{sha}:{path}")))
        kind_of = subject.split("(", 1)[0]
        record_id = subject.split("(", 1)[1].split(")", 1)[0]
        own = next(p for p in files if p.endswith(f"/{record_id}.yaml")
                   and KINDS[p.split("/", 1)[0]] == kind_of)
        args = command(event, kind_of, record_id, *files[own], subject, body, files)
        copy.git("checkout", "-q", "-f", f"{sha}~")
        # the demo's author makes the change: the name git commits with (GIT_AUTHOR_NAME
        # here, as the tests set it) is whose it is (`default_owner`)
        monkeypatch.setenv("GIT_AUTHOR_NAME", author)
        result = copy.run(*args, "--date", day)
        where = f"{event} {sha[:8]} {args}"
        if result.exit_code != 0:
            differences.append(f"{where}: exit {result.exit_code}: {result.output.strip()}")
            continue
        mine, my_paths = made(root, "HEAD")
        if mine != message:
            differences.append(f"{where}: message {mine!r}, demo {message!r}")
        if my_paths != paths:
            differences.append(f"{where}: files {my_paths}, demo {paths}")
        for path in paths:
            if show(root, f"HEAD:{path}") != show(root, f"{sha}:{path}"):
                differences.append(f"{where}: {path} differs")
    assert not differences, "\n".join(differences)
