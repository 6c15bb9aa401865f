"""The one module that owns YAML.

Two readers that must agree on every value (YAML 1.2 core rules, as ruamel reads
them: `no`/`on` are strings, `010` is 10, `1:20` is a string):

* `load_fast` — libyaml's C parser with a YAML 1.2 resolver and a restricted
  constructor. About 15x faster than ruamel's round-trip loader; used by `check`,
  listings and reports (SPEC §9).
* `RoundTrip` / `roundtrip_edit` — ruamel.yaml's round-trip mode, used to edit
  a record so the user's comments, key order and quoting survive.

Both refuse what a record never needs and an attacker might use: tags, anchors and
aliases, merge keys, several documents, very deep nesting, huge files, NUL bytes,
non-UTF-8 text.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from salescli.core.later import later

MAX_BYTES = 1_000_000  # a record is a few KB; anything near this is not one
MAX_DEPTH = 64
MAX_NUMBER_CHARS = 100  # a longer numeral is no amount; int() of it costs quadratic time
# Characters YAML reads as line breaks although few editors show them as one: inside a
# quoted value U+0085 silently becomes a space, so a file must spell them as escapes.
HIDDEN_BREAKS = "\x85\u2028\u2029"
LINE_BREAKS = "\n\r" + HIDDEN_BREAKS  # every character YAML reads as a line break
# Printable characters that need no second thought: not a tab, CR, control, BOM,
# U+0085/U+2028/U+2029 or lone surrogate (a regex class body)
_PRINTABLE = ("\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
              "\U00010000-\U0010ffff")
# ... and every other character but the newline, spelled out: the complement of
# _PRINTABLE and the newline (a test proves it over every code point). A negated class
# of the wide ranges above costs 3 ms to compile at every start; this one 0.3 ms.
_UNPRINTABLE_NOT_NL = ("\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff"
                       "\ufeff\ufffe\uffff")
_HIDDEN_BREAK_RE = later(f"[{HIDDEN_BREAKS}]")

_CONFLICT_RE = later(r"^(?:<{7}(?: |$)|={7}$|>{7}(?: |$))", re.M)
_DATE_RE = later(r"^\d{4}-\d\d-\d\d$")

# YAML 1.2 implicit types exactly as ruamel.yaml resolves them (resolver.py, (1, 2));
# booleans and nulls are the sets _BOOLS and _NULLS below.
_FLOAT_RE = r"""^(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$"""
_INT_RE = r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+)$"""
_TIMESTAMP_RE = r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?
    :[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"""


class YamlProblem(Exception):
    """A file that cannot be read as a record: message plus 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1, code: str = "yaml"):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.code = code


# --------------------------------------------------------------------------- text


def decode(data: bytes) -> str:
    """Bytes of a record file to text, refusing what is not UTF-8 text."""
    if len(data) > MAX_BYTES:
        raise YamlProblem(
            f"file is {len(data)} bytes, more than the {MAX_BYTES} a record may have",
            code="too-large",
        )
    nul = data.find(b"\0")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise YamlProblem("file contains a NUL byte; records are UTF-8 text", line, code="encoding")
    if data.isascii():  # most records: nothing below can go wrong
        return data.decode("ascii")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise YamlProblem(
            "file is not valid UTF-8; save it as UTF-8", line, code="encoding"
        ) from None
    hidden = _HIDDEN_BREAK_RE.search(text)
    if hidden:
        char = hidden.group()
        raise YamlProblem(
            f"file contains U+{ord(char):04X}, which YAML reads as a line break; "
            f"write it as \\{_ESCAPES[char]} inside double quotes",
            text.count("\n", 0, hidden.start()) + 1, code="encoding",
        )
    return text


def conflict_marker_line(text: str) -> int | None:
    """Line (1-based) of the first merge-conflict marker, if any."""
    m = _CONFLICT_RE.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _check_conflicts(text: str) -> None:
    line = conflict_marker_line(text)
    if line is not None:
        raise YamlProblem(
            "merge conflict markers: resolve the conflict and remove the markers",
            line,
            code="conflict",
        )


# --------------------------------------------------------------------------- fast
#
# libyaml parses to events in C; we build the values from the event stream in one
# loop. That is about 3x faster than PyYAML's constructor and lets us refuse what a
# record never needs (tags, anchors, aliases, merge keys, deep nesting, several
# documents) at the event that shows it, before anything is built from it.

_FAST: dict[str, Any] = {}


# PyYAML's pure-Python reader compiles this negated class of wide ranges when PyYAML
# is imported (3.5 ms: sre fills a map one code point at a time); the same set spelled
# as its few ranges compiles in 0.3 ms (a test proves the two equal on every code
# point). libyaml's parser, which salescli reads with, never uses either.
_PYYAML_NON_PRINTABLE = ("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD"
                         "\U00010000-\U0010ffff]")
_PYYAML_NON_PRINTABLE_FAST = ("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f"
                              "\ud800-\udfff\ufffe\uffff]")


def _import_pyyaml() -> Any:
    """`import yaml`, its patterns compiled when used (its reader's class in the cheap
    spelling)."""

    def cheaper(pattern: Any, flags: int = 0) -> Any:
        if pattern == _PYYAML_NON_PRINTABLE and not flags:
            pattern = _PYYAML_NON_PRINTABLE_FAST
        return later(pattern, flags)

    real_compile, re.compile = re.compile, cheaper  # type: ignore[assignment]
    try:
        import yaml
    finally:
        re.compile = real_compile
    return yaml


def _fast() -> dict[str, Any]:
    """Import PyYAML once and keep what the fast reader needs."""
    if _FAST:
        return _FAST
    yaml = _import_pyyaml()

    try:
        from yaml._yaml import CParser as Parser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        from yaml.parser import Parser as PyParser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class Parser(Reader, Scanner, PyParser):  # type: ignore[no-redef]
            def __init__(self, stream: Any) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                PyParser.__init__(self)

    class Composer(Parser, yaml.resolver.BaseResolver):  # for `locate` only
        def __init__(self, stream: Any) -> None:
            Parser.__init__(self, stream)
            yaml.resolver.BaseResolver.__init__(self)

    if not hasattr(Composer, "get_single_node"):  # pragma: no cover - pure Python PyYAML
        from yaml.composer import Composer as PyComposer

        class Composer(Composer, PyComposer):  # type: ignore[no-redef]
            def __init__(self, stream: Any) -> None:
                super().__init__(stream)
                PyComposer.__init__(self)

    _FAST.update(
        yaml=yaml, Parser=Parser, Composer=Composer,
        scalar=yaml.ScalarEvent, mapping=yaml.MappingStartEvent,
        sequence=yaml.SequenceStartEvent, end=(yaml.MappingEndEvent, yaml.SequenceEndEvent),
        alias=yaml.AliasEvent, doc_end=yaml.DocumentEndEvent, stream_end=yaml.StreamEndEvent,
    )
    return _FAST


_INT = later(_INT_RE, re.X)
_FLOAT = later(_FLOAT_RE, re.X)
_TIMESTAMP = later(_TIMESTAMP_RE, re.X)
_BOOLS = {"true": True, "True": True, "TRUE": True,
          "false": False, "False": False, "FALSE": False}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_RESOLVE_FIRST = frozenset("0123456789+-.")
_RESOLVE_WORDS = frozenset((*_BOOLS, *_NULLS, "<<"))
_STR_TAGS = frozenset(("!", "tag:yaml.org,2002:str"))
_MAP_TAGS = frozenset((None, "!", "tag:yaml.org,2002:map"))
_SEQ_TAGS = frozenset((None, "!", "tag:yaml.org,2002:seq"))


def _at(event: Any, message: str, code: str = "yaml") -> YamlProblem:
    mark = event.start_mark
    return YamlProblem(message, mark.line + 1, mark.column + 1, code=code)


def _to_int(text: str) -> int:
    text = text.replace("_", "")
    sign = -1 if text[:1] == "-" else 1
    if text[:1] in "+-":
        text = text[1:]
    base = {"0b": 2, "0x": 16, "0o": 8}.get(text[:2])
    return sign * (int(text[2:], base) if base else int(text))  # YAML 1.2: 010 is ten


def _to_float(text: str) -> float:
    text = text.replace("_", "").lower()
    sign = -1.0 if text[:1] == "-" else 1.0
    if text[:1] in "+-":
        text = text[1:]
    if text == ".nan":
        return float("nan")
    return sign * (float("inf") if text == ".inf" else float(text))


def resolve_plain(value: str) -> Any:
    """A plain scalar's value under YAML 1.2 core rules, as ruamel resolves them.

    Raises ValueError for a date or number that does not exist (2027-02-30).
    """
    first = value[:1]
    if first and first in "0123456789+-.":
        if len(value) > MAX_NUMBER_CHARS and (_INT.match(value) or _FLOAT.match(value)):
            raise ValueError(f"a number of more than {MAX_NUMBER_CHARS} characters")
        if _DATE_RE.match(value):
            return _dt.date.fromisoformat(value)
        if first.isdigit() and _TIMESTAMP.match(value):
            # Rare in records: reuse ruamel's own arithmetic so both readers agree.
            from ruamel.yaml.util import create_timestamp
            from ruamel.yaml.util import timestamp_regexp

            return create_timestamp(**timestamp_regexp.match(value).groupdict())
        if _INT.match(value):
            return _to_int(value)
        if _FLOAT.match(value):
            return _to_float(value)
        return value
    if value in _BOOLS:
        return _BOOLS[value]
    if value in _NULLS:
        return None
    if value == "<<":
        raise ValueError("merge keys (<<) are not supported")
    return value


def _plain(event: Any) -> Any:
    value = event.value
    try:
        return resolve_plain(value)
    except ValueError:
        if value == "<<":
            raise _at(event, "merge keys (<<) are not supported", "unsupported") from None
        kind = "date" if "-" in value[1:] else "number"
        if len(value) > MAX_NUMBER_CHARS:  # never echo a megabyte numeral back
            raise _at(event, f"number {value[:20]}... has {len(value)} characters; "
                             f"a number has at most {MAX_NUMBER_CHARS}", "too-large") from None
        raise _at(event, f"{value!r} is not a real {kind}") from None


def _scalar(event: Any) -> Any:
    if event.anchor is not None:
        raise _at(event, "anchors and aliases (&, *) are not allowed in records", "unsupported")
    tag = event.tag
    if tag is None:
        return _plain(event) if event.implicit[0] else event.value
    if tag in _STR_TAGS:
        return event.value
    raise _at(event, f"tags such as {tag!r} are not allowed in records", "unsupported")


def _build(parser: Any) -> Any:
    f = _fast()
    scalar_t, mapping_t, sequence_t = f["scalar"], f["mapping"], f["sequence"]
    end_t, alias_t, doc_end_t, stream_end_t = f["end"], f["alias"], f["doc_end"], f["stream_end"]
    get = parser.get_event
    get()  # stream start
    event = get()
    if type(event) is stream_end_t:
        return None
    if event.version is not None or event.tags:
        raise _at(event, "%YAML and %TAG directives are not supported in records",
                  "unsupported")
    root: Any = None
    # one frame per open collection: [container, pending key or _NO_KEY, {key: event}]
    stack: list[list[Any]] = []
    while True:
        event = get()
        kind = type(event)
        if kind is scalar_t:
            try:
                # hot path: most scalars are plain text with no tag or anchor
                if event.anchor is not None or event.tag is not None:
                    value = _scalar(event)
                else:
                    value = event.value
                    if event.implicit[0] and (not value or value[0] in _RESOLVE_FIRST
                                              or value in _RESOLVE_WORDS):
                        value = _plain(event)
            except YamlProblem as p:
                raise _naming_field(p, stack) from None
        elif kind is mapping_t or kind is sequence_t:
            if event.anchor is not None:
                raise _at(event, "anchors and aliases (&, *) are not allowed in records",
                          "unsupported")
            if event.tag not in (_MAP_TAGS if kind is mapping_t else _SEQ_TAGS):
                raise _at(event, f"tags such as {event.tag!r} are not allowed in records",
                          "unsupported")
            if len(stack) >= MAX_DEPTH:
                raise _at(event, f"nesting deeper than {MAX_DEPTH} levels", "too-deep")
            value = {} if kind is mapping_t else []
        elif isinstance(event, end_t):
            stack.pop()
            continue
        elif kind is alias_t:
            raise _at(event, "anchors and aliases (&, *) are not allowed in records",
                      "unsupported")
        elif kind is doc_end_t:
            break
        else:  # pragma: no cover - libyaml emits nothing else inside a document
            raise _at(event, f"unexpected {kind.__name__}")
        if not stack:
            root = value
        else:
            frame = stack[-1]
            container = frame[0]
            if type(container) is list:
                container.append(value)
            elif frame[1] is _NO_KEY:
                if type(value) in (dict, list):
                    raise _at(event, "a mapping key must be a plain value")
                first = frame[2].get(value)
                if first is not None:
                    line = first.start_mark.line + 1
                    raise _at(event, f"duplicate key {value!r} (first at line {line}); "
                                     "keep one of them", "duplicate-key")
                frame[2][value] = event
                frame[1] = value
            else:
                container[frame[1]] = value
                frame[1] = _NO_KEY
        if type(value) is dict or type(value) is list:
            stack.append([value, _NO_KEY, {}])
    event = get()
    if type(event) is not stream_end_t:
        raise _at(event, "several YAML documents in one file; a record is one document "
                         "(remove '---')", "multiple-documents")
    return root


_NO_KEY = object()


def _naming_field(problem: YamlProblem, stack: list[list[Any]]) -> YamlProblem:
    """A bad value's problem, led by the field it is in: `close_date: '2026-13-45' ...`.

    Only the builder knows the field, and only on this rare path is it worked out.
    """
    if problem.code not in ("yaml", "too-large"):  # tags, anchors, `<<`: not the value's
        return problem
    path = ""
    for depth, (container, key, _) in enumerate(stack):
        innermost = depth == len(stack) - 1
        if type(container) is list:
            path += f"[{len(container) if innermost else len(container) - 1}]"
            continue
        if innermost and key is _NO_KEY:  # the bad scalar is a key itself
            break
        # an outer mapping's open value is its newest key's (duplicates are refused)
        key = key if innermost else next(reversed(container))
        path += f".{key}" if path else str(key)
    if not path:
        return problem
    return YamlProblem(f"{path}: {problem.message}", problem.line, problem.column,
                       problem.code)


def _problem_from_yaml_error(err: Any) -> YamlProblem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    message = err.problem or err.context or "invalid YAML"
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return YamlProblem(message, line, col)


# -------------------------------------------------------------------------- block
#
# Records as salescli and most people write them use a small part of YAML: block
# mappings and sequences, one-line scalars, and one-line flow lists and mappings
# of plain words and simple quotes. `load_block` reads exactly that part with
# string operations, about 4x faster than libyaml's event stream, and gives up
# (NOT_BLOCK) at the first line it is not certain of; libyaml then reads the file
# and reports any error. It gives up rather than decide: it never raises
# and never guesses, so both paths yield the same values (tests prove it on
# generated text and on a demo repository's files). Lines repeat
# across records (`status: open`, `type: meeting`), so each line's reading is
# memoised; flow values are kept as tuples and copied, since callers may mutate.

NOT_BLOCK: Any = object()

# anything but newline and _PRINTABLE goes to libyaml
_BLOCK_BAD = later(f"[{_UNPRINTABLE_NOT_NL}]")
_BLOCK_KEY = later(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")
# c-indicators that cannot start a plain scalar; '-' may when a non-space follows
_NOT_FIRST = frozenset("[]{}#&*!|>'\"%@`,?:")
# one item of a one-line flow collection: an optional `key: `, then a quoted scalar
# (no escapes), a collection of plain scalars (`[a, b]`, `{k: v}`: one level deep,
# as pipelines write `won: {requires: []}`) or plain words without flow indicators,
# ':' or '#'; then ',' or the end
_FLOW_ITEM = later(r"""\ *(?:([A-Za-z_][A-Za-z0-9_-]*):\ +)?
    ('(?:[^']|'')*'|"[^"\\]*"|\[[^\[\]{}'"]*\]|\{[^\[\]{}'"]*\}
     |[^,\[\]{}#'":\ ](?:[^,\[\]{}#:]*[^,\[\]{}#:\ ])?)
    \ *(,|$)""", re.X)
_MAX_INDENT = 64  # bounds the recursion; deeper files go to libyaml's depth check
_EMPTY: Any = object()  # `key:` with nothing after it: a nested node or null


class _FlowList(tuple):
    __slots__ = ()


class _FlowMap(tuple):
    __slots__ = ()


class _DeepList(tuple):  # a flow list holding flow collections
    __slots__ = ()


class _DeepMap(tuple):  # a flow mapping holding flow collections
    __slots__ = ()


_FLOW_KINDS = (_FlowList, _FlowMap, _DeepList, _DeepMap)


def _block_plain(value: str) -> Any:
    """A one-line plain scalar's value, or NOT_BLOCK when it may be something else."""
    first = value[0]
    if first in _NOT_FIRST or (first == "-" and value[1:2] in ("", " ")):
        return NOT_BLOCK
    if first in _RESOLVE_FIRST or value in _RESOLVE_WORDS:
        try:
            return resolve_plain(value)
        except ValueError:  # 2026-02-30, a huge number, `<<`: libyaml explains
            return NOT_BLOCK
    return value


def _block_flow(inner: str, mapping: bool) -> Any:
    """The inside of a one-line `[a, b]` or `{k: v}` of scalars, as a tuple."""
    out: list[Any] = []
    deep = False
    keys: set[str] = set()
    pos, end = 0, len(inner)
    if not inner.strip(" "):
        end = -1
    while pos < end:
        m = _FLOW_ITEM.match(inner, pos)
        if m is None:
            return NOT_BLOCK
        key, raw, more = m.groups()
        pos = m.end()
        if more and pos == end:  # a trailing comma
            return NOT_BLOCK
        first = raw[0]
        if first == "'":
            value = raw[1:-1].replace("''", "'")
        elif first == '"':
            value = raw[1:-1]
        elif first in "[{":  # the pattern lets through only scalars inside
            value = _block_flow(raw[1:-1], first == "{")
            if value is NOT_BLOCK:
                return NOT_BLOCK
            deep = True
        else:
            value = _block_plain(raw)
            if value is NOT_BLOCK:
                return NOT_BLOCK
        if not mapping:
            if key is not None:  # `[a: b]` holds a mapping: libyaml's call
                return NOT_BLOCK
            out.append(value)
        elif key is None or key in keys or key in _RESOLVE_WORDS:
            return NOT_BLOCK
        else:
            keys.add(key)
            out.append((key, value))
    if deep:
        return _DeepMap(out) if mapping else _DeepList(out)
    return _FlowMap(out) if mapping else _FlowList(out)


def _block_collection(rest: str) -> Any:
    """A one-line flow collection, perhaps with a comment after it (`{}  # note`)."""
    close = "]" if rest[0] == "[" else "}"
    cut = rest.find(" #")
    while cut > 0:
        # the first ` #` after which what comes before reads as a whole collection:
        # one inside a quoted scalar leaves its quote open there, so that cut fails
        head = rest[:cut].rstrip(" ")
        if head[-1] == close:
            value = _block_flow(head[1:-1], close == "}")
            if value is not NOT_BLOCK:
                return value
        cut = rest.find(" #", cut + 2)
    return _block_flow(rest[1:-1], close == "}") if rest[-1] == close else NOT_BLOCK


def _block_scalar(rest: str) -> Any:
    """What follows `key: ` or `- ` on its line (trailing spaces already gone)."""
    first = rest[0]
    if first == "'":
        inner = rest[1:-1]
        if len(rest) < 2 or rest[-1] != "'" or "'" in inner.replace("''", ""):
            return NOT_BLOCK
        return inner.replace("''", "'")
    if first == '"':
        inner = rest[1:-1]
        if len(rest) < 2 or rest[-1] != '"' or '"' in inner or "\\" in inner:
            return NOT_BLOCK
        return inner
    if first == "[" or first == "{":
        return _block_collection(rest)
    cut = rest.find(" #")  # a comment after a plain scalar
    if cut > 0:
        rest = rest[:cut].rstrip(" ")
    if ": " in rest or rest[-1] == ":":
        return NOT_BLOCK
    return _block_plain(rest)


_line_memo: dict[str, tuple[str | None, Any]] = {}


def _block_line(content: str) -> Any:
    """(key, value | _EMPTY) for a `key: value` line, (None, value) for a lone scalar."""
    hit = _line_memo.get(content)
    if hit is None:
        line = content.rstrip(" ")
        m = _BLOCK_KEY.match(line)
        if m is None:
            hit = (None, _block_scalar(line))
        elif m.group(1) in _RESOLVE_WORDS:  # `true:` is a boolean key: libyaml's call
            hit = (None, NOT_BLOCK)
        else:
            rest = line[m.end():]
            empty = not rest or rest[0] == "#"  # `key:  # comment` then a nested node
            hit = (m.group(1), _EMPTY if empty else _block_scalar(rest))
        if len(_line_memo) > 200_000:
            _line_memo.clear()
        _line_memo[content] = hit
    return hit


def _fresh(value: Any) -> Any:
    kind = type(value)
    if kind is _FlowList:
        return list(value)
    if kind is _FlowMap:
        return dict(value)
    if kind is _DeepList:
        return [_fresh(v) for v in value]
    if kind is _DeepMap:
        return {k: _fresh(v) for k, v in value}
    return value


def _is_entry(content: str) -> bool:
    return content == "-" or content[:2] == "- "


def _block_node(lines: list[tuple[int, str]], i: int) -> tuple[Any, int]:
    """The mapping or sequence whose first line is lines[i], and the line after it."""
    at, content = lines[i]
    return _block(lines, i, at, _is_entry(content))


def _block_value(lines: list[tuple[int, str]], i: int, indent: int, nested_at_indent: bool
                 ) -> tuple[Any, int]:
    """The value of an empty `key:` or `-` at line i-1: what is nested below it, or null."""
    if i < len(lines):
        below, content = lines[i]
        if below > indent or (nested_at_indent and below == indent and _is_entry(content)):
            return _block_node(lines, i)
    return None, i


def _block(lines: list[tuple[int, str]], i: int, indent: int, sequence: bool
           ) -> tuple[Any, int]:
    """The block mapping (a sequence with `sequence`) of the lines at `indent` from lines[i]
    to the first less indented one, and the line after it: the hot path of reading."""
    out: Any = [] if sequence else {}
    n = len(lines)
    while i < n:
        at, content = lines[i]
        if at != indent:
            if at < indent:
                break
            return NOT_BLOCK, i  # deeper than a key or dash: a continued scalar, or an error
        if sequence:
            if not _is_entry(content):
                break  # a key at the dash's indent: the mapping around this sequence goes on
            item = content[2:].lstrip(" ")
            if not item:
                value, i = _block_value(lines, i + 1, indent, False)
            else:
                key, value = _block_line(item)
                if key is not None:  # `- key: value` opens a mapping at the column of `key`
                    lines[i] = (indent + len(content) - len(item), item)
                    value, i = _block(lines, i, lines[i][0], False)
                else:
                    i += 1
            if value is NOT_BLOCK:
                return NOT_BLOCK, i
            out.append(_fresh(value))
            continue
        hit = _line_memo.get(content)  # inlined _block_line
        key, value = hit if hit is not None else _block_line(content)
        if key is None or key in out:  # duplicates get libyaml's message
            return NOT_BLOCK, i
        i += 1
        kind = type(value)
        if value is _EMPTY:  # a sequence may sit at the key's own indent
            value, i = _block_value(lines, i, indent, True)
            if value is NOT_BLOCK:
                return NOT_BLOCK, i
        elif value is NOT_BLOCK:
            return NOT_BLOCK, i
        elif kind in _FLOW_KINDS:
            value = _fresh(value)
        out[key] = value
    return out, i


def load_block(text: str) -> Any:
    """A record in plain block style as load_fast would read it, or NOT_BLOCK."""
    if _BLOCK_BAD.search(text):
        return NOT_BLOCK
    lines = []
    for line in text.split("\n"):  # faster than a multi-line regex
        content = line.lstrip(" ")
        if content and content[0] != "#":  # blank and comment lines carry nothing
            lines.append((len(line) - len(content), content))
    if not lines or lines[0][0] or max(lines)[0] > _MAX_INDENT or _is_entry(lines[0][1]):
        return NOT_BLOCK
    value, i = _block(lines, 0, 0, False)
    return value if i == len(lines) else NOT_BLOCK


def load_fast(text: str) -> Any:
    """Parse one record's text to plain Python values (dict, list, str, int, ...): the
    one reader of `check`, listings and history alike (a version `check` rejects, a tab
    after `key:` say, no report counts either)."""
    value = load_block(text)
    return load_events(text) if value is NOT_BLOCK else value


def load_events(text: str) -> Any:
    """load_fast by libyaml's event stream: any YAML, and the errors' positions."""
    f = _fast()
    _check_conflicts(text)
    if "\t" in text:
        _check_tabs(text)
    try:
        return _parse(text)
    except f["yaml"].MarkedYAMLError as err:
        if "nesting depth" in str(err.problem) and err.problem_mark is not None:
            raise _too_deep(text, err.problem_mark) from None
        raise _problem_from_yaml_error(err) from None
    except f["yaml"].YAMLError as err:
        raise YamlProblem(str(err)) from None


def _parse(text: str) -> Any:
    parser = _fast()["Parser"](text)
    try:
        return _build(parser)
    finally:
        parser.dispose()


def _too_deep(text: str, mark: Any) -> YamlProblem:
    """Our own `too-deep` finding where libyaml's nesting limit spoke first.

    libyaml 0.2.6 (PyYAML 6.0.4) refuses a thousand open brackets before it emits an
    event, so `_build` never sees depth MAX_DEPTH. Reading the text up to libyaml's
    mark lets it: the finding, its position and its code stay the same whichever
    libyaml is installed.
    """
    lines = text.split("\n", mark.line + 1)
    cut = sum(len(line) + 1 for line in lines[:mark.line]) + mark.column
    try:
        _parse(text[:cut])
    except YamlProblem as problem:
        if problem.code == "too-deep":
            return problem
    except Exception:  # noqa: BLE001 - the prefix is cut mid-collection; any error is fine
        pass
    return YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1,
                       mark.column + 1, "too-deep")


def _check_tabs(text: str) -> None:
    """Refuse the tabs ruamel cannot read, so both readers agree (SPEC §9).

    libyaml accepts a tab after `key:` or inside a plain value; ruamel's scanner
    refuses both, so such a file could be checked but never edited. Rare: only files
    with a tab pay for the second scan.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        for _ in YAML(typ="rt").parse(text):
            pass
    except MarkedYAMLError as err:
        raise _ruamel_problem(err) from None
    except ReaderError as err:  # a control character: refused as libyaml would, no traceback
        line = text.count("\n", 0, max(err.position, 0)) + 1
        raise YamlProblem(f"control character U+{err.character:04X} is not allowed in YAML; "
                          "remove it", line) from None


def _ruamel_problem(err: Any) -> YamlProblem:
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = str(err.problem or err.context or "invalid YAML")
    if "\\t" in message:  # ruamel names the tab as its escape
        message = "a tab where YAML allows only spaces; indent and separate with spaces"
    return YamlProblem(message, line, col)


def locate(text: str, path: Sequence[str | int], key: bool = False) -> tuple[int, int]:
    """1-based (line, column) of the value at `path` (or its key), else the nearest parent.

    Only called for files that have findings, so composing the node tree is cheap.
    """
    f = _fast()
    yaml = f["yaml"]
    try:
        node = yaml.compose(text, Loader=f["Composer"])
    except yaml.YAMLError:
        return 1, 1
    best = node
    for step in path:
        if node is None:
            break
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == step:
                    nxt = value_node
                    best = key_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if 0 <= step < len(node.value):
                nxt = node.value[step]
                best = nxt
        node = nxt
    if best is None:
        return 1, 1
    if not key and node is not None and not isinstance(
        node, yaml.MappingNode | yaml.SequenceNode
    ):
        best = node
    return best.start_mark.line + 1, best.start_mark.column + 1


# --------------------------------------------------------------------- round trip


_KEY_ONLY_RE = later(r"^[^#\s-][^#]*:\s*(?:#.*)?$")


def guess_indent(text: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) of a file, so a dump keeps its style.

    ruamel has `load_yaml_guess_indent`, but it crashes on a `- ` line with nothing
    after the dash, and it only guesses the sequence indent.
    """
    mapping = sequence = offset = None
    parent: int | None = None  # indent of the last `key:` line with no value
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        dash = stripped[:2] in ("- ", "-")
        if parent is not None and (indent > parent or (dash and indent == parent)):
            if dash:
                if offset is None:
                    offset = indent - parent
                    after = stripped[1:]
                    gap = len(after) - len(after.lstrip(" ")) if after.strip() else 1
                    sequence = offset + 1 + gap
            elif mapping is None:
                mapping = indent - parent
        parent = indent if _KEY_ONLY_RE.match(stripped) else None
        if mapping is not None and offset is not None:
            break
    return mapping or 2, sequence or (offset or 2) + 2, 2 if offset is None else offset


def _yaml_rt(mapping: int = 2, sequence: int = 4, offset: int = 2) -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    # never wrap a long value: the user's lines stay as they are, and a value written
    # for one nesting (dump_record's scalars) reads the same at any other
    y.width = 1 << 30
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    y.Emitter = _record_emitter()
    y.Constructor = _record_constructor()
    y.representer.add_representer(Decimal, _represent_decimal)
    from salescli.core.record import Amount  # a record's amounts: ruamel looks up by type

    for amount in (Amount, *Amount.__subclasses__()):
        y.representer.add_representer(amount, _represent_decimal)
    y.representer.add_representer(str, _represent_str)
    from ruamel.yaml.scalarfloat import ScalarFloat

    y.representer.add_representer(ScalarFloat, _represent_scalar_float)
    return y


def _record_constructor() -> Any:
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.scalarstring import PlainScalarString

    class RecordConstructor(RoundTripConstructor):
        def construct_yaml_str(self, node: Any) -> Any:
            # a `14:00` written plain stays plain (_represent_str quotes a new one)
            value = super().construct_yaml_str(node)
            if type(value) is str and not node.style and yaml11_other(value):
                return PlainScalarString(value)
            return value

    RecordConstructor.add_constructor("tag:yaml.org,2002:str",
                                      RecordConstructor.construct_yaml_str)
    return RecordConstructor


def _represent_str(representer: Any, value: str) -> Any:
    # ruamel writes U+0085 raw and reads it back as a space: escape the hidden line
    # breaks in double quotes ("\N"), so a value reads back exactly as it was set;
    # `14:00` is quoted as the splicing writer quotes it (_plain_ok: 840 to YAML 1.1)
    style = '"' if _HIDDEN_BREAK_RE.search(value) else "'" if yaml11_other(value) else None
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_scalar_float(representer: Any, value: Any) -> Any:
    # ruamel rewrites a float it read in the user's format, and for some exponent
    # forms that loses digits (1.912138534355494e+24 -> ...493e+24): an untouched
    # value would change. Keep the format only when it reads back as the same number.
    node = representer.represent_scalar_float(value)
    try:
        same = _to_float(node.value) == float(value)
    except ValueError:
        same = False
    if not same and math.isfinite(value):
        node.value = repr(float(value))
    # ruamel counts a read `48_000.00`'s underscores as digits and pads it to
    # `048000.00`: write it without the padding (the underscores are not kept)
    node.value = re.sub(r"^([-+]?)0+(?=\d)", r"\1", node.value)
    return node


def _record_emitter() -> Any:
    from ruamel.yaml.emitter import Emitter

    class RecordEmitter(Emitter):
        def analyze_scalar(self, scalar: Any) -> Any:
            analysis = super().analyze_scalar(scalar)
            # ruamel writes `[:x]` and `{a: ?x}` plain; libyaml (the fast reader, and
            # most YAML 1.1 tools) refuses them there, so quote them in flow style.
            if scalar[:1] in (":", "?"):
                analysis.allow_flow_plain = False
            return analysis

    return RecordEmitter


def _represent_decimal(representer: Any, value: Decimal) -> Any:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return representer.represent_scalar(tag, text)


class RoundTrip:
    """A record loaded for editing: `data` is ruamel's commented tree; `dump()` the text."""

    def __init__(self, text: str):
        # The fast reader refuses tags, aliases, duplicates etc. before ruamel sees them.
        load_fast(text)
        self._yaml = _yaml_rt(*guess_indent(text))
        from ruamel.yaml.error import MarkedYAMLError

        try:
            self.data = self._yaml.load(text)
        except MarkedYAMLError as err:  # whatever the fast reader let through
            raise _ruamel_problem(err) from None
        except ValueError as err:  # ruamel raises plain ValueError for 2026-02-30
            raise YamlProblem(str(err)) from None
        except Exception as err:  # noqa: BLE001 - ruamel's own bugs: one line, no traceback
            # NotImplementedError "overlap in comment", AssertionError: both seen on
            # comment lines between a key and its value, which YAML allows
            found = re.search(r"line: (\d+)", str(err))
            raise YamlProblem(
                f"cannot rewrite this file's layout (ruamel.yaml fails with "
                f"{type(err).__name__}); a comment between a key and its value is the "
                "usual cause: move it above the key",
                int(found.group(1)) + 1 if found else 1, code="cannot-edit") from None

    def dump(self) -> str:
        buf = io.StringIO()
        self._yaml.dump(self.data, buf)
        return buf.getvalue()


def set_in(mapping: Any, key: str, value: Any, order: Sequence[str] = ()) -> None:
    """Set `key` in a commented mapping; a new key goes where `order` puts it."""
    if key in mapping or not order or key not in order:
        mapping[key] = value
        return
    mapping.insert(place_of(list(mapping.keys()), key, order), key, value)


def place_of(keys: Sequence[Any], key: str, order: Sequence[str]) -> int:
    """Where a new `key` (one of `order`) goes among a mapping's `keys`: right after the
    last of them the documented `order` puts before it (0: first of all)."""
    rank = order.index(key)
    return max((i + 1 for i, k in enumerate(keys) if k in order and order.index(k) < rank),
               default=0)


def entries_in(mapping: Any, key: str, order: Sequence[str] = ()) -> Any:
    """The list under `key`, started as an empty block list in its documented place
    (`order`) when the mapping has none yet (or an empty or null one)."""
    from ruamel.yaml.comments import CommentedSeq

    if not mapping.get(key):
        set_in(mapping, key, CommentedSeq(), order)
    return mapping[key]


def append_in(mapping: Any, key: str, entry: Any, order: Sequence[str] = ()) -> None:
    """Append `entry` to the list under `key` (`entries_in`), the comment lines after
    the record kept last."""
    keep_tail(mapping, lambda: entries_in(mapping, key, order).append(entry))


def literal(text: str) -> Any:
    """Text of several lines, written as a `|` block."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    return LiteralScalarString(text)


def dump_new(data: dict, flow_keys: Iterable[str] = ()) -> str:
    """Text of a new record; values under `flow_keys` that are small mappings go inline."""
    buf = io.StringIO()
    _yaml_rt().dump(commented(data, flow_keys), buf)
    return buf.getvalue()


# The fast writer of whole records: dump_new's text without ruamel, for writers of
# many versions (the demo's 100,000 commits, an import), where ruamel's millisecond
# a file is too much. It emits the same text for the shapes records have (tests
# compare the two on every version of a small demo); unusual strings still go
# through ruamel.

_PLAIN = later(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9 .@/()&'+-]*[A-Za-zÀ-ÿ0-9.)+]$|^[A-Za-z]$"
               r"|^\+[0-9]+(?: [0-9]+)+$")  # `+358 40 1234`; `+3584012` is an int
_YAML11_BOOLS = frozenset("y Y yes Yes YES n N no No NO on On ON off Off OFF".split())
# words no writer leaves plain: another type to YAML 1.2, or to YAML 1.1 (yaml11_other)
_QUOTED_WORDS = _YAML11_BOOLS | {"null", "Null", "NULL", "true", "True", "TRUE", "false",
                                 "False", "FALSE"}
_RUAMEL: dict[tuple[str, bool], str] = {}


def _ruamel_scalar(text: str, flow: bool) -> str:
    key = (text, flow)
    if key not in _RUAMEL:
        if flow:
            out = dump_new({"k": {"v": text}}, ["k"])
            _RUAMEL[key] = out[len("k: {v: "):-2]
        else:
            _RUAMEL[key] = dump_new({"k": text})[len("k: "):-1]
    return _RUAMEL[key]


def scalar(value: Any, flow: bool = False) -> str:
    """One value as salescli writes it (in a flow mapping when `flow`)."""
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and "  " not in value and value not in _QUOTED_WORDS:
            return value
        return _ruamel_scalar(value, flow)
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, _dt.date | int):
        return str(value)
    raise TypeError(f"no YAML form for {value!r}")


_KEY = later(r"[a-z_][a-z0-9_-]*")  # field names and IDs: plain to every reader


def _key(key: str, flow: bool = False) -> str:
    """A mapping key as ruamel writes it: `'yes'` and `'123'` quoted, as values are."""
    if _KEY.fullmatch(key) and key not in _QUOTED_WORDS:
        return key
    return scalar(key, flow)


def _emit(key: str, value: Any, pad: str, out: list[str], flow_keys: frozenset[str]) -> None:
    key = _key(key)
    if value == [] or value == {}:  # as ruamel writes an empty one, in any style
        out.append(f"{pad}{key}: {'[]' if isinstance(value, list) else '{}'}")
    elif isinstance(value, dict):
        if key in flow_keys:
            inner = ", ".join(f"{_key(k, True)}: {scalar(v, True)}" for k, v in value.items())
            out.append(f"{pad}{key}: {{{inner}}}")
        else:
            out.append(f"{pad}{key}:")
            for k, v in value.items():
                _emit(k, v, pad + "  ", out, flow_keys)
    elif isinstance(value, list):
        if key in flow_keys and not any(isinstance(v, dict | list) for v in value):
            out.append(f"{pad}{key}: [{', '.join(scalar(v, True) for v in value)}]")
            return
        out.append(f"{pad}{key}:")
        for item in value:
            if isinstance(item, dict) and key in flow_keys:
                inner = ", ".join(f"{_key(k, True)}: {scalar(v, True)}"
                                  for k, v in item.items())
                out.append(f"{pad}  - {{{inner}}}")
            elif isinstance(item, dict):
                first = len(out)
                for k, v in item.items():
                    _emit(k, v, pad + "    ", out, flow_keys)
                out[first] = f"{pad}  - {out[first][len(pad) + 4:]}"
            else:
                out.append(f"{pad}  - {scalar(item)}")
    else:
        out.append(f"{pad}{key}: {scalar(value)}")


def dump_record(data: dict[str, Any], order: Sequence[str], flow_keys: frozenset[str]) -> str:
    """A record's text: keys in the documented `order`, None left out, as dump_new does."""
    out: list[str] = []
    for key in order:
        value = data.get(key)
        if value is not None:
            _emit(key, value, "", out, flow_keys)
    return "\n".join(out) + "\n"


def commented(value: Any, flow_keys: Iterable[str] = (), key: str | None = None) -> Any:
    """Plain dicts and lists as ruamel's commented ones; those under `flow_keys` inline."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.comments import CommentedSeq

    if isinstance(value, CommentedMap | CommentedSeq):
        return value
    flow = flow_keys if isinstance(flow_keys, set) else set(flow_keys)
    if isinstance(value, dict):
        m = CommentedMap((k, commented(v, flow, k)) for k, v in value.items())
        if key in flow:
            m.fa.set_flow_style()
        return m
    if isinstance(value, list):
        s = CommentedSeq(commented(v, flow, key) for v in value)
        if key in flow and all(not isinstance(v, dict | list) for v in value):
            s.fa.set_flow_style()
        return s
    return value


def plain(value: Any) -> Any:
    """ruamel's round-trip values as plain Python values (for comparisons and JSON)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if type(value).__name__ == "TaggedScalar":  # `!!str 12` or a bare `=`
        return value.value
    if isinstance(value, _dt.datetime):
        return _dt.datetime(*value.timetuple()[:6], value.microsecond, tzinfo=value.tzinfo)
    return value


# ------------------------------------------------------------------ in-place edits
#
# A `set` changes values, not the file: each new value goes into the text where the
# old one was (or on a new line where its key belongs), so comments, quoting, line
# endings, a byte-order mark and every other byte stay as they were. What is written
# is read back and must be the old record with exactly those values changed. A value
# the field's own style cannot hold is written double-quoted with escapes: that holds
# any text on one line, in block and flow context alike. Only what splicing does not
# do (a tag before a `|` block, say) takes ruamel's round trip, checked the same way.

# what a plain or single-quoted scalar on one line may hold: no break, tab or control
_UNPRINTABLE = later(f"[\n{_UNPRINTABLE_NOT_NL}]")
_ESCAPES = {"\0": "0", "\x07": "a", "\b": "b", "\t": "t", "\n": "n", "\x0b": "v",
            "\x0c": "f", "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N",
            "\u2028": "L", "\u2029": "P"}
_BLOCK_HEADER_RE = later(r"[|>][-+0-9]*")
_CONTENT_RE = later(r"[^ \r\n]")


def double_quoted(value: str) -> str:
    """`value` as a double-quoted scalar on one line: any text, valid in any context."""
    out = []
    for ch in value:
        escape = _ESCAPES.get(ch)
        if escape is not None:
            out.append("\\" + escape)
        elif _UNPRINTABLE.match(ch):
            code = ord(ch)
            out.append(f"\\x{code:02X}" if code < 0x100 else
                       f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_SEXAGESIMAL = later(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?")
_YAML11_BINARY = later(r"[-+]?0b[0-1_]+")


def yaml11_other(value: str) -> bool:
    """Text here and to YAML 1.2, but another type to YAML 1.1 readers (PyYAML, which a
    team's scripts may read records with): `14:00` is 840, `no` False, `0b11` 3. Every
    writer quotes such a new value, so every reader reads the text."""
    return value in _YAML11_BOOLS or bool(_SEXAGESIMAL.fullmatch(value)
                                          or _YAML11_BINARY.fullmatch(value))


def _plain_ok(value: str, flow: bool) -> bool:
    """May `value` be written unquoted and read back as this very text?"""
    if (not value or value != value.strip(" ") or _UNPRINTABLE.search(value)
            or value[0] in _NOT_FIRST or (value[0] == "-" and value[1:2] in ("", " "))
            or ": " in value or " #" in value or value[-1] == ":" or value == "="):
        return False  # `=` is a plain string to libyaml, a tagged value to ruamel
    if flow and any(c in value for c in ",[]{}:#"):
        return False
    if yaml11_other(value):
        return False
    try:
        return resolve_plain(value) == value  # not `010`, `true`, `null`: another type
    except ValueError:  # 2026-02-30, `<<`
        return False


def _render(value: Any, style: str | None, flow: bool, escaped: bool) -> str | None:
    """A value's text on one line, in the old value's quoting `style` where it fits.

    None for what is not a scalar or a small inline list or mapping of them.
    """
    if value is None:
        return "null" if flow else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        return repr(value) if math.isfinite(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        if escaped or style == '"':
            return double_quoted(value)
        if style != "'" and _plain_ok(value, flow):
            return value
        if not _UNPRINTABLE.search(value):
            return "'" + value.replace("'", "''") + "'"
        return double_quoted(value)
    if isinstance(value, dict):  # keys are field names: plain unless they cannot be
        items = [(_render(k, None, True, False), _render(v, None, True, escaped))
                 for k, v in value.items()]
        if any(k is None or v is None for k, v in items):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        texts = [_render(v, None, True, escaped) for v in value]
        if any(t is None for t in texts):
            return None
        return "[" + ", ".join(t for t in texts if t is not None) + "]"
    return None


def _block_lines(value: str, indicator: str, column: int, indent: int
                 ) -> tuple[str, list[str]] | None:
    """(header, content lines) of `value` as a block scalar indented `indent`, else None.

    `column` is the key's: leading spaces in the text need the indentation said in
    the header. Never for a value ending in two line breaks: keep-chomping (`|+`)
    would take in the blank lines that follow it in the file.
    """
    body = value[:-1] if value.endswith("\n") else value
    if not body or body.endswith("\n") or _UNPRINTABLE.search(body.replace("\n", "")):
        return None
    lines = body.split("\n")
    header = "|" if len(lines) > 1 else indicator  # folding would join the lines
    if next(line for line in lines if line)[0] == " ":
        if not 0 < indent - column <= 9:
            return None
        header += str(indent - column)
    header += "" if value.endswith("\n") else "-"
    return header, [" " * indent + line if line else "" for line in lines]


def _line_end(text: str, pos: int) -> int:
    """Where the line holding `pos` ends (its line break, or the end of the text)."""
    m = _BREAK_RE.search(text, pos)
    return m.start() if m else len(text)


def _line_start(text: str, pos: int) -> int:
    """Where the line holding `pos` starts."""
    return max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1


def _next_line(text: str, pos: int) -> int:
    """Where the line after the one holding `pos` starts (or the end of the text)."""
    m = _BREAK_RE.search(text, pos)
    return m.end() if m else len(text)


def _last_content(text: str, start: int, end: int) -> int:
    """End of the last line in text[start:end] with more than spaces on it, else start."""
    for i in range(end - 1, start - 1, -1):
        if text[i] not in " \r\n":
            return _line_end(text, i)
    return start


def _value_end(text: str, node: Any) -> int:
    """Where a value's last line ends, not counting blank or comment lines after it."""
    yaml = _fast()["yaml"]
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("|", ">"):
            return _last_content(text, node.start_mark.index, node.end_mark.index)
        return node.end_mark.index
    if node.flow_style or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    return _value_end(text, last[1] if isinstance(node, yaml.MappingNode) else last)


class _Splice:
    """One change spliced into a record's text, or None where it would take guessing."""

    def __init__(self, text: str, escaped: bool):
        self.text = text
        self.escaped = escaped  # every text value double-quoted: the style that always fits
        self.eol = line_break(text)

    def set(self, path: list[str], value: Any, order: Sequence[str],
            at: Sequence[str | int] = ()) -> str | None:
        """`path` set to `value` in the block or flow mapping `at` leads to (a list's
        item by its index: `("activities", 1)`); a new key there goes where `order`
        puts it."""
        f = _fast()
        yaml = f["yaml"]
        node = yaml.compose(self.text, Loader=f["Composer"])
        for step in at:
            if isinstance(step, int):
                if not isinstance(node, yaml.SequenceNode) or not 0 <= step < len(node.value):
                    return None
                node = node.value[step]
            elif isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode)
                             and k.value == step), None)
            else:
                return None
        if not isinstance(node, yaml.MappingNode):
            return None
        for depth, key in enumerate(path):
            rest = path[depth + 1:]
            entry = next((e for e in node.value if isinstance(e[0], yaml.ScalarNode)
                          and e[0].value == key), None)
            if entry is None:
                return self._insert(node, key, _nested(rest, value), order if depth == 0 else ())
            key_node, child = entry
            if not rest or not isinstance(child, yaml.MappingNode):
                # a parent that is not a mapping becomes one, as apply_sets makes it
                return self._replace(key_node, child, _nested(rest, value), node.flow_style)
            node = child
        return None  # pragma: no cover - the loop returns

    def _replace(self, key_node: Any, node: Any, value: Any, flow: bool) -> str | None:
        yaml = _fast()["yaml"]
        text = self.text
        start, end = node.start_mark.index, node.end_mark.index
        if not isinstance(node, yaml.ScalarNode):
            if not node.flow_style:
                return self._replace_collection(key_node, node, value)
            style = None
        elif node.style in ("|", ">"):
            return self._replace_block(key_node, node, value)
        else:
            style = node.style or None
        new = _render(value, style, flow, self.escaped)
        if new is None:
            return None
        same_line = node.start_mark.line == key_node.start_mark.line
        if not new and not same_line:
            new = "null"  # not an empty line where the value was
        if start == end and isinstance(node, yaml.ScalarNode):  # `key:` with no value
            if text[start - 1:start] != ":":
                return None
            new = " " + new if new else ""
        elif not new:
            start = text.rindex(":", 0, start) + 1  # `key:`, no space left after it
        # spaces then a comment after the value: the comment keeps its column if it can
        line_end = _line_end(text, end)
        after = text[end:line_end]
        gap = len(after) - len(after.lstrip(" "))
        if not after.strip(" "):
            end = line_end  # no trailing spaces after a new value
        elif node.start_mark.line == node.end_mark.line and after.lstrip(" ")[0] == "#":
            room = end - start + gap - len(new)
            new += " " * max(1, room)
            end += gap
        return text[:start] + new + text[end:]

    def _replace_collection(self, key_node: Any, node: Any, value: Any) -> str | None:
        """A block list or mapping: the new value on the key's line, the old lines gone.

        A comment on the key's line stays; the comment lines after the old value do
        too, for they are about what follows it.
        """
        text = self.text
        colon = text.find(":", key_node.end_mark.index)
        new = _render(value, None, False, self.escaped)
        if new is None or colon < 0 or text[key_node.end_mark.index:colon].strip(" "):
            return None
        rest = text[colon + 1:_line_end(text, colon)]
        kept = rest if rest.lstrip(" ").startswith("#") else ""
        end = _line_end(text, _value_end(text, node))  # with its last item's comment
        return text[:colon + 1] + (" " + new if new else "") + kept + text[end:]

    def _replace_block(self, key_node: Any, node: Any, value: Any) -> str | None:
        """A `|` or `>` value: a block again where the value can be one, else one line."""
        text = self.text
        start = node.start_mark.index
        header_end = _line_end(text, start)
        header = _BLOCK_HEADER_RE.match(text, start)
        if header is None:  # `! |`: a tag first; the round trip's business
            return None
        comment = text[header.end():header_end]  # `|  # about it` keeps its comment
        end = _last_content(text, header_end, node.end_mark.index)
        column = key_node.start_mark.column
        if isinstance(value, str) and not self.escaped:
            digits = re.search(r"\d", header.group())
            first = _CONTENT_RE.search(text, header_end, end)
            if digits:
                indent = column + int(digits.group())
            else:  # the old content's indent, else the usual one
                indent = first.start() - _line_start(text, first.start()) if first \
                    else column + 2
            block = _block_lines(value, header.group()[0], column, max(indent, column + 1))
            if block is not None:
                head, lines = block
                return text[:start] + head + comment + self.eol + self.eol.join(lines) \
                    + text[end:]
        new = _render(value, None, False, self.escaped)
        if new is None:
            return None
        if not new:
            start = text.rindex(":", 0, start) + 1
        return text[:start] + new + comment + text[end:]

    def _insert(self, mapping: Any, key: str, value: Any, order: Sequence[str]) -> str | None:
        """A new `key: value` in `mapping`: on a line of its own where `order` puts it."""
        text = self.text
        entries = mapping.value
        if mapping.flow_style:
            new = _render(value, None, True, self.escaped)
            if new is None:
                return None
            if not entries:
                pos = mapping.start_mark.index + 1
                return text[:pos] + f"{key}: {new}" + text[pos:]
            pos = entries[-1][1].end_mark.index
            return text[:pos] + f", {key}: {new}" + text[pos:]
        new = _render(value, None, False, self.escaped)
        if new is None:
            return None
        after = entries[-1] if entries else None
        if order and key in order:
            pos = place_of([e[0].value for e in entries], key, order)
            after = entries[pos - 1] if pos else None
        line = " " * mapping.start_mark.column + key + ":" + (" " + new if new else "") + self.eol
        if after is None:  # first of all: on the first key's line, after any comment
            pos = _line_start(text, entries[0][0].start_mark.index)
            if text[pos:entries[0][0].start_mark.index].strip(" "):
                return None  # `- date: ...`: a list item's first key shares the dash's line
            return text[:pos] + line + text[pos:]
        pos = _next_line(text, _value_end(text, after[1]))
        if pos == len(text) and text and text[-1] not in "\r\n":
            line = self.eol + line
        return text[:pos] + line + text[pos:]


def _nested(path: list[str], value: Any) -> Any:
    """The value to set at the first of `path`: mappings down to `value`."""
    for key in reversed(path):
        value = {key: value}
    return value


def _after_sets(data: dict, changes: dict[str, Any], at: Sequence[str | int] = ()) -> dict:
    """The record as it must read after `changes` to the mapping `at` leads to, as
    apply_sets makes them."""
    import copy

    data = copy.deepcopy(data)
    for dotted_key, value in changes.items():
        keys = dotted_key.split(".")
        target = _walk(data, at)
        for key in keys[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[keys[-1]] = _as_read(value)
    return data


def _reads_as(text: str, expected: Any) -> bool:
    try:
        return _difference(load_fast(text), expected) is None
    except YamlProblem:
        return False


def set_values(text: str, changes: dict[str, Any], order: Sequence[str] = (),
               at: Sequence[str | int] = ()) -> str:
    """`text` with `{"value": 52000, "next_step.due": date}` set, every other byte kept.

    `at` leads to the mapping the keys are in, when it is not the record: a list's item
    by its index, `("activities", 1)`. A new key goes where the documented `order` puts
    it. Raises YamlProblem when no way of writing the values reads back as exactly them.
    """
    before = load_fast(text)
    if not isinstance(before, dict):
        raise YamlProblem("a record must be a mapping of keys", code="not-a-mapping")
    target = _walk(before, at)
    if not isinstance(target, dict):
        raise YamlProblem(f"`{_dotted(tuple(at))}` is not a mapping of keys",
                          code="not-a-mapping")
    changes = _not_clearing_absent(target, changes)
    if not changes:
        return text
    expected = _after_sets(before, changes, at)
    for escaped in (False, True):
        spliced: str | None = text
        for key, value in changes.items():
            spliced = _Splice(spliced, escaped).set(key.split("."), value, order, at)
            if spliced is None:
                break
        if spliced is not None and _reads_as(spliced, expected):
            return spliced
    return roundtrip_edit(text, lambda data: apply_sets(_walk(data, at), changes, order),
                          expected)


def _walk(data: Any, at: Sequence[str | int]) -> Any:
    """What the keys and list indexes `at` lead to in `data` (None where none is)."""
    for step in at:
        if isinstance(step, int):
            data = data[step] if isinstance(data, list) and 0 <= step < len(data) else None
        else:
            data = data.get(step) if isinstance(data, dict) else None
    return data


def append_item(text: str, key: str, item: dict[str, Any], inline: bool = False) -> str | None:
    """`text` with `item` (a mapping of scalars and small inline lists or mappings)
    appended to the top-level block list `key`, every other byte kept; None where that
    would take guessing (no such list yet, a flow list, items not block mappings; with
    `inline`, not inline ones of one line each either).

    The new item takes the last item's layout (its dash and key columns, or inline
    `- {product: x, quantity: 1}` at its dash's column), right after that item's last
    line; what is written must read back as the old record with
    exactly `item` appended (`log` then needs no round trip: about 30 ms of importing
    ruamel and 10 ms or more of its round trip).
    """
    before = load_fast(text)
    if not isinstance(before, dict) or not isinstance(before.get(key), list) \
            or not before[key]:
        return None
    expected = dict(before)
    expected[key] = [*before[key], _as_read(item)]
    for escaped in (False, True):
        spliced = _append_splice(text, key, item, escaped, inline)
        if spliced is not None and _reads_as(spliced, expected):
            return spliced
    return None


def start_inline_list(text: str, key: str, item: dict[str, Any],
                      order: Sequence[str] = ()) -> str | None:
    """`text` with the top-level list `key`, absent or empty, now holding `item` as one
    inline entry, `key:` then `  - {...}` where `order` puts the key, every other byte
    kept; None where that would take guessing."""
    before = load_fast(text)
    if not isinstance(before, dict) or before.get(key) not in (None, []):
        return None
    try:
        after = set_values(text, {key: [item]}, order)  # `key: [{...}]`, one line
    except YamlProblem:
        return None
    old, new = text.splitlines(keepends=True), after.splitlines(keepends=True)
    at = next((i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), len(old))
    if at >= len(new):
        return None
    line = new[at]
    body = line.rstrip("\r\n")
    eol = line[len(body):] or line_break(text)
    if not (body.startswith(f"{key}: [{{") and body.endswith("}]")):
        return None
    block = f"{key}:{eol}  - {body[len(key) + 3:-1]}{eol}"
    spliced = "".join(new[:at]) + block + "".join(new[at + 1:])
    return spliced if _reads_as(spliced, load_fast(after)) else None


def _append_splice(text: str, key: str, item: dict[str, Any], escaped: bool,
                   inline: bool) -> str | None:
    f = _fast()
    yaml = f["yaml"]
    root = yaml.compose(text, Loader=f["Composer"])
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        return None
    entry = next((e for e in root.value if isinstance(e[0], yaml.ScalarNode)
                  and e[0].value == key), None)
    if entry is None or not isinstance(entry[1], yaml.SequenceNode) or entry[1].flow_style \
            or not entry[1].value:
        return None
    seq = entry[1]
    last = seq.value[-1]
    if not isinstance(last, yaml.MappingNode) or not last.value \
            or (last.flow_style and not inline):
        return None
    # `  - date: ...`: nothing but the dash and spaces before the item's first key
    lead = text[_line_start(text, last.start_mark.index):last.start_mark.index]
    if lead.strip(" ") != "-" or not lead.endswith(" "):
        return None
    dash, column = lead.index("-"), last.start_mark.column
    eol = line_break(text)
    first = " " * dash + "-" + " " * (column - dash - 1)
    lines = []
    if last.flow_style:  # `  - {contact: matti, role: champion}`, each on its own line
        rendered = _render(item, None, True, escaped)
        if last.start_mark.line != last.end_mark.line or rendered is None:
            return None
        lines.append(first + rendered + eol)
    else:
        for n, (name, value) in enumerate(item.items()):
            rendered = _render(value, None, False, escaped)
            if rendered is None or not isinstance(name, str) or _render(name, None, False,
                                                                        False) != name:
                return None
            head = first if n == 0 else " " * column
            lines.append(f"{head}{name}:" + (f" {rendered}" if rendered else "") + eol)
    pos = _next_line(text, _value_end(text, seq))
    new = "".join(lines)
    if pos == len(text) and text and text[-1] not in "\r\n":
        new = eol + new
    return text[:pos] + new + text[pos:]


# --------------------------------------------------------- round-trip edits, checked

_BREAK_RE = later(r"\r\n|\r|\n")


def line_break(text: str) -> str:
    """The file's own line break (the first one in it; LF for a file of one line)."""
    m = _BREAK_RE.search(text)
    return m.group() if m else "\n"


def _as_read(value: Any) -> Any:
    """A value to be written (ruamel's types, money) as load_fast reads it back."""
    if isinstance(value, Decimal):
        return resolve_plain(format(value, "f"))
    if isinstance(value, dict):
        return {_as_read(k): _as_read(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_read(v) for v in value]
    return plain(value)


def _difference(a: Any, b: Any, path: tuple = ()) -> tuple[tuple, Any, Any] | None:
    """The first place where `a` and `b` differ (value and type): (path, a's, b's)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in a or key not in b:
                return (*path, key), a.get(key), b.get(key)
            found = _difference(a[key], b[key], (*path, key))
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            found = _difference(x, y, (*path, i))
            if found:
                return found
        return None if len(a) == len(b) else (path, a, b)
    if type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a)
                                          and math.isnan(b))):
        return None
    return path, a, b


_UNSET: Any = object()


def roundtrip_edit(text: str, mutate: Callable[[Any], None], expected: Any = _UNSET) -> str:
    """`text` changed by `mutate` on ruamel's round-trip tree, in the file's line breaks.

    Comment lines after the record stay last. ruamel can misread what it does not
    expect (`! 007` it reads as 7) and crash on some comment layouts, so it must read
    the file as load_fast does, and what it writes must read as what `mutate` made
    (or `expected`); else YamlProblem (code `cannot-edit`) names the value.
    """
    eol = line_break(text)
    if "\r" in text:  # ruamel writes LF: edit in LF, then back to the file's own
        text = _BREAK_RE.sub("\n", text)
    rt = RoundTrip(text)
    if not isinstance(rt.data, dict):
        raise YamlProblem("a record must be a mapping of keys", code="not-a-mapping")
    found = _difference(load_fast(text), _as_read(rt.data))
    if found:
        path, meant, misread = found
        raise YamlProblem(f"cannot keep `{_dotted(path)}` as written: the round trip would "
                          f"turn {_shown(meant)} into {_shown(misread)}; write the value "
                          "quoted", locate(text, path)[0], code="cannot-edit")
    keep_tail(rt.data, lambda: mutate(rt.data))
    intended = _as_read(rt.data) if expected is _UNSET else expected
    out = _nulls_as_written(text, rt.dump())
    try:
        found = _difference(intended, load_fast(out))
    except YamlProblem as p:  # a bug of ours or ruamel's: refused, never written
        raise YamlProblem(f"cannot write this change faithfully ({p.message}); please "
                          "report this", code="cannot-edit") from None
    if found:
        path, meant, written = found
        raise YamlProblem(f"cannot write `{_dotted(path)}` faithfully (it would read back as "
                          f"{_shown(written)}, not {_shown(meant)}); please report this",
                          locate(text, path)[0] if path else 1, code="cannot-edit")
    return out if eol == "\n" else out.replace("\n", eol)


# `key: null` (or `~`), perhaps in a list item, perhaps with a comment after it
_NULL_LINE = later(r"(?P<key>[ ]*(?:-[ ]+)*[^\s#][^#]*?:)[ ]+(?:null|Null|NULL|~)"
                   r"(?P<rest>[ ]*(?:#.*)?)")
_SPACES = later(r"\s+")


def _nulls_as_written(before: str, after: str) -> str:
    """ruamel writes every null as an empty value (`notes:`): where a line of `before`
    spelled one out (`notes: null`, `time: ~`) and `after` has that line emptied, the
    line as it was written."""
    if not any(n in before for n in (": null", ": ~", ": Null", ": NULL")):
        return after
    import difflib

    old, new = before.split("\n"), after.split("\n")
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "replace":
            continue
        free = list(range(j1, j2))  # the block's lines of `after`, each matched once
        for i in range(i1, i2):
            m = _NULL_LINE.fullmatch(old[i])
            if not m:
                continue
            emptied = _SPACES.sub(" ", m["key"] + m["rest"]).strip()
            j = next((j for j in free if _SPACES.sub(" ", new[j]).strip() == emptied), None)
            if j is not None and not _opens_block(new, j):
                free.remove(j)
                new[j] = old[i]
    return "\n".join(new)


def _opens_block(lines: list[str], i: int) -> bool:
    """Line `i` (`key:`) opens a block: the next line is deeper, or an item at its
    indent (`key:` then `- a`): then it holds a value, not a null."""
    if i + 1 >= len(lines):
        return False
    here = len(lines[i]) - len(lines[i].lstrip(" "))
    below = lines[i + 1].lstrip(" ")
    there = len(lines[i + 1]) - len(below)
    return bool(below) and (there > here or (there == here and below.startswith("- ")))


def _dotted(path: tuple) -> str:
    """`activities[2].summary`: where a value is, as a user names it."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") \
        or "the record"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _not_clearing_absent(data: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """`changes` without those clearing a (dotted) key `data` does not have: `size=` on a
    record with no size changes nothing (and adds no `size:` line)."""

    def has(dotted: str) -> bool:
        node = data
        for key in dotted.split("."):
            if not isinstance(node, dict) or key not in node:
                return False
            node = node[key]
        return True

    return {k: v for k, v in changes.items() if v is not None or has(k)}


def apply_sets(data: Any, changes: dict[str, Any], order: Sequence[str] = ()) -> None:
    """Set dotted keys (`next_step.due`) in a commented mapping, creating parents; one
    cleared that is not there is left out."""
    from ruamel.yaml.comments import CommentedMap

    for dotted_key, value in _not_clearing_absent(data, changes).items():
        keys = dotted_key.split(".")
        target = data
        for depth, key in enumerate(keys[:-1]):
            if not isinstance(target.get(key), dict):
                child = CommentedMap()
                child.fa.set_flow_style()  # small nested mappings read best inline
                set_in(target, key, child, order if depth == 0 else ())
            target = target[key]
        # a plain list or dict becomes a commented one, so `keep_tail` can keep the
        # comments that follow the record after it rather than inside it
        set_in(target, keys[-1], commented(value), order if len(keys) == 1 else ())


def flow(value: dict) -> Any:
    """A small mapping written inline: `{contact: matti, role: economic-buyer}`."""
    from ruamel.yaml.comments import CommentedMap

    m = CommentedMap(value)
    m.fa.set_flow_style()
    return m


def block(value: dict) -> Any:
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap(value)


def inline(values: list) -> Any:
    """A list written inline, `[a, b]`, as SPEC's examples show tags."""
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


def _tail(node: Any) -> tuple[Any, Any, int] | None:
    """(collection, key, slot) where ruamel keeps the comment after a node's last line."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.comments import CommentedSeq

    if isinstance(node, CommentedMap) and len(node):
        key: Any = list(node.keys())[-1]
        slot = 2
    elif isinstance(node, CommentedSeq) and len(node):
        key, slot = len(node) - 1, 0
    else:
        return None
    child = node[key]
    if isinstance(child, CommentedMap | CommentedSeq) and not child.fa.flow_style():
        return _tail(child) or (node, key, slot)
    return node, key, slot


def take_tail(node: Any) -> str:
    """Remove and return the comment lines that follow a node's last line.

    ruamel keeps them on the node's last key or item, although they are about
    whatever comes next in the file; the end-of-line comment stays where it is.
    """
    from ruamel.yaml.tokens import CommentToken

    found = _tail(node)
    if found is None:
        return ""
    where, key, slot = found
    entry = where.ca.items.get(key)
    token = entry[slot] if entry else None
    rest = ""
    if isinstance(token, CommentToken):
        first, _, rest = token.value.partition("\n")
        if first.strip():
            token.value = first + "\n"  # the end-of-line comment stays
        else:
            entry[slot] = None
    return rest + _take_nested_end(node)


def _take_nested_end(node: Any) -> str:
    """Comment lines ruamel keeps in the `end` of a nested block collection.

    It does so after an empty last item (`-` or `key:`); they would vanish with the
    collection if its key were set to something else.
    """
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.tokens import CommentToken

    taken = ""
    while isinstance(node, CommentedMap | CommentedSeq) and len(node):
        child = node[list(node.keys())[-1] if isinstance(node, CommentedMap) else -1]
        if not isinstance(child, CommentedMap | CommentedSeq) or child.fa.flow_style():
            break
        end = getattr(child.ca, "end", None)
        if end and all(isinstance(t, CommentToken) for t in end):
            taken += "".join(t.value for t in end)
            child.ca.end = []
        node = child
    return taken


def put_tail(node: Any, rest: str) -> None:
    """Put comment lines (from `take_tail`) after a node's last line."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    found = _tail(node)
    if not rest or found is None:
        return
    where, key, slot = found
    entry = where.ca.items.setdefault(key, [None, None, None, None])
    if isinstance(entry[slot], CommentToken):
        entry[slot].value += rest
    else:
        entry[slot] = CommentToken("\n" + rest, CommentMark(0), None)


def keep_tail(node: Any, mutate: Callable[[], None]) -> None:
    """Run `mutate`, keeping the comment lines that followed `node` after it.

    ruamel keeps such lines on the node's last key or item, so a key or item added
    at the end would otherwise land below a comment about what comes next.
    """
    rest = take_tail(node)
    mutate()
    put_tail(node, rest)
