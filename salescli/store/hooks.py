"""Wiring salescli into git: the record merge driver and the pre-commit hook (SPEC §4, §5).

Both call `salescli` by name, found on PATH when git runs them, rather than the
absolute path of the salescli that installed them: a recreated or upgraded
virtualenv, or a teammate's pipx install, keeps working without re-installing. When
salescli is not on PATH (a GUI git client started without the user's shell PATH),
the merge driver falls back to git's own line merge, so nothing is lost, and the
hook stops the commit with a message saying why.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from salescli.core.errors import SalescliError
from salescli.store.gitio import atomic_path, git, hook_path
from salescli.store.repo import KIND_DIRS, SETTINGS_FILE

ATTRIBUTES_FILE = ".gitattributes"
ATTRIBUTE_LINES = tuple(f"{folder}/**/*.yaml merge=salescli" for folder in KIND_DIRS.values())
DRIVER_NAME = "salescli: field-by-field merge of records"
# git runs this with sh; %O %A %B are temporary files, %P the record's path (quoted by git),
# %L the conflict marker size
DRIVER = (
    "if command -v salescli >/dev/null 2>&1; "
    "then salescli merge-driver --marker-size %L %O %A %B %P; "
    "else echo 'salescli is not on PATH: merging '%P' line by line' >&2; "
    "git merge-file --marker-size=%L -L ours -L base -L theirs %A %O %B; fi"
)
HOOK_MARK = "# salescli pre-commit hook"
BACKUP_SUFFIX = ".before-salescli"


def gitattributes_text(existing: str | None) -> str | None:
    """`.gitattributes` with the merge driver's lines added; None when they are all there."""
    text = existing or ""
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in ATTRIBUTE_LINES if line not in present]
    if not missing:
        return None
    if text and not text.endswith("\n"):
        text += "\n"
    header = "# records merge field by field: `salescli merge-driver` (salescli hook install)\n"
    return text + ("" if header in text else header) + "".join(f"{m}\n" for m in missing)


def register_merge_driver(root: Path) -> bool:
    """Set the repository's git config for the driver; True if anything changed."""
    changed = False
    for key, value in (("merge.salescli.name", DRIVER_NAME), ("merge.salescli.driver", DRIVER)):
        current = git(root, "config", "--local", "--get", key, check=False).stdout.rstrip("\n")
        if current != value:
            git(root, "config", "--local", key, value)
            changed = True
    return changed


# how the hook names each pipeline it checks: a folder from the top of the work tree
_CHECKS = re.compile(r"^\s*(?:exec )?salescli -C (.+?) check --staged --quiet(?: \|\| status=1)?$",
                     re.MULTILINE)


def hooked_pipelines(text: str) -> list[str]:
    """The pipelines (folders from the top of the work tree) salescli's hook `text`
    checks."""
    out = []
    for quoted in _CHECKS.findall(text):
        try:
            out += shlex.split(quoted)[:1]
        except ValueError:  # a hand-edited line: the next install writes it again
            continue
    return out


def hook_script(root: Path, existing: str | None = None) -> str:
    """The pre-commit hook: `salescli check --staged` on the pipeline at `root`, and on
    the other pipelines of the same repository that `existing` (our hook as it is)
    checks and that are still there: in a repository holding several, each `hook
    install` adds its own and every commit checks them all."""
    top = Path(git(root, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    where = os.path.relpath(root.resolve(), top)  # git runs hooks at the top level
    others = [p for p in hooked_pipelines(existing or "")
              if (top / p / SETTINGS_FILE).is_file()]
    checks = [f"salescli -C {shlex.quote(p)} check --staged --quiet"
              for p in sorted({*others, where})]
    if len(checks) == 1:
        run = f"  exec {checks[0]}\n"
    else:  # each says what is wrong with it before the commit is stopped
        run = "  status=0\n" + "".join(f"  {c} || status=1\n" for c in checks) \
            + "  exit $status\n"
    return f"""#!/bin/sh
{HOOK_MARK} (written by `salescli hook install`; run it again to update).
# Checks the records as staged for this commit. Skip it once: git commit --no-verify
if command -v salescli >/dev/null 2>&1; then
{run}fi
echo "salescli pre-commit hook: salescli is not on PATH, so the records were not checked." >&2
echo "Install salescli or activate its virtualenv; or skip the check: git commit --no-verify" >&2
exit 1
"""


def refuse_foreign_hook(root: Path, force: bool = False) -> None:
    """Raise if a pre-commit hook that is not ours is there and `force` is not given."""
    path = hook_path(root)
    if not force and path.exists() and HOOK_MARK not in path.read_text("utf-8", "replace"):
        raise SalescliError(
            f"{path} exists and is not salescli's hook; add `salescli check --staged` "
            "to it yourself, or run `salescli hook install --force` to replace it "
            f"(the old one is kept as pre-commit{BACKUP_SUFFIX})"
        )


def install_pre_commit(root: Path, force: bool = False) -> str:
    """Write the pre-commit hook; returns what happened, as a line for the user.

    A hook that is not ours is refused unless `force`, and then kept beside it.
    """
    refuse_foreign_hook(root, force)
    path = hook_path(root)
    old = path.read_text(encoding="utf-8", errors="replace") if path.exists() else None
    script = hook_script(root, old if old is not None and HOOK_MARK in old else None)
    backup = ""
    if old is not None:
        if old == script and os.access(path, os.X_OK):
            return f"pre-commit hook already installed: {path}"
        if HOOK_MARK not in old:  # forced
            saved = path.with_name(path.name + BACKUP_SUFFIX)
            path.replace(saved)
            backup = f" (the old hook is kept as {saved})"
    with atomic_path(path, mode=0o755) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(script)
    return f"pre-commit hook installed: {path}{backup}"
