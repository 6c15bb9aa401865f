"""Three-way merge of one record, field by field (SPEC §5): what `salescli merge-driver` does.

    result = merge_texts(base, ours, theirs)   # raises Unmergeable: use a line merge
    result.text, result.conflicts

The rules, applied recursively from the top-level mapping down:

* a value changed on one side only takes that side; changed the same way on both
  sides, it is taken once; changed differently on both sides, it is a conflict;
* a deal's stage, status and close fields are one state: where merging them key by
  key would give neither side's state (a win on one side and a move back on the
  other: "won in needs-analysis"), every key of it the sides disagree on conflicts;
* mappings (`next_step`, `contact`, `checklist`, a stakeholder) merge key by key;
* lists of identified items merge item by item: contacts by `id`, stakeholders by
  `contact`, price-list or deal items by `sku` / `product` / `name`;
* append-only lists (`activities`, `quotes`, and any list both sides only extended)
  keep the base items, merged one by one, then both sides' new items without
  duplicates; new activities are sorted by date, so the newest stays last;
* other lists (tags, `with`, checklist ticks) merge as sets: each side's additions
  and removals are applied.

The result is a round-trip edit of "ours": its comments, key order and formatting
stay, and values merged in from "theirs" keep theirs' formatting. Where a conflict
is left, the file gets standard `<<<<<<< ours` / `=======` / `>>>>>>> theirs` markers
around only the lines that differ, so `git status` shows the conflict and
`salescli check` reports the markers.

Pure: text in, text out; no git, no files.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salescli.store.yamlio import (
    RoundTrip,
    YamlProblem,
    keep_tail,
    load_fast,
    plain,
    put_tail,
    take_tail,
)

MARKER_SIZE = 7
# lists that only ever grow at the end (SPEC §3.6: activities, newest last)
APPEND_ONLY = frozenset(("activities", "quotes", "orders", "invoices"))
# what identifies an item of a list of mappings, in order of preference
IDENTITY_KEYS = ("id", "contact", "sku", "product", "name")

_MISSING: Any = object()  # a key absent on one side (not the same as `null`)
# a deal's state: its stage, status and what a close writes, merged as one
LIFECYCLE = ("stage", "status", "won_date", "lost_date", "lost_reason", "lost_note", "revisit")


def _get(mapping: Any, key: str) -> Any:
    return plain(mapping[key]) if key in mapping else _MISSING


def _mixed_state(o: dict, a: Any, b: Any, keys: tuple[str, ...]) -> bool:
    """Whether merging `keys` one by one would give a state that is neither side's own
    (one side won, the other moved back: won in the stage it was moved back to). One
    side only going further than the other (both advanced, one also won) is no mix."""
    merged, ours, theirs = {}, {}, {}
    for k in keys:
        base, ours[k], theirs[k] = o.get(k, _MISSING), _get(a, k), _get(b, k)
        merged[k] = theirs[k] if ours[k] == base else ours[k]
    return merged != ours and merged != theirs


class Unmergeable(Exception):
    """One of the three versions is not a readable record: merge it line by line instead."""


@dataclass
class MergeResult:
    text: str
    conflicts: list[str] = field(default_factory=list)  # dotted paths, e.g. "next_step.due"

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_texts(base: str, ours: str, theirs: str, marker_size: int = MARKER_SIZE) -> MergeResult:
    """Merge two edits of one record; raises Unmergeable when a version cannot be parsed."""
    # Same text on some side: exactly what git's own merge would take, byte for byte.
    if ours == theirs or theirs == base:
        return MergeResult(ours)
    if ours == base:
        return MergeResult(theirs)
    _parse(base, allow_empty=True)  # base may be empty: both sides added the file
    merged_ours, conflicts = _merge(base, ours, theirs, prefer="ours")
    if not conflicts:
        return MergeResult(merged_ours)
    merged_theirs, _ = _merge(base, ours, theirs, prefer="theirs")
    return MergeResult(conflict_text(merged_ours, merged_theirs, marker_size), conflicts)


def _parse(text: str, allow_empty: bool = False) -> Any:
    try:
        data = load_fast(text)
    except YamlProblem as err:
        raise Unmergeable(f"line {err.line}: {err.message}") from None
    if data is None and allow_empty:
        return {}
    if not isinstance(data, dict):
        raise Unmergeable("not a YAML mapping")
    return data


def _roundtrip(text: str) -> RoundTrip:
    _parse(text)
    try:
        return RoundTrip(text)
    except YamlProblem as err:
        raise Unmergeable(f"line {err.line}: {err.message}") from None


def _merge(base: str, ours: str, theirs: str, prefer: str) -> tuple[str, list[str]]:
    """Ours' round-trip tree with theirs' changes merged in; conflicts take `prefer`'s side."""
    o = _parse(base, allow_empty=True)
    a, b = _roundtrip(ours), _roundtrip(theirs)
    merger = _Merger(prefer)
    merger.merge_map(o, a.data, b.data, ())
    return a.dump(), merger.conflicts


def conflict_text(ours: str, theirs: str, marker_size: int = MARKER_SIZE) -> str:
    """One text with standard conflict markers around the lines where the two differ."""
    a, b = ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out += a[i1:i2]
            continue
        out.append("<" * marker_size + " ours\n")
        out += _ended(a[i1:i2])
        out.append("=" * marker_size + "\n")
        out += _ended(b[j1:j2])
        out.append(">" * marker_size + " theirs\n")
    return "".join(out)


def _ended(lines: list[str]) -> list[str]:
    # a last line without a newline would run into the marker after it
    if lines and not lines[-1].endswith("\n"):
        lines = [*lines[:-1], lines[-1] + "\n"]
    return lines


def _dotted(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(whole file)"


def _plain(node: Any) -> Any:
    return _MISSING if node is _MISSING else plain(node)


class _Merger:
    """One merge of ours (`a`, a round-trip tree edited in place) with theirs (`b`)."""

    def __init__(self, prefer: str):
        self.prefer = prefer
        self.conflicts: list[str] = []

    def conflict(self, path: tuple, a: Any, b: Any) -> Any:
        self.conflicts.append(_dotted(path))
        return a if self.prefer == "ours" else _adopt(b, a)

    # ------------------------------------------------------------------ values

    def merge_value(self, o: Any, a: Any, b: Any, path: tuple) -> Any:
        """The merged node for one value; `o` is plain (or _MISSING), `a`/`b` round-trip."""
        pa, pb = _plain(a), _plain(b)
        if pa == pb:
            return a
        if pa == o:
            return _adopt(b, a)
        if pb == o:
            return a
        if isinstance(a, dict) and isinstance(b, dict):
            self.merge_map(o if isinstance(o, dict) else {}, a, b, path)
            return a
        if isinstance(a, list) and isinstance(b, list):
            self.merge_list(o if isinstance(o, list) else [], a, b, path)
            return a
        return self.conflict(path, a, b)

    def merge_map(self, o: dict, a: Any, b: Any, path: tuple) -> None:
        """Merge theirs' mapping `b` into ours' mapping `a`, key by key, in place."""
        # a deal's stage and status (and what a close writes) are one state: where key by
        # key they would merge into one no command makes (won in a stage it was moved
        # back to), every key of theirs that differs conflicts
        clash = not path and _mixed_state(o, a, b, LIFECYCLE)
        for key in list(a.keys()):
            ov = o.get(key, _MISSING)
            if clash and key in LIFECYCLE and plain(a[key]) != _get(b, key):
                chosen = self.conflict((key,), a[key], b[key] if key in b else _MISSING)
                if chosen is _MISSING:
                    del a[key]
                elif chosen is not a[key]:
                    a[key] = chosen
                continue
            if key in b:
                merged = self.merge_value(ov, a[key], b[key], (*path, key))
                if merged is not a[key]:
                    a[key] = merged
            elif ov is not _MISSING:  # theirs removed the key
                if plain(a[key]) == ov:
                    del a[key]
                elif self.conflict((*path, key), a[key], _MISSING) is _MISSING:
                    del a[key]
        b_keys = list(b.keys())
        for index, key in enumerate(b_keys):
            if key in a:
                continue
            ov = o.get(key, _MISSING)
            if clash and key in LIFECYCLE:
                if self.conflict((key,), _MISSING, b[key]) is _MISSING:
                    continue
            elif ov is not _MISSING:  # ours removed the key
                if plain(b[key]) == ov:
                    continue
                if self.conflict((*path, key), _MISSING, b[key]) is _MISSING:
                    continue
            # a key theirs added goes after the key it follows in theirs
            before = next((k for k in reversed(b_keys[:index]) if k in a), None)
            position = 0 if before is None else list(a.keys()).index(before) + 1
            if position >= len(a):
                keep_tail(a, lambda k=key: a.__setitem__(k, _adopt(b[k])))
            else:
                a.insert(position, key, _adopt(b[key]))

    # ------------------------------------------------------------------- lists

    def merge_list(self, o: list, a: Any, b: Any, path: tuple) -> None:
        """Merge theirs' list `b` into ours' list `a`, in place."""
        name = path[-1] if path else None
        ident = None if name in APPEND_ONLY else _identity(o, a, b)
        if not any(isinstance(x, dict | list) for x in (*o, *a, *b)):
            self._merge_as_set(o, a, b)  # tags, `with`, checklist ticks: order is not data
        elif ident is not None:
            self._merge_identified(o, a, b, path, ident)
        elif len(a) >= len(o) and len(b) >= len(o):
            self._merge_appended(o, a, b, path)
        else:
            self._merge_as_set(o, a, b)

    def _merge_appended(self, o: list, a: Any, b: Any, path: tuple) -> None:
        # Both sides kept the base's items (maybe edited) and added new ones at the end.
        n = len(o)
        for i in range(n):
            merged = self.merge_value(o[i], a[i], b[i], (*path, i))
            if merged is not a[i]:
                a[i] = merged
        a_new = [plain(x) for x in a[n:]]
        theirs_new = [_adopt(x) for x in b[n:] if plain(x) not in a_new]
        if not theirs_new:
            return
        tail = [*a[n:], *theirs_new]
        if all(isinstance(x, dict) and "date" in x for x in tail):
            # newest last; sorted stably, so same-day items keep ours-then-theirs order
            tail.sort(key=lambda x: _date_key(x["date"]))

        def rebuild() -> None:
            del a[n:]
            a.extend(tail)

        keep_tail(a, rebuild)

    def _merge_as_set(self, o: list, a: Any, b: Any) -> None:
        po, pb = [plain(x) for x in o], [plain(x) for x in b]
        removed = [x for x in po if x not in pb]
        for i in range(len(a) - 1, -1, -1):
            if plain(a[i]) in removed:
                del a[i]
        pa = [plain(x) for x in a]
        added = [_adopt(x) for x, px in zip(b, pb, strict=True) if px not in po and px not in pa]
        if added:
            keep_tail(a, lambda: a.extend(added))

    def _merge_identified(self, o: list, a: Any, b: Any, path: tuple,
                          ident: Callable[[Any], Any]) -> None:
        o_by = {ident(x): x for x in o}
        b_by = {ident(x): x for x in b}
        for i in range(len(a) - 1, -1, -1):
            key = ident(a[i])
            where = (*path, i)
            ov = o_by.get(key, _MISSING)
            if key in b_by:
                merged = self.merge_value(ov, a[i], b_by[key], where)
                if merged is not a[i]:
                    a[i] = merged
            elif ov is not _MISSING:  # theirs removed the item
                if plain(a[i]) == ov or self.conflict(where, a[i], _MISSING) is _MISSING:
                    del a[i]
        a_keys = [ident(x) for x in a]
        b_keys = [ident(x) for x in b]
        for index, item in enumerate(b):
            key = b_keys[index]
            if key in a_keys:
                continue
            ov = o_by.get(key, _MISSING)
            if ov is not _MISSING:  # ours removed the item
                if plain(item) == ov or self.conflict(
                        (*path, len(a)), _MISSING, item) is _MISSING:
                    continue
            before = next((k for k in reversed(b_keys[:index]) if k in a_keys), None)
            position = 0 if before is None else a_keys.index(before) + 1
            if position >= len(a):
                keep_tail(a, lambda it=item: a.append(_adopt(it)))
            else:
                a.insert(position, _adopt(item))
            a_keys.insert(position, key)


def _adopt(node: Any, replacing: Any = _MISSING) -> Any:
    """A node of theirs placed in ours: without the comment lines that followed it in theirs.

    Those lines are about what came next in theirs; the ones that followed the node
    it replaces in ours stay with it.
    """
    if isinstance(node, dict | list):
        take_tail(node)
        if isinstance(replacing, dict | list):
            put_tail(node, take_tail(replacing))
    return node


def _date_key(value: Any) -> str:
    # dates and date-times (and a stray string) compare as ISO text
    iso = getattr(value, "isoformat", None)
    return iso() if iso else str(value)


def _identity(o: list, a: list, b: list) -> Callable[[Any], Any] | None:
    """How the items of these lists are identified, if every item of each list is unique."""
    items = [*o, *a, *b]
    if not items or not all(isinstance(x, dict) for x in items):
        return None

    # each item by its first identity key: `{product: ...}` and `{name: ...}` may mix
    def ident(x: Any) -> Any:
        k = next((k for k in IDENTITY_KEYS if isinstance(x.get(k), str | int)), None)
        return None if k is None else (k, plain(x[k]))

    for lst in (o, a, b):
        keys = [ident(x) for x in lst]
        if None in keys or len(set(keys)) != len(keys):
            return None
    return ident
