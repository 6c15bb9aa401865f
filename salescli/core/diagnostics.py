"""Diagnostics: what `check` finds, as data. Validation never raises for user data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    column: int
    severity: str  # "error" | "warning"
    code: str
    message: str

    def format(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.severity}: {self.message} [{self.code}]"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """A diagnostic before its line is known: `loc` is the path inside the document."""

    path: str
    severity: str
    code: str
    message: str
    loc: tuple = field(default=())
    line: int | None = None
    column: int | None = None
    at_key: bool = False  # point at the key itself, not its value


def error(path: str, code: str, message: str, loc: tuple = (), **kw: Any) -> Finding:
    return Finding(path, "error", code, message, tuple(loc), **kw)


def warning(path: str, code: str, message: str, loc: tuple = (), **kw: Any) -> Finding:
    return Finding(path, "warning", code, message, tuple(loc), **kw)
