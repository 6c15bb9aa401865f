"""The one module that owns templates (SPEC §8): Jinja2 in its sandbox.

    text = render("quote.md.j2", {"quote": quote, ...}, repo_root, locale="fi_FI",
                  lang="fi")

- `ImmutableSandboxedEnvironment`: templates cannot reach Python internals
  (`__globals__`, `str.format` tricks) or change the data they are given; a try is a
  one-line error and nothing runs.
- `StrictUndefined`: a missing variable is an error naming the template and line.
- Autoescape for `.html` templates, so `<script>` in a deal title stays text.
- Languages: `{{ _("Quote") }}` and `{% trans %}` (jinja2.ext.i18n, "newstyle") look
  the text up in salescli/locale/LANG/LC_MESSAGES/salescli.po; docs/gen_messages.py
  re-extracts the messages from the shipped templates.
- Lookup: the repository's `templates/`, then the shipped ones. Names are flat file
  names; a name with a path separator or `..`, and a symlinked template or templates
  folder in the repository (which could pull in any file of the machine), are refused.
- Bounded: a template may come from a teammate's commit, so every render has limits
  (the `MAX_*` constants below, docs/hostile-input.md) on its output, on the size of
  each text, list and number it makes (checked before operations such as `center`,
  `*` or `**` allocate), on its steps (loop rounds, calls, filters), nesting, seconds
  and memory. Going past one is one `TemplateLimit` line naming the template and the
  limit; nothing is written.

jinja2 is imported only inside functions, so `salescli --help` never loads it.
"""

from __future__ import annotations

import datetime as dt
import errno
import functools
import math
import os
import re
import stat
import threading
import time
import traceback
import types
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from msgspec import Struct

from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.later import later

REPO_DIR = "templates"
# What one render may use. No real quote, agenda or letter comes near any of them: the
# shipped templates have under 1,500 tokens and take under 100 steps.
MAX_SOURCE = 1_000_000       # bytes of one template file
MAX_TOKENS = 50_000          # tokens of one template file (compiling 50,000 takes ~1 s)
MAX_OUTPUT = 5_000_000       # characters of rendered output
MAX_TEXT = MAX_OUTPUT        # characters of one text a template makes
MAX_ITEMS = 100_000          # items of one list a template makes (Jinja's own range limit)
MAX_DIGITS = 1_000           # digits of one number a template makes
MAX_STEPS = 1_000_000        # loop rounds, calls, filters and operations of one render
MAX_DEPTH = 50               # calls nested in calls (a macro calling itself)
MAX_SECONDS = 5              # of one render, compiling included
MAX_MEMORY = 512 << 20       # bytes of address space one render may add (Linux only)
_NAME = later(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class TemplateError(SalescliError):
    """A template could not be found, read or rendered (exit 1)."""


class TemplateLimit(TemplateError):
    """A template went past one of the `MAX_*` limits (exit 1)."""

    def __init__(self, message: str, filename: str | None = None,
                 lineno: int | None = None):
        super().__init__(message)
        self.filename, self.lineno = filename, lineno  # where, when not in a traceback


def shipped_dir() -> Path:
    """Where the installed package keeps its templates (`salescli._templates`)."""
    import importlib.util

    spec = importlib.util.find_spec("salescli._templates")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).parents[1] / "_templates"


def check_name(name: str) -> str:
    """A template name is a plain file name: no folders, no `..`, no leading dot."""
    if not _NAME.match(name) or ".." in name:
        raise UsageError(f"invalid template name {name!r}: use a file name such as "
                         "quote.md.j2 (no folders or '..')")
    return name


def available(root: Path | None) -> list[str]:
    """Template names found in the repository and shipped, for help and errors."""
    names: set[str] = set()
    # a symlinked templates/ in the repository is refused (the loader says so); the
    # package's own folder may be one, in a checkout or an editable install
    for folder, trusted in ((root / REPO_DIR if root else None, False), (shipped_dir(), True)):
        if folder is not None and folder.is_dir() and (trusted or not folder.is_symlink()):
            names.update(p.name for p in folder.iterdir() if p.name.endswith(".j2"))
    return sorted(names)


def _read(path: Path, trusted: bool) -> str | None:
    """The template's text, None if absent; symlinks in the repository are refused."""
    # O_NONBLOCK: a FIFO named like a template must not hang the command
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if trusted else os.O_NOFOLLOW)
    shown = path.name if trusted else f"{REPO_DIR}/{path.name}"  # the file to fix
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise TemplateError(f"{shown} is a symbolic link; salescli renders "
                                "only regular files in templates/ (copy the file instead)"
                                ) from None
        raise
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TemplateError(f"{shown} is not a regular file")
        data = fh.read(MAX_SOURCE + 1)
    if len(data) > MAX_SOURCE:
        raise TemplateError(f"{shown} is larger than {MAX_SOURCE} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise TemplateError(f"{shown}: not UTF-8 text ({err.reason})") from None


def _loader(root: Path | None) -> Any:
    from jinja2 import BaseLoader
    from jinja2 import TemplateNotFound

    repo_dir = root / REPO_DIR if root is not None else None
    shipped = shipped_dir()

    class Loader(BaseLoader):
        def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable]:
            check_name(template)
            if repo_dir is not None and os.path.lexists(repo_dir):
                if repo_dir.is_symlink():
                    raise TemplateError(f"{REPO_DIR}/ is a symbolic link; salescli reads "
                                        "templates only from a real folder in the repository")
                text = _read(repo_dir / template, trusted=False)
                if text is not None:
                    return text, f"{REPO_DIR}/{template}", lambda: False
            # the package's own files (in an editable install they are symlinks)
            text = _read(shipped / template, trusted=True)
            if text is not None:
                return text, f"(shipped) {template}", lambda: False
            raise TemplateNotFound(template)

    return Loader()


class Data:
    """A record's plain mapping seen by templates: `deal.items` is the items, not
    `dict.items`. Read-only; keys by attribute or by `["key"]`, iteration gives keys."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]):
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return view(self._values[name])
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key: str) -> Any:
        return view(self._values[key])

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("read-only")

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __repr__(self) -> str:
        return repr(self._values)


# undefined-variable errors then read "'Data object' has no attribute 'x'", and `render`
# says that as the template's author thinks of it: no field `x`
Data.__module__ = "builtins"
_NO_FIELD = later(r"^'Data object' has no attribute '(.*)'$", re.S)


def view(value: Any) -> Any:
    """Data as templates read it: mappings, records and the other msgspec Structs (a
    quote, an agenda) become read-only `Data`, lists become tuples; nothing with
    methods that change it."""
    if isinstance(value, Data):
        return value
    if isinstance(value, dict):
        return Data(value)
    if isinstance(value, list | tuple):
        return tuple(view(v) for v in value)
    if hasattr(value, "model_dump") and not isinstance(value, type):
        return Data(value.model_dump(mode="python", by_alias=True))
    if isinstance(value, Struct):
        names = list(value.__struct_fields__)
        names += [n for n, a in vars(type(value)).items() if isinstance(a, property)]
        return Data({n: getattr(value, n) for n in names})
    return value


def missing(name: str, why: str) -> Any:
    """A variable that a template may test (`{% if quote %}` is false) but not use:
    `quote.number` fails saying `why` (the deal cannot be quoted: it is lost, say)."""
    from jinja2 import StrictUndefined

    class Missing(StrictUndefined):  # strict, as every variable is, but false in an `if`
        __slots__ = ()

        def __bool__(self) -> bool:
            return False

    return Missing(hint=f"no {name}: {why}", name=name)


def _autoescape(name: str | None) -> bool:
    return bool(name) and (name.endswith(".html.j2") or name.endswith(".html"))


def _markdown(name: str | None) -> bool:
    return bool(name) and (name.endswith(".md.j2") or name.endswith(".md"))


def _visible_controls(value: Any) -> Any:
    """Every `{{ value }}` with control characters shown escaped (ESC as `\\x1b`).

    A quote or agenda is a document for people, read with `cat`, `git show` or a
    pager: a value from a record must not drive the terminal there either.
    """
    if not isinstance(value, str) or value.isprintable():
        return value
    from salescli.core.output import terminal_safe

    # Markup (already escaped by an HTML template's filter) must stay Markup
    return type(value)(terminal_safe(value))


# ------------------------------------------------------------------------ limits
# Jinja's sandbox stops templates reaching Python, not templates doing too much:
# `'x'|center(10**9)` allocates a gigabyte and nested loops run for ever. So every
# operation that can make something big is checked before it runs, every result is
# checked after, and every loop round, call, filter and operation is a step of the
# render's budget (a count and a deadline). Jinja has hooks for calls, filters and
# operators; loops have none, so the compiler wraps each loop's iterable in a
# counting filter (`_jinja_classes`).


def _limit(what: str) -> TemplateLimit:
    return TemplateLimit(f"template {what}; it cannot be a real document")


def _text(n: int, op: str) -> None:
    if n > MAX_TEXT:
        raise _limit(f"makes a text longer than {MAX_TEXT:,} characters ({op})")


def _items(n: int, op: str) -> None:
    if n > MAX_ITEMS:
        raise _limit(f"makes a list longer than {MAX_ITEMS:,} items ({op})")


def _digits(n: float, op: str) -> None:
    if n > MAX_DIGITS:
        raise _limit(f"makes a number longer than {MAX_DIGITS:,} digits ({op})")


_CONTAINERS = (list, tuple, dict, set, frozenset)
_LOG10_2 = math.log10(2)


def _size(value: Any) -> int:
    """About how many characters `str(value)` has; counts only to just past MAX_TEXT,
    so a list holding one long text 100,000 times costs no more than the text."""
    if isinstance(value, str | bytes):
        return len(value)
    total, stack = 0, [value]
    while stack and total <= MAX_TEXT:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 2  # + quotes and a separator inside a list
        elif isinstance(item, Data):
            stack.append(item._values)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            total += 2
            stack.extend(item)
        elif isinstance(item, int):
            total += int(item.bit_length() * _LOG10_2) + 2
        else:
            total += 8  # a date, a Decimal...: short; records are bounded as data
    return total


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any = None) -> Any:
    """A call's argument given by position or by name."""
    return args[index] if len(args) > index else kwargs.get(name, default)


def _int(value: Any) -> int:
    # anything but an int is refused by the operation itself (TypeError)
    return value if isinstance(value, int) else 0


def _made(value: Any, op: str) -> Any:
    """A result checked after the operation: catches growth no check foresaw."""
    if isinstance(value, str | bytes):
        _text(len(value), op)
    elif isinstance(value, _CONTAINERS):
        _items(len(value), op)
    elif type(value) is int:
        _digits(value.bit_length() * _LOG10_2, op)
    return value


def _check_replace(s: Any, old: Any, new: Any, count: Any, op: str) -> None:
    n = _size(s)
    _text(max(n, _size(old), _size(new)), op)
    old, new = str(old), str(new)
    hits = (s.count(old) if old else len(s) + 1) if isinstance(s, str) else n + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    _text(n + hits * max(0, len(new) - len(old)), op)


def _width(spec: str) -> int:
    """The widest width or precision written in a format spec."""
    return max((int(d) if len(d) < 10 else 10**10 for d in re.findall(r"\d+", spec)),
               default=0)


def _values(args: Any) -> list[Any]:
    if isinstance(args, Data):
        args = args._values
    if isinstance(args, dict):
        return list(args.values())
    return list(args) if isinstance(args, tuple) else [args]


def _check_format(fmt: str, args: tuple, kwargs: Any, op: str) -> None:
    """`'{:>999999999}'.format(x)` allocates before anything could look at it."""
    from string import Formatter

    values = [*args, *_values(kwargs)]
    longest = max((_size(v) for v in values), default=0)
    widest = max((abs(v) for v in values if isinstance(v, int)), default=0)
    fields = width = 0
    for _, field, spec, _ in Formatter().parse(fmt):
        if field is not None:
            fields += 1
            # `{:{}}` takes its width from an argument
            width = max(width, _width(spec or ""), widest if "{" in (spec or "") else 0)
    _text(len(fmt) + fields * (longest + width), op)


_PERCENT = later(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)", re.S)


def _check_percent(fmt: str, args: Any, op: str) -> None:
    """`'%0999999999d' % 1`, or the `format` filter: widths and fields before they run."""
    values = _values(args)
    longest = max((_size(v) for v in values), default=0)
    widest = max((abs(v) for v in values if isinstance(v, int)), default=0)
    fields = width = 0
    for match in _PERCENT.finditer(fmt):
        if match.group(3) != "%":
            fields += 1
            for given in match.group(1, 2):
                width = max(width, widest if given == "*" else _width(given or ""))
    _text(len(fmt) + fields * (longest + width), op)


def _check_product(left: Any, right: Any) -> None:
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, str | bytes) and isinstance(n, int):
            _text(len(seq) * n, "'*'")
        elif isinstance(seq, list | tuple) and isinstance(n, int):
            _items(len(seq) * n, "'*'")
    if isinstance(left, int) and isinstance(right, int):
        _digits((left.bit_length() + right.bit_length()) * _LOG10_2, "'*'")


def _check_power(base: Any, exponent: Any) -> None:
    # Jinja reads `10**10**10` as `(10**10)**10`; `(9**999)**999` is the big one
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 \
            and abs(base) > 1:
        _digits(exponent * math.log10(abs(base)), "'**'")


def _check_sum(left: Any, right: Any) -> None:
    if isinstance(left, str | bytes) and isinstance(right, str | bytes):
        _text(len(left) + len(right), "'+'")
    elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
        _items(len(left) + len(right), "'+'")


# Filters that make more than they are given, checked before they run:
# (value, positional arguments after it, keyword arguments) -> None or raise.
def _filter_center(value: Any, args: tuple, kwargs: dict) -> None:
    _text(max(_size(value), _int(_arg(args, kwargs, 0, "width", 80))), "center")


def _filter_indent(value: Any, args: tuple, kwargs: dict) -> None:
    width = _arg(args, kwargs, 0, "width", 4)
    width = len(width) if isinstance(width, str) else _int(width)
    _text(width, "indent")
    n = _size(value)
    lines = len(value.splitlines()) + 1 if isinstance(value, str) and n <= MAX_TEXT else n + 1
    _text(n + lines * (width + 1), "indent")


def _filter_wordwrap(value: Any, args: tuple, kwargs: dict) -> None:
    n = _size(value)
    wrap = _arg(args, kwargs, 2, "wrapstring") or "\n"
    _text(n + (n + 1) * _size(wrap), "wordwrap")  # at worst a break at every character


def _filter_replace(value: Any, args: tuple, kwargs: dict) -> None:
    _check_replace(value, _arg(args, kwargs, 0, "old", ""), _arg(args, kwargs, 1, "new", ""),
                   _arg(args, kwargs, 2, "count"), "replace")


def _filter_join(value: Any, args: tuple, kwargs: dict) -> None:
    # with `attribute=`, only a part of each item is joined: checked after
    if isinstance(value, list | tuple) and _arg(args, kwargs, 1, "attribute") is None:
        _text(_size(value) + _size(_arg(args, kwargs, 0, "d", "")) * len(value), "join")


def _filter_format(value: Any, args: tuple, kwargs: dict) -> None:
    _text(_size(value), "format")
    _check_percent(str(value), kwargs or args, "format")


def _filter_batch(value: Any, args: tuple, kwargs: dict) -> None:
    size = _int(_arg(args, kwargs, 0, "linecount"))
    _items(size, "batch")  # the last batch is filled up to this size
    if isinstance(value, str | list | tuple) and size > 0:
        _items(len(value) // size, "batch")


def _filter_slice(value: Any, args: tuple, kwargs: dict) -> None:
    _items(_int(_arg(args, kwargs, 0, "slices")), "slice")


def _filter_tojson(value: Any, args: tuple, kwargs: dict) -> None:
    # `<` becomes `\u003c`; an indent repeats on every line
    _text((_size(value) + 1) * (6 + _int(_arg(args, kwargs, 0, "indent"))), "tojson")


def _filter_urlize(value: Any, args: tuple, kwargs: dict) -> None:
    extra = _size(_arg(args, kwargs, 2, "target")) + _size(_arg(args, kwargs, 3, "rel"))
    _text((_size(value) + 1) * (4 + extra), "urlize")  # a link per word at worst


_FILTER_CHECKS: dict[str, Callable[[Any, tuple, dict], None]] = {
    "center": _filter_center, "indent": _filter_indent, "wordwrap": _filter_wordwrap,
    "replace": _filter_replace, "join": _filter_join, "format": _filter_format,
    "batch": _filter_batch, "slice": _filter_slice, "tojson": _filter_tojson,
    "urlize": _filter_urlize,
}
# Filters that turn their input into text, as `{{ }}` does: a list holding a long text
# many times is checked before it is written out.
_TEXT_FILTERS = frozenset([
    "capitalize", "escape", "e", "forceescape", "lower", "pprint", "safe", "string",
    "striptags", "title", "trim", "truncate", "upper", "urlencode", "wordcount", "xmlattr",
])


def _check_method(obj: Any, args: tuple, kwargs: dict) -> None:
    """The methods of texts and numbers that make more than they are given."""
    if isinstance(obj, types.FunctionType):
        obj = getattr(obj, "__wrapped__", obj)  # the sandbox's wrapper of str.format
    if not isinstance(obj, types.BuiltinMethodType | types.MethodType):
        return
    owner, name = obj.__self__, obj.__name__
    if isinstance(owner, str | bytes):
        if name in ("center", "ljust", "rjust", "zfill"):
            _text(max(len(owner), _int(_arg(args, kwargs, 0, "width"))), name)
        elif name == "expandtabs":
            tabs = owner.count("\t" if isinstance(owner, str) else b"\t")
            _text(len(owner) + tabs * _int(_arg(args, kwargs, 0, "tabsize", 8)), name)
        elif name == "replace":
            _check_replace(owner, _arg(args, kwargs, 0, "old", ""),
                           _arg(args, kwargs, 1, "new", ""), _arg(args, kwargs, 2, "count"),
                           name)
        elif name == "join" and args and isinstance(args[0], list | tuple):
            _text(_size(args[0]) + len(owner) * len(args[0]), name)
        elif name == "translate" and args and isinstance(args[0], dict):
            longest = max((_size(v) for v in args[0].values()), default=1)
            _text(len(owner) * max(longest, 1), name)
        elif name == "format" and isinstance(owner, str):
            _check_format(owner, args, kwargs, name)
        elif name == "format_map" and isinstance(owner, str):
            _check_format(owner, (), args[0] if args else {}, name)
    elif isinstance(owner, int) and name == "to_bytes":
        _text(_int(_arg(args, kwargs, 0, "length", 1)), name)


class _Budget:
    """What one render has spent: steps, call nesting and time."""

    def __init__(self) -> None:
        self.steps = 0
        self.depth = 0
        self.deadline = time.monotonic() + MAX_SECONDS

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _limit(f"takes more than {MAX_STEPS:,} steps (loop rounds, calls, filters)")
        self.clock()

    def clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise _limit(f"takes longer than {MAX_SECONDS} seconds")

    def rounds(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """A loop's items, each round a step."""
        for item in iterable:
            self.step()
            yield item


_ROUNDS = "salescli:rounds"  # no template can name these: ':' is not in a Jinja name
_MADE = "salescli:made"


@functools.cache
def _jinja_classes() -> tuple[type, type]:
    """The sandboxed environment with the limits' hooks, its compiler and tokenizer."""
    from jinja2 import nodes
    from jinja2.compiler import CodeGenerator
    from jinja2.ext import Extension
    from jinja2.runtime import LoopContext
    from jinja2.runtime import Macro
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.visitor import NodeTransformer

    def call_name(obj: Any) -> str:
        if isinstance(obj, Macro):
            return f"macro {obj.name}"
        if isinstance(obj, types.FunctionType | types.BuiltinMethodType | types.MethodType):
            return obj.__name__
        return "call"

    def counted(node: Any) -> Any:
        return nodes.Filter(node, _ROUNDS, [], [], None, None, lineno=node.lineno)

    def checked(node: Any) -> Any:
        return nodes.Filter(node, _MADE, [], [], None, None, lineno=node.lineno)

    class Hooks(NodeTransformer):
        """Where Jinja gives no hook: loop rounds, `~` and `{% set %}` blocks."""

        def visit_For(self, node: Any) -> Any:
            node = self.generic_visit(node)
            node.iter = counted(node.iter)
            return node

        def visit_Concat(self, node: Any) -> Any:
            return checked(self.generic_visit(node))

        def visit_AssignBlock(self, node: Any) -> Any:
            node = self.generic_visit(node)
            # a filter whose node is None is applied to the block's captured text
            node.filter = checked(node.filter) if node.filter else nodes.Filter(
                None, _MADE, [], [], None, None, lineno=node.lineno)
            return node

    class Generator(CodeGenerator):
        def visit_Template(self, node: Any, frame: Any = None) -> None:
            node = Hooks().visit(node)
            node.set_environment(self.environment)
            super().visit_Template(node, frame)

    class Tokens(Extension):
        """Compiling is work too: a template has at most MAX_TOKENS tokens."""

        def filter_stream(self, stream: Any) -> Iterator[Any]:
            budget = self.environment.budget  # type: ignore[attr-defined]
            for count, token in enumerate(stream, 1):
                if count > MAX_TOKENS:
                    err = _limit(f"has more than {MAX_TOKENS:,} tokens")
                    err.filename, err.lineno = stream.filename, token.lineno
                    raise err
                if count % 1024 == 0:
                    budget.clock()
                yield token

    class Environment(ImmutableSandboxedEnvironment):
        code_generator_class = Generator
        intercepted_binops = frozenset(["*", "**", "+", "%"])
        budget: _Budget

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            self.budget.step()
            if operator == "*":
                _check_product(left, right)
            elif operator == "**":
                _check_power(left, right)
            elif operator == "+":
                _check_sum(left, right)
            elif operator == "%" and isinstance(left, str):
                _check_percent(left, right, "'%'")
            return _made(super().call_binop(context, operator, left, right),
                         f"'{operator}'")

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            budget = self.budget
            budget.step()
            _check_method(obj, args, kwargs)
            if isinstance(obj, LoopContext) and args:
                args = (budget.rounds(args[0]), *args[1:])  # `loop(children)` recurses
            if budget.depth >= MAX_DEPTH:
                raise _limit(f"calls nest deeper than {MAX_DEPTH} (a macro calling itself?)")
            budget.depth += 1
            try:
                result = super().call(context, obj, *args, **kwargs)
            finally:
                budget.depth -= 1
            return _made(result, call_name(obj))

    return Environment, Tokens


def _bounded_filter(name: str, func: Callable, budget: _Budget, test: bool = False
                    ) -> Callable:
    """A filter (or test) that is a step, checked before and after it runs."""
    check = None if test else _FILTER_CHECKS.get(name)
    text = not test and name in _TEXT_FILTERS
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)  # keeps `jinja_pass_arg`: Jinja still passes the context
    def bounded(*args: Any, **kwargs: Any) -> Any:
        budget.step()
        if len(args) > skip:
            if check is not None:
                check(args[skip], args[skip + 1:], kwargs)
            elif text:
                _text(_size(args[skip]), name)
        return _made(func(*args, **kwargs), name)

    return bounded


def _range(*args: int) -> range:
    numbers = range(*args)
    _items(len(numbers), "range")
    return numbers


LOCALE_DIR = Path(__file__).parents[1] / "locale"  # salescli/locale/LANG/LC_MESSAGES/
DOMAIN = "salescli"


@functools.cache
def translations(lang: str) -> Any:
    """The shipped catalogue of `lang` (`fi`, `sv`), compiled from its .po file the first
    time a document in that language renders; English is the messages themselves."""
    import gettext
    import io

    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or not path.is_file():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they show in English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _gettext_callables(lang: str, budget: _Budget) -> dict[str, Callable]:
    """`_`, `gettext` and `ngettext` as Jinja's "newstyle" ones (`_("Hi %(name)s",
    name=x)`, `{% trans %}`), but bounded: the `%` formatting of a message (a repository
    template's own text when it is not in the catalogue) is checked like any other."""
    from jinja2 import pass_context
    from markupsafe import Markup

    catalogue = translations(lang)

    def finish(context: Any, text: str, variables: dict[str, Any]) -> str:
        budget.step()
        if context.eval_ctx.autoescape:
            text = Markup(text)
        if variables:
            _check_percent(text, variables, "gettext")
            text = text % variables
        return _made(text, "gettext")

    def text(message: Any) -> str:
        _text(_size(message), "gettext")  # `_(a_huge_list)` is refused before str() runs
        return str(message)

    @pass_context
    def gettext(context: Any, message: str, **variables: Any) -> str:
        return finish(context, catalogue.gettext(text(message)), variables)

    @pass_context
    def ngettext(context: Any, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return finish(context, catalogue.ngettext(text(singular), text(plural), n), variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


@functools.cache
def _compiled() -> Any:
    """Templates compiled once per process, by file, content and the environment's
    `variant` (its language, locale and currency): Jinja works out a filter of a literal
    while compiling (`{{ 1234.5 | money }}`), so code compiled for one locale holds its
    text. Every environment is otherwise made alike (`_environment`), so the demo's
    thousands of quotes compile the template once, not each time (60 ms)."""
    from jinja2 import BytecodeCache

    class Compiled(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[tuple, Any] = {}

        def load_bytecode(self, bucket: Any) -> None:
            bucket.code = self.code.get((bucket.key, bucket.checksum,
                                         bucket.environment.variant))

        def dump_bytecode(self, bucket: Any) -> None:
            self.code[(bucket.key, bucket.checksum, bucket.environment.variant)] = bucket.code

    return Compiled()


def _environment(root: Path | None, filters: dict[str, Callable], lang: str = "en",
                 variant: tuple = ()) -> Any:
    """A sandboxed environment rendering in `lang` with `filters`; `variant` names what
    else its filters depend on (locale, currency): what compiled code is kept by."""
    from jinja2 import StrictUndefined
    from jinja2 import pass_context
    from jinja2.utils import generate_lorem_ipsum

    environment_class, tokens = _jinja_classes()
    budget = _Budget()

    @pass_context  # the template's name says whether it writes Markdown
    def finalize(context: Any, value: Any) -> Any:
        # `{{ value }}` turns it into text: a list holding a long text many times is
        # checked before that text is made
        if isinstance(value, (*_CONTAINERS, Data)):
            _text(_size(value), "output")
        value = _visible_controls(value)
        if type(value) is str and _markdown(context.name):  # (Markup is HTML's)
            from salescli.core.output import markdown_text

            value = markdown_text(value)  # a value's `<b>` is text, not markup
        return value

    # Jinja's own parameter names, so `lipsum(2, min=5)` still works
    def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
        _text(_int(n) * (_int(max) + _int(min)) * 12, "lipsum")  # ~12 characters a word
        return generate_lorem_ipsum(n, html, min, max)

    env = environment_class(
        loader=_loader(root), undefined=StrictUndefined, autoescape=_autoescape,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        finalize=finalize, extensions=[tokens, "jinja2.ext.i18n"],
        bytecode_cache=_compiled(),
    )
    env.budget = budget
    env.variant = (lang, *variant)
    env.filters.update(filters)
    env.filters = {name: _bounded_filter(name, f, budget) for name, f in env.filters.items()}
    env.tests = {name: _bounded_filter(name, f, budget, test=True)
                 for name, f in env.tests.items()}

    @pass_context  # never folded into a constant at compile time: rounds count when run
    def rounds(context: Any, items: Iterable[Any]) -> Iterator[Any]:
        return budget.rounds(items)

    env.filters[_ROUNDS] = rounds
    env.filters[_MADE] = lambda value: _made(value, "'~' or a set block")
    env.globals.update(range=_range, lipsum=lipsum, **_gettext_callables(lang, budget))
    env.newstyle_gettext = True  # `{% trans %}` compiles to the callables above
    return env


def locale_filters(locale: str, currency: str) -> dict[str, Callable]:
    """`money`, `number`, `date` and `percent` in the settings' locale."""
    from salescli.core import l10n

    l10n.check_locale(locale)

    def money(value: Any, code: str | None = None) -> str:
        return l10n.money(Decimal(value), code or currency, locale)

    def number(value: Any) -> str:
        return l10n.number(Decimal(value), locale)

    def date(value: Any) -> str:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        return l10n.date(value, locale)

    def percent(value: Any) -> str:
        return l10n.percent(Decimal(value), locale)

    return {"money": money, "number": number, "date": date, "percent": percent, "cell": cell,
            "address": address}


def address(value: Any) -> list[str]:
    """An address (its parts, or one free line) as the lines a letter prints."""
    from salescli.core.quote import address_lines

    return list(address_lines(value))


def cell(value: Any) -> str:
    """Text safe inside one Markdown table cell: no `|` column breaks, no new lines."""
    from salescli.core.output import markdown_cell

    return " ".join(markdown_cell("" if value is None else str(value)).split())


def _where(err: BaseException, known: set[str], default: str) -> str:
    """`templates/quote.md.j2:12` from a rendering error's traceback (jinja rewrites it)."""
    line = getattr(err, "lineno", None)
    name = getattr(err, "filename", None) or getattr(err, "name", None)
    if line is None:
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            if frame.filename in known:
                name, line = frame.filename, frame.lineno
                break
    if name and line:
        return f"{name}:{line}"
    return name or default


class _MemoryCap:
    """At most MAX_MEMORY more address space while a template renders, so that even
    many values each within the limits cannot take the machine's memory: past it,
    Python raises MemoryError. Linux only (elsewhere RLIMIT_AS is not enforced), and
    only when no other thread runs, as the limit is the whole process's."""

    active = False

    def __enter__(self) -> _MemoryCap:
        try:
            import resource

            with open("/proc/self/statm", "rb") as fh:
                used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        except (ImportError, OSError, ValueError):
            return self
        cap, unlimited = used + MAX_MEMORY, resource.RLIM_INFINITY
        if threading.active_count() > 1 or (soft != unlimited and soft <= cap) \
                or (hard != unlimited and hard < cap):
            return self  # someone set a tighter limit: it stands
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (OSError, ValueError):
            return self  # a system that refuses it renders without the cap
        self.active, self._limits = True, (soft, hard)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.active:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, self._limits)


def _generate(env: Any, name: str, context: dict[str, Any]) -> str:
    """The rendered text, refused as soon as it grows past MAX_OUTPUT."""
    template = env.get_template(name)
    out: list[str] = []
    size = 0
    for chunk in template.generate(context):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise TemplateLimit(f"template output exceeds {MAX_OUTPUT:,} characters; it "
                                "cannot be a real document", template.filename or name)
        out.append(chunk)
    return "".join(out)


def render(name: str, context: dict[str, Any], root: Path | None, *,
           locale: str = "en_US", currency: str = "EUR", lang: str = "en") -> str:
    """Render template `name` with `context`; every failure is one TemplateError line."""
    from jinja2 import TemplateNotFound
    from jinja2 import TemplateSyntaxError
    from jinja2 import Undefined
    from jinja2 import UndefinedError
    from jinja2.exceptions import SecurityError
    from jinja2.exceptions import TemplateError as JinjaError

    check_name(name)
    known = {f"{REPO_DIR}/{n}" for n in available(root)} | {
        f"(shipped) {n}" for n in available(None)}
    # an error found while compiling has no template line: name the file at least
    mine = f"{REPO_DIR}/{name}" if f"{REPO_DIR}/{name}" in known else f"(shipped) {name}"
    values = {k: v if isinstance(v, Undefined) else view(v) for k, v in context.items()}
    cap = _MemoryCap()
    try:
        with cap:
            env = _environment(root, locale_filters(locale, currency), lang,
                               (locale, currency))
            return _generate(env, name, values)
    except TemplateLimit as err:
        raise TemplateLimit(f"{_where(err, known, mine)}: {err}") from None
    except MemoryError as err:
        # the big values are gone with the frames that held them: one line, no traceback
        where = _where(err, known, mine)
        if cap.active:
            raise TemplateLimit(f"{where}: template needs more than {MAX_MEMORY >> 20} MB "
                                "of memory; it cannot be a real document") from None
        raise TemplateLimit(f"{where}: template ran out of memory: this process may use "
                            f"less than the {MAX_MEMORY >> 20} MB a render may take") from None
    except TemplateNotFound as err:
        raise TemplateError(f"no template {err.name!r} in {REPO_DIR}/ or the shipped ones "
                            f"({', '.join(available(root))})") from None
    except TemplateSyntaxError as err:
        where = f"{err.filename or err.name}:{err.lineno}"
        raise TemplateError(f"{where}: template syntax error: {err.message}") from None
    except SecurityError as err:
        raise TemplateError(f"{_where(err, known, mine)}: refused by the template sandbox: "
                            f"{err}") from None
    except UndefinedError as err:
        # `deal.nonexist`: jinja says "'Data object' has no attribute 'nonexist'"
        said = _NO_FIELD.sub(r"no field `\1`", str(err))
        raise TemplateError(f"{_where(err, known, mine)}: undefined: {said}") from None
    except (JinjaError, ArithmeticError, TypeError, ValueError, KeyError, IndexError,
            OverflowError, RecursionError) as err:
        raise TemplateError(f"{_where(err, known, mine)}: {type(err).__name__}: {err}"
                            ) from None
