"""Diagnostics: what `check` finds, as data. Validation never raises for user data."""

from __future__ import annotations

from typing import Any

from msgspec import Struct
from msgspec.structs import asdict


class Diagnostic(Struct, frozen=True, order=True):
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


class Finding(Struct, frozen=True):
    """A diagnostic before its line is known: `loc` is the path inside the document."""

    path: str
    severity: str
    code: str
    message: str
    loc: tuple = ()
    line: int | None = None
    column: int | None = None
    at_key: bool = False  # point at the key itself, not its value


def error(path: str, code: str, message: str, loc: tuple = (), **kw: Any) -> Finding:
    return Finding(path, "error", code, message, tuple(loc), **kw)


def warning(path: str, code: str, message: str, loc: tuple = (), **kw: Any) -> Finding:
    return Finding(path, "warning", code, message, tuple(loc), **kw)
