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
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "salescli"
ORDER = ("core", "store", "services", "cli")
SIDE_EFFECTS = ("subprocess", "sqlite3", "click", "shutil", "tempfile", "os", "io")
# every command module (all of cli/ but the entry point and the shared toolkit) only
# parses, calls a service, prints and exits
THIN_CLI = sorted(p.stem for p in (PACKAGE / "cli").glob("*.py")
                  if p.stem not in ("__init__", "common"))


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


def terminal_uses(path: Path) -> list[str]:
    """Where `path` prints or reaches the standard streams itself (`print()`,
    `sys.stderr`), not through a `warn` callback or a return value."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            found.append(f"print() at line {node.lineno}")
        elif (isinstance(node, ast.Attribute) and node.attr in ("stdin", "stdout", "stderr")
              and getattr(node.value, "id", None) == "sys"):
            found.append(f"sys.{node.attr} at line {node.lineno}")
    return found


@pytest.mark.parametrize("layer", ORDER[:-1])
def test_only_the_cli_knows_the_terminal(layer: str):
    bad = {p.name: sorted(m for m in imports(p) if m.split(".")[0] == "click")
           for p in modules(layer)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"only salescli/cli/ may import click: {bad}"
    bad = {p.name: terminal_uses(p) for p in modules(layer)}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"only salescli/cli/ may print: {bad}"


def test_no_relative_imports():
    # `imports()` reads absolute names only: a relative import would hide a layer's
    relative = sorted(f"{p.parent.name}/{p.name}:{node.lineno}"
                      for layer in ORDER for p in modules(layer)
                      for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                      if isinstance(node, ast.ImportFrom) and node.level)
    assert not relative, f"relative imports (write salescli.x.y): {relative}"


def test_the_core_touches_no_files_git_or_terminal():
    bad = {p.name: sorted(m for m in imports(p) if m.split(".")[0] in SIDE_EFFECTS)
           for p in modules("core")}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"the core stays pure: {bad}"


def thin_cli_may_import(module: str) -> bool:
    """What a command module may import: click, the standard library, the services and
    the CLI's toolkit (cli/common), never the core, the store or another command."""
    top = module.split(".")[0]
    if top == "click" or (top in sys.stdlib_module_names and top != "salescli"):
        return True
    return any(module == allowed or module.startswith(allowed + ".")
               for allowed in ("salescli.services", "salescli.cli.common"))


@pytest.mark.parametrize("name", THIN_CLI)
def test_a_command_module_imports_only_services_and_cli_common(name: str):
    bad = sorted(m for m in imports(PACKAGE / "cli" / f"{name}.py")
                 if not thin_cli_may_import(m))
    assert not bad, f"cli/{name}.py imports {bad}: call a service, or cli/common"
