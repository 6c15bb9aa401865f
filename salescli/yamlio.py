"""The one module that owns YAML.

Two readers that must agree on every value (YAML 1.2 core rules, as ruamel reads
them: `no`/`on` are strings, `010` is 10, `1:20` is a string):

* `load_fast` — libyaml's C parser with a YAML 1.2 resolver and a restricted
  constructor. About 15x faster than ruamel's round-trip loader; used by `check`,
  listings and reports (SPEC §9).
* `load_roundtrip` / `dump_roundtrip` — ruamel.yaml's round-trip mode, used to edit
  a record so the user's comments, key order and quoting survive.

Both refuse what a record never needs and an attacker might use: tags, anchors and
aliases, merge keys, several documents, very deep nesting, huge files, NUL bytes,
non-UTF-8 text.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

MAX_BYTES = 1_000_000  # a record is a few KB; anything near this is not one
MAX_DEPTH = 64

_CONFLICT_RE = re.compile(r"^(?:<{7}(?: |$)|={7}$|>{7}(?: |$))", re.M)
_DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d$")

# YAML 1.2 implicit types exactly as ruamel.yaml resolves them (resolver.py, (1, 2)).
_BOOL_RE = r"^(?:true|True|TRUE|false|False|FALSE)$"
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
_NULL_RE = r"^(?:~|null|Null|NULL|)$"
_MERGE_RE = r"^(?:<<)$"
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
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise YamlProblem(
            "file is not valid UTF-8; save it as UTF-8", line, code="encoding"
        ) from None
    return text


def conflict_marker_line(text: str) -> int | None:
    """Line (1-based) of the first merge-conflict marker, if any."""
    m = _CONFLICT_RE.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _check_text(text: str) -> None:
    line = conflict_marker_line(text)
    if line is not None:
        raise YamlProblem(
            "merge conflict markers: resolve the conflict and remove the markers",
            line,
            code="conflict",
        )
    _check_depth(text)


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before libyaml's recursive composer sees it."""
    # Cheap screen first: ordinary records have few brackets and shallow indents.
    if (
        text.count("[") + text.count("{") <= MAX_DEPTH
        and "- - " not in text
        and not re.search(rf"^ {{{MAX_DEPTH}}}", text, re.M)
    ):
        return
    import yaml

    depth = 0
    try:
        for event in yaml.parse(text, Loader=_loader_class()):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise YamlProblem(
                        f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1,
                        mark.column + 1, code="too-deep",
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as err:
        raise _problem_from_yaml_error(err) from None


# --------------------------------------------------------------------------- fast


_LOADER: type | None = None


def _loader_class() -> type:
    """Build (once) a libyaml loader with YAML 1.2 resolution and a closed set of types."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    from yaml.constructor import ConstructorError, SafeConstructor
    from yaml.resolver import BaseResolver

    try:
        from yaml._yaml import CParser as Parser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        from yaml.composer import Composer
        from yaml.parser import Parser as PyParser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class Parser(Reader, Scanner, PyParser, Composer):  # type: ignore[no-redef]
            def __init__(self, stream: Any) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                PyParser.__init__(self)
                Composer.__init__(self)

    class Resolver12(BaseResolver):
        yaml_implicit_resolvers: dict = {}

    X = re.X
    for tag, regexp, first in (
        ("bool", re.compile(_BOOL_RE), list("tTfF")),
        ("float", re.compile(_FLOAT_RE, X), list("-+0123456789.")),
        ("int", re.compile(_INT_RE, X), list("-+0123456789")),
        ("merge", re.compile(_MERGE_RE), ["<"]),
        ("null", re.compile(_NULL_RE), ["~", "n", "N", ""]),
        ("timestamp", re.compile(_TIMESTAMP_RE, X), list("0123456789")),
    ):
        Resolver12.add_implicit_resolver("tag:yaml.org,2002:" + tag, regexp, first)

    class Constructor12(SafeConstructor):
        yaml_constructors: dict = {}

        def construct_mapping(self, node: Any, deep: bool = False) -> dict:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise ConstructorError(
                        None, None, "merge keys (<<) are not supported", key_node.start_mark
                    )
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    raise ConstructorError(
                        None, None, "a mapping key must be a plain value", key_node.start_mark
                    ) from None
                if first is not None:
                    raise ConstructorError(
                        None, None,
                        f"duplicate key {key!r} (first at line {first}); keep one of them",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
            return SafeConstructor.construct_mapping(self, node, deep=deep)

        def construct_yaml_int(self, node: Any) -> int:
            text = self.construct_scalar(node).replace("_", "")
            sign = -1 if text[:1] == "-" else 1
            if text[:1] in "+-":
                text = text[1:]
            try:
                if text[:2] == "0b":
                    return sign * int(text[2:], 2)
                if text[:2] == "0x":
                    return sign * int(text[2:], 16)
                if text[:2] == "0o":
                    return sign * int(text[2:], 8)
                return sign * int(text)  # YAML 1.2: a leading 0 is not octal
            except ValueError:
                raise ConstructorError(
                    None, None, f"not a number: {node.value!r}", node.start_mark
                ) from None

        def construct_yaml_float(self, node: Any) -> float:
            text = self.construct_scalar(node).replace("_", "").lower()
            sign = -1.0 if text[:1] == "-" else 1.0
            if text[:1] in "+-":
                text = text[1:]
            if text == ".inf":
                return sign * float("inf")
            if text == ".nan":
                return float("nan")
            return sign * float(text)

        def construct_yaml_timestamp(self, node: Any) -> _dt.date:
            value = self.construct_scalar(node)
            try:
                if _DATE_RE.match(value):
                    return _dt.date.fromisoformat(value)
                # Rare in records: reuse ruamel's own arithmetic so both readers agree.
                from ruamel.yaml.util import create_timestamp, timestamp_regexp

                return create_timestamp(**timestamp_regexp.match(value).groupdict())
            except ValueError:
                raise ConstructorError(
                    None, None, f"{value!r} is not a real date", node.start_mark
                ) from None

        def construct_undefined(self, node: Any) -> Any:
            raise ConstructorError(
                None, None, f"tags such as {node.tag!r} are not allowed in records",
                node.start_mark,
            )

    for tag, method in (
        ("null", SafeConstructor.construct_yaml_null),
        ("bool", SafeConstructor.construct_yaml_bool),
        ("int", Constructor12.construct_yaml_int),
        ("float", Constructor12.construct_yaml_float),
        ("timestamp", Constructor12.construct_yaml_timestamp),
        ("str", SafeConstructor.construct_yaml_str),
        ("seq", SafeConstructor.construct_yaml_seq),
        ("map", SafeConstructor.construct_yaml_map),
    ):
        Constructor12.add_constructor("tag:yaml.org,2002:" + tag, method)
    Constructor12.add_constructor(None, Constructor12.construct_undefined)

    class FastLoader(Parser, Constructor12, Resolver12):
        def __init__(self, stream: Any) -> None:
            Parser.__init__(self, stream)
            Constructor12.__init__(self)
            Resolver12.__init__(self)

    _LOADER = FastLoader
    return FastLoader


def _problem_from_yaml_error(err: Any) -> YamlProblem:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    message = err.problem or err.context or "invalid YAML"
    if "expected a single document" in f"{err.context} {err.problem}":
        return YamlProblem(
            "several YAML documents in one file; a record is one document (remove '---')",
            mark.line + 1 if mark else 1, 1, code="multiple-documents",
        )
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    code = "duplicate-key" if "duplicate key" in message else "yaml"
    if "tags such as" in message or "merge keys" in message:
        code = "unsupported"
    return YamlProblem(message, line, col, code=code)


def load_fast(text: str) -> Any:
    """Parse one record's text to plain Python values (dict, list, str, int, ...)."""
    import yaml

    _check_text(text)
    loader = _loader_class()(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as err:
        raise _problem_from_yaml_error(err) from None
    except yaml.YAMLError as err:
        raise YamlProblem(str(err)) from None
    except RecursionError:
        raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", code="too-deep") from None
    finally:
        loader.dispose()
    _refuse_aliases(data)
    return data


def _refuse_aliases(data: Any) -> None:
    # libyaml resolves aliases to the same object: a shared container is an alias,
    # and refusing it makes "billion laughs" impossible downstream.
    seen: set[int] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if id(item) in seen:
            raise YamlProblem("anchors and aliases (&, *) are not allowed in records",
                              code="unsupported")
        seen.add(id(item))
        stack.extend(children)


def locate(text: str, path: Sequence[str | int], key: bool = False) -> tuple[int, int]:
    """1-based (line, column) of the value at `path` (or its key), else the nearest parent.

    Only called for files that have findings, so composing the node tree is cheap.
    """
    import yaml

    try:
        node = yaml.compose(text, Loader=_loader_class())
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


_KEY_ONLY_RE = re.compile(r"^[^#\s-][^#]*:\s*(?:#.*)?$")


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
    y.width = 4096  # never re-wrap the user's long lines
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    y.representer.add_representer(Decimal, _represent_decimal)
    return y


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
        try:
            self.data = self._yaml.load(text)
        except ValueError as err:  # ruamel raises plain ValueError for 2026-02-30
            raise YamlProblem(str(err)) from None

    def dump(self) -> str:
        buf = io.StringIO()
        self._yaml.dump(self.data, buf)
        return buf.getvalue()


def load_roundtrip(text: str) -> Any:
    """The round-trip reader's values (ruamel types), for comparison and editing."""
    return RoundTrip(text).data


def set_in(mapping: Any, key: str, value: Any, order: Sequence[str] = ()) -> None:
    """Set `key` in a commented mapping; a new key goes where `order` puts it."""
    if key in mapping or not order or key not in order:
        mapping[key] = value
        return
    rank = order.index(key)
    keys = list(mapping.keys())
    pos = 0
    for i, existing in enumerate(keys):
        if existing in order and order.index(existing) < rank:
            pos = i + 1
    mapping.insert(pos, key, value)


def dump_new(data: dict, flow_keys: Iterable[str] = ()) -> str:
    """Text of a new record; values under `flow_keys` that are small mappings go inline."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    flow = set(flow_keys)

    def convert(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            m = CommentedMap((k, convert(v, k)) for k, v in value.items())
            if key in flow:
                m.fa.set_flow_style()
            return m
        if isinstance(value, list):
            s = CommentedSeq(convert(v, key) for v in value)
            if key in flow and all(not isinstance(v, dict | list) for v in value):
                s.fa.set_flow_style()
            return s
        return value

    buf = io.StringIO()
    _yaml_rt().dump(convert(data), buf)
    return buf.getvalue()


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


def edit_text(text: str, changes: dict[str, Any], order: Sequence[str] = ()) -> str:
    """Apply `{"value": 52000, "next_step.due": date}` to a record's text, round trip.

    Only the changed lines differ: comments, key order, quoting and flow style stay.
    A new top-level key goes where the documented `order` puts it.
    """
    from ruamel.yaml.comments import CommentedMap

    rt = RoundTrip(text)
    if not isinstance(rt.data, dict):
        raise YamlProblem("a record must be a mapping of keys", code="not-a-mapping")
    for dotted_key, value in changes.items():
        keys = dotted_key.split(".")
        target = rt.data
        for depth, key in enumerate(keys[:-1]):
            if not isinstance(target.get(key), dict):
                set_in(target, key, CommentedMap(), order if depth == 0 else ())
            target = target[key]
        set_in(target, keys[-1], value, order if len(keys) == 1 else ())
    return rt.dump()
