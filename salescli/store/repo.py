"""The pipeline repository on disk: where it is, its settings, and its records by ID."""

from __future__ import annotations

import os
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import Any

from salescli.core.errors import NotARepository
from salescli.core.errors import RecordNotFound
from salescli.core.errors import SalescliError
from salescli.core.ids import KINDS
from salescli.core.ids import check_id
from salescli.core.later import later

SETTINGS_FILE = "salescli.yaml"
PRODUCTS_FILE = "products.yaml"
PIPELINES_DIR = "pipelines"
# folders salescli writes documents into or reads templates from: like the record
# folders, never a symbolic link (a quote written there would leave the repository)
DOCUMENT_DIRS = ("quotes", "orders", "invoices", "templates")
KIND_DIRS = {kind: f"{kind}s" for kind in KINDS}  # each kind's folder
MONTH_RE = later(r"^\d{4}-(0[1-9]|1[0-2])$")


# what a git operation left half done looks like in the git directory, and its name
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "rebase-merge": "a rebase",
    "rebase-apply/applying": "an am",  # `git am` leaves rebase-apply too
    "rebase-apply": "a rebase",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
}


def in_progress(git_dir: Path) -> str | None:
    """The git operation under way in `git_dir` (a merge, a rebase...), if any."""
    for name, what in _IN_PROGRESS.items():
        if (git_dir / name).exists():
            return what
    return None


def busy_error(what: str) -> str:
    """Why a write waits for a merge, rebase... in progress, with git's two ways out."""
    verb = what.split(" ", 1)[1]
    return (f"the repository is in the middle of {what}; finish it (resolve, `git add`, "
            f"`git {verb} --continue`) or abort it (`git {verb} --abort`) first")


def find_root(start: Path) -> Path:
    """Walk up from `start` to the folder holding salescli.yaml, as git finds .git."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
        if (folder / ".git").exists():
            break  # never leave the enclosing git repository
    if (start / "HEAD").is_file() and (start / "objects").is_dir():  # a bare repository
        raise NotARepository(f"{start} is a bare git repository: it has no work tree to "
                             "hold records; run salescli in a clone of it (git clone)")
    raise NotARepository(
        f"not a salescli repository (no {SETTINGS_FILE} in {start} or its parents); "
        "run `salescli init` or pass -C PATH"
    )


def find_top(root: Path) -> tuple[Path, Path]:
    """(the top folder of the git work tree `root` is in, its git directory)."""
    for folder in (root, *root.parents):
        dotgit = folder / ".git"
        if dotgit.is_dir():
            return folder, dotgit
        if dotgit.is_file():  # worktrees and submodules: "gitdir: PATH"
            text = dotgit.read_text(encoding="utf-8").strip()
            if text.startswith("gitdir:"):
                return folder, (folder / text[7:].strip()).resolve()
    raise NotARepository(f"{root} is not inside a git repository; run `git init` first")


def find_git_dir(root: Path) -> Path:
    return find_top(root)[1]


def refuse_shallow(root: Path) -> None:
    """History is read whole or not at all: a shallow clone (`git clone --depth N`, CI's
    default checkout) would date every deal from its oldest commit there, and every
    report from history would be wrong without a word."""
    from salescli.store.gitio import common_dir

    if (common_dir(find_git_dir(root)) / "shallow").exists():
        raise SalescliError(
            "this clone is shallow (git clone --depth): its history starts partway, so "
            "reports and stage days would be wrong; fetch the rest with `git fetch "
            "--unshallow` (in CI: fetch-depth: 0)")


def tree_prefix(root: Path) -> str:
    """Where the pipeline sits in its git work tree: `crm/` when salescli.yaml is in a
    folder of a bigger repository, else "" (a commit's tree, and fast-import, name
    paths from the top)."""
    rel = root.relative_to(find_top(root)[0]).as_posix()
    return "" if rel == "." else rel + "/"


def file_id(path: str) -> str:
    """The ID a record file's path gives: its name without `.yaml`."""
    return path.rsplit("/", 1)[-1].removesuffix(".yaml")


def state_dir(root: Path) -> Path:
    """The folder of the caches and the record index of the pipeline at `root`:
    `.git/salescli/`, or `.git/salescli/roots/NAME/` for a pipeline in a folder of its
    work tree (`crm/` gives `crm`, `sales/fi/` gives `sales%2Ffi`), so two pipelines in
    one repository never answer from each other's caches."""
    top, git_dir = find_top(root)
    rel = root.relative_to(top).as_posix()
    folder = git_dir / "salescli"
    if rel == ".":
        return folder
    return folder / "roots" / rel.replace("%", "%25").replace("/", "%2F")


@dataclass
class Repository:
    root: Path
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def discover(cls, path: str | os.PathLike[str] | None = None) -> Repository:
        explicit = path or os.environ.get("SALESCLI_REPO")
        if explicit:
            root = Path(explicit).resolve()
            if not root.is_dir():  # `-C /typo`: said as git -C says it
                raise NotARepository(f"cannot change to {root}: " + (
                    "not a folder" if root.exists() else "no such folder"))
            if not (root / SETTINGS_FILE).is_file():
                raise NotARepository(
                    f"not a salescli repository: {root} has no {SETTINGS_FILE}; "
                    "run `salescli init` there first"
                )
            return cls(root)
        return cls(find_root(Path.cwd()))

    @cached_property
    def git_dir(self) -> Path:
        return find_git_dir(self.root)

    @cached_property
    def prefix(self) -> str:
        return tree_prefix(self.root)

    @cached_property
    def state_dir(self) -> Path:
        return state_dir(self.root)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # ---------------------------------------------------------------- config files

    def _config(self, kind: str, relpath: str) -> Any:
        from salescli.store.loader import load_config

        if relpath not in self._cache:
            self._cache[relpath] = load_config(self.root, kind, relpath)
        return self._cache[relpath]

    @property
    def settings(self) -> Any:
        return self._config("settings", SETTINGS_FILE)

    @property
    def products(self) -> Any:
        if not (self.root / PRODUCTS_FILE).exists():
            from salescli.core.model import Products

            return Products()
        return self._config("products", PRODUCTS_FILE)

    def pipeline_paths(self) -> list[Path]:
        folder = self.root / PIPELINES_DIR
        return sorted(folder.glob("*.yaml")) if folder.is_dir() else []

    def pipeline(self, name: str | None = None) -> Any:
        name = name or self.settings.default_pipeline
        check_id(name, "pipeline")
        relpath = f"{PIPELINES_DIR}/{name}.yaml"
        if not (self.root / relpath).is_file():
            raise SalescliError(
                f"{relpath}: no such pipeline; create it or fix the deal's `pipeline:`"
            )
        return self._config("pipeline", relpath)

    # --------------------------------------------------------------------- records

    def record_files(self, kind: str) -> list[tuple[str, str]]:
        """(month folder, file name) of every `KIND/YYYY-MM/ID.yaml`, sorted by path
        (month, then ID): names only, so 10,000 deals are listed in milliseconds."""
        base = os.path.join(self.root, KIND_DIRS[kind])
        if not os.path.isdir(base) or os.path.islink(base):
            return []
        found: list[tuple[str, str]] = []
        with os.scandir(base) as months:
            for month in sorted(months, key=lambda e: e.name):
                if month.is_dir(follow_symlinks=False) and MONTH_RE.match(month.name):
                    with os.scandir(month.path) as files:
                        found.extend((month.name, name) for name in sorted(f.name for f in files)
                                     if name.endswith(".yaml"))
        return found

    def record_paths(self, kind: str) -> list[Path]:
        """Every `KIND/YYYY-MM/ID.yaml`, sorted by path (month, then ID)."""
        base = self.root / KIND_DIRS[kind]
        return [base / month / name for month, name in self.record_files(kind)]

    def find(self, kind: str, record_id: str) -> Path:
        """The file of a record, found by ID alone whatever its month folder."""
        check_id(record_id, kind)
        base = self.root / KIND_DIRS[kind]
        odd = None  # the ID's name, but no file: a folder, a pipe, a broken link
        if base.is_dir() and not base.is_symlink():
            for month in sorted(os.listdir(base), reverse=True):
                # a symlinked month folder could lead outside the repository
                if MONTH_RE.match(month) and not (base / month).is_symlink():
                    candidate = base / month / f"{record_id}.yaml"
                    if candidate.is_file():
                        return candidate
                    if odd is None and os.path.lexists(candidate):
                        odd = candidate
        if odd is not None:
            rel = odd.relative_to(self.root).as_posix()
            raise SalescliError(f"{rel}: is not a regular file (a folder, a pipe or a broken "
                                f"link); a record is a file: restore it (git checkout -- "
                                f"{rel}) or remove it")
        raise RecordNotFound(
            f"no {kind} {record_id!r} in {KIND_DIRS[kind]}/; "
            f"see `salescli {kind} list` for the IDs", (kind,), record_id
        )

    def ids(self, kind: str) -> set[str]:
        return {name[:-5] for _, name in self.record_files(kind)}

    def load(self, kind: str, record_id: str) -> Any:
        """One record as a validated model; an invalid file is an error naming it."""
        from salescli.store.loader import load_record_file

        return load_record_file(self.root, kind, self.find(kind, record_id))
