"""`review REV_RANGE`: what a branch or pull request does to the pipeline, as data
and as a pull-request comment in Markdown."""

from __future__ import annotations

import time
from typing import Any

from salescli.core.errors import UsageError
from salescli.services.read import Warn


def parse_range(repo: Any, spec: str) -> tuple[str, str, str]:
    """(base, head, shown range) for `A..B`, `A...B` (from the merge base) or `A` (A..HEAD)."""
    from salescli.store import gitio

    if "..." in spec:
        left, right = spec.split("...", 1)
    elif ".." in spec:
        left, right = spec.split("..", 1)
    else:
        left, right = spec, "HEAD"
    left, right = left or "HEAD", right or "HEAD"
    for rev in (left, right):
        if rev.startswith("-") or gitio.rev_parse(repo.root, rev) is None:
            raise UsageError(f"unknown revision {rev!r} in {spec!r}")
    base = left
    if "..." in spec:
        base = gitio.git(repo.root, "merge-base", "--end-of-options", left, right).stdout.strip()
    return base, right, f"{left}..{right}" if ".." not in spec else spec


def _signed(value: Any) -> str:
    from salescli.core.money import grouped

    return ("+" if value >= 0 else "-") + grouped(abs(value))


def markdown(payload: dict[str, Any]) -> str:
    """The review as a pull-request comment."""
    import datetime as dt

    from salescli.core.money import grouped
    from salescli.store.templates import cell

    out = [f"### Pipeline review: `{payload['range']}`", ""]
    done = [r for r in payload["rows"] if r["count"]]
    if not done and not payload["removed"]:
        out.append(f"{payload['commits']} commit(s); no change to deals or leads.")
    else:
        out.append(f"{payload['commits']} commit(s).")
        out += ["", "| change | count | value | deals |", "|---|---:|---:|---|"]
        for r in done:
            value = "" if r["value"] is None else f"{grouped(r['value'])} {r['currency']}"
            out.append(f"| {r['change']} | {r['count']} | {value} | "
                       f"{cell(', '.join(r['deals']))} |")
        if payload["removed"]:
            out.append(f"| removed | {len(payload['removed'])} |  | "
                       f"{cell(', '.join(payload['removed']))} |")
    if payload["skipped"]:
        out += ["", f"**{len(payload['skipped'])} record file(s) hold a committed version "
                    "`salescli check` rejects** (each counts as its last valid version, if "
                    "any): " + ", ".join(f"`{cell(p)}`" for p in payload["skipped"])]
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
                "| date | deal | change | from | to | commit |", "|---|---|---|---|---|---|"]
        for e in payload["events"]:
            day = dt.datetime.fromtimestamp(e["time"], dt.UTC).date()
            old, new = e["old"], e["new"]
            if e["field"] == "value":
                old, new = grouped(old / 100), grouped(new / 100)
            out.append(f"| {day} | {cell(e['deal'])} | {e['change']} | {cell(old)} | "
                       f"{cell(new)} | {e['commit'][:7]} |")
        out += ["", "</details>"]
    if payload["violations"]:
        out += ["", "**Pipeline rules broken in this range**", ""]
        out += [f"- {cell(v['message'])}" for v in payload["violations"]]
    return "\n".join(out)


def review(repo: Any, rev_range: str, warn: Warn, use_cache: bool = True) -> dict[str, Any]:
    """The review of `rev_range` (`A..B`, `A...B` or `A`): its changes, the open pipeline
    before and after, the pipeline rules its commits broke."""
    from salescli.core.reports import Book, Query
    from salescli.core.reports import review as reviewed
    from salescli.services.check import history_diagnostics
    from salescli.services.reports import warn_skipped
    from salescli.store import gitio
    from salescli.store.config import config_of
    from salescli.store.history import load_history

    base, head, shown = parse_range(repo, rev_range)
    commits = set(gitio.rev_list(repo.root, f"^{base}", head))
    config = config_of(repo, warn)

    def book(rev: str) -> Any:
        when = gitio.commit_time(repo.root, rev)
        history = load_history(repo.root, repo.git_dir, rev, use_cache=use_cache)
        moment = max(when, time.time())
        if rev == head:
            warn_skipped(history.rejected_at(moment), warn)
        return Book(history.timelines, config, Query(as_of=moment),
                    history.rejected_at(moment))

    violations = [d.as_dict() for d in history_diagnostics(
        repo.root, repo.git_dir, use_cache=use_cache, rev=head, commits=commits)]
    return reviewed(book(base), book(head), commits, shown, violations)
