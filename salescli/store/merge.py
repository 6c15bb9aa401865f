"""Three-way merge of one record, field by field (SPEC §5): what `salescli merge-driver` does.

    result = merge_texts(base, ours, theirs)   # raises Unmergeable: use a line merge
    result.text, result.conflicts

The rules, applied recursively from the top-level mapping down:

* a value changed on one side only takes that side; changed the same way on both
  sides, it is taken once; changed differently on both sides, it is a conflict
  (a text of several lines, `notes: |`, merges by lines first, as git would);
* a deal's stage, status and close fields are one state: where both sides changed one
  of them differently, or merging them key by key would give neither side's state (a
  win on one side and a move back on the other: "won in needs-analysis"), every key
  of it the sides disagree on conflicts;
* mappings (`next_step`, `contact`, `checklist`, a stakeholder) merge key by key;
* lists of identified items merge item by item: contacts by `id`, stakeholders by
  `contact`, price-list or deal items by `sku` / `product` / `name`;
* other lists of mappings (`activities`, `quotes`: items with no identity) line up
  each side with the base as a diff does: an item kept, edited or deleted on one side
  keeps its place (edited on one side and deleted on the other, it conflicts, as in
  git); theirs' new items join ours' without duplicates, by date, so the newest
  stays last;
* other lists (tags, `with`, checklist ticks) merge as sets: each side's additions
  and removals are applied.

The result is a round-trip edit of "ours": its comments, key order, formatting, line
breaks and byte-order mark stay, and values merged in from "theirs" keep theirs'
formatting. Where the result would lose a comment either side added, the record is
Unmergeable: git's line merge keeps it. Where a conflict is left, the file gets
standard `<<<<<<< ours` / `=======` / `>>>>>>> theirs` markers around only the lines
that differ, so `git status` shows the conflict and `salescli check` reports the
markers.

Pure: text in, text out; no git, no files.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any

from msgspec import Struct
from msgspec import field

from salescli.core.later import later
from salescli.store.yamlio import RoundTrip
from salescli.store.yamlio import YamlProblem
from salescli.store.yamlio import keep_tail
from salescli.store.yamlio import line_break
from salescli.store.yamlio import load_fast
from salescli.store.yamlio import place_of
from salescli.store.yamlio import plain
from salescli.store.yamlio import put_tail
from salescli.store.yamlio import take_tail

MARKER_SIZE = 7
BOM = "\ufeff"  # a byte-order mark, which a Windows editor may put first
# a `#` at a line's start or after a space starts a comment; one inside quotes or a
# `|` text counts too: the merge carries it with its value, or at worst merges by lines
_COMMENT = later(r"(?:^|[ \t])(#.*)", re.MULTILINE)
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
    """Whether `keys` cannot merge one by one: both sides changed one of them differently,
    or one by one they give a state that is neither side's own (one side won, the other
    moved back: won in the stage it was moved back to). One side only going further
    than the other (both advanced, one also won) is no mix."""
    merged, ours, theirs = {}, {}, {}
    for k in keys:
        base, ours[k], theirs[k] = o.get(k, _MISSING), _get(a, k), _get(b, k)
        if ours[k] != base and theirs[k] != base and ours[k] != theirs[k]:
            # a conflict on this key alone lets the others merge: keep theirs' stage
            # and ours' `status: won` and `won_date` stay, a state neither side made
            return True
        merged[k] = theirs[k] if ours[k] == base else ours[k]
    return merged != ours and merged != theirs


class Unmergeable(Exception):
    """One of the three versions is not a readable record, or a field merge would drop
    a comment: merge it line by line instead."""


class MergeResult(Struct):
    text: str
    conflicts: list[str] = field(default_factory=list)  # dotted paths, e.g. "next_step.due"

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_texts(base: str, ours: str, theirs: str, marker_size: int = MARKER_SIZE,
                order: Sequence[str] = ()) -> MergeResult:
    """Merge two edits of one record; raises Unmergeable when a version cannot be parsed
    or a comment one side added would be lost.
    `order`: the record kind's documented key order, where a key only theirs added goes
    (else after the key it follows in theirs). A text may start with a byte-order mark
    (`\ufeff`); the result has ours' mark and line breaks."""
    # Same text on some side: exactly what git's own merge would take, byte for byte.
    if ours == theirs or theirs == base:
        return MergeResult(ours)
    if ours == base:
        return MergeResult(theirs)
    # ruamel reads and writes LF with no mark: merge so, then in ours' own (else a
    # Windows editor's CRLF record is rewritten whole, every line of it in the merge)
    like = ours
    base, ours, theirs = (_bare(t) for t in (base, ours, theirs))
    _parse(base, allow_empty=True)  # base may be empty: both sides added the file
    text, conflicts = _merge(base, ours, theirs, "ours", order)
    if conflicts:
        merged_theirs, _ = _merge(base, ours, theirs, "theirs", order)
        text = conflict_text(text, merged_theirs, marker_size)
    _keeps_comments(base, ours, theirs, text)
    return MergeResult(_dressed(text, like), conflicts)


def _bare(text: str) -> str:
    """`text` without a byte-order mark, in LF line breaks."""
    return text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")


def _dressed(text: str, like: str) -> str:
    """`text` (LF, no mark) in the line breaks and byte-order mark of `like`."""
    eol = line_break(like)
    text = text if eol == "\n" else text.replace("\n", eol)
    return BOM + text if like.startswith(BOM) else text


def _comments(text: str) -> Counter[str]:
    """The comments in `text`, each as often as it is there."""
    return Counter(m.group(1).rstrip() for m in _COMMENT.finditer(text))


def _keeps_comments(base: str, ours: str, theirs: str, merged: str) -> None:
    """Raise Unmergeable where `merged` has fewer of a comment than a side that added it.

    Why not carry comments field by field: ruamel keeps a comment in ours' tree beside
    the key it follows, so a value taken from theirs comes without theirs' comment on
    its line, and one theirs wrote beside ours' value or at the end has nowhere to go.
    Such a record is merged line by line instead, as a broken one is: git keeps every
    line either side wrote, or conflicts on it, so no comment is dropped silently.
    """
    o, m = _comments(base), _comments(merged)
    for side in (_comments(ours), _comments(theirs)):
        for comment in side - o:  # added, or changed (the old one gone)
            if m[comment] < side[comment]:
                raise Unmergeable(f"the field merge would drop the comment `{comment}`")


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


def _merge(base: str, ours: str, theirs: str, prefer: str, order: Sequence[str]
           ) -> tuple[str, list[str]]:
    """Ours' round-trip tree with theirs' changes merged in; conflicts take `prefer`'s side."""
    o = _parse(base, allow_empty=True)
    a, b = _roundtrip(ours), _roundtrip(theirs)
    merger = _Merger(prefer, order)
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

    def __init__(self, prefer: str, order: Sequence[str] = ()):
        self.prefer = prefer
        self.order = list(order)  # the record's documented key order, if known
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
        if isinstance(o, str) and isinstance(a, str) and isinstance(b, str) and "\n" in o:
            lines = merge_lines(o, a, b)  # `notes: |`: lines changed apart merge, as in git
            if lines is not None:
                return type(a)(lines) if type(a) is not str else lines
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
            # a key theirs added goes where the record's key order puts it (as a
            # command writes it), else after the key it follows in theirs
            if not path and key in self.order:
                position = place_of(list(a.keys()), key, self.order)
            else:
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
        else:
            self._merge_aligned(o, a, b, path)

    def _merge_aligned(self, o: list, a: Any, b: Any, path: tuple) -> None:
        """Items with no identity (activities: the same call may be logged twice), each
        side lined up with the base as a diff does: an item kept, edited or deleted on
        one side, or new. An item keeps its place; one edited on one side and deleted on
        the other conflicts (as git's modify/delete); theirs' new items go in by date
        among the new ones (newest last), after ours' of the same day, never before an
        item both had: an activity's number (`task done N`) stays what it was."""
        a_of, a_new = _aligned(o, a)
        b_of, b_new = _aligned(o, b)
        a_base = {j: i for i, j in a_of.items()}
        out: list[Any] = []
        last_base = -1  # the base item the items so far in `out` come after
        floor = 0  # how many of `out` are, or come before, an item the base had

        def deleted_by_ours(upto: int) -> None:
            # base items ours deleted, before base item `upto`: theirs' edit conflicts
            nonlocal floor
            for i in range(last_base + 1, upto):
                if i in a_of or i not in b_of:
                    continue
                item = b[b_of[i]]
                if plain(item) != o[i] and self.conflict(
                        (*path, len(out)), _MISSING, item) is not _MISSING:
                    out.append(_adopt(item))
                    floor = len(out)

        ours_new: list[Any] = []
        for j, item in enumerate(a):
            i = a_base.get(j)
            if i is None:  # ours' new item
                out.append(item)
                ours_new.append(plain(item))
                continue
            deleted_by_ours(i)
            last_base = i
            if i in b_of:
                out.append(self.merge_value(o[i], item, b[b_of[i]], (*path, len(out))))
            elif plain(item) != o[i] and self.conflict(
                    (*path, len(out)), item, _MISSING) is not _MISSING:
                out.append(item)  # ours edited what theirs deleted: kept, conflicted
            floor = len(out)
        deleted_by_ours(len(o))
        for j in b_new:
            if plain(b[j]) in ours_new:
                continue  # the same new item on both sides, once (not one the base had)
            item = _adopt(b[j])
            at = len(out)
            if isinstance(item, dict) and "date" in item:
                day = _date_key(item["date"])
                while at > floor and isinstance(out[at - 1], dict) \
                        and "date" in out[at - 1] and _date_key(out[at - 1]["date"]) > day:
                    at -= 1
            out.insert(at, item)
        if [id(x) for x in out] == [id(x) for x in a]:
            return

        def rebuild() -> None:
            del a[:]
            a.extend(out)

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
            if not any(k in a_keys for k in b_keys[index + 1:]):
                position = len(a)  # added at the end on both sides: theirs after ours
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


def merge_lines(base: str, ours: str, theirs: str) -> str | None:
    """A three-way merge of text by lines, or None where both sides changed the same
    lines (or lines next to each other: no unchanged line between tells their order)."""
    o, a, b = (t.splitlines(keepends=True) for t in (base, ours, theirs))

    def hunks(side: list[str]) -> list[tuple[int, int, list[str]]]:
        matcher = difflib.SequenceMatcher(None, o, side, autojunk=False)
        return [(i1, i2, side[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
                if tag != "equal"]

    changes = sorted([*hunks(a), *hunks(b)], key=lambda h: (h[0], h[1]))
    out: list[str] = []
    at = -1  # the next base line not yet taken (-1: none taken, nothing changed yet)
    previous: tuple[int, int, list[str]] | None = None
    for hunk in changes:
        i1, i2, new = hunk
        if i1 <= at:  # within, or next to, a change already taken
            if hunk == previous:  # the same change on both sides, once
                continue
            return None
        out += o[max(at, 0):i1] + new
        at, previous = i2, hunk
    return "".join(out + o[max(at, 0):])


def _aligned(o: list, side: Any) -> tuple[dict[int, int], list[int]]:
    """How a side's list lines up with the base's, as a diff does: {base index: side
    index} of the items it kept (equal, or edited in place of one), and the indexes of
    its new items."""
    import json

    def text(x: Any) -> str:
        return json.dumps(x, sort_keys=True, default=str)

    def same(x: Any, y: Any) -> bool:  # an edit keeps an activity's day and type
        return not (isinstance(x, dict) and isinstance(y, dict)) or all(
            x.get(k) == y.get(k) for k in ("date", "type") if k in x)

    mine = [plain(x) for x in side]
    matcher = difflib.SequenceMatcher(None, [text(x) for x in o], [text(x) for x in mine],
                                      autojunk=False)
    kept: dict[int, int] = {}
    new: list[int] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept.update((i1 + k, j1 + k) for k in range(i2 - i1))
        elif tag == "replace":  # edits, pairwise, where they are one item edited
            pairs = min(i2 - i1, j2 - j1)
            for k in range(pairs):
                if same(o[i1 + k], mine[j1 + k]):
                    kept[i1 + k] = j1 + k
                else:  # a deletion and a new item
                    new.append(j1 + k)
            new.extend(range(j1 + pairs, j2))
        elif tag == "insert":
            new.extend(range(j1, j2))
    return kept, sorted(new)


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
