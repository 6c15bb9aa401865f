"""The import direction between the layers holds (issue 14), imports inside functions too.

    cli/       click only: parse, call a service, render, exit
    services/  one operation each: load, apply the rules, edit, write or commit
    store/     YAML files, git, history, the record index
    core/      records and their rules, money, quotes, reports: no I/O

A module imports only from its own layer or the layers below it. Nothing outside
`cli/` imports click, and the core imports none of the standard modules that reach
files, processes or databases.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "salescli"
ORDER = ("core", "store", "services", "cli")
SIDE_EFFECTS = ("subprocess", "sqlite3", "click", "shutil", "tempfile", "os", "io")


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


def layer_of(module: str) -> str | None:
    """The layer a `salescli...` module name belongs to (None: not salescli's)."""
    parts = module.split(".")
    if parts[0] != "salescli":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in ORDER else "package"


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).glob("*.py"))


def test_every_module_is_in_a_layer():
    loose = sorted(p.name for p in PACKAGE.glob("*.py")
                   if p.name not in ("__init__.py", "__main__.py"))
    assert not loose, f"modules outside the layer folders: {loose}"


@pytest.mark.parametrize("layer", ORDER[:-1])
def test_no_module_imports_a_layer_above_it(layer: str):
    above = ORDER[ORDER.index(layer) + 1:]
    bad = {f"{p.parent.name}/{p.name}": sorted(m for m in imports(p)
                                                if layer_of(m) in above)
           for p in modules(layer)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"imports from a layer above: {bad}"


@pytest.mark.parametrize("layer", ORDER[:-1])
def test_only_the_cli_knows_the_terminal(layer: str):
    bad = {p.name: sorted(m for m in imports(p) if m.split(".")[0] == "click")
           for p in modules(layer)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"only salescli/cli/ may import click: {bad}"


def test_the_core_touches_no_files_git_or_terminal():
    bad = {p.name: sorted(m for m in imports(p) if m.split(".")[0] in SIDE_EFFECTS)
           for p in modules("core")}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"the core stays pure: {bad}"


# cli/ modules that import only the services and cli/common (issue 14: parse, call
# one service, render, exit); the rest of cli/ joins this list as it moves
SERVICE_ONLY = ("deal", "lead", "account", "imports", "demo")


@pytest.mark.parametrize("name", SERVICE_ONLY)
def test_cli_modules_import_only_services_and_common(name: str):
    path = PACKAGE / "cli" / f"{name}.py"
    allowed = ("salescli.services", "salescli.cli.common")
    bad = sorted(m for m in imports(path) if layer_of(m) is not None
                 and not any(m == a or m.startswith(a + ".") for a in allowed))
    assert not bad, f"cli/{name}.py imports beyond the services and cli/common: {bad}"
