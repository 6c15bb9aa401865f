"""Reading records through the record index, for the commands that only read.

Every function takes `warn`, which says (on stderr, in the CLI) which invalid files
were left out: a read never fails on a broken record, `check` reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Warn = Callable[[str], None]


def records_index(repo: Any, kinds: Sequence[str], warn: Warn, use_cache: bool = True) -> Any:
    """The record index with `kinds` current; invalid files are noted through `warn`."""
    from salescli.store.index import Index

    index = Index.open(repo, kinds, use_cache=use_cache)
    for kind in kinds:
        bad = index.invalid(kind)
        if bad:
            warn(f"warning: skipped {len(bad)} invalid file(s) such as {bad[0]}; "
                 "run `salescli check` for details")
    return index


def load_matching(repo: Any, kind: str, warn: Warn, where: str = "1",
                  params: tuple = ()) -> list[Any]:
    """The valid records of `kind` whose index row matches `where` (SQL over the kind's
    table), read and validated from their files: the few a command needs, in path
    order, without parsing every file."""
    from salescli.store.loader import parse_file
    from salescli.store.repo import KIND_DIRS

    with records_index(repo, (kind,), warn) as index:
        paths = [r["path"] for r in index.query(
            f'SELECT path FROM "{KIND_DIRS[kind]}" WHERE {where} ORDER BY path', params)]
    parsed = (parse_file(repo.root, kind, rel) for rel in paths)
    return [p.model for p in parsed if p.ok]


def load_views(repo: Any, kind: str, warn: Warn) -> list[Any]:
    """Every valid record of a kind from the record index, as attribute views of its
    JSON (text as stored; numbers and dates as JSON has them): for rules that compare
    text, such as duplicate matching, without parsing every file. In path order."""
    import json
    from types import SimpleNamespace

    with records_index(repo, (kind,), warn) as index:
        found = index.query("SELECT json FROM records WHERE kind = ? AND valid ORDER BY path",
                            (kind,))
    return [json.loads(r["json"], object_hook=lambda d: SimpleNamespace(**d)) for r in found]


def record_ids(repo: Any, kinds: Sequence[str], statuses: Sequence[str] = ()) -> list[str]:
    """The IDs of the records of `kinds`, sorted, from the record index; with
    `statuses`, only the valid ones in those statuses (a converted lead is in none:
    no status change applies to it)."""
    from salescli.store.repo import KIND_DIRS

    with records_index(repo, kinds, lambda _: None) as index:
        if not statuses:
            marks = ", ".join("?" * len(kinds))
            rows = index.query(f"SELECT DISTINCT id FROM records WHERE kind IN ({marks})",
                               tuple(kinds))
        else:
            kind, = kinds
            marks = ", ".join("?" * len(statuses))
            converted = " AND converted_account IS NULL" if kind == "lead" else ""
            rows = index.query(f'SELECT id FROM "{KIND_DIRS[kind]}" '
                               f"WHERE status IN ({marks}){converted}", tuple(statuses))
    return sorted({r[0] for r in rows})
