"""Wiring salescli into git: the record merge driver and the pre-commit hook (SPEC §4, §5).

Both call `salescli` by name, found on PATH when git runs them, rather than the
absolute path of the salescli that installed them: a recreated or upgraded
virtualenv, or a teammate's pipx install, keeps working without re-installing. When
salescli is not on PATH (a GUI git client started without the user's shell PATH),
the merge driver falls back to git's own line merge, so nothing is lost, and the
hook stops the commit with a message saying why.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from salescli.core.errors import SalescliError
from salescli.core.later import later
from salescli.store.gitio import atomic_path
from salescli.store.gitio import git
from salescli.store.gitio import hook_path
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import SETTINGS_FILE

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
# a commit runs pre-commit; a merge that commits runs pre-merge-commit instead (git 2.24+)
HOOKS = ("pre-commit", "pre-merge-commit")
HOOK_MARK = "# salescli pre-commit hook"  # how a hook of ours is told from the user's own
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


# the pipelines the hook checks, as folders from the top of the work tree, in one line
# of JSON (any folder name fits); hooks before it named one, in its `exec` line
_PIPELINES = "# pipelines: "
_ONE_PIPELINE = later(r"^\s*exec salescli -C (.+) check --staged --quiet\r?$", re.MULTILINE)


def hooked_pipelines(text: str) -> list[str]:
    """The pipelines (folders from the top of the work tree) salescli's hook `text`
    checks."""
    for line in text.splitlines():
        if line.startswith(_PIPELINES):
            try:
                listed = json.loads(line[len(_PIPELINES):])
            except ValueError:
                break
            if isinstance(listed, list) and all(isinstance(p, str) for p in listed):
                return listed
            break
    found = _ONE_PIPELINE.search(text)
    try:
        return shlex.split(found.group(1))[:1] if found else []
    except ValueError:  # a hand-edited line
        return []


def pipeline_folder(root: Path) -> str:
    """The pipeline at `root` as our hooks name it: its folder from the top of the work
    tree (`.` at the top), where git runs hooks."""
    top = Path(git(root, "rev-parse", "--show-toplevel").stdout.strip()).resolve()
    return os.path.relpath(root.resolve(), top)


def hook_script(pipelines: Sequence[str], name: str = "pre-commit") -> str:
    """The hook `name` (one of HOOKS): `salescli check --staged` on each of `pipelines`
    (folders from the top of the work tree): in a repository holding several, each
    `hook install` adds its own. A pipeline with nothing staged is not checked; one not
    in this checkout (another branch's) is skipped, never dropped."""
    pipelines = sorted(set(pipelines))
    runs = []
    for folder in pipelines:
        quoted = shlex.quote(folder)
        staged = shlex.quote(f":(literal){folder}")  # a folder named `[a]` is no pattern
        said = shlex.quote(f"salescli: the errors above are in {folder}/")
        failed = f"{{ status=1; echo {said} >&2; }}" if len(pipelines) > 1 else "status=1"
        runs.append(
            f"  if [ -f {quoted}/{SETTINGS_FILE} ] && ! git diff --cached --quiet -- {staged}\n"
            f"  then\n    salescli -C {quoted} check --staged --quiet || {failed}\n  fi\n")
    skip = "git merge --no-verify" if name == "pre-merge-commit" else "git commit --no-verify"
    return f"""#!/bin/sh
{HOOK_MARK} (written by `salescli hook install`; run it again to update).
# Checks the records as staged for this commit ({name}). Skip it once: {skip}
{_PIPELINES}{json.dumps(pipelines)}
if command -v salescli >/dev/null 2>&1; then
  status=0
{"".join(runs)}  exit $status
fi
echo "salescli {name} hook: salescli is not on PATH, so the records were not checked." >&2
echo "Install salescli or activate its virtualenv; or skip the check: {skip}" >&2
exit 1
"""


def refuse_foreign_hook(root: Path, force: bool = False) -> None:
    """Raise if a hook (of HOOKS) that is not ours is there and `force` is not given."""
    for name in HOOKS:
        path = hook_path(root, name)
        if not force and path.exists() and HOOK_MARK not in path.read_text("utf-8", "replace"):
            raise SalescliError(
                f"{path} exists and is not salescli's hook; add `salescli check --staged` "
                "to it yourself, or run `salescli hook install --force` to replace it "
                f"(the old one is kept as {name}{BACKUP_SUFFIX})"
            )


def install_hooks(root: Path, force: bool = False) -> list[str]:
    """Write the hooks (HOOKS); returns what happened to each, as lines for the user.

    A hook that is not ours is refused unless `force`, and then kept beside it.
    """
    refuse_foreign_hook(root, force)
    paths = {name: hook_path(root, name) for name in HOOKS}
    olds = {name: p.read_text(encoding="utf-8", errors="replace") if p.exists() else None
            for name, p in paths.items()}
    # every pipeline any of our hooks checks (a hook new to this version learns them)
    known = {p for old in olds.values() if old is not None and HOOK_MARK in old
             for p in hooked_pipelines(old)}
    pipelines = sorted(known | {pipeline_folder(root)})
    said = []
    for name in HOOKS:
        path, old = paths[name], olds[name]
        script = hook_script(pipelines, name)
        backup = ""
        if old is not None:
            if old == script and os.access(path, os.X_OK):
                said.append(f"{name} hook already installed: {path}")
                continue
            if HOOK_MARK not in old:  # forced
                saved = path.with_name(path.name + BACKUP_SUFFIX)
                path.replace(saved)
                backup = f" (the old hook is kept as {saved})"
        with atomic_path(path, mode=0o755) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            fh.write(script)
        said.append(f"{name} hook installed: {path}{backup}")
    return said


def uninstall_hooks(root: Path) -> tuple[list[str], bool]:
    """Take the pipeline at `root` out of our hooks (HOOKS): a hook left checking no
    pipeline is removed, and the one `install --force` kept beside it is put back. What
    happened to each, as lines for the user, and whether any of our hooks still checks
    another pipeline."""
    here = pipeline_folder(root)
    said, others = [], False
    for name in HOOKS:
        path = hook_path(root, name)
        if not path.exists():
            said.append(f"no {name} hook installed")
            continue
        old = path.read_text(encoding="utf-8", errors="replace")
        if HOOK_MARK not in old:
            said.append(f"{name} hook is not salescli's: left as it is: {path}")
            continue
        checked = hooked_pipelines(old)
        rest = [p for p in checked if p != here]
        if rest and here not in checked:
            others = True
            said.append(f"{name} hook does not check {here}/: left as it is: {path}")
            continue
        if rest:
            others = True
            with atomic_path(path, mode=0o755) as tmp, open(tmp, "w", encoding="utf-8") as fh:
                fh.write(hook_script(rest, name))
            said.append(f"{name} hook no longer checks {here}/; it still checks "
                        f"{', '.join(p + '/' for p in rest)}: {path}")
            continue
        saved = path.with_name(path.name + BACKUP_SUFFIX)
        if saved.exists():
            saved.replace(path)
            said.append(f"{name} hook removed; the one it replaced is back: {path}")
        else:
            path.unlink()
            said.append(f"{name} hook removed: {path}")
    return said, others


def unregister_merge_driver(root: Path) -> bool:
    """Remove the driver from the repository's git config; True if it was there."""
    if git(root, "config", "--local", "--get-regexp", r"^merge\.salescli\.",
           check=False).returncode != 0:
        return False
    git(root, "config", "--local", "--remove-section", "merge.salescli")
    return True
