"""`review REV_RANGE`: what a branch or pull request does to the pipeline, as data
and as a pull-request comment in Markdown."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

from salescli.core.errors import UsageError
from salescli.core.reports import OTHER_CHANGES
from salescli.services.read import Warn


def parse_range(repo: Any, spec: str) -> tuple[str, str, str]:
    """(base, head, shown range) for `A..B`, `A...B` or `A` (A..HEAD). The base is where
    B left A (their merge base), as a pull request shows it: the commits of `A..B` are
    B's own, and the pipeline before them is the one they started from, not A's as A
    went on meanwhile."""
    from salescli.store import gitio

    if not spec.strip():  # (git's `A..` and `..B` mean HEAD on the empty side; "" is no range)
        raise UsageError("empty range: use A..B, A...B or A (as A..HEAD)")
    if "..." in spec:
        left, right = spec.split("...", 1)
    elif ".." in spec:
        left, right = spec.split("..", 1)
    else:
        left, right = spec, "HEAD"
    left, right = left or "HEAD", right or "HEAD"
    if ".." in left or ".." in right or left.endswith(".") or right.startswith("."):
        raise UsageError(f"invalid range {spec!r}: use A..B, A...B or A (as A..HEAD)")
    for rev in (left, right):
        if rev.startswith("-") or gitio.rev_parse(repo.root, rev) is None:
            raise UsageError(f"unknown revision {rev!r} in {spec!r}")
    found = gitio.git(repo.root, "merge-base", "--end-of-options", left, right, check=False)
    base = found.stdout.strip() or left  # unrelated histories: from A itself
    return base, right, f"{left}..{right}" if ".." not in spec else spec


def _signed(value: Any) -> str:
    from salescli.core.money import grouped

    return ("+" if value >= 0 else "-") + grouped(abs(value))


NOTE_CHARS = 60  # a lost note longer than this shows cut, with `…`, in the comment
EXPLAINED = ("moved-back", "lost", "value-up", "value-down")  # rows that say why or how


def _free(text: str, limit: int | None = None) -> str:
    """Free text (a reason, a note) for the comment: one line, no HTML, maybe cut."""
    import html

    from salescli.core.commitmsg import one_line

    text = one_line(text).strip()
    if limit and len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    return html.escape(text, quote=False)


def reason(event: dict[str, Any]) -> str:
    """Why, as the comment says it: a loss's lost reason and (short) note, a move
    back's `Reason:`; "" for the other events and a move back without one."""
    if event["change"] == "lost":
        text = _free(str(event.get("reason") or "no lost reason"))
        return f"{text}: {_free(event['note'], NOTE_CHARS)}" if event.get("note") else text
    if event["change"] == "moved-back" and event.get("reason"):
        return _free(event["reason"])
    return ""


def why(event: dict[str, Any]) -> str:
    """What the summary says of one event beyond its deal: a loss's reason, a move
    back's stages and reason, a value's change (old → new)."""
    from salescli.core.money import grouped

    if event["change"] == "moved-back":
        moved = f"{event['old']} → {event['new']}"
        return f"{moved}: {reason(event)}" if reason(event) else moved
    if event["field"] == "value":
        return f"{grouped(event['old'])} → {grouped(event['new'])}"
    return reason(event)


def markdown(payload: dict[str, Any]) -> str:
    """The review as a pull-request comment."""

    from salescli.core.money import grouped
    from salescli.store.templates import cell as table_cell

    def cell(value: Any) -> str:  # free text is text: `_md_` is not emphasis in a PR
        return re.sub(r"([*_`~\[\]])", r"\\\1", table_cell(value))

    out = [f"### Pipeline review: `{payload['range']}`", ""]
    done = [r for r in payload["rows"] if r["count"]]
    other: dict[str, list[dict]] = {}  # the changes beyond report changes' kinds
    for e in payload["events"]:
        if e["change"] in OTHER_CHANGES:
            other.setdefault(e["change"], []).append(e)
    if not done and not payload["removed"] and not payload["renamed"] and not other:
        out.append(f"{payload['commits']} commit(s); no change to deals or leads.")
    else:
        out.append(f"{payload['commits']} commit(s).")
        out += ["", "| change | count | value | deals |", "|---|---:|---:|---|"]
        for r in done:
            value = "" if r["value"] is None else f"{grouped(r['value'])} {r['currency']}"
            deals = ", ".join(r["deals"])
            if r["change"] in EXPLAINED:  # each event: `beta (budget: Frozen until Q3)`
                deals = "; ".join(f"{e['deal']} ({why(e)})" for e in payload["events"]
                                  if e["change"] == r["change"]
                                  and e["currency"] == r["currency"])
            out.append(f"| {r['change']} | {r['count']} | {value} | {cell(deals)} |")
        for change in OTHER_CHANGES:  # each event with its old and new value
            if change in other:
                deals = "; ".join(f"{e['deal']} ({'-' if e['old'] is None else e['old']} → "
                                  f"{'-' if e['new'] is None else e['new']})"
                                  for e in other[change])
                out.append(f"| {change} | {len(other[change])} |  | {cell(deals)} |")
        if payload["renamed"]:
            out.append(f"| renamed | {len(payload['renamed'])} |  | " + cell(", ".join(
                f"{r['from']} → {r['to']}" for r in payload["renamed"])) + " |")
        if payload["removed"]:
            out.append(f"| removed | {len(payload['removed'])} |  | "
                       f"{cell(', '.join(payload['removed']))} |")
    if payload["skipped"]:
        out += ["", f"**{len(payload['skipped'])} record file(s) hold a committed version "
                    "`salescli check` rejects** (each counts as its last valid version, if "
                    "any): " + ", ".join(f"`{table_cell(p)}`" for p in payload["skipped"])]
    pipe = payload["pipeline"]
    if pipe["after"] or pipe["before"]:
        out += ["", "**Open pipeline**", "", "| currency | deals | value | weighted |",
                "|---|---:|---:|---:|"]
        for cur, change in pipe["change"].items():
            a = pipe["after"].get(cur, {"count": 0, "value": 0, "weighted": 0})
            out.append(f"| {cur} | {a['count']} ({change['count']:+d}) | "
                       f"{grouped(a['value'])} ({_signed(change['value'])}) | "
                       f"{grouped(a['weighted'])} ({_signed(change['weighted'])}) |")
    if payload["events"]:
        out += ["", "<details><summary>Every change</summary>", "",
                "| date | deal | change | from | to | why | commit |",
                "|---|---|---|---|---|---|---|"]
        for e in payload["events"]:
            day = e["time"][:10]
            old, new = e["old"], e["new"]
            if e["field"] == "value":
                old, new = grouped(old), grouped(new)
            out.append(f"| {day} | {cell(e['deal'])} | {e['change']} | {cell(old)} | "
                       f"{cell(new)} | {cell(reason(e))} | {e['commit'][:7]} |")
        out += ["", "</details>"]
    if payload["violations"]:
        out += ["", "**Pipeline rules broken in this range**", ""]
        out += [f"- {cell(v['message'])}" for v in payload["violations"]]
    return "\n".join(out)


def review(repo: Any, rev_range: str, warn: Warn, use_cache: bool = True) -> dict[str, Any]:
    """The review of `rev_range` (`A..B`, `A...B` or `A`): its changes, the open pipeline
    before and after, the pipeline rules its commits broke."""
    from salescli.core.reports import Book
    from salescli.core.reports import Query
    from salescli.core.reports import review as reviewed
    from salescli.services.check import history_diagnostics
    from salescli.services.reports import warn_skipped
    from salescli.services.reports import warn_uncounted
    from salescli.store import gitio
    from salescli.store.config import config_of
    from salescli.store.history import load_history

    base, head, shown = parse_range(repo, rev_range)
    # each commit of the range -> its place, oldest first (events of one second in order)
    commits = {sha: n for n, sha in
               enumerate(reversed(gitio.rev_list(repo.root, f"^{base}", head, topo=True)))}
    config = config_of(repo, warn)

    def book(rev: str) -> Any:
        when = gitio.commit_time(repo.root, rev)
        history = load_history(repo.root, rev, use_cache=use_cache)
        moment = max(when, time.time())
        if rev == head:
            warn_skipped(history.rejected_at(moment), warn)
        return Book(history.timelines, config, Query(as_of=moment),
                    history.rejected_at(moment))

    violations = [d.as_dict() for d in history_diagnostics(
        repo.root, repo.git_dir, use_cache=use_cache, rev=head, commits=set(commits))]
    after = book(head)
    payload = reviewed(book(base), after, commits, shown, violations)
    warn_uncounted(after, warn)  # a stage the pipeline no longer has: said
    explain(repo.root, payload["events"], {d.id: d.timeline for d in after.deals})
    for e in payload["events"]:  # as export's deal_events: the author date, UTC
        e["time"] = dt.datetime.fromtimestamp(e["time"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return payload


def explain(root: Any, events: list[dict[str, Any]], timelines: dict[str, Any]) -> None:
    """Why: a move back's `Reason:` (its commit message's line, what `deal move
    --reason` writes) and a loss's `lost_note` (the deal's file as the losing commit
    left it), each read for all the range's events by one git process."""
    from salescli.core.commitmsg import parse_message
    from salescli.store.gitio import commit_messages
    from salescli.store.gitio import files_at
    from salescli.store.yamlio import YamlProblem
    from salescli.store.yamlio import load_fast

    back = [e for e in events if e["change"] == "moved-back"]
    messages = commit_messages(root, sorted({e["commit"] for e in back}))
    for e in back:
        e["reason"] = parse_message(messages.get(e["commit"], "")).reason
    lost = [(e, (e["commit"], timelines[e["deal"]].path_at(e["time"])))
            for e in events if e["change"] == "lost" and e["deal"] in timelines]
    files = files_at(root, [spec for _, spec in lost])
    for e, spec in lost:
        try:
            data = load_fast(files[spec].decode("utf-8")) \
                if spec in files else None
        except (YamlProblem, UnicodeDecodeError, ValueError):
            data = None  # a version `check` rejects says nothing
        note = data.get("lost_note") if isinstance(data, dict) else None
        e["note"] = note if isinstance(note, str) and note.strip() else None
