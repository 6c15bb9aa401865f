"""The one module that owns templates (SPEC §8): Jinja2 in its sandbox.

    text = render("quote.md.j2", {"quote": quote, ...}, repo_root, locale="fi_FI")

- `ImmutableSandboxedEnvironment`: templates cannot reach Python internals
  (`__globals__`, `str.format` tricks) or change the data they are given; a try is a
  one-line error and nothing runs.
- `StrictUndefined`: a missing variable is an error naming the template and line.
- Autoescape for `.html` templates, so `<script>` in a deal title stays text.
- Lookup: the repository's `templates/`, then the shipped ones. Names are flat file
  names; a name with a path separator or `..`, and a symlinked template or templates
  folder in the repository (which could pull in any file of the machine), are refused.
- The output is bounded (`MAX_OUTPUT`), as are `*` and `**` on big operands, so a
  template cannot fill the disk or the memory.

jinja2 is imported only inside functions, so `salescli --help` never loads it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import os
import re
import stat
import traceback
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from salescli.errors import SalescliError, UsageError

REPO_DIR = "templates"
MAX_OUTPUT = 5_000_000       # characters of rendered output
MAX_SOURCE = 1_000_000       # bytes of one template file
MAX_OPERAND = 100_000        # longest string/list a `*` may build, largest `**` exponent
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class TemplateError(SalescliError):
    """A template could not be found, read or rendered (exit 1)."""


def shipped_dir() -> Path:
    """Where the installed package keeps its templates (`salescli._templates`)."""
    import importlib.util

    spec = importlib.util.find_spec("salescli._templates")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).with_name("_templates")


def check_name(name: str) -> str:
    """A template name is a plain file name: no folders, no `..`, no leading dot."""
    if not _NAME.match(name) or ".." in name:
        raise UsageError(f"invalid template name {name!r}: use a file name such as "
                         "quote.md.j2 (no folders or '..')")
    return name


def available(root: Path | None) -> list[str]:
    """Template names found in the repository and shipped, for help and errors."""
    names: set[str] = set()
    for folder in (root / REPO_DIR if root else None, shipped_dir()):
        if folder is not None and folder.is_dir() and not folder.is_symlink():
            names.update(p.name for p in folder.iterdir() if p.name.endswith(".j2"))
    return sorted(names)


def _read(path: Path, trusted: bool) -> str | None:
    """The template's text, None if absent; symlinks in the repository are refused."""
    # O_NONBLOCK: a FIFO named like a template must not hang the command
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if trusted else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise TemplateError(f"{REPO_DIR}/{path.name} is a symbolic link; salescli renders "
                                "only regular files in templates/ (copy the file instead)"
                                ) from None
        raise
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TemplateError(f"{path.name} is not a regular file")
        data = fh.read(MAX_SOURCE + 1)
    if len(data) > MAX_SOURCE:
        raise TemplateError(f"{path.name} is larger than {MAX_SOURCE} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise TemplateError(f"{path.name}: not UTF-8 text ({err.reason})") from None


def _loader(root: Path | None) -> Any:
    from jinja2 import BaseLoader, TemplateNotFound

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


# undefined-variable errors then read "'Data object' has no attribute 'x'"
Data.__module__ = "builtins"


def view(value: Any) -> Any:
    """Data as templates read it: mappings, records (pydantic models) and dataclasses
    become read-only `Data`, lists become tuples; nothing with methods that change it."""
    if isinstance(value, Data):
        return value
    if isinstance(value, dict):
        return Data(value)
    if isinstance(value, list | tuple):
        return tuple(view(v) for v in value)
    if hasattr(value, "model_dump") and not isinstance(value, type):
        return Data(value.model_dump(mode="python", by_alias=True))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
        names += [n for n, a in vars(type(value)).items() if isinstance(a, property)]
        return Data({n: getattr(value, n) for n in names})
    return value


def _autoescape(name: str | None) -> bool:
    return bool(name) and (name.endswith(".html.j2") or name.endswith(".html"))


def _visible_controls(value: Any) -> Any:
    """Every `{{ value }}` with control characters shown escaped (ESC as `\\x1b`).

    A quote or agenda is a document for people, read with `cat`, `git show` or a
    pager: a value from a record must not drive the terminal there either.
    """
    if not isinstance(value, str) or value.isprintable():
        return value
    from salescli.output import terminal_safe

    # Markup (already escaped by an HTML template's filter) must stay Markup
    return type(value)(terminal_safe(value))


def _environment(root: Path | None, filters: dict[str, Callable]) -> Any:
    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Environment(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            # `'x' * 10**9` or `9 ** 9 ** 9` would exhaust memory before any output bound
            if operator == "**" and isinstance(right, int) and abs(right) > MAX_OPERAND:
                raise SecurityError(f"exponent {right} is too large")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, str | list | tuple) and isinstance(n, int) \
                            and len(seq) * n > MAX_OPERAND:
                        raise SecurityError("the product of a sequence is too long")
            return super().call_binop(context, operator, left, right)

    env = Environment(
        loader=_loader(root), undefined=StrictUndefined, autoescape=_autoescape,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        finalize=_visible_controls,
    )
    env.filters.update(filters)
    return env


def locale_filters(locale: str, currency: str) -> dict[str, Callable]:
    """`money`, `number`, `date` and `percent` in the settings' locale."""
    from salescli import l10n

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

    return {"money": money, "number": number, "date": date, "percent": percent, "cell": cell}


def cell(value: Any) -> str:
    """Text safe inside one Markdown table cell: no `|` column breaks, no new lines."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _where(err: BaseException, known: set[str]) -> str:
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
    return name or "template"


def render(name: str, context: dict[str, Any], root: Path | None, *,
           locale: str = "en_US", currency: str = "EUR") -> str:
    """Render template `name` with `context`; every failure is one TemplateError line."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError
    from jinja2.exceptions import TemplateError as JinjaError

    check_name(name)
    env = _environment(root, locale_filters(locale, currency))
    known = {f"{REPO_DIR}/{n}" for n in available(root)} | {
        f"(shipped) {n}" for n in available(None)}
    try:
        template = env.get_template(name)
        out: list[str] = []
        size = 0
        for chunk in template.generate({k: view(v) for k, v in context.items()}):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise TemplateError(f"{template.filename or name}: output larger than "
                                    f"{MAX_OUTPUT} characters; refused")
            out.append(chunk)
        return "".join(out)
    except TemplateNotFound as err:
        raise TemplateError(f"no template {err.name!r} in {REPO_DIR}/ or the shipped ones "
                            f"({', '.join(available(root))})") from None
    except TemplateSyntaxError as err:
        where = f"{err.filename or err.name}:{err.lineno}"
        raise TemplateError(f"{where}: template syntax error: {err.message}") from None
    except SecurityError as err:
        raise TemplateError(f"{_where(err, known)}: refused by the template sandbox: "
                            f"{err}") from None
    except UndefinedError as err:
        raise TemplateError(f"{_where(err, known)}: undefined: {err}") from None
    except (JinjaError, ArithmeticError, TypeError, ValueError, KeyError, IndexError,
            OverflowError, RecursionError) as err:
        raise TemplateError(f"{_where(err, known)}: {type(err).__name__}: {err}") from None
