"""Regular expressions compiled when first used.

A command loads dozens of modules, each with its patterns, and uses a few of them:
compiled at import, they cost a write several milliseconds it never gets back.
"""

from __future__ import annotations

import re
from typing import Any

_COMPILE = re.compile  # (the real one, also while yamlio swaps it for PyYAML's import)


class _Later:
    """A pattern compiled on first use. Each attribute asked for (`match`, `sub`...)
    is kept on the instance, so using it again costs what a compiled pattern's does."""

    def __init__(self, pattern: Any, flags: int) -> None:
        self._args: tuple[Any, int] = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # (copy and pickle ask before __init__ has run)
            raise AttributeError(name)
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self._compiled = _COMPILE(*self._args)
        value = getattr(compiled, name)
        setattr(self, name, value)
        return value


def later(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, done when the pattern is first used."""
    return _Later(pattern, flags)  # type: ignore[return-value]
