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
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

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
PREVIOUS_SUFFIX = ".salescli-previous"  # a hook of ours that had lines of the user's


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


class Hook(NamedTuple):
    """One of HOOKS as it is now: where git looks for it and its text (None: none)."""

    name: str
    path: Path
    text: str | None

    @property
    def ours(self) -> bool:
        return self.text is not None and HOOK_MARK in self.text

    @property
    def as_written(self) -> bool:
        """Ours, and exactly what this salescli writes for the pipelines it lists: no line
        of the user's (or of an older salescli's) would be lost by rewriting it."""
        return self.ours and self.text == hook_script(hooked_pipelines(self.text or ""),
                                                      self.name)

    @property
    def backup(self) -> Path:
        """Where `install --force` keeps the hook it replaces."""
        return self.path.with_name(self.path.name + BACKUP_SUFFIX)

    @property
    def previous(self) -> Path:
        """Where `install` keeps a hook of ours it rewrites that is not `as_written`."""
        return self.path.with_name(self.path.name + PREVIOUS_SUFFIX)


def read_hooks(root: Path) -> list[Hook]:
    """Each of HOOKS as it is, read before anything is changed: a folder or an
    unreadable file where git looks for one is refused here, naming the fix."""
    hooks = []
    for name in HOOKS:
        path = hook_path(root, name)
        if path.is_dir() and not path.is_symlink():
            raise SalescliError(f"{path}: is a folder where git looks for the {name} hook; "
                                "move it away first")
        try:  # (a symbolic link is read only when it leads to a file: it is left alone)
            text = path.read_text("utf-8", "replace") if path.is_file() else None
        except OSError as err:
            raise SalescliError(f"{path}: cannot be read ({err.strerror}); fix its "
                                "permissions first") from None
        hooks.append(Hook(name, path, text))
    return hooks


def _link_note(path: Path) -> str:
    """How a hook that is a symbolic link is left alone: salescli writes only files."""
    return (f"is a symbolic link (to {os.readlink(path)}): left as it is; edit what it "
            f"leads to yourself, or remove the link and run this again: {path}")


def _write_hook(path: Path, script: str) -> None:
    with atomic_path(path, mode=0o755) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.write(script)


def refuse_foreign_hook(root: Path, force: bool = False) -> list[Hook]:
    """The hooks (`read_hooks`); raise if one that is not ours is there and `force` is
    not given, or where a hook install replaces is to be kept is taken."""
    hooks = read_hooks(root)
    for hook in hooks:
        if hook.ours and not hook.as_written and not hook.path.is_symlink() \
                and os.path.lexists(hook.previous):
            raise SalescliError(
                f"{hook.previous} exists already, so {hook.path}, which has lines salescli "
                "does not write, could not be kept there; move one of them away first")
        if hook.text is None or hook.ours:
            continue
        if not force:
            raise SalescliError(
                f"{hook.path} exists and is not salescli's hook; add `salescli check "
                "--staged` to it yourself, or run `salescli hook install --force` to replace "
                f"it (the old one is kept as {hook.name}{BACKUP_SUFFIX})")
        if os.path.lexists(hook.backup):
            raise SalescliError(
                f"{hook.backup} exists already, so {hook.path} could not be kept there; "
                "move one of them away first")
    return hooks


def install_hooks(root: Path, force: bool = False) -> list[str]:
    """Write the hooks (HOOKS); returns what happened to each, as lines for the user.

    A hook that is not ours is refused unless `force`, and then kept beside it.
    """
    hooks = refuse_foreign_hook(root, force)
    # every pipeline any of our hooks checks (a hook new to this version learns them)
    known = {p for hook in hooks if hook.ours for p in hooked_pipelines(hook.text or "")}
    pipelines = sorted(known | {pipeline_folder(root)})
    said = []
    for hook in hooks:
        path = hook.path
        script = hook_script(pipelines, hook.name)
        backup = ""
        if path.is_symlink() and hook.ours and hook.text == script:
            said.append(f"{hook.name} hook already installed: {path} (a symbolic link to "
                        f"{os.readlink(path)})")
            continue
        if path.is_symlink() and (hook.ours or hook.text is None):
            said.append(f"{hook.name} hook {_link_note(path)}")
            continue
        if hook.text is not None:
            if hook.text == script and os.access(path, os.X_OK):
                said.append(f"{hook.name} hook already installed: {path}")
                continue
            if not hook.ours:  # forced
                path.replace(hook.backup)
                backup = f" (the old hook is kept as {hook.backup})"
            elif not hook.as_written:  # lines of the user's, or an older salescli's
                path.replace(hook.previous)
                backup = (f" (the one before had lines this salescli does not write, yours "
                          f"or an older salescli's: it is kept as {hook.previous})")
        _write_hook(path, script)
        said.append(f"{hook.name} hook installed: {path}{backup}")
    return said


Step = tuple[str, Callable[[], None] | None]  # (what to say, what to change)


def uninstall_plan(root: Path, here: str) -> list[Step]:
    """What `hook uninstall` does to each hook, worked out before anything is changed:
    (the line that tells it, the change; None when the hook is left as it is).

    The pipeline at `root`, `here` (`pipeline_folder`), leaves our hooks: one left
    checking no pipeline is removed (the hook `install --force` replaced put back), one
    still checking others is written without it. Only a hook that is exactly what
    salescli writes is changed: one the user added lines to, a symbolic link or another
    tool's is left alone."""
    plan: list[Step] = []
    for hook in read_hooks(root):
        name, path = hook.name, hook.path
        checked = hooked_pipelines(hook.text or "")
        rest = [p for p in checked if p != here]
        if path.is_symlink():
            plan.append((f"{name} hook {_link_note(path)}", None))
        elif hook.text is None:
            plan.append((f"no {name} hook installed", None))
        elif not hook.ours:
            plan.append((f"{name} hook is not salescli's: left as it is: {path}", None))
        elif not checked:  # (hand-edited, or from a salescli that listed none)
            plan.append((f"{name} hook is salescli's but does not say which pipelines it "
                         f"checks: left as it is; take {here}/ out of it yourself: {path}",
                         None))
        elif here not in checked:
            plan.append((f"{name} hook does not check {here}/: left as it is: {path}", None))
        elif not hook.as_written:
            plan.append((f"{name} hook has lines salescli did not write (yours, or an older "
                         f"salescli's): left as it is; take {here}/ out of it yourself: "
                         f"{path}", None))
        elif rest:
            script = hook_script(rest, name)
            plan.append((f"{name} hook no longer checks {here}/; it still checks "
                         f"{', '.join(p + '/' for p in rest)}: {path}",
                         lambda path=path, script=script: _write_hook(path, script)))
        elif os.path.lexists(hook.backup):
            plan.append((f"{name} hook removed; the one it replaced is back: {path}",
                         lambda hook=hook: hook.backup.replace(hook.path)))
        else:
            plan.append((f"{name} hook removed: {path}", path.unlink))
    return plan


def other_pipelines(root: Path, here: str) -> list[str]:
    """The other pipelines of the repository the pipeline at `root`, `here`, is in: the
    folders (from the top of the work tree) of the other `salescli.yaml` files git
    tracks."""
    listed = git(root, "ls-files", "-z", "--full-name", "--",
                 f":(top,glob)**/{SETTINGS_FILE}").stdout.split("\0")
    return sorted({os.path.dirname(p) or "." for p in listed if p} - {here})


def merge_driver_set(root: Path, scope: str = "--local") -> bool:
    """Whether git config (`scope`: this clone's, "" any) sets the merge driver."""
    return git(root, "config", *filter(None, [scope]), "--get-regexp",
               r"^merge\.salescli\.", check=False).returncode == 0


def unregister_merge_driver(root: Path) -> None:
    """Remove the driver from this clone's git config."""
    git(root, "config", "--local", "--remove-section", "merge.salescli")
