"""The import direction between the layers holds (issue 14), imports inside functions too.

- Only `salescli/cli/` (and `__main__`) knows the terminal: nothing else imports
  click or `salescli.cli`.
- The pure core (money, dates, IDs, errors, diagnostics, the tables, commit messages,
  rules and reports) touches no files, git, SQLite, processes or terminal: it imports
  none of the store's modules nor the standard modules that do such things.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "salescli"
CORE = ("money", "dates", "ids", "errors", "diagnostics", "tables", "commitmsg", "rules",
        "reports", "plain", "model")
STORE = ("salescli.gitio", "salescli.yamlio", "salescli.index", "salescli.staged",
         "salescli.history", "salescli.loader", "salescli.repo", "salescli.checkcache",
         "salescli.config", "salescli.importer", "salescli.demo")
SIDE_EFFECTS = ("subprocess", "sqlite3", "click", "shutil", "tempfile")


def imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function (not those only
    type checkers see, under `if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in modules() if "cli" not in p.relative_to(
    PACKAGE).parts and p.name != "__main__.py"], ids=lambda p: p.stem)
def test_only_the_cli_knows_the_terminal(path: Path):
    bad = {m for m in imports(path)
           if m == "click" or m.startswith("click.") or m == "salescli.cli"
           or m.startswith("salescli.cli.")}
    assert not bad, f"{path.name} imports {sorted(bad)}: only salescli/cli/ may"


@pytest.mark.parametrize("name", CORE)
def test_the_core_touches_no_files_git_or_terminal(name: str):
    found = imports(PACKAGE / f"{name}.py")
    bad = {m for m in found if m.split(".")[0] in SIDE_EFFECTS
           or any(m == s or m.startswith(s + ".") for s in STORE)}
    assert not bad, f"salescli/{name}.py imports {sorted(bad)}: the core stays pure"
